//! embassy's bookkeeping per task in a program that sleeps: built with `--features
//! embassy-timers`, which links embassy-time-queue-utils, the timer queue the embassy HALs' time
//! drivers use. That crate asks embassy-executor for a six-word timer item in every task header,
//! so this is what `#[embassy_executor::task]` costs a program that awaits a `Timer`. usched keeps
//! its deadlines in its slots whether a program sleeps or not, so its figure does not change.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use usched_bench_cortex_m::{embassy_bytes_per_task, exit};

// Linked for its effect on the task header only.
use embassy_time_queue_utils as _;

#[entry]
fn main() -> ! {
    cortex_m_semihosting::hprintln!("size_timers per_task={}", embassy_bytes_per_task());
    exit()
}
