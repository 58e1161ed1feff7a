//! What every size program shares: a scheduler, a clock, and pins the optimiser cannot remove.
//!
//! The flash cost of a driver is the `text` size of the program that runs it minus that of
//! `baseline`, the same program with one yielding task instead. Build and measure with
//! `cargo build --release` here (and `--target thumbv6m-none-eabi`), then `arm-none-eabi-size`
//! (see `report.sh`).
#![no_std]

use core::convert::Infallible;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use static_cell::ConstStaticCell;
use usched::{Clock, Instant, Sched, Wakeup};

/// The scheduler of every size program: all zero bytes, so it sits in `.bss` and start-up copies
/// nothing (a `singleton!` would build it on the stack and copy it in).
static SCHED: ConstStaticCell<Sched<4, 512>> = ConstStaticCell::new(Sched::new());

/// The scheduler of every size program (call once).
pub fn sched() -> &'static Sched<4, 512> {
    SCHED.take()
}

/// A clock a timer interrupt would advance; it idles with `WFI`.
pub struct Ticks(pub AtomicU32);

impl Clock for Ticks {
    fn now(&self) -> Instant {
        Instant::from_micros(u64::from(self.0.load(Ordering::Relaxed)))
    }
    fn idle(&self, _until: Option<Instant>, wake: &Wakeup) {
        if !wake.pending() {
            cortex_m::asm::wfi();
        }
    }
}

/// The clock of every size program.
pub static CLOCK: Ticks = Ticks(AtomicU32::new(0));

/// A pin that lives in a static: reads and writes are real memory accesses.
pub struct Pin(pub &'static AtomicBool);

impl embedded_hal::digital::ErrorType for Pin {
    type Error = Infallible;
}

impl embedded_hal::digital::InputPin for Pin {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.0.load(Ordering::Relaxed))
    }
    fn is_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.0.load(Ordering::Relaxed))
    }
}

impl embedded_hal::digital::OutputPin for Pin {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.0.store(false, Ordering::Relaxed);
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.0.store(true, Ordering::Relaxed);
        Ok(())
    }
}

/// A bus delay that spins.
pub struct Spin;

impl embedded_hal::delay::DelayNs for Spin {
    fn delay_ns(&mut self, ns: u32) {
        cortex_m::asm::delay(ns / 5);
    }
}

/// What each program's events go to: a static the optimiser must keep writing.
pub static SINK: AtomicBool = AtomicBool::new(false);

/// Records an event.
pub fn note() {
    SINK.store(!SINK.load(Ordering::Relaxed), Ordering::Relaxed);
}
