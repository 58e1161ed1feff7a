//! C. Which task runs next: the order of the classes and ties (C1), starvation by higher classes
//! (C2), the cost of a pass (C3), and what the scheduler does when nothing is ready (C4).
mod common;
use common::*;
use std::cell::Cell;
use std::sync::atomic::Ordering;
use usched::{sleep, yield_now, IrqLine, Poller, RunEnd, Sched};

/// C1: interrupts (more first), then poller events (larger first), then expired deadlines
/// (most overdue first), then round-robin in FIFO order; ties go to the task spawned earlier.
#[test]
fn c1_the_full_order() {
    static IRQ_A: IrqLine = IrqLine::new();
    static IRQ_B: IrqLine = IrqLine::new();
    static IRQ_TIE: IrqLine = IrqLine::new();
    let c = clock();
    let s = sched::<12, 512>();
    let log = Log::new();
    let go: &'static Cell<bool> = Box::leak(Box::new(Cell::new(false)));
    // Round-robin tasks first, so they are queued before everything else becomes ready.
    for name in ["rr1", "rr2"] {
        s.spawn(async move {
            while !go.get() {
                yield_now().await;
            }
            log.push(name);
        })
        .unwrap();
    }
    for (name, ms_) in [("timer 3ms overdue", 2u64), ("timer 1ms overdue", 4), ("timer tie 1ms", 4)] {
        s.spawn(async move {
            sleep(ms(ms_)).await;
            log.push(name);
        })
        .unwrap();
    }
    for (name, v) in [("poll 1", 1u32), ("poll 9", 9), ("poll tie 9", 9)] {
        s.spawn(async move {
            let mut p = Poller::new(move || go.get().then_some(v));
            p.wait().await;
            log.push(name);
        })
        .unwrap();
    }
    for (name, line) in [("irq 2", &IRQ_A), ("irq 5", &IRQ_B), ("irq tie 5", &IRQ_TIE)] {
        s.spawn(async move {
            line.wait().await;
            log.push(name);
        })
        .unwrap();
    }
    s.spawn(async move {
        // Every other task has registered its wait by now; make them all ready at once.
        yield_now().await;
        c.advance(ms(5));
        IRQ_A.signal_n(2);
        IRQ_B.signal_n(5);
        IRQ_TIE.signal_n(5);
        go.set(true);
    })
    .unwrap();
    s.run(c);
    assert_eq!(
        log.take(),
        [
            "irq 5",
            "irq tie 5",
            "irq 2",
            "poll 9",
            "poll tie 9",
            "poll 1",
            "timer 3ms overdue",
            "timer 1ms overdue",
            "timer tie 1ms",
            "rr1",
            "rr2"
        ]
    );
}

/// C1: the full order in one pass, with every class holding two tasks: larger interrupt counts,
/// then larger poller values, then the most overdue deadlines, then FIFO; ties to the older task.
#[test]
fn c1_order_with_two_tasks_per_class_and_ties() {
    static L1: IrqLine = IrqLine::new();
    static L2: IrqLine = IrqLine::new();
    let c = clock();
    let s = sched::<10, 512>();
    let log = Log::new();
    let go = cell(false);
    for (name, late_by) in [("sleep-a", 3u64), ("sleep-b", 5), ("sleep-c", 5)] {
        s.spawn(async move {
            // Deadlines at 10 - late_by ms: at 10 ms, b and c are the most overdue (tie: b older).
            sleep(ms(10 - late_by)).await;
            log.push(name);
        })
        .unwrap();
    }
    for (name, v) in [("poll-1", 1u32), ("poll-9a", 9), ("poll-9b", 9)] {
        s.spawn(async move {
            Poller::new(move || go.get().then_some(v)).wait().await;
            log.push(name);
        })
        .unwrap();
    }
    for (name, line) in [("irq-1", &L1), ("irq-3", &L2)] {
        s.spawn(async move {
            line.wait().await;
            log.push(name);
        })
        .unwrap();
    }
    s.spawn(async move {
        // A hog: everything becomes ready while it holds the processor.
        sleep(ms(1)).await;
        c.advance(ms(9));
        L1.signal();
        L2.signal_n(3);
        go.set(true);
        s.spawn(async move { log.push("rr") }).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        ["irq-3", "irq-1", "poll-9a", "poll-9b", "poll-1", "sleep-b", "sleep-c", "sleep-a", "rr"]
    );
}

/// C1/B2: two tasks share a deadline; the older one is paused. The other still fires on time.
/// (A paused entry at the top of the heap used to end the pass, so the scheduler idled a step
/// although the other deadline was due, and reported 100 µs of lateness.)
#[test]
fn c1_paused_expired_deadline_does_not_delay_another_due_deadline() {
    let c = clock();
    let s = sched::<3, 256>();
    let log = Log::new();
    let paused = s
        .spawn(async move {
            let late = sleep(ms(10)).await;
            log.at(c, format!("paused one late {late:?}"));
        })
        .unwrap();
    s.spawn(async move {
        let late = sleep(ms(10)).await;
        log.at(c, format!("other late {late:?}"));
    })
    .unwrap();
    s.spawn(async move {
        s.pause(paused).unwrap();
        sleep(ms(50)).await;
        s.resume(paused).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["10000 other late 0ns", "50000 paused one late 40ms"]);
}

/// C2: higher classes may run many times in a row: an always-ready poller starves round-robin
/// tasks; a `yield_now` in its loop lets them run.
#[test]
fn c2_always_ready_poller_starves_round_robin_unless_it_yields() {
    for polite in [false, true] {
        let c = clock();
        let s = sched::<2, 512>();
        let log = Log::new();
        s.spawn(async move {
            let mut p = Poller::new(|| Some(1));
            for i in 0..3 {
                p.wait().await;
                log.push(format!("poll{i}"));
                if polite {
                    yield_now().await;
                }
            }
        })
        .unwrap();
        s.spawn(async move {
            for i in 0..3 {
                log.push(format!("rr{i}"));
                yield_now().await;
            }
        })
        .unwrap();
        s.run(c);
        // The poller registers in pass 1 and fires in pass 2, before rr's first turn.
        let expect: &[&str] = if polite {
            &["poll0", "rr0", "poll1", "rr1", "poll2", "rr2"]
        } else {
            &["poll0", "poll1", "poll2", "rr0", "rr1", "rr2"]
        };
        assert_eq!(log.take(), expect, "polite = {polite}");
    }
}

/// C3: a pass does not look at sleeping tasks: with 1000 tasks asleep, a round-robin task's
/// switches cost the same clock reads and passes as with one asleep.
#[test]
fn c3_sleeping_tasks_do_not_cost_per_pass() {
    fn measure(sleepers: usize) -> (u64, u64) {
        let c = counting();
        let s = sched::<1001, 128>();
        for i in 0..sleepers {
            s.spawn(async move {
                sleep(ms(1000 + i as u64)).await;
            })
            .unwrap();
        }
        s.spawn(async move {
            yield_now().await; // let every sleeper register
            let before = (s.stats().passes, c.nows.load(Ordering::Relaxed));
            for _ in 0..1000 {
                yield_now().await;
            }
            let after = (s.stats().passes, c.nows.load(Ordering::Relaxed));
            s.stop_all();
            RESULT.with(|r| r.set((after.0 - before.0, after.1 - before.1)));
        })
        .unwrap();
        s.run(c);
        RESULT.with(|r| r.get())
    }
    thread_local!(static RESULT: Cell<(u64, u64)> = const { Cell::new((0, 0)) });
    let one = measure(1);
    let many = measure(1000);
    assert_eq!(one, many, "(passes, clock reads) for 1000 switches");
    assert_eq!(one.0, 1000);
}

/// C4: nothing ready and no poller: the clock is asked to sleep until the next deadline, once.
#[test]
fn c4_idles_until_the_next_deadline_without_busy_looping() {
    let c = counting();
    let s = sched::<2, 256>();
    s.spawn(async {
        sleep(ms(10_000)).await;
        sleep(ms(5)).await;
    })
    .unwrap();
    s.run(c);
    assert_eq!(*c.idles.lock().unwrap(), [Some(10_000_000), Some(10_005_000)]);
    // first poll, idle, wake (sleeps again), idle, wake (finishes), the pass that finds no task
    assert_eq!(s.stats().passes, 6);
}

/// C4: with a poller waiting, the scheduler keeps passing, every `poll_interval`.
#[test]
fn c4_pollers_keep_it_passing_at_the_poll_interval() {
    let c = counting();
    let s = sched::<1, 256>();
    s.spawn(async move {
        let mut p = Poller::with_timeout(|| None, ms(3));
        p.wait().await;
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    s.run(c);
    assert_eq!(*c.idles.lock().unwrap(), [Some(1_000), Some(2_000), Some(3_000)]);
}

/// C4: idle with no deadline waits for a waker, and a waker from another thread ends it.
#[test]
fn c4_idle_without_deadline_ends_on_a_wake() {
    static LINE: IrqLine = IrqLine::new();
    let c = counting_threaded();
    let s = sched::<1, 256>();
    s.spawn(async {
        LINE.wait().await;
    })
    .unwrap();
    let t = std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_millis(20)); // let the scheduler park first
        LINE.signal()
    });
    s.run(c);
    t.join().unwrap();
    let idles = c.idles.lock().unwrap();
    assert!(idles.iter().all(|u| u.is_none()), "{idles:?}");
}

/// C4/B2: with a poller waiting and a poll interval of zero the scheduler keeps passing, and the
/// simulated clock steps (100 µs an idle pass) no further than the next deadline: a 30 µs sleep
/// wakes at exactly 30 µs, a 250 µs one 250 µs later, both with no lateness.
#[test]
fn c4_zero_poll_interval_does_not_overshoot_a_short_sleep() {
    let c = counting();
    let s = sched::<2, 256>();
    let log = Log::new();
    s.spawn(async {
        Poller::new(|| None).wait().await;
    })
    .unwrap();
    s.spawn(async move {
        let late = sleep(us(30)).await;
        log.at(c, format!("late {late:?}"));
        let late = sleep(us(250)).await;
        log.at(c, format!("late {late:?}"));
        s.stop_all();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Stopped);
    assert_eq!(log.take(), ["30 late 0ns", "280 late 0ns"]);
    // Every idle is a poll "now" (interval zero); the clock steps 100 µs, or to the deadline.
    assert_eq!(c.idles(), [Some(0), Some(30), Some(130), Some(230)]);
}

/// The task whose round-robin turn it is stays on the run queue's ring while it runs: tasks queued
/// during its poll go before it, and one of them stopped again leaves the others in order.
#[test]
fn c1_tasks_queued_during_a_turn_run_before_the_yielder_and_one_stopped_leaves_no_gap() {
    let s: &'static Sched<6, 256> = sched();
    let c = clock();
    let log = Log::new();
    s.spawn(async move {
        log.push("x0");
        let y = s.spawn(async move { log.push("y") }).unwrap();
        let z = s.spawn(async move { log.push("z") }).unwrap();
        let w = s.spawn(async move { log.push("w") }).unwrap();
        // The newest (w), then the one before it (y, in the middle): both leave the ring.
        s.stop(w).unwrap();
        s.stop(y).unwrap();
        let _ = z;
        yield_now().await;
        log.push("x1");
        yield_now().await;
        log.push("x2");
    })
    .unwrap();
    s.spawn(async move {
        for i in 0..3 {
            log.push(format!("v{i}"));
            yield_now().await;
        }
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["x0", "v0", "z", "x1", "v1", "x2", "v2"]);
}
