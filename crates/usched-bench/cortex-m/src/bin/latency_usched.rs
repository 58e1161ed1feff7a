//! usched on Cortex-M4: interrupt-to-task latency, from `NVIC::pend` to the first instruction of
//! the woken task, for an `IrqLine` and for an embassy-sync `Signal` signalled from the handler.
//! The scheduler runs on the port's `StillClock` and so idles in the port's `WFI` loop.
#![no_std]
#![no_main]

use cortex_m_rt::{entry, exception};
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use static_cell::ConstStaticCell;
use usched::{IrqLine, Sched};
use usched_bench_cortex_m::latency::{self, IRQ_A, IRQ_B};
use usched_bench_cortex_m::{calibrate, exit, report, timer_start, STILL};

static LINE: IrqLine = IrqLine::new();
static SIG: embassy_sync::signal::Signal<CriticalSectionRawMutex, ()> = embassy_sync::signal::Signal::new();
static SCHED: ConstStaticCell<Sched<1, 128>> = ConstStaticCell::new(Sched::new());

#[exception]
fn SysTick() {
    latency::on_systick();
}

// SAFETY: cortex-m-rt requires `DefaultHandler` to be declared unsafe; it is only called by the
// hardware as the handler of otherwise unhandled interrupts, and its body only
// calls safe functions.
#[exception]
unsafe fn DefaultHandler(irqn: i16) {
    if irqn == IRQ_A.0 as i16 {
        LINE.signal();
    } else if irqn == IRQ_B.0 as i16 {
        SIG.signal(());
    }
}

/// `rounds` wakes of a task waiting on the `IrqLine`: (rounds, ticks summed).
fn irq_line(s: &'static Sched<1, 128>, rounds: u32) -> (u32, u32) {
    latency::reset();
    let spawned = s.spawn(async move {
        for _ in 0..rounds {
            latency::arm(IRQ_A);
            LINE.wait().await;
            latency::arrived();
        }
    });
    assert!(spawned.is_ok());
    s.run(&STILL);
    (rounds, latency::sum())
}

/// `rounds` wakes of a task waiting on an embassy-sync `Signal` (the standard `Waker` path).
fn signal(s: &'static Sched<1, 128>, rounds: u32) -> (u32, u32) {
    latency::reset();
    let spawned = s.spawn(async move {
        for _ in 0..rounds {
            latency::arm(IRQ_B);
            SIG.wait().await;
            latency::arrived();
        }
    });
    assert!(spawned.is_ok());
    s.run(&STILL);
    (rounds, latency::sum())
}

#[entry]
fn main() -> ! {
    timer_start();
    calibrate();
    let mut cp = cortex_m::Peripherals::take().unwrap();
    latency::start(&mut cp.SYST);
    let s = SCHED.take();
    report("irq-line", 1, irq_line(s, 100), irq_line(s, 200));
    report("irq-signal", 1, signal(s, 100), signal(s, 200));
    // One sleep per round: each wake found the scheduler idle in the port's WFI loop.
    cortex_m_semihosting::hprintln!("sleeps n={}", STILL.idler().sleeps());
    exit()
}
