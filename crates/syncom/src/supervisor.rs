//! The link task: sessions one after another, with a reset of the peer and a quiet period
//! between them.
//!
//! The original had one session per `start()`: after a bit slip or a dead peer it stopped, and
//! the application had to notice and start it again. Here the link task never gives up. When a
//! session fails it reports the link `Down`, drives both its lines low (a stopped end looks like
//! a quiet one), and, on the initiator with a reset line, resets the peer. Then both ends wait
//! until the peer's clock line has been low for a while: the passive end for `quiet`, the
//! initiator for `bit_timeout + 2 * quiet`, so that whichever end noticed the failure first, the
//! passive end is listening by the time the initiator makes its first edge. A new session
//! follows, and the messages the old one left unacknowledged are sent again.
//!
//! "Whichever end noticed first" has a bound: when the initiator's session fails first, the
//! passive end, still in its own, notices only at its bit timeout, counted in looks at the clock
//! line, and then wants `quiet` of silence; all that must fit in the initiator's
//! `bit_timeout + 2 * quiet`. A look interval (`Config::poll`) of a few `quiet`s would not fit,
//! and the passive end would still be in its old session when the initiator's new one began,
//! take its bits for the old one's, and keep the two out of step for as long as the initiator's
//! sessions keep failing. So the session shortens its looks to `quiet / 8` at most.
//!
//! A reset that wipes the peer's memory also wipes its sequence numbers. Nothing here needs to
//! know: the rebooted peer says so itself in its frames, whether the reset came through the reset
//! line or from a watchdog or a brown-out, and both ends start numbering again (`window.rs`).

use core::time::Duration;

use embedded_hal::digital::{InputPin, OutputPin, PinState};
use usched::{sleep, Clock};

use crate::config::{Config, Role};
use crate::counters::LinkState;
use crate::session::{End, Session};
use crate::syncom::Syncom;
use crate::wire::{Pins, Wire};

impl<const N: usize, const Q: usize> Syncom<N, Q> {
    /// The link task: run it as a task of its own; it never returns (stopping the task stops the
    /// link: it drives its lines low, releases the peer's reset line and reports the link
    /// `Down`). `clock` is the scheduler's clock, for the timeouts.
    ///
    /// ```
    /// use core::time::Duration;
    /// use syncom::{Config, Pins, Role, Syncom};
    /// use usched::{sleep, Sched};
    /// use usched_sim::Board;
    ///
    /// let a = Board::new();
    /// let b = a.peer("B");
    /// let pins = |board: &'static Board| {
    ///     let p = Pins::new(board.input("ckin", false), board.output("ckout"), board.input("din", false), board.output("dout"));
    ///     for pin in [p.ckin, p.ckout, p.din, p.dout] { pin.set_traced(false) }
    ///     p
    /// };
    /// let (pa, pb) = (pins(a), pins(b));
    /// pa.ckout.wire_to(&pb.ckin);
    /// pa.dout.wire_to(&pb.din);
    /// pb.ckout.wire_to(&pa.ckin);
    /// pb.dout.wire_to(&pa.din);
    ///
    /// let link_a: &'static Syncom<32, 4> = Box::leak(Box::new(Syncom::new()));
    /// let link_b: &'static Syncom<32, 4> = Box::leak(Box::new(Syncom::new()));
    /// let mut cfg = Config::new(Role::Initiator);
    /// cfg.poll = Duration::from_micros(10);
    /// let s: &'static Sched<4, 1024> = Box::leak(Box::new(Sched::new()));
    /// s.spawn(link_a.run(pa, a, cfg)).unwrap();
    /// s.spawn(link_b.run(pb, b, Config { role: Role::Passive, ..cfg })).unwrap();
    /// s.spawn(async move {
    ///     link_a.send(&1234u32).await.unwrap();
    ///     assert_eq!(link_b.recv::<u32>().await, Ok(1234));
    ///     s.stop_all();
    /// }).unwrap();
    /// s.run(a);
    /// ```
    pub async fn run<CI, CO, DI, DO, R, C>(&self, pins: Pins<CI, CO, DI, DO, R>, clock: &C, cfg: Config)
    where
        CI: InputPin,
        CO: OutputPin,
        DI: InputPin,
        DO: OutputPin,
        R: OutputPin,
        C: Clock,
    {
        let Pins { ckin, ckout, din, dout, reset } = pins;
        // Stopped during a reset pulse, the task must not leave the peer held in reset.
        // (Only the initiator drives it: a passive end never touches the pin it was given.)
        let reset = if cfg.role == Role::Initiator { reset } else { None };
        let mut reset = ReleaseOnDrop { pin: reset, inactive: PinState::from(!cfg.reset_active) };
        let mut wire = Wire::new(ckin, ckout, din, dout, cfg.role);
        // Stopped (the task dropped at an await), the link is down: its lines go low (the wire's
        // own drop) and its state says so, so `state()` and `wait_for` do not report a dead link up.
        let _down = DownOnDrop(self);
        loop {
            self.set_state(LinkState::Down);
            let _ = wire.lines_low();
            if let Some(r) = reset.pin.as_mut() {
                let _ = r.set_state(PinState::from(cfg.reset_active));
                sleep(cfg.reset_pulse).await;
                let _ = r.set_state(PinState::from(!cfg.reset_active));
                sleep(cfg.reset_boot).await;
            }
            wait_quiet(&mut wire, clock, &cfg).await;
            let end = Session::new(self, &cfg, clock).run(&mut wire).await;
            if end != End::Pin {
                self.count(|c| c.timeouts = c.timeouts.wrapping_add(1));
            }
        }
    }
}

/// The reset line, released (driven to its inactive level) when the link task is dropped.
struct ReleaseOnDrop<R: OutputPin> {
    pin: Option<R>,
    inactive: PinState,
}

impl<R: OutputPin> Drop for ReleaseOnDrop<R> {
    fn drop(&mut self) {
        if let Some(r) = self.pin.as_mut() {
            let _ = r.set_state(self.inactive);
        }
    }
}

/// Reports the link `Down` when the link task is dropped.
struct DownOnDrop<'a, const N: usize, const Q: usize>(&'a Syncom<N, Q>);

impl<const N: usize, const Q: usize> Drop for DownOnDrop<'_, N, Q> {
    fn drop(&mut self) {
        self.0.set_state(LinkState::Down);
    }
}

/// Waits until the peer's clock line has stayed low for this end's quiet time.
async fn wait_quiet<CI: InputPin, CO: OutputPin, DI: InputPin, DO: OutputPin, C: Clock>(
    wire: &mut Wire<CI, CO, DI, DO>,
    clock: &C,
    cfg: &Config,
) {
    let need = cfg.quiet_wait();
    let look = (cfg.quiet / 16).max(Duration::from_micros(1));
    let mut since = clock.now();
    loop {
        match wire.ckin_high() {
            Ok(false) => {
                if clock.now() - since >= need {
                    return;
                }
            }
            _ => since = clock.now(),
        }
        sleep(look).await;
    }
}
