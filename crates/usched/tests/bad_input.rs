//! Every bad input a user can hand the core, and the answer it gets (spec § H): one test per row
//! of the table in the crate docs ("Bad input"), with the same name.
//!
//! Each test asserts the exact answer (a typed error, a status, a `RunEnd`, the simulated time at
//! which something happened, or the documented panic's message) and that nothing else changed.

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use common::{build_program, cell, clock, ms, sched, Log};
use usched::{
    sleep, sleep_until, timeout, yield_now, Instant, IrqLine, IrqResult, Poller, RunEnd, Sched, SpawnError,
    Status, TaskError, TaskId,
};

/// Every control call on `id`, answered as for a task that has gone.
fn assert_gone<const N: usize, const S: usize>(s: &'static Sched<N, S>, id: TaskId) {
    assert_eq!(s.status(id), Status::Finished);
    assert_eq!(s.pause(id), Err(TaskError::Finished));
    assert_eq!(s.resume(id), Err(TaskError::Finished));
    assert_eq!(s.stop(id), Err(TaskError::Finished));
    assert_eq!(s.task_stats(id), Err(TaskError::Finished));
}

/// Polls `f` once with a waker that is not usched's, outside any run.
fn poll_outside<F: Future>(f: F) -> Poll<F::Output> {
    let mut f = pin!(f);
    f.as_mut().poll(&mut Context::from_waker(std::task::Waker::noop()))
}

#[test]
fn finished_task_id() {
    let (s, c) = (sched::<2, 128>(), clock());
    let id = s.spawn(async {}).unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_gone(s, id);
    // Joining it resolves at once.
    let joined = cell(false);
    s.spawn(async move {
        s.join(id).await;
        joined.set(true);
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert!(joined.get());
    assert_eq!(c.now(), Instant::ZERO);
}

#[test]
fn stopped_task_id() {
    let s = sched::<2, 128>();
    let id = s.spawn(async {}).unwrap();
    assert_eq!(s.stop(id), Ok(()));
    assert_gone(s, id);
    assert_eq!(s.free_slots(), 2);
}

#[test]
fn stale_task_id_of_a_reused_slot() {
    let s = sched::<1, 128>();
    let old = s.spawn(async {}).unwrap();
    s.stop(old).unwrap();
    let new = s.spawn(async {}).unwrap();
    assert_eq!(old.index(), new.index());
    assert_gone(s, old);
    // The new occupant is untouched by every call made on the old id.
    assert_eq!(s.status(new), Status::Running);
    assert_eq!(s.task_stats(new).unwrap().runs, 0);
}

#[test]
fn task_id_of_another_scheduler() {
    let (big, small) = (sched::<4, 128>(), sched::<1, 128>());
    let ids: Vec<_> = (0..4).map(|_| big.spawn(async {}).unwrap()).collect();
    let mine = small.spawn(async {}).unwrap();
    // Same slot index as `mine`, and slot indices that `small` does not have at all.
    for &id in &ids {
        assert_gone(small, id);
    }
    assert_gone(big, mine);
    assert_eq!(small.status(mine), Status::Running);
    for &id in &ids {
        assert_eq!(big.status(id), Status::Running);
    }
}

#[test]
fn full_pool() {
    let (s, c) = (sched::<2, 128>(), clock());
    let log = Log::new();
    struct Noisy(&'static Log);
    impl Drop for Noisy {
        fn drop(&mut self) {
            self.0.push("refused future dropped");
        }
    }
    let a = s.spawn(async { yield_now().await }).unwrap();
    let b = s.spawn(async {}).unwrap();
    let n = Noisy(log);
    assert_eq!(
        s.spawn(async move {
            let _n = n;
        }),
        Err(SpawnError::Full)
    );
    assert_eq!(log.take(), ["refused future dropped"]);
    assert_eq!(s.free_slots(), 0);
    assert_eq!((s.status(a), s.status(b)), (Status::Running, Status::Running));
    // Full from inside a task too, and the pool is whole again after the run.
    let inside = cell(None);
    s.stop(b).unwrap();
    s.spawn(async move { inside.set(Some(s.spawn(async {}))) }).unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(inside.get(), Some(Err(SpawnError::Full)));
    assert_eq!(s.free_slots(), 2);
}

#[test]
fn spawn_from_a_destructor_during_the_final_drops() {
    let (s, c) = (sched::<2, 128>(), clock());
    let answer = cell(None);
    struct SpawnOnDrop(&'static Sched<2, 128>, &'static std::cell::Cell<Option<Result<TaskId, SpawnError>>>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            self.1.set(Some(self.0.spawn(async {})));
        }
    }
    let g = SpawnOnDrop(s, answer);
    s.spawn(async move {
        let _g = g;
        std::future::pending::<()>().await;
    })
    .unwrap();
    s.spawn(async move { s.stop_all() }).unwrap();
    assert_eq!(s.run(c), RunEnd::Stopped);
    assert_eq!(answer.get(), Some(Err(SpawnError::Stopping)));
    assert_eq!(s.free_slots(), 2);
    // Spawning works again after the run.
    assert!(s.spawn(async {}).is_ok());
}

#[test]
fn zero_durations() {
    let (s, c) = (sched::<4, 1024>(), clock());
    let log = Log::new();
    s.spawn(async move {
        let late = sleep(Duration::ZERO).await;
        log.at(c, format!("sleep 0 -> {late:?}"));
        let r = timeout(Duration::ZERO, sleep(ms(1))).await;
        log.at(c, format!("timeout 0 -> {r:?}"));
        let r = timeout(Duration::ZERO, async {}).await;
        log.at(c, format!("timeout 0 on a ready future -> {r:?}"));
        static LINE: IrqLine = IrqLine::new();
        let r = LINE.wait_timeout(Duration::ZERO).await;
        log.at(c, format!("irq wait_timeout 0 -> {r:?}"));
        let mut p = Poller::with_timeout(|| None, Duration::ZERO);
        let r = p.wait().await;
        log.at(c, format!("poller timeout 0 -> {r:?}"));
    })
    .unwrap();
    s.set_poll_interval(Duration::ZERO);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        [
            "0 sleep 0 -> 0ns",
            "0 timeout 0 -> Err(Elapsed { late: 0ns })",
            "0 timeout 0 on a ready future -> Ok(())",
            "0 irq wait_timeout 0 -> TimedOut(0ns)",
            "0 poller timeout 0 -> TimedOut(0ns)",
        ]
    );
}

#[test]
fn overflowing_durations() {
    let (s, c) = (sched::<4, 1024>(), clock());
    let log = Log::new();
    assert_eq!(Instant::from_micros(5) + Duration::MAX, Instant::MAX);
    assert_eq!(Instant::from_millis(u64::MAX), Instant::MAX);
    assert_eq!(Instant::ZERO - Instant::MAX, Duration::ZERO);
    let sleeper = s.spawn(async move {
        sleep(Duration::MAX).await;
        log.at(c, "never");
    });
    let sleeper = sleeper.unwrap();
    let waiter = s.spawn(async move {
        let r = timeout(Duration::MAX, sleep(ms(3))).await;
        log.at(c, format!("timeout MAX around a 3 ms sleep -> {r:?}"));
        sleep_until(Instant::MAX).await;
        log.at(c, "never either");
    });
    let waiter = waiter.unwrap();
    // With a poll interval of `Duration::MAX`, a poller is sampled only when a deadline wakes the
    // scheduler: its event (from 4 ms on) is seen at the next deadline after that, 5 ms.
    s.spawn(async move {
        let mut p = Poller::new(|| (c.now() >= Instant::from_millis(4)).then_some(1));
        let r = p.wait().await;
        log.at(c, format!("poller -> {r:?}"));
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(5)).await;
        assert_eq!(s.status(sleeper), Status::Running);
        s.stop(sleeper).unwrap();
        s.stop(waiter).unwrap();
        log.at(c, "stopped both");
    })
    .unwrap();
    s.set_poll_interval(Duration::MAX);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        ["3000 timeout MAX around a 3 ms sleep -> Ok(0ns)", "5000 poller -> Event(1)", "5000 stopped both"]
    );
}

#[test]
fn irq_signal_count_overflow() {
    static LINE: IrqLine = IrqLine::new();
    let (s, c) = (sched::<1, 128>(), clock());
    LINE.signal_n(u32::MAX - 1);
    LINE.signal_n(5);
    LINE.signal();
    let got = cell(None);
    s.spawn(async move { got.set(Some(LINE.wait().await)) }).unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(got.get(), Some(IrqResult::Irq(u32::MAX)));
    assert_eq!(LINE.pending(), 0);
}

#[test]
fn join_of_self() {
    let (s, c) = (sched::<2, 128>(), clock());
    let log = Log::new();
    let me = s
        .spawn_with(move |me| async move {
            s.join(me).await;
            log.at(c, "never");
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(2)).await;
        assert_eq!(s.status(me), Status::Running);
        s.stop(me).unwrap();
        log.at(c, "stopped the self-joiner");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["2000 stopped the self-joiner"]);
    // Alone, it waits for something that can never happen: the run says so instead of hanging.
    s.spawn_with(move |me| s.join(me)).unwrap();
    assert_eq!(s.run(c), RunEnd::Stalled);
    assert_eq!(s.free_slots(), 2);
}

#[test]
fn run_from_inside_a_task() {
    let (s, c) = (sched::<2, 128>(), clock());
    let inner = cell(None);
    s.spawn(async move {
        inner.set(Some(s.run(c)));
        yield_now().await;
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(inner.get(), Some(RunEnd::AlreadyRunning));
    assert_eq!(s.free_slots(), 2);
}

#[test]
fn stop_all_outside_a_run() {
    let (s, c) = (sched::<1, 128>(), clock());
    let ran = cell(0);
    s.stop_all();
    s.spawn(async move {
        yield_now().await;
        ran.set(ran.get() + 1);
    })
    .unwrap();
    // A stop asked for before the run does not end it: the run clears it as it starts.
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(ran.get(), 1);
}

#[test]
fn control_calls_when_no_run_is_going() {
    let s = sched::<2, 128>();
    assert_eq!(s.current(), None);
    assert_eq!(s.now(), Instant::ZERO);
    let id = s.spawn(async {}).unwrap();
    assert_eq!(s.pause(id), Ok(()));
    assert_eq!(s.pause(id), Ok(()), "pausing a paused task is a no-op");
    assert_eq!(s.status(id), Status::Paused);
    assert_eq!(s.resume(id), Ok(()));
    assert_eq!(s.resume(id), Ok(()), "resuming a running task is a no-op");
    assert_eq!(s.status(id), Status::Running);
    assert_eq!(s.stop(id), Ok(()));
    assert_eq!(s.free_slots(), 2);
}

#[test]
#[should_panic(expected = "usched::sleep was polled outside a usched task")]
fn sleep_awaited_outside_a_task() {
    let _ = poll_outside(sleep(ms(1)));
}

#[test]
#[should_panic(expected = "usched::timeout was polled outside a usched task")]
fn timeout_awaited_outside_a_task() {
    let _ = poll_outside(timeout(ms(1), std::future::pending::<()>()));
}

#[test]
#[should_panic(expected = "usched::Poller::wait was polled outside a usched task")]
fn poller_awaited_outside_a_task() {
    let mut p = Poller::new(|| None);
    let _ = poll_outside(p.wait());
}

#[test]
#[should_panic(expected = "IrqLine::wait_timeout was polled outside a usched task")]
fn irq_wait_timeout_awaited_outside_a_task() {
    static LINE: IrqLine = IrqLine::new();
    let _ = poll_outside(LINE.wait_timeout(ms(1)));
}

#[test]
fn waits_that_work_outside_a_task() {
    // An interrupt wait without a timeout, a signal, a yield and a join are plain futures there.
    static LINE: IrqLine = IrqLine::new();
    LINE.signal();
    assert_eq!(poll_outside(LINE.wait()), Poll::Ready(IrqResult::Irq(1)));
    let sig = usched::Signal::new();
    sig.signal();
    assert_eq!(poll_outside(sig.wait()), Poll::Ready(()));
    let s = sched::<1, 64>();
    let id = s.spawn(async {}).unwrap();
    assert_eq!(poll_outside(s.join(id)), Poll::Pending);
    s.stop(id).unwrap();
    assert_eq!(poll_outside(s.join(id)), Poll::Ready(()));
    let mut y = pin!(yield_now());
    let cx = &mut Context::from_waker(std::task::Waker::noop());
    assert_eq!(y.as_mut().poll(cx), Poll::Pending);
    assert_eq!(y.as_mut().poll(cx), Poll::Ready(()));
}

#[test]
fn zero_or_too_many_slots_and_overaligned_futures() {
    let with_slots = |n: usize| {
        format!("fn main() {{ let _s: &'static usched::Sched<{n}, 64> = Box::leak(Box::new(usched::Sched::new())); }}\n")
    };
    for n in [0, 16385] {
        let (ok, err) = build_program("bad-input", &with_slots(n));
        assert!(!ok, "a scheduler with {n} slots compiled");
        assert!(err.contains("a scheduler has 1 to 16384 task slots"), "{err}");
    }
    let (ok, err) = build_program("bad-input", &with_slots(16384));
    assert!(ok, "{err}");
    let (ok, err) = build_program(
        "bad-input",
        "#[repr(align(32))] struct Big(u8);\n\
         fn main() {\n\
         let s: &'static usched::Sched<1, 256> = Box::leak(Box::new(usched::Sched::new()));\n\
         let b = Big(1);\n\
         let _ = s.spawn(async move { drop(b); });\n}\n",
    );
    assert!(!ok, "a future aligned to 32 bytes compiled");
    assert!(err.contains("future aligned to more than 16 bytes"), "{err}");
}
