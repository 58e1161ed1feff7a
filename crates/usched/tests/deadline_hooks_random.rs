//! Random programs mixing every way to arm a deadline (heap and foreign timers), pause, resume,
//! stop, panics and repeated runs, on the simulated clock with its context probe; the debug
//! build checks the state machine's invariants (heap included) after every pass.
mod common;
use common::*;
use core::pin::pin;
use std::cell::{Cell, RefCell};

use futures::future::select;
use futures::stream::{FuturesUnordered, StreamExt};
use usched::{sleep, sleep_until, timeout, yield_now, Instant, RunEnd, Sched, TaskId};

struct Ctx {
    seed: Cell<u64>,
    ids: RefCell<Vec<TaskId>>,
    s: &'static Sched<8, 4096>,
}

impl Ctx {
    fn next(&self) -> u64 {
        let mut x = self.seed.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.set(x);
        x
    }
    fn pick(&self) -> Option<TaskId> {
        let ids = self.ids.borrow();
        if ids.is_empty() {
            return None;
        }
        Some(ids[(self.next() % ids.len() as u64) as usize])
    }
}

async fn task(ctx: &'static Ctx) {
    let s = ctx.s;
    for _ in 0..(ctx.next() % 12) {
        let now = s.now().as_micros();
        match ctx.next() % 12 {
            0 => {
                let d = ctx.next() % 500;
                sleep(us(d)).await;
                assert!(s.now().as_micros() >= now + d, "sleep woke early");
            }
            1 => {
                let mut set = FuturesUnordered::new();
                let (a, b) = (ctx.next() % 400, ctx.next() % 400);
                set.push(sleep(us(a)));
                set.push(sleep(us(b)));
                while set.next().await.is_some() {}
                assert!(s.now().as_micros() >= now + a.max(b), "foreign sleeps woke early");
            }
            2 => {
                let (l, d) = (ctx.next() % 300, ctx.next() % 300);
                let r = timeout(us(l), sleep(us(d))).await;
                let t = s.now().as_micros();
                if r.is_err() {
                    assert!(t >= now + l);
                } else {
                    assert!(t >= now + d);
                }
            }
            3 => {
                let (a, b) = (ctx.next() % 300, ctx.next() % 300);
                let _ = select(pin!(sleep(us(a))), pin!(sleep(us(b)))).await;
                assert!(s.now().as_micros() >= now + a.min(b));
            }
            4 => yield_now().await,
            5 => {
                if let Some(id) = ctx.pick() {
                    let _ = s.pause(id);
                }
            }
            6 | 7 => {
                if let Some(id) = ctx.pick() {
                    let _ = s.resume(id);
                }
            }
            8 => {
                if ctx.next().is_multiple_of(4) {
                    if let Some(id) = ctx.pick() {
                        let _ = s.stop(id);
                    }
                }
            }
            9 => {
                let at = now.saturating_sub(ctx.next() % 50) + ctx.next() % 3;
                sleep_until(Instant::from_micros(at)).await;
                assert!(s.now().as_micros() >= at);
            }
            10 => {
                if ctx.next().is_multiple_of(16) {
                    panic!("random panic");
                }
            }
            _ => {
                // A foreign timer and a heap deadline in one combinator tree.
                let mut set = FuturesUnordered::new();
                let a = ctx.next() % 300;
                set.push(sleep(us(a)));
                let l = ctx.next() % 300;
                let _ = timeout(us(l), set.next()).await;
                assert!(s.now().as_micros() >= now + a.min(l));
            }
        }
    }
}

#[test]
fn random_programs_with_every_kind_of_deadline() {
    for seed in 1..400u64 {
        let s: &'static Sched<8, 4096> = sched();
        let c: &'static usched_sim::SimClock = Box::leak(Box::new(usched_sim::SimClock::new()));
        let ctx: &'static Ctx = Box::leak(Box::new(Ctx {
            seed: Cell::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            ids: RefCell::default(),
            s,
        }));
        for round in 0..6 {
            while s.free_slots() > 1 {
                let id = s.spawn(task(ctx)).unwrap();
                ctx.ids.borrow_mut().push(id);
            }
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.run(c)));
            if let Ok(end) = r {
                // Every wait here has a deadline: a run never stalls (idle always had one to sleep to).
                assert!(
                    matches!(end, RunEnd::Finished | RunEnd::AllPaused),
                    "seed {seed} round {round}: {end:?}"
                );
            }
            if let Err(e) = r {
                let msg = e
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| e.downcast_ref::<String>().cloned());
                assert_eq!(msg.as_deref(), Some("random panic"), "seed {seed} round {round}");
            }
            for id in ctx.ids.borrow().iter() {
                let _ = s.resume(*id);
            }
            if round == 5 {
                s.stop_all();
            }
        }
    }
}
