//! The reference model: spec sections A to E as a slow, plain simulation.
//!
//! Tasks are script interpreters; the clock is a `u64` of µs; the round-robin queue is a `Vec`;
//! every pass looks at every task. Nothing here is shared with usched except the program and the
//! trace vocabulary.
//!
//! One pass (C1): if `stop_all` was asked, drop everything and end (D5). Otherwise call the
//! callback of every poller that waits, is not paused and holds no value yet (B3), then run the
//! best ready task:
//! 1. interrupt waiters whose line has a count, larger count first (B4),
//! 2. pollers holding a value, larger value first (B3),
//! 3. waits whose deadline has passed, earliest deadline first (B2, B6),
//! 4. the round-robin queue, first in first out (B1);
//!
//! ties in 1 to 3 go to the task spawned first. A task runs its script until an await that does
//! not complete at once. With nothing ready: the run ends if no task is left (D5) or every task
//! left is paused; otherwise the clock idles (C4): with a poller waiting, to the next deadline or
//! one poll interval on, whichever is first; else to the next deadline; with neither, the
//! program is stuck (a deadlock), which the test treats like a `stop_all`. Only the deadlines of
//! tasks that are not paused count here (D2). A task's end wakes its own joiners and no one
//! else (D4); a `timeout` that gives up drops its inner wait with it.
//!
//! Where the spec leaves a detail open, the model takes usched's documented behaviour:
//! - every await gives up the processor for at least one pass (each is the original's `yield`),
//!   except a join of a task that has already ended, which completes at once;
//! - a poller holding a value is not called again until its task takes the value;
//! - a paused task keeps its place in the round-robin queue; if its turn comes while it is
//!   paused it loses it, and is queued at the back on resume;
//! - a task that stopped itself answers `Finished` from then on (so a join of it completes at
//!   once), but holds its slot until its poll ends;
//! - with a zero poll interval the simulated clock moves in steps of `SIM_STEP`, never past the
//!   next deadline.

use super::program::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Life {
    Alive,
    /// Stopped itself: runs to the end of this poll, then is dropped (D3).
    Stopping,
    Gone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wait {
    /// Spawned, not yet polled: wants its first round-robin turn.
    Fresh,
    Running,
    Yield,
    Sleep {
        at: u64,
    },
    /// Waits on the task's poller (its deadline and held value live in `Task`).
    Poll,
    Irq {
        line: usize,
        at: Option<u64>,
    },
    Join {
        target: usize,
    },
    TimedSleep {
        at: u64,
        limit: u64,
    },
    TimedJoin {
        target: usize,
        limit: u64,
    },
    TimedIrq {
        line: usize,
        limit: u64,
    },
}

#[derive(Debug)]
struct Task {
    script: usize,
    pc: usize,
    life: Life,
    wait: Wait,
    paused: bool,
    /// Became ready for round-robin (or had its turn come) while paused: queue it on resume.
    queue_on_resume: bool,
    /// The poller's armed deadline and the value it holds for the task.
    poll_deadline: Option<u64>,
    poll_value: Option<u32>,
}

pub struct Model<'p> {
    prog: &'p Program,
    now: u64,
    tasks: Vec<Task>,
    /// Round-robin FIFO, oldest first.
    queue: Vec<usize>,
    lines: [u32; LINES],
    counter: u32,
    stop_asked: bool,
    trace: Vec<Ev>,
}

/// Runs `prog` on the model and returns its trace.
pub fn run(prog: &Program) -> Vec<Ev> {
    let mut m = Model {
        prog,
        now: 0,
        tasks: Vec::new(),
        queue: Vec::new(),
        lines: [0; LINES],
        counter: 0,
        stop_asked: false,
        trace: Vec::new(),
    };
    for script in 0..prog.initial {
        m.spawn(None, script);
    }
    let end = m.run_loop();
    m.trace.push(Ev::End(end));
    m.trace
}

impl Model<'_> {
    fn run_loop(&mut self) -> End {
        for _ in 0..1_000_000 {
            if self.stop_asked {
                self.drop_all();
                return End::Stopped;
            }
            self.sample_pollers();
            if let Some(t) = self.pick() {
                self.run_task(t);
                continue;
            }
            let left: Vec<usize> =
                (0..self.tasks.len()).filter(|&t| self.tasks[t].life != Life::Gone).collect();
            if left.is_empty() {
                return End::Finished;
            }
            if left.iter().all(|&t| self.tasks[t].paused) {
                self.drop_all();
                return End::AllPaused;
            }
            self.idle();
        }
        panic!("the model ran a million passes");
    }

    // ----- choosing -----------------------------------------------------------------------

    fn sample_pollers(&mut self) {
        for t in 0..self.tasks.len() {
            let task = &self.tasks[t];
            if task.life == Life::Alive
                && !task.paused
                && task.wait == Wait::Poll
                && task.poll_value.is_none()
            {
                let fires = self.prog.scripts[task.script].poller.fires;
                self.tasks[t].poll_value = fires.eval(self.now, self.counter);
            }
        }
    }

    /// The armed deadline of a task's current wait, if it has one.
    fn deadline(&self, t: usize) -> Option<u64> {
        match self.tasks[t].wait {
            Wait::Sleep { at } => Some(at),
            Wait::Poll => self.tasks[t].poll_deadline,
            Wait::Irq { at, .. } => at,
            Wait::TimedSleep { at, limit } => Some(at.min(limit)),
            Wait::TimedJoin { limit, .. } | Wait::TimedIrq { limit, .. } => Some(limit),
            _ => None,
        }
    }

    fn candidates(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.tasks.len()).filter(|&t| self.tasks[t].life == Life::Alive && !self.tasks[t].paused)
    }

    fn pick(&mut self) -> Option<usize> {
        // 1. interrupt waiters with a count: larger count first, then the older task.
        let irq = self
            .candidates()
            .filter_map(|t| match self.tasks[t].wait {
                Wait::Irq { line, .. } | Wait::TimedIrq { line, .. } if self.lines[line] > 0 => {
                    Some((self.lines[line], t))
                }
                _ => None,
            })
            .min_by_key(|&(n, t)| (std::cmp::Reverse(n), t));
        if let Some((_, t)) = irq {
            return Some(t);
        }
        // 2. pollers holding a value: larger value first, then the older task.
        let poll = self
            .candidates()
            .filter_map(|t| match (self.tasks[t].wait, self.tasks[t].poll_value) {
                (Wait::Poll, Some(v)) => Some((v, t)),
                _ => None,
            })
            .min_by_key(|&(v, t)| (std::cmp::Reverse(v), t));
        if let Some((_, t)) = poll {
            return Some(t);
        }
        // 3. passed deadlines: the most overdue first, then the older task.
        let due = self
            .candidates()
            .filter_map(|t| self.deadline(t).filter(|&d| d <= self.now).map(|d| (d, t)))
            .min();
        if let Some((_, t)) = due {
            return Some(t);
        }
        // 4. round-robin. A paused task whose turn comes loses it, and is queued again on resume.
        while !self.queue.is_empty() {
            let t = self.queue.remove(0);
            if self.tasks[t].paused {
                self.tasks[t].queue_on_resume = true;
                continue;
            }
            return Some(t);
        }
        None
    }

    fn idle(&mut self) {
        if self.now >= TIME_LIMIT {
            self.halt(Halt::TimeLimit);
            return;
        }
        let now = self.now;
        // A paused task's deadline does not end the idle (C4, D2); only unpaused tasks' do.
        let next = self.candidates().filter_map(|t| self.deadline(t)).filter(|&d| d > now).min();
        let poller_waits = self.candidates().any(|t| self.tasks[t].wait == Wait::Poll);
        if poller_waits {
            let step = if self.prog.poll_every == 0 { SIM_STEP } else { self.prog.poll_every };
            let until = now.saturating_add(step);
            self.now = next.map_or(until, |d| d.min(until));
        } else if let Some(d) = next {
            self.now = d;
        } else {
            self.halt(Halt::Deadlock);
        }
    }

    fn halt(&mut self, why: Halt) {
        self.trace.push(Ev::Halt { at: self.now, why });
        self.stop_asked = true;
    }

    // ----- running ------------------------------------------------------------------------

    fn finished(&self, t: usize) -> bool {
        self.tasks[t].life != Life::Alive
    }

    /// Runs a picked task: reports what its await returned, then runs its script on.
    fn run_task(&mut self, t: usize) {
        self.queue.retain(|&q| q != t);
        let now = self.now;
        let got = match self.tasks[t].wait {
            Wait::Fresh => None,
            Wait::Yield => Some(Got::Yielded),
            Wait::Sleep { at } => Some(Got::Late(now - at)),
            Wait::Poll => Some(match self.tasks[t].poll_value.take() {
                Some(v) => Got::Event(v),
                None => Got::PollTimedOut(now - self.tasks[t].poll_deadline.unwrap()),
            }),
            Wait::Irq { line, at } => Some(match std::mem::take(&mut self.lines[line]) {
                0 => Got::IrqTimedOut(now - at.unwrap()),
                n => Got::Irq(n),
            }),
            Wait::Join { target } => {
                // Only the end of its own target makes a joiner ready (D4).
                assert!(self.finished(target), "the model ran T{t} before the task it joins ended");
                Some(Got::Joined)
            }
            Wait::TimedSleep { at, limit } => Some(if now >= at {
                Got::InTime(Box::new(Got::Late(now - at)))
            } else {
                Got::Elapsed(now - limit)
            }),
            Wait::TimedJoin { target, limit } => Some(if self.finished(target) {
                Got::InTime(Box::new(Got::Joined))
            } else {
                assert!(limit <= now, "the model ran T{t} before its join ended or timed out");
                Got::Elapsed(now - limit)
            }),
            Wait::TimedIrq { line, limit } => Some(match std::mem::take(&mut self.lines[line]) {
                0 => Got::Elapsed(now - limit),
                n => Got::InTime(Box::new(Got::Irq(n))),
            }),
            Wait::Running => unreachable!(),
        };
        self.tasks[t].wait = Wait::Running;
        match got {
            None => self.trace.push(Ev::Start { at: now, task: t }),
            Some(got) => self.trace.push(Ev::Woke { at: now, task: t, got }),
        }
        self.step(t);
    }

    /// Interprets ops until the task awaits something not ready, or its script ends.
    fn step(&mut self, t: usize) {
        let prog = self.prog;
        let script = self.tasks[t].script;
        let ops = &prog.scripts[script].ops;
        loop {
            let pc = self.tasks[t].pc;
            let Some(&op) = ops.get(pc) else {
                self.finish(t);
                return;
            };
            self.tasks[t].pc += 1;
            let now = self.now;
            let wait = match op {
                Op::Yield => Wait::Yield,
                Op::Sleep(d) => Wait::Sleep { at: now.saturating_add(d) },
                Op::SleepMax => Wait::Sleep { at: u64::MAX },
                Op::SleepUntil(at) => Wait::Sleep { at },
                Op::Work(d) => {
                    self.now = now.saturating_add(d);
                    continue;
                }
                Op::Poll | Op::PollSameDeadline => {
                    let timeout = prog.scripts[script].poller.timeout;
                    // Re-arming is explicit (B3): only `Poll` arms afresh, or a first wait.
                    if op == Op::Poll || self.tasks[t].poll_deadline.is_none() {
                        self.tasks[t].poll_deadline = timeout.map(|d| now.saturating_add(d));
                    }
                    Wait::Poll
                }
                Op::Irq { line, timeout } => Wait::Irq { line, at: timeout.map(|d| now.saturating_add(d)) },
                Op::Signal { line, n } => {
                    self.lines[line] = self.lines[line].saturating_add(n);
                    continue;
                }
                Op::Bump => {
                    self.counter = self.counter.saturating_add(1);
                    continue;
                }
                Op::Spawn(k) => {
                    self.spawn(Some(t), k);
                    continue;
                }
                Op::Pause(target) => {
                    let k = target.resolve(t, self.tasks.len());
                    let got = self.pause(k);
                    self.control(t, Call::Pause, k, got);
                    continue;
                }
                Op::Resume(target) => {
                    let k = target.resolve(t, self.tasks.len());
                    let got = self.resume(k);
                    self.control(t, Call::Resume, k, got);
                    continue;
                }
                Op::Stop(target) => {
                    let k = target.resolve(t, self.tasks.len());
                    let got = self.stop(t, k);
                    self.control(t, Call::Stop, k, got);
                    continue;
                }
                Op::Status(target) => {
                    let k = target.resolve(t, self.tasks.len());
                    let got = match (self.tasks[k].life, self.tasks[k].paused) {
                        (Life::Alive, false) => Answer::Running,
                        (Life::Alive, true) => Answer::Paused,
                        _ => Answer::Finished,
                    };
                    self.control(t, Call::Status, k, got);
                    continue;
                }
                Op::Join(target) => {
                    let k = target.resolve(t, self.tasks.len());
                    if self.finished(k) {
                        // D4: a task that has ended is joined at once, without a pass.
                        self.trace.push(Ev::Woke { at: now, task: t, got: Got::Joined });
                        continue;
                    }
                    Wait::Join { target: k }
                }
                Op::Timeout { limit, inner } => {
                    let limit = now.saturating_add(limit);
                    match inner {
                        Inner::Sleep(d) => Wait::TimedSleep { at: now.saturating_add(d), limit },
                        Inner::Irq(line) => Wait::TimedIrq { line, limit },
                        Inner::Join(target) => {
                            let k = target.resolve(t, self.tasks.len());
                            if self.finished(k) {
                                let got = Got::InTime(Box::new(Got::Joined));
                                self.trace.push(Ev::Woke { at: now, task: t, got });
                                continue;
                            }
                            Wait::TimedJoin { target: k, limit }
                        }
                    }
                }
                Op::StopAll => {
                    self.stop_asked = true;
                    continue;
                }
            };
            self.block(t, wait);
            return;
        }
    }

    /// The task awaits `wait`, which is not ready yet.
    fn block(&mut self, t: usize, wait: Wait) {
        if self.tasks[t].life == Life::Stopping {
            // D3: it stopped itself, so it never gets past this await.
            self.finish(t);
            return;
        }
        self.tasks[t].wait = wait;
        if wait == Wait::Yield {
            self.make_ready(t);
        }
    }

    /// The task joins the round-robin queue, or will on resume if it is paused.
    fn make_ready(&mut self, t: usize) {
        if self.tasks[t].paused {
            self.tasks[t].queue_on_resume = true;
        } else {
            self.queue.push(t);
        }
    }

    /// The task's future is dropped: its guard goes, and its joiners become ready (D3, D4).
    fn finish(&mut self, t: usize) {
        let task = &mut self.tasks[t];
        task.life = Life::Gone;
        task.queue_on_resume = false;
        self.queue.retain(|&q| q != t);
        self.trace.push(Ev::Dropped { at: self.now, task: t });
        // Only the joiners of this task are woken (D4). Tasks woken at the same moment go in
        // spawn order (C1: ties go to the older task).
        for j in 0..self.tasks.len() {
            let joins = match self.tasks[j].wait {
                Wait::Join { target } | Wait::TimedJoin { target, .. } => target == t,
                _ => false,
            };
            let already = self.queue.contains(&j) || self.tasks[j].queue_on_resume;
            if joins && self.tasks[j].life == Life::Alive && !already {
                self.make_ready(j);
            }
        }
    }

    /// D5: every task left is dropped, in spawn order.
    fn drop_all(&mut self) {
        for t in 0..self.tasks.len() {
            if self.tasks[t].life != Life::Gone {
                self.tasks[t].life = Life::Gone;
                self.trace.push(Ev::Dropped { at: self.now, task: t });
            }
        }
        self.queue.clear();
    }

    // ----- control ------------------------------------------------------------------------

    fn spawn(&mut self, by: Option<usize>, script: usize) {
        // A3: a full pool refuses. A task that stopped itself holds its slot until its poll ends.
        let live = self.tasks.iter().filter(|t| t.life != Life::Gone).count();
        let got = if live < POOL {
            self.tasks.push(Task {
                script,
                pc: 0,
                life: Life::Alive,
                wait: Wait::Fresh,
                paused: false,
                queue_on_resume: false,
                poll_deadline: None,
                poll_value: None,
            });
            let t = self.tasks.len() - 1;
            // A2: not run here; it joins the back of the round-robin queue.
            self.queue.push(t);
            Ok(t)
        } else {
            Err(Refused::Full)
        };
        self.trace.push(Ev::Spawned { at: self.now, by, script, got });
    }

    fn control(&mut self, t: usize, call: Call, target: usize, got: Answer) {
        self.trace.push(Ev::Control { at: self.now, task: t, call, target, got });
    }

    /// D2: a paused task keeps its wait; pausing twice is harmless.
    fn pause(&mut self, k: usize) -> Answer {
        if self.finished(k) {
            return Answer::Gone;
        }
        self.tasks[k].paused = true;
        Answer::Done
    }

    /// D2: back into its wait; a round-robin turn it missed is queued now.
    fn resume(&mut self, k: usize) -> Answer {
        if self.finished(k) {
            return Answer::Gone;
        }
        let task = &mut self.tasks[k];
        if task.paused {
            task.paused = false;
            if std::mem::take(&mut task.queue_on_resume) {
                self.queue.push(k);
            }
        }
        Answer::Done
    }

    /// D3: another task is dropped at once; the caller itself only at its next await.
    fn stop(&mut self, me: usize, k: usize) -> Answer {
        if self.finished(k) {
            return Answer::Gone;
        }
        if k == me {
            self.tasks[k].life = Life::Stopping;
        } else {
            self.finish(k);
        }
        Answer::Done
    }
}
