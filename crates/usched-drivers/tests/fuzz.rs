//! Random API call sequences on the drivers, misuse included (issue 12, item 4, for the drivers).
//!
//! Each case wires a `Delay`, a `Switch`, a `Pushbutton` and an 8 × 2 `Lcd` on a simulated board,
//! with random configurations (zero, small and huge durations and periods, every button wiring
//! against either pull, a switch closed high or low), spawns their runners and two tasks that await
//! switch and button events, then plays a random script of board stimuli: delay triggers (zero,
//! small, `Duration::MAX`) and stops, presses and releases of both pins, `after` callbacks (whose
//! slots may run out), cancels of any handle (pending, already run, already cancelled), LCD rows
//! in and out of range, queries of every state, and stops of any runner (after which its driver is
//! still called: triggers with no task to fire them, awaits that can never end). The same calls
//! are made from the drivers' own callbacks (the delay's `on_fire`, the switch's and the button's
//! `on_event`) and from `after` callbacks. One combination is left out: an `on_fire` that
//! retriggers its delay with zero fires again at the same instant for ever, a loop the caller
//! wrote (the watchdog reports it, as it would `loop { yield_now().await }`).
//!
//! Required of every case: no panic (the run is wrapped in `catch_unwind`); no hang (a watchdog
//! clock fails a run that idles more than 1,000,000 times or reads the time more than 2,000,000
//! times; a task stops everything at 10 s of simulated time, or 10 ms when a sampling period is
//! zero, so the run must end `Stopped` then, at that instant);
//! and these exact answers:
//! - the delay fires exactly when a reference model says (a fire at the last trigger plus its
//!   duration, a stimulus at the same instant first, none after a stop), in every case where only
//!   the script touches it and its runner is never stopped;
//! - `set_row` answers `Ok` for rows 0 and 1 and `LcdError` beyond, and `row` then shows the text
//!   cut or padded to 8; `row` answers `None` beyond the last row; when the writer was never
//!   stopped (in a 10 s case), the simulated display shows the same rows at the end;
//! - an `after` cancelled while pending never calls back, a cancel answers `true` exactly while its
//!   task is pending, and one made after the callback ran answers `false`.
//!
//! Cases: `USCHED_DRIVERS_FUZZ_CASES` (default 200).

mod common;

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use usched::{sleep_until, Clock, Instant, RunEnd, Sched, Status, TaskId, Wakeup};
use usched_drivers::{after, AfterHandle, Delay, Lcd, LcdPins, Pushbutton, PushbuttonConfig, Switch, Wiring};
use usched_sim::{Board, Hd44780, Pin};

use common::NoWait;

const N: usize = 10;
type S = Sched<N, 2048>;
/// A case ends at 10 s and half a millisecond (no deadline of whole milliseconds falls on it), or
/// at 10.5 ms if a sampling period is zero (taken as 1 µs: 10,000 samples).
const END_US: u64 = 10_000_500;
const END_FAST_US: u64 = 10_500;

/// The board's clock, with a watchdog: a run that never ends fails instead of hanging the test.
struct Watchdog {
    board: &'static Board,
    reads: Cell<u64>,
    idles: Cell<u64>,
}

impl Clock for Watchdog {
    fn now(&self) -> Instant {
        self.reads.set(self.reads.get() + 1);
        assert!(self.reads.get() < 2_000_000, "watchdog: the time was read 2,000,000 times");
        self.board.now()
    }
    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        self.idles.set(self.idles.get() + 1);
        assert!(self.idles.get() < 1_000_000, "watchdog: 1,000,000 idles");
        self.board.idle(until, wake)
    }
    fn can_wake_from_outside(&self) -> bool {
        self.board.can_wake_from_outside()
    }
}

#[derive(Clone, Copy, Debug)]
enum Dur {
    Zero,
    Ms(u16),
    Max,
}

impl Dur {
    fn get(self) -> Duration {
        match self {
            Dur::Zero => Duration::ZERO,
            Dur::Ms(n) => Duration::from_millis(u64::from(n)),
            Dur::Max => Duration::MAX,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runner {
    Delay,
    Switch,
    Button,
    Lcd,
}

/// One call on the drivers.
#[derive(Clone, Debug)]
enum Act {
    Trigger(Dur),
    StopDelay,
    StopRunner(Runner),
    /// Press (true) or release one of the two pins (0: the switch's, 1: the button's).
    Pin(u8, bool),
    /// An `after` of this long whose callback makes the call.
    After(Dur, Box<Act>),
    /// Cancel the k-th `after` made so far (modulo), whatever became of it.
    Cancel(u8),
    /// A row (0..=3, of 2) and a text length (0..=20).
    SetRow(u8, u8),
    Query,
}

impl Act {
    fn touches_delay(&self) -> bool {
        match self {
            Act::Trigger(_) | Act::StopDelay | Act::StopRunner(Runner::Delay) => true,
            Act::After(_, a) => a.touches_delay(),
            _ => false,
        }
    }
}

#[derive(Clone, Debug)]
struct Case {
    switch_period: Dur,
    switch_high: bool,
    switch_pull_up: bool,
    button: (u8, bool, Dur, Option<Dur>, Option<Dur>, bool),
    /// What the delay's, the switch's and the button's callbacks do.
    on_fire: Option<Act>,
    on_switch: Option<Act>,
    on_button: Option<Act>,
    script: Vec<(u16, Act)>,
}

fn dur() -> impl Strategy<Value = Dur> {
    prop_oneof![Just(Dur::Zero), (1u16..3000).prop_map(Dur::Ms), Just(Dur::Max)]
}

/// A sampling period: zero (1 µs) and huge now and then.
fn period() -> impl Strategy<Value = Dur> {
    prop_oneof![1 => Just(Dur::Zero), 8 => (1u16..3000).prop_map(Dur::Ms), 1 => Just(Dur::Max)]
}

fn runner() -> impl Strategy<Value = Runner> {
    prop_oneof![Just(Runner::Delay), Just(Runner::Switch), Just(Runner::Button), Just(Runner::Lcd)]
}

fn simple_act() -> impl Strategy<Value = Act> {
    prop_oneof![
        4 => dur().prop_map(Act::Trigger),
        1 => Just(Act::StopDelay),
        1 => runner().prop_map(Act::StopRunner),
        3 => (0u8..2, any::<bool>()).prop_map(|(p, l)| Act::Pin(p, l)),
        2 => any::<u8>().prop_map(Act::Cancel),
        2 => (0u8..4, 0u8..=20).prop_map(|(r, n)| Act::SetRow(r, n)),
        1 => Just(Act::Query),
    ]
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        6 => simple_act(),
        2 => (dur(), simple_act()).prop_map(|(d, a)| Act::After(d, Box::new(a))),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        (period(), any::<bool>(), any::<bool>()),
        (
            0u8..5,
            any::<bool>(),
            period(),
            proptest::option::of(dur()),
            proptest::option::of(dur()),
            any::<bool>(),
        ),
        (proptest::option::weighted(0.3, simple_act()), proptest::option::weighted(0.3, simple_act())),
        proptest::option::weighted(0.3, simple_act()),
        proptest::collection::vec((0u16..2500, act()), 0..40),
    )
        .prop_map(
            |(
                (switch_period, switch_high, switch_pull_up),
                button,
                (on_fire, on_switch),
                on_button,
                script,
            )| {
                // Not generated: an `on_fire` that retriggers with zero, which fires again at the
                // same instant for ever (a loop the caller wrote; simulated time never moves).
                let on_fire = on_fire.map(|a| match a {
                    Act::Trigger(Dur::Zero) => Act::Trigger(Dur::Ms(1)),
                    a => a,
                });
                Case {
                    switch_period,
                    switch_high,
                    switch_pull_up,
                    button,
                    on_fire,
                    on_switch,
                    on_button,
                    script,
                }
            },
        )
}

/// Everything a call may touch, for the life of one case.
struct Ctx {
    board: &'static Board,
    clock: &'static Watchdog,
    s: &'static S,
    delay: &'static Delay<Watchdog>,
    switch: &'static Switch,
    button: &'static Pushbutton,
    lcd: &'static Lcd<8, 2>,
    pins: [Pin; 2],
    runners: RefCell<Vec<(Runner, TaskId)>>,
    stopped: RefCell<Vec<Runner>>,
    afters: RefCell<Vec<Option<AfterHandle<N, 2048>>>>,
    /// Per `after`: its callback started; it was cancelled (answer `true`) before that.
    started: RefCell<Vec<bool>>,
    cancelled: RefCell<Vec<bool>>,
    fires: RefCell<Vec<u64>>,
    full: Cell<u32>,
}

fn text(n: u8) -> String {
    (0..n).map(|i| char::from(b'a' + i % 26)).collect()
}

impl Ctx {
    fn apply(&'static self, act: &Act) {
        match act {
            Act::Trigger(d) => self.delay.trigger(d.get()),
            Act::StopDelay => self.delay.stop(),
            Act::StopRunner(r) => {
                let id = self.runners.borrow().iter().find(|(x, _)| x == r).map(|&(_, id)| id);
                if let Some(id) = id {
                    let live = self.s.status(id) != Status::Finished;
                    assert_eq!(self.s.stop(id).is_ok(), live, "stop answers Ok exactly for a live task");
                    self.stopped.borrow_mut().push(*r);
                }
            }
            Act::Pin(p, pressed) => {
                let pin = &self.pins[usize::from(*p)];
                if *pressed {
                    self.board.press_at(self.board.now(), pin);
                } else {
                    self.board.release_at(self.board.now(), pin);
                }
            }
            Act::After(d, a) => {
                let k = self.afters.borrow().len();
                self.started.borrow_mut().push(false);
                self.cancelled.borrow_mut().push(false);
                let a = (**a).clone();
                let h = after(self.s, self.clock, d.get(), move || {
                    self.started.borrow_mut()[k] = true;
                    assert!(!self.cancelled.borrow()[k], "an after cancelled while pending called back");
                    self.apply(&a);
                });
                if h.is_err() {
                    self.full.set(self.full.get() + 1);
                }
                self.afters.borrow_mut().push(h.ok());
            }
            Act::Cancel(k) => {
                let n = self.afters.borrow().len();
                if n == 0 {
                    return;
                }
                let k = usize::from(*k) % n;
                let Some(h) = self.afters.borrow()[k] else { return };
                let pending = h.pending();
                let ok = h.cancel();
                assert_eq!(ok, pending, "cancel answers true exactly while its task is pending");
                if ok && !self.started.borrow()[k] {
                    self.cancelled.borrow_mut()[k] = true;
                }
                if self.started.borrow()[k] && !ok {
                    assert!(!h.pending());
                }
                assert!(!h.pending(), "cancelled or done: nothing pending");
                assert!(!h.cancel(), "a second cancel finds nothing");
            }
            Act::SetRow(row, n) => {
                let t = text(*n);
                let r = self.lcd.set_row(usize::from(*row), &t);
                if *row < 2 {
                    assert!(r.is_ok(), "row {row}: {r:?}");
                    let mut want = [b' '; 8];
                    for (w, b) in want.iter_mut().zip(t.bytes()) {
                        *w = b;
                    }
                    assert_eq!(self.lcd.row(usize::from(*row)), Some(want));
                } else {
                    assert!(r.is_err(), "row {row} of 2 accepted");
                    assert_eq!(self.lcd.row(usize::from(*row)), None);
                }
            }
            Act::Query => {
                let _ = (self.delay.running(), self.delay.deadline(), self.switch.is_closed());
                let _ = (self.button.is_pressed(), self.lcd.pending(), self.lcd.row(0), self.lcd.row(9));
                assert_eq!(self.delay.running(), self.delay.deadline().is_some());
            }
        }
    }
}

/// The delay's fire times (ms) for a script that alone drives it: each stimulus runs before a
/// fire due at the same instant.
fn expected_fires(script: &[(u16, Act)], end_us: u64) -> Vec<u64> {
    let mut fires = Vec::new();
    let mut deadline: Option<u64> = None; // µs
    for (t, a) in script {
        let t = u64::from(*t) * 1000;
        if let Some(d) = deadline.filter(|&d| d < t) {
            fires.push(d / 1000);
            deadline = None;
        }
        match a {
            Act::Trigger(Dur::Max) => deadline = Some(u64::MAX),
            Act::Trigger(d) => deadline = Some(t + u64::try_from(d.get().as_micros()).unwrap()),
            Act::StopDelay => deadline = None,
            _ => {}
        }
    }
    if let Some(d) = deadline.filter(|&d| d < end_us) {
        fires.push(d / 1000);
    }
    fires
}

fn run_case(c: &Case) {
    let board = Board::new();
    let clock: &'static Watchdog =
        Box::leak(Box::new(Watchdog { board, reads: Cell::new(0), idles: Cell::new(0) }));
    let s: &'static S = Box::leak(Box::new(Sched::new()));
    let fast = matches!(c.switch_period, Dur::Zero) || matches!(c.button.2, Dur::Zero);
    let end_us = if fast { END_FAST_US } else { END_US };
    let (wiring, pull_up, debounce, long, double, suppress) = c.button;
    let wiring = [
        Wiring::NormallyOpenToGround,
        Wiring::NormallyOpenToVdd,
        Wiring::NormallyClosedToGround,
        Wiring::NormallyClosedToVdd,
        Wiring::Auto,
    ][usize::from(wiring)];
    let config = PushbuttonConfig {
        wiring,
        debounce: debounce.get(),
        long: long.map(Dur::get),
        double: double.map(Dur::get),
        suppress,
    };
    let mut switch = Switch::new().with_period(c.switch_period.get());
    if c.switch_high {
        switch = switch.closed_when_high();
    }
    let lcd_pins = ["RS", "E", "D4", "D5", "D6", "D7"].map(|n| board.output(n));
    let sim = Hd44780::attach(lcd_pins, 8, 2);
    let ctx: &'static Ctx = Box::leak(Box::new(Ctx {
        board,
        clock,
        s,
        delay: Box::leak(Box::new(Delay::new(clock))),
        switch: Box::leak(Box::new(switch)),
        button: Box::leak(Box::new(Pushbutton::new(config))),
        lcd: Box::leak(Box::new(Lcd::new())),
        pins: [board.input("SW", c.switch_pull_up), board.input("PB", pull_up)],
        runners: RefCell::default(),
        stopped: RefCell::default(),
        afters: RefCell::default(),
        started: RefCell::default(),
        cancelled: RefCell::default(),
        fires: RefCell::default(),
        full: Cell::new(0),
    }));

    let on_fire = c.on_fire.clone();
    let id = s
        .spawn(async move {
            let _ = ctx
                .delay
                .run(move || {
                    ctx.fires.borrow_mut().push(ctx.board.now().as_micros() / 1000);
                    if let Some(a) = &on_fire {
                        ctx.apply(a);
                    }
                })
                .await;
        })
        .unwrap();
    ctx.runners.borrow_mut().push((Runner::Delay, id));
    let (on_switch, pin) = (c.on_switch.clone(), ctx.pins[0]);
    let id = s
        .spawn(async move {
            let _ = ctx
                .switch
                .run(pin, clock, move |_| {
                    if let Some(a) = &on_switch {
                        ctx.apply(a);
                    }
                })
                .await;
        })
        .unwrap();
    ctx.runners.borrow_mut().push((Runner::Switch, id));
    let (on_button, pin) = (c.on_button.clone(), ctx.pins[1]);
    let id = s
        .spawn(async move {
            let _ = ctx
                .button
                .run(pin, clock, move |_| {
                    if let Some(a) = &on_button {
                        ctx.apply(a);
                    }
                })
                .await;
        })
        .unwrap();
    ctx.runners.borrow_mut().push((Runner::Button, id));
    let [rs, e, d4, d5, d6, d7] = lcd_pins;
    let id = s
        .spawn(async move {
            let _ = ctx.lcd.run(LcdPins { rs, e, d4, d5, d6, d7 }, NoWait).await;
        })
        .unwrap();
    ctx.runners.borrow_mut().push((Runner::Lcd, id));
    // Waiters on the drivers' events (never woken once their runner is stopped).
    s.spawn(async move {
        loop {
            ctx.switch.closed().await;
            ctx.switch.opened().await;
        }
    })
    .unwrap();
    s.spawn(async move {
        loop {
            ctx.button.long().await;
            ctx.button.double().await;
        }
    })
    .unwrap();
    s.spawn(async move {
        sleep_until(Instant::from_micros(end_us)).await;
        s.stop_all();
    })
    .unwrap();

    let mut script = c.script.clone();
    if fast {
        script.iter_mut().for_each(|(t, _)| *t %= 10);
    }
    script.sort_by_key(|(t, _)| *t); // stable: same-instant calls in script order
    for (t, a) in script.clone() {
        board.call_at(Instant::from_millis(u64::from(t)), move || ctx.apply(&a));
    }

    assert_eq!(s.run(clock), RunEnd::Stopped);
    assert_eq!(board.now(), Instant::from_micros(end_us), "the run ends at the stopper, not later");

    let delay_alone = !c.script.iter().any(|(_, a)| matches!(a, Act::After(_, x) if x.touches_delay()))
        && !script.iter().any(|(_, a)| matches!(a, Act::StopRunner(Runner::Delay)))
        && [&c.on_fire, &c.on_switch, &c.on_button]
            .iter()
            .all(|a| a.as_ref().is_none_or(|a| !a.touches_delay()));
    if delay_alone {
        assert_eq!(*ctx.fires.borrow(), expected_fires(&script, end_us), "delay fires (ms)");
    }
    // The writer's start-up alone takes longer than a short case.
    if !fast && !ctx.stopped.borrow().contains(&Runner::Lcd) {
        for r in 0..2 {
            let want = String::from_utf8(ctx.lcd.row(r).unwrap().to_vec()).unwrap();
            assert_eq!(sim.row(r), want, "display row {r}");
        }
    }
    // Everything was dropped: a new task runs normally on the same scheduler.
    assert_eq!(s.spawn(async {}).map(|_| ()), Ok(()));
}

#[test]
fn random_driver_calls_never_panic_or_hang_and_answer_exactly() {
    let cases = std::env::var("USCHED_DRIVERS_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    runner
        .run(&case(), |c| {
            let r = catch_unwind(AssertUnwindSafe(|| run_case(&c)));
            prop_assert!(
                r.is_ok(),
                "panicked: {:?}",
                r.err().and_then(|e| e.downcast_ref::<String>().cloned())
            );
            Ok(())
        })
        .unwrap();
}
