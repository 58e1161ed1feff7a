//! The workloads on futures' `LocalPool`.

use std::rc::Rc;
use std::time::Instant as StdInstant;

use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;

use crate::common::{wake_yield, LocalSignal, Outcome};

pub fn rr(n: usize, iters: u32) -> Outcome {
    let mut pool = LocalPool::new();
    let sp = pool.spawner();
    for _ in 0..n {
        sp.spawn_local(async move {
            for _ in 0..iters {
                wake_yield().await;
            }
        })
        .unwrap();
    }
    let t = StdInstant::now();
    pool.run();
    Outcome::new(n as u64 * u64::from(iters), t)
}

/// Ping-pong with `LocalSignal` (a `Cell<bool>` and a stored `Waker`).
pub fn pingpong(iters: u32) -> Outcome {
    let mut pool = LocalPool::new();
    let sp = pool.spawner();
    let ping = Rc::new(LocalSignal::default());
    let pong = Rc::new(LocalSignal::default());
    let (a, b) = (ping.clone(), pong.clone());
    sp.spawn_local(async move {
        for _ in 0..iters {
            a.signal();
            b.wait().await;
        }
    })
    .unwrap();
    sp.spawn_local(async move {
        for _ in 0..iters {
            ping.wait().await;
            pong.signal();
        }
    })
    .unwrap();
    let t = StdInstant::now();
    pool.run();
    Outcome::new(u64::from(iters), t)
}

pub fn spawn(rounds: u32) -> Outcome {
    let mut pool = LocalPool::new();
    let sp = pool.spawner();
    let mut spawn_ns = 0u64;
    let t = StdInstant::now();
    for _ in 0..rounds {
        let t0 = StdInstant::now();
        for _ in 0..1000 {
            sp.spawn_local(async {}).unwrap();
        }
        spawn_ns += t0.elapsed().as_nanos() as u64;
        pool.run();
    }
    let ops = 1000 * u64::from(rounds);
    Outcome::new(ops, t).with("spawn_only_ns", spawn_ns as f64 / ops as f64)
}

pub fn cross(iters: u32) -> Outcome {
    use crate::common::{cross_driver, record_cross, CrossSignal, Samples};
    let mut pool = LocalPool::new();
    let sig: &'static CrossSignal = Box::leak(Box::default());
    let samples = Samples::leak();
    let base = StdInstant::now();
    pool.spawner()
        .spawn_local(async move {
            for _ in 0..iters {
                sig.wait().await;
                record_cross(sig, samples, base);
            }
        })
        .unwrap();
    let other = cross_driver(sig, base, iters);
    pool.run();
    other.join().unwrap();
    samples.outcome(base, "ns")
}
