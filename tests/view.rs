//! The board view fits an 80x24 terminal and shows LEDs, buttons, the LCD and the log.

use usched_demos::{board_snapshot, Demo};

#[test]
fn the_view_fits_80x24_with_an_lcd() {
    let d = Demo::new(false);
    d.button("X5", 'a');
    let (_pins, _lcd) = d.lcd(16, 2);
    d.leds[0].set(true);
    let log: Vec<String> = (0..30).map(|i| format!("line {i}")).collect();
    let screen = board_snapshot("lcdtest", d, &log, 80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(lines.len(), 24);
    assert!(lines[0].contains("usched · lcdtest"), "{screen}");
    assert!(screen.contains("● red") && screen.contains("○ blue"), "{screen}");
    assert!(screen.contains("[u] USR ▲ up") && screen.contains("[a] X5 ▲ up"), "{screen}");
    assert!(screen.contains("LCD"), "{screen}");
    assert!(screen.contains("line 29"), "the newest event is visible:\n{screen}");
    assert!(!screen.contains("line 0\n"), "old events scroll away:\n{screen}");
}

#[test]
fn a_too_small_terminal_gets_a_message_not_a_garbled_board() {
    let d = Demo::new(false);
    let screen = board_snapshot("ledflash", d, &[], 50, 12);
    assert!(screen.contains("terminal too small (50x12)"), "{screen}");
}

#[test]
fn two_boards_stand_side_by_side() {
    let d = Demo::new(false);
    let b = d.board.peer("B");
    d.panel("A: initiator", vec![d.board.output("Y6")]);
    let led = b.output("led");
    led.set(true);
    d.panel("B: passive", vec![led]);
    let screen = board_snapshot("syncom", d, &[], 80, 24);
    let row = screen.lines().find(|l| l.contains("A: initiator")).unwrap_or_default();
    assert!(row.contains("B: passive"), "both panel titles on one row:\n{screen}");
    assert!(screen.contains("○ Y6") && screen.contains("● led"), "{screen}");
}
