//! B3, B4, B5, D4, E2 around sampling: what a sample poll (the scheduler asking a poller or
//! interrupt waiter "anything for you?" every pass) may and may not do. A sample poll never
//! completes a wait, never counts as a run, never disturbs the declarations of the poll it
//! follows, and a task that gets past its wait during one is run properly soon after. Each test
//! here pinned down a defect an adversarial review found in the rebuilt core (all fixed).
mod common;
use common::*;
use core::pin::pin;

use futures::future::select;
use usched::{sleep, yield_now, IrqLine, Poller, RunEnd};

// ----- 1. the rest of a sample poll runs in sample mode ------------------------------------------

/// D4: a sampled task (it awaits a poller) whose other branch completes during a *sample* poll
/// goes on running in sample mode; its `join` there registers nothing, so the joiner is never
/// woken when the target ends.
#[test]
fn join_after_a_sample_poll_got_past_its_wait() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let go = cell(false);
    let worker = s
        .spawn(async {
            sleep(ms(10)).await;
        })
        .unwrap();
    s.spawn(async move {
        let mut p = Poller::new(|| None);
        let _ = select(pin!(p.wait()), pin!(flag_set(go))).await;
        log.at(c, "past select");
        s.join(worker).await;
        log.at(c, "joined");
    })
    .unwrap();
    s.spawn(async move {
        go.set(true);
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["0 past select".to_string(), "10000 joined".into()], Ok(RunEnd::Finished))
    );
}

/// B2: a sampled task whose other branch completes during a sample poll, and which then starts a
/// fresh `sleep` in that same poll: `sampled_ran` strips the `T` the sleep declared, so the task
/// waits with no deadline and never wakes.
#[test]
fn fresh_sleep_after_a_sample_poll_got_past_its_wait() {
    let c = clock();
    let s = sched::<2, 1024>();
    let log = Log::new();
    let go = cell(false);
    s.spawn(async move {
        let mut p = Poller::new(|| None);
        let _ = select(pin!(p.wait()), pin!(flag_set(go))).await;
        log.at(c, "past select");
        let late = sleep(ms(5)).await;
        log.at(c, format!("slept, late {late:?}"));
    })
    .unwrap();
    s.spawn(async move {
        go.set(true);
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["0 past select".to_string(), "5000 slept, late 0ns".into()], Ok(RunEnd::Finished))
    );
}

// ----- 2. a task ending during another task's poll ----------------------------------------------

/// B2, D4: task A stops a task and sleeps, in one poll, while another task joins a third. A's
/// deadline is registered as asked (an earlier design sampled the joiners right after A's poll and
/// lost it), and the joiner is woken only when the task it joins ends, not by an unrelated end:
/// its other branch (ready without a wake) does not make it run earlier.
#[test]
fn a_task_ending_during_another_poll_keeps_that_polls_deadline() {
    let c = clock();
    let s = sched::<4, 1024>();
    let log = Log::new();
    let go = cell(false);
    let long = s
        .spawn(async {
            sleep(ms(1000)).await;
        })
        .unwrap();
    let victim = s.spawn(core::future::pending()).unwrap();
    s.spawn(async move {
        // JOINING on `long`; also ready (without a wake) once `go` is set.
        let _ = select(pin!(s.join(long)), pin!(flag_set(go))).await;
        log.at(c, "joiner past");
    })
    .unwrap();
    s.spawn(async move {
        yield_now().await; // let the joiner register first
        go.set(true);
        s.stop(victim).unwrap(); // a task ends, but not the one joined
        let late = sleep(ms(5)).await;
        log.at(c, format!("A slept, late {late:?}"));
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!(
        (log.take(), end),
        (vec!["5000 A slept, late 0ns".to_string(), "1000000 joiner past".into()], Ok(RunEnd::Finished))
    );
}

// ----- 3. an interrupt line shared by three schedulers ------------------------------------------

/// B4, C4: a line keeps a waker for two schedulers; a third is neither refused nor made to push
/// the others out (which once made three schedulers nudge each other round a ring for ever): it
/// samples the line every poll interval, like a poller. So while nothing happens the two with a
/// waker idle with no deadline (they rest until woken), the third idles to its next poll, and one
/// signal reaches a task whichever scheduler it runs on.
#[test]
fn irq_line_shared_by_three_schedulers_rests_and_the_third_polls() {
    use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
    use embassy_sync::signal::Signal as ESignal;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use usched::{Clock, Instant, StdClock, Wakeup};
    /// Real time; records whether it was ever asked to idle with and without a deadline.
    struct Watched(StdClock, AtomicU64, AtomicBool, AtomicBool);
    impl Clock for Watched {
        fn now(&self) -> Instant {
            self.0.now()
        }
        fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
            match until {
                None => self.2.store(true, Ordering::SeqCst),
                Some(_) => self.3.store(true, Ordering::SeqCst),
            }
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.idle(until, wake)
        }
    }
    static LINE: IrqLine = IrqLine::new();
    static QUIT: [ESignal<CriticalSectionRawMutex, ()>; 3] = [const { ESignal::new() }; 3];
    static GOT: AtomicU64 = AtomicU64::new(0);
    let clocks: Vec<&'static Watched> = (0..3)
        .map(|_| {
            let w =
                Watched(StdClock::new(), AtomicU64::new(0), AtomicBool::new(false), AtomicBool::new(false));
            &*Box::leak(Box::new(w))
        })
        .collect();
    let threads: Vec<_> = (0..3)
        .map(|i| {
            let c = clocks[i];
            let t = std::thread::spawn(move || {
                let s = sched::<2, 512>();
                s.set_poll_interval(ms(1));
                s.spawn(async {
                    let _ = LINE.wait().await;
                    GOT.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
                s.spawn(async move {
                    QUIT[i].wait().await;
                    s.stop_all();
                })
                .unwrap();
                s.run(c)
            });
            // Each scheduler has enlisted once it idles: 0 and 1 get a waker entry, 2 does not.
            while c.1.load(Ordering::SeqCst) == 0 {
                std::thread::yield_now();
            }
            t
        })
        .collect();
    while clocks[2].1.load(Ordering::SeqCst) < 3 {
        std::thread::yield_now(); // the third idles again and again: it polls
    }
    LINE.signal();
    while GOT.load(Ordering::SeqCst) == 0 {
        std::thread::yield_now();
    }
    for q in &QUIT {
        q.signal(());
    }
    for t in threads {
        assert_eq!(t.join().unwrap(), RunEnd::Stopped);
    }
    let rested = |c: &Watched| (c.2.load(Ordering::SeqCst), c.3.load(Ordering::SeqCst));
    assert_eq!(rested(clocks[0]), (true, false), "scheduler 0 rests until woken");
    assert_eq!(rested(clocks[1]), (true, false), "scheduler 1 rests until woken");
    // Scheduler 2 idled to its next poll while its task waited; if its task is the one that took
    // the signal, it may rest afterwards too (only its QUIT task is left), so that is not asserted.
    assert!(rested(clocks[2]).1, "scheduler 2 idles to its next poll");
    assert_eq!(GOT.load(Ordering::SeqCst), 1, "one signal, one task takes it");
}

// ----- 4. statistics --------------------------------------------------------------------------------

/// E2: `runs` is "times the task was polled (run until its next await)". A task that awaits a poller
/// once and gets its event after 1 ms ran twice (its first poll and the event), but every sample
/// poll (the scheduler calling its callback, every pass) is counted as a run too.
#[test]
fn sample_polls_count_as_runs() {
    let c = clock();
    let s = sched::<2, 512>();
    let id = s
        .spawn(async move {
            let mut p = Poller::new(move || (c.now().as_micros() >= 1_000).then_some(1));
            let _ = p.wait().await;
            core::future::pending::<()>().await;
        })
        .unwrap();
    s.spawn(async move {
        sleep(ms(2)).await;
        let runs = s.task_stats(id).unwrap().runs;
        s.stop_all();
        assert_eq!(runs, 2, "runs of a task that ran twice");
    })
    .unwrap();
    s.set_poll_interval(us(100));
    s.run(c);
}

// ----- 5. a callback that edits the sampled list hides the rest of it for a pass ------------------

/// B3/B5: a poller whose event and timeout both arrive at 5 ms must report the event ("the event
/// wins"; the callback is called on every pass). But another poller's callback, sampled first in
/// the same pass, pauses a third sampled task; `sample_all` then stops sampling (the list's epoch
/// changed), so the first poller's callback is skipped and its expired deadline runs it instead:
/// `TimedOut`.
#[test]
fn callback_editing_the_sampled_list_lets_a_timeout_beat_an_event() {
    let c = clock();
    let s = sched::<3, 1024>();
    let log = Log::new();
    let z = s
        .spawn(async {
            let _ = Poller::new(|| None).wait().await;
        })
        .unwrap();
    s.spawn(async move {
        let mut p = Poller::with_timeout(move || (c.now().as_micros() >= 5_000).then_some(1), ms(5));
        let r = p.wait().await;
        log.at(c, format!("{r:?}"));
        s.stop_all();
    })
    .unwrap();
    let paused = cell(false);
    s.spawn(async move {
        let mut p = Poller::new(move || {
            if c.now().as_micros() >= 5_000 && !paused.replace(true) {
                s.pause(z).unwrap();
            }
            None
        });
        let _ = p.wait().await;
    })
    .unwrap();
    let end = run_caught(s, c);
    assert_eq!((log.take(), end), (vec!["5000 Event(1)".to_string()], Ok(RunEnd::Stopped)));
}
