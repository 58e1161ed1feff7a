//! Timed waits: the original's `yield 0.2` and `yield from wait(2000)`, without the 536 s ceiling.

use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use crate::raw::ForeignTimer;
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
    Sleep::new(Phase::After, micros(d))
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
    Sleep::new(Phase::At, at.as_micros())
}

/// What a sleep's stored number means: before its first poll a duration or an instant, after it
/// the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    After,
    At,
    Armed,
}

/// The future returned by [`sleep`] and [`sleep_until`]. Resolves to the lateness.
///
/// It needs a usched scheduler to run in. Inside a combinator that lends its children wakers of
/// its own (`FuturesUnordered`, `join_all`, `select_all`, ...) it works too (with the `std`
/// feature): it then wakes through the waker it was given, and its task runs as any woken task
/// does, in its round-robin turn. Such sleeps that fall due together wake their combinators most
/// overdue first, then in the order they were first polled (not in their tasks' spawn order).
/// Polled where no usched scheduler runs (another executor's thread), it panics, naming itself,
/// rather than never completing.
///
/// # Cancel safety
///
/// Dropping it before it completes cancels the wait and nothing else: the task's deadline is
/// declared afresh at each poll, and a sleep inside a combinator takes its timer with it when
/// dropped, so a dropped sleep leaves no timer behind.
///
/// ```
/// let s: usched::Sleep = usched::sleep(core::time::Duration::from_millis(1));
/// assert!(s.deadline().is_none()); // armed at its first poll
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    phase: Cell<Phase>,
    /// Holds the number (see `Phase`); linked to the scheduler's list of foreign timers only
    /// inside a combinator with wakers of its own (see `raw::ForeignTimer`).
    pub(crate) foreign: ForeignTimer,
}

impl core::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sleep").field("deadline", &self.deadline()).finish()
    }
}

impl Sleep {
    /// The deadline, once the sleep has started (its first poll).
    ///
    /// ```
    /// let s = usched::sleep(core::time::Duration::from_millis(5));
    /// assert_eq!(s.deadline(), None);
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        (self.phase.get() == Phase::Armed).then(|| Instant::from_micros(self.foreign.deadline()))
    }
}

impl Future for Sleep {
    type Output = Duration;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Duration> {
        let this = self.into_ref();
        let Some(t) = crate::wait::current_here(cx) else {
            return this.poll_foreign(cx);
        };
        if this.phase.get() != Phase::Armed {
            this.arm(t.now_us());
            t.request_deadline(this.foreign.deadline());
            return Poll::Pending;
        }
        if t.sampling() {
            return Poll::Pending;
        }
        let now = t.now_us();
        let deadline = this.foreign.deadline();
        if now >= deadline {
            let late = crate::time::duration_from_micros(now - deadline);
            crate::stats::report_late(&t, late);
            Poll::Ready(late)
        } else {
            t.request_deadline(deadline);
            Poll::Pending
        }
    }
}

impl Sleep {
    #[inline]
    fn new(phase: Phase, us: u64) -> Sleep {
        let foreign = ForeignTimer::new();
        foreign.set_deadline(us);
        Sleep { phase: Cell::new(phase), foreign }
    }

    fn arm(&self, now: u64) {
        if self.phase.replace(Phase::Armed) == Phase::After {
            self.foreign.set_deadline(now.saturating_add(self.foreign.deadline()));
        }
    }

    /// Polled with a waker that is not its task's own: a combinator's inside a usched task, or
    /// none of usched's at all.
    #[cold]
    fn poll_foreign(self: Pin<&Self>, cx: &mut Context<'_>) -> Poll<Duration> {
        let Some(core) = crate::raw::running_core() else {
            crate::wait::not_in_task("usched::sleep");
        };
        let now = core.now().as_micros();
        if self.phase.get() != Phase::Armed {
            self.arm(now);
        }
        let deadline = self.foreign.deadline();
        if now >= deadline {
            self.foreign.disarm();
            return Poll::Ready(crate::time::duration_from_micros(now - deadline));
        }
        crate::raw::sleep_timer(self).arm(core, cx.waker());
        Poll::Pending
    }
}
