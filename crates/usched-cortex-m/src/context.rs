//! Which execution context a wake runs in: thread mode or which exception handler.
//!
//! Why: a waker may be called from an interrupt handler, so by default usched queues a woken task
//! through a lock-free stack (atomic read-modify-writes, then taken by the run loop). Most wakes,
//! though, come from a task on the scheduler's own context, signalling another through an
//! `embassy-sync` primitive or a channel. Every clock of this crate hands usched a
//! [`ContextProbe`] that reads `IPSR`, the active exception number (0 in thread mode), so such a
//! wake queues its task directly: on Cortex-M4, 60 instructions less per round trip through an
//! `embassy-sync` `Signal` (373 to 313; `BENCHMARKS.md`).
//!
//! The number is a sound probe on a single-core Cortex-M without an RTOS: code in thread mode is
//! one sequential thread, and a handler is never preempted by its own exception. A program that
//! runs an RTOS with several thread-mode threads must not use this crate's clocks as they are.

use usched::ContextProbe;

/// The active exception number: 0 in thread mode.
#[inline]
fn exception_number() -> usize {
    let ipsr: u32;
    #[cfg(target_arch = "arm")]
    // SAFETY: `MRS` of IPSR reads a register and has no other effect.
    unsafe {
        core::arch::asm!("mrs {}, IPSR", out(reg) ipsr, options(nomem, nostack, preserves_flags));
    }
    #[cfg(not(target_arch = "arm"))]
    {
        ipsr = 0; // host builds (docs, lints): one context
    }
    (ipsr & 0x1ff) as usize
}

/// The probe every clock of this crate returns from `Clock::context`.
// SAFETY: two equal exception numbers name the same handler, which never preempts itself, or
// thread mode, one sequential thread on a single core without an RTOS (see the module docs).
pub(crate) const EXCEPTION: ContextProbe = unsafe { ContextProbe::new(exception_number) };
