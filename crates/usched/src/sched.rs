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
//! 3. expired deadlines, most overdue first: a binary min-heap of slot indices keyed by deadline;
//! 4. round-robin: a FIFO ring of slot indices, strictly first come first served.
//!
//! Ties go to the task spawned earlier. Nothing ready: if no poller waits, the clock is asked to
//! sleep until the next deadline (or until a waker fires); with pollers the passes go on, every
//! `poll_interval`.
//!
//! # The cost of a switch
//!
//! A task taken from the ring whose state byte is exactly `QUEUED` is polled straight away; a task
//! that yielded (state exactly `RUNNING | Y`) goes straight back on the ring. `yield_now` sets that
//! bit through the task's own waker instead of waking, so a round-robin switch touches no atomic
//! and no waker. Everything rarer (pauses, deadlines, pollers, stops) is on cold paths.

use core::cell::Cell;
use core::cmp::{min, Reverse};
use core::future::Future;
use core::mem::size_of;
use core::task::{Context, Poll};
use core::time::Duration;

use crate::raw::{Core, Header, Storage, EMPTY_VTABLE, HEADERS_OFFSET, MODE_RUN, MODE_SAMPLE, NIL, NUDGE};
use crate::state::*;
use crate::task::{RunEnd, SpawnError, TaskId};
use crate::time::{Clock, Instant, Wakeup};

pub(crate) const NONE: u16 = u16::MAX;
/// The most slots a scheduler may have: spawn order is a 16-bit number, renumbered every
/// `RENUMBER` spawns, so every live task's number stays within half the 16-bit range.
const MAX_SLOTS: usize = 1 << 14;
const RENUMBER: u16 = 1 << 14;
/// The `attention` bit set by `stop_all`.
pub(crate) const STOP: usize = 1 << (usize::BITS - 1);

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
    /// A sampled task already ran (it got past its wait during sampling).
    Ran,
    /// Nothing above round-robin is ready.
    None,
}

/// A cooperative scheduler with `N` task slots of `SLOT` bytes each.
///
/// Everything is inside this value: no heap, no statics. It must live for `'static` (wakers may
/// outlive any stack frame), so put it in a `static_cell::StaticCell` on a board, or leak a box on a host.
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
    /// The round-robin FIFO's links (see `Core::head`).
    pub(crate) next: [Cell<u16>; N],
    /// The deadline heap in `[0, heap_len)`; the free-slot stack in `[N - free_len, N)`.
    /// They never overlap: a free slot has no deadline.
    pub(crate) heap: [Cell<u16>; N],
    pub(crate) heap_pos: [Cell<u16>; N],
    /// Spawn order, for ties and for the order of drops at the end of a run (see `renumber`).
    pub(crate) seq: [Cell<u16>; N],
    /// Non-zero when a pass must look past the round-robin queue: `heap_len + sampled_len`,
    /// plus `STOP` once `stop_all` was called.
    pub(crate) attention: Cell<usize>,
    pub(crate) heap_len: Cell<usize>,
    pub(crate) free_len: Cell<usize>,
    pub(crate) sampled_len: Cell<usize>,
    /// The first task of the sampled list (linked through `next`), `NIL` if none.
    pub(crate) sampled_head: Cell<u16>,
    /// Changes whenever the sampled list does, so a pass notices a callback that changed it.
    pub(crate) sampled_epoch: Cell<u32>,
    pub(crate) pollers: Cell<usize>,
    pub(crate) joiners: Cell<usize>,
    pub(crate) live: Cell<usize>,
    pub(crate) paused: Cell<usize>,
    pub(crate) next_seq: Cell<u16>,
    pub(crate) inited: Cell<bool>,
    pub(crate) running: Cell<bool>,
    pub(crate) shutting_down: Cell<bool>,
    pub(crate) poll_interval_us: Cell<u64>,
    pub(crate) idle_hook: Cell<Option<&'static dyn Fn()>>,
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
    /// An empty scheduler. `const`, so it can initialise a static.
    ///
    /// ```
    /// let s: &'static usched::Sched<8, 512> = Box::leak(Box::new(usched::Sched::new()));
    /// assert_eq!(s.free_slots(), 8);
    /// ```
    pub const fn new() -> Self {
        const {
            assert!(N > 0 && N <= MAX_SLOTS, "a scheduler has 1 to 16384 task slots");
            assert!(core::mem::offset_of!(Self, headers) == HEADERS_OFFSET);
        }
        Sched {
            core: Core::new(N),
            headers: [const { Header::empty() }; N],
            next: [const { Cell::new(NIL) }; N],
            heap: [const { Cell::new(0) }; N],
            heap_pos: [const { Cell::new(NONE) }; N],
            seq: [const { Cell::new(0) }; N],
            attention: Cell::new(0),
            heap_len: Cell::new(0),
            free_len: Cell::new(0),
            sampled_len: Cell::new(0),
            sampled_head: Cell::new(NIL),
            sampled_epoch: Cell::new(0),
            pollers: Cell::new(0),
            joiners: Cell::new(0),
            live: Cell::new(0),
            paused: Cell::new(0),
            next_seq: Cell::new(0),
            inited: Cell::new(false),
            running: Cell::new(false),
            shutting_down: Cell::new(false),
            poll_interval_us: Cell::new(0),
            idle_hook: Cell::new(None),
            passes: Cell::new(0),
            idle_us: Cell::new(0),
            storage: [const { Storage::empty() }; N],
        }
    }

    fn init(&'static self) {
        if self.inited.get() {
            return;
        }
        self.inited.set(true);
        for (i, h) in self.headers.iter().enumerate() {
            h.idx.set(i as u16);
        }
        // Lowest slot on top of the free stack.
        for i in (0..N).rev() {
            self.free_push(i as u16);
        }
        self.core.headers.set(&self.headers);
        self.core.next.set(&self.next);
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
        const {
            assert!(size_of::<F>() <= SLOT, "future too large for its slot: raise SLOT");
            assert!(core::mem::align_of::<F>() <= 16, "future aligned to more than 16 bytes");
        }
        self.init();
        if self.shutting_down.get() {
            return Err(SpawnError::Stopping);
        }
        let idx = self.free_pop().ok_or(SpawnError::Full)?;
        let slot = usize::from(idx);
        let h = &self.headers[slot];
        h.vtable.set(self.storage[slot].put(fut));
        h.state.set(QUEUED);
        #[cfg(feature = "stats")]
        h.stats.reset();
        if self.next_seq.get() % RENUMBER == RENUMBER - 1 {
            self.renumber();
        }
        self.seq[slot].set(self.next_seq.get());
        self.next_seq.set(self.next_seq.get().wrapping_add(1));
        self.live.set(self.live.get() + 1);
        self.ring_push(idx);
        Ok(TaskId { idx, gen: h.gen.get() })
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
        self.free_len.get()
    }

    fn free_pop(&self) -> Option<u16> {
        let len = self.free_len.get();
        let idx = self.heap.get(N.checked_sub(len)?)?.get();
        self.free_len.set(len - 1);
        Some(idx)
    }

    fn free_push(&self, idx: u16) {
        let len = self.free_len.get() + 1;
        if let Some(c) = N.checked_sub(len).and_then(|at| self.heap.get(at)) {
            c.set(idx);
            self.free_len.set(len);
        }
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
        self.attention.set(self.attention.get() & !STOP);
        self.core.enter(clock);
        let end = loop {
            #[cfg(feature = "stats")]
            self.passes.set(self.passes.get() + 1);
            // The hot path: nothing woke from elsewhere, no deadline or poller is registered.
            if (self.core.woken.load(portable_atomic::Ordering::Relaxed) as usize | self.attention.get()) == 0
            {
                if let Some(idx) = self.ring_pop() {
                    self.run_dequeued(idx, clock);
                    continue;
                }
            } else {
                match self.pass_cold(clock) {
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
            self.idle(clock);
        };
        self.core.cx.store(core::ptr::null_mut(), portable_atomic::Ordering::Relaxed);
        self.shutdown();
        self.running.set(false);
        end
    }

    /// A pass that must look past the round-robin queue.
    #[cold]
    #[inline(never)]
    fn pass_cold<C: Clock>(&'static self, clock: &'static C) -> Pass {
        if self.attention.get() & STOP != 0 {
            return Pass::End(RunEnd::Stopped);
        }
        if self.core.wake_pending() {
            self.drain_wakes();
        }
        if self.attention.get() != 0 {
            match self.pick_urgent(clock) {
                Urgent::Run(idx) => {
                    self.run_picked(idx, clock);
                    return Pass::Ran;
                }
                Urgent::Ran => return Pass::Ran,
                Urgent::None => {}
            }
        }
        match self.ring_pop() {
            Some(idx) => {
                self.run_dequeued(idx, clock);
                Pass::Ran
            }
            None => Pass::Nothing,
        }
    }

    /// Runs a task taken off the round-robin FIFO: straight away if its state byte is exactly
    /// `QUEUED`, through the slow path otherwise.
    #[inline(always)]
    fn run_dequeued<C: Clock>(&'static self, idx: usize, clock: &C) {
        match self.headers.get(idx) {
            Some(h) if h.state.get() == QUEUED => self.poll_task(idx, clock),
            _ => self.dequeued_cold(idx, clock),
        }
    }

    #[inline(always)]
    fn ring_pop(&self) -> Option<usize> {
        self.core.ring_pop_in(&self.next).map(usize::from)
    }

    #[inline(always)]
    pub(crate) fn ring_push(&self, idx: u16) {
        self.core.ring_push_in(&self.next, idx);
    }

    /// The header a pointer from `header_ptr` names, if any.
    pub(crate) fn header_at(&self, p: *const Header) -> Option<&Header> {
        let at = (p as usize).wrapping_sub(self.headers.as_ptr() as usize);
        if !at.is_multiple_of(size_of::<Header>()) {
            return None;
        }
        self.headers.get(at / size_of::<Header>())
    }

    /// The header pointer wait futures see: derived from the whole scheduler, so the core is
    /// reachable from it.
    fn header_ptr(&'static self, idx: usize) -> *const Header {
        (self as *const Self).cast::<u8>().wrapping_add(HEADERS_OFFSET + idx * size_of::<Header>()).cast()
    }

    #[inline(always)]
    fn poll_raw<C: Clock>(&'static self, idx: usize, clock: &C) -> Poll<()> {
        let (Some(h), Some(slot)) = (self.headers.get(idx), self.storage.get(idx)) else {
            return Poll::Ready(());
        };
        let hdr = self.header_ptr(idx);
        // Each poll gets a waker naming its task, the same one its clones carry, so a primitive
        // that keeps a waker sees `will_wake` and does not wake the task for nothing.
        let waker = Core::task_waker(hdr);
        let mut cx = Context::from_waker(&waker);
        self.core.cx.store((&mut cx as *mut Context<'_>).cast(), portable_atomic::Ordering::Relaxed);
        #[cfg(feature = "stats")]
        let t0 = clock.now();
        let r = slot.poll(h.vtable.get(), &mut cx);
        #[cfg(feature = "stats")]
        h.stats.ran(clock.now().as_micros().saturating_sub(t0.as_micros()));
        #[cfg(not(feature = "stats"))]
        let _ = clock;
        r
    }

    /// The hot path: poll a task whose registrations are clear, and requeue it if it yielded.
    #[inline]
    fn poll_task<C: Clock>(&'static self, idx: usize, clock: &C) {
        let h = &self.headers[idx];
        h.state.set(RUNNING);
        let r = self.poll_raw(idx, clock);
        if self.core.woken.load(portable_atomic::Ordering::Relaxed) != 0 {
            // Tasks it woke through their wakers became ready before it did: queue them first.
            self.drain_wakes();
        }
        let s = h.state.get();
        if r.is_pending() && s == RUNNING | Y {
            h.state.set(QUEUED);
            self.ring_push(idx as u16);
        } else if r.is_pending() && s == RUNNING && self.core.joining.get().is_null() {
            // Waiting for a waker or a signal, nothing to register.
            h.state.set(WAITING);
        } else {
            self.after_poll(idx, r, s);
        }
    }

    /// A ring entry whose state is not plain `QUEUED`.
    #[cold]
    fn dequeued_cold<C: Clock>(&'static self, idx: usize, clock: &C) {
        let Some(h) = self.headers.get(idx) else { return };
        let s = h.state.get();
        if s & KIND != QUEUED {
            return; // stale entry (should not happen: stop removes entries)
        }
        if s & PAUSED != 0 {
            h.state.set((s & !KIND) | READY_PAUSED);
            return;
        }
        self.clear_registrations(idx);
        self.poll_task(idx, clock);
    }

    /// Runs a task picked from the sampled list or the deadline heap.
    #[cold]
    fn run_picked<C: Clock>(&'static self, idx: usize, clock: &C) {
        let h = &self.headers[idx];
        if h.state.get() & KIND == QUEUED {
            self.core.ring_remove(idx as u16);
        }
        self.clear_registrations(idx);
        self.poll_task(idx, clock);
    }

    /// Processes the result of a poll other than a plain yield.
    #[cold]
    #[inline(never)]
    fn after_poll(&'static self, idx: usize, r: Poll<()>, s: u8) {
        let joining = core::ptr::eq(self.core.joining.get(), self.header_ptr(idx));
        self.core.joining.set(core::ptr::null());
        let req = self.core.req_deadline.replace(u64::MAX);
        if r.is_ready() || s & KIND == DROPPING {
            self.finish(idx);
            return;
        }
        let h = &self.headers[idx];
        let paused = s & PAUSED;
        let mut bits = s & (P | I);
        if s & T != 0 {
            self.heap_insert(idx, req);
        }
        let kind = if s & Y != 0 {
            // It runs again soon: its other waits are declared afresh then (a queued task is
            // never on the sampled list).
            bits = 0;
            if paused != 0 {
                READY_PAUSED
            } else {
                self.ring_push(idx as u16);
                QUEUED
            }
        } else if joining {
            self.joiners.set(self.joiners.get() + 1);
            JOINING
        } else {
            WAITING
        };
        h.state.set(kind | bits | (s & T) | paused);
        if bits != 0 && paused == 0 {
            self.sampled_add(idx, bits & P != 0);
        }
    }

    /// Drops a task's future (its destructors run) and frees its slot. Registrations must be clear.
    pub(crate) fn finish(&'static self, idx: usize) {
        let h = &self.headers[idx];
        let was_paused = h.state.get() & PAUSED != 0;
        // Marked first, so calls made by its destructors see it as finished.
        h.state.set(DROPPING);
        let vt = h.vtable.replace(&EMPTY_VTABLE);
        self.storage[idx].drop_with(vt);
        h.state.set(EMPTY);
        let gen = h.gen.get().wrapping_add(1);
        h.gen.set(gen);
        if gen != u32::MAX {
            self.free_push(idx as u16);
        } // else: generation used up; the slot retires so no id can ever repeat.
        self.live.set(self.live.get() - 1);
        if was_paused {
            self.paused.set(self.paused.get() - 1);
        }
        if let Some(h) = self.header_at(self.core.joining.get()) {
            // The task being polled is joining (maybe this very task): it runs again after its
            // poll instead of waiting for a wake that has just happened.
            if h.state.get() & KIND == RUNNING {
                h.state.set(h.state.get() | Y);
            }
        }
        if self.joiners.get() != 0 {
            self.joiners.set(0);
            for h in &self.headers {
                if h.state.get() & KIND == JOINING {
                    crate::state::wake(&self.core, h);
                }
            }
        }
    }

    /// Removes a task from the deadline heap and the sampled list (not the ring).
    pub(crate) fn clear_registrations(&self, idx: usize) {
        let h = &self.headers[idx];
        let s = h.state.get();
        if s & REG == 0 {
            return;
        }
        if s & T != 0 {
            self.heap_remove(idx);
        }
        if s & (P | I) != 0 {
            self.sampled_remove(idx);
        }
        h.state.set(s & !REG);
    }

    #[cold]
    #[inline(never)]
    fn drain_wakes(&self) {
        let groups = self.core.woken.swap(0, portable_atomic::Ordering::Acquire) & !NUDGE;
        let shift = self.core.group_shift;
        let mut bits = groups;
        while bits != 0 {
            let g = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let lo = g << shift;
            let hi = min(N, (g + 1) << shift);
            for h in self.headers.get(lo..hi).unwrap_or(&[]) {
                if h.wake.load(portable_atomic::Ordering::Relaxed) != 0
                    && h.wake.swap(0, portable_atomic::Ordering::Acquire) != 0
                {
                    self.wake_task(usize::from(h.idx.get()));
                }
            }
        }
    }

    /// A wake seen by the scheduler itself: a sampled task leaves the sampled list first, since it
    /// is about to join the round-robin queue.
    fn wake_task(&self, idx: usize) {
        let h = &self.headers[idx];
        let s = h.state.get();
        if s & (P | I) != 0 && s & PAUSED == 0 && matches!(s & KIND, WAITING | JOINING) {
            self.sampled_remove(idx);
            h.state.set(s & !(P | I));
        }
        crate::state::wake(&self.core, h);
    }

    /// Samples every waiting poller and interrupt waiter; else takes an expired deadline.
    fn pick_urgent<C: Clock>(&'static self, clock: &C) -> Urgent {
        if self.sampled_len.get() != 0 {
            match self.sample_all(clock) {
                Urgent::None => {}
                other => return other,
            }
        }
        let now = clock.now().as_micros();
        while self.heap_len.get() != 0 {
            let top = usize::from(self.heap[0].get());
            if self.headers[top].deadline() > now {
                break;
            }
            self.heap_remove(top);
            let h = &self.headers[top];
            let s = h.state.get() & !T;
            if s & PAUSED == 0 {
                h.state.set(s);
                return Urgent::Run(top);
            }
            // Paused: keep the deadline, and fire it on resume with its full lateness. Then look at
            // the next deadline: it may be due too.
            let kind = if matches!(s & KIND, WAITING | JOINING) { DUE_PAUSED } else { s & KIND };
            h.state.set((s & !KIND) | kind);
        }
        Urgent::None
    }

    /// Polls every sampled task in sample mode and returns the one with the best offer.
    #[cold]
    fn sample_all<C: Clock>(&'static self, clock: &C) -> Urgent {
        let mut best: Option<(u64, u16, usize)> = None;
        let base = self.next_seq.get();
        let mut at = self.sampled_head.get();
        while let Some(link) = self.next.get(usize::from(at)) {
            let idx = usize::from(at);
            at = link.get();
            let epoch = self.sampled_epoch.get();
            let h = &self.headers[idx];
            let saved = h.state.get();
            h.state.set(RUNNING);
            self.core.mode.set(MODE_SAMPLE);
            self.core.offer.set(0);
            let r = self.poll_raw(idx, clock);
            self.core.mode.set(MODE_RUN);
            let s = h.state.get();
            if r.is_pending() && s & !PAUSED == RUNNING {
                h.state.set(saved);
                let changed = self.sampled_epoch.get() != epoch;
                if s & PAUSED != 0 {
                    // Its poller callback paused it: it leaves the list.
                    self.sampled_remove(idx);
                    h.state.set(saved | PAUSED);
                } else {
                    let key = self.core.offer.get();
                    let age = base.wrapping_sub(self.seq[idx].get());
                    // Larger key wins; on a tie the older task (larger age).
                    if key != 0 && best.is_none_or(|(k, a, _)| (key, age) > (k, a)) {
                        best = Some((key, age, idx));
                    }
                }
                if changed {
                    // A callback added or removed sampled tasks: the rest waits for the next pass.
                    break;
                }
            } else {
                // The task got further than its wait (another future it awaited was ready, or it
                // was stopped): that was its run for this pass. A pause made meanwhile stays.
                h.state.set(saved | (s & PAUSED));
                self.clear_registrations(idx);
                self.after_poll(idx, r, s);
                return Urgent::Ran;
            }
            if self.attention.get() & STOP != 0 {
                return Urgent::Ran; // a callback stopped the scheduler: nothing more runs
            }
        }
        match best {
            Some((_, _, idx))
                if matches!(self.headers[idx].state.get() & (PAUSED | KIND), WAITING | JOINING) =>
            {
                Urgent::Run(idx)
            }
            _ => Urgent::None,
        }
    }

    fn idle<C: Clock>(&'static self, clock: &C) {
        if let Some(hook) = self.idle_hook.get() {
            hook();
            if !self.core.ring_empty() || self.attention.get() & STOP != 0 {
                return;
            }
        }
        let now = clock.now();
        let next = (self.heap_len.get() != 0)
            .then(|| Instant::from_micros(self.headers[usize::from(self.heap[0].get())].deadline()));
        let until = if self.pollers.get() != 0 {
            let p = now + Duration::from_micros(self.poll_interval_us.get());
            Some(next.map_or(p, |n| min(n, p)))
        } else {
            next
        };
        clock.idle(until, &Wakeup(&self.core));
        let spent = clock.now().as_micros().saturating_sub(now.as_micros());
        self.idle_us.set(self.idle_us.get().saturating_add(spent));
    }

    /// Drops every remaining task, oldest first. Destructors cannot spawn meanwhile.
    fn shutdown(&'static self) {
        self.shutting_down.set(true);
        let mut order = [0u16; N];
        for &i in self.live_by_age(&mut order) {
            let idx = usize::from(i);
            if !core::ptr::eq(self.headers[idx].vtable.get(), &EMPTY_VTABLE) {
                self.kill(idx);
            }
        }
        self.shutting_down.set(false);
    }

    /// Fills `order` with the live slots, oldest first, and returns that part of it.
    fn live_by_age<'a>(&self, order: &'a mut [u16; N]) -> &'a [u16] {
        let mut k = 0;
        for (i, h) in self.headers.iter().enumerate() {
            if !core::ptr::eq(h.vtable.get(), &EMPTY_VTABLE) {
                order[k] = i as u16;
                k += 1;
            }
        }
        let base = self.next_seq.get();
        order[..k].sort_unstable_by_key(|&i| Reverse(base.wrapping_sub(self.seq[usize::from(i)].get())));
        &order[..k]
    }

    /// Renumbers the live tasks' spawn order 0, 1, 2, ... (oldest first), so that 16-bit numbers
    /// compare correctly for ever: called once every `RENUMBER` spawns.
    #[cold]
    #[inline(never)]
    fn renumber(&self) {
        let mut order = [0u16; N];
        let live = self.live_by_age(&mut order);
        for (n, &i) in live.iter().enumerate() {
            self.seq[usize::from(i)].set(n as u16);
        }
        self.next_seq.set(live.len() as u16);
    }
}
