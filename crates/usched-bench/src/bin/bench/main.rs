//! One benchmark run: `bench <workload> <impl> <n> <iters> [prep]`, printing one line of
//! `key=value` pairs (`ops`, `ns`, extras). `bench sizes` prints the memory figures.
//!
//! Workloads: `rr` (N tasks yielding, `iters` yields each), `pingpong` (`iters` round trips),
//! `timers` (N tasks, `iters` rounds of N distinct deadlines on a virtual clock; `prep` rounds of
//! deadlines are computed whatever `iters` is), `spawn` (`iters` rounds of N spawns into a pool
//! of N = 1, 4 or 1000, run to completion; `embassy-storage`: one `TaskStorage`; `prep` 0: do not
//! time the spawn loop alone, whose clock reads would be counted as instructions), `cross` (`iters` wakes from another thread), `lateness`
//! (N tasks sleeping 1 ms periods on the real clock, `iters` each).
//!
//! Features: `stats` and `std` turn on usched's features of the same names (the report builds
//! one binary per variant). Dependencies: the executors compared (`embassy-executor` with
//! `embassy-sync` and `embassy-time`'s mock driver, `tokio`, `futures`), and `critical-section`'s
//! `std` implementation, which usched and embassy need on a host.

mod common;
mod embassy_impl;
mod futures_impl;
mod tokio_impl;
mod usched_impl;

use common::Outcome;

fn usched_rr(n: usize, iters: u32) -> Outcome {
    match n {
        1 => usched_impl::rr::<1>(iters),
        10 => usched_impl::rr::<10>(iters),
        100 => usched_impl::rr::<100>(iters),
        1000 => usched_impl::rr::<1000>(iters),
        _ => panic!("n must be 1, 10, 100 or 1000"),
    }
}

fn usched_timers(n: usize, iters: u32, prep: u32) -> Outcome {
    match n {
        10 => usched_impl::timers::<10>(iters, prep),
        100 => usched_impl::timers::<100>(iters, prep),
        1000 => usched_impl::timers::<1000>(iters, prep),
        10000 => usched_impl::timers::<10000>(iters, prep),
        _ => panic!("n must be 10, 100, 1000 or 10000"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("sizes") {
        for (k, v) in usched_impl::sizes().into_iter().chain(embassy_impl::sizes()) {
            println!("{k}={v}");
        }
        return;
    }
    let [workload, imp, n, iters, rest @ ..] = args.as_slice() else {
        eprintln!("usage: bench <rr|pingpong|timers|spawn|cross|lateness> <usched|embassy|tokio|futures> <n> <iters> [prep]");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("n");
    let iters: u32 = iters.parse().expect("iters");
    let prep: u32 = rest.first().map_or(iters, |p| p.parse().expect("prep"));
    let out = match (workload.as_str(), imp.as_str()) {
        ("rr", "usched") => usched_rr(n, iters),
        ("rr", "embassy") => embassy_impl::rr(n, iters),
        ("rr", "tokio") => tokio_impl::rr(n, iters),
        ("rr", "futures") => futures_impl::rr(n, iters),
        ("pingpong", "usched") => usched_impl::pingpong(iters),
        ("pingpong-waker", "usched") => usched_impl::pingpong_waker(iters),
        ("pingpong", "embassy") => embassy_impl::pingpong(iters),
        ("pingpong", "tokio") => tokio_impl::pingpong(iters),
        ("pingpong", "futures") => futures_impl::pingpong(iters),
        ("timers", "usched") => usched_timers(n, iters, prep),
        ("timers", "embassy") => embassy_impl::timers(n, iters, prep),
        ("timers", "tokio") => tokio_impl::timers(n, iters, prep),
        ("spawn", "usched") => usched_impl::spawn(n, iters, prep != 0),
        ("spawn", "embassy") => embassy_impl::spawn(n, iters, prep != 0),
        ("spawn", "embassy-storage") => embassy_impl::spawn_storage(iters, prep != 0),
        ("spawn", "tokio") => tokio_impl::spawn(iters),
        ("spawn", "futures") => futures_impl::spawn(iters),
        ("cross", "usched") => usched_impl::cross(iters),
        ("cross", "embassy") => embassy_impl::cross(iters),
        ("cross", "tokio") => tokio_impl::cross(iters),
        ("cross", "futures") => futures_impl::cross(iters),
        ("lateness", "usched") => usched_impl::lateness(n, iters),
        ("lateness", "tokio") => tokio_impl::lateness(n, iters),
        (w, i) => {
            eprintln!("no workload {w} for {i}");
            std::process::exit(2);
        }
    };
    print!("ops={} ns={}", out.ops, out.ns);
    for (k, v) in &out.extra {
        print!(" {k}={v}");
    }
    println!();
}
