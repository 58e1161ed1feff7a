//! ledflash on a Raspberry Pi Pico (RP2040, Cortex-M0+ at 125 MHz, `thumbv6m`).
//!
//! The original's first demo: four LEDs toggle every 0.2 s, 0.7 s, 1.2 s and 1.7 s; everything
//! stops after 10 s. The Pico has one LED of its own (GPIO25, the fastest); the other three are on
//! GP13, GP14 and GP15 (each through a resistor to ground). Time and sleep come from
//! `usched-cortex-m`'s SysTick clock (core 0 only; the critical sections are rp2040-hal's
//! multicore-safe ones); idle time is spent in `WFI`.
//!
//! Flash: hold BOOTSEL while plugging the Pico in (it mounts as a USB drive), then
//! `cargo run --release` (the runner is `elf2uf2-rs -d`: `cargo install elf2uf2-rs`), or
//! `picotool load -x target/thumbv6m-none-eabi/release/ledflash -t elf`. With a debug probe on
//! SWD: `probe-rs run --chip RP2040 target/thumbv6m-none-eabi/release/ledflash`.
#![no_std]
#![no_main]

use core::time::Duration;

use cortex_m_rt::exception;
use embedded_hal::digital::OutputPin;
use panic_halt as _;
use rp_pico::entry;
use rp_pico::hal::{self, pac, Clock as _};
use static_cell::ConstStaticCell;
use usched::{sleep, Sched};
use usched_cortex_m::SysTickClock;

/// What `init_clocks_and_plls` sets the system (core) clock to from the Pico's 12 MHz crystal.
const CORE_HZ: u32 = 125_000_000;
static CLOCK: SysTickClock = SysTickClock::new(CORE_HZ, 1_000);

#[exception]
fn SysTick() {
    CLOCK.on_interrupt();
}

// All zero bytes, so in `.bss`: nothing built on the stack or copied at start-up.
static SCHED: ConstStaticCell<Sched<5, 128>> = ConstStaticCell::new(Sched::new());

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
    let (Some(mut pac), Some(core)) = (pac::Peripherals::take(), pac::CorePeripherals::take()) else {
        halt()
    };
    let mut watchdog = hal::Watchdog::new(pac.WATCHDOG);
    let Ok(clocks) = hal::clocks::init_clocks_and_plls(
        rp_pico::XOSC_CRYSTAL_FREQ,
        pac.XOSC,
        pac.CLOCKS,
        pac.PLL_SYS,
        pac.PLL_USB,
        &mut pac.RESETS,
        &mut watchdog,
    ) else {
        halt()
    };
    if clocks.system_clock.freq().to_Hz() != CORE_HZ {
        halt() // the clock's arithmetic assumes CORE_HZ
    }
    let sio = hal::Sio::new(pac.SIO);
    let pins = rp_pico::Pins::new(pac.IO_BANK0, pac.PADS_BANK0, sio.gpio_bank0, &mut pac.RESETS);
    CLOCK.start(core.SYST);

    let sched: &'static Sched<5, 128> = SCHED.take();
    let periods = [200, 700, 1200, 1700].map(Duration::from_millis);
    let _ = sched.spawn(toggle(pins.led.into_push_pull_output(), periods[0]));
    let _ = sched.spawn(toggle(pins.gpio13.into_push_pull_output(), periods[1]));
    let _ = sched.spawn(toggle(pins.gpio14.into_push_pull_output(), periods[2]));
    let _ = sched.spawn(toggle(pins.gpio15.into_push_pull_output(), periods[3]));
    let _ = sched.spawn(async move {
        sleep(Duration::from_secs(10)).await; // commit suicide after 10 s
        sched.stop_all();
    });
    sched.run(&CLOCK);
    halt()
}

/// Done (or could not start): sleep for good.
fn halt() -> ! {
    loop {
        cortex_m::asm::wfi();
    }
}
