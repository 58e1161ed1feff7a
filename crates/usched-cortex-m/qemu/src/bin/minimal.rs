//! The smallest useful program, for the size golden files: one task sleeping on the SysTick clock.
//! Prints one line and exits; no formatting machinery (a silent panic handler).
#![no_std]
#![no_main]

use core::time::Duration;

use cortex_m_rt::entry;
use static_cell::ConstStaticCell;
use usched::{sleep, Sched};
use usched_cortex_m_qemu::{exit, hprintln, SYSTICK};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit(false)
}

// All zero bytes, so in `.bss`: nothing built on the stack or copied at start-up.
static SCHED: ConstStaticCell<Sched<1, 64>> = ConstStaticCell::new(Sched::new());

#[entry]
fn main() -> ! {
    let cp = cortex_m::Peripherals::take().unwrap_or_else(|| exit(false));
    usched_cortex_m_qemu::start_systick(cp.SYST);
    let s = SCHED.take();
    let spawned = s.spawn(async {
        sleep(Duration::from_millis(10)).await;
        hprintln!("minimal: slept 10 ms");
    });
    if spawned.is_err() {
        exit(false);
    }
    s.run(&SYSTICK);
    exit(true)
}
