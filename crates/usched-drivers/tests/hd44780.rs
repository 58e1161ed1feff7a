//! HD44780 (F4): datasheet start-up with no protocol violations, rows by index, no traffic for
//! unchanged text, latest text wins, a mid-write update is not lost, other tasks never wait.

mod common;

use std::time::Duration;

use common::{sched, NoWait};
use usched::{sleep, sleep_until, Instant};
use usched_drivers::{Lcd, LcdError, LcdPins};
use usched_sim::{Board, Hd44780};

/// A `C` × `R` display on a fresh board, its writer spawned; the scheduler to add tasks to.
fn display<const C: usize, const R: usize>(
) -> (&'static Board, Hd44780, &'static Lcd<C, R>, &'static common::TestSched) {
    let board = Board::new();
    let pins = ["RS", "E", "D4", "D5", "D6", "D7"].map(|n| board.output(n));
    let sim = Hd44780::attach(pins, C, R);
    let [rs, e, d4, d5, d6, d7] = pins;
    let lcd: &'static Lcd<C, R> = Box::leak(Box::new(Lcd::new()));
    let s = sched();
    s.spawn(async move {
        let _ = lcd.run(LcdPins { rs, e, d4, d5, d6, d7 }, NoWait).await;
    })
    .unwrap();
    (board, sim, lcd, s)
}

fn stop_at(s: &'static common::TestSched, ms: u64) {
    s.spawn(async move {
        sleep_until(Instant::from_millis(ms)).await;
        s.stop_all();
    })
    .unwrap();
}

/// Init: function set, display on, entry mode, clear.
const INIT_BYTES: u64 = 4;

#[test]
fn sixteen_by_two_shows_the_text_with_no_violations() {
    let (board, sim, lcd, s) = display::<16, 2>();
    lcd.set_row(0, "MicroPython").unwrap();
    lcd.set_row(1, "a much longer line than fits").unwrap();
    stop_at(s, 100);
    s.run(board);
    assert_eq!(sim.rows(), ["MicroPython     ", "a much longer li"]);
    assert_eq!(sim.violations(), []);
    assert!(sim.display_on() && sim.four_bit());
    assert_eq!(sim.bytes(), INIT_BYTES + 2 * 17);
}

#[test]
fn four_rows_and_one_row_and_forty_columns() {
    let (board, sim, lcd, s) = display::<20, 4>();
    for (r, t) in ["row zero", "row one", "row two", "row three"].iter().enumerate() {
        lcd.set_row(r, t).unwrap();
    }
    stop_at(s, 100);
    s.run(board);
    assert_eq!(
        sim.rows(),
        ["row zero            ", "row one             ", "row two             ", "row three           "]
    );
    assert_eq!(sim.violations(), []);

    let (board, sim, lcd, s) = display::<40, 1>();
    lcd.set_row(0, "forty columns wide, the widest an HD44780 row gets").unwrap();
    stop_at(s, 100);
    s.run(board);
    assert_eq!(sim.rows(), ["forty columns wide, the widest an HD4478"]);
    assert_eq!(sim.violations(), []);
}

#[test]
fn start_up_follows_the_datasheet_times() {
    let (board, sim, _lcd, s) = display::<16, 2>();
    stop_at(s, 100);
    s.run(board);
    let e: Vec<u64> = board
        .find("E")
        .unwrap()
        .history()
        .iter()
        .filter(|&&(_, l)| !l)
        .map(|&(t, _)| t.as_micros())
        .collect();
    // The four reset nibbles: 50 ms after power, then 4.5 ms, 150 µs, 50 µs apart.
    assert_eq!(e[..4], [50_000, 54_500, 54_650, 54_700]);
    assert_eq!(sim.violations(), []);
}

#[test]
fn unchanged_text_causes_no_bus_traffic() {
    let (board, sim, lcd, s) = display::<16, 2>();
    lcd.set_row(0, "same").unwrap();
    let e = board.find("E").unwrap();
    let edges = std::rc::Rc::new(std::cell::Cell::new((0, 0)));
    let ed = edges.clone();
    s.spawn(async move {
        sleep_until(Instant::from_millis(100)).await;
        ed.set(e.edges());
        lcd.set_row(0, "same").unwrap();
        lcd.set_row(0, "same            ").unwrap(); // the same once padded
        assert!(!lcd.pending());
        sleep(Duration::from_millis(100)).await;
        assert_eq!(e.edges(), ed.get());
    })
    .unwrap();
    stop_at(s, 300);
    s.run(board);
    assert_eq!(sim.bytes(), INIT_BYTES + 17);
}

#[test]
fn the_latest_text_wins() {
    let (board, sim, lcd, s) = display::<16, 2>();
    s.spawn(async move {
        sleep_until(Instant::from_millis(100)).await;
        lcd.set_row(1, "first").unwrap();
        lcd.set_row(1, "second").unwrap(); // before the writer got to it: sent once
    })
    .unwrap();
    stop_at(s, 200);
    s.run(board);
    assert_eq!(sim.row(1), "second          ");
    assert_eq!(sim.bytes(), INIT_BYTES + 17);
}

#[test]
fn a_row_changed_while_it_is_written_shows_the_new_text() {
    let (board, sim, lcd, s) = display::<16, 2>();
    let mid = std::rc::Rc::new(std::cell::RefCell::new(String::new()));
    let m = mid.clone();
    let sim2 = sim.clone();
    s.spawn(async move {
        sleep_until(Instant::from_millis(100)).await;
        lcd.set_row(0, "AAAAAAAAAAAAAAAA").unwrap();
        // The address and 16 characters take 17 × 50 µs: at 300 µs the writer is mid-row.
        sleep(Duration::from_micros(300)).await;
        *m.borrow_mut() = sim2.row(0);
        lcd.set_row(0, "BBBBBBBBBBBBBBBB").unwrap();
    })
    .unwrap();
    stop_at(s, 200);
    s.run(board);
    let mid = mid.borrow().clone();
    assert!(mid.starts_with('A') && mid.ends_with(' '), "mid-write the row was {mid:?}");
    assert_eq!(sim.row(0), "BBBBBBBBBBBBBBBB");
    assert_eq!(sim.bytes(), INIT_BYTES + 2 * 17);
    assert_eq!(sim.violations(), []);
}

#[test]
fn other_tasks_never_wait_for_the_display() {
    let (board, sim, lcd, s) = display::<40, 1>();
    s.spawn(async move {
        sleep_until(Instant::from_millis(100)).await;
        lcd.set_row(0, "a full forty-character row, 2 ms of bus").unwrap();
        for k in 1..=20 {
            // Deadlines every 100 µs while the row is sent: each met exactly.
            let late = sleep_until(Instant::from_micros(100_000 + 100 * k)).await;
            assert_eq!(late, Duration::ZERO);
        }
    })
    .unwrap();
    stop_at(s, 200);
    s.run(board);
    assert_eq!(sim.row(0), "a full forty-character row, 2 ms of bus ");
}

#[test]
fn characters_outside_the_rom_become_the_placeholder() {
    let (board, sim, lcd, s) = display::<8, 1>();
    lcd.set_row(0, "a~b€c\\d").unwrap();
    stop_at(s, 100);
    s.run(board);
    assert_eq!(sim.row(0), "a?b?c?d ");
    assert_eq!(lcd.row(0), Some(*b"a?b?c?d "));
}

#[test]
fn a_row_that_does_not_exist_is_an_error() {
    let lcd: Lcd<16, 2> = Lcd::new();
    assert_eq!(lcd.set_row(2, "x"), Err(LcdError::NoSuchRow { row: 2, rows: 2 }));
    assert!(!lcd.pending());
}

#[test]
fn a_restarted_writer_shows_the_text_again() {
    // The writer is stopped (here while idle, after the row was sent) and spawned again: its
    // start-up clears the display, so every row the buffer holds must be sent again.
    let board = Board::new();
    let pins = ["RS", "E", "D4", "D5", "D6", "D7"].map(|n| board.output(n));
    let sim = Hd44780::attach(pins, 16, 2);
    let lcd: &'static Lcd<16, 2> = Box::leak(Box::new(Lcd::new()));
    let s = sched();
    let writer = move || {
        let [rs, e, d4, d5, d6, d7] = pins;
        async move {
            let _ = lcd.run(LcdPins { rs, e, d4, d5, d6, d7 }, NoWait).await;
        }
    };
    let first = s.spawn(writer()).unwrap();
    lcd.set_row(0, "Hello").unwrap();
    lcd.set_row(1, "world").unwrap();
    let sim2 = sim.clone();
    s.spawn(async move {
        sleep_until(Instant::from_millis(100)).await;
        assert_eq!(sim2.rows(), ["Hello           ", "world           "]);
        s.stop(first).unwrap();
        s.spawn(writer()).unwrap();
    })
    .unwrap();
    stop_at(s, 300);
    s.run(board);
    assert_eq!(sim.rows(), ["Hello           ", "world           "]);
    assert_eq!(sim.violations(), []);
}

#[test]
fn a_writer_stopped_mid_row_finishes_the_row_when_restarted() {
    let board = Board::new();
    let pins = ["RS", "E", "D4", "D5", "D6", "D7"].map(|n| board.output(n));
    let sim = Hd44780::attach(pins, 16, 2);
    let lcd: &'static Lcd<16, 2> = Box::leak(Box::new(Lcd::new()));
    let s = sched();
    let writer = move || {
        let [rs, e, d4, d5, d6, d7] = pins;
        async move {
            let _ = lcd.run(LcdPins { rs, e, d4, d5, d6, d7 }, NoWait).await;
        }
    };
    let first = s.spawn(writer()).unwrap();
    s.spawn(async move {
        sleep_until(Instant::from_millis(100)).await;
        lcd.set_row(0, "AAAAAAAAAAAAAAAA").unwrap();
        sleep(Duration::from_micros(300)).await; // mid-row
        s.stop(first).unwrap();
        assert!(!lcd.pending()); // the writer had started the row
        s.spawn(writer()).unwrap();
    })
    .unwrap();
    stop_at(s, 300);
    s.run(board);
    assert_eq!(sim.row(0), "AAAAAAAAAAAAAAAA");
    assert_eq!(sim.violations(), []);
}

#[test]
fn a_row_changed_all_the_time_does_not_starve_the_others() {
    // Row 0 shows a counter changed every 400 µs, faster than a row takes to send (17 × 50 µs):
    // it is dirty again each time the writer finishes it. Row 1, set once, must still be shown.
    let (board, sim, lcd, s) = display::<16, 2>();
    s.spawn(async move {
        sleep_until(Instant::from_millis(100)).await;
        lcd.set_row(1, "row one").unwrap();
        for n in 0u32.. {
            lcd.set_row_fmt(0, format_args!("{n}")).unwrap();
            sleep(Duration::from_micros(400)).await;
        }
    })
    .unwrap();
    stop_at(s, 200);
    s.run(board);
    assert_eq!(sim.row(1), "row one         ");
    assert_eq!(sim.violations(), []);
}
