//! roundrobin: three tasks take turns with a bare `yield_now()`, the red LED beats as a heartbeat.
//!
//! Each turn prints the task's name and does 100 ms of work (on the Pyboard, printing over USB and
//! whatever else the loop does), then yields: the others run before it runs again, in strict order.
//! The heartbeat (the original's `Sched(heartbeat=1)`) is a timer, so it cuts in between turns
//! whenever it is due. Stops after 5 s.

use std::time::Duration;

use usched::yield_now;
use usched_demos::{heartbeat, Demo, DemoResult};

async fn robin(d: &'static Demo, text: &'static str) {
    loop {
        d.print(text);
        d.work(Duration::from_millis(100));
        yield_now().await;
    }
}

pub fn demo(d: &'static Demo) -> DemoResult {
    d.spawn("heartbeat", heartbeat(d.leds[0], Duration::from_millis(200)))?;
    d.spawn("thread 1", robin(d, "Thread 1"))?;
    d.spawn("thread 2", robin(d, "Thread 2"))?;
    d.spawn("thread 3", robin(d, "Thread 3"))?;
    d.spawn("stop", d.stop_after(Duration::from_secs(5)))?;
    d.run();
    Ok(())
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    usched_demos::main("roundrobin", demo)
}
