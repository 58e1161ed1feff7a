#![no_std]
#![no_main]
use core::sync::atomic::AtomicBool;
use panic_halt as _;
use usched_drivers::{Lcd, LcdPins};
use usched_drivers_size::{sched, Pin, Spin, CLOCK};

static BUS: [AtomicBool; 6] = [const { AtomicBool::new(false) }; 6];

#[cortex_m_rt::entry]
fn main() -> ! {
    let sched = sched();
    let lcd: &'static Lcd<16, 2> = cortex_m::singleton!(: Lcd<16, 2> = Lcd::new()).unwrap();
    let _ = sched.spawn(async move {
        let [rs, e, d4, d5, d6, d7] = [0, 1, 2, 3, 4, 5].map(|i| Pin(&BUS[i]));
        let _ = lcd.run(LcdPins { rs, e, d4, d5, d6, d7 }, Spin).await;
    });
    let _ = lcd.set_row(0, "usched");
    sched.run(&CLOCK);
    loop {}
}
