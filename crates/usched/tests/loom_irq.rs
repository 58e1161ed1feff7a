//! An interrupt line's waker list under loom: an interrupt handler signals while the scheduler
//! thread registers and unregisters waiters (a usched task's and a foreign waker) and runs its
//! pass and its idle decision.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p usched --release --test loom_irq
//! ```
//!
//! # What runs here, and what is a copy
//!
//! - **The real code**, included with `#[path]`: `src/irq.rs` whole (`IrqLine::signal_n`,
//!   `enlist`, `delist`, `refresh`, and `IrqWait`'s poll and drop, both its usched path and its
//!   foreign-waker path), the line's count (`src/irq_count.rs`) and the wake stack the line's
//!   nudge goes to (`src/wakes.rs`). They reach their critical section and atomics through
//!   `crate::atomic`, which here is loom's atomics and a loom-aware critical section
//!   (`tests/loom_support/shims.rs`: a spin lock on a loom atomic, so loom schedules around it).
//! - **Stand-ins**: the task a usched poll belongs to (`TaskRef`: its sample mode, its offer, its
//!   state bits) is a few thread-local cells of the scheduler thread; `core_of_waker` recognises
//!   task A's waker and answers with the model's core, whose `nudge` is the real `WakeStack::nudge`
//!   then an unpark (as `Core::nudge`). The scheduler thread's loop is a copy of the run loop's
//!   order (`Sched::run`, `pass_slow`): take the wakes if `pending`, sample the waiting task (a
//!   sample poll, then a real poll if it offered), poll the task whose wake was taken, and idle
//!   (`StdClock::idle`: park unless `pending`) only after a pass that did nothing.
//!
//! # Properties
//!
//! A lost wake is loom's deadlock report (the scheduler parked, the handler done). Every model also
//! asserts that the signals resumed with add up to exactly the signals sent (none lost, none
//! counted twice), that nothing is left in the line, and that once every wait is gone the line
//! keeps no waker (a further signal wakes and nudges nobody).
//!
//! At loom's bound of 4 preemptions the two models explore 9,099 and 168,346 interleavings (about
//! half a minute in all).
//!
//! # Found by these models
//!
//! `IrqWait`'s foreign-waker path took the count before it enlisted its waker: a signal landing
//! between the two found no waker to wake and the foreign task slept through it
//! (`a_foreign_waiter_registering_while_an_interrupt_signals` deadlocked). It now enlists (or
//! refreshes) first and takes the count after.
#![cfg(loom)]

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::{AtomicU16, AtomicU8};
use loom::thread;

include!("loom_support/shims.rs");

#[path = "../src/wakes.rs"]
#[allow(dead_code)]
mod wakes;

#[path = "../src/irq_count.rs"]
#[allow(dead_code)]
mod irq_count;

#[path = "../src/irq.rs"]
#[allow(dead_code)]
mod irq;

use header::{Header, Idx};
use irq::{IrqLine, IrqResult};
use wakes::WakeStack;

include!("loom_support/wake_look.rs");

/// What `crate::raw` and `crate::wait` answer in these models.
mod model {
    use std::cell::Cell;
    use std::task::{Context, Waker};

    pub use crate::World as Core;

    /// The usched task being polled (always task A: only its polls get A's waker).
    #[derive(Clone, Copy)]
    pub struct TaskRef;

    /// Task A's scheduler-side record: touched only by the scheduler thread.
    pub struct TaskState {
        pub sampling: Cell<bool>,
        pub offer: Cell<u64>,
        pub reached: Cell<bool>,
        pub marks: Cell<u8>,
    }

    loom::thread_local! {
        pub static TASK: TaskState = TaskState {
            sampling: Cell::new(false),
            offer: Cell::new(0),
            reached: Cell::new(false),
            marks: Cell::new(0),
        };
    }

    impl TaskRef {
        pub fn now_us(&self) -> u64 {
            0
        }
        pub fn sampling(&self) -> bool {
            TASK.with(|t| t.sampling.get())
        }
        pub fn reached(&self) {
            TASK.with(|t| t.reached.set(true));
        }
        pub fn offer(&self, key: u64) {
            TASK.with(|t| t.offer.set(t.offer.get().max(key)));
        }
        pub fn mark(&self, flag: u8) {
            TASK.with(|t| t.marks.set(t.marks.get() | flag));
        }
        pub fn request_deadline(&self, _deadline: u64) {
            unreachable!("no timeouts in these models");
        }
        pub fn left_sampled_wait(&self) {}
        /// Solo sample polls (the scheduler's, of a task alone on its sampled list) take the count
        /// with the same swap as a run poll, which these models check: not modelled apart.
        pub fn solo(&self) -> bool {
            false
        }
        pub fn solo_ran(&self) {}
    }

    pub fn current_here(cx: &Context<'_>) -> Option<TaskRef> {
        cx.waker().will_wake(&crate::world().task_waker).then_some(TaskRef)
    }

    pub fn core_of_waker(w: &Waker) -> Option<&'static Core> {
        w.will_wake(&crate::world().task_waker).then(crate::world)
    }
}

/// Task A's waker: a usched waker (the line nudges its core instead of waking it).
struct TaskA;

impl Wake for TaskA {
    fn wake(self: Arc<Self>) {
        world().wake(0);
    }
}

/// What a combinator inside task B lends B's wait: waking it wakes task B.
struct ForeignB;

impl Wake for ForeignB {
    fn wake(self: Arc<Self>) {
        world().wake(1);
    }
}

/// A scheduler's shared part, the line, and the two wakers.
pub struct World {
    wakes: WakeStack,
    headers: [Header; 2],
    line: IrqLine,
    sched: OnceLock<thread::Thread>,
    task_waker: Waker,
    foreign_waker: Waker,
}

loom::lazy_static! {
    static ref WORLD: World = World {
        wakes: WakeStack::new(),
        headers: [0, 1].map(|i| Header {
            idx: Idx(i),
            wake_next: AtomicU16::new(0),
            wake: AtomicU8::new(0),
        }),
        line: IrqLine::new(),
        sched: OnceLock::new(),
        task_waker: Waker::from(Arc::new(TaskA)),
        foreign_waker: Waker::from(Arc::new(ForeignB)),
    };
}

fn world() -> &'static World {
    &WORLD
}

impl World {
    /// `Core::nudge`.
    pub fn nudge(&self) {
        if self.wakes.nudge() {
            self.unpark();
        }
    }

    /// `Core::wake_from_anywhere`.
    fn wake(&self, task: usize) {
        if self.wakes.push(&self.headers[task]) {
            self.unpark();
        }
    }

    fn unpark(&self) {
        self.sched.get().expect("the scheduler thread is known before any handler runs").unpark();
    }

    /// The scheduler's look at its wakes (`wake_look.rs`).
    fn take(&self) -> Vec<usize> {
        take_woken(&self.wakes, &self.headers)
    }

    /// `StdClock::idle` with no deadline (`wake_look.rs`).
    fn idle(&self) {
        idle_unless_pending(&self.wakes)
    }
}

type Wait = Pin<Box<irq::IrqWait<'static>>>;

fn ready(p: Poll<IrqResult>) -> Option<u32> {
    match p {
        Poll::Ready(IrqResult::Irq(n)) => {
            assert!(n > 0, "resumed with no signal");
            Some(n)
        }
        Poll::Ready(r) => panic!("no timeouts here: {r:?}"),
        Poll::Pending => None,
    }
}

/// A real poll of task A's wait: `Some(n)` if it completed with `n` signals.
fn run_poll(a: &mut Wait) -> Option<u32> {
    model::TASK.with(|t| {
        t.sampling.set(false);
        t.marks.set(0);
    });
    let r = ready(a.as_mut().poll(&mut Context::from_waker(&world().task_waker)));
    if r.is_none() {
        assert_eq!(
            model::TASK.with(|t| t.marks.get()),
            state::State::I,
            "an enlisted wait is an interrupt wait"
        );
    }
    r
}

/// A sample poll of task A's wait: whether it offered.
fn sample(a: &mut Wait) -> bool {
    model::TASK.with(|t| {
        t.sampling.set(true);
        t.offer.set(0);
        t.reached.set(false);
    });
    assert!(a.as_mut().poll(&mut Context::from_waker(&world().task_waker)).is_pending());
    model::TASK.with(|t| {
        assert!(t.reached.get(), "a sampled wait says it was reached");
        t.sampling.set(false);
        t.offer.get() != 0
    })
}

/// A poll of task B's wait through its combinator's waker: `Some(n)` if it completed.
fn foreign_poll(b: &mut Wait) -> Option<u32> {
    ready(b.as_mut().poll(&mut Context::from_waker(&world().foreign_waker)))
}

/// Nothing left: no count, nothing but a spurious wake of B pending, and no waker entry once every wait is dropped (a
/// further signal wakes and nudges nobody).
fn assert_settled(w: &World) {
    assert_eq!(w.line.pending(), 0, "a signal was never taken");
    // A wake of B after its last look is allowed (a signal woke its entry after the poll that
    // took the count): a spurious run, harmless. Nothing else may be queued.
    let took = w.take();
    assert!(took.iter().all(|&t| t == 1), "{took:?}");
    assert!(!w.wakes.pending());
    w.line.signal();
    assert!(!w.wakes.pending(), "a dropped wait left its waker in the line");
}

/// Starts the scheduler thread, then an interrupt handler that signals the line `signals` times
/// (each `signal_n(1)`); returns the scheduler's result.
fn race<R: Send + 'static>(signals: u32, sched: impl FnOnce(&'static World) -> R + Send + 'static) -> R {
    let w = world();
    // Create the lazily made atomics and the lock here, before any other thread exists.
    assert_eq!(w.line.pending(), 0);
    assert!(!w.wakes.pending());
    let s = thread::spawn(move || sched(world()));
    assert!(w.sched.set(s.thread().clone()).is_ok());
    let isr = thread::spawn(move || {
        for _ in 0..signals {
            world().line.signal();
        }
    });
    isr.join().unwrap();
    s.join().unwrap()
}

/// A task waits on the line through a combinator that lends the wait its own waker (registered
/// by the wait's first poll) while a handler signals twice: the task resumes with both signals,
/// whatever the interleaving, and never sleeps through one.
#[test]
fn a_foreign_waiter_registering_while_an_interrupt_signals() {
    model(|| {
        let got = race(2, |w| {
            let mut got = 0;
            let mut b: Wait = Box::pin(w.line.wait());
            let mut poll_b = true;
            loop {
                if poll_b {
                    if let Some(n) = foreign_poll(&mut b) {
                        got += n;
                        b = Box::pin(w.line.wait()); // await the line again
                        continue;
                    }
                }
                if got == 2 {
                    break;
                }
                w.idle();
                let took = w.take();
                assert!(took.iter().all(|&t| t == 1), "only B has a waker: {took:?}");
                poll_b = !took.is_empty();
            }
            drop(b);
            got
        });
        assert_eq!(got, 2, "signals resumed with");
        assert_settled(world());
    });
}

/// Task A waits on the line the usched way (its entry nudges the core; the pass samples it) while
/// task B's wait, through a combinator's waker, is dropped and made again every pass (a `select`
/// re-created in a loop): two signals from a handler are each counted in exactly one resume, by
/// whichever task takes them, and the scheduler never idles past one.
#[test]
fn a_usched_waiter_and_a_churned_foreign_waiter_share_the_line() {
    model(|| {
        let got = race(2, |w| {
            let mut got = 0;
            let mut a: Wait = Box::pin(w.line.wait());
            assert_eq!(run_poll(&mut a), None, "a first poll registers");
            let mut b: Wait = Box::pin(w.line.wait());
            let mut poll_b = true;
            loop {
                let mut ran = false;
                if poll_b {
                    ran = true;
                    if let Some(n) = foreign_poll(&mut b) {
                        got += n;
                    }
                    b = Box::pin(w.line.wait()); // dropped and made again (unregister, register)
                    if let Some(n) = foreign_poll(&mut b) {
                        got += n;
                        b = Box::pin(w.line.wait());
                    }
                }
                // The pass: wakes, then the sampled task, best offer run.
                let took = w.take();
                assert!(took.iter().all(|&t| t == 1), "A is nudged, never pushed: {took:?}");
                poll_b = !took.is_empty();
                if sample(&mut a) {
                    ran = true;
                    let n = run_poll(&mut a).expect("an offer is only made for a count to take");
                    got += n;
                    a = Box::pin(w.line.wait());
                    assert_eq!(run_poll(&mut a), None, "a first poll registers");
                }
                if got == 2 && !poll_b {
                    break;
                }
                if !ran && !poll_b {
                    w.idle();
                    poll_b = {
                        let took = w.take();
                        assert!(took.iter().all(|&t| t == 1), "{took:?}");
                        !took.is_empty()
                    };
                }
            }
            drop((a, b));
            got
        });
        assert_eq!(got, 2, "signals resumed with");
        assert_settled(world());
    });
}
