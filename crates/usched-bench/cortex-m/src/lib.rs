//! Shared by the Cortex-M benchmark programs: the timer they measure with, calibration, output,
//! exit. The timer and the usched programs' clock are the port's (`usched-cortex-m`).
#![no_std]

use core::arch::asm;

use usched_cortex_m::{CmsdkTimer, StillClock};

/// CMSDK APB timer 0 of the mps2 boards (QEMU models it; it does not model DWT's cycle counter).
// SAFETY: 0x4000_0000 is TIMER0's register block on mps2-an386; only `timer_start` and `ticks`
// use it, and no clock of these programs does.
static TIMER0: CmsdkTimer = unsafe { CmsdkTimer::at(0x4000_0000) };

/// Starts timer 0 counting down from `u32::MAX`.
pub fn timer_start() {
    TIMER0.start_free_running();
}

/// Ticks since `timer_start` (the timer counts down).
#[inline(always)]
pub fn ticks() -> u32 {
    TIMER0.elapsed()
}

/// Ticks for `n` iterations of a two-instruction loop.
#[inline(never)]
fn spin(n: u32) -> u32 {
    let t0 = ticks();
    // SAFETY: a register-only countdown loop.
    unsafe { asm!("1:", "subs {0}, #1", "bne 1b", inout(reg) n => _, options(nomem, nostack)) };
    ticks() - t0
}

/// Prints how many timer ticks one instruction takes: `calib ticks=.. instrs=..`.
pub fn calibrate() {
    let (a, b) = (spin(100_000), spin(200_000));
    cortex_m_semihosting::hprintln!("calib ticks={} instrs={}", b - a, 200_000u32);
}

/// Prints one measurement: `ops` more operations took `ticks` more timer ticks.
pub fn report(name: &str, n: usize, (ops1, t1): (u32, u32), (ops2, t2): (u32, u32)) {
    cortex_m_semihosting::hprintln!("{} n={} ops={} ticks={}", name, n, ops2 - ops1, t2 - t1);
}

/// Ends the QEMU run.
pub fn exit() -> ! {
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_SUCCESS);
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

/// The one clock the usched programs run on: the port's, whose time stands still (the workloads
/// have no deadlines) and which idles in `WFI` like the port's other clocks.
pub static STILL: StillClock = StillClock::new();

/// The usual yield for embassy (what `embassy_futures::yield_now` does): wake, then pend once.
pub struct Yield(pub bool);

impl core::future::Future for Yield {
    type Output = ();
    #[inline]
    fn poll(mut self: core::pin::Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> core::task::Poll<()> {
        if self.0 {
            return core::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        core::task::Poll::Pending
    }
}
