//! Helpers shared by the scheduler tests: a leaked scheduler and clock, and an event log that
//! stamps every entry with the simulated time, so tests can assert exact sequences.
#![allow(dead_code)]

use std::cell::RefCell;
use std::time::Duration;

use usched::Sched;
use usched_sim::SimClock;

pub fn sched<const N: usize, const S: usize>() -> &'static Sched<N, S> {
    Box::leak(Box::new(Sched::new()))
}

pub fn clock() -> &'static SimClock {
    Box::leak(Box::new(SimClock::new()))
}

/// A simulated clock that other threads may wake (see `SimClock::threaded`).
pub fn threaded_clock() -> &'static SimClock {
    Box::leak(Box::new(SimClock::threaded()))
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// An event log: `log.at(clock, "x")` records `"<µs> x"`.
pub struct Log(RefCell<Vec<String>>);

impl Log {
    pub fn new() -> &'static Log {
        Box::leak(Box::new(Log(RefCell::new(Vec::new()))))
    }
    pub fn push(&self, s: impl Into<String>) {
        self.0.borrow_mut().push(s.into());
    }
    pub fn at(&self, c: &SimClock, s: impl AsRef<str>) {
        self.push(format!("{} {}", c.now().as_micros(), s.as_ref()));
    }
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}
