#![no_std]
#![no_main]
use core::sync::atomic::AtomicBool;
use panic_halt as _;
use usched_drivers::{Pushbutton, PushbuttonConfig};
use usched_drivers_size::{note, sched, Pin, CLOCK};

static PIN: AtomicBool = AtomicBool::new(false);

#[cortex_m_rt::entry]
fn main() -> ! {
    let sched = sched();
    let pb: &'static Pushbutton =
        cortex_m::singleton!(: Pushbutton = Pushbutton::new(PushbuttonConfig { suppress: true, ..PushbuttonConfig::DEFAULT })).unwrap();
    let _ = sched.spawn(async move {
        let _ = pb.run(Pin(&PIN), &CLOCK, |_| note()).await;
    });
    sched.run(&CLOCK);
    loop {}
}
