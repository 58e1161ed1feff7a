#![no_std]
#![no_main]
use core::time::Duration;
use panic_halt as _;
use usched_drivers::Delay;
use usched_drivers_size::{note, sched, Ticks, CLOCK};

static WATCHDOG: Delay<Ticks> = Delay::new(&CLOCK);

#[cortex_m_rt::entry]
fn main() -> ! {
    let sched = sched();
    WATCHDOG.trigger(Duration::from_millis(100)); // what an interrupt handler would do
    let _ = sched.spawn(async move {
        let _ = WATCHDOG.run(note).await;
    });
    sched.run(&CLOCK);
    loop {}
}
