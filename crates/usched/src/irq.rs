//! Interrupt lines: the original's `Pinblock`, made portable.
//!
//! An interrupt handler (or another thread) calls [`IrqLine::signal`]; a task waiting on the line
//! resumes with the number of signals since it last resumed. Waiters with a pending count outrank
//! every other task, larger counts first. Fixes over the original: a waiter that loses a pass to
//! another keeps its count (the original cleared it while ranking), counts saturate instead of
//! wrapping, and a signal that lands between ranking and running is counted in that resume.

use core::cell::RefCell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;

use crate::atomic::critical_section::{self, Mutex};
use crate::irq_count::IrqCount;
use crate::state::State;
use crate::time::micros;
use crate::wait::CLASS_IRQ;

/// How an interrupt wait ended.
///
/// ```
/// assert_ne!(usched::IrqResult::Irq(1), usched::IrqResult::Irq(2));
/// ```
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
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
/// Several tasks may wait on one line; the one that runs first takes the count. They may even be
/// tasks of different schedulers (two threads, or two cores): a line keeps one waker for each of
/// up to [`IrqLine::SCHEDULERS`] schedulers with tasks waiting on it, and wakes them all. A task
/// of a further scheduler is not refused and not forgotten: its scheduler samples the line every
/// poll interval instead, as it would a poller (see [`Sched::set_poll_interval`](crate::Sched::set_poll_interval)).
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
    count: IrqCount,
    /// One entry per scheduler (or foreign executor task) with waits on this line.
    waiters: Mutex<RefCell<[Waiter; IrqLine::SCHEDULERS]>>,
}

impl Default for IrqLine {
    fn default() -> Self {
        Self::new()
    }
}

impl IrqLine {
    /// How many schedulers (or foreign tasks) a line wakes without making one of them look again.
    pub const SCHEDULERS: usize = 2;

    /// A line with no signals and no waiter.
    ///
    /// ```
    /// static LINE: usched::IrqLine = usched::IrqLine::new();
    /// assert_eq!(LINE.pending(), 0);
    /// ```
    pub const fn new() -> Self {
        IrqLine {
            count: IrqCount::new(),
            waiters: Mutex::new(RefCell::new(
                [const { Waiter { waker: None, waits: 0 } }; IrqLine::SCHEDULERS],
            )),
        }
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
        self.count.add(n);
        critical_section::with(|cs| {
            for w in self.waiters.borrow_ref(cs).iter().filter_map(|e| e.waker.as_ref()) {
                match crate::raw::core_of_waker(w) {
                    // A usched scheduler ranks its waiters by count: it only needs to look again.
                    Some(core) => core.nudge(),
                    None => w.wake_by_ref(),
                }
            }
        });
    }

    /// Signals counted and not yet taken by a waiting task.
    ///
    /// ```
    /// static LINE: usched::IrqLine = usched::IrqLine::new();
    /// assert_eq!(LINE.pending(), 0);
    /// ```
    pub fn pending(&self) -> u32 {
        self.count.peek()
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
        IrqWait { line: self, timeout: None, deadline: 0, registered: false, slot: None, task: None }
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
        IrqWait {
            line: self,
            timeout: Some(micros(timeout)),
            deadline: 0,
            registered: false,
            slot: None,
            task: None,
        }
    }

    /// Counts one more wait of `w`'s scheduler (or foreign task) and keeps a waker for it.
    /// Returns its entry, or `None` if every entry belongs to others.
    fn enlist(&self, w: &Waker) -> Option<u8> {
        let core = crate::raw::core_of_waker(w).map(|c| c as *const _);
        let same = |o: &Waker| match core {
            Some(c) => crate::raw::core_of_waker(o).is_some_and(|oc| core::ptr::eq(oc, c)),
            None => o.will_wake(w),
        };
        critical_section::with(|cs| {
            let mut entries = self.waiters.borrow_ref_mut(cs);
            let at = entries
                .iter()
                .position(|e| e.waker.as_ref().is_some_and(same))
                .or_else(|| entries.iter().position(|e| e.waker.is_none()))?;
            let e = &mut entries[at];
            if e.waker.is_none() {
                e.waker = Some(w.clone());
            }
            e.waits = e.waits.saturating_add(1);
            Some(at as u8)
        })
    }

    /// Undoes one `enlist`; the entry is freed with its last wait.
    fn delist(&self, at: u8) {
        critical_section::with(|cs| {
            if let Some(e) = self.waiters.borrow_ref_mut(cs).get_mut(usize::from(at)) {
                e.waits = e.waits.saturating_sub(1);
                if e.waits == 0 {
                    e.waker = None;
                }
            }
        });
    }

    /// A foreign task's waker may change between polls: keep the newest in its entry.
    fn refresh(&self, at: u8, w: &Waker) {
        critical_section::with(|cs| {
            if let Some(e) = self.waiters.borrow_ref_mut(cs).get_mut(usize::from(at)) {
                if !e.waker.as_ref().is_some_and(|o| o.will_wake(w)) {
                    e.waker = Some(w.clone());
                }
            }
        });
    }
}

/// The future returned by [`IrqLine::wait`] and [`IrqLine::wait_timeout`].
///
/// # Cancel safety
///
/// Dropping the wait loses no signal: the count stays in the line until a wait takes it (a wait
/// takes the whole count only when it completes). The line may still nudge this task's scheduler
/// once after the wait is gone, which costs one look and nothing else.
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
    /// This wait's entry among the line's waiters (`None`: not enlisted, or no entry was free).
    slot: Option<u8>,
    /// Its task, once polled by usched (see `Drop`).
    task: Option<crate::raw::TaskRef>,
}

/// A scheduler (or foreign task) with waits on a line, and how many.
struct Waiter {
    waker: Option<Waker>,
    waits: u16,
}

impl Drop for IrqWait<'_> {
    fn drop(&mut self) {
        if let Some(at) = self.slot {
            self.line.delist(at);
        }
        if let Some(t) = self.task {
            t.left_sampled_wait();
        }
    }
}

impl Future for IrqWait<'_> {
    type Output = IrqResult;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<IrqResult> {
        let this = self.get_mut();
        let line = this.line;
        let Some(t) = crate::wait::current_here(cx) else {
            if this.timeout.is_some() {
                crate::wait::not_in_task("IrqLine::wait_timeout");
            }
            // Outside usched: a plain wake-on-signal future without priorities or timeouts. The
            // waker goes into the line before the count is read, so a signal landing in between
            // finds it (taken first, such a signal would wake nobody: tests/loom_irq.rs).
            match this.slot {
                Some(at) => line.refresh(at, cx.waker()),
                None => this.slot = line.enlist(cx.waker()),
            }
            let n = line.count.take();
            if n > 0 {
                return Poll::Ready(IrqResult::Irq(n));
            }
            if this.slot.is_none() {
                cx.waker().wake_by_ref(); // no entry free: ask to be polled again
            }
            return Poll::Pending;
        };
        this.task = Some(t);
        let first = !this.registered;
        if first {
            this.registered = true;
            if let Some(d) = this.timeout {
                this.deadline = t.now_us().saturating_add(d);
            }
            this.slot = line.enlist(cx.waker());
        }
        if first {
            // Registered just now: wait.
        } else if t.solo() {
            // The only sampled task: its event needs no ranking, it is taken now.
            let n = line.count.take();
            if n > 0 {
                t.solo_ran();
                return Poll::Ready(IrqResult::Irq(n));
            }
            t.reached();
            return Poll::Pending;
        } else if t.sampling() {
            t.reached();
            let n = line.count.peek();
            if n > 0 {
                t.offer(CLASS_IRQ | u64::from(n));
            }
            return Poll::Pending;
        } else {
            let n = line.count.take();
            if n > 0 {
                return Poll::Ready(IrqResult::Irq(n));
            }
            if this.timeout.is_some() {
                let now = t.now_us();
                if now >= this.deadline {
                    let late = crate::time::duration_from_micros(now - this.deadline);
                    crate::stats::report_late(&t, late);
                    return Poll::Ready(IrqResult::TimedOut(late));
                }
            }
        }
        t.mark(State::I);
        if this.slot.is_none() {
            // No waker entry was free: be sampled every poll interval, like a poller.
            t.mark(State::P);
        }
        if this.timeout.is_some() {
            t.request_deadline(this.deadline);
        }
        Poll::Pending
    }
}
