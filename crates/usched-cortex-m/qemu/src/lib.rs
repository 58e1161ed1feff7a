//! The QEMU boards the on-target programs run on, and a libtest-style harness.
//!
//! - `thumbv7em-none-eabihf`: `mps2-an386` (Cortex-M4, 25 MHz): SysTick and the CMSDK timers.
//! - `thumbv6m-none-eabi`: `microbit` (nRF51, Cortex-M0, 16 MHz): SysTick. (A real nRF51 has no
//!   SysTick; QEMU's M0 has one, which is all these programs need to exercise the M0 code paths.)
//!
//! Output goes through semihosting; [`exit`] ends QEMU with the program's status, which is what
//! `run` (the script next to this crate) checks.
#![no_std]

use core::cell::{Cell, RefCell};

use cortex_m::interrupt::InterruptNumber;
use cortex_m::peripheral::NVIC;
use cortex_m_rt::exception;
pub use cortex_m_semihosting::{hprint, hprintln};
use critical_section::Mutex;
use usched_cortex_m::SysTickClock;

/// The board's name, as `qemu-system-arm -machine` knows it.
#[cfg(board = "mps2")]
pub const BOARD: &str = "mps2-an386";
/// The board's name, as `qemu-system-arm -machine` knows it.
#[cfg(board = "microbit")]
pub const BOARD: &str = "microbit";

/// The core clock, which SysTick counts.
#[cfg(board = "mps2")]
pub const CORE_HZ: u32 = 25_000_000;
/// The core clock, which SysTick counts.
#[cfg(board = "microbit")]
pub const CORE_HZ: u32 = 16_000_000;

/// Two interrupts no device on the board raises, for the tests to pend through the NVIC.
#[cfg(board = "mps2")]
pub const SOFT: [Irq; 2] = [Irq(20), Irq(21)];
/// Two interrupts no device on the board raises (the nRF51's SWI0 and SWI1).
#[cfg(board = "microbit")]
pub const SOFT: [Irq; 2] = [Irq(20), Irq(21)];

/// SysTick's period in the programs that keep time on SysTick.
pub const TICK_US: u32 = 1_000;

/// The SysTick clock (1 ms tick). Started by [`start_systick`].
pub static SYSTICK: SysTickClock = SysTickClock::new(CORE_HZ, TICK_US);

static SYSTICK_HANDLER: Mutex<Cell<fn()>> = Mutex::new(Cell::new(|| SYSTICK.on_interrupt()));

#[exception]
fn SysTick() {
    critical_section::with(|cs| SYSTICK_HANDLER.borrow(cs).get())();
}

/// Starts [`SYSTICK`] (and routes the SysTick exception to it).
pub fn start_systick(syst: cortex_m::peripheral::SYST) {
    critical_section::with(|cs| SYSTICK_HANDLER.borrow(cs).set(|| SYSTICK.on_interrupt()));
    SYSTICK.start(syst);
}

#[cfg(board = "mps2")]
mod mps2 {
    use usched_cortex_m::{CmsdkClock, CmsdkTimer};

    /// The tickless clock: time on the CMSDK TIMER0 (interrupt 8), wake-ups from SysTick.
    pub static CMSDK: CmsdkClock = CmsdkClock::new(
        25_000_000,
        super::CORE_HZ,
        // SAFETY: 0x4000_0000 is TIMER0 of mps2-an386; no other code in these programs touches it.
        unsafe { CmsdkTimer::at(0x4000_0000) },
    );

    /// Starts [`CMSDK`] and routes TIMER0's interrupt and the SysTick exception to it.
    pub fn start_cmsdk(syst: cortex_m::peripheral::SYST) {
        critical_section::with(|cs| super::SYSTICK_HANDLER.borrow(cs).set(|| CMSDK.on_alarm_interrupt()));
        super::on_irq(super::Irq(8), || CMSDK.on_time_interrupt());
        CMSDK.start(syst);
    }
}
#[cfg(board = "mps2")]
pub use mps2::{start_cmsdk, CMSDK};

/// An external interrupt number of the board.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Irq(pub u16);

// SAFETY: the programs only name interrupts below 32, which both boards' NVICs implement.
unsafe impl InterruptNumber for Irq {
    fn number(self) -> u16 {
        self.0
    }
}

const IRQS: usize = 32;

static HANDLERS: Mutex<RefCell<[Option<fn()>; IRQS]>> = Mutex::new(RefCell::new([None; IRQS]));

/// Runs `handler` for interrupt `irq` from now on, and unmasks it in the NVIC.
pub fn on_irq(irq: Irq, handler: fn()) {
    critical_section::with(|cs| {
        if let Some(h) = HANDLERS.borrow_ref_mut(cs).get_mut(usize::from(irq.0)) {
            *h = Some(handler);
        }
    });
    // SAFETY: the handler just installed takes no lock a critical section of ours holds (it is
    // called outside the table's critical section), so unmasking breaks no critical section.
    unsafe { NVIC::unmask(irq) };
}

/// Pends `irq` in the NVIC, as a device would. With interrupts enabled, its handler runs before
/// this returns.
pub fn pend(irq: Irq) {
    NVIC::pend(irq);
}

/// Every external interrupt enters here and is dispatched through the table [`on_irq`] fills.
extern "C" fn dispatch() {
    let ipsr: u32;
    // SAFETY: reading IPSR has no side effects.
    unsafe { core::arch::asm!("mrs {}, IPSR", out(reg) ipsr, options(nomem, nostack, preserves_flags)) };
    let irq = (ipsr & 0x1FF).wrapping_sub(16) as usize;
    let handler = critical_section::with(|cs| HANDLERS.borrow_ref(cs).get(irq).copied().flatten());
    if let Some(h) = handler {
        h();
    }
}

/// The external interrupts of the vector table (cortex-m-rt's `device` feature links it).
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
#[used]
pub static __INTERRUPTS: [extern "C" fn(); IRQS] = [dispatch; IRQS];

// SAFETY: cortex-m-rt requires the HardFault handler to be declared unsafe; it is only ever
// entered by the hardware on a fault, with the frame cortex-m-rt passes, and it never returns.
#[exception]
unsafe fn HardFault(ef: &cortex_m_rt::ExceptionFrame) -> ! {
    hprintln!("FAILED\nHardFault at pc {:#010x}", ef.pc());
    fail_summary();
    exit(false)
}

/// Ends the QEMU run: status 0 if `ok`, 1 otherwise.
pub fn exit(ok: bool) -> ! {
    use cortex_m_semihosting::debug;
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    loop {
        cortex_m::asm::wfi();
    }
}

/// One test of the on-target suite, given the suite's shared context (its scheduler).
pub struct Test<T: 'static> {
    /// Its name, as printed.
    pub name: &'static str,
    /// Panics (through `assert!`) if the test fails.
    pub run: fn(&'static T),
}

static PROGRESS: Mutex<Cell<(u16, u16)>> = Mutex::new(Cell::new((0, 0)));

/// Runs `tests` in order, printing what libtest prints, and exits QEMU: 0 if all passed. A
/// failing test panics; the panic handler ([`report_panic`]) prints the rest of the summary.
pub fn run_tests<T>(ctx: &'static T, tests: &[Test<T>]) -> ! {
    let total = tests.len() as u16;
    critical_section::with(|cs| PROGRESS.borrow(cs).set((0, total)));
    hprintln!("\nrunning {} tests on {}", total, BOARD);
    for (i, t) in tests.iter().enumerate() {
        hprint!("test {} ... ", t.name);
        (t.run)(ctx);
        hprintln!("ok");
        critical_section::with(|cs| PROGRESS.borrow(cs).set((i as u16 + 1, total)));
    }
    hprintln!("\ntest result: ok. {} passed; 0 failed\n", total);
    exit(true)
}

fn fail_summary() {
    let (passed, total) = critical_section::with(|cs| PROGRESS.borrow(cs).get());
    if total > 0 {
        let not_run = total.saturating_sub(passed + 1);
        hprintln!("\ntest result: FAILED. {} passed; 1 failed; {} not run\n", passed, not_run);
    }
}

/// What the programs' panic handlers do: print the panic (after `test name ... `, so it reads
/// `FAILED`), the summary if a suite is running, and exit QEMU with status 1.
pub fn report_panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("FAILED\n{}", info);
    fail_summary();
    exit(false)
}

/// Defines the program's panic handler as [`report_panic`].
#[macro_export]
macro_rules! panic_handler {
    () => {
        #[panic_handler]
        fn panic(info: &core::panic::PanicInfo) -> ! {
            $crate::report_panic(info)
        }
    };
}

/// An LED of the virtual board: prints `<ms> ms  led <name> on|off` on every change, with the
/// time from [`SYSTICK`] in whole milliseconds.
pub struct Led(pub &'static str);

impl embedded_hal::digital::ErrorType for Led {
    type Error = core::convert::Infallible;
}

impl embedded_hal::digital::OutputPin for Led {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        log(format_args!("led {} off", self.0));
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Self::Error> {
        log(format_args!("led {} on", self.0));
        Ok(())
    }
}

/// Prints one line of a demo's trace, stamped with [`SYSTICK`]'s time in whole milliseconds.
pub fn log(what: core::fmt::Arguments) {
    use usched::Clock;
    let ms = SYSTICK.now().as_micros() / 1000;
    hprintln!("{:>6} ms  {}", ms, what);
}

/// A small embassy time driver of ours, to test `EmbassyTimeClock`: time is [`SYSTICK`]'s (1 MHz
/// ticks), and the alarm is checked on every SysTick tick ([`start_systick_with_driver`]).
pub struct SysTickDriver {
    alarm: Mutex<RefCell<Option<(u64, core::task::Waker)>>>,
}

impl SysTickDriver {
    fn on_tick(&self) {
        use usched::Clock;
        let now = SYSTICK.now().as_micros();
        let due = critical_section::with(|cs| {
            let mut a = self.alarm.borrow_ref_mut(cs);
            match a.as_ref() {
                Some((at, _)) if *at <= now => a.take().map(|(_, w)| w),
                _ => None,
            }
        });
        if let Some(w) = due {
            w.wake();
        }
    }
}

impl embassy_time_driver::Driver for SysTickDriver {
    fn now(&self) -> u64 {
        use usched::Clock;
        SYSTICK.now().as_micros()
    }
    fn schedule_wake(&self, at: u64, waker: &core::task::Waker) {
        critical_section::with(|cs| {
            let mut a = self.alarm.borrow_ref_mut(cs);
            // One alarm: the earliest wins (enough for a single scheduler's idle).
            if a.as_ref().is_none_or(|(t, _)| at <= *t) {
                *a = Some((at, waker.clone()));
            }
        });
    }
}

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver { alarm: Mutex::new(RefCell::new(None)) });

/// Starts [`SYSTICK`], with the SysTick exception also serving [`SysTickDriver`]'s alarm.
pub fn start_systick_with_driver(syst: cortex_m::peripheral::SYST) {
    start_systick(syst);
    critical_section::with(|cs| {
        SYSTICK_HANDLER.borrow(cs).set(|| {
            SYSTICK.on_interrupt();
            DRIVER.on_tick();
        })
    });
}
