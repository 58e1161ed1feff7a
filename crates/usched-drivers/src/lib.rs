//! # usched-drivers: the original usched's drivers, on embedded-hal 1.0
//!
//! Half of what made the MicroPython `usched` useful was its small set of drivers: a debounced
//! switch, a pushbutton with long press and double click, a retriggerable delay, and a character
//! LCD that never makes the other threads wait. This crate brings them to any board with an
//! embedded-hal 1.0 HAL, driven by the [`usched`] scheduler. `no_std`, no allocation, no `unsafe`.
//!
//! | original              | here                                                        |
//! |-----------------------|-------------------------------------------------------------|
//! | `Switch`              | [`Switch`]: await [`Switch::closed`] / [`Switch::opened`], or a callback |
//! | `Pushbutton`          | [`Pushbutton`]: press, release, long, double; any wiring; `suppress` |
//! | `Delay`               | [`Delay`]: retriggerable, shortenable, stoppable, triggered from interrupts |
//! | `future(t, f)`        | [`after`] / [`after_task`] → a handle that cancels it          |
//! | `LCD` (`lcdthread`)   | [`Lcd`] and [`Lcd::run`] on six `OutputPin`s                   |
//!
//! ## The shape every driver shares
//!
//! A driver is two halves. A small *shared* value (`Switch`, `Pushbutton`, `Delay`, `Lcd`) holds
//! what other tasks read, await or change; it is borrowed by all of them, so it must live for ever.
//! Only a [`Delay`] (which interrupt handlers and other threads trigger) is `Sync` and can be a plain
//! `static`. `Switch`, `Pushbutton` and `Lcd` belong to the scheduler's thread (they are not `Sync`,
//! so `static SW: Switch = Switch::new();` does not compile): on a chip make them once with
//! `cortex_m::singleton!` (as the crate's size programs do), on a host leak a `Box`. A *runner*,
//! an `async fn run(..)` on it, owns the pins and does the work; spawn it as the driver's one task. Callbacks are passed to the runner, so
//! nothing is stored as a trait object and nothing is allocated.
//!
//! Runners read the time from the [`usched::Clock`] the scheduler runs on (the same `&'static`
//! clock passed to [`usched::Sched::run`]): the core has no ambient "now" on a chip, and a
//! [`Delay`] triggered from an interrupt handler must know the time of the trigger itself.
//!
//! Events a task awaits are latched: one that happens while no task waits is kept (once, not
//! counted) for the next wait. Await in a loop, or use the callback, to see each. Unlike an asyncio
//! `Event`, an event is *taken* by the wait that sees it: if several tasks await the same event,
//! only one of them resumes for each occurrence. To tell several tasks, use the callback (or one
//! task that passes it on).
//!
//! ```compile_fail
//! // Switch, Pushbutton and Lcd are not `Sync`: they cannot be plain statics.
//! static SW: usched_drivers::Switch = usched_drivers::Switch::new();
//! ```
//!
//! ```
//! use core::time::Duration;
//! use usched::{Instant, Sched};
//! use usched_drivers::Switch;
//! use usched_sim::Board;
//!
//! let board = Board::new();
//! let pin = board.input("X5", true); // pulled up; the switch connects it to ground
//! board.press_at(Instant::from_millis(105), &pin);
//! let sw: &'static Switch = Box::leak(Box::new(Switch::new()));
//! let s: &'static Sched<2, 512> = Box::leak(Box::new(Sched::new()));
//! s.spawn(async move { let _ = sw.run(pin, board, |_| {}).await; }).unwrap();
//! s.spawn(async move {
//!     sw.closed().await;
//!     assert_eq!(board.now(), Instant::from_millis(120)); // the first sample after 105 ms
//!     s.stop_all();
//! }).unwrap();
//! s.run(board);
//! ```
//!
//! ## Bad input
//!
//! What the drivers answer to each bad input a program can hand them; each row is a test of the
//! same name in `tests/bad_input.rs`. Random sequences of all of these, from tasks and from the
//! drivers' own callbacks, are fuzzed by `tests/fuzz.rs`. None is a panic.
//!
//! | bad input | answer | test |
//! |---|---|---|
//! | an LCD row past the last | [`LcdError::NoSuchRow`] from `set_row` and `set_row_fmt`, `None` from `row`; nothing changed | `lcd_row_out_of_range` |
//! | LCD text longer than a row, or characters the display ROM lacks | cut to the width; each such `char` one [`PLACEHOLDER`] cell | `lcd_text_too_long_or_not_in_the_rom` |
//! | an `Lcd<COLS, ROWS>` of a size no HD44780 has (rows not 1, 2 or 4; 0 or more than 40 columns; 4 rows of more than 20) | compile error naming the limit | `wrong_lcd_sizes_do_not_compile` |
//! | a pin whose reads or writes fail | the runner returns the pin's error (the LCD's as [`LcdError::Pin`]); the driver keeps no state from it | `a_pin_that_fails` |
//! | zero and huge durations | a zero trigger fires at once; `Duration::MAX` saturates (never fires, never overflows); a zero debounce period is 1 µs | `zero_and_huge_durations` |
//! | [`after`] into a scheduler with no free slot | [`usched::SpawnError::Full`]; nothing changed | `after_into_a_full_scheduler` |
//! | calls on a driver whose runner was stopped | no panic: a trigger stays armed, unfired; an awaited event never comes (until the task is stopped); the state is the last one the runner saw | `calls_after_the_runner_is_stopped` |
//!
//! ## Dependencies, and why
//!
//! - `usched`: the scheduler the drivers run on (sleeps, signals, interrupt lines, spawning).
//! - `embedded-hal` 1.0: the pin traits ([`InputPin`](embedded_hal::digital::InputPin),
//!   [`OutputPin`](embedded_hal::digital::OutputPin)) and [`DelayNs`](embedded_hal::delay::DelayNs)
//!   for the LCD's sub-microsecond enable pulse, so the drivers run on any HAL.
//! - `critical-section`: [`Delay::trigger`] may be called from an interrupt handler or another
//!   thread; the deadline it writes is guarded by a critical section, the one portable way.
//!
//! `embedded-hal-async`'s `Wait` is not used: a debouncer must sample at a fixed period whatever
//! the pin does, so waiting for edges would add an interrupt per bounce and save nothing.
//!
//! ## Files
//!
//! One concept each: `switch.rs`, `pushbutton.rs`, `delay.rs`, `after.rs`, `hd44780.rs`, the
//! display ROM's character set in `charset.rs`, and the drift-free sampling clock the two input
//! drivers share in `ticker.rs`.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// What `delay.rs` shares with interrupt handlers (its critical section, its interrupt line and
/// the timeout it waits with), named through one path, as the core names its atomics, so that the
/// loom model `tests/loom_delay.rs` can include `delay.rs` with loom-aware stand-ins.
mod sync {
    pub(crate) mod critical_section {
        pub(crate) use ::critical_section::{with, Mutex};
    }
    pub(crate) use usched::{timeout_at, IrqLine};
}

mod after;
mod charset;
mod delay;
mod hd44780;
mod pushbutton;
mod switch;
mod ticker;

pub use after::{after, after_task, AfterHandle};
pub use charset::{to_rom, PLACEHOLDER};
pub use delay::Delay;
pub use hd44780::{Lcd, LcdError, LcdPins};
pub use pushbutton::{ButtonEvent, Pushbutton, PushbuttonConfig, Wiring};
pub use switch::{Switch, SwitchEvent};
