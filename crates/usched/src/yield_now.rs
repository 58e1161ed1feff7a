//! Round-robin: the original's bare `yield`.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::state::State;

/// Lets every other ready task run once, then continues (strict FIFO among round-robin tasks).
///
/// Inside a usched task this costs no waker and no atomic: the scheduler sees the yield in the
/// task's state byte and puts it straight back on its queue. Anywhere else it is the usual
/// wake-and-return-pending yield.
///
/// ```
/// use usched::{yield_now, Sched};
/// use usched_sim::SimClock;
/// use std::cell::RefCell;
/// static CLOCK: SimClock = SimClock::new();
/// let log: &'static RefCell<Vec<&str>> = Box::leak(Box::new(RefCell::new(Vec::new())));
/// let s: &'static Sched<2, 64> = Box::leak(Box::new(Sched::new()));
/// for name in ["a", "b"] {
///     s.spawn(async move {
///         for _ in 0..2 {
///             log.borrow_mut().push(name);
///             yield_now().await;
///         }
///     }).unwrap();
/// }
/// s.run(&CLOCK);
/// assert_eq!(*log.borrow(), ["a", "b", "a", "b"]);
/// ```
#[inline]
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
///
/// # Cancel safety
///
/// Dropping it after its first poll costs at most one extra turn of the run queue.
///
/// ```
/// let y: usched::YieldNow = usched::yield_now();
/// # drop(y);
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        match crate::wait::current(cx) {
            Some(t) => t.mark(State::YIELD),
            None => cx.waker().wake_by_ref(),
        }
        Poll::Pending
    }
}
