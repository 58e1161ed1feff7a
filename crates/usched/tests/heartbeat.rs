//! E3: the heartbeat toggles its pin every period, and stops when a task hogs the processor.
mod common;
use common::*;
use core::convert::Infallible;
use usched::{heartbeat, yield_now, HEARTBEAT_PERIOD};
use usched_sim::SimClock;

struct Led(&'static Log, &'static SimClock);

impl embedded_hal::digital::ErrorType for Led {
    type Error = Infallible;
}

impl embedded_hal::digital::OutputPin for Led {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.0.at(self.1, "off");
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.0.at(self.1, "on");
        Ok(())
    }
}

#[test]
fn e3_heartbeat_blinks_and_a_hog_stops_it() {
    let c = clock();
    let s = sched::<2, 256>();
    let log = Log::new();
    s.spawn(heartbeat(Led(log, c), HEARTBEAT_PERIOD)).unwrap();
    s.spawn(async move {
        usched::sleep(ms(500)).await;
        log.at(c, "hog starts");
        c.advance(ms(700)); // never yields for 700 ms: no blink meanwhile
        yield_now().await;
        usched::sleep(ms(300)).await;
        s.stop_all();
    })
    .unwrap();
    s.run(c);
    assert_eq!(log.take(), ["200000 on", "400000 off", "500000 hog starts", "1200000 on", "1400000 off"]);
}
