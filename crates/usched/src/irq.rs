//! Interrupt lines: the original's `Pinblock`, made portable.
//!
//! An interrupt handler (or another thread) calls [`IrqLine::signal`]; a task waiting on the line
//! resumes with the number of signals since it last resumed. Waiters with a pending count outrank
//! every other task, larger counts first. Fixes over the original: a waiter that loses a pass to
//! another keeps its count (the original cleared it while ranking), counts saturate instead of
//! wrapping, and a signal that lands between ranking and running is counted in that resume.

use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;

use critical_section::Mutex;
use portable_atomic::{AtomicU32, Ordering};

use crate::state::I;
use crate::time::micros;
use crate::wait::CLASS_IRQ;

/// How an interrupt wait ended.
///
/// ```
/// assert_ne!(usched::IrqResult::Irq(1), usched::IrqResult::Irq(2));
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IrqResult {
    /// This many signals arrived since the task last resumed from this line.
    Irq(u32),
    /// The timeout passed first; the value is how late the task woke.
    TimedOut(Duration),
}

/// A counter that interrupt handlers increment and one task waits on.
///
/// `signal` is safe from an interrupt handler and from any thread, so a line is usually a `static`.
///
/// ```
/// use usched::{IrqLine, IrqResult, Sched};
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// static BUTTON: IrqLine = IrqLine::new();
///
/// // What an interrupt handler would do, three times before the task gets to run:
/// BUTTON.signal();
/// BUTTON.signal();
/// BUTTON.signal();
///
/// let s: &'static Sched<1, 128> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async {
///     assert_eq!(BUTTON.wait().await, IrqResult::Irq(3));
/// }).unwrap();
/// s.run(&CLOCK);
/// ```
pub struct IrqLine {
    count: AtomicU32,
    waiter: Mutex<Cell<Option<Waker>>>,
}

impl Default for IrqLine {
    fn default() -> Self {
        Self::new()
    }
}

impl IrqLine {
    /// A line with no signals and no waiter.
    ///
    /// ```
    /// static LINE: usched::IrqLine = usched::IrqLine::new();
    /// assert_eq!(LINE.pending(), 0);
    /// ```
    pub const fn new() -> Self {
        IrqLine { count: AtomicU32::new(0), waiter: Mutex::new(Cell::new(None)) }
    }

    /// Counts one interrupt and wakes the waiting scheduler. Interrupt- and thread-safe.
    ///
    /// ```
    /// static LINE: usched::IrqLine = usched::IrqLine::new();
    /// LINE.signal();
    /// assert_eq!(LINE.pending(), 1);
    /// ```
    #[inline]
    pub fn signal(&self) {
        self.signal_n(1);
    }

    /// Counts `n` interrupts at once (a handler that drained several events). Saturates.
    ///
    /// ```
    /// static LINE: usched::IrqLine = usched::IrqLine::new();
    /// LINE.signal_n(u32::MAX);
    /// LINE.signal();
    /// assert_eq!(LINE.pending(), u32::MAX);
    /// ```
    pub fn signal_n(&self, n: u32) {
        let _ = self.count.fetch_update(Ordering::Release, Ordering::Relaxed, |c| Some(c.saturating_add(n)));
        critical_section::with(|cs| {
            let cell = self.waiter.borrow(cs);
            let w = cell.take();
            if let Some(w) = &w {
                crate::raw::nudge(w);
            }
            cell.set(w);
        });
    }

    /// Signals counted and not yet taken by a waiting task.
    ///
    /// ```
    /// static LINE: usched::IrqLine = usched::IrqLine::new();
    /// assert_eq!(LINE.pending(), 0);
    /// ```
    pub fn pending(&self) -> u32 {
        self.count.load(Ordering::Relaxed)
    }

    /// Waits for at least one signal.
    ///
    /// ```
    /// static LINE: usched::IrqLine = usched::IrqLine::new();
    /// let fut = LINE.wait();
    /// # drop(fut);
    /// ```
    #[inline]
    pub fn wait(&self) -> IrqWait<'_> {
        IrqWait { line: self, timeout: None, deadline: 0, registered: false }
    }

    /// Waits for at least one signal, or until `timeout` passes.
    ///
    /// ```
    /// static LINE: usched::IrqLine = usched::IrqLine::new();
    /// let fut = LINE.wait_timeout(core::time::Duration::from_secs(1));
    /// # drop(fut);
    /// ```
    #[inline]
    pub fn wait_timeout(&self, timeout: Duration) -> IrqWait<'_> {
        IrqWait { line: self, timeout: Some(micros(timeout)), deadline: 0, registered: false }
    }

    fn set_waiter(&self, w: &Waker) {
        critical_section::with(|cs| {
            let cell = self.waiter.borrow(cs);
            let old = cell.take();
            cell.set(Some(match old {
                Some(o) if o.will_wake(w) => o,
                _ => w.clone(),
            }));
        });
    }
}

/// The future returned by [`IrqLine::wait`] and [`IrqLine::wait_timeout`].
///
/// ```
/// static LINE: usched::IrqLine = usched::IrqLine::new();
/// let wait: usched::IrqWait<'_> = LINE.wait();
/// # drop(wait);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct IrqWait<'a> {
    line: &'a IrqLine,
    timeout: Option<u64>,
    deadline: u64,
    registered: bool,
}

impl Future for IrqWait<'_> {
    type Output = IrqResult;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<IrqResult> {
        let this = self.get_mut();
        let line = this.line;
        let Some(t) = crate::wait::current_here(cx) else {
            // Outside usched: a plain wake-on-signal future without priorities or timeouts.
            let n = line.count.swap(0, Ordering::Acquire);
            if n > 0 {
                return Poll::Ready(IrqResult::Irq(n));
            }
            line.set_waiter(cx.waker());
            return Poll::Pending;
        };
        if !this.registered {
            this.registered = true;
            if let Some(d) = this.timeout {
                this.deadline = t.now_us().saturating_add(d);
            }
            line.set_waiter(cx.waker());
        } else if t.sampling() {
            let n = line.count.load(Ordering::Relaxed);
            if n > 0 {
                t.offer(CLASS_IRQ | u64::from(n));
            }
            return Poll::Pending;
        } else {
            let n = line.count.swap(0, Ordering::Acquire);
            if n > 0 {
                return Poll::Ready(IrqResult::Irq(n));
            }
            if this.timeout.is_some() {
                let now = t.now_us();
                if now >= this.deadline {
                    let late = Duration::from_micros(now - this.deadline);
                    crate::stats::report_late(&t, late);
                    return Poll::Ready(IrqResult::TimedOut(late));
                }
            }
        }
        t.mark(I);
        if this.timeout.is_some() {
            t.request_deadline(this.deadline);
        }
        Poll::Pending
    }
}
