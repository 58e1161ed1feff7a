//! embassy-executor on Cortex-M4: interrupt-to-task latency, from `NVIC::pend` to the first
//! instruction of the task an embassy-sync `Signal` wakes, on an `InterruptExecutor`: its tasks
//! run in a software interrupt's handler, which the waker pends, so a wake needs no return to
//! thread mode (embassy's lowest-latency configuration). Thread mode idles in the thread-mode
//! `Executor` meanwhile.
#![no_std]
#![no_main]

use cortex_m_rt::exception;
use embassy_executor::{InterruptExecutor, SendSpawner, Spawner};
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::signal::Signal;
use usched_bench_cortex_m::latency::{self, IRQ_A, IRQ_EXECUTOR};
use usched_bench_cortex_m::{calibrate, exit, report, timer_start};

type Sig = Signal<CriticalSectionRawMutex, ()>;

static SIG: Sig = Signal::new();
static DONE: Sig = Signal::new();
static EXECUTOR: InterruptExecutor = InterruptExecutor::new();

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
        SIG.signal(());
    } else if irqn == IRQ_EXECUTOR.0 as i16 {
        // SAFETY: this is the handler of the interrupt `EXECUTOR` was started on, and nothing else
        // calls `on_interrupt`.
        unsafe { EXECUTOR.on_interrupt() };
    }
}

#[embassy_executor::task]
async fn waiter(rounds: u32) {
    for _ in 0..rounds {
        latency::arm(IRQ_A);
        SIG.wait().await;
        latency::arrived();
    }
    DONE.signal(());
}

/// `rounds` wakes of a task on the interrupt executor: (rounds, ticks summed).
async fn interrupt(sp: SendSpawner, rounds: u32) -> (u32, u32) {
    latency::reset();
    sp.spawn(waiter(rounds).unwrap());
    DONE.wait().await;
    (rounds, latency::sum())
}

#[embassy_executor::main]
async fn main(_sp: Spawner) {
    timer_start();
    calibrate();
    let mut cp = cortex_m::Peripherals::take().unwrap();
    latency::start(&mut cp.SYST);
    let sp = EXECUTOR.start(IRQ_EXECUTOR);
    report("irq-signal-interrupt-executor", 1, interrupt(sp, 100).await, interrupt(sp, 200).await);
    exit()
}
