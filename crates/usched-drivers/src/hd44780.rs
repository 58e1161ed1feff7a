//! An HD44780 character LCD on a 4-bit bus, written so that no task ever waits for it.
//!
//! The display is slow: 37 µs for a character, 1.52 ms to clear, tens of milliseconds to start.
//! A driver that busy-waits those times (as the blocking embedded-hal HD44780 crates do) stalls
//! every other task while it writes a row. The original's cure, kept here, is a buffer and a
//! writer task. Tasks only change the buffer ([`Lcd::set_row`]), which is instant; the writer
//! ([`Lcd::run`]) sends what changed, one character at a time, and *sleeps* through each
//! character's 50 µs so that the other tasks run in between.
//!
//! What the buffer guarantees:
//!
//! - a row set to the text it already shows is not sent again: no bus traffic at all;
//! - the latest text wins: a row set twice before the writer gets to it is sent once, as set last;
//! - rows are sent in turn: a row that changes faster than it can be sent does not keep the
//!   others off the display;
//! - an update made while its row is being sent is not lost: the writer clears a row's dirty mark
//!   *before* sending it, so a change made mid-row marks it again and the row is sent once more;
//! - a writer that is stopped (even mid-row) and spawned again, or that ended on a pin error and
//!   is run again, sends every row anew after its start-up has cleared the display;
//! - text is padded with spaces or cut to the width, one cell per `char`; characters the display's
//!   ROM does not have become [`PLACEHOLDER`](crate::PLACEHOLDER) (see [`to_rom`](crate::to_rom)).
//!
//! Start-up follows the datasheet's initialisation by instruction, with margins: 50 ms after
//! power (≥ 40 ms), `0x3`, 4.5 ms (≥ 4.1 ms), `0x3`, 150 µs (≥ 100 µs), `0x3`, then `0x2` for the
//! 4-bit interface; function set, display on, entry mode "increment", clear (2 ms, ≥ 1.52 ms).
//! Every other instruction or character is followed by 50 µs (≥ 37 µs). The enable pulse and the
//! set-up and hold times around it are far below a microsecond, too short for the scheduler, so
//! they use an embedded-hal [`DelayNs`] (1 µs each).
//!
//! Why our own and not a crate: the embedded-hal HD44780 drivers we found either block in their
//! delays (`hd44780-driver`), or are async but bare byte-level interfaces in early releases
//! (`ehlcd2d`, `hd44780-controller`, `lcd_parallel_bus`); none keeps the row buffer that gives the
//! guarantees above, and each would still need it written on top.
//!
//! Supported: 1, 2 or 4 rows; 1 to 40 columns (to 20 with 4 rows: wider four-row displays have two
//! controllers). Rows start at display addresses 0x00, 0x40, then 0x00 + width and 0x40 + width
//! (instructions 0x80, 0xC0, 0x94, 0xD4 on a 20 × 4). No cursor and no user-defined characters.

use core::cell::Cell;
use core::convert::Infallible;
use core::fmt;
use core::time::Duration;

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::{ErrorKind, OutputPin, PinState};
use usched::{sleep, Signal};

use crate::charset::to_rom;

/// The wait after power-up before the first write (datasheet: at least 40 ms).
const POWER_UP: Duration = Duration::from_millis(50);
/// After the first `0x3` of the reset (at least 4.1 ms).
const RESET_FIRST: Duration = Duration::from_micros(4_500);
/// After the second `0x3` (at least 100 µs).
const RESET_SECOND: Duration = Duration::from_micros(150);
/// After any instruction or character but clear and home (at least 37 µs).
const FAST: Duration = Duration::from_micros(50);
/// After clear (at least 1.52 ms).
const CLEAR: Duration = Duration::from_millis(2);
/// Enable pulse width, and set-up and hold around it (each well under 1 µs in the datasheet).
const BUS_NS: u32 = 1_000;

/// What went wrong with a display.
///
/// ```
/// let e = usched_drivers::LcdError::NoSuchRow { row: 2, rows: 2 };
/// assert_eq!(e.to_string(), "row 2 does not exist: the display has 2 rows");
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LcdError {
    /// [`Lcd::set_row`] was given a row the display does not have.
    NoSuchRow {
        /// The row asked for.
        row: usize,
        /// How many rows there are.
        rows: usize,
    },
    /// Setting a bus pin failed; the HAL's error, by kind.
    Pin(ErrorKind),
}

impl fmt::Display for LcdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LcdError::NoSuchRow { row, rows } => {
                write!(f, "row {row} does not exist: the display has {rows} rows")
            }
            LcdError::Pin(kind) => write!(f, "a display pin failed: {kind}"),
        }
    }
}

impl core::error::Error for LcdError {}

/// The six pins of the 4-bit bus. Each may be of its own type.
///
/// ```
/// let b = usched_sim::Board::new();
/// let [rs, e, d4, d5, d6, d7] = ["RS", "E", "D4", "D5", "D6", "D7"].map(|n| b.output(n));
/// let pins = usched_drivers::LcdPins { rs, e, d4, d5, d6, d7 };
/// # let _ = pins;
/// ```
#[derive(Debug)]
pub struct LcdPins<RS, E, D4, D5, D6, D7> {
    /// Register select: low for instructions, high for characters.
    pub rs: RS,
    /// Enable: the display latches on its falling edge.
    pub e: E,
    /// Data bit 4 (bit 0 of each nibble).
    pub d4: D4,
    /// Data bit 5.
    pub d5: D5,
    /// Data bit 6.
    pub d6: D6,
    /// Data bit 7 (bit 3 of each nibble).
    pub d7: D7,
}

/// A `COLS` × `ROWS` character display: the buffer tasks write to (see the module docs).
/// Share it by reference; spawn [`Lcd::run`] once with the pins.
///
/// ```
/// use core::time::Duration;
/// use usched::{sleep, Sched};
/// use usched_drivers::{Lcd, LcdPins};
/// use usched_sim::{Board, Hd44780};
///
/// struct NoWait; // the simulated display needs no sub-microsecond waits
/// impl embedded_hal::delay::DelayNs for NoWait { fn delay_ns(&mut self, _: u32) {} }
///
/// let board = Board::new();
/// let pins = ["RS", "E", "D4", "D5", "D6", "D7"].map(|n| board.output(n));
/// let display = Hd44780::attach(pins, 16, 2);
/// let [rs, e, d4, d5, d6, d7] = pins;
/// let lcd: &'static Lcd<16, 2> = Box::leak(Box::new(Lcd::new()));
/// let s: &'static Sched<2, 1024> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async move { let _ = lcd.run(LcdPins { rs, e, d4, d5, d6, d7 }, NoWait).await; }).unwrap();
/// s.spawn(async move {
///     lcd.set_row(0, "Hello, usched").unwrap();
///     lcd.set_row(1, "20°C").unwrap();
///     sleep(Duration::from_millis(100)).await;
///     s.stop_all();
/// }).unwrap();
/// s.run(board);
/// assert_eq!(display.row(0), "Hello, usched   ");
/// assert_eq!(display.row(1), "20?C            "); // the simulator shows ROM symbols as '?'
/// assert!(display.violations().is_empty());
/// ```
pub struct Lcd<const COLS: usize, const ROWS: usize> {
    text: [[Cell<u8>; COLS]; ROWS],
    dirty: [Cell<bool>; ROWS],
    changed: Signal,
}

impl<const COLS: usize, const ROWS: usize> fmt::Debug for Lcd<COLS, ROWS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lcd").field("cols", &COLS).field("rows", &ROWS).finish()
    }
}

impl<const COLS: usize, const ROWS: usize> Default for Lcd<COLS, ROWS> {
    fn default() -> Self {
        Self::new()
    }
}

/// Collects formatted text into one row's cells.
struct RowWriter<const COLS: usize> {
    cells: [u8; COLS],
    len: usize,
}

impl<const COLS: usize> RowWriter<COLS> {
    /// Appends `s`, one cell per `char`, dropping what does not fit.
    fn push(&mut self, s: &str) {
        for c in s.chars() {
            if let Some(cell) = self.cells.get_mut(self.len) {
                *cell = to_rom(c);
                self.len += 1;
            }
        }
    }
}

impl<const COLS: usize> fmt::Write for RowWriter<COLS> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s);
        Ok(())
    }
}

impl<const COLS: usize, const ROWS: usize> Lcd<COLS, ROWS> {
    /// A blank display buffer. A size the driver does not support is a compile-time error.
    ///
    /// ```
    /// let lcd: usched_drivers::Lcd<20, 4> = usched_drivers::Lcd::new();
    /// assert_eq!(lcd.row(3), Some([b' '; 20]));
    /// ```
    ///
    /// ```compile_fail
    /// let lcd: usched_drivers::Lcd<16, 3> = usched_drivers::Lcd::new(); // 1, 2 or 4 rows
    /// ```
    pub const fn new() -> Self {
        const {
            assert!(ROWS == 1 || ROWS == 2 || ROWS == 4, "an HD44780 has 1, 2 or 4 rows");
            assert!(COLS >= 1 && COLS <= 40, "an HD44780 row is 1 to 40 characters");
            assert!(ROWS < 4 || COLS <= 20, "four rows of more than 20 need two controllers");
        }
        Lcd {
            text: [const { [const { Cell::new(b' ') }; COLS] }; ROWS],
            dirty: [const { Cell::new(false) }; ROWS],
            changed: Signal::new(),
        }
    }

    /// Sets row `row` to `text`, padded or cut to the width. Instant: the writer task sends it.
    /// Text equal to what the row holds changes nothing and sends nothing.
    ///
    /// ```
    /// let lcd: usched_drivers::Lcd<8, 2> = usched_drivers::Lcd::new();
    /// lcd.set_row(1, "temperature").unwrap();
    /// assert_eq!(&lcd.row(1).unwrap(), b"temperat");
    /// assert!(lcd.set_row(2, "x").is_err());
    /// ```
    pub fn set_row(&self, row: usize, text: &str) -> Result<(), LcdError> {
        let mut w = RowWriter { cells: [b' '; COLS], len: 0 };
        w.push(text);
        self.store(row, &w.cells)
    }

    /// Sets row `row` to formatted text, without allocating (the `write!` of a row). It links
    /// `core::fmt`, which [`set_row`](Self::set_row) does not.
    ///
    /// ```
    /// let lcd: usched_drivers::Lcd<8, 1> = usched_drivers::Lcd::new();
    /// lcd.set_row_fmt(0, format_args!("t={}", 42)).unwrap();
    /// assert_eq!(&lcd.row(0).unwrap(), b"t=42    ");
    /// ```
    pub fn set_row_fmt(&self, row: usize, args: fmt::Arguments<'_>) -> Result<(), LcdError> {
        let mut w = RowWriter { cells: [b' '; COLS], len: 0 };
        // `RowWriter` never fails; an erroring `Display` impl leaves what it wrote so far.
        let _ = fmt::write(&mut w, args);
        self.store(row, &w.cells)
    }

    /// Puts `cells` into row `row`, marking it dirty if anything changed.
    fn store(&self, row: usize, new: &[u8; COLS]) -> Result<(), LcdError> {
        let (Some(cells), Some(dirty)) = (self.text.get(row), self.dirty.get(row)) else {
            return Err(LcdError::NoSuchRow { row, rows: ROWS });
        };
        let mut changed = false;
        for (cell, &b) in cells.iter().zip(new.iter()) {
            changed |= cell.replace(b) != b;
        }
        if changed {
            dirty.set(true);
            self.changed.signal();
        }
        Ok(())
    }

    /// The ROM codes row `row` holds (what the display shows once the writer has caught up).
    ///
    /// ```
    /// let lcd: usched_drivers::Lcd<4, 1> = usched_drivers::Lcd::new();
    /// lcd.set_row(0, "ab").unwrap();
    /// assert_eq!(lcd.row(0), Some(*b"ab  "));
    /// assert_eq!(lcd.row(1), None);
    /// ```
    pub fn row(&self, row: usize) -> Option<[u8; COLS]> {
        let cells = self.text.get(row)?;
        let mut out = [b' '; COLS];
        for (o, c) in out.iter_mut().zip(cells) {
            *o = c.get();
        }
        Some(out)
    }

    /// True while some row has changes the writer has not started sending yet.
    ///
    /// ```
    /// let lcd: usched_drivers::Lcd<4, 1> = usched_drivers::Lcd::new();
    /// lcd.set_row(0, "x").unwrap();
    /// assert!(lcd.pending());
    /// ```
    pub fn pending(&self) -> bool {
        self.dirty.iter().any(Cell::get)
    }

    /// The display's one task: initialises the display on `pins`, then sends each changed row,
    /// sleeping through every character so other tasks run meanwhile. `delay` times the enable
    /// pulse (1 µs busy waits). Never returns, except with a pin's error.
    ///
    /// ```
    /// use usched_drivers::{Lcd, LcdPins};
    /// struct NoWait;
    /// impl embedded_hal::delay::DelayNs for NoWait { fn delay_ns(&mut self, _: u32) {} }
    /// let b = usched_sim::Board::new();
    /// let [rs, e, d4, d5, d6, d7] = ["RS", "E", "D4", "D5", "D6", "D7"].map(|n| b.output(n));
    /// let lcd: &'static Lcd<16, 2> = Box::leak(Box::new(Lcd::new()));
    /// let s: &'static usched::Sched<1, 1024> = Box::leak(Box::new(usched::Sched::new()));
    /// s.spawn(async move {
    ///     // It only ever ends with an error (its `Ok` type is `Infallible`).
    ///     let Err(e) = lcd.run(LcdPins { rs, e, d4, d5, d6, d7 }, NoWait).await;
    ///     println!("{e}");
    /// }).unwrap();
    /// ```
    pub async fn run<RS, E, D4, D5, D6, D7, D>(
        &self,
        pins: LcdPins<RS, E, D4, D5, D6, D7>,
        delay: D,
    ) -> Result<Infallible, LcdError>
    where
        RS: OutputPin,
        E: OutputPin,
        D4: OutputPin,
        D5: OutputPin,
        D6: OutputPin,
        D7: OutputPin,
        D: DelayNs,
    {
        let mut bus = Bus { pins, delay };
        bus.init(ROWS > 1).await?;
        // The start-up cleared the display, whatever it showed before (a writer stopped and
        // spawned again, or one that ended mid-row on a pin error): every row that is not blank
        // is sent again.
        for (cells, dirty) in self.text.iter().zip(&self.dirty) {
            if cells.iter().any(|c| c.get() != b' ') {
                dirty.set(true);
            }
        }
        // Rows are taken in turn, from the one after the row sent last, so a row that changes
        // faster than it can be sent does not keep the others off the display.
        let mut last = ROWS - 1;
        loop {
            let Some(row) = (1..=ROWS).map(|k| (last + k) % ROWS).find(|&r| self.dirty[r].get()) else {
                self.changed.wait().await;
                continue;
            };
            last = row;
            // Cleared before sending: a change made while this row is sent marks it again.
            self.dirty[row].set(false);
            bus.byte(false, 0x80 | row_address(row, COLS)).await?;
            for cell in &self.text[row] {
                bus.byte(true, cell.get()).await?;
            }
        }
    }
}

/// Where row `row` starts in display RAM.
const fn row_address(row: usize, cols: usize) -> u8 {
    let base = if row & 1 == 0 { 0x00 } else { 0x40 };
    let offset = if row >= 2 { cols } else { 0 };
    (base + offset) as u8
}

/// The bus: six pins and the sub-microsecond delay.
struct Bus<RS, E, D4, D5, D6, D7, D> {
    pins: LcdPins<RS, E, D4, D5, D6, D7>,
    delay: D,
}

fn pin(r: Result<(), impl embedded_hal::digital::Error>) -> Result<(), LcdError> {
    r.map_err(|e| LcdError::Pin(e.kind()))
}

impl<RS, E, D4, D5, D6, D7, D> Bus<RS, E, D4, D5, D6, D7, D>
where
    RS: OutputPin,
    E: OutputPin,
    D4: OutputPin,
    D5: OutputPin,
    D6: OutputPin,
    D7: OutputPin,
    D: DelayNs,
{
    /// Puts `nibble` on D4–D7 with RS and latches it with a pulse on E.
    fn nibble(&mut self, rs: bool, nibble: u8) -> Result<(), LcdError> {
        let bit = |n: u8| PinState::from(nibble & (1 << n) != 0);
        let p = &mut self.pins;
        pin(p.rs.set_state(PinState::from(rs)))?;
        pin(p.d4.set_state(bit(0)))?;
        pin(p.d5.set_state(bit(1)))?;
        pin(p.d6.set_state(bit(2)))?;
        pin(p.d7.set_state(bit(3)))?;
        self.delay.delay_ns(BUS_NS);
        pin(p.e.set_high())?;
        self.delay.delay_ns(BUS_NS);
        pin(p.e.set_low())?;
        self.delay.delay_ns(BUS_NS);
        Ok(())
    }

    /// Sends a byte, high nibble first, and sleeps through its execution time.
    async fn byte(&mut self, rs: bool, byte: u8) -> Result<(), LcdError> {
        self.nibble(rs, byte >> 4)?;
        self.nibble(rs, byte & 0x0F)?;
        sleep(if !rs && byte == 0x01 { CLEAR } else { FAST }).await;
        Ok(())
    }

    /// The datasheet's initialisation by instruction, into 4-bit mode.
    async fn init(&mut self, two_lines: bool) -> Result<(), LcdError> {
        pin(self.pins.e.set_low())?;
        sleep(POWER_UP).await;
        self.nibble(false, 0x3)?;
        sleep(RESET_FIRST).await;
        self.nibble(false, 0x3)?;
        sleep(RESET_SECOND).await;
        self.nibble(false, 0x3)?;
        sleep(FAST).await;
        self.nibble(false, 0x2)?;
        sleep(FAST).await;
        self.byte(false, if two_lines { 0x28 } else { 0x20 }).await?; // 4-bit, lines, 5x8 font
        self.byte(false, 0x0C).await?; // display on, no cursor, no blink
        self.byte(false, 0x06).await?; // entry mode: increment, no shift
        self.byte(false, 0x01).await?; // clear
        Ok(())
    }
}
