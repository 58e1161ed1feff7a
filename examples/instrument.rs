//! instrument: how late do timers fire while other tasks hog the CPU?
//!
//! The original `instrument.py` sleeps 0.1 s again and again for 10 s and prints the worst
//! overrun. Here the scheduler keeps those figures for every task (`task_stats`): runs, the
//! longest run between two awaits, the worst and the last lateness. Four LED tasks each do a
//! little work when they toggle (2, 5, 10 and 15 ms) and a round-robin task spins, 0.3 ms a
//! turn, timing its own yields; at the end the instrument prints the table, and names the task
//! that held the CPU longest.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use usched::{sleep, yield_now, TaskStats};
use usched_demos::{Demo, DemoResult};
use usched_sim::Pin;

async fn toggle(d: &'static Demo, led: Pin, period: Duration, work: Duration) {
    loop {
        sleep(period).await;
        led.set(!led.level());
        d.work(work);
    }
}

/// The original's `thr_instrument`: a round-robin loop measuring its worst yield latency and rate.
async fn spinner(d: &'static Demo, worst: Rc<Cell<Duration>>, count: Rc<Cell<u32>>) {
    loop {
        d.work(Duration::from_micros(300));
        let t0 = d.board.now();
        yield_now().await;
        worst.set(worst.get().max(d.board.now() - t0));
        count.set(count.get() + 1);
    }
}

fn ms(t: Duration) -> String {
    format!("{:.3} ms", t.as_secs_f64() * 1e3)
}

async fn instrument(
    d: &'static Demo,
    interval: Duration,
    duration: Duration,
    worst: Rc<Cell<Duration>>,
    count: Rc<Cell<u32>>,
) {
    let mut max_overrun = Duration::ZERO;
    // A u64 count: a u128 held across an await would make the future 16-byte aligned, which the
    // scheduler's slots refuse.
    let count_of = u64::try_from(duration.as_micros() / interval.as_micros().max(1)).unwrap_or(u64::MAX);
    for _ in 0..count_of {
        max_overrun = max_overrun.max(sleep(interval).await);
    }
    d.print(format!("Maximum timer overrun = {}us", max_overrun.as_micros()));
    let secs = d.board.now().as_micros() as f64 / 1e6;
    d.print(format!(
        "round robin: worst yield latency {}, {:.0} Hz",
        ms(worst.get()),
        f64::from(count.get()) / secs
    ));
    d.print("task           runs  longest run   worst late    last late");
    let mut hog: Option<(String, TaskStats)> = None;
    for (id, name) in d.tasks() {
        let Ok(s) = d.sched.task_stats(id) else { continue };
        d.print(format!(
            "{name:<12} {:>6} {:>12} {:>12} {:>12}",
            s.runs,
            ms(s.longest_run),
            ms(s.worst_late),
            ms(s.last_late)
        ));
        if hog.as_ref().is_none_or(|(_, h)| s.longest_run > h.longest_run) {
            hog = Some((name, s));
        }
    }
    if let Some((name, s)) = hog {
        d.print(format!("CPU held longest by {name}: {} in one run", ms(s.longest_run)));
    }
    d.sched.stop_all();
}

pub fn demo(d: &'static Demo) -> DemoResult {
    for (x, led) in d.leds.into_iter().enumerate() {
        let period = Duration::from_millis(200 + 500 * x as u64);
        let work = Duration::from_millis([2, 5, 10, 15][x]);
        d.spawn(format!("toggle {}", &led.name()[4..]), toggle(d, led, period, work))?;
    }
    let (worst, count) = (Rc::new(Cell::new(Duration::ZERO)), Rc::new(Cell::new(0)));
    d.spawn("spinner", spinner(d, worst.clone(), count.clone()))?;
    let (interval, duration) = (Duration::from_millis(100), Duration::from_secs(10));
    d.spawn("instrument", instrument(d, interval, duration, worst, count))?;
    d.run();
    Ok(())
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    usched_demos::main("instrument", demo)
}
