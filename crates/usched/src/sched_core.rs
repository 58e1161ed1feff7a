//! The part of a scheduler that does not depend on its size: what wakers and wait futures reach.
//!
//! A wait future knows neither `N` nor `SLOT`; it finds this core from its task's header (see
//! `raw.rs`). So everything a wait future or a waker may touch lives here: the wake stack, the run
//! queue (a local [`Signal`](crate::Signal) queues its waiter directly), the clock, and the few
//! cells through which a poll tells the scheduler what it waits for.

use core::cell::Cell;
use core::ptr;

use crate::header::Header;
use crate::run_queue::{RunQueue, NIL};
use crate::shared::{SharedPtr, SharedU64, SharedU8};
use crate::time::{Clock, Instant};
use crate::wakes::WakeStack;

/// Modes of a poll, read by wait futures.
pub(crate) const MODE_RUN: u8 = 0;
#[cfg_attr(not(feature = "sampling"), allow(dead_code))]
pub(crate) const MODE_SAMPLE: u8 = 1;
/// A sample poll of the only sampled task, which waits on interrupt lines only: nothing can
/// outrank its count (only sampled waits are above deadlines and round-robin), so its wait may take
/// the count and complete at once, and the poll becomes the task's run (`TaskRef::solo`).
#[cfg_attr(not(feature = "sampling"), allow(dead_code))]
pub(crate) const MODE_SOLO: u8 = 2;
/// Bits of `Core::reached`: a sampled wait was reached (and did not complete) ...
#[cfg_attr(not(feature = "sampling"), allow(dead_code))]
pub(crate) const REACHED: u8 = 1;
/// ... a sampled wait completed in a solo poll, which is the task's run from then on ...
#[cfg_attr(not(feature = "sampling"), allow(dead_code))]
pub(crate) const SOLO_RAN: u8 = 2;
/// ... a wait behaved as sampled waits make it (reported, declared nothing): a sampled wait
/// after it must not complete, or the run would lack that wait's declaration.
#[cfg_attr(not(feature = "sampling"), allow(dead_code))]
pub(crate) const BAILED: u8 = 4;
/// A join target meaning "any news": the task joins several tasks at once, or joins one and was
/// displaced as a signal's waiter too, so any task's end and any such signal wake it.
pub(crate) const JOIN_ANY: u16 = u16::MAX;
/// A join target meaning "a signal": the task was displaced as a [`Signal`](crate::Signal)'s
/// waiter, so a signal with displaced waiters wakes it.
pub(crate) const JOIN_SIGNAL: u16 = u16::MAX - 1;

/// What makes a pass look past the run queue, wakes aside (they have their own word): deadlines
/// in the heap, tasks on the sampled list, timers inside combinators, and a stop request.
///
/// The structures keep it themselves: each insertion adds one, each removal takes one away, and
/// `stop_all` sets the top bit. So the run loop's hot path reads one word to know it may take the
/// next task off the run queue, and nothing outside those structures edits the count.
pub(crate) struct Tally(Cell<usize>);

impl Tally {
    const STOP: usize = 1 << (usize::BITS - 1);

    pub(crate) const fn new() -> Self {
        Tally(Cell::new(0))
    }

    #[inline]
    pub(crate) fn add(&self) {
        self.0.set(self.0.get() + 1);
    }

    #[inline]
    pub(crate) fn sub(&self) {
        debug_assert!(self.0.get() & !Self::STOP != 0, "tally below zero");
        self.0.set(self.0.get() - 1);
    }

    pub(crate) fn set_stop(&self, stop: bool) {
        let n = self.0.get() & !Self::STOP;
        self.0.set(if stop { n | Self::STOP } else { n });
    }

    #[inline]
    pub(crate) fn stopping(&self) -> bool {
        self.0.get() & Self::STOP != 0
    }

    /// Nothing registered and no stop asked: round-robin only.
    #[inline(always)]
    pub(crate) fn is_zero(&self) -> bool {
        self.0.get() == 0
    }
}

#[repr(C)]
pub(crate) struct Core {
    /// See [`Tally`]: first, so the hot path finds it next to the wake word.
    pub(crate) tally: Tally,
    /// Tasks woken from anywhere, waiting to join the run queue.
    pub(crate) wakes: WakeStack,
    pub(crate) ready: RunQueue,
    /// The waker and `Context` lent to every poll, and the task being polled (`raw.rs`).
    pub(crate) lend: crate::raw::Lend,
    /// Tasks waiting on a poller or an interrupt line (`sampled.rs`), linked like the run queue.
    pub(crate) sampled: crate::sampled::SampledList,
    /// The scheduler's headers (set by `Sched::init`; read through [`Core::headers`]).
    headers: crate::raw::StaticSlice<Header>,
    /// Written by `run` before any poll; read only by wait futures on the scheduler's own context.
    pub(crate) clock: Cell<Option<&'static dyn Clock>>,
    /// `MODE_RUN`, `MODE_SAMPLE` or `MODE_SOLO`.
    pub(crate) mode: SharedU8,
    /// During a sample poll: the best event offered (class << 32 | value), 0 for none.
    #[cfg(feature = "sampling")]
    pub(crate) offer: SharedU64,
    /// When the interrupt wait of a solo poll completed (µs): the task's run began there, and
    /// statistics time it from then, as they time a run poll from its start.
    #[cfg(all(feature = "sampling", feature = "stats"))]
    pub(crate) solo_at: SharedU64,
    /// During a sample poll: `REACHED`, set by a sampled wait that was reached, so a poll that
    /// reached none is known to have got past the wait it was sampled for; `SOLO_RAN` and
    /// `BAILED` (see each).
    pub(crate) reached: SharedU8,
    /// During a sample poll of a `JOINING` task: what it joins (`NIL` otherwise), so that its
    /// target ending in that very poll (a callback stopped it) is not missed.
    pub(crate) sampled_join: Cell<u16>,
    /// During a run poll with the `T` flag: the earliest deadline asked for.
    pub(crate) req_deadline: SharedU64,
    /// During a run poll: the header of the task that waits for another task to end (it may be
    /// stale after a poll that ended in a yield; only a match counts).
    pub(crate) joining: SharedPtr<Header>,
    /// How many tasks may be `JOINING` (an upper bound: it is only recounted when they are woken).
    pub(crate) joiners: Cell<usize>,
    /// What the scheduler does about joins (`state::JoinOps`), set by the first join or displaced
    /// `Signal` waiter: a program with neither links no joiner code into the end of every poll and
    /// every task.
    pub(crate) join_hook: Cell<Option<&'static crate::state::JoinOps>>,
    /// During a run poll: the slot the task joins (`JOIN_ANY` if several), `NIL` for none.
    pub(crate) join_to: Cell<u16>,
    /// How many deadlines are armed in `deadlines` (here, beside `join_to`, so that the two share
    /// a word).
    pub(crate) heap_len: Cell<u16>,
    /// What each `JOINING` slot waits for: a slot, `JOIN_ANY` or `JOIN_SIGNAL` (given by `Sched::init`;
    /// an entry is meaningful only while its slot is `JOINING`).
    join_targets: crate::raw::StaticSlice<Cell<u16>>,
    /// Timed waits polled by combinators with wakers of their own (`raw::ForeignTimer`): the
    /// first node (null: none).
    pub(crate) foreign: Cell<*const crate::raw::ForeignTimer>,
    /// The armed deadlines (`deadlines.rs`), over the scheduler's cells (given by `Sched::init`).
    pub(crate) deadlines: crate::deadlines::DeadlineHeap,
    /// How to use them (`deadlines::HeapOps`), set by the first deadline a wait asks for
    /// (`TaskRef::request_deadline`): `None` means no deadline is armed, and a program without
    /// timed waits links none of the heap.
    pub(crate) heap_ops: Cell<Option<&'static crate::deadlines::HeapOps>>,
    /// What the run loop and `idle` ask about time (`deadlines::TimerOps`), set by the first
    /// deadline in the heap (heap only) and by the first foreign timer (heap and foreign timers):
    /// `None` means no timer of either kind, and a program whose timed waits never meet a
    /// combinator's waker links none of the foreign timers' firing.
    pub(crate) timer_ops: Cell<Option<&'static crate::deadlines::TimerOps>>,
    /// The turn of a queued task with flags (`state::dequeued`), set by the first pause or the
    /// first deadline in the heap, the only ways a queued task gets flags.
    pub(crate) dequeue_hook: Cell<Option<crate::state::Dequeued>>,
    /// The clock's [`ContextProbe`](crate::ContextProbe) and the number it gave where the scheduler
    /// first ran: a wake whose probe gives the same number is on the scheduler's own context and
    /// queues its task directly (`raw::wake`). Written once, by the first `run`, before any waker
    /// exists (wakers are made only by polls); read by wakers from anywhere.
    probe: Cell<Option<crate::raw::ContextProbe>>,
    home: Cell<usize>,
    #[cfg(feature = "std")]
    runner: std::sync::Mutex<Option<std::thread::Thread>>,
}

impl Core {
    /// All zero bytes, like the rest of a new scheduler (see `Sched::new`); [`Core::init`] sets
    /// the fields whose resting value is not zero.
    pub(crate) const fn new() -> Core {
        Core {
            tally: Tally::new(),
            wakes: WakeStack::new(),
            ready: RunQueue::new(),
            lend: crate::raw::Lend::new(),
            sampled: crate::sampled::SampledList::new(),
            headers: crate::raw::StaticSlice::empty(),
            clock: Cell::new(None),
            mode: SharedU8::new(MODE_RUN),
            #[cfg(feature = "sampling")]
            offer: SharedU64::new(0),
            #[cfg(all(feature = "sampling", feature = "stats"))]
            solo_at: SharedU64::new(0),
            reached: SharedU8::new(0),
            sampled_join: Cell::new(0),
            req_deadline: SharedU64::new(0),
            joining: SharedPtr::null(),
            joiners: Cell::new(0),
            join_hook: Cell::new(None),
            join_to: Cell::new(0),
            heap_len: Cell::new(0),
            foreign: Cell::new(ptr::null()),
            deadlines: crate::deadlines::DeadlineHeap::new(),
            heap_ops: Cell::new(None),
            timer_ops: Cell::new(None),
            dequeue_hook: Cell::new(None),
            join_targets: crate::raw::StaticSlice::empty(),
            probe: Cell::new(None),
            home: Cell::new(0),
            #[cfg(feature = "std")]
            runner: std::sync::Mutex::new(None),
        }
    }

    /// Gives the core its scheduler's arrays and the resting values of its fields. Once, by
    /// `Sched::init`, before any other use.
    pub(crate) fn init(
        &self,
        headers: &'static [Header],
        links: &'static [Cell<u16>],
        join_targets: &'static [Cell<u16>],
        heap_cells: &'static [crate::deadlines::HeapCell],
    ) {
        self.headers.set(headers);
        self.join_targets.set(join_targets);
        self.deadlines.init(heap_cells);
        self.ready.init(links);
        self.sampled.init();
        self.sampled_join.set(NIL);
        self.req_deadline.set(u64::MAX);
        self.join_to.set(NIL);
    }

    /// The scheduler's headers (empty before `Sched::init`).
    #[inline]
    pub(crate) fn headers(&self) -> &'static [Header] {
        self.headers.as_slice()
    }

    /// What each slot joins (see the field).
    #[inline]
    pub(crate) fn join_targets(&self) -> &'static [Cell<u16>] {
        self.join_targets.as_slice()
    }

    /// Makes an idle scheduler look again. Safe from any thread or interrupt handler.
    #[cfg_attr(not(feature = "sampling"), allow(dead_code))] // used by `Poller` and `IrqLine`
    pub(crate) fn nudge(&self) {
        if self.wakes.nudge() {
            self.unpark();
        }
    }

    /// True if a waker may queue its task directly (`raw::wake`): on the scheduler's own context,
    /// outside a sample poll, and with nothing on the wake stack. Otherwise the wake takes the
    /// stack, as it would without a probe, so that it changes neither the order of wakes (one
    /// from elsewhere that is still on the stack was earlier and must be queued first) nor a
    /// sampling pass (a sampled task woken during it keeps its offer for this pass, instead of
    /// leaving the sampled list for the back of the run queue). Without a probe this is one load
    /// and one branch; the other loads are atomics, safe anywhere.
    #[inline]
    pub(crate) fn may_wake_directly(&self) -> bool {
        let Some(probe) = self.probe.get() else { return false };
        probe.current() == self.home.get() && self.mode.get() == MODE_RUN && !self.wakes.pending()
    }

    /// Marks a task woken. Safe from any thread or interrupt handler.
    pub(crate) fn wake_from_anywhere(&self, hdr: &Header) {
        if self.wakes.push(hdr) {
            // First wake since the scheduler last looked: it may be parked.
            self.unpark();
        }
    }

    fn unpark(&self) {
        #[cfg(feature = "std")]
        if let Ok(guard) = self.runner.lock() {
            if let Some(t) = guard.as_ref() {
                t.unpark();
            }
        }
    }

    /// A join declared during a run poll: of slot `target`.
    pub(crate) fn declare_join(&self, target: u16) {
        let now = self.join_to.get();
        self.join_to.set(if now == NIL || now == target { target } else { JOIN_ANY });
    }

    /// Called by `run()` on the thread that runs the scheduler.
    pub(crate) fn enter(&self, clock: &'static dyn Clock) {
        if self.clock.get().is_none() {
            // The first run: no waker exists yet, so the probe may be written (see the field).
            if let Some(p) = clock.context() {
                self.home.set(p.current());
                self.probe.set(Some(p));
            }
        }
        self.clock.set(Some(clock));
        #[cfg(feature = "std")]
        {
            if let Ok(mut guard) = self.runner.lock() {
                *guard = Some(std::thread::current());
            }
        }
    }

    /// The current time, for wait futures (only called during a poll, so a clock is set).
    pub(crate) fn now(&self) -> Instant {
        match self.clock.get() {
            Some(c) => c.now(),
            None => Instant::ZERO,
        }
    }
}

// Which scheduler runs on this thread, so that a timed wait polled with a combinator's waker can
// still find its scheduler. Only with `std`, where "this thread" can be known: without it a
// process-wide record could name another thread's scheduler, so such a wait panics by name instead.
#[cfg(feature = "std")]
std::thread_local! {
    static RUNNING: Cell<*const Core> = const { Cell::new(ptr::null()) };
}

/// The core of the scheduler running on this thread (null if none, or without `std`).
pub(crate) fn running() -> *const Core {
    #[cfg(feature = "std")]
    return RUNNING.with(Cell::get);
    #[cfg(not(feature = "std"))]
    return ptr::null();
}

/// Records `core` as running on this thread until dropped, then restores what was recorded before
/// (a nested run), also when a panic unwinds out of `run`.
pub(crate) struct Running<'a> {
    #[cfg(feature = "std")]
    outer: *const Core,
    _core: core::marker::PhantomData<&'a Core>,
}

impl<'a> Running<'a> {
    pub(crate) fn enter(core: &'a Core) -> Self {
        #[cfg(not(feature = "std"))]
        let _ = core;
        Running {
            #[cfg(feature = "std")]
            outer: RUNNING.with(|r| r.replace(core)),
            _core: core::marker::PhantomData,
        }
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        #[cfg(feature = "std")]
        RUNNING.with(|r| r.set(self.outer));
    }
}
