//! The workloads on tokio's current-thread runtime with a `LocalSet`.

use std::rc::Rc;
use std::time::{Duration, Instant as StdInstant};

use tokio::runtime::{Builder, Runtime};
use tokio::sync::Notify;
use tokio::task::LocalSet;

use crate::common::{timer_table, Outcome};

fn rt() -> Runtime {
    Builder::new_current_thread().enable_time().build().unwrap()
}

pub fn rr(n: usize, iters: u32) -> Outcome {
    let rt = rt();
    let local = LocalSet::new();
    for _ in 0..n {
        local.spawn_local(async move {
            for _ in 0..iters {
                tokio::task::yield_now().await;
            }
        });
    }
    let t = StdInstant::now();
    rt.block_on(local);
    Outcome::new(n as u64 * u64::from(iters), t)
}

pub fn pingpong(iters: u32) -> Outcome {
    let rt = rt();
    let local = LocalSet::new();
    let ping = Rc::new(Notify::new());
    let pong = Rc::new(Notify::new());
    let (a, b) = (ping.clone(), pong.clone());
    local.spawn_local(async move {
        for _ in 0..iters {
            a.notify_one();
            b.notified().await;
        }
    });
    local.spawn_local(async move {
        for _ in 0..iters {
            ping.notified().await;
            pong.notify_one();
        }
    });
    let t = StdInstant::now();
    rt.block_on(local);
    Outcome::new(u64::from(iters), t)
}

/// Timers on tokio's paused (virtual) clock, which auto-advances to the next timer when idle.
/// Tokio's wheel has 1 ms resolution, so the deadlines are milliseconds here.
pub fn timers(n: usize, rounds: u32, prep: u32) -> Outcome {
    let table = timer_table(n, prep);
    let rt = Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    let local = LocalSet::new();
    let t = StdInstant::now();
    rt.block_on(local.run_until(async move {
        let base = tokio::time::Instant::now();
        for i in 0..n {
            tokio::task::spawn_local(async move {
                for r in 0..rounds as usize {
                    tokio::time::sleep_until(base + Duration::from_millis(table[r * n + i])).await;
                }
            });
        }
    }));
    rt.block_on(local);
    Outcome::new(n as u64 * u64::from(rounds), t)
}

pub fn spawn(rounds: u32) -> Outcome {
    let rt = rt();
    let mut local = LocalSet::new();
    let mut spawn_ns = 0u64;
    let t = StdInstant::now();
    for _ in 0..rounds {
        let t0 = StdInstant::now();
        for _ in 0..1000 {
            local.spawn_local(async {});
        }
        spawn_ns += t0.elapsed().as_nanos() as u64;
        rt.block_on(&mut local);
    }
    let ops = 1000 * u64::from(rounds);
    Outcome::new(ops, t).with("spawn_only_ns", spawn_ns as f64 / ops as f64)
}

pub fn cross(iters: u32) -> Outcome {
    use crate::common::{cross_driver, record_cross, CrossSignal, Samples};
    let rt = rt();
    let local = LocalSet::new();
    let sig: &'static CrossSignal = Box::leak(Box::default());
    let samples = Samples::leak();
    let base = StdInstant::now();
    local.spawn_local(async move {
        for _ in 0..iters {
            sig.wait().await;
            record_cross(sig, samples, base);
        }
    });
    let other = cross_driver(sig, base, iters);
    rt.block_on(local);
    other.join().unwrap();
    samples.outcome(base, "ns")
}

pub fn lateness(tasks: usize, rounds: u32) -> Outcome {
    use crate::common::Samples;
    let rt = rt();
    let local = LocalSet::new();
    let samples = Samples::leak();
    let start = StdInstant::now();
    for i in 0..tasks {
        local.spawn_local(async move {
            let mut next = tokio::time::Instant::now() + Duration::from_micros(50 * i as u64);
            for _ in 0..rounds {
                next += Duration::from_millis(1);
                tokio::time::sleep_until(next).await;
                samples.push(tokio::time::Instant::now().saturating_duration_since(next).as_micros() as u64);
            }
        });
    }
    rt.block_on(local);
    samples.outcome(start, "us")
}
