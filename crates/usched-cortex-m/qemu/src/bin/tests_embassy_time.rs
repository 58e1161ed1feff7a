//! The on-target tests of `EmbassyTimeClock`, on a small embassy time driver of ours (the
//! SysTick clock's time at 1 MHz ticks; its alarm checked on each 1 ms tick).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use static_cell::ConstStaticCell;
use usched::Sched;
use usched_cortex_m::EmbassyTimeClock;
use usched_cortex_m_qemu::{run_tests, Test};

#[path = "../suite.rs"]
mod suite;
use suite::*;

usched_cortex_m_qemu::panic_handler!();

static CLOCK: EmbassyTimeClock = EmbassyTimeClock::new();

fn round_robin_order_embassy_time(s: S) {
    round_robin_order_on(s, &CLOCK);
}

fn sleep_lateness_embassy_time(s: S) {
    // The driver's alarm is checked on SysTick ticks: the SysTick bound applies.
    sleep_lateness(s, &CLOCK, SYSTICK_LATE_BOUND_US);
}

fn wfi_when_idle_embassy_time(s: S) {
    wfi_when_idle_on(s, &CLOCK, CLOCK.idler());
}

// All zero bytes, so in `.bss`: nothing built on the stack or copied at start-up.
static SCHED: ConstStaticCell<Sched<6, 256>> = ConstStaticCell::new(Sched::new());

#[entry]
fn main() -> ! {
    let cp = cortex_m::Peripherals::take().unwrap();
    usched_cortex_m_qemu::start_systick_with_driver(cp.SYST);
    let s: S = SCHED.take();
    run_tests(
        s,
        &[
            Test { name: "round_robin_order_embassy_time", run: round_robin_order_embassy_time },
            Test { name: "sleep_lateness_embassy_time", run: sleep_lateness_embassy_time },
            Test { name: "wfi_when_idle_embassy_time", run: wfi_when_idle_embassy_time },
        ],
    )
}
