//! The workloads on embassy-executor's raw `Executor`, with an atomic-flag pender.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::Thread;
use std::time::Instant as StdInstant;

use embassy_executor::raw::{Executor, TaskStorage};
use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::signal::Signal;

use crate::common::{timer_table, wake_yield, Outcome};

/// The executor's context: a flag the pender sets, and a thread to unpark when it idles.
pub struct Pend {
    flag: AtomicBool,
    thread: Option<Thread>,
}

// SAFETY: embassy-executor declares `__pender(*mut ())` and calls it by that name; this is the
// only definition in the binary, with that signature.
#[unsafe(export_name = "__pender")]
fn pender(context: *mut ()) {
    // SAFETY: every executor here is created by `executor()` below with a leaked `Pend`.
    let p = unsafe { &*(context as *const Pend) };
    p.flag.store(true, Ordering::Release);
    if let Some(t) = &p.thread {
        t.unpark();
    }
}

static DONE: AtomicU32 = AtomicU32::new(0);

fn executor(park: bool) -> (&'static Executor, &'static Pend) {
    let thread = park.then(std::thread::current);
    let p: &'static Pend = Box::leak(Box::new(Pend { flag: AtomicBool::new(false), thread }));
    let ex: &'static Executor = Box::leak(Box::new(Executor::new(p as *const Pend as *mut ())));
    (ex, p)
}

/// Polls while the executor is pended (the usual thread-mode loop, minus the sleep).
fn drain(ex: &'static Executor, p: &Pend) {
    while p.flag.swap(false, Ordering::Acquire) {
        // SAFETY: `poll` is only ever called from this thread, never re-entrantly.
        unsafe { ex.poll() };
    }
}

#[embassy_executor::task(pool_size = 1000)]
async fn rr_task(iters: u32) {
    for _ in 0..iters {
        wake_yield().await;
    }
}

pub fn rr(n: usize, iters: u32) -> Outcome {
    let (ex, p) = executor(false);
    let sp = ex.spawner();
    for _ in 0..n {
        sp.spawn(rr_task(iters).unwrap());
    }
    let t = StdInstant::now();
    drain(ex, p);
    Outcome::new(n as u64 * u64::from(iters), t)
}

type Sig = Signal<NoopRawMutex, ()>;

#[embassy_executor::task]
async fn ping_task(ping: &'static Sig, pong: &'static Sig, iters: u32) {
    for _ in 0..iters {
        ping.signal(());
        pong.wait().await;
    }
}

#[embassy_executor::task]
async fn pong_task(ping: &'static Sig, pong: &'static Sig, iters: u32) {
    for _ in 0..iters {
        ping.wait().await;
        pong.signal(());
    }
}

pub fn pingpong(iters: u32) -> Outcome {
    let (ex, p) = executor(false);
    let ping: &'static Sig = Box::leak(Box::new(Signal::new()));
    let pong: &'static Sig = Box::leak(Box::new(Signal::new()));
    ex.spawner().spawn(ping_task(ping, pong, iters).unwrap());
    ex.spawner().spawn(pong_task(ping, pong, iters).unwrap());
    let t = StdInstant::now();
    drain(ex, p);
    Outcome::new(u64::from(iters), t)
}

#[embassy_executor::task(pool_size = 10000)]
async fn timer_task(i: usize, n: usize, rounds: u32, table: &'static [u64]) {
    for r in 0..rounds as usize {
        embassy_time::Timer::at(embassy_time::Instant::from_ticks(table[r * n + i])).await;
    }
    DONE.fetch_add(1, Ordering::Relaxed);
}

/// Timers on embassy-time's mock driver (1 MHz ticks), which keeps embassy's integrated timer
/// queue (the one every embassy-time driver uses unless a `generic-queue-*` feature is chosen).
/// Deadlines are consecutive ticks, so advancing one tick per step expires exactly one timer.
pub fn timers(n: usize, rounds: u32, prep: u32) -> Outcome {
    let table = timer_table(n, prep);
    let (ex, p) = executor(false);
    for i in 0..n {
        ex.spawner().spawn(timer_task(i, n, rounds, table).unwrap());
    }
    let drv = embassy_time::MockDriver::get();
    let t = StdInstant::now();
    drain(ex, p);
    while DONE.load(Ordering::Relaxed) != n as u32 {
        drv.advance(embassy_time::Duration::from_ticks(1));
        drain(ex, p);
    }
    Outcome::new(n as u64 * u64::from(rounds), t)
}

#[embassy_executor::task(pool_size = 1000)]
async fn nop_task() {}

#[embassy_executor::task(pool_size = 4)]
async fn nop_task4() {}

#[embassy_executor::task]
async fn nop_task1() {}

/// `rounds` rounds of `n` spawns of an empty task through `#[task(pool_size = n)]` (n = 1, 4
/// or 1000), each round run to completion.
pub fn spawn(n: usize, rounds: u32, time_alone: bool) -> Outcome {
    let (ex, p) = executor(false);
    let sp = ex.spawner();
    spawn_rounds(n, rounds, time_alone, p, ex, || match n {
        1 => sp.spawn(nop_task1().unwrap()),
        4 => sp.spawn(nop_task4().unwrap()),
        _ => sp.spawn(nop_task().unwrap()),
    })
}

/// The same through one `TaskStorage` (no pool, no macro): what a program with one instance of a
/// task gets, and embassy's cheapest spawn.
pub fn spawn_storage(rounds: u32, time_alone: bool) -> Outcome {
    static STORAGE: TaskStorage<core::future::Ready<()>> = TaskStorage::new();
    let (ex, p) = executor(false);
    let sp = ex.spawner();
    spawn_rounds(1, rounds, time_alone, p, ex, || {
        sp.spawn(STORAGE.spawn(|| core::future::ready(())).unwrap())
    })
}

fn spawn_rounds(
    n: usize,
    rounds: u32,
    time_alone: bool,
    p: &Pend,
    ex: &'static Executor,
    mut one: impl FnMut(),
) -> Outcome {
    let mut spawn_ns = 0u64;
    let t = StdInstant::now();
    for _ in 0..rounds {
        let t0 = time_alone.then(StdInstant::now);
        for _ in 0..n {
            one();
        }
        spawn_ns += t0.map_or(0, |t0| t0.elapsed().as_nanos() as u64);
        drain(ex, p);
    }
    let ops = n as u64 * u64::from(rounds);
    Outcome::new(ops, t).with("spawn_only_ns", spawn_ns as f64 / ops as f64)
}

#[embassy_executor::task]
async fn cross_task(
    sig: &'static crate::common::CrossSignal,
    samples: &'static crate::common::Samples,
    base: StdInstant,
    iters: u32,
) {
    for _ in 0..iters {
        sig.wait().await;
        crate::common::record_cross(sig, samples, base);
    }
    DONE.fetch_add(1, Ordering::Relaxed);
}

/// Wake from another thread: the executor thread parks when not pended (like platform-std's
/// executor, with park/unpark instead of a mutex and condvar).
pub fn cross(iters: u32) -> Outcome {
    use crate::common::{cross_driver, CrossSignal, Samples};
    let (ex, p) = executor(true);
    let sig: &'static CrossSignal = Box::leak(Box::default());
    let samples = Samples::leak();
    let base = StdInstant::now();
    ex.spawner().spawn(cross_task(sig, samples, base, iters).unwrap());
    let other = cross_driver(sig, base, iters);
    loop {
        drain(ex, p);
        if DONE.load(Ordering::Relaxed) == 1 {
            break;
        }
        std::thread::park();
    }
    other.join().unwrap();
    samples.outcome(base, "ns")
}

/// Per-task header (`TaskStorage<F>` minus `F`) and the executor itself.
pub fn sizes() -> Vec<(String, f64)> {
    fn header<F: std::future::Future + 'static>(_: &F) -> usize {
        std::mem::size_of::<embassy_executor::raw::TaskStorage<F>>() - std::mem::size_of::<F>()
    }
    let fut = async {
        let x = [0u64; 8];
        wake_yield().await;
        std::hint::black_box(x);
    };
    vec![
        ("embassy bytes per task (TaskStorage header)".into(), header(&fut) as f64),
        ("embassy fixed bytes (raw::Executor)".into(), std::mem::size_of::<Executor>() as f64),
    ]
}
