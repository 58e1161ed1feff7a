//! The lent `Context` (`raw::Lend`) and who may declare through it: defects a review of the
//! fixed-address context and the join hook found (each test failed before its fix).
mod common;
use common::*;
use usched::{yield_now, RunEnd, Sched};

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
