//! The sampled list: tasks waiting on a poller or an interrupt line.
//!
//! These are the tasks a pass must look at every time (the original's "poll on every pass"), so
//! they are kept apart from everything else: a pass costs O(sampled tasks), however many tasks
//! sleep or wait for wakers. The order in the list does not matter; ties between equal offers go to
//! the older task.
//!
//! Each pass polls every task on the list in a sample mode, in which its waits report what they
//! would return (an offer) without returning it; the best offer's task is then polled for real.
//! A task alone on the list has no rival (only sampled waits outrank deadlines and round-robin), so
//! if it waits on interrupt lines only, its sample poll is a solo one: a wait with signals takes
//! them there and then, and that poll is the task's run. The poll saved is most of the latency from
//! an interrupt to its waiter. (A poller's task is always polled twice: its callback may change
//! what the task's other futures find, and each of its callbacks must be called every pass.)
//!
//! The list is linked through the scheduler's per-slot links, which the run queue and the free
//! list share (`run_queue.rs`): a sampled task is never queued and never free.

use core::cell::Cell;

#[cfg(feature = "sampling")]
use crate::run_queue::NIL;
use crate::sched_core::Tally;

#[cfg(feature = "sampling")]
pub(crate) struct SampledList {
    head: Cell<u16>,
    len: Cell<usize>,
    /// How many of them wait on a poller (the scheduler keeps passing while any does).
    pollers: Cell<usize>,
    /// Changes whenever the list does, so a pass notices a callback that changed it.
    epoch: Cell<u32>,
}

#[cfg(feature = "sampling")]
impl SampledList {
    /// All zero bytes (see `Sched::new`); [`SampledList::init`] makes it an empty list.
    pub(crate) const fn new() -> Self {
        SampledList { head: Cell::new(0), len: Cell::new(0), pollers: Cell::new(0), epoch: Cell::new(0) }
    }

    /// Empty. Once, before any other use.
    pub(crate) fn init(&self) {
        self.head.set(NIL);
    }

    /// How many tasks are on the list (always 0 without the `sampling` feature, see below, so the
    /// compiler drops every path that samples).
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.len.get()
    }

    #[inline(always)]
    pub(crate) fn pollers(&self) -> usize {
        self.pollers.get()
    }

    pub(crate) fn epoch(&self) -> u32 {
        self.epoch.get()
    }

    pub(crate) fn first(&self) -> u16 {
        self.head.get()
    }

    pub(crate) fn add(&self, links: &[Cell<u16>], idx: usize, poller: bool, tally: &Tally) {
        let Some(link) = links.get(idx) else { return };
        link.set(self.head.get());
        self.head.set(idx as u16);
        self.len.set(self.len.get() + 1);
        tally.add();
        self.epoch.set(self.epoch.get().wrapping_add(1));
        if poller {
            self.pollers.set(self.pollers.get() + 1);
        }
    }

    /// Takes a task off the list (O(sampled tasks)). `poller` must be what `add` was told.
    pub(crate) fn remove(&self, links: &[Cell<u16>], idx: usize, poller: bool, tally: &Tally) {
        let mut prev = NIL;
        let mut at = self.head.get();
        while let Some(link) = links.get(usize::from(at)) {
            let after = link.get();
            if usize::from(at) == idx {
                match links.get(usize::from(prev)) {
                    Some(p) => p.set(after),
                    None => self.head.set(after),
                }
                self.len.set(self.len.get() - 1);
                tally.sub();
                self.epoch.set(self.epoch.get().wrapping_add(1));
                if poller {
                    self.pollers.set(self.pollers.get() - 1);
                }
                return;
            }
            prev = at;
            at = after;
        }
        debug_assert!(false, "slot {idx} is not on the sampled list");
    }
}

/// Without the `sampling` feature no task is ever sampled (`State::in_sampled` is always false):
/// the list is empty for ever and takes no room in the scheduler.
#[cfg(not(feature = "sampling"))]
pub(crate) struct SampledList;

#[cfg(not(feature = "sampling"))]
#[allow(clippy::unused_self)]
impl SampledList {
    pub(crate) const fn new() -> Self {
        SampledList
    }

    pub(crate) fn init(&self) {}

    #[cfg(debug_assertions)] // the invariant checks ask
    pub(crate) fn len(&self) -> usize {
        0
    }

    #[cfg(debug_assertions)]
    pub(crate) fn pollers(&self) -> usize {
        0
    }

    pub(crate) fn add(&self, _: &[Cell<u16>], _: usize, _: bool, _: &Tally) {}

    pub(crate) fn remove(&self, _: &[Cell<u16>], _: usize, _: bool, _: &Tally) {}
}
