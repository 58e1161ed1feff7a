//! The sampled list: tasks waiting on a poller or an interrupt line.
//!
//! These are the tasks a pass must look at every time (the original's "poll on every pass"), so
//! they are kept apart from everything else: a pass costs O(sampled tasks), however many tasks
//! sleep or wait for wakers. The order in the list does not matter; ties between equal offers go to
//! the older task.

use crate::sched::Sched;
use crate::state::P;

impl<const N: usize, const SLOT: usize> Sched<N, SLOT> {
    pub(crate) fn sampled_add(&self, idx: usize, poller: bool) {
        let len = self.sampled_len.get();
        if let Some(c) = self.sampled.get(len) {
            c.set(idx as u16);
            self.sampled_len.set(len + 1);
            self.attention.set(self.attention.get() + 1);
            if poller {
                self.pollers.set(self.pollers.get() + 1);
            }
        }
    }

    pub(crate) fn sampled_remove(&self, idx: usize) {
        let len = self.sampled_len.get();
        for i in 0..len {
            if usize::from(self.sampled[i].get()) == idx {
                self.sampled[i].set(self.sampled[len - 1].get());
                self.sampled_len.set(len - 1);
                self.attention.set(self.attention.get() - 1);
                if self.headers[idx].state.get() & P != 0 {
                    self.pollers.set(self.pollers.get().saturating_sub(1));
                }
                return;
            }
        }
    }
}
