//! B and D at their edges: a `Signal` whose registered waiter goes away, joins of several tasks,
//! a join target that ends during its joiner's sample poll, a wait reached during a sample poll,
//! sleeps inside combinators across schedulers, after panics, and due together. Each test pinned
//! down a defect a second adversarial review found (all fixed); each names the clause involved.
mod common;
use common::*;
use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::{Context, Poll};
use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

use futures::future::select;
use futures::stream::{FuturesUnordered, StreamExt};
use usched::{sleep, sleep_until, timeout, yield_now, Instant, Poller, RunEnd, Sched, Signal, Sleep, Status};

// ----- 1. Signal: displaced waiters when the registered waiter goes away ---------------

/// B1/D-signal docs ("every waiter sees every signal it can, and none sleeps for ever"): X waits,
/// W then waits on the same signal and displaces X (X becomes JOINING/JOIN_SIGNAL). W's wait is
/// dropped by its timeout, which clears the signal's waiter. The later `signal()` finds no
/// registered waiter and so never calls `wake_joiners(JOIN_SIGNAL)`: X sleeps for ever.
#[test]
fn displaced_signal_waiter_is_woken_after_the_registered_waiter_left() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let sig: &'static Signal = Box::leak(Box::new(Signal::new()));
    s.spawn(async move {
        sig.wait().await;
        log.at(c, "X got it");
    })
    .unwrap();
    s.spawn(async move {
        let r = timeout(ms(5), sig.wait()).await;
        log.at(c, format!("W timed out: {}", r.is_err()));
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(10)).await;
        sig.signal();
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["5000 W timed out: true".to_string(), "10000 X got it".into()], Ok(RunEnd::Finished))
    );
}

/// Same, with the registered waiter stopped instead of timing out.
#[test]
fn displaced_signal_waiter_is_woken_after_the_registered_waiter_was_stopped() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let sig: &'static Signal = Box::leak(Box::new(Signal::new()));
    s.spawn(async move {
        sig.wait().await;
        log.at(c, "X got it");
    })
    .unwrap();
    let w = s.spawn(async move { sig.wait().await }).unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        s.stop(w).unwrap();
        sleep(ms(1)).await;
        sig.signal();
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!((log.take(), end), (vec!["2000 X got it".to_string()], Ok(RunEnd::Finished)));
}

// ----- 2. a sampled joiner of several tasks --------------------------

/// D4: X joins two tasks at once (JOIN_ANY) and also waits on a poller, so it is on the sampled
/// list; Y joins a third task. One poll stops both of X's targets: each `wake_joiners` finds X
/// still JOINING (a sampled task is only handed to the wake stack) and subtracts it again, so
/// `joiners` drops to 0 while Y is still JOINING. When Y's target is stopped later,
/// `wake_joiners` returns at once and Y is never woken.
#[test]
fn a_sampled_joiner_of_several_is_not_counted_off_twice() {
    let c = clock();
    let s = sched::<6, 1024>();
    let log = Log::new();
    let t1 = s.spawn(core::future::pending()).unwrap();
    let t2 = s.spawn(core::future::pending()).unwrap();
    let t3 = s.spawn(core::future::pending()).unwrap();
    s.spawn(async move {
        s.join(t3).await;
        log.at(c, "Y joined");
    })
    .unwrap();
    s.spawn(async move {
        let mut p = Poller::new(|| None);
        let _ = select(select(pin!(s.join(t1)), pin!(s.join(t2))), pin!(p.wait())).await;
        log.at(c, "X joined");
    })
    .unwrap();
    s.spawn(async move {
        yield_now().await; // X and Y have declared their joins
        s.stop(t1).unwrap();
        s.stop(t2).unwrap();
        sleep(ms(1)).await;
        s.stop(t3).unwrap();
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["0 X joined".to_string(), "1000 Y joined".into()], Ok(RunEnd::Finished))
    );
}

// ----- 3. a join target that ends during the joiner's own sample poll --------------------------

/// D4: X awaits `select(join(t), poller)`, so it is JOINING and sampled. Its poller callback stops
/// `t`. `finish(t)` runs while X is RUNNING in its sample poll; `wake_joiners` must still tell X
/// (it asks for a real poll), or the sample poll would put X back to JOINING for a task that has
/// already ended, and X would never resume.
#[test]
fn join_target_stopped_during_the_joiners_sample_poll() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let t = s.spawn(core::future::pending()).unwrap();
    s.spawn(async move {
        let mut p = Poller::new(move || {
            if c.now().as_micros() >= 1_000 {
                let _ = s.stop(t);
            }
            None
        });
        let _ = select(pin!(s.join(t)), pin!(p.wait())).await;
        log.at(c, "joined");
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!((log.take(), end), (vec!["1000 joined".to_string()], Ok(RunEnd::Finished)));
}

// ----- 4. an already-armed wait reached during a sample poll ------------------------------------

/// B2: `arrived()` only fires on a wait's *first* poll. A task that gets past its sampled wait in
/// a sample poll and reaches a sleep it had already armed (polled before) returns Pending with no
/// flag; `sampled_back` restores its old poller wait (P, on the sampled list) although that poller
/// is gone, and the sleep's deadline is never registered: the task is sampled for ever and the
/// sleep never ends.
#[test]
fn armed_sleep_reached_during_a_sample_poll() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let go = cell(false);
    s.spawn(async move {
        let mut sl = pin!(sleep(ms(10)));
        // Arm the sleep (its first poll) without awaiting it, then move on to a new poll.
        poll_fn(|cx| {
            let _ = sl.as_mut().poll(cx);
            Poll::Ready(())
        })
        .await;
        yield_now().await;
        let mut p = Poller::new(|| None);
        let _ = select(pin!(p.wait()), pin!(flag_set(go))).await;
        log.at(c, "past select");
        let late = sl.await;
        log.at(c, format!("slept, late {late:?}"));
    })
    .unwrap();
    s.spawn(async move {
        yield_now().await;
        yield_now().await;
        go.set(true);
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["0 past select".to_string(), "10000 slept, late 0ns".into()], Ok(RunEnd::Finished))
    );
}

// ----- 5. the running-scheduler record after a panic unwinds out of `run` ----------------

/// A sleep polled where no scheduler runs must panic by name (sleep.rs docs). After a panic
/// unwound out of `run` (caught by the program), `set_running(outer)` was never called: the
/// thread still "runs" the dead scheduler, the sleep links itself onto that scheduler's list and
/// returns Pending: a `block_on` would hang for ever.
#[test]
fn sleep_after_a_panic_out_of_run_still_panics_by_name() {
    let c = clock();
    let s = sched::<1, 256>();
    s.spawn(async { panic!("task panics") }).unwrap();
    assert!(run_caught(s, c).is_err());
    let polled = std::panic::catch_unwind(|| {
        let mut sl = pin!(sleep(ms(1)));
        let w = futures::task::noop_waker();
        sl.as_mut().poll(&mut Context::from_waker(&w)).is_pending()
    });
    assert!(polled.is_err(), "a sleep polled where no scheduler runs returned Pending");
}

/// The same in a running program: task A runs scheduler B nested and catches the panic of one of
/// B's tasks. The thread-local still names B, so a sleep that A then awaits inside a
/// `FuturesUnordered` links onto B's list, which nobody walks: A's scheduler stalls instead of
/// waking it at 5 ms.
#[test]
fn foreign_sleep_after_a_caught_panic_of_a_nested_run() {
    let c = clock();
    let a = sched::<1, 2048>();
    let b = sched::<1, 256>();
    let log = Log::new();
    b.spawn(async { panic!("nested task panics") }).unwrap();
    a.spawn(async move {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.run(c)));
        log.at(c, format!("nested run panicked: {}", r.is_err()));
        let mut fu = FuturesUnordered::new();
        fu.push(sleep(ms(5)));
        fu.next().await;
        log.at(c, "slept");
    })
    .unwrap();
    let end = run_caught(a, c);
    assert_eq!(
        (log.take(), end),
        (vec!["0 nested run panicked: true".to_string(), "5000 slept".into()], Ok(RunEnd::Finished))
    );
}

// ----- 6. a linked sleep polled under another scheduler -----------------------------------------

/// A sleep (pinned in a box, so it may outlive its task) is first polled inside a combinator of a
/// task of scheduler A, which links its timer onto A. A ends; the sleep is later awaited inside a
/// combinator of a task of scheduler B on the same thread. `ForeignTimer::arm` sees the node
/// already linked and only swaps the waker: it stays on A's list, B never fires it, and B stalls.
#[test]
fn linked_sleep_polled_under_another_scheduler() {
    let c = clock();
    let a = sched::<1, 1024>();
    let b = sched::<1, 1024>();
    let log = Log::new();
    type Shared = Rc<RefCell<Pin<Box<Sleep>>>>;
    let shared: Shared = Rc::new(RefCell::new(Box::pin(sleep(ms(10)))));
    fn poll_shared(sh: Shared) -> impl Future<Output = core::time::Duration> {
        poll_fn(move |cx| sh.borrow_mut().as_mut().poll(cx))
    }
    let sh = shared.clone();
    a.spawn(async move {
        let mut fu = FuturesUnordered::new();
        fu.push(poll_shared(sh));
        let _ = select(fu.next(), pin!(yield_now())).await; // linked onto A, left pending
        a.stop_all();
    })
    .unwrap();
    assert_eq!(run_caught(a, c), Ok(RunEnd::Stopped));
    let sh = shared.clone();
    b.spawn(async move {
        let mut fu = FuturesUnordered::new();
        fu.push(poll_shared(sh));
        fu.next().await;
        log.at(c, "slept");
    })
    .unwrap();
    let end = run_caught(b, c);
    assert_eq!((log.take(), end), (vec!["10000 slept".to_string()], Ok(RunEnd::Finished)));
}

// ----- 7. joiners woken oldest first -----------------------------------------------------------

/// D4 / C1 ties ("a task's end wakes its own joiners at once, oldest first"): two tasks join the
/// same task; the older one also waits on a poller (so it is sampled). When the target ends, the
/// younger is queued at once while the older goes through the wake stack and is queued a pass
/// later, behind the younger.
#[test]
fn joiners_resume_oldest_first_even_if_sampled() {
    let c = clock();
    let s = sched::<4, 1024>();
    let log = Log::new();
    let t = s
        .spawn(async {
            sleep(ms(1)).await;
        })
        .unwrap();
    s.spawn(async move {
        let mut p = Poller::new(|| None);
        let _ = select(pin!(s.join(t)), pin!(p.wait())).await;
        log.at(c, "older");
    })
    .unwrap();
    s.spawn(async move {
        s.join(t).await;
        log.at(c, "younger");
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["1000 older".to_string(), "1000 younger".into()], Ok(RunEnd::Finished))
    );
}

// ----- 8. foreign timers due together ----------------------------------

/// C1 ties / B1: two tasks each await `sleep(5 ms)` inside a `FuturesUnordered`; both are due in
/// the same pass. Foreign timers due together fire in the order they were armed, here spawn
/// order, so the older task resumes first. (They once fired newest-armed first.)
#[test]
fn foreign_sleeps_due_together_resume_in_spawn_order() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    for name in ["older", "younger"] {
        s.spawn(async move {
            let mut fu = FuturesUnordered::new();
            fu.push(sleep(ms(5)));
            fu.next().await;
            log.at(c, name);
        })
        .unwrap();
    }
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["5000 older".to_string(), "5000 younger".into()], Ok(RunEnd::Finished))
    );
}

// ----- 9. found by a third review ------------------------------------------------------------------

#[test]
fn joiner_recount_during_its_own_sample_poll_loses_the_join() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let t = s
        .spawn(async {
            sleep(ms(10)).await;
        })
        .unwrap();
    let x = s.spawn(core::future::pending()).unwrap();
    s.spawn(async move {
        let mut p = Poller::new(move || {
            if c.now().as_micros() >= 1_000 {
                let _ = s.stop(x); // ends an unrelated task while J is being sampled
            }
            (c.now().as_micros() >= 50_000).then_some(1)
        });
        let _ = select(pin!(s.join(t)), pin!(p.wait())).await;
        log.at(c, "joined");
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!((log.take(), end), (vec!["10000 joined".to_string()], Ok(RunEnd::Finished)));
}

/// C1 ties: two tasks await `sleep_until(5 ms)` inside a `FuturesUnordered`; both are due in the
/// same pass. The younger task arms its timer first (the older yields once before it starts).
/// Sleeps inside such combinators that fall due together wake in the order they were first polled
/// (the documented rule for them, `Sleep`'s docs), so the younger resumes first; plain sleeps (the
/// heap) break the same tie by spawn order (C1).
#[test]
fn foreign_sleeps_due_together_wake_in_the_order_first_polled() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    for (name, first_yield) in [("older", true), ("younger", false)] {
        s.spawn(async move {
            if first_yield {
                yield_now().await;
            }
            let mut fu = FuturesUnordered::new();
            fu.push(sleep_until(Instant::from_millis(5)));
            fu.next().await;
            log.at(c, name);
        })
        .unwrap();
    }
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["5000 younger".to_string(), "5000 older".into()], Ok(RunEnd::Finished))
    );
}

/// B2 / lost wake: the `reached` test of `sample_poll` is fooled when the sampled wait is polled
/// *before* the branch that completes. J awaits `select(line.wait(), flag)`: in the sample poll
/// after `go` is set, the interrupt wait calls `reached()`, then the flag completes the select and
/// J goes on to a sleep it armed earlier (Pending, no flag). `reached == 1`, so `sampled_back`
/// restores J's old `WAITING | I` registration for an interrupt wait that no longer exists, and
/// the sleep's deadline is never registered. No poller is registered, so the scheduler idles with
/// no deadline: it would park for ever (NoHang panics) instead of waking J at 10 ms.
#[test]
fn sampled_irq_wait_polled_before_the_branch_that_completes() {
    use core::future::{poll_fn, Future};
    use core::task::Poll;
    static LINE: usched::IrqLine = usched::IrqLine::new();
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let go = cell(false);
    s.spawn(async move {
        let mut sl = pin!(sleep(ms(10)));
        poll_fn(|cx| {
            let _ = sl.as_mut().poll(cx); // armed, not awaited
            Poll::Ready(())
        })
        .await;
        yield_now().await;
        let _ = select(pin!(LINE.wait()), pin!(flag_set(go))).await;
        log.at(c, "past select");
        let late = sl.await;
        log.at(c, format!("slept, late {late:?}"));
    })
    .unwrap();
    s.spawn(async move {
        yield_now().await;
        yield_now().await;
        go.set(true);
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["0 past select".to_string(), "10000 slept, late 0ns".into()], Ok(RunEnd::Finished))
    );
}

/// Lost wake (Signal, pre-existing in `state::displaced`): J awaits `select(join(t), sig.wait())`,
/// so it is JOINING (target t) and the signal's waiter. K then waits on the same signal and
/// displaces J: `displaced` sees J already JOINING and returns true without changing its join
/// target to "a signal". The next `signal` wakes K and the JOIN_SIGNAL joiners, not J. K takes
/// that signal; a second signal only sets the flag (no waiter registered) and J, whose wait is
/// still pending on that very signal, never runs: the signal stays set with its waiter asleep.
#[test]
fn displaced_waiter_that_also_joins_is_never_woken_by_the_signal() {
    let c = clock();
    let s = sched::<4, 1024>();
    let log = Log::new();
    let sig: &'static usched::Signal = Box::leak(Box::new(usched::Signal::new()));
    let t = s.spawn(core::future::pending()).unwrap();
    s.spawn(async move {
        let _ = select(pin!(s.join(t)), pin!(sig.wait())).await;
        log.at(c, "J woke");
    })
    .unwrap();
    s.spawn(async move {
        sig.wait().await;
        log.at(c, "K woke");
    })
    .unwrap();
    s.spawn(async move {
        yield_now().await; // J and K wait
        sig.signal();
        sleep(ms(1)).await;
        sig.signal();
        sleep(ms(1)).await;
        log.at(c, format!("signal still set: {}", sig.is_set()));
        let _ = s.stop(t);
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec!["0 K woke".to_string(), "1000 J woke".into(), "2000 signal still set: false".into()],
            Ok(RunEnd::Finished)
        )
    );
}

// ----- spawn's `make` and a join declared in a yielding poll -------------------------------------

/// `run` called from inside `spawn_with`'s `make` (a slot is popped off the free list but not yet
/// live): the nested run runs and drops the other task and leaves the slot being made alone, the
/// task is then spawned and runs in the next `run`, and every slot comes back. (This tripped the
/// debug invariant check, which wanted the free list to hold every slot that is not live: a
/// slot being made is neither. Not a scheduler bug: the check now allows for it.)
#[test]
fn run_inside_spawn_with_make_keeps_the_invariants() {
    let s: &'static Sched<4, 128> = sched();
    let c = clock();
    let (first, made) = (cell(false), cell(false));
    s.spawn(async { first.set(true) }).unwrap();
    let id = s
        .spawn_with(|id| {
            assert_eq!(s.free_slots(), 2, "this slot is taken, the first task's too");
            assert_eq!(s.run(c), RunEnd::Finished);
            assert!(first.get(), "the nested run ran the first task");
            assert_eq!(s.free_slots(), 3, "the first task's slot is back; this one is still taken");
            assert_eq!(s.status(id), Status::Finished, "not live until make returns");
            async { made.set(true) }
        })
        .unwrap();
    assert_eq!(s.status(id), Status::Running);
    assert_eq!(s.free_slots(), 3);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert!(made.get());
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
    let polls = cell(0u32);
    let x = s.spawn(core::future::pending()).unwrap();
    let d = s
        .spawn(async {
            sleep(ms(100)).await;
        })
        .unwrap();
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
        s.spawn(async move {
            sleep(ms(10 * k)).await;
        })
        .unwrap();
    }
    s.spawn(async move {
        sleep(ms(200)).await;
        s.stop(x).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    // Once at its first turn, once when `d` ends.
    assert_eq!(polls.get(), 2, "C was polled for ends of tasks it does not join");
}
