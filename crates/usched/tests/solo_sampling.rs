//! A task sampled alone may take its event in its sample poll (`MODE_SOLO`, `sampled.rs`), which
//! must look exactly like the two-poll behaviour (sample every waiter, pick the best, poll the
//! winner for real). Each test asserts what the two-poll code does in the same scenario. The first
//! section, and `ending_the_old_join_target_after_the_event` at the end, are the cases in which a
//! first version (solo for pollers and joining tasks too) differed; they are why solo polls are
//! now for tasks that wait on interrupt lines only. The others held from the start.
mod common;
use common::*;
use core::future::Future;
use core::pin::{pin, Pin};
use core::task::{Context, Poll, Waker};
use std::cell::RefCell;

use futures::future::{select, Either};
use usched::{sleep, timeout, IrqLine, Poller, RunEnd};

/// A leaked interrupt line.
fn line() -> &'static IrqLine {
    Box::leak(Box::new(IrqLine::new()))
}

/// Pending until `flag` is set; keeps the last waker it was polled with in `waker`.
struct WakeSlot {
    flag: &'static std::cell::Cell<bool>,
    waker: &'static RefCell<Option<Waker>>,
}

impl Future for WakeSlot {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.flag.get() {
            return Poll::Ready(());
        }
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

fn waker_cell() -> &'static RefCell<Option<Waker>> {
    Box::leak(Box::new(RefCell::new(None)))
}

// ----- where the first version differed from the two-poll behaviour --------------------------------

/// A callback that wakes its own task through a standard waker (here: it sends on a oneshot
/// channel whose receiver is the first branch of a `select`), and also has an event. Two polls:
/// the real poll sees the channel ready first and the `select` takes the channel. Solo: the wake
/// sits on the wake stack, `solo()` does not see it, and the poller's event completes the
/// `select` in the sample poll, before the channel branch is polled again.
#[test]
fn a_branch_woken_by_the_callback_wins_the_select() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let (tx, rx) = futures::channel::oneshot::channel::<u32>();
    s.spawn(async move {
        let mut tx = Some(tx);
        let mut p = Poller::new(move || {
            if let Some(tx) = tx.take() {
                tx.send(1).unwrap();
            }
            Some(7)
        });
        match select(rx, pin!(p.wait())).await {
            Either::Left((v, _)) => log.at(c, format!("channel {v:?}")),
            Either::Right((e, _)) => log.at(c, format!("poller {e:?}")),
        }
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!((log.take(), end), (vec!["0 channel Ok(1)".to_string()], Ok(RunEnd::Finished)));
}

/// The same with a branch that is ready, without a wake, once the callback has set a flag.
#[test]
fn a_branch_made_ready_by_the_callback_wins_the_select() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let go = cell(false);
    s.spawn(async move {
        let mut p = Poller::new(move || {
            go.set(true);
            Some(7)
        });
        match select(pin!(flag_set(go)), pin!(p.wait())).await {
            Either::Left(_) => log.at(c, "flag"),
            Either::Right((e, _)) => log.at(c, format!("poller {e:?}")),
        }
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!((log.take(), end), (vec!["0 flag".to_string()], Ok(RunEnd::Finished)));
}

/// Two pollers of one task in a `select`, both with an event. Two polls: the sample poll calls
/// both callbacks (the second's value is kept in its `Poller`), the real poll takes the first;
/// a later wait on the second returns the kept value without calling its callback. Solo: the
/// first completes in the sample poll, the second callback is not called in that pass.
#[test]
fn a_second_poller_in_the_select_is_still_called() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    s.spawn(async move {
        let mut p1 = Poller::new(move || {
            log.at(c, "p1 called");
            Some(1)
        });
        let mut n = 0;
        let mut p2 = Poller::new(move || {
            n += 1;
            log.at(c, format!("p2 called ({n})"));
            Some(n)
        });
        let r = match select(pin!(p1.wait()), pin!(p2.wait())).await {
            Either::Left((e, _)) => format!("p1 {e:?}"),
            Either::Right((e, _)) => format!("p2 {e:?}"),
        };
        log.at(c, format!("select: {r}"));
        let e = p2.wait().await;
        log.at(c, format!("p2 {e:?}"));
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec![
                "0 p1 called".to_string(),
                "0 p2 called (1)".into(),
                "0 select: p1 Event(1)".into(),
                "0 p2 Event(1)".into()
            ],
            Ok(RunEnd::Finished)
        )
    );
}

/// Two pollers of one task in a `join`, both with an event: two polls complete the join in one
/// run (the second's value was kept by the sample poll); solo takes the first in the sample poll
/// and leaves the second for a further pass and a further run.
#[test]
fn a_join_of_two_pollers_completes_in_one_run() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    s.spawn(async move {
        let mut p1 = Poller::new(move || {
            log.at(c, "p1 called");
            Some(1)
        });
        let mut p2 = Poller::new(move || {
            log.at(c, "p2 called");
            Some(2)
        });
        let (a, b) = futures::future::join(p1.wait(), p2.wait()).await;
        let runs = s.task_stats(s.current().unwrap()).unwrap().runs;
        log.at(c, format!("joined {a:?} {b:?}, runs before this one {runs}"));
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec![
                "0 p1 called".to_string(),
                "0 p2 called".into(),
                "0 joined Event(1) Event(2), runs before this one 1".into()
            ],
            Ok(RunEnd::Finished)
        )
    );
}

/// An interrupt wait and a poller in one `select`, both with an event: two polls call the
/// callback in the sample poll (and keep its value); solo takes the interrupt first and never
/// calls it.
#[test]
fn a_poller_after_an_interrupt_wait_is_still_called() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let l = line();
    l.signal();
    s.spawn(async move {
        let mut p = Poller::new(move || {
            log.at(c, "p called");
            Some(5)
        });
        let r = match select(pin!(l.wait()), pin!(p.wait())).await {
            Either::Left((e, _)) => format!("{e:?}"),
            Either::Right((e, _)) => format!("{e:?}"),
        };
        log.at(c, format!("select: {r}"));
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["0 p called".to_string(), "0 select: Irq(1)".into()], Ok(RunEnd::Finished))
    );
}

/// `longest_run` of a task whose callback takes 2 ms (it advances the simulated clock) and
/// which works 1 ms after its event: two polls time only the real poll (1 ms); solo times the
/// whole sample poll, callback included (3 ms).
#[test]
fn longest_run_leaves_the_callback_out() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    s.spawn(async move {
        let mut p = Poller::new(move || {
            c.advance(ms(2));
            Some(1)
        });
        let e = p.wait().await;
        c.advance(ms(1));
        sleep(ms(10)).await;
        let st = s.task_stats(s.current().unwrap()).unwrap();
        log.at(c, format!("{e:?} runs {} longest {:?}", st.runs, st.longest_run));
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["13000 Event(1) runs 2 longest 1ms".to_string()], Ok(RunEnd::Finished))
    );
}

// ----- scenarios that behave as with two polls ---------------------------------------------------

/// A poller alone: its callback is called once per pass while its task waits, the event is taken
/// in the pass it appears, and round-robin tasks keep their turns around it.
#[test]
fn callback_once_per_pass_and_events_in_order() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    s.spawn(async move {
        let mut p = Poller::new(move || {
            let t = c.now().as_micros();
            log.at(c, "cb");
            (t >= 2_000 && t.is_multiple_of(2_000)).then_some(u32::try_from(t / 1_000).unwrap())
        });
        for _ in 0..2 {
            let e = p.wait().await;
            log.at(c, format!("A {e:?}"));
        }
        let st = s.task_stats(s.current().unwrap()).unwrap();
        log.at(c, format!("A runs {}", st.runs));
    })
    .unwrap();
    s.spawn(async move {
        for _ in 0..3 {
            let late = sleep(ms(1)).await;
            log.at(c, format!("B late {late:?}"));
        }
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec![
                "0 cb".to_string(),
                "0 cb".into(),
                "1000 cb".into(),
                "1000 B late 0ns".into(),
                "1000 cb".into(),
                "2000 cb".into(),
                "2000 A Event(2)".into(),
                "2000 cb".into(),
                "2000 A Event(2)".into(),
                "2000 A runs 2".into(),
                "2000 B late 0ns".into(),
                "3000 B late 0ns".into()
            ],
            Ok(RunEnd::Finished)
        )
    );
}

/// B5: an event and an expired timeout in the same pass: the event wins and no lateness is
/// reported; after a real timeout, `wait_same_deadline` with an event takes the event.
#[test]
fn event_beats_an_expired_timeout() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let on = cell(false);
    s.spawn(async move {
        let mut p =
            Poller::with_timeout(move || (on.get() || c.now().as_micros() >= 3_000).then_some(9), ms(3));
        let e = p.wait().await;
        log.at(c, format!("{e:?}"));
        on.set(false);
        let mut q = Poller::with_timeout(move || on.get().then_some(4), ms(2));
        let e = q.wait().await;
        log.at(c, format!("{e:?}"));
        let e = q.wait_same_deadline().await;
        log.at(c, format!("{e:?}"));
        on.set(true);
        let e = q.wait_same_deadline().await;
        log.at(c, format!("{e:?}"));
        let st = s.task_stats(s.current().unwrap()).unwrap();
        log.at(c, format!("worst late {:?}", st.worst_late));
    })
    .unwrap();
    s.set_poll_interval(ms(10));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec![
                "3000 Event(9)".to_string(),
                "5000 TimedOut(0ns)".into(),
                "5000 TimedOut(0ns)".into(),
                "5000 Event(4)".into(),
                "5000 worst late 0ns".into()
            ],
            Ok(RunEnd::Finished)
        )
    );
}

/// Two waits of one task on one line, in a `join`: the first takes the whole count, the second
/// waits for the next signal; then a wait with a timeout, signalled in time and then not.
#[test]
fn two_waits_on_one_line_and_a_timeout() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let l = line();
    l.signal_n(3);
    s.spawn(async move {
        let (a, b) = futures::future::join(l.wait(), l.wait()).await;
        log.at(c, format!("{a:?} {b:?}"));
        let r = l.wait_timeout(ms(5)).await;
        log.at(c, format!("{r:?}"));
        let r = l.wait_timeout(ms(5)).await;
        log.at(c, format!("{r:?}"));
        let st = s.task_stats(s.current().unwrap()).unwrap();
        log.at(c, format!("runs {}", st.runs));
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        l.signal();
        sleep(ms(2)).await;
        l.signal_n(2);
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec![
                "1000 Irq(3) Irq(1)".to_string(),
                "3000 Irq(2)".into(),
                "8000 TimedOut(0ns)".into(),
                "8000 runs 4".into()
            ],
            Ok(RunEnd::Finished)
        )
    );
}

/// A callback that pauses its own task and reports an event: the task does not take it while
/// paused; resumed, it takes the kept value.
#[test]
fn callback_pausing_its_own_task() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let a = s
        .spawn(async move {
            let mut n = 0;
            let mut p = Poller::new(move || {
                n += 1;
                log.at(c, format!("cb {n}"));
                if n == 1 {
                    s.pause(s.current().unwrap()).unwrap();
                }
                Some(n)
            });
            let e = p.wait().await;
            log.at(c, format!("A {e:?}"));
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(5)).await;
        log.at(c, format!("B sees A {:?}", s.status(a)));
        s.resume(a).unwrap();
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec!["0 cb 1".to_string(), "5000 B sees A Paused".into(), "5000 A Event(1)".into()],
            Ok(RunEnd::Finished)
        )
    );
}

/// A callback that calls `stop_all` and reports an event: the run ends, the event is not taken,
/// the tasks are dropped oldest first.
#[test]
fn callback_calling_stop_all() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    s.spawn(async move {
        let _n = Noisy("A", log);
        let mut p = Poller::new(move || {
            log.at(c, "cb");
            s.stop_all();
            Some(1)
        });
        let e = p.wait().await;
        log.at(c, format!("A {e:?}"));
    })
    .unwrap();
    let nb = Noisy("B", log);
    s.spawn(async move {
        let _n = nb;
        sleep(ms(3)).await;
        log.at(c, "B woke");
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["0 cb".to_string(), "drop A".into(), "drop B".into()], Ok(RunEnd::Stopped))
    );
}

/// A callback that stops another task (its destructor runs inside the callback) and reports an
/// event: the event is taken in the same pass, after the destructor; a joiner of the stopped task
/// runs after.
#[test]
fn callback_stopping_another_task() {
    let c = clock();
    let s = sched::<4, 1024>();
    let log = Log::new();
    let victim = s
        .spawn(async move {
            let _n = Noisy("V", log);
            sleep(ms(100)).await;
        })
        .unwrap();
    s.spawn(async move {
        s.join(victim).await;
        log.at(c, "joiner past");
    })
    .unwrap();
    s.spawn(async move {
        let mut p = Poller::new(move || {
            if c.now().as_micros() < 2_000 {
                return None;
            }
            log.at(c, "cb stops V");
            let _ = s.stop(victim);
            Some(1)
        });
        let e = p.wait().await;
        log.at(c, format!("A {e:?} V {:?}", s.status(victim)));
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec![
                "2000 cb stops V".to_string(),
                "drop V".into(),
                "2000 A Event(1) V Finished".into(),
                "2000 joiner past".into()
            ],
            Ok(RunEnd::Finished)
        )
    );
}

/// A task that pauses itself right after taking its event, in the same poll, and is resumed
/// later; what it sees of itself (`current`, `status`) in the callback and after the event.
#[test]
fn pausing_itself_after_the_event_and_seeing_itself() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let a = s
        .spawn(async move {
            let me = s.current().unwrap();
            let mut p = Poller::new(move || {
                log.at(c, format!("cb current {} status {:?}", s.current() == Some(me), s.status(me)));
                Some(1)
            });
            let e = p.wait().await;
            log.at(c, format!("A {e:?} current {} status {:?}", s.current() == Some(me), s.status(me)));
            s.pause(me).unwrap();
            log.at(c, format!("A paused itself: {:?}", s.status(me)));
            let late = sleep(ms(1)).await;
            log.at(c, format!("A slept, late {late:?}"));
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(4)).await;
        log.at(c, format!("B sees A {:?}", s.status(a)));
        s.resume(a).unwrap();
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec![
                "0 cb current true status Running".to_string(),
                "0 A Event(1) current true status Running".into(),
                "0 A paused itself: Paused".into(),
                "4000 B sees A Paused".into(),
                "4000 A slept, late 3ms".into()
            ],
            Ok(RunEnd::Finished)
        )
    );
}

/// A poll that panics after its sampled wait completed: the panic leaves `run`, the task is
/// finished (its locals dropped by the unwind), the next `run` goes on with the others.
#[test]
fn panic_after_the_event_in_the_same_poll() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let a = s
        .spawn(async move {
            let _n = Noisy("A", log);
            let mut p = Poller::new(|| Some(1));
            let e = p.wait().await;
            log.at(c, format!("A {e:?}"));
            let mut nap = pin!(sleep(ms(1)));
            // Polled once (it declares a deadline), then:
            std::future::poll_fn(|cx| {
                let _ = nap.as_mut().poll(cx);
                Poll::Ready(())
            })
            .await;
            panic!("boom");
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(5)).await;
        log.at(c, "B woke");
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let first = run_caught(s, c);
    log.push(format!("first {first:?}, A {:?}", s.status(a)));
    let second = run_caught(s, c);
    assert_eq!(
        (log.take(), second),
        (
            vec![
                "0 A Event(1)".to_string(),
                "drop A".into(),
                "first Err(\"boom\"), A Finished".into(),
                "5000 B woke".into()
            ],
            Ok(RunEnd::Finished)
        )
    );
}

/// A callback that spawns a task and wakes another one through its standard waker, then reports
/// an event; the task yields after it: the woken task runs first, then the spawned one (queued
/// earlier, by the callback), then the task itself.
#[test]
fn callback_spawning_and_waking_through_a_waker() {
    let c = clock();
    let s = sched::<4, 1024>();
    let log = Log::new();
    let go = cell(false);
    let w = waker_cell();
    s.spawn(async move {
        WakeSlot { flag: go, waker: w }.await;
        log.at(c, "B woken");
    })
    .unwrap();
    s.spawn(async move {
        let mut p = Poller::new(move || {
            if c.now().as_micros() < 1_000 {
                return None;
            }
            s.spawn(async move { log.at(c, "spawned ran") }).unwrap();
            go.set(true);
            w.borrow_mut().take().unwrap().wake();
            Some(3)
        });
        let e = p.wait().await;
        log.at(c, format!("A {e:?}"));
        usched::yield_now().await;
        log.at(c, "A after yield");
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec![
                "1000 A Event(3)".to_string(),
                "1000 spawned ran".into(),
                "1000 B woken".into(),
                "1000 A after yield".into()
            ],
            Ok(RunEnd::Finished)
        )
    );
}

/// A callback that signals a usched `Signal` its task awaits in an earlier branch, and reports
/// an event: the signal wakes the task during its sample poll, so the event is not taken there
/// and the real poll takes the signal.
#[test]
fn callback_signalling_an_earlier_branch() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let sig: &'static usched::Signal = Box::leak(Box::new(usched::Signal::new()));
    s.spawn(async move {
        let mut p = Poller::new(move || {
            sig.signal();
            Some(7)
        });
        let r = match select(pin!(sig.wait()), pin!(p.wait())).await {
            Either::Left(_) => "signal".to_string(),
            Either::Right((e, _)) => format!("{e:?}"),
        };
        log.at(c, r);
        let e = p.wait().await;
        log.at(c, format!("then {e:?}"));
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["0 signal".to_string(), "0 then Event(7)".into()], Ok(RunEnd::Finished))
    );
}

/// An expired `sleep` polled before a poller with an event (`select`): the sleep declines in the
/// sample poll, so the poller may not complete there either; the real poll takes the sleep.
#[test]
fn an_expired_sleep_before_the_poller_wins() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let on = cell(false);
    s.spawn(async move {
        let mut p = Poller::new(move || on.get().then_some(2));
        let mut nap = pin!(sleep(ms(3)));
        let r = match select(nap.as_mut(), pin!(p.wait())).await {
            Either::Left((late, _)) => format!("sleep, late {late:?}"),
            Either::Right((e, _)) => format!("{e:?}"),
        };
        log.at(c, r);
    })
    .unwrap();
    s.spawn(async move {
        c.advance(ms(5));
        on.set(true);
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!((log.take(), end), (vec!["5000 sleep, late 2ms".to_string()], Ok(RunEnd::Finished)));
}

/// `usched::timeout` around a poller: an event in time, then a timeout with its lateness; and a
/// `join` declared in the same poll as the event, after it.
#[test]
fn timeout_around_a_poller_and_a_join_after_the_event() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let worker = s
        .spawn(async move {
            sleep(ms(20)).await;
            log.at(c, "worker done");
        })
        .unwrap();
    s.spawn(async move {
        let once = cell(false);
        let mut p = Poller::new(move || (c.now().as_micros() >= 2_000 && !once.replace(true)).then_some(1));
        let r = timeout(ms(5), p.wait()).await;
        log.at(c, format!("{r:?}"));
        let r = timeout(ms(5), p.wait()).await;
        log.at(c, format!("{}", r.is_err()));
        let mut q = Poller::new(move || (c.now().as_micros() >= 9_000).then_some(2));
        let (e, ()) = futures::future::join(q.wait(), s.join(worker)).await;
        log.at(c, format!("{e:?} joined"));
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec![
                "2000 Ok(Event(1))".to_string(),
                "7000 true".into(),
                "20000 worker done".into(),
                "20000 Event(2) joined".into()
            ],
            Ok(RunEnd::Finished)
        )
    );
}

/// A callback that resumes a paused sampled task: the pass is sampled again with both, the
/// larger value first, ties to the older task.
#[test]
fn callback_resuming_a_paused_sampled_task() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let b = s
        .spawn(async move {
            let mut p = Poller::new(move || (c.now().as_micros() >= 1_000).then_some(5));
            let e = p.wait().await;
            log.at(c, format!("B {e:?}"));
        })
        .unwrap();
    s.spawn(async move {
        s.pause(b).unwrap(); // B waits on its poller already
        let mut resumed = false;
        let mut p = Poller::new(move || {
            if c.now().as_micros() < 1_000 {
                return None;
            }
            if !resumed {
                resumed = true;
                s.resume(b).unwrap();
            }
            Some(5)
        });
        let e = p.wait().await;
        log.at(c, format!("A {e:?}"));
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["1000 B Event(5)".to_string(), "1000 A Event(5)".into()], Ok(RunEnd::Finished))
    );
}

/// A task `JOINING` a worker and waiting on a poller (poller first), whose event completes the
/// `select`; in the same poll it stops that worker and sleeps. With two polls it is not woken
/// by the worker's end (it no longer joins it): one run for the event, one for the sleep. Solo:
/// `Core::sampled_join` still names the worker for the rest of the solo poll, so the worker's end
/// marks the task `YIELD` and it runs once more for nothing (and `joiners` counts one too many).
#[test]
fn ending_the_old_join_target_after_the_event() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let worker = s.spawn(core::future::pending::<()>()).unwrap();
    let polls = cell(0u32);
    s.spawn(async move {
        let mut p = Poller::new(move || (c.now().as_micros() >= 1_000).then_some(1));
        let r = match select(pin!(p.wait()), pin!(s.join(worker))).await {
            Either::Left((e, _)) => format!("{e:?}"),
            Either::Right(_) => "joined".into(),
        };
        log.at(c, r);
        s.stop(worker).unwrap();
        let mut nap = pin!(sleep(ms(5)));
        std::future::poll_fn(|cx| {
            polls.set(polls.get() + 1);
            nap.as_mut().poll(cx)
        })
        .await;
        let runs = s.task_stats(s.current().unwrap()).unwrap().runs;
        log.at(c, format!("slept, sleep polled {} times, runs before this one {runs}", polls.get()));
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            vec![
                "1000 Event(1)".to_string(),
                "6000 slept, sleep polled 2 times, runs before this one 2".into()
            ],
            Ok(RunEnd::Finished)
        )
    );
}

// ----- second review: interrupt lines only -------------------------------------------------------
// The first four tests are what a solo poll changes: one poll fewer per event, so a future polled
// beside the interrupt wait, in the same task, is polled once less. They assert the solo outcome,
// and say what two polls did. No rule of the spec is involved: a future that becomes ready without
// a wake, counts its polls or signals the line it is awaited with is outside the `Future`
// contract's promises, and a future that wakes itself is polled again in its round-robin turn. The
// fifth found one clock read more per pass with `stats`, now gone. The others held.

/// The log's expected lines.
fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Pending while `arm` is unset; once armed, wakes itself through the waker once, then is ready.
struct WakeOnceArmed {
    arm: &'static std::cell::Cell<bool>,
    woke: bool,
    polls: &'static std::cell::Cell<u32>,
}
impl Future for WakeOnceArmed {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        if !self.arm.get() {
            return Poll::Pending;
        }
        if self.woke {
            return Poll::Ready(());
        }
        self.woke = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A `select` of an interrupt wait and a later branch made ready without a wake: the solo poll takes the interrupt (two polls let the later branch win: their sample poll completed the `select` with it, and the count stayed for the next wait).
#[test]
fn a_ready_branch_after_the_interrupt_wait_wins_the_select() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let l = line();
    let go = cell(false);
    s.spawn(async move {
        match select(pin!(l.wait()), pin!(flag_set(go))).await {
            Either::Left((e, _)) => log.at(c, format!("irq {e:?}")),
            Either::Right(_) => log.at(c, "flag"),
        }
        let r = l.wait_timeout(ms(1)).await;
        log.at(c, format!("then {r:?}"));
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(2)).await;
        l.signal();
        go.set(true);
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (strings(&["2000 irq Irq(1)", "3000 then TimedOut(0ns)"]), Ok(RunEnd::Finished))
    );
}

/// Hand-written futures that stay pending without waking, before and after an interrupt wait: how often each is polled per event (solo: the earlier once, the later not at all; two polls: twice and once).
#[test]
fn futures_beside_the_interrupt_wait_are_polled_in_the_sample_poll_too() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let l = line();
    let before = cell(0u32);
    let after = cell(0u32);
    s.spawn(async move {
        for _ in 0..3 {
            let pre = std::future::poll_fn(|_| {
                before.set(before.get() + 1);
                Poll::<()>::Pending
            });
            let post = std::future::poll_fn(|_| {
                after.set(after.get() + 1);
                Poll::<()>::Pending
            });
            let r = match select(pin!(pre), pin!(select(pin!(l.wait()), pin!(post)))).await {
                Either::Right((Either::Left((e, _)), _)) => format!("{e:?}"),
                _ => "other".into(),
            };
            log.at(c, format!("{r} polls before {} after {}", before.get(), after.get()));
        }
    })
    .unwrap();
    s.spawn(async move {
        for _ in 0..3 {
            sleep(ms(1)).await;
            l.signal();
        }
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            strings(&[
                "1000 Irq(1) polls before 5 after 4",
                "2000 Irq(1) polls before 9 after 7",
                "3000 Irq(1) polls before 13 after 10"
            ]),
            Ok(RunEnd::Finished)
        )
    );
}

/// A branch after the wait signals the line when polled: in a solo poll that is after the count was taken, so it counts in the next resume (two polls: it landed between the sample poll and the run, and counted in this one, `Irq(2)`).
#[test]
fn a_signal_made_between_sampling_and_the_run_counts_in_this_resume() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let l = line();
    let arm = cell(false);
    s.spawn(async move {
        let (e, ()) = futures::future::join(
            l.wait(),
            std::future::poll_fn(|_| {
                if arm.get() {
                    l.signal();
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }),
        )
        .await;
        log.at(c, format!("{e:?}"));
        let r = l.wait_timeout(ms(1)).await;
        log.at(c, format!("then {r:?}"));
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        arm.set(true);
        l.signal();
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!((log.take(), end), (strings(&["1000 Irq(1)", "1000 then Irq(1)"]), Ok(RunEnd::Finished)));
}

/// Clock reads with one interrupt waiter that waits while another task yields 100 times: 206, as with two polls (a first version of solo polls read the clock before each of them, with `stats`; now only when the interrupt wait completes).
#[test]
fn clock_reads_while_a_lone_interrupt_waiter_waits() {
    let c = counting();
    let s = sched::<3, 1024>();
    let l = line();
    s.spawn(async move {
        let _ = l.wait().await;
    })
    .unwrap();
    s.spawn(async move {
        for _ in 0..100 {
            usched::yield_now().await;
        }
        l.signal();
    })
    .unwrap();
    let end = s.run(c);
    assert_eq!((c.nows.load(std::sync::atomic::Ordering::Relaxed), end), (206, RunEnd::Finished));
}

/// A `join` of an interrupt wait and a future that wakes itself once through its waker and is ready when polled again: solo needs a further run, in its round-robin turn after the other task's (two polls finished the join in the event's run: their sample poll used up the wake).
#[test]
fn a_future_waking_itself_after_the_wait_finishes_in_the_same_run() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let l = line();
    let arm = cell(false);
    let polls = cell(0u32);
    s.spawn(async move {
        let (e, ()) = futures::future::join(l.wait(), WakeOnceArmed { arm, woke: false, polls }).await;
        let runs = s.task_stats(s.current().unwrap()).unwrap().runs;
        log.at(c, format!("A {e:?} polls {} runs before {runs}", polls.get()));
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        arm.set(true);
        l.signal();
        log.at(c, "B signalled");
        usched::yield_now().await;
        log.at(c, "B after yield");
        usched::yield_now().await;
        log.at(c, "B after 2nd yield");
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            strings(&[
                "1000 B signalled",
                "1000 B after yield",
                "1000 A Irq(1) polls 6 runs before 2",
                "1000 B after 2nd yield"
            ]),
            Ok(RunEnd::Finished)
        )
    );
}

/// A task looping on `wait` that works 300 µs after each event and signals itself once, beside a sleeper and a yielder: events, saturated counts, lateness, runs, longest run and passes.
#[test]
fn interrupt_loop_with_work_saturation_and_round_robin() {
    let c = clock();
    let s = sched::<4, 1024>();
    let log = Log::new();
    let l = line();
    let a = s
        .spawn(async move {
            for i in 0..5 {
                let e = l.wait().await;
                log.at(c, format!("A {e:?}"));
                c.advance(us(300));
                if i == 1 {
                    l.signal();
                }
            }
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        l.signal();
        l.signal();
        sleep(ms(1)).await;
        l.signal_n(u32::MAX);
        l.signal();
        log.at(c, "B signalled max");
        sleep(ms(1)).await;
        l.signal();
        log.at(c, format!("B A status {:?}", s.status(a)));
        let st = s.task_stats(a).unwrap();
        log.at(c, format!("A runs {} longest {:?} late {:?}", st.runs, st.longest_run, st.worst_late));
        l.signal();
    })
    .unwrap();
    s.spawn(async move {
        for _ in 0..3 {
            let late = sleep(ms(1)).await;
            log.at(c, format!("C late {late:?}"));
        }
    })
    .unwrap();
    s.spawn(async move {
        for i in 0..4 {
            log.at(c, format!("D {i}"));
            usched::yield_now().await;
        }
    })
    .unwrap();
    let end = run_caught(s, c);
    let st = s.stats();
    assert_eq!(
        (log.take(), (end, st.passes)),
        (
            strings(&[
                "0 D 0",
                "0 D 1",
                "0 D 2",
                "0 D 3",
                "1000 A Irq(2)",
                "1300 C late 300µs",
                "2000 B signalled max",
                "2000 A Irq(4294967295)",
                "2300 A Irq(1)",
                "2600 C late 300µs",
                "3000 B A status Running",
                "3000 A runs 4 longest 300µs late 0ns",
                "3000 A Irq(2)",
                "3600 C late 0ns"
            ]),
            (Ok(RunEnd::Stalled), 23)
        )
    );
}

/// `wait_timeout`: an event in time, a timeout, an event at the very instant of a timeout (B5), and the lateness statistics.
#[test]
fn interrupt_wait_timeout_event_beats_timeout_and_stats() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let l = line();
    let a = s
        .spawn(async move {
            for _ in 0..4 {
                let r = l.wait_timeout(ms(2)).await;
                log.at(c, format!("A {r:?}"));
            }
            let me = s.current().unwrap();
            let st = s.task_stats(me).unwrap();
            log.at(c, format!("A runs {} worst {:?} last {:?}", st.runs, st.worst_late, st.last_late));
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        l.signal();
        sleep(ms(4)).await; // 5000: A's third wait times out now too
        l.signal();
        sleep(ms(1)).await; // 6000
        c.advance(ms(2));
        log.at(c, format!("B worked, A {:?}", s.status(a)));
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            strings(&[
                "1000 A Irq(1)",
                "3000 A TimedOut(0ns)",
                "5000 A TimedOut(0ns)",
                "5000 A Irq(1)",
                "5000 A runs 4 worst 0ns last 0ns",
                "8000 B worked, A Finished"
            ]),
            Ok(RunEnd::Finished)
        )
    );
}

/// An interrupt wait inside `usched::timeout`, in `select`s with a `sleep` on either side (signal at the sleep's expiry), and in a `join` with a sleep.
#[test]
fn interrupt_wait_in_timeout_select_and_join_with_sleeps() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let l = line();
    s.spawn(async move {
        let r = timeout(ms(5), l.wait()).await;
        log.at(c, format!("timeout {r:?}"));
        let r = timeout(ms(5), l.wait()).await;
        log.at(c, format!("timeout {}", r.is_err()));
        let r = match select(pin!(l.wait()), pin!(sleep(ms(3)))).await {
            Either::Left((e, _)) => format!("irq {e:?}"),
            Either::Right((late, _)) => format!("sleep {late:?}"),
        };
        log.at(c, format!("wait|sleep {r}"));
        let r = match select(pin!(sleep(ms(3))), pin!(l.wait())).await {
            Either::Left((late, _)) => format!("sleep {late:?}"),
            Either::Right((e, _)) => format!("irq {e:?}"),
        };
        log.at(c, format!("sleep|wait {r}"));
        let (e, late) = futures::future::join(l.wait(), sleep(ms(1))).await;
        log.at(c, format!("join {e:?} {late:?}"));
        let r = l.wait_timeout(ms(1)).await;
        log.at(c, format!("leftover {r:?}"));
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await; // 1000
        l.signal();
        sleep(ms(9)).await; // 10000: the second timeout fired at 6000; the select's sleep is due at 9000
        l.signal();
        sleep(ms(3)).await; // 13000: the second select's sleep is due now
        l.signal();
        sleep(ms(2)).await; // 15000
        l.signal();
        l.signal();
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            strings(&[
                "1000 timeout Ok(Irq(1))",
                "6000 timeout true",
                "9000 wait|sleep sleep 0ns",
                "10000 sleep|wait irq Irq(1)",
                "13000 join Irq(1) 0ns",
                "14000 leftover TimedOut(0ns)"
            ]),
            Ok(RunEnd::Finished)
        )
    );
}

/// Two lines in a `select` (only the second, then both signalled) and in a `join` (one, then the other).
#[test]
fn interrupt_waits_on_two_lines_in_select_and_join() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let (l1, l2) = (line(), line());
    s.spawn(async move {
        let r = match select(pin!(l1.wait()), pin!(l2.wait())).await {
            Either::Left((e, _)) => format!("l1 {e:?}"),
            Either::Right((e, _)) => format!("l2 {e:?}"),
        };
        log.at(c, r);
        let (a, b) = futures::future::join(l1.wait(), l2.wait()).await;
        log.at(c, format!("join {a:?} {b:?}"));
        let r = match select(pin!(l1.wait()), pin!(l2.wait())).await {
            Either::Left((e, _)) => format!("l1 {e:?}"),
            Either::Right((e, _)) => format!("l2 {e:?}"),
        };
        log.at(c, r);
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        l2.signal();
        sleep(ms(1)).await;
        l1.signal_n(3);
        sleep(ms(1)).await;
        l2.signal();
        l1.signal();
        sleep(ms(1)).await;
        l1.signal();
        l2.signal_n(5);
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (strings(&["1000 l2 Irq(1)", "3000 join Irq(3) Irq(1)", "3000 l1 Irq(1)"]), Ok(RunEnd::Finished))
    );
}

/// After its event, in the same poll, a task sees itself (`current`, `status`), pauses itself, is resumed later; then stops itself (destructor order).
#[test]
fn interrupt_pause_stop_status_after_the_event() {
    let c = clock();
    let s = sched::<4, 1024>();
    let log = Log::new();
    let l = line();
    let a = s
        .spawn(async move {
            let _n = Noisy("A", log);
            let me = s.current().unwrap();
            let e = l.wait().await;
            log.at(c, format!("A {e:?} current {} status {:?}", s.current() == Some(me), s.status(me)));
            s.pause(me).unwrap();
            log.at(c, format!("A paused itself: {:?}", s.status(me)));
            let e = l.wait_timeout(ms(1)).await;
            log.at(c, format!("A {e:?}"));
            let _m = Noisy("A inner", log);
            let e = l.wait().await;
            log.at(c, format!("A {e:?}, stops itself"));
            s.stop(me).unwrap();
            log.at(c, format!("A stopped itself: {:?}", s.status(me)));
            std::future::pending::<()>().await;
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        l.signal();
        sleep(ms(1)).await;
        l.signal();
        log.at(c, format!("B sees A {:?}", s.status(a)));
        sleep(ms(3)).await;
        log.at(c, format!("B sees A {:?}", s.status(a)));
        s.resume(a).unwrap();
        sleep(ms(1)).await;
        l.signal();
        sleep(ms(1)).await;
        log.at(c, format!("B sees A {:?}", s.status(a)));
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            strings(&[
                "1000 A Irq(1) current true status Running",
                "1000 A paused itself: Paused",
                "2000 B sees A Paused",
                "5000 B sees A Paused",
                "5000 A Irq(1)",
                "6000 A Irq(1), stops itself",
                "6000 A stopped itself: Finished",
                "drop A inner",
                "drop A",
                "7000 B sees A Finished"
            ]),
            Ok(RunEnd::Finished)
        )
    );
}

/// `stop_all` right after the event, in the same poll: the run stops, tasks are dropped oldest first.
#[test]
fn interrupt_stop_all_after_the_event() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let l = line();
    s.spawn(async move {
        let _n = Noisy("A", log);
        let e = l.wait().await;
        log.at(c, format!("A {e:?}"));
        s.stop_all();
        let _m = Noisy("A after stop_all", log);
        usched::yield_now().await;
        log.at(c, "A after yield");
    })
    .unwrap();
    let nb = Noisy("B", log);
    s.spawn(async move {
        let _n = nb;
        sleep(ms(1)).await;
        l.signal();
        sleep(ms(1)).await;
        log.at(c, "B woke");
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (strings(&["1000 A Irq(1)", "drop A after stop_all", "drop A", "drop B"]), Ok(RunEnd::Stopped))
    );
}

/// A panic after the event (with a timed wait and a sleep declared in that poll): the task ends, its joiner and the next `run` go on.
#[test]
fn interrupt_panic_after_the_event_with_a_joiner() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let l = line();
    let a = s
        .spawn(async move {
            let _n = Noisy("A", log);
            let e = l.wait_timeout(ms(10)).await;
            log.at(c, format!("A {e:?}"));
            let _w = l.wait_timeout(ms(3)); // never polled
            let mut nap = pin!(sleep(ms(1)));
            std::future::poll_fn(|cx| {
                let _ = nap.as_mut().poll(cx);
                Poll::Ready(())
            })
            .await;
            panic!("boom");
        })
        .unwrap();
    let b = s
        .spawn(async move {
            s.join(a).await;
            log.at(c, "B joined A");
            let e = l.wait().await;
            log.at(c, format!("B {e:?}"));
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        l.signal();
        sleep(ms(5)).await;
        l.signal();
        log.at(c, "C signalled");
    })
    .unwrap();
    let first = run_caught(s, c);
    log.push(format!("first {first:?}, A {:?} B {:?}", s.status(a), s.status(b)));
    let second = run_caught(s, c);
    assert_eq!(
        (log.take(), second),
        (
            strings(&[
                "1000 A Irq(1)",
                "drop A",
                "first Err(\"boom\"), A Finished B Running",
                "1000 B joined A",
                "6000 C signalled",
                "6000 B Irq(1)"
            ]),
            Ok(RunEnd::Finished)
        )
    );
}

/// After its event a task signals a usched `Signal`, then joins an interrupt wait with another `Signal`; another task joins it.
#[test]
fn interrupt_event_with_joins_and_usched_signals() {
    let c = clock();
    let s = sched::<4, 1024>();
    let log = Log::new();
    let l = line();
    let sig: &'static usched::Signal = Box::leak(Box::new(usched::Signal::new()));
    let sig2: &'static usched::Signal = Box::leak(Box::new(usched::Signal::new()));
    let a = s
        .spawn(async move {
            let _n = Noisy("A", log);
            let e = l.wait().await;
            log.at(c, format!("A {e:?}"));
            sig.signal();
            let (e, ()) = futures::future::join(l.wait(), sig2.wait()).await;
            log.at(c, format!("A {e:?} and sig2"));
        })
        .unwrap();
    s.spawn(async move {
        s.join(a).await;
        log.at(c, "B joined A");
    })
    .unwrap();
    s.spawn(async move {
        sig.wait().await;
        log.at(c, "C got sig");
        sig2.signal();
        sleep(ms(1)).await;
        l.signal();
        log.at(c, "C signalled again");
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        l.signal();
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            strings(&[
                "1000 A Irq(1)",
                "1000 C got sig",
                "2000 C signalled again",
                "2000 A Irq(1) and sig2",
                "drop A",
                "2000 B joined A"
            ]),
            Ok(RunEnd::Finished)
        )
    );
}

/// After its event a task spawns, wakes another through its waker and yields: the order in which they all run.
#[test]
fn interrupt_event_then_spawn_wake_and_yield() {
    let c = clock();
    let s = sched::<5, 1024>();
    let log = Log::new();
    let l = line();
    let go = cell(false);
    let w: &'static std::cell::RefCell<Option<std::task::Waker>> =
        Box::leak(Box::new(std::cell::RefCell::new(None)));
    s.spawn(async move {
        std::future::poll_fn(|cx| {
            if go.get() {
                return Poll::Ready(());
            }
            *w.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
        .await;
        log.at(c, "W woken");
    })
    .unwrap();
    s.spawn(async move {
        let e = l.wait().await;
        log.at(c, format!("A {e:?}"));
        s.spawn(async move { log.at(c, "spawned ran") }).unwrap();
        go.set(true);
        w.borrow_mut().take().unwrap().wake();
        usched::yield_now().await;
        log.at(c, "A after yield");
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        l.signal();
        log.at(c, "B signalled");
        usched::yield_now().await;
        log.at(c, "B after yield");
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (
            strings(&[
                "1000 B signalled",
                "1000 A Irq(1)",
                "1000 B after yield",
                "1000 spawned ran",
                "1000 W woken",
                "1000 A after yield"
            ]),
            Ok(RunEnd::Finished)
        )
    );
}

/// After its event a task resumes a paused waiter of another line whose count is pending: both waiters are then sampled.
#[test]
fn interrupt_event_then_resuming_a_paused_waiter() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let (l1, l2) = (line(), line());
    let b = s
        .spawn(async move {
            let e = l2.wait().await;
            log.at(c, format!("B {e:?}"));
        })
        .unwrap();
    s.spawn(async move {
        s.pause(b).unwrap();
        let e = l1.wait().await;
        log.at(c, format!("A {e:?}"));
        l2.signal_n(4);
        s.resume(b).unwrap();
        let e = l1.wait().await;
        log.at(c, format!("A {e:?}"));
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(1)).await;
        l1.signal();
        l1.signal();
        l1.signal();
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!((log.take(), end), (strings(&["1000 A Irq(3)", "1000 B Irq(4)"]), Ok(RunEnd::Stalled)));
}

/// The simulated board's interrupt stimuli (two at one instant) and a waiter with timeouts that works 120 µs per event, beside a sleeper.
#[test]
fn interrupt_waits_on_the_simulated_board() {
    let b = usched_sim::Board::new();
    let s = sched::<3, 1024>();
    let l = line();
    let log = Log::new();
    for t in [100u64, 250, 250, 900, 901, 5000] {
        b.irq_at(usched::Instant::from_micros(t), l);
    }
    s.spawn(async move {
        loop {
            let r = l.wait_timeout(ms(2)).await;
            log.push(format!("{} {r:?}", b.now().as_micros()));
            b.advance(us(120));
            if b.now().as_micros() > 6000 {
                break;
            }
        }
    })
    .unwrap();
    s.spawn(async move {
        for _ in 0..4 {
            sleep(us(700)).await;
            log.push(format!("{} tick", b.now().as_micros()));
        }
    })
    .unwrap();
    let end = s.run(b);
    assert_eq!(
        (log.take(), end),
        (
            strings(&[
                "100 Irq(1)",
                "250 Irq(2)",
                "700 tick",
                "900 Irq(1)",
                "1020 Irq(1)",
                "1400 tick",
                "2100 tick",
                "2800 tick",
                "3140 TimedOut(0ns)",
                "5000 Irq(1)",
                "7120 TimedOut(0ns)"
            ]),
            RunEnd::Finished
        )
    );
}

/// One line waited on by a task of each of two schedulers, the second run nested in a task of the first.
#[test]
fn interrupt_line_shared_by_two_schedulers() {
    let c = clock();
    let s1 = sched::<3, 2048>();
    let s2 = sched::<2, 1024>();
    let log = Log::new();
    let l = line();
    s2.spawn(async move {
        for _ in 0..2 {
            let e = l.wait_timeout(ms(3)).await;
            log.at(c, format!("s2 B {e:?}"));
        }
    })
    .unwrap();
    s1.spawn(async move {
        for _ in 0..2 {
            let e = l.wait_timeout(ms(5)).await;
            log.at(c, format!("s1 A {e:?}"));
        }
    })
    .unwrap();
    s1.spawn(async move {
        sleep(ms(1)).await;
        l.signal();
        let end = s2.run(c);
        log.at(c, format!("s2 ended {end:?}"));
        l.signal();
    })
    .unwrap();
    let end = run_caught(s1, c);
    assert_eq!(
        (log.take(), end),
        (
            strings(&[
                "1000 s2 B Irq(1)",
                "4000 s2 B TimedOut(0ns)",
                "4000 s2 ended Finished",
                "4000 s1 A Irq(1)",
                "9000 s1 A TimedOut(0ns)"
            ]),
            Ok(RunEnd::Finished)
        )
    );
}
