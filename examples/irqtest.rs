//! irqtest: a task blocks on an interrupt; two switches report open and close.
//!
//! An oscillator task toggles X7 every half second (1 Hz), and a jumper wires X7 to X8. X8's
//! interrupt handler, on each falling edge, raises Y10 (a scope probe), toggles the green LED and
//! signals an interrupt line. A task waiting on that line toggles the red LED, prints how many
//! interrupts it was given and drops Y10 again, so the width of each Y10 pulse (in the VCD) is the
//! interrupt-to-task latency: zero on the simulated board, where nothing else competes. Two
//! switches, X5 and X6 (keys `a` and `b` in the board view), print "Red" when X5 opens and
//! "Yellow" when X6 closes; a few flicks of them are scripted. The run lasts 30 s.

use std::time::Duration;

use usched::{sleep, Instant, IrqLine, IrqResult};
use usched_demos::{Demo, DemoResult};
use usched_drivers::{Switch, SwitchEvent};
use usched_sim::Pin;

async fn oscillator(x7: Pin) {
    loop {
        sleep(Duration::from_millis(500)).await;
        x7.set(!x7.level());
    }
}

async fn irq_waiter(d: &'static Demo, line: &'static IrqLine, y10: Pin) {
    let red = d.leds[0];
    loop {
        let r = line.wait().await;
        red.set(!red.level());
        y10.set(false);
        match r {
            IrqResult::Irq(n) => d.print(format!("interrupt: Irq({n})")),
            IrqResult::TimedOut(late) => d.print(format!("interrupt wait timed out, {late:?} late")),
        }
    }
}

async fn switch(d: &'static Demo, pin: Pin, on: SwitchEvent, word: &'static str) {
    let sw: &'static Switch = Box::leak(Box::new(Switch::new()));
    // The simulated pins cannot fail (their error type is `Infallible`): the runner never ends.
    let _ = sw
        .run(pin, d.board, move |e| {
            if e == on {
                d.print(word);
            }
        })
        .await;
}

pub fn demo(d: &'static Demo) -> DemoResult {
    let x7 = d.board.output("X7");
    let x8 = d.board.input("X8", false);
    let y10 = d.board.output("Y10");
    x7.set_traced(false);
    x8.set_traced(false);
    x7.wire_to(&x8);
    let line: &'static IrqLine = Box::leak(Box::new(IrqLine::new()));
    let green = d.leds[1];
    x8.on_change(move |_, high| {
        if !high {
            // The interrupt handler: probe up, LED, and a signal to the waiting task.
            y10.set(true);
            green.set(!green.level());
            line.signal();
        }
    });

    let x5 = d.button("X5", 'a');
    let x6 = d.button("X6", 'b');
    for (pin, press, release) in [(&x5, 2_300, 3_100), (&x6, 4_700, 5_200), (&x5, 9_050, 9_500)] {
        d.board.press_at(Instant::from_millis(press), pin);
        d.board.release_at(Instant::from_millis(release), pin);
    }
    d.board.bounce_at(Instant::from_millis(12_000), &x6, true, 4, Duration::from_millis(2));
    d.board.bounce_at(Instant::from_millis(12_600), &x6, false, 4, Duration::from_millis(2));

    d.spawn("oscillator", oscillator(x7))?;
    d.spawn("irq waiter", irq_waiter(d, line, y10))?;
    d.spawn("switch X5", switch(d, x5, SwitchEvent::Opened, "Red"))?;
    d.spawn("switch X6", switch(d, x6, SwitchEvent::Closed, "Yellow"))?;
    d.spawn("stop", d.stop_after(Duration::from_secs(30)))?;
    d.run();
    Ok(())
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    usched_demos::main("irqtest", demo)
}
