//! The simulated board: stimuli land exactly on board time, idle jumps stop at them, wires join
//! boards, and everything is recorded.

use std::time::Duration;

use embedded_hal::digital::{InputPin, OutputPin, StatefulOutputPin};
use embedded_hal_async::digital::Wait;
use usched::{sleep, Instant, IrqLine, IrqResult, PollResult, Poller, Sched};
use usched_sim::{Accel, Board, Edge};

fn sched() -> &'static Sched<4, 512> {
    Box::leak(Box::new(Sched::new()))
}

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

#[test]
fn an_idle_jump_stops_at_the_next_stimulus() {
    static LINE: IrqLine = IrqLine::new();
    let board = Board::new();
    let button = board.input("X5", true);
    button.on_edge(Edge::Falling, &LINE);
    board.press_at(ms(3_000), &button);
    let s = sched();
    s.spawn(async move {
        assert_eq!(LINE.wait_timeout(Duration::from_secs(10)).await, IrqResult::Irq(1));
        assert_eq!(board.now(), ms(3_000));
    })
    .unwrap();
    s.run(board);
    assert_eq!(board.now(), ms(3_000));
}

#[test]
fn busy_work_applies_stimuli_at_their_own_times() {
    let board = Board::new();
    let p = board.input("X8", false);
    board.drive_at(ms(10), &p, true);
    board.drive_at(ms(25), &p, false);
    board.drive_at(ms(90), &p, true);
    board.advance(Duration::from_millis(50));
    assert_eq!(board.now(), ms(50));
    assert_eq!(p.history(), vec![(ms(10), true), (ms(25), false)]);
    assert_eq!(board.next_stimulus(), Some(ms(90)));
}

#[test]
fn a_stimulus_scheduled_in_the_past_lands_now() {
    let board = Board::new();
    board.advance(Duration::from_millis(5));
    let p = board.input("X8", false);
    board.drive_at(ms(1), &p, true);
    board.settle();
    assert_eq!(p.history(), vec![(ms(5), true)]);
}

#[test]
fn square_wave_interrupts_are_counted_while_the_task_is_busy() {
    static LINE: IrqLine = IrqLine::new();
    let board = Board::new();
    let x8 = board.input("X8", false);
    x8.on_edge(Edge::Rising, &LINE);
    board.square_wave(&x8, ms(100), Duration::from_millis(100), 10); // rises at 100, 300, .., 900 ms
    let s = sched();
    s.spawn(async move {
        board.advance(Duration::from_millis(550)); // busy: three rising edges go by
        assert_eq!(LINE.wait().await, IrqResult::Irq(3));
        assert_eq!(LINE.wait().await, IrqResult::Irq(1));
        assert_eq!(board.now(), ms(700));
    })
    .unwrap();
    s.run(board);
    assert_eq!(x8.edges(), (4, 3)); // the rest of the wave is still scheduled
}

#[test]
fn contact_bounce_settles_pressed() {
    let board = Board::new();
    let mut b = board.input("X6", true);
    board.bounce_at(ms(100), &b, true, 3, Duration::from_micros(500));
    board.advance(Duration::from_millis(200));
    assert!(b.is_low().unwrap());
    assert_eq!(b.history().len(), 7);
    assert_eq!(b.history().last(), Some(&(Instant::from_micros(103_000), false)));
}

#[test]
fn outputs_are_stateful_and_record_their_changes() {
    let board = Board::new();
    let mut led = board.output("led red");
    led.set_high().unwrap();
    board.advance(Duration::from_millis(200));
    led.toggle().unwrap();
    assert!(led.is_set_low().unwrap());
    assert_eq!(led.history(), vec![(ms(0), true), (ms(200), false)]);
}

#[test]
fn a_wire_joins_two_boards_on_one_time() {
    let a = Board::new();
    let b = a.peer("B");
    let tx = a.output("clk out");
    let mut rx = b.input("clk in", false);
    tx.wire_to(&rx);
    let s = sched();
    s.spawn(async move {
        sleep(Duration::from_millis(40)).await;
        tx.set(true);
    })
    .unwrap();
    s.spawn(async move {
        rx.wait_for_rising_edge().await.unwrap();
        b.log("seen");
        assert_eq!(b.now(), ms(40));
    })
    .unwrap();
    let events = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let e2 = events.clone();
    a.set_sink(Some(Box::new(move |e| e2.borrow_mut().push(e.to_string()))));
    s.run(b); // either board is the clock
    assert_eq!(
        *events.borrow(),
        ["  0.040000 clk out high", "  0.040000 B: clk in high", "  0.040000 B: seen"]
    );
}

#[test]
fn wait_for_level_returns_at_once_when_already_there() {
    let board = Board::new();
    let mut p = board.input("X1", true);
    let s = sched();
    s.spawn(async move { p.wait_for_high().await.unwrap() }).unwrap();
    s.run(board);
    assert_eq!(board.now(), Instant::ZERO);
}

#[test]
fn a_poller_sees_a_tilt_at_the_first_pass_after_it() {
    let board = Board::new();
    let accel = Accel::new(board);
    accel.tilt_at(Instant::from_micros(1_234_567), [9, 9, 9]);
    let s = sched();
    let a = accel.clone();
    s.spawn(async move {
        let mut p = Poller::with_timeout(move || (a.x() > 5).then_some(1), Duration::from_secs(5));
        assert_eq!(p.wait().await, PollResult::Event(1));
        // With a zero poll interval the idle step (100 us) bounds the delay, and never passes the tilt.
        assert_eq!(board.now(), Instant::from_micros(1_234_567));
    })
    .unwrap();
    s.run(board);
}

#[test]
fn vcd_has_every_change() {
    let board = Board::new();
    let led = board.output("led blue");
    let x5 = board.input("X5", true);
    board.press_at(ms(3), &x5);
    led.set(true);
    board.advance(Duration::from_millis(5));
    led.set(false);
    let mut out = Vec::new();
    board.write_vcd(&mut out).unwrap();
    let vcd = String::from_utf8(out).unwrap();
    assert!(vcd.contains("$timescale 1 us $end"), "{vcd}");
    assert!(vcd.contains("led_blue") && vcd.contains("X5"));
    assert!(vcd.contains("#3000\n0\"") && vcd.contains("#5000\n0!"), "{vcd}");
}

#[test]
fn runs_are_repeatable() {
    fn once() -> Vec<(Instant, bool)> {
        let board = Board::new();
        let p = board.input("X8", false);
        board.square_wave(&p, ms(7), Duration::from_micros(333), 50);
        let led = board.output("led");
        let s = sched();
        s.spawn(async move {
            for _ in 0..20 {
                sleep(Duration::from_micros(777)).await;
                led.set(p.level());
            }
        })
        .unwrap();
        s.run(board);
        led.history()
    }
    assert_eq!(once(), once());
}
