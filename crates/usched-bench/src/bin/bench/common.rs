//! Pieces shared by every executor's workloads: a plain yield, a local signal, a cross-thread
//! signal, timer tables, and what a run reports.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// What one run measured: `ops` operations in `ns` nanoseconds (wall clock), plus extras.
pub struct Outcome {
    pub ops: u64,
    pub ns: u64,
    pub extra: Vec<(&'static str, f64)>,
}

impl Outcome {
    pub fn new(ops: u64, start: Instant) -> Self {
        Outcome { ops, ns: start.elapsed().as_nanos() as u64, extra: Vec::new() }
    }

    pub fn with(mut self, key: &'static str, v: f64) -> Self {
        self.extra.push((key, v));
        self
    }
}

/// The usual executor-agnostic yield: wake yourself, return `Pending` once.
pub struct WakeYield(bool);

pub fn wake_yield() -> WakeYield {
    WakeYield(false)
}

impl Future for WakeYield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A single-threaded signal built from a flag and a stored `Waker` (used with futures' LocalPool,
/// which has no signal of its own).
#[derive(Default)]
pub struct LocalSignal {
    set: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

impl LocalSignal {
    pub fn signal(&self) {
        self.set.set(true);
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }

    pub fn wait(&self) -> LocalWait<'_> {
        LocalWait(self)
    }
}

pub struct LocalWait<'a>(&'a LocalSignal);

impl Future for LocalWait<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.set.replace(false) {
            return Poll::Ready(());
        }
        let w = match self.0.waker.take() {
            Some(w) if w.will_wake(cx.waker()) => w,
            _ => cx.waker().clone(),
        };
        self.0.waker.set(Some(w));
        Poll::Pending
    }
}

/// A signal set from another OS thread: the same primitive for every executor, so the
/// measured difference is the executor's wake-from-elsewhere path (waker + unpark).
#[derive(Default)]
pub struct CrossSignal {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
    /// When the other thread fired (ns since `BASE`).
    pub fired_at: AtomicU64,
    /// Set by the waiting task once it has run; the other thread waits for it.
    pub ack: AtomicBool,
}

impl CrossSignal {
    pub fn fire(&self, base: Instant) {
        self.fired_at.store(base.elapsed().as_nanos() as u64, Ordering::Relaxed);
        self.set.store(true, Ordering::Release);
        if let Some(w) = self.waker.lock().unwrap().take() {
            w.wake();
        }
    }

    pub fn wait(&self) -> CrossWait<'_> {
        CrossWait(self)
    }
}

pub struct CrossWait<'a>(&'a CrossSignal);

impl Future for CrossWait<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.set.swap(false, Ordering::Acquire) {
            return Poll::Ready(());
        }
        *self.0.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.0.set.swap(false, Ordering::Acquire) {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// The other thread of the cross-thread wake test: fires `iters` times, each time after the
/// scheduler has had time to go idle, and waits for the task's acknowledgement.
pub fn cross_driver(sig: &'static CrossSignal, base: Instant, iters: u32) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for _ in 0..iters {
            std::thread::sleep(std::time::Duration::from_micros(200));
            sig.fire(base);
            while !sig.ack.swap(false, Ordering::Acquire) {
                std::thread::yield_now();
            }
        }
    })
}

/// Latency samples (ns) collected by the waiting task.
pub struct Samples(pub Mutex<Vec<u64>>);

impl Samples {
    pub fn leak() -> &'static Samples {
        Box::leak(Box::new(Samples(Mutex::new(Vec::new()))))
    }

    pub fn push(&self, v: u64) {
        self.0.lock().unwrap().push(v);
    }

    /// Adds p50 and p99 (in the unit pushed) to an outcome.
    pub fn outcome(&self, start: Instant, unit: &'static str) -> Outcome {
        let mut v = self.0.lock().unwrap().clone();
        v.sort_unstable();
        let q = |p: f64| v.get(((v.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0) as f64;
        let (p50, p99) = (q(0.5), q(0.99));
        let o = Outcome::new(v.len() as u64, start);
        match unit {
            "us" => o.with("p50_us", p50).with("p99_us", p99),
            _ => o.with("p50_ns", p50).with("p99_ns", p99),
        }
    }
}

/// The record of a cross-thread wake: the task stores how long the wake took, then acknowledges.
pub fn record_cross(sig: &CrossSignal, samples: &Samples, base: Instant) {
    let now = base.elapsed().as_nanos() as u64;
    samples.push(now.saturating_sub(sig.fired_at.load(Ordering::Relaxed)));
    sig.ack.store(true, Ordering::Release);
}

/// Deadlines (µs, from 1) for the timer test: `rounds` rounds of `n` distinct deadlines, a fresh
/// pseudo-random permutation per round. Entry `r * n + i` is task `i`'s deadline in round `r`.
/// Built for `prep` rounds whatever the run length, so its cost cancels between two run lengths.
pub fn timer_table(n: usize, prep: u32) -> &'static [u64] {
    let mut t = Vec::with_capacity(n * prep as usize);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut perm: Vec<u64> = (1..=n as u64).collect();
    for r in 0..u64::from(prep) {
        for i in (1..n).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            perm.swap(i, (x % (i as u64 + 1)) as usize);
        }
        t.extend(perm.iter().map(|p| r * n as u64 + p));
    }
    Box::leak(t.into_boxed_slice())
}
