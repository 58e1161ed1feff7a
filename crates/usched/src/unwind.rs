//! After a panic: how the scheduler stays sound and usable.
//!
//! On a chip the panic handler decides what a panic does, and it almost always halts or resets:
//! nothing here runs. On a host built with `panic = "unwind"` (the default there), a panic inside a
//! task (its poll, a poller callback it registered, a destructor it runs) unwinds out of
//! [`Sched::run`], and the caller may catch it with `std::panic::catch_unwind`. What the scheduler
//! promises then:
//!
//! - **Sound.** No future is polled, dropped or overwritten while its poll is still on the stack,
//!   and every future is dropped in its slot before the slot is used again. A slot keeps its vtable
//!   while it is polled, and the record of the poll under way is cleared when a poll unwinds
//!   (`Lend::poll`), so the panicked future can still be dropped.
//! - **Usable.** The task whose poll panicked ends: from the moment the panic leaves `run` it is
//!   [`Status::Finished`](crate::Status::Finished) to every query, and the next `run` drops its
//!   future first (its destructors run then, outside the unwind), frees its slot and wakes its
//!   joiners, then carries on with the other tasks as if nothing had happened. A destructor that
//!   panics still frees its slot and wakes its joiners (`finish` does that work in a guard), so no
//!   task is left counted as alive for ever. If the panic came out of the final drops of a run that
//!   was ending, the next `run` finishes those drops and returns the end the interrupted run had
//!   reached.
//! - **Never hung.** Nothing is left marked as running: `run` works again (it does not answer
//!   [`AlreadyRunning`](crate::RunEnd::AlreadyRunning)), and `spawn` does not answer `Stopping`.
//!
//! The guards below cost nothing on the normal path: a build with `panic = "abort"` has no unwind
//! paths at all, and with unwinding the guard's work sits on the landing pad.

use crate::run_queue::NIL;
use crate::sched::Sched;
use crate::sched_core::MODE_RUN;
use crate::state::State;

/// Runs its closure when dropped: at the end of its scope, or while a panic unwinds through it.
/// [`Defer::cancel`] forgets it, for work that is only needed on the unwind path.
pub(crate) struct Defer<F: FnMut()>(pub(crate) F);

impl<F: FnMut()> Defer<F> {
    /// The scope ended normally and the deferred work is not wanted.
    #[inline(always)]
    pub(crate) fn cancel(self) {
        core::mem::forget(self);
    }
}

impl<F: FnMut()> Drop for Defer<F> {
    #[inline(always)]
    fn drop(&mut self) {
        (self.0)();
    }
}

impl<const N: usize, const SLOT: usize> Sched<N, SLOT> {
    /// A panic is leaving `run`: forget what the interrupted poll was declaring, end the task whose
    /// poll it was, and let `run` and `spawn` work again. Runs no user code.
    #[cold]
    #[inline(never)]
    pub(crate) fn unwound(&self) {
        let c = &self.core;
        c.mode.set(MODE_RUN);
        #[cfg(feature = "sampling")]
        c.offer.set(0);
        c.reached.set(0);
        c.sampled_join.set(NIL);
        c.req_deadline.set(u64::MAX);
        c.joining.set(core::ptr::null());
        c.join_to.set(NIL);
        // A task polled in its round-robin turn is still the run queue's oldest, and the only slot
        // on the ring that is not `QUEUED`: `RUNNING`, or `DROPPING` if it stopped itself before
        // it panicked (then it is not `RUNNING` below, but must leave the ring all the same: the
        // next `run` frees its slot, whose link the free list takes over).
        if let Some(oldest) = self.core.ready.oldest() {
            if self.headers.get(usize::from(oldest)).is_some_and(|h| h.state().kind() != State::QUEUED) {
                self.core.ready.leave_front_in(&self.links, oldest);
            }
        }
        for (idx, h) in self.headers.iter().enumerate() {
            // At most one task is `RUNNING`: the one whose poll panicked.
            if h.state().kind() == State::RUNNING {
                self.panicked(idx, State::RUNNING);
            }
        }
        // (Only a scheduler that was set up runs, so it is ready again.)
        self.phase.set(crate::sched::PHASE_READY);
        self.running.set(false);
        self.unwound.set(true);
    }

    /// At the start of `run`: drops, oldest first, the tasks whose polls panicked in an earlier
    /// run (`DROPPING` with their future still in the slot; a slot whose drop is under way
    /// further up this stack has an empty slot already and is left alone).
    #[cold]
    #[inline(never)]
    pub(crate) fn drop_panicked(&'static self) {
        loop {
            let left = self
                .headers
                .iter()
                .enumerate()
                .filter(|(_, h)| h.state().kind() == State::DROPPING && h.occupied());
            let Some((idx, _)) = left.min_by_key(|(_, h)| h.serial()) else { return };
            self.finish(idx);
        }
    }
}
