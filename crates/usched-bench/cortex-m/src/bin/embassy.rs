//! embassy-executor (platform-cortex-m thread-mode executor) on Cortex-M4: round-robin and
//! ping-pong, timed by the CMSDK timer.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicUsize, Ordering};

use embassy_executor::Spawner;
use embassy_sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use embassy_sync::signal::Signal;
use static_cell::StaticCell;
use usched_bench_cortex_m::{calibrate, embassy_bytes_per_task, exit, report, ticks, timer_start, Yield};

static LEFT: AtomicUsize = AtomicUsize::new(0);
static DONE: Signal<CriticalSectionRawMutex, ()> = Signal::new();

fn finished() {
    if LEFT.fetch_sub(1, Ordering::Relaxed) == 1 {
        DONE.signal(());
    }
}

#[embassy_executor::task(pool_size = 100)]
async fn rr_task(iters: u32) {
    for _ in 0..iters {
        Yield(false).await;
    }
    finished();
}

type Sig = Signal<NoopRawMutex, ()>;

#[embassy_executor::task]
async fn ping(sig: &'static [Sig; 2], iters: u32) {
    for _ in 0..iters {
        sig[0].signal(());
        sig[1].wait().await;
    }
    finished();
}

#[embassy_executor::task]
async fn pong(sig: &'static [Sig; 2], iters: u32) {
    for _ in 0..iters {
        sig[0].wait().await;
        sig[1].signal(());
    }
    finished();
}

async fn rr(sp: Spawner, n: usize, iters: u32) -> (u32, u32) {
    let t0 = ticks();
    LEFT.store(n, Ordering::Relaxed);
    for _ in 0..n {
        sp.spawn(rr_task(iters).unwrap());
    }
    DONE.wait().await;
    (n as u32 * iters, ticks() - t0)
}

async fn pingpong(sp: Spawner, sig: &'static [Sig; 2], iters: u32) -> (u32, u32) {
    let t0 = ticks();
    LEFT.store(2, Ordering::Relaxed);
    sp.spawn(ping(sig, iters).unwrap());
    sp.spawn(pong(sig, iters).unwrap());
    DONE.wait().await;
    (iters, ticks() - t0)
}

static SIGS: StaticCell<[Sig; 2]> = StaticCell::new();

#[embassy_executor::main]
async fn main(sp: Spawner) {
    timer_start();
    calibrate();
    let fixed = core::mem::size_of::<embassy_executor::raw::Executor>();
    cortex_m_semihosting::hprintln!("size per_task={} fixed={}", embassy_bytes_per_task(), fixed);
    // One round of each workload before it is measured, as the usched program does (which needs
    // it: a scheduler sets itself up on first use). embassy sets up nothing on a pool's first use,
    // so this only keeps the two programs alike.
    rr(sp, 1, 1).await;
    report("rr", 1, rr(sp, 1, 1000).await, rr(sp, 1, 2000).await);
    rr(sp, 10, 1).await;
    report("rr", 10, rr(sp, 10, 100).await, rr(sp, 10, 200).await);
    rr(sp, 100, 1).await;
    report("rr", 100, rr(sp, 100, 10).await, rr(sp, 100, 20).await);
    let sig = SIGS.init([Signal::new(), Signal::new()]);
    pingpong(sp, sig, 1).await;
    report("pingpong", 2, pingpong(sp, sig, 1000).await, pingpong(sp, sig, 2000).await);
    exit()
}
