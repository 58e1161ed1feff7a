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
//!    (the header's wake flag and link, the core's wake stack) and read `Header::idx` and the
//!    core's [`ContextProbe`], written once before any waker exists. The one exception is a wake
//!    that the probe places on the scheduler's own context (see [`ContextProbe`]) outside a sample
//!    poll, with nothing on the wake stack (`Core::may_wake_directly`): nothing can run alongside
//!    it there, so it queues its task directly, as a local `Signal` does.
//! 4. Wait futures reach a task's bookkeeping only through [`task_of`], which accepts only our
//!    wakers. A waker can reach another thread (that is its purpose), so what `task_of` exposes
//!    is made of `shared.rs` cells (relaxed atomics). The run queue and the clock are touched only
//!    after [`task_here`] has confirmed the scheduler's own `Context` for this poll (the one in its
//!    [`Lend`]), which cannot leave its thread.
#![allow(unsafe_code)]

use core::cell::{Cell, UnsafeCell};
use core::future::Future;
use core::marker::PhantomPinned;
use core::mem::{align_of, size_of, MaybeUninit};
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use crate::header::Header;
use crate::sched_core::Core;
use crate::unwind::Defer;

/// How to poll and drop the future type a slot holds.
pub(crate) struct VTable {
    // SAFETY: (for callers) the pointer must address a live, pinned value of the vtable's type, and
    // the lend and header must be as `Lend::context` requires.
    poll: unsafe fn(&Lend, *const Header, NonNull<u8>) -> Poll<()>,
    // SAFETY: (for callers) as for `poll`; the value is dead afterwards.
    drop: unsafe fn(NonNull<u8>),
}

struct Typed<F>(core::marker::PhantomData<F>);

impl<F: Future<Output = ()>> Typed<F> {
    const VTABLE: VTable = VTable { poll: Self::poll, drop: Self::drop };

    /// Polls the `F` at `p` with the waker and context of `lend`, naming the task whose header is
    /// `hdr`. The waker and context are built here, in each future type's own poll function, so
    /// the run loop only makes one indirect call.
    ///
    /// # Safety
    /// `p` points at a live, pinned `F` (invariant 2); `lend` and `hdr` are as
    /// [`Lend::context`] requires.
    // SAFETY: (for callers) the contract above; `Lend::poll` upholds it.
    unsafe fn poll(lend: &Lend, hdr: *const Header, p: NonNull<u8>) -> Poll<()> {
        // SAFETY: the caller's contract is `context`'s.
        let cx = unsafe { lend.context(hdr) };
        // SAFETY: `p` addresses a live `F` that nothing else borrows during this poll (the caller's
        // contract).
        let fut = unsafe { &mut *p.cast::<F>().as_ptr() };
        // SAFETY: the future lives in its slot until dropped and never moves (invariant 1).
        let r = unsafe { Pin::new_unchecked(fut) }.poll(cx);
        if r.is_ready() {
            // SAFETY: `hdr` is a header of a `'static` scheduler (the caller's contract).
            crate::state::completed(unsafe { &*hdr });
        }
        r
    }

    /// # Safety
    /// `p` points at a live `F`; it is dead afterwards.
    // SAFETY: (for callers) the contract above; `Storage::drop_future` upholds it.
    unsafe fn drop(p: NonNull<u8>) {
        // SAFETY: live `F`, dropped once: the caller marks the slot empty first.
        unsafe { ptr::drop_in_place(p.cast::<F>().as_ptr()) }
    }
}

/// A slot's vtable: which type of future its storage holds, if any.
///
/// Only this module reads or writes it, which is what makes [`Storage`]'s functions safe: the
/// vtable and the bytes it describes change together, here, and nowhere else. `None` when the slot
/// is empty: all zero bytes, like the rest of a new scheduler (see `Sched::new`).
pub(crate) struct SlotVtable(Cell<Option<&'static VTable>>);

impl SlotVtable {
    pub(crate) const fn empty() -> Self {
        SlotVtable(Cell::new(None))
    }

    /// True while the slot holds a future (also while it is being polled).
    #[inline]
    pub(crate) fn occupied(&self) -> bool {
        self.0.get().is_some()
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

    fn ptr(&self) -> NonNull<u8> {
        // SAFETY: a pointer into a live field is never null.
        unsafe { NonNull::new_unchecked(self.0.get().cast::<u8>()) }
    }

    /// Moves `fut` into the slot, which `vt` describes. Hands the future back if the slot is not
    /// empty. A future too large or too aligned for the slot does not compile.
    pub(crate) fn put<F: Future<Output = ()>>(&self, vt: &SlotVtable, fut: F) -> Result<(), F> {
        const {
            assert!(size_of::<F>() <= S, "future too large for its slot: raise SLOT");
            assert!(align_of::<F>() <= 16, "future aligned to more than 16 bytes");
        }
        if vt.occupied() {
            debug_assert!(false, "spawn into an occupied slot");
            return Err(fut);
        }
        // SAFETY: the slot holds no value (it has no vtable, and only this module sets
        // it), nothing borrows it, and it is large and aligned enough for `F` (asserted above at
        // compile time; the storage is aligned to 16).
        unsafe { self.0.get().cast::<F>().write(fut) };
        vt.0.set(Some(&Typed::<F>::VTABLE));
        Ok(())
    }

    /// Drops the future in the slot whose header is `h` (its destructors run) and marks the slot
    /// empty. An empty slot stays empty; the slot being polled is left alone (the scheduler never
    /// asks for that).
    pub(crate) fn drop_future(&self, h: &Header, lend: &Lend) {
        let Some(table) = h.vtable.0.get() else { return };
        if ptr::eq(lend.polling.get(), h) {
            debug_assert!(false, "drop of a task during its own poll");
            return;
        }
        // Empty first, so the value is dropped once even if its destructor reaches this slot.
        h.vtable.0.set(None);
        // SAFETY: `table` describes the slot's bytes (invariant 2) and its poll is not in progress
        // (a poll records its header in `lend.polling` until it returns, and no other poll runs
        // meanwhile: see `Lend::poll`); the slot is marked empty before the drop, so nothing polls
        // or drops the value again.
        unsafe { (table.drop)(self.ptr()) }
    }
}

/// What a scheduler lends to each poll, kept at one fixed place in its core: the task's waker, the
/// `Context` around it, and which task is being polled.
///
/// Why fixed: a wait that needs the scheduler's thread (the run queue, the clock) must know that
/// the `Context` it was handed is the one the scheduler made for this poll, which can only be on the
/// scheduler's thread (`Context` is neither `Send` nor `Sync`). At a fixed address that is one
/// comparison of addresses ([`task_here`]), and the run loop records nothing before a poll and
/// clears nothing after it but `polling`. `polling` also refuses a poll nested in another poll of
/// the same scheduler (which would reuse the lent context under a live borrow) and the drop of the
/// task being polled, and names the current task.
///
/// All zero bytes when new (the cells are uninitialised until the first poll writes them).
pub(crate) struct Lend {
    waker: UnsafeCell<MaybeUninit<Waker>>,
    cx: UnsafeCell<MaybeUninit<Context<'static>>>,
    /// The header of the task being polled; null between polls.
    polling: Cell<*const Header>,
}

impl Lend {
    pub(crate) const fn new() -> Self {
        Lend {
            waker: UnsafeCell::new(MaybeUninit::uninit()),
            cx: UnsafeCell::new(MaybeUninit::uninit()),
            polling: Cell::new(ptr::null()),
        }
    }

    /// Polls the future in `slot`, whose header is `h`, lending it a waker that names `hdr` (the
    /// same header, as `Sched::header_ptr` gives it: derived from the whole `'static` scheduler
    /// that holds this lend). An empty slot reports `Ready`; a poll nested in another reports
    /// `Pending` (the scheduler never does either).
    #[inline(always)]
    pub(crate) fn poll<const S: usize>(&self, hdr: *const Header, h: &Header, slot: &Storage<S>) -> Poll<()> {
        let vt = &h.vtable;
        if !self.polling.get().is_null() {
            debug_assert!(false, "a poll inside a poll of the same scheduler");
            return Poll::Pending;
        }
        let Some(table) = vt.0.get() else {
            // An empty slot: nothing left to run, and the task is marked as a completed one is,
            // since the run loop reads only the state byte.
            crate::state::completed(h);
            return Poll::Ready(());
        };
        self.polling.set(hdr);
        // Cleared after the poll, also when it panics (see `unwind.rs`).
        let _done = Defer(|| self.polling.set(ptr::null()));
        // SAFETY: `table` describes the slot's bytes (invariant 2, kept by `put`/`drop_future`,
        // the only writers). The future is not aliased: no other poll of this scheduler runs
        // (`polling` was null), `drop_future` refuses this slot until `polling` is cleared, and
        // `put` refuses an occupied slot. `context`'s contract: `hdr` is the caller's, and
        // `polling` is set from here to the end of the poll.
        unsafe { (table.poll)(self, hdr, slot.ptr()) }
    }

    /// Writes the waker naming `hdr` and the context around it, and lends the context.
    ///
    /// # Safety
    /// `hdr` is a header of the `'static` scheduler that holds this lend (from `Sched::header_ptr`),
    /// and this lend's `polling` is set for the whole of the borrow: no other poll of this
    /// scheduler, hence no other borrow of the context or the waker, happens meanwhile.
    // SAFETY: (for callers) the contract above; `Typed::poll`, called only by `Lend::poll`,
    // upholds it.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)] // the cells are `UnsafeCell`s, lent to one poll at a time
    unsafe fn context(&self, hdr: *const Header) -> &mut Context<'_> {
        let w = self.waker.get().cast::<Waker>();
        let cx = self.cx.get().cast::<Context<'_>>();
        // SAFETY: `hdr` names a header of a `'static` scheduler, which is what TASK's functions need
        // (invariants 1 and 3).
        let waker = unsafe { Waker::from_raw(RawWaker::new(hdr.cast(), &TASK)) };
        // Why the writes and borrows below are sound: no reference into `waker` or `cx` is alive:
        // the only ones are made here and end with the poll (the caller's contract). Writing over
        // the old values without dropping them is fine: a `Context` has no destructor, and TASK's
        // drop does nothing. The context's lifetime is this borrow's, and every future's `poll` is
        // generic over it, so no future can keep the lent waker or context past its poll.
        // SAFETY: see above.
        unsafe { w.write(waker) };
        // SAFETY: see above; `w` was just written.
        let w = unsafe { &*w };
        // SAFETY: see above.
        unsafe { cx.write(Context::from_waker(w)) };
        // SAFETY: see above; `cx` was just written.
        unsafe { &mut *cx }
    }

    /// The header of the task being polled, if a poll is under way.
    #[inline]
    pub(crate) fn polling(&self) -> Option<&Header> {
        // SAFETY: `polling` is null or a header of the `'static` scheduler that holds this lend
        // (set only by `poll`), alive for ever (invariant 1).
        unsafe { self.polling.get().as_ref() }
    }
}

/// Where the headers start inside a scheduler (checked for every `Sched<N, S>` at compile time).
pub(crate) const HEADERS_OFFSET: usize = {
    let core = size_of::<Core>();
    let align = align_of::<Header>();
    core.div_ceil(align) * align
};

/// # Safety
/// `hdr` points at a header of a `'static` scheduler, derived from a pointer to the whole scheduler.
// SAFETY: (for callers) the contract above; every caller holds a header pointer from a waker or a
// `TaskRef`, both derived from a whole scheduler.
#[inline]
unsafe fn core_of<'a>(hdr: *const Header) -> &'a Core {
    // SAFETY: the header is alive for ever (invariant 1); `idx` was written before any waker existed.
    let idx = usize::from(unsafe { &*hdr }.idx.get());
    // SAFETY: repr(C) places the core `HEADERS_OFFSET` bytes before header 0 (asserted per
    // scheduler type), so the offset stays inside the scheduler, whose provenance the pointer has.
    let core = unsafe { hdr.cast::<u8>().sub(HEADERS_OFFSET + idx * size_of::<Header>()) };
    // SAFETY: that address is the scheduler's `Core`, alive for ever (invariant 1).
    unsafe { &*core.cast::<Core>() }
}

/// One vtable for the waker lent to a poll and for its clones: they are equal, so `will_wake`
/// holds between them.
static TASK: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, noop);

fn clone(p: *const ()) -> RawWaker {
    RawWaker::new(p, &TASK)
}

fn wake(p: *const ()) {
    let hdr = p.cast::<Header>();
    // SAFETY: every waker we make points at a header of a 'static scheduler (invariant 1).
    let core = unsafe { core_of(hdr) };
    // SAFETY: as above; only atomics and the write-once `idx` and probe are touched (invariant 3),
    // unless `may_wake_directly` says this is the scheduler's own context.
    let h = unsafe { &*hdr };
    if core.may_wake_directly() {
        // Nothing runs alongside the scheduler's own context (the probe's contract): straight
        // onto the run queue, with no atomic and nothing for the run loop to take afterwards.
        crate::state::wake(core, h);
    } else {
        core.wake_from_anywhere(h)
    }
}

fn noop(_: *const ()) {}

/// The core behind one of our wakers, or `None` for any other waker.
#[cfg_attr(not(feature = "sampling"), allow(dead_code))] // used by `Poller` and `IrqLine`
pub(crate) fn core_of_waker(w: &Waker) -> Option<&Core> {
    if !ptr::eq(w.vtable(), &TASK) {
        return None;
    }
    // SAFETY: our wakers point at a header of a 'static scheduler (invariant 1); a `Core` exposes
    // to other threads only atomics (invariant 3).
    Some(unsafe { core_of(w.data().cast()) })
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

/// Like [`task_of`], and only if `cx` is the very `Context` the scheduler lent to this poll, and
/// still holds the waker of the task being polled. `Context` is neither `Send` nor `Sync`, so it
/// never leaves the scheduler's thread, whereas a borrowed `&Waker` could (a scoped thread building
/// its own `Context` from it). The waker is checked too because a future may swap the lent
/// context's contents for a context of its own (`mem::swap(cx, &mut other)`), around another
/// task's waker: its waits must not declare for a task that is not being polled.
#[inline]
pub(crate) fn task_here(cx: &Context<'_>) -> Option<TaskRef> {
    let t = task_of(cx)?;
    let lend = &t.core().lend;
    // The address first: only if it matches is this the scheduler's thread, where `polling` (a
    // plain cell) may be read.
    (ptr::eq(lend.cx.get().cast_const().cast::<()>(), (cx as *const Context<'_>).cast())
        && ptr::eq(lend.polling.get(), t.ptr()))
    .then_some(t)
}

/// A timed wait polled by a combinator that lends it a waker of its own (`FuturesUnordered`,
/// `join_all`, ...). Its task may be polled at the deadline without the combinator polling this
/// wait, so the wait cannot rely on the task's deadline: it puts itself on its scheduler's list of
/// foreign timers, and the scheduler wakes the combinator's waker when the deadline passes.
///
/// The list is intrusive (no heap): each timer is a node inside its pinned wait future. Sound
/// because (a) a node is linked only through `Pin<&Self>`, and `PhantomPinned` keeps its owner
/// from moving until dropped; (b) `Drop` unlinks it, and a pinned value is dropped before its
/// memory is reused; (c) the list and its nodes are touched only on the scheduler's thread: a node
/// is linked from a poll that found its scheduler running on this thread (`running_core`), and the
/// future that owns it is dropped by that scheduler or by the combinator inside its tasks.
pub(crate) struct ForeignTimer {
    deadline: Cell<u64>,
    waker: Cell<Option<Waker>>,
    next: Cell<*const ForeignTimer>,
    /// The core whose list holds this node; null while unlinked.
    core: Cell<*const Core>,
    _pinned: PhantomPinned,
}

impl ForeignTimer {
    pub(crate) const fn new() -> Self {
        ForeignTimer {
            deadline: Cell::new(0),
            waker: Cell::new(None),
            next: Cell::new(ptr::null()),
            core: Cell::new(ptr::null()),
            _pinned: PhantomPinned,
        }
    }

    /// The deadline (µs); its owner also keeps its own deadline here, linked or not.
    #[inline]
    pub(crate) fn deadline(&self) -> u64 {
        self.deadline.get()
    }

    #[inline]
    pub(crate) fn set_deadline(&self, us: u64) {
        self.deadline.set(us);
    }

    /// Puts this timer on `core`'s list (or updates it there): wake `w` at its deadline.
    pub(crate) fn arm(self: Pin<&Self>, core: &Core, w: &Waker) {
        let me = self.get_ref();
        let keep = me.waker.take().filter(|old| old.will_wake(w));
        me.waker.set(Some(keep.unwrap_or_else(|| w.clone())));
        if !me.core.get().is_null() && !ptr::eq(me.core.get(), core) {
            me.disarm(); // polled under another scheduler now: move to its list
        }
        if me.core.get().is_null() {
            // Appended, so that timers due together fire in the order they were armed.
            me.core.set(core);
            me.next.set(ptr::null());
            let mut at = core.foreign.get();
            // SAFETY: every node on the list is alive and pinned (see the type's docs).
            match unsafe { at.as_ref() } {
                None => core.foreign.set(me),
                Some(_) => loop {
                    // SAFETY: as above; `at` is a node of the list.
                    let node = unsafe { &*at };
                    if node.next.get().is_null() {
                        node.next.set(me);
                        break;
                    }
                    at = node.next.get();
                },
            }
            // From now on the run loop and `idle` fire and look at foreign timers too (a program
            // that never arms one links none of that code).
            core.timer_ops.set(Some(&crate::deadlines::TIMER_OPS_FOREIGN));
            core.tally.add();
        }
    }

    /// Takes this timer off its list, if it is on one.
    pub(crate) fn disarm(&self) {
        let core = self.core.replace(ptr::null());
        if core.is_null() {
            return;
        }
        // SAFETY: a linked node's core is a `'static` scheduler's (invariant 1).
        let core = unsafe { &*core };
        core.tally.sub();
        let me: *const ForeignTimer = self;
        if ptr::eq(core.foreign.get(), me) {
            core.foreign.set(self.next.get());
            return;
        }
        let mut at = core.foreign.get();
        // SAFETY: every node on the list is alive and pinned (see the type's docs).
        while let Some(node) = unsafe { at.as_ref() } {
            if ptr::eq(node.next.get(), me) {
                node.next.set(self.next.get());
                return;
            }
            at = node.next.get();
        }
        debug_assert!(false, "a linked foreign timer is not on its list");
    }
}

impl Drop for ForeignTimer {
    fn drop(&mut self) {
        self.disarm();
    }
}

impl Core {
    /// Wakes and unlinks every foreign timer due at `now`: the most overdue first, then in the
    /// order they were armed. (Reached through `deadlines::TIMER_OPS_FOREIGN`.)
    pub(crate) fn fire_foreign(&self, now: u64) {
        loop {
            let mut first: Option<&ForeignTimer> = None;
            let mut at = self.foreign.get();
            // SAFETY: every node on the list is alive and pinned (see `ForeignTimer`).
            while let Some(node) = unsafe { at.as_ref() } {
                if node.deadline.get() <= now && first.is_none_or(|f| node.deadline.get() < f.deadline.get())
                {
                    first = Some(node);
                }
                at = node.next.get();
            }
            let Some(node) = first else { return };
            // Unlinked before the wake, which may run any code (even drop other timers).
            let w = node.waker.take();
            node.disarm();
            if let Some(w) = w {
                w.wake();
            }
        }
    }

    /// The earliest foreign timer's deadline.
    pub(crate) fn next_foreign(&self) -> Option<u64> {
        let mut at = self.foreign.get();
        let mut min = None;
        // SAFETY: every node on the list is alive and pinned (see `ForeignTimer`).
        while let Some(node) = unsafe { at.as_ref() } {
            min = Some(min.map_or(node.deadline.get(), |m: u64| m.min(node.deadline.get())));
            at = node.next.get();
        }
        min
    }
}

/// A sleep's foreign timer, pinned as the sleep is.
pub(crate) fn sleep_timer(s: Pin<&crate::sleep::Sleep>) -> Pin<&ForeignTimer> {
    // SAFETY: `foreign` is a field of the pinned sleep, structurally pinned: `Sleep` is `!Unpin`
    // (the timer is `PhantomPinned`), never hands out `&mut` to it, and does not move it in `Drop`.
    unsafe { s.map_unchecked(|s| &s.foreign) }
}

/// The scheduler running on this thread, if one is (set by `run`).
pub(crate) fn running_core() -> Option<&'static Core> {
    let p = crate::sched_core::running();
    // SAFETY: `run` records its `'static` core here for exactly as long as it runs on this thread.
    unsafe { p.as_ref() }
}

// SAFETY: a `Sched` value can be moved, and so sent to another thread, only while nothing borrows
// it for `'static`. Everything that ties it to a thread or to types that need not be `Send` is
// stored through `&'static self`: the futures (`spawn`, `spawn_with`), the clock and the running
// thread (`run`), the idle hook, which need not be `Sync` (`set_idle_hook`). After that it never
// moves again, and `&Sched` stays on its thread (`Sched` is not `Sync`). Until then it holds only
// counters and settings, and no waker for it exists. This is what lets a `static`
// `ConstStaticCell<Sched<..>>` hand a scheduler to the thread that takes it.
unsafe impl<const N: usize, const SLOT: usize> Send for crate::sched::Sched<N, SLOT> {}

/// A `&'static [T]` given after construction, all zero bytes until then (see `Sched::new`): a
/// pointer and a length, so that reading an element costs one bounds check, as a slice's does
/// (an `Option<&[T]>` would add a test for `None` to every read).
///
/// The pointer is null until `set`, but read as `NonNull` only when `len > 0`, so the compiler
/// knows every element it hands out is non-null and tests nothing more.
pub(crate) struct StaticSlice<T: 'static> {
    ptr: Cell<*const T>,
    len: Cell<usize>,
}

impl<T: 'static> StaticSlice<T> {
    /// No elements.
    pub(crate) const fn empty() -> Self {
        StaticSlice { ptr: Cell::new(ptr::null()), len: Cell::new(0) }
    }

    /// From now on, `s`'s elements.
    pub(crate) fn set(&self, s: &'static [T]) {
        self.ptr.set(s.as_ptr());
        self.len.set(s.len());
    }

    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> Option<&'static T> {
        if i >= self.len.get() {
            return None;
        }
        // SAFETY: `ptr` and `len` come from one `&'static [T]` (only `set` writes them, both, on
        // this thread: the type is not `Sync`), and `len > 0`, so `ptr` is that slice's start,
        // not null.
        let start = unsafe { NonNull::new_unchecked(self.ptr.get().cast_mut()) };
        // SAFETY: `i < len`, so `start + i` is element `i` of that slice.
        let p = unsafe { start.add(i) };
        // SAFETY: `p` points at element `i` of that slice, alive for ever.
        Some(unsafe { p.as_ref() })
    }

    pub(crate) fn as_slice(&self) -> &'static [T] {
        if self.len.get() == 0 {
            return &[];
        }
        // SAFETY: as in `get`: `ptr` and `len` describe one `&'static [T]`, and `len > 0`.
        unsafe { core::slice::from_raw_parts(self.ptr.get(), self.len.get()) }
    }
}

/// A way to tell which execution context code runs in, given by a [`Clock`](crate::Clock) that
/// knows its platform (see [`Clock::context`](crate::Clock::context)).
///
/// Why: a standard [`Waker`] may be called from anywhere (another thread, an interrupt handler),
/// so by default a wake only pushes its task onto a lock-free stack that the scheduler empties
/// later: four atomic read-modify-writes per wake. Most wakes in a real program come from the
/// scheduler's own context (a task signalling another through an `embassy-sync` primitive or a
/// channel). When the clock can tell, such a wake queues its task directly, as usched's own
/// [`Signal`](crate::Signal) does.
///
/// The probe returns a number naming the context it is called in. The scheduler records it when
/// it first runs (its *home*), and a wake whose probe returns the home number is taken as one on
/// the scheduler's own context.
///
/// ```
/// use usched::ContextProbe;
/// // A single-threaded program without interrupt handlers has one context.
/// fn only_one() -> usize { 0 }
/// // SAFETY: in this program nothing ever runs alongside, or preempts, anything else.
/// let probe = unsafe { ContextProbe::new(only_one) };
/// assert_eq!(probe.current(), 0);
/// ```
#[derive(Clone, Copy)]
pub struct ContextProbe(fn() -> usize);

impl ContextProbe {
    /// A probe that calls `probe`.
    ///
    /// # Safety
    /// Whenever two calls of `probe` return the same number, the code that made one call can
    /// neither preempt nor run in parallel with the code that made the other: one sequential
    /// thread of execution. `probe` runs on every wake, from any thread or interrupt handler that
    /// calls a waker: it must be callable there, and must not panic. On a single-core Cortex-M without an RTOS, the active exception number
    /// (`IPSR`: 0 in thread mode) qualifies; on a host, a number unique to each OS thread does
    /// (provided no signal handler calls a waker).
    ///
    /// ```
    /// # fn one() -> usize { 0 }
    /// // SAFETY: a program with one thread and no handlers.
    /// let _ = unsafe { usched::ContextProbe::new(one) };
    /// ```
    // SAFETY: (for callers) the contract above; the scheduler relies on it in `raw::wake`.
    pub const unsafe fn new(probe: fn() -> usize) -> Self {
        ContextProbe(probe)
    }

    /// The number of the context this call runs in.
    ///
    /// ```
    /// # fn one() -> usize { 7 }
    /// # // SAFETY: a program with one thread and no handlers.
    /// let p = unsafe { usched::ContextProbe::new(one) };
    /// assert_eq!(p.current(), 7);
    /// ```
    #[inline]
    pub fn current(&self) -> usize {
        (self.0)()
    }

    /// A probe naming each OS thread by a number of its own (the address of a thread-local), for
    /// host clocks. Only with `std`.
    ///
    /// ```
    /// let p = usched::ContextProbe::thread();
    /// let here = p.current();
    /// assert_eq!(p.current(), here);
    /// assert_ne!(std::thread::spawn(move || p.current()).join().unwrap(), here);
    /// ```
    #[cfg(feature = "std")]
    pub fn thread() -> Self {
        fn this_thread() -> usize {
            std::thread_local!(static HERE: u8 = const { 0 });
            HERE.with(|h| ptr::from_ref(h) as usize)
        }
        // SAFETY: a thread-local's address is unique among live threads, and code on one OS thread
        // runs sequentially (a signal handler calling a waker is excluded by the contract, as the
        // docs say). A thread that has ended cannot run, so reuse of its address is harmless.
        unsafe { ContextProbe::new(this_thread) }
    }
}
