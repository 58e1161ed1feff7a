//! The round-robin queue: tasks ready to run, strictly first come, first served.
//!
//! # Why a ring, and why the running task stays on it
//!
//! The commonest thing a scheduler does is a round-robin switch: take the oldest ready task, poll
//! it, and, if it only yielded, put it at the back. With a plain list that is an unlink and an
//! append (head, tail, an end marker, an empty-queue case) for a task that ends up exactly where it
//! was, one place further round. So the queue is a **ring** linked through one `u16` per slot, and
//! it keeps only its newest slot (`tail`); the newest's link names the oldest.
//!
//! A task's turn begins without unlinking it ([`RunQueue::oldest_in`]): it stays the oldest while
//! it is polled, because everything queued meanwhile goes in after the newest, which is just before
//! it. When the poll ends:
//!
//! - it yielded: it becomes the newest by moving `tail` onto it ([`RunQueue::rotate`]): one store,
//!   and the ring is already in the right order;
//! - anything else: it leaves from the front ([`RunQueue::leave_front_in`]).
//!
//! So a task being polled in its round-robin turn is on the ring though it is `RUNNING` (or
//! `DROPPING`, once it has stopped itself), the one exception to "on the run queue ⇔ `QUEUED`"
//! (`state.rs`), and it is always the ring's oldest: an oldest that is not `QUEUED` is how the
//! rare paths (a panic unwinding out of the poll, say) tell that it is on it.
//!
//! The links belong to the scheduler, not to this queue, because three lists share them: a slot is
//! on at most one of the run queue, the sampled list and the free list at a time (`state.rs` says
//! when), so one link per slot serves all three and a slot costs 2 bytes for them, not 6.
//!
//! The queue lives in the scheduler's size-independent [`Core`](crate::sched_core::Core), so
//! that wait futures (which do not know the scheduler's size) can queue a task; the scheduler's own
//! hot path passes its links array directly (the `_in` functions), which the compiler sees whole.

use core::cell::Cell;

/// "No slot": the end of a list, and an empty run queue's `tail`.
pub(crate) const NIL: u16 = u16::MAX;

/// The per-slot links, as the scheduler holds them (an array) or as its core does (set at init).
pub(crate) trait Links {
    fn link(&self, idx: u16) -> Option<&Cell<u16>>;
}

impl<const N: usize> Links for [Cell<u16>; N] {
    #[inline(always)]
    fn link(&self, idx: u16) -> Option<&Cell<u16>> {
        self.get(usize::from(idx))
    }
}

impl Links for crate::raw::StaticSlice<Cell<u16>> {
    #[inline(always)]
    fn link(&self, idx: u16) -> Option<&Cell<u16>> {
        self.get(usize::from(idx))
    }
}

pub(crate) struct RunQueue {
    /// The newest queued slot, `NIL` if the queue is empty. Its link names the oldest.
    tail: Cell<u16>,
    /// The scheduler's links (set once by `Sched::init`).
    links: crate::raw::StaticSlice<Cell<u16>>,
}

impl RunQueue {
    /// All zero bytes (see `Sched::new`); [`RunQueue::init`] makes it an empty queue.
    pub(crate) const fn new() -> Self {
        RunQueue { tail: Cell::new(0), links: crate::raw::StaticSlice::empty() }
    }

    /// Empties the queue and gives it the scheduler's links. Once, before any other use.
    pub(crate) fn init(&self, links: &'static [Cell<u16>]) {
        self.tail.set(NIL);
        self.links.set(links);
    }

    /// Appends slot `idx`, as the newest. The caller guarantees it is on no list.
    #[inline(always)]
    pub(crate) fn push_in(&self, links: &impl Links, idx: u16) {
        let Some(mine) = links.link(idx) else {
            debug_assert!(false, "queueing slot {idx}, which does not exist");
            return;
        };
        match links.link(self.tail.get()) {
            // After the newest, before the oldest (which the newest named).
            Some(newest) => {
                mine.set(newest.get());
                newest.set(idx);
            }
            None => mine.set(idx), // alone: the ring is this slot
        }
        self.tail.set(idx);
    }

    /// The oldest queued slot, left on the ring: its turn has come (see the module docs).
    #[inline(always)]
    pub(crate) fn oldest_in(&self, links: &[Cell<u16>]) -> Option<u16> {
        Some(links.get(usize::from(self.tail.get()))?.get())
    }

    /// The oldest slot, `idx`, goes to the back: it is the newest now. The ring's order is already
    /// right (module docs), so this only moves `tail`.
    #[inline(always)]
    pub(crate) fn rotate(&self, idx: u16) {
        debug_assert_eq!(self.oldest_in(self.links()), Some(idx), "rotating a slot that is not the oldest");
        self.tail.set(idx);
    }

    /// Takes slot `idx`, the oldest, off the ring: after its turn, when it does not go round again
    /// (or, for a paused or timed task, when its turn begins).
    #[inline(always)]
    pub(crate) fn leave_front_in(&self, links: &[Cell<u16>], idx: u16) {
        let newest = self.tail.get();
        if newest == idx {
            self.tail.set(NIL); // it was alone
        } else if let (Some(n), Some(mine)) = (links.get(usize::from(newest)), links.get(usize::from(idx))) {
            debug_assert_eq!(n.get(), idx, "slot {idx} is not the oldest");
            n.set(mine.get());
        }
    }

    #[inline]
    pub(crate) fn push(&self, idx: u16) {
        self.push_in(&self.links, idx);
    }

    /// Removes slot `idx`, keeping the others' order. O(queued); used when a queued task is stopped
    /// or picked by a higher class.
    pub(crate) fn remove(&self, idx: u16) {
        let links = self.links();
        let newest = self.tail.get();
        let mut prev = newest;
        // Round the ring once, oldest first (bounded, even if the links were ever damaged).
        for _ in 0..links.len() {
            let Some(p) = links.get(usize::from(prev)) else { break };
            let at = p.get();
            if at == idx {
                if at == prev {
                    self.tail.set(NIL); // it was alone
                } else {
                    p.set(links.get(usize::from(at)).map_or(NIL, Cell::get));
                    if at == newest {
                        self.tail.set(prev);
                    }
                }
                return;
            }
            if at == newest {
                break;
            }
            prev = at;
        }
        debug_assert!(false, "slot {idx} is not on the run queue");
    }

    /// The scheduler's links, which the sampled list shares.
    #[inline]
    pub(crate) fn links(&self) -> &'static [Cell<u16>] {
        self.links.as_slice()
    }

    /// The oldest queued slot (see [`oldest_in`](Self::oldest_in)).
    #[inline]
    pub(crate) fn oldest(&self) -> Option<u16> {
        self.oldest_in(self.links())
    }

    /// The newest queued slot (for `Sched::check`).
    #[cfg(debug_assertions)]
    pub(crate) fn newest(&self) -> Option<u16> {
        let t = self.tail.get();
        (t != NIL).then_some(t)
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.tail.get() == NIL
    }
}
