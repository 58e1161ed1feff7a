//! The scheduler: task slots, the run loop, and task control.
//!
//! # How a pass picks the next task
//!
//! Every pass (one scheduling decision) looks at four classes, highest first, each kept in its own
//! structure so that a pass never sorts or scans every task:
//!
//! 1. interrupt waiters with a count `n > 0`, larger `n` first, and
//! 2. pollers whose callback returned `Some(v)`, larger `v` first. Both live in the *sampled list*:
//!    each pass polls those tasks in "sample" mode, which runs the poller callback or reads the
//!    interrupt count and offers a key, without letting the task run on;
//! 3. expired deadlines, most overdue first: a binary min-heap of slot indices keyed by deadline
//!    (`deadlines.rs`);
//! 4. round-robin: a FIFO linked through the slots, strictly first come first served (`run_queue.rs`).
//!
//! Ties go to the task spawned earlier. Nothing ready: if no poller waits, the clock is asked to
//! sleep until the next deadline (or until a waker fires); with pollers the passes go on, every
//! `poll_interval`.
//!
//! # The cost of a switch
//!
//! The oldest queued task whose state is exactly `QUEUED` is polled straight away, without leaving
//! the run queue's ring; if it yielded (state exactly `RUNNING | YIELD`), moving the ring's tail
//! onto it puts it at the back (`run_queue.rs`). `yield_now` sets that bit through the task's own
//! waker instead of waking, so a round-robin switch touches no atomic and no waker. Everything rarer (pauses, deadlines, pollers, stops) is on cold paths, through the
//! transitions of `state.rs`.

use core::cell::Cell;
use core::future::Future;
use core::mem::size_of;
use core::task::Poll;

use crate::deadlines::HeapCell;
use crate::free_slots::FreeSlots;
use crate::header::{Header, MAX_SLOTS, SERIAL_MASK};
use crate::raw::{Storage, HEADERS_OFFSET};
#[cfg(feature = "sampling")]
use crate::run_queue::NIL;
use crate::sched_core::Core;
use crate::state::State;
use crate::task::{RunEnd, SpawnError, TaskId};
use crate::time::{Clock, Instant, Wakeup};
use crate::unwind::Defer;

/// The next spawn serial, shared by every scheduler in the program, so that a [`TaskId`] from one
/// scheduler never names a task of another: one atomic add where the target has 64-bit atomics,
/// a critical section elsewhere (Cortex-M has none; `portable-atomic`'s fallback would lock
/// through a 2 KiB table of spin locks).
#[cfg(target_has_atomic = "64")]
fn next_serial() -> u64 {
    static NEXT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed) & SERIAL_MASK
}

#[cfg(not(target_has_atomic = "64"))]
fn next_serial() -> u64 {
    static NEXT: critical_section::Mutex<Cell<u64>> = critical_section::Mutex::new(Cell::new(0));
    critical_section::with(|cs| {
        let c = NEXT.borrow(cs);
        let serial = c.get();
        c.set(serial.wrapping_add(1) & SERIAL_MASK);
        serial
    })
}

/// `Sched::phase`: not set up yet (all zero bytes, see `Sched::new`).
pub(crate) const PHASE_NEW: u8 = 0;
/// `Sched::phase`: set up; `spawn` accepts.
pub(crate) const PHASE_READY: u8 = 1;
/// `Sched::phase`: `shutdown` is dropping the remaining tasks; `spawn` refuses.
pub(crate) const PHASE_SHUTDOWN: u8 = 2;

/// What a slow pass did.
enum Pass {
    Ran,
    Nothing,
    End(RunEnd),
}

/// What sampling and the deadline heap found for this pass.
enum Urgent {
    /// Run this slot now.
    Run(usize),
    /// A sampled task already ran (it got past its wait during sampling), or sampling was cut
    /// short: the pass is over.
    #[cfg_attr(not(feature = "sampling"), allow(dead_code))] // only sampling cuts a pass short
    Ran,
    /// Nothing above round-robin is ready.
    None,
}

/// A cooperative scheduler with `N` task slots of `SLOT` bytes each.
///
/// Everything is inside this value: no heap, no statics. It must live for `'static` (wakers may
/// outlive any stack frame): on a board, a `static_cell::ConstStaticCell` (see [`Sched::new`]); on
/// a host, a leaked box.
///
/// ```
/// use core::time::Duration;
/// use usched::{sleep, yield_now, Sched};
/// use usched_sim::SimClock;
///
/// static CLOCK: SimClock = SimClock::new();
/// let sched: &'static Sched<4, 256> = Box::leak(Box::new(Sched::new()));
///
/// async fn toggle(name: &'static str, period: Duration) {
///     for _ in 0..3 {
///         let late = sleep(period).await; // the original's `yield 0.2`, and how late it woke
///         println!("{name} at {:?}, late by {late:?}", CLOCK.now());
///     }
/// }
/// sched.spawn(toggle("red", Duration::from_millis(200))).unwrap();
/// sched.spawn(toggle("green", Duration::from_millis(700))).unwrap();
/// sched.spawn(async { yield_now().await }).unwrap();
/// sched.run(&CLOCK);
/// assert_eq!(CLOCK.now().as_micros(), 2_100_000);
/// ```
#[repr(C)]
pub struct Sched<const N: usize, const SLOT: usize> {
    pub(crate) core: Core,
    pub(crate) headers: [Header; N],
    /// One link per slot, shared by the run queue, the sampled list and the free list: a slot is on
    /// at most one of them (see `run_queue.rs`).
    pub(crate) links: [Cell<u16>; N],
    /// What each `JOINING` slot joins (see `Core::join_targets`): read only while the slot is
    /// `JOINING`, and written when it becomes so, so it needs no set-up.
    pub(crate) join_targets: [Cell<u16>; N],
    /// The deadline heap's cells, one per slot (`deadlines.rs`): the core reaches them through
    /// `Core::deadlines`; all zero bytes is an empty heap, so they need no set-up.
    pub(crate) heap_cells: [HeapCell; N],
    pub(crate) free: FreeSlots,
    pub(crate) live: Cell<usize>,
    /// Slots taken off the free list by a `spawn_with` whose `make` has not returned yet: neither
    /// free nor live (`free_slots` is `N - live - making`).
    pub(crate) making: Cell<usize>,
    pub(crate) paused: Cell<usize>,
    /// [`PHASE_NEW`] until the first use sets up the lists, then [`PHASE_READY`], except
    /// [`PHASE_SHUTDOWN`] while `shutdown` drops the remaining tasks (when `spawn` is refused).
    /// One byte, so that `spawn` tests both conditions at once.
    pub(crate) phase: Cell<u8>,
    pub(crate) running: Cell<bool>,
    /// How the run whose final drops a panic interrupted ended (see `unwind.rs`).
    /// (Not an `Option<RunEnd>`, whose `None` is not zero bytes: see `Sched::new`.)
    pub(crate) ending: Cell<RunEnd>,
    pub(crate) ending_pending: Cell<bool>,
    /// A panic left `run` since the last look: tasks may wait to be dropped (`unwind.rs`).
    pub(crate) unwound: Cell<bool>,
    /// Only pollers need it (`sampling`).
    #[cfg(feature = "sampling")]
    pub(crate) poll_interval_us: Cell<u64>,
    pub(crate) idle_hook: Cell<Option<&'static dyn Fn()>>,
    #[cfg(feature = "stats")]
    pub(crate) passes: Cell<u64>,
    pub(crate) idle_us: Cell<u64>,
    pub(crate) storage: [Storage<SLOT>; N],
}

impl<const N: usize, const SLOT: usize> Default for Sched<N, SLOT> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const SLOT: usize> Sched<N, SLOT> {
    /// An empty scheduler. `const`, and all zero bytes: in a `static` it goes to `.bss`, so start-up
    /// neither copies it from flash nor builds it on the stack, however large its slots (a
    /// `StaticCell::init(Sched::new())` may build it on the stack first). The first `spawn` or
    /// `run` sets up its lists.
    ///
    /// ```
    /// use static_cell::ConstStaticCell;
    /// use usched::Sched;
    ///
    /// static SCHED: ConstStaticCell<Sched<8, 512>> = ConstStaticCell::new(Sched::new());
    ///
    /// let s: &'static Sched<8, 512> = SCHED.take(); // once; a second `take` panics
    /// assert_eq!(s.free_slots(), 8);
    /// ```
    pub const fn new() -> Self {
        const {
            assert!(N > 0 && N <= MAX_SLOTS, "a scheduler has 1 to 16384 task slots");
            assert!(core::mem::offset_of!(Self, headers) == HEADERS_OFFSET);
        }
        Sched {
            core: Core::new(),
            headers: [const { Header::empty() }; N],
            links: [const { Cell::new(0) }; N],
            join_targets: [const { Cell::new(0) }; N],
            heap_cells: [const { HeapCell::new() }; N],
            free: FreeSlots::new(),
            live: Cell::new(0),
            making: Cell::new(0),
            paused: Cell::new(0),
            phase: Cell::new(PHASE_NEW),
            running: Cell::new(false),
            ending: Cell::new(RunEnd::Finished),
            ending_pending: Cell::new(false),
            unwound: Cell::new(false),
            #[cfg(feature = "sampling")]
            poll_interval_us: Cell::new(0),
            idle_hook: Cell::new(None),
            #[cfg(feature = "stats")]
            passes: Cell::new(0),
            idle_us: Cell::new(0),
            storage: [const { Storage::empty() }; N],
        }
    }

    /// Sets up the lists the first time the scheduler is used (`new` is all zero bytes).
    #[inline(always)]
    fn init(&'static self) {
        if self.phase.get() == PHASE_NEW {
            self.init_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn init_slow(&'static self) {
        self.phase.set(PHASE_READY);
        for (i, h) in self.headers.iter().enumerate() {
            h.idx.set(i as u16);
        }
        self.free.init(&self.links);
        self.core.init(&self.headers, &self.links, &self.join_targets, &self.heap_cells);
    }

    // ----- spawning -----------------------------------------------------------------------

    /// Adds a task. It does not run here: it joins the back of the round-robin queue, so tasks
    /// get their first poll in spawn order. Works before [`run`](Self::run) and from inside tasks.
    ///
    /// Nothing in the task runs before its first poll, so a `sleep` at its top starts counting
    /// then, not at `spawn` (the original ran a thread up to its first `yield` inside
    /// `add_thread`). For a deadline fixed at spawn time, compute an [`Instant`] and use
    /// [`sleep_until`](crate::sleep_until).
    ///
    /// A future larger than `SLOT` bytes (or aligned to more than 16) does not compile:
    ///
    /// ```compile_fail
    /// let s: &'static usched::Sched<2, 16> = Box::leak(Box::new(usched::Sched::new()));
    /// let big = [0u8; 64];
    /// s.spawn(async move { drop(big) }); // error: future too large for its slot
    /// ```
    ///
    /// A full pool is an error, and nothing changes:
    ///
    /// ```
    /// use usched::{Sched, SpawnError};
    /// let s: &'static Sched<2, 64> = Box::leak(Box::new(Sched::new()));
    /// let a = s.spawn(async {}).unwrap();
    /// let b = s.spawn(async {}).unwrap();
    /// assert_eq!(s.spawn(async {}), Err(SpawnError::Full));
    /// assert_ne!(a, b);
    /// ```
    pub fn spawn<F>(&'static self, fut: F) -> Result<TaskId, SpawnError>
    where
        F: Future<Output = ()> + 'static,
    {
        self.spawn_with(|_| fut)
    }

    /// Like [`spawn`](Self::spawn), handing the new task its own [`TaskId`] first, so that it can
    /// pause, stop or report itself without asking [`current`](Self::current).
    ///
    /// ```
    /// use usched::{Sched, Status};
    /// use usched_sim::SimClock;
    /// static CLOCK: SimClock = SimClock::new();
    /// let s: &'static Sched<1, 64> = Box::leak(Box::new(Sched::new()));
    /// let id = s.spawn_with(move |me| async move {
    ///     assert_eq!(s.current(), Some(me));
    ///     let _ = s.stop(me); // never runs past its next await
    /// }).unwrap();
    /// s.run(&CLOCK);
    /// assert_eq!(s.status(id), Status::Finished);
    /// ```
    pub fn spawn_with<F>(&'static self, make: impl FnOnce(TaskId) -> F) -> Result<TaskId, SpawnError>
    where
        F: Future<Output = ()> + 'static,
    {
        const {
            assert!(size_of::<F>() <= SLOT, "future too large for its slot: raise SLOT");
            assert!(core::mem::align_of::<F>() <= 16, "future aligned to more than 16 bytes");
        }
        if self.phase.get() != PHASE_READY {
            // Not set up yet, or shutting down: one test for both on the common path.
            self.init();
            if self.phase.get() == PHASE_SHUTDOWN {
                return Err(SpawnError::Stopping);
            }
        }
        let idx = self.free.pop(&self.links).ok_or(SpawnError::Full)?;
        let slot = usize::from(idx);
        let h = &self.headers[slot];
        let serial = next_serial();
        h.set_serial(serial);
        let id = TaskId::new(idx, serial);
        // `make` may look at the pool (or spawn): the slot counts as neither free nor live. (For a
        // plain `spawn`, whose `make` cannot, the compiler drops the count's two writes.)
        self.making.set(self.making.get() + 1);
        let unwinding = Defer(|| {
            // `make` panicked.
            self.making.set(self.making.get() - 1);
            self.free.push(&self.links, idx);
        });
        let fut = make(id);
        unwinding.cancel();
        self.making.set(self.making.get() - 1);
        if self.storage[slot].put(&h.vtable, fut).is_err() {
            // Cannot happen: a slot on the free list is empty. Leave the pool as it was.
            self.free.push(&self.links, idx);
            return Err(SpawnError::Full);
        }
        #[cfg(feature = "stats")]
        h.stats.reset();
        self.live.set(self.live.get() + 1);
        self.spawned(slot, h);
        Ok(id)
    }

    /// Slots free for [`spawn`](Self::spawn).
    ///
    /// ```
    /// let s: &'static usched::Sched<3, 64> = Box::leak(Box::new(usched::Sched::new()));
    /// s.spawn(async {}).unwrap();
    /// assert_eq!(s.free_slots(), 2);
    /// ```
    pub fn free_slots(&'static self) -> usize {
        self.init();
        N - self.live.get() - self.making.get()
    }

    /// Drops the future in slot `idx` (see `State` for when that is allowed).
    pub(crate) fn drop_future(&self, idx: usize) {
        self.storage[idx].drop_future(&self.headers[idx], &self.core.lend);
    }

    // ----- running ------------------------------------------------------------------------

    /// Runs tasks until every task has finished, [`stop_all`](Self::stop_all) is called, or every
    /// remaining task is paused. Before it returns, every task still alive (paused ones too) is
    /// dropped in spawn order, so its destructors run.
    ///
    /// ```
    /// use usched::{RunEnd, Sched};
    /// use usched_sim::SimClock;
    /// static CLOCK: SimClock = SimClock::new();
    /// let s: &'static Sched<2, 64> = Box::leak(Box::new(Sched::new()));
    /// s.spawn(async move { s.stop_all() }).unwrap();
    /// s.spawn(core::future::pending()).unwrap(); // would wait for ever
    /// assert_eq!(s.run(&CLOCK), RunEnd::Stopped);
    /// assert_eq!(s.free_slots(), 2);
    /// ```
    pub fn run<C: Clock>(&'static self, clock: &'static C) -> RunEnd {
        self.init();
        if self.running.get() {
            return RunEnd::AlreadyRunning;
        }
        self.running.set(true);
        self.core.enter(clock);
        let running = crate::sched_core::Running::enter(&self.core);
        // Puts the scheduler back in order if a panic unwinds out of `run` (see `unwind.rs`).
        let unwinding = Defer(|| self.unwound());
        // Before the recovery below: a destructor it runs may ask this run to stop.
        self.core.tally.set_stop(false);
        // Both only ever set by a panic that unwound: a build that aborts on panic links neither.
        if cfg!(panic = "unwind") && self.unwound.get() {
            self.unwound.set(false);
            self.drop_panicked();
        }
        if cfg!(panic = "unwind") && self.ending_pending.get() {
            let end = self.ending.get();
            // A panic interrupted the final drops of the last run: finish them, and end as it did.
            self.shutdown();
            self.ending_pending.set(false);
            return self.ran(end, unwinding, running);
        }
        let end = loop {
            #[cfg(feature = "stats")]
            self.passes.set(self.passes.get() + 1);
            #[cfg(debug_assertions)]
            if N <= 32 {
                self.check(); // the state machine's invariants, after every pass (small schedulers)
            }
            if self.core.tally.is_zero() {
                // The hot path: no deadline or poller is registered and no stop asked. Wakes need
                // no look here: every poll is followed by one (`poll_task`), and a wake that lands
                // between that look and this pop queues its task behind the head all the same.
                if let Some(idx) = self.core.ready.oldest_in(&self.links) {
                    self.run_turn(usize::from(idx), clock);
                    continue;
                }
            }
            // An empty run queue with nothing registered and nothing woken has nothing more to look
            // at: straight to the end checks.
            if !self.core.tally.is_zero() || self.core.wakes.pending() {
                match self.pass_slow(clock) {
                    Pass::Ran => continue,
                    Pass::End(end) => break end,
                    Pass::Nothing => {}
                }
            }
            if self.live.get() == 0 {
                break RunEnd::Finished;
            }
            if self.live.get() == self.paused.get() {
                break RunEnd::AllPaused;
            }
            if let Some(end) = self.idle(clock) {
                break end;
            }
        };
        if self.live.get() != 0 {
            // Remembered in case a destructor panics (`unwind.rs`).
            self.ending.set(end);
            self.ending_pending.set(true);
            self.shutdown();
            self.ending_pending.set(false);
        }
        self.ran(end, unwinding, running)
    }

    /// The end of `run`, once its remaining tasks are dropped.
    fn ran<F: FnMut()>(
        &self,
        end: RunEnd,
        unwinding: Defer<F>,
        running: crate::sched_core::Running<'_>,
    ) -> RunEnd {
        unwinding.cancel();
        drop(running);
        self.running.set(false);
        end
    }

    /// A pass that must look past the round-robin queue.
    #[cold]
    #[inline(never)]
    fn pass_slow<C: Clock>(&'static self, clock: &'static C) -> Pass {
        if self.core.tally.stopping() {
            return Pass::End(RunEnd::Stopped);
        }
        if self.core.wakes.pending() {
            self.take_wakes();
        }
        match self.pick_urgent(clock) {
            Urgent::Run(idx) => {
                self.picked(idx);
                self.poll_task_outlined(idx, clock);
                return Pass::Ran;
            }
            Urgent::Ran => return Pass::Ran,
            Urgent::None => {}
        }
        match self.core.ready.oldest_in(&self.links) {
            Some(idx) => {
                self.turn_off_ring(usize::from(idx), clock);
                Pass::Ran
            }
            None => Pass::Nothing,
        }
    }

    /// Runs the oldest queued task, whose turn has come: the hot path, with the loop's one
    /// inlined copy of `poll_task`. Straight away, and left on the run queue's ring, if its state
    /// is exactly `QUEUED`; off the ring and through the state machine otherwise.
    #[inline(always)]
    fn run_turn<C: Clock>(&'static self, idx: usize, clock: &C) {
        if let Some(h) = self.headers.get(idx) {
            if h.state() == State::QUEUED {
                h.set_state(State::RUNNING);
                return self.poll_task(idx, clock, true);
            }
        }
        // Paused, or with a deadline armed: off the ring and through the state machine.
        self.core.ready.leave_front_in(&self.links, idx as u16);
        if self.dequeued_slow(idx) {
            self.poll_task_outlined(idx, clock);
        }
    }

    /// The oldest queued task's turn in the slow pass, taken off the ring first (the pass needs
    /// only the one outlined copy of `poll_task`). A plain `QUEUED` task is set running here
    /// rather than in `dequeued_slow`, which would handle it too: every task woken while the
    /// scheduler idled (by an interrupt, say) gets its turn here, and the call costs that
    /// latency about 20 instructions.
    #[inline]
    fn turn_off_ring<C: Clock>(&'static self, idx: usize, clock: &C) {
        self.core.ready.leave_front_in(&self.links, idx as u16);
        let run = match self.headers.get(idx) {
            Some(h) if h.state() == State::QUEUED => {
                h.set_state(State::RUNNING);
                true
            }
            _ => self.dequeued_slow(idx),
        };
        if run {
            self.poll_task_outlined(idx, clock);
        }
    }

    /// `poll_task` for a task off the ring: one copy, called, so that only the hot loop inlines
    /// `poll_task`.
    #[inline(never)]
    fn poll_task_outlined<C: Clock>(&'static self, idx: usize, clock: &C) {
        self.poll_task(idx, clock, false);
    }

    /// A task whose turn left it on the ring has been polled and does not simply go round again:
    /// it leaves the ring, from the front, where it still is (see `run_queue.rs`).
    #[inline(always)]
    fn leave_ring(&self, idx: usize, on_ring: bool) {
        if on_ring {
            self.core.ready.leave_front_in(&self.links, idx as u16);
        }
    }

    /// The header pointer wait futures see: derived from the whole scheduler, so the core is
    /// reachable from it.
    pub(crate) fn header_ptr(&'static self, idx: usize) -> *const Header {
        (self as *const Self).cast::<u8>().wrapping_add(HEADERS_OFFSET + idx * size_of::<Header>()).cast()
    }

    #[inline(always)]
    fn poll_raw(&'static self, idx: usize) -> Poll<()> {
        let (Some(h), Some(slot)) = (self.headers.get(idx), self.storage.get(idx)) else {
            return Poll::Ready(());
        };
        // Each poll gets a waker naming its task, the same one its clones carry, so a primitive
        // that keeps a waker sees `will_wake` and does not wake the task for nothing.
        self.core.lend.poll(self.header_ptr(idx), h, slot)
    }

    /// Polls a task that is `RUNNING`, then requeues it (a plain yield), parks it (a plain wait),
    /// or hands the rest to the state machine. `on_ring`: its turn left it on the run queue's ring.
    #[inline(always)]
    fn poll_task<C: Clock>(&'static self, idx: usize, clock: &C, on_ring: bool) {
        #[cfg(feature = "stats")]
        let t0 = clock.now();
        // Its result needs no look: a future that completed marked its task `DROPPING` (`raw.rs`).
        let _ = self.poll_raw(idx);
        #[cfg(feature = "stats")]
        self.headers[idx].stats.ran(clock.now().as_micros().saturating_sub(t0.as_micros()));
        #[cfg(not(feature = "stats"))]
        let _ = clock;
        let h = &self.headers[idx];
        // A poll that declared a join goes through `polled_other` even when it yields: that is
        // where the declaration is forgotten, or it would leak into the next poll's
        // (`declare_join`). `Join` marks the wake word as well, so a poll that woke nobody through
        // a waker needs no look at the declaration (nor does `polled_slow`, below).
        if self.core.wakes.pending() {
            // Tasks it woke through their wakers became ready before it did: queue them first.
            // (Inlined into the hot loop's copy only: a waker round trip costs 22 instructions
            // less there, and the outlined copy keeps the flash.)
            if on_ring {
                self.core.wakes.take(&self.headers, |idx, h| self.woken(idx, h));
            } else {
                self.take_wakes();
            }
            if !self.core.joining.get().is_null() {
                self.leave_ring(idx, on_ring);
                return self.polled_other(idx, h.state());
            }
        }
        // The two common ends of a poll, one compare each: the task yielded, or waits for a wake.
        let s = h.state();
        if s == State::RUNNING.with(State::YIELD) {
            h.set_state(State::QUEUED);
            if on_ring {
                self.core.ready.rotate(idx as u16); // to the back, in one store
            } else {
                self.core.ready.push_in(&self.links, idx as u16);
            }
        } else if s == State::RUNNING {
            h.set_state(State::WAITING);
            self.leave_ring(idx, on_ring);
        } else {
            self.leave_ring(idx, on_ring);
            self.polled_slow(idx, s);
        }
    }

    /// Queues the tasks woken through their wakers since the last look, oldest wake first.
    /// Called, so that the run loop's hot path keeps its registers; a list of woken tasks is
    /// handled out of line again (`wakes.rs`).
    #[cold]
    #[inline(never)]
    pub(crate) fn take_wakes(&'static self) {
        self.core.wakes.take(&self.headers, |idx, h| self.woken(idx, h));
    }

    /// Samples every waiting poller and interrupt waiter; else takes an expired deadline.
    fn pick_urgent<C: Clock>(&'static self, clock: &C) -> Urgent {
        #[cfg(feature = "sampling")]
        if self.core.sampled.len() != 0 {
            match self.sample_all() {
                Urgent::None => {}
                other => return other,
            }
        }
        // Timers exist only once a wait has armed one (`deadlines::TimerOps`): due timers inside
        // combinators wake their combinators, and the heap's top is returned if it is due.
        match self.core.timer_ops.get().and_then(|ops| (ops.due)(&self.core, clock.now().as_micros())) {
            Some(top) => Urgent::Run(top),
            None => Urgent::None,
        }
    }

    /// Polls every sampled task in sample mode and returns the one with the best offer.
    #[cfg(feature = "sampling")]
    #[cold]
    fn sample_all(&'static self) -> Urgent {
        // Best so far: (offer, serial, slot); a larger offer wins, then the older task.
        let mut best: Option<(u64, u64, usize)> = None;
        // A task sampled alone has no rival (only sampled waits outrank deadlines and round-robin):
        // if it waits on interrupt lines only, the count is taken in this very poll, which saves a
        // second one. Not for a poller: its callback may change what the task's other futures
        // find, and every sampled callback of the task must be called in each pass, which a wait
        // that completed early would skip; not for a joining task, whose join the poll keeps
        // watching (`sampled_join`).
        let alone = self.core.sampled.len() == 1;
        let mut at = self.core.sampled.first();
        while let Some(link) = self.links.get(usize::from(at)) {
            let idx = usize::from(at);
            at = link.get();
            let epoch = self.core.sampled.epoch();
            let h = &self.headers[idx];
            let saved = h.state();
            let mode = if alone && saved.kind() == State::WAITING && !saved.has(State::P) {
                crate::sched_core::MODE_SOLO
            } else {
                crate::sched_core::MODE_SAMPLE
            };
            let Some((key, now)) = self.sample_poll(idx, mode) else {
                return Urgent::Ran;
            };
            self.sampled_back(idx, saved, now);
            let serial = h.serial();
            if key != 0 && !now.paused() && best.is_none_or(|(k, s, _)| key > k || (key == k && serial < s)) {
                best = Some((key, serial, idx));
            }
            if self.core.sampled.epoch() != epoch {
                // A callback added or removed sampled tasks, so the list may have changed under
                // this walk: sample them all again in a new pass (no deadline may fire in a pass
                // that did not see every event).
                return Urgent::Ran;
            }
            if self.core.tally.stopping() {
                return Urgent::Ran; // a callback stopped the scheduler: nothing more runs
            }
        }
        match best {
            Some((_, _, idx)) if self.headers[idx].state().in_sampled() => Urgent::Run(idx),
            _ => Urgent::None,
        }
    }

    /// Polls a waiting task in a sample mode: its waits report (an offer) without completing.
    /// Returns the offer and the task's state after the poll, still to be put back with
    /// `sampled_back`; or `None` if the poll got past its wait, which then counted as its run.
    ///
    /// It may run right after another task's poll, before that poll's declarations (deadline,
    /// join) are registered: they are kept aside meanwhile.
    #[cfg(feature = "sampling")]
    pub(crate) fn sample_poll(&'static self, idx: usize, mode: u8) -> Option<(u64, State)> {
        let h = &self.headers[idx];
        let saved = h.state();
        let c = &self.core;
        let pending = (c.req_deadline.replace(u64::MAX), c.joining.get(), c.join_to.replace(NIL));
        c.joining.set(core::ptr::null());
        let join = if saved.kind() == State::JOINING { self.join_targets[idx].get() } else { NIL };
        c.sampled_join.set(join);
        c.reached.set(0);
        h.set_state(State::RUNNING);
        c.mode.set(mode);
        c.offer.set(0);
        // If the poll panics, the task leaves the structures it is still on (see `unwind.rs`).
        let unwinding = Defer(|| self.panicked(idx, saved));
        let r = self.poll_raw(idx);
        unwinding.cancel();
        c.mode.set(crate::sched_core::MODE_RUN);
        c.sampled_join.set(NIL);
        let result = if c.reached.get() & crate::sched_core::SOLO_RAN != 0 {
            // Its sampled wait completed (a solo poll): this was its run, and what it declared
            // after the wait is what it waits for now, as after any run.
            self.solo_ran(idx, saved);
            None
        } else {
            let mut now = h.state();
            if r.is_pending()
                && now.without(State::PAUSED) == State::RUNNING
                && c.reached.get() & crate::sched_core::REACHED == 0
            {
                // It reached no sampled wait: it got past the one it was sampled for (another
                // future it awaited finished) and waits on something else now. A real poll will
                // say what.
                now = now.with(State::YIELD);
            }
            if r.is_pending() && now.without(State::PAUSED) == State::RUNNING {
                Some((c.offer.get(), now))
            } else {
                self.sampled_ran(idx, saved, now);
                None
            }
        };
        c.req_deadline.set(pending.0);
        c.joining.set(pending.1);
        c.join_to.set(pending.2);
        result
    }

    /// Nothing is ready: wait for the next deadline, a wake, or the next poll interval.
    /// Returns the end of the run if nothing can ever happen again.
    ///
    /// Out of line: inlined, its registers crowded the round-robin loop of `run` (on Cortex-M4 at
    /// "s"/release, one more instruction per switch at 10 tasks and up, up to twelve per waker round
    /// trip, for 20-30 bytes less flash).
    #[inline(never)]
    fn idle<C: Clock>(&'static self, clock: &C) -> Option<RunEnd> {
        if let Some(hook) = self.idle_hook.get() {
            hook();
            if !self.core.ready.is_empty() || self.core.tally.stopping() {
                return None;
            }
        }
        let now = clock.now();
        let deadline =
            self.core.timer_ops.get().and_then(|ops| (ops.next)(&self.core)).map(Instant::from_micros);
        #[cfg(feature = "sampling")]
        let until = if self.core.sampled.pollers() != 0 {
            let p = Instant::from_micros(now.as_micros().saturating_add(self.poll_interval_us.get()));
            Some(deadline.map_or(p, |n| n.min(p)))
        } else {
            deadline
        };
        #[cfg(not(feature = "sampling"))]
        let until = deadline;
        let wake = Wakeup { core: &self.core, deadline };
        if until.is_none() && !wake.pending() && !clock.can_wake_from_outside() {
            return Some(RunEnd::Stalled);
        }
        clock.idle(until, &wake);
        let spent = clock.now().as_micros().saturating_sub(now.as_micros());
        self.idle_us.set(self.idle_us.get().saturating_add(spent));
        None
    }

    /// Drops every remaining task, oldest first. Destructors cannot spawn meanwhile.
    #[inline(never)]
    fn shutdown(&'static self) {
        if self.live.get() == 0 {
            return; // every task finished: nothing to drop
        }
        self.phase.set(PHASE_SHUTDOWN);
        let mut order = [0u16; N];
        let mut k = 0;
        for (i, h) in self.headers.iter().enumerate() {
            if h.occupied() {
                order[k] = i as u16;
                k += 1;
            }
        }
        sort_by_serial(&mut order[..k], &self.headers);
        for &i in &order[..k] {
            let idx = usize::from(i);
            // A destructor may have stopped a later task already.
            if self.headers[idx].state().live() {
                self.stop_slot(idx);
            }
        }
        self.phase.set(PHASE_READY);
    }
}

/// Sorts slot indices by their tasks' spawn serials, oldest first: a heapsort, in place, a few
/// dozen instructions of code (the standard library's unstable sort links several kilobytes into
/// every program with more than twenty slots, for a sort that runs once per `run`).
fn sort_by_serial(order: &mut [u16], headers: &[Header]) {
    let key = |i: u16| headers.get(usize::from(i)).map_or(0, Header::serial);
    // Moves `order[root]` down the max-heap `order[..end]` to where it belongs.
    let sift_down = |order: &mut [u16], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && key(order[child]) < key(order[child + 1]) {
            child += 1;
        }
        if key(order[root]) >= key(order[child]) {
            break;
        }
        order.swap(root, child);
        root = child;
    };
    let n = order.len();
    for root in (0..n / 2).rev() {
        sift_down(order, root, n);
    }
    for end in (1..n).rev() {
        order.swap(0, end);
        sift_down(order, 0, end);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::sort_by_serial;
    use crate::header::Header;

    #[test]
    fn sort_by_serial_orders_every_permutation_of_six_oldest_first() {
        let serials = [50u64, 7, 31, 7 << 40, 2, 19];
        let headers: [Header; 6] = core::array::from_fn(|i| {
            let h = Header::empty();
            h.set_serial(serials[i]);
            h
        });
        let mut expected: Vec<u16> = (0..6).collect();
        expected.sort_by_key(|&i| serials[usize::from(i)]);
        // Every ordering of the six slots, and every prefix length, sorts to the same answer.
        let mut perm: Vec<u16> = (0..6).collect();
        let mut count = 0;
        permute(&mut perm, 0, &mut |p| {
            for k in 0..=p.len() {
                let mut order = p[..k].to_vec();
                sort_by_serial(&mut order, &headers);
                let mut want = p[..k].to_vec();
                want.sort_by_key(|&i| serials[usize::from(i)]);
                assert_eq!(order, want, "from {:?}", &p[..k]);
            }
            count += 1;
        });
        assert_eq!(count, 720);
        let mut all: Vec<u16> = (0..6).rev().collect();
        sort_by_serial(&mut all, &headers);
        assert_eq!(all, expected);
    }

    fn permute(v: &mut Vec<u16>, at: usize, f: &mut impl FnMut(&[u16])) {
        if at == v.len() {
            f(v);
            return;
        }
        for i in at..v.len() {
            v.swap(at, i);
            permute(v, at + 1, f);
            v.swap(at, i);
        }
    }
}
