//! Switch (F1): debounced by sampling, no event at start-up, events awaited and as callbacks.

mod common;

use std::time::Duration;

use common::{ms, sched, Log};
use usched::{Instant, Sched};
use usched_drivers::{Switch, SwitchEvent};
use usched_sim::{Board, Pin};

fn run_switch(board: &'static Board, pin: Pin, sw: Switch, until: u64) -> Vec<(SwitchEvent, u64)> {
    let sw: &'static Switch = Box::leak(Box::new(sw));
    let log = Log::new();
    let s = sched();
    let l = log.clone();
    s.spawn(async move {
        let _ = sw.run(pin, board, move |e| l.push(board, e)).await;
    })
    .unwrap();
    stop_at(s, until);
    s.run(board);
    log.get()
}

fn stop_at(s: &'static common::TestSched, us: u64) {
    s.spawn(async move {
        usched::sleep_until(Instant::from_micros(us)).await;
        s.stop_all();
    })
    .unwrap();
}

#[test]
fn a_bounce_burst_gives_one_event_each_way() {
    let board = Board::new();
    let pin = board.input("X5", true);
    board.bounce_at(Instant::from_millis(103), &pin, true, 5, Duration::from_millis(1));
    board.bounce_at(Instant::from_millis(503), &pin, false, 5, Duration::from_millis(1));
    let got = run_switch(board, pin, Switch::new(), ms(1_000));
    // Samples every 20 ms: the first after each burst starts sees the new level.
    assert_eq!(got, [(SwitchEvent::Closed, ms(120)), (SwitchEvent::Opened, ms(520))]);
}

#[test]
fn no_event_for_the_level_at_start_up() {
    let board = Board::new();
    let pin = board.input("X5", true);
    board.press_at(Instant::ZERO, &pin); // closed before the runner reads it
    board.settle();
    board.release_at(Instant::from_millis(300), &pin);
    let got = run_switch(board, pin, Switch::new(), ms(1_000));
    assert_eq!(got, [(SwitchEvent::Opened, ms(300))]);
}

#[test]
fn period_and_wiring_are_configurable() {
    let board = Board::new();
    let pin = board.input("X5", false); // pulled down; closes to Vdd
    board.press_at(Instant::from_millis(10), &pin);
    let sw = Switch::new().with_period(Duration::from_millis(50)).closed_when_high();
    let got = run_switch(board, pin, sw, ms(200));
    assert_eq!(got, [(SwitchEvent::Closed, ms(50))]);
}

#[test]
fn tasks_await_closes_and_opens_and_read_the_level() {
    let board = Board::new();
    let pin = board.input("X5", true);
    board.press_at(Instant::from_millis(200), &pin);
    board.release_at(Instant::from_millis(400), &pin);
    let sw: &'static Switch = Box::leak(Box::new(Switch::new()));
    let s: &'static Sched<3, 1024> = Box::leak(Box::new(Sched::new()));
    s.spawn(async move {
        let _ = sw.run(pin, board, |_| {}).await;
    })
    .unwrap();
    let seen = Log::new();
    let l = seen.clone();
    s.spawn(async move {
        sw.closed().await;
        l.push(board, sw.is_closed());
        sw.opened().await;
        l.push(board, sw.is_closed());
        s.stop_all();
    })
    .unwrap();
    s.run(board);
    assert_eq!(seen.get(), [(Some(true), ms(200)), (Some(false), ms(400))]);
}

#[test]
fn sampling_does_not_drift_when_the_task_runs_late() {
    let board = Board::new();
    let pin = board.input("X5", true);
    board.press_at(Instant::from_millis(61), &pin);
    let sw: &'static Switch = Box::leak(Box::new(Switch::new()));
    let log = Log::new();
    let s = sched();
    let l = log.clone();
    s.spawn(async move {
        let _ = sw.run(pin, board, move |e| l.push(board, e)).await;
    })
    .unwrap();
    // A hog busy for 7 ms from 15 ms: the sample due at 20 ms runs at 22 ms, but the grid stays
    // (40 ms, too close to 22 ms, is skipped; then 60, 80 ms).
    s.spawn(async move {
        usched::sleep_until(Instant::from_millis(15)).await;
        board.advance(Duration::from_millis(7));
    })
    .unwrap();
    stop_at(s, ms(200));
    s.run(board);
    assert_eq!(log.get(), [(SwitchEvent::Closed, ms(80))]);
}

#[test]
fn a_late_sample_is_still_a_full_period_from_the_next() {
    // The sample due at 20 ms runs at 22 ms (a hog). A bounce burst of 19 ms, shorter than the
    // period, from 21.5 ms to 40.5 ms: the switch bounces open at 39.9 ms and settles closed at
    // 40.5 ms. Were the next sample at 40 ms, 18 ms after the late one, it would fall inside the
    // burst and report a spurious open (and a second close at 60 ms). One close, nothing else.
    let board = Board::new();
    let pin = board.input("X5", true);
    board.drive_at(Instant::from_micros(21_500), &pin, false);
    board.drive_at(Instant::from_micros(39_900), &pin, true);
    board.drive_at(Instant::from_micros(40_500), &pin, false);
    let sw: &'static Switch = Box::leak(Box::new(Switch::new()));
    let log = Log::new();
    let s = sched();
    let l = log.clone();
    s.spawn(async move {
        let _ = sw.run(pin, board, move |e| l.push(board, e)).await;
    })
    .unwrap();
    s.spawn(async move {
        usched::sleep_until(Instant::from_millis(15)).await;
        board.advance(Duration::from_millis(7));
    })
    .unwrap();
    stop_at(s, ms(200));
    s.run(board);
    assert_eq!(log.get(), [(SwitchEvent::Closed, ms(22))]);
}

#[test]
fn an_event_awaited_by_two_tasks_resumes_one_of_them() {
    // Pins what the crate docs say: an awaited event is taken by one wait.
    let board = Board::new();
    let pin = board.input("X5", true);
    board.press_at(Instant::from_millis(100), &pin);
    let sw: &'static Switch = Box::leak(Box::new(Switch::new()));
    let s = sched();
    s.spawn(async move {
        let _ = sw.run(pin, board, |_| {}).await;
    })
    .unwrap();
    let log = Log::new();
    for name in ["a", "b"] {
        let l = log.clone();
        s.spawn(async move {
            sw.closed().await;
            l.push(board, name);
        })
        .unwrap();
    }
    stop_at(s, ms(1_000));
    s.run(board);
    assert_eq!(log.get().len(), 1, "{:?}", log.get());
    assert_eq!(log.get()[0].1, ms(100));
}
