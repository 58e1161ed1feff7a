//! Every bad input a caller can hand the drivers, and its answer: one test per row of the "Bad
//! input" table in the crate docs, with the same name. Each asserts the exact answer (a typed
//! error, a value, the simulated time of an event) and that nothing else changed.

mod common;

#[path = "../../usched/tests/scratch/mod.rs"]
mod scratch;

use std::cell::Cell;
use std::convert::Infallible;
use std::time::Duration;

use common::{ms, sched, NoWait};
use embedded_hal::digital::{ErrorKind, ErrorType, InputPin, OutputPin};
use usched::{sleep_until, Instant, RunEnd, Sched, SpawnError, Status};
use usched_drivers::{after, Delay, Lcd, LcdError, LcdPins, Pushbutton, Switch, PLACEHOLDER};
use usched_sim::{Board, SimClock};

/// Builds `main` as a scratch crate that depends on usched-drivers; whether it built, and rustc's
/// messages. One target directory for all, so the drivers compile once.
fn build_program(main: &str) -> (bool, String) {
    let drivers = env!("CARGO_MANIFEST_DIR");
    scratch::build_scratch("drivers-bad-input", &format!("usched-drivers = {{ path = {drivers:?} }}"), main)
}

#[test]
fn lcd_row_out_of_range() {
    let lcd: Lcd<8, 2> = Lcd::new();
    assert_eq!(lcd.set_row(2, "x"), Err(LcdError::NoSuchRow { row: 2, rows: 2 }));
    assert_eq!(
        lcd.set_row_fmt(usize::MAX, format_args!("{}", 1)),
        Err(LcdError::NoSuchRow { row: usize::MAX, rows: 2 })
    );
    assert_eq!(lcd.row(2), None);
    assert_eq!((lcd.row(0), lcd.row(1)), (Some([b' '; 8]), Some([b' '; 8])), "nothing changed");
    assert!(!lcd.pending());
}

#[test]
fn lcd_text_too_long_or_not_in_the_rom() {
    let lcd: Lcd<8, 1> = Lcd::new();
    lcd.set_row(0, "a €~\n very long line").unwrap();
    assert_eq!(lcd.row(0), Some([b'a', b' ', PLACEHOLDER, PLACEHOLDER, PLACEHOLDER, b' ', b'v', b'e']));
}

#[test]
fn wrong_lcd_sizes_do_not_compile() {
    let program = |c: usize, r: usize| {
        format!("fn main() {{\n let l: usched_drivers::Lcd<{c}, {r}> = usched_drivers::Lcd::new();\n let _ = l.row(0);\n}}\n")
    };
    for (c, r, msg) in [
        (16, 3, "an HD44780 has 1, 2 or 4 rows"),
        (16, 0, "an HD44780 has 1, 2 or 4 rows"),
        (0, 2, "an HD44780 row is 1 to 40 characters"),
        (41, 1, "an HD44780 row is 1 to 40 characters"),
        (21, 4, "four rows of more than 20 need two controllers"),
    ] {
        let (ok, err) = build_program(&program(c, r));
        assert!(!ok, "Lcd<{c}, {r}> compiled");
        assert!(err.contains(msg), "Lcd<{c}, {r}>: {err}");
    }
    let (ok, err) = build_program(&program(20, 4));
    assert!(ok, "{err}");
}

/// A pin whose every read or write fails.
struct Broken;

impl ErrorType for Broken {
    type Error = ErrorKind;
}

impl InputPin for Broken {
    fn is_high(&mut self) -> Result<bool, ErrorKind> {
        Err(ErrorKind::Other)
    }
    fn is_low(&mut self) -> Result<bool, ErrorKind> {
        Err(ErrorKind::Other)
    }
}

impl OutputPin for Broken {
    fn set_low(&mut self) -> Result<(), ErrorKind> {
        Err(ErrorKind::Other)
    }
    fn set_high(&mut self) -> Result<(), ErrorKind> {
        Err(ErrorKind::Other)
    }
}

#[test]
fn a_pin_that_fails() {
    let clock: &'static SimClock = Box::leak(Box::new(SimClock::new()));
    let s = sched();
    let sw: &'static Switch = Box::leak(Box::new(Switch::new()));
    let pb: &'static Pushbutton = Box::leak(Box::new(Pushbutton::new(Default::default())));
    let lcd: &'static Lcd<8, 2> = Box::leak(Box::new(Lcd::new()));
    let ends: &'static Cell<i32> = Box::leak(Box::new(Cell::new(0)));
    s.spawn(async move {
        let Err(e) = sw.run(Broken, clock, |_| {}).await;
        assert_eq!((e, clock.now()), (ErrorKind::Other, Instant::ZERO), "the first read fails");
        ends.set(ends.get() + 1);
    })
    .unwrap();
    s.spawn(async move {
        let Err(e) = pb.run(Broken, clock, |_| {}).await;
        assert_eq!((e, clock.now()), (ErrorKind::Other, Instant::ZERO));
        ends.set(ends.get() + 1);
    })
    .unwrap();
    s.spawn(async move {
        let pins = LcdPins { rs: Broken, e: Broken, d4: Broken, d5: Broken, d6: Broken, d7: Broken };
        let r: Result<Infallible, _> = lcd.run(pins, NoWait).await;
        assert_eq!(r.unwrap_err(), LcdError::Pin(ErrorKind::Other));
        ends.set(ends.get() + 1);
    })
    .unwrap();
    assert_eq!(s.run(clock), RunEnd::Finished);
    assert_eq!(ends.get(), 3);
    assert_eq!((sw.is_closed(), pb.is_pressed()), (None, false), "no state from a pin never read");
}

#[test]
fn zero_and_huge_durations() {
    let board = Board::new();
    let s = sched();
    let d: &'static Delay<Board> = Box::leak(Box::new(Delay::new(board)));
    let fired: &'static Cell<Vec<u64>> = Box::leak(Box::new(Cell::new(Vec::new())));
    s.spawn(async move {
        let _ = d.run(|| fired.set([fired.take(), vec![board.now().as_micros()]].concat())).await;
    })
    .unwrap();
    board.call_at(Instant::from_millis(5), move || d.trigger(Duration::ZERO));
    board.call_at(Instant::from_millis(7), move || d.trigger(Duration::MAX));
    let never =
        after(s, board, Duration::MAX, || unreachable!("Duration::MAX from now never comes")).unwrap();
    assert_eq!(Switch::new().with_period(Duration::ZERO).period(), Duration::from_micros(1));
    s.spawn(async move {
        sleep_until(Instant::from_millis(100)).await;
        assert!(never.pending());
        assert!(never.cancel());
        s.stop_all();
    })
    .unwrap();
    assert_eq!(s.run(board), RunEnd::Stopped);
    assert_eq!(fired.take(), [ms(5)], "zero fires at once; MAX saturates and never fires");
    assert_eq!(d.deadline(), Some(Instant::MAX));
}

#[test]
fn after_into_a_full_scheduler() {
    let clock: &'static SimClock = Box::leak(Box::new(SimClock::new()));
    let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
    let first = after(s, clock, ms_d(1), || {}).unwrap();
    assert_eq!(after(s, clock, ms_d(1), || unreachable!("refused")).map(|_| ()), Err(SpawnError::Full));
    assert_eq!(s.free_slots(), 0);
    assert_eq!(s.run(clock), RunEnd::Finished);
    assert!(!first.pending());
    assert_eq!(clock.now(), Instant::from_millis(1));
}

fn ms_d(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn calls_after_the_runner_is_stopped() {
    let board = Board::new();
    let s = sched();
    let d: &'static Delay<Board> = Box::leak(Box::new(Delay::new(board)));
    let sw: &'static Switch = Box::leak(Box::new(Switch::new()));
    let pin = board.input("X1", true);
    let dr = s
        .spawn(async move {
            let _ = d.run(|| unreachable!("its task is gone")).await;
        })
        .unwrap();
    let swr = s
        .spawn(async move {
            let _ = sw.run(pin, board, |_| {}).await;
        })
        .unwrap();
    let waited: &'static Cell<bool> = Box::leak(Box::new(Cell::new(false)));
    s.spawn(async move {
        sleep_until(Instant::from_millis(100)).await;
        s.stop(dr).unwrap();
        s.stop(swr).unwrap();
        d.trigger(ms_d(10)); // nobody to fire it: it stays armed
        sw.closed().await; // nobody to close it: waits until stopped
        waited.set(true);
    })
    .unwrap();
    board.press_at(Instant::from_millis(150), &pin);
    s.spawn(async move {
        sleep_until(Instant::from_millis(1_000)).await;
        s.stop_all();
    })
    .unwrap();
    assert_eq!(s.run(board), RunEnd::Stopped);
    assert_eq!(board.now(), Instant::from_millis(1_000));
    assert!(!waited.get());
    assert_eq!(d.deadline(), Some(Instant::from_millis(110)));
    assert_eq!(sw.is_closed(), Some(false), "the last state the runner saw");
    assert_eq!(s.status(dr), Status::Finished);
}
