//! The on-target tests of the tickless clock (CMSDK TIMER0 for time, SysTick as the alarm),
//! on mps2-an386 (the micro:bit has no CMSDK timer: there this program runs no test).
//!
//! QEMU runs with `-icount shift=6,sleep=on`: instructions are counted as in `tests`, but idle time
//! passes in host time. (With `sleep=off`, QEMU 7.2 wakes a `WFI` on a timer armed while idle one
//! timer period late: every one-shot sleep would end twice as late as asked. SysTick's periodic tick
//! in `tests` is unaffected.) The lateness bound therefore includes host timer jitter.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use static_cell::ConstStaticCell;
use usched::Sched;
#[allow(unused_imports)] // no test on the micro:bit
use usched_cortex_m_qemu::{run_tests, Test};

#[path = "../suite.rs"]
mod suite;
use suite::*;

usched_cortex_m_qemu::panic_handler!();

// All zero bytes, so in `.bss`: nothing built on the stack or copied at start-up.
static SCHED: ConstStaticCell<Sched<6, 256>> = ConstStaticCell::new(Sched::new());

#[entry]
fn main() -> ! {
    let cp = cortex_m::Peripherals::take().unwrap();
    #[cfg(board = "mps2")]
    usched_cortex_m_qemu::start_cmsdk(cp.SYST);
    #[cfg(not(board = "mps2"))]
    drop(cp);
    let s: S = SCHED.take();
    run_tests(
        s,
        &[
            #[cfg(board = "mps2")]
            Test { name: "sleep_lateness_cmsdk_tickless", run: sleep_lateness_cmsdk_tickless },
            #[cfg(board = "mps2")]
            Test { name: "wfi_when_idle_cmsdk_tickless", run: wfi_when_idle_cmsdk_tickless },
            #[cfg(board = "mps2")]
            Test {
                name: "irq_in_idle_race_window_cmsdk_tickless",
                run: irq_in_idle_race_window_cmsdk_tickless,
            },
        ],
    )
}
