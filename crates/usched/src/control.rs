//! Tasks controlling tasks: status, pause, resume, stop, join, and stopping the scheduler.
//!
//! The original let threads pause, resume and kill each other by pid; here a [`TaskId`] plays the
//! pid and can never reach a later occupant of its slot. Every call on a task that has gone
//! returns [`TaskError::Finished`] rather than panicking (the original raised, or silently ignored,
//! depending on the call).
//!
//! Stopping drops the task's future where it stands, so its destructors run: the original's
//! context managers. A task that stops itself is dropped right after its current poll, so it never
//! runs past the await that follows.

use core::time::Duration;

use crate::header::Header;
use crate::join::Join;
use crate::sched::Sched;
use crate::state::State;
use crate::stats::SchedStats;
#[cfg(feature = "stats")]
use crate::stats::TaskStats;
use crate::task::{Status, TaskError, TaskId};
use crate::time::Instant;

impl<const N: usize, const SLOT: usize> Sched<N, SLOT> {
    /// The header of the task `id` names, if that task is alive (not finished, not being dropped).
    pub(crate) fn live_slot(&self, id: TaskId) -> Option<&Header> {
        let h = self.headers.get(usize::from(id.idx))?;
        (h.serial() == id.serial() && h.state().live()).then_some(h)
    }

    /// What the task is doing.
    ///
    /// ```
    /// use usched::{Sched, Status};
    /// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
    /// let id = s.spawn(async {}).unwrap();
    /// assert_eq!(s.status(id), Status::Running);
    /// ```
    pub fn status(&self, id: TaskId) -> Status {
        match self.live_slot(id) {
            None => Status::Finished,
            Some(h) if h.state().paused() => Status::Paused,
            Some(_) => Status::Running,
        }
    }

    /// Pauses a task: it is neither polled nor scheduled, and its poller callback is not called.
    /// Interrupt counts keep accumulating, and deadlines keep passing. Pausing a paused task does nothing.
    ///
    /// ```
    /// use usched::{Sched, Status};
    /// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
    /// let id = s.spawn(async {}).unwrap();
    /// s.pause(id).unwrap();
    /// s.pause(id).unwrap(); // harmless
    /// assert_eq!(s.status(id), Status::Paused);
    /// ```
    pub fn pause(&self, id: TaskId) -> Result<(), TaskError> {
        self.live_slot(id).ok_or(TaskError::Finished)?;
        self.pause_slot(usize::from(id.idx));
        Ok(())
    }

    /// Resumes a paused task in the wait it was paused in. A deadline that passed meanwhile fires
    /// at once, reporting its full lateness. Resuming a running task does nothing.
    ///
    /// ```
    /// use usched::{Sched, Status};
    /// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
    /// let id = s.spawn(async {}).unwrap();
    /// s.pause(id).unwrap();
    /// s.resume(id).unwrap();
    /// assert_eq!(s.status(id), Status::Running);
    /// ```
    pub fn resume(&self, id: TaskId) -> Result<(), TaskError> {
        self.live_slot(id).ok_or(TaskError::Finished)?;
        self.resume_slot(usize::from(id.idx));
        Ok(())
    }

    /// Stops (kills) a task: its future is dropped, so its destructors run. For another task that
    /// happens before `stop` returns; a task that stops itself is dropped right after its current
    /// poll, and never runs past the await that ends it.
    ///
    /// ```
    /// use usched::{Sched, Status};
    /// struct Guard;
    /// impl Drop for Guard { fn drop(&mut self) { println!("cleanup runs") } }
    /// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
    /// let id = s.spawn(async { let _g = Guard; core::future::pending::<()>().await }).unwrap();
    /// s.stop(id).unwrap();
    /// assert_eq!(s.status(id), Status::Finished);
    /// ```
    pub fn stop(&self, id: TaskId) -> Result<(), TaskError> {
        self.live_slot(id).ok_or(TaskError::Finished)?;
        self.stop_slot(usize::from(id.idx));
        Ok(())
    }

    /// Asks `run` to return after the current task's poll. Every remaining task is then dropped.
    ///
    /// ```
    /// use usched::{RunEnd, Sched};
    /// use usched_sim::SimClock;
    /// static CLOCK: SimClock = SimClock::new();
    /// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
    /// s.spawn(async move { s.stop_all() }).unwrap();
    /// assert_eq!(s.run(&CLOCK), RunEnd::Stopped);
    /// ```
    pub fn stop_all(&self) {
        self.core.tally.set_stop(true);
    }

    /// A future that resolves when the task finishes or is stopped (at once if it already has).
    /// A task that joins itself waits for ever. Await it in a task of this same scheduler: a task
    /// of another scheduler is not told when the target ends.
    ///
    /// ```
    /// use usched::{yield_now, Sched};
    /// use usched_sim::SimClock;
    /// static CLOCK: SimClock = SimClock::new();
    /// let s: &'static Sched<2, 128> = Box::leak(Box::new(Sched::new()));
    /// s.spawn(async move {
    ///     let child = s.spawn(async { yield_now().await }).unwrap();
    ///     s.join(child).await; // the original's `yield from subthread()`
    /// }).unwrap();
    /// s.run(&CLOCK);
    /// ```
    pub fn join(&'static self, id: TaskId) -> Join<N, SLOT> {
        Join { sched: self, id }
    }

    /// The task being polled, if any (O(1)). A task can also be handed its own id when it is
    /// spawned: see [`spawn_with`](Self::spawn_with).
    ///
    /// ```
    /// use usched::Sched;
    /// use usched_sim::SimClock;
    /// static CLOCK: SimClock = SimClock::new();
    /// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
    /// assert_eq!(s.current(), None); // no task is being polled
    /// let id = s.spawn(async move { assert!(s.current().is_some()) }).unwrap();
    /// s.run(&CLOCK);
    /// ```
    pub fn current(&self) -> Option<TaskId> {
        if !self.running.get() {
            return None;
        }
        let h = self.core.lend.polling()?;
        (h.state().kind() == State::RUNNING).then(|| TaskId::new(h.idx.get(), h.serial()))
    }

    /// The clock's time while `run` is running (zero before the first run).
    ///
    /// ```
    /// let s: &'static usched::Sched<1, 64> = Box::leak(Box::new(usched::Sched::new()));
    /// assert_eq!(s.now(), usched::Instant::ZERO);
    /// ```
    pub fn now(&self) -> Instant {
        self.core.now()
    }

    /// The statistics of a live task.
    ///
    /// ```
    /// let s: &'static usched::Sched<1, 64> = Box::leak(Box::new(usched::Sched::new()));
    /// let id = s.spawn(async {}).unwrap();
    /// assert_eq!(s.task_stats(id).unwrap().runs, 0);
    /// ```
    #[cfg(feature = "stats")]
    pub fn task_stats(&self, id: TaskId) -> Result<TaskStats, TaskError> {
        Ok(self.live_slot(id).ok_or(TaskError::Finished)?.stats.get())
    }

    /// Scheduler-wide counters: passes made and time spent idle.
    ///
    /// ```
    /// let s: &'static usched::Sched<1, 64> = Box::leak(Box::new(usched::Sched::new()));
    /// assert_eq!(s.stats().idle, core::time::Duration::ZERO);
    /// ```
    pub fn stats(&self) -> SchedStats {
        #[cfg(feature = "stats")]
        let passes = self.passes.get();
        #[cfg(not(feature = "stats"))]
        let passes = 0; // counted with `stats` only (see `SchedStats::passes`)
        SchedStats { passes, idle: crate::time::duration_from_micros(self.idle_us.get()) }
    }

    /// How often to pass when nothing is ready but a poller waits (default zero: pass continuously,
    /// so hardware is sampled as often as possible; a clock that cannot wait that short returns at once).
    /// Without the `sampling` feature there are no pollers, and the interval is not kept.
    ///
    /// ```
    /// let s: &'static usched::Sched<1, 64> = Box::leak(Box::new(usched::Sched::new()));
    /// s.set_poll_interval(core::time::Duration::from_millis(1));
    /// ```
    pub fn set_poll_interval(&self, every: Duration) {
        // Without `sampling` there are no pollers, and nothing to pass for.
        #[cfg(feature = "sampling")]
        self.poll_interval_us.set(crate::time::micros(every));
        #[cfg(not(feature = "sampling"))]
        let _ = every;
    }

    /// A function called each time the scheduler is about to idle (the original's idle thread).
    ///
    /// ```
    /// fn hook() {}
    /// let s: &'static usched::Sched<1, 64> = Box::leak(Box::new(usched::Sched::new()));
    /// s.set_idle_hook(Some(&hook));
    /// ```
    pub fn set_idle_hook(&'static self, hook: Option<&'static dyn Fn()>) {
        self.idle_hook.set(hook);
    }
}
