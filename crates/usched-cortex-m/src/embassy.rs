//! A [`Clock`] over `embassy-time-driver`, for every chip with an embassy time driver.
//!
//! embassy's chip crates (embassy-stm32, embassy-nrf, embassy-rp, esp-hal, ...) implement a time
//! driver: a tick counter and an alarm that wakes a `Waker`. [`EmbassyTimeClock`] reads the time
//! from it and, when the scheduler idles until a deadline, sets the driver's alarm for that
//! deadline and sleeps in `WFI` ([`Idler`]); the driver's alarm interrupt ends the sleep. The
//! program links exactly one driver, and chooses the tick rate through the driver's `tick-hz-*`
//! feature, as with embassy itself.

use core::task::Waker;

use usched::{Clock, Instant, Wakeup};

use crate::idle::Idler;

const HZ: u128 = embassy_time_driver::TICK_HZ as u128;

fn ticks_to_us(t: u64) -> u64 {
    let us = u128::from(t) * 1_000_000 / HZ;
    u64::try_from(us).unwrap_or(u64::MAX)
}

fn us_to_ticks_ceil(us: u64) -> u64 {
    let t = (u128::from(us) * HZ).div_ceil(1_000_000);
    u64::try_from(t).unwrap_or(u64::MAX)
}

/// A 64-bit microsecond [`Clock`] on the program's embassy time driver, idling in `WFI`.
///
/// ```no_run
/// use static_cell::ConstStaticCell;
/// use usched::Sched;
/// use usched_cortex_m::EmbassyTimeClock;
///
/// // The chip's HAL provides the time driver (for example embassy-stm32 with `time-driver-any`).
/// static CLOCK: EmbassyTimeClock = EmbassyTimeClock::new();
/// static SCHED: ConstStaticCell<Sched<4, 256>> = ConstStaticCell::new(Sched::new());
///
/// let sched: &'static Sched<4, 256> = SCHED.take();
/// sched.run(&CLOCK);
/// ```
pub struct EmbassyTimeClock {
    idler: Idler,
}

impl Default for EmbassyTimeClock {
    fn default() -> Self {
        Self::new()
    }
}

impl EmbassyTimeClock {
    /// The clock; time is the driver's, from wherever the driver started it.
    ///
    /// ```no_run
    /// static CLOCK: usched_cortex_m::EmbassyTimeClock = usched_cortex_m::EmbassyTimeClock::new();
    /// ```
    pub const fn new() -> Self {
        EmbassyTimeClock { idler: Idler::new() }
    }

    /// The `WFI` loop this clock idles in: its sleep count and its hook.
    ///
    /// ```no_run
    /// static CLOCK: usched_cortex_m::EmbassyTimeClock = usched_cortex_m::EmbassyTimeClock::new();
    /// assert_eq!(CLOCK.idler().sleeps(), 0);
    /// ```
    pub fn idler(&self) -> &Idler {
        &self.idler
    }
}

impl Clock for EmbassyTimeClock {
    /// Thread mode or the active handler (`IPSR`), once the program promised a single core
    /// without an RTOS ([`Idler::assume_single_core`](crate::Idler::assume_single_core)).
    #[inline]
    fn context(&self) -> Option<usched::ContextProbe> {
        self.idler.context()
    }

    fn now(&self) -> Instant {
        Instant::from_micros(ticks_to_us(embassy_time_driver::now()))
    }

    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        let due = || until.is_some_and(|t| self.now() >= t);
        self.idler.idle(wake, due, || {
            if let Some(t) = until {
                // The alarm's interrupt is what ends the sleep; the waker itself has nothing to do.
                embassy_time_driver::schedule_wake(us_to_ticks_ceil(t.as_micros()), Waker::noop());
            }
        });
    }
}
