//! pushbuttontest: two pushbuttons, one reporting releases, one presses, long presses and
//! double clicks.
//!
//! X5 (key `a` in the board view) calls back on release and toggles the green LED. X6 (key `b`;
//! Shift+`b` holds it down, a second Shift+`b` lets go) calls back on press (red LED), long press
//! (yellow) and double click (blue). A short script clicks, double-clicks and holds them, bounces
//! included, so the headless trace shows every event; in the board view, try them yourself. The
//! run lasts 20 s.

use std::time::Duration;

use usched::Instant;
use usched_demos::{Demo, DemoResult};
use usched_drivers::{ButtonEvent, Pushbutton, PushbuttonConfig};
use usched_sim::Pin;

async fn button(d: &'static Demo, pin: Pin, on_event: impl FnMut(ButtonEvent)) {
    let pb: &'static Pushbutton = Box::leak(Box::new(Pushbutton::new(PushbuttonConfig::DEFAULT)));
    // The simulated pins cannot fail (their error type is `Infallible`): the runner never ends.
    let _ = pb.run(pin, d.board, on_event).await;
}

fn toggle(led: Pin) {
    led.set(!led.level());
}

pub fn demo(d: &'static Demo) -> DemoResult {
    let x5 = d.button("X5", 'a');
    let x6 = d.button("X6", 'b');
    let script: [(&Pin, u64, u64); 5] = [
        (&x6, 3_000, 3_200),   // X6 click
        (&x6, 5_000, 5_100),   // X6 double click...
        (&x6, 5_250, 5_400),   // ...second press 250 ms after the first
        (&x6, 8_000, 9_500),   // X6 held 1.5 s: a long press
        (&x5, 12_000, 14_000), // X5 held 2 s: one release callback, at the end
    ];
    for (pin, press, release) in script {
        d.board.press_at(Instant::from_millis(press), pin);
        d.board.release_at(Instant::from_millis(release), pin);
    }
    // An X5 click with contact bounce (three chatters 1 ms apart each way): still one release.
    let every = Duration::from_millis(1);
    d.board.bounce_at(Instant::from_millis(1_000), &x5, true, 3, every);
    d.board.bounce_at(Instant::from_millis(1_300), &x5, false, 3, every);

    let [red, green, yellow, blue] = d.leds;
    d.spawn(
        "button X5",
        button(d, x5, move |e| {
            if e == ButtonEvent::Release {
                d.print("X5: release callback");
                toggle(green);
            }
        }),
    )?;
    d.spawn(
        "button X6",
        button(d, x6, move |e| match e {
            ButtonEvent::Press => {
                d.print("X6: press callback");
                toggle(red);
            }
            ButtonEvent::Long => {
                d.print("X6: long press callback");
                toggle(yellow);
            }
            ButtonEvent::Double => {
                d.print("X6: double click callback");
                toggle(blue);
            }
            ButtonEvent::Release => {}
        }),
    )?;
    d.spawn("stop", d.stop_after(Duration::from_secs(20)))?;
    d.run();
    Ok(())
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    usched_demos::main("pushbuttontest", demo)
}
