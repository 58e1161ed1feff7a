//! The random programs both sides run, the trace both sides write, and how programs are generated.
//!
//! A program is a handful of task scripts. The first `initial` scripts are spawned before `run`;
//! the others only run if some task spawns them. A script may only spawn scripts listed after it,
//! so every program ends. Tasks are named by number, in the order they were spawned (task 0 is
//! the first spawned), and control ops pick their target among the tasks spawned so far.

use std::fmt;

use proptest::prelude::*;
use proptest::sample::select;

/// Task slots of the scheduler under test (small, so that spawns can fail with `Full`).
pub const POOL: usize = 4;
/// Interrupt lines shared by all tasks.
pub const LINES: usize = 2;
/// A run is halted (as if `stop_all` had been called) at the first idle at or after this time,
/// so that pollers that never fire cannot keep it going for ever.
pub const TIME_LIMIT: u64 = 50_000;
/// How far the simulated clock moves on an idle pass with a poll interval of zero.
pub const SIM_STEP: u64 = 100;

#[derive(Clone, Debug)]
pub struct Program {
    /// The scheduler's poll interval in µs (how long it idles while a poller waits).
    pub poll_every: u64,
    /// Scripts `0..initial` are spawned, in order, before `run`.
    pub initial: usize,
    pub scripts: Vec<Script>,
}

/// One script per line, for failure messages.
impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "poll interval {} us; scripts 0..{} spawned before run", self.poll_every, self.initial)?;
        for (i, s) in self.scripts.iter().enumerate() {
            let p = s.poller;
            write!(f, "  script {i}: {:?}", s.ops)?;
            if s.ops.iter().any(|op| matches!(op, Op::Poll | Op::PollSameDeadline)) {
                write!(f, "  (poller: {:?}, timeout {:?})", p.fires, p.timeout)?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub struct Script {
    /// The one poller a task of this script owns; `Poll` and `PollSameDeadline` wait on it.
    pub poller: PollerSpec,
    pub ops: Vec<Op>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollerSpec {
    pub fires: Fires,
    /// The poller's timeout in µs, if it has one.
    pub timeout: Option<u64>,
}

/// What a poller callback returns. Both are pure functions of the clock and the shared counter,
/// so how often the scheduler calls them does not change what they report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fires {
    /// `Some(v)` once the clock reads `at` µs or more.
    AtTime { at: u64, v: u32 },
    /// `Some(v)` once the shared counter (see `Op::Bump`) reaches `n`.
    CounterReaches { n: u32, v: u32 },
    /// Always `None`.
    Never,
}

impl Fires {
    pub fn eval(self, now: u64, counter: u32) -> Option<u32> {
        match self {
            Fires::AtTime { at, v } => (now >= at).then_some(v),
            Fires::CounterReaches { n, v } => (counter >= n).then_some(v),
            Fires::Never => None,
        }
    }
}

/// Which task a control op or a join is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The task running the op.
    Me,
    /// Task number `k % (tasks spawned so far)`.
    Task(usize),
}

impl Target {
    pub fn resolve(self, me: usize, spawned: usize) -> usize {
        match self {
            Target::Me => me,
            Target::Task(k) => k % spawned,
        }
    }
}

/// The future that `Op::Timeout` puts a time limit on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inner {
    Sleep(u64),
    Join(Target),
    Irq(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `yield_now().await`
    Yield,
    /// `sleep(µs).await`
    Sleep(u64),
    /// `sleep(Duration::MAX).await`: the deadline saturates.
    SleepMax,
    /// `sleep_until(Instant::from_micros(at)).await`
    SleepUntil(u64),
    /// Hold the processor for this many µs (`SimClock::advance`).
    Work(u64),
    /// `poller.wait().await`: the timeout (if any) is armed afresh.
    Poll,
    /// `poller.wait_same_deadline().await`
    PollSameDeadline,
    /// `line.wait().await` or `line.wait_timeout(µs).await`
    Irq {
        line: usize,
        timeout: Option<u64>,
    },
    /// `line.signal_n(n)` (`signal()` for 1)
    Signal {
        line: usize,
        n: u32,
    },
    /// Adds one to the counter that `Fires::CounterReaches` callbacks look at.
    Bump,
    /// Spawns script `k` (always a later script).
    Spawn(usize),
    Pause(Target),
    Resume(Target),
    Stop(Target),
    Status(Target),
    /// `sched.join(id).await`
    Join(Target),
    /// `timeout(µs, inner).await`
    Timeout {
        limit: u64,
        inner: Inner,
    },
    StopAll,
}

// ----- the trace ------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    /// A spawn: `by` is the spawning task (`None` before `run`).
    Spawned { at: u64, by: Option<usize>, script: usize, got: Result<usize, Refused> },
    /// A task's first poll.
    Start { at: u64, task: usize },
    /// An await returned (`got`) and the task runs on.
    Woke { at: u64, task: usize, got: Got },
    /// A control call and its answer.
    Control { at: u64, task: usize, call: Call, target: usize, got: Answer },
    /// A task's drop guard was dropped.
    Dropped { at: u64, task: usize },
    /// The referee ended a run that could not go on (see `Halt`).
    Halt { at: u64, why: Halt },
    /// `run` returned.
    End(End),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    Full,
    Stopping,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Got {
    Yielded,
    /// A sleep ended this many µs after its deadline.
    Late(u64),
    Event(u32),
    PollTimedOut(u64),
    Irq(u32),
    IrqTimedOut(u64),
    Joined,
    /// `timeout(..)` returned `Ok` with this.
    InTime(Box<Got>),
    /// `timeout(..)` returned `Err(Elapsed { late })`.
    Elapsed(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Pause,
    Resume,
    Stop,
    Status,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `Ok(())`
    Done,
    /// `Err(TaskError::Finished)`
    Gone,
    Running,
    Paused,
    Finished,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Halt {
    /// Nothing could ever run again: no task ready, no deadline, no poller.
    Deadlock,
    /// The clock passed `TIME_LIMIT`.
    TimeLimit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Finished,
    Stopped,
    AllPaused,
}

impl fmt::Display for Ev {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ev::Spawned { at, by: Some(by), script, got } => {
                write!(f, "{at:>6} T{by} spawn script {script} -> {got:?}")
            }
            Ev::Spawned { at, by: None, script, got } => {
                write!(f, "{at:>6} -- spawn script {script} -> {got:?}")
            }
            Ev::Start { at, task } => write!(f, "{at:>6} T{task} starts"),
            Ev::Woke { at, task, got } => write!(f, "{at:>6} T{task} woke {got:?}"),
            Ev::Control { at, task, call, target, got } => {
                write!(f, "{at:>6} T{task} {call:?}(T{target}) -> {got:?}")
            }
            Ev::Dropped { at, task } => write!(f, "{at:>6} T{task} dropped"),
            Ev::Halt { at, why } => write!(f, "{at:>6} -- halt: {why:?}"),
            Ev::End(end) => write!(f, "   end {end:?}"),
        }
    }
}

/// Both traces side by side, from the first difference on (with a little context before it).
pub fn diff(model: &[Ev], real: &[Ev]) -> String {
    let first = model.iter().zip(real).position(|(a, b)| a != b).unwrap_or(model.len().min(real.len()));
    let from = first.saturating_sub(6);
    let mut out = format!("first difference at event {first}\n{:<48} | usched\n", "model");
    for i in from..model.len().max(real.len()) {
        let a = model.get(i).map_or(String::new(), |e| e.to_string());
        let b = real.get(i).map_or(String::new(), |e| e.to_string());
        let mark = if i >= first && a != b { '!' } else { ' ' };
        out.push_str(&format!("{mark}{a:<47} | {b}\n"));
    }
    out
}

// ----- generation -----------------------------------------------------------------------------

fn us_sleep() -> impl Strategy<Value = u64> {
    select(&[0u64, 1, 50, 100, 150, 300, 1_000][..])
}

fn us_work() -> impl Strategy<Value = u64> {
    select(&[1u64, 50, 100, 250][..])
}

fn us_at() -> impl Strategy<Value = u64> {
    select(&[0u64, 100, 200, 250, 500, 1_200][..])
}

fn us_limit() -> impl Strategy<Value = u64> {
    select(&[0u64, 50, 100, 400][..])
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![1 => Just(Target::Me), 3 => (0usize..6).prop_map(Target::Task)]
}

/// Joining oneself waits for ever (documented), so it is rare.
fn join_target() -> impl Strategy<Value = Target> {
    prop_oneof![1 => Just(Target::Me), 9 => (0usize..6).prop_map(Target::Task)]
}

fn line() -> impl Strategy<Value = usize> {
    0..LINES
}

fn fires() -> impl Strategy<Value = Fires> {
    prop_oneof![
        3 => (us_at(), 0u32..3).prop_map(|(at, v)| Fires::AtTime { at, v }),
        2 => (1u32..3, 0u32..3).prop_map(|(n, v)| Fires::CounterReaches { n, v }),
        1 => Just(Fires::Never),
    ]
}

fn poller_spec() -> impl Strategy<Value = PollerSpec> {
    (fires(), prop::option::weighted(0.6, select(&[0u64, 100, 250, 600][..])))
        .prop_map(|(fires, timeout)| PollerSpec { fires, timeout })
}

fn inner() -> impl Strategy<Value = Inner> {
    prop_oneof![
        us_sleep().prop_map(Inner::Sleep),
        join_target().prop_map(Inner::Join),
        line().prop_map(Inner::Irq)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let ops: Vec<(u32, BoxedStrategy<Op>)> = vec![
        (12, Just(Op::Yield).boxed()),
        (12, us_sleep().prop_map(Op::Sleep).boxed()),
        (1, Just(Op::SleepMax).boxed()),
        (5, us_at().prop_map(Op::SleepUntil).boxed()),
        (15, us_work().prop_map(Op::Work).boxed()),
        (12, Just(Op::Poll).boxed()),
        (3, Just(Op::PollSameDeadline).boxed()),
        (
            12,
            (line(), prop::option::weighted(0.7, us_limit()))
                .prop_map(|(line, timeout)| Op::Irq { line, timeout })
                .boxed(),
        ),
        (
            12,
            (line(), select(&[1u32, 1, 2, 3, u32::MAX][..]))
                .prop_map(|(line, n)| Op::Signal { line, n })
                .boxed(),
        ),
        (3, Just(Op::Bump).boxed()),
        (9, (0usize..8).prop_map(Op::Spawn).boxed()),
        (6, target().prop_map(Op::Pause).boxed()),
        (9, target().prop_map(Op::Resume).boxed()),
        (3, target().prop_map(Op::Stop).boxed()),
        (3, target().prop_map(Op::Status).boxed()),
        (9, join_target().prop_map(Op::Join).boxed()),
        (12, (us_limit(), inner()).prop_map(|(limit, inner)| Op::Timeout { limit, inner }).boxed()),
        // Rare: it ends the whole program.
        (1, Just(Op::StopAll).boxed()),
    ];
    proptest::strategy::Union::new_weighted(ops)
}

fn script() -> impl Strategy<Value = Script> {
    (poller_spec(), prop::collection::vec(op(), 1..=10)).prop_map(|(poller, ops)| Script { poller, ops })
}

/// Poll intervals, zero included (the simulated clock then idles in steps of `SIM_STEP`).
fn poll_every() -> impl Strategy<Value = u64> {
    select(&[50u64, 100, 300, 0][..])
}

/// A random program: 1 to 5 scripts of up to 10 ops each.
pub fn program() -> impl Strategy<Value = Program> {
    (poll_every(), 0usize..POOL, prop::collection::vec(script(), 1..=5)).prop_map(
        |(poll_every, initial, scripts)| {
            let initial = 1 + initial % scripts.len().min(POOL);
            normalize(Program { poll_every, initial, scripts })
        },
    )
}

/// Makes a program follow the generator's one rule (and so does nothing to one that already
/// does): a script spawns only scripts listed after it, so the last one spawns nothing.
pub fn normalize(mut prog: Program) -> Program {
    let n = prog.scripts.len();
    for (i, s) in prog.scripts.iter_mut().enumerate() {
        for op in &mut s.ops {
            if let Op::Spawn(k) = op {
                if i + 1 < n {
                    *k = i + 1 + *k % (n - i - 1);
                } else {
                    *op = Op::Yield;
                }
            }
        }
    }
    prog
}
