//! A [`Clock`] on SysTick, the timer every Cortex-M core has.
//!
//! SysTick is a 24-bit down-counter. [`SysTickClock`] reloads it every `period_us` microseconds and
//! counts the reloads in its interrupt ([`SysTickClock::on_interrupt`]); the time is the count of
//! periods (64-bit) times the period, plus how far the counter has gone into the current one.
//!
//! # Reading the time from anywhere
//!
//! The count and the counter are read together in a critical section, so the SysTick handler cannot
//! run in between. It can still be *pending*: the counter wrapped, but the handler has not counted
//! it yet, because we are in a critical section or in an interrupt handler of equal or higher
//! priority. The read checks SysTick's pending bit (`ICSR.PENDSTSET`, which reading does not
//! clear, unlike `COUNTFLAG`); if it is set, the wrap is counted here and the counter is read again,
//! after the wrap. So [`Clock::now`] is monotonic from a task and from any handler, provided no
//! critical section lasts a whole period and nothing pends SysTick by software.
//!
//! # Sleeping
//!
//! The tick is periodic, so [`Clock::idle`] sleeps in `WFI` one period at a time and looks again
//! after each tick: a sleep ends at most one period (plus the handler and one scheduler pass) after
//! its deadline. Interrupts end the sleep at once. A period of 1 ms is a usual compromise between
//! lateness and wake-ups; the QEMU suite states and checks the bound.

use core::cell::Cell;

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{SCB, SYST};
use critical_section::Mutex;
use usched::{Clock, Instant, Wakeup};

use crate::idle::Idler;
use crate::ConfigError;

/// A 64-bit microsecond [`Clock`] on SysTick, idling in `WFI`.
///
/// The core clock must be a whole number of MHz, and `period_us` of them must fit SysTick's 24 bits.
///
/// ```no_run
/// use cortex_m_rt::{entry, exception};
/// use static_cell::ConstStaticCell;
/// use usched::{sleep, Sched};
/// use usched_cortex_m::SysTickClock;
///
/// static CLOCK: SysTickClock = SysTickClock::new(25_000_000, 1_000); // 25 MHz core, 1 ms tick
/// // A Sched is not Sync; it is all zero bytes, so this static sits in `.bss`.
/// static SCHED: ConstStaticCell<Sched<4, 256>> = ConstStaticCell::new(Sched::new());
///
/// #[exception]
/// fn SysTick() {
///     CLOCK.on_interrupt();
/// }
///
/// #[entry]
/// fn main() -> ! {
///     let cp = cortex_m::Peripherals::take().unwrap();
///     CLOCK.start(cp.SYST);
///     let sched: &'static Sched<4, 256> = SCHED.take();
///     sched.spawn(async {
///         loop {
///             sleep(core::time::Duration::from_millis(500)).await;
///             // toggle an LED
///         }
///     }).ok();
///     sched.run(&CLOCK);
///     loop {}
/// }
/// ```
pub struct SysTickClock {
    cycles_per_us: u32,
    period_us: u32,
    reload: u32,
    periods: Mutex<Cell<u64>>,
    idler: Idler,
}

impl SysTickClock {
    /// A clock for a core running at `core_hz`, ticking every `period_us` microseconds.
    ///
    /// # Panics
    ///
    /// If [`try_new`](Self::try_new) would return an error. Used to initialise a `static`, that
    /// is a compile-time error, not a panic at run time.
    ///
    /// ```
    /// static CLOCK: usched_cortex_m::SysTickClock = usched_cortex_m::SysTickClock::new(48_000_000, 1_000);
    /// ```
    pub const fn new(core_hz: u32, period_us: u32) -> Self {
        match Self::try_new(core_hz, period_us) {
            Ok(c) => c,
            Err(ConfigError::NotWholeMhz) => {
                panic!("SysTickClock: the core clock is not a whole number of MHz")
            }
            Err(ConfigError::PeriodOutOfRange) => {
                panic!("SysTickClock: the period does not fit SysTick's 24 bits")
            }
        }
    }

    /// A clock for a core running at `core_hz`, ticking every `period_us` microseconds, or why not.
    ///
    /// ```
    /// use usched_cortex_m::{ConfigError, SysTickClock};
    /// assert!(SysTickClock::try_new(16_000_000, 1_000).is_ok());
    /// assert_eq!(SysTickClock::try_new(32_768, 1_000).err(), Some(ConfigError::NotWholeMhz));
    /// assert_eq!(SysTickClock::try_new(168_000_000, 1_000_000).err(), Some(ConfigError::PeriodOutOfRange));
    /// ```
    pub const fn try_new(core_hz: u32, period_us: u32) -> Result<Self, ConfigError> {
        if core_hz == 0 || !core_hz.is_multiple_of(1_000_000) {
            return Err(ConfigError::NotWholeMhz);
        }
        let cycles_per_us = core_hz / 1_000_000;
        let cycles = cycles_per_us as u64 * period_us as u64;
        if period_us == 0 || cycles > 1 << 24 {
            return Err(ConfigError::PeriodOutOfRange);
        }
        Ok(SysTickClock {
            cycles_per_us,
            period_us,
            reload: cycles as u32 - 1,
            periods: Mutex::new(Cell::new(0)),
            idler: Idler::new(),
        })
    }

    /// Starts SysTick on the core clock, with its interrupt. Taking `SYST` by value proves nothing
    /// else uses it. Time starts at zero here.
    ///
    /// ```no_run
    /// static CLOCK: usched_cortex_m::SysTickClock = usched_cortex_m::SysTickClock::new(25_000_000, 1_000);
    /// let cp = cortex_m::Peripherals::take().unwrap();
    /// CLOCK.start(cp.SYST);
    /// ```
    pub fn start(&self, mut syst: SYST) {
        syst.disable_counter();
        syst.disable_interrupt();
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(self.reload);
        syst.clear_current();
        critical_section::with(|cs| self.periods.borrow(cs).set(0));
        syst.enable_interrupt();
        syst.enable_counter();
        // `syst` is dropped here; the registers stay as set, and nothing else can own SYST.
    }

    /// Counts one period. Call it from the `SysTick` exception handler, first thing.
    ///
    /// ```no_run
    /// static CLOCK: usched_cortex_m::SysTickClock = usched_cortex_m::SysTickClock::new(25_000_000, 1_000);
    /// #[cortex_m_rt::exception]
    /// fn SysTick() {
    ///     CLOCK.on_interrupt();
    /// }
    /// ```
    pub fn on_interrupt(&self) {
        critical_section::with(|cs| {
            let p = self.periods.borrow(cs);
            p.set(p.get().wrapping_add(1));
        });
    }

    /// The tick period in microseconds: the bound on how late a sleep can end (plus one pass).
    ///
    /// ```
    /// assert_eq!(usched_cortex_m::SysTickClock::new(25_000_000, 250).period_us(), 250);
    /// ```
    pub const fn period_us(&self) -> u32 {
        self.period_us
    }

    /// The `WFI` loop this clock idles in: its sleep count and its hook.
    ///
    /// ```
    /// static CLOCK: usched_cortex_m::SysTickClock = usched_cortex_m::SysTickClock::new(25_000_000, 1_000);
    /// assert_eq!(CLOCK.idler().sleeps(), 0);
    /// ```
    pub fn idler(&self) -> &Idler {
        &self.idler
    }

    fn micros(&self) -> u64 {
        critical_section::with(|cs| {
            let mut periods = self.periods.borrow(cs).get();
            let mut val = SYST::get_current();
            if SCB::is_pendst_pending() {
                // Wrapped, not yet counted by the handler: count it, and read the counter after it.
                periods = periods.wrapping_add(1);
                val = SYST::get_current();
            }
            let into = self.reload.saturating_sub(val) / self.cycles_per_us;
            periods.saturating_mul(u64::from(self.period_us)).saturating_add(u64::from(into))
        })
    }
}

impl Clock for SysTickClock {
    /// Thread mode or the active handler (`IPSR`), once the program promised a single core
    /// without an RTOS ([`Idler::assume_single_core`](crate::Idler::assume_single_core)).
    #[inline]
    fn context(&self) -> Option<usched::ContextProbe> {
        self.idler.context()
    }

    fn now(&self) -> Instant {
        Instant::from_micros(self.micros())
    }

    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        let due = || until.is_some_and(|t| self.micros() >= t.as_micros());
        self.idler.idle(wake, due, || {});
    }
}
