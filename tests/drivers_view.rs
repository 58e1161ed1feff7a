//! The driver demos show up in the board view: lcdtest's text on the LCD panel, the buttons of
//! pushbuttontest and irqtest with their keys.

#[allow(dead_code)]
#[path = "../examples/lcdtest.rs"]
mod lcdtest;

#[allow(dead_code)]
#[path = "../examples/pushbuttontest.rs"]
mod pushbuttontest;

use usched_demos::{board_snapshot, Demo};

#[test]
fn lcdtest_text_is_on_the_views_lcd() {
    let d = Demo::new(false);
    lcdtest::demo(d).unwrap();
    let screen = board_snapshot("lcdtest", d, &[], 80, 24);
    assert!(screen.contains("│usched on Rust  │"), "{screen}");
    assert!(screen.contains("│20000000        │"), "{screen}");
}

#[test]
fn pushbuttontest_buttons_are_on_keys() {
    let d = Demo::new(false);
    pushbuttontest::demo(d).unwrap();
    let screen = board_snapshot("pushbuttontest", d, &[], 80, 24);
    assert!(screen.contains("[a] X5 ▲ up") && screen.contains("[b] X6 ▲ up"), "{screen}");
    assert!(screen.contains("● blue"), "the double click lit the blue LED:\n{screen}");
}
