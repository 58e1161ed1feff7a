//! lcdtest: a 16×2 character LCD that no task waits for.
//!
//! Row 0 shows fixed text; row 1 shows the microsecond counter, updated every second. The
//! display's own task sends what changed a character at a time, sleeping through each
//! character's 50 µs, so the writer task is never held up by the display. The virtual HD44780
//! decodes the bus (shown in the board view's LCD panel) and checks the datasheet's timing; the
//! demo prints each update and, at the end, what the display shows and how many timing
//! violations it saw. The run lasts 20.5 s, so the update made at 20 s is on the display at the end.

use std::time::Duration;

use usched::sleep;
use usched_demos::{Demo, DemoResult};
use usched_drivers::{Lcd, LcdPins};

/// The enable pulse needs no sub-microsecond wait on the simulated display.
struct NoWait;

impl embedded_hal::delay::DelayNs for NoWait {
    fn delay_ns(&mut self, _: u32) {}
}

async fn counter(d: &'static Demo, lcd: &'static Lcd<16, 2>) {
    if let Err(e) = lcd.set_row(0, "usched on Rust") {
        d.print(format!("lcd: {e}"));
    }
    loop {
        let us = d.board.now().as_micros();
        match lcd.set_row_fmt(1, format_args!("{us}")) {
            Ok(()) => d.print(format!("row 1: {us}")),
            Err(e) => d.print(format!("lcd: {e}")),
        }
        sleep(Duration::from_secs(1)).await;
    }
}

pub fn demo(d: &'static Demo) -> DemoResult {
    let ([rs, e, d4, d5, d6, d7], display) = d.lcd(16, 2);
    let lcd: &'static Lcd<16, 2> = Box::leak(Box::new(Lcd::new()));
    d.spawn("lcd", async move {
        let Err(e) = lcd.run(LcdPins { rs, e, d4, d5, d6, d7 }, NoWait).await;
        d.print(format!("lcd: {e}"));
    })?;
    d.spawn("counter", counter(d, lcd))?;
    d.spawn("stop", d.stop_after(Duration::from_millis(20_500)))?;
    d.run();
    for (r, text) in display.rows().iter().enumerate() {
        d.print(format!("display row {r}: [{text}]"));
    }
    d.print(format!("display: {} bytes, {} timing violations", display.bytes(), display.violations().len()));
    Ok(())
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    usched_demos::main("lcdtest", demo)
}
