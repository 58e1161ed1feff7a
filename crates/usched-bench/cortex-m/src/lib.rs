//! Shared by the Cortex-M benchmark programs: the timer they measure with, calibration, output,
//! exit. The timer and the usched programs' clock are the port's (`usched-cortex-m`).
#![no_std]

use core::arch::asm;

use usched_cortex_m::{CmsdkTimer, StillClock};

/// CMSDK APB timer 0 of the mps2 boards (QEMU models it; it does not model DWT's cycle counter).
// SAFETY: 0x4000_0000 is TIMER0's register block on mps2-an386; only `timer_start` and `ticks`
// use it, and no clock of these programs does.
static TIMER0: CmsdkTimer = unsafe { CmsdkTimer::at(0x4000_0000) };

/// Starts timer 0 counting down from `u32::MAX`.
pub fn timer_start() {
    TIMER0.start_free_running();
}

/// Ticks since `timer_start` (the timer counts down).
#[inline(always)]
pub fn ticks() -> u32 {
    TIMER0.elapsed()
}

/// Ticks for `n` iterations of a two-instruction loop.
#[inline(never)]
fn spin(n: u32) -> u32 {
    let t0 = ticks();
    // SAFETY: a register-only countdown loop.
    unsafe { asm!("1:", "subs {0}, #1", "bne 1b", inout(reg) n => _, options(nomem, nostack)) };
    ticks() - t0
}

/// Prints how many timer ticks one instruction takes: `calib ticks=.. instrs=..`.
pub fn calibrate() {
    let (a, b) = (spin(100_000), spin(200_000));
    cortex_m_semihosting::hprintln!("calib ticks={} instrs={}", b - a, 200_000u32);
}

/// embassy's bookkeeping bytes per task: its `TaskStorage` less the future, for a small task that
/// yields (as the benchmarks' tasks do). Built with `--features embassy-timers`, the header
/// includes the timer item that embassy-time's queue asks for.
pub fn embassy_bytes_per_task() -> usize {
    fn header<F: core::future::Future + 'static>(_: &F) -> usize {
        core::mem::size_of::<embassy_executor::raw::TaskStorage<F>>() - core::mem::size_of::<F>()
    }
    let f = async {
        let x = 0u32;
        Yield(false).await;
        core::hint::black_box(x);
    };
    header(&f)
}

/// Prints one measurement: `ops` more operations took `ticks` more timer ticks.
pub fn report(name: &str, n: usize, (ops1, t1): (u32, u32), (ops2, t2): (u32, u32)) {
    cortex_m_semihosting::hprintln!("{} n={} ops={} ticks={}", name, n, ops2 - ops1, t2 - t1);
}

/// Ends the QEMU run.
pub fn exit() -> ! {
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_SUCCESS);
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

/// The one clock the usched programs run on: the port's, whose time stands still (the workloads
/// have no deadlines) and which idles in `WFI` like the port's other clocks.
pub static STILL: StillClock = StillClock::new();

/// The usual yield for embassy (what `embassy_futures::yield_now` does): wake, then pend once.
pub struct Yield(pub bool);

impl core::future::Future for Yield {
    type Output = ();
    #[inline]
    fn poll(mut self: core::pin::Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> core::task::Poll<()> {
        if self.0 {
            return core::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        core::task::Poll::Pending
    }
}

/// Interrupt-to-task latency: an interrupt pended through the NVIC, to the first instruction of the
/// task it wakes, in timer ticks.
///
/// Every program measures the same way. SysTick fires periodically while the executor is idle; if a
/// task has [`arm`](latency::arm)ed it, its handler ([`on_systick`](latency::on_systick)) reads the
/// timer and pends the armed interrupt (`NVIC::pend`). That interrupt's handler wakes the task (an
/// `IrqLine` or a `Signal`); the task's first act after its wait is [`arrived`](latency::arrived),
/// which reads the timer again and adds the difference up. SysTick itself is not measured: the
/// interval starts at the pend, with the core awake in the SysTick handler.
pub mod latency {
    use core::sync::atomic::{AtomicU16, AtomicU32, Ordering};

    use cortex_m::interrupt::InterruptNumber;
    use cortex_m::peripheral::syst::SystClkSource;
    use cortex_m::peripheral::{NVIC, SYST};

    use super::ticks;

    /// An interrupt of mps2-an386 that no device of the board raises (the test suite's too).
    #[derive(Copy, Clone, Debug, PartialEq, Eq)]
    pub struct Irq(pub u16);

    // SAFETY: the numbers used (20 to 22) are interrupts mps2-an386 has and no device raises.
    unsafe impl InterruptNumber for Irq {
        fn number(self) -> u16 {
            self.0
        }
    }

    /// The interrupt the IrqLine or the first Signal is signalled from.
    pub const IRQ_A: Irq = Irq(20);
    /// The interrupt the second Signal is signalled from.
    pub const IRQ_B: Irq = Irq(21);
    /// embassy's interrupt executor runs its tasks in this interrupt's handler.
    pub const IRQ_EXECUTOR: Irq = Irq(22);

    /// SysTick's period in core cycles: far longer than one round, so a task is always waiting
    /// (and the executor idle) when it fires.
    const PERIOD: u32 = 20_000;

    /// The interrupt to pend at the next SysTick (0: none).
    static ARMED: AtomicU16 = AtomicU16::new(0);
    /// The timer at the pend.
    static T0: AtomicU32 = AtomicU32::new(0);
    /// Ticks summed over the rounds since [`start`].
    static SUM: AtomicU32 = AtomicU32::new(0);

    /// Unmasks the three interrupts and starts SysTick, from the beginning of a period.
    pub fn start(syst: &mut SYST) {
        for irq in [IRQ_A, IRQ_B, IRQ_EXECUTOR] {
            // SAFETY: the handlers of these interrupts are the program's own; unmasking them
            // breaks no critical section (main calls this outside any).
            unsafe { NVIC::unmask(irq) };
        }
        syst.disable_counter();
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(PERIOD - 1);
        syst.clear_current();
        syst.enable_interrupt();
        syst.enable_counter();
    }

    /// Starts a measurement: the sum goes back to zero.
    pub fn reset() {
        SUM.store(0, Ordering::Relaxed);
        ARMED.store(0, Ordering::Relaxed);
    }

    /// The ticks summed since [`reset`].
    pub fn sum() -> u32 {
        SUM.load(Ordering::Relaxed)
    }

    /// Asks for `irq` to be pended at the next SysTick. A task calls it right before its wait.
    #[inline(always)]
    pub fn arm(irq: Irq) {
        ARMED.store(irq.0, Ordering::Relaxed);
    }

    /// The SysTick handler: reads the timer and pends the armed interrupt, if any.
    #[inline(always)]
    pub fn on_systick() {
        let n = ARMED.swap(0, Ordering::Relaxed);
        if n != 0 {
            T0.store(ticks(), Ordering::Relaxed);
            NVIC::pend(Irq(n));
        }
    }

    /// The woken task's first act: the ticks since the pend go into the sum.
    #[inline(always)]
    pub fn arrived() {
        let dt = ticks().wrapping_sub(T0.load(Ordering::Relaxed));
        SUM.store(SUM.load(Ordering::Relaxed).wrapping_add(dt), Ordering::Relaxed);
    }
}
