//! The four wires and the self-timed bit handshake.
//!
//! Each end drives a clock line and a data line and reads its peer's pair; no shared clock, no
//! timing assumption. An end may exchange a bit only when its peer has moved: the initiator when
//! the peer's clock equals its own, the passive end when they differ. To exchange it reads the
//! peer's data line, sets its own data line to its next bit, and only then toggles its own clock.
//! The clocks therefore strictly alternate, each edge carries one bit from the end that made it,
//! and the data is always set before the edge that announces it. Whichever end takes longer to
//! come back to the link sets the pace; the other waits.
//!
//! The initiator starts a session by setting its first bit and raising its clock without reading;
//! the passive end answers that edge with its own first bit.

use embedded_hal::digital::{InputPin, OutputPin, PinState};

use crate::config::Role;

/// The pins of one link end: clock out, data out, clock in, data in, and optionally a line
/// that resets the peer. Wire each end's `ckout` to the other's `ckin` and `dout` to `din`; the
/// clock lines want pull-downs, so a peer in reset reads as a low clock.
///
/// ```
/// use syncom::Pins;
/// let b = usched_sim::Board::new();
/// let pins = Pins::new(b.input("ckin", false), b.output("ckout"), b.input("din", false), b.output("dout"))
///     .with_reset(b.output("reset"));
/// assert!(pins.reset.is_some());
/// ```
#[derive(Debug, Clone)]
pub struct Pins<CI, CO, DI, DO, R = NoReset> {
    /// The peer's clock.
    pub ckin: CI,
    /// This end's clock.
    pub ckout: CO,
    /// The peer's data.
    pub din: DI,
    /// This end's data.
    pub dout: DO,
    /// The peer's reset line (used by the initiator only).
    pub reset: Option<R>,
}

impl<CI, CO, DI, DO> Pins<CI, CO, DI, DO, NoReset> {
    /// The four link pins, with no reset line.
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// let pins = syncom::Pins::new(b.input("ckin", false), b.output("ckout"), b.input("din", false), b.output("dout"));
    /// assert!(pins.reset.is_none());
    /// ```
    pub fn new(ckin: CI, ckout: CO, din: DI, dout: DO) -> Self {
        Pins { ckin, ckout, din, dout, reset: None }
    }

    /// The same pins with a line that resets the peer.
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// let pins = syncom::Pins::new(b.input("ckin", false), b.output("ckout"), b.input("din", false), b.output("dout"))
    ///     .with_reset(b.output("reset"));
    /// # drop(pins);
    /// ```
    pub fn with_reset<R: OutputPin>(self, reset: R) -> Pins<CI, CO, DI, DO, R> {
        Pins { ckin: self.ckin, ckout: self.ckout, din: self.din, dout: self.dout, reset: Some(reset) }
    }
}

/// The reset line of a link without one (an output pin that does nothing).
///
/// ```
/// use embedded_hal::digital::OutputPin;
/// let mut none = syncom::NoReset;
/// assert!(none.set_high().is_ok());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NoReset;

impl embedded_hal::digital::ErrorType for NoReset {
    type Error = core::convert::Infallible;
}

impl OutputPin for NoReset {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// A pin reported an error. The link treats it as a failed session and starts another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PinFault;

/// The four link pins and the handshake state. Dropped (the link task stopped), it drives its
/// outputs low, so a stopped end looks like a quiet one to its peer.
pub(crate) struct Wire<CI: InputPin, CO: OutputPin, DI: InputPin, DO: OutputPin> {
    ckin: CI,
    ckout: CO,
    din: DI,
    dout: DO,
    /// True on the passive end.
    passive: bool,
    /// The level of this end's own clock.
    phase: bool,
}

impl<CI: InputPin, CO: OutputPin, DI: InputPin, DO: OutputPin> Wire<CI, CO, DI, DO> {
    pub(crate) fn new(ckin: CI, ckout: CO, din: DI, dout: DO, role: Role) -> Self {
        Wire { ckin, ckout, din, dout, passive: role == Role::Passive, phase: false }
    }

    /// Both outputs low: the state between sessions and after a failure.
    pub(crate) fn lines_low(&mut self) -> Result<(), PinFault> {
        self.phase = false;
        self.dout.set_low().map_err(|_| PinFault)?;
        self.ckout.set_low().map_err(|_| PinFault)
    }

    /// The peer's clock line.
    pub(crate) fn ckin_high(&mut self) -> Result<bool, PinFault> {
        self.ckin.is_high().map_err(|_| PinFault)
    }

    /// The initiator's opening move: its first bit, then its clock high, without reading.
    pub(crate) fn prime(&mut self, bit: bool) -> Result<(), PinFault> {
        self.dout.set_state(PinState::from(bit)).map_err(|_| PinFault)?;
        self.phase = true;
        self.ckout.set_high().map_err(|_| PinFault)
    }

    /// True when the peer has made its move and this end may exchange a bit.
    #[inline]
    pub(crate) fn ready(&mut self) -> Result<bool, PinFault> {
        Ok(self.ckin_high()? == (self.phase ^ self.passive))
    }

    /// One bit each way: reads the peer's bit, sets this end's next bit, then toggles the clock.
    /// Call only when [`ready`](Self::ready).
    #[inline]
    pub(crate) fn exchange(&mut self, bit: bool) -> Result<bool, PinFault> {
        let got = self.din.is_high().map_err(|_| PinFault)?;
        self.dout.set_state(PinState::from(bit)).map_err(|_| PinFault)?;
        self.phase = !self.phase;
        self.ckout.set_state(PinState::from(self.phase)).map_err(|_| PinFault)?;
        Ok(got)
    }
}

impl<CI: InputPin, CO: OutputPin, DI: InputPin, DO: OutputPin> Drop for Wire<CI, CO, DI, DO> {
    fn drop(&mut self) {
        let _ = self.lines_low();
    }
}
