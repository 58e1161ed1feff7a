//! syncom's cost per bit on a Cortex-M4: both link ends as tasks of one scheduler on one core,
//! the four wires as memory, board A sending messages to board B.
//!
//! Every bit then costs both ends' work (A's exchange and B's, and the scheduler switching
//! between them), so the figure is an upper bound for one end of a real two-board link.
//! `cargo run --release --bin bits` (in this directory) prints the calibration line and
//! `syncom bits=.. ticks=..`; instructions per bit = ticks / bits / (calibration ticks per
//! instruction).
#![no_std]
#![no_main]

use core::convert::Infallible;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use core::time::Duration;

use cortex_m_rt::entry;
use embedded_hal::digital::{ErrorType, InputPin, OutputPin};
use syncom::{Config, LinkState, Pins, Role, Syncom};
use usched::{Clock, Instant, Sched, Wakeup};
use usched_bench_cortex_m::{calibrate, exit, ticks, timer_start};

const MESSAGES: u32 = 200;

/// A's clock, A's data, B's clock, B's data.
static WIRES: [AtomicBool; 4] = [const { AtomicBool::new(false) }; 4];
/// Edges of A's clock: each carries one bit from A (and B answers each with one of its own).
static EDGES: AtomicU32 = AtomicU32::new(0);

struct Wire(usize);

impl ErrorType for Wire {
    type Error = Infallible;
}

impl InputPin for Wire {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        Ok(WIRES[self.0].load(Ordering::Relaxed))
    }
    fn is_low(&mut self) -> Result<bool, Infallible> {
        Ok(!WIRES[self.0].load(Ordering::Relaxed))
    }
}

impl OutputPin for Wire {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.set(false);
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.set(true);
        Ok(())
    }
}

impl Wire {
    #[inline(always)]
    fn set(&self, level: bool) {
        if self.0 == 0 && WIRES[0].load(Ordering::Relaxed) != level {
            EDGES.store(EDGES.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        }
        WIRES[self.0].store(level, Ordering::Relaxed);
    }
}

/// Time from the CMSDK timer (25 MHz in QEMU): enough for the link's timeouts.
struct TimerClock;

impl Clock for TimerClock {
    fn now(&self) -> Instant {
        Instant::from_micros(u64::from(ticks()) / 25)
    }
    fn idle(&self, _: Option<Instant>, _: &Wakeup) {}
}

static CLOCK: TimerClock = TimerClock;

type Link = Syncom<64, 8>;

#[entry]
fn main() -> ! {
    timer_start();
    calibrate();
    let a: &'static Link = cortex_m::singleton!(: Link = Syncom::new()).unwrap();
    let b: &'static Link = cortex_m::singleton!(: Link = Syncom::new()).unwrap();
    let s: &'static Sched<4, 1024> = cortex_m::singleton!(: Sched<4, 1024> = Sched::new()).unwrap();
    let mut cfg = Config::new(Role::Initiator);
    // 2 ms: the quiet time must stay well above the longest time one end's task can keep the
    // other's waiting (syncom's docs ask for four times). 200 µs, about 3000 instructions here,
    // was marginal: a few instructions more per scheduler pass and the sessions never aligned.
    // It only sets how the link starts; the cost per bit is measured once it is up.
    cfg.quiet = Duration::from_millis(2);
    cfg.bit_timeout = Duration::from_millis(50);
    cfg.yield_bits = 64;
    let _ = s.spawn(a.run(Pins::new(Wire(2), Wire(0), Wire(3), Wire(1)), &CLOCK, cfg));
    let _ = s.spawn(b.run(
        Pins::new(Wire(0), Wire(2), Wire(1), Wire(3)),
        &CLOCK,
        Config { role: Role::Passive, ..cfg },
    ));
    let _ = s.spawn(async move {
        for n in 0..MESSAGES {
            let _ = a.send(&(n, [n as u8; 16])).await;
        }
    });
    let _ = s.spawn(async move {
        b.wait_for(LinkState::Up).await;
        let (t0, e0) = (ticks(), EDGES.load(Ordering::Relaxed));
        for n in 0..MESSAGES {
            if b.recv::<(u32, [u8; 16])>().await != Ok((n, [n as u8; 16])) {
                cortex_m_semihosting::hprintln!("syncom wrong message at {}", n);
                exit();
            }
        }
        let (t1, e1) = (ticks(), EDGES.load(Ordering::Relaxed));
        let c = b.counters();
        cortex_m_semihosting::hprintln!(
            "syncom bits={} ticks={} messages={} crc_errors={} resyncs={}",
            e1 - e0,
            t1 - t0,
            MESSAGES,
            c.crc_errors,
            c.resyncs
        );
        exit();
    });
    s.run(&CLOCK);
    exit()
}
