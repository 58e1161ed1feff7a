//! Pushbutton (F2): wirings, press/release/long/double, the original's quirks fixed, suppress.

mod common;

use std::time::Duration;

use common::{ms, sched, Log};
use usched::Instant;
use usched_drivers::ButtonEvent::{self, Double, Long, Press, Release};
use usched_drivers::{Pushbutton, PushbuttonConfig, Wiring};
use usched_sim::{Board, Pin};

/// Runs a button with `config` on `pin` until `until` µs; the events with their times.
fn run_button(
    board: &'static Board,
    pin: Pin,
    config: PushbuttonConfig,
    until: u64,
) -> Vec<(ButtonEvent, u64)> {
    let pb: &'static Pushbutton = Box::leak(Box::new(Pushbutton::new(config)));
    let log = Log::new();
    let s = sched();
    let l = log.clone();
    s.spawn(async move {
        let _ = pb.run(pin, board, move |e| l.push(board, e)).await;
    })
    .unwrap();
    s.spawn(async move {
        usched::sleep_until(Instant::from_micros(until)).await;
        s.stop_all();
    })
    .unwrap();
    s.run(board);
    log.get()
}

/// A board with a button pulled up and pressed (low) during each `(from, to)` in ms.
fn clicks(presses: &[(u64, u64)]) -> (&'static Board, Pin) {
    let board = Board::new();
    let pin = board.input("X6", true);
    for &(from, to) in presses {
        board.press_at(Instant::from_millis(from), &pin);
        board.release_at(Instant::from_millis(to), &pin);
    }
    (board, pin)
}

const DEFAULT: PushbuttonConfig = PushbuttonConfig::DEFAULT;

#[test]
fn a_bounce_burst_gives_one_press_and_one_release() {
    let board = Board::new();
    let pin = board.input("X6", true);
    board.bounce_at(Instant::from_millis(100), &pin, true, 5, Duration::from_millis(1));
    board.bounce_at(Instant::from_millis(300), &pin, false, 5, Duration::from_millis(1));
    let got = run_button(board, pin, DEFAULT, ms(2_000));
    assert_eq!(got, [(Press, ms(100)), (Release, ms(300))]);
}

#[test]
fn a_long_press_fires_once_at_exactly_the_long_time_while_held() {
    let (board, pin) = clicks(&[(100, 3_000)]);
    let got = run_button(board, pin, DEFAULT, ms(4_000));
    assert_eq!(got, [(Press, ms(100)), (Long, ms(1_100)), (Release, ms(3_000))]);
}

#[test]
fn no_long_press_if_released_a_tick_before() {
    let board = Board::new();
    let pin = board.input("X6", true);
    board.press_at(Instant::from_millis(100), &pin);
    board.release_at(Instant::from_micros(1_099_999), &pin);
    let got = run_button(board, pin, DEFAULT, ms(3_000));
    // The sample at 1.1 s sees the release before the long timer due at that same instant.
    assert_eq!(got, [(Press, ms(100)), (Release, ms(1_100))]);
}

#[test]
fn the_long_timer_follows_an_off_grid_long_time() {
    let (board, pin) = clicks(&[(100, 2_000)]);
    let config = PushbuttonConfig { long: Some(Duration::from_micros(777_777)), ..DEFAULT };
    let got = run_button(board, pin, config, ms(3_000));
    assert_eq!(got, [(Press, ms(100)), (Long, 877_777), (Release, ms(2_000))]);
}

#[test]
fn double_click_just_inside_the_window() {
    // The last sample before press + 400 ms is at 480 ms.
    let (board, pin) = clicks(&[(100, 160), (480, 540)]);
    let got = run_button(board, pin, DEFAULT, ms(2_000));
    assert_eq!(
        got,
        [(Press, ms(100)), (Release, ms(160)), (Double, ms(480)), (Press, ms(480)), (Release, ms(540))]
    );
}

#[test]
fn no_double_click_at_exactly_the_window_or_after() {
    let (board, pin) = clicks(&[(100, 150), (500, 550), (1_000, 1_050), (1_420, 1_470)]);
    let got = run_button(board, pin, DEFAULT, ms(3_000));
    assert!(got.iter().all(|&(e, _)| e != Double), "{got:?}");
    assert_eq!(got.iter().filter(|&&(e, _)| e == Press).count(), 4);
}

#[test]
fn a_triple_click_gives_one_double() {
    let (board, pin) = clicks(&[(100, 160), (200, 260), (300, 360)]);
    let got = run_button(board, pin, DEFAULT, ms(3_000));
    assert_eq!(
        got,
        [
            (Press, ms(100)),
            (Release, ms(160)),
            (Double, ms(200)),
            (Press, ms(200)),
            (Release, ms(260)),
            (Press, ms(300)), // a new first press, not a second double
            (Release, ms(360)),
        ]
    );
}

#[test]
fn the_second_press_of_a_double_starts_no_long_timer() {
    let (board, pin) = clicks(&[(100, 160), (200, 2_500)]);
    let got = run_button(board, pin, DEFAULT, ms(3_000));
    assert_eq!(
        got,
        [(Press, ms(100)), (Release, ms(160)), (Double, ms(200)), (Press, ms(200)), (Release, ms(2_500))]
    );
}

#[test]
fn suppress_gives_exactly_one_of_release_long_double_per_gesture() {
    // A click, a long press, a double click, a click.
    let (board, pin) = clicks(&[(100, 200), (1_000, 2_500), (3_000, 3_100), (3_200, 3_300), (5_000, 5_050)]);
    let config = PushbuttonConfig { suppress: true, ..DEFAULT };
    let got = run_button(board, pin, config, ms(7_000));
    assert_eq!(
        got,
        [
            (Press, ms(100)),
            (Release, ms(500)), // held back until the double window closed
            (Press, ms(1_000)),
            (Long, ms(2_000)),
            (Press, ms(3_000)),
            (Double, ms(3_200)),
            (Press, ms(3_200)),
            (Press, ms(5_000)),
            (Release, ms(5_400)),
        ]
    );
}

#[test]
fn suppress_without_double_clicks_does_not_hold_the_release_back() {
    let (board, pin) = clicks(&[(100, 200)]);
    let config = PushbuttonConfig { suppress: true, double: None, ..DEFAULT };
    let got = run_button(board, pin, config, ms(2_000));
    assert_eq!(got, [(Press, ms(100)), (Release, ms(200))]);
}

#[test]
fn a_held_back_release_comes_before_the_next_press() {
    // The second press comes exactly as the window closes: the first click's release goes first.
    let (board, pin) = clicks(&[(100, 200), (500, 600)]);
    let config = PushbuttonConfig { suppress: true, ..DEFAULT };
    let got = run_button(board, pin, config, ms(2_000));
    assert_eq!(got, [(Press, ms(100)), (Release, ms(500)), (Press, ms(500)), (Release, ms(900))]);
}

#[test]
fn every_wiring_reports_logical_presses() {
    for wiring in [
        Wiring::NormallyOpenToGround,
        Wiring::NormallyOpenToVdd,
        Wiring::NormallyClosedToGround,
        Wiring::NormallyClosedToVdd,
        Wiring::Auto,
    ] {
        for rest in [true, false] {
            if wiring != Wiring::Auto && wiring.pressed_level(rest) == rest {
                continue; // a pin that rests at the pressed level is not this wiring
            }
            let board = Board::new();
            let pin = board.input("X6", rest);
            board.press_at(Instant::from_millis(100), &pin); // drives it away from its rest level
            board.release_at(Instant::from_millis(200), &pin);
            let config = PushbuttonConfig { wiring, ..DEFAULT };
            let got = run_button(board, pin, config, ms(1_000));
            assert_eq!(got, [(Press, ms(100)), (Release, ms(200))], "{wiring:?} resting {rest}");
        }
    }
}

#[test]
fn tasks_await_each_event() {
    let (board, pin) = clicks(&[(100, 160), (200, 1_500)]);
    let pb: &'static Pushbutton = Box::leak(Box::new(Pushbutton::new(PushbuttonConfig {
        long: Some(Duration::from_millis(500)),
        ..DEFAULT
    })));
    let s = sched();
    s.spawn(async move {
        let _ = pb.run(pin, board, |_| {}).await;
    })
    .unwrap();
    let log = Log::new();
    let l = log.clone();
    s.spawn(async move {
        pb.press().await;
        l.push(board, "press");
        pb.release().await;
        l.push(board, "release");
        pb.double().await;
        l.push(board, "double");
        pb.long().await; // the second press of a double starts no long timer: none comes
        l.push(board, "long");
    })
    .unwrap();
    s.spawn(async move {
        usched::sleep(Duration::from_secs(3)).await;
        s.stop_all();
    })
    .unwrap();
    s.run(board);
    assert_eq!(log.get(), [("press", ms(100)), ("release", ms(160)), ("double", ms(200))]);
    assert!(!pb.is_pressed());
}

#[test]
fn a_press_after_a_long_press_is_a_first_press_even_inside_the_window() {
    // long (200 ms) shorter than double (400 ms): the press at 440 ms is 340 ms after the first,
    // but that one was a long press, which closes the window (as the module docs say).
    let (board, pin) = clicks(&[(100, 400), (440, 480)]);
    let config = PushbuttonConfig { long: Some(Duration::from_millis(200)), ..DEFAULT };
    let got = run_button(board, pin, config, ms(2_000));
    assert_eq!(
        got,
        [(Press, ms(100)), (Long, ms(300)), (Release, ms(400)), (Press, ms(440)), (Release, ms(480))]
    );
}
