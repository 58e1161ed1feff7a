//! Must fail: a task waits for an interrupt that never comes, so the run never ends. The runner
//! checks that `timeout` stops QEMU.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use usched::{IrqLine, Sched};
use usched_cortex_m_qemu::{run_tests, Test};

usched_cortex_m_qemu::panic_handler!();

static NEVER: IrqLine = IrqLine::new();

fn a_task_waits_for_ever(s: &'static Sched<1, 64>) {
    s.spawn(async {
        NEVER.wait().await;
    })
    .unwrap();
    s.run(&usched_cortex_m_qemu::SYSTICK);
}

#[entry]
fn main() -> ! {
    let cp = cortex_m::Peripherals::take().unwrap();
    usched_cortex_m_qemu::start_systick(cp.SYST);
    let s = cortex_m::singleton!(: Sched<1, 64> = Sched::new()).unwrap();
    run_tests(s, &[Test { name: "a_task_waits_for_ever", run: a_task_waits_for_ever }])
}
