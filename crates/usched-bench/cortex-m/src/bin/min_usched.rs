//! The smallest equivalent program on usched (for flash and RAM): two tasks that count and yield
//! for ever, on a clock that never moves.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m_rt::entry;
use usched::{yield_now, Sched};
use usched_bench_cortex_m::STILL;
static COUNT: AtomicU32 = AtomicU32::new(0);

async fn count() {
    loop {
        COUNT.fetch_add(1, Ordering::Relaxed);
        yield_now().await;
    }
}

#[entry]
fn main() -> ! {
    let s = cortex_m::singleton!(: Sched<2, 16> = Sched::new()).unwrap();
    let _ = s.spawn(count());
    let _ = s.spawn(count());
    s.run(&STILL);
    loop {
        cortex_m::asm::wfi();
    }
}
