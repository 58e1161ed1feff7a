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

/// `current()` now comes from the lend's record of the poll under way: it names the task being
/// sampled inside its poller callback, the stopping task inside the destructor of a task it stops,
/// and nobody in the destructor of a task that stopped itself (run after its poll). (Not a defect:
/// pins down that the answers did not change with the lend.)
#[test]
fn current_names_the_polled_task_in_sample_polls_and_destructors() {
    use std::cell::Cell;
    use usched::{Poller, TaskId};
    type Ids = Cell<Option<(TaskId, TaskId)>>;
    fn who(s: &Sched<2, 1024>, ids: &Ids) -> &'static str {
        let (p, v) = ids.get().unwrap();
        match s.current() {
            Some(x) if x == p => "poller",
            Some(x) if x == v => "victim",
            Some(_) => "other",
            None => "none",
        }
    }
    struct OnDrop(&'static Log, &'static Sched<2, 1024>, &'static Ids, &'static str);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            self.0.push(format!("{} dropped, current {}", self.3, who(self.1, self.2)));
        }
    }
    let s: &'static Sched<2, 1024> = sched();
    let c = clock();
    let log = Log::new();
    let ids: &'static Ids = cell(None);
    let victim = s
        .spawn(async move {
            let _g = OnDrop(log, s, ids, "victim");
            core::future::pending::<()>().await;
        })
        .unwrap();
    let poller = s
        .spawn(async move {
            let _g = OnDrop(log, s, ids, "poller");
            let mut p = Poller::new(move || {
                log.push(format!("sampled, current {}", who(s, ids)));
                Some(1)
            });
            p.wait().await;
            s.stop(victim).unwrap(); // its destructor runs now, inside this poll
            s.stop(s.current().unwrap()).unwrap(); // its own runs after this poll
            sleep(ms(1)).await;
        })
        .unwrap();
    ids.set(Some((poller, victim)));
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        ["sampled, current poller", "victim dropped, current poller", "poller dropped, current none"]
    );
}
