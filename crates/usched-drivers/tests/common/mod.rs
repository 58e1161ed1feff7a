//! What the driver tests share: a scheduler, a recorder of timed events, a no-wait bus delay.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use usched::Sched;
use usched_sim::Board;

pub type TestSched = Sched<6, 2048>;

pub fn sched() -> &'static TestSched {
    Box::leak(Box::new(Sched::new()))
}

/// Events with the board time (µs) they were reported at.
#[derive(Clone)]
pub struct Log<E>(Rc<RefCell<Vec<(E, u64)>>>);

impl<E: Clone> Log<E> {
    pub fn new() -> Self {
        Log(Rc::new(RefCell::new(Vec::new())))
    }
    pub fn push(&self, board: &Board, e: E) {
        self.0.borrow_mut().push((e, board.now().as_micros()));
    }
    pub fn get(&self) -> Vec<(E, u64)> {
        self.0.borrow().clone()
    }
}

/// The simulated display needs no sub-microsecond waits.
pub struct NoWait;

impl embedded_hal::delay::DelayNs for NoWait {
    fn delay_ns(&mut self, _: u32) {}
}

pub const fn ms(n: u64) -> u64 {
    n * 1_000
}
