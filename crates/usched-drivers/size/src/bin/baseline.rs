#![no_std]
#![no_main]
use panic_halt as _;
use usched_drivers_size::{note, sched, CLOCK};

#[cortex_m_rt::entry]
fn main() -> ! {
    let sched = sched();
    let _ = sched.spawn(async move {
        loop {
            note();
            usched::yield_now().await;
        }
    });
    sched.run(&CLOCK);
    loop {}
}
