//! The only module with `unsafe` code: type-erased task storage, the waker, and the way a wait
//! future finds its own task's bookkeeping.
//!
//! Why it exists: a task is a future of a type the scheduler does not know, kept in a byte slot.
//! Polling and dropping it needs functions made for its real type (a [`VTable`] per future type),
//! and pinned access into the slot. A standard [`Waker`] carries one raw pointer: ours points at the
//! task's [`Header`], from which the [`Core`] is found by address arithmetic (the scheduler is
//! `#[repr(C)]` with the core first and the headers after it).
//!
//! Invariants that make this sound:
//! 1. A scheduler is only used through `&'static` references, so slots, headers and the core never
//!    move and never die while a waker can exist.
//! 2. A slot's bytes hold a live `F` exactly while its header's vtable is `Typed::<F>::VTABLE`.
//! 3. Wakers may travel to other threads and interrupt handlers; their functions touch only atomics
//!    (`Header::wake`, `Core::woken`) and read `Header::idx`, written once before any waker exists.
//! 4. Wait futures reach a task's bookkeeping only through [`task_of`], which accepts only our
//!    wakers. A waker can reach another thread (that is its purpose), so what `task_of` exposes
//!    is made of `shared.rs` cells (relaxed atomics). The run queue and the clock are touched only
//!    after [`task_here`] has confirmed the scheduler's own `Context` for this poll, which cannot
//!    leave its thread.
#![allow(unsafe_code)]

use core::cell::{Cell, UnsafeCell};
use core::future::Future;
use core::mem::{size_of, MaybeUninit};
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use portable_atomic::{AtomicPtr, AtomicU32, AtomicU8, Ordering::Relaxed};

use crate::shared::{SharedPtr, SharedU64, SharedU8};
use crate::time::{Clock, Instant};

/// How to poll and drop the future type a slot holds.
pub(crate) struct VTable {
    // SAFETY (for callers): the pointer must address a live, pinned value of the vtable's type.
    poll: unsafe fn(NonNull<u8>, &mut Context<'_>) -> Poll<()>,
    // SAFETY (for callers): as for `poll`; the value is dead afterwards.
    drop: unsafe fn(NonNull<u8>),
}

/// The vtable of an empty slot: polling it reports "finished", dropping it does nothing.
pub(crate) static EMPTY_VTABLE: VTable = VTable { poll: poll_empty, drop: drop_empty };

// SAFETY: touches nothing, so any pointer will do (it is `unsafe` only to fit `VTable`).
unsafe fn poll_empty(_: NonNull<u8>, _: &mut Context<'_>) -> Poll<()> {
    Poll::Ready(())
}

// SAFETY: touches nothing, so any pointer will do (it is `unsafe` only to fit `VTable`).
unsafe fn drop_empty(_: NonNull<u8>) {}

struct Typed<F>(core::marker::PhantomData<F>);

impl<F: Future<Output = ()>> Typed<F> {
    const VTABLE: VTable = VTable { poll: Self::poll, drop: Self::drop };

    /// # Safety
    /// `p` points at a live, pinned `F` (invariant 2).
    // SAFETY (for callers): the contract above; `Storage::poll` upholds it.
    unsafe fn poll(p: NonNull<u8>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the future lives in its slot until dropped and never moves (invariant 1).
        unsafe { Pin::new_unchecked(&mut *p.cast::<F>().as_ptr()) }.poll(cx)
    }

    /// # Safety
    /// `p` points at a live `F`; it is dead afterwards.
    // SAFETY (for callers): the contract above; `Storage::drop_with` upholds it.
    unsafe fn drop(p: NonNull<u8>) {
        // SAFETY: live `F`, dropped once: the caller swaps in the empty vtable first.
        unsafe { ptr::drop_in_place(p.cast::<F>().as_ptr()) }
    }
}

/// Bytes for one task's future, aligned for anything up to 16-byte alignment (a `u128` held
/// across an await needs 16 on x86_64).
#[repr(C, align(16))]
pub(crate) struct Storage<const S: usize>(UnsafeCell<MaybeUninit<[u8; S]>>);

impl<const S: usize> Storage<S> {
    pub(crate) const fn empty() -> Self {
        Storage(UnsafeCell::new(MaybeUninit::uninit()))
    }

    /// Moves `fut` into the slot and returns the vtable that polls and drops it.
    /// The caller checks at compile time that `F` fits (size and alignment) and that the slot is free.
    pub(crate) fn put<F: Future<Output = ()>>(&self, fut: F) -> &'static VTable {
        debug_assert!(size_of::<F>() <= S && core::mem::align_of::<F>() <= 16);
        // SAFETY: the slot is free (no live value, nobody holds a reference into it), large and
        // aligned enough for `F` (const-asserted in `spawn`).
        unsafe { self.0.get().cast::<F>().write(fut) };
        &Typed::<F>::VTABLE
    }

    fn ptr(&self) -> NonNull<u8> {
        // SAFETY: a pointer into a live field is never null.
        unsafe { NonNull::new_unchecked(self.0.get().cast::<u8>()) }
    }

    /// Polls the task in this slot.
    #[inline(always)]
    pub(crate) fn poll(&self, vt: &'static VTable, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `vt` is the vtable `put` returned for the value in this slot, or the empty one
        // (invariant 2); a task is never polled re-entrantly (it is `RUNNING` while polled).
        unsafe { (vt.poll)(self.ptr(), cx) }
    }

    /// Drops the task in this slot. The caller has already replaced its vtable with the empty one.
    pub(crate) fn drop_with(&self, vt: &'static VTable) {
        // SAFETY: as for `poll`; `vt` was taken out of the header, so this happens once.
        unsafe { (vt.drop)(self.ptr()) }
    }
}

/// Per-slot bookkeeping: 24 bytes on x86_64, 20 on Cortex-M (16 more with `stats`).
#[repr(C)]
pub(crate) struct Header {
    /// The armed deadline (µs), valid while the slot sits in the deadline heap. Two halves, so
    /// the header needs only 4-byte alignment on 32-bit targets.
    deadline_lo: Cell<u32>,
    deadline_hi: Cell<u32>,
    /// The live future's vtable; `EMPTY_VTABLE` when the slot is free.
    pub(crate) vtable: Cell<&'static VTable>,
    /// Bumped when the slot is freed, so stale [`TaskId`](crate::TaskId)s never match.
    pub(crate) gen: Cell<u32>,
    /// See `state.rs`: kind in the low bits, wait registrations and pause in the high bits.
    pub(crate) state: SharedU8,
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
            deadline_lo: Cell::new(0),
            deadline_hi: Cell::new(0),
            vtable: Cell::new(&EMPTY_VTABLE),
            gen: Cell::new(0),
            state: SharedU8::new(0),
            wake: AtomicU8::new(0),
            idx: Cell::new(0),
            #[cfg(feature = "stats")]
            stats: crate::stats::StatCells::new(),
        }
    }
}

/// "No slot": the end of the round-robin list.
pub(crate) const NIL: u16 = u16::MAX;

/// The bit of `Core::woken` that only asks the scheduler to look again.
pub(crate) const NUDGE: u32 = 1 << 31;

impl Header {
    #[inline]
    pub(crate) fn deadline(&self) -> u64 {
        u64::from(self.deadline_lo.get()) | (u64::from(self.deadline_hi.get()) << 32)
    }

    #[inline]
    pub(crate) fn set_deadline(&self, us: u64) {
        self.deadline_lo.set(us as u32);
        self.deadline_hi.set((us >> 32) as u32);
    }
}

/// Modes of a poll, read by wait futures.
pub(crate) const MODE_RUN: u8 = 0;
pub(crate) const MODE_SAMPLE: u8 = 1;

/// The part of the scheduler that does not depend on its size: what wait futures and wakers reach.
#[repr(C)]
pub(crate) struct Core {
    /// Bits 0..31: one per group of `1 << group_shift` slots with a pending wake. Bit 31
    /// ([`NUDGE`]): an interrupt line says "look again" without queueing any task. Set from anywhere.
    pub(crate) woken: AtomicU32,
    pub(crate) group_shift: u32,
    pub(crate) headers: Cell<&'static [Header]>,
    /// The round-robin FIFO, a list linked through `next`: `head` is the oldest slot (`NIL` if
    /// the queue is empty), `tail` the newest (stale while empty).
    pub(crate) next: Cell<&'static [Cell<u16>]>,
    pub(crate) head: Cell<u16>,
    pub(crate) tail: Cell<u16>,
    /// Written by `run` before any poll; read only by wait futures on the scheduler's own context.
    pub(crate) clock: Cell<Option<&'static dyn Clock>>,
    /// `MODE_RUN` or `MODE_SAMPLE`.
    pub(crate) mode: SharedU8,
    /// During a sample poll: the best event offered (class << 32 | value), 0 for none.
    pub(crate) offer: SharedU64,
    /// During a run poll with the `T` bit: the earliest deadline asked for.
    pub(crate) req_deadline: SharedU64,
    /// During a run poll: the header of the task that waits for another task to end (it may be
    /// stale after a poll that ended in a yield; only a match counts).
    pub(crate) joining: SharedPtr<Header>,
    #[cfg(feature = "std")]
    runner: std::sync::Mutex<Option<std::thread::Thread>>,
    /// The address of the one `Context` the run lends to every poll (null outside `run`).
    pub(crate) cx: AtomicPtr<()>,
}

impl Core {
    pub(crate) const fn new(slots: usize) -> Core {
        // Group slots so that every slot maps onto one of 31 bits (bit 31 is NUDGE).
        let mut group_shift = 0;
        while (slots + (1 << group_shift) - 1) >> group_shift > 31 {
            group_shift += 1;
        }
        Core {
            woken: AtomicU32::new(0),
            group_shift,
            headers: Cell::new(&[]),
            next: Cell::new(&[]),
            head: Cell::new(NIL),
            tail: Cell::new(NIL),
            clock: Cell::new(None),
            mode: SharedU8::new(MODE_RUN),
            offer: SharedU64::new(0),
            req_deadline: SharedU64::new(u64::MAX),
            joining: SharedPtr::null(),
            #[cfg(feature = "std")]
            runner: std::sync::Mutex::new(None),
            cx: AtomicPtr::new(ptr::null_mut()),
        }
    }

    pub(crate) fn wake_pending(&self) -> bool {
        self.woken.load(Relaxed) != 0
    }

    /// Makes an idle scheduler look again. Safe from any thread or interrupt handler.
    fn nudge(&self) {
        if self.woken.fetch_or(NUDGE, Relaxed) == 0 {
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
    pub(crate) fn wake_from_anywhere(&self, hdr: &Header) {
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
    #[inline(always)]
    pub(crate) fn ring_push_in(&self, next: &[Cell<u16>], idx: u16) {
        if let Some(n) = next.get(usize::from(idx)) {
            n.set(NIL);
        }
        if self.head.get() == NIL {
            self.head.set(idx);
        } else if let Some(t) = next.get(usize::from(self.tail.get())) {
            t.set(idx);
        }
        self.tail.set(idx);
    }

    /// Takes the oldest slot off the round-robin FIFO.
    #[inline(always)]
    pub(crate) fn ring_pop_in(&self, next: &[Cell<u16>]) -> Option<u16> {
        let idx = self.head.get();
        self.head.set(next.get(usize::from(idx))?.get());
        Some(idx)
    }

    #[inline]
    pub(crate) fn ring_push(&self, idx: u16) {
        self.ring_push_in(self.next.get(), idx);
    }

    /// Removes slot `idx` from the FIFO, keeping the others' order. O(queued); used by `stop`.
    pub(crate) fn ring_remove(&self, idx: u16) {
        let next = self.next.get();
        let mut prev = NIL;
        let mut at = self.head.get();
        while let Some(n) = next.get(usize::from(at)) {
            if at == idx {
                let after = n.get();
                match next.get(usize::from(prev)) {
                    Some(p) => p.set(after),
                    None => self.head.set(after),
                }
                if after == NIL {
                    self.tail.set(prev);
                }
                return;
            }
            prev = at;
            at = n.get();
        }
    }

    /// True if no task is queued for round-robin.
    pub(crate) fn ring_empty(&self) -> bool {
        self.head.get() == NIL
    }

    /// Builds the waker for a poll of the task whose header is `hdr` (derived from a pointer to
    /// the whole `'static` scheduler).
    #[inline(always)]
    pub(crate) fn task_waker(hdr: *const Header) -> core::mem::ManuallyDrop<Waker> {
        // SAFETY: TASK's functions uphold the RawWaker contract for any header of a `'static`
        // scheduler (invariants 1 and 3); `drop` does nothing, so there is no refcount.
        core::mem::ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(hdr.cast(), &TASK)) })
    }
}

/// Where the headers start inside a scheduler (checked for every `Sched<N, S>` at compile time).
pub(crate) const HEADERS_OFFSET: usize = {
    let core = size_of::<Core>();
    let align = core::mem::align_of::<Header>();
    core.div_ceil(align) * align
};

/// # Safety
/// `hdr` points at a header of a `'static` scheduler, derived from a pointer to the whole scheduler.
// SAFETY (for callers): the contract above; every caller holds a header pointer from a waker or a
// `TaskRef`, both derived from a whole scheduler.
#[inline]
unsafe fn core_of<'a>(hdr: *const Header) -> &'a Core {
    // SAFETY: the header is alive for ever (invariant 1); `idx` was written before any waker existed.
    let idx = usize::from(unsafe { &*hdr }.idx.get());
    // SAFETY: repr(C) places the core `HEADERS_OFFSET` bytes before header 0 (asserted per
    // scheduler type); the pointer's provenance covers the whole scheduler.
    unsafe { &*hdr.cast::<u8>().sub(HEADERS_OFFSET + idx * size_of::<Header>()).cast::<Core>() }
}

/// One vtable for the waker lent to a poll and for its clones: they are equal, so `will_wake`
/// holds between them.
static TASK: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, noop);

fn clone(p: *const ()) -> RawWaker {
    RawWaker::new(p, &TASK)
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
    if ptr::eq(w.vtable(), &TASK) {
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
    hdr: NonNull<Header>,
}

impl TaskRef {
    #[inline]
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: see `task_of`: made from one of our wakers; the header lives for ever.
        unsafe { self.hdr.as_ref() }
    }

    /// The header's address, as the scheduler's own pointers carry it.
    #[inline]
    pub(crate) fn ptr(&self) -> *const Header {
        self.hdr.as_ptr()
    }

    #[inline]
    pub(crate) fn core(&self) -> &Core {
        // SAFETY: as above, and the pointer came from the whole scheduler (see `Sched::header_ptr`).
        unsafe { core_of(self.hdr.as_ptr()) }
    }
}

/// The task being polled, if this context is one the scheduler lent to one of its polls.
///
/// Returns `None` for any other waker (a foreign executor, a combinator that substitutes its own
/// waker). What the returned task gives access to is safe to touch from any thread (see
/// `shared.rs`); anything that is not must use [`task_here`].
#[inline]
pub(crate) fn task_of(cx: &Context<'_>) -> Option<TaskRef> {
    let w = cx.waker();
    if !ptr::eq(w.vtable(), &TASK) {
        return None;
    }
    // SAFETY: TASK wakers are only made from header pointers, which are never null.
    Some(TaskRef { hdr: unsafe { NonNull::new_unchecked(w.data().cast::<Header>().cast_mut()) } })
}

/// Like [`task_of`], and only if `cx` is the very `Context` the scheduler lent to this poll.
/// `Context` is neither `Send` nor `Sync`, so it never leaves the scheduler's thread, whereas a
/// borrowed `&Waker` could (a scoped thread building its own `Context` from it).
#[inline]
pub(crate) fn task_here(cx: &Context<'_>) -> Option<TaskRef> {
    let t = task_of(cx)?;
    ptr::eq(t.core().cx.load(Relaxed).cast_const(), (cx as *const Context<'_>).cast()).then_some(t)
}
