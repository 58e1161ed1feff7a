//! ledflash on a Cortex-M4 (QEMU mps2-an386): the original's first demo on the SysTick clock.
//!
//! Four LEDs toggle every 0.2 s, 0.7 s, 1.2 s and 1.7 s; a fifth task stops everything after 10 s.
//! Each toggle is a relative sleep (the original's `yield 0.2`), so with a 1 ms tick each period
//! ends on the first tick after it: the trace drifts by a millisecond a toggle, as the original's
//! did by its scheduling latency. The trace is compared with `golden/ledflash.txt`.
#![no_std]
#![no_main]

use core::time::Duration;

use cortex_m_rt::entry;
use embedded_hal::digital::OutputPin;
use static_cell::ConstStaticCell;
use usched::{sleep, Sched};
use usched_cortex_m_qemu::{exit, log, Led, SYSTICK};

usched_cortex_m_qemu::panic_handler!();

const LEDS: [&str; 4] = ["red", "green", "yellow", "blue"];

async fn toggle(mut led: Led, period: Duration) {
    loop {
        sleep(period).await;
        let _ = led.set_high();
        sleep(period).await;
        let _ = led.set_low();
    }
}

// All zero bytes, so in `.bss`: nothing built on the stack or copied at start-up.
static SCHED: ConstStaticCell<Sched<5, 128>> = ConstStaticCell::new(Sched::new());

#[entry]
fn main() -> ! {
    let cp = cortex_m::Peripherals::take().unwrap();
    usched_cortex_m_qemu::start_systick(cp.SYST);
    let s: &'static Sched<5, 128> = SCHED.take();
    for (x, name) in LEDS.into_iter().enumerate() {
        s.spawn(toggle(Led(name), Duration::from_millis(200 + 500 * x as u64))).unwrap();
    }
    s.spawn(async move {
        sleep(Duration::from_secs(10)).await;
        log(format_args!("stop"));
        s.stop_all();
    })
    .unwrap();
    s.run(&SYSTICK);
    exit(true)
}
