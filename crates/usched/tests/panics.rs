//! A panic inside a task, caught around `run` (host, `panic = "unwind"`): the scheduler stays
//! sound and usable. The task whose poll panicked ends; a destructor that panics still frees its
//! slot; the next `run` drops what is left and carries on (see the `usched` crate docs, "Panics").

mod common;

use common::{cell, clock, ms, run_caught, sched, Log};
use usched::{sleep, yield_now, Poller, RunEnd, Sched, SpawnError, Status};

/// Logs its drop; panics in it if told to.
struct Guard {
    log: &'static Log,
    name: &'static str,
    panic_on_drop: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.log.push(format!("drop {}", self.name));
        if self.panic_on_drop {
            panic!("{} panics in its destructor", self.name);
        }
    }
}

fn guard(log: &'static Log, name: &'static str) -> Guard {
    Guard { log, name, panic_on_drop: false }
}

fn bad_guard(log: &'static Log, name: &'static str) -> Guard {
    Guard { log, name, panic_on_drop: true }
}

#[test]
fn a_task_whose_poll_panics_ends_and_the_next_run_carries_on() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    let steady = s
        .spawn(async move {
            let _g = guard(log, "steady");
            for i in 0..4 {
                log.at(c, format!("steady {i}"));
                sleep(ms(10)).await;
            }
        })
        .unwrap();
    let bad = s
        .spawn(async move {
            let _g = guard(log, "bad");
            sleep(ms(15)).await;
            log.at(c, "bad panics");
            panic!("bad task");
        })
        .unwrap();
    s.spawn(async move {
        s.join(bad).await;
        log.at(c, "joiner sees bad end");
    })
    .unwrap();

    assert_eq!(run_caught(s, c), Err("bad task".to_string()));
    // The panic left `run` at 15 ms; the async block dropped its live locals while unwinding.
    assert_eq!(log.take(), ["0 steady 0", "10000 steady 1", "15000 bad panics", "drop bad"]);
    assert_eq!(s.status(bad), Status::Finished);
    assert_eq!(s.status(steady), Status::Running);
    assert_eq!(s.current(), None);
    assert_eq!(s.free_slots(), 1, "the panicked task's slot is freed by the next run");
    assert_eq!(s.spawn(async {}).map(|_| ()), Ok(()), "spawn works between runs");

    // The next run frees the slot first, wakes the joiner, and goes on where the clock stands.
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["15000 joiner sees bad end", "20000 steady 2", "30000 steady 3", "drop steady"]);
    assert_eq!(s.free_slots(), 4);
}

#[test]
fn a_poller_callback_that_panics_ends_its_task_only() {
    let s: &'static Sched<3, 256> = sched();
    let c = clock();
    let log = Log::new();
    let sampled = s
        .spawn(async move {
            let mut p =
                Poller::new(move || if c.now().as_micros() >= 20_000 { panic!("callback") } else { None });
            p.wait().await;
            log.at(c, "never");
        })
        .unwrap();
    let ticker = s
        .spawn(async move {
            for _ in 0..5 {
                log.at(c, "tick");
                sleep(ms(10)).await;
            }
        })
        .unwrap();
    s.set_poll_interval(ms(10));
    assert_eq!(run_caught(s, c), Err("callback".to_string()));
    assert_eq!(s.status(sampled), Status::Finished);
    assert_eq!(s.status(ticker), Status::Running);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["0 tick", "10000 tick", "20000 tick", "30000 tick", "40000 tick"]);
    assert_eq!(s.free_slots(), 3);
}

#[test]
fn a_destructor_that_panics_in_stop_still_frees_the_task() {
    // Stopped from another task: the panic unwinds through the stopping task's poll too.
    let s: &'static Sched<3, 256> = sched();
    let c = clock();
    let log = Log::new();
    let victim = s
        .spawn(async move {
            let _g = bad_guard(log, "victim");
            core::future::pending::<()>().await;
        })
        .unwrap();
    let stopper = s
        .spawn(async move {
            let _g = guard(log, "stopper");
            yield_now().await;
            let _ = s.stop(victim);
            log.push("not reached");
        })
        .unwrap();
    assert_eq!(run_caught(s, c), Err("victim panics in its destructor".to_string()));
    assert_eq!(log.take(), ["drop victim", "drop stopper"]);
    assert_eq!(s.status(victim), Status::Finished);
    assert_eq!(s.status(stopper), Status::Finished);
    assert_eq!(s.free_slots(), 2, "the victim's slot is free at once, the stopper's at the next run");
    assert_eq!(s.run(c), RunEnd::Finished, "not counted as alive: the run ends");
    assert_eq!(s.free_slots(), 3);
}

#[test]
fn a_destructor_that_panics_in_stop_outside_run_still_frees_the_task() {
    let s: &'static Sched<2, 256> = sched();
    let c = clock();
    let log = Log::new();
    let g = bad_guard(log, "t"); // moved in: dropped with the future, even before its first poll
    let id = s
        .spawn(async move {
            let _g = g;
            core::future::pending::<()>().await;
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(5)).await;
    })
    .unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.stop(id)));
    assert!(r.is_err());
    assert_eq!(log.take(), ["drop t"]);
    assert_eq!(s.status(id), Status::Finished);
    assert_eq!(s.free_slots(), 1);
    assert_eq!(s.run(c), RunEnd::Finished, "not counted as alive: the run ends");
    assert_eq!(c.now().as_micros(), 5_000);
}

#[test]
fn a_destructor_that_panics_in_the_final_drops_leaves_the_next_run_to_finish_them() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    for (name, bad) in [("a", false), ("b", true), ("c", false)] {
        s.spawn(async move {
            let _g = if bad { bad_guard(log, name) } else { guard(log, name) };
            core::future::pending::<()>().await;
        })
        .unwrap();
    }
    s.spawn(async move {
        yield_now().await;
        s.stop_all();
    })
    .unwrap();
    assert_eq!(run_caught(s, c), Err("b panics in its destructor".to_string()));
    assert_eq!(log.take(), ["drop a", "drop b"]);
    assert_eq!(s.free_slots(), 3, "a, b and the stopper are gone; c is still to drop");
    assert_ne!(s.spawn(async {}).map(|_| ()), Err(SpawnError::Stopping), "spawn works again");
    // The next run finishes the interrupted drops (c, then the task spawned meanwhile) and ends
    // as the interrupted run had.
    assert_eq!(s.run(c), RunEnd::Stopped);
    assert_eq!(log.take(), ["drop c"]);
    assert_eq!(s.free_slots(), 4);
    // And the scheduler is as new.
    let ran = cell(false);
    s.spawn(async move { ran.set(true) }).unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert!(ran.get());
}

#[test]
fn a_spawn_whose_future_maker_panics_takes_no_slot() {
    let s: &'static Sched<2, 64> = sched();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = s.spawn_with(|_| -> core::future::Ready<()> { panic!("maker") });
    }));
    assert!(r.is_err());
    assert_eq!(s.free_slots(), 2);
    s.spawn(async {}).unwrap();
    s.spawn(async {}).unwrap();
    assert_eq!(s.run(clock()), RunEnd::Finished);
}

#[test]
fn a_panic_in_the_idle_hook_leaves_run_usable() {
    let s: &'static Sched<2, 64> = sched();
    let c = clock();
    let armed = cell(true);
    s.set_idle_hook(Some(Box::leak(Box::new(move || {
        if armed.replace(false) {
            panic!("hook");
        }
    }))));
    s.spawn(async {
        sleep(ms(3)).await;
    })
    .unwrap();
    assert_eq!(run_caught(s, c), Err("hook".to_string()));
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(c.now().as_micros(), 3_000);
}

/// A task polled in its round-robin turn stays on the run queue's ring until its poll ends; a
/// panic in that poll takes it off, and the others keep their order.
#[test]
fn a_panic_in_a_round_robin_turn_leaves_the_others_in_order() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    for name in ["a", "b", "c"] {
        s.spawn(async move {
            for i in 0..3 {
                log.push(format!("{name}{i}"));
                if name == "b" && i == 1 {
                    panic!("b panics");
                }
                yield_now().await;
            }
        })
        .unwrap();
    }
    assert_eq!(run_caught(s, c), Err("b panics".to_string()));
    assert_eq!(log.take(), ["a0", "b0", "c0", "a1", "b1"]);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["c1", "a2", "c2"]);
    assert_eq!(s.free_slots(), 4);
}

/// A task that stops itself in its round-robin turn and then panics in the same poll is
/// `DROPPING`, not `RUNNING`, when the panic leaves `run`; it was still on the run queue's ring
/// and must leave it then, or the next `run` frees its slot (whose link the free list reuses)
/// while the ring still names it.
#[test]
fn a_task_that_stops_itself_then_panics_in_its_turn_leaves_the_ring() {
    let s: &'static Sched<4, 256> = sched();
    let c = clock();
    let log = Log::new();
    s.spawn(async move {
        for i in 0..3 {
            log.push(format!("a{i}"));
            yield_now().await;
        }
    })
    .unwrap();
    s.spawn_with(move |me| async move {
        log.push("b0");
        yield_now().await;
        log.push("b1");
        s.stop(me).unwrap();
        panic!("b panics after stopping itself");
    })
    .unwrap();
    s.spawn(async move {
        for i in 0..3 {
            log.push(format!("c{i}"));
            yield_now().await;
        }
    })
    .unwrap();
    assert_eq!(run_caught(s, c), Err("b panics after stopping itself".to_string()));
    assert_eq!(log.take(), ["a0", "b0", "c0", "a1", "b1"]);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["c1", "a2", "c2"]);
    assert_eq!(s.free_slots(), 4);
    // The freed slots are usable again, in order.
    for name in ["d", "e"] {
        s.spawn(async move { log.push(name) }).unwrap();
    }
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["d", "e"]);
}

/// The same with the task alone on the ring.
#[test]
fn a_lone_task_that_stops_itself_then_panics_leaves_the_ring() {
    let s: &'static Sched<2, 256> = sched();
    let c = clock();
    let log = Log::new();
    s.spawn_with(move |me| async move {
        s.stop(me).unwrap();
        panic!("alone");
    })
    .unwrap();
    assert_eq!(run_caught(s, c), Err("alone".to_string()));
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.free_slots(), 2);
    s.spawn(async move { log.push("d") }).unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["d"]);
}

/// Random task scripts that yield, sleep, join, spawn, pause, resume and stop (themselves or
/// others) and panic at random points, with `run` caught and called again until it ends: every
/// task is dropped exactly once, every slot comes back, and the scheduler runs a new task after.
/// Debug builds also check the state machine's invariants (the run queue's ring included) after
/// every pass. Cases: `USCHED_PANIC_CASES` (default 300).
#[test]
fn random_scripts_that_panic_leave_every_structure_consistent() {
    use std::cell::{Cell, RefCell};
    use std::future::Future;
    use std::pin::Pin;
    use usched::TaskId;

    const N: usize = 6;
    type S = Sched<N, 256>;
    const FUZZ: &str = "fuzz panic";

    #[derive(Clone, Copy, Debug)]
    enum Step {
        Yield,
        Sleep(u8),
        StopSelf,
        Stop(u8),
        Pause(u8),
        Resume(u8),
        Spawn,
        Join(u8),
        Panic,
        Signal,
        SignalWait(u8),
        StopAll,
        /// Waits for a standard waker (woken by `WakeAll`); waking itself at once if told to.
        WakerWait(bool),
        WakeAll,
        /// Its destructor panics.
        BadDrop,
        /// A poller whose callback makes control calls (and may panic).
        Poll(u8),
    }

    struct Ctx {
        rng: Cell<u64>,
        ids: RefCell<Vec<TaskId>>,
        spawned: Cell<u32>,
        drops: Cell<u32>,
        sig: usched::Signal,
        wakers: RefCell<Vec<std::task::Waker>>,
        bad: RefCell<Vec<TaskId>>,
    }

    impl Ctx {
        fn next(&self) -> u64 {
            let mut x = self.rng.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.rng.set(x);
            x
        }
        fn pick(&self, k: u8) -> Option<TaskId> {
            let ids = self.ids.borrow();
            (!ids.is_empty()).then(|| ids[usize::from(k) % ids.len()])
        }
        fn script(&self) -> Vec<Step> {
            let len = 1 + self.next() % 8;
            (0..len)
                .map(|_| {
                    let k = (self.next() % 256) as u8;
                    match self.next() % 30 {
                        0..=5 => Step::Yield,
                        6..=7 => Step::Sleep(k % 4),
                        8 => Step::StopSelf,
                        9..=10 => Step::Stop(k),
                        11..=12 => Step::Pause(k),
                        13..=14 => Step::Resume(k),
                        15..=16 => Step::Spawn,
                        17 => Step::Join(k),
                        18 => Step::Panic,
                        19 => Step::Signal,
                        20 => Step::SignalWait(k % 4),
                        21 if k.is_multiple_of(4) => Step::StopAll,
                        22..=23 => Step::WakerWait(k.is_multiple_of(2)),
                        24 => Step::WakeAll,
                        25 if k.is_multiple_of(2) => Step::BadDrop,
                        26..=27 => Step::Poll(k),
                        _ => Step::Yield,
                    }
                })
                .collect()
        }
        fn spawn(&'static self, s: &'static S) {
            if self.spawned.get() >= 16 {
                return;
            }
            let script = self.script();
            if let Ok(id) = s.spawn_with(|me| task(s, self, me, script)) {
                self.spawned.set(self.spawned.get() + 1);
                self.ids.borrow_mut().push(id);
            }
        }
    }

    struct Counted(&'static Ctx, TaskId);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.drops.set(self.0.drops.get() + 1);
            if self.0.bad.borrow().contains(&self.1) && !std::thread::panicking() {
                panic!("{}", FUZZ);
            }
        }
    }

    /// Pending until polled again, after leaving its waker with `ctx` (and waking it at once if
    /// `now`).
    fn waker_wait(ctx: &'static Ctx, now: bool) -> impl Future<Output = ()> {
        let mut waited = false;
        std::future::poll_fn(move |cx| {
            if waited {
                return std::task::Poll::Ready(());
            }
            waited = true;
            if now {
                cx.waker().wake_by_ref();
            } else {
                ctx.wakers.borrow_mut().push(cx.waker().clone());
            }
            std::task::Poll::Pending
        })
    }

    fn task(
        s: &'static S,
        ctx: &'static Ctx,
        me: TaskId,
        script: Vec<Step>,
    ) -> Pin<Box<dyn Future<Output = ()>>> {
        // Made outside the async block, so a task dropped before its first poll counts too.
        let counted = Counted(ctx, me);
        Box::pin(async move {
            let _counted = counted;
            for step in script {
                match step {
                    Step::Yield => yield_now().await,
                    Step::Sleep(n) => {
                        sleep(std::time::Duration::from_micros(100 * u64::from(n))).await;
                    }
                    Step::StopSelf => {
                        let _ = s.stop(me);
                    }
                    Step::Stop(k) => {
                        if let Some(id) = ctx.pick(k) {
                            let _ = s.stop(id);
                        }
                    }
                    Step::Pause(k) => {
                        if let Some(id) = ctx.pick(k) {
                            let _ = s.pause(id);
                        }
                    }
                    Step::Resume(k) => {
                        if let Some(id) = ctx.pick(k) {
                            let _ = s.resume(id);
                        }
                    }
                    Step::Spawn => ctx.spawn(s),
                    Step::Join(k) => {
                        if let Some(id) = ctx.pick(k).filter(|&id| id != me) {
                            s.join(id).await;
                        }
                    }
                    Step::Panic => panic!("{}", FUZZ),
                    Step::Signal => ctx.sig.signal(),
                    Step::SignalWait(n) => {
                        let _ = usched::timeout(
                            std::time::Duration::from_micros(100 * u64::from(n)),
                            ctx.sig.wait(),
                        )
                        .await;
                    }
                    Step::StopAll => s.stop_all(),
                    Step::WakerWait(now) => waker_wait(ctx, now).await,
                    Step::WakeAll => {
                        let wakers = std::mem::take(&mut *ctx.wakers.borrow_mut());
                        wakers.into_iter().for_each(std::task::Waker::wake);
                    }
                    Step::BadDrop => ctx.bad.borrow_mut().push(me),
                    Step::Poll(k) => {
                        let mut p = Poller::with_timeout(
                            move || {
                                match ctx.next() % 24 {
                                    0 => drop(ctx.pick(k).map(|id| s.stop(id))),
                                    1 => drop(ctx.pick(k).map(|id| s.pause(id))),
                                    2 => drop(ctx.pick(k).map(|id| s.resume(id))),
                                    3 => ctx.spawn(s),
                                    4 => ctx.sig.signal(),
                                    5 => panic!("{}", FUZZ),
                                    _ => {}
                                }
                                ctx.next().is_multiple_of(4).then_some(1)
                            },
                            std::time::Duration::from_micros(300),
                        );
                        let _ = p.wait().await;
                    }
                }
            }
        })
    }

    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info.payload().downcast_ref::<String>().map(String::as_str);
        if msg != Some(FUZZ) {
            default_hook(info);
        }
    }));
    let cases: u64 = std::env::var("USCHED_PANIC_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let (mut panicked_runs, mut ends) = (0u64, std::collections::BTreeMap::<String, u64>::new());
    for case in 0..cases {
        let s: &'static S = sched();
        let c = clock();
        let ctx: &'static Ctx = Box::leak(Box::new(Ctx {
            rng: Cell::new(0x9E37_79B9_7F4A_7C15 ^ (case + 1).wrapping_mul(0x2545_F491_4F6C_DD1D)),
            ids: RefCell::default(),
            spawned: Cell::new(0),
            drops: Cell::new(0),
            sig: usched::Signal::new(),
            wakers: RefCell::default(),
            bad: RefCell::default(),
        }));
        for _ in 0..1 + ctx.next() % 4 {
            ctx.spawn(s);
        }
        let mut runs = 0;
        loop {
            match run_caught(s, c) {
                Ok(end) => {
                    *ends.entry(format!("{end:?}")).or_default() += 1;
                    break;
                }
                Err(m) => assert_eq!(m, FUZZ, "case {case}: an unexpected panic"),
            }
            runs += 1;
            panicked_runs += 1;
            assert!(runs < 100, "case {case}: run keeps panicking");
        }
        assert_eq!(s.free_slots(), N, "case {case}: slots lost");
        assert_eq!(ctx.drops.get(), ctx.spawned.get(), "case {case}: drops");
        let ran: &'static Cell<bool> = Box::leak(Box::new(Cell::new(false)));
        s.spawn(async move { ran.set(true) }).unwrap();
        assert_eq!(s.run(c), RunEnd::Finished, "case {case}");
        assert!(ran.get(), "case {case}: a new task did not run");
    }
    eprintln!("{cases} cases: {panicked_runs} runs ended by a panic; ends {ends:?}");
}
