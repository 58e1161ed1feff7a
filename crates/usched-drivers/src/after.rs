//! Run something later: the original's `future(t, f)`, with a handle that cancels it.
//!
//! [`after`] runs a callback `d` from now; [`after_task`] runs a future then, as a task. Either way
//! one task slot holds it until then (a sleep costs nothing while it waits), and the returned
//! [`AfterHandle`] can stop that task. The moment is measured from the call, on the scheduler's
//! clock, not from the task's first turn.

use core::future::Future;
use core::time::Duration;

use usched::{sleep_until, Clock, Sched, SpawnError, Status, TaskId};

/// Cancels what [`after`] or [`after_task`] scheduled.
///
/// ```
/// use core::time::Duration;
/// use usched::Sched;
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
/// let h = usched_drivers::after(s, &CLOCK, Duration::from_secs(1), || panic!("cancelled")).unwrap();
/// assert!(h.pending());
/// assert!(h.cancel());
/// assert!(!h.cancel()); // already gone
/// s.run(&CLOCK);
/// ```
#[derive(Clone, Copy)]
pub struct AfterHandle<const N: usize, const SLOT: usize> {
    sched: &'static Sched<N, SLOT>,
    id: TaskId,
}

impl<const N: usize, const SLOT: usize> core::fmt::Debug for AfterHandle<N, SLOT> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AfterHandle").field("id", &self.id).finish()
    }
}

impl<const N: usize, const SLOT: usize> AfterHandle<N, SLOT> {
    /// Stops it. True if it was still there to stop: not yet run (or, for [`after_task`], still
    /// running: it is stopped where it stands and its destructors run). False once it has
    /// finished or was cancelled.
    ///
    /// ```
    /// # use usched::Sched;
    /// # static CLOCK: usched_sim::SimClock = usched_sim::SimClock::new();
    /// # let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
    /// let h = usched_drivers::after(s, &CLOCK, core::time::Duration::ZERO, || {}).unwrap();
    /// assert!(h.cancel());
    /// ```
    pub fn cancel(&self) -> bool {
        self.sched.stop(self.id).is_ok()
    }

    /// True until it has run (or been cancelled).
    ///
    /// ```
    /// # use usched::Sched;
    /// # static CLOCK: usched_sim::SimClock = usched_sim::SimClock::new();
    /// # let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
    /// let h = usched_drivers::after(s, &CLOCK, core::time::Duration::ZERO, || {}).unwrap();
    /// s.run(&CLOCK);
    /// assert!(!h.pending());
    /// ```
    pub fn pending(&self) -> bool {
        self.sched.status(self.id) != Status::Finished
    }

    /// The task that holds it.
    ///
    /// ```
    /// # use usched::Sched;
    /// # static CLOCK: usched_sim::SimClock = usched_sim::SimClock::new();
    /// # let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
    /// let h = usched_drivers::after(s, &CLOCK, core::time::Duration::ZERO, || {}).unwrap();
    /// assert_eq!(h.id().index(), 0);
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }
}

/// Calls `f` `d` from now (on `clock`, the clock `sched` runs on), in a task of its own.
/// Fails, changing nothing, if `sched` has no free slot.
///
/// ```
/// use core::time::Duration;
/// use usched::{Instant, Sched};
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
/// usched_drivers::after(s, &CLOCK, Duration::from_millis(250), || {
///     assert_eq!(CLOCK.now(), Instant::from_millis(250));
/// }).unwrap();
/// s.run(&CLOCK);
/// ```
pub fn after<const N: usize, const SLOT: usize, C, F>(
    sched: &'static Sched<N, SLOT>,
    clock: &C,
    d: Duration,
    f: F,
) -> Result<AfterHandle<N, SLOT>, SpawnError>
where
    C: Clock + ?Sized,
    F: FnOnce() + 'static,
{
    after_task(sched, clock, d, async move { f() })
}

/// Runs the future `fut` as a task from `d` from now (on `clock`, the clock `sched` runs on):
/// the original `future()` given a generator. Its slot is taken now; `fut` is first polled then.
/// Fails, changing nothing, if `sched` has no free slot.
///
/// ```
/// use core::time::Duration;
/// use usched::{sleep, Instant, Sched};
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
/// usched_drivers::after_task(s, &CLOCK, Duration::from_millis(100), async {
///     sleep(Duration::from_millis(50)).await;
///     assert_eq!(CLOCK.now(), Instant::from_millis(150));
/// }).unwrap();
/// s.run(&CLOCK);
/// ```
pub fn after_task<const N: usize, const SLOT: usize, C, F>(
    sched: &'static Sched<N, SLOT>,
    clock: &C,
    d: Duration,
    fut: F,
) -> Result<AfterHandle<N, SLOT>, SpawnError>
where
    C: Clock + ?Sized,
    F: Future<Output = ()> + 'static,
{
    let at = clock.now() + d;
    let id = sched.spawn(async move {
        sleep_until(at).await;
        fut.await;
    })?;
    Ok(AfterHandle { sched, id })
}
