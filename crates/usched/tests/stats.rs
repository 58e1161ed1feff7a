//! E2: statistics: per task (runs, longest run, worst and last lateness) and per scheduler
//! (passes, time idle).
mod common;
use common::*;
use usched::{sleep, yield_now, RunEnd, SchedStats, TaskStats};

#[test]
fn stats_count_runs_longest_run_and_lateness() {
    let c = clock();
    let s = sched::<3, 256>();
    let id = s
        .spawn(async move {
            c.advance(ms(3)); // holds the CPU 3 ms
            sleep(ms(10)).await; // deadline 13 ms
            c.advance(ms(1));
            sleep(ms(10)).await;
        })
        .unwrap();
    let out = Log::new();
    s.spawn(async move {
        // First polled at 3 ms (the first task held the CPU until then): deadline 12 ms.
        let late = sleep(ms(9)).await;
        out.at(c, format!("spy late {}", late.as_micros()));
        c.advance(ms(2)); // runs 12..14: the first task (due 13) wakes 1 ms late
    })
    .unwrap();
    s.spawn(async move {
        sleep(ms(16)).await; // 3 + 16 = 19 ms: the first task sleeps until 25 ms
        let st = s.task_stats(id).unwrap();
        out.push(format!("{st:?}"));
    })
    .unwrap();
    s.run(c);
    assert_eq!(
        out.take(),
        vec![
            "12000 spy late 0".to_string(),
            format!("{:?}", TaskStats { runs: 2, longest_run: ms(3), worst_late: ms(1), last_late: ms(1) })
        ]
    );
}

#[test]
fn sched_stats_count_passes_and_idle_time() {
    let c = clock();
    let s = sched::<1, 128>();
    s.spawn(async move {
        yield_now().await;
        sleep(ms(5)).await;
    })
    .unwrap();
    s.run(c);
    let SchedStats { passes, idle } = s.stats();
    assert_eq!(idle, ms(5));
    // spawn poll, yield poll, idle pass, timer poll, final pass that sees no task
    assert_eq!(passes, 5);
}

/// B2/E2: lateness is exact when a hog delays a sleep; the late value matches the stats.
#[test]
fn lateness_after_a_hog_matches_the_stats() {
    let c = clock();
    let s = sched::<2, 512>();
    let log = Log::new();
    let sleeper = s
        .spawn(async move {
            let late = sleep(ms(5)).await;
            log.at(c, format!("late {late:?}"));
            core::future::pending::<()>().await;
        })
        .unwrap();
    s.spawn(async move {
        c.advance(ms(12)); // holds the CPU from 0 to 12 ms
        yield_now().await;
        let st = s.task_stats(sleeper).unwrap();
        log.push(format!("stats {:?} {:?}", st.last_late, st.worst_late));
        s.stop(sleeper).unwrap();
    })
    .unwrap();
    assert_eq!(s.run(c), RunEnd::Finished);
    assert_eq!(log.take(), ["12000 late 7ms", "stats 7ms 7ms"]);
}
