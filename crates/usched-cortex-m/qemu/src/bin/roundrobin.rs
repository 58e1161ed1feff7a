//! roundrobin on a Cortex-M4 (QEMU mps2-an386): three tasks take turns with `yield_now()`.
//!
//! Each turn prints the task's name, works 100 ms (a busy loop on the clock, to the next 100 ms
//! boundary), and yields; the red
//! LED is a heartbeat (a timer, so it cuts in between turns when due). Stops after 5 s. The trace
//! is compared with `golden/roundrobin.txt`.
#![no_std]
#![no_main]

use core::time::Duration;

use cortex_m_rt::entry;
use static_cell::ConstStaticCell;
use usched::{heartbeat, sleep, yield_now, Clock, Sched};
use usched_cortex_m_qemu::{exit, log, Led, SYSTICK};

usched_cortex_m_qemu::panic_handler!();

async fn robin(name: &'static str) {
    loop {
        log(format_args!("{}", name));
        // Work until the next 100 ms boundary: a grid, so the trace does not drift with the cost of
        // a switch (which would make the golden file depend on the core's speed).
        let end = (SYSTICK.now().as_micros() / 100_000 + 1) * 100_000;
        while SYSTICK.now().as_micros() < end {}
        yield_now().await;
    }
}

// All zero bytes, so in `.bss`: nothing built on the stack or copied at start-up.
static SCHED: ConstStaticCell<Sched<5, 128>> = ConstStaticCell::new(Sched::new());

#[entry]
fn main() -> ! {
    let cp = cortex_m::Peripherals::take().unwrap();
    usched_cortex_m_qemu::start_systick(cp.SYST);
    let s: &'static Sched<5, 128> = SCHED.take();
    s.spawn(heartbeat(Led("red"), Duration::from_millis(200))).unwrap();
    s.spawn(robin("Thread 1")).unwrap();
    s.spawn(robin("Thread 2")).unwrap();
    s.spawn(robin("Thread 3")).unwrap();
    s.spawn(async move {
        sleep(Duration::from_secs(5)).await;
        log(format_args!("stop"));
        s.stop_all();
    })
    .unwrap();
    s.run(&SYSTICK);
    exit(true)
}
