//! Which execution context a wake runs in: thread mode or which exception handler.
//!
//! Why: a waker may be called from an interrupt handler, so by default usched queues a woken task
//! through a lock-free stack (atomic read-modify-writes, then taken by the run loop). Most wakes,
//! though, come from a task on the scheduler's own context, signalling another through an
//! `embassy-sync` primitive or a channel. Once a program promises that it runs on one core without
//! an RTOS ([`Idler::assume_single_core`](crate::Idler::assume_single_core), `unsafe`), every clock
//! of this crate hands usched a [`ContextProbe`] that reads `IPSR`, the active exception number (0
//! in thread mode), and such a wake queues its task directly: on Cortex-M4, about 60 instructions
//! less per round trip through an `embassy-sync` `Signal` (`BENCHMARKS.md`).
//!
//! Why it needs the promise: the number is a sound probe only where thread mode is one sequential
//! thread and a handler is never preempted by its own exception, that is on a single core without
//! an RTOS. On a dual-core chip (the RP2040) both cores' thread modes read 0, and so do an RTOS's
//! threads: a wake from there would be taken for the scheduler's own and race with its run loop.
//! Nothing in this crate can tell those cases apart, so the program says which one it is.

use usched::ContextProbe;

/// The active exception number: 0 in thread mode.
#[cfg(target_arch = "arm")]
#[inline]
fn exception_number() -> usize {
    let ipsr: u32;
    // SAFETY: `MRS` of IPSR reads a register and has no other effect.
    unsafe {
        core::arch::asm!("mrs {}, IPSR", out(reg) ipsr, options(nomem, nostack, preserves_flags));
    }
    (ipsr & 0x1ff) as usize
}

/// The probe the clocks of this crate return once the program promised a single core without an
/// RTOS; none on other architectures (host builds for docs and lints).
#[cfg(target_arch = "arm")]
// SAFETY: two equal exception numbers name the same handler, which never preempts itself, or
// thread mode; `Idler::assume_single_core`'s contract makes thread mode one sequential thread on
// one core. The probe only reads a register: callable from any context, and it never panics.
pub(crate) const EXCEPTION: Option<ContextProbe> = Some(unsafe { ContextProbe::new(exception_number) });

#[cfg(not(target_arch = "arm"))]
pub(crate) const EXCEPTION: Option<ContextProbe> = None;
