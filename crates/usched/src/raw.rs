//! The only module with `unsafe` code: type-erased task storage, the waker, and the way a wait
//! future finds its own task's bookkeeping.
//!
//! Why it exists: a task is a future of a type the scheduler does not know, kept in a byte slot.
//! Polling and dropping it needs a function pointer made for its real type (`poll_or_drop::<F>`),
//! and pinned access into the slot. A standard [`Waker`] carries one raw pointer; ours points at the
//! task's [`Header`], from which the [`Core`] is found by address arithmetic (the scheduler is
//! `#[repr(C)]` with the core first and the headers right after it).
//!
//! Invariants that make this sound:
//! 1. A scheduler is only used through `&'static` references, so slots, headers and the core never
//!    move and never die while a waker can exist.
//! 2. A slot's bytes hold a live `F` exactly while its header's `poll` is `Some(poll_or_drop::<F>)`.
//! 3. Wakers may travel to other threads and interrupt handlers; their functions touch only atomics
//!    (`Header::wake`, `Core::woken`) and read `Header::idx`, written once before any waker exists.
//! 4. Everything else behind a waker (`Cell`s) is reached only through [`task_of`], which accepts
//!    only the *borrowed* waker the scheduler lends to a poll (`LOCAL`; clones get `REMOTE`), and
//!    with `std` only on the scheduler's own thread.
#![allow(unsafe_code)]

use core::cell::{Cell, UnsafeCell};
use core::future::Future;
use core::mem::{size_of, MaybeUninit};
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use portable_atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering::Relaxed};

use crate::time::{Clock, Instant};

/// Polls the future in a slot (`Some(cx)`), or drops it in place (`None`).
pub(crate) type PollFn = unsafe fn(NonNull<u8>, Option<&mut Context<'_>>) -> Poll<()>;

/// # Safety
/// `p` must point at a live, pinned `F` (invariant 2). After the `None` call it is dead.
unsafe fn poll_or_drop<F: Future<Output = ()>>(p: NonNull<u8>, cx: Option<&mut Context<'_>>) -> Poll<()> {
    let f = p.cast::<F>().as_ptr();
    match cx {
        // SAFETY: the future lives in its slot until dropped below and never moves (invariant 1).
        Some(cx) => unsafe { Pin::new_unchecked(&mut *f) }.poll(cx),
        None => {
            // SAFETY: live `F`, dropped once; the caller clears `poll` first so it is never used again.
            unsafe { ptr::drop_in_place(f) };
            Poll::Ready(())
        }
    }
}

/// Bytes for one task's future, aligned for anything up to 8-byte alignment.
#[repr(C, align(8))]
pub(crate) struct Storage<const S: usize>(UnsafeCell<MaybeUninit<[u8; S]>>);

impl<const S: usize> Storage<S> {
    pub(crate) const fn empty() -> Self {
        Storage(UnsafeCell::new(MaybeUninit::uninit()))
    }

    /// Moves `fut` into the slot and returns the function that polls and drops it.
    /// The caller checks at compile time that `F` fits (size and alignment) and that the slot is free.
    pub(crate) fn put<F: Future<Output = ()>>(&self, fut: F) -> PollFn {
        debug_assert!(size_of::<F>() <= S && core::mem::align_of::<F>() <= 8);
        // SAFETY: the slot is free (no live value, nobody holds a reference into it), large and
        // aligned enough for `F` (const-asserted in `spawn`).
        unsafe { self.0.get().cast::<F>().write(fut) };
        poll_or_drop::<F>
    }

    /// Polls (`Some`) or drops (`None`) the task in this slot.
    pub(crate) fn call(&self, f: PollFn, cx: Option<&mut Context<'_>>) -> Poll<()> {
        // SAFETY: `f` is the `PollFn` returned by `put` for the value in this slot (invariant 2);
        // the scheduler never polls a slot re-entrantly (a task is `RUNNING` while polled).
        unsafe { f(NonNull::new_unchecked(self.0.get().cast::<u8>()), cx) }
    }
}

/// Per-slot bookkeeping. 24 bytes (40 with `stats`) on both x86_64 and Cortex-M.
#[repr(C)]
pub(crate) struct Header {
    /// The armed deadline (µs), valid while the slot sits in the deadline heap.
    pub(crate) deadline: Cell<u64>,
    /// `Some` while the slot holds a live future.
    pub(crate) poll: Cell<Option<PollFn>>,
    /// Bumped when the slot is freed, so stale [`TaskId`](crate::TaskId)s never match.
    pub(crate) gen: Cell<u32>,
    /// See `state.rs`: kind in the low bits, wait registrations and pause in the high bits.
    pub(crate) state: Cell<u8>,
    /// Set by a waker from anywhere; cleared by the scheduler.
    pub(crate) wake: AtomicU8,
    /// This slot's index; written once before any waker exists.
    pub(crate) idx: Cell<u16>,
    #[cfg(feature = "stats")]
    pub(crate) stats: crate::stats::StatCells,
}

impl Header {
    pub(crate) const fn empty() -> Header {
        Header {
            deadline: Cell::new(0),
            poll: Cell::new(None),
            gen: Cell::new(0),
            state: Cell::new(0),
            wake: AtomicU8::new(0),
            idx: Cell::new(0),
            #[cfg(feature = "stats")]
            stats: crate::stats::StatCells::new(),
        }
    }
}

/// Modes of a poll, read by wait futures.
pub(crate) const MODE_RUN: u8 = 0;
pub(crate) const MODE_SAMPLE: u8 = 1;

/// The part of the scheduler that does not depend on its size: what wait futures and wakers reach.
#[repr(C)]
pub(crate) struct Core {
    /// One bit per group of `1 << group_shift` slots with a pending wake. Atomic: set from anywhere.
    pub(crate) woken: AtomicU32,
    /// Set by an interrupt line: "look again", without waking any task into the round-robin queue.
    pub(crate) nudged: AtomicBool,
    pub(crate) group_shift: u32,
    pub(crate) headers: Cell<&'static [Header]>,
    /// The round-robin FIFO: slot indices, `ring_len` of them from `ring_head`.
    pub(crate) ring: Cell<&'static [Cell<u16>]>,
    pub(crate) ring_head: Cell<usize>,
    pub(crate) ring_len: Cell<usize>,
    pub(crate) clock: Cell<Option<&'static dyn Clock>>,
    /// `MODE_RUN` or `MODE_SAMPLE`.
    pub(crate) mode: Cell<u8>,
    /// During a sample poll: the best event offered (class << 32 | value), 0 for none.
    pub(crate) offer: Cell<u64>,
    /// During a run poll with the `T` bit: the earliest deadline asked for.
    pub(crate) req_deadline: Cell<u64>,
    /// During a run poll: the task waits for another task to end.
    pub(crate) joining: Cell<bool>,
    /// During a run poll: the task stopped itself.
    pub(crate) stop_current: Cell<bool>,
    pub(crate) current: Cell<u16>,
    #[cfg(feature = "std")]
    runner: std::sync::Mutex<Option<std::thread::Thread>>,
    #[cfg(feature = "std")]
    runner_mark: Cell<usize>,
}

impl Core {
    pub(crate) const fn new(slots: usize) -> Core {
        // Group slots so that every slot maps onto one of 32 bits.
        let mut group_shift = 0;
        while (slots >> group_shift) > 32 {
            group_shift += 1;
        }
        Core {
            woken: AtomicU32::new(0),
            nudged: AtomicBool::new(false),
            group_shift,
            headers: Cell::new(&[]),
            ring: Cell::new(&[]),
            ring_head: Cell::new(0),
            ring_len: Cell::new(0),
            clock: Cell::new(None),
            mode: Cell::new(MODE_RUN),
            offer: Cell::new(0),
            req_deadline: Cell::new(u64::MAX),
            joining: Cell::new(false),
            stop_current: Cell::new(false),
            current: Cell::new(0),
            #[cfg(feature = "std")]
            runner: std::sync::Mutex::new(None),
            #[cfg(feature = "std")]
            runner_mark: Cell::new(0),
        }
    }

    pub(crate) fn wake_pending(&self) -> bool {
        self.woken.load(Relaxed) != 0 || self.nudged.load(Relaxed)
    }

    /// Makes an idle scheduler look again. Safe from any thread or interrupt handler.
    fn nudge(&self) {
        if !self.nudged.swap(true, Relaxed) {
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

    /// Marks slot `idx` woken. Safe from any thread or interrupt handler.
    fn wake_from_anywhere(&self, hdr: &Header) {
        if hdr.wake.swap(1, Relaxed) != 0 {
            return; // already pending
        }
        let idx = u32::from(hdr.idx.get());
        if self.woken.fetch_or(1 << (idx >> self.group_shift), Relaxed) == 0 {
            // First wake since the scheduler last looked: it may be parked.
            self.unpark();
        }
    }

    /// Called by `run()` on the thread that runs the scheduler.
    pub(crate) fn enter(&self, clock: &'static dyn Clock) {
        self.clock.set(Some(clock));
        #[cfg(feature = "std")]
        {
            self.runner_mark.set(thread_mark());
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

    /// Appends slot `idx` to the round-robin FIFO. The caller guarantees it is not in it already.
    pub(crate) fn ring_push(&self, idx: u16) {
        let ring = self.ring.get();
        let mut at = self.ring_head.get() + self.ring_len.get();
        if at >= ring.len() {
            at -= ring.len();
        }
        if let Some(cell) = ring.get(at) {
            cell.set(idx);
            self.ring_len.set(self.ring_len.get() + 1);
        }
    }

    /// Takes the oldest slot index off the round-robin FIFO.
    #[inline]
    pub(crate) fn ring_pop(&self) -> Option<u16> {
        let len = self.ring_len.get();
        if len == 0 {
            return None;
        }
        let ring = self.ring.get();
        let head = self.ring_head.get();
        let idx = ring.get(head)?.get();
        let next = head + 1;
        self.ring_head.set(if next == ring.len() { 0 } else { next });
        self.ring_len.set(len - 1);
        Some(idx)
    }

    /// Removes slot `idx` from the FIFO, keeping the others' order. O(queued); used by `stop`.
    pub(crate) fn ring_remove(&self, idx: u16) {
        let ring = self.ring.get();
        let cap = ring.len();
        let (head, len) = (self.ring_head.get(), self.ring_len.get());
        let at = |i: usize| {
            let j = head + i;
            if j >= cap {
                j - cap
            } else {
                j
            }
        };
        let mut kept = 0;
        for i in 0..len {
            let v = ring[at(i)].get();
            if v != idx {
                ring[at(kept)].set(v);
                kept += 1;
            }
        }
        self.ring_len.set(kept);
    }

    /// Wakes a task from the scheduler's own thread (task-to-task signals): no atomics.
    pub(crate) fn wake_local(&self, idx: u16) {
        let Some(hdr) = self.headers.get().get(usize::from(idx)) else {
            return;
        };
        crate::state::wake(self, hdr);
    }

    /// Builds the waker lent to a poll of the task whose header is `hdr`.
    pub(crate) fn local_waker(hdr: *const Header) -> core::mem::ManuallyDrop<Waker> {
        // SAFETY: LOCAL's functions uphold the RawWaker contract for any `hdr` that points at a
        // header of a `'static` scheduler (invariant 1); `drop` does nothing, so no refcount.
        core::mem::ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(hdr.cast(), &LOCAL)) })
    }
}

#[cfg(feature = "std")]
fn thread_mark() -> usize {
    std::thread_local!(static MARK: u8 = const { 0 });
    MARK.with(|m| m as *const u8 as usize)
}

/// Where the headers start inside a scheduler (checked for every `Sched<N, S>` at compile time).
pub(crate) const HEADERS_OFFSET: usize = {
    let core = size_of::<Core>();
    let align = core::mem::align_of::<Header>();
    core.div_ceil(align) * align
};

/// # Safety
/// `hdr` points at a header of a `'static` scheduler, derived from a pointer to the whole scheduler.
unsafe fn core_of<'a>(hdr: *const Header) -> &'a Core {
    // SAFETY: the header is alive for ever (invariant 1); `idx` was written before any waker existed.
    let idx = usize::from(unsafe { &*hdr }.idx.get());
    // SAFETY: repr(C) places the core `HEADERS_OFFSET` bytes before header 0 (asserted per
    // scheduler type); the pointer's provenance covers the whole scheduler.
    unsafe { &*hdr.cast::<u8>().sub(HEADERS_OFFSET + idx * size_of::<Header>()).cast::<Core>() }
}

static LOCAL: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, noop);
static REMOTE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, noop);

fn clone(p: *const ()) -> RawWaker {
    RawWaker::new(p, &REMOTE)
}

fn wake(p: *const ()) {
    let hdr = p.cast::<Header>();
    // SAFETY: every waker we make points at a header of a 'static scheduler (invariant 1); only
    // atomics and the write-once `idx` are touched (invariant 3).
    unsafe { core_of(hdr).wake_from_anywhere(&*hdr) }
}

fn noop(_: *const ()) {}

/// Makes the scheduler behind `w` look again without queueing its task (interrupt lines rank
/// their waiter by count instead); any other waker is simply woken.
pub(crate) fn nudge(w: &Waker) {
    if ptr::eq(w.vtable(), &REMOTE) || ptr::eq(w.vtable(), &LOCAL) {
        // SAFETY: our wakers point at a header of a 'static scheduler (invariant 1); `nudge`
        // touches only atomics (invariant 3).
        unsafe { core_of(w.data().cast()).nudge() }
    } else {
        w.wake_by_ref();
    }
}

/// A task as seen by a wait future inside its poll.
#[derive(Copy, Clone)]
pub(crate) struct TaskRef {
    hdr: *const Header,
}

impl TaskRef {
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: see `task_of`: a LOCAL waker on the scheduler thread; the header lives for ever.
        unsafe { &*self.hdr }
    }

    pub(crate) fn core(&self) -> &Core {
        // SAFETY: as above, and the pointer came from the whole scheduler (see `Sched::header_ptr`).
        unsafe { core_of(self.hdr) }
    }

    pub(crate) fn idx(&self) -> u16 {
        self.header().idx.get()
    }
}

/// The task being polled, if this context is one the scheduler lent to one of its polls.
///
/// Returns `None` for any other waker (a foreign executor, a combinator that substitutes its own
/// waker) and, with `std`, on any thread but the scheduler's.
pub(crate) fn task_of(cx: &Context<'_>) -> Option<TaskRef> {
    let w = cx.waker();
    if !ptr::eq(w.vtable(), &LOCAL) {
        return None;
    }
    let t = TaskRef { hdr: w.data().cast() };
    #[cfg(feature = "std")]
    if t.core().runner_mark.get() != thread_mark() {
        return None;
    }
    Some(t)
}
