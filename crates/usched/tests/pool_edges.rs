//! What `spawn` and `free_slots` answer from every awkward place (destructors in the final drops,
//! a `make` that spawns or panics, panics in polls and drops, nested schedulers), with exact
//! counts: the pool's bookkeeping (the set-up/shutdown phase, `free_slots` counted from the live
//! tasks) must hold wherever user code can run.

mod common;

use common::{cell, clock, ms, run_caught, sched, Log};
use usched::{sleep, yield_now, RunEnd, Sched, SpawnError, Status};

/// Runs its closure when dropped.
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// `fut`, with `guard` dropped when the task's future is (not while a panic unwinds out of a poll).
struct Guarded<G, F> {
    _guard: G,
    fut: core::pin::Pin<Box<F>>,
}

fn guarded<G, F: core::future::Future<Output = ()>>(guard: G, fut: F) -> Guarded<G, F> {
    Guarded { _guard: guard, fut: Box::pin(fut) }
}

impl<G, F: core::future::Future<Output = ()>> core::future::Future for Guarded<G, F> {
    type Output = ();
    fn poll(self: core::pin::Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> core::task::Poll<()> {
        self.get_mut().fut.as_mut().poll(cx)
    }
}

impl<G, F> Unpin for Guarded<G, F> {}

fn spawn_answer<const N: usize, const S: usize>(s: &'static Sched<N, S>) -> &'static str {
    match s.spawn(async {}) {
        Ok(_) => "ok",
        Err(SpawnError::Stopping) => "stopping",
        Err(SpawnError::Full) => "full",
    }
}

/// The final drops: every destructor sees its own slot still taken, and spawn refused.
#[test]
fn free_slots_and_spawn_from_destructors_in_the_final_drops() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    for name in ["a", "b", "c"] {
        s.spawn(async move {
            let _g = OnDrop(move || log.push(format!("{name} free {} {}", s.free_slots(), spawn_answer(s))));
            core::future::pending::<()>().await;
        })
        .unwrap();
    }
    s.spawn(async move {
        yield_now().await;
        s.stop_all();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Stopped);
    assert_eq!(log.take(), ["a free 1 stopping", "b free 2 stopping", "c free 3 stopping"]);
    assert_eq!(s.free_slots(), 4);
    assert_eq!(spawn_answer(s), "ok");
    assert_eq!(s.free_slots(), 3);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.free_slots(), 4);
}

/// A destructor in the final drops that calls `run` (refused: it is running) must leave the
/// shutdown in force: a spawn after it is still refused, and the next run is plain.
#[test]
fn already_running_from_the_final_drops_keeps_the_shutdown() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    s.spawn(async move {
        let _g = OnDrop(move || {
            log.push(format!("{:?}", s.run(c)));
            log.push(spawn_answer(s));
        });
        core::future::pending::<()>().await;
    })
    .unwrap();
    s.spawn(async move {
        let _g = OnDrop(move || log.push(format!("b {}", spawn_answer(s))));
        core::future::pending::<()>().await;
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Stalled);
    assert_eq!(log.take(), ["AlreadyRunning", "stopping", "b stopping"]);
    assert_eq!(s.free_slots(), 4);
    let ran = cell(0);
    s.spawn(async move { ran.set(ran.get() + 1) }).unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(ran.get(), 1);
}

/// `stop` outside `run`: the destructor sees its slot taken, may spawn (not shutting down), and may
/// even run the scheduler, which runs the new task and leaves the slot being dropped alone.
#[test]
fn a_destructor_of_a_stop_outside_run_spawns_and_runs() {
    let s: &'static Sched<3, 256> = sched();
    let c = clock();
    let log = Log::new();
    let ran = cell(false);
    let a = s
        .spawn(guarded(
            OnDrop(move || {
                log.push(format!("free {}", s.free_slots()));
                let id = s.spawn(async move { ran.set(true) }).unwrap();
                log.push(format!("spawned at {} free {}", id.index(), s.free_slots()));
                log.push(format!("{:?}", s.run(c)));
                log.push(format!("free {}", s.free_slots()));
            }),
            core::future::pending::<()>(),
        ))
        .unwrap();
    s.spawn(core::future::pending()).unwrap();
    assert_eq!(s.free_slots(), 1);
    s.stop(a).unwrap();
    // The nested run drops the pending task (Stalled: nothing can wake it) but not `a`, whose
    // drop is under way.
    assert_eq!(log.take(), ["free 1", "spawned at 2 free 0", "Stalled", "free 2"]);
    assert!(ran.get());
    assert_eq!(s.status(a), Status::Finished);
    assert_eq!(s.free_slots(), 3);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.free_slots(), 3);
}

/// A poll that panics: its slot stays taken until the next run drops it; spawn works meanwhile;
/// its destructor (run by the next run) may spawn.
#[test]
fn free_slots_after_a_panic_in_a_poll_and_in_its_destructor() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    s.spawn(guarded(
        OnDrop(move || {
            log.push(format!("drop p free {} {}", s.free_slots(), spawn_answer(s)));
        }),
        async {
            yield_now().await;
            panic!("p panics");
        },
    ))
    .unwrap();
    s.spawn(async move {
        sleep(ms(5)).await;
        log.push("late ran");
    })
    .unwrap();
    assert_eq!(run_caught(s, c), Err("p panics".to_string()));
    assert_eq!(s.free_slots(), 2, "the panicked task keeps its slot until the next run");
    assert_eq!(spawn_answer(s), "ok");
    assert_eq!(s.free_slots(), 1);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["drop p free 1 ok", "late ran"]);
    assert_eq!(s.free_slots(), 4);
}

/// Spawns one task per `(name, bad)` that waits for ever; dropping it logs what `free_slots` and
/// `spawn` answer from its destructor, which then panics if `bad`.
fn spawn_droppers(s: &'static Sched<4, 256>, log: &'static Log, tasks: &[(&'static str, bool)]) {
    for &(name, bad) in tasks {
        s.spawn(async move {
            let _g = OnDrop(move || {
                log.push(format!("drop {name} free {} {}", s.free_slots(), spawn_answer(s)));
                if bad {
                    panic!("{name} panics");
                }
            });
            core::future::pending::<()>().await;
        })
        .unwrap();
    }
}

/// A panic in the final drops, then spawns and a second run: the second run finishes the drops,
/// refusing spawns from their destructors, and the third run is plain.
#[test]
fn a_panic_in_the_final_drops_then_spawns_and_more_runs() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    spawn_droppers(s, log, &[("a", false), ("b", true), ("c", false)]);
    assert_eq!(run_caught(s, c), Err("b panics".to_string()));
    assert_eq!(log.take(), ["drop a free 1 stopping", "drop b free 2 stopping"]);
    assert_eq!(s.free_slots(), 3);
    assert_eq!(spawn_answer(s), "ok");
    assert_eq!(s.free_slots(), 2);
    assert_eq!(s.run(c), RunEnd::Stalled, "ends as the interrupted run did");
    assert_eq!(log.take(), ["drop c free 2 stopping"]);
    assert_eq!(s.free_slots(), 4);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(spawn_answer(s), "ok");
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.free_slots(), 4);
}

/// A panic in the drops of the resumed shutdown too: a third run finishes them.
#[test]
fn panics_in_two_final_drops_in_a_row() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    spawn_droppers(s, log, &[("a", true), ("b", true), ("c", false)]);
    assert_eq!(run_caught(s, c), Err("a panics".to_string()));
    assert_eq!(run_caught(s, c), Err("b panics".to_string()));
    assert_eq!(run_caught(s, c), Ok(RunEnd::Stalled));
    assert_eq!(log.take(), ["drop a free 1 stopping", "drop b free 2 stopping", "drop c free 3 stopping"]);
    assert_eq!(s.free_slots(), 4);
    assert_eq!(spawn_answer(s), "ok");
    assert_eq!(run_caught(s, c), Ok(RunEnd::Finished));
}

/// `make` looks at the pool, spawns (whose own `make` looks too), catches a panicking nested
/// `spawn_with`, and runs the scheduler: every count exact.
#[test]
fn make_that_spawns_looks_and_catches_a_nested_panic() {
    let s: &'static Sched<5, 256> = sched();
    let c = clock();
    let log = Log::new();
    s.spawn_with(|_| {
        log.push(format!("outer {}", s.free_slots()));
        s.spawn_with(|_| {
            log.push(format!("inner {}", s.free_slots()));
            async {}
        })
        .unwrap();
        log.push(format!("after inner {}", s.free_slots()));
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = s.spawn_with(|_| -> core::future::Ready<()> {
                log.push(format!("bad {}", s.free_slots()));
                panic!("bad make");
            });
        }));
        assert!(r.is_err());
        log.push(format!("after bad {}", s.free_slots()));
        log.push(format!("{:?}", s.run(c)));
        log.push(format!("after run {}", s.free_slots()));
        async {}
    })
    .unwrap();
    assert_eq!(
        log.take(),
        ["outer 4", "inner 3", "after inner 3", "bad 2", "after bad 3", "Finished", "after run 4"]
    );
    assert_eq!(s.free_slots(), 4);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.free_slots(), 5);
}

/// `make` runs the scheduler, whose task panics; `make` catches it and returns: the panicked
/// task's slot, the made slot and the counts.
#[test]
fn make_catches_a_panic_out_of_a_nested_run() {
    let s: &'static Sched<3, 256> = sched();
    let c = clock();
    let log = Log::new();
    s.spawn(guarded(OnDrop(move || log.push(format!("drop p {}", s.free_slots()))), async { panic!("p") }))
        .unwrap();
    let id = s
        .spawn_with(|_| {
            let r = run_caught(s, c);
            log.push(format!("{r:?} {}", s.free_slots()));
            async move { log.push("made ran") }
        })
        .unwrap();
    assert_eq!(s.free_slots(), 1);
    assert_eq!(s.status(id), Status::Running);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["Err(\"p\") 1", "drop p 1", "made ran"]);
    assert_eq!(s.free_slots(), 3);
}

/// Nested schedulers: the inner one's final drops spawn on the outer (which accepts) and on itself
/// (refused); the outer's final drops run the inner, whose task spawns on the outer (refused).
#[test]
fn nested_schedulers_keep_their_own_phase() {
    let outer: &'static Sched<4, 512> = sched();
    let inner: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    inner
        .spawn(async move {
            let _g = OnDrop(move || {
                log.push(format!("inner drop: outer {} inner {}", spawn_answer(outer), spawn_answer(inner)));
            });
            core::future::pending::<()>().await;
        })
        .unwrap();
    outer
        .spawn(async move {
            log.push(format!("nested {:?}", inner.run(c)));
            let _g = OnDrop(move || {
                inner
                    .spawn(async move { log.push(format!("inner task: outer {}", spawn_answer(outer))) })
                    .unwrap();
                log.push(format!("outer drop: {:?}", inner.run(c)));
            });
            core::future::pending::<()>().await;
        })
        .unwrap();
    assert_eq!(outer.run(c), RunEnd::Stalled);
    assert_eq!(
        log.take(),
        [
            "inner drop: outer ok inner stopping",
            "nested Stalled",
            "inner task: outer stopping",
            "outer drop: Finished"
        ]
    );
    assert_eq!(outer.free_slots(), 4);
    assert_eq!(inner.free_slots(), 4);
}

/// A task that stops itself: for the rest of its poll, and in its destructor, its slot is taken.
#[test]
fn free_slots_while_a_task_that_stopped_itself_ends() {
    let s: &'static Sched<3, 256> = sched();
    let c = clock();
    let log = Log::new();
    s.spawn_with(move |me| {
        guarded(
            OnDrop(move || log.push(format!("drop {} {}", s.free_slots(), spawn_answer(s)))),
            async move {
                s.stop(me).unwrap();
                log.push(format!("stopped {} {:?}", s.free_slots(), s.status(me)));
                yield_now().await;
                log.push("never");
            },
        )
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["stopped 2 Finished", "drop 2 ok"]);
    assert_eq!(s.free_slots(), 3);
}

/// A panic out of a poller callback (a sample poll) and out of the idle hook: spawn accepted
/// afterwards, counts exact, the next run plain.
#[cfg(feature = "sampling")]
#[test]
fn spawn_after_panics_out_of_a_sample_poll_and_the_idle_hook() {
    use usched::Poller;
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    let calls = cell(0u32);
    s.spawn(guarded(
        OnDrop(move || log.push(format!("drop p {} {}", s.free_slots(), spawn_answer(s)))),
        async move {
            let mut p = Poller::new(move || {
                calls.set(calls.get() + 1);
                if calls.get() == 2 {
                    panic!("callback");
                }
                None
            });
            let _ = p.wait().await;
        },
    ))
    .unwrap();
    s.spawn(async {
        sleep(ms(100)).await;
    })
    .unwrap();
    assert_eq!(run_caught(s, c), Err("callback".to_string()));
    assert_eq!(s.free_slots(), 2);
    assert_eq!(spawn_answer(s), "ok");
    assert_eq!(s.free_slots(), 1);
    s.set_idle_hook(Some(Box::leak(Box::new(|| panic!("idle")))));
    assert_eq!(run_caught(s, c), Err("idle".to_string()));
    assert_eq!(log.take(), ["drop p 1 ok"]);
    assert_eq!(s.free_slots(), 3, "the sleeper only: the spawned tasks ran before the idle");
    assert_eq!(spawn_answer(s), "ok");
    s.set_idle_hook(None);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.free_slots(), 4);
}

/// `stop_all` from the destructor of a task whose poll panicked in the last run: that destructor
/// runs inside the next `run` (its first act), which must not then clear the stop. (It did.)
#[test]
fn stop_all_from_a_destructor_dropped_at_the_start_of_run() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    s.spawn(guarded(OnDrop(move || s.stop_all()), async { panic!("p") })).unwrap();
    s.spawn(async {
        sleep(ms(100)).await;
    })
    .unwrap();
    assert_eq!(run_caught(s, c), Err("p".to_string()));
    assert_eq!(s.run(c), RunEnd::Stopped);
    assert_eq!(c.now().as_micros(), 0);
}
