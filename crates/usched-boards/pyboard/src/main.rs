//! ledflash on a Pyboard v1.1 (STM32F405RG at 168 MHz from its 12 MHz crystal).
//!
//! The original's first demo: the four LEDs (red PA13, green PA14, yellow PA15, blue PB4) toggle
//! every 0.2 s, 0.7 s, 1.2 s and 1.7 s. Everything stops after 10 s, or at once when the USR
//! switch (PB3, low when pressed) is pressed: a poller samples it. Time and sleep come from
//! `usched-cortex-m`'s SysTick clock; idle time is spent in `WFI`.
//!
//! Flash: hold USR while pressing RST to enter the STM32 DFU bootloader, then
//! `cargo objcopy --release -- -O binary ledflash.bin` (or `arm-none-eabi-objcopy -O binary
//! target/thumbv7em-none-eabihf/release/ledflash ledflash.bin`) and
//! `dfu-util -a 0 -s 0x08000000:leave -D ledflash.bin`. With an SWD probe instead:
//! `probe-rs run --chip STM32F405RGTx target/thumbv7em-none-eabihf/release/ledflash`
//! (PA13/PA14 are the SWD pins, which this program takes over as LEDs: attach under reset).
#![no_std]
#![no_main]

use core::time::Duration;

use cortex_m_rt::{entry, exception};
use embedded_hal::digital::OutputPin;
use panic_halt as _;
use static_cell::ConstStaticCell;
use stm32f4xx_hal::{pac, prelude::*, rcc::Config};
use usched::{sleep, Poller, Sched};
use usched_cortex_m::SysTickClock;

const CORE_HZ: u32 = 168_000_000;
static CLOCK: SysTickClock = SysTickClock::new(CORE_HZ, 1_000);

#[exception]
fn SysTick() {
    CLOCK.on_interrupt();
}

// All zero bytes, so in `.bss`: nothing built on the stack or copied at start-up.
static SCHED: ConstStaticCell<Sched<6, 128>> = ConstStaticCell::new(Sched::new());

async fn toggle<P: OutputPin>(mut led: P, period: Duration) {
    loop {
        sleep(period).await;
        let _ = led.set_high();
        sleep(period).await;
        let _ = led.set_low();
    }
}

#[entry]
fn main() -> ! {
    let (Some(dp), Some(cp)) = (pac::Peripherals::take(), cortex_m::Peripherals::take()) else { halt() };
    let mut rcc = dp.RCC.freeze(Config::hse(12.MHz()).sysclk(CORE_HZ.Hz()));
    let gpioa = dp.GPIOA.split(&mut rcc);
    let gpiob = dp.GPIOB.split(&mut rcc);
    let usr = gpiob.pb3.into_pull_up_input();
    CLOCK.start(cp.SYST);
    // SAFETY: the STM32F405 has one core and no RTOS runs here: thread mode is one sequential
    // thread, so wakes in thread mode may skip usched's atomics.
    unsafe { CLOCK.idler().assume_single_core() };

    let sched: &'static Sched<6, 128> = SCHED.take();
    let periods = [200, 700, 1200, 1700].map(Duration::from_millis);
    let _ = sched.spawn(toggle(gpioa.pa13.into_push_pull_output(), periods[0]));
    let _ = sched.spawn(toggle(gpioa.pa14.into_push_pull_output(), periods[1]));
    let _ = sched.spawn(toggle(gpioa.pa15.into_push_pull_output(), periods[2]));
    let _ = sched.spawn(toggle(gpiob.pb4.into_push_pull_output(), periods[3]));
    let _ = sched.spawn(async move {
        // The USR switch stops everything at once; otherwise commit suicide after 10 s.
        let mut pressed = Poller::with_timeout(move || usr.is_low().then_some(1), Duration::from_secs(10));
        let _ = pressed.wait().await;
        sched.stop_all();
    });
    sched.set_poll_interval(Duration::from_millis(20));
    sched.run(&CLOCK);
    halt()
}

/// Done (or could not start): sleep for good.
fn halt() -> ! {
    loop {
        cortex_m::asm::wfi();
    }
}
