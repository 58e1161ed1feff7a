//! Per-task statistics: the original's `instrument.py`, built in.
//!
//! The original measured the worst overrun of a timed thread by running a thread for it. Here every
//! task slot counts for itself, cheaply enough to leave on (four `u32`s, a clock read per poll):
//! how often it ran, the longest it held the processor between two awaits (the task that makes
//! everyone late), and the worst and latest lateness of its deadlines. Turn the `stats` feature
//! off and they cost nothing.

#[cfg(feature = "stats")]
use crate::shared::SharedU32;
use core::time::Duration;

/// What a task has done since it was spawned.
///
/// ```
/// use core::time::Duration;
/// use usched::{sleep, Sched};
/// use usched_sim::SimClock;
///
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<2, 256> = Box::leak(Box::new(Sched::new()));
/// let worker = s.spawn(async {
///     CLOCK.advance(Duration::from_millis(3)); // holds the CPU for 3 ms
///     sleep(Duration::from_millis(10)).await;
///     sleep(Duration::from_millis(10)).await;
/// }).unwrap();
/// s.spawn(async move {
///     sleep(Duration::from_millis(15)).await;
///     let st = s.task_stats(worker).unwrap();
///     assert_eq!(st.runs, 2);
///     assert_eq!(st.longest_run, Duration::from_millis(3));
/// }).unwrap();
/// s.run(&CLOCK);
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskStats {
    /// Times the task was polled (run until its next await).
    pub runs: u32,
    /// The longest single run between two awaits.
    pub longest_run: Duration,
    /// The worst lateness of any deadline it waited for (sleep, timeout).
    pub worst_late: Duration,
    /// The lateness of its most recent deadline.
    pub last_late: Duration,
}

/// Scheduler-wide counters.
///
/// ```
/// let s: &'static usched::Sched<1, 64> = Box::leak(Box::new(usched::Sched::new()));
/// assert_eq!(s.stats().passes, 0);
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct SchedStats {
    /// Scheduling decisions made (each picks one task, or idles). Counted with the `stats`
    /// feature only (zero without it: it is the one counter on the switch path).
    pub passes: u64,
    /// Time spent idle (waiting in the clock).
    pub idle: Duration,
}

#[cfg(feature = "stats")]
pub(crate) struct StatCells {
    pub(crate) runs: SharedU32,
    pub(crate) longest_us: SharedU32,
    pub(crate) worst_late_us: SharedU32,
    pub(crate) last_late_us: SharedU32,
}

#[cfg(feature = "stats")]
impl StatCells {
    pub(crate) const fn new() -> StatCells {
        StatCells {
            runs: SharedU32::new(0),
            longest_us: SharedU32::new(0),
            worst_late_us: SharedU32::new(0),
            last_late_us: SharedU32::new(0),
        }
    }

    pub(crate) fn reset(&self) {
        self.runs.set(0);
        self.longest_us.set(0);
        self.worst_late_us.set(0);
        self.last_late_us.set(0);
    }

    #[inline]
    pub(crate) fn ran(&self, us: u64) {
        self.runs.set(self.runs.get().saturating_add(1));
        let us = sat32(us);
        if us > self.longest_us.get() {
            self.longest_us.set(us);
        }
    }

    #[inline]
    pub(crate) fn late(&self, late: Duration) {
        let us = sat32(crate::time::micros(late));
        self.last_late_us.set(us);
        if us > self.worst_late_us.get() {
            self.worst_late_us.set(us);
        }
    }

    pub(crate) fn get(&self) -> TaskStats {
        let d = |c: &SharedU32| crate::time::duration_from_micros(u64::from(c.get()));
        TaskStats {
            runs: self.runs.get(),
            longest_run: d(&self.longest_us),
            worst_late: d(&self.worst_late_us),
            last_late: d(&self.last_late_us),
        }
    }
}

#[cfg(feature = "stats")]
fn sat32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Records a lateness for the task being polled (no-op without `stats`).
#[inline]
pub(crate) fn report_late(t: &crate::raw::TaskRef, late: Duration) {
    #[cfg(feature = "stats")]
    t.header().stats.late(late);
    #[cfg(not(feature = "stats"))]
    let _ = (t, late);
}
