//! Deadlines for any future: the original's `Timeout` object, for everything.

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;
use core::time::Duration;

use crate::sleep::{sleep, sleep_until};
use crate::time::Instant;

/// A future did not finish before its deadline; `late` is how late the task woke to notice.
///
/// ```
/// let e = usched::Elapsed { late: core::time::Duration::ZERO };
/// assert_eq!(e.late.as_micros(), 0);
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Elapsed {
    /// How late the deadline was noticed.
    pub late: Duration,
}

/// Runs `fut` with a time limit. If the future and the deadline are both ready at the same
/// poll, the future wins.
///
/// # Cancel safety
///
/// On timeout `fut` is dropped where it stands, so it is exactly as cancel-safe as `fut` is (see
/// each wait's own section), and whatever it asked the scheduler for in that poll (a deadline,
/// an interrupt line, a join) is taken back with it. Dropping the `timeout` itself does the same.
///
/// ```
/// use core::time::Duration;
/// use usched::{sleep, timeout, Sched};
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<1, 512> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async {
///     let r = timeout(Duration::from_millis(10), sleep(Duration::from_secs(1))).await;
///     assert!(r.is_err());
///     assert_eq!(CLOCK.now().as_micros(), 10_000);
///     let r = timeout(Duration::from_millis(10), async { 5 }).await;
///     assert_eq!(r, Ok(5));
/// }).unwrap();
/// s.run(&CLOCK);
/// ```
pub async fn timeout<F: Future>(limit: Duration, fut: F) -> Result<F::Output, Elapsed> {
    race(fut, sleep(limit)).await
}

/// Runs `fut` until the instant `at` at the latest. Cancel safety as for [`timeout`].
///
/// ```
/// use core::time::Duration;
/// use usched::{timeout_at, Instant, Sched};
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async {
///     let r = timeout_at(Instant::from_millis(3), core::future::pending::<()>()).await;
///     assert_eq!(r.unwrap_err().late, Duration::ZERO);
/// }).unwrap();
/// s.run(&CLOCK);
/// ```
pub async fn timeout_at<F: Future>(at: Instant, fut: F) -> Result<F::Output, Elapsed> {
    race(fut, sleep_until(at)).await
}

async fn race<F: Future>(fut: F, deadline: crate::Sleep) -> Result<F::Output, Elapsed> {
    let mut fut = pin!(fut);
    let mut deadline = pin!(deadline);
    poll_fn(|cx| {
        let before = crate::wait::current_here(cx).map(|t| (t, t.declared()));
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        if before.is_none() && crate::raw::running_core().is_none() {
            crate::wait::not_in_task("usched::timeout");
        }
        match deadline.as_mut().poll(cx) {
            Poll::Ready(late) => {
                // `fut` is dropped unfinished: what it declared in this poll (a deadline, an
                // interrupt line, a join) must not outlive it into the task's next await.
                if let Some((t, d)) = before {
                    t.undeclare(d);
                }
                Poll::Ready(Err(Elapsed { late }))
            }
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// A reusable deadline: armed once, then shared by several waits until re-armed (the original's
/// `Timeout` object, yielded as `to` or re-armed as `to()`).
///
/// ```
/// use core::time::Duration;
/// use usched::{Deadline, Sched};
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<1, 512> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async {
///     let mut d = Deadline::new(Duration::from_millis(50));
///     d.rearm(); // the next wait arms it 50 ms from then
///     let _ = d.run(core::future::pending::<()>()).await; // times out at 50 ms
///     let _ = d.run(core::future::pending::<()>()).await; // same deadline: at once
///     assert_eq!(CLOCK.now().as_micros(), 50_000);
/// }).unwrap();
/// s.run(&CLOCK);
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Debug, Clone)]
pub struct Deadline {
    period: Duration,
    at: Option<Instant>,
}

impl Deadline {
    /// A deadline `period` after its first use (and after each [`rearm`](Self::rearm)).
    ///
    /// ```
    /// let d = usched::Deadline::new(core::time::Duration::from_secs(1));
    /// assert_eq!(d.at(), None);
    /// ```
    pub fn new(period: Duration) -> Self {
        Deadline { period, at: None }
    }

    /// Forgets the armed instant: the next wait arms it afresh from its own start.
    ///
    /// ```
    /// let mut d = usched::Deadline::new(core::time::Duration::from_secs(1));
    /// d.rearm();
    /// ```
    pub fn rearm(&mut self) {
        self.at = None;
    }

    /// The armed instant, if armed.
    ///
    /// ```
    /// assert!(usched::Deadline::new(core::time::Duration::ZERO).at().is_none());
    /// ```
    pub fn at(&self) -> Option<Instant> {
        self.at
    }

    /// Runs `fut` until the deadline (arming it now if it is not armed). Cancel safety as for
    /// [`timeout`]; the armed instant stays armed.
    ///
    /// ```
    /// let mut d = usched::Deadline::new(core::time::Duration::from_secs(1));
    /// let fut = d.run(async { 1 });
    /// # drop(fut);
    /// ```
    pub async fn run<F: Future>(&mut self, fut: F) -> Result<F::Output, Elapsed> {
        let at = match self.at {
            Some(at) => at,
            None => {
                // The scheduler's time: through the task, or the scheduler running on this thread
                // (inside a combinator); no scheduler at all, and the wait below says so.
                let now = poll_fn(|cx| {
                    Poll::Ready(match crate::wait::current_here(cx) {
                        Some(t) => t.now_us(),
                        None => crate::raw::running_core().map_or(0, |c| c.now().as_micros()),
                    })
                })
                .await;
                let at = Instant::from_micros(now) + self.period;
                self.at = Some(at);
                at
            }
        };
        timeout_at(at, fut).await
    }
}
