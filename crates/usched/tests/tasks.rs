//! A. Tasks: slots, spawning, ids (one task for ever, one scheduler only), slot reuse.
mod common;
use common::*;
use usched::{sleep, yield_now, Poller, RunEnd, SpawnError, Status, TaskError, TaskId};

/// A1: a future as large as its slot fits and runs; tasks live in the scheduler itself.
#[test]
fn a1_future_filling_its_slot_runs() {
    let c = clock();
    let s = sched::<1, 64>();
    let log = Log::new();
    let payload = [7u8; 48];
    s.spawn(async move {
        yield_now().await;
        log.push(format!("sum {}", payload.iter().map(|&b| u32::from(b)).sum::<u32>()));
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["sum 336"]);
}

/// A1: futures aligned to 16 bytes (a `u128` held across an await) are accepted.
#[test]
fn a1_sixteen_byte_aligned_futures_fit() {
    let c = clock();
    let s = sched::<1, 128>();
    let log = Log::new();
    s.spawn(async move {
        let wide: u128 = std::time::Duration::from_secs(3).as_micros();
        yield_now().await;
        log.push(format!("{wide}"));
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["3000000"]);
}

/// A2: spawn does not run the task; first polls happen in spawn order, from the back of the
/// round-robin queue, both before `run` and from inside a task.
#[test]
fn a2_spawned_tasks_start_in_spawn_order_at_the_back_of_the_queue() {
    let c = clock();
    let s = sched::<5, 256>();
    let log = Log::new();
    for name in ["a", "b"] {
        s.spawn(async move {
            log.push(format!("{name} starts"));
            if name == "a" {
                s.spawn(async move { log.push("child starts") }).unwrap();
                log.push("a spawned child");
            }
            yield_now().await;
            log.push(format!("{name} again"));
        })
        .unwrap();
    }
    assert!(log.take().is_empty(), "spawn must not run the task");
    s.spawn(async move { log.push("c starts") }).unwrap();
    s.run(c);
    assert_eq!(
        log.take(),
        ["a starts", "a spawned child", "b starts", "c starts", "child starts", "a again", "b again"]
    );
}

/// A3: a full pool is a typed error and changes nothing.
#[test]
fn a3_full_pool_returns_full_and_changes_nothing() {
    let c = clock();
    let s = sched::<2, 128>();
    let log = Log::new();
    s.spawn(async move {
        log.push("one");
        yield_now().await;
    })
    .unwrap();
    s.spawn(async move {
        log.push("two");
        assert_eq!(s.spawn(async {}), Err(SpawnError::Full));
        assert_eq!(s.free_slots(), 0);
        yield_now().await;
        log.push("two again");
    })
    .unwrap();
    assert_eq!(s.spawn(async {}), Err(SpawnError::Full));
    assert_eq!(s.free_slots(), 0);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["one", "two", "two again"]);
    assert_eq!(s.free_slots(), 2);
}

/// A4: an id never reaches a later occupant of its slot; finished ids answer `Finished`.
#[test]
fn a4_stale_ids_never_reach_the_next_occupant() {
    let c = clock();
    let s = sched::<1, 128>();
    let first = s.spawn(async {}).unwrap();
    s.run(c);
    assert_eq!(s.status(first), Status::Finished);
    let second = s.spawn(core::future::pending()).unwrap();
    assert_eq!(first.index(), second.index());
    assert_eq!(s.status(first), Status::Finished);
    assert_eq!(s.pause(first), Err(TaskError::Finished));
    assert_eq!(s.resume(first), Err(TaskError::Finished));
    assert_eq!(s.stop(first), Err(TaskError::Finished));
    assert_eq!(s.task_stats(first), Err(TaskError::Finished));
    // The stale calls did not touch the live task.
    assert_eq!(s.status(second), Status::Running);
    s.stop(second).unwrap();
    assert_eq!(s.status(second), Status::Finished);
}

/// A5: a million tasks through a 4-slot pool: slots are reused at once, nothing leaks.
#[test]
fn a5_a_million_tasks_through_four_slots() {
    let c = clock();
    let s = sched::<4, 128>();
    let done: &'static std::cell::Cell<u32> = Box::leak(Box::new(std::cell::Cell::new(0)));
    s.spawn(async move {
        let mut spawned = 0u32;
        while spawned < 1_000_000 {
            match s.spawn(async move { done.set(done.get() + 1) }) {
                Ok(_) => spawned += 1,
                Err(_) => yield_now().await,
            }
        }
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(done.get(), 1_000_000);
    assert_eq!(s.free_slots(), 4);
    assert_eq!(c.now().as_micros(), 0, "no time passed: nothing slept");
}

/// A4: a `TaskId` of scheduler A names no task of scheduler B, even one in the same slot: B
/// answers `Finished` / `TaskError::Finished` and its own task is untouched.
#[test]
fn a4_an_id_from_another_scheduler_never_reaches_its_tasks() {
    let c = clock();
    let a = sched::<2, 128>();
    let b = sched::<2, 128>();
    let log = Log::new();
    let in_a = a.spawn(core::future::pending()).unwrap();
    let in_b = b
        .spawn(async move {
            log.at(c, "b's task starts");
            yield_now().await;
            log.at(c, "b's task again");
        })
        .unwrap();
    assert_eq!(in_a.index(), in_b.index(), "the same slot in both");
    assert_ne!(in_a, in_b);
    assert_eq!(b.status(in_a), Status::Finished);
    assert_eq!(b.pause(in_a), Err(TaskError::Finished));
    assert_eq!(b.resume(in_a), Err(TaskError::Finished));
    assert_eq!(b.stop(in_a), Err(TaskError::Finished));
    assert_eq!(b.task_stats(in_a), Err(TaskError::Finished));
    // And the other way round.
    assert_eq!(a.status(in_b), Status::Finished);
    assert_eq!(a.pause(in_b), Err(TaskError::Finished));
    assert_eq!(a.stop(in_b), Err(TaskError::Finished));
    // Neither task was touched.
    assert_eq!(b.status(in_b), Status::Running);
    assert_eq!(a.status(in_a), Status::Running);
    assert_eq!(b.free_slots(), 1);
    assert_eq!(b.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["0 b's task starts", "0 b's task again"]);
    assert_eq!(a.status(in_a), Status::Running);
    a.stop(in_a).unwrap();
    assert_eq!(a.free_slots(), 2);
}

/// A4/A5: one slot spawned and stopped a million times: it is never retired (the pool keeps all
/// its slots), every spawn gets a new id, and no old id (a sample of them) ever names the task
/// that holds the slot now.
#[test]
fn a4_a5_a_million_spawns_in_one_slot_never_retire_it_nor_reuse_an_id() {
    const N: usize = 3;
    let s = sched::<N, 64>();
    let mut sample: Vec<TaskId> = Vec::new();
    let mut previous: Option<TaskId> = None;
    for i in 0..1_000_000u32 {
        let id = s.spawn(core::future::pending()).unwrap();
        assert_eq!(id.index(), 0, "spawn {i}: the same slot every time");
        assert_ne!(Some(id), previous, "spawn {i}: a new id");
        if i % 10_007 == 0 {
            for &old in &sample {
                assert_ne!(old, id);
                assert_eq!(s.status(old), Status::Finished, "an old id names the task in its slot");
            }
            sample.push(id);
        }
        s.stop(id).unwrap();
        assert_eq!(s.free_slots(), N, "spawn {i}: the slot came back");
        previous = Some(id);
    }
    let now = s.spawn(core::future::pending()).unwrap();
    assert_eq!(now.index(), 0);
    assert_eq!(sample.len(), 100);
    for &old in &sample {
        assert_ne!(old, now);
        assert_eq!(s.status(old), Status::Finished);
        assert_eq!(s.stop(old), Err(TaskError::Finished));
        assert_eq!(s.pause(old), Err(TaskError::Finished));
        assert_eq!(s.resume(old), Err(TaskError::Finished));
    }
    assert_eq!(s.status(now), Status::Running, "the stale calls did not touch the live task");
    assert_eq!(s.free_slots(), N - 1);
}

/// A2/A4: inside a task, `current()` is the id `spawn_with` handed it (and returned), at every
/// poll: before and after yields, sleeps and poller waits, and after spawning another task.
/// Outside a poll (before `run`, in the idle hook, after `run`) it is `None`.
#[test]
fn a4_current_is_the_id_spawn_with_handed_the_task_and_none_outside_a_poll() {
    let c = clock();
    let s = sched::<4, 512>();
    let log = Log::new();
    assert_eq!(s.current(), None, "before run");
    let hook: &'static dyn Fn() = Box::leak(Box::new(move || log.at(c, format!("idle {:?}", s.current()))));
    s.set_idle_hook(Some(hook));
    let handed: &'static std::cell::RefCell<Vec<(&'static str, TaskId)>> = Box::leak(Box::default());
    let mut returned = Vec::new();
    for name in ["x", "y"] {
        let id = s
            .spawn_with(move |me| {
                handed.borrow_mut().push((name, me));
                async move {
                    let check = |at: &str| {
                        assert_eq!(s.current(), Some(me), "{name} {at}");
                        log.at(c, format!("{name} {at}"));
                    };
                    check("first poll");
                    yield_now().await;
                    check("after yield");
                    sleep(ms(1)).await;
                    check("after sleep");
                    let child = s.spawn(async {}).unwrap();
                    assert_ne!(child, me);
                    check("after spawning");
                    let mut p = Poller::new(move || (c.now().as_micros() >= 1_500).then_some(1));
                    p.wait().await;
                    check("after poller");
                }
            })
            .unwrap();
        returned.push((name, id));
    }
    assert_eq!(s.current(), None, "spawn_with outside run");
    s.set_poll_interval(us(500));
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.current(), None, "after run");
    assert_eq!(*handed.borrow(), returned, "spawn_with returns the id it handed the task");
    assert_eq!(
        log.take(),
        [
            "0 x first poll",
            "0 y first poll",
            "0 x after yield",
            "0 y after yield",
            "0 idle None",
            "1000 x after sleep",
            "1000 x after spawning",
            "1000 y after sleep",
            "1000 y after spawning",
            "1000 idle None",
            "1500 x after poller",
            "1500 y after poller",
        ]
    );
}
