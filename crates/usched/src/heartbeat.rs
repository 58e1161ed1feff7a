//! The heartbeat: a pin that blinks while every task keeps yielding.
//!
//! The original could flash one of the board's LEDs from its idle loop. A heartbeat that stops
//! blinking is the cheapest way to see that some task holds the processor and never awaits. Here it
//! is an ordinary task on any `embedded-hal` output pin: a timed wait, then a toggle, for ever.

use core::time::Duration;

use embedded_hal::digital::OutputPin;

use crate::sleep;

/// The original's heartbeat period: the pin toggles every 200 ms.
pub const HEARTBEAT_PERIOD: Duration = Duration::from_millis(200);

/// Toggles `pin` every `period`, for ever (spawn it as a task). The first toggle drives it high.
/// Pin errors are ignored: a heartbeat has nobody to report them to.
///
/// ```
/// use core::convert::Infallible;
/// use usched::{heartbeat, Sched, HEARTBEAT_PERIOD};
/// use usched_sim::SimClock;
///
/// struct Led;
/// impl embedded_hal::digital::ErrorType for Led { type Error = Infallible; }
/// impl embedded_hal::digital::OutputPin for Led {
///     fn set_low(&mut self) -> Result<(), Infallible> { Ok(()) }
///     fn set_high(&mut self) -> Result<(), Infallible> { Ok(()) }
/// }
///
/// static CLOCK: SimClock = SimClock::new();
/// let s: &'static Sched<2, 128> = Box::leak(Box::new(Sched::new()));
/// s.spawn(heartbeat(Led, HEARTBEAT_PERIOD)).unwrap();
/// s.spawn(async move {
///     usched::sleep(core::time::Duration::from_secs(1)).await;
///     s.stop_all();
/// }).unwrap();
/// s.run(&CLOCK);
/// ```
pub async fn heartbeat<P: OutputPin>(mut pin: P, period: Duration) {
    let mut on = false;
    loop {
        sleep(period).await;
        on = !on;
        let _ = if on { pin.set_high() } else { pin.set_low() };
    }
}
