//! Review tests: re-entrancy, wakes during a task's own poll, tasks awaiting several things at
//! once, pause/stop in unusual states. Each pins down a defect an adversarial review found (and
//! that is now fixed) or behaviour the other suites do not cover.
mod common;
use common::*;
use core::future::Future;
use core::pin::{pin, Pin};
use core::task::{Context, Poll};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::signal::Signal as ESignal;
use futures::future::{select, Either};
use usched::{
    sleep, yield_now, Clock, Instant, IrqLine, Poller, RunEnd, Sched, Signal, Status, TaskId, Wakeup,
};
use usched_sim::SimClock;

/// The simulated clock, except that idling with no deadline and no pending wake (which would park
/// the test thread for ever: a lost wake) panics instead, and so does an endless run.
struct NoHang {
    sim: SimClock,
    idles: AtomicU64,
}

fn no_hang() -> &'static NoHang {
    Box::leak(Box::new(NoHang { sim: SimClock::new(), idles: AtomicU64::new(0) }))
}

impl std::ops::Deref for NoHang {
    type Target = SimClock;
    fn deref(&self) -> &SimClock {
        &self.sim
    }
}

impl Clock for NoHang {
    fn now(&self) -> Instant {
        self.sim.now()
    }
    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        let n = self.idles.fetch_add(1, Ordering::Relaxed);
        assert!(n < 100_000, "the scheduler keeps idling: it would never return");
        assert!(until.is_some() || wake.pending(), "the scheduler would park for ever: a wake was lost");
        Clock::idle(&self.sim, until, wake);
    }
}

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

struct Noisy(&'static str, &'static Log);
impl Drop for Noisy {
    fn drop(&mut self) {
        self.1.push(format!("drop {}", self.0));
    }
}

fn cell<T: 'static>(v: T) -> &'static Cell<T> {
    Box::leak(Box::new(Cell::new(v)))
}

// ----- lost wakes: a wake that lands during the woken task's own poll ----------------------------

/// B1: a task that wakes itself through the standard waker (the usual foreign `yield_now`) is
/// polled again. (It used to be parked as `WAITING` for ever: the wake was drained while the task
/// was still `RUNNING`, and wakes of a running task were ignored.)
#[test]
fn self_wake_through_the_standard_waker_is_not_lost() {
    let c = no_hang();
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
fn embassy_signal_set_by_its_own_waiter_wakes_it() {
    let c = no_hang();
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

/// The same with usched's own `Signal`, whose `signal` wakes a `RUNNING` task (it used to do
/// nothing, and the recorded waiter was consumed).
#[test]
fn usched_signal_set_by_its_own_waiter_wakes_it() {
    let c = no_hang();
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

/// D4: a join whose target is stopped later in the joiner's own poll wakes the joiner. (It used to
/// wait for ever: `finish` only woke tasks already marked `JOINING`, which happens after a poll.)
#[test]
fn join_target_stopped_in_the_joiners_own_poll() {
    let c = no_hang();
    let s = sched::<2, 512>();
    let log = Log::new();
    let target = s.spawn(core::future::pending()).unwrap();
    s.spawn(async move {
        futures::future::join(s.join(target), async { s.stop(target).unwrap() }).await;
        log.at(c, "joined");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["0 joined"]);
}

// ----- tasks awaiting several things at once ----------------------------------------------------

/// B3/C1: a task that awaits a poller and a join at once runs when its poller fires. (The event
/// used to be ignored until the join ended: only `WAITING` tasks could win a pass.)
#[test]
fn poller_event_runs_a_task_that_also_joins() {
    let c = no_hang();
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
fn irq_event_runs_a_task_that_also_joins() {
    static LINE: IrqLine = IrqLine::new();
    let c = no_hang();
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

/// D2: a task waiting on a join with a timeout is paused, and the timeout passes meanwhile: it
/// fires on resume with its full lateness. (A `JOINING` task used to lose that deadline.)
#[test]
fn paused_joiner_keeps_its_timeout() {
    let c = no_hang();
    let s = sched::<3, 512>();
    let log = Log::new();
    let long = s
        .spawn(async {
            sleep(ms(1000)).await;
        })
        .unwrap();
    let joiner = s
        .spawn(async move {
            match select(pin!(s.join(long)), pin!(sleep(ms(10)))).await {
                Either::Left(_) => log.at(c, "joined"),
                Either::Right((late, _)) => log.at(c, format!("timed out, late {late:?}")),
            }
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(5)).await;
        s.pause(joiner).unwrap();
        sleep(ms(15)).await;
        s.resume(joiner).unwrap();
        // Do not finish here: a finishing task would wake every joiner and hide the bug.
        sleep(ms(2000)).await;
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["20000 timed out, late 10ms"]);
}

/// A task awaits a poller, a sleep, a usched `Signal` and `fourth()` at once, for four rounds,
/// woken by each in turn (poller at 2 ms, sleep at 12 ms, signal at 15 ms, `fire_fourth` at
/// 16 ms). Each wake must end every other registration: afterwards the callback is never called.
fn four_way_wait(
    mut fourth: impl FnMut() -> Pin<Box<dyn Future<Output = String>>> + 'static,
    fire_fourth: impl FnOnce() + 'static,
) -> Vec<String> {
    let c = no_hang();
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

/// The four-way wait with an embassy `Signal` as the fourth. It used to livelock at time 0 (see
/// `sampled_task_waiting_on_an_embassy_signal`).
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

/// A task awaits a poller and an embassy-sync `Signal` at once. Such primitives wake the waker they
/// replace unless the new one `will_wake` it; the waker lent to a poll now equals its clones, so
/// no wake happens for nothing. (It used to: the lent waker named the core, its clones the task,
/// and this task spun at time 0 for ever, off and on the sampled list.)
#[test]
fn sampled_task_waiting_on_an_embassy_signal() {
    let c = no_hang();
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

/// The four-way wait with a futures channel as the fourth (its `AtomicWaker` replaces a waker
/// without waking the old one).
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

// ----- pause ------------------------------------------------------------------------------------

/// C1/B2: two tasks share a deadline; the older one is paused. The other still fires on time.
/// (A paused entry at the top of the heap used to end the pass, so the scheduler idled a step
/// although the other deadline was due, and reported 100 µs of lateness.)
#[test]
fn paused_expired_deadline_does_not_delay_another_due_deadline() {
    let c = no_hang();
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

/// D2: a wake that arrives while the task is paused is kept, and the task runs once, right after
/// resume (not while paused).
#[test]
fn a_wake_while_paused_runs_the_task_once_after_resume() {
    let c = no_hang();
    let s = sched::<2, 512>();
    let log = Log::new();
    let esig: &'static ESignal<NoopRawMutex, ()> = Box::leak(Box::new(ESignal::new()));
    let waiter = s
        .spawn(async move {
            esig.wait().await;
            log.at(c, "woken");
        })
        .unwrap();
    s.spawn(async move {
        yield_now().await;
        s.pause(waiter).unwrap();
        esig.signal(());
        sleep(ms(5)).await;
        log.at(c, format!("{:?}", s.status(waiter)));
        s.resume(waiter).unwrap();
        yield_now().await;
        log.at(c, "controller after resume");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["5000 Paused", "5000 woken", "5000 controller after resume"]);
}

/// D2/D5: a poller callback pauses and then stops its own task. The paused count stays right, so
/// the run does not end early as `AllPaused` while another task still sleeps (it used to).
#[test]
fn poller_callback_pausing_then_stopping_its_own_task() {
    let c = no_hang();
    let s = sched::<2, 512>();
    let log = Log::new();
    let me: &'static Cell<Option<TaskId>> = cell(None);
    let id = s
        .spawn(async move {
            let _g = Noisy("self-stopper", log);
            let mut p = Poller::new(move || {
                let id = me.get().unwrap();
                s.pause(id).unwrap();
                s.stop(id).unwrap();
                None
            });
            p.wait().await;
        })
        .unwrap();
    me.set(Some(id));
    s.spawn(async move {
        sleep(ms(10)).await;
        log.at(c, "sleeper done");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["drop self-stopper", "10000 sleeper done"]);
}

// ----- stop, re-entrancy ------------------------------------------------------------------------

/// D3: a poller callback stops another sampled task, a queued task and a sleeping one. The pass
/// survives the change of the sampled list, each is dropped before `stop` returns, and nothing of
/// theirs is left behind (the run ends at once, no poller keeps it passing).
#[test]
fn poller_callback_stops_other_tasks_in_every_registration() {
    static LINE: IrqLine = IrqLine::new();
    let c = no_hang();
    let s = sched::<5, 512>();
    let log = Log::new();
    let ids: &'static Cell<[Option<TaskId>; 3]> = cell([None; 3]);
    let sampled = s
        .spawn(async move {
            let _g = Noisy("sampled", log);
            Poller::new(|| None).wait().await;
        })
        .unwrap();
    let irq = s
        .spawn(async move {
            let _g = Noisy("irq", log);
            LINE.wait_timeout(ms(100)).await;
        })
        .unwrap();
    let queued = s
        .spawn(async move {
            let _g = Noisy("queued", log);
            loop {
                yield_now().await;
            }
        })
        .unwrap();
    ids.set([Some(sampled), Some(irq), Some(queued)]);
    s.spawn(async move {
        let mut p = Poller::new(move || {
            for id in ids.get().into_iter().flatten() {
                s.stop(id).unwrap();
            }
            log.at(c, "stopped all three");
            Some(1)
        });
        let r = p.wait().await;
        log.at(c, format!("killer {r:?}"));
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        ["drop sampled", "drop irq", "drop queued", "0 stopped all three", "0 killer Event(1)"]
    );
    assert_eq!(s.free_slots(), 5);
    assert_eq!(c.now(), Instant::ZERO);
}

/// D3: a destructor that stops another task (queued in the middle of the FIFO) and spawns a new
/// one; the FIFO keeps the others' order and the new task runs at the back.
#[test]
fn destructor_stops_a_queued_task_and_spawns() {
    struct Chain(&'static Sched<5, 512>, &'static Cell<Option<TaskId>>, &'static Log);
    impl Drop for Chain {
        fn drop(&mut self) {
            self.2.push("drop chain");
            self.0.stop(self.1.get().unwrap()).unwrap();
            let log = self.2;
            self.0.spawn(async move { log.push("spawned by a destructor") }).unwrap();
        }
    }
    let c = no_hang();
    let s = sched::<5, 512>();
    let log = Log::new();
    let victim = cell(None);
    let chain = s
        .spawn(async move {
            let _g = Chain(s, victim, log);
            core::future::pending::<()>().await;
        })
        .unwrap();
    for name in ["a", "b", "c"] {
        let id = s
            .spawn(async move {
                let _g = Noisy(name, log);
                for i in 0..2 {
                    log.push(format!("{name}{i}"));
                    yield_now().await;
                }
            })
            .unwrap();
        if name == "b" {
            victim.set(Some(id));
        }
    }
    s.spawn(async move {
        yield_now().await;
        s.stop(chain).unwrap();
        log.push("stopped chain");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        [
            "a0",
            "b0",
            "c0",
            "a1",
            "b1",
            "c1",
            "drop chain",
            "drop b", // stopped in the middle of the FIFO [a, b, c]
            "stopped chain",
            "drop a",
            "drop c",
            "spawned by a destructor", // at the back
        ]
    );
}

/// D5: a destructor that runs during the final drop of `run` cannot spawn (`Stopping`), so no
/// task survives the run (one used to).
#[test]
fn spawn_from_a_destructor_during_shutdown_leaves_nothing_alive() {
    struct SpawnOnDrop(&'static Sched<2, 256>, &'static Log);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let log = self.1;
            let _ = self.0.spawn(async move { log.push("orphan ran") });
        }
    }
    let c = no_hang();
    let s = sched::<2, 256>();
    let log = Log::new();
    s.spawn(async move {
        let _g = SpawnOnDrop(s, log);
        core::future::pending::<()>().await;
    })
    .unwrap();
    s.spawn(async move { s.stop_all() }).unwrap();
    assert_eq!(s.run(c), RunEnd::Stopped);
    assert_eq!(s.free_slots(), 2, "no task may survive the run");
    assert!(log.take().is_empty());
}

/// D5: `stop_all` from a poller callback ends the pass: no task runs after it (one used to).
#[test]
fn stop_all_from_a_poller_callback_runs_nothing_more() {
    let c = no_hang();
    let s = sched::<1, 512>();
    let log = Log::new();
    s.spawn(async move {
        let _g = Noisy("poller", log);
        let mut p = Poller::new(move || {
            s.stop_all();
            Some(1)
        });
        p.wait().await;
        log.push("ran after stop_all");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Stopped);
    assert_eq!(log.take(), ["drop poller"]);
}

/// A join mark left by a poll that ends in a yield does not make the next task a joiner (it used
/// to, and that task was polled whenever any task finished).
#[test]
fn joining_flag_does_not_leak_into_the_next_task() {
    let c = no_hang();
    let s = sched::<4, 512>();
    let log = Log::new();
    let polls = cell(0u32);
    let target = s
        .spawn(async {
            sleep(ms(10)).await;
        })
        .unwrap();
    s.spawn(async move {
        let _ = select(pin!(s.join(target)), pin!(yield_now())).await;
        log.at(c, "joiner yielded and ended");
    })
    .unwrap();
    let quiet = s.spawn(CountPolls(polls)).unwrap();
    s.spawn(async move {
        sleep(ms(20)).await;
        log.at(c, format!("quiet polled {} times", polls.get()));
        s.stop(quiet).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["0 joiner yielded and ended", "20000 quiet polled 1 times"]);
}

// ----- run again, ids ---------------------------------------------------------------------------

/// D5: `run` can be called again after a stop; wakes left pending for dropped tasks do not reach
/// the slots' new occupants, and old ids stay finished.
#[test]
fn run_again_after_stop_with_stale_wakes() {
    let c = no_hang();
    let s = sched::<2, 512>();
    let log = Log::new();
    let esig: &'static ESignal<NoopRawMutex, ()> = Box::leak(Box::new(ESignal::new()));
    let old = s.spawn(esig.wait()).unwrap();
    s.spawn(async move {
        yield_now().await;
        esig.signal(()); // wakes `old` (pending) ...
        s.stop_all(); // ... but the run ends first
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Stopped);
    assert_eq!(s.status(old), Status::Finished);
    assert_eq!(s.free_slots(), 2);
    let polls = cell(0u32);
    let new = s.spawn(CountPolls(polls)).unwrap();
    assert_eq!(new.index(), old.index());
    s.spawn(async move {
        sleep(ms(1)).await;
        log.at(c, format!("new polled {} times", polls.get()));
        s.stop(new).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["1000 new polled 1 times"]);
    assert_eq!(s.stop(old), Err(usched::TaskError::Finished));
}

/// C1: the full order in one pass, with every class holding two tasks: larger interrupt counts,
/// then larger poller values, then the most overdue deadlines, then FIFO; ties to the older task.
#[test]
fn c1_order_with_two_tasks_per_class_and_ties() {
    static L1: IrqLine = IrqLine::new();
    static L2: IrqLine = IrqLine::new();
    let c = no_hang();
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
        c.sim.advance(ms(9));
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

/// B2/E2: lateness is exact when a hog delays a sleep; the late value matches the stats.
#[test]
fn lateness_after_a_hog_matches_the_stats() {
    let c = no_hang();
    let s = sched::<2, 512>();
    let log = Log::new();
    let sleeper = s
        .spawn(async move {
            let late = sleep(ms(5)).await;
            log.at(c, format!("late {late:?}"));
            core::future::pending::<()>().await;
        })
        .unwrap();
    s.spawn(async move {
        c.sim.advance(ms(12)); // holds the CPU from 0 to 12 ms
        yield_now().await;
        let st = s.task_stats(sleeper).unwrap();
        log.push(format!("stats {:?} {:?}", st.last_late, st.worst_late));
        s.stop(sleeper).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["12000 late 7ms", "stats 7ms 7ms"]);
    let _ = Duration::ZERO;
}
