//! What every wait future tells the scheduler, in one place.
//!
//! A wait future never touches the scheduler's queues. During a poll it only sets bits in its own
//! task's state byte (and the earliest deadline it wants); after the poll the scheduler turns those
//! into registrations. Each poll of a pending task declares its whole wait afresh, so a task that
//! awaits two things at once (a poller with a timeout, a `select`) simply sets both.

use core::task::Context;

use crate::raw::{task_of, TaskRef};
use crate::sched_core::{BAILED, MODE_RUN, REACHED};
#[cfg(feature = "sampling")]
use crate::sched_core::{MODE_SOLO, SOLO_RAN};
use crate::state::State;

/// Sample keys: class in the high word, value in the low word; larger wins.
#[cfg_attr(not(feature = "sampling"), allow(dead_code))] // used by `Poller` and `IrqLine`
pub(crate) const CLASS_POLL: u64 = 1 << 32;
#[cfg_attr(not(feature = "sampling"), allow(dead_code))] // used by `Poller` and `IrqLine`
pub(crate) const CLASS_IRQ: u64 = 2 << 32;

/// The task being polled, if this poll comes from a usched scheduler. Enough for waits that only
/// set bits (see `shared.rs`).
#[inline]
pub(crate) fn current(cx: &Context<'_>) -> Option<TaskRef> {
    task_of(cx)
}

/// The task being polled, if this poll comes from a usched scheduler on its own thread: needed
/// to read the clock or touch the run queue.
#[inline]
pub(crate) fn current_here(cx: &Context<'_>) -> Option<TaskRef> {
    crate::raw::task_here(cx)
}

/// The task being polled, for a wait that needs its task: a poller, sampled every pass. Panics,
/// naming the wait, if it is polled anywhere else: outside a usched task, or inside one by a
/// combinator that lends its children a waker of its own (the wait could never complete there;
/// sleeps and timeouts can, see `raw::ForeignTimer`).
#[inline]
#[cfg_attr(not(feature = "sampling"), allow(dead_code))] // used by `Poller` and `IrqLine`
pub(crate) fn task_for(cx: &Context<'_>, what: &'static str) -> TaskRef {
    match current_here(cx) {
        Some(t) => t,
        None => not_in_task(what),
    }
}

#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn not_in_task(what: &'static str) -> ! {
    panic!(
        "{what} was polled outside a usched task (or, for a poller or an interrupt wait with a \
         timeout, inside a combinator that lends it a waker of its own): it would never complete there"
    )
}

/// What a poll has declared so far (its wait flags, the deadline asked for, a join), so that a
/// future dropped unfinished within the same poll can take its declarations back with it.
pub(crate) struct Declared {
    flags: u8,
    deadline: u64,
    joining: *const crate::header::Header,
    join_to: u16,
}

const DECLARATIONS: u8 = State::T | State::P | State::I;

impl TaskRef {
    /// The declarations made so far in this poll.
    pub(crate) fn declared(&self) -> Declared {
        let c = self.core();
        Declared {
            flags: self.header().state().bits() & DECLARATIONS,
            deadline: c.req_deadline.get(),
            joining: c.joining.get(),
            join_to: c.join_to.get(),
        }
    }

    /// Takes back whatever was declared since `d` was recorded. A wake received meanwhile stays:
    /// a spurious run is harmless, a lost wake is not.
    pub(crate) fn undeclare(&self, d: Declared) {
        let (h, c) = (self.header(), self.core());
        h.set_state(State::from_bits((h.state().bits() & !DECLARATIONS) | d.flags));
        c.req_deadline.set(d.deadline);
        c.joining.set(d.joining);
        c.join_to.set(d.join_to);
    }

    /// Sets a wait bit in the task's state.
    #[inline]
    pub(crate) fn mark(&self, flag: u8) {
        let h = self.header();
        h.set_state(h.state().with(flag));
    }

    /// Asks to be polled again no later than `deadline` (µs). Only for a task from
    /// [`current_here`] (on the scheduler's own thread): the first request installs the deadline
    /// heap's operations in a plain cell of the core (`deadlines.rs`), so that only a program with
    /// timed waits links the heap.
    #[inline]
    pub(crate) fn request_deadline(&self, deadline: u64) {
        let (h, c) = (self.header(), self.core());
        let s = h.state();
        if !s.has(State::T) {
            c.heap_ops.set(Some(&crate::deadlines::HEAP_OPS));
            c.req_deadline.set(deadline);
            h.set_state(s.with(State::T));
        } else if deadline < c.req_deadline.get() {
            c.req_deadline.set(deadline);
        }
    }

    /// True during a sample poll: report, do not complete. The caller then declares nothing,
    /// which is noted (`BAILED`): a sampled wait polled after it may not complete in a solo poll.
    #[inline]
    pub(crate) fn sampling(&self) -> bool {
        // Only pollers and interrupt lines are sampled: without them, never.
        if !cfg!(feature = "sampling") {
            return false;
        }
        let c = self.core();
        let sampling = c.mode.get() != MODE_RUN;
        if sampling {
            c.reached.set(c.reached.get() | BAILED);
        }
        sampling
    }

    /// True during a solo poll (its task is the only one sampled, and waits on interrupt lines
    /// only: see `Sched::sample_all`) if nothing has been reported or declined so far in it, and
    /// nothing has touched the task or the scheduler meanwhile (a wake, through a waker or not, a
    /// pause, a stop, `stop_all`, a sampled task resumed: the poll is then a sample poll like any
    /// other). An interrupt wait with signals may then complete at once, calling
    /// [`solo_ran`](Self::solo_ran), since no other task's event could outrank it. Without
    /// signals it reports as in any sample poll.
    #[inline]
    #[cfg(feature = "sampling")] // used by `IrqLine`
    pub(crate) fn solo(&self) -> bool {
        let c = self.core();
        c.mode.get() == MODE_SOLO
            && c.reached.get() == 0
            && c.sampled.len() == 1
            && self.header().state() == State::RUNNING
            && !c.tally.stopping()
            && !c.wakes.pending()
    }

    /// A sampled wait completed in a solo poll: the rest of the poll is the task's run, its waits
    /// declare as in any run.
    #[inline]
    #[cfg(feature = "sampling")] // used by `IrqLine`
    pub(crate) fn solo_ran(&self) {
        let c = self.core();
        c.mode.set(MODE_RUN);
        c.reached.set(SOLO_RAN);
        #[cfg(feature = "stats")]
        c.solo_at.set(c.now().as_micros());
    }

    /// Says, during a sample poll, that the poll reached a wait that is sampled (it has not got
    /// past it).
    #[inline]
    #[cfg_attr(not(feature = "sampling"), allow(dead_code))] // used by `Poller` and `IrqLine`
    pub(crate) fn reached(&self) {
        let c = self.core();
        c.reached.set(c.reached.get() | REACHED);
    }

    /// An interrupt wait is dropped. During a sample poll that means its task got past it (another
    /// future it awaited finished): it asks for a real poll (`YIELD`), even if the wait had already
    /// said it was reached. Elsewhere it does nothing. (A poller needs no such care: while a
    /// poller waits every pass samples again, and the next sample poll finds it gone.)
    #[inline]
    #[cfg_attr(not(feature = "sampling"), allow(dead_code))] // used by `Poller` and `IrqLine`
    pub(crate) fn left_sampled_wait(&self) {
        if self.sampling() {
            self.mark(State::YIELD);
        }
    }

    /// Offers an event during a sample poll.
    #[inline]
    #[cfg(feature = "sampling")] // used by `Poller` and `IrqLine`
    pub(crate) fn offer(&self, key: u64) {
        let c = self.core();
        if key > c.offer.get() {
            c.offer.set(key);
        }
    }

    /// Now, in µs.
    #[inline]
    pub(crate) fn now_us(&self) -> u64 {
        self.core().now().as_micros()
    }
}
