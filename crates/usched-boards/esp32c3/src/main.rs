//! ledflash on an ESP32-C3 (single-core RISC-V, `riscv32imc`, 160 MHz) with esp-hal.
//!
//! The original's first demo, on the stable-Rust successor of its ESP8266: four LEDs toggle every
//! 0.2 s, 0.7 s, 1.2 s and 1.7 s; everything stops after 10 s, or at once when the BOOT button
//! (GPIO9, low when pressed) is pressed: a poller samples it. The LEDs are on GPIO2, GPIO3, GPIO4
//! and GPIO5, each through a resistor to ground (the DevKits' own LED is an addressable RGB one,
//! which needs a driver, not a pin).
//!
//! Time comes from esp-hal's `time::Instant` (the SYSTIMER, microseconds, 52 bits). The clock
//! below does not sleep: when no task is ready it watches the time and the scheduler's wake flag
//! until one of them says to go on. (A sleeping clock needs an alarm interrupt on a SYSTIMER
//! comparator; usched-cortex-m's `Idler` shows the race-free sequence such a clock must follow.)
//!
//! Build: `cargo build --release` (stable toolchain;
//! `rustup target add riscv32imc-unknown-none-elf`). Flash over the board's USB port with
//! espflash (`cargo install espflash`): `cargo run --release`, or
//! `espflash flash --monitor target/riscv32imc-unknown-none-elf/release/ledflash`.
#![no_std]
#![no_main]

use core::time::Duration;

use embedded_hal::digital::OutputPin;
use esp_hal::gpio::{Input, InputConfig, Level, Output, OutputConfig, Pull};
use static_cell::ConstStaticCell;
use usched::{sleep, Clock, Instant, Poller, Sched, Wakeup};

esp_bootloader_esp_idf::esp_app_desc!();

/// A [`Clock`] on esp-hal's SYSTIMER time, idling by watching it (no sleep).
struct SystimerClock;

impl Clock for SystimerClock {
    fn now(&self) -> Instant {
        Instant::from_micros(esp_hal::time::Instant::now().duration_since_epoch().as_micros())
    }

    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        while !wake.pending() && until.is_none_or(|t| self.now() < t) {
            core::hint::spin_loop();
        }
    }
}

static CLOCK: SystimerClock = SystimerClock;
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

#[esp_hal::main]
fn main() -> ! {
    let p = esp_hal::init(esp_hal::Config::default());
    let out = || OutputConfig::default();
    let boot = Input::new(p.GPIO9, InputConfig::default().with_pull(Pull::Up));

    let sched: &'static Sched<6, 128> = SCHED.take();
    let periods = [200, 700, 1200, 1700].map(Duration::from_millis);
    let _ = sched.spawn(toggle(Output::new(p.GPIO2, Level::Low, out()), periods[0]));
    let _ = sched.spawn(toggle(Output::new(p.GPIO3, Level::Low, out()), periods[1]));
    let _ = sched.spawn(toggle(Output::new(p.GPIO4, Level::Low, out()), periods[2]));
    let _ = sched.spawn(toggle(Output::new(p.GPIO5, Level::Low, out()), periods[3]));
    let _ = sched.spawn(async move {
        // The BOOT button stops everything at once; otherwise commit suicide after 10 s.
        let mut pressed = Poller::with_timeout(move || boot.is_low().then_some(1), Duration::from_secs(10));
        let _ = pressed.wait().await;
        sched.stop_all();
    });
    sched.set_poll_interval(Duration::from_millis(20));
    sched.run(&CLOCK);
    halt()
}

/// Done: wait for good (the LEDs keep their last state).
fn halt() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    halt()
}
