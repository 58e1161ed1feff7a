//! The task state machine: every state a slot can be in, and every transition, in one place.
//!
//! A task's state is one byte in its header ([`State`]): a *kind* in the low three bits saying where
//! the task is, and flags saying what it waits for and whether it is paused. One byte, so the run
//! loop's common cases are single compares: a task taken off the run queue is polled at once if its
//! state is exactly [`State::QUEUED`], and put back at once if its poll ends exactly
//! `RUNNING | YIELD` (those two shortcuts, in `sched.rs`, are the only state tests outside this
//! file; wait futures only add flags to a `RUNNING` task through `TaskRef::mark`). Everything else
//! goes through the functions below.
//!
//! # Kinds
//!
//! | kind           | meaning                                              | on which structure        |
//! |----------------|------------------------------------------------------|---------------------------|
//! | `EMPTY`        | the slot is free                                     | free list                 |
//! | `QUEUED`       | ready: waits for its round-robin turn                | run queue                 |
//! | `RUNNING`      | being polled (also during a sample poll)             | —                         |
//! | `WAITING`      | pending; woken by a waker, its deadline or an event  | heap if `T`, sampled if `P`/`I` |
//! | `JOINING`      | as `WAITING`, and woken when the task it joins ends (or any, if it joins several), or, displaced as a `Signal`'s waiter, by that signal | as `WAITING` |
//! | `READY_PAUSED` | became ready while paused: queued again on resume    | —                         |
//! | `DROPPING`     | its future is being dropped (or it stopped itself during its poll) | —          |
//!
//! # Flags
//!
//! - `PAUSED`: set from `pause` to `resume`. A paused task is on no structure except the run queue
//!   (which it leaves lazily: when its turn comes it becomes `READY_PAUSED` instead of running).
//! - `YIELD`: set during a poll by `yield_now`, or by a wake that arrives while the task runs: it goes
//!   back on the run queue after the poll.
//! - `T`: it has a deadline (in its header). `P`: it waits on a poller. `I`: on an interrupt line.
//!   Wait futures set them during a run poll; after the poll they become registrations.
//!
//! # Invariants (checked by `Sched::check` in debug builds)
//!
//! 1. On the run queue ⇔ kind is `QUEUED`; and, during its poll, the task whose round-robin turn
//!    it is (`RUNNING`, or `DROPPING` if it stopped itself), which stays on the queue's ring, as
//!    its oldest, until the poll ends or a panic unwinds out of it (`run_queue.rs`, `unwind.rs`).
//! 2. In the deadline heap ⇔ `T`, not `PAUSED`, kind `QUEUED`, `WAITING` or `JOINING`.
//! 3. On the sampled list ⇔ `P` or `I`, not `PAUSED`, kind `WAITING` or `JOINING`.
//! 4. On the free list ⇔ kind is `EMPTY`.
//!
//! # Transitions
//!
//! | transition     | from → to                                            | made by                   | touches |
//! |----------------|------------------------------------------------------|---------------------------|---------|
//! | `spawned`      | `EMPTY` → `QUEUED`                                   | `spawn`                   | free list, run queue |
//! | `dequeued_slow`| `QUEUED` → `RUNNING`; paused: → `READY_PAUSED` (a plain `QUEUED` task's turn skips it; through `Core::dequeue_hook`, see `dequeued`) | run loop (queue's turn)   | heap |
//! | `picked`       | `WAITING`/`JOINING`/`QUEUED` → `RUNNING`             | run loop (deadline or event) | all three |
//! | `completed`    | `RUNNING` → `DROPPING` (its future returned `Ready`) | the task's typed poll (`raw.rs`) | — |
//! | `polled_slow`  | `RUNNING` → `QUEUED`/`WAITING`/`JOINING`/`READY_PAUSED`, or `finish` | run loop | run queue, heap, sampled |
//! | `sampled_back` | `RUNNING` (sample mode) → the state it had; paused meanwhile: leaves its structures | run loop (every pass) | heap, sampled |
//! | `sampled_ran`  | `RUNNING` (sample mode, got past its wait) → as `polled_slow` | run loop | all |
//! | `solo_ran`     | `RUNNING` (solo sample poll, its sampled wait completed) → as `polled_other` | run loop | all |
//! | `woken`        | a wake taken off the wake stack: leaves the sampled list, then `wake` | run loop | sampled, run queue |
//! | [`wake`]       | `WAITING`/`JOINING` → `QUEUED`; paused → `READY_PAUSED`; `RUNNING` → `+YIELD` | wakers (drained by the run loop), `Signal`, `finish` (joiners) | run queue, sampled list |
//! | `pause_slot`   | any live → `+PAUSED`                                 | `Sched::pause`            | heap, sampled |
//! | `resume_slot`  | `-PAUSED`; `READY_PAUSED` → `QUEUED`                 | `Sched::resume`           | run queue, heap, sampled |
//! | `displaced`    | `WAITING` → `JOINING`                                | `Signal` (a second waiter) | — |
//! | `wake_joiners` | `JOINING` tasks waiting for a slot (or a signal) → `wake` | `finish`, `Signal::signal` | run queue |
//! | `stop_slot`    | `RUNNING` → `DROPPING`; other live → `finish`        | `Sched::stop`, shutdown   | all |
//! | `finish`       | → `DROPPING` → `EMPTY`                               | `polled`, `stop`          | free list; wakes joiners |
//! | `panicked`     | `RUNNING` → `DROPPING`, future kept; the next `run` calls `finish` | a panic unwinding out of a poll (`unwind.rs`) | heap, sampled |

use crate::header::Header;
use crate::sched::Sched;
use crate::sched_core::Core;
use crate::unwind::Defer;

/// A task's state byte: a kind and flags (see the module docs).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) struct State(u8);

impl State {
    pub(crate) const EMPTY: State = State(0);
    pub(crate) const QUEUED: State = State(1);
    pub(crate) const RUNNING: State = State(2);
    pub(crate) const WAITING: State = State(3);
    pub(crate) const JOINING: State = State(4);
    pub(crate) const READY_PAUSED: State = State(5);
    pub(crate) const DROPPING: State = State(7);

    pub(crate) const PAUSED: u8 = 0x08;
    pub(crate) const YIELD: u8 = 0x10;
    pub(crate) const T: u8 = 0x20;
    pub(crate) const P: u8 = 0x40;
    pub(crate) const I: u8 = 0x80;

    const KIND: u8 = 0x07;
    const SAMPLED: u8 = Self::P | Self::I;

    #[inline(always)]
    pub(crate) const fn from_bits(b: u8) -> State {
        State(b)
    }

    #[inline(always)]
    pub(crate) const fn bits(self) -> u8 {
        self.0
    }

    /// The kind alone, flags cleared.
    #[inline(always)]
    pub(crate) const fn kind(self) -> State {
        State(self.0 & Self::KIND)
    }

    #[inline(always)]
    pub(crate) const fn has(self, flag: u8) -> bool {
        self.0 & flag != 0
    }

    #[inline(always)]
    pub(crate) const fn with(self, flag: u8) -> State {
        State(self.0 | flag)
    }

    #[inline(always)]
    pub(crate) const fn without(self, flag: u8) -> State {
        State(self.0 & !flag)
    }

    /// The same flags, another kind.
    #[inline(always)]
    pub(crate) const fn to(self, kind: State) -> State {
        State((self.0 & !Self::KIND) | kind.0)
    }

    pub(crate) const fn paused(self) -> bool {
        self.has(Self::PAUSED)
    }

    /// Waiting for a wake, a deadline or an event (`WAITING` or `JOINING`).
    pub(crate) const fn waiting(self) -> bool {
        matches!(self.0 & Self::KIND, 3 | 4)
    }

    /// A task lives in the slot and has not been asked to go (not `EMPTY`, not `DROPPING`).
    pub(crate) const fn live(self) -> bool {
        !matches!(self.0 & Self::KIND, 0 | 7)
    }

    /// Invariant 2: belongs in the deadline heap.
    pub(crate) const fn in_heap(self) -> bool {
        // `T`, then not paused and `QUEUED`, `WAITING` or `JOINING`: one bit of a table indexed
        // by the pause flag and the kind (as a test per flag and kind, it is three branches).
        const IN: u32 = 1 << 1 | 1 << 3 | 1 << 4;
        self.has(Self::T) && (IN >> (self.0 & (Self::PAUSED | Self::KIND))) & 1 != 0
    }

    /// Invariant 3: belongs on the sampled list.
    pub(crate) const fn in_sampled(self) -> bool {
        cfg!(feature = "sampling") && self.has(Self::SAMPLED) && !self.paused() && self.waiting()
    }

    pub(crate) const fn poller(self) -> bool {
        self.has(Self::P)
    }
}

/// A task's future completed in the poll under way: it is `DROPPING` from now on, so that the run
/// loop, which tests only the state byte after a poll, sends it down the slow path to `finish`.
/// (Called by the future's typed poll function, where the completed case is its own branch: the
/// pending case pays nothing for it.)
#[inline(always)]
pub(crate) fn completed(hdr: &Header) {
    hdr.set_state(hdr.state().to(State::DROPPING));
}

/// A wake (from a drained waker, a local signal, or a finished task for its joiners).
#[inline]
pub(crate) fn wake(core: &Core, hdr: &Header) {
    wake_with(core, hdr, || core.ready.push(hdr.idx.get()));
}

/// `wake`, queueing a plainly waiting task with `push` (the run loop passes one that uses the
/// scheduler's own links array, which the compiler sees whole).
#[inline(always)]
fn wake_with(core: &Core, hdr: &Header, push: impl FnOnce()) {
    let s = hdr.state();
    if s == State::WAITING {
        // The common case: a plain wait, not paused, nothing registered.
        hdr.set_state(State::QUEUED);
        push();
    } else {
        wake_other(core, hdr, s);
    }
}

/// Wakes, oldest first, every `JOINING` task waiting for `target` (a slot that has just been
/// freed, or `JOIN_SIGNAL`), and those waiting for any news (`JOIN_ANY`).
pub(crate) fn wake_joiners(core: &Core, target: u16) {
    // Called through `Core::join_hook` once a join or a displaced signal waiter exists, directly
    // by `Signal`: a program with neither links none of this.
    use crate::sched_core::JOIN_ANY;
    if core.joiners.get() == 0 {
        return;
    }
    let answers = |joins: u16| joins == target || joins == JOIN_ANY;
    let targets = core.join_targets();
    let waits_for = |h: &&Header| {
        h.state().kind() == State::JOINING
            && answers(targets.get(usize::from(h.idx.get())).map_or(JOIN_ANY, core::cell::Cell::get))
    };
    // Oldest first, as ties go everywhere else (O(slots) per joiner woken; joins are rare). A
    // woken task is no longer `JOINING`, so each round finds the next one.
    while let Some(h) = core.headers().iter().filter(waits_for).min_by_key(|h| h.serial()) {
        wake(core, h);
    }
    // A joiner being sampled right now (its poller callback ended the task it joins) is not
    // `JOINING` at this moment: it gets its real poll instead.
    let sj = core.sampled_join.get();
    if sj != crate::run_queue::NIL && answers(sj) {
        if let Some(h) = core.lend.polling() {
            h.set_state(h.state().with(State::YIELD));
        }
    }
    // Recounted: a joiner being sampled counts too (it is `RUNNING` now, `JOINING` again after
    // its sample poll, unless it was just told to run).
    let left = core.headers().iter().filter(|h| h.state().kind() == State::JOINING).count();
    core.joiners.set(left + usize::from(sj != crate::run_queue::NIL));
}

/// What the scheduler does about joins, reached through `Core::join_hook`: the first `Join` polled
/// installs [`JOIN_OPS`], the first displaced `Signal` waiter [`SIGNAL_OPS`] (unless a join came
/// first). A program with neither links none of it.
pub(crate) struct JoinOps {
    /// A poll of slot `idx` that declared a join (`joining`, of `join_to`) ended in a wait: true
    /// if the declaration is that task's own, which it then joins (it is to be `JOINING`).
    declared: fn(&Core, usize, *const Header, u16) -> bool,
    /// Slot `idx` was freed: the task being polled, if it declared a join, runs again after its
    /// poll, and the joiners of `idx` are woken.
    freed: fn(&Core, usize),
}

/// Joins and displaced signal waiters.
pub(crate) static JOIN_OPS: JoinOps = JoinOps { declared: join_declared, freed: join_freed };

/// Displaced signal waiters only: no task declares a join.
pub(crate) static SIGNAL_OPS: JoinOps =
    JoinOps { declared: |_, _, _, _| false, freed: |core, idx| wake_joiners(core, idx as u16) };

/// The header `p` points at, if it is one of `core`'s.
fn header_at(core: &Core, p: *const Header) -> Option<&Header> {
    let headers = core.headers();
    let at = (p as usize).wrapping_sub(headers.as_ptr() as usize);
    if !at.is_multiple_of(core::mem::size_of::<Header>()) {
        return None;
    }
    headers.get(at / core::mem::size_of::<Header>())
}

/// `JoinOps::declared` for joins.
fn join_declared(core: &Core, idx: usize, joining: *const Header, join_to: u16) -> bool {
    if header_at(core, joining).is_none_or(|h| usize::from(h.idx.get()) != idx) {
        return false;
    }
    core.joiners.set(core.joiners.get() + 1);
    if let Some(t) = core.join_targets().get(idx) {
        t.set(join_to);
    }
    true
}

/// `JoinOps::freed` for joins.
fn join_freed(core: &Core, idx: usize) {
    let joining = core.joining.get();
    if !joining.is_null() {
        if let Some(j) = header_at(core, joining) {
            // The task being polled is joining (maybe this very task): it runs again after its
            // poll instead of waiting for a wake that has just happened.
            if j.state().kind() == State::RUNNING {
                j.set_state(j.state().with(State::YIELD));
            }
        }
    }
    wake_joiners(core, idx as u16);
}

/// A task displaced as a [`Signal`](crate::Signal)'s waiter moves to `JOINING` with the target
/// "a signal", so the next signal with displaced waiters wakes it. Returns false if it was not
/// waiting (it runs anyway).
pub(crate) fn displaced(core: &Core, hdr: &Header) -> bool {
    let s = hdr.state();
    let target = core.join_targets().get(usize::from(hdr.idx.get()));
    if s.kind() == State::JOINING {
        // It joins a task too: now either news wakes it.
        if let Some(t) = target {
            t.set(crate::sched_core::JOIN_ANY);
        }
        return true;
    }
    if s.kind() != State::WAITING {
        return false;
    }
    if let Some(t) = target {
        t.set(crate::sched_core::JOIN_SIGNAL);
    }
    if core.join_hook.get().is_none() {
        // (A join installed the full set already: keep it.)
        core.join_hook.set(Some(&SIGNAL_OPS));
    }
    hdr.set_state(s.to(State::JOINING));
    core.joiners.set(core.joiners.get() + 1);
    true
}

/// The type of [`dequeued`], as `Core::dequeue_hook` holds it.
pub(crate) type Dequeued = fn(&Core, usize) -> bool;

/// `Sched::dequeued_slow`'s work (`QUEUED` → `RUNNING`; paused: → `READY_PAUSED`), reached
/// through `Core::dequeue_hook`.
pub(crate) fn dequeued(core: &Core, idx: usize) -> bool {
    let Some(h) = core.headers().get(idx) else { return false };
    let s = h.state();
    debug_assert_eq!(s.kind(), State::QUEUED, "a slot on the run queue is not queued");
    if s.kind() != State::QUEUED {
        return false;
    }
    if s.paused() {
        h.set_state(s.to(State::READY_PAUSED));
        return false;
    }
    leave_heap(core, idx, s);
    h.set_state(State::RUNNING);
    true
}

/// A task in state `s` enters the deadline heap if `s` puts it there (invariant 2). Out of line,
/// and through the heap's operations, which only a timed wait installs (`deadlines.rs`): without
/// them no state has the `T` flag, and this is a call that does nothing.
#[inline(never)]
fn enter_heap(core: &Core, idx: usize, s: State) {
    if let Some(ops) = core.heap_ops.get() {
        (ops.enter)(core, idx, s);
    }
}

/// A task in state `s` leaves the deadline heap if `s` puts it there (as `enter_heap`).
#[inline(never)]
fn leave_heap(core: &Core, idx: usize, s: State) {
    if let Some(ops) = core.heap_ops.get() {
        (ops.leave)(core, idx, s);
    }
}

#[cold]
fn wake_other(core: &Core, hdr: &Header, s: State) {
    if s.waiting() {
        if s.paused() {
            hdr.set_state(s.to(State::READY_PAUSED));
        } else if cfg!(feature = "sampling") && s.has(State::SAMPLED) {
            // It leaves the sampled list first. (A pass walking that list notices the edit and
            // stops after the task it is sampling.)
            let idx = usize::from(hdr.idx.get());
            core.sampled.remove(core.ready.links(), idx, s.poller(), &core.tally);
            hdr.set_state(s.without(State::SAMPLED).to(State::QUEUED));
            core.ready.push(hdr.idx.get());
        } else {
            // Its deadline (if any) stays in the heap: a queued task may run early by it.
            hdr.set_state(s.to(State::QUEUED));
            core.ready.push(hdr.idx.get());
        }
    } else if s.kind() == State::RUNNING {
        // Woken during its own poll (it woke itself, or something it awaits fired while it ran):
        // it goes back on the queue after this poll, like a yield.
        hdr.set_state(s.with(State::YIELD));
    }
    // Otherwise: already queued, paused and already ready, dropping, or a stale wake of a freed slot.
}

impl<const N: usize, const SLOT: usize> Sched<N, SLOT> {
    /// Takes a task off whichever structures its state puts it on (invariants 1–3).
    fn leave_structures(&self, idx: usize, s: State) {
        if s.kind() == State::QUEUED {
            self.core.ready.remove(idx as u16);
        }
        leave_heap(&self.core, idx, s);
        if s.in_sampled() {
            self.core.sampled.remove(&self.links, idx, s.poller(), &self.core.tally);
        }
    }

    /// Puts a task on the heap and the sampled list if its state says so (invariants 2–3).
    fn enter_structures(&self, idx: usize, s: State) {
        enter_heap(&self.core, idx, s);
        if s.in_sampled() {
            self.core.sampled.add(&self.links, idx, s.poller(), &self.core.tally);
        }
    }

    /// `EMPTY` → `QUEUED`: slot `idx`, whose header is `h`.
    #[inline(always)]
    pub(crate) fn spawned(&self, idx: usize, h: &Header) {
        h.set_state(State::QUEUED);
        self.core.ready.push_in(&self.links, idx as u16);
    }

    /// A task whose run-queue turn came and whose state is not plain `QUEUED`, taken off the ring:
    /// returns true if it is to be polled now (its state is then `RUNNING`).
    ///
    /// Only two flags can be on a queued task: `PAUSED` and `T`. The first pause and the first
    /// deadline to enter the heap install [`dequeued`] (`Core::dequeue_hook`), so a program with
    /// neither links none of it.
    #[cold]
    pub(crate) fn dequeued_slow(&self, idx: usize) -> bool {
        match self.core.dequeue_hook.get() {
            Some(dequeued) => dequeued(&self.core, idx),
            None => {
                debug_assert!(false, "slot {idx}: a flagged queued task, yet nothing was paused or armed");
                false
            }
        }
    }

    /// A task chosen by its deadline or its event: it leaves every structure and runs now.
    pub(crate) fn picked(&self, idx: usize) {
        let h = &self.headers[idx];
        let s = h.state();
        debug_assert!(s.live() && !s.paused() && s.kind() != State::RUNNING, "picked a task that cannot run");
        self.leave_structures(idx, s);
        h.set_state(State::RUNNING);
    }

    /// After a poll other than a plain yield or a plain wait, one that declared no join: register
    /// what the task now waits for, or finish it. `s` is its state after the poll (`DROPPING` if
    /// its future completed or it was stopped during the poll). (The run loop knows that no join
    /// was declared: a declaration marks the wake word, and the loop sends a poll whose wake word
    /// names a declaration to [`polled_other`](Self::polled_other). A sample poll declares none.)
    #[cold]
    #[inline(never)]
    pub(crate) fn polled_slow(&self, idx: usize, s: State) {
        debug_assert!(self.core.joining.get().is_null(), "slot {idx}: a join declared, yet no wake marked");
        if s == State::DROPPING {
            // The commonest case, taken first: the end of a task. Its future completed (or it
            // stopped itself) in a poll that declared nothing (no join; no flag, so no deadline)
            // and left it unpaused: nothing to forget, nothing to register, and it is `DROPPING`
            // already.
            return self.finish_dropping(idx);
        }
        self.polled_other(idx, s);
    }

    /// `polled_slow` for every case but the plain end of a task, and every poll that declared a
    /// join: out of line, so that the plain end saves no registers on its way to
    /// `finish_dropping`.
    #[cold]
    #[inline(never)]
    pub(crate) fn polled_other(&self, idx: usize, s: State) {
        // The poll's declarations are forgotten here whatever happens next. (A deadline is only
        // read under the `T` flag, and `join_to` only with `joining`: nothing else to reset.)
        let joining = self.core.joining.get();
        let join_to = if joining.is_null() {
            crate::run_queue::NIL
        } else {
            self.core.joining.set(core::ptr::null());
            self.core.join_to.replace(crate::run_queue::NIL)
        };
        let req = if s.has(State::T) { self.core.req_deadline.replace(u64::MAX) } else { u64::MAX };
        if s.kind() == State::DROPPING {
            self.finish(idx);
            return;
        }
        debug_assert_eq!(s.kind(), State::RUNNING, "a task changed kind during its own poll");
        let h = &self.headers[idx];
        if s.has(State::T) {
            h.set_deadline(req);
        }
        let next = if s.has(State::YIELD) {
            // It runs again soon and declares its other waits afresh then; a deadline it asked for
            // may still run it earlier.
            let s = s.without(State::YIELD | State::SAMPLED);
            if s.paused() {
                s.to(State::READY_PAUSED)
            } else {
                self.core.ready.push_in(&self.links, idx as u16);
                s.to(State::QUEUED)
            }
        } else if !joining.is_null()
            && self.core.join_hook.get().is_some_and(|ops| (ops.declared)(&self.core, idx, joining, join_to))
        {
            s.to(State::JOINING)
        } else {
            s.to(State::WAITING)
        };
        h.set_state(next);
        self.enter_structures(idx, next);
    }

    /// After a sample poll that did not get past its wait: back to the state it had (`saved`),
    /// unless a callback paused it meanwhile (`now` is its state after the sample poll).
    #[cfg(feature = "sampling")]
    pub(crate) fn sampled_back(&self, idx: usize, saved: State, now: State) {
        let h = &self.headers[idx];
        if now.paused() {
            self.leave_structures(idx, saved);
            h.set_state(saved.with(State::PAUSED));
        } else {
            h.set_state(saved);
        }
    }

    /// A sample poll that got past its wait (it was woken, stopped, or another future it awaited
    /// finished, or, in a solo poll, its interrupt wait completed): that was its run. `saved` is
    /// its state before the sample poll, `now` after. (`polled_other`, not `polled_slow`: the rest
    /// of a solo poll runs as a run poll, and may declare a join.)
    #[cfg(feature = "sampling")]
    pub(crate) fn sampled_ran(&self, idx: usize, saved: State, now: State) {
        self.leave_structures(idx, saved);
        self.headers[idx].set_state(now);
        self.polled_other(idx, now);
    }

    /// A solo poll in which the interrupt wait completed (`MODE_SOLO`): the task ran. Tasks it
    /// woke through their wakers are queued before it, as after `poll_task`, then it is a sample
    /// poll that got past its wait. `saved` is its state before the poll.
    #[cfg(feature = "sampling")]
    #[cold]
    #[inline(never)]
    pub(crate) fn solo_ran(&'static self, idx: usize, saved: State) {
        #[cfg(feature = "stats")]
        self.headers[idx].stats.ran(self.core.now().as_micros().saturating_sub(self.core.solo_at.get()));
        if self.core.wakes.pending() {
            self.take_wakes();
        }
        self.sampled_ran(idx, saved, self.headers[idx].state());
    }

    /// A wake taken off the wake stack by the run loop: slot `idx`, whose header is `h`.
    #[inline(always)]
    pub(crate) fn woken(&self, idx: u16, h: &Header) {
        wake_with(&self.core, h, || self.core.ready.push_in(&self.links, idx));
    }

    /// `+PAUSED`: the task leaves the heap and the sampled list; its waits are kept in its flags.
    pub(crate) fn pause_slot(&self, idx: usize) {
        let h = &self.headers[idx];
        let s = h.state();
        if s.paused() {
            return;
        }
        self.paused.set(self.paused.get() + 1);
        // A paused task may be queued: its turn takes `dequeued_slow`'s path.
        self.core.dequeue_hook.set(Some(dequeued));
        leave_heap(&self.core, idx, s);
        if s.in_sampled() {
            self.core.sampled.remove(&self.links, idx, s.poller(), &self.core.tally);
        }
        h.set_state(s.with(State::PAUSED));
    }

    /// `-PAUSED`: back into the wait it was paused in; a task that became ready meanwhile is queued.
    pub(crate) fn resume_slot(&self, idx: usize) {
        let h = &self.headers[idx];
        let s = h.state();
        if !s.paused() {
            return;
        }
        self.paused.set(self.paused.get() - 1);
        let mut next = s.without(State::PAUSED);
        if next.kind() == State::READY_PAUSED {
            // Queued tasks are never on the sampled list: its waits are declared afresh.
            next = next.without(State::SAMPLED).to(State::QUEUED);
            self.core.ready.push_in(&self.links, idx as u16);
        }
        h.set_state(next);
        if next.kind() != State::RUNNING {
            self.enter_structures(idx, next);
        }
    }

    /// Stops a live task: dropped now, or right after its poll if it is the one running.
    pub(crate) fn stop_slot(&self, idx: usize) {
        let h = &self.headers[idx];
        let s = h.state();
        if s.kind() == State::RUNNING {
            h.set_state(s.to(State::DROPPING));
        } else {
            self.leave_structures(idx, s);
            self.finish(idx);
        }
    }

    /// Drops a task's future (its destructors run) and frees its slot. It must be on no structure.
    pub(crate) fn finish(&self, idx: usize) {
        let h = &self.headers[idx];
        if h.state().paused() {
            self.paused.set(self.paused.get() - 1);
        }
        // Marked first, so calls made by its destructors see it as finished.
        h.set_state(State::DROPPING);
        self.finish_dropping(idx);
    }

    /// The rest of `finish`, for a task that is `DROPPING` already and counted as not paused:
    /// drops its future and frees its slot. (Its own function, so that the end of a task that
    /// completed, `polled_slow`'s commonest case, goes straight here.)
    #[inline(never)]
    fn finish_dropping(&self, idx: usize) {
        // The slot is freed and the joiners woken also when a destructor panics.
        let _freed = Defer(|| self.freed(idx));
        self.drop_future(idx);
    }

    /// The rest of `finish`, once the future is dropped (or its drop panicked).
    fn freed(&self, idx: usize) {
        self.headers[idx].set_state(State::EMPTY);
        self.free.push(&self.links, idx as u16);
        self.live.set(self.live.get() - 1);
        // A task being polled that declared a join, and joiners, exist only once a hook is set.
        if let Some(ops) = self.core.join_hook.get() {
            (ops.freed)(&self.core, idx);
        }
    }

    /// A poll of this task panicked and the panic is unwinding out of `run`: the task ends, off
    /// every structure, its future kept for the next `run` to drop (`unwind.rs`). `saved` is its
    /// state before the poll: a task being sampled is still on its structures.
    pub(crate) fn panicked(&self, idx: usize, saved: State) {
        self.leave_structures(idx, saved);
        let h = &self.headers[idx];
        h.set_state(h.state().to(State::DROPPING));
    }

    /// Checks invariants 1–4 and the counters (debug builds; used by tests after every pass).
    #[cfg(debug_assertions)]
    pub(crate) fn check(&self) {
        let (mut live, mut paused, mut heap, mut sampled, mut pollers) = (0, 0, 0, 0, 0);
        let heap_len = usize::from(self.core.heap_len.get());
        for (i, h) in self.headers.iter().enumerate() {
            let s = h.state();
            if s.kind() != State::EMPTY {
                live += 1;
            }
            if s.paused() && s.kind() != State::EMPTY {
                paused += 1;
            }
            assert_eq!(
                self.core.deadlines.contains(i, heap_len),
                s.in_heap(),
                "slot {i} heap membership, state {s:?}"
            );
            heap += usize::from(s.in_heap());
            if s.in_sampled() {
                sampled += 1;
                pollers += usize::from(s.poller());
            }
        }
        // Invariant 1 (between polls, when no task is having its turn): the ring holds exactly
        // the `QUEUED` slots, each once, and closes on its newest.
        let queued = self.headers.iter().filter(|h| h.state().kind() == State::QUEUED).count();
        let mut on_ring = 0;
        if let Some(newest) = self.core.ready.newest() {
            let mut at = newest;
            loop {
                at = self.links[usize::from(at)].get();
                let h = self.headers.get(usize::from(at)).unwrap_or_else(|| panic!("ring link to {at}"));
                assert_eq!(h.state().kind(), State::QUEUED, "slot {at} on the ring, state {:?}", h.state());
                on_ring += 1;
                assert!(on_ring <= queued, "the ring is longer than the {queued} queued slots");
                if at == newest {
                    break;
                }
            }
        }
        assert_eq!(on_ring, queued, "queued slots on the ring");
        assert_eq!(live, self.live.get(), "live count");
        assert_eq!(paused, self.paused.get(), "paused count");
        assert_eq!(heap, heap_len, "heap length");
        assert!(
            heap == 0 || self.core.heap_ops.get().is_some(),
            "deadlines armed without the heap's operations"
        );
        self.core.deadlines.check(&self.headers, heap_len);
        assert_eq!(sampled, self.core.sampled.len(), "sampled length");
        assert_eq!(pollers, self.core.sampled.pollers(), "poller count");
        // Invariant 4, one way, and the free count: every slot is live, free, or being made (off
        // the free list while `spawn_with`'s `make` runs, which may itself run the scheduler or
        // spawn: tests/edges.rs).
        let mut free = 0;
        let mut at = self.free.top();
        while let Some(l) = self.links.get(usize::from(at)) {
            assert_eq!(self.headers[usize::from(at)].state(), State::EMPTY, "slot {at} on the free list");
            free += 1;
            assert!(free <= N, "the free list is longer than the {N} slots");
            at = l.get();
        }
        assert_eq!(free, N - live - self.making.get(), "free count with {live} of {N} live");
        let foreign = usize::from(!self.core.foreign.get().is_null());
        let registered = heap_len + self.core.sampled.len() + foreign;
        assert_eq!(self.core.tally.is_zero(), registered == 0 && !self.core.tally.stopping(), "tally");
    }
}

#[cfg(test)]
mod tests {
    use super::State;

    #[test]
    fn in_heap_table_is_the_rule() {
        for b in 0..=u8::MAX {
            let s = State::from_bits(b);
            let rule = s.has(State::T) && !s.paused() && (s.waiting() || s.kind() == State::QUEUED);
            assert_eq!(s.in_heap(), rule, "state {s:?}");
        }
    }
}
