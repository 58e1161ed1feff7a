//! pause: one task pauses, resumes and finally stops another.
//!
//! Three round-robin tasks each do 100 ms of work a turn (the original's `pyb.delay(100)`). A
//! pauser pauses thread 2 for a second and lets it go for a second, three times, printing its
//! status each time, then stops it. The scheduler stops after 10 s.

use std::time::Duration;

use usched::{sleep, yield_now, TaskId};
use usched_demos::{Demo, DemoResult};

async fn thr(d: &'static Demo, n: u32) {
    loop {
        d.print(format!("Thread {n}"));
        d.work(Duration::from_millis(100));
        yield_now().await;
    }
}

async fn pauser(d: &'static Demo, pid: TaskId) {
    let report = |what: &str, r: Result<(), usched::TaskError>| match r {
        Ok(()) => d.print(format!("pauser: {what} thread 2, status {:?}", d.sched.status(pid))),
        Err(e) => d.print(format!("pauser: cannot {what} thread 2: {e}")),
    };
    for _ in 0..3 {
        sleep(Duration::from_secs(1)).await;
        report("paused", d.sched.pause(pid));
        sleep(Duration::from_secs(1)).await;
        report("resumed", d.sched.resume(pid));
    }
    sleep(Duration::from_secs(1)).await;
    report("stopped", d.sched.stop(pid));
}

pub fn demo(d: &'static Demo) -> DemoResult {
    d.spawn("thread 1", thr(d, 1))?;
    let pid = d.spawn("thread 2", thr(d, 2))?;
    d.spawn("thread 3", thr(d, 3))?;
    d.spawn("pauser", pauser(d, pid))?;
    d.spawn("stop", d.stop_after(Duration::from_secs(10)))?;
    d.run();
    Ok(())
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    usched_demos::main("pause", demo)
}
