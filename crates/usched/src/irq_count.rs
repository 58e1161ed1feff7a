//! An interrupt line's signal count: the one part of [`IrqLine`](crate::IrqLine) that an interrupt
//! handler and the scheduler touch at the same time without a critical section. It is a file of
//! its own so that the loom model (`tests/loom_wakes.rs`) runs this very code.
//!
//! A handler adds with a `Release` read-modify-write; the task that completes its wait takes the
//! whole count with an `Acquire` swap, so each signal is counted in exactly one resume, and what
//! the handler wrote before signalling is visible to that task. A sampling pass only peeks
//! (`Relaxed`): the count it ranks by may lag, and the later take counts whatever came since.
//! (A task sampled alone has nothing to be ranked against: its wait takes the count in the sample
//! poll itself, with the same swap.)

use crate::atomic::{AtomicU32, Ordering};

pub(crate) struct IrqCount(AtomicU32);

impl IrqCount {
    pub(crate) const fn new() -> Self {
        IrqCount(AtomicU32::new(0))
    }

    /// Counts `n` more signals, saturating at `u32::MAX`. From any thread or interrupt handler.
    #[inline]
    pub(crate) fn add(&self, n: u32) {
        let _ = self.0.fetch_update(Ordering::Release, Ordering::Relaxed, |c| Some(c.saturating_add(n)));
    }

    /// The signals counted and not yet taken (may lag behind a concurrent `add`).
    #[inline]
    pub(crate) fn peek(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }

    /// Takes every signal counted so far.
    #[inline]
    pub(crate) fn take(&self) -> u32 {
        self.0.swap(0, Ordering::Acquire)
    }
}
