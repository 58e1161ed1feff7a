//! The simulated clock.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use usched::{Clock, Instant, Wakeup};

/// Simulated board time, in microseconds.
///
/// It moves only when told: [`SimClock::advance`] (a task "doing work" for a while), or when the
/// scheduler idles: then it jumps to the next deadline at once. With no deadline at all it parks
/// the thread until a waker from another thread fires, if the clock was told other threads may wake
/// it ([`SimClock::threaded`]); otherwise nothing can ever happen again, and the run ends with
/// [`RunEnd::Stalled`](usched::RunEnd) instead of hanging (a lost wake fails a test, never hangs
/// it). When pollers keep the scheduler passing with nothing due, each idle pass moves time on by
/// [`SimClock::step`] (default 100 µs), but never past the next deadline.
///
/// ```
/// use std::time::Duration;
/// use usched::Clock;
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// CLOCK.advance(Duration::from_millis(5));
/// assert_eq!(CLOCK.now().as_micros(), 5_000);
/// ```
#[derive(Debug)]
pub struct SimClock {
    now: AtomicU64,
    step: AtomicU64,
    threaded: AtomicBool,
}

impl Default for SimClock {
    fn default() -> Self {
        Self::new()
    }
}

impl SimClock {
    /// A clock at time zero.
    ///
    /// ```
    /// let c = usched_sim::SimClock::new();
    /// assert_eq!(c.now().as_micros(), 0);
    /// ```
    pub const fn new() -> Self {
        SimClock { now: AtomicU64::new(0), step: AtomicU64::new(100), threaded: AtomicBool::new(false) }
    }

    /// A clock at time zero that other threads may wake: with nothing due and nothing pending, the
    /// scheduler parks its thread until they do, instead of ending the run as stalled.
    ///
    /// ```
    /// use usched::Clock;
    /// assert!(usched_sim::SimClock::threaded().can_wake_from_outside());
    /// assert!(!usched_sim::SimClock::new().can_wake_from_outside());
    /// ```
    pub const fn threaded() -> Self {
        SimClock { now: AtomicU64::new(0), step: AtomicU64::new(100), threaded: AtomicBool::new(true) }
    }

    /// Says whether other threads may wake the scheduler (see [`threaded`](Self::threaded)).
    ///
    /// ```
    /// use usched::Clock;
    /// let c = usched_sim::SimClock::new();
    /// c.set_threaded(true);
    /// assert!(c.can_wake_from_outside());
    /// ```
    pub fn set_threaded(&self, threaded: bool) {
        self.threaded.store(threaded, Ordering::Relaxed);
    }

    /// The current simulated time.
    ///
    /// ```
    /// assert_eq!(usched_sim::SimClock::new().now(), usched::Instant::ZERO);
    /// ```
    pub fn now(&self) -> Instant {
        Instant::from_micros(self.now.load(Ordering::Relaxed))
    }

    /// Moves time forward by `d`: what a task does to model work that takes that long
    /// (the original demos' `pyb.delay`).
    ///
    /// ```
    /// let c = usched_sim::SimClock::new();
    /// c.advance(std::time::Duration::from_micros(3));
    /// assert_eq!(c.now().as_micros(), 3);
    /// ```
    pub fn advance(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let _ = self.now.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| Some(t.saturating_add(us)));
    }

    /// Sets how far time moves on an idle pass with nothing due (pollers waiting).
    ///
    /// ```
    /// let c = usched_sim::SimClock::new();
    /// c.set_step(std::time::Duration::from_millis(1));
    /// ```
    pub fn set_step(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1);
        self.step.store(us, Ordering::Relaxed);
    }

    /// The idle step (see [`set_step`](Self::set_step)).
    ///
    /// ```
    /// assert_eq!(usched_sim::SimClock::new().step().as_micros(), 100);
    /// ```
    pub fn step(&self) -> Duration {
        Duration::from_micros(self.step.load(Ordering::Relaxed))
    }

    /// Moves time forward to `t`; never moves it back (a `t` in the past changes nothing).
    ///
    /// ```
    /// use usched::Instant;
    /// let c = usched_sim::SimClock::new();
    /// c.set(Instant::from_millis(7));
    /// c.set(Instant::from_millis(2));
    /// assert_eq!(c.now(), Instant::from_millis(7));
    /// ```
    pub fn set(&self, t: Instant) {
        self.jump_to(t.as_micros());
    }

    fn jump_to(&self, t: u64) {
        self.now.fetch_max(t, Ordering::Relaxed);
    }
}

impl Clock for SimClock {
    /// The simulation runs on one OS thread; other threads (a threaded test) are other contexts.
    fn context(&self) -> Option<usched::ContextProbe> {
        Some(usched::ContextProbe::thread())
    }

    fn now(&self) -> Instant {
        SimClock::now(self)
    }

    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        if wake.pending() {
            return;
        }
        let now = self.now();
        match until {
            Some(t) if t > now => self.jump_to(t.as_micros()),
            Some(_) => {
                // Pollers are waiting to see time move: a step, but not past the next deadline.
                let step = now + self.step();
                let to = wake.next_deadline().filter(|&d| d > now).map_or(step, |d| d.min(step));
                self.jump_to(to.as_micros());
            }
            None => std::thread::park(),
        }
    }

    fn can_wake_from_outside(&self) -> bool {
        self.threaded.load(Ordering::Relaxed)
    }
}
