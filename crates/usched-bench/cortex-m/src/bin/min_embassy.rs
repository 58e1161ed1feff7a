//! The smallest equivalent program on embassy-executor: two tasks that count and yield for ever.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use embassy_executor::Spawner;
use usched_bench_cortex_m::Yield;

static COUNT: AtomicU32 = AtomicU32::new(0);

#[embassy_executor::task(pool_size = 2)]
async fn count() {
    loop {
        COUNT.fetch_add(1, Ordering::Relaxed);
        Yield(false).await;
    }
}

#[embassy_executor::main]
async fn main(sp: Spawner) {
    sp.spawn(count().unwrap());
    sp.spawn(count().unwrap());
}
