//! subthread: tasks that start other tasks, and wait for them in three ways.
//!
//! A task spawns a subtask and spins on `yield_now()` until a shared flag says it is done (the
//! original's way; each spin costs 1 ms of work). Then it awaits a sub-future inline (the
//! original's `yield from`), then spawns another task and `join`s it. When every task has ended,
//! the scheduler returns by itself.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use usched::{sleep, yield_now};
use usched_demos::{Demo, DemoResult};

async fn subthread(d: &'static Demo, name: &'static str, ticks: u32, done: Rc<Cell<bool>>) {
    d.print(format!("{name}: started ({} free slots)", d.sched.free_slots()));
    for i in 1..=ticks {
        sleep(Duration::from_secs(1)).await;
        d.print(format!("{name}: tick {i}"));
    }
    d.print(format!("{name}: ends"));
    done.set(true);
}

async fn countdown(d: &'static Demo, from: u32) {
    for n in (1..=from).rev() {
        d.print(format!("inline: {n}"));
        sleep(Duration::from_millis(500)).await;
    }
}

async fn thread(d: &'static Demo) {
    d.print("thread: adding a subthread");
    let done = Rc::new(Cell::new(false));
    if let Err(e) = d.spawn("subthread A", subthread(d, "subthread A", 3, done.clone())) {
        d.print(format!("thread: cannot spawn: {e}"));
        return;
    }
    let mut spins = 0u32;
    while !done.get() {
        spins += 1;
        d.work(Duration::from_millis(1));
        yield_now().await;
    }
    d.print(format!("thread: flag set after {spins} spins"));

    countdown(d, 3).await; // the original's `yield from`
    d.print("thread: inline countdown done");

    match d.spawn("subthread B", subthread(d, "subthread B", 2, Rc::new(Cell::new(false)))) {
        Ok(id) => {
            d.sched.join(id).await;
            d.print(format!("thread: joined subthread B ({} free slots)", d.sched.free_slots()));
        }
        Err(e) => d.print(format!("thread: cannot spawn: {e}")),
    }
}

pub fn demo(d: &'static Demo) -> DemoResult {
    d.spawn("thread", thread(d))?;
    d.run(); // returns when every task has finished
    Ok(())
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    usched_demos::main("subthread", demo)
}
