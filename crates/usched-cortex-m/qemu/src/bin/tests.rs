//! The on-target test suite on the SysTick clock (1 ms tick), on both QEMU boards.
//!
//! Exact assertions on order and counts; timing against stated bounds only. QEMU runs with
//! `-icount shift=6,sleep=off`: time is instruction counts, idle time is skipped, and a run is
//! deterministic.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use static_cell::ConstStaticCell;
use usched::Sched;
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
    usched_cortex_m_qemu::start_systick(cp.SYST);
    // The suite runs with the single-core promise, so task-to-task wakes take the direct path;
    // the tickless and embassy-time suites run without it (every wake through the wake stack).
    // SAFETY: both QEMU boards model one core, and no RTOS runs.
    unsafe { usched_cortex_m_qemu::SYSTICK.idler().assume_single_core() };
    let s: S = SCHED.take();
    run_tests(
        s,
        &[
            Test { name: "round_robin_order", run: round_robin_order },
            Test { name: "spawn_from_task", run: spawn_from_task },
            Test { name: "pause_resume_stop_from_another_task", run: pause_resume_stop_from_another_task },
            Test {
                name: "irq_line_counts_pends_before_the_waiter_runs",
                run: irq_line_counts_pends_before_the_waiter_runs,
            },
            Test { name: "sleep_lateness_systick", run: sleep_lateness_systick },
            Test { name: "wfi_when_idle_systick", run: wfi_when_idle_systick },
            Test { name: "irq_in_idle_race_window_systick", run: irq_in_idle_race_window_systick },
            Test {
                name: "embassy_signal_from_interrupt_handler",
                run: embassy_signal_from_interrupt_handler,
            },
            Test { name: "pollers_idle_for_the_poll_interval", run: pollers_idle_for_the_poll_interval },
            Test { name: "clock_monotonic_in_interrupt_handler", run: clock_monotonic_in_interrupt_handler },
            Test {
                name: "waker_wakes_in_thread_mode_and_from_a_handler",
                run: waker_wakes_in_thread_mode_and_from_a_handler,
            },
            Test {
                name: "still_clock_sleeps_until_an_interrupt",
                run: still_clock_sleeps_until_an_interrupt,
            },
        ],
    )
}
