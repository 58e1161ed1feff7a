//! The round-robin queue: tasks ready to run, strictly first come, first served.
//!
//! A FIFO linked through one `u16` link per slot (the slot index of the next task, [`NIL`] at the
//! end). The links belong to the scheduler, not to this queue, because three lists share them: a
//! slot is on at most one of the run queue, the sampled list and the free list at a time (`state.rs`
//! says when), so one link per slot serves all three and a slot costs 2 bytes for them, not 6.
//!
//! The queue lives in the scheduler's size-independent [`Core`](crate::sched_core::Core), so
//! that wait futures (which do not know the scheduler's size) can queue a task; the scheduler's own
//! hot path passes its links array directly (`push_in`/`pop_in`), which the compiler sees whole.

use core::cell::Cell;

/// "No slot": the end of a list.
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
    /// The oldest queued slot, `NIL` if the queue is empty.
    head: Cell<u16>,
    /// The newest queued slot (stale while the queue is empty).
    tail: Cell<u16>,
    /// The scheduler's links (set once by `Sched::init`).
    links: crate::raw::StaticSlice<Cell<u16>>,
}

impl RunQueue {
    /// All zero bytes (see `Sched::new`); [`RunQueue::init`] makes it an empty queue.
    pub(crate) const fn new() -> Self {
        RunQueue { head: Cell::new(0), tail: Cell::new(0), links: crate::raw::StaticSlice::empty() }
    }

    /// Empties the queue and gives it the scheduler's links. Once, before any other use.
    pub(crate) fn init(&self, links: &'static [Cell<u16>]) {
        self.head.set(NIL);
        self.tail.set(NIL);
        self.links.set(links);
    }

    /// Appends slot `idx`. The caller guarantees it is on no list.
    #[inline(always)]
    pub(crate) fn push_in(&self, links: &impl Links, idx: u16) {
        if let Some(n) = links.link(idx) {
            n.set(NIL);
        }
        if self.head.get() == NIL {
            self.head.set(idx);
        } else if let Some(t) = links.link(self.tail.get()) {
            t.set(idx);
        }
        self.tail.set(idx);
    }

    /// Takes the oldest slot off the queue.
    #[inline(always)]
    pub(crate) fn pop_in(&self, links: &[Cell<u16>]) -> Option<u16> {
        let idx = self.head.get();
        self.head.set(links.get(usize::from(idx))?.get());
        Some(idx)
    }

    #[inline]
    pub(crate) fn push(&self, idx: u16) {
        self.push_in(&self.links, idx);
    }

    /// Removes slot `idx`, keeping the others' order. O(queued); used when a queued task is stopped
    /// or picked by a higher class.
    pub(crate) fn remove(&self, idx: u16) {
        let links = self.links();
        let mut prev = NIL;
        let mut at = self.head.get();
        while let Some(n) = links.get(usize::from(at)) {
            if at == idx {
                let after = n.get();
                match links.get(usize::from(prev)) {
                    Some(p) => p.set(after),
                    None => self.head.set(after),
                }
                if after == NIL {
                    self.tail.set(prev);
                }
                return;
            }
            prev = at;
            at = n.get();
        }
        debug_assert!(false, "slot {idx} is not on the run queue");
    }

    /// The scheduler's links, which the sampled list shares.
    #[inline]
    pub(crate) fn links(&self) -> &'static [Cell<u16>] {
        self.links.as_slice()
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.get() == NIL
    }
}
