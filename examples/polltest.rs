//! polltest: a task waits on a poller that watches the accelerometer, with a 2 s timeout.
//!
//! The poller callback runs on every scheduler pass. It reports an event when the board has been
//! tilted far enough since the last reading it kept (squared distance above 16); when nothing
//! happens for 2 s the wait times out instead. The tilts are scripted; the run lasts 30 s.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use usched::{Instant, PollResult, Poller};
use usched_demos::{Demo, DemoResult};
use usched_sim::Accel;

const THRESHOLD_SQUARED: i32 = 16;

/// The original's `Accelerometer`: the last significant reading, and a poll that spots a new one.
#[derive(Clone)]
struct Accelerometer {
    hw: Accel,
    coords: Rc<Cell<[i8; 3]>>,
}

impl Accelerometer {
    fn new(hw: Accel) -> Self {
        let coords = Rc::new(Cell::new(hw.xyz()));
        Accelerometer { hw, coords }
    }

    fn dsquared(&self, xyz: [i8; 3]) -> i32 {
        let c = self.coords.get();
        (0..3).map(|i| (i32::from(c[i]) - i32::from(xyz[i])).pow(2)).sum()
    }

    fn poll(&self) -> Option<u32> {
        let xyz = self.hw.xyz();
        if self.dsquared(xyz) > THRESHOLD_SQUARED {
            self.coords.set(xyz);
            return Some(1);
        }
        None
    }

    fn vector(&self) -> [i8; 3] {
        self.coords.get()
    }
}

async fn accel_thread(d: &'static Demo, accel: Accelerometer) {
    let a = accel.clone();
    let mut wf = Poller::with_timeout(move || a.poll(), Duration::from_secs(2));
    loop {
        match wf.wait().await {
            PollResult::Event(_) => d.print(format!("Accelerometer: {:?}", accel.vector())),
            PollResult::TimedOut(_) => d.print("Timeout waiting for accelerometer change"),
        }
    }
}

pub fn demo(d: &'static Demo) -> DemoResult {
    let hw = d.accel();
    // Someone picks the board up and turns it about (a nudge at 1.5 s is too small to count).
    for (ms, xyz) in [
        (1_000, [10, 0, 19]),
        (1_500, [11, 2, 18]),
        (2_200, [14, -6, 15]),
        (7_000, [-9, 4, 19]),
        (7_300, [-20, 3, 6]),
        (12_000, [0, 0, 21]),
        (18_500, [0, 21, 1]),
        (19_000, [1, -21, 0]),
        (25_000, [0, 0, -21]),
    ] {
        hw.tilt_at(Instant::from_millis(ms), xyz);
    }
    d.sched.set_poll_interval(Duration::from_millis(1)); // an accelerometer read every millisecond when idle
    d.spawn("accel", accel_thread(d, Accelerometer::new(hw)))?;
    d.spawn("stop", d.stop_after(Duration::from_secs(30)))?;
    d.run();
    Ok(())
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    usched_demos::main("polltest", demo)
}
