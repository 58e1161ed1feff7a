//! D. Controlling tasks: status (D1), pause and resume (D2), stop (D3), join (D4), and how a run
//! ends (D5): stopped, finished, every task paused, or stalled.
mod common;
use common::*;
use core::future::Future;
use core::pin::{pin, Pin};
use core::task::{Context, Poll};
use std::cell::Cell;

use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::signal::Signal as ESignal;
use futures::future::{select, Either};
use usched::{sleep, yield_now, Instant, IrqLine, Poller, RunEnd, Sched, Signal, Status, TaskError, TaskId};
use usched_sim::SimClock;

/// A future that is never woken and counts its polls.
struct CountPolls(&'static Cell<u32>);

impl Future for CountPolls {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.0.set(self.0.get() + 1);
        Poll::Pending
    }
}

/// D1: status reports running (ready or waiting), paused and finished.
#[test]
fn d1_status() {
    let c = clock();
    let s = sched::<2, 256>();
    let log = Log::new();
    let sleeper = s
        .spawn(async {
            sleep(ms(5)).await;
        })
        .unwrap();
    s.spawn(async move {
        log.push(format!("{:?}", s.status(sleeper)));
        s.pause(sleeper).unwrap();
        log.push(format!("{:?}", s.status(sleeper)));
        s.resume(sleeper).unwrap();
        sleep(ms(10)).await;
        log.push(format!("{:?}", s.status(sleeper)));
        log.push(format!("self {:?}", s.status(s.current().unwrap())));
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["Running", "Paused", "Finished", "self Running"]);
}

/// D2: a paused task is not polled, not scheduled, and its poller is not sampled; interrupt
/// counts keep accumulating; resume puts it back in its wait.
#[test]
fn d2_pause_stops_polling_sampling_and_scheduling() {
    static LINE: IrqLine = IrqLine::new();
    let c = clock();
    let s = sched::<4, 512>();
    let log = Log::new();
    let calls: &'static Cell<u32> = Box::leak(Box::new(Cell::new(0)));
    let rr = s
        .spawn(async move {
            for i in 0..100 {
                log.at(c, format!("rr{i}"));
                sleep(ms(1)).await;
            }
        })
        .unwrap();
    let poller = s
        .spawn(async move {
            let mut p = Poller::new(move || {
                calls.set(calls.get() + 1);
                None
            });
            p.wait().await;
        })
        .unwrap();
    let irq = s
        .spawn(async move {
            let r = LINE.wait().await;
            log.at(c, format!("irq {r:?}"));
        })
        .unwrap();
    s.spawn(async move {
        sleep(us(1500)).await;
        for id in [rr, poller, irq] {
            s.pause(id).unwrap();
        }
        let frozen = calls.get();
        LINE.signal();
        sleep(ms(2)).await;
        LINE.signal();
        log.at(c, format!("while paused: {} poller calls", calls.get() - frozen));
        s.resume(irq).unwrap();
        s.resume(rr).unwrap();
        s.stop(poller).unwrap();
        sleep(us(1100)).await;
        s.stop(rr).unwrap();
    })
    .unwrap();
    s.set_poll_interval(us(500));
    s.run(c);
    assert_eq!(
        log.take(),
        [
            "0 rr0",
            "1000 rr1",
            "3500 while paused: 0 poller calls",
            "3500 irq Irq(2)",
            // rr's deadline (2000) passed while it was paused: it fires right after resume.
            "3500 rr2",
            "4500 rr3",
        ]
    );
}

/// D2: a deadline that expired while paused fires after resume with its full lateness.
#[test]
fn d2_expired_deadline_fires_on_resume_with_full_lateness() {
    let c = clock();
    let s = sched::<2, 256>();
    let log = Log::new();
    let sleeper = s
        .spawn(async move {
            let late = sleep(ms(10)).await;
            log.at(c, format!("woke late {}", late.as_micros()));
        })
        .unwrap();
    s.spawn(async move {
        s.pause(sleeper).unwrap();
        sleep(ms(25)).await;
        s.resume(sleeper).unwrap();
        log.at(c, "resumed");
        yield_now().await;
        log.at(c, "controller again");
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["25000 resumed", "25000 woke late 15000", "25000 controller again"]);
}

/// D2: pausing twice and resuming a running task are harmless; finished ids are errors.
#[test]
fn d2_pause_resume_edge_cases() {
    let c = clock();
    let s = sched::<2, 256>();
    let log = Log::new();
    let t = s
        .spawn(async move {
            for i in 0..3 {
                log.push(format!("t{i}"));
                yield_now().await;
            }
        })
        .unwrap();
    s.resume(t).unwrap(); // running: harmless
    s.pause(t).unwrap();
    s.pause(t).unwrap(); // paused twice: harmless
    s.spawn(async move {
        yield_now().await;
        s.resume(t).unwrap();
        s.resume(t).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["t0", "t1", "t2"]);
    assert_eq!(s.pause(t), Err(TaskError::Finished));
    assert_eq!(s.resume(t), Err(TaskError::Finished));
}

/// D2: a task can pause itself; it stops after its current poll until resumed.
#[test]
fn d2_self_pause() {
    let c = clock();
    let s = sched::<2, 256>();
    let log = Log::new();
    let me = s
        .spawn(async move {
            log.push("before");
            s.pause(s.current().unwrap()).unwrap();
            yield_now().await;
            log.push("after");
        })
        .unwrap();
    s.spawn(async move {
        for _ in 0..3 {
            yield_now().await;
        }
        log.push("resuming");
        s.resume(me).unwrap();
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["before", "resuming", "after"]);
}

/// D2/C4: a paused task's deadline does not set how long the scheduler idles: it sleeps to the
/// next deadline of a task that can run. On resume, a deadline that passed while the task was
/// paused fires at once, with its full lateness.
#[test]
fn d2_a_paused_deadline_does_not_set_the_idle_and_fires_on_resume() {
    let c = counting();
    let s = sched::<2, 256>();
    let log = Log::new();
    let sleeper = s
        .spawn(async move {
            let late = sleep(ms(10)).await;
            log.at(c, format!("sleeper late {late:?}"));
        })
        .unwrap();
    s.spawn(async move {
        yield_now().await; // the sleeper's deadline (10 ms) is armed by now
        s.pause(sleeper).unwrap();
        sleep(ms(25)).await;
        log.at(c, "resuming");
        s.resume(sleeper).unwrap();
        let late = s.task_stats(sleeper).unwrap().last_late;
        log.at(c, format!("resumed, sleeper's last lateness so far {late:?}"));
        yield_now().await;
        log.at(c, format!("controller again, sleeper {:?}", s.status(sleeper)));
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(c.idles(), [Some(25_000)], "the idle ignores the paused 10 ms deadline");
    assert_eq!(
        log.take(),
        [
            "25000 resuming",
            "25000 resumed, sleeper's last lateness so far 0ns",
            "25000 sleeper late 15ms",
            "25000 controller again, sleeper Finished",
        ]
    );
}

/// D2: a task waiting on a join with a timeout is paused, and the timeout passes meanwhile: it
/// fires on resume with its full lateness. (A `JOINING` task used to lose that deadline.)
#[test]
fn d2_paused_joiner_keeps_its_timeout() {
    let c = clock();
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

/// D2: a wake that arrives while the task is paused is kept, and the task runs once, right after
/// resume (not while paused).
#[test]
fn d2_a_wake_while_paused_runs_the_task_once_after_resume() {
    let c = clock();
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
fn d2_poller_callback_pausing_then_stopping_its_own_task() {
    let c = clock();
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

/// D3: stop drops the future (destructors run) before stop returns; a stopped task never resumes.
#[test]
fn d3_stop_runs_destructors_at_once() {
    let c = clock();
    let s = sched::<2, 256>();
    let log = Log::new();
    let victim = s
        .spawn(async move {
            let _guard = Noisy("victim", log);
            loop {
                sleep(ms(1)).await;
                log.at(c, "victim tick");
            }
        })
        .unwrap();
    s.spawn(async move {
        sleep(us(2500)).await;
        log.at(c, "stopping");
        s.stop(victim).unwrap();
        log.at(c, "stopped");
        assert_eq!(s.stop(victim), Err(TaskError::Finished));
        sleep(ms(5)).await;
    })
    .unwrap();
    s.run(c);
    assert_eq!(
        log.take(),
        ["1000 victim tick", "2000 victim tick", "2500 stopping", "drop victim", "2500 stopped"]
    );
}

/// D3: a task that stops itself never runs past its current poll.
#[test]
fn d3_self_stop() {
    let c = clock();
    let s = sched::<1, 256>();
    let log = Log::new();
    s.spawn(async move {
        let _guard = Noisy("self", log);
        log.push("stopping myself");
        s.stop(s.current().unwrap()).unwrap();
        log.push("rest of this poll runs");
        yield_now().await;
        log.push("never");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["stopping myself", "rest of this poll runs", "drop self"]);
}

/// D3: stopping a queued, a sleeping, a polling and a paused task.
#[test]
fn d3_stop_in_every_state() {
    static LINE: IrqLine = IrqLine::new();
    let c = clock();
    let s = sched::<6, 512>();
    let log = Log::new();
    let queued = s
        .spawn(async move {
            let _g = Noisy("queued", log);
            loop {
                yield_now().await
            }
        })
        .unwrap();
    let sleeping = s
        .spawn(async move {
            let _g = Noisy("sleeping", log);
            sleep(ms(9)).await;
        })
        .unwrap();
    let polling = s
        .spawn(async move {
            let _g = Noisy("polling", log);
            Poller::with_timeout(|| None, ms(9)).wait().await;
        })
        .unwrap();
    let irq = s
        .spawn(async move {
            let _g = Noisy("irq", log);
            LINE.wait().await;
        })
        .unwrap();
    let paused = s
        .spawn(async move {
            let _g = Noisy("paused", log);
            sleep(ms(9)).await;
        })
        .unwrap();
    s.spawn(async move {
        yield_now().await;
        s.pause(paused).unwrap();
        for id in [queued, sleeping, polling, irq, paused] {
            s.stop(id).unwrap();
        }
        log.at(c, "all stopped");
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        ["drop queued", "drop sleeping", "drop polling", "drop irq", "drop paused", "0 all stopped"]
    );
    assert_eq!(s.free_slots(), 6);
}

/// D3: a poller callback stops another sampled task, a queued task and a sleeping one. The pass
/// survives the change of the sampled list, each is dropped before `stop` returns, and nothing of
/// theirs is left behind (the run ends at once, no poller keeps it passing).
#[test]
fn d3_poller_callback_stops_other_tasks_in_every_registration() {
    static LINE: IrqLine = IrqLine::new();
    let c = clock();
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
fn d3_destructor_stops_a_queued_task_and_spawns() {
    struct Chain(&'static Sched<5, 512>, &'static Cell<Option<TaskId>>, &'static Log);
    impl Drop for Chain {
        fn drop(&mut self) {
            self.2.push("drop chain");
            self.0.stop(self.1.get().unwrap()).unwrap();
            let log = self.2;
            self.0.spawn(async move { log.push("spawned by a destructor") }).unwrap();
        }
    }
    let c = clock();
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

/// D4: join resumes when the task finishes, or when it is stopped.
#[test]
fn d4_join() {
    let c = clock();
    let s = sched::<4, 512>();
    let log = Log::new();
    let worker = s
        .spawn(async {
            sleep(ms(7)).await;
        })
        .unwrap();
    let forever = s.spawn(core::future::pending()).unwrap();
    s.spawn(async move {
        s.join(worker).await;
        log.at(c, "worker joined");
        s.join(forever).await;
        log.at(c, "forever joined");
        s.join(worker).await; // already finished: at once
        log.at(c, "joined again");
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(20)).await;
        s.stop(forever).unwrap();
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["7000 worker joined", "20000 forever joined", "20000 joined again"]);
}

/// D4: a join whose target is stopped later in the joiner's own poll wakes the joiner. (It used to
/// wait for ever: `finish` only woke tasks already marked `JOINING`, which happens after a poll.)
#[test]
fn d4_join_target_stopped_in_the_joiners_own_poll() {
    let c = clock();
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

/// D4: a join mark left by a poll that ends in a yield does not make the next task a joiner (it
/// used to, and that task was polled whenever any task finished).
#[test]
fn d4_joining_flag_does_not_leak_into_the_next_task() {
    let c = clock();
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

/// D5: stopping the scheduler: `run` returns after the current poll, and every remaining task,
/// paused ones included, is dropped in spawn order.
#[test]
fn d5_stop_all_drops_everything_in_spawn_order() {
    let c = clock();
    let s = sched::<6, 256>();
    let log = Log::new();
    // Fill slots out of order: slot reuse must not change the drop order.
    let early = s.spawn(async {}).unwrap();
    let a = s
        .spawn(async move {
            let _g = Noisy("a", log);
            sleep(ms(100)).await;
        })
        .unwrap();
    s.stop(early).unwrap(); // frees slot 0
    let b = s
        .spawn(async move {
            let _g = Noisy("b", log);
            core::future::pending::<()>().await
        })
        .unwrap();
    assert_eq!(b.index(), 0);
    let p = s
        .spawn(async move {
            let _g = Noisy("paused p", log);
            sleep(ms(1)).await;
        })
        .unwrap();
    s.spawn(async move {
        let _g = Noisy("stopper", log);
        yield_now().await;
        s.pause(p).unwrap();
        s.stop_all();
        log.push("stop_all returned");
        yield_now().await;
        log.push("never");
    })
    .unwrap();
    let _ = a;
    assert_eq!(s.run(c), RunEnd::Stopped);
    assert_eq!(log.take(), ["stop_all returned", "drop a", "drop b", "drop paused p", "drop stopper"]);
    assert_eq!(s.free_slots(), 6);
}

/// D5: `run` returns when every task has finished, and a later `run` works again.
#[test]
fn d5_run_returns_when_all_finish_and_can_run_again() {
    let c = clock();
    let s = sched::<2, 256>();
    let log = Log::new();
    s.spawn(async move { log.push("first run") }).unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    s.spawn(async move { s.stop_all() }).unwrap();
    assert_eq!(s.run(c), RunEnd::Stopped);
    s.spawn(async move { log.push("third run") }).unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["first run", "third run"]);
}

/// D5: when every remaining task is paused nothing can run again: `run` says so and drops them.
#[test]
fn d5_all_paused_ends_the_run() {
    let c = clock();
    let s = sched::<2, 256>();
    let log = Log::new();
    let sleeper = s
        .spawn(async move {
            let _g = Noisy("sleeper", log);
            sleep(ms(5)).await;
        })
        .unwrap();
    s.spawn(async move {
        s.pause(sleeper).unwrap();
        log.push("controller done");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::AllPaused);
    assert_eq!(log.take(), ["controller done", "drop sleeper"]);
}

/// D5: a destructor that runs during the final drop of `run` cannot spawn (`Stopping`), so no
/// task survives the run (one used to).
#[test]
fn d5_spawn_from_a_destructor_during_shutdown_leaves_nothing_alive() {
    struct SpawnOnDrop(&'static Sched<2, 256>, &'static Log);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let log = self.1;
            let _ = self.0.spawn(async move { log.push("orphan ran") });
        }
    }
    let c = clock();
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
fn d5_stop_all_from_a_poller_callback_runs_nothing_more() {
    let c = clock();
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

/// D5: `run` can be called again after a stop; wakes left pending for dropped tasks do not reach
/// the slots' new occupants, and old ids stay finished.
#[test]
fn d5_run_again_after_stop_with_stale_wakes() {
    let c = clock();
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
    assert_eq!(s.stop(old), Err(TaskError::Finished));
}

/// D5/C4: when nothing can ever happen again (tasks awaiting `pending()` and a `Signal` nobody
/// signals, no deadline, no poller, a clock nothing outside can wake) `run` returns `Stalled` on
/// a plain `SimClock::new()` instead of parking for ever, and drops the remaining tasks in spawn
/// order.
#[test]
fn d5_a_run_that_can_never_go_on_ends_stalled() {
    let c: &'static SimClock = Box::leak(Box::new(SimClock::new()));
    let s = sched::<3, 256>();
    let log = Log::new();
    let sig: &'static Signal = Box::leak(Box::new(Signal::new()));
    s.spawn(async move {
        let _g = Noisy("pending", log);
        core::future::pending::<()>().await;
    })
    .unwrap();
    s.spawn(async move {
        let _g = Noisy("signal waiter", log);
        sig.wait().await;
        log.push("signalled?");
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(5)).await;
        log.at(c, "sleeper done");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Stalled);
    assert_eq!(log.take(), ["5000 sleeper done", "drop pending", "drop signal waiter"]);
    assert_eq!(s.free_slots(), 3);
    assert_eq!(c.now(), Instant::from_millis(5));
    // The same on the suites' clock (which forwards `can_wake_from_outside`), with one task.
    let c = clock();
    s.spawn(async move {
        let _g = Noisy("alone", log);
        sig.wait().await;
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Stalled);
    assert_eq!(log.take(), ["drop alone"]);
    assert_eq!(c.idles(), 0);
}

/// Calling `run` from inside a task does nothing.
#[test]
fn nested_run_is_refused() {
    let c = clock();
    let s = sched::<1, 256>();
    let log = Log::new();
    s.spawn(async move { log.push(format!("{:?}", s.run(c))) }).unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["AlreadyRunning"]);
}

/// Spawn order outlives the 16-bit spawn counter: after 40,000 spawns, the task spawned first
/// still wins a deadline tie and is still dropped first.
#[test]
fn spawn_order_survives_many_spawns() {
    let c = clock();
    let s = sched::<4, 256>();
    let log = Log::new();
    let old = s
        .spawn(async move {
            let _g = Noisy("old", log);
            usched::sleep_until(usched::Instant::from_millis(5)).await;
            log.push("old fires");
            core::future::pending::<()>().await
        })
        .unwrap();
    s.spawn(async move {
        for _ in 0..40_000 {
            s.spawn(async {}).unwrap();
            yield_now().await;
        }
        s.spawn(async move {
            let _g = Noisy("young", log);
            usched::sleep_until(usched::Instant::from_millis(5)).await;
            log.push("young fires");
            core::future::pending::<()>().await
        })
        .unwrap();
        sleep(ms(10)).await;
        s.stop_all();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Stopped);
    let _ = old;
    assert_eq!(log.take(), ["old fires", "young fires", "drop old", "drop young"]);
}

/// A task waiting on a poller and a waker at once leaves the sampled list when the waker fires:
/// it runs as a round-robin task, and its callback is no longer called.
#[test]
fn a_woken_poller_task_leaves_the_sampled_list() {
    use embassy_sync::blocking_mutex::raw::NoopRawMutex;
    use embassy_sync::signal::Signal as ESignal;
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let calls: &'static Cell<u32> = Box::leak(Box::new(Cell::new(0)));
    let sig: &'static ESignal<NoopRawMutex, ()> = Box::leak(Box::new(ESignal::new()));
    s.spawn(async move {
        let mut p = Poller::new(move || {
            calls.set(calls.get() + 1);
            None
        });
        let wait = core::pin::pin!(p.wait());
        let signalled = core::pin::pin!(sig.wait());
        let _ = futures::future::select(wait, signalled).await;
        log.push(format!("woken after {} samples", calls.get()));
        for _ in 0..3 {
            yield_now().await;
        }
        log.push(format!("still {} samples", calls.get()));
    })
    .unwrap();
    s.spawn(async move {
        for _ in 0..3 {
            yield_now().await;
        }
        sig.signal(());
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["woken after 4 samples", "still 4 samples"]);
}

/// D: `status`, `pause`, `resume` and `stop` take `&self`: they work through any plain reference
/// to a scheduler, `'static` or not (a compile-level check; `spawn` and `run` need `&'static`).
#[test]
fn d_control_calls_take_a_plain_reference() {
    fn control<const N: usize, const S: usize>(s: &Sched<N, S>, id: TaskId) -> [String; 4] {
        [
            format!("{:?}", s.status(id)),
            format!("{:?}", s.pause(id)),
            format!("{:?}", s.resume(id)),
            format!("{:?}", s.stop(id)),
        ]
    }
    let s = sched::<1, 64>();
    let id = s.spawn(core::future::pending()).unwrap();
    let plain: &Sched<1, 64> = s;
    assert_eq!(control(plain, id), ["Running", "Ok(())", "Ok(())", "Ok(())"]);
    assert_eq!(control(plain, id), ["Finished", "Err(Finished)", "Err(Finished)", "Err(Finished)"]);
    let local: Sched<1, 64> = Sched::new(); // not 'static: it lives on this stack frame
    let other = s.spawn(core::future::pending()).unwrap();
    assert_eq!(control(&local, other), ["Finished", "Err(Finished)", "Err(Finished)", "Err(Finished)"]);
    assert_eq!(s.status(other), Status::Running, "untouched by the other scheduler");
}
