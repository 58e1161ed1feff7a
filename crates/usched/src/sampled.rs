//! The sampled list: tasks waiting on a poller or an interrupt line.
//!
//! These are the tasks a pass must look at every time (the original's "poll on every pass"), so
//! they are kept apart from everything else: a pass costs O(sampled tasks), however many tasks
//! sleep or wait for wakers. The order in the list does not matter; ties between equal offers go to
//! the older task.
//!
//! The list is linked through the same per-slot links as the round-robin FIFO: a sampled task is
//! never queued for round-robin (a wake takes it off this list first), so one link per slot serves
//! both lists.

use crate::raw::NIL;
use crate::sched::Sched;
use crate::state::P;

impl<const N: usize, const SLOT: usize> Sched<N, SLOT> {
    pub(crate) fn sampled_add(&self, idx: usize, poller: bool) {
        let Some(link) = self.next.get(idx) else { return };
        link.set(self.sampled_head.get());
        self.sampled_head.set(idx as u16);
        self.sampled_len.set(self.sampled_len.get() + 1);
        self.sampled_epoch.set(self.sampled_epoch.get().wrapping_add(1));
        self.attention.set(self.attention.get() + 1);
        if poller {
            self.pollers.set(self.pollers.get() + 1);
        }
    }

    /// Takes a task off the list if it is on it (O(sampled tasks)).
    pub(crate) fn sampled_remove(&self, idx: usize) {
        let mut prev = NIL;
        let mut at = self.sampled_head.get();
        while let Some(link) = self.next.get(usize::from(at)) {
            let after = link.get();
            if usize::from(at) == idx {
                match self.next.get(usize::from(prev)) {
                    Some(p) => p.set(after),
                    None => self.sampled_head.set(after),
                }
                self.sampled_len.set(self.sampled_len.get() - 1);
                self.sampled_epoch.set(self.sampled_epoch.get().wrapping_add(1));
                self.attention.set(self.attention.get() - 1);
                if self.headers[idx].state.get() & P != 0 {
                    self.pollers.set(self.pollers.get().saturating_sub(1));
                }
                return;
            }
            prev = at;
            at = after;
        }
    }
}
