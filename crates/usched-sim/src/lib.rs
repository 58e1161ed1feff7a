//! # usched-sim: a simulated board for usched
//!
//! Runs usched tasks on a laptop with exact, repeatable timing. The heart is [`SimClock`], a clock
//! whose time only moves when something moves it: when every task waits, it jumps straight to the
//! next deadline, so ten minutes of board time pass in milliseconds, identically every run.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod clock;

pub use clock::SimClock;
