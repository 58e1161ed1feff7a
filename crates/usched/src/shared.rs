//! Cells that a wait future may touch from any thread without undefined behaviour.
//!
//! A wait future reaches its task's bookkeeping through the waker in its `Context`, and a borrowed
//! waker can be used to build a `Context` on another thread (a scoped thread started inside a
//! poll). Everything a wait future writes therefore lives in these cells: relaxed atomic loads
//! and stores, which compile to the same plain moves as a `Cell` on every target we build for, so
//! the fast path pays nothing for the guarantee. A value written from two threads at once may be
//! wrong (that program is wrong anyway), but never undefined.

use portable_atomic::{AtomicPtr, AtomicU32, AtomicU8, Ordering::Relaxed};

pub(crate) struct SharedU8(AtomicU8);

impl SharedU8 {
    pub(crate) const fn new(v: u8) -> Self {
        SharedU8(AtomicU8::new(v))
    }
    #[inline(always)]
    pub(crate) fn get(&self) -> u8 {
        self.0.load(Relaxed)
    }
    #[inline(always)]
    pub(crate) fn set(&self, v: u8) {
        self.0.store(v, Relaxed)
    }
}

#[cfg(feature = "stats")]
pub(crate) struct SharedU32(AtomicU32);

#[cfg(feature = "stats")]
impl SharedU32 {
    pub(crate) const fn new(v: u32) -> Self {
        SharedU32(AtomicU32::new(v))
    }
    #[inline(always)]
    pub(crate) fn get(&self) -> u32 {
        self.0.load(Relaxed)
    }
    #[inline(always)]
    pub(crate) fn set(&self, v: u32) {
        self.0.store(v, Relaxed)
    }
}

/// Two 32-bit halves: no 64-bit atomics needed (Cortex-M has none).
pub(crate) struct SharedU64 {
    lo: AtomicU32,
    hi: AtomicU32,
}

impl SharedU64 {
    pub(crate) const fn new(v: u64) -> Self {
        SharedU64 { lo: AtomicU32::new(v as u32), hi: AtomicU32::new((v >> 32) as u32) }
    }
    #[inline(always)]
    pub(crate) fn get(&self) -> u64 {
        u64::from(self.lo.load(Relaxed)) | (u64::from(self.hi.load(Relaxed)) << 32)
    }
    #[inline(always)]
    pub(crate) fn set(&self, v: u64) {
        self.lo.store(v as u32, Relaxed);
        self.hi.store((v >> 32) as u32, Relaxed);
    }
    #[inline(always)]
    pub(crate) fn replace(&self, v: u64) -> u64 {
        let old = self.get();
        self.set(v);
        old
    }
}

pub(crate) struct SharedPtr<T>(AtomicPtr<T>);

impl<T> SharedPtr<T> {
    pub(crate) const fn null() -> Self {
        SharedPtr(AtomicPtr::new(core::ptr::null_mut()))
    }
    #[inline(always)]
    pub(crate) fn get(&self) -> *const T {
        self.0.load(Relaxed).cast_const()
    }
    #[inline(always)]
    pub(crate) fn set(&self, p: *const T) {
        self.0.store(p.cast_mut(), Relaxed)
    }
}
