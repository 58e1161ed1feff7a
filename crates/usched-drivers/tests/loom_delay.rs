//! A `Delay` triggered (and stopped) from an interrupt handler, under loom, racing with its task
//! and the scheduler's idle decision.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p usched-drivers --release --test loom_delay
//! ```
//!
//! # What runs here, and what is a stand-in
//!
//! - **The real code**, included with `#[path]`: `src/delay.rs` whole (`trigger`, `stop`,
//!   `running`, and `run`'s loop with its due check), and the core's `IrqLine` it wakes its task
//!   with (`usched/src/irq.rs`, `usched/src/irq_count.rs`). Their critical sections are a loom-aware
//!   one (`usched/tests/loom_support/shims.rs`, shared with the core's `loom_irq` model), which
//!   the drivers reach through `crate::sync` and the core through `crate::atomic`.
//! - **Stand-ins**: the clock is one loom atomic of simulated µs that only the scheduler thread
//!   moves, as a simulated clock jumps to the next deadline when the scheduler idles; `timeout_at`
//!   is the core's order in a few lines (poll the inner future, then compare the deadline with
//!   the clock, else ask to be polled at the deadline). The delay's task is polled by a minimal
//!   executor with a waker of its own, so its `IrqLine` wait takes the line's foreign-waker path;
//!   the usched path (nudge, sample, run) is modelled in the core's `tests/loom_irq.rs`. The
//!   executor polls when woken, else jumps the clock to the deadline asked for, else parks.
//!
//! # Properties
//!
//! The handler's calls and the clock's jumps interleave every way loom finds (bound 4). In each,
//! the fire times are exactly one of the outcomes a correct delay allows (listed per model), the
//! delay ends idle, and nothing is left in its line. A lost wake shows as a missing fire (the
//! executor stops without polling again once the handler is done and it has nothing to do, so a
//! wake that never came is not papered over) or as loom's deadlock report.
//!
//! # Checked against broken versions
//!
//! About 367,000 interleavings in all at bound 4 (a minute or two). Each of these changes to
//! `delay.rs`, tried one at a time, makes a model fail: `trigger` reading the clock before its
//! critical section instead of inside it (the shortening model fires at 10 and 10 ms: a stale
//! deadline overwrote a newer one); `trigger` not signalling the line (three models: the delay
//! never fires). `IrqLine`'s old foreign-waker order (count taken before the waker was enlisted)
//! is caught by the core's `loom_irq` model.
#![cfg(loom)]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use loom::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use loom::thread;
use usched::{Clock, Instant, Wakeup};

include!("../../usched/tests/loom_support/shims.rs");

#[path = "../../usched/src/irq_count.rs"]
#[allow(dead_code)]
mod irq_count;

#[path = "../../usched/src/irq.rs"]
#[allow(dead_code)]
mod irq;

#[path = "../src/delay.rs"]
#[allow(dead_code)]
mod delay;

use delay::Delay;

/// The drivers' `crate::sync`.
mod sync {
    use std::future::{poll_fn, Future};
    use std::pin::pin;
    use std::task::Poll;

    use usched::{Clock, Instant};

    pub use crate::atomic::critical_section;
    pub use crate::irq::IrqLine;

    /// `usched::timeout_at`, as far as a delay needs it: the inner future first, then the deadline.
    pub async fn timeout_at<F: Future>(at: Instant, fut: F) -> Result<F::Output, ()> {
        let mut fut = pin!(fut);
        poll_fn(|cx| {
            if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                return Poll::Ready(Ok(v));
            }
            if crate::CLOCK.now() >= at {
                return Poll::Ready(Err(()));
            }
            crate::EXEC.with(|e| e.deadline.set(Some(e.deadline.get().map_or(at, |d| d.min(at)))));
            Poll::Pending
        })
        .await
    }
}

/// No usched task is polled here: every wait takes the foreign-waker path.
mod model {
    use std::task::{Context, Waker};

    pub struct Core;

    impl Core {
        pub fn nudge(&self) {
            unreachable!("no usched waker in this model")
        }
    }

    #[derive(Clone, Copy)]
    pub enum TaskRef {}

    impl TaskRef {
        pub fn now_us(&self) -> u64 {
            match *self {}
        }
        pub fn sampling(&self) -> bool {
            match *self {}
        }
        pub fn reached(&self) {
            match *self {}
        }
        pub fn offer(&self, _key: u64) {
            match *self {}
        }
        pub fn mark(&self, _flag: u8) {
            match *self {}
        }
        pub fn request_deadline(&self, _deadline: u64) {
            match *self {}
        }
        pub fn solo(&self) -> bool {
            match *self {}
        }
        pub fn solo_ran(&self) {
            match *self {}
        }
        pub fn left_sampled_wait(&self) {}
    }

    pub fn current_here(_cx: &Context<'_>) -> Option<TaskRef> {
        None
    }

    pub fn core_of_waker(_w: &Waker) -> Option<&'static Core> {
        None
    }
}

/// Simulated µs in one loom atomic, with the task's "woken" flag in its top bit so that the
/// scheduler's idle is one step: jump to the deadline unless a wake came first (as a simulated
/// clock's `idle` returns early when a wake is pending). Read by the handler (inside its critical
/// section, as `trigger` does), moved only by the scheduler thread. `SeqCst`: a hardware timer is
/// one register that every reader sees current.
pub struct LoomClock(AtomicU64);

const WOKEN: u64 = 1 << 63;

impl Clock for LoomClock {
    fn now(&self) -> Instant {
        Instant::from_micros(self.0.load(Ordering::SeqCst) & !WOKEN)
    }
    fn idle(&self, _until: Option<Instant>, _wake: &Wakeup) {
        unreachable!("the model's executor idles by itself")
    }
}

/// The executor's waker: marks the task woken and unparks the scheduler thread.
struct TaskWaker;

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        CLOCK.0.fetch_or(WOKEN, Ordering::SeqCst);
        world().sched.get().expect("known before the handler starts").unpark();
    }
}

pub struct World {
    delay: Delay<LoomClock>,
    /// The handler is done (set by the main thread after joining it).
    done: AtomicBool,
    sched: OnceLock<thread::Thread>,
}

loom::lazy_static! {
    static ref CLOCK: LoomClock = LoomClock(AtomicU64::new(0));
    static ref WORLD: World = World {
        delay: Delay::new(&CLOCK),
        done: AtomicBool::new(false),
        sched: OnceLock::new(),
    };
}

fn world() -> &'static World {
    &WORLD
}

/// What the executor records during a poll: the earliest deadline asked for.
pub struct Exec {
    deadline: Cell<Option<Instant>>,
}

loom::thread_local! {
    static EXEC: Exec = Exec { deadline: Cell::new(None) };
}

/// The scheduler thread: runs the delay's task until the handler is done and nothing is left to
/// do; returns the fire times in ms.
fn scheduler() -> Vec<u64> {
    let w = world();
    let fires = Rc::new(RefCell::new(Vec::new()));
    let f = fires.clone();
    let mut task = Box::pin(w.delay.run(move || f.borrow_mut().push(CLOCK.now().as_micros() / 1000)));
    let waker = Waker::from(Arc::new(TaskWaker));
    let mut poll = true;
    loop {
        if poll {
            EXEC.with(|e| e.deadline.set(None));
            let p: Poll<_> = task.as_mut().poll(&mut Context::from_waker(&waker));
            assert!(p.is_pending(), "a delay's task never ends");
        }
        poll = true;
        let now = CLOCK.0.load(Ordering::SeqCst);
        if now & WOKEN != 0 {
            CLOCK.0.fetch_and(!WOKEN, Ordering::SeqCst);
            continue;
        }
        if let Some(at) = EXEC.with(|e| e.deadline.get()) {
            // Idle until the deadline: the clock jumps there, unless a wake came first (then look
            // again without polling: the next round finds the flag).
            poll = CLOCK.0.compare_exchange(now, at.as_micros(), Ordering::SeqCst, Ordering::SeqCst).is_ok();
            continue;
        }
        if w.done.load(Ordering::SeqCst) {
            // Everything the handler did happened before this load: a wake it sent is seen now.
            if CLOCK.0.load(Ordering::SeqCst) & WOKEN != 0 {
                poll = false;
                continue;
            }
            break;
        }
        thread::park();
        poll = false; // a park may return without a wake: look again before polling
    }
    drop(task);
    let v = fires.borrow().clone();
    v
}

/// Runs the scheduler thread and an interrupt handler doing `isr`, then checks the common ending.
fn race<R: Send + 'static>(
    isr: impl FnOnce(&'static Delay<LoomClock>) -> R + Send + 'static,
) -> (Vec<u64>, R) {
    let w = world();
    // Create the lazily made atomics here, before any other thread exists.
    assert_eq!(CLOCK.now(), Instant::from_micros(0));
    assert!(!w.delay.running());
    assert!(!w.done.load(Ordering::Relaxed));
    let s = thread::spawn(scheduler);
    assert!(w.sched.set(s.thread().clone()).is_ok());
    let h = thread::spawn(move || isr(&world().delay));
    let r = h.join().unwrap();
    w.done.store(true, Ordering::SeqCst);
    s.thread().unpark();
    let fires = s.join().unwrap();
    assert!(!w.delay.running(), "the delay ends idle; fired at {fires:?} ms");
    assert_eq!(w.delay.deadline(), None);
    (fires, r)
}

const MS: Duration = Duration::from_millis(1);

/// One trigger from a handler while the task starts and waits: it fires once, exactly 10 ms after.
#[test]
fn a_trigger_from_a_handler_fires_once_at_its_deadline() {
    model(|| {
        let (fires, ()) = race(|d| d.trigger(10 * MS));
        assert_eq!(fires, [10]);
    });
}

/// A zero-length trigger fires once, at once.
#[test]
fn a_zero_trigger_from_a_handler_fires_at_once() {
    model(|| {
        let (fires, ()) = race(|d| d.trigger(Duration::ZERO));
        assert_eq!(fires, [0]);
    });
}

/// A trigger of 10 ms, then a shortening one of 5 ms. If the second one's wake went out while the
/// clock still read 0 ms (the handler reads 0 or 5 after it), the delay fires once, at 5 ms: the task, waiting for 10 ms, must have
/// been woken to wait for 5 instead (a lost wake fires late, at 10). If the clock had jumped to
/// 10 ms by then (the handler reads 10 or 15): the first fired and the second fires at 15; or the second landed before the task
/// found the first due and supersedes it (15); or it was computed at 0 ms and its wake came only
/// after the jump, so it is due at once (10: the model lets the clock run in the middle of a
/// handler, which a chip's timer would not do for 10 ms).
#[test]
fn a_shortening_retrigger_from_a_handler_races_the_first_deadline() {
    model(|| {
        let (fires, after) = race(|d| {
            d.trigger(10 * MS);
            d.trigger(5 * MS);
            CLOCK.now().as_micros() / 1000 // after the second one's wake
        });
        match after {
            // Read before or after the task, woken, had the clock jump to the 5 ms asked for.
            0 | 5 => assert_eq!(fires, [5]),
            10 | 15 => {
                assert!([&[10, 15][..], &[15], &[10]].contains(&fires.as_slice()), "fired at {fires:?} ms")
            }
            _ => panic!("the clock only jumps to deadlines asked for: {after} ms"),
        }
    });
}

/// A trigger, then a stop, from a handler: it fires at 10 ms only if the clock got there and the
/// task found it due before the stop landed; otherwise never.
#[test]
fn a_stop_from_a_handler_races_the_deadline() {
    model(|| {
        let (fires, ()) = race(|d| {
            d.trigger(10 * MS);
            d.stop();
        });
        assert!([&[][..], &[10]].contains(&fires.as_slice()), "fired at {fires:?} ms");
    });
}
