//! Wakes from anywhere: a lock-free stack that wakers push onto and the scheduler empties.
//!
//! A standard [`Waker`](core::task::Waker) may fire on another thread or in an interrupt handler,
//! where the run queue must not be touched. So a waker only marks its task's header and pushes the
//! task onto this stack (a compare-and-swap on one word); the scheduler takes the whole stack with
//! one swap and puts the tasks on its run queue itself, **in the order they were woken** (the stack
//! is newest first, so it is reversed before use). The same word carries a "look again" bit that an
//! interrupt line sets when it wants its waiters sampled without queueing any task.
//!
//! # Why no wake is lost (memory ordering)
//!
//! - A waker claims its task with `wake.swap(1, AcqRel)`: of all wakes between two takes, exactly
//!   one pushes. The others return early; they are read-modify-writes of the same flag, so the
//!   scheduler's later `wake.swap(0, AcqRel)` (which reads their value) acquires whatever they wrote
//!   before waking.
//! - The pushing waker writes its link, then publishes it with a `Release` compare-and-swap on the
//!   stack head. The scheduler takes the stack with an `Acquire` swap: every push before it (each a
//!   read-modify-write continuing the release sequence) is visible, links included.
//! - The scheduler reads a task's link before it clears its flag (the clear is a release), so a new
//!   wake cannot overwrite the link while it is still needed. A wake after the clear pushes the task
//!   again and is taken at the next look: a task is never left marked and unqueued.
//!
//! Relaxed loads of the head (the run loop's "anything woken?") may lag; the scheduler checks again
//! with the clock's [`Wakeup`](crate::Wakeup) before it sleeps, and a push onto an empty stack
//! unparks it.

use crate::atomic::{AtomicU32, Ordering};

use crate::header::Header;

/// The low 16 bits of the head: the newest woken slot's index + 1 (0: the stack is empty).
const LINK: u32 = 0xffff;
/// "Look again": set by [`WakeStack::nudge`].
const NUDGE: u32 = 1 << 31;

pub(crate) struct WakeStack {
    head: AtomicU32,
}

impl WakeStack {
    pub(crate) const fn new() -> Self {
        WakeStack { head: AtomicU32::new(0) }
    }

    /// True if a wake or a nudge waits to be taken.
    #[inline(always)]
    pub(crate) fn pending(&self) -> bool {
        self.head.load(Ordering::Relaxed) != 0
    }

    /// Pushes `hdr`'s task unless it is already on the stack. Returns true if the stack was empty
    /// (the scheduler may be asleep: unpark it). Safe from any thread or interrupt handler.
    pub(crate) fn push(&self, hdr: &Header) -> bool {
        // Read before the claim: after it, the compiler would read `idx` again.
        let me = u32::from(hdr.idx.get()) + 1;
        if hdr.wake.swap(1, Ordering::AcqRel) != 0 {
            return false;
        }
        let mut old = self.head.load(Ordering::Relaxed);
        loop {
            hdr.wake_next.store((old & LINK) as u16, Ordering::Relaxed);
            match self.head.compare_exchange_weak(
                old,
                (old & NUDGE) | me,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return old == 0,
                Err(now) => old = now,
            }
        }
    }

    /// Makes the stack look non-empty until the next `take`, without waking anyone: a poll that
    /// declared a join uses it to send the end of its poll down the slow path.
    pub(crate) fn mark(&self) {
        self.head.fetch_or(NUDGE, Ordering::Relaxed);
    }

    /// Asks the scheduler to look again without waking any task. Returns true as `push` does.
    #[cfg_attr(not(feature = "sampling"), allow(dead_code))] // used by `Poller` and `IrqLine`
    pub(crate) fn nudge(&self) -> bool {
        self.head.fetch_or(NUDGE, Ordering::Release) == 0
    }

    /// Takes every pending wake and hands each woken task to `wake` (its slot index and header),
    /// oldest wake first. Scheduler thread only.
    ///
    /// One woken task is by far the commonest case (a poll that signalled another task): it is
    /// handled here, inlined into the caller; a longer list goes through [`Self::take_list`].
    #[inline(always)]
    pub(crate) fn take<'h>(&self, headers: &'h [Header], mut wake: impl FnMut(u16, &'h Header)) {
        let top = (self.head.swap(0, Ordering::Acquire) & LINK) as u16;
        let Some((idx, h)) = linked(headers, top) else {
            return; // nothing woken (a nudge, or a mark, only)
        };
        if h.wake_next.load(Ordering::Relaxed) == 0 {
            // One task woken: nothing to reverse.
            h.wake.swap(0, Ordering::AcqRel);
            wake(idx, h);
            return;
        }
        Self::take_list(top, headers, wake);
    }

    /// `take` for a list of more than one woken task, whose newest is link `top`.
    #[cold]
    #[inline(never)]
    fn take_list<'h>(top: u16, headers: &'h [Header], mut wake: impl FnMut(u16, &'h Header)) {
        // Reverse the newest-first list in place. Its links are ours until each flag is cleared.
        let (mut prev, mut at) = (0u16, top);
        while let Some((_, h)) = linked(headers, at) {
            let next = h.wake_next.load(Ordering::Relaxed);
            h.wake_next.store(prev, Ordering::Relaxed);
            (prev, at) = (at, next);
        }
        let mut at = prev;
        while let Some((idx, h)) = linked(headers, at) {
            at = h.wake_next.load(Ordering::Relaxed);
            h.wake.swap(0, Ordering::AcqRel);
            wake(idx, h);
        }
    }
}

/// The slot index and header a link names (index + 1); `None` for 0, the end of the stack.
#[inline(always)]
fn linked(headers: &[Header], at: u16) -> Option<(u16, &Header)> {
    // 0 wraps to `u16::MAX`, past every slot (there are at most `MAX_SLOTS`).
    let idx = at.wrapping_sub(1);
    headers.get(usize::from(idx)).map(|h| (idx, h))
}
