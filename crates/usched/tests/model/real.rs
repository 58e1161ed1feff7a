//! Running a program on usched itself, on the simulated clock, writing the same trace as the model.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use usched::{
    sleep, sleep_until, timeout, yield_now, Clock, Instant, IrqLine, IrqResult, PollResult, Poller, RunEnd,
    Sched, SpawnError, Status, TaskError, TaskId, Wakeup,
};
use usched_sim::SimClock;

use super::program::*;

/// Bytes per task slot: enough for the script interpreter's future.
const SLOT: usize = 1024;
type S = Sched<POOL, SLOT>;

/// Everything one run shares. Leaked for the run (tasks need `'static`), freed afterwards.
struct Ctx {
    prog: Program,
    sched: &'static S,
    clock: &'static Referee,
    lines: [IrqLine; LINES],
    counter: Cell<u32>,
    /// Task number -> id, for every successful spawn, in spawn order.
    ids: RefCell<Vec<TaskId>>,
    trace: RefCell<Vec<Ev>>,
}

impl Ctx {
    fn now(&self) -> u64 {
        self.clock.sim.now().as_micros()
    }
    fn push(&self, ev: Ev) {
        self.trace.borrow_mut().push(ev);
    }
    fn woke(&self, task: usize, got: Got) {
        self.push(Ev::Woke { at: self.now(), task, got });
    }
    fn target(&self, me: usize, t: Target) -> (usize, TaskId) {
        let ids = self.ids.borrow();
        let k = t.resolve(me, ids.len());
        (k, ids[k])
    }
    fn control(&self, task: usize, call: Call, target: usize, got: Answer) {
        self.push(Ev::Control { at: self.now(), task, call, target, got });
    }
}

/// The simulated clock, refereeing: where usched would park the thread for ever (nothing ready,
/// no deadline, no pending wake) or the clock has passed `TIME_LIMIT`, it records a `Halt` and
/// calls `stop_all` instead, exactly where the model does. A lost wake therefore shows up as a
/// difference of traces instead of a hung test.
struct Referee {
    sim: SimClock,
    ctx: Cell<Option<&'static Ctx>>,
    idles: Cell<u32>,
}

impl Referee {
    fn halt(&self, why: Halt) {
        let ctx = self.ctx.get().expect("the referee knows its run");
        ctx.push(Ev::Halt { at: ctx.now(), why });
        ctx.sched.stop_all();
    }
}

impl Clock for Referee {
    fn now(&self) -> Instant {
        self.sim.now()
    }

    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        self.idles.set(self.idles.get() + 1);
        assert!(self.idles.get() < 1_000_000, "the scheduler keeps idling");
        if self.sim.now().as_micros() >= TIME_LIMIT {
            self.halt(Halt::TimeLimit);
        } else if until.is_none() && !wake.pending() {
            self.halt(Halt::Deadlock);
        } else {
            Clock::idle(&self.sim, until, wake);
        }
    }
}

/// Traces the drop of its task. A spawn that fails drops the future, guard included, before the
/// task gets a number: that drop is not traced.
struct Guard {
    ctx: &'static Ctx,
    task: usize,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.ctx.ids.borrow().len() > self.task {
            self.ctx.push(Ev::Dropped { at: self.ctx.now(), task: self.task });
        }
    }
}

fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap()
}

fn spawn_script(ctx: &'static Ctx, by: Option<usize>, script: usize) {
    let task = ctx.ids.borrow().len();
    let got = match ctx.sched.spawn(body(ctx, task, script, Guard { ctx, task })) {
        Ok(id) => {
            ctx.ids.borrow_mut().push(id);
            Ok(task)
        }
        Err(SpawnError::Full) => Err(Refused::Full),
        Err(SpawnError::Stopping) => Err(Refused::Stopping),
    };
    ctx.push(Ev::Spawned { at: ctx.now(), by, script, got });
}

fn answer(r: Result<(), TaskError>) -> Answer {
    match r {
        Ok(()) => Answer::Done,
        Err(TaskError::Finished) => Answer::Gone,
    }
}

fn poll_got(r: PollResult) -> Got {
    match r {
        PollResult::Event(v) => Got::Event(v),
        PollResult::TimedOut(late) => Got::PollTimedOut(micros(late)),
    }
}

fn irq_got(r: IrqResult) -> Got {
    match r {
        IrqResult::Irq(n) => Got::Irq(n),
        IrqResult::TimedOut(late) => Got::IrqTimedOut(micros(late)),
    }
}

fn limited<T>(r: Result<T, usched::Elapsed>, got: impl FnOnce(T) -> Got) -> Got {
    match r {
        Ok(v) => Got::InTime(Box::new(got(v))),
        Err(e) => Got::Elapsed(micros(e.late)),
    }
}

/// One task: interprets its script on the real scheduler.
async fn body(ctx: &'static Ctx, me: usize, script: usize, guard: Guard) {
    let _guard = guard;
    ctx.push(Ev::Start { at: ctx.now(), task: me });
    let s = ctx.sched;
    let spec = ctx.prog.scripts[script].poller;
    let callback = move || spec.fires.eval(ctx.now(), ctx.counter.get());
    let mut poller = match spec.timeout {
        Some(t) => Poller::with_timeout(callback, us(t)),
        None => Poller::new(callback),
    };
    for &op in &ctx.prog.scripts[script].ops {
        match op {
            Op::Yield => {
                yield_now().await;
                ctx.woke(me, Got::Yielded);
            }
            Op::Sleep(d) => {
                let late = sleep(us(d)).await;
                ctx.woke(me, Got::Late(micros(late)));
            }
            Op::SleepMax => {
                let late = sleep(Duration::MAX).await;
                ctx.woke(me, Got::Late(micros(late)));
            }
            Op::SleepUntil(at) => {
                let late = sleep_until(Instant::from_micros(at)).await;
                ctx.woke(me, Got::Late(micros(late)));
            }
            Op::Work(d) => ctx.clock.sim.advance(us(d)),
            Op::Poll => {
                let r = poller.wait().await;
                ctx.woke(me, poll_got(r));
            }
            Op::PollSameDeadline => {
                let r = poller.wait_same_deadline().await;
                ctx.woke(me, poll_got(r));
            }
            Op::Irq { line, timeout: None } => {
                let r = ctx.lines[line].wait().await;
                ctx.woke(me, irq_got(r));
            }
            Op::Irq { line, timeout: Some(t) } => {
                let r = ctx.lines[line].wait_timeout(us(t)).await;
                ctx.woke(me, irq_got(r));
            }
            Op::Signal { line, n: 1 } => ctx.lines[line].signal(),
            Op::Signal { line, n } => ctx.lines[line].signal_n(n),
            Op::Bump => ctx.counter.set(ctx.counter.get().saturating_add(1)),
            Op::Spawn(k) => spawn_script(ctx, Some(me), k),
            Op::Pause(t) => {
                let (k, id) = ctx.target(me, t);
                let got = answer(s.pause(id));
                ctx.control(me, Call::Pause, k, got);
            }
            Op::Resume(t) => {
                let (k, id) = ctx.target(me, t);
                let got = answer(s.resume(id));
                ctx.control(me, Call::Resume, k, got);
            }
            Op::Stop(t) => {
                let (k, id) = ctx.target(me, t);
                let got = answer(s.stop(id));
                ctx.control(me, Call::Stop, k, got);
            }
            Op::Status(t) => {
                let (k, id) = ctx.target(me, t);
                let got = match s.status(id) {
                    Status::Running => Answer::Running,
                    Status::Paused => Answer::Paused,
                    Status::Finished => Answer::Finished,
                };
                ctx.control(me, Call::Status, k, got);
            }
            Op::Join(t) => {
                let (_, id) = ctx.target(me, t);
                s.join(id).await;
                ctx.woke(me, Got::Joined);
            }
            Op::Timeout { limit, inner: Inner::Sleep(d) } => {
                let r = timeout(us(limit), sleep(us(d))).await;
                ctx.woke(me, limited(r, |late| Got::Late(micros(late))));
            }
            Op::Timeout { limit, inner: Inner::Join(t) } => {
                let (_, id) = ctx.target(me, t);
                let r = timeout(us(limit), s.join(id)).await;
                ctx.woke(me, limited(r, |()| Got::Joined));
            }
            Op::Timeout { limit, inner: Inner::Irq(line) } => {
                let r = timeout(us(limit), ctx.lines[line].wait()).await;
                ctx.woke(me, limited(r, irq_got));
            }
            Op::StopAll => s.stop_all(),
        }
    }
}

/// Runs `prog` on usched and returns its trace.
///
/// The scheduler, the clock and the run's context must be `'static` for the tasks; they are made
/// with `Box::into_raw` and freed at the end, which keeps a long run's memory flat.
pub fn run(prog: &Program) -> Vec<Ev> {
    let sched_box = Box::into_raw(Box::new(S::new()));
    let clock_box =
        Box::into_raw(Box::new(Referee { sim: SimClock::new(), ctx: Cell::new(None), idles: Cell::new(0) }));
    // SAFETY: both stay allocated until the end of this function, and the references are not
    // used after that (see the SAFETY note there).
    let (sched, clock): (&'static S, &'static Referee) = unsafe { (&*sched_box, &*clock_box) };
    let ctx_box = Box::into_raw(Box::new(Ctx {
        prog: prog.clone(),
        sched,
        clock,
        lines: [const { IrqLine::new() }; LINES],
        counter: Cell::new(0),
        ids: RefCell::new(Vec::new()),
        trace: RefCell::new(Vec::new()),
    }));
    // SAFETY: as above.
    let ctx: &'static Ctx = unsafe { &*ctx_box };
    clock.ctx.set(Some(ctx));
    for script in 0..prog.initial {
        spawn_script(ctx, None, script);
    }
    sched.set_poll_interval(us(prog.poll_every));
    let end = match sched.run(clock) {
        RunEnd::Finished => End::Finished,
        RunEnd::Stopped => End::Stopped,
        RunEnd::AllPaused => End::AllPaused,
        // Not `AlreadyRunning` (run is called once, from outside), nor any way of giving up on
        // a stuck run that a scheduler may have: the referee halts such a run first.
        other => panic!("run ended with {other:?}"),
    };
    assert_eq!(sched.free_slots(), POOL, "every task is dropped when run returns");
    ctx.push(Ev::End(end));
    let trace = ctx.trace.take();
    // SAFETY: `run` has returned and dropped every task (checked just above), so no future,
    // poller or guard holding these references is left, and the clock is not called again. The
    // interrupt lines may still hold a waker pointing into the scheduler: they are freed with the
    // context, first, and never wake anything. A run that panics never gets here: it leaks.
    unsafe {
        drop(Box::from_raw(ctx_box));
        drop(Box::from_raw(clock_box));
        drop(Box::from_raw(sched_box));
    }
    trace
}
