//! Must fail: a task's assertion fails. The runner checks that QEMU exits non-zero.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use static_cell::ConstStaticCell;
use usched::Sched;
use usched_cortex_m_qemu::{run_tests, Test};

usched_cortex_m_qemu::panic_handler!();

fn a_task_panics(s: &'static Sched<1, 64>) {
    s.spawn(async { assert_eq!(1 + 1, 3, "deliberate") }).unwrap();
    s.run(&usched_cortex_m_qemu::SYSTICK);
}

// All zero bytes, so in `.bss`: nothing built on the stack or copied at start-up.
static SCHED: ConstStaticCell<Sched<1, 64>> = ConstStaticCell::new(Sched::new());

#[entry]
fn main() -> ! {
    let cp = cortex_m::Peripherals::take().unwrap();
    usched_cortex_m_qemu::start_systick(cp.SYST);
    let s = SCHED.take();
    run_tests(s, &[Test { name: "a_task_panics", run: a_task_panics }])
}
