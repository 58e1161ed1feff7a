//! The deadline heap at its edges, in exact order and lateness: every one of 16,384 slots armed
//! at once with many equal deadlines, removals (pause, stop) and re-entries (resume, slot reuse)
//! at that size; deadlines at `u64::MAX`; a destructor that panics while other deadlines are
//! armed; heap deadlines and foreign timers due together.
mod common;
use common::*;
use core::pin::pin;
use std::cell::RefCell;

use futures::stream::{FuturesUnordered, StreamExt};
use usched::{sleep, sleep_until, Instant, RunEnd, Sched, TaskId};

fn at(us: u64) -> Instant {
    Instant::from_micros(us)
}

#[test]
fn every_slot_armed_fires_in_deadline_then_spawn_order_through_pauses_stops_and_reuse() {
    // `Sched::new` builds the scheduler on the stack before it is boxed.
    std::thread::Builder::new().stack_size(64 << 20).spawn(all_slots_body).unwrap().join().unwrap();
}

fn all_slots_body() {
    const N: usize = 16384;
    let s: &'static Sched<N, 128> = sched();
    let c = clock();
    let log: &'static RefCell<Vec<(u64, usize, u64)>> = Box::leak(Box::default());
    let ids: &'static RefCell<Vec<TaskId>> = Box::leak(Box::default());
    let old = |i: usize| 2 + (i as u64 * 7919) % 50; // 2..=51, about 330 tasks per deadline
    let new = |k: usize| 31 + (k as u64 * 31) % 20; // 31..=50
    let spawn_sleeper = move |name: usize, d: u64| {
        s.spawn(async move {
            let late = sleep_until(at(d)).await;
            log.borrow_mut().push((s.now().as_micros(), name, late.as_micros() as u64));
        })
    };
    // The controller: spawned first, so it is the oldest.
    s.spawn(async move {
        sleep_until(at(1)).await;
        let ids = ids.borrow().clone();
        for (i, &id) in ids.iter().enumerate() {
            if i % 3 == 0 {
                s.pause(id).unwrap();
            }
            if i % 5 == 0 {
                s.stop(id).unwrap();
            }
        }
        sleep_until(at(30)).await;
        for (i, &id) in ids.iter().enumerate() {
            let r = s.resume(id);
            if i % 5 == 0 {
                assert!(r.is_err(), "task {i} stopped");
            } else if i % 3 == 0 {
                assert!(r.is_ok(), "task {i} paused");
            }
        }
        // Into the stopped tasks' slots (a stale id never reaches the new task).
        let mut k = 0;
        while s.free_slots() > 0 {
            spawn_sleeper(N + k, new(k)).unwrap();
            k += 1;
        }
        for (i, &id) in ids.iter().enumerate() {
            if i % 5 == 0 {
                assert!(s.stop(id).is_err() && s.pause(id).is_err(), "stale id {i}");
            }
        }
        log.borrow_mut().push((s.now().as_micros(), usize::MAX, k as u64));
    })
    .unwrap();
    for i in 0..N - 1 {
        ids.borrow_mut().push(spawn_sleeper(i, old(i)).unwrap());
    }
    assert_eq!(s.run(c), RunEnd::Finished);

    // Expected: (fire time, deadline, spawn order); a paused task fires at 30 at the earliest.
    // The slots free at 30: the stopped tasks' and those of the tasks that fired before.
    let freed = (0..N - 1).filter(|&i| i % 5 == 0 || (i % 3 != 0 && old(i) < 30)).count();
    let mut want: Vec<(u64, u64, usize)> = (0..N - 1)
        .filter(|i| i % 5 != 0)
        .map(|i| (if i % 3 == 0 { old(i).max(30) } else { old(i) }, old(i), i))
        .chain((0..freed).map(|k| (new(k), new(k), N + k)))
        .collect();
    want.sort();
    let mut want: Vec<(u64, usize, u64)> = want.into_iter().map(|(t, d, i)| (t, i, t - d)).collect();
    // The controller runs at 30 before every task due then (the oldest of those due at 30 is it:
    // the paused ones are not yet back).
    let at30 = want.iter().position(|&(t, _, _)| t == 30).unwrap();
    want.insert(at30, (30, usize::MAX, freed as u64));
    let got = log.borrow();
    assert_eq!(got.len(), want.len());
    if let Some(i) = (0..want.len()).find(|&i| got[i] != want[i]) {
        panic!(
            "entry {i}: got {:?}, want {:?}",
            &got[i..(i + 5).min(got.len())],
            &want[i..(i + 5).min(want.len())]
        );
    }
}

#[test]
fn deadlines_at_the_end_of_time() {
    let s: &'static Sched<8, 256> = sched();
    let c = clock();
    let log = Log::new();
    let sleeper = |name: &'static str, d: Option<u64>| {
        s.spawn(async move {
            let late = match d {
                Some(d) => sleep_until(at(d)).await,
                None => sleep(std::time::Duration::MAX).await,
            };
            log.at(c, format!("{name} late {}", late.as_micros()));
            // In the past, at the end of time: the whole of time late.
            let late = sleep_until(at(5)).await;
            log.at(c, format!("{name} again late {}", late.as_micros()));
        })
        .unwrap();
    };
    sleeper("max", Some(u64::MAX));
    sleeper("forever", None);
    sleeper("max-1", Some(u64::MAX - 1));
    sleeper("max too", Some(u64::MAX));
    sleeper("early", Some(7));
    assert_eq!(s.run(c), RunEnd::Finished);
    let m = u64::MAX;
    assert_eq!(
        log.take(),
        [
            "7 early late 0".to_string(),
            "7 early again late 2".into(),
            // Each re-arms in the past and, earliest due, fires next.
            format!("{} max-1 late 0", m - 1),
            format!("{} max-1 again late {}", m - 1, m - 6),
            format!("{m} max late 0"),
            format!("{m} max again late {}", m - 5),
            format!("{m} forever late 0"),
            format!("{m} forever again late {}", m - 5),
            format!("{m} max too late 0"),
            format!("{m} max too again late {}", m - 5),
        ]
    );
    // A second run, the clock at its end: a deadline saturates there and fires at once.
    s.spawn(async move {
        let late = sleep(us(1)).await;
        log.at(c, format!("saturated late {}", late.as_micros()));
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), [format!("{m} saturated late 0")]);
}

struct PanicOnDrop(&'static Log, &'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.0.push(format!("drop {}", self.1));
        panic!("drop {}", self.1);
    }
}

#[test]
fn a_destructor_that_panics_in_a_stop_leaves_the_other_deadlines_in_order() {
    let s: &'static Sched<8, 256> = sched();
    let c = clock();
    let log = Log::new();
    let sleeper = |name: &'static str, d: u64, panics: bool| {
        s.spawn(async move {
            let _g = panics.then(|| PanicOnDrop(log, name));
            let late = sleep_until(at(d)).await;
            log.at(c, format!("{name} late {}", late.as_micros()));
            core::mem::forget(_g);
        })
        .unwrap()
    };
    let ctl = s.spawn(async move {
        sleep_until(at(15)).await;
        log.at(c, "ctl");
    });
    ctl.unwrap();
    sleeper("a", 10, false);
    let b = sleeper("b", 20, true);
    sleeper("c", 20, false);
    let d = sleeper("d", 30, false);
    sleeper("e", 5, false);
    s.spawn(async move {
        sleep_until(at(12)).await;
        log.at(c, "stopper");
        s.pause(d).unwrap(); // out of the heap, back in after the panic
        let _ = s.stop(b); // b's destructor panics out of this poll and out of `run`
        unreachable!();
    })
    .unwrap();
    assert_eq!(run_caught(s, c), Err("drop b".to_string()));
    s.resume(d).unwrap();
    let c2 = s.spawn(async move {
        let late = sleep_until(at(20)).await; // with c, after it: spawned later
        log.at(c, format!("late spawn late {}", late.as_micros()));
    });
    c2.unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        [
            "5 e late 0",
            "10 a late 0",
            "12 stopper",
            "drop b",
            "15 ctl",
            "20 c late 0",
            "20 late spawn late 0",
            "30 d late 0",
        ]
    );
}

#[test]
fn foreign_timers_due_with_heap_deadlines_run_after_them_in_their_turn() {
    let s: &'static Sched<6, 1024> = sched();
    let c = clock();
    let log = Log::new();
    let plain = |name: &'static str, d: u64| {
        s.spawn(async move {
            let late = sleep(us(d)).await;
            log.at(c, format!("{name} late {}", late.as_micros()));
        })
        .unwrap();
    };
    plain("h", 10);
    plain("g", 20);
    s.spawn(async move {
        let mut set = FuturesUnordered::new();
        set.push(sleep(us(20)));
        set.push(sleep(us(10)));
        set.push(sleep(us(10)));
        while let Some(late) = set.next().await {
            log.at(c, format!("f late {}", late.as_micros()));
        }
        // A heap deadline and a foreign one in the same task, due together.
        let mut both = FuturesUnordered::new();
        both.push(sleep(us(5)));
        let (a, b) = (pin!(sleep(us(5))), pin!(both.next()));
        let late = futures::future::select(a, b).await;
        log.at(c, format!("f select {}", matches!(late, futures::future::Either::Left(_))));
    })
    .unwrap();
    plain("h2", 10);
    plain("k", 25);
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(
        log.take(),
        [
            "10 h late 0",
            "10 h2 late 0",
            "10 f late 0",
            "10 f late 0",
            "20 g late 0",
            "20 f late 0",
            "25 f select true",
            "25 k late 0",
        ]
    );
}
