//! usched against a reference model of spec sections A to E, on random programs.
//!
//! Each case generates a small program (a few task scripts: yields, sleeps, pollers, interrupt
//! lines, timeouts, joins, spawns, pause/resume/stop, `stop_all`, simulated work), runs it on the
//! reference model in `model/reference.rs` and on usched with the simulated clock
//! (`model/real.rs`), and requires the two traces to be identical: which task ran, when, what
//! each await returned, what each control call answered, and when each task's drop guard went.
//! A failing case shrinks to a short program, printed with both traces side by side.
//!
//! Number of cases: `USCHED_MODEL_CASES` (default 500). For a long run:
//!
//! ```text
//! USCHED_MODEL_CASES=100000 cargo test -p usched --release --test model
//! ```
//!
//! Where usched is known to differ from the spec, the `KNOWN_BUG_*` constants below keep the
//! generator away from it, or (when that would cost too much coverage) make the model copy
//! usched. Each says which, and each has a small program at the end of this file, `#[ignore]`d,
//! that shows the difference against the plain spec model (`cargo test -p usched --test model --
//! --ignored`): once one passes, its constant can be set to false.
mod model {
    pub mod minimize;
    pub mod program;
    pub mod real;
    pub mod reference;
}

use model::program::{self, Ev, Fires, Inner, Op, PollerSpec, Program, Script, Target};
use model::reference::Mimic;
use model::{minimize, real, reference};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestError, TestRunner};

/// Filed deviation (b): with a poller waiting and a poll interval of zero, the simulated clock
/// steps 100 µs per idle pass and jumps over deadlines, so sleeps wake up to 100 µs late.
/// While true, programs always set a non-zero poll interval (the scheduler then idles exactly
/// to the next deadline or one interval on). The model implements the spec either way.
pub const KNOWN_BUG_B_POLL_STEP_OVERSHOOTS_DEADLINES: bool = false;

/// Filed deviation (c): a paused task's deadline still ends the scheduler's idle (it wakes at
/// that time, finds the task paused and idles again). Observable on the simulated clock through
/// the times at which pollers are sampled and at which a stuck program is found stuck. Keeping
/// pause out of the generator would lose most of section D, so while this is true the model
/// copies the behaviour instead: its idle also stops at paused tasks' deadlines. Set it to false
/// once fixed, and the model checks the spec's behaviour.
pub const KNOWN_BUG_C_PAUSED_DEADLINE_SETS_IDLE: bool = false;

/// Found by this test: when `timeout(limit, fut)` returns `Err(Elapsed)`, `fut` has been polled
/// once more in that same poll, and what it registered then stays registered for whatever the
/// task awaits next: a sleep's deadline (the next `yield_now` is then also on the deadline heap
/// and, once that stale deadline has passed, runs ahead of the round-robin queue, against B1; a
/// later wait wakes at that stale time), an interrupt line's mark, or a join's mark. While
/// true, a `Timeout` op is only generated where no other await follows it in its script (the
/// generator turns the others into the same wait without the combinator).
pub const KNOWN_BUG_TIMEOUT_KEEPS_INNER_WAIT: bool = false;

/// Found by this test: whenever any task ends, usched wakes every task waiting in a join, not
/// only the joiners of that task (a joiner whose target still lives is polled and waits again).
/// The early wake gives the joiner its place in the round-robin queue: if its target ends before
/// that turn comes, the joiner runs ahead of tasks that became ready before its target ended
/// (B1's FIFO, D4). The spec does not forbid spurious wakes, but this one changes the order.
/// The state notes of the scheduler being rebuilt describe the wake-every-joiner design as
/// intended, so rather than give up joins the model copies it while this is true: every task
/// end makes every waiting joiner ready (in spawn order), and a joiner whose target still lives
/// then waits again without a trace.
pub const KNOWN_BUG_JOIN_WAKES_EVERY_JOINER: bool = false;

/// Found by this test (the joiners' side of filed deviation (a)): tasks woken together when a
/// task ends are queued in slot order, not spawn order, so after slot reuse a younger joiner
/// runs first (C1: ties go to the older task). While true, only script 0, which always runs as
/// exactly one task, contains joins (the generator turns other scripts' joins into yields and
/// sleeps), so no two tasks ever wait in a join together.
pub const KNOWN_BUG_JOINERS_WOKEN_IN_SLOT_ORDER: bool = false;

/// Found by this test: a paused task that is woken (here: a `timeout(.., join(..))` whose target
/// ends) and whose deadline also passes while it is paused loses that deadline: on resume it
/// waits for a round-robin turn instead of running right away as an expired deadline (D2, C1),
/// unlike the same task unpaused. While true, `timeout` is not put around joins.
pub const KNOWN_BUG_PAUSED_WOKEN_JOINER_LOSES_DEADLINE: bool = false;

/// What the model copies from usched in the property test.
const MIMIC: Mimic = Mimic {
    paused_deadline_sets_idle: KNOWN_BUG_C_PAUSED_DEADLINE_SETS_IDLE,
    join_wakes_every_joiner: KNOWN_BUG_JOIN_WAKES_EVERY_JOINER,
};

const DEFAULT_CASES: u32 = 500;

fn config() -> Config {
    let cases = match std::env::var("USCHED_MODEL_CASES") {
        Ok(v) => v.parse().expect("USCHED_MODEL_CASES must be a number"),
        Err(_) => DEFAULT_CASES,
    };
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// True if usched's trace differs from the model's (or either panics).
fn differs(prog: &Program) -> bool {
    let run = std::panic::AssertUnwindSafe(|| reference::run(prog, MIMIC) != real::run(prog));
    std::panic::catch_unwind(run).unwrap_or(true)
}

fn check(prog: &Program) -> Result<(), TestCaseError> {
    let expected = reference::run(prog, MIMIC);
    let got = real::run(prog);
    prop_assert!(expected == got, "usched differs from the model");
    Ok(())
}

#[test]
fn usched_matches_the_reference_model() {
    let mut runner = TestRunner::new(config());
    match runner.run(&program::program(), |prog| check(&prog)) {
        Ok(()) => {}
        Err(TestError::Abort(why)) => panic!("proptest gave up: {why}"),
        Err(TestError::Fail(_, prog)) => {
            // proptest's shrinking stops early on programs (removing a script renumbers the
            // others), so a greedy pass makes the program smaller still.
            let prog = minimize::minimize(prog, differs);
            let expected = reference::run(&prog, MIMIC);
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| real::run(&prog))) {
                Ok(got) => panic!(
                    "usched differs from the reference model on this program:\n{prog}\n{}\n{prog:#?}",
                    program::diff(&expected, &got)
                ),
                Err(_) => panic!(
                    "usched panicked (message above) on this program:\n{prog}\n{}\n{prog:#?}",
                    program::diff(&expected, &[])
                ),
            }
        }
    }
}

// ----- the model by hand, and the known deviations as plain tests -------------------------------

fn script(ops: Vec<Op>) -> Script {
    Script { poller: PollerSpec { fires: Fires::Never, timeout: None }, ops }
}

fn lines(trace: &[Ev]) -> Vec<String> {
    trace.iter().map(|e| e.to_string().split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

/// The model and usched both give the trace worked out by hand from the spec.
fn assert_trace(prog: &Program, expected: &[&str]) {
    assert_eq!(lines(&reference::run(prog, Mimic::default())), expected, "the model");
    assert_eq!(lines(&real::run(prog)), expected, "usched");
}

/// C1 with every class ready at once after a hog: the interrupt waiter, then the poller, then
/// the overdue sleep (B2: late by the hog's 200 µs past its deadline).
#[test]
fn by_hand_every_class_after_a_hog() {
    let mut poller = script(vec![Op::Poll]);
    poller.poller = PollerSpec { fires: Fires::AtTime { at: 200, v: 1 }, timeout: None };
    let prog = Program {
        poll_every: 100,
        initial: 4,
        scripts: vec![
            script(vec![Op::Yield, Op::Work(300), Op::Signal { line: 0, n: 2 }]),
            script(vec![Op::Irq { line: 0, timeout: None }]),
            poller,
            script(vec![Op::Sleep(100)]),
        ],
    };
    assert_trace(
        &prog,
        &[
            "0 -- spawn script 0 -> Ok(0)",
            "0 -- spawn script 1 -> Ok(1)",
            "0 -- spawn script 2 -> Ok(2)",
            "0 -- spawn script 3 -> Ok(3)",
            "0 T0 starts",
            "0 T1 starts",
            "0 T2 starts",
            "0 T3 starts",
            "0 T0 woke Yielded",
            "300 T0 dropped",
            "300 T1 woke Irq(2)",
            "300 T1 dropped",
            "300 T2 woke Event(1)",
            "300 T2 dropped",
            "300 T3 woke Late(200)",
            "300 T3 dropped",
            "end Finished",
        ],
    );
}

/// D2: a deadline that passed while paused fires right after resume, with its full lateness;
/// D5: `stop_all` ends the run after the caller's poll and drops the rest in spawn order.
#[test]
fn by_hand_pause_resume_and_stop_all() {
    let prog = Program {
        poll_every: 100,
        initial: 3,
        scripts: vec![
            script(vec![Op::Sleep(100)]),
            script(vec![
                Op::Pause(Target::Task(0)),
                Op::Sleep(300),
                Op::Resume(Target::Task(0)),
                Op::Yield,
                Op::StopAll,
                Op::Yield,
            ]),
            script(vec![Op::Irq { line: 1, timeout: None }]),
        ],
    };
    assert_trace(
        &prog,
        &[
            "0 -- spawn script 0 -> Ok(0)",
            "0 -- spawn script 1 -> Ok(1)",
            "0 -- spawn script 2 -> Ok(2)",
            "0 T0 starts",
            "0 T1 starts",
            "0 T1 Pause(T0) -> Done",
            "0 T2 starts",
            "300 T1 woke Late(0)",
            "300 T1 Resume(T0) -> Done",
            "300 T0 woke Late(200)",
            "300 T0 dropped",
            "300 T1 woke Yielded",
            "300 T1 dropped",
            "300 T2 dropped",
            "end Stopped",
        ],
    );
}

/// usched against the plain spec model (nothing copied) on one program.
fn assert_spec(prog: &Program) {
    let expected = reference::run(prog, Mimic::default());
    let got = real::run(prog);
    assert!(
        expected == got,
        "usched differs from the spec model:\n{prog}\n{}",
        program::diff(&expected, &got)
    );
}

#[test]
#[ignore = "known deviation (b): KNOWN_BUG_B_POLL_STEP_OVERSHOOTS_DEADLINES"]
fn known_b_poll_step_overshoots_a_deadline() {
    let mut poller = script(vec![Op::Poll]);
    poller.poller = PollerSpec { fires: Fires::AtTime { at: 200, v: 0 }, timeout: None };
    // With a poller waiting and a zero poll interval, the sleep should end at 1 µs, not 100.
    assert_spec(&Program { poll_every: 0, initial: 2, scripts: vec![poller, script(vec![Op::Sleep(1)])] });
}

#[test]
#[ignore = "known deviation (c): KNOWN_BUG_C_PAUSED_DEADLINE_SETS_IDLE"]
fn known_c_paused_deadline_ends_the_idle() {
    // Task 1 pauses itself in a sleep, task 0 waits for a signal nobody sends: stuck at 0 µs, not
    // at task 1's deadline.
    assert_spec(&Program {
        poll_every: 50,
        initial: 2,
        scripts: vec![
            script(vec![Op::Irq { line: 0, timeout: None }]),
            script(vec![Op::Pause(Target::Me), Op::Sleep(50)]),
        ],
    });
}

#[test]
#[ignore = "found by the model test: KNOWN_BUG_TIMEOUT_KEEPS_INNER_WAIT"]
fn known_timeout_keeps_the_inner_wait() {
    // Task 0's `timeout(0, sleep(100))` ends at 0 µs, but the inner sleep's deadline stays armed;
    // at 200 µs task 0's `yield_now` runs as an expired deadline ahead of task 1 (B1).
    assert_spec(&Program {
        poll_every: 50,
        initial: 2,
        scripts: vec![
            script(vec![Op::Timeout { limit: 0, inner: Inner::Sleep(100) }, Op::Work(200), Op::Yield]),
            script(vec![Op::Yield]),
        ],
    });
}

#[test]
#[ignore = "found by the model test: KNOWN_BUG_JOIN_WAKES_EVERY_JOINER"]
fn known_join_wakes_every_joiner() {
    // Task 0 joins task 1. Task 2 ends first, which queues task 0 early; task 1 then spawns task 3
    // and ends: task 0 runs before task 3, which was ready first (B1).
    assert_spec(&Program {
        poll_every: 50,
        initial: 3,
        scripts: vec![
            script(vec![Op::Join(Target::Task(1))]),
            script(vec![Op::Yield, Op::Spawn(3)]),
            script(vec![]),
            script(vec![]),
        ],
    });
}

#[test]
#[ignore = "found by the model test: KNOWN_BUG_JOINERS_WOKEN_IN_SLOT_ORDER"]
fn known_joiners_woken_in_slot_order() {
    // Tasks 2 and 3 join task 1; task 3 reuses task 0's slot, so it is woken first (C1 ties).
    assert_spec(&Program {
        poll_every: 50,
        initial: 3,
        scripts: vec![
            script(vec![]),
            script(vec![Op::Spawn(3), Op::Sleep(100)]),
            script(vec![Op::Join(Target::Task(1))]),
            script(vec![Op::Join(Target::Task(1))]),
        ],
    });
}

#[test]
#[ignore = "found by the model test: KNOWN_BUG_PAUSED_WOKEN_JOINER_LOSES_DEADLINE"]
fn known_paused_woken_joiner_loses_its_deadline() {
    // Task 0 is paused in `timeout(100, join(task 1))`; task 1 ends at 50 µs, the limit passes at
    // 100 µs; on resume at 200 µs task 0 should run at once (expired deadline), before task 3.
    assert_spec(&Program {
        poll_every: 50,
        initial: 3,
        scripts: vec![
            script(vec![Op::Timeout { limit: 100, inner: Inner::Join(Target::Task(1)) }]),
            script(vec![Op::Sleep(50)]),
            script(vec![
                Op::Pause(Target::Task(0)),
                Op::Sleep(200),
                Op::Spawn(3),
                Op::Resume(Target::Task(0)),
                Op::Yield,
            ]),
            script(vec![]),
        ],
    });
}
