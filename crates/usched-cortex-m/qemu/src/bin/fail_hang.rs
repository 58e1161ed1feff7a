//! Must fail: a task waits for an interrupt that never comes, so the run never ends. The runner
//! checks that `timeout` stops QEMU.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use static_cell::ConstStaticCell;
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

// All zero bytes, so in `.bss`: nothing built on the stack or copied at start-up.
static SCHED: ConstStaticCell<Sched<1, 64>> = ConstStaticCell::new(Sched::new());

#[entry]
fn main() -> ! {
    let cp = cortex_m::Peripherals::take().unwrap();
    usched_cortex_m_qemu::start_systick(cp.SYST);
    let s = SCHED.take();
    run_tests(s, &[Test { name: "a_task_waits_for_ever", run: a_task_waits_for_ever }])
}
