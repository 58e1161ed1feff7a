//! Delay and after() (F3): fires once at last trigger + d, retriggers postpone or shorten, stop,
//! triggers from a board stimulus (an interrupt handler) and from another thread.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::{ms, sched, Log};
use usched::{sleep_until, Instant, Sched, SpawnError, Status};
use usched_drivers::{after, after_task, Delay};
use usched_sim::{Board, SimClock};

/// A delay on `board`, its fire times, and a scheduler that stops at `until` µs.
fn delay_on(
    board: &'static Board,
    until: u64,
) -> (&'static Delay<Board>, Log<()>, &'static common::TestSched) {
    let d: &'static Delay<Board> = Box::leak(Box::new(Delay::new(board)));
    let fired = Log::new();
    let s = sched();
    let f = fired.clone();
    s.spawn(async move {
        let _ = d.run(move || f.push(board, ())).await;
    })
    .unwrap();
    s.spawn(async move {
        sleep_until(Instant::from_micros(until)).await;
        s.stop_all();
    })
    .unwrap();
    (d, fired, s)
}

fn at(board: &'static Board, ms: u64, f: impl FnOnce() + 'static) {
    board.call_at(Instant::from_millis(ms), f);
}

#[test]
fn fires_once_at_exactly_the_last_trigger_plus_d() {
    let board = Board::new();
    let (d, fired, s) = delay_on(board, ms(1_000));
    for t in [10, 40, 70] {
        at(board, t, move || d.trigger(Duration::from_millis(100))); // postponed twice
    }
    let running = Log::new();
    for t in [169, 170] {
        let r = running.clone();
        at(board, t, move || r.push(board, d.running()));
    }
    s.run(board);
    assert_eq!(fired.get(), [((), ms(170))]);
    // At 170 ms the stimulus runs before the delay's task: still running then, idle after.
    assert_eq!(running.get(), [(true, ms(169)), (true, ms(170))]);
    assert!(!d.running());
}

#[test]
fn a_shortening_retrigger_is_honoured() {
    let board = Board::new();
    let (d, fired, s) = delay_on(board, ms(2_000));
    at(board, 0, move || d.trigger(Duration::from_secs(1)));
    at(board, 20, move || d.trigger(Duration::from_millis(50)));
    s.run(board);
    assert_eq!(fired.get(), [((), ms(70))]);
}

#[test]
fn continuous_retriggering_keeps_it_from_firing() {
    let board = Board::new();
    let (d, fired, s) = delay_on(board, ms(1_000));
    for t in (0..900).step_by(50) {
        at(board, t, move || d.trigger(Duration::from_millis(60)));
    }
    s.run(board);
    assert_eq!(fired.get(), [((), ms(910))]); // only after the feeding stops at 850 ms
}

#[test]
fn stop_cancels_and_a_later_trigger_fires_once() {
    let board = Board::new();
    let (d, fired, s) = delay_on(board, ms(1_000));
    at(board, 0, move || d.trigger(Duration::from_millis(100)));
    at(board, 50, move || d.stop());
    at(board, 200, move || d.trigger(Duration::from_millis(100)));
    s.run(board);
    assert_eq!(fired.get(), [((), ms(300))]);
}

#[test]
fn huge_durations_saturate() {
    let board = Board::new();
    let (d, fired, s) = delay_on(board, ms(100));
    at(board, 10, move || d.trigger(Duration::MAX));
    s.run(board);
    assert!(fired.get().is_empty());
    assert_eq!(d.deadline(), Some(Instant::MAX));
}

#[test]
fn a_trigger_from_another_thread_while_the_scheduler_sleeps_fires_on_time() {
    static CLOCK: SimClock = SimClock::threaded();
    static DELAY: Delay<SimClock> = Delay::new(&CLOCK);
    let s: &'static Sched<2, 1024> = Box::leak(Box::new(Sched::new()));
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let fired = std::rc::Rc::new(std::cell::Cell::new(None));
    let f = fired.clone();
    s.spawn(async move {
        let _ = DELAY
            .run(move || {
                f.set(Some(CLOCK.now()));
                s.stop_all();
            })
            .await;
    })
    .unwrap();
    s.spawn(async move {
        let _ = ready_tx.send(()); // from here on the scheduler has nothing to do: it parks
    })
    .unwrap();
    let other = std::thread::spawn(move || {
        ready_rx.recv().unwrap();
        CLOCK.advance(Duration::from_millis(7)); // the board's time as the other thread sees it
        DELAY.trigger(Duration::from_millis(100));
    });
    s.run(&CLOCK);
    other.join().unwrap();
    assert_eq!(fired.get(), Some(Instant::from_millis(107)));
}

#[test]
fn after_calls_back_at_exactly_d_from_the_call() {
    let board = Board::new();
    let s = sched();
    let log = Log::new();
    let l = log.clone();
    s.spawn(async move {
        sleep_until(Instant::from_millis(30)).await;
        after(s, board, Duration::from_millis(250), move || l.push(board, "called")).unwrap();
        board.advance(Duration::from_millis(5)); // busy: the after task gets its first turn late
    })
    .unwrap();
    s.run(board);
    assert_eq!(log.get(), [("called", ms(280))]);
}

#[test]
fn after_task_runs_a_task_later_and_cancel_stops_it() {
    let board = Board::new();
    let s = sched();
    let log = Log::new();
    let (l1, l2) = (log.clone(), log.clone());
    let kept = after_task(s, board, Duration::from_millis(100), async move {
        l1.push(board, "task starts");
        usched::sleep(Duration::from_millis(50)).await;
        l1.push(board, "task ends");
    })
    .unwrap();
    let cancelled =
        after(s, board, Duration::from_millis(100), move || l2.push(board, "cancelled one")).unwrap();
    s.spawn(async move {
        sleep_until(Instant::from_millis(99)).await;
        assert!(cancelled.cancel());
        assert!(!cancelled.cancel());
    })
    .unwrap();
    s.run(board);
    assert_eq!(log.get(), [("task starts", ms(100)), ("task ends", ms(150))]);
    assert!(!kept.pending());
    assert_eq!(s.status(kept.id()), Status::Finished);
}

#[test]
fn after_with_no_free_slot_is_an_error_and_changes_nothing() {
    let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
    let board = Board::new();
    s.spawn(async {}).unwrap();
    assert_eq!(after(s, board, Duration::ZERO, || {}).unwrap_err(), SpawnError::Full);
    assert_eq!(s.free_slots(), 0);
}

/// A clock whose first read lets another thread trigger the delay (an interrupt arriving just
/// after the read) and waits for it, at most 200 ms: if the read is inside the delay's critical
/// section the other trigger cannot run until it ends.
struct RacyClock {
    us: std::sync::atomic::AtomicU64,
    first: std::sync::atomic::AtomicBool,
    go: std::sync::Mutex<Option<mpsc::Sender<()>>>,
    done: std::sync::Mutex<Option<mpsc::Receiver<()>>>,
}

impl usched::Clock for RacyClock {
    fn now(&self) -> Instant {
        use std::sync::atomic::Ordering::SeqCst;
        let t = Instant::from_micros(self.us.load(SeqCst));
        if self.first.swap(false, SeqCst) {
            self.us.store(ms(5), SeqCst);
            let _ = self.go.lock().unwrap().take().unwrap().send(());
            let done = self.done.lock().unwrap().take().unwrap();
            let _ = done.recv_timeout(Duration::from_millis(200));
        }
        t
    }
    fn idle(&self, _until: Option<Instant>, _wake: &usched::Wakeup) {}
}

#[test]
fn a_trigger_interrupted_between_its_clock_read_and_its_write_does_not_undo_the_later_one() {
    let (go_tx, go_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let clock: &'static RacyClock = Box::leak(Box::new(RacyClock {
        us: 0.into(),
        first: true.into(),
        go: Some(go_tx).into(),
        done: Some(done_rx).into(),
    }));
    let d: &'static Delay<RacyClock> = Box::leak(Box::new(Delay::new(clock)));
    let isr = std::thread::spawn(move || {
        go_rx.recv().unwrap();
        d.trigger(Duration::from_millis(10)); // at 5 ms: due at 15 ms
        let _ = done_tx.send(());
    });
    d.trigger(Duration::from_millis(10)); // read the clock at 0 ms, interrupted at once
    isr.join().unwrap();
    // Either order of the two triggers ends 10 ms after the one at 5 ms; never at 10 ms.
    assert_eq!(d.deadline(), Some(Instant::from_millis(15)));
}
