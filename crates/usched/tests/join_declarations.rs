//! A join a poll declares is forgotten at the end of that poll, however the poll ends: polls that
//! declare a join and complete, stop themselves, pause themselves, wake another task, are picked
//! by a deadline or sampled. (The run loop sends every poll that declared one to the state
//! machine's general path; a canary joiner's poll count catches a declaration that leaks.)

mod common;

use core::future::Future;
use core::pin::pin;
use core::task::Poll;

use common::{cell, clock, ms, sched, Log};
use futures::future::{select, Either};
use usched::{sleep, yield_now, RunEnd, Sched, Status};

/// Counts the polls of `fut`.
async fn counted<F: Future>(polls: &'static core::cell::Cell<u32>, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    core::future::poll_fn(|cx| {
        polls.set(polls.get() + 1);
        fut.as_mut().poll(cx)
    })
    .await
}

/// A second joiner, of `d` only, polled exactly when `d` ends (and at its first turn): a join
/// declaration leaked from another poll would make it join "any" and be polled at every end.
fn canary<const N: usize, const S: usize>(
    s: &'static Sched<N, S>,
    d: usched::TaskId,
) -> &'static core::cell::Cell<u32> {
    let polls = cell(0u32);
    s.spawn(async move { counted(polls, s.join(d)).await }).unwrap();
    polls
}

/// A task that sleeps `t` ms and ends.
fn sleeper<const N: usize, const S: usize>(s: &'static Sched<N, S>, t: u64) -> usched::TaskId {
    s.spawn(async move {
        sleep(ms(t)).await;
    })
    .unwrap()
}

/// `k` tasks that end at 1, 2, ... `k` ms, joined by nobody.
fn unrelated_ends<const N: usize, const S: usize>(s: &'static Sched<N, S>, k: u64) {
    for i in 1..=k {
        sleeper(s, i);
    }
}

#[test]
fn a_poll_that_declares_a_join_and_completes() {
    let s: &'static Sched<8, 512> = sched();
    let c = clock();
    let x = s.spawn(core::future::pending()).unwrap();
    let d = sleeper(s, 50);
    let a = s
        .spawn(async move {
            let j = pin!(s.join(x));
            let r = pin!(core::future::ready(()));
            assert!(matches!(select(j, r).await, Either::Right(_)));
        })
        .unwrap();
    let polls = canary(s, d);
    unrelated_ends(s, 3);
    s.spawn(async move {
        sleep(ms(60)).await;
        s.stop(x).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.status(a), Status::Finished);
    assert_eq!(polls.get(), 2);
    assert_eq!(s.free_slots(), 8);
}

#[test]
fn a_poll_that_declares_a_join_and_stops_itself() {
    let s: &'static Sched<8, 512> = sched();
    let c = clock();
    let x = s.spawn(core::future::pending()).unwrap();
    let d = sleeper(s, 50);
    let after = cell(false);
    s.spawn_with(move |me| async move {
        let j = pin!(s.join(x));
        let stop = pin!(core::future::poll_fn(|_| {
            s.stop(me).unwrap();
            Poll::<()>::Pending
        }));
        let _ = select(j, stop).await;
        after.set(true);
    })
    .unwrap();
    let polls = canary(s, d);
    unrelated_ends(s, 3);
    s.spawn(async move {
        sleep(ms(60)).await;
        s.stop(x).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert!(!after.get());
    assert_eq!(polls.get(), 2);
    assert_eq!(s.free_slots(), 8);
}

/// Declares a join and pauses itself in the same poll; the target ends while it is paused; it runs
/// when resumed, once.
#[test]
fn a_poll_that_declares_a_join_and_pauses_itself() {
    let s: &'static Sched<8, 512> = sched();
    let c = clock();
    let log = Log::new();
    let x = sleeper(s, 10);
    let polls = cell(0u32);
    let a = s
        .spawn_with(move |me| async move {
            s.pause(me).unwrap();
            counted(polls, s.join(x)).await;
            log.at(c, "a joined");
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(30)).await;
        log.at(c, "resume a");
        s.resume(a).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["30000 resume a", "30000 a joined"]);
    assert_eq!(polls.get(), 2);
}

/// Declares a join in a poll that also wakes another task through its waker.
#[test]
fn a_poll_that_declares_a_join_and_wakes_another() {
    let s: &'static Sched<8, 512> = sched();
    let c = clock();
    let log = Log::new();
    let waker: &'static std::sync::Mutex<Option<core::task::Waker>> =
        Box::leak(Box::new(std::sync::Mutex::new(None)));
    let flag = cell(false);
    s.spawn(async move {
        core::future::poll_fn(|cx| {
            if flag.get() {
                Poll::Ready(())
            } else {
                *waker.lock().unwrap() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
        log.at(c, "b woken");
    })
    .unwrap();
    let x = sleeper(s, 20);
    let polls = cell(0u32);
    s.spawn(async move {
        yield_now().await;
        counted(
            polls,
            core::future::poll_fn(|cx| {
                if let Some(w) = waker.lock().unwrap().take() {
                    flag.set(true);
                    w.wake();
                }
                let mut j = pin!(s.join(x));
                j.as_mut().poll(cx)
            }),
        )
        .await;
        log.at(c, "a joined");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["0 b woken", "20000 a joined"]);
    assert_eq!(polls.get(), 2);
}

/// A joiner with a timeout, polled off the ring at each deadline, declaring its join each time.
#[test]
fn a_join_declared_in_polls_picked_by_a_deadline() {
    let s: &'static Sched<8, 512> = sched();
    let c = clock();
    let log = Log::new();
    let x = sleeper(s, 25);
    let d = sleeper(s, 50);
    s.spawn(async move {
        loop {
            let j = pin!(s.join(x));
            let t = pin!(sleep(ms(10)));
            match select(j, t).await {
                Either::Left(_) => {
                    log.at(c, "x ended");
                    break;
                }
                Either::Right(_) => log.at(c, "tick"),
            }
        }
    })
    .unwrap();
    let polls = canary(s, d);
    unrelated_ends(s, 3);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["10000 tick", "20000 tick", "25000 x ended"]);
    assert_eq!(polls.get(), 2);
}

/// A joiner that also waits on a poller: sampled every pass, it runs when the join's target ends
/// (and only the canary's own target wakes the canary).
#[cfg(feature = "sampling")]
#[test]
fn a_join_declared_beside_a_poller_wait() {
    use usched::Poller;
    let s: &'static Sched<8, 512> = sched();
    let c = clock();
    let log = Log::new();
    let x = sleeper(s, 25);
    let d = sleeper(s, 50);
    let fire = cell(false);
    s.spawn(async move {
        let mut p = Poller::new(move || fire.get().then_some(1));
        let j = pin!(s.join(x));
        let w = pin!(p.wait());
        match select(j, w).await {
            Either::Left(_) => log.at(c, "x ended"),
            Either::Right(_) => log.at(c, "polled"),
        }
        // Then the poller alone, fired by another task.
        let _ = p.wait().await;
        log.at(c, "fired");
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(40)).await;
        fire.set(true);
    })
    .unwrap();
    let polls = canary(s, d);
    unrelated_ends(s, 3);
    assert_eq!(s.run(c), RunEnd::Finished);
    let got = log.take();
    assert_eq!(got[0], "25000 x ended");
    assert_eq!(got.len(), 2);
    assert!(got[1].ends_with("fired"), "{got:?}");
    assert_eq!(polls.get(), 2);
}

/// Declares a join and stops the target in the same poll: it runs again at once (not left
/// joining a task that has ended).
#[test]
fn a_poll_that_declares_a_join_and_ends_its_target() {
    let s: &'static Sched<8, 512> = sched();
    let c = clock();
    let log = Log::new();
    let x = s.spawn(core::future::pending()).unwrap();
    let d = sleeper(s, 50);
    let polls = cell(0u32);
    s.spawn(async move {
        counted(
            polls,
            core::future::poll_fn(|cx| {
                let r = pin!(s.join(x)).poll(cx);
                if s.status(x) != Status::Finished {
                    s.stop(x).unwrap();
                }
                r
            }),
        )
        .await;
        log.at(c, "a joined");
    })
    .unwrap();
    let cp = canary(s, d);
    unrelated_ends(s, 3);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["0 a joined"]);
    assert_eq!(polls.get(), 2);
    assert_eq!(cp.get(), 2);
}
