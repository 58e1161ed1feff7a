//! A signal from one task to another on the same scheduler, with no atomics.
//!
//! Standard async primitives (an `embassy-sync` `Signal`, a channel) work in usched tasks too,
//! but they wake through the `Waker`, which must be safe from any thread and so costs atomic
//! operations. A [`Signal`] stays on the scheduler's thread: it puts the waiting task straight on
//! the round-robin queue.
//!
//! One task waits at a time. A second task that waits while the first still does is not refused:
//! the first is *displaced*. It is not woken there and then (two waiters waking each other would
//! spin for ever), but moved to the scheduler's `JOINING` wait (`state.rs`) with a mark saying
//! "a signal", and the next `signal` of a signal with displaced waiters wakes it along with the
//! registered waiter: whichever runs first takes the signal, the others wait again. So every waiter sees every signal it can, and
//! none sleeps for ever.

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
    /// The waiting task. Its wait clears it when dropped, so a stopped task's slot is never woken
    /// for it (unless the wait was leaked with `mem::forget`: then one spurious wake, harmless).
    waiter: Cell<Option<TaskRef>>,
    /// A waiter was displaced since the last `signal`: it must be woken by the next.
    displaced: Cell<bool>,
}

impl Signal {
    /// A signal that is not set.
    ///
    /// ```
    /// assert!(!usched::Signal::new().is_set());
    /// ```
    pub const fn new() -> Self {
        Signal { set: Cell::new(false), waiter: Cell::new(None), displaced: Cell::new(false) }
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
        if let Some(t) = self.waiter.take() {
            crate::state::wake(t.core(), t.header());
            if self.displaced.get() {
                self.displaced.set(false);
                crate::state::wake_joiners(t.core(), crate::sched_core::JOIN_SIGNAL);
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
        SignalWait { sig: self, registered: None }
    }
}

/// The future returned by [`Signal::wait`].
///
/// # Cancel safety
///
/// Dropping the wait before the signal comes removes its task as the waiter, and the signal,
/// when it comes, stays set for the next wait. A signal is consumed only by a wait that completes.
///
/// ```
/// let s = usched::Signal::new();
/// let wait: usched::SignalWait<'_> = s.wait();
/// # drop(wait);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SignalWait<'a> {
    sig: &'a Signal,
    /// The task this wait registered as the signal's waiter, if it did.
    registered: Option<TaskRef>,
}

impl Drop for SignalWait<'_> {
    /// A wait dropped before the signal came (a timeout, a `select`) leaves no waiter behind.
    #[inline]
    fn drop(&mut self) {
        if let (Some(me), Some(t)) = (self.registered, self.sig.waiter.get()) {
            if core::ptr::eq(me.ptr(), t.ptr()) {
                self.sig.waiter.set(None);
                if self.sig.displaced.replace(false) {
                    // The waiters it displaced must not wait for a signal nobody will pass on:
                    // they look again, and one of them registers.
                    crate::state::wake_joiners(me.core(), crate::sched_core::JOIN_SIGNAL);
                }
            }
        }
    }
}

impl Future for SignalWait<'_> {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let sig = self.sig;
        if sig.set.get() {
            // A sample poll never takes the signal: the task runs in its round-robin turn. (Only
            // a build with pollers and interrupt lines samples; without, this asks nothing.)
            if cfg!(feature = "sampling") && crate::wait::current_here(cx).is_some_and(|t| t.sampling()) {
                return Poll::Pending;
            }
            sig.set.set(false);
            return Poll::Ready(());
        }
        // The waiter is woken straight onto the run queue, which only the scheduler's own thread
        // may touch: record it only from the scheduler's own context.
        let Some(t) = crate::wait::current_here(cx) else {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        };
        self.registered = Some(t);
        if let Some(old) = sig.waiter.replace(Some(t)) {
            if !core::ptr::eq(old.ptr(), t.ptr()) && crate::state::displaced(old.core(), old.header()) {
                sig.displaced.set(true);
            }
        }
        Poll::Pending
    }
}
