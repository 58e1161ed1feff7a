#![no_std]
#![no_main]
use core::sync::atomic::AtomicBool;
use panic_halt as _;
use usched_drivers::Switch;
use usched_drivers_size::{note, sched, Pin, CLOCK};

static PIN: AtomicBool = AtomicBool::new(false);

#[cortex_m_rt::entry]
fn main() -> ! {
    let sched = sched();
    let sw: &'static Switch = cortex_m::singleton!(: Switch = Switch::new()).unwrap();
    let _ = sched.spawn(async move {
        let _ = sw.run(Pin(&PIN), &CLOCK, |_| note()).await;
    });
    sched.run(&CLOCK);
    loop {}
}
