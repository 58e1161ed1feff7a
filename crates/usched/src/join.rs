//! Waiting for another task to end: the original's `yield from subthread()`, across tasks.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::sched::Sched;
use crate::task::{Status, TaskId};

/// The future returned by [`Sched::join`]: resolves when the task has finished or been stopped.
///
/// # Cancel safety
///
/// Dropping the join has no effect on the task it waits for, and leaves nothing behind.
///
/// ```
/// use usched::{sleep, Sched, Status};
/// use usched_sim::SimClock;
/// use core::time::Duration;
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<2, 256> = Box::leak(Box::new(Sched::new()));
/// let worker = s.spawn(async { sleep(Duration::from_millis(5)).await; }).unwrap();
/// s.spawn(async move {
///     s.join(worker).await;
///     assert_eq!(s.status(worker), Status::Finished);
///     assert_eq!(CLOCK.now().as_micros(), 5_000);
/// }).unwrap();
/// s.run(&CLOCK);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Join<const N: usize, const SLOT: usize> {
    pub(crate) sched: &'static Sched<N, SLOT>,
    pub(crate) id: TaskId,
}

impl<const N: usize, const SLOT: usize> Future for Join<N, SLOT> {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let here = crate::wait::current_here(cx);
        if self.sched.status(self.id) == Status::Finished {
            match here {
                // A sample poll never completes a join: the task runs in its round-robin turn.
                Some(t) if t.sampling() => return Poll::Pending,
                _ => return Poll::Ready(()),
            }
        }
        match here {
            Some(t) if t.sampling() => {}
            // Only the scheduler's own poll of one of its tasks may declare a join (its core's
            // plain cells, on its thread), and only of a task of the same scheduler: a join polled
            // under another scheduler, or with a waker of its own, polls again until the task ends.
            Some(t) if core::ptr::eq(t.core(), &self.sched.core) => {
                t.core().join_hook.set(Some(&crate::state::JOIN_OPS));
                t.core().joining.set(t.ptr());
                t.core().declare_join(self.id.idx);
                // So that the end of this poll takes its slow path, where the join is registered.
                t.core().wakes.mark();
            }
            _ => cx.waker().wake_by_ref(),
        }
        Poll::Pending
    }
}
