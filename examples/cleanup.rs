//! cleanup: guards in tasks still clean up when the scheduler ends early.
//!
//! Each of four LED tasks holds a guard (the original's context manager) that turns its LED off
//! and prints "Exit" when dropped. After 11 flashes the green task hits an error (the original
//! raised `ZeroDivisionError`): it reports it and stops the scheduler. Its own guard runs as it
//! returns; the scheduler then drops the other three tasks, so their guards run too. Expect four
//! "Exit" lines, then the error.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use usched::sleep;
use usched_demos::{Demo, DemoError, DemoResult};
use usched_sim::Pin;

/// Lights an LED while alive; turns it off and says so when dropped.
struct Lit {
    d: &'static Demo,
    led: Pin,
}

impl Lit {
    fn new(d: &'static Demo, led: Pin) -> Self {
        d.print(format!("Enter: {}", led.name()));
        led.set(true);
        Lit { d, led }
    }
}

impl Drop for Lit {
    fn drop(&mut self) {
        self.led.set(false);
        self.d.print(format!("Exit: {}", self.led.name()));
    }
}

async fn flash(
    d: &'static Demo,
    led: Pin,
    period: Duration,
    fail_after: Option<u32>,
    error: Rc<RefCell<Option<DemoError>>>,
) {
    let _lit = Lit::new(d, led);
    let mut n = 0u32;
    loop {
        sleep(period).await;
        led.set(!led.level());
        n += 1;
        if fail_after == Some(n) {
            let e = format!("division by zero in {} after {n} iterations", led.name());
            *error.borrow_mut() = Some(DemoError::Other(e));
            d.sched.stop_all();
            return;
        }
    }
}

pub fn demo(d: &'static Demo) -> DemoResult {
    let error = Rc::new(RefCell::new(None));
    for (x, led) in d.leds.into_iter().enumerate() {
        let period = Duration::from_millis(200 + 100 * x as u64);
        let fail = (x == 1).then_some(11);
        d.spawn(format!("flash {}", &led.name()[4..]), flash(d, led, period, fail, error.clone()))?;
    }
    d.run();
    let e = error.borrow_mut().take();
    e.map_or(Ok(()), Err)
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    usched_demos::main("cleanup", demo)
}
