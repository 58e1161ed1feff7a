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

use crate::join::Join;
use crate::raw::Header;
use crate::sched::{Sched, STOP};
use crate::state::*;
use crate::stats::SchedStats;
#[cfg(feature = "stats")]
use crate::stats::TaskStats;
use crate::task::{Status, TaskError, TaskId};
use crate::time::{micros, Instant};

impl<const N: usize, const SLOT: usize> Sched<N, SLOT> {
    pub(crate) fn live_slot(&self, id: TaskId) -> Option<&Header> {
        let h = self.headers.get(usize::from(id.idx))?;
        let kind = h.state.get() & KIND;
        (h.gen.get() == id.gen && kind != EMPTY && kind != DROPPING).then_some(h)
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
            Some(h) if h.state.get() & PAUSED != 0 => Status::Paused,
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
        let h = self.live_slot(id).ok_or(TaskError::Finished)?;
        let s = h.state.get();
        if s & PAUSED == 0 {
            h.state.set(s | PAUSED);
            self.paused.set(self.paused.get() + 1);
            if s & (P | I) != 0 && s & KIND != RUNNING {
                self.sampled_remove(usize::from(id.idx));
            }
        }
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
        let h = self.live_slot(id).ok_or(TaskError::Finished)?;
        let s = h.state.get();
        if s & PAUSED == 0 {
            return Ok(());
        }
        self.paused.set(self.paused.get() - 1);
        let idx = usize::from(id.idx);
        let mut s = s & !PAUSED;
        match s & KIND {
            READY_PAUSED => {
                // Queued tasks are never on the sampled list: its waits are declared afresh.
                s = (s & !(KIND | P | I)) | QUEUED;
                self.ring_push(id.idx);
            }
            DUE_PAUSED => {
                s = (s & !KIND) | WAITING | T;
                self.heap_insert(idx, h.deadline());
            }
            _ => {}
        }
        h.state.set(s);
        if s & (P | I) != 0 && !matches!(s & KIND, RUNNING | QUEUED) {
            self.sampled_add(idx, s & P != 0);
        }
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
    pub fn stop(&'static self, id: TaskId) -> Result<(), TaskError> {
        let h = self.live_slot(id).ok_or(TaskError::Finished)?;
        let s = h.state.get();
        if s & KIND == RUNNING {
            h.state.set((s & !KIND) | DROPPING);
        } else {
            self.kill(usize::from(id.idx));
        }
        Ok(())
    }

    pub(crate) fn kill(&'static self, idx: usize) {
        let h = &self.headers[idx];
        if h.state.get() & KIND == QUEUED {
            self.core.ring_remove(idx as u16);
        }
        self.clear_registrations(idx);
        self.finish(idx);
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
        self.attention.set(self.attention.get() | STOP);
    }

    /// A future that resolves when the task finishes or is stopped (at once if it already has).
    /// A task that joins itself waits for ever.
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

    /// The task being polled, if any (a scan of the slots: O(N)).
    ///
    /// ```
    /// let s: &'static usched::Sched<1, 64> = Box::leak(Box::new(usched::Sched::new()));
    /// assert_eq!(s.current(), None);
    /// ```
    pub fn current(&self) -> Option<TaskId> {
        // Only the task being polled is RUNNING. A scan (O(slots)) keeps the switch path free of
        // bookkeeping for this rarely used call.
        if !self.running.get() {
            return None;
        }
        let h = self.headers.iter().find(|h| h.state.get() & KIND == RUNNING)?;
        Some(TaskId { idx: h.idx.get(), gen: h.gen.get() })
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
        SchedStats { passes: self.passes.get(), idle: Duration::from_micros(self.idle_us.get()) }
    }

    /// How often to pass when nothing is ready but a poller waits (default zero: pass continuously,
    /// so hardware is sampled as often as possible; a clock that cannot wait that short returns at once).
    ///
    /// ```
    /// let s: &'static usched::Sched<1, 64> = Box::leak(Box::new(usched::Sched::new()));
    /// s.set_poll_interval(core::time::Duration::from_millis(1));
    /// ```
    pub fn set_poll_interval(&self, every: Duration) {
        self.poll_interval_us.set(micros(every));
    }

    /// A function called each time the scheduler is about to idle (the original's idle thread).
    ///
    /// ```
    /// fn hook() {}
    /// let s: &'static usched::Sched<1, 64> = Box::leak(Box::new(usched::Sched::new()));
    /// s.set_idle_hook(Some(&hook));
    /// ```
    pub fn set_idle_hook(&self, hook: Option<&'static dyn Fn()>) {
        self.idle_hook.set(hook);
    }
}
