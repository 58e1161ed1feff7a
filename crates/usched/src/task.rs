//! Names for tasks and what can go wrong with them.

use core::fmt;

/// Names one task for ever.
///
/// It is a slot index plus the task's spawn serial: a 48-bit number that no other task spawned by
/// any scheduler in the program shares. So an old id never reaches the slot's next occupant, nor a
/// task of another scheduler: it answers [`Status::Finished`] and every control call on it returns
/// [`TaskError::Finished`]. Serials run out after 2^48 spawns: nine years at a million spawns a
/// second, 8,900 years at a thousand. No slot is ever retired, so a spawn-heavy device keeps its
/// whole pool.
///
/// ```
/// use usched::{Sched, Status};
/// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
/// let a = s.spawn(async {}).unwrap();
/// s.stop(a).unwrap();
/// let b = s.spawn(async {}).unwrap(); // same slot, new serial
/// assert_eq!(a.index(), b.index());
/// assert_ne!(a, b);
/// assert_eq!(s.status(a), Status::Finished);
/// assert_eq!(s.status(b), Status::Running);
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct TaskId {
    pub(crate) idx: u16,
    serial_hi: u16,
    serial_lo: u32,
}

impl TaskId {
    pub(crate) const fn new(idx: u16, serial: u64) -> TaskId {
        TaskId { idx, serial_hi: (serial >> 32) as u16, serial_lo: serial as u32 }
    }

    pub(crate) const fn serial(self) -> u64 {
        (self.serial_hi as u64) << 32 | self.serial_lo as u64
    }

    /// The slot this task occupies (or occupied).
    ///
    /// ```
    /// let s: &'static usched::Sched<2, 64> = Box::leak(Box::new(usched::Sched::new()));
    /// assert_eq!(s.spawn(async {}).unwrap().index(), 0);
    /// ```
    pub const fn index(self) -> usize {
        self.idx as usize
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.idx)
    }
}

/// What a task is doing, as `status(id)` reports it (the original's 1, 2 and 0).
///
/// ```
/// use usched::{Sched, Status};
/// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
/// let id = s.spawn(async {}).unwrap();
/// assert_eq!(s.status(id), Status::Running);
/// s.pause(id).unwrap();
/// assert_eq!(s.status(id), Status::Paused);
/// s.stop(id).unwrap();
/// assert_eq!(s.status(id), Status::Finished);
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Status {
    /// Alive and not paused: ready, running, or waiting for something.
    Running,
    /// Alive but paused: neither polled, nor scheduled, nor sampled.
    Paused,
    /// Finished, stopped, or never existed under this id.
    Finished,
}

/// `spawn` could not take the task.
///
/// ```
/// use usched::{Sched, SpawnError};
/// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async {}).unwrap();
/// assert_eq!(s.spawn(async {}), Err(SpawnError::Full));
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum SpawnError {
    /// Every slot holds a live task. Nothing was changed.
    Full,
    /// The scheduler is dropping its tasks at the end of a run (a destructor tried to spawn).
    Stopping,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpawnError::Full => "every task slot is in use",
            SpawnError::Stopping => "the scheduler is dropping its tasks at the end of a run",
        })
    }
}

impl core::error::Error for SpawnError {}

/// A control call named a task that is no longer there.
///
/// ```
/// use usched::{Sched, TaskError};
/// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
/// let id = s.spawn(async {}).unwrap();
/// s.stop(id).unwrap();
/// assert_eq!(s.stop(id), Err(TaskError::Finished));
/// assert_eq!(s.pause(id), Err(TaskError::Finished));
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum TaskError {
    /// The task finished or was stopped (or the id is from a slot's earlier occupant).
    Finished,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the task has finished")
    }
}

impl core::error::Error for TaskError {}

/// Why [`Sched::run`](crate::Sched::run) returned. Every remaining task has been dropped by then.
///
/// ```
/// use usched::{RunEnd, Sched};
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async {}).unwrap();
/// assert_eq!(s.run(&CLOCK), RunEnd::Finished);
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum RunEnd {
    /// Every task finished.
    Finished,
    /// [`Sched::stop_all`](crate::Sched::stop_all) was called.
    Stopped,
    /// Every remaining task was paused, so nothing could ever run again (no task is left to resume
    /// them). They were dropped, in spawn order, as on a stop.
    AllPaused,
    /// `run` was called from inside a task of the same scheduler; nothing was done.
    AlreadyRunning,
    /// Every remaining task waits for something that can never happen: no deadline, no poller,
    /// no pending wake, and a clock that says nothing outside can wake the scheduler (see
    /// [`Clock::can_wake_from_outside`](crate::Clock::can_wake_from_outside)); on the simulated
    /// board, a lost wake. The tasks were dropped, in spawn order, as on a stop.
    Stalled,
}
