//! The interrupt→task path under loom: wakes pushed from other threads and interrupt handlers
//! racing the scheduler's take and its idle decision.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p usched --release --test loom_wakes
//! ```
//!
//! # What runs here, and what is a copy
//!
//! - **The real code**, included with `#[path]`: the wake stack (`src/wakes.rs`: `push`, `nudge`,
//!   `pending`, `take`) and an interrupt line's count (`src/irq_count.rs`: `add`, `peek`, `take`),
//!   both compiled against loom's atomics through the shim `atomic` module below (the core names
//!   its atomics through `crate::atomic` for this purpose).
//! - **Copies, a few lines each**, of the glue around them, written to match the core line for line:
//!   `Core::wake_from_anywhere` and `Core::nudge` (push or nudge, then unpark the scheduler if the
//!   stack was empty), `IrqLine::signal_n` (count, then nudge), the run loop's order (take the wakes
//!   if `pending`, sample the line's count and take it if non-zero, else idle) and `StdClock::idle`
//!   (return if `pending`, else park). The unpark goes straight to loom's thread handle; the real
//!   one goes through a `std` mutex around the runner's `Thread`, which loom cannot see.
//! - **Not modelled here**: the line's waker list (`IrqLine::enlist`, guarded by a critical
//!   section): the model starts with the task already enlisted, as after its first poll. The list
//!   is modelled in `tests/loom_irq.rs`, with a loom-aware critical section. Foreign wakers (embassy-sync's
//!   `Signal` waking our waker) reach the same `wake_from_anywhere`, so the "waker thread" below
//!   stands for them; what such a primitive does before calling `wake` is its own business. The
//!   scheduler's run queue, states and the rest of a pass are single-threaded and covered by the
//!   other suites (`model.rs` above all).
//!
//! # Properties
//!
//! A lost wake shows up as loom's deadlock report (the scheduler parked, every other thread done).
//! Each model also asserts: every woken task is taken, at most once per take and in wake order;
//! after the last take no task is left marked and unqueued and nothing is pending; every interrupt
//! signal is counted in exactly one resume (none lost, none counted twice).
//!
//! # Checked against broken versions
//!
//! With the default bound of 4 preemptions the five models take about 20 s (bound 5 also
//! passes, in about 2 minutes; set `LOOM_MAX_PREEMPTIONS` to change it). Each of these changes to
//! the core, tried one at a time, makes a model fail: the take's swap `Relaxed` instead of
//! `Acquire` (a lost signal: deadlock); the push's compare-and-swap `Relaxed` instead of
//! `Release` (a stale link: wrong order, a task handed over twice); clearing a task's flag before
//! reading its link (deadlock); a push or a nudge that never unparks (deadlock); the count taken
//! with a load and a store instead of a swap (a lost signal: deadlock). A push that drops the
//! nudge bit goes unnoticed, and is harmless in this core: it leaves a task on the stack, so the
//! scheduler looks again anyway, and every look at the wakes is followed by sampling the lines.
#![cfg(loom)]

use loom::sync::atomic::{AtomicU16, AtomicU8, Ordering};
use loom::sync::Arc;
use loom::thread;

include!("loom_support/core_atomics.rs");

#[path = "../src/wakes.rs"]
#[allow(dead_code)]
mod wakes;

#[path = "../src/irq_count.rs"]
#[allow(dead_code)]
mod irq_count;

use header::{Header, Idx};
use irq_count::IrqCount;
use wakes::WakeStack;

include!("loom_support/wake_look.rs");

/// A scheduler's shared part, as far as these models need it.
struct World {
    wakes: WakeStack,
    headers: Vec<Header>,
    line: IrqCount,
}

impl World {
    fn new(tasks: u16) -> Arc<World> {
        let w = World {
            wakes: WakeStack::new(),
            headers: (0..tasks)
                .map(|i| Header { idx: Idx(i), wake_next: AtomicU16::new(0), wake: AtomicU8::new(0) })
                .collect(),
            line: IrqCount::new(),
        };
        // Create the lazily made atomics here, before any other thread exists.
        assert!(!w.wakes.pending());
        assert_eq!(w.line.peek(), 0);
        Arc::new(w)
    }

    /// `Core::wake_from_anywhere`: what a task's waker does, from any thread.
    fn wake(&self, task: usize, sched: &thread::Thread) {
        if self.wakes.push(&self.headers[task]) {
            sched.unpark();
        }
    }

    /// `IrqLine::signal` for a line whose waiter belongs to this scheduler: count, then `Core::nudge`.
    fn signal(&self, sched: &thread::Thread) {
        self.line.add(1);
        if self.wakes.nudge() {
            sched.unpark();
        }
    }

    /// The scheduler's look at its wakes (`wake_look.rs`).
    fn take(&self) -> Vec<usize> {
        take_woken(&self.wakes, &self.headers)
    }

    /// `StdClock::idle` with no deadline (`wake_look.rs`).
    fn idle(&self) {
        idle_unless_pending(&self.wakes)
    }

    /// Quiescent: nothing marked, nothing on the stack.
    fn assert_settled(&self) {
        assert!(!self.wakes.pending(), "a wake or nudge is left pending");
        for h in &self.headers {
            assert_eq!(h.wake.load(Ordering::Relaxed), 0, "task {} left marked and unqueued", h.idx.0);
        }
    }
}

type Outside = Box<dyn FnOnce(&World, &thread::Thread) + Send>;

/// Runs `sched` on a scheduler thread and each of `outside` (wakers, interrupt handlers) on a
/// thread of its own, all at once; returns the scheduler's result once every thread is done.
///
/// The scheduler is not loom's main thread: loom's `unpark` wakes a thread blocked in `join` as if
/// it had been parked (and then trips an assertion of its own), so only threads that never join
/// are unparked.
fn race<R: Send + 'static>(
    w: &Arc<World>,
    sched: impl FnOnce(&World) -> R + Send + 'static,
    outside: Vec<Outside>,
) -> R {
    let ws = w.clone();
    let s = thread::spawn(move || sched(&ws));
    let others: Vec<_> = outside
        .into_iter()
        .map(|f| {
            let (w, t) = (w.clone(), s.thread().clone());
            thread::spawn(move || f(&w, &t))
        })
        .collect();
    for o in others {
        o.join().unwrap();
    }
    s.join().unwrap()
}

/// One take hands each task over at most once.
fn assert_once_per_take(took: &[usize]) {
    let mut seen = took.to_vec();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), took.len(), "a task was handed over twice in one take: {took:?}");
}

/// A waker thread wakes A then B while an interrupt handler wakes C; the scheduler takes and idles
/// until it has all three: none lost, each once, A before B.
#[test]
fn wakes_from_two_threads_race_the_take_and_the_idle_decision() {
    model(|| {
        let w = World::new(3);
        let order = race(
            &w,
            |w| {
                let mut order = Vec::new();
                while order.len() < 3 {
                    let took = w.take();
                    assert_once_per_take(&took);
                    order.extend(took);
                    if order.len() < 3 {
                        w.idle();
                    }
                }
                order
            },
            vec![
                Box::new(|w, s| {
                    w.wake(0, s);
                    w.wake(1, s);
                }),
                Box::new(|w, s| w.wake(2, s)),
            ],
        );
        let mut all = order.clone();
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2], "taken: {order:?}");
        let (a, b) = (order.iter().position(|&t| t == 0), order.iter().position(|&t| t == 1));
        assert!(a < b, "A was woken before B but taken after it: {order:?}");
        w.assert_settled();
    });
}

/// Two threads wake the same task while the scheduler takes it: it is taken once per episode (once
/// or twice in all, never twice in one take), and a wake after a take queues it again.
#[test]
fn one_task_woken_from_two_threads_is_taken_once_per_episode() {
    model(|| {
        let w = World::new(1);
        let mut takes = race(
            &w,
            |w| loop {
                let took = w.take();
                assert!(took.len() <= 1, "{took:?}");
                if !took.is_empty() {
                    break took.len();
                }
                w.idle();
            },
            vec![Box::new(|w, s| w.wake(0, s)), Box::new(|w, s| w.wake(0, s))],
        );
        // Whatever came after the scheduler's last look is still there for its next one.
        let took = w.take();
        assert!(took.len() <= 1, "{took:?}");
        takes += took.len();
        assert!((1..=2).contains(&takes), "taken {takes} times for two wakes");
        w.assert_settled();
    });
}

/// A waker wakes A, B, then A again while the scheduler takes: the second wake of A, if it lands
/// after A was taken, reuses A's link safely and is taken later; B is taken exactly once.
#[test]
fn a_task_woken_again_after_its_take_is_queued_again() {
    model(|| {
        let w = World::new(2);
        let both = |o: &[usize]| o.contains(&0) && o.contains(&1);
        let mut order = race(
            &w,
            move |w| {
                let mut order = Vec::new();
                while !both(&order) {
                    let took = w.take();
                    assert_once_per_take(&took);
                    order.extend(took);
                    if !both(&order) {
                        w.idle();
                    }
                }
                order
            },
            vec![Box::new(|w, s| {
                w.wake(0, s);
                w.wake(1, s);
                w.wake(0, s);
            })],
        );
        let took = w.take();
        assert_once_per_take(&took);
        order.extend(took);
        assert_eq!(order.iter().filter(|&&t| t == 1).count(), 1, "{order:?}");
        let a = order.iter().filter(|&&t| t == 0).count();
        assert!((1..=2).contains(&a), "{order:?}");
        assert_eq!(order[0], 0, "A was woken first: {order:?}");
        w.assert_settled();
    });
}

/// The sampling pass of a task waiting on the line: peek at the count and, if non-zero, run the
/// task, which takes the whole count. Returns what it took.
fn sample_and_run(w: &World) -> u32 {
    let seen = w.line.peek();
    if seen == 0 {
        return 0;
    }
    let n = w.line.take();
    assert!(n >= seen, "the waiter resumed with {n}, fewer than the {seen} it was ranked by");
    n
}

/// An interrupt handler signals a line twice while the scheduler samples it, takes its count and
/// idles: both signals are counted, each in exactly one resume, and the scheduler never sleeps
/// through one.
#[test]
fn interrupt_signals_race_sampling_and_the_idle_decision() {
    model(|| {
        let w = World::new(1);
        let counted = race(
            &w,
            |w| {
                let mut counted = 0;
                loop {
                    let took = w.take();
                    assert!(took.is_empty(), "a nudge queued a task: {took:?}");
                    counted += sample_and_run(w);
                    if counted == 2 {
                        break counted;
                    }
                    w.idle();
                }
            },
            vec![Box::new(|w, s| {
                w.signal(s);
                w.signal(s);
            })],
        );
        assert_eq!(counted, 2);
        // The second nudge may land after the count was taken: the next look finds nothing.
        assert!(w.take().is_empty());
        assert_eq!(sample_and_run(&w), 0, "a signal was counted twice");
        w.assert_settled();
    });
}

/// An interrupt handler signals a line while a foreign waker wakes another task: the scheduler gets
/// both, whichever order the nudge and the push land in.
#[test]
fn an_interrupt_and_a_waker_at_once() {
    model(|| {
        let w = World::new(1);
        let got = race(
            &w,
            |w| {
                let (mut counted, mut taken) = (0, 0);
                while counted < 1 || taken < 1 {
                    taken += w.take().len();
                    counted += sample_and_run(w);
                    if counted < 1 || taken < 1 {
                        w.idle();
                    }
                }
                (counted, taken)
            },
            vec![Box::new(|w, s| w.signal(s)), Box::new(|w, s| w.wake(0, s))],
        );
        assert_eq!(got, (1, 1));
        assert!(w.take().is_empty());
        assert_eq!(sample_and_run(&w), 0);
        w.assert_settled();
    });
}
