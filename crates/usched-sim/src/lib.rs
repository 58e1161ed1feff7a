//! # usched-sim: a simulated board for usched
//!
//! Runs usched tasks on a laptop with exact, repeatable timing. The heart is [`SimClock`], a clock
//! whose time only moves when something moves it: when every task waits, it jumps straight to the
//! next deadline, so ten minutes of board time pass in milliseconds, identically every run.
//!
//! Around it, a [`Board`]: virtual [`Pin`]s that implement the embedded-hal 1.0 digital traits and
//! record every change with its board time; stimuli scripted against board time (button presses,
//! contact bounce, square waves, interrupts); a virtual accelerometer ([`Accel`]); a virtual
//! HD44780 character display ([`Hd44780`]) that decodes its 4-bit bus and reports timing
//! violations; wires between two boards on one board time; an event log; VCD output.
//!
//! ```
//! use std::time::Duration;
//! use embedded_hal::digital::OutputPin;
//! use usched::{sleep, Sched};
//! use usched_sim::Board;
//!
//! let board = Board::new();
//! let mut led = board.output("led red");
//! led.set_words("off", "on");
//! let sched: &'static Sched<2, 256> = Box::leak(Box::new(Sched::new()));
//! sched.spawn(async move {
//!     for _ in 0..2 {
//!         sleep(Duration::from_millis(200)).await;
//!         led.set_high().unwrap();
//!         sleep(Duration::from_millis(200)).await;
//!         led.set_low().unwrap();
//!     }
//! }).unwrap();
//! sched.run(board);
//! assert_eq!(led.history().len(), 4);
//! assert_eq!(board.now().as_micros(), 800_000);
//! ```
//!
//! ## Features and dependencies
//!
//! No Cargo features: it is a host crate. It depends on:
//!
//! - `usched` with its `std` feature: the scheduler it simulates a board for; `std` because other
//!   threads may wake a scheduler parked on a threaded [`SimClock`].
//! - `embedded-hal` and `embedded-hal-async`: the traits its [`Pin`]s implement, so drivers written
//!   for a real board run on the simulated one unchanged.
//! - `vcd`: writing every pin's history as a VCD file for a logic-analyser viewer
//!   ([`Board::write_vcd`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod accel;
mod board;
mod clock;
mod hd44780;
mod pin;
mod vcd_out;

pub use accel::Accel;
pub use board::{Board, Event, Pacer, Sink};
pub use clock::SimClock;
pub use hd44780::{Hd44780, Violation};
pub use pin::{Edge, Pin, WaitFor};
