//! B. Waiting: round-robin and standard wakers (B1), sleeps (B2), pollers (B3), interrupt lines
//! (B4), events against timeouts (B5), timeouts (B6), the local `Signal`, tasks awaiting several
//! things at once, and waits polled outside a usched task.
mod common;
use common::*;
use core::future::Future;
use core::pin::{pin, Pin};
use core::task::{Context, Poll, Waker};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::signal::Signal as ESignal;
use futures::future::{select, Either};
use usched::{
    sleep, sleep_until, timeout, yield_now, Deadline, Elapsed, Instant, IrqLine, IrqResult, Poller, RunEnd,
    Signal,
};

/// A future that behaves like most executors' `yield_now` (embassy-futures, async-std): it wakes
/// its own task through the standard waker, then returns `Pending` once.
struct ForeignYield(bool);

impl Future for ForeignYield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A future that is never woken and counts its polls.
struct CountPolls(&'static Cell<u32>);

impl Future for CountPolls {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.0.set(self.0.get() + 1);
        Poll::Pending
    }
}

/// Gates that tasks wait behind, each keeping its waiter's standard `Waker`, opened (flag set,
/// then the kept waker woken) from anywhere: another task, another thread.
struct Gates<const K: usize> {
    open: [AtomicBool; K],
    wakers: Mutex<[Option<Waker>; K]>,
}

impl<const K: usize> Gates<K> {
    fn new() -> &'static Self {
        Box::leak(Box::new(Gates {
            open: [const { AtomicBool::new(false) }; K],
            wakers: Mutex::new([const { None }; K]),
        }))
    }

    /// Waits until gate `i` is open.
    fn wait(&'static self, i: usize) -> impl Future<Output = ()> {
        core::future::poll_fn(move |cx| {
            if self.open[i].load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            self.wakers.lock().unwrap()[i] = Some(cx.waker().clone());
            Poll::Pending
        })
    }

    /// True once every gate has a waiter.
    fn all_waiting(&self) -> bool {
        self.wakers.lock().unwrap().iter().all(Option::is_some)
    }

    fn open(&self, i: usize) {
        self.open[i].store(true, Ordering::Release);
        let w = self.wakers.lock().unwrap()[i].take();
        w.expect("gate has a waiter").wake();
    }
}

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

/// B1: a task that wakes itself through the standard waker (the usual foreign `yield_now`) is
/// polled again. (It used to be parked as `WAITING` for ever: the wake was drained while the task
/// was still `RUNNING`, and wakes of a running task were ignored.)
#[test]
fn b1_self_wake_through_the_standard_waker_is_not_lost() {
    let c = clock();
    let s = sched::<1, 128>();
    let log = Log::new();
    s.spawn(async move {
        ForeignYield(false).await;
        log.push("after foreign yield");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["after foreign yield"]);
}

/// B1: the same with an embassy-sync `Signal` that the waiting task itself sets in the same poll
/// (`join` of the wait and the signalling branch).
#[test]
fn b1_embassy_signal_set_by_its_own_waiter_wakes_it() {
    let c = clock();
    let s = sched::<1, 512>();
    let log = Log::new();
    let sig: &'static ESignal<NoopRawMutex, u32> = Box::leak(Box::new(ESignal::new()));
    s.spawn(async move {
        let (v, ()) = futures::future::join(sig.wait(), async { sig.signal(7) }).await;
        log.push(format!("got {v}"));
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["got 7"]);
}

/// B1: tasks woken through standard wakers between two passes run in the order they were woken,
/// not in slot order: one task's poll wakes slot 3's task, then slot 1's, then slot 2's.
#[test]
fn b1_tasks_woken_between_two_passes_run_in_wake_order() {
    let c = clock();
    let s = sched::<4, 256>();
    let log = Log::new();
    let gates = Gates::<3>::new(); // gate k is slot k + 1's
    s.spawn(async move {
        yield_now().await; // every other task waits behind its gate by now
        assert!(gates.all_waiting());
        for slot in [3, 1, 2] {
            gates.open(slot - 1);
        }
        log.push("woke 3, 1, 2");
    })
    .unwrap();
    for slot in 1..=3usize {
        let id = s
            .spawn(async move {
                gates.wait(slot - 1).await;
                log.push(format!("slot {slot}"));
            })
            .unwrap();
        assert_eq!(id.index(), slot);
    }
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["woke 3, 1, 2", "slot 3", "slot 1", "slot 2"]);
}

/// B1: the same with the wakes coming from another thread while the scheduler sleeps: slots 3,
/// 1, 2 and 0, in that order.
#[test]
fn b1_tasks_woken_from_another_thread_run_in_wake_order() {
    let c = threaded_clock();
    let s = sched::<4, 256>();
    let log = Log::new();
    let gates = Gates::<4>::new();
    for slot in 0..4usize {
        s.spawn(async move {
            gates.wait(slot).await;
            log.push(format!("slot {slot}"));
        })
        .unwrap();
    }
    let waker = std::thread::spawn(move || {
        while !gates.all_waiting() {
            std::thread::sleep(ms(1));
        }
        for slot in [3, 1, 2, 0] {
            gates.open(slot);
        }
    });
    assert_eq!(s.run(c), RunEnd::Finished);
    waker.join().unwrap();
    assert_eq!(log.take(), ["slot 3", "slot 1", "slot 2", "slot 0"]);
    assert_eq!(c.now(), Instant::ZERO);
}

/// B1: wakes from other threads are never lost: four tasks each make 2,000 round trips with two
/// threads (two tasks per thread), through embassy-sync signals whose wakers fire on those
/// threads. A lost wake would leave the scheduler parked: a watchdog fails the test instead.
#[test]
fn b1_wakes_from_other_threads_are_never_lost() {
    use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
    type Sig = ESignal<CriticalSectionRawMutex, u32>;
    const TASKS: usize = 4;
    const ROUNDS: u32 = 2_000;
    let to_task: &'static [Sig; TASKS] = Box::leak(Box::new([const { Sig::new() }; TASKS]));
    let from_task: &'static [Sig; TASKS] = Box::leak(Box::new([const { Sig::new() }; TASKS]));
    let helpers: Vec<_> = (0..2)
        .map(|t| {
            std::thread::spawn(move || {
                for r in 0..ROUNDS {
                    for i in (t..TASKS).step_by(2) {
                        let v = futures::executor::block_on(from_task[i].wait());
                        assert_eq!(v, r);
                        to_task[i].signal(r + 1);
                    }
                }
            })
        })
        .collect();
    let (done, watchdog) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let c = threaded_clock();
        let s = sched::<TASKS, 256>();
        let sums: &'static [Cell<u64>; TASKS] = Box::leak(Box::new([const { Cell::new(0) }; TASKS]));
        for i in 0..TASKS {
            s.spawn(async move {
                for r in 0..ROUNDS {
                    from_task[i].signal(r);
                    let v = to_task[i].wait().await;
                    assert_eq!(v, r + 1, "task {i}");
                    sums[i].set(sums[i].get() + u64::from(v));
                }
            })
            .unwrap();
        }
        let end = s.run(c);
        let _ = done.send((end, sums.iter().map(Cell::get).collect::<Vec<_>>(), c.now()));
    });
    let (end, sums, now) = watchdog
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("the scheduler hangs: a wake was lost");
    for h in helpers {
        h.join().unwrap();
    }
    assert_eq!(end, RunEnd::Finished);
    let each = (1..=u64::from(ROUNDS)).sum::<u64>();
    assert_eq!(sums, [each; TASKS]);
    assert_eq!(now, Instant::ZERO, "the simulated clock never moved");
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
    let s = sched::<2, 512>();
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

/// B4: tasks of two schedulers on two threads wait on one line: a signal wakes both schedulers.
/// One task takes the count; the other scheduler looks, finds nothing, and idles again (so it
/// was woken); the next signal is its.
#[test]
fn b4_a_signal_wakes_both_schedulers_waiting_on_a_line() {
    use std::sync::atomic::AtomicUsize;
    static LINE: IrqLine = IrqLine::new();
    static DONE: [AtomicBool; 2] = [const { AtomicBool::new(false) }; 2];
    static GOT: AtomicUsize = AtomicUsize::new(0);
    let clocks = [counting_threaded(), counting_threaded()];
    let threads: Vec<_> = (0..2)
        .map(|k| {
            let c = clocks[k];
            std::thread::spawn(move || {
                let s = sched::<1, 256>();
                s.spawn(async move {
                    let r = LINE.wait().await;
                    assert_eq!(r, IrqResult::Irq(1));
                    GOT.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
                let end = s.run(c);
                DONE[k].store(true, Ordering::SeqCst);
                (end, c.now())
            })
        })
        .collect();
    let wait_for = |what: &str, cond: &dyn Fn() -> bool| {
        let t0 = std::time::Instant::now();
        while !cond() {
            assert!(t0.elapsed() < std::time::Duration::from_secs(20), "timed out waiting until {what}");
            std::thread::sleep(ms(1));
        }
    };
    let idles = |k: usize| clocks[k].idles().len();
    // Both schedulers have registered their task's waker with the line and gone idle.
    wait_for("both schedulers idle", &|| idles(0) >= 1 && idles(1) >= 1);
    std::thread::sleep(ms(20));
    assert_eq!((idles(0), idles(1)), (1, 1), "nothing woke either scheduler yet");
    LINE.signal();
    // Each scheduler was woken: one finished (its task took the count), the other idled again.
    wait_for("both schedulers woke", &|| (0..2).all(|k| DONE[k].load(Ordering::SeqCst) || idles(k) >= 2));
    assert_eq!(GOT.load(Ordering::SeqCst), 1, "one task took the count");
    let loser = (0..2).find(|&k| !DONE[k].load(Ordering::SeqCst)).expect("one scheduler still waits");
    assert!(idles(loser) >= 2);
    LINE.signal();
    for t in threads {
        let (end, now) = t.join().unwrap();
        assert_eq!(end, RunEnd::Finished);
        assert_eq!(now, Instant::ZERO);
    }
    assert_eq!(GOT.load(Ordering::SeqCst), 2);
    for c in clocks {
        assert!(c.idles().iter().all(Option::is_none), "no deadline: {:?}", c.idles());
    }
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

// ----- tasks awaiting several things at once ----------------------------------------------------

/// B3/C1: a task that awaits a poller and a join at once runs when its poller fires. (The event
/// used to be ignored until the join ended: only `WAITING` tasks could win a pass.)
#[test]
fn b3_poller_event_runs_a_task_that_also_joins() {
    let c = clock();
    let s = sched::<2, 512>();
    let log = Log::new();
    let long = s
        .spawn(async {
            sleep(ms(1000)).await;
        })
        .unwrap();
    s.spawn(async move {
        let mut p = Poller::new(|| Some(5));
        match select(pin!(s.join(long)), pin!(p.wait())).await {
            Either::Left(_) => log.at(c, "joined"),
            Either::Right((r, _)) => log.at(c, format!("{r:?}")),
        }
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["0 Event(5)"]);
}

/// B4/C1: the same with an interrupt line.
#[test]
fn b4_irq_event_runs_a_task_that_also_joins() {
    static LINE: IrqLine = IrqLine::new();
    let c = clock();
    let s = sched::<3, 512>();
    let log = Log::new();
    let long = s
        .spawn(async {
            sleep(ms(1000)).await;
        })
        .unwrap();
    s.spawn(async move {
        match select(pin!(s.join(long)), pin!(LINE.wait())).await {
            Either::Left(_) => log.at(c, "joined"),
            Either::Right((r, _)) => log.at(c, format!("{r:?}")),
        }
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(3)).await;
        LINE.signal();
        // Do not finish here: a finishing task wakes every joiner and would hide the bug.
        sleep(ms(2000)).await;
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["3000 Irq(1)"]);
}

/// A task awaits a poller, a sleep, a usched `Signal` and `fourth()` at once, for four rounds,
/// woken by each in turn (poller at 2 ms, sleep at 12 ms, signal at 15 ms, `fire_fourth` at
/// 16 ms). Each wake must end every other registration: afterwards the callback is never called.
fn four_way_wait(
    mut fourth: impl FnMut() -> Pin<Box<dyn Future<Output = String>>> + 'static,
    fire_fourth: impl FnOnce() + 'static,
) -> Vec<String> {
    let c = clock();
    let s = sched::<2, 2048>();
    let log = Log::new();
    let sig: &'static Signal = Box::leak(Box::new(Signal::new()));
    let calls = cell(0u32);
    let fire_at = cell(u64::MAX);
    s.spawn(async move {
        for round in 0..4 {
            let mut p = Poller::new(move || {
                calls.set(calls.get() + 1);
                (round == 0 && c.now().as_micros() >= fire_at.get()).then_some(round)
            });
            let a = pin!(p.wait());
            let b = pin!(sleep(ms(10)));
            let d = pin!(sig.wait());
            let e = fourth();
            let what = match select(select(a, b), select(d, e)).await {
                Either::Left((Either::Left((r, _)), _)) => format!("poller {r:?}"),
                Either::Left((Either::Right((late, _)), _)) => format!("sleep late {late:?}"),
                Either::Right((Either::Left(_), _)) => "signal".to_string(),
                Either::Right((Either::Right((what, _)), _)) => what,
            };
            log.at(c, what);
        }
        let before = calls.get();
        sleep(ms(50)).await;
        log.at(c, format!("callback calls while sleeping: {}", calls.get() - before));
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(2)).await;
        fire_at.set(2_000); // round 0: the poller fires at the next pass
                            // round 1 is armed at 2 ms and times out at 12 ms
        sleep(ms(13)).await; // 15 ms
        sig.signal(); // round 2
        sleep(ms(1)).await; // 16 ms
        fire_fourth(); // round 3
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    assert_eq!(s.run(c), RunEnd::Finished);
    log.take()
}

/// B1/B3/B6: the four-way wait with an embassy `Signal` as the fourth. It used to livelock at
/// time 0 (see `b1_sampled_task_waiting_on_an_embassy_signal`).
#[test]
fn a_task_awaiting_four_things_is_woken_by_each_and_leaves_nothing_behind() {
    let esig: &'static ESignal<NoopRawMutex, ()> = Box::leak(Box::new(ESignal::new()));
    let log = four_way_wait(
        move || {
            Box::pin(async move {
                esig.wait().await;
                "embassy".to_string()
            })
        },
        move || esig.signal(()),
    );
    assert_eq!(
        log,
        [
            "2000 poller Event(0)",
            "12000 sleep late 0ns",
            "15000 signal",
            "16000 embassy",
            "66000 callback calls while sleeping: 0",
        ]
    );
}

/// B1/B3: a task awaits a poller and an embassy-sync `Signal` at once. Such primitives wake the
/// waker they replace unless the new one `will_wake` it; the waker lent to a poll now equals its
/// clones, so no wake happens for nothing. (It used to: the lent waker named the core, its clones
/// the task, and this task spun at time 0 for ever, off and on the sampled list.)
#[test]
fn b1_sampled_task_waiting_on_an_embassy_signal() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let esig: &'static ESignal<NoopRawMutex, ()> = Box::leak(Box::new(ESignal::new()));
    s.spawn(async move {
        let mut p = Poller::new(|| None);
        let _ = select(pin!(p.wait()), pin!(esig.wait())).await;
        log.at(c, "signalled");
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(10)).await;
        esig.signal(());
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["10000 signalled"]);
}

/// B1/B3/B6: the four-way wait with a futures channel as the fourth (its `AtomicWaker` replaces a
/// waker without waking the old one).
#[test]
fn a_task_awaiting_four_things_without_embassy() {
    use futures::channel::mpsc;
    use futures::StreamExt as _;
    let (tx, rx) = mpsc::unbounded::<u32>();
    let rx: &'static std::cell::RefCell<mpsc::UnboundedReceiver<u32>> =
        Box::leak(Box::new(std::cell::RefCell::new(rx)));
    let log = four_way_wait(
        move || {
            Box::pin(async move {
                let v = core::future::poll_fn(|cx| rx.borrow_mut().poll_next_unpin(cx)).await;
                format!("channel {v:?}")
            })
        },
        move || tx.unbounded_send(9).unwrap(),
    );
    assert_eq!(
        log,
        [
            "2000 poller Event(0)",
            "12000 sleep late 0ns",
            "15000 signal",
            "16000 channel Some(9)",
            "66000 callback calls while sleeping: 0",
        ]
    );
}

// ----- the local Signal -------------------------------------------------------------------------

/// `Signal`: set by its own waiter in the same poll, it wakes it (`signal` wakes a `RUNNING`
/// task; it used to do nothing, and the recorded waiter was consumed).
#[test]
fn signal_set_by_its_own_waiter_wakes_it() {
    let c = clock();
    let s = sched::<1, 256>();
    let log = Log::new();
    let sig: &'static Signal = Box::leak(Box::new(Signal::new()));
    s.spawn(async move {
        futures::future::join(sig.wait(), async { sig.signal() }).await;
        log.push("signalled");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["signalled"]);
}

/// `Signal`: a second task that waits while the first still waits displaces it; the next
/// `signal` wakes both. The registered waiter runs first and takes the signal; the displaced one
/// looks, finds nothing, and waits again, so the signal after that is its own. Neither sleeps for
/// ever (that would end the run as `Stalled`).
#[test]
fn signal_displaced_waiter_is_woken_by_the_next_signal() {
    let c = clock();
    let s = sched::<3, 256>();
    let log = Log::new();
    let sig: &'static Signal = Box::leak(Box::new(Signal::new()));
    for name in ["first", "second"] {
        s.spawn(async move {
            sig.wait().await;
            log.at(c, format!("{name} got the signal"));
        })
        .unwrap();
    }
    s.spawn(async move {
        sleep(ms(1)).await;
        sig.signal();
        sleep(ms(1)).await;
        log.at(c, format!("set before the second signal: {}", sig.is_set()));
        sig.signal();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        [
            "1000 second got the signal",
            "2000 set before the second signal: false",
            "2000 first got the signal"
        ]
    );
    assert!(!sig.is_set());
}

/// `Signal`: a wait dropped by a timeout leaves no waiter behind: a later `signal` with nobody
/// waiting only sets the flag (it wakes nobody, least of all the task whose wait timed out), and
/// a later waiter displaces nobody.
#[test]
fn signal_wait_dropped_by_a_timeout_leaves_no_waiter() {
    let c = clock();
    let s = sched::<3, 512>();
    let log = Log::new();
    let sig: &'static Signal = Box::leak(Box::new(Signal::new()));
    let polls = cell(0u32);
    let timed_out = s
        .spawn(async move {
            let r = timeout(ms(1), sig.wait()).await;
            log.at(c, format!("first wait {r:?}"));
            CountPolls(polls).await; // never woken: each poll is a spurious wake
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(2)).await;
        sig.wait().await; // would displace a stale waiter
        log.at(c, "second waiter got the signal");
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(3)).await;
        sig.signal();
        sleep(ms(1)).await;
        sig.signal(); // nobody waits
        log.at(c, format!("set with nobody waiting: {}", sig.is_set()));
        sleep(ms(1)).await;
        log.at(c, format!("timed-out task polled {} time(s)", polls.get()));
        s.stop(timed_out).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        [
            format!("1000 first wait {:?}", Err::<(), _>(Elapsed { late: Duration::ZERO })),
            "3000 second waiter got the signal".to_string(),
            "4000 set with nobody waiting: true".to_string(),
            "5000 timed-out task polled 1 time(s)".to_string(),
        ]
    );
}

// ----- waits outside a usched task --------------------------------------------------------------

/// `sleep` polled outside a usched task panics, naming itself, instead of never completing.
#[test]
#[should_panic(expected = "usched::sleep was polled outside a usched task")]
fn sleep_outside_a_task_panics_by_name() {
    futures::executor::block_on(sleep(ms(1)));
}

/// `Poller::wait` polled outside a usched task panics, naming itself.
#[test]
#[should_panic(expected = "usched::Poller::wait was polled outside a usched task")]
fn poller_wait_outside_a_task_panics_by_name() {
    let mut p = Poller::new(|| None);
    futures::executor::block_on(p.wait());
}

/// `timeout` around a pending future, polled outside a usched task, panics: its deadline is a
/// `usched::sleep`, and the message names that.
#[test]
#[should_panic(expected = "usched::timeout was polled outside a usched task")]
fn timeout_outside_a_task_panics_by_name() {
    let _ = futures::executor::block_on(timeout(ms(1), core::future::pending::<()>()));
}

/// `IrqLine::wait_timeout` polled outside a usched task panics, naming itself.
#[test]
#[should_panic(expected = "IrqLine::wait_timeout was polled outside a usched task")]
fn irq_wait_timeout_outside_a_task_panics_by_name() {
    static LINE: IrqLine = IrqLine::new();
    let _ = futures::executor::block_on(LINE.wait_timeout(ms(1)));
}

/// B4: `IrqLine::wait` (no timeout) outside a usched task is a plain wake-on-signal future: it
/// takes a count already there at once, and a signal from another thread wakes it.
#[test]
fn irq_wait_outside_a_task_works() {
    static LINE: IrqLine = IrqLine::new();
    LINE.signal_n(2);
    assert_eq!(futures::executor::block_on(LINE.wait()), IrqResult::Irq(2));
    assert_eq!(LINE.pending(), 0);
    let t = std::thread::spawn(|| {
        std::thread::sleep(ms(20)); // let the executor wait first
        LINE.signal();
    });
    assert_eq!(futures::executor::block_on(LINE.wait()), IrqResult::Irq(1));
    t.join().unwrap();
}

/// B2 inside combinators that lend their children wakers of their own: sleeps in a
/// `FuturesUnordered`, in a `join_all` of more than 30 futures (which builds on it), in a
/// `select_all`, and a `timeout` inside one, each wake at their deadlines, in deadline order.
#[test]
fn b2_sleeps_inside_combinators_with_their_own_wakers() {
    use futures::stream::{FuturesUnordered, StreamExt};
    let c = clock();
    let s = sched::<2, 4096>();
    let log = Log::new();
    s.spawn(async move {
        let mut many: FuturesUnordered<_> =
            [30u64, 10, 20].into_iter().map(|d| async move { (d, sleep(ms(d)).await) }).collect();
        while let Some((d, late)) = many.next().await {
            log.at(c, format!("unordered {d} late {late:?}"));
        }
        let all = futures::future::join_all((1..=40u64).map(|d| sleep(us(d)))).await;
        log.at(c, format!("join_all of {} late {:?}", all.len(), all.iter().max()));
        let three = [ms(7), ms(3), ms(5)].map(|d| Box::pin(sleep(d)));
        let (late, first, _) = futures::future::select_all(three).await;
        log.at(c, format!("select_all first {first} late {late:?}"));
        let mut inner: FuturesUnordered<_> =
            [0u8].into_iter().map(|_| timeout(ms(2), core::future::pending::<()>())).collect();
        let r = inner.next().await;
        log.at(c, format!("timeout inside {r:?}"));
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        [
            "10000 unordered 10 late 0ns",
            "20000 unordered 20 late 0ns",
            "30000 unordered 30 late 0ns",
            "30040 join_all of 40 late Some(0ns)",
            "33040 select_all first 1 late 0ns",
            "35040 timeout inside Some(Err(Elapsed { late: 0ns }))",
        ]
    );
}
