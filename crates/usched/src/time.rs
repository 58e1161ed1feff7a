//! Time: a 64-bit microsecond [`Instant`] and the [`Clock`] seam.
//!
//! The original kept time in a 30-bit microsecond counter, which is why its delays stopped at
//! 536 seconds: a wrapped difference is only unambiguous below half the period. Here every instant is
//! a `u64` count of microseconds since the clock started. That wraps after 584,000 years, so no delay
//! has a ceiling and every addition saturates instead of wrapping.
//!
//! The scheduler never reads a hardware timer itself. It asks a [`Clock`] for the time, and when no
//! task is ready it asks the same clock to wait (`WFI` on a chip, a park on a host, an instant jump on
//! the simulated board). That one trait is what makes the same scheduler exact in tests and real on a board.

use core::ops::{Add, Sub};
use core::time::Duration;

use crate::sched_core::Core;

/// A point in time: microseconds since the clock started.
///
/// ```
/// use core::time::Duration;
/// use usched::Instant;
/// let t = Instant::from_micros(1_500);
/// assert_eq!((t + Duration::from_millis(1)).as_micros(), 2_500);
/// assert_eq!(Instant::MAX + Duration::from_secs(1), Instant::MAX); // saturates
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(u64);

impl Instant {
    /// The clock's start.
    pub const ZERO: Instant = Instant(0);
    /// The end of time; deadlines saturate here.
    pub const MAX: Instant = Instant(u64::MAX);

    /// The instant `us` microseconds after the clock started.
    ///
    /// ```
    /// assert_eq!(usched::Instant::from_micros(7).as_micros(), 7);
    /// ```
    pub const fn from_micros(us: u64) -> Self {
        Instant(us)
    }

    /// Microseconds since the clock started.
    ///
    /// ```
    /// assert_eq!(usched::Instant::from_millis(2).as_micros(), 2_000);
    /// ```
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// The instant `ms` milliseconds after the clock started (saturating).
    ///
    /// ```
    /// assert_eq!(usched::Instant::from_millis(3).as_micros(), 3_000);
    /// ```
    pub const fn from_millis(ms: u64) -> Self {
        Instant(ms.saturating_mul(1_000))
    }

    /// How long after `earlier` this instant is; zero if it is not after it.
    ///
    /// ```
    /// use core::time::Duration;
    /// use usched::Instant;
    /// let (a, b) = (Instant::from_micros(10), Instant::from_micros(25));
    /// assert_eq!(b.saturating_since(a), Duration::from_micros(15));
    /// assert_eq!(a.saturating_since(b), Duration::ZERO);
    /// ```
    pub const fn saturating_since(self, earlier: Instant) -> Duration {
        duration_from_micros(self.0.saturating_sub(earlier.0))
    }
}

/// `Duration::from_micros`, without a 64-bit division on 32-bit targets.
///
/// There a `u64` division is a library routine of about 900 bytes (`__aeabi_uldivmod` and what it
/// calls), which every program that sleeps would link just to report lateness. On those targets
/// this divides by a million in 32-bit steps instead ([`from_micros_in_u32_steps`]).
#[inline]
pub(crate) const fn duration_from_micros(us: u64) -> Duration {
    if cfg!(target_pointer_width = "64") {
        Duration::from_micros(us)
    } else {
        from_micros_in_u32_steps(us)
    }
}

/// Long division of `us` by a million, eight bits at a time: the remainder stays below 2^20, so
/// every step fits in a `u32` (the hardware divide of a Cortex-M3/M4).
pub(crate) const fn from_micros_in_u32_steps(us: u64) -> Duration {
    const MILLION: u32 = 1_000_000;
    let (mut secs, mut rem, mut shift) = (0u64, 0u32, 64);
    while shift > 0 {
        shift -= 8;
        let cur = (rem << 8) | ((us >> shift) as u32 & 0xff);
        secs = (secs << 8) | (cur / MILLION) as u64;
        rem = cur % MILLION;
    }
    Duration::new(secs, rem * 1000)
}

/// Converts a duration to whole microseconds, saturating at `u64::MAX` (half a million years).
pub(crate) const fn micros(d: Duration) -> u64 {
    let us = d.as_micros();
    if us > u64::MAX as u128 {
        u64::MAX
    } else {
        us as u64
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(micros(d)))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_since(earlier)
    }
}

/// Tells a [`Clock`] that is idling whether something woke the scheduler.
///
/// A clock checks [`Wakeup::pending`] before it goes to sleep (on a chip: with interrupts masked,
/// then `WFI`), so a wake that lands between the scheduler's last look and the sleep is not lost.
pub struct Wakeup<'a> {
    pub(crate) core: &'a Core,
    pub(crate) deadline: Option<Instant>,
}

impl Wakeup<'_> {
    /// True if a waker or an interrupt line has fired since the scheduler last looked.
    ///
    /// ```
    /// # use usched::{Clock, Instant, Wakeup};
    /// struct Busy;
    /// impl Clock for Busy {
    ///     fn now(&self) -> Instant { Instant::ZERO }
    ///     fn idle(&self, _until: Option<Instant>, wake: &Wakeup) {
    ///         while !wake.pending() { core::hint::spin_loop(); break }
    ///     }
    /// }
    /// ```
    pub fn pending(&self) -> bool {
        // A wake on the scheduler's own context (see `ContextProbe`) queues its task directly.
        self.core.wakes.pending() || !self.core.ready.is_empty()
    }

    /// The earliest deadline of a task that can run (`None` if there is none). It differs from the
    /// `until` that `idle` is given when pollers are waiting: then `until` is the next poll. A
    /// simulated clock uses it to step time no further than the deadline.
    ///
    /// ```
    /// # use usched::{Clock, Instant, Wakeup};
    /// struct Stepper(core::cell::Cell<u64>);
    /// impl Clock for Stepper {
    ///     fn now(&self) -> Instant { Instant::from_micros(self.0.get()) }
    ///     fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
    ///         let step = self.0.get() + 100;
    ///         let to = wake.next_deadline().map_or(step, |d| d.as_micros().min(step));
    ///         self.0.set(until.map_or(to, |u| u.as_micros().max(self.0.get())).max(self.0.get()));
    ///     }
    /// }
    /// ```
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadline
    }
}

/// Where the scheduler gets its time from, and how it waits when nothing is ready.
///
/// Implementations in this workspace: [`StdClock`](crate::StdClock) (host real time, feature `std`),
/// `usched_sim::SimClock` (deterministic simulated time that jumps to the next deadline) and the
/// Cortex-M port's SysTick clock.
///
/// ```
/// use core::cell::Cell;
/// use usched::{Clock, Instant, Wakeup};
///
/// /// A clock that only moves when idle: every wait ends at its deadline at once.
/// struct Jump(Cell<u64>);
/// impl Clock for Jump {
///     fn now(&self) -> Instant { Instant::from_micros(self.0.get()) }
///     fn idle(&self, until: Option<Instant>, _wake: &Wakeup) {
///         if let Some(t) = until { self.0.set(self.0.get().max(t.as_micros())) }
///     }
/// }
/// ```
pub trait Clock {
    /// The current time. Must never go backwards.
    fn now(&self) -> Instant;

    /// Nothing is ready. Wait until `until` (or indefinitely for `None`) or until
    /// [`Wakeup::pending`] becomes true, whichever is first. Returning early is always allowed;
    /// the scheduler looks again. `until` may already be past: return at once (a simulated clock
    /// should move its time forward a little, since pollers are waiting to see it change).
    fn idle(&self, until: Option<Instant>, wake: &Wakeup);

    /// Whether anything but the scheduler's own tasks can still wake it: another thread, an
    /// interrupt handler, a stimulus the clock itself delivers. When this is `false` and the
    /// scheduler has nothing to wait for (no deadline, no poller, no pending wake), nothing can
    /// ever happen again, so [`run`](crate::Sched::run) returns [`RunEnd::Stalled`](crate::RunEnd)
    /// instead of idling for ever. Real clocks keep the default, `true`.
    ///
    /// ```
    /// # use usched::{Clock, Instant, Wakeup};
    /// struct Closed;
    /// impl Clock for Closed {
    ///     fn now(&self) -> Instant { Instant::ZERO }
    ///     fn idle(&self, _until: Option<Instant>, _wake: &Wakeup) {}
    ///     fn can_wake_from_outside(&self) -> bool { false }
    /// }
    /// assert!(!Closed.can_wake_from_outside());
    /// ```
    fn can_wake_from_outside(&self) -> bool {
        true
    }

    /// How to tell the scheduler's own execution context from others, if this clock's platform
    /// can (see [`ContextProbe`](crate::ContextProbe)). A wake on the scheduler's own context then
    /// queues its task directly, without atomics. The default, `None`, treats every wake as one
    /// that may come from another thread or an interrupt handler. Read once, by the first
    /// [`run`](crate::Sched::run).
    ///
    /// ```
    /// # use usched::{Clock, ContextProbe, Instant, Wakeup};
    /// /// A program with one thread and no interrupt handlers: one context.
    /// struct OneThread;
    /// fn here() -> usize { 0 }
    /// impl Clock for OneThread {
    ///     fn now(&self) -> Instant { Instant::ZERO }
    ///     fn idle(&self, _until: Option<Instant>, _wake: &Wakeup) {}
    ///     // SAFETY: nothing in this program runs alongside or preempts anything else.
    ///     fn context(&self) -> Option<ContextProbe> { Some(unsafe { ContextProbe::new(here) }) }
    /// }
    /// assert!(OneThread.context().is_some());
    /// ```
    fn context(&self) -> Option<crate::raw::ContextProbe> {
        None
    }
}

#[cfg(feature = "std")]
mod std_clock {
    use super::{Clock, Instant, Wakeup};

    /// Host real time: microseconds since the clock was created; idles by parking the thread.
    ///
    /// ```
    /// use usched::{Clock, StdClock};
    /// let clock = StdClock::new();
    /// let a = clock.now();
    /// assert!(clock.now() >= a);
    /// ```
    pub struct StdClock {
        start: std::time::Instant,
    }

    impl StdClock {
        /// A clock whose zero is now.
        ///
        /// ```
        /// let clock: &'static usched::StdClock = Box::leak(Box::new(usched::StdClock::new()));
        /// # let _ = clock;
        /// ```
        pub fn new() -> Self {
            StdClock { start: std::time::Instant::now() }
        }
    }

    impl Default for StdClock {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Clock for StdClock {
        fn now(&self) -> Instant {
            let us = self.start.elapsed().as_micros();
            Instant::from_micros(u64::try_from(us).unwrap_or(u64::MAX))
        }

        /// Each OS thread is a context of its own ([`ContextProbe::thread`](crate::ContextProbe::thread)).
        fn context(&self) -> Option<crate::ContextProbe> {
            Some(crate::ContextProbe::thread())
        }

        fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
            if wake.pending() {
                return;
            }
            match until {
                // A waker that fires after the check above unparks us; park returns at once then.
                None => std::thread::park(),
                Some(t) => {
                    let left = t.saturating_since(self.now());
                    if !left.is_zero() {
                        std::thread::park_timeout(left);
                    }
                }
            }
        }
    }
}

#[cfg(feature = "std")]
pub use std_clock::StdClock;

#[cfg(test)]
mod tests {
    use super::from_micros_in_u32_steps;
    use core::time::Duration;
    use proptest::prelude::*;

    #[test]
    fn the_u32_long_division_agrees_with_duration_at_the_edges() {
        for us in [0, 1, 999_999, 1_000_000, 1_000_001, u64::from(u32::MAX), 1 << 40, u64::MAX - 1, u64::MAX]
        {
            assert_eq!(from_micros_in_u32_steps(us), Duration::from_micros(us), "{us}");
        }
    }

    proptest! {
        #[test]
        fn the_u32_long_division_agrees_with_duration(us in any::<u64>()) {
            prop_assert_eq!(from_micros_in_u32_steps(us), Duration::from_micros(us));
        }
    }
}
