//! A slot's bookkeeping: what the scheduler knows about the task in it without touching its future.
//!
//! Headers sit in one array inside the scheduler, right after its [`Core`](crate::sched_core::Core),
//! so that a waker, which carries only a header's address, can find the core by arithmetic (see
//! `raw.rs`). Most fields are plain cells that only the scheduler's own thread touches. The fields
//! a wait future or a waker may touch from elsewhere are atomics (`shared.rs` explains why).
//!
//! 24 bytes per slot on Cortex-M (32 on x86_64), plus 16 with the `stats` feature.

use core::cell::Cell;

use portable_atomic::{AtomicU16, AtomicU8};

use crate::raw::SlotVtable;
use crate::shared::SharedU8;
use crate::state::State;

/// The most slots a scheduler may have (slot indices are `u16`, and `u16::MAX` means "none").
pub(crate) const MAX_SLOTS: usize = 1 << 14;

/// Serials are 48-bit: at a million spawns a second they last nine years, at a thousand 8,900.
pub(crate) const SERIAL_MASK: u64 = (1 << 48) - 1;

#[repr(C)]
pub(crate) struct Header {
    /// The armed deadline (µs), meaningful while the `T` flag is set. Two halves, so the header
    /// needs only 4-byte alignment on 32-bit targets.
    deadline_lo: Cell<u32>,
    deadline_hi: Cell<u32>,
    /// The live future's vtable; `None` when the slot is free.
    pub(crate) vtable: SlotVtable,
    /// The spawn serial of the task in the slot: unique among every task any scheduler in the
    /// program has spawned, so it orders ties (older first) and makes [`TaskId`](crate::TaskId)s
    /// name one task of one scheduler for ever.
    serial_lo: Cell<u32>,
    serial_hi: Cell<u16>,
    /// This slot's index; written once before any waker exists.
    pub(crate) idx: Cell<u16>,
    /// The next slot (index + 1, 0 for none) on the wake stack, while `wake` is set (`wakes.rs`).
    pub(crate) wake_next: AtomicU16,
    /// Set by a waker from anywhere; cleared by the scheduler when it takes the wake.
    pub(crate) wake: AtomicU8,
    /// The task's state (`state.rs`); written by the scheduler, and by wait futures during a poll.
    state: SharedU8,
    #[cfg(feature = "stats")]
    pub(crate) stats: crate::stats::StatCells,
}

impl Header {
    pub(crate) const fn empty() -> Header {
        Header {
            deadline_lo: Cell::new(0),
            deadline_hi: Cell::new(0),
            vtable: SlotVtable::empty(),
            serial_lo: Cell::new(0),
            serial_hi: Cell::new(0),
            idx: Cell::new(0),
            wake_next: AtomicU16::new(0),
            wake: AtomicU8::new(0),
            state: SharedU8::new(State::EMPTY.bits()),
            #[cfg(feature = "stats")]
            stats: crate::stats::StatCells::new(),
        }
    }

    #[inline(always)]
    pub(crate) fn state(&self) -> State {
        State::from_bits(self.state.get())
    }

    #[inline(always)]
    pub(crate) fn set_state(&self, s: State) {
        self.state.set(s.bits())
    }

    #[inline]
    pub(crate) fn deadline(&self) -> u64 {
        u64::from(self.deadline_lo.get()) | (u64::from(self.deadline_hi.get()) << 32)
    }

    #[inline]
    pub(crate) fn set_deadline(&self, us: u64) {
        self.deadline_lo.set(us as u32);
        self.deadline_hi.set((us >> 32) as u32);
    }

    #[inline]
    pub(crate) fn serial(&self) -> u64 {
        u64::from(self.serial_lo.get()) | (u64::from(self.serial_hi.get()) << 32)
    }

    pub(crate) fn set_serial(&self, serial: u64) {
        self.serial_lo.set(serial as u32);
        self.serial_hi.set((serial >> 32) as u16);
    }

    /// True while the slot holds a task's future (also while it is being dropped).
    #[inline]
    pub(crate) fn occupied(&self) -> bool {
        self.vtable.occupied()
    }
}
