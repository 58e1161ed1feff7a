//! A virtual HD44780 character display on the 4-bit bus.
//!
//! The display watches six pins of the board: RS, E and D4–D7. On each falling edge of E it
//! latches a nibble, exactly as the controller does, and decodes the datasheet's start-up dance and
//! then instruction and data bytes into its display RAM. It also checks the waits the datasheet asks
//! for and records every one that was cut short as a [`Violation`]:
//!
//! - at least 40 ms from power-up to the first write;
//! - the reset: `0x3`, then ≥ 4.1 ms, `0x3`, then ≥ 100 µs, `0x3`, then `0x2` (4-bit mode);
//! - at least 1.52 ms after clear and home, 37 µs after any other instruction or data write.
//!
//! Rows are read back through the display-RAM layout: row 0 at address 0x00 (instruction 0x80),
//! row 1 at 0x40 (0xC0), and on four-row displays rows 2 and 3 right after rows 0 and 1
//! (0x14/0x54 on a 20-column display, so 0x94/0xD4).

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use usched::Instant;

use crate::Pin;

/// A write that came sooner than the datasheet allows, or out of order.
///
/// ```
/// let v = usched_sim::Violation { at: usched::Instant::from_millis(1), what: "too early".into() };
/// assert_eq!(v.to_string(), "1000 us: too early");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// When the offending write was latched.
    pub at: Instant,
    /// What was wrong.
    pub what: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} us: {}", self.at.as_micros(), self.what)
    }
}

const POWER_UP_US: u64 = 40_000;
const RESET1_US: u64 = 4_100;
const RESET2_US: u64 = 100;
const SLOW_US: u64 = 1_520;
const FAST_US: u64 = 37;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Mode {
    /// 8-bit interface after power-up; the number of `0x3` writes so far.
    Reset(u8),
    /// 4-bit interface; the high nibble of a byte in flight.
    FourBit(Option<(bool, u8)>),
}

struct Lcd {
    pins: [Pin; 6],
    cols: usize,
    rows: usize,
    powered: Instant,
    mode: Mode,
    busy_until: u64,
    busy_why: &'static str,
    ddram: [u8; 128],
    addr: u8,
    increment: bool,
    display_on: bool,
    two_line: bool,
    cgram: bool,
    violations: Vec<Violation>,
    bytes: u64,
}

/// A virtual HD44780 display attached to six pins of a board (see the module docs).
///
/// ```
/// use usched_sim::{Board, Hd44780};
/// let board = Board::new();
/// let pins = ["RS", "E", "D4", "D5", "D6", "D7"].map(|n| board.output(n));
/// let lcd = Hd44780::attach(pins, 16, 2);
/// assert_eq!(lcd.row(0), " ".repeat(16));
/// assert!(lcd.violations().is_empty());
/// ```
#[derive(Clone)]
pub struct Hd44780 {
    inner: Rc<RefCell<Lcd>>,
}

impl fmt::Debug for Hd44780 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hd44780").field("rows", &self.rows()).finish()
    }
}

impl Hd44780 {
    /// Attaches a `cols` × `rows` display (rows: 1, 2 or 4) to the pins `[RS, E, D4, D5, D6, D7]`,
    /// powered up at the current board time. The pins are left untraced in the event log (a bus
    /// would drown it); their changes are still in their history and the VCD.
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// let lcd = usched_sim::Hd44780::attach(["RS", "E", "D4", "D5", "D6", "D7"].map(|n| b.output(n)), 20, 4);
    /// assert_eq!(lcd.rows().len(), 4);
    /// ```
    pub fn attach(pins: [Pin; 6], cols: usize, rows: usize) -> Self {
        let cols = cols.clamp(1, 40);
        let rows = rows.clamp(1, 4);
        for p in &pins {
            p.set_traced(false);
        }
        let e = pins[1];
        let inner = Rc::new(RefCell::new(Lcd {
            pins,
            cols,
            rows,
            powered: e.board.now(),
            mode: Mode::Reset(0),
            busy_until: 0,
            busy_why: "",
            ddram: [b' '; 128],
            addr: 0,
            increment: true,
            display_on: false,
            two_line: rows > 1,
            cgram: false,
            violations: Vec::new(),
            bytes: 0,
        }));
        let weak = Rc::downgrade(&inner);
        e.on_change(move |at, level| {
            if !level {
                if let Some(lcd) = weak.upgrade() {
                    if let Ok(mut lcd) = lcd.try_borrow_mut() {
                        lcd.latch(at);
                    }
                }
            }
        });
        Hd44780 { inner }
    }

    /// The text of row `row` (empty for a row the display does not have). Characters outside
    /// printable ASCII show as `?`, except 0x7E/0x7F (the ROM's arrows `→`/`←`).
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// let lcd = usched_sim::Hd44780::attach(["RS", "E", "D4", "D5", "D6", "D7"].map(|n| b.output(n)), 8, 1);
    /// assert_eq!(lcd.row(0), "        ");
    /// assert_eq!(lcd.row(3), "");
    /// ```
    pub fn row(&self, row: usize) -> String {
        let lcd = self.inner.borrow();
        if row >= lcd.rows {
            return String::new();
        }
        let base = match row {
            0 => 0x00,
            1 => 0x40,
            2 => lcd.cols,
            _ => 0x40 + lcd.cols,
        };
        (base..base + lcd.cols)
            .map(|a| match lcd.ddram[a & 0x7F] {
                c @ 0x20..=0x7D => char::from(c),
                0x7E => '→',
                0x7F => '←',
                _ => '?',
            })
            .collect()
    }

    /// Every row.
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// let lcd = usched_sim::Hd44780::attach(["RS", "E", "D4", "D5", "D6", "D7"].map(|n| b.output(n)), 16, 2);
    /// assert_eq!(lcd.rows().len(), 2);
    /// ```
    pub fn rows(&self) -> Vec<String> {
        let n = self.inner.borrow().rows;
        (0..n).map(|r| self.row(r)).collect()
    }

    /// The display's size as (columns, rows).
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// let lcd = usched_sim::Hd44780::attach(["RS", "E", "D4", "D5", "D6", "D7"].map(|n| b.output(n)), 16, 2);
    /// assert_eq!(lcd.size(), (16, 2));
    /// ```
    pub fn size(&self) -> (usize, usize) {
        let lcd = self.inner.borrow();
        (lcd.cols, lcd.rows)
    }

    /// Whether the display has been switched on (instruction 0x0C and friends).
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// let lcd = usched_sim::Hd44780::attach(["RS", "E", "D4", "D5", "D6", "D7"].map(|n| b.output(n)), 16, 2);
    /// assert!(!lcd.display_on());
    /// ```
    pub fn display_on(&self) -> bool {
        self.inner.borrow().display_on
    }

    /// Whether the start-up sequence has put the display in 4-bit mode.
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// let lcd = usched_sim::Hd44780::attach(["RS", "E", "D4", "D5", "D6", "D7"].map(|n| b.output(n)), 16, 2);
    /// assert!(!lcd.four_bit());
    /// ```
    pub fn four_bit(&self) -> bool {
        matches!(self.inner.borrow().mode, Mode::FourBit(_))
    }

    /// Every timing or protocol violation so far.
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// let lcd = usched_sim::Hd44780::attach(["RS", "E", "D4", "D5", "D6", "D7"].map(|n| b.output(n)), 16, 2);
    /// assert!(lcd.violations().is_empty());
    /// ```
    pub fn violations(&self) -> Vec<Violation> {
        self.inner.borrow().violations.clone()
    }

    /// How many whole bytes (instructions and characters) the display has received in 4-bit mode.
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// let lcd = usched_sim::Hd44780::attach(["RS", "E", "D4", "D5", "D6", "D7"].map(|n| b.output(n)), 16, 2);
    /// assert_eq!(lcd.bytes(), 0);
    /// ```
    pub fn bytes(&self) -> u64 {
        self.inner.borrow().bytes
    }
}

impl Lcd {
    fn violation(&mut self, at: Instant, what: String) {
        self.violations.push(Violation { at, what });
    }

    fn busy(&mut self, at: Instant, us: u64, why: &'static str) {
        self.busy_until = at.as_micros().saturating_add(us);
        self.busy_why = why;
    }

    fn latch(&mut self, at: Instant) {
        let rs = self.pins[0].level();
        let nibble = (2..6).rev().fold(0u8, |n, i| (n << 1) | u8::from(self.pins[i].level()));
        let t = at.as_micros();
        let first_half = !matches!(self.mode, Mode::FourBit(Some(_)));
        if first_half {
            let since = t.saturating_sub(self.powered.as_micros());
            if matches!(self.mode, Mode::Reset(0)) && since < POWER_UP_US {
                self.violation(at, format!("first write {since} us after power-up; needs 40000 us"));
            } else if t < self.busy_until {
                let early = self.busy_until - t;
                let why = self.busy_why;
                self.violation(at, format!("write {early} us too early: still busy with {why}"));
            }
        }
        match self.mode {
            Mode::Reset(n) => {
                if rs {
                    self.violation(at, "data write before the display is in 4-bit mode".into());
                    return;
                }
                match (nibble, n) {
                    (0x3, 0) => self.busy(at, RESET1_US, "the first 0x3 of the reset"),
                    (0x3, 1) => self.busy(at, RESET2_US, "the second 0x3 of the reset"),
                    (0x3, _) => self.busy(at, FAST_US, "the third 0x3 of the reset"),
                    (0x2, n) => {
                        if n < 3 {
                            self.violation(at, format!("0x2 (4-bit mode) after {n} of the three 0x3 writes"));
                        }
                        self.mode = Mode::FourBit(None);
                        self.busy(at, FAST_US, "the 4-bit function set");
                        return;
                    }
                    (other, _) => {
                        self.violation(at, format!("0x{other:X} during the reset; expected 0x3 or 0x2"));
                        return;
                    }
                }
                self.mode = Mode::Reset(n.saturating_add(1));
            }
            Mode::FourBit(None) => self.mode = Mode::FourBit(Some((rs, nibble))),
            Mode::FourBit(Some((rs_hi, hi))) => {
                self.mode = Mode::FourBit(None);
                if rs_hi != rs {
                    self.violation(at, "RS changed between the two halves of a byte".into());
                }
                self.bytes += 1;
                self.execute(at, rs, (hi << 4) | nibble);
            }
        }
    }

    fn step_addr(&mut self) {
        let a = self.addr;
        self.addr = match (self.two_line, self.increment) {
            (true, true) if a == 0x27 => 0x40,
            (true, true) if a >= 0x67 => 0x00,
            (true, false) if a == 0x40 => 0x27,
            (true, false) if a == 0x00 => 0x67,
            (false, true) if a >= 0x4F => 0x00,
            (false, false) if a == 0x00 => 0x4F,
            (_, true) => a + 1,
            (_, false) => a - 1,
        };
    }

    fn execute(&mut self, at: Instant, rs: bool, byte: u8) {
        if rs {
            if !self.cgram {
                self.ddram[usize::from(self.addr & 0x7F)] = byte;
                self.step_addr();
            }
            self.busy(at, FAST_US, "a data write");
            return;
        }
        match byte {
            0x01 => {
                self.ddram = [b' '; 128];
                self.addr = 0;
                self.increment = true;
                self.cgram = false;
                self.busy(at, SLOW_US, "clear (1520 us)");
                return;
            }
            0x02 | 0x03 => {
                self.addr = 0;
                self.cgram = false;
                self.busy(at, SLOW_US, "home (1520 us)");
                return;
            }
            0x04..=0x07 => self.increment = byte & 0x02 != 0,
            0x08..=0x0F => self.display_on = byte & 0x04 != 0,
            0x10..=0x1F => {}
            0x20..=0x3F => self.two_line = byte & 0x08 != 0,
            0x40..=0x7F => self.cgram = true,
            _ => {
                self.addr = byte & 0x7F;
                self.cgram = false;
            }
        }
        self.busy(at, FAST_US, "an instruction (37 us)");
    }
}
