//! Helpers shared by the scheduler tests: a leaked scheduler, the simulated clock every suite runs
//! on (wrapped so that a lost wake or an endless run fails the test instead of hanging it), a clock
//! that records what the scheduler asks of it, and an event log that stamps every entry with the
//! simulated time, so tests can assert exact sequences.
#![allow(dead_code)]

#[path = "../scratch/mod.rs"]
mod scratch;

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use usched::{Clock, Instant, Sched, Wakeup};
use usched_sim::SimClock;

pub fn sched<const N: usize, const S: usize>() -> &'static Sched<N, S> {
    Box::leak(Box::new(Sched::new()))
}

/// The default clock of every suite: the simulated clock, made to fail instead of hang.
pub fn clock() -> &'static NoHang {
    Box::leak(Box::new(NoHang::new()))
}

/// The same, for tests that wake the scheduler from other threads (see `SimClock::threaded`):
/// with nothing due it parks the thread until they do.
pub fn threaded_clock() -> &'static NoHang {
    Box::leak(Box::new(NoHang::threaded()))
}

/// A clock that counts its reads and records the `until` of every idle (µs), over a [`NoHang`].
pub fn counting() -> &'static Counting {
    Box::leak(Box::new(Counting::over(NoHang::new())))
}

/// [`counting`] over a threaded clock.
pub fn counting_threaded() -> &'static Counting {
    Box::leak(Box::new(Counting::over(NoHang::threaded())))
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// Logs `drop <name>` when dropped: where a task's destructors run, and in what order.
pub struct Noisy(pub &'static str, pub &'static Log);

impl Drop for Noisy {
    fn drop(&mut self) {
        self.1.push(format!("drop {}", self.0));
    }
}

/// A leaked cell, for state shared by tasks and the test.
pub fn cell<T: 'static>(v: T) -> &'static Cell<T> {
    Box::leak(Box::new(Cell::new(v)))
}

/// The simulated clock, except that idling with no deadline and no pending wake on a clock that
/// nothing outside can wake (which would park the test thread for ever: a lost wake) panics
/// instead, and so does an endless run (more than 100,000 idles).
///
/// It forwards `can_wake_from_outside` to the inner `SimClock`, so a run in which nothing can
/// happen again ends as `RunEnd::Stalled`, as it does on a bare `SimClock::new()`.
pub struct NoHang {
    sim: SimClock,
    idles: AtomicU64,
}

impl NoHang {
    /// Over `SimClock::new()`: nothing outside the scheduler can wake it.
    pub const fn new() -> Self {
        NoHang { sim: SimClock::new(), idles: AtomicU64::new(0) }
    }

    /// Over `SimClock::threaded()`: other threads may wake it.
    pub const fn threaded() -> Self {
        NoHang { sim: SimClock::threaded(), idles: AtomicU64::new(0) }
    }

    /// How many times the scheduler idled on this clock.
    pub fn idles(&self) -> u64 {
        self.idles.load(Ordering::Relaxed)
    }
}

impl std::ops::Deref for NoHang {
    type Target = SimClock;
    fn deref(&self) -> &SimClock {
        &self.sim
    }
}

impl Clock for NoHang {
    fn now(&self) -> Instant {
        self.sim.now()
    }
    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        let n = self.idles.fetch_add(1, Ordering::Relaxed);
        assert!(n < 100_000, "the scheduler keeps idling: it would never return");
        assert!(
            until.is_some() || wake.pending() || self.sim.can_wake_from_outside(),
            "the scheduler would park for ever: a wake was lost"
        );
        Clock::idle(&self.sim, until, wake);
    }
    fn can_wake_from_outside(&self) -> bool {
        self.sim.can_wake_from_outside()
    }
}

/// A clock that counts what the scheduler asks of it: reads of the time, and the `until` of
/// every idle (µs), over a [`NoHang`].
pub struct Counting {
    clock: NoHang,
    pub nows: AtomicU64,
    pub idles: Mutex<Vec<Option<u64>>>,
}

impl Counting {
    fn over(clock: NoHang) -> Self {
        Counting { clock, nows: AtomicU64::new(0), idles: Mutex::default() }
    }

    /// The `until` of every idle so far, in µs.
    pub fn idles(&self) -> Vec<Option<u64>> {
        self.idles.lock().unwrap().clone()
    }
}

impl std::ops::Deref for Counting {
    type Target = SimClock;
    fn deref(&self) -> &SimClock {
        &self.clock.sim
    }
}

impl Clock for Counting {
    fn now(&self) -> Instant {
        self.nows.fetch_add(1, Ordering::Relaxed);
        self.clock.now()
    }
    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        self.idles.lock().unwrap().push(until.map(|t| t.as_micros()));
        self.clock.idle(until, wake)
    }
    fn can_wake_from_outside(&self) -> bool {
        self.clock.can_wake_from_outside()
    }
}

/// An event log: `log.at(clock, "x")` records `"<µs> x"`.
pub struct Log(RefCell<Vec<String>>);

impl Log {
    pub fn new() -> &'static Log {
        Box::leak(Box::new(Log(RefCell::new(Vec::new()))))
    }
    pub fn push(&self, s: impl Into<String>) {
        self.0.borrow_mut().push(s.into());
    }
    pub fn at(&self, c: &SimClock, s: impl AsRef<str>) {
        self.push(format!("{} {}", c.now().as_micros(), s.as_ref()));
    }
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// Runs `s` on `c`, turning a panic (a hang caught by `NoHang`) into a result, so a test can
/// show both its log and how the run ended.
pub fn run_caught<const N: usize, const S: usize>(
    s: &'static Sched<N, S>,
    c: &'static NoHang,
) -> Result<usched::RunEnd, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.run(c))).map_err(|e| {
        e.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| e.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    })
}

/// A future that is ready once `flag` is set, with no waker (it relies on being polled again).
pub fn flag_set(flag: &'static std::cell::Cell<bool>) -> impl std::future::Future<Output = ()> {
    std::future::poll_fn(
        move |_| if flag.get() { std::task::Poll::Ready(()) } else { std::task::Poll::Pending },
    )
}

/// Builds `main` as a scratch crate named `name` that depends on usched (no default features,
/// `std`); returns whether it built, and rustc's messages. Reusing a name reuses its target
/// directory, so usched is compiled once per name.
pub fn build_program(name: &str, main: &str) -> (bool, String) {
    let usched = env!("CARGO_MANIFEST_DIR");
    scratch::build_scratch(
        name,
        &format!("usched = {{ path = {usched:?}, default-features = false, features = [\"std\"] }}"),
        main,
    )
}
