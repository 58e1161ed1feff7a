//! A tickless [`Clock`]: time on a free-running ARM CMSDK APB timer, wake-ups from SysTick.
//!
//! The CMSDK APB timer is the 32-bit down-counter of ARM's reference designs (the MPS2 and MPS3
//! boards, which QEMU models as `mps2-an385`/`an386`/`an500`/`an505`, and chips built from the
//! Cortex-M System Design Kit). [`CmsdkClock`] lets one run free from `u32::MAX` and counts its
//! wraps in that timer's interrupt ([`CmsdkClock::on_time_interrupt`]), exactly as the
//! [SysTick clock](crate::SysTickClock) counts periods, with the timer's own `INTSTATUS` bit playing
//! the part of SysTick's pending bit. At 25 MHz a wrap comes every 171 s, so the core sleeps
//! undisturbed between deadlines.
//!
//! Sleeping arms SysTick as a one-shot alarm for the deadline (re-armed on each look when the
//! deadline is further than SysTick's 24 bits reach), so a sleep ends within a few microseconds of
//! its deadline (the SysTick handler, then one scheduler pass), not at the next tick. SysTick rather
//! than a second CMSDK timer: every Cortex-M has it, and QEMU's `-icount` mode (which the
//! test suite uses for determinism) wakes `WFI` on a CMSDK timer interrupt one period late, which
//! SysTick does not.

use core::cell::Cell;
use core::ptr::{read_volatile, write_volatile};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use critical_section::Mutex;
use usched::{Clock, Instant, Wakeup};

use crate::idle::Idler;
use crate::ConfigError;

const CTRL: usize = 0x0;
const VALUE: usize = 0x4;
const RELOAD: usize = 0x8;
const INTSTATUS: usize = 0xC; // reads the status, writes clear it
const CTRL_ENABLE: u32 = 1;
const CTRL_IRQ: u32 = 1 << 3;

/// One CMSDK APB timer's register block.
///
/// ```
/// // mps2-an385/an386: TIMER0 and TIMER1 (interrupts 8 and 9).
/// // SAFETY: TIMER0's register block on these boards, used by nothing else in this program.
/// let t0 = unsafe { usched_cortex_m::CmsdkTimer::at(0x4000_0000) };
/// // SAFETY: TIMER1's register block, likewise used by nothing else.
/// let t1 = unsafe { usched_cortex_m::CmsdkTimer::at(0x4000_1000) };
/// # let _ = (t0, t1);
/// ```
#[derive(Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CmsdkTimer {
    base: usize,
}

impl CmsdkTimer {
    /// The timer whose registers start at `base`.
    ///
    /// # Safety
    ///
    /// `base` must be the address of a CMSDK APB timer's register block, and nothing else in the
    /// program may use that timer.
    ///
    /// ```
    /// // SAFETY: mps2's TIMER0, used by nothing else.
    /// let t0 = unsafe { usched_cortex_m::CmsdkTimer::at(0x4000_0000) };
    /// # let _ = t0;
    /// ```
    // SAFETY: (for callers) the contract under `# Safety`; the function itself only stores the
    // address, and every register access relies on that contract.
    pub const unsafe fn at(base: usize) -> Self {
        CmsdkTimer { base }
    }

    /// Starts the timer counting down from `u32::MAX`, free-running, its interrupt off: a counter
    /// for measuring, read with [`elapsed`](Self::elapsed). (The benchmark programs time their
    /// workloads with it, as QEMU models no cycle counter.)
    ///
    /// ```no_run
    /// // SAFETY: mps2's TIMER1, used by nothing else.
    /// let t1 = unsafe { usched_cortex_m::CmsdkTimer::at(0x4000_1000) };
    /// t1.start_free_running();
    /// let t0 = t1.elapsed();
    /// // ... the work to time ...
    /// let ticks = t1.elapsed().wrapping_sub(t0);
    /// # let _ = ticks;
    /// ```
    pub fn start_free_running(&self) {
        self.write(RELOAD, u32::MAX);
        self.write(VALUE, u32::MAX);
        self.write(CTRL, CTRL_ENABLE);
    }

    /// Timer ticks since [`start_free_running`](Self::start_free_running) (modulo 2^32: the
    /// difference of two readings with `wrapping_sub` is right across one wrap).
    ///
    /// ```no_run
    /// // SAFETY: mps2's TIMER1, used by nothing else.
    /// let t1 = unsafe { usched_cortex_m::CmsdkTimer::at(0x4000_1000) };
    /// t1.start_free_running();
    /// let a = t1.elapsed();
    /// assert!(t1.elapsed().wrapping_sub(a) < 1_000);
    /// ```
    #[inline(always)]
    pub fn elapsed(&self) -> u32 {
        u32::MAX - self.read(VALUE)
    }

    #[inline(always)]
    fn read(&self, reg: usize) -> u32 {
        // SAFETY: `at`'s contract: `base + reg` is a register of a timer that is ours alone.
        unsafe { read_volatile((self.base + reg) as *const u32) }
    }

    fn write(&self, reg: usize, v: u32) {
        // SAFETY: as in `read`.
        unsafe { write_volatile((self.base + reg) as *mut u32, v) }
    }
}

/// A tickless 64-bit microsecond [`Clock`]: a free-running CMSDK timer, SysTick as the alarm.
///
/// ```no_run
/// use cortex_m_rt::exception;
/// use static_cell::ConstStaticCell;
/// use usched::Sched;
/// use usched_cortex_m::{CmsdkClock, CmsdkTimer};
///
/// // 25 MHz timer and core (mps2); TIMER0 keeps the time.
/// // SAFETY: mps2's TIMER0, used by nothing else.
/// static CLOCK: CmsdkClock = CmsdkClock::new(25_000_000, 25_000_000, unsafe { CmsdkTimer::at(0x4000_0000) });
///
/// #[exception]
/// fn SysTick() {
///     CLOCK.on_alarm_interrupt();
/// }
/// // And in the vector table, interrupt 8 (TIMER0) calls `CLOCK.on_time_interrupt()`; unmask it.
///
/// let cp = cortex_m::Peripherals::take().unwrap();
/// CLOCK.start(cp.SYST);
/// static SCHED: ConstStaticCell<Sched<4, 256>> = ConstStaticCell::new(Sched::new());
/// let sched = SCHED.take();
/// sched.run(&CLOCK);
/// ```
pub struct CmsdkClock {
    cycles_per_us: u32,
    core_cycles_per_us: u32,
    time: CmsdkTimer,
    wraps: Mutex<Cell<u64>>,
    idler: Idler,
}

impl CmsdkClock {
    /// A clock keeping time on `time`, which counts at `timer_hz`, and waking the core through
    /// SysTick, which counts the core clock `core_hz`.
    ///
    /// # Panics
    ///
    /// If [`try_new`](Self::try_new) would return an error; in a `static` initialiser that is a
    /// compile-time error.
    ///
    /// ```
    /// use usched_cortex_m::{CmsdkClock, CmsdkTimer};
    /// // SAFETY: mps2's TIMER0, used by nothing else.
    /// static CLOCK: CmsdkClock = CmsdkClock::new(25_000_000, 25_000_000, unsafe { CmsdkTimer::at(0x4000_0000) });
    /// ```
    pub const fn new(timer_hz: u32, core_hz: u32, time: CmsdkTimer) -> Self {
        match Self::try_new(timer_hz, core_hz, time) {
            Ok(c) => c,
            Err(_) => panic!("CmsdkClock: a clock is not a whole number of MHz"),
        }
    }

    /// The same as [`new`](Self::new), or why not.
    ///
    /// ```
    /// use usched_cortex_m::{CmsdkClock, CmsdkTimer, ConfigError};
    /// // SAFETY: never started, so the address is never touched.
    /// let c = CmsdkClock::try_new(32_768, 25_000_000, unsafe { CmsdkTimer::at(0x4000_0000) });
    /// assert_eq!(c.err(), Some(ConfigError::NotWholeMhz));
    /// ```
    pub const fn try_new(timer_hz: u32, core_hz: u32, time: CmsdkTimer) -> Result<Self, ConfigError> {
        if timer_hz == 0
            || !timer_hz.is_multiple_of(1_000_000)
            || core_hz == 0
            || !core_hz.is_multiple_of(1_000_000)
        {
            return Err(ConfigError::NotWholeMhz);
        }
        Ok(CmsdkClock {
            cycles_per_us: timer_hz / 1_000_000,
            core_cycles_per_us: core_hz / 1_000_000,
            time,
            wraps: Mutex::new(Cell::new(0)),
            idler: Idler::new(),
        })
    }

    /// Starts the time timer from zero, free-running with its wrap interrupt, and takes SysTick
    /// for the alarm (stopped until a sleep arms it). The time timer's interrupt must be unmasked
    /// in the NVIC by the program.
    ///
    /// ```no_run
    /// # use usched_cortex_m::{CmsdkClock, CmsdkTimer};
    /// # // SAFETY: mps2's TIMER0, used by nothing else.
    /// # static CLOCK: CmsdkClock = CmsdkClock::new(25_000_000, 25_000_000, unsafe { CmsdkTimer::at(0x4000_0000) });
    /// let cp = cortex_m::Peripherals::take().unwrap();
    /// CLOCK.start(cp.SYST);
    /// ```
    pub fn start(&self, mut syst: SYST) {
        syst.disable_counter();
        syst.set_clock_source(SystClkSource::Core);
        syst.enable_interrupt();
        self.time.write(CTRL, 0);
        self.time.write(INTSTATUS, 1);
        critical_section::with(|cs| self.wraps.borrow(cs).set(0));
        self.time.write(RELOAD, u32::MAX);
        self.time.write(VALUE, u32::MAX);
        self.time.write(CTRL, CTRL_ENABLE | CTRL_IRQ);
    }

    /// Counts one wrap of the time timer. Call it from that timer's interrupt handler.
    ///
    /// ```no_run
    /// # use usched_cortex_m::{CmsdkClock, CmsdkTimer};
    /// # // SAFETY: mps2's TIMER0, used by nothing else.
    /// # static CLOCK: CmsdkClock = CmsdkClock::new(25_000_000, 25_000_000, unsafe { CmsdkTimer::at(0x4000_0000) });
    /// extern "C" fn timer0_handler() {
    ///     CLOCK.on_time_interrupt();
    /// }
    /// ```
    pub fn on_time_interrupt(&self) {
        critical_section::with(|cs| {
            // `micros` counts a pending wrap without clearing it; only the handler clears and keeps it.
            if self.time.read(INTSTATUS) & 1 != 0 {
                self.time.write(INTSTATUS, 1);
                let w = self.wraps.borrow(cs);
                w.set(w.get().wrapping_add(1));
            }
        });
    }

    /// Stops the alarm. Call it from the `SysTick` exception handler: the sleep it ended is over,
    /// and the scheduler looks at its deadlines.
    ///
    /// ```no_run
    /// # use usched_cortex_m::{CmsdkClock, CmsdkTimer};
    /// # // SAFETY: mps2's TIMER0, used by nothing else.
    /// # static CLOCK: CmsdkClock = CmsdkClock::new(25_000_000, 25_000_000, unsafe { CmsdkTimer::at(0x4000_0000) });
    /// #[cortex_m_rt::exception]
    /// fn SysTick() {
    ///     CLOCK.on_alarm_interrupt();
    /// }
    /// ```
    pub fn on_alarm_interrupt(&self) {
        // SAFETY: only the counter-enable bit of SYST_CSR changes; `start` took ownership of SYST
        // for this clock, so no other code uses it.
        let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
        syst.disable_counter();
    }

    /// The `WFI` loop this clock idles in: its sleep count and its hook.
    ///
    /// ```no_run
    /// # use usched_cortex_m::{CmsdkClock, CmsdkTimer};
    /// # // SAFETY: mps2's TIMER0, used by nothing else.
    /// # static CLOCK: CmsdkClock = CmsdkClock::new(25_000_000, 25_000_000, unsafe { CmsdkTimer::at(0x4000_0000) });
    /// let n = CLOCK.idler().sleeps();
    /// # let _ = n;
    /// ```
    pub fn idler(&self) -> &Idler {
        &self.idler
    }

    fn micros(&self) -> u64 {
        critical_section::with(|cs| {
            let mut wraps = self.wraps.borrow(cs).get();
            let mut val = self.time.read(VALUE);
            if self.time.read(INTSTATUS) & 1 != 0 {
                // Wrapped, not yet counted by the handler: count it here, read again after it.
                wraps = wraps.wrapping_add(1);
                val = self.time.read(VALUE);
            }
            let cycles = (wraps << 32) | u64::from(u32::MAX - val);
            cycles / u64::from(self.cycles_per_us)
        })
    }

    /// Arms SysTick to fire at `t`, or as far towards it as its 24 bits reach (the idle loop
    /// re-arms after each wake).
    fn arm(&self, t: Instant) {
        let left = t.as_micros().saturating_sub(self.micros());
        let ticks = left.saturating_mul(u64::from(self.core_cycles_per_us)).clamp(1, 1 << 24) as u32;
        // SAFETY: `start` took ownership of SYST for this clock; we run with interrupts masked, so
        // the SysTick handler (the only other user) cannot run in between.
        let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
        syst.disable_counter();
        syst.set_reload(ticks - 1);
        syst.clear_current();
        syst.enable_counter();
    }
}

impl Clock for CmsdkClock {
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
        self.idler.idle(wake, due, || {
            if let Some(t) = until {
                self.arm(t);
            }
        });
    }
}
