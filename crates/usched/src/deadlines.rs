//! The deadline heap: which timed wait is due first.
//!
//! A binary min-heap of slot indices, keyed by each slot's armed deadline and then by spawn serial
//! (so equal deadlines fire in spawn order). Every slot records its position in the heap, so a
//! deadline that is no longer wanted (its event came first, the task was paused or stopped) leaves
//! in O(log n) instead of lingering. Inserting and expiring cost O(log n): a pass never looks at
//! the sleeping tasks, only at the top of the heap.

use core::cell::Cell;

use crate::header::Header;
use crate::run_queue::NIL;
use crate::sched_core::Tally;

pub(crate) struct DeadlineHeap<const N: usize> {
    heap: [Cell<u16>; N],
    /// Each slot's position in `heap`, `NIL` if it is not in it.
    pos: [Cell<u16>; N],
    len: Cell<usize>,
}

/// `a` fires before `b`: earlier deadline, then earlier spawn.
fn before(headers: &[Header], a: u16, b: u16) -> bool {
    let (Some(a), Some(b)) = (headers.get(usize::from(a)), headers.get(usize::from(b))) else {
        return false;
    };
    (a.deadline(), a.serial()) < (b.deadline(), b.serial())
}

impl<const N: usize> DeadlineHeap<N> {
    pub(crate) const fn new() -> Self {
        DeadlineHeap {
            heap: [const { Cell::new(0) }; N],
            pos: [const { Cell::new(0) }; N], // see `init`
            len: Cell::new(0),
        }
    }

    /// No slot in the heap. Once, before any other use (`new` is all zero bytes, see `Sched::new`).
    pub(crate) fn init(&self) {
        for p in &self.pos {
            p.set(NIL);
        }
    }

    /// How many deadlines are armed (the run loop reads the tally instead; kept for the checks).
    #[cfg(debug_assertions)]
    pub(crate) fn len(&self) -> usize {
        self.len.get()
    }

    /// The slot due first.
    #[inline]
    pub(crate) fn first(&self) -> Option<usize> {
        (self.len.get() != 0).then(|| usize::from(self.heap[0].get()))
    }

    pub(crate) fn contains(&self, idx: usize) -> bool {
        self.pos.get(idx).is_some_and(|p| p.get() != NIL)
    }

    fn set(&self, pos: usize, idx: u16) {
        self.heap[pos].set(idx);
        self.pos[usize::from(idx)].set(pos as u16);
    }

    /// Adds slot `idx`, keyed by its header's deadline. It must not be in the heap already.
    pub(crate) fn insert(&self, headers: &[Header], idx: usize, tally: &Tally) {
        debug_assert!(!self.contains(idx), "slot {idx} is in the deadline heap already");
        let pos = self.len.get();
        if pos >= N || idx >= N {
            debug_assert!(false, "deadline heap overflow: slot {idx} at {pos}");
            return; // cannot happen: every slot is in the heap at most once
        }
        self.len.set(pos + 1);
        tally.add();
        let pos = self.sift_up(headers, pos, idx as u16);
        self.set(pos, idx as u16);
    }

    /// Moves the hole at `pos` up while `me` belongs above its parent; returns where `me` goes.
    fn sift_up(&self, headers: &[Header], mut pos: usize, me: u16) -> usize {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            let p = self.heap[parent].get();
            if !before(headers, me, p) {
                break;
            }
            self.set(pos, p);
            pos = parent;
        }
        pos
    }

    /// Removes slot `idx` if it is in the heap.
    pub(crate) fn remove(&self, headers: &[Header], idx: usize, tally: &Tally) {
        let Some(p) = self.pos.get(idx) else { return };
        let pos = usize::from(p.replace(NIL));
        let len = self.len.get();
        if pos >= len {
            return;
        }
        let last = self.heap[len - 1].get();
        self.len.set(len - 1);
        tally.sub();
        if pos == len - 1 {
            return;
        }
        // Put `last` at `pos`, then sift it whichever way it belongs.
        let mut pos = self.sift_up(headers, pos, last);
        let n = len - 1;
        loop {
            let l = 2 * pos + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && before(headers, self.heap[r].get(), self.heap[l].get()) { r } else { l };
            let cv = self.heap[c].get();
            if !before(headers, cv, last) {
                break;
            }
            self.set(pos, cv);
            pos = c;
        }
        self.set(pos, last);
    }
}
