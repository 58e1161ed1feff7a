//! Must fail: a task executes an undefined instruction (HardFault). QEMU must exit non-zero.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use usched::Sched;
use usched_cortex_m_qemu::{run_tests, Test};

usched_cortex_m_qemu::panic_handler!();

fn a_task_faults(s: &'static Sched<1, 64>) {
    s.spawn(async { cortex_m::asm::udf() }).unwrap();
    s.run(&usched_cortex_m_qemu::SYSTICK);
}

#[entry]
fn main() -> ! {
    let cp = cortex_m::Peripherals::take().unwrap();
    usched_cortex_m_qemu::start_systick(cp.SYST);
    let s = cortex_m::singleton!(: Sched<1, 64> = Sched::new()).unwrap();
    run_tests(s, &[Test { name: "a_task_faults", run: a_task_faults }])
}
