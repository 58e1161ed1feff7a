//! embassy-executor on Cortex-M4: interrupt-to-task latency, from `NVIC::pend` to the first
//! instruction of the task an embassy-sync `Signal` wakes, on the thread-mode `Executor`
//! (`#[embassy_executor::main]`, SEV/WFE pender), as the round-robin and ping-pong rows run it.
//! (`latency_embassy_interrupt` measures the interrupt executor.)
#![no_std]
#![no_main]

use cortex_m_rt::exception;
use embassy_executor::Spawner;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::signal::Signal;
use usched_bench_cortex_m::latency::{self, IRQ_A};
use usched_bench_cortex_m::{calibrate, exit, report, timer_start};

type Sig = Signal<CriticalSectionRawMutex, ()>;

static SIG: Sig = Signal::new();
static DONE: Sig = Signal::new();

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

/// `rounds` wakes of a task on the thread-mode executor: (rounds, ticks summed).
async fn thread(sp: Spawner, rounds: u32) -> (u32, u32) {
    latency::reset();
    sp.spawn(waiter(rounds).unwrap());
    DONE.wait().await;
    (rounds, latency::sum())
}

#[embassy_executor::main]
async fn main(sp: Spawner) {
    timer_start();
    calibrate();
    let mut cp = cortex_m::Peripherals::take().unwrap();
    latency::start(&mut cp.SYST);
    report("irq-signal", 1, thread(sp, 100).await, thread(sp, 200).await);
    exit()
}
