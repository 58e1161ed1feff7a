//! embassy's bookkeeping per task in a program that sleeps: built with `--features
//! embassy-timers`, which links embassy-time-queue-utils, the timer queue every embassy-time
//! driver uses. That crate asks embassy-executor for a six-word timer item in every task header,
//! so this is what `#[embassy_executor::task]` costs a program that awaits a `Timer`. usched keeps
//! its deadlines in its slots whether a program sleeps or not, so its figure does not change.
#![no_std]
#![no_main]

use core::future::Future;

use cortex_m_rt::entry;
use usched_bench_cortex_m::{exit, Yield};

// Linked for its effect on the task header only.
use embassy_time_queue_utils as _;

#[entry]
fn main() -> ! {
    fn header<F: Future + 'static>(_: &F) -> usize {
        core::mem::size_of::<embassy_executor::raw::TaskStorage<F>>() - core::mem::size_of::<F>()
    }
    let f = async {
        let x = 0u32;
        Yield(false).await;
        core::hint::black_box(x);
    };
    cortex_m_semihosting::hprintln!("size_timers per_task={}", header(&f));
    exit()
}
