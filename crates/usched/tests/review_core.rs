//! Adversarial review of the zero-byte scheduler, panic recovery and spawn (2026-11-29).

mod common;

use common::{clock, sched};
use usched::{RunEnd, Sched};

/// `run` called from inside `spawn_with`'s `make` (a slot is popped off the free list but not yet
/// live): the debug invariant check must not fail, and the task must still be spawned.
#[test]
fn run_inside_spawn_with_make_keeps_the_invariants() {
    let s: &'static Sched<4, 128> = sched();
    let c = clock();
    s.spawn(async {}).unwrap();
    let id = s
        .spawn_with(|_| {
            assert_eq!(s.run(c), RunEnd::Finished);
            async {}
        })
        .unwrap();
    let _ = id;
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.free_slots(), 4);
}

/// A panic in `make` after it spawned other tasks: the slot goes back, the others run.
#[test]
fn a_panic_in_make_after_nested_spawns_returns_the_slot() {
    let s: &'static Sched<4, 128> = sched();
    let c = clock();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = s.spawn_with(|_| -> core::future::Ready<()> {
            s.spawn(async {}).unwrap();
            s.spawn(async {}).unwrap();
            panic!("make panics");
        });
    }));
    assert!(r.is_err());
    assert_eq!(s.free_slots(), 2);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.free_slots(), 4);
}

/// A poll that declares a join and also yields takes the yield fast path in `poll_task`, which
/// does not clear the poll's join declaration (`Core::join_to`). The next task that joins then
/// finds a stale target there and is registered as joining "any task" (`JOIN_ANY`): every
/// unrelated task's end polls it again.
#[test]
fn a_join_declared_in_a_poll_that_yields_does_not_leak_into_the_next_task() {
    use core::future::Future;
    use usched::{sleep, yield_now};
    let s: &'static Sched<8, 256> = sched();
    let c = clock();
    let polls = common::cell(0u32);
    let x = s.spawn(core::future::pending()).unwrap();
    let d = s.spawn(async { sleep(common::ms(100)).await; }).unwrap();
    // A: declares a join of `x` and yields in the same poll.
    s.spawn(async move {
        let j = s.join(x);
        let y = yield_now();
        futures::pin_mut!(j, y);
        futures::future::select(j, y).await;
    })
    .unwrap();
    // C: joins `d` only.
    s.spawn(async move {
        let j = s.join(d);
        futures::pin_mut!(j);
        core::future::poll_fn(|cx| {
            polls.set(polls.get() + 1);
            j.as_mut().poll(cx)
        })
        .await;
    })
    .unwrap();
    // Unrelated tasks that end while C waits.
    for k in 1..4 {
        s.spawn(async move { sleep(common::ms(10 * k)).await; }).unwrap();
    }
    s.spawn(async move {
        sleep(common::ms(200)).await;
        s.stop(x).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    // Once at its first turn, once when `d` ends.
    assert_eq!(polls.get(), 2, "C was polled for ends of tasks it does not join");
}
