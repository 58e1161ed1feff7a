//! # usched-cortex-m: usched on Cortex-M
//!
//! What a Cortex-M program needs to run the [`usched`] scheduler: a [`Clock`](usched::Clock) that
//! keeps 64-bit microsecond time on the chip's timers and sleeps in `WFI` when no task is ready,
//! without losing an interrupt that arrives as it goes to sleep.
//!
//! - [`SysTickClock`]: on SysTick, which every Cortex-M core has (M0/M0+ included). A periodic
//!   tick: sleeps end within one tick period of their deadline.
//! - [`CmsdkClock`]: tickless: time on a free-running ARM CMSDK APB timer (MPS2/MPS3 boards and
//!   QEMU's models of them), SysTick as a one-shot alarm, so sleeps end within microseconds of
//!   their deadline and the core is not woken between deadlines.
//! - [`StillClock`]: no timer at all: time stands at zero and idling sleeps in `WFI` until an
//!   interrupt, for programs whose waits all end by an interrupt or another task (the benchmark
//!   programs run on it).
//! - `EmbassyTimeClock` (feature `embassy-time-driver`): on whatever embassy time driver the
//!   program links, so usched runs on every chip that has one.
//! - [`Idler`]: the `WFI` sequence all of them use, for writing a clock on another chip's timer. Its
//!   module docs show why no wake is lost.
//!
//! Interrupt handlers wake tasks with what the core already offers, all callable from a handler:
//! `usched::IrqLine::signal` (usched's `sampling` feature: counted, ranked first), or any `Waker` (an
//! embassy-sync `Signal` a task awaits, say). usched's own [`Signal`](usched::Signal) is for
//! tasks of one scheduler: it is neither `Send` nor `Sync`, so no handler can reach it.
//!
//! On a single core without an RTOS, one `unsafe` promise,
//! [`Idler::assume_single_core`](Idler::assume_single_core), lets every clock tell usched which
//! wakes come from the scheduler's own context (`IPSR`): a task that wakes another through a
//! `Waker` then queues it without atomic operations. Without the promise every wake takes usched's
//! lock-free wake stack, which is sound anywhere, dual-core chips and RTOS threads included.
//!
//! ```no_run
//! use core::time::Duration;
//! use cortex_m_rt::{entry, exception};
//! use static_cell::ConstStaticCell;
//! use usched::{IrqLine, IrqResult, Sched};
//! use usched_cortex_m::SysTickClock;
//!
//! static CLOCK: SysTickClock = SysTickClock::new(48_000_000, 1_000);
//! static BUTTON: IrqLine = IrqLine::new();
//! // A Sched is not Sync; it is all zero bytes, so this static sits in `.bss`.
//! static SCHED: ConstStaticCell<Sched<4, 256>> = ConstStaticCell::new(Sched::new());
//!
//! #[exception]
//! fn SysTick() {
//!     CLOCK.on_interrupt();
//! }
//!
//! // In the chip's GPIO interrupt handler (through its PAC's `#[interrupt]`): `BUTTON.signal();`
//!
//! #[entry]
//! fn main() -> ! {
//!     let cp = cortex_m::Peripherals::take().unwrap();
//!     CLOCK.start(cp.SYST);
//!     let sched: &'static Sched<4, 256> = SCHED.take();
//!     sched.spawn(async {
//!         loop {
//!             if let IrqResult::Irq(presses) = BUTTON.wait_timeout(Duration::from_secs(5)).await {
//!                 let _ = presses; // presses since the last time round
//!             }
//!         }
//!     }).ok();
//!     sched.run(&CLOCK);
//!     loop {}
//! }
//! ```
//!
//! ## Cortex-M0/M0+ (`thumbv6m`)
//!
//! These cores have no atomic read-modify-write. This crate only loads and stores atomics and keeps
//! everything else in critical sections; usched's atomics need a fallback, which the program
//! chooses: usched's `critical-section-atomics` feature (one of its defaults) runs them in
//! critical sections, and the program links one critical-section implementation, usually
//! `cortex-m`'s `critical-section-single-core` feature (the QEMU programs' and the Pico's choice).
//! Without a fallback, a `thumbv6m` build stops with portable-atomic's message asking for one.
//!
//! ## Dependencies, and why
//!
//! - `usched`: the scheduler this crate ports (no default features: the program picks them).
//! - `cortex-m`: the core's registers (SysTick, the SCB's pending bit, PRIMASK) and `WFI`.
//! - `embassy-time-driver` (optional): the interface embassy's chip crates implement; the adapter
//!   reads time and sets alarms through it and nothing else.
//! - `defmt` (optional): `Format` for [`ConfigError`] and [`CmsdkTimer`], and (through usched's
//!   `defmt` feature) for usched's results, errors, ids, states and statistics, for programs that
//!   log with defmt.
//! - `critical-section`: the time-keeping counts are read and written with interrupts masked, on any
//!   core, through the implementation the program chose.
//!
//! ## Safety
//!
//! `unsafe` appears where hardware demands it: unmasking interrupts after our own `CPSID`, the
//! CMSDK timers' registers (their address is the caller's promise, [`CmsdkTimer::at`]), and
//! reading `IPSR` for the context probe every clock hands usched (`context.rs` says why that
//! probe is sound: single core, no RTOS).
#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]

#[allow(unsafe_code)]
mod cmsdk;
#[allow(unsafe_code)]
mod context;
#[cfg(feature = "embassy-time-driver")]
mod embassy;
#[allow(unsafe_code)]
mod idle;
mod still;
mod systick;

pub use cmsdk::{CmsdkClock, CmsdkTimer};
#[cfg(feature = "embassy-time-driver")]
pub use embassy::EmbassyTimeClock;
pub use idle::Idler;
pub use still::StillClock;
pub use systick::SysTickClock;

/// Why a clock cannot be built for the given frequency and period.
///
/// ```
/// use usched_cortex_m::{ConfigError, SysTickClock};
/// assert_eq!(SysTickClock::try_new(12_345_678, 1_000).err(), Some(ConfigError::NotWholeMhz));
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConfigError {
    /// The counter's clock is not a whole number of MHz (microsecond time would drift).
    NotWholeMhz,
    /// The period is zero, or longer than the counter can count (SysTick: 2^24 cycles).
    PeriodOutOfRange,
}
