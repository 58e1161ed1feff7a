//! The deadline heap: which timed wait is due first.
//!
//! # Why a heap, and why reached through a hook
//!
//! A pass must know whether a deadline has expired without looking at every sleeping task, and an
//! idle scheduler must know how long it may sleep. So the armed deadlines are kept in a binary
//! min-heap of slot indices, keyed by each slot's deadline and then by spawn serial (so equal
//! deadlines fire in spawn order): inserting and expiring cost O(log n), and a pass looks only at
//! the top. Every slot records its position in the heap, so a deadline that is no longer wanted
//! (its event came first, the task was paused or stopped) leaves in O(log n) instead of lingering.
//!
//! A program that never waits with a deadline needs none of it, yet the run loop, `idle` and the
//! state transitions are compiled into every program. So they reach it only through tables of
//! functions in the scheduler's core that are `None` until first use, as joins do
//! (`Core::join_hook`): the state transitions through [`HeapOps`] (`Core::heap_ops`), set by the
//! first timed wait that asks for a deadline (`TaskRef::request_deadline`, `wait.rs`); the run
//! loop and `idle` through [`TimerOps`] (`Core::timer_ops`), set by the first deadline to enter
//! the heap or the first timer armed inside a combinator; and the turn of a queued task that has
//! a deadline through `Core::dequeue_hook` (`state::dequeued`, also set by the first pause).
//! Where a table is `None` they behave as if no deadline were armed, and a program with no timed
//! wait links none of the heap.
//!
//! Because a wait future knows neither the scheduler's `N` nor its type, the heap is not generic:
//! its storage is one cell pair per slot in the scheduler ([`HeapCell`]), which the core holds
//! type-erased (a `StaticSlice`, set by `Core::init`), and the algorithm works on that slice.
//! The price is paid by programs that sleep: the heap's code is no longer specialised to each `N`
//! (a one-slot scheduler's heap used to fold away almost entirely) and each operation is one call
//! further away. The debug checks (`Sched::check`) read the heap directly, installed or not.
//!
//! # How
//!
//! Cell `i` holds two things that share only their index: `at`, the slot at heap position `i`
//! (meaningful for `i < len`), and `pos`, slot `i`'s position in the heap. A slot is in the heap
//! exactly when `pos < len` and the cell at `pos` names it back (a sparse set): so nothing is
//! reset when a slot leaves, and the all-zero cells of a new scheduler are an empty heap with no
//! set-up loop.

use core::cell::Cell;

use crate::header::Header;
use crate::raw::StaticSlice;
use crate::sched_core::Core;
use crate::state::State;

/// One per slot (see the module docs). All zero bytes when new.
pub(crate) struct HeapCell {
    /// The slot at this heap position.
    at: Cell<u16>,
    /// This slot's heap position (stale when the slot is not in the heap).
    pos: Cell<u16>,
}

impl HeapCell {
    pub(crate) const fn new() -> Self {
        HeapCell { at: Cell::new(0), pos: Cell::new(0) }
    }
}

/// The heap's cells as the core holds them. (How many are in use is `Core::heap_len`: a `u16`,
/// as slot indices are, beside another small field of the core, so that it costs no word.)
pub(crate) struct DeadlineHeap {
    cells: StaticSlice<HeapCell>,
}

/// What the scheduler does with deadlines, reached through `Core::heap_ops`, which the first
/// deadline asked for installs ([`HEAP_OPS`]). While it is `None` no deadline is armed.
pub(crate) struct HeapOps {
    /// Slot `idx`, whose state is now `s`, enters the heap (keyed by its header's deadline) if
    /// `s` puts it there (`State::in_heap`).
    pub(crate) enter: fn(&Core, usize, State),
    /// Slot `idx`, whose state was `s`, leaves the heap if `s` put it there.
    pub(crate) leave: fn(&Core, usize, State),
}

/// The deadline heap's operations: installed by `TaskRef::request_deadline`.
pub(crate) static HEAP_OPS: HeapOps = HeapOps { enter, leave };

/// What the run loop and `idle` ask about time, reached through `Core::timer_ops`: a program that
/// arms no timer makes one test where it would look at the heap and at the timers inside
/// combinators (`raw::ForeignTimer`). The first deadline to enter the heap installs
/// [`TIMER_OPS`], unless the first foreign timer installed [`TIMER_OPS_FOREIGN`] already, which
/// looks at both and replaces it.
pub(crate) struct TimerOps {
    /// Fires the timers inside combinators that are due at the given time (µs), then returns the
    /// heap's top slot if it is due too.
    pub(crate) due: fn(&Core, u64) -> Option<usize>,
    /// The earliest deadline (µs), in the heap or inside a combinator.
    pub(crate) next: fn(&Core) -> Option<u64>,
}

/// The heap alone.
pub(crate) static TIMER_OPS: TimerOps = TimerOps { due: heap_due, next: heap_next };

/// The heap and the timers inside combinators.
pub(crate) static TIMER_OPS_FOREIGN: TimerOps = TimerOps { due: all_due, next: all_next };

/// `TimerOps::due` for the heap alone.
fn heap_due(core: &Core, now: u64) -> Option<usize> {
    let top = first(core)?;
    core.headers().get(top).is_some_and(|h| h.deadline() <= now).then_some(top)
}

/// `TimerOps::next` for the heap alone.
fn heap_next(core: &Core) -> Option<u64> {
    first(core).and_then(|top| core.headers().get(top)).map(Header::deadline)
}

/// `TimerOps::due` with foreign timers: due ones wake their combinators, which queue their tasks.
fn all_due(core: &Core, now: u64) -> Option<usize> {
    core.fire_foreign(now);
    heap_due(core, now)
}

/// `TimerOps::next` with foreign timers.
fn all_next(core: &Core) -> Option<u64> {
    match (heap_next(core), core.next_foreign()) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `HeapOps::enter`.
fn enter(core: &Core, idx: usize, s: State) {
    update(core, idx, s, true);
}

/// `HeapOps::leave`.
fn leave(core: &Core, idx: usize, s: State) {
    update(core, idx, s, false);
}

/// Slot `idx`, whose state is now (`enter`) or was (not `enter`) `s`, enters or leaves the heap
/// if `s` puts it there. One body for both, so that a program has one copy of the sift loops
/// and the slices are taken once per operation.
#[inline(never)]
fn update(core: &Core, idx: usize, s: State, enter: bool) {
    if !s.in_heap() {
        return;
    }
    let view = View::of(core);
    let len = usize::from(core.heap_len.get());
    // The core first, so that nothing but the heap's slices is live during the sift.
    let (pos, hole, me, n) = if enter {
        if !view.has_room(idx, len) {
            debug_assert!(false, "deadline heap overflow: slot {idx} at {len}");
            return; // cannot happen: every slot is in the heap at most once
        }
        core.heap_len.set((len + 1) as u16);
        core.tally.add();
        // A task with a deadline may be queued: its turn takes `Sched::dequeued_slow`'s path.
        // And the run loop and `idle` look at the heap from now on.
        core.dequeue_hook.set(Some(crate::state::dequeued));
        if core.timer_ops.get().is_none() {
            core.timer_ops.set(Some(&TIMER_OPS));
        }
        // Into the hole after the last entry.
        (len, view.cells.get(len), idx as u16, len + 1)
    } else {
        let Some((pos, hole)) = view.find(idx, len) else { return };
        let n = len - 1; // `find` found it, so the heap is not empty
        core.heap_len.set(n as u16);
        core.tally.sub();
        if pos == n {
            return;
        }
        // The last entry fills the hole.
        (pos, Some(hole), view.at(n), n)
    };
    view.place(pos, hole, me, n);
}

/// The slot due first.
fn first(core: &Core) -> Option<usize> {
    if core.heap_len.get() == 0 {
        return None;
    }
    core.deadlines.cells.get(0).map(|c| usize::from(c.at.get()))
}

impl DeadlineHeap {
    /// Empty, and with no cells until [`init`](Self::init) (all zero bytes, see `Sched::new`).
    pub(crate) const fn new() -> Self {
        DeadlineHeap { cells: StaticSlice::empty() }
    }

    /// From now on, the scheduler's cells, one per slot (all zero: an empty heap). Once, by
    /// `Core::init`.
    pub(crate) fn init(&self, cells: &'static [HeapCell]) {
        self.cells.set(cells);
    }

    /// Slot `idx` is in a heap of `len` entries.
    #[cfg(any(test, debug_assertions))]
    pub(crate) fn contains(&self, idx: usize, len: usize) -> bool {
        let view = View { cells: self.cells.as_slice(), headers: &[] };
        view.position(idx, len).is_some()
    }

    /// Checks the order and positions of a heap of `len` entries (debug builds: `Sched::check`).
    #[cfg(any(test, debug_assertions))]
    pub(crate) fn check(&self, headers: &[Header], len: usize) {
        assert_eq!(headers.len(), self.cells.as_slice().len(), "one cell per header");
        let view = View::new(self.cells.as_slice(), headers);
        assert!(len <= view.cells.len(), "heap length {len} past its cells");
        for pos in 0..len {
            let idx = view.at(pos);
            assert_eq!(view.position(usize::from(idx), len), Some(pos), "heap position of slot {idx}");
            if pos > 0 {
                let parent = view.at((pos - 1) / 2);
                assert!(!view.before(idx, parent), "slot {idx} fires before its parent {parent}");
            }
        }
    }
}

/// The heap's cells and the headers that key them, as plain slices for the length of one
/// operation (the core's cells are re-read after every store otherwise), cut to one length: so
/// the compiler knows that a slot with a header has a cell, and checks each slot index once.
/// The sift loops hold the cell of the hole they move, not just its position, and the heap's
/// entries below it as a slice of their own: so the hole and the children need no check beyond
/// the loop's own test.
struct View<'a> {
    cells: &'a [HeapCell],
    headers: &'a [Header],
}

impl<'a> View<'a> {
    /// The core's heap.
    #[inline(always)]
    fn of(core: &'a Core) -> Self {
        Self::new(core.deadlines.cells.as_slice(), core.headers())
    }

    /// Both cut to the shorter's length (there is one of each per slot: the cut changes nothing).
    #[inline(always)]
    fn new(cells: &'a [HeapCell], headers: &'a [Header]) -> Self {
        let n = cells.len().min(headers.len());
        let (cells, _) = cells.split_at(n);
        let (headers, _) = headers.split_at(n);
        View { cells, headers }
    }

    /// The slot at heap position `pos`.
    #[inline(always)]
    fn at(&self, pos: usize) -> u16 {
        self.cells.get(pos).map_or(0, |c| c.at.get())
    }

    /// Slot `idx`'s position, if it is in a heap of `len` entries.
    #[inline(always)]
    fn position(&self, idx: usize, len: usize) -> Option<usize> {
        self.find(idx, len).map(|(p, _)| p)
    }

    /// Slot `idx`'s position and that position's cell, if it is in a heap of `len` entries.
    #[inline(always)]
    fn find(&self, idx: usize, len: usize) -> Option<(usize, &'a HeapCell)> {
        let p = usize::from(self.cells.get(idx)?.pos.get());
        let cell = self.cells.get(p)?;
        (p < len && usize::from(cell.at.get()) == idx).then_some((p, cell))
    }

    /// Slot `idx` may enter a heap of `n` entries (it always may).
    #[inline(always)]
    fn has_room(&self, idx: usize, n: usize) -> bool {
        debug_assert!(self.position(idx, n).is_none(), "slot {idx} is in the deadline heap already");
        n < self.cells.len() && idx < self.cells.len()
    }

    /// Puts slot `me` in the hole at position `pos` of a heap of `n` entries: up while it fires
    /// before its parent, else down while a child fires before it. `hole` is the cell of `pos`,
    /// as the caller found it (`None` cannot happen).
    #[inline(always)]
    fn place(&self, pos: usize, hole: Option<&'a HeapCell>, me: u16, n: usize) {
        let (Some(below), Some(hole)) = (self.cells.get(..n), hole) else { return };
        let (mut at, mut hole) = self.up(pos, hole, me);
        // Down only if it did not move up: what it displaced up there fires before everything
        // below, so after it too.
        if at == pos {
            (at, hole) = self.down(below, at, hole, me);
        }
        self.put(at, hole, me);
    }

    /// Puts slot `idx` in `hole`, the cell of heap position `pos`.
    #[inline(always)]
    fn put(&self, pos: usize, hole: &HeapCell, idx: u16) {
        hole.at.set(idx);
        if let Some(c) = self.cells.get(usize::from(idx)) {
            c.pos.set(pos as u16);
        }
    }

    /// Moves the hole at `pos` (its cell `hole`) up while slot `me` fires before the hole's
    /// parent; returns where the hole ends.
    #[inline(always)]
    fn up(&self, mut pos: usize, mut hole: &'a HeapCell, me: u16) -> (usize, &'a HeapCell) {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            let Some(pc) = self.cells.get(parent) else { break };
            let p = pc.at.get();
            if !self.before(me, p) {
                break;
            }
            self.put(pos, hole, p);
            (pos, hole) = (parent, pc);
        }
        (pos, hole)
    }

    /// Moves the hole at `pos` (its cell `hole`) down among the heap's entries `below` while a
    /// child fires before slot `me`; returns where the hole ends.
    #[inline(always)]
    fn down(
        &self,
        below: &'a [HeapCell],
        mut pos: usize,
        mut hole: &'a HeapCell,
        me: u16,
    ) -> (usize, &'a HeapCell) {
        loop {
            let l = 2 * pos + 1;
            let Some(lc) = below.get(l) else { break };
            let (mut c, mut cc) = (l, lc);
            if let Some(rc) = below.get(l + 1) {
                if self.before(rc.at.get(), lc.at.get()) {
                    (c, cc) = (l + 1, rc);
                }
            }
            let cv = cc.at.get();
            if !self.before(cv, me) {
                break;
            }
            self.put(pos, hole, cv);
            (pos, hole) = (c, cc);
        }
        (pos, hole)
    }

    /// Slot `a` fires before slot `b`: earlier deadline, then earlier spawn (so equal deadlines
    /// fire in spawn order).
    fn before(&self, a: u16, b: u16) -> bool {
        let (Some(a), Some(b)) = (self.headers.get(usize::from(a)), self.headers.get(usize::from(b))) else {
            return false;
        };
        (a.deadline(), a.serial()) < (b.deadline(), b.serial())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;

    /// A pseudo-random sequence (xorshift), so the test is repeatable.
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn slots_leave_in_deadline_then_serial_order_and_removals_keep_the_heap() {
        const N: usize = 64;
        let headers: &'static [Header] = std::boxed::Box::leak((0..N).map(|_| Header::empty()).collect());
        let cells: &'static [HeapCell] = std::boxed::Box::leak((0..N).map(|_| HeapCell::new()).collect());
        let (heap, len) = (DeadlineHeap::new(), Cell::new(0u16));
        heap.init(cells);
        let view = View::new(cells, headers);
        let mut seed = 0x2545_f491_4f6c_dd1d;
        for (i, h) in headers.iter().enumerate() {
            h.set_serial((N - i) as u64); // serial order is not slot order
        }
        let mut inside: Vec<usize> = Vec::new();
        for round in 0..4000 {
            let r = rng(&mut seed);
            let idx = (r % N as u64) as usize;
            let n = usize::from(len.get());
            // As `leave` and `enter` do.
            if let Some((pos, hole)) = view.find(idx, n) {
                len.set((n - 1) as u16);
                if pos != n - 1 {
                    view.place(pos, Some(hole), view.at(n - 1), n - 1);
                }
                inside.retain(|&i| i != idx);
            } else {
                headers[idx].set_deadline((r >> 8) % 16); // many equal deadlines
                assert!(view.has_room(idx, n), "round {round}");
                len.set((n + 1) as u16);
                view.place(n, view.cells.get(n), idx as u16, n + 1);
                inside.push(idx);
            }
            heap.check(headers, usize::from(len.get()));
            assert_eq!(usize::from(len.get()), inside.len(), "round {round}");
            for &i in &inside {
                assert!(heap.contains(i, inside.len()), "slot {i} lost in round {round}");
            }
            // The top is the earliest deadline, then the oldest serial.
            let want = inside.iter().copied().min_by_key(|&i| (headers[i].deadline(), headers[i].serial()));
            let top = (len.get() != 0).then(|| usize::from(view.at(0)));
            assert_eq!(top, want, "round {round}");
        }
    }
}
