//! D. Controlling tasks: status, pause, resume, stop, join, stopping the scheduler.
mod common;
use common::*;
use std::cell::Cell;
use usched::{sleep, yield_now, IrqLine, Poller, RunEnd, TaskError};

struct Noisy(&'static str, &'static Log);
impl Drop for Noisy {
    fn drop(&mut self) {
        self.1.push(format!("drop {}", self.0));
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
