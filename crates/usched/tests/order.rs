//! C. Which task runs next.
mod common;
use common::*;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use usched::{sleep, yield_now, Clock, Instant, IrqLine, Poller, Wakeup};
use usched_sim::SimClock;

/// C1: interrupts (more first), then poller events (larger first), then expired deadlines
/// (most overdue first), then round-robin in FIFO order; ties go to the task spawned earlier.
#[test]
fn c1_the_full_order() {
    static IRQ_A: IrqLine = IrqLine::new();
    static IRQ_B: IrqLine = IrqLine::new();
    static IRQ_TIE: IrqLine = IrqLine::new();
    let c = clock();
    let s = sched::<12, 512>();
    let log = Log::new();
    let go: &'static Cell<bool> = Box::leak(Box::new(Cell::new(false)));
    // Round-robin tasks first, so they are queued before everything else becomes ready.
    for name in ["rr1", "rr2"] {
        s.spawn(async move {
            while !go.get() {
                yield_now().await;
            }
            log.push(name);
        })
        .unwrap();
    }
    for (name, ms_) in [("timer 3ms overdue", 2u64), ("timer 1ms overdue", 4), ("timer tie 1ms", 4)] {
        s.spawn(async move {
            sleep(ms(ms_)).await;
            log.push(name);
        })
        .unwrap();
    }
    for (name, v) in [("poll 1", 1u32), ("poll 9", 9), ("poll tie 9", 9)] {
        s.spawn(async move {
            let mut p = Poller::new(move || go.get().then_some(v));
            p.wait().await;
            log.push(name);
        })
        .unwrap();
    }
    for (name, line) in [("irq 2", &IRQ_A), ("irq 5", &IRQ_B), ("irq tie 5", &IRQ_TIE)] {
        s.spawn(async move {
            line.wait().await;
            log.push(name);
        })
        .unwrap();
    }
    s.spawn(async move {
        // Every other task has registered its wait by now; make them all ready at once.
        yield_now().await;
        c.advance(ms(5));
        IRQ_A.signal_n(2);
        IRQ_B.signal_n(5);
        IRQ_TIE.signal_n(5);
        go.set(true);
    })
    .unwrap();
    s.run(c);
    assert_eq!(
        log.take(),
        [
            "irq 5",
            "irq tie 5",
            "irq 2",
            "poll 9",
            "poll tie 9",
            "poll 1",
            "timer 3ms overdue",
            "timer 1ms overdue",
            "timer tie 1ms",
            "rr1",
            "rr2"
        ]
    );
}

/// C2: higher classes may run many times in a row: an always-ready poller starves round-robin
/// tasks; a `yield_now` in its loop lets them run.
#[test]
fn c2_always_ready_poller_starves_round_robin_unless_it_yields() {
    for polite in [false, true] {
        let c = clock();
        let s = sched::<2, 512>();
        let log = Log::new();
        s.spawn(async move {
            let mut p = Poller::new(|| Some(1));
            for i in 0..3 {
                p.wait().await;
                log.push(format!("poll{i}"));
                if polite {
                    yield_now().await;
                }
            }
        })
        .unwrap();
        s.spawn(async move {
            for i in 0..3 {
                log.push(format!("rr{i}"));
                yield_now().await;
            }
        })
        .unwrap();
        s.run(c);
        // The poller registers in pass 1 and fires in pass 2, before rr's first turn.
        let expect: &[&str] = if polite {
            &["poll0", "rr0", "poll1", "rr1", "poll2", "rr2"]
        } else {
            &["poll0", "poll1", "poll2", "rr0", "rr1", "rr2"]
        };
        assert_eq!(log.take(), expect, "polite = {polite}");
    }
}

/// A clock that counts what the scheduler asks of it.
struct Counting {
    sim: SimClock,
    nows: AtomicU64,
    idles: std::sync::Mutex<Vec<Option<u64>>>,
}

impl Counting {
    fn new() -> &'static Counting {
        Box::leak(Box::new(Counting {
            sim: SimClock::new(),
            nows: AtomicU64::new(0),
            idles: Default::default(),
        }))
    }
}

impl Clock for Counting {
    fn now(&self) -> Instant {
        self.nows.fetch_add(1, Ordering::Relaxed);
        self.sim.now()
    }
    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        self.idles.lock().unwrap().push(until.map(|t| t.as_micros()));
        self.sim.idle(until, wake)
    }
}

/// C3: a pass does not look at sleeping tasks: with 1000 tasks asleep, a round-robin task's
/// switches cost the same clock reads and passes as with one asleep.
#[test]
fn c3_sleeping_tasks_do_not_cost_per_pass() {
    fn measure(sleepers: usize) -> (u64, u64) {
        let c = Counting::new();
        let s = sched::<1001, 128>();
        for i in 0..sleepers {
            s.spawn(async move {
                sleep(ms(1000 + i as u64)).await;
            })
            .unwrap();
        }
        s.spawn(async move {
            yield_now().await; // let every sleeper register
            let before = (s.stats().passes, c.nows.load(Ordering::Relaxed));
            for _ in 0..1000 {
                yield_now().await;
            }
            let after = (s.stats().passes, c.nows.load(Ordering::Relaxed));
            s.stop_all();
            RESULT.with(|r| r.set((after.0 - before.0, after.1 - before.1)));
        })
        .unwrap();
        s.run(c);
        RESULT.with(|r| r.get())
    }
    thread_local!(static RESULT: Cell<(u64, u64)> = const { Cell::new((0, 0)) });
    let one = measure(1);
    let many = measure(1000);
    assert_eq!(one, many, "(passes, clock reads) for 1000 switches");
    assert_eq!(one.0, 1000);
}

/// C4: nothing ready and no poller: the clock is asked to sleep until the next deadline, once.
#[test]
fn c4_idles_until_the_next_deadline_without_busy_looping() {
    let c = Counting::new();
    let s = sched::<2, 256>();
    s.spawn(async {
        sleep(ms(10_000)).await;
        sleep(ms(5)).await;
    })
    .unwrap();
    s.run(c);
    assert_eq!(*c.idles.lock().unwrap(), [Some(10_000_000), Some(10_005_000)]);
    // first poll, idle, wake (sleeps again), idle, wake (finishes), the pass that finds no task
    assert_eq!(s.stats().passes, 6);
}

/// C4: with a poller waiting, the scheduler keeps passing, every `poll_interval`.
#[test]
fn c4_pollers_keep_it_passing_at_the_poll_interval() {
    let c = Counting::new();
    let s = sched::<1, 256>();
    s.spawn(async move {
        let mut p = Poller::with_timeout(|| None, ms(3));
        p.wait().await;
    })
    .unwrap();
    s.set_poll_interval(ms(1));
    s.run(c);
    assert_eq!(*c.idles.lock().unwrap(), [Some(1_000), Some(2_000), Some(3_000)]);
}

/// C4: idle with no deadline waits for a waker, and a waker from another thread ends it.
#[test]
fn c4_idle_without_deadline_ends_on_a_wake() {
    static LINE: IrqLine = IrqLine::new();
    let c = Counting::new();
    let s = sched::<1, 256>();
    s.spawn(async {
        LINE.wait().await;
    })
    .unwrap();
    let t = std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_millis(20)); // let the scheduler park first
        LINE.signal()
    });
    s.run(c);
    t.join().unwrap();
    let idles = c.idles.lock().unwrap();
    assert!(idles.iter().all(|u| u.is_none()), "{idles:?}");
}
