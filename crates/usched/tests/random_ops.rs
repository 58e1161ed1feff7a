//! H and internal consistency: thousands of random control calls (spawn, stop, pause, resume,
//! join) against tasks that sleep, yield, poll, wait on interrupt lines and signals. A fixed seed
//! keeps it repeatable. Any corruption of the run queue, the deadline heap or the sampled list
//! shows up as a panic (bounds checks), a hang, or slots that are not all free at the end.
mod common;
use common::*;
use std::cell::Cell;
use usched::{sleep, timeout, yield_now, IrqLine, Poller, RunEnd, Signal, Status, TaskId};

struct Rng(Cell<u64>);
impl Rng {
    fn next(&self) -> u64 {
        let mut x = self.0.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.set(x);
        x
    }
    fn below(&self, n: u64) -> u64 {
        self.next() % n
    }
}

static LINES: [IrqLine; 2] = [IrqLine::new(), IrqLine::new()];

async fn worker(rng: &'static Rng, sig: &'static Signal, s: &'static usched::Sched<8, 512>) {
    for _ in 0..rng.below(20) {
        match rng.below(7) {
            0 => yield_now().await,
            1 => {
                sleep(us(rng.below(300))).await;
            }
            2 => {
                let k = rng.below(5) as u32;
                let mut p = Poller::with_timeout(move || (rng.below(8) == 0).then_some(k), us(200));
                p.wait().await;
            }
            3 => {
                LINES[rng.below(2) as usize].wait_timeout(us(rng.below(400) + 1)).await;
            }
            4 => {
                let _ = timeout(us(150), sig.wait()).await;
            }
            5 => {
                // Stop or pause some other task, maybe ourselves.
                let me = s.current().unwrap();
                if rng.below(4) == 0 {
                    s.pause(me).unwrap();
                    yield_now().await;
                } else if rng.below(10) == 0 {
                    s.stop(me).unwrap();
                    yield_now().await;
                    unreachable!("a stopped task never runs again");
                }
            }
            _ => {
                sig.signal();
                LINES[rng.below(2) as usize].signal();
            }
        }
    }
}

#[test]
fn random_operations_keep_every_structure_consistent() {
    let seeds: u64 = std::env::var("USCHED_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    for seed in 1..=seeds {
        let c = clock();
        let s = sched::<8, 512>();
        let rng: &'static Rng = Box::leak(Box::new(Rng(Cell::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)))));
        let sig: &'static Signal = Box::leak(Box::new(Signal::new()));
        let ids: &'static std::cell::RefCell<Vec<TaskId>> = Box::leak(Box::default());
        s.spawn(async move {
            for _ in 0..3000 {
                match rng.below(8) {
                    0 | 1 => {
                        if let Ok(id) = s.spawn(worker(rng, sig, s)) {
                            ids.borrow_mut().push(id);
                        }
                    }
                    2 => {
                        if let Some(id) = pick(rng, ids) {
                            let _ = s.stop(id);
                            assert_eq!(s.status(id), Status::Finished);
                        }
                    }
                    3 => {
                        if let Some(id) = pick(rng, ids) {
                            let _ = s.pause(id);
                        }
                    }
                    4 => {
                        if let Some(id) = pick(rng, ids) {
                            let _ = s.resume(id);
                        }
                    }
                    5 => yield_now().await,
                    _ => {
                        if rng.below(3) == 0 {
                            if let Some(id) = pick(rng, ids) {
                                let _ = timeout(us(500), s.join(id)).await;
                            }
                        } else {
                            sleep(us(rng.below(100))).await;
                        }
                    }
                }
            }
            // Let everything paused go again, then finish.
            for &id in ids.borrow().iter() {
                let _ = s.resume(id);
            }
        })
        .unwrap();
        s.set_poll_interval(us(50));
        let end = s.run(c);
        assert!(matches!(end, RunEnd::Finished | RunEnd::AllPaused), "seed {seed}: {end:?}");
        assert_eq!(s.free_slots(), 8, "seed {seed}");
    }
}

fn pick(rng: &Rng, ids: &std::cell::RefCell<Vec<TaskId>>) -> Option<TaskId> {
    let v = ids.borrow();
    if v.is_empty() {
        return None;
    }
    Some(v[rng.below(v.len() as u64) as usize])
}
