//! The smallest equivalent program on usched (for flash and RAM): two tasks that count and yield
//! for ever, on a clock that never moves.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m_rt::entry;
use static_cell::ConstStaticCell;
use usched::{yield_now, Sched};
use usched_bench_cortex_m::STILL;
static COUNT: AtomicU32 = AtomicU32::new(0);
// All zero bytes, so in .bss: nothing is built on the stack or copied at start-up.
static SCHED: ConstStaticCell<Sched<2, 16>> = ConstStaticCell::new(Sched::new());

async fn count() {
    loop {
        COUNT.fetch_add(1, Ordering::Relaxed);
        yield_now().await;
    }
}

#[entry]
fn main() -> ! {
    let s: &'static Sched<2, 16> = SCHED.take();
    let _ = s.spawn(count());
    let _ = s.spawn(count());
    s.run(&STILL);
    loop {
        cortex_m::asm::wfi();
    }
}
