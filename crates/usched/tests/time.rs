//! E1: the clock seam with real time; E4: the idle hook; the bookkeeping a task slot costs.
mod common;
use common::*;
use std::cell::Cell;
use usched::{sleep, RunEnd, Sched, StdClock};

/// E1: the host real-time clock runs the same tasks; lateness is measured, never negative.
/// (No timing thresholds: only that the deadline is honoured and reported.)
#[test]
fn e1_std_clock_honours_deadlines() {
    let c: &'static StdClock = Box::leak(Box::new(StdClock::new()));
    let s = sched::<1, 256>();
    let log = Log::new();
    s.spawn(async move {
        let start = std::time::Instant::now();
        let late = sleep(ms(2)).await;
        let took = start.elapsed();
        log.push(format!("slept at least 2 ms: {}", took >= ms(2) && took >= ms(2) + late - ms(1)));
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["slept at least 2 ms: true"]);
}

/// E4: the idle hook runs each time the scheduler is about to idle.
#[test]
fn e4_idle_hook_runs_before_idling() {
    thread_local!(static CALLS: Cell<Vec<u64>> = const { Cell::new(Vec::new()) });
    static CLOCK: NoHang = NoHang::new();
    fn hook() {
        CALLS.with(|c| {
            let mut v = c.take();
            v.push(CLOCK.now().as_micros());
            c.set(v);
        });
    }
    let s = sched::<1, 256>();
    s.set_idle_hook(Some(&hook));
    s.spawn(async {
        sleep(ms(1)).await;
        sleep(ms(2)).await;
    })
    .unwrap();
    s.run(&CLOCK);
    assert_eq!(CALLS.with(|c| c.take()), [0, 1000]);
}

/// Bookkeeping per task slot, beyond the future itself.
#[test]
fn bookkeeping_bytes_per_slot() {
    let per_slot = (size_of::<Sched<101, 0>>() - size_of::<Sched<1, 0>>()) / 100;
    let stats = if cfg!(feature = "stats") { 16 } else { 0 };
    // header 32 on x86_64, 24 on 32-bit targets (+16 stats); list link 2, heap 2, heap position 2,
    // join target 2
    let header = if cfg!(target_pointer_width = "64") { 32 } else { 24 };
    assert_eq!(per_slot, header + 8 + stats);
    eprintln!("per slot: {per_slot} B; fixed: {} B", size_of::<Sched<1, 0>>() - per_slot);
}
