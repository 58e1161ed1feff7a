//! The deadline heap: which sleeping task is due first.
//!
//! A binary min-heap of slot indices, keyed by each slot's armed deadline and then by spawn order
//! (so equal deadlines fire in spawn order). Every slot records its position in the heap, so a
//! deadline that is no longer wanted (its event came first, the task was stopped) leaves in
//! O(log n) instead of lingering. Inserting and expiring cost O(log n): a pass never looks at the
//! sleeping tasks, only at the top of the heap.
//!
//! The heap shares its array with the stack of free slots: a free slot has no deadline, so the two
//! together never hold more than `N` entries. The heap grows up from the start, the free stack down
//! from the end.

use crate::sched::{Sched, NONE};

impl<const N: usize, const SLOT: usize> Sched<N, SLOT> {
    /// `a` fires before `b`: earlier deadline, then earlier spawn.
    fn before(&self, a: u16, b: u16) -> bool {
        let (a, b) = (usize::from(a), usize::from(b));
        let (da, db) = (self.headers[a].deadline(), self.headers[b].deadline());
        if da != db {
            return da < db;
        }
        let base = self.next_seq.get();
        base.wrapping_sub(self.seq[a].get()) > base.wrapping_sub(self.seq[b].get())
    }

    fn heap_set(&self, pos: usize, idx: u16) {
        self.heap[pos].set(idx);
        self.heap_pos[usize::from(idx)].set(pos as u16);
    }

    pub(crate) fn heap_insert(&self, idx: usize, deadline: u64) {
        self.headers[idx].set_deadline(deadline);
        let mut pos = self.heap_len.get();
        if pos + self.free_len.get() >= N {
            return; // cannot happen: a live task is not free
        }
        self.heap_len.set(pos + 1);
        self.attention.set(self.attention.get() + 1);
        pos = self.sift_up(pos, idx as u16);
        self.heap_set(pos, idx as u16);
    }

    /// Moves the hole at `pos` up while `me` belongs above its parent; returns where `me` goes.
    fn sift_up(&self, mut pos: usize, me: u16) -> usize {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            let p = self.heap[parent].get();
            if !self.before(me, p) {
                break;
            }
            self.heap_set(pos, p);
            pos = parent;
        }
        pos
    }

    pub(crate) fn heap_remove(&self, idx: usize) {
        let pos = usize::from(self.heap_pos[idx].replace(NONE));
        let len = self.heap_len.get();
        if pos >= len {
            return;
        }
        let last = self.heap[len - 1].get();
        self.heap_len.set(len - 1);
        self.attention.set(self.attention.get() - 1);
        if pos == len - 1 {
            return;
        }
        // Put `last` at `pos`, then sift it whichever way it belongs.
        let mut pos = self.sift_up(pos, last);
        let n = len - 1;
        loop {
            let l = 2 * pos + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && self.before(self.heap[r].get(), self.heap[l].get()) { r } else { l };
            let cv = self.heap[c].get();
            if !self.before(cv, last) {
                break;
            }
            self.heap_set(pos, cv);
            pos = c;
        }
        self.heap_set(pos, last);
    }
}
