//! The deadline heap reached through hooks installed on first use (`heap_ops`, `timer_ops`,
//! `dequeue_hook`): the first timed wait of a program, whatever path arms it, finds them
//! installed, and the heap orders and removes deadlines as before.
mod common;
use common::*;
use core::pin::pin;

use futures::future::{select, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use usched::{sleep, sleep_until, timeout, yield_now, Instant, RunEnd, Sched, Status};

#[test]
fn a_task_paused_before_any_deadline_and_resumed_after_one_fires_in_order() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    let a = s
        .spawn(async move {
            log.at(c, "a start");
            yield_now().await;
            log.at(c, "a after yield");
            sleep(ms(5)).await;
            log.at(c, "a slept");
        })
        .unwrap();
    s.pause(a).unwrap(); // before any deadline exists
    s.spawn(async move {
        sleep(ms(10)).await;
        log.at(c, "b resumes a");
        s.resume(a).unwrap();
        sleep(ms(2)).await;
        log.at(c, "b done");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        ["10000 b resumes a", "10000 a start", "10000 a after yield", "12000 b done", "15000 a slept"]
    );
}

#[test]
fn a_sleeping_task_paused_and_resumed_after_its_deadline_fires_with_full_lateness() {
    let s: &'static Sched<3, 256> = sched();
    let c = clock();
    let log = Log::new();
    let a = s
        .spawn(async move {
            let late = sleep(ms(5)).await;
            log.at(c, format!("a late {}", late.as_micros()));
        })
        .unwrap();
    s.spawn(async move {
        yield_now().await;
        s.pause(a).unwrap();
        sleep(ms(20)).await;
        s.resume(a).unwrap();
        log.at(c, "resumed");
        yield_now().await;
        log.at(c, "b yielded");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["20000 resumed", "20000 a late 15000", "20000 b yielded"]);
}

#[test]
fn the_first_timed_wait_in_the_past_ranks_as_a_timer() {
    let s: &'static Sched<3, 256> = sched();
    let c = clock();
    let log = Log::new();
    c.advance(ms(3));
    s.spawn(async move {
        for i in 0..3 {
            log.at(c, format!("rr {i}"));
            yield_now().await;
        }
    })
    .unwrap();
    s.spawn(async move {
        let late = sleep_until(Instant::from_millis(1)).await;
        log.at(c, format!("past late {}", late.as_micros()));
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["3000 rr 0", "3000 past late 2000", "3000 rr 1", "3000 rr 2"]);
}

/// Timers inside a `FuturesUnordered` (foreign timers, armed first) and a task's own sleeps (the
/// heap, armed after): `idle` sleeps to whichever is due first. Run on `clock`; `sim` is the
/// simulated time behind it.
fn foreign_then_heap<C: usched::Clock>(clock: &'static C, sim: &'static usched_sim::SimClock) -> Vec<String> {
    let s: &'static Sched<3, 1024> = sched();
    let log: &'static Log = Log::new();
    s.spawn(async move {
        let mut set = FuturesUnordered::new();
        set.push(sleep(ms(50)));
        set.push(sleep(ms(30)));
        while let Some(late) = set.next().await {
            log.at(sim, format!("fu late {}", late.as_micros()));
        }
    })
    .unwrap();
    s.spawn(async move {
        yield_now().await;
        sleep(ms(10)).await;
        log.at(sim, "plain 10");
        sleep(ms(30)).await;
        log.at(sim, "plain 40");
        sleep(ms(10)).await;
        log.at(sim, "plain 50");
    })
    .unwrap();
    assert_eq!(s.run(clock), RunEnd::Finished);
    log.take()
}

const FOREIGN_THEN_HEAP: [&str; 5] =
    ["10000 plain 10", "30000 fu late 0", "40000 plain 40", "50000 plain 50", "50000 fu late 0"];

#[test]
fn a_foreign_timer_first_then_a_heap_deadline_idle_honours_both() {
    let c = counting();
    assert_eq!(foreign_then_heap(c, c), FOREIGN_THEN_HEAP);
}

#[test]
fn a_heap_deadline_first_then_a_foreign_timer_idle_honours_both() {
    let s: &'static Sched<3, 1024> = sched();
    let c = counting();
    let log: &'static Log = Log::new();
    s.spawn(async move {
        sleep(ms(10)).await;
        log.at(c, "plain 10");
        sleep(ms(30)).await;
        log.at(c, "plain 40");
    })
    .unwrap();
    s.spawn(async move {
        yield_now().await;
        let mut set = FuturesUnordered::new();
        set.push(sleep(ms(50)));
        set.push(sleep(ms(5)));
        while let Some(late) = set.next().await {
            log.at(c, format!("fu late {}", late.as_micros()));
        }
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["5000 fu late 0", "10000 plain 10", "40000 plain 40", "50000 fu late 0"]);
}

#[test]
fn timeouts_inside_select_and_join_before_any_heap_deadline() {
    let s: &'static Sched<2, 2048> = sched();
    let c = clock();
    let log: &'static Log = Log::new();
    s.spawn(async move {
        // `select` and `join` poll their halves with the task's own context: heap deadlines.
        let left =
            matches!(select(pin!(sleep(ms(7))), pin!(core::future::pending::<()>())).await, Either::Left(_));
        log.at(c, format!("select {left}"));
        let (a, b) = futures::future::join(timeout(ms(3), core::future::pending::<()>()), sleep(ms(4))).await;
        log.at(c, format!("join {} {}", a.is_err(), b.as_micros()));
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["7000 select true", "11000 join true 0"]);
}

#[test]
fn stop_of_a_sleeping_task_then_slot_reuse_keeps_the_heap() {
    let s: &'static Sched<3, 256> = sched();
    let c = clock();
    let log: &'static Log = Log::new();
    let a = s
        .spawn(async move {
            sleep(ms(5)).await;
            log.at(c, "a must not run");
        })
        .unwrap();
    let b = s
        .spawn(async move {
            sleep(ms(5)).await;
            log.at(c, "b");
        })
        .unwrap();
    s.spawn(async move {
        yield_now().await;
        s.stop(a).unwrap();
        // `a`'s slot is reused by a task whose deadline equals b's: b was spawned first.
        s.spawn(async move {
            sleep_until(Instant::from_millis(5)).await;
            log.at(c, "a2");
        })
        .unwrap();
        s.stop(b).unwrap();
        let _ = s
            .spawn(async move {
                sleep(ms(5)).await;
                log.at(c, "b2");
            })
            .unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.status(a), Status::Finished);
    assert_eq!(log.take(), ["5000 a2", "5000 b2"]);
}

#[test]
fn equal_deadlines_fire_in_spawn_order_not_slot_order() {
    let s: &'static Sched<6, 256> = sched();
    let c = clock();
    let log: &'static Log = Log::new();
    // A first task ends at once, so the slots of the two batches below are reused ones, taken
    // from the free list in another order than their indices.
    s.spawn(async {}).unwrap();
    for name in ["p", "q", "r"] {
        s.spawn(async move {
            sleep_until(Instant::from_millis(4)).await;
            log.at(c, name);
        })
        .unwrap();
    }
    assert_eq!(s.run(c), RunEnd::Finished);
    for name in ["t", "u", "v", "w", "y"] {
        s.spawn(async move {
            sleep_until(Instant::from_millis(9)).await;
            log.at(c, name);
        })
        .unwrap();
    }
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["4000 p", "4000 q", "4000 r", "9000 t", "9000 u", "9000 v", "9000 w", "9000 y"]);
}

#[test]
fn a_second_run_after_a_stop_with_deadlines_armed() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log: &'static Log = Log::new();
    for i in 0..3u64 {
        s.spawn(async move {
            sleep(ms(100 + i)).await;
            log.at(c, "never");
        })
        .unwrap();
    }
    s.spawn(async move {
        sleep(ms(1)).await;
        s.stop_all();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Stopped);
    assert_eq!(s.free_slots(), 4);
    for i in 0..4u64 {
        s.spawn(async move {
            sleep(ms(4 - i)).await;
            log.at(c, format!("t{i}"));
        })
        .unwrap();
    }
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["2000 t3", "3000 t2", "4000 t1", "5000 t0"]);
}

#[test]
fn a_panic_with_deadlines_armed_then_the_next_run() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log: &'static Log = Log::new();
    for i in 0..3u64 {
        s.spawn(async move {
            sleep(ms(10 + i)).await;
            log.at(c, format!("t{i}"));
        })
        .unwrap();
    }
    s.spawn(async move {
        let _ = timeout(ms(3), core::future::pending::<()>()).await;
        panic!("boom");
    })
    .unwrap();
    assert_eq!(run_caught(s, c), Err("boom".to_string()));
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["10000 t0", "11000 t1", "12000 t2"]);
}

#[test]
fn many_slots_all_sleeping() {
    // `Sched::new` builds the 2 MB scheduler on the stack before it is boxed.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(many_slots_all_sleeping_body)
        .unwrap()
        .join()
        .unwrap();
}

fn many_slots_all_sleeping_body() {
    const N: usize = 16384;
    let s: &'static Sched<N, 128> = sched();
    let c = clock();
    let count = cell(0u32);
    let last = cell(0u64);
    for i in 0..N as u64 {
        s.spawn(async move {
            sleep(us((N as u64 - i) % 97)).await;
            let now = s.now().as_micros();
            assert!(now >= last.get());
            last.set(now);
            count.set(count.get() + 1);
        })
        .unwrap();
    }
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(count.get(), N as u32);
}

/// As above, on the bare simulated clock, which gives a context probe (direct wakes from the
/// foreign timers' firing).
#[test]
fn foreign_and_heap_timers_with_the_probe() {
    let c: &'static usched_sim::SimClock = Box::leak(Box::new(usched_sim::SimClock::new()));
    assert_eq!(foreign_then_heap(c, c), FOREIGN_THEN_HEAP);
}

#[test]
fn the_first_deadline_from_a_poller_an_irq_line_or_a_join_timeout() {
    use usched::{IrqLine, IrqResult, PollResult, Poller};
    let s: &'static Sched<5, 1024> = sched();
    let c = clock();
    let log: &'static Log = Log::new();
    let line: &'static IrqLine = Box::leak(Box::new(IrqLine::new()));
    let long = s
        .spawn(async move {
            sleep(ms(100)).await;
        })
        .unwrap();
    s.pause(long).unwrap(); // a pause first: `dequeue_hook` before `heap_ops` (its sleep starts on resume, at 9 ms)
    s.spawn(async move {
        let mut p = Poller::with_timeout(|| None::<u32>, ms(7));
        let r = p.wait().await;
        log.at(c, format!("poller {}", matches!(r, PollResult::TimedOut(_))));
    })
    .unwrap();
    s.spawn(async move {
        let r = line.wait_timeout(ms(5)).await;
        log.at(c, format!("irq {}", matches!(r, IrqResult::TimedOut(_))));
    })
    .unwrap();
    s.spawn(async move {
        let r = timeout(ms(9), s.join(long)).await;
        log.at(c, format!("join timed out {}", r.is_err()));
        s.resume(long).unwrap();
        let r = timeout(ms(200), s.join(long)).await;
        log.at(c, format!("join ok {}", r.is_ok()));
    })
    .unwrap();
    s.set_poll_interval(ms(2));
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        ["5000 irq true", "7000 poller true", "9000 join timed out true", "109000 join ok true"]
    );
}

#[test]
fn heartbeat_is_the_only_timed_wait() {
    struct Pin(&'static std::cell::Cell<u32>);
    impl embedded_hal::digital::ErrorType for Pin {
        type Error = core::convert::Infallible;
    }
    impl embedded_hal::digital::OutputPin for Pin {
        fn set_low(&mut self) -> Result<(), Self::Error> {
            self.0.set(self.0.get() + 1);
            Ok(())
        }
        fn set_high(&mut self) -> Result<(), Self::Error> {
            self.0.set(self.0.get() + 1);
            Ok(())
        }
    }
    let s: &'static Sched<2, 256> = sched();
    let c = clock();
    let toggles = cell(0u32);
    let hb = s.spawn(usched::heartbeat(Pin(toggles), ms(200))).unwrap();
    s.spawn(async move {
        for _ in 0..3 {
            yield_now().await;
        }
        sleep(ms(1000)).await;
        s.stop(hb).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(toggles.get(), 5, "200, 400, 600, 800 and 1000 ms (the heartbeat was spawned first)");
}

/// The program's first deadline is declared by a poll that also yields: the task is queued with
/// a deadline (in the heap), and its turn needs `dequeue_hook` although nothing was ever paused.
#[test]
fn the_first_deadline_declared_with_a_yield_queues_the_task_with_it() {
    let s: &'static Sched<2, 512> = sched();
    let c = clock();
    let log: &'static Log = Log::new();
    s.spawn(async move {
        let won = matches!(select(pin!(sleep(ms(5))), pin!(yield_now())).await, Either::Right(_));
        log.at(c, format!("yield won {won}"));
    })
    .unwrap();
    s.spawn(async move { log.at(c, "other") }).unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["0 other", "0 yield won true"]);
}
