//! Waiting on a user callback that the scheduler calls on every pass: the original's `Poller`.
//!
//! Some hardware (an accelerometer, a UART without interrupts) can only be polled. A task that
//! polls it itself samples it once per round of every other task; handing the callback to the
//! scheduler samples it on **every pass**, and the task sleeps until it reports something.
//!
//! Two fixes over the original: a value that loses a pass to a higher-priority task is kept for
//! this task instead of being sampled again and lost, and `Some(0)` is an event like any other.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use crate::state::State;
use crate::time::micros;
use crate::wait::CLASS_POLL;

/// How a poller wait ended.
///
/// ```
/// use usched::PollResult;
/// let r = PollResult::Event(4);
/// assert!(matches!(r, PollResult::Event(v) if v == 4));
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PollResult {
    /// The callback returned `Some(v)`.
    Event(u32),
    /// The timeout passed first; the value is how late the task woke.
    TimedOut(Duration),
}

/// A callback sampled by the scheduler on every pass, with an optional timeout.
///
/// Among tasks whose pollers have fired, a larger value runs first; all of them run before expired
/// deadlines and round-robin tasks. A poller that is always ready therefore starves round-robin
/// tasks: put a [`yield_now`](crate::yield_now) in the loop (as the original advised) to let them run.
///
/// ```
/// use core::cell::Cell;
/// use core::time::Duration;
/// use usched::{PollResult, Poller, Sched};
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async {
///     // The original polltest: an event once the clock passes 1.5 s, a 2 s timeout otherwise.
///     let mut wf = Poller::with_timeout(
///         || (CLOCK.now().as_micros() >= 1_500_000).then_some(7),
///         Duration::from_secs(2),
///     );
///     match wf.wait().await {
///         PollResult::Event(v) => assert_eq!(v, 7),
///         PollResult::TimedOut(_) => unreachable!(),
///     }
/// }).unwrap();
/// s.set_poll_interval(Duration::from_millis(10));
/// s.run(&CLOCK);
/// assert_eq!(CLOCK.now().as_micros(), 1_500_000);
/// ```
pub struct Poller<F> {
    f: F,
    timeout: Option<u64>,
    deadline: Option<u64>,
    value: Option<u32>,
}

impl<F: FnMut() -> Option<u32>> Poller<F> {
    /// A poller with no timeout.
    ///
    /// ```
    /// let p = usched::Poller::new(|| Some(1));
    /// # let _ = p;
    /// ```
    pub fn new(f: F) -> Self {
        Poller { f, timeout: None, deadline: None, value: None }
    }

    /// A poller whose waits time out after `timeout`.
    ///
    /// ```
    /// let p = usched::Poller::with_timeout(|| None, core::time::Duration::from_secs(2));
    /// # let _ = p;
    /// ```
    pub fn with_timeout(f: F, timeout: Duration) -> Self {
        Poller { f, timeout: Some(micros(timeout)), deadline: None, value: None }
    }

    /// Waits for an event, with the timeout re-armed from now (the original's `yield wf()`).
    ///
    /// ```
    /// # let mut p = usched::Poller::new(|| Some(1));
    /// let fut = p.wait();
    /// # drop(fut);
    /// ```
    #[inline]
    pub fn wait(&mut self) -> PollWait<'_, F> {
        PollWait { p: self, rearm: true, registered: false }
    }

    /// Waits for an event, keeping the deadline armed by the previous wait (the original's
    /// `yield wf`). After a timeout the old deadline is in the past, so this times out at once.
    ///
    /// ```
    /// # let mut p = usched::Poller::new(|| Some(1));
    /// let fut = p.wait_same_deadline();
    /// # drop(fut);
    /// ```
    #[inline]
    pub fn wait_same_deadline(&mut self) -> PollWait<'_, F> {
        PollWait { p: self, rearm: false, registered: false }
    }
}

/// The future returned by [`Poller::wait`].
///
/// # Cancel safety
///
/// Dropping the wait ends it and loses nothing: an event the callback reported but the task has
/// not yet taken stays in the [`Poller`] and the next wait returns it at once; the timeout stays
/// armed in the `Poller` for [`Poller::wait_same_deadline`]. The callback is not called while no
/// wait is pending.
///
/// ```
/// let mut p = usched::Poller::new(|| Some(3));
/// let wait: usched::PollWait<'_, _> = p.wait();
/// # drop(wait);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct PollWait<'a, F> {
    p: &'a mut Poller<F>,
    rearm: bool,
    registered: bool,
}

impl<F: FnMut() -> Option<u32>> Future for PollWait<'_, F> {
    type Output = PollResult;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PollResult> {
        let this = self.get_mut();
        let t = crate::wait::task_for(cx, "usched::Poller::wait");
        let p = &mut *this.p;
        if !this.registered {
            this.registered = true;
            if this.rearm || p.deadline.is_none() {
                let now = t.now_us();
                p.deadline = p.timeout.map(|d| now.saturating_add(d));
            }
        } else if t.sampling() {
            t.reached();
            if p.value.is_none() {
                p.value = (p.f)();
            }
            if let Some(v) = p.value {
                t.offer(CLASS_POLL | u64::from(v));
            }
            return Poll::Pending;
        } else {
            if let Some(v) = p.value.take() {
                return Poll::Ready(PollResult::Event(v));
            }
            if let Some(dl) = p.deadline {
                let now = t.now_us();
                if now >= dl {
                    let late = crate::time::duration_from_micros(now - dl);
                    crate::stats::report_late(&t, late);
                    return Poll::Ready(PollResult::TimedOut(late));
                }
            }
        }
        t.mark(State::P);
        if let Some(dl) = p.deadline {
            t.request_deadline(dl);
        }
        Poll::Pending
    }
}
