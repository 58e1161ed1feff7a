//! A signal from one task to another on the same scheduler, with no atomics.
//!
//! Standard async primitives (an `embassy-sync` `Signal`, a channel) work in usched tasks too,
//! but they wake through the `Waker`, which must be safe from any thread and so costs atomic
//! operations. A [`Signal`] stays on the scheduler's thread: it puts the waiting task straight on
//! the round-robin queue.

use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::raw::TaskRef;

/// A flag one task sets and another awaits. Setting it while nobody waits keeps it set.
///
/// Made for usched tasks: awaited anywhere else, the wait re-polls itself until the flag is set.
///
/// ```
/// use usched::{Sched, Signal};
/// use usched_sim::SimClock;
/// static CLOCK: SimClock = SimClock::new();
/// let ping: &'static Signal = Box::leak(Box::new(Signal::new()));
/// let s: &'static Sched<2, 128> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async { ping.wait().await; println!("got it") }).unwrap();
/// s.spawn(async { ping.signal() }).unwrap();
/// s.run(&CLOCK);
/// ```
#[derive(Default)]
pub struct Signal {
    set: Cell<bool>,
    /// The waiting task and its generation (a stopped waiter's slot may have a new occupant).
    waiter: Cell<Option<(TaskRef, u32)>>,
}

impl Signal {
    /// A signal that is not set.
    ///
    /// ```
    /// assert!(!usched::Signal::new().is_set());
    /// ```
    pub const fn new() -> Self {
        Signal { set: Cell::new(false), waiter: Cell::new(None) }
    }

    /// Sets the signal and wakes its waiter, if any.
    ///
    /// ```
    /// let s = usched::Signal::new();
    /// s.signal();
    /// assert!(s.is_set());
    /// ```
    #[inline]
    pub fn signal(&self) {
        self.set.set(true);
        if let Some((t, gen)) = self.waiter.take() {
            let h = t.header();
            if h.gen.get() == gen {
                crate::state::wake(t.core(), h);
            }
        }
    }

    /// True if set and not yet taken by a wait.
    ///
    /// ```
    /// assert!(!usched::Signal::new().is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.set.get()
    }

    /// Waits until the signal is set, and clears it.
    ///
    /// ```
    /// let s = usched::Signal::new();
    /// let fut = s.wait();
    /// # drop(fut);
    /// ```
    #[inline]
    pub fn wait(&self) -> SignalWait<'_> {
        SignalWait { sig: self }
    }
}

/// The future returned by [`Signal::wait`].
///
/// ```
/// let s = usched::Signal::new();
/// let wait: usched::SignalWait<'_> = s.wait();
/// # drop(wait);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SignalWait<'a> {
    sig: &'a Signal,
}

impl Future for SignalWait<'_> {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let sig = self.sig;
        if sig.set.replace(false) {
            return Poll::Ready(());
        }
        // The waiter is woken straight onto the run queue, which only the scheduler's own thread
        // may touch: record it only from the scheduler's own context.
        match crate::wait::current_here(cx) {
            Some(t) => sig.waiter.set(Some((t, t.header().gen.get()))),
            None => cx.waker().wake_by_ref(),
        }
        Poll::Pending
    }
}
