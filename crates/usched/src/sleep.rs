//! Timed waits: the original's `yield 0.2` and `yield from wait(2000)`, without the 536 s ceiling.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use crate::time::{micros, Instant};

/// Waits at least `d`, then resolves to how late it woke (the original's `result[2]`).
///
/// Time is a 64-bit microsecond count, so any duration works; huge ones saturate. `sleep(ZERO)`
/// is an already expired deadline: it still goes through the scheduler, ranks as a timer (above
/// round-robin) and reports how late it ran.
///
/// ```
/// use core::time::Duration;
/// use usched::{sleep, Sched};
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<1, 128> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async {
///     let late = sleep(Duration::from_millis(400)).await; // 400 ms delay
///     assert_eq!(late, Duration::ZERO); // nothing else ran: on time
///     assert_eq!(CLOCK.now().as_micros(), 400_000);
///     sleep(Duration::from_secs(2000)).await; // no ceiling
/// }).unwrap();
/// s.run(&CLOCK);
/// ```
#[inline]
pub fn sleep(d: Duration) -> Sleep {
    Sleep { until: Until::After(micros(d)), deadline: 0, armed: false }
}

/// Waits until `at`, then resolves to how late it woke. For drift-free periodic work, add the
/// period to the previous deadline rather than sleeping for it.
///
/// ```
/// use core::time::Duration;
/// use usched::{sleep_until, Instant, Sched};
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<1, 128> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async {
///     let mut next = Instant::ZERO;
///     for _ in 0..3 {
///         next = next + Duration::from_millis(100);
///         sleep_until(next).await;
///         CLOCK.advance(Duration::from_millis(7)); // work that takes 7 ms does not shift the period
///     }
///     assert_eq!(CLOCK.now().as_micros(), 307_000);
/// }).unwrap();
/// s.run(&CLOCK);
/// ```
#[inline]
pub fn sleep_until(at: Instant) -> Sleep {
    Sleep { until: Until::At(at.as_micros()), deadline: 0, armed: false }
}

#[derive(Debug, Clone, Copy)]
enum Until {
    After(u64),
    At(u64),
}

/// The future returned by [`sleep`] and [`sleep_until`]. Resolves to the lateness.
///
/// It needs a usched task to run in: polled anywhere else (another executor, or a combinator that
/// lends its children wakers of its own, such as `FuturesUnordered`) it panics, naming itself,
/// rather than never completing.
///
/// # Cancel safety
///
/// Dropping it before it completes cancels the wait and nothing else: the task's deadline is
/// declared afresh at each poll, so a dropped sleep leaves no timer behind.
///
/// ```
/// let s: usched::Sleep = usched::sleep(core::time::Duration::from_millis(1));
/// assert!(s.deadline().is_none()); // armed at its first poll
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Sleep {
    until: Until,
    deadline: u64,
    armed: bool,
}

impl Sleep {
    /// The deadline, once the sleep has started (its first poll).
    ///
    /// ```
    /// let s = usched::sleep(core::time::Duration::from_millis(5));
    /// assert_eq!(s.deadline(), None);
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.armed.then_some(Instant::from_micros(self.deadline))
    }
}

impl Future for Sleep {
    type Output = Duration;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Duration> {
        let t = crate::wait::task_for(cx, "usched::sleep");
        if !self.armed {
            t.arrived();
            self.deadline = match self.until {
                Until::After(d) => t.now_us().saturating_add(d),
                Until::At(at) => at,
            };
            self.armed = true;
            t.request_deadline(self.deadline);
            return Poll::Pending;
        }
        if t.sampling() {
            return Poll::Pending;
        }
        let now = t.now_us();
        if now >= self.deadline {
            let late = Duration::from_micros(now - self.deadline);
            crate::stats::report_late(&t, late);
            Poll::Ready(late)
        } else {
            t.request_deadline(self.deadline);
            Poll::Pending
        }
    }
}
