//! The workloads on usched.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant as StdInstant;

use usched::{sleep_until, yield_now, Clock, ContextProbe, Instant, Sched, Signal, Wakeup};

use crate::common::{timer_table, Outcome};

/// The trivial clock of a bare-metal round-robin program: time stands still, idling returns.
pub struct StillClock;

impl Clock for StillClock {
    fn now(&self) -> Instant {
        Instant::ZERO
    }
    fn idle(&self, _until: Option<Instant>, _wake: &Wakeup) {}
    /// What usched's `StdClock` and the Cortex-M port's clocks give: wakes on the scheduler's own
    /// thread queue their task directly (built without `std`, so `ContextProbe::thread` is not
    /// there; this is the same probe).
    fn context(&self) -> Option<ContextProbe> {
        fn this_thread() -> usize {
            std::thread_local!(static HERE: u8 = const { 0 });
            HERE.with(|h| std::ptr::from_ref(h) as usize)
        }
        // SAFETY: a thread-local's address names one live OS thread, whose code runs sequentially
        // (no signal handler here calls a waker).
        Some(unsafe { ContextProbe::new(this_thread) })
    }
}

static STILL: StillClock = StillClock;

/// A virtual clock that jumps to the next deadline when idle (what `usched_sim::SimClock` does;
/// not used directly because usched-sim turns on usched's `std` feature for every variant).
pub struct JumpClock(AtomicU64);

impl Clock for JumpClock {
    fn now(&self) -> Instant {
        Instant::from_micros(self.0.load(Ordering::Relaxed))
    }
    fn idle(&self, until: Option<Instant>, _wake: &Wakeup) {
        if let Some(t) = until {
            self.0.fetch_max(t.as_micros(), Ordering::Relaxed);
        }
    }
}

static JUMP: JumpClock = JumpClock(AtomicU64::new(0));

fn leak<const N: usize, const S: usize>() -> &'static Sched<N, S> {
    Box::leak(Box::new(Sched::new()))
}

pub fn rr<const N: usize>(iters: u32) -> Outcome {
    let s = leak::<N, 32>();
    for _ in 0..N {
        s.spawn(async move {
            for _ in 0..iters {
                yield_now().await;
            }
        })
        .unwrap();
    }
    let t = StdInstant::now();
    s.run(&STILL);
    Outcome::new(N as u64 * u64::from(iters), t)
}

pub fn pingpong(iters: u32) -> Outcome {
    let s = leak::<2, 64>();
    let ping: &'static Signal = Box::leak(Box::new(Signal::new()));
    let pong: &'static Signal = Box::leak(Box::new(Signal::new()));
    s.spawn(async move {
        for _ in 0..iters {
            ping.signal();
            pong.wait().await;
        }
    })
    .unwrap();
    s.spawn(async move {
        for _ in 0..iters {
            ping.wait().await;
            pong.signal();
        }
    })
    .unwrap();
    let t = StdInstant::now();
    s.run(&STILL);
    Outcome::new(u64::from(iters), t)
}

/// Ping-pong through embassy-sync's `Signal`: every wake goes through the standard `Waker`.
pub fn pingpong_waker(iters: u32) -> Outcome {
    type WSig = embassy_sync::signal::Signal<embassy_sync::blocking_mutex::raw::NoopRawMutex, ()>;
    let s = leak::<2, 64>();
    let ping: &'static WSig = Box::leak(Box::new(WSig::new()));
    let pong: &'static WSig = Box::leak(Box::new(WSig::new()));
    s.spawn(async move {
        for _ in 0..iters {
            ping.signal(());
            pong.wait().await;
        }
    })
    .unwrap();
    s.spawn(async move {
        for _ in 0..iters {
            ping.wait().await;
            pong.signal(());
        }
    })
    .unwrap();
    let t = StdInstant::now();
    s.run(&STILL);
    Outcome::new(u64::from(iters), t)
}

pub fn timers<const N: usize>(rounds: u32, prep: u32) -> Outcome {
    let table = timer_table(N, prep);
    let s = leak::<N, 96>();
    for i in 0..N {
        s.spawn(async move {
            for r in 0..rounds as usize {
                sleep_until(Instant::from_micros(table[r * N + i])).await;
            }
        })
        .unwrap();
    }
    let t = StdInstant::now();
    s.run(&JUMP);
    Outcome::new(N as u64 * u64::from(rounds), t)
}

/// `rounds` rounds of `n` spawns of an empty task into a `Sched<n, 16>` (n = 1, 4 or 1000), each
/// round run to completion.
pub fn spawn(n: usize, rounds: u32, time_alone: bool) -> Outcome {
    match n {
        1 => spawn_in(leak::<1, 16>(), rounds, time_alone),
        4 => spawn_in(leak::<4, 16>(), rounds, time_alone),
        _ => spawn_in(leak::<1000, 16>(), rounds, time_alone),
    }
}

fn spawn_in<const N: usize>(s: &'static Sched<N, 16>, rounds: u32, time_alone: bool) -> Outcome {
    let mut spawn_ns = 0u64;
    let t = StdInstant::now();
    for _ in 0..rounds {
        let t0 = time_alone.then(StdInstant::now);
        for _ in 0..N {
            s.spawn(async {}).unwrap();
        }
        spawn_ns += t0.map_or(0, |t0| t0.elapsed().as_nanos() as u64);
        s.run(&STILL);
    }
    let ops = N as u64 * u64::from(rounds);
    Outcome::new(ops, t).with("spawn_only_ns", spawn_ns as f64 / ops as f64)
}

#[cfg(feature = "std")]
pub fn cross(iters: u32) -> Outcome {
    use crate::common::{cross_driver, record_cross, CrossSignal, Samples};
    let clock: &'static usched::StdClock = Box::leak(Box::new(usched::StdClock::new()));
    let s = leak::<1, 128>();
    let sig: &'static CrossSignal = Box::leak(Box::default());
    let samples = Samples::leak();
    let base = StdInstant::now();
    s.spawn(async move {
        for _ in 0..iters {
            sig.wait().await;
            record_cross(sig, samples, base);
        }
    })
    .unwrap();
    let other = cross_driver(sig, base, iters);
    s.run(clock);
    other.join().unwrap();
    samples.outcome(base, "ns")
}

#[cfg(feature = "std")]
pub fn lateness(tasks: usize, rounds: u32) -> Outcome {
    use crate::common::Samples;
    use std::time::Duration;
    let clock: &'static usched::StdClock = Box::leak(Box::new(usched::StdClock::new()));
    let s = leak::<16, 128>();
    let samples = Samples::leak();
    let start = StdInstant::now();
    for i in 0..tasks {
        s.spawn(async move {
            let mut next = clock.now() + Duration::from_micros(50 * i as u64);
            for _ in 0..rounds {
                next = next + Duration::from_millis(1);
                sleep_until(next).await;
                samples.push(clock.now().saturating_since(next).as_micros() as u64);
            }
        })
        .unwrap();
    }
    s.run(clock);
    samples.outcome(start, "us")
}

#[cfg(not(feature = "std"))]
pub fn cross(_: u32) -> Outcome {
    panic!("build with --features std")
}

#[cfg(not(feature = "std"))]
pub fn lateness(_: usize, _: u32) -> Outcome {
    panic!("build with --features std")
}

/// Bytes per task slot (without the future's own bytes) and the fixed part, for this build.
pub fn sizes() -> Vec<(String, f64)> {
    use std::mem::size_of;
    let one = size_of::<Sched<1, 64>>();
    let many = size_of::<Sched<1001, 64>>();
    let per = (many - one) as f64 / 1000.0 - 64.0;
    vec![
        ("usched bytes per task (excl. future)".into(), per),
        ("usched fixed bytes (excl. slots)".into(), one as f64 - 64.0 - per),
    ]
}
