//! The deadline heap against a sorted-list model, on random programs with many tasks (a deep heap)
//! and many equal deadlines: tasks that only `sleep_until` (in the past, near `u64::MAX`, equal to
//! each other), a controller task that pauses, resumes and stops them, spawns more (slots are
//! reused), and may `stop_all`; tasks that panic out of `run` (which is then called again); and
//! several runs of the same scheduler one after the other. The model keeps the armed deadlines as a
//! plain list and takes the least `(deadline, spawn order)`: the traces (who fired when, how late,
//! what each control call answered, when each drop guard went) must be identical.
mod common;
use common::*;
use std::cell::{Cell, RefCell};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use usched::{sleep_until, Instant, RunEnd, Sched, SpawnError, TaskId};

/// A deadline: relative to the clock when the phase starts, or absolute (near `u64::MAX`).
#[derive(Clone, Copy, Debug)]
enum D {
    Rel(u64),
    Abs(u64),
}

fn resolve(base: u64, d: D) -> u64 {
    match d {
        D::Rel(r) => base.saturating_add(r),
        D::Abs(a) => a,
    }
}

#[derive(Clone, Debug)]
struct TaskSpec {
    deadlines: Vec<D>,
    /// Panics right after this step fires.
    panic_at: Option<usize>,
}

#[derive(Clone, Debug)]
enum Act {
    Pause(usize),
    Resume(usize),
    Stop(usize),
    Spawn(TaskSpec),
    StopAll,
}

#[derive(Clone, Debug)]
struct Phase {
    ctl: Vec<(D, Act)>,
    tasks: Vec<TaskSpec>,
}

fn d() -> impl Strategy<Value = D> {
    prop_oneof![
        12 => (0u64..30).prop_map(D::Rel),
        1 => (0u64..3).prop_map(|k| D::Abs(u64::MAX - k)),
    ]
}

fn task_spec() -> impl Strategy<Value = TaskSpec> {
    (prop::collection::vec(d(), 1..4), prop::option::weighted(0.03, 0usize..4))
        .prop_map(|(deadlines, panic_at)| TaskSpec { deadlines, panic_at })
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        6 => any::<usize>().prop_map(Act::Pause),
        6 => any::<usize>().prop_map(Act::Resume),
        4 => any::<usize>().prop_map(Act::Stop),
        4 => task_spec().prop_map(Act::Spawn),
        1 => Just(Act::StopAll),
    ]
}

fn program(max_tasks: usize, max_acts: usize) -> impl Strategy<Value = Vec<Phase>> {
    let phase =
        (prop::collection::vec((d(), act()), 0..max_acts), prop::collection::vec(task_spec(), 0..max_tasks))
            .prop_map(|(ctl, tasks)| Phase { ctl, tasks });
    prop::collection::vec(phase, 1..4)
}

// ---------------------------------------------------------------------------------------------
// The real scheduler.

struct World<const N: usize> {
    s: &'static Sched<N, 512>,
    c: &'static NoHang,
    log: RefCell<Vec<String>>,
    /// This phase's tasks other than the controller, and whether each has had its first poll.
    ids: RefCell<Vec<(TaskId, usize)>>,
    armed: RefCell<Vec<bool>>,
    base: Cell<u64>,
    next_name: Cell<usize>,
}

impl<const N: usize> World<N> {
    fn now(&self) -> u64 {
        self.c.now().as_micros()
    }
    fn log(&self, s: String) {
        self.log.borrow_mut().push(format!("{} {s}", self.now()));
    }
    fn target(&self, t: usize) -> Option<TaskId> {
        let ids = self.ids.borrow();
        if ids.is_empty() {
            return None;
        }
        let i = t % ids.len();
        self.armed.borrow()[i].then_some(ids[i].0)
    }
}

struct Guard<const N: usize> {
    w: &'static World<N>,
    name: usize,
    panicked: bool,
}

impl<const N: usize> Drop for Guard<N> {
    fn drop(&mut self) {
        if !self.panicked {
            self.w.log(format!("drop t{}", self.name));
        }
    }
}

fn spawn_task<const N: usize>(w: &'static World<N>, spec: TaskSpec) -> Result<usize, SpawnError> {
    let name = w.next_name.get();
    let k = w.ids.borrow().len();
    let id = w.s.spawn(async move {
        let mut g = Guard { w, name, panicked: false };
        w.armed.borrow_mut()[k] = true;
        for (j, &d) in spec.deadlines.iter().enumerate() {
            let late = sleep_until(Instant::from_micros(resolve(w.base.get(), d))).await;
            w.log(format!("t{name} s{j} late {}", late.as_micros()));
            if spec.panic_at == Some(j) {
                g.panicked = true;
                panic!("boom t{name}");
            }
        }
        drop(g);
    })?;
    w.next_name.set(name + 1);
    w.ids.borrow_mut().push((id, name));
    w.armed.borrow_mut().push(false);
    Ok(name)
}

fn real<const N: usize>(prog: &[Phase]) -> Vec<String> {
    let w: &'static World<N> = Box::leak(Box::new(World {
        s: sched(),
        c: clock(),
        log: RefCell::default(),
        ids: RefCell::default(),
        armed: RefCell::default(),
        base: Cell::new(0),
        next_name: Cell::new(0),
    }));
    for phase in prog {
        w.base.set(w.now());
        w.ids.borrow_mut().clear();
        w.armed.borrow_mut().clear();
        let name = w.next_name.get();
        let acts = phase.ctl.clone();
        let ctl = w.s.spawn(async move {
            let _g = Guard { w, name, panicked: false };
            for (j, (at, act)) in acts.into_iter().enumerate() {
                let late = sleep_until(Instant::from_micros(resolve(w.base.get(), at))).await;
                let r = match act {
                    Act::Pause(t) => {
                        w.target(t).map(|id| w.s.pause(id).is_ok()).map_or("skip".into(), |b| b.to_string())
                    }
                    Act::Resume(t) => {
                        w.target(t).map(|id| w.s.resume(id).is_ok()).map_or("skip".into(), |b| b.to_string())
                    }
                    Act::Stop(t) => {
                        w.target(t).map(|id| w.s.stop(id).is_ok()).map_or("skip".into(), |b| b.to_string())
                    }
                    Act::Spawn(spec) => format!("{:?}", spawn_task(w, spec).ok()),
                    Act::StopAll => {
                        w.s.stop_all();
                        "stop_all".into()
                    }
                };
                w.log(format!("c{name} s{j} late {} -> {r}", late.as_micros()));
            }
        });
        if ctl.is_err() {
            w.log("controller full".into());
            continue;
        }
        w.next_name.set(name + 1);
        for spec in &phase.tasks {
            if spawn_task(w, spec.clone()).is_err() {
                w.log("spawn full".into());
            }
        }
        loop {
            match run_caught(w.s, w.c) {
                Ok(end) => {
                    w.log(format!("end {end:?}"));
                    break;
                }
                Err(e) if e.starts_with("boom") => w.log(format!("panic {e}")),
                Err(e) => panic!("run panicked: {e}"),
            }
        }
    }
    w.log.take()
}

// ---------------------------------------------------------------------------------------------
// The model.

#[derive(Clone, Copy, PartialEq, Debug)]
enum St {
    Fresh,
    Armed,
    Paused,
    Done,
    /// Its poll panicked: its drop (unlogged) comes at the start of the next run.
    Panicked,
}

struct MTask {
    name: usize,
    /// Resolved deadlines (the controller's action times).
    deadlines: Vec<u64>,
    acts: Vec<Act>,
    ctl: bool,
    panic_at: Option<usize>,
    step: usize,
    st: St,
}

struct Model {
    n: usize,
    now: u64,
    base: u64,
    log: Vec<String>,
    /// Every task ever spawned, in spawn order (so index order is serial order).
    tasks: Vec<MTask>,
    /// The run queue: tasks not yet polled.
    queue: std::collections::VecDeque<usize>,
    /// This phase's non-controller tasks (indices into `tasks`), and whether each was polled.
    ids: Vec<usize>,
    next_name: usize,
    stopping: bool,
}

impl Model {
    fn log(&mut self, s: String) {
        self.log.push(format!("{} {s}", self.now));
    }
    fn live(&self) -> usize {
        self.tasks.iter().filter(|t| !matches!(t.st, St::Done)).count()
    }
    fn spawn(&mut self, spec: &TaskSpec, ctl: Option<Vec<(D, Act)>>) -> Option<usize> {
        if self.live() >= self.n {
            return None;
        }
        let name = self.next_name;
        self.next_name += 1;
        let (deadlines, acts) = match ctl {
            Some(c) => (
                c.iter().map(|(d, _)| resolve(self.base, *d)).collect(),
                c.into_iter().map(|(_, a)| a).collect(),
            ),
            None => (spec.deadlines.iter().map(|&d| resolve(self.base, d)).collect(), Vec::new()),
        };
        let is_ctl = !acts.is_empty() || spec.deadlines.is_empty();
        self.tasks.push(MTask {
            name,
            deadlines,
            acts,
            ctl: is_ctl,
            panic_at: spec.panic_at,
            step: 0,
            st: St::Fresh,
        });
        let i = self.tasks.len() - 1;
        self.queue.push_back(i);
        if !is_ctl {
            self.ids.push(i);
        }
        Some(name)
    }
    fn target(&self, t: usize) -> Option<usize> {
        if self.ids.is_empty() {
            return None;
        }
        let i = self.ids[t % self.ids.len()];
        (self.tasks[i].st != St::Fresh).then_some(i)
    }
    fn drop_task(&mut self, i: usize) {
        // (A task never polled has no guard yet.)
        let polled = self.tasks[i].st != St::Fresh;
        self.tasks[i].st = St::Done;
        let name = self.tasks[i].name;
        if polled {
            self.log(format!("drop t{name}"));
        }
    }
    /// The task's poll after its step fired (or its first poll): arms the next step or ends.
    fn arm_or_end(&mut self, i: usize) {
        self.tasks[i].st = St::Armed;
        if self.tasks[i].step >= self.tasks[i].deadlines.len() {
            self.drop_task(i);
        }
    }
    fn fire(&mut self, i: usize) -> bool {
        let t = &self.tasks[i];
        let (j, name, late) = (t.step, t.name, self.now - t.deadlines[t.step]);
        self.tasks[i].step += 1;
        if self.tasks[i].ctl {
            let act = self.tasks[i].acts[j].clone();
            let r = match act {
                Act::Pause(t) => self.target(t).map_or("skip".into(), |k| {
                    let ok = self.tasks[k].st != St::Done;
                    if self.tasks[k].st == St::Armed {
                        self.tasks[k].st = St::Paused;
                    }
                    ok.to_string()
                }),
                Act::Resume(t) => self.target(t).map_or("skip".into(), |k| {
                    let ok = self.tasks[k].st != St::Done;
                    if self.tasks[k].st == St::Paused {
                        self.tasks[k].st = St::Armed;
                    }
                    ok.to_string()
                }),
                Act::Stop(t) => self.target(t).map_or("skip".into(), |k| {
                    let ok = self.tasks[k].st != St::Done;
                    if ok {
                        self.drop_task(k);
                    }
                    ok.to_string()
                }),
                Act::Spawn(spec) => format!("{:?}", self.spawn(&spec, None)),
                Act::StopAll => {
                    self.stopping = true;
                    "stop_all".into()
                }
            };
            self.log(format!("c{name} s{j} late {late} -> {r}"));
        } else {
            self.log(format!("t{name} s{j} late {late}"));
            if self.tasks[i].panic_at == Some(j) {
                self.tasks[i].st = St::Panicked;
                self.log(format!("panic boom t{name}"));
                return false;
            }
        }
        self.arm_or_end(i);
        true
    }
    /// One call of `run`: false if it panicked.
    fn run(&mut self) -> bool {
        for i in 0..self.tasks.len() {
            if self.tasks[i].st == St::Panicked {
                self.tasks[i].st = St::Done;
            }
        }
        let end = loop {
            if self.stopping {
                break RunEnd::Stopped;
            }
            let due = (0..self.tasks.len())
                .filter(|&i| self.tasks[i].st == St::Armed)
                .min_by_key(|&i| (self.tasks[i].deadlines[self.tasks[i].step], i));
            let at = due.map(|i| self.tasks[i].deadlines[self.tasks[i].step]);
            if let (Some(i), Some(at)) = (due, at) {
                if at <= self.now {
                    if !self.fire(i) {
                        return false;
                    }
                    continue;
                }
            }
            if let Some(i) = self.queue.pop_front() {
                if self.tasks[i].st == St::Fresh {
                    self.arm_or_end(i);
                }
                continue;
            }
            let live = self.live();
            if live == 0 {
                break RunEnd::Finished;
            }
            if self.tasks.iter().all(|t| matches!(t.st, St::Done | St::Paused)) {
                break RunEnd::AllPaused;
            }
            self.now = self.now.max(at.expect("a live unpaused task is armed"));
        };
        self.stopping = false;
        for i in 0..self.tasks.len() {
            if self.tasks[i].st != St::Done {
                self.drop_task(i);
            }
        }
        self.log(format!("end {end:?}"));
        true
    }
}

fn model(n: usize, prog: &[Phase]) -> Vec<String> {
    let mut m = Model {
        n,
        now: 0,
        base: 0,
        log: Vec::new(),
        tasks: Vec::new(),
        queue: Default::default(),
        ids: Vec::new(),
        next_name: 0,
        stopping: false,
    };
    for phase in prog {
        m.base = m.now;
        m.ids.clear();
        let ctl = phase.ctl.clone();
        // The controller: a task whose "deadlines" are its action times.
        let spec = TaskSpec { deadlines: Vec::new(), panic_at: None };
        if m.spawn(&spec, Some(ctl)).is_none() {
            m.log("controller full".into());
            continue;
        }
        for spec in &phase.tasks {
            if m.spawn(spec, None).is_none() {
                m.log("spawn full".into());
            }
        }
        while !m.run() {}
    }
    m.log
}

fn check<const N: usize>(max_tasks: usize, max_acts: usize, cases: u32) {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let quiet = info.payload().downcast_ref::<String>().is_some_and(|s| s.starts_with("boom"));
        if !quiet {
            default_hook(info);
        }
    }));
    let cases = std::env::var("USCHED_HEAP_CASES").map_or(cases, |v| v.parse().unwrap());
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let r = runner.run(&program(max_tasks, max_acts), |prog| {
        let want = model(N, &prog);
        let got = real::<N>(&prog);
        if want != got {
            let first = want.iter().zip(&got).position(|(a, b)| a != b).unwrap_or(want.len().min(got.len()));
            let from = first.saturating_sub(8);
            return Err(TestCaseError::fail(format!(
                "first difference at line {first}\nmodel: {:#?}\nreal:  {:#?}",
                &want[from..want.len().min(first + 8)],
                &got[from..got.len().min(first + 8)]
            )));
        }
        Ok(())
    });
    if let Err(e) = r {
        panic!("{e}");
    }
}

/// 32 slots: the debug build also checks the heap's invariants after every pass.
#[test]
fn small_heap_with_checks() {
    check::<32>(40, 24, 300);
}

/// A deep heap (and spawns that fail with `Full` in the small one above).
#[test]
fn deep_heap() {
    check::<300>(260, 120, 100);
}
