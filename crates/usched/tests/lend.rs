//! The lent `Context` (`raw::Lend`) and who may declare through it: defects a review of the
//! fixed-address context and the join hook found (each test failed before its fix).
mod common;
use common::*;
use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::cell::RefCell;

use usched::{sleep, yield_now, RunEnd, Sched};

/// A join of a task of another scheduler (here run nested inside a task of the first) must
/// complete when that task ends. The join declared itself on the scheduler whose waker it was
/// polled with, naming the other scheduler's slot number there: the joiner became `JOINING` on a
/// slot of its own scheduler (here its own slot), was never woken, and the run stalled.
#[test]
fn a_join_of_a_task_of_another_scheduler_completes_when_it_ends() {
    let x: &'static Sched<1, 256> = sched();
    let y: &'static Sched<2, 512> = sched();
    let (cx_, cy) = (clock(), clock());
    let t = x
        .spawn(async {
            yield_now().await;
        })
        .unwrap();
    let joined = cell(false);
    y.spawn(async move {
        x.join(t).await;
        joined.set(true);
    })
    .unwrap();
    y.spawn(async move {
        yield_now().await; // the joiner has declared its join
        assert_eq!(x.run(cx_), RunEnd::Finished);
    })
    .unwrap();
    assert_eq!(y.run(cy), RunEnd::Finished);
    assert!(joined.get(), "the join of the other scheduler's task never completed");
}

/// A future may swap the contents of the `Context` it was lent for a `Context` of its own
/// (`mem::swap(cx, &mut other)`): the lent address then holds another task's waker. A wait polled
/// with it was taken for the scheduler's own poll of that other task (`task_here` compared only
/// the address), so it declared its deadline on a task that was not being polled: B (waiting)
/// got the `T` flag without entering the deadline heap (debug builds: the invariant check fails),
/// and the sleep's wake of B's waker was never arranged (B never ran again: the run stalled).
/// Polled with a waker that is not the polled task's, the sleep must act as it does under a
/// combinator's waker: wake that waker when due.
#[test]
fn a_swapped_context_declares_nothing_for_another_task() {
    let s: &'static Sched<2, 512> = sched();
    let c = clock();
    let log = Log::new();
    let b_waker: &'static RefCell<Option<Waker>> = Box::leak(Box::new(RefCell::new(None)));
    s.spawn(async move {
        let mut first = true;
        poll_fn(|cx| {
            if first {
                first = false;
                *b_waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
        log.at(c, "B woken");
    })
    .unwrap();
    s.spawn(async move {
        let w: &'static Waker = Box::leak(Box::new(b_waker.borrow().clone().unwrap()));
        let mut nap = pin!(sleep(ms(10)));
        poll_fn(|cx| {
            let mut other = Context::from_waker(w);
            core::mem::swap(cx, &mut other);
            let r = nap.as_mut().poll(cx);
            core::mem::swap(cx, &mut other);
            assert!(r.is_pending());
            Poll::Ready(())
        })
        .await;
        sleep(ms(20)).await; // keeps `nap` alive past its deadline
        log.at(c, "A done");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), vec!["10000 B woken".to_string(), "20000 A done".into()]);
}
