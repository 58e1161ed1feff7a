//! A. Tasks: slots, spawning, ids, reuse.
mod common;
use common::*;
use usched::{yield_now, RunEnd, SpawnError, Status, TaskError};

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
