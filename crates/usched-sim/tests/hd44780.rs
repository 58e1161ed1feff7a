//! The virtual HD44780, driven by hand through its pins.

use std::time::Duration;

use usched::Instant;
use usched_sim::{Board, Hd44780, Pin};

struct Bus {
    board: &'static Board,
    pins: [Pin; 6],
}

impl Bus {
    fn new(cols: usize, rows: usize) -> (Bus, Hd44780) {
        let board = Board::new();
        let pins = ["RS", "E", "D4", "D5", "D6", "D7"].map(|n| board.output(n));
        let lcd = Hd44780::attach(pins, cols, rows);
        (Bus { board, pins }, lcd)
    }
    fn wait_us(&self, us: u64) {
        self.board.advance(Duration::from_micros(us));
    }
    fn nibble(&self, rs: bool, n: u8) {
        self.pins[0].set(rs);
        for i in 0..4 {
            self.pins[2 + i].set(n >> i & 1 == 1);
        }
        self.pins[1].set(true);
        self.pins[1].set(false); // latched here
    }
    fn byte(&self, rs: bool, b: u8) {
        self.nibble(rs, b >> 4);
        self.nibble(rs, b & 0x0F);
    }
    fn init(&self) {
        self.wait_us(40_000);
        self.nibble(false, 0x3);
        self.wait_us(4_100);
        self.nibble(false, 0x3);
        self.wait_us(100);
        self.nibble(false, 0x3);
        self.wait_us(37);
        self.nibble(false, 0x2);
        self.wait_us(37);
        for cmd in [0x28, 0x0C, 0x06] {
            self.byte(false, cmd);
            self.wait_us(37);
        }
        self.byte(false, 0x01);
        self.wait_us(1_520);
    }
    fn text(&self, addr: u8, s: &str) {
        self.byte(false, addr);
        self.wait_us(37);
        for b in s.bytes() {
            self.byte(true, b);
            self.wait_us(37);
        }
    }
}

#[test]
fn datasheet_init_then_text_on_two_rows() {
    let (bus, lcd) = Bus::new(16, 2);
    bus.init();
    assert!(lcd.four_bit());
    assert!(lcd.display_on());
    bus.text(0x80, "MicroPython");
    bus.text(0xC0, "12345678");
    assert_eq!(lcd.row(0), "MicroPython     ");
    assert_eq!(lcd.row(1), "12345678        ");
    assert_eq!(lcd.violations(), vec![]);
    assert_eq!(lcd.bytes(), 4 + 1 + 11 + 1 + 8);
}

#[test]
fn four_rows_use_0x94_and_0xd4() {
    let (bus, lcd) = Bus::new(20, 4);
    bus.init();
    bus.text(0x94, "row two");
    bus.text(0xD4, "row three");
    bus.text(0xC0, "row one");
    assert_eq!(lcd.rows()[1].trim_end(), "row one");
    assert_eq!(lcd.rows()[2].trim_end(), "row two");
    assert_eq!(lcd.rows()[3].trim_end(), "row three");
    assert!(lcd.violations().is_empty());
}

#[test]
fn writing_too_soon_after_power_up_is_a_violation() {
    let (bus, lcd) = Bus::new(16, 2);
    bus.wait_us(15_000);
    bus.nibble(false, 0x3);
    let v = lcd.violations();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].at, Instant::from_micros(15_000));
    assert!(v[0].what.contains("40000"), "{}", v[0].what);
}

#[test]
fn short_reset_gaps_are_violations() {
    let (bus, lcd) = Bus::new(16, 2);
    bus.wait_us(40_000);
    bus.nibble(false, 0x3);
    bus.wait_us(1_000); // needs 4.1 ms
    bus.nibble(false, 0x3);
    bus.wait_us(50); // needs 100 us
    bus.nibble(false, 0x3);
    bus.wait_us(37);
    bus.nibble(false, 0x2);
    let v: Vec<String> = lcd.violations().iter().map(|v| v.what.clone()).collect();
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(v[0].contains("3100 us too early"), "{}", v[0]);
    assert!(v[1].contains("50 us too early"), "{}", v[1]);
}

#[test]
fn clear_needs_1_52_ms_and_commands_37_us() {
    let (bus, lcd) = Bus::new(16, 2);
    bus.init();
    bus.byte(false, 0x01);
    bus.wait_us(1_000);
    bus.byte(true, b'A'); // 520 us early
    bus.byte(true, b'B'); // at once: 37 us early
    let v = lcd.violations();
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(v[0].what.contains("520 us too early") && v[0].what.contains("clear"));
    assert!(v[1].what.contains("37 us too early"));
    assert_eq!(lcd.row(0), "AB              ");
}

#[test]
fn skipping_the_reset_is_a_violation() {
    let (bus, lcd) = Bus::new(16, 2);
    bus.wait_us(50_000);
    bus.nibble(false, 0x2);
    assert!(lcd.four_bit());
    assert!(lcd.violations()[0].what.contains("after 0 of the three"));
}

#[test]
fn unprintable_characters_have_a_placeholder() {
    let (bus, lcd) = Bus::new(8, 1);
    bus.init();
    bus.text(0x80, "a");
    bus.byte(true, 0xFF);
    bus.wait_us(37);
    bus.byte(true, 0x7E);
    assert_eq!(lcd.row(0), "a?→     ");
}
