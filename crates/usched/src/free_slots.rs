//! The free slots: a stack linked through the scheduler's per-slot links.
//!
//! A free slot is on no other list, so it borrows the link the run queue and the sampled list use
//! (`run_queue.rs`). Last freed, first reused: the slot whose memory was touched last. Reuse order
//! no longer matters for ids, which carry a 48-bit serial instead of a per-slot generation.

use core::cell::Cell;

use crate::run_queue::NIL;

pub(crate) struct FreeSlots {
    top: Cell<u16>,
}

impl FreeSlots {
    /// All zero bytes (see `Sched::new`): not a list until [`FreeSlots::init`].
    pub(crate) const fn new() -> Self {
        FreeSlots { top: Cell::new(0) }
    }

    /// Every slot free, the lowest on top. Once, before any other use.
    pub(crate) fn init(&self, links: &[Cell<u16>]) {
        self.top.set(NIL);
        for i in (0..links.len()).rev() {
            self.push(links, i as u16);
        }
    }

    pub(crate) fn push(&self, links: &[Cell<u16>], idx: u16) {
        let Some(l) = links.get(usize::from(idx)) else {
            debug_assert!(false, "freeing slot {idx}, which does not exist");
            return;
        };
        l.set(self.top.get());
        self.top.set(idx);
    }

    pub(crate) fn pop(&self, links: &[Cell<u16>]) -> Option<u16> {
        let idx = self.top.get();
        self.top.set(links.get(usize::from(idx))?.get());
        Some(idx)
    }

    /// The slot on top (`NIL` if none), for `Sched::check`. (No length is kept: the scheduler
    /// knows how many slots are free from its live count, see `Sched::free_slots`.)
    #[cfg(debug_assertions)]
    pub(crate) fn top(&self) -> u16 {
        self.top.get()
    }
}
