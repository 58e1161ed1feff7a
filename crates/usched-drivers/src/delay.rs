//! A retriggerable monostable, or software watchdog: the original's `Delay`.
//!
//! Idle until [`trigger`](Delay::trigger)ed; then it fires once, `d` after the *last* trigger.
//! Triggering again while it runs moves the moment, later or earlier (the original could only
//! postpone); [`stop`](Delay::stop) cancels it. Kept fed by a periodic trigger, it never fires:
//! a watchdog.
//!
//! The original spawned a thread on the first trigger of each run. Here a Delay has exactly one
//! task, its [`run`](Delay::run), spawned once; triggers only change a deadline and wake that task.
//! The deadline is computed by the trigger itself (from the scheduler's clock) and kept behind a
//! critical section, so a trigger is safe from an interrupt handler or another thread, and counts
//! from the moment of the trigger, not from whenever the task gets to run. The wake goes through a
//! [`usched::IrqLine`], so the task comes back as fast as an interrupt waiter does.

use core::cell::Cell;
use core::convert::Infallible;
use core::time::Duration;

use usched::{Clock, Instant};

use crate::sync::critical_section::{self, Mutex};
use crate::sync::{timeout_at, IrqLine};

/// A retriggerable delay (see the module docs), timed by the clock `C` its scheduler runs on.
///
/// `Delay<C>` is `Sync` when `C` is, so it can be a `static` that interrupt handlers trigger.
///
/// ```
/// use core::time::Duration;
/// use usched::{sleep, Instant, Sched};
/// use usched_drivers::Delay;
/// use usched_sim::SimClock;
///
/// static CLOCK: SimClock = SimClock::new();
/// static WATCHDOG: Delay<SimClock> = Delay::new(&CLOCK);
/// let s: &'static Sched<2, 512> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async move {
///     let _ = WATCHDOG.run(|| {
///         assert_eq!(CLOCK.now(), Instant::from_millis(250)); // the last feed at 150 ms + 100 ms
///         s.stop_all();
///     }).await;
/// }).unwrap();
/// s.spawn(async {
///     for _ in 0..3 {
///         WATCHDOG.trigger(Duration::from_millis(100)); // fed at 0, 50, 100 and 150 ms
///         sleep(Duration::from_millis(50)).await;
///     }
///     WATCHDOG.trigger(Duration::from_millis(100));
/// }).unwrap();
/// s.run(&CLOCK);
/// assert!(!WATCHDOG.running());
/// ```
pub struct Delay<C: ?Sized + 'static> {
    clock: &'static C,
    deadline: Mutex<Cell<Option<Instant>>>,
    wake: IrqLine,
}

impl<C: Clock + ?Sized + 'static> core::fmt::Debug for Delay<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Delay").field("deadline", &self.deadline()).finish()
    }
}

impl<C: Clock + ?Sized + 'static> Delay<C> {
    /// An idle delay timed by `clock` (the clock the scheduler runs on).
    ///
    /// ```
    /// static CLOCK: usched_sim::SimClock = usched_sim::SimClock::new();
    /// static D: usched_drivers::Delay<usched_sim::SimClock> = usched_drivers::Delay::new(&CLOCK);
    /// assert!(!D.running());
    /// ```
    pub const fn new(clock: &'static C) -> Self {
        Delay { clock, deadline: Mutex::new(Cell::new(None)), wake: IrqLine::new() }
    }

    /// Starts or restarts the delay: it fires `d` from now, whatever was set before (later or
    /// earlier). Safe from an interrupt handler and from another thread. Huge `d` saturate.
    ///
    /// ```
    /// use core::time::Duration;
    /// static CLOCK: usched_sim::SimClock = usched_sim::SimClock::new();
    /// static D: usched_drivers::Delay<usched_sim::SimClock> = usched_drivers::Delay::new(&CLOCK);
    /// D.trigger(Duration::from_secs(1));
    /// D.trigger(Duration::from_millis(10)); // shortened
    /// assert_eq!(D.deadline(), Some(usched::Instant::from_millis(10)));
    /// ```
    pub fn trigger(&self, d: Duration) {
        // The time is read inside the critical section: read outside, an interrupt (or another
        // thread) could trigger in between, and this trigger would then overwrite the later
        // one's deadline with one computed from a time before it.
        critical_section::with(|cs| self.deadline.borrow(cs).set(Some(self.clock.now() + d)));
        self.wake.signal();
    }

    /// Cancels a running delay: it will not fire (until triggered again). Safe from an
    /// interrupt handler and from another thread.
    ///
    /// ```
    /// static CLOCK: usched_sim::SimClock = usched_sim::SimClock::new();
    /// static D: usched_drivers::Delay<usched_sim::SimClock> = usched_drivers::Delay::new(&CLOCK);
    /// D.trigger(core::time::Duration::from_secs(1));
    /// D.stop();
    /// assert!(!D.running());
    /// ```
    pub fn stop(&self) {
        critical_section::with(|cs| self.deadline.borrow(cs).set(None));
        self.wake.signal();
    }

    /// True from a trigger until the delay fires or is stopped.
    ///
    /// ```
    /// static CLOCK: usched_sim::SimClock = usched_sim::SimClock::new();
    /// static D: usched_drivers::Delay<usched_sim::SimClock> = usched_drivers::Delay::new(&CLOCK);
    /// assert!(!D.running());
    /// D.trigger(core::time::Duration::ZERO);
    /// assert!(D.running()); // until its task runs and fires it
    /// ```
    pub fn running(&self) -> bool {
        self.deadline().is_some()
    }

    /// When it will fire, if it runs.
    ///
    /// ```
    /// static CLOCK: usched_sim::SimClock = usched_sim::SimClock::new();
    /// static D: usched_drivers::Delay<usched_sim::SimClock> = usched_drivers::Delay::new(&CLOCK);
    /// assert_eq!(D.deadline(), None);
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        critical_section::with(|cs| self.deadline.borrow(cs).get())
    }

    /// The delay's one task: waits for triggers and calls `on_fire` each time the delay runs out.
    /// Spawn it once, before or after the first trigger; it never returns.
    ///
    /// ```
    /// use usched::Sched;
    /// use usched_drivers::Delay;
    /// use usched_sim::SimClock;
    /// static CLOCK: SimClock = SimClock::new();
    /// static D: Delay<SimClock> = Delay::new(&CLOCK);
    /// let s: &'static Sched<1, 512> = Box::leak(Box::new(Sched::new()));
    /// s.spawn(async { let _ = D.run(|| println!("fired")).await; }).unwrap();
    /// ```
    pub async fn run(&self, mut on_fire: impl FnMut()) -> Infallible {
        loop {
            let Some(at) = self.deadline() else {
                let _ = self.wake.wait().await;
                continue;
            };
            if timeout_at(at, self.wake.wait()).await.is_ok() {
                continue; // retriggered or stopped: look again
            }
            // Due, unless a trigger or a stop came in after the wait ended.
            let due = critical_section::with(|cs| {
                let d = self.deadline.borrow(cs);
                let due = d.get() == Some(at);
                if due {
                    d.set(None);
                }
                due
            });
            if due {
                on_fire();
            }
        }
    }
}
