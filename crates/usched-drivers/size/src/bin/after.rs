#![no_std]
#![no_main]
use core::time::Duration;
use panic_halt as _;
use usched_drivers::after;
use usched_drivers_size::{note, sched, CLOCK};

#[cortex_m_rt::entry]
fn main() -> ! {
    let sched = sched();
    if let Ok(h) = after(sched, &CLOCK, Duration::from_millis(100), note) {
        if !h.pending() {
            h.cancel();
        }
    }
    sched.run(&CLOCK);
    loop {}
}
