//! Wakes on the scheduler's own context (`Clock::context`): the task is queued directly instead of
//! through the wake stack. Everything observable must be as it is without a probe: the same order,
//! the same times; wakes from other threads still go through the stack.

use std::cell::RefCell;
use std::sync::{mpsc, Mutex};
use std::task::{Poll, Waker};

use usched::{Clock, ContextProbe, Instant, RunEnd, Sched, Wakeup};
use usched_sim::SimClock;

/// A simulated clock, with or without a context probe; it can also wake a stored waker from inside
/// `idle`, as a port's idle code might, and records whether the scheduler's `Wakeup` saw it.
struct Probed {
    sim: SimClock,
    probe: bool,
    wake_in_idle: Mutex<Option<Waker>>,
    seen_in_idle: Mutex<Vec<bool>>,
}

impl Probed {
    fn leak(probe: bool) -> &'static Probed {
        Box::leak(Box::new(Probed {
            sim: SimClock::new(),
            probe,
            wake_in_idle: Mutex::new(None),
            seen_in_idle: Mutex::new(Vec::new()),
        }))
    }
}

impl Clock for Probed {
    fn now(&self) -> Instant {
        self.sim.now()
    }
    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        if let Some(w) = self.wake_in_idle.lock().unwrap().take() {
            w.wake();
            self.seen_in_idle.lock().unwrap().push(wake.pending());
            return;
        }
        Clock::idle(&self.sim, until, wake)
    }
    fn context(&self) -> Option<ContextProbe> {
        self.probe.then(ContextProbe::thread)
    }
}

/// A waker parked by a task for others to call.
type Slot = &'static Mutex<Option<Waker>>;

fn slot() -> Slot {
    Box::leak(Box::new(Mutex::new(None)))
}

/// Waits until woken once (the first poll parks the waker in `slot`).
async fn park(slot: Slot) {
    let mut parked = false;
    std::future::poll_fn(|cx| {
        if parked {
            return Poll::Ready(());
        }
        parked = true;
        *slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

fn wake(slot: Slot) {
    if let Some(w) = slot.lock().unwrap().take() {
        w.wake();
    }
}

/// Three waiters and a waker task that wakes them in the order c, a, b, then yields and wakes
/// itself through its own waker: the trace of who ran when.
fn wake_order(probe: bool) -> Vec<String> {
    let clock = Probed::leak(probe);
    let s: &'static Sched<5, 256> = Box::leak(Box::new(Sched::new()));
    let log: &'static RefCell<Vec<String>> = Box::leak(Box::default());
    let (a, b, c) = (slot(), slot(), slot());
    for (name, at) in [("a", a), ("b", b), ("c", c)] {
        s.spawn(async move {
            park(at).await;
            log.borrow_mut().push(format!("{name} woke"));
        })
        .unwrap();
    }
    s.spawn(async move {
        log.borrow_mut().push("waker runs".into());
        wake(c);
        wake(a);
        wake(b);
        // A self-wake during its own poll: it goes round again, after the three it woke.
        std::future::poll_fn(|cx| {
            cx.waker().wake_by_ref();
            Poll::Ready(())
        })
        .await;
        usched::yield_now().await;
        log.borrow_mut().push("waker again".into());
    })
    .unwrap();
    s.spawn(async move { log.borrow_mut().push("bystander".into()) }).unwrap();
    assert_eq!(s.run(clock), RunEnd::Finished);
    log.take()
}

#[test]
fn wakes_on_the_schedulers_own_context_keep_the_order_of_wakes_through_the_stack() {
    let expected = ["waker runs", "bystander", "c woke", "a woke", "b woke", "waker again"];
    assert_eq!(wake_order(true), expected);
    assert_eq!(wake_order(false), expected);
}

#[test]
fn a_wake_from_another_thread_still_reaches_a_scheduler_with_a_probe() {
    let clock: &'static usched::StdClock = Box::leak(Box::new(usched::StdClock::new()));
    let s: &'static Sched<2, 256> = Box::leak(Box::new(Sched::new()));
    let (tx, rx) = mpsc::channel::<Waker>();
    let done: &'static Mutex<bool> = Box::leak(Box::default());
    let helper = std::thread::spawn(move || rx.recv().unwrap().wake());
    s.spawn(async move {
        let mut sent = false;
        std::future::poll_fn(|cx| {
            if sent {
                return Poll::Ready(());
            }
            sent = true;
            tx.send(cx.waker().clone()).unwrap();
            Poll::Pending
        })
        .await;
        *done.lock().unwrap() = true;
    })
    .unwrap();
    assert_eq!(s.run(clock), RunEnd::Finished);
    helper.join().unwrap();
    assert!(*done.lock().unwrap());
}

#[test]
fn a_wake_inside_the_clocks_idle_is_seen_by_its_wakeup() {
    for probe in [true, false] {
        let clock = Probed::leak(probe);
        let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
        let at = slot();
        let id = s
            .spawn(async move {
                park(at).await;
            })
            .unwrap();
        // The task parks its waker in its first poll; the clock wakes it from `idle`.
        let clock_slot = &clock.wake_in_idle;
        s.set_idle_hook(Some(Box::leak(Box::new(move || {
            if let Some(w) = at.lock().unwrap().take() {
                *clock_slot.lock().unwrap() = Some(w);
            }
        }))));
        assert_eq!(s.run(clock), RunEnd::Finished, "probe {probe}");
        assert_eq!(*clock.seen_in_idle.lock().unwrap(), [true], "probe {probe}");
        assert_eq!(s.status(id), usched::Status::Finished);
        assert_eq!(clock.now(), Instant::ZERO, "woken at once, no time passed (probe {probe})");
    }
}

#[test]
fn a_wake_in_the_idle_hook_runs_its_task_without_sleeping() {
    let clock = Probed::leak(true);
    let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
    let at = slot();
    s.spawn(async move {
        park(at).await;
    })
    .unwrap();
    s.set_idle_hook(Some(Box::leak(Box::new(move || wake(at)))));
    assert_eq!(s.run(clock), RunEnd::Finished);
    assert!(clock.seen_in_idle.lock().unwrap().is_empty(), "the clock was never asked to idle");
    assert_eq!(clock.now(), Instant::ZERO);
}

/// A wake from another context that lands during a poll goes onto the wake stack, taken after the
/// poll; a wake on the scheduler's own context later in the same poll must not queue its task
/// ahead of it (B1: FIFO among round-robin-ready tasks), so it takes the stack too.
fn cross_context_order(probe: bool) -> Vec<String> {
    let clock = Probed::leak(probe);
    let s: &'static Sched<4, 256> = Box::leak(Box::new(Sched::new()));
    let log: &'static RefCell<Vec<String>> = Box::leak(Box::default());
    let (x, z) = (slot(), slot());
    for (name, at) in [("x", x), ("z", z)] {
        s.spawn(async move {
            park(at).await;
            log.borrow_mut().push(format!("{name} woke"));
        })
        .unwrap();
    }
    s.spawn(async move {
        // As an interrupt handler would (or another thread): X is woken first, from elsewhere.
        let w = x.lock().unwrap().take().unwrap();
        std::thread::spawn(move || w.wake()).join().unwrap();
        // Then, on the scheduler's own context, Z.
        wake(z);
    })
    .unwrap();
    assert_eq!(s.run(clock), RunEnd::Finished);
    log.take()
}

#[test]
fn a_wake_from_elsewhere_still_on_the_stack_is_queued_before_a_later_home_wake() {
    assert_eq!(cross_context_order(false), ["x woke", "z woke"], "without a probe");
    assert_eq!(cross_context_order(true), ["x woke", "z woke"], "with a probe");
}

/// A task whose poller callback wakes the task itself (through a waker it stored) while reporting
/// an event: the sample poll offers the event and the task runs in this pass, ahead of round-robin
/// tasks (C1), as it does without a probe. (Queued directly during its sample poll, it would leave
/// the sampled list for the back of the run queue.)
fn poller_self_wake_order(probe: bool) -> Vec<String> {
    let clock = Probed::leak(probe);
    let s: &'static Sched<4, 256> = Box::leak(Box::new(Sched::new()));
    let log: &'static RefCell<Vec<String>> = Box::leak(Box::default());
    let me = slot();
    s.spawn(async move {
        std::future::poll_fn(|cx| {
            *me.lock().unwrap() = Some(cx.waker().clone());
            Poll::Ready(())
        })
        .await;
        let mut fired = false;
        let mut p = usched::Poller::new(move || {
            if fired {
                return None;
            }
            fired = true;
            if let Some(w) = me.lock().unwrap().as_ref() {
                w.wake_by_ref();
            }
            Some(1)
        });
        let r = p.wait().await;
        log.borrow_mut().push(format!("poller {r:?}"));
    })
    .unwrap();
    s.spawn(async move {
        for i in 0..3 {
            log.borrow_mut().push(format!("rr {i}"));
            usched::yield_now().await;
        }
    })
    .unwrap();
    assert_eq!(s.run(clock), RunEnd::Finished);
    log.take()
}

#[test]
fn a_poller_event_keeps_its_class_when_its_callback_wakes_its_own_task() {
    let expected = ["poller Event(1)", "rr 0", "rr 1", "rr 2"];
    assert_eq!(poller_self_wake_order(false), expected, "without a probe");
    assert_eq!(poller_self_wake_order(true), expected, "with a probe");
}

/// A destructor run by the final drops wakes, on the scheduler's own context, a task dropped after
/// it and one dropped before it: each is dropped once, and the scheduler runs again afterwards.
#[test]
fn wakes_from_destructors_during_the_final_drops_are_harmless() {
    struct OnDrop(&'static RefCell<Vec<String>>, &'static str, Vec<Slot>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            self.0.borrow_mut().push(format!("drop {}", self.1));
            for s in &self.2 {
                wake(s);
            }
        }
    }
    for probe in [true, false] {
        let clock = Probed::leak(probe);
        let s: &'static Sched<4, 256> = Box::leak(Box::new(Sched::new()));
        let log: &'static RefCell<Vec<String>> = Box::leak(Box::default());
        let (a, c) = (slot(), slot());
        s.spawn(async move {
            let _g = OnDrop(log, "a", vec![]);
            park(a).await;
            std::future::pending::<()>().await;
        })
        .unwrap();
        s.spawn(async move {
            let _g = OnDrop(log, "b", vec![a, c]);
            std::future::pending::<()>().await;
        })
        .unwrap();
        s.spawn(async move {
            let _g = OnDrop(log, "c", vec![]);
            park(c).await;
            std::future::pending::<()>().await;
        })
        .unwrap();
        s.spawn(async move { s.stop_all() }).unwrap();
        assert_eq!(s.run(clock), RunEnd::Stopped, "probe {probe}");
        assert_eq!(log.take(), ["drop a", "drop b", "drop c"], "probe {probe}");
        assert_eq!(s.free_slots(), 4);
        s.spawn(async move { log.borrow_mut().push("again".into()) }).unwrap();
        assert_eq!(s.run(clock), RunEnd::Finished);
        assert_eq!(log.take(), ["again"]);
    }
}

/// Scheduler B runs inside a task of scheduler A on the same thread (both with the thread probe),
/// and B's task wakes A's tasks, the one running B among them: A's run queue is edited in the
/// middle of that task's poll, as a local `Signal` may, and A carries on in order.
#[test]
fn a_nested_scheduler_waking_the_outer_ones_tasks() {
    let clock = Probed::leak(true);
    let inner_clock = Probed::leak(true);
    let a: &'static Sched<4, 256> = Box::leak(Box::new(Sched::new()));
    let b: &'static Sched<2, 256> = Box::leak(Box::new(Sched::new()));
    let log: &'static RefCell<Vec<String>> = Box::leak(Box::default());
    let (y, me) = (slot(), slot());
    // Y first, so that it has parked its waker when X runs B.
    a.spawn(async move {
        park(y).await;
        log.borrow_mut().push("y woke".into());
    })
    .unwrap();
    a.spawn(async move {
        std::future::poll_fn(|cx| {
            *me.lock().unwrap() = Some(cx.waker().clone());
            Poll::Ready(())
        })
        .await;
        log.borrow_mut().push("x runs b".into());
        b.spawn(async move {
            wake(y);
            wake(me);
        })
        .unwrap();
        assert_eq!(b.run(inner_clock), RunEnd::Finished);
        // Woken during this poll: it goes round once more, behind y.
        std::future::poll_fn(|cx| {
            if me.lock().unwrap().is_none() {
                *me.lock().unwrap() = Some(cx.waker().clone());
                return Poll::Pending;
            }
            Poll::Ready(())
        })
        .await;
        log.borrow_mut().push("x again".into());
    })
    .unwrap();
    assert_eq!(a.run(clock), RunEnd::Finished);
    assert_eq!(log.take(), ["x runs b", "y woke", "x again"]);
}
