//! Soak: millions of task switches and spawn/stop cycles, with random sleeps, timeouts, joins,
//! pauses, signals and interrupt signals, on the simulated clock; afterwards everything is back
//! where it started.
//!
//! A plain `cargo test` runs a short soak (80,000 switches, 8,000 spawn/stop cycles, twice). The
//! big one is behind an environment variable; run it in release mode:
//!
//! ```text
//! USCHED_SOAK=big cargo test -p usched --release --test soak -- --nocapture
//! ```
//!
//! (10 million switches and 1 million spawn/stop cycles, twice; `USCHED_SOAK=<switches>,<cycles>`
//! sets other sizes.)
//!
//! What "back where it started" means, checked after every round:
//! - every slot is free, every spawned task was dropped exactly once;
//! - every interrupt signal sent was counted by exactly one resume, or is still pending on the line;
//! - the deadline heap, the sampled list and the run queue are empty: one fresh task that sleeps
//!   1 ms makes the scheduler idle exactly once, until exactly 1 ms later, and finishes then;
//!   a fresh task's statistics start at zero;
//! - nothing grows: the second round, the same workload from the same seed, makes exactly as many
//!   passes, switches and idles, and idles exactly as long, as the first.
//!
//! Debug builds also check the state machine's invariants after every pass (16 slots).

use std::cell::{Cell, RefCell};
use std::time::Duration;

use usched::{
    sleep, timeout, yield_now, Clock, Instant, IrqLine, IrqResult, Poller, RunEnd, Sched, Signal, SpawnError,
    Status, Wakeup,
};
use usched_sim::SimClock;

const N: usize = 16;
type S = Sched<N, 512>;

/// The simulated clock, with no cap on idles (the soak idles millions of times): it records each
/// idle's `until`, and fails if the scheduler would wait for ever.
struct SoakClock {
    sim: SimClock,
    idles: Cell<u64>,
    last_until: RefCell<Vec<Option<u64>>>,
    record: Cell<bool>,
}

impl Clock for SoakClock {
    fn now(&self) -> Instant {
        self.sim.now()
    }
    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        self.idles.set(self.idles.get() + 1);
        if self.record.get() {
            self.last_until.borrow_mut().push(until.map(|t| t.as_micros()));
        }
        assert!(until.is_some() || wake.pending(), "the scheduler would wait for ever: a wake was lost");
        Clock::idle(&self.sim, until, wake);
    }
    fn can_wake_from_outside(&self) -> bool {
        false
    }
}

/// xorshift64: repeatable.
struct Rng(Cell<u64>);

impl Rng {
    fn below(&self, n: u64) -> u64 {
        let mut x = self.0.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.set(x);
        x % n
    }
}

/// Everything the tasks share, and the tallies they keep.
struct World {
    s: &'static S,
    rng: Rng,
    line: IrqLine,
    sig: Signal,
    switches: Cell<u64>,
    cycles: Cell<u64>,
    spawned: Cell<u64>,
    made: Cell<u64>,
    dropped: Cell<u64>,
    signals_sent: Cell<u64>,
    signals_seen: Cell<u64>,
    target: (u64, u64),
    done: Cell<bool>,
}

/// Counts its task's end, however it comes (finished, stopped, dropped at the end of the run).
struct Dropped(&'static World);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.dropped.set(self.0.dropped.get() + 1);
    }
}

impl World {
    /// A new task's drop counter (also for a task that `spawn` refuses: it is dropped there).
    fn guard(&'static self) -> Dropped {
        self.made.set(self.made.get() + 1);
        Dropped(self)
    }

    fn switched(&self) {
        self.switches.set(self.switches.get() + 1);
    }

    fn signal(&self) {
        self.line.signal();
        self.signals_sent.set(self.signals_sent.get() + 1);
    }

    /// One random wait, or a signal; one switch.
    async fn step(&'static self) {
        let r = &self.rng;
        match r.below(16) {
            0..=7 => yield_now().await,
            8 | 9 => {
                sleep(Duration::from_micros(r.below(40))).await;
            }
            10 => {
                if let IrqResult::Irq(n) =
                    self.line.wait_timeout(Duration::from_micros(r.below(60) + 1)).await
                {
                    self.signals_seen.set(self.signals_seen.get() + u64::from(n));
                }
            }
            11 => {
                let _ = timeout(Duration::from_micros(r.below(30)), self.sig.wait()).await;
            }
            12 => {
                let k = r.below(3) as u32;
                let mut p = Poller::with_timeout(
                    move || (self.rng.below(4) == 0).then_some(k),
                    Duration::from_micros(20),
                );
                p.wait().await;
            }
            13 => {
                self.signal();
                yield_now().await;
            }
            14 => {
                self.sig.signal();
                yield_now().await;
            }
            _ => {
                // An interrupt wait with no timeout of its own, inside a combinator's.
                if let Ok(IrqResult::Irq(n)) =
                    timeout(Duration::from_micros(r.below(60)), self.line.wait()).await
                {
                    self.signals_seen.set(self.signals_seen.get() + u64::from(n));
                }
            }
        }
        self.switched();
    }

    fn finished(&self) -> bool {
        self.switches.get() >= self.target.0 && self.cycles.get() >= self.target.1
    }
}

// Each task takes its `Dropped` as an argument: moved into the future when it is made, so it is
// dropped with the future even if the task never ran.
async fn worker(w: &'static World, _d: Dropped) {
    while !w.done.get() {
        w.step().await;
    }
}

/// A short-lived task: a few steps, then it ends by itself.
async fn child(w: &'static World, steps: u64, _d: Dropped) {
    for _ in 0..steps {
        w.step().await;
    }
}

async fn spawner(w: &'static World, _d: Dropped) {
    let s = w.s;
    while !w.finished() {
        let steps = w.rng.below(4);
        let id = match s.spawn(child(w, steps, w.guard())) {
            Ok(id) => id,
            Err(SpawnError::Full) => {
                // Wait for a slot: a sleep, since simulated time only moves when the scheduler idles.
                sleep(Duration::from_micros(1 + w.rng.below(20))).await;
                w.switched();
                continue;
            }
            Err(e) => panic!("{e:?}"),
        };
        w.spawned.set(w.spawned.get() + 1);
        match w.rng.below(6) {
            0 => s.stop(id).unwrap(),
            1 => {
                yield_now().await;
                let _ = s.pause(id);
                yield_now().await;
                let _ = s.resume(id);
                let _ = s.stop(id);
                w.switched();
            }
            2 => {
                let _ = timeout(Duration::from_micros(w.rng.below(50)), s.join(id)).await;
                w.switched();
            }
            3 => {
                let _ = s.pause(id); // stopped later, paused or not
                let _ = s.stop(id);
            }
            _ => {} // it ends by itself
        }
        if w.rng.below(8) == 0 {
            w.signal();
        }
        w.cycles.set(w.cycles.get() + 1);
        yield_now().await;
        w.switched();
    }
    w.done.set(true);
    assert_eq!(s.status(s.current().unwrap()), Status::Running);
}

/// Where one round ended: what it cost, for comparing rounds.
#[derive(Debug, PartialEq)]
struct Round {
    passes: u64,
    idle: Duration,
    idles: u64,
    switches: u64,
    cycles: u64,
    spawned: u64,
    signals_sent: u64,
}

fn round(w: &'static World, c: &'static SoakClock, seed: u64) -> Round {
    let s = w.s;
    w.rng.0.set(seed);
    for cell in [&w.switches, &w.cycles, &w.spawned, &w.made, &w.dropped, &w.signals_sent, &w.signals_seen] {
        cell.set(0);
    }
    w.done.set(false);
    let pending_before = u64::from(w.line.pending());
    let (passes0, idle0, idles0) = (s.stats().passes, s.stats().idle, c.idles.get());

    let workers = 6;
    for _ in 0..workers {
        s.spawn(worker(w, w.guard())).unwrap();
    }
    s.spawn(spawner(w, w.guard())).unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);

    // Slots and tasks.
    assert_eq!(s.free_slots(), N);
    assert_eq!(w.dropped.get(), w.made.get(), "a task was dropped twice or never");
    assert!(w.made.get() > w.spawned.get() + workers, "the spawner and the workers are counted too");
    // Interrupt signals: each counted once, or still pending.
    assert_eq!(
        pending_before + w.signals_sent.get(),
        w.signals_seen.get() + u64::from(w.line.pending()),
        "an interrupt signal was lost or counted twice"
    );
    // Structures empty: one sleep idles once, exactly until its deadline.
    let t0 = c.now();
    c.last_until.borrow_mut().clear();
    c.record.set(true);
    let fresh = s
        .spawn(async {
            let late = sleep(Duration::from_millis(1)).await;
            assert_eq!(late, Duration::ZERO);
        })
        .unwrap();
    assert_eq!(s.task_stats(fresh).unwrap().runs, 0);
    let idles = c.idles.get();
    assert_eq!(s.run(c), RunEnd::Finished);
    c.record.set(false);
    assert_eq!(c.idles.get() - idles, 1);
    assert_eq!(*c.last_until.borrow(), [Some(t0.as_micros() + 1000)]);
    assert_eq!(c.now(), t0 + Duration::from_millis(1));
    assert_eq!(s.free_slots(), N);

    Round {
        passes: s.stats().passes - passes0,
        idle: s.stats().idle - idle0,
        idles: idles - idles0,
        switches: w.switches.get(),
        cycles: w.cycles.get(),
        spawned: w.spawned.get(),
        signals_sent: w.signals_sent.get(),
    }
}

#[test]
fn soak() {
    let target = match std::env::var("USCHED_SOAK").as_deref() {
        Err(_) => (80_000, 8_000),
        Ok("big") => (10_000_000, 1_000_000),
        Ok(v) => {
            let (a, b) = v.split_once(',').expect("USCHED_SOAK=big or <switches>,<cycles>");
            (a.parse().unwrap(), b.parse().unwrap())
        }
    };
    let s: &'static S = Box::leak(Box::new(Sched::new()));
    let c: &'static SoakClock = Box::leak(Box::new(SoakClock {
        sim: SimClock::new(),
        idles: Cell::new(0),
        last_until: RefCell::new(Vec::new()),
        record: Cell::new(false),
    }));
    let w: &'static World = Box::leak(Box::new(World {
        s,
        rng: Rng(Cell::new(1)),
        line: IrqLine::new(),
        sig: Signal::new(),
        switches: Cell::new(0),
        cycles: Cell::new(0),
        spawned: Cell::new(0),
        made: Cell::new(0),
        dropped: Cell::new(0),
        signals_sent: Cell::new(0),
        signals_seen: Cell::new(0),
        target,
        done: Cell::new(false),
    }));
    // An interrupt now and then while the scheduler idles.
    let hook: &'static dyn Fn() = Box::leak(Box::new(move || {
        if w.rng.below(4) == 0 {
            w.signal();
        }
    }));
    s.set_idle_hook(Some(hook));
    s.set_poll_interval(Duration::from_micros(5));

    let start = std::time::Instant::now();
    let first = round(w, c, 0x9e37_79b9_7f4a_7c15);
    // The line may hold signals no one took; take them so the second round starts the same.
    let left = w.line.pending();
    if left > 0 {
        s.spawn(async move {
            assert_eq!(w.line.wait().await, IrqResult::Irq(left));
        })
        .unwrap();
        assert_eq!(s.run(c), RunEnd::Finished);
    }
    if w.sig.is_set() {
        s.spawn(w.sig.wait()).unwrap();
        assert_eq!(s.run(c), RunEnd::Finished);
    }
    let second = round(w, c, 0x9e37_79b9_7f4a_7c15);
    let took = start.elapsed();
    println!("soak: {first:?}, twice, in {took:?}");
    assert!(first.switches >= target.0 && first.cycles >= target.1, "{first:?}");
    assert_eq!(first, second, "the same workload cost more the second time");
}
