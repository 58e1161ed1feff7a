//! ledflash: the four LEDs flash, each at its own period, for ten seconds.
//!
//! Asynchronous timers: each task sleeps, toggles its LED, and sleeps again; nothing else runs in
//! between, so the board idles (jumps, on the simulated clock) from one toggle to the next.

use std::time::Duration;

use usched::sleep;
use usched_demos::{Demo, DemoResult};
use usched_sim::Pin;

async fn toggle(led: Pin, period: Duration) {
    loop {
        sleep(period).await;
        led.set(!led.level());
    }
}

pub fn demo(d: &'static Demo) -> DemoResult {
    for (x, led) in d.leds.into_iter().enumerate() {
        let period = Duration::from_millis(200 + 500 * x as u64); // 0.2, 0.7, 1.2, 1.7 s
        d.spawn(format!("toggle {}", led.name()), toggle(led, period))?;
    }
    d.spawn("stop", d.stop_after(Duration::from_secs(10)))?; // commit suicide after 10 s
    d.run();
    Ok(())
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    usched_demos::main("ledflash", demo)
}
