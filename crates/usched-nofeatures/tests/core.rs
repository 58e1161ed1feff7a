//! The core built without `sampling` and `stats` (and, with `--features std`, with only `std`):
//! round-robin order, sleeps on time and their lateness, timeouts, pause and resume, on a clock
//! that jumps to each deadline (no usched-sim here: it would turn the features back on).

use core::cell::{Cell, RefCell};
use core::future::pending;
use core::time::Duration;

use usched::{
    sleep, sleep_until, timeout, yield_now, Clock, Elapsed, Instant, RunEnd, Sched, Status, Wakeup,
};

/// Simulated time in µs: idling jumps to the deadline; idling with none is a test failure (a lost
/// wake), and nothing outside can wake the scheduler, so a run with nothing left ends `Stalled`.
struct Jump(Cell<u64>);

impl Jump {
    /// A task that hogs the processor for `d`.
    fn busy(&self, d: Duration) {
        self.0.set(self.0.get() + u64::try_from(d.as_micros()).unwrap());
    }
}

impl Clock for Jump {
    fn now(&self) -> Instant {
        Instant::from_micros(self.0.get())
    }
    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        if wake.pending() {
            return;
        }
        let until = until.expect("idle with nothing due and nothing pending");
        self.0.set(self.0.get().max(until.as_micros()));
    }
    fn can_wake_from_outside(&self) -> bool {
        false
    }
}

fn clock() -> &'static Jump {
    Box::leak(Box::new(Jump(Cell::new(0))))
}

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn tasks_take_turns_in_spawn_order() {
    let s: &'static Sched<3, 256> = leak(Sched::new());
    let log = leak(RefCell::new(Vec::new()));
    for t in 0..3u8 {
        s.spawn(async move {
            for _ in 0..3 {
                log.borrow_mut().push(t);
                yield_now().await;
            }
        })
        .unwrap();
    }
    assert_eq!(s.run(clock()), RunEnd::Finished);
    assert_eq!(*log.borrow(), [0, 1, 2, 0, 1, 2, 0, 1, 2]);
    assert_eq!(s.free_slots(), 3);
}

/// A sleep ends exactly at its deadline when nothing is in the way, and reports how late it was
/// when a hog held the processor past it; a timeout's `Elapsed` says the same.
#[test]
fn sleeps_end_on_time_and_report_what_a_hog_made_them_late() {
    let s: &'static Sched<2, 256> = leak(Sched::new());
    let c = clock();
    let log = leak(RefCell::new(Vec::new()));
    s.spawn(async move {
        let late = sleep(ms(10)).await;
        log.borrow_mut().push((c.now().as_micros(), late));
        let late = sleep(ms(10)).await; // due at 20 ms; the hog runs from 15 to 27 ms
        log.borrow_mut().push((c.now().as_micros(), late));
        let r = timeout(ms(5), pending::<()>()).await; // due at 32 ms; the hog runs 30 to 34 ms
        assert_eq!(r, Err(Elapsed { late: ms(2) }));
        log.borrow_mut().push((c.now().as_micros(), r.unwrap_err().late));
    })
    .unwrap();
    s.spawn(async move {
        sleep_until(Instant::from_millis(15)).await;
        c.busy(ms(12));
        sleep_until(Instant::from_millis(30)).await;
        c.busy(ms(4));
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(*log.borrow(), [(10_000, ms(0)), (27_000, ms(7)), (34_000, ms(2))]);
}

/// A paused task is not polled until resumed, then takes its turn again; a sleep whose deadline
/// passes while its task is paused ends when the task is resumed, late by the pause.
#[test]
fn pause_holds_a_task_and_resume_gives_it_its_turns_back() {
    let s: &'static Sched<3, 256> = leak(Sched::new());
    let c = clock();
    let count = leak(Cell::new(0u32));
    let woke = leak(Cell::new(None));
    let spinner = s
        .spawn(async move {
            loop {
                count.set(count.get() + 1);
                yield_now().await;
            }
        })
        .unwrap();
    let sleeper = s
        .spawn(async move {
            let late = sleep(ms(10)).await;
            woke.set(Some((c.now().as_micros(), late)));
        })
        .unwrap();
    s.spawn(async move {
        yield_now().await;
        assert_eq!(count.get(), 2);
        s.pause(spinner).unwrap();
        s.pause(sleeper).unwrap();
        assert_eq!((s.status(spinner), s.status(sleeper)), (Status::Paused, Status::Paused));
        for _ in 0..5 {
            yield_now().await;
        }
        sleep_until(Instant::from_millis(30)).await; // the sleeper's 10 ms pass while it is paused
        assert_eq!(count.get(), 2, "a paused task is not polled");
        assert_eq!(woke.get(), None);
        s.resume(spinner).unwrap();
        s.resume(sleeper).unwrap();
        assert_eq!(s.status(spinner), Status::Running);
        yield_now().await;
        yield_now().await;
        assert_eq!(count.get(), 4, "one turn per yield of this task");
        assert_eq!(woke.get(), Some((30_000, ms(20))));
        s.stop(spinner).unwrap();
        assert_eq!(s.status(spinner), Status::Finished);
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(s.free_slots(), 3);
}

/// With every remaining task paused, `run` ends `AllPaused` (and drops them).
#[test]
fn run_ends_when_every_task_is_paused() {
    let s: &'static Sched<2, 256> = leak(Sched::new());
    let c = clock();
    let a = s.spawn(async { pending::<()>().await }).unwrap();
    s.spawn(async move {
        s.pause(a).unwrap();
        s.pause(s.current().unwrap()).unwrap();
        yield_now().await;
        unreachable!("paused");
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::AllPaused);
    assert_eq!(s.free_slots(), 2);
    assert_eq!(c.now(), Instant::from_micros(0));
}
