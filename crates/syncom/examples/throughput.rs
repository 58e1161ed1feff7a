//! Throughput between two link ends on two OS threads, the wires shared atomics.
//!
//! Each thread runs its own scheduler on the host clock with one link end, a sender and a
//! receiver; each wire is an `AtomicBool` one end writes and the other reads. Both ends send
//! `SYNCOM_BENCH_MESSAGES` (default 5,000) messages of 32 payload bytes at once, and the run
//! reports the raw bit rate (clock edges per second each way) and the payload rate.
//!
//! `cargo run --release -p syncom --example throughput`

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use embedded_hal::digital::{ErrorType, InputPin, OutputPin};
use syncom::{Config, LinkState, Pins, Role, Syncom};
use usched::{Sched, StdClock};

/// One wire: the level, and how many times it changed.
#[derive(Default)]
struct Wire {
    level: AtomicBool,
    changes: AtomicU64,
}

#[derive(Clone)]
struct End(Arc<Wire>);

impl ErrorType for End {
    type Error = Infallible;
}

impl InputPin for End {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.0.level.load(Ordering::Acquire))
    }
    fn is_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.0.level.load(Ordering::Acquire))
    }
}

impl OutputPin for End {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.set(false);
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.set(true);
        Ok(())
    }
}

impl End {
    fn set(&self, level: bool) {
        if self.0.level.swap(level, Ordering::Release) != level {
            self.0.changes.fetch_add(1, Ordering::Relaxed);
        }
    }
}

type Link = Syncom<64, 16>;

/// Runs one end; returns how long its receiver took and how many bits its clock carried then.
fn side(role: Role, pins: Pins<End, End, End, End>, count: u32, start: Arc<Barrier>) -> (Duration, u64) {
    let clock_wire = pins.ckout.0.clone();
    let clock: &'static StdClock = Box::leak(Box::new(StdClock::new()));
    let link: &'static Link = Box::leak(Box::new(Syncom::new()));
    let s: &'static Sched<4, 2048> = Box::leak(Box::new(Sched::new()));
    let mut cfg = Config::new(role);
    cfg.quiet = Duration::from_millis(2);
    cfg.yield_bits = 64; // nothing else runs on this thread but the sender and receiver
    let elapsed: &'static std::cell::Cell<(Duration, u64)> =
        Box::leak(Box::new(std::cell::Cell::new((Duration::ZERO, 0))));
    s.spawn(link.run(pins, clock, cfg)).unwrap();
    s.spawn(async move {
        for n in 0..count {
            link.send(&(n, [n as u8; 32])).await.unwrap();
        }
    })
    .unwrap();
    s.spawn(async move {
        link.wait_for(LinkState::Up).await;
        start.wait(); // both ends up: the clock starts
        let t0 = Instant::now();
        let e0 = clock_wire.changes.load(Ordering::Relaxed);
        for n in 0..count {
            let (m, bytes): (u32, [u8; 32]) = link.recv().await.unwrap();
            assert_eq!((m, bytes), (n, [n as u8; 32]));
        }
        elapsed.set((t0.elapsed(), clock_wire.changes.load(Ordering::Relaxed) - e0));
        // Let the peer receive its last acknowledgements, then stop.
        usched::sleep(Duration::from_millis(20)).await;
        s.stop_all();
    })
    .unwrap();
    s.run(clock);
    let c = link.counters();
    assert_eq!(c.delivered, count);
    eprintln!("{role:?}: {c:?}");
    elapsed.get()
}

fn main() {
    let count: u32 =
        std::env::var("SYNCOM_BENCH_MESSAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
    let wires: [Arc<Wire>; 4] = Default::default(); // A's clock, A's data, B's clock, B's data
    let pins_a =
        Pins::new(End(wires[2].clone()), End(wires[0].clone()), End(wires[3].clone()), End(wires[1].clone()));
    let pins_b =
        Pins::new(End(wires[0].clone()), End(wires[2].clone()), End(wires[1].clone()), End(wires[3].clone()));
    let barrier = Arc::new(Barrier::new(2));
    let b2 = barrier.clone();
    let a = std::thread::spawn(move || side(Role::Initiator, pins_a, count, barrier));
    let b = std::thread::spawn(move || side(Role::Passive, pins_b, count, b2));
    let ((ta, bits_a), (tb, bits_b)) = (a.join().unwrap(), b.join().unwrap());
    let t = ta.max(tb).as_secs_f64();
    // Each clock edge carries one bit from the end that made it.
    let bits_each_way = (bits_a as f64 / ta.as_secs_f64()).min(bits_b as f64 / tb.as_secs_f64());
    let payload_bits = f64::from(count) * 36.0 * 8.0; // (u32 varint + 32 bytes) ≈ 36 bytes
    println!(
        "{count} messages each way in {:.3} s: {:.0} bit/s raw each way (both ways at once), {:.0} bit/s of payload each way",
        t,
        bits_each_way,
        payload_bits / t,
    );
}
