//! A debounced switch: the original's `Switch`.
//!
//! A mechanical contact bounces for a few milliseconds when it closes or opens. Reacting to every
//! edge would report a burst of closes and opens; the original's cure, kept here, is to look at
//! the pin only every debounce period (20 ms by default). Any two readings are then a period
//! apart, so a burst shorter than the period shows up as a single change at the first sample
//! after it. The cost is latency: a change is reported up to one period after it settles (up to
//! two after a sample that ran late, since the next one then skips a grid instant to stay a
//! full period away).
//!
//! The level at start-up is read and taken as the state without an event, so a switch that is
//! closed at power-up does not report a close.

use core::cell::Cell;
use core::convert::Infallible;
use core::time::Duration;

use embedded_hal::digital::InputPin;
use usched::{sleep_until, Clock, Signal};

use crate::ticker::Ticker;

/// What a [`Switch`] reports.
///
/// ```
/// assert_ne!(usched_drivers::SwitchEvent::Closed, usched_drivers::SwitchEvent::Opened);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SwitchEvent {
    /// The contact closed.
    Closed,
    /// The contact opened.
    Opened,
}

/// A debounced switch (see the module docs). Share it by reference; spawn [`Switch::run`] once.
///
/// ```
/// use usched::{Instant, Sched};
/// use usched_drivers::{Switch, SwitchEvent};
/// use usched_sim::Board;
///
/// let board = Board::new();
/// let pin = board.input("X6", true);
/// // A close with three bounces 1 ms apart from 30 ms: one event, at the sample at 40 ms.
/// board.bounce_at(Instant::from_millis(30), &pin, true, 3, core::time::Duration::from_millis(1));
/// let sw: &'static Switch = Box::leak(Box::new(Switch::new()));
/// let s: &'static Sched<1, 512> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async move {
///     let _ = sw.run(pin, board, |e| {
///         assert_eq!((e, board.now()), (SwitchEvent::Closed, Instant::from_millis(40)));
///         s.stop_all();
///     }).await;
/// }).unwrap();
/// s.run(board);
/// assert_eq!(sw.is_closed(), Some(true));
/// ```
pub struct Switch {
    period: Duration,
    closed_high: bool,
    closed: Cell<Option<bool>>,
    on_close: Signal,
    on_open: Signal,
}

impl core::fmt::Debug for Switch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Switch").field("period", &self.period).field("closed", &self.closed).finish()
    }
}

impl Default for Switch {
    fn default() -> Self {
        Self::new()
    }
}

impl Switch {
    /// The original's debounce period.
    pub const DEFAULT_PERIOD: Duration = Duration::from_millis(20);

    /// A switch that pulls its pin to ground when closed (the pin pulled up: the original's
    /// wiring), sampled every 20 ms.
    ///
    /// ```
    /// assert_eq!(usched_drivers::Switch::new().is_closed(), None); // not sampled yet
    /// ```
    pub const fn new() -> Self {
        Switch {
            period: Self::DEFAULT_PERIOD,
            closed_high: false,
            closed: Cell::new(None),
            on_close: Signal::new(),
            on_open: Signal::new(),
        }
    }

    /// The same switch with another debounce period (longer than the contact's bounce, shorter
    /// than the quickest flick it must see). A zero period is taken as 1 µs.
    ///
    /// ```
    /// let sw = usched_drivers::Switch::new().with_period(core::time::Duration::from_millis(50));
    /// assert_eq!(sw.period().as_millis(), 50);
    /// ```
    pub const fn with_period(mut self, period: Duration) -> Self {
        self.period = if period.is_zero() { Duration::from_micros(1) } else { period };
        self
    }

    /// The same switch, wired so that its pin reads high when closed (to Vdd, pulled down).
    ///
    /// ```
    /// let sw = usched_drivers::Switch::new().closed_when_high();
    /// # let _ = sw;
    /// ```
    pub const fn closed_when_high(mut self) -> Self {
        self.closed_high = true;
        self
    }

    /// The debounce period.
    ///
    /// ```
    /// assert_eq!(usched_drivers::Switch::new().period().as_millis(), 20);
    /// ```
    pub const fn period(&self) -> Duration {
        self.period
    }

    /// The debounced state: `Some(true)` closed, `Some(false)` open, `None` before the runner
    /// has read the pin. (The original's `sw()` gave the electrical level; this is the logical one.)
    ///
    /// ```
    /// assert_eq!(usched_drivers::Switch::new().is_closed(), None);
    /// ```
    pub fn is_closed(&self) -> Option<bool> {
        self.closed.get()
    }

    /// Waits for the switch to close (a close that came while nobody waited counts at once).
    ///
    /// ```
    /// let sw = usched_drivers::Switch::new();
    /// let fut = sw.closed();
    /// # drop(fut);
    /// ```
    pub async fn closed(&self) {
        self.on_close.wait().await
    }

    /// Waits for the switch to open (an open that came while nobody waited counts at once).
    ///
    /// ```
    /// let sw = usched_drivers::Switch::new();
    /// let fut = sw.opened();
    /// # drop(fut);
    /// ```
    pub async fn opened(&self) {
        self.on_open.wait().await
    }

    /// The switch's task: reads `pin` at start (no event) and then every period, calling
    /// `on_event` and waking [`closed`](Self::closed) / [`opened`](Self::opened) waiters on each
    /// debounced change. Never returns, except with the pin's error. Times come from `clock`, the
    /// clock the scheduler runs on. Run one runner per switch.
    ///
    /// ```
    /// use usched::Sched;
    /// use usched_drivers::Switch;
    /// use usched_sim::Board;
    /// let board = Board::new();
    /// let pin = board.input("X5", true);
    /// let sw: &'static Switch = Box::leak(Box::new(Switch::new()));
    /// let s: &'static Sched<1, 512> = Box::leak(Box::new(Sched::new()));
    /// s.spawn(async move {
    ///     // It only ever ends with an error (its `Ok` type is `Infallible`).
    ///     let Err(e) = sw.run(pin, board, |e| println!("{e:?}")).await;
    ///     println!("pin error: {e:?}");
    /// }).unwrap();
    /// ```
    pub async fn run<P, C>(
        &self,
        mut pin: P,
        clock: &C,
        mut on_event: impl FnMut(SwitchEvent),
    ) -> Result<Infallible, P::Error>
    where
        P: InputPin,
        C: Clock + ?Sized,
    {
        self.closed.set(Some(pin.is_high()? == self.closed_high));
        let mut ticker = Ticker::new(clock.now(), self.period);
        loop {
            sleep_until(ticker.next()).await;
            ticker.advance(clock.now());
            let closed = pin.is_high()? == self.closed_high;
            if self.closed.replace(Some(closed)) == Some(closed) {
                continue;
            }
            if closed {
                on_event(SwitchEvent::Closed);
                self.on_close.signal();
            } else {
                on_event(SwitchEvent::Opened);
                self.on_open.signal();
            }
        }
    }
}
