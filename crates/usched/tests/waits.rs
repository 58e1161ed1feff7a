//! B. Waiting: round-robin, sleeps, pollers, interrupt lines, timeouts.
mod common;
use common::*;
use std::cell::Cell;
use std::time::Duration;
use usched::{
    sleep, sleep_until, timeout, yield_now, Deadline, Elapsed, Instant, IrqLine, Poller, RunEnd, Signal,
};

/// B1: strict FIFO among round-robin tasks.
#[test]
fn b1_round_robin_is_strict_fifo() {
    let c = clock();
    let s = sched::<3, 128>();
    let log = Log::new();
    for name in ["a", "b", "c"] {
        s.spawn(async move {
            for i in 0..3 {
                log.push(format!("{name}{i}"));
                yield_now().await;
            }
        })
        .unwrap();
    }
    s.run(c);
    assert_eq!(log.take(), ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]);
}

/// B1: a task woken through a standard `Waker` joins the back of the round-robin queue.
#[test]
fn b1_a_woken_task_joins_the_back_of_the_queue() {
    let c = clock();
    let s = sched::<3, 256>();
    let log = Log::new();
    let sig: &'static embassy_sync::signal::Signal<embassy_sync::blocking_mutex::raw::NoopRawMutex, ()> =
        Box::leak(Box::new(embassy_sync::signal::Signal::new()));
    s.spawn(async move {
        sig.wait().await;
        log.push("waiter woke");
    })
    .unwrap();
    for name in ["x", "y"] {
        s.spawn(async move {
            log.push(format!("{name}0"));
            if name == "x" {
                sig.signal(()); // the waiter is queued behind y
            }
            yield_now().await;
            log.push(format!("{name}1"));
        })
        .unwrap();
    }
    s.run(c);
    assert_eq!(log.take(), ["x0", "y0", "waiter woke", "x1", "y1"]);
}

/// B1: waking is safe from another OS thread; the scheduler thread sleeps until then.
#[test]
fn b1_wake_from_another_thread() {
    use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
    use embassy_sync::signal::Signal as ESignal;
    let c = threaded_clock();
    let s = sched::<2, 256>();
    let to_task: &'static ESignal<CriticalSectionRawMutex, u32> = Box::leak(Box::new(ESignal::new()));
    let from_task: &'static ESignal<CriticalSectionRawMutex, u32> = Box::leak(Box::new(ESignal::new()));
    let got: &'static Cell<u32> = Box::leak(Box::new(Cell::new(0)));
    s.spawn(async move {
        let mut sum = 0;
        for i in 0..100 {
            from_task.signal(i);
            sum += to_task.wait().await;
        }
        got.set(sum);
    })
    .unwrap();
    let other = std::thread::spawn(move || {
        for _ in 0..100 {
            let v = futures::executor::block_on(from_task.wait());
            to_task.signal(v * 2);
        }
    });
    assert_eq!(s.run(c), RunEnd::Finished);
    other.join().unwrap();
    assert_eq!(got.get(), 2 * (0..100).sum::<u32>());
    assert_eq!(c.now().as_micros(), 0, "the simulated clock never moved");
}

/// B1: a futures channel works too (another standard waker user).
#[test]
fn b1_futures_channel_between_tasks() {
    use futures::channel::mpsc;
    use futures::{SinkExt, StreamExt};
    let c = clock();
    let s = sched::<2, 512>();
    let log = Log::new();
    let (mut tx, mut rx) = mpsc::channel::<u32>(1);
    s.spawn(async move {
        while let Some(v) = rx.next().await {
            log.push(format!("got {v}"));
        }
    })
    .unwrap();
    s.spawn(async move {
        for v in 1..=3 {
            tx.send(v).await.unwrap();
        }
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["got 1", "got 2", "got 3"]);
}

/// B2: a sleep resumes no earlier than its deadline and reports exactly how late it woke.
#[test]
fn b2_sleep_reports_exact_lateness() {
    let c = clock();
    let s = sched::<2, 256>();
    let log = Log::new();
    s.spawn(async move {
        let late = sleep(ms(10)).await;
        log.at(c, format!("a late {}", late.as_micros()));
    })
    .unwrap();
    s.spawn(async move {
        c.advance(ms(13)); // hogs the CPU past a's deadline
        log.at(c, "b done");
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["13000 b done", "13000 a late 3000"]);
}

/// B2: no 536 s ceiling: a 1000 s sleep and a 10-day sleep are exact.
#[test]
fn b2_long_sleeps_have_no_ceiling() {
    let c = clock();
    let s = sched::<1, 256>();
    let log = Log::new();
    s.spawn(async move {
        sleep(Duration::from_secs(1000)).await;
        log.at(c, "1000 s");
        sleep(Duration::from_secs(10 * 86_400)).await;
        log.at(c, "10 days");
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["1000000000 1000 s", "865000000000 10 days"]);
}

/// B2: huge durations saturate instead of wrapping or panicking.
#[test]
fn b2_huge_durations_saturate() {
    let c = clock();
    let s = sched::<2, 256>();
    let log = Log::new();
    let sleeper = s.spawn(async move {
        sleep(Duration::MAX).await;
        log.push("never");
    });
    s.spawn(async move {
        sleep(ms(1)).await;
        let r = timeout(Duration::MAX, sleep(ms(2))).await;
        log.at(c, format!("timeout over MAX gave {r:?}"));
        s.stop_all();
    })
    .unwrap();
    sleeper.unwrap();
    assert_eq!(s.run(c), RunEnd::Stopped);
    assert_eq!(log.take(), ["3000 timeout over MAX gave Ok(0ns)"]);
    assert_eq!(Instant::from_micros(5) + Duration::MAX, Instant::MAX);
}

/// B2: `sleep(ZERO)` is an expired deadline: it ranks above round-robin and reports lateness.
#[test]
fn b2_zero_sleep_ranks_as_a_timer() {
    let c = clock();
    let s = sched::<3, 256>();
    let log = Log::new();
    s.spawn(async move {
        log.push("rr0");
        yield_now().await;
        log.push("rr1");
    })
    .unwrap();
    s.spawn(async move {
        log.push("z starts");
        c.advance(us(5));
        let late = sleep(Duration::ZERO).await;
        log.push(format!("z late {}", late.as_micros()));
    })
    .unwrap();
    s.spawn(async move {
        c.advance(us(20));
        log.push("hog");
    })
    .unwrap();
    s.run(c);
    // z's zero sleep has expired by the next pass, so z outranks the queued hog and rr.
    assert_eq!(log.take(), ["rr0", "z starts", "z late 0", "hog", "rr1"]);
}

/// B2: `sleep_until` gives drift-free periods.
#[test]
fn b2_sleep_until_is_drift_free() {
    let c = clock();
    let s = sched::<1, 256>();
    let log = Log::new();
    s.spawn(async move {
        let mut next = Instant::ZERO;
        for _ in 0..3 {
            next = next + ms(100);
            let late = sleep_until(next).await;
            log.at(c, format!("tick late {}", late.as_micros()));
            c.advance(ms(30));
        }
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["100000 tick late 0", "200000 tick late 0", "300000 tick late 0"]);
}

/// B3: the poller callback runs on every pass while its task waits, so it samples far more
/// often than the round-robin tasks run.
#[test]
fn b3_poller_is_called_every_pass() {
    let c = clock();
    let s = sched::<3, 512>();
    let log = Log::new();
    let calls: &'static Cell<u32> = Box::leak(Box::new(Cell::new(0)));
    s.spawn(async move {
        let mut p = Poller::new(move || {
            calls.set(calls.get() + 1);
            (calls.get() == 7).then_some(42)
        });
        let r = p.wait().await;
        log.push(format!("poller {r:?} after {} calls", calls.get()));
    })
    .unwrap();
    for name in ["a", "b"] {
        s.spawn(async move {
            for i in 0..4 {
                log.push(format!("{name}{i} calls={}", calls.get()));
                yield_now().await;
            }
        })
        .unwrap();
    }
    s.run(c);
    assert_eq!(
        log.take(),
        [
            // pass 1 is the poller task's first poll (it registers); every later pass samples.
            "a0 calls=1",
            "b0 calls=2",
            "a1 calls=3",
            "b1 calls=4",
            "a2 calls=5",
            "b2 calls=6",
            "poller Event(42) after 7 calls",
            "a3 calls=7",
            "b3 calls=7"
        ]
    );
}

/// B3: `Some(0)` is an event (the original treated it as a round-robin turn).
#[test]
fn b3_zero_is_an_event() {
    let c = clock();
    let s = sched::<1, 256>();
    let log = Log::new();
    s.spawn(async move {
        let mut p = Poller::new(|| Some(0));
        log.push(format!("{:?}", p.wait().await));
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["Event(0)"]);
}

/// B3: a value that loses the pass is kept for its task, not sampled again and lost.
#[test]
fn b3_a_value_that_loses_the_pass_is_kept() {
    let c = clock();
    let s = sched::<3, 512>();
    let log = Log::new();
    let go: &'static Cell<bool> = Box::leak(Box::new(Cell::new(false)));
    let low_calls: &'static Cell<u32> = Box::leak(Box::new(Cell::new(0)));
    s.spawn(async move {
        // Fires once only, like a device whose read clears its "ready" flag.
        let mut p = Poller::new(move || {
            if !go.get() {
                return None;
            }
            low_calls.set(low_calls.get() + 1);
            (low_calls.get() == 1).then_some(1)
        });
        log.push(format!("low {:?}", p.wait().await));
    })
    .unwrap();
    s.spawn(async move {
        let mut p = Poller::new(move || go.get().then_some(9));
        log.push(format!("high {:?}", p.wait().await));
    })
    .unwrap();
    s.spawn(async move {
        yield_now().await;
        go.set(true);
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["high Event(9)", "low Event(1)"]);
    assert_eq!(low_calls.get(), 1, "the kept value is not sampled again");
}

/// B3: timeouts report how late, and re-arming is explicit.
#[test]
fn b3_poller_timeout_and_explicit_rearm() {
    let c = clock();
    let s = sched::<2, 512>();
    let log = Log::new();
    s.spawn(async move {
        let mut p = Poller::with_timeout(|| None, ms(10));
        log.at(c, format!("{:?}", p.wait().await)); // armed at 0: times out at 10 ms
        log.at(c, format!("{:?}", p.wait_same_deadline().await)); // same (past) deadline: at once
        c.advance(ms(2));
        log.at(c, format!("{:?}", p.wait().await)); // re-armed at 12: fires at 22
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(21)).await;
        c.advance(ms(4)); // makes the third timeout 3 ms late
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    s.run(c);
    assert_eq!(log.take(), ["10000 TimedOut(0ns)", "10000 TimedOut(0ns)", "25000 TimedOut(3ms)"]);
}

/// B4: an interrupt waiter resumes with the number of signals since its last resume.
#[test]
fn b4_irq_counts_signals_since_last_resume() {
    static LINE: IrqLine = IrqLine::new();
    let c = clock();
    let s = sched::<2, 512>();
    let log = Log::new();
    s.spawn(async move {
        for _ in 0..3 {
            log.at(c, format!("{:?}", LINE.wait().await));
        }
    })
    .unwrap();
    s.spawn(async move {
        LINE.signal();
        LINE.signal();
        sleep(ms(1)).await;
        LINE.signal();
        sleep(ms(1)).await;
        LINE.signal_n(5);
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["0 Irq(2)", "1000 Irq(1)", "2000 Irq(5)"]);
    assert_eq!(LINE.pending(), 0);
}

/// B4: counts saturate instead of wrapping to zero.
#[test]
fn b4_irq_counts_saturate() {
    static LINE: IrqLine = IrqLine::new();
    LINE.signal_n(u32::MAX - 1);
    LINE.signal();
    LINE.signal();
    LINE.signal_n(7);
    assert_eq!(LINE.pending(), u32::MAX);
    let c = clock();
    let s = sched::<1, 256>();
    let log = Log::new();
    s.spawn(async move { log.push(format!("{:?}", LINE.wait().await)) }).unwrap();
    s.run(c);
    assert_eq!(log.take(), [format!("Irq({})", u32::MAX)]);
}

/// B4: a waiter that loses the pass to another keeps its count (the original lost it).
#[test]
fn b4_losing_waiter_keeps_its_count() {
    static A: IrqLine = IrqLine::new();
    static B: IrqLine = IrqLine::new();
    let c = clock();
    let s = sched::<3, 512>();
    let log = Log::new();
    s.spawn(async move { log.push(format!("a {:?}", A.wait().await)) }).unwrap();
    s.spawn(async move { log.push(format!("b {:?}", B.wait().await)) }).unwrap();
    s.spawn(async move {
        A.signal();
        B.signal_n(3);
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["b Irq(3)", "a Irq(1)"]);
}

/// B4: a signal landing after the waiter was picked but before it runs is not lost.
#[test]
fn b4_signal_between_selection_and_run_is_counted() {
    static LINE: IrqLine = IrqLine::new();
    let c = clock();
    let s = sched::<3, 512>();
    let log = Log::new();
    s.spawn(async move {
        log.push(format!("{:?}", LINE.wait().await));
        log.push(format!("{:?}", LINE.wait_timeout(ms(5)).await));
    })
    .unwrap();
    s.spawn(async move {
        // A poller sampled after the waiter in the same pass: its callback signals the line
        // once the waiter has already offered its count of 1.
        let mut p = Poller::new(|| {
            if LINE.pending() == 1 {
                LINE.signal();
            }
            None
        });
        let _ = timeout(ms(1), p.wait()).await;
    })
    .unwrap();
    s.spawn(async move {
        LINE.signal();
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["Irq(2)", "TimedOut(0ns)"]);
}

/// B4: interrupt waits time out with their lateness.
#[test]
fn b4_irq_timeout() {
    static LINE: IrqLine = IrqLine::new();
    let c = clock();
    let s = sched::<2, 512>();
    let log = Log::new();
    s.spawn(async move { log.at(c, format!("{:?}", LINE.wait_timeout(ms(50)).await)) }).unwrap();
    s.spawn(async move {
        sleep(ms(49)).await;
        c.advance(ms(3));
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["52000 TimedOut(2ms)"]);
}

/// B4: a signal from another thread wakes an idle scheduler.
#[test]
fn b4_signal_from_another_thread() {
    static LINE: IrqLine = IrqLine::new();
    let c = threaded_clock();
    let s = sched::<1, 512>();
    let log = Log::new();
    s.spawn(async move { log.push(format!("{:?}", LINE.wait().await)) }).unwrap();
    let t = std::thread::spawn(|| LINE.signal());
    assert_eq!(s.run(c), RunEnd::Finished);
    t.join().unwrap();
    assert_eq!(log.take(), ["Irq(1)"]);
}

/// B5: an event and its timeout in the same pass: the event wins.
#[test]
fn b5_event_beats_timeout() {
    static LINE: IrqLine = IrqLine::new();
    let c = clock();
    let s = sched::<3, 512>();
    let log = Log::new();
    s.spawn(async move {
        // Spawned first, so at 20 ms it runs before the waiter's deadline is looked at.
        sleep(ms(20)).await;
        LINE.signal();
    })
    .unwrap();
    s.spawn(async move {
        // The event becomes true exactly at the deadline.
        let mut p = Poller::with_timeout(move || (c.now().as_micros() >= 10_000).then_some(3), ms(10));
        log.at(c, format!("poller {:?}", p.wait().await));
        // Deadline 20 ms, the same pass as the signal.
        log.at(c, format!("irq {:?}", LINE.wait_timeout(ms(10)).await));
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    s.run(c);
    assert_eq!(log.take(), ["10000 poller Event(3)", "20000 irq Irq(1)"]);
}

/// B6: `timeout` around any future, and a reusable `Deadline`.
#[test]
fn b6_timeout_and_deadline() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let sig: &'static Signal = Box::leak(Box::new(Signal::new()));
    s.spawn(async move {
        let r = timeout(ms(5), sig.wait()).await;
        log.at(c, format!("{r:?}"));
        let r = timeout(ms(5), sig.wait()).await;
        log.at(c, format!("{r:?}"));
        let mut d = Deadline::new(ms(10));
        let r = d.run(sig.wait()).await;
        log.at(c, format!("deadline {r:?}"));
        let r = d.run(sleep(ms(1))).await; // same deadline, already past
        log.at(c, format!("deadline again {r:?}"));
        d.rearm();
        let r = d.run(sleep(ms(1))).await;
        log.at(c, format!("rearmed {:?}", r.map(|late| late.as_micros())));
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(7)).await;
        sig.signal();
    })
    .unwrap();
    s.run(c);
    assert_eq!(
        log.take(),
        [
            format!("5000 {:?}", Err::<(), _>(Elapsed { late: Duration::ZERO })),
            "7000 Ok(())".to_string(),
            format!("17000 deadline {:?}", Err::<(), _>(Elapsed { late: Duration::ZERO })),
            format!("17000 deadline again {:?}", Err::<Duration, _>(Elapsed { late: Duration::ZERO })),
            "18000 rearmed Ok(0)".to_string(),
        ]
    );
}
