//! API misuse, fuzzed: random task scripts that call the control API at the worst moments, and
//! check every answer.
//!
//! Each case builds a handful of scripts (yields, sleeps, interrupt and signal waits, joins, polls)
//! whose steps also make control calls (pause, resume, stop, status, statistics, spawn, `stop_all`,
//! a nested `run`, `current`) on any task: itself, a live one, a stale id, an id from another
//! scheduler. The same calls are made from poller callbacks (during sampling) and from
//! destructors (during `stop`, and during `run`'s final drops, where a spawn must be refused).
//!
//! Required of every case: no panic (the run is wrapped in `catch_unwind`); no hang (the clock
//! fails an endless run: more than 100,000 idles, or more than 2,000,000 reads of the time); every
//! answer on a stale or foreign id is `Finished`; a nested `run` answers `AlreadyRunning`; only
//! destructors ever see `SpawnError::Stopping`; `current()` in a task names that task; afterwards
//! every slot is free, every task was dropped exactly once, and the scheduler runs a new task
//! normally. Debug builds also check the state machine's invariants after every pass.
//!
//! Cases: `USCHED_MISUSE_CASES` (default 300).

mod common;

use std::cell::{Cell, RefCell};
use std::time::Duration;

use common::NoHang;

thread_local! {
    /// What the cases exercised, summed over all of them: (answer, count).
    static SEEN: RefCell<std::collections::BTreeMap<String, u64>> = RefCell::default();
}

fn seen(what: impl Into<String>) {
    SEEN.with(|m| *m.borrow_mut().entry(what.into()).or_default() += 1);
}
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use usched::{
    sleep, timeout, yield_now, Clock, Instant, IrqLine, Poller, RunEnd, Sched, Signal, SpawnError, Status,
    TaskError, TaskId, Wakeup,
};

const N: usize = 6;
type S = Sched<N, 2048>;

#[derive(Clone, Copy, Debug)]
enum Target {
    Me,
    /// The k-th id handed out so far (modulo), which may be alive or long gone.
    Known(u8),
    /// An id whose task is gone.
    Stale,
    /// An id from another scheduler.
    Foreign,
}

#[derive(Clone, Copy, Debug)]
enum Call {
    Pause,
    Resume,
    Stop,
    Status,
    Stats,
    StopAll,
    Spawn(u8),
    RunNested,
    Current,
}

#[derive(Clone, Debug)]
enum Op {
    Yield,
    Sleep(u16),
    IrqWait(u16),
    Signal,
    SignalWait(u16),
    Call(Call, Target),
    Join(Target, Option<u16>),
    /// A poller (with a timeout) whose callback makes the call, then reports an event.
    Poll(Call, Target, u16),
}

#[derive(Clone, Debug)]
struct Script {
    ops: Vec<Op>,
    on_drop: Option<(Call, Target)>,
}

#[derive(Clone, Debug)]
struct Prog {
    scripts: Vec<Script>,
    spawn_first: Vec<u8>,
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::Me),
        any::<u8>().prop_map(Target::Known),
        Just(Target::Stale),
        Just(Target::Foreign)
    ]
}

fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        3 => Just(Call::Pause),
        3 => Just(Call::Resume),
        3 => Just(Call::Stop),
        1 => Just(Call::Status),
        1 => Just(Call::Stats),
        1 => Just(Call::StopAll),
        2 => any::<u8>().prop_map(Call::Spawn),
        1 => Just(Call::RunNested),
        1 => Just(Call::Current),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Yield),
        2 => (0u16..300).prop_map(Op::Sleep),
        1 => (1u16..300).prop_map(Op::IrqWait),
        1 => Just(Op::Signal),
        1 => (0u16..300).prop_map(Op::SignalWait),
        5 => (call(), target()).prop_map(|(c, t)| Op::Call(c, t)),
        2 => (target(), proptest::option::of(0u16..300)).prop_map(|(t, d)| Op::Join(t, d)),
        2 => (call(), target(), 1u16..300).prop_map(|(c, t, d)| Op::Poll(c, t, d)),
    ]
}

fn prog() -> impl Strategy<Value = Prog> {
    let script = (proptest::collection::vec(op(), 0..8), proptest::option::of((call(), target())))
        .prop_map(|(ops, on_drop)| Script { ops, on_drop });
    (proptest::collection::vec(script, 1..5), proptest::collection::vec(any::<u8>(), 1..5))
        .prop_map(|(scripts, spawn_first)| Prog { scripts, spawn_first })
}

/// A [`NoHang`] that also fails a run that never idles: more than 2,000,000 reads of the time
/// (every pass and every poll reads it).
struct Watchdog {
    inner: NoHang,
    reads: Cell<u64>,
}

impl Clock for Watchdog {
    fn now(&self) -> Instant {
        self.reads.set(self.reads.get() + 1);
        assert!(self.reads.get() < 2_000_000, "the run never ends: a hang");
        self.inner.now()
    }
    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        self.inner.idle(until, wake)
    }
    fn can_wake_from_outside(&self) -> bool {
        self.inner.can_wake_from_outside()
    }
}

/// One case's world: the scheduler under test, another one for foreign ids, and tallies.
struct World {
    s: &'static S,
    clock: &'static Watchdog,
    prog: Prog,
    ids: RefCell<Vec<TaskId>>,
    stale: Cell<Option<TaskId>>,
    foreign: Cell<Option<TaskId>>,
    line: IrqLine,
    sig: Signal,
    made: Cell<u32>,
    dropped: Cell<u32>,
    spawn_budget: Cell<u32>,
}

/// Where a call is made from.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Site {
    Task,
    Callback,
    Destructor,
}

impl World {
    fn resolve(&self, t: Target, me: Option<TaskId>) -> Option<TaskId> {
        match t {
            Target::Me => me,
            Target::Known(k) => {
                let ids = self.ids.borrow();
                (!ids.is_empty()).then(|| ids[usize::from(k) % ids.len()])
            }
            Target::Stale => self.stale.get(),
            Target::Foreign => self.foreign.get(),
        }
    }

    /// Makes `call` on `t` and checks the answer.
    fn call(&'static self, call: Call, t: Target, me: Option<TaskId>, from: Site) {
        let s = self.s;
        let id = self.resolve(t, me);
        let gone = matches!(t, Target::Stale | Target::Foreign);
        match call {
            Call::Pause | Call::Resume | Call::Stop | Call::Status | Call::Stats => {
                let Some(id) = id else { return };
                let status = s.status(id);
                let r = match call {
                    Call::Pause => s.pause(id),
                    Call::Resume => s.resume(id),
                    Call::Stop => s.stop(id),
                    Call::Stats => s.task_stats(id).map(|_| ()),
                    _ => {
                        if status == Status::Finished {
                            Err(TaskError::Finished)
                        } else {
                            Ok(())
                        }
                    }
                };
                if gone {
                    assert_eq!(status, Status::Finished, "{t:?}");
                    assert_eq!(r, Err(TaskError::Finished), "{t:?}");
                }
                seen(format!("{call:?} from {from:?}: {}", if r.is_ok() { "Ok" } else { "Finished" }));
                // A call answers `Finished` exactly when the status said so just before.
                assert_eq!(
                    r.is_err(),
                    status == Status::Finished,
                    "{call:?} on {t:?}: {r:?} after {status:?}"
                );
            }
            Call::StopAll => s.stop_all(),
            Call::Spawn(k) => {
                if self.spawn_budget.get() == 0 {
                    return;
                }
                self.spawn_budget.set(self.spawn_budget.get() - 1);
                let r = self.spawn(k);
                seen(format!("Spawn from {from:?}: {:?}", r.map(|_| ())));
                match r {
                    Ok(_) | Err(SpawnError::Full) => {}
                    Err(SpawnError::Stopping) => {
                        assert_eq!(from, Site::Destructor, "only the final drops refuse a spawn as Stopping")
                    }
                }
            }
            Call::RunNested => {
                assert_eq!(s.run(self.clock), RunEnd::AlreadyRunning);
                seen(format!("RunNested from {from:?}: AlreadyRunning"));
            }
            Call::Current => {
                let cur = s.current();
                if from == Site::Task {
                    // Its own id, or none once it has stopped itself in this poll.
                    assert!(
                        cur == me || (cur.is_none() && s.status(me.unwrap()) == Status::Finished),
                        "{cur:?}"
                    );
                }
            }
        }
    }

    fn spawn(&'static self, k: u8) -> Result<TaskId, SpawnError> {
        let idx = usize::from(k) % self.prog.scripts.len();
        let guard = self.guard(idx);
        let r = self.s.spawn_with(move |me| task(self, idx, me, guard));
        if let Ok(id) = r {
            self.ids.borrow_mut().push(id);
        }
        r
    }

    fn guard(&'static self, script: usize) -> Guard {
        self.made.set(self.made.get() + 1);
        Guard { w: self, script, me: Cell::new(None) }
    }
}

/// Counts its task's drop, and makes the script's destructor call.
struct Guard {
    w: &'static World,
    script: usize,
    me: Cell<Option<TaskId>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.w.dropped.set(self.w.dropped.get() + 1);
        if let Some((c, t)) = self.w.prog.scripts[self.script].on_drop {
            self.w.call(c, t, self.me.get(), Site::Destructor);
        }
    }
}

async fn task(w: &'static World, script: usize, me: TaskId, guard: Guard) {
    guard.me.set(Some(me));
    let us = |d: u16| Duration::from_micros(u64::from(d));
    for op in w.prog.scripts[script].ops.clone() {
        match op {
            Op::Yield => yield_now().await,
            Op::Sleep(d) => {
                sleep(us(d)).await;
            }
            Op::IrqWait(d) => {
                w.line.wait_timeout(us(d)).await;
            }
            Op::Signal => {
                w.line.signal();
                w.sig.signal();
            }
            Op::SignalWait(d) => {
                let _ = timeout(us(d), w.sig.wait()).await;
            }
            Op::Call(c, t) => w.call(c, t, Some(me), Site::Task),
            Op::Join(t, d) => {
                if let Some(id) = w.resolve(t, Some(me)) {
                    match d {
                        Some(d) => {
                            let _ = timeout(us(d), w.s.join(id)).await;
                        }
                        None => w.s.join(id).await,
                    }
                }
            }
            Op::Poll(c, t, d) => {
                let mut done = false;
                let mut p = Poller::with_timeout(
                    move || {
                        if !done {
                            done = true;
                            w.call(c, t, Some(me), Site::Callback);
                        }
                        Some(1)
                    },
                    us(d),
                );
                p.wait().await;
            }
        }
    }
    drop(guard);
}

fn run_case(prog: Prog) -> Result<(), TestCaseError> {
    let s: &'static S = Box::leak(Box::new(Sched::new()));
    let other: &'static Sched<2, 64> = Box::leak(Box::new(Sched::new()));
    let clock: &'static Watchdog =
        Box::leak(Box::new(Watchdog { inner: NoHang::new(), reads: Cell::new(0) }));
    let w: &'static World = Box::leak(Box::new(World {
        s,
        clock,
        prog,
        ids: RefCell::new(Vec::new()),
        stale: Cell::new(None),
        foreign: Cell::new(None),
        line: IrqLine::new(),
        sig: Signal::new(),
        made: Cell::new(0),
        dropped: Cell::new(0),
        spawn_budget: Cell::new(24),
    }));
    // A stale id: a task spawned and stopped before the run (its slot is then reused).
    let stale = s.spawn(async {}).unwrap();
    s.stop(stale).unwrap();
    w.stale.set(Some(stale));
    w.foreign.set(Some(other.spawn(core::future::pending()).unwrap()));
    for &k in &w.prog.spawn_first.clone() {
        let _ = w.spawn(k);
    }
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.run(clock)));
    let end = match run {
        Ok(end) => end,
        Err(e) => {
            let msg = e
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| e.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return Err(TestCaseError::fail(format!("panicked: {msg}")));
        }
    };
    seen(format!("run: {end:?}"));
    prop_assert!(end != RunEnd::AlreadyRunning);
    prop_assert_eq!(s.free_slots(), N, "slots left taken after {:?}", end);
    prop_assert_eq!(w.made.get(), w.dropped.get(), "a task was dropped twice or never");
    for &id in w.ids.borrow().iter() {
        prop_assert_eq!(s.status(id), Status::Finished);
    }
    // Still usable: a new task runs, exactly on time.
    let t0 = clock.now();
    let late: &'static Cell<Option<Duration>> = Box::leak(Box::new(Cell::new(None)));
    s.spawn(async move { late.set(Some(sleep(Duration::from_millis(1)).await)) }).unwrap();
    prop_assert_eq!(s.run(clock), RunEnd::Finished);
    prop_assert_eq!(late.get(), Some(Duration::ZERO));
    prop_assert_eq!(clock.now(), t0 + Duration::from_millis(1));
    prop_assert_eq!(s.free_slots(), N);
    Ok(())
}

#[test]
fn misuse_never_panics_hangs_or_leaks() {
    let cases = match std::env::var("USCHED_MISUSE_CASES") {
        Ok(v) => v.parse().expect("USCHED_MISUSE_CASES must be a number"),
        Err(_) => 300,
    };
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    if let Err(e) = runner.run(&prog(), run_case) {
        panic!("{e}");
    }
    SEEN.with(|m| {
        for (what, n) in m.borrow().iter() {
            println!("{n:8} {what}");
        }
    });
}
