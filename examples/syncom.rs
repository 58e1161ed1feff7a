//! syncom: two boards, four wires, and objects going back and forth.
//!
//! Board A (the initiator, a Pyboard in the original) holds board B (the passive end, an ESP8266)
//! in reset through its reset line, lets it go and waits for it to boot, then the two
//! synchronise over their clock and data lines. A sends a few objects; B sends each one back with
//! its counter incremented; A prints what came back and how long the round trip took. B's
//! link is slower (it looks at its clock input less often), and it sets the pace.
//!
//! Both boards are shown side by side in the board view; the link lines are kept out of the event
//! log (thousands of edges), the reset line is in it.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use syncom::{Config, LinkState, Pins, Role, Syncom};
use usched::TaskId;
use usched_demos::{Demo, DemoError, DemoResult};
use usched_sim::{Board, Pin};

type Link = Syncom<64, 4>;

/// What travels: any serde value; this one has a counter for B to increment.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Obj {
    name: String,
    count: u32,
    readings: Vec<i16>,
}

/// One board's link pins, named as the original wired them.
fn link_pins(board: &'static Board, names: [&str; 4]) -> Pins<Pin, Pin, Pin, Pin> {
    let [dout, ckout, din, ckin] = names;
    let p =
        Pins::new(board.input(ckin, false), board.output(ckout), board.input(din, false), board.output(dout));
    for pin in [p.ckin, p.ckout, p.din, p.dout] {
        pin.set_traced(false);
    }
    p
}

/// A link config for two boards a few centimetres apart.
fn config(role: Role, poll: Duration) -> Config {
    let mut c = Config::new(role);
    c.poll = poll; // how often this end looks at its peer's clock while it waits
    c.bit_timeout = Duration::from_millis(20);
    c.quiet = Duration::from_millis(5);
    c
}

async fn initiator(d: &'static Demo, link: &'static Link) {
    link.wait_for(LinkState::Up).await;
    d.print("A: link up");
    let names = ["alpha", "bravo", "charlie", "delta", "echo"];
    for (i, name) in names.iter().enumerate() {
        let obj = Obj { name: name.to_string(), count: i as u32 * 10, readings: vec![i as i16, -7, 300] };
        let sent = d.board.now();
        d.print(format!("A: send {obj:?}"));
        if let Err(e) = link.send(&obj).await {
            d.print(format!("A: cannot send: {e}"));
            return;
        }
        match link.recv::<Obj>().await {
            Ok(back) => {
                let rtt = d.board.now() - sent;
                d.print(format!("A: back {back:?}, round trip {:.3} ms", rtt.as_micros() as f64 / 1000.0));
            }
            Err(e) => d.print(format!("A: {e}")),
        }
        d.leds[1].set(i % 2 == 0);
    }
    let c = link.counters();
    d.print(format!(
        "A: {} frames sent, {} received, {} CRC errors, {} retransmissions",
        c.frames_sent, c.frames_received, c.crc_errors, c.retransmissions
    ));
    d.sched.stop_all();
}

async fn echo(b: &'static Board, led: Pin, link: &'static Link) {
    loop {
        let Ok(mut obj) = link.recv::<Obj>().await else { continue };
        obj.count += 1;
        led.set(!led.level());
        b.log(format!("echo {} with count {}", obj.name, obj.count));
        if link.send(&obj).await.is_err() {
            b.log("cannot echo");
        }
    }
}

pub fn demo(d: &'static Demo) -> DemoResult {
    let a = d.board;
    let b = a.peer("B");
    let pa = link_pins(a, ["Y5", "Y6", "Y7", "Y8"]);
    let pb = link_pins(b, ["14", "15", "13", "12"]);
    pa.ckout.wire_to(&pb.ckin);
    pa.dout.wire_to(&pb.din);
    pb.ckout.wire_to(&pa.ckin);
    pb.dout.wire_to(&pa.din);
    let reset_out = a.output("Y4");
    let reset_in = b.input("RST", false);
    reset_out.wire_to(&reset_in);
    let led_b = b.output("led");
    led_b.set_words("off", "on");
    d.panel("A: Pyboard, initiator", vec![pa.ckout, pa.dout, pa.ckin, pa.din, reset_out]);
    d.panel("B: ESP8266, passive", vec![pb.ckout, pb.dout, pb.ckin, pb.din, reset_in, led_b]);

    let link_a: &'static Link = Box::leak(Box::new(Syncom::new()));

    // Board B runs while its reset line is high: low stops its tasks where they stand (its link
    // lines go low), high boots it again, with its memory (its link object) new.
    let running: Rc<Cell<Option<[TaskId; 2]>>> = Rc::new(Cell::new(None));
    let cfg_b = config(Role::Passive, Duration::from_micros(40));
    reset_in.on_change(move |_, high| {
        if high {
            if running.get().is_none() {
                b.log("booting");
                let link_b: &'static Link = Box::leak(Box::new(Syncom::new()));
                let link = d.spawn("B link", link_b.run(pb.clone(), b, cfg_b));
                let app = d.spawn("B echo", echo(b, led_b, link_b));
                if let (Ok(l), Ok(e)) = (link, app) {
                    running.set(Some([l, e]));
                }
            }
        } else if let Some(ids) = running.take() {
            for id in ids {
                let _ = d.sched.stop(id);
            }
        }
    });

    d.print("A: holding B in reset (Y4 low), then 1 s for it to boot");
    let pins_a = pa.with_reset(reset_out);
    d.spawn("A link", link_a.run(pins_a, a, config(Role::Initiator, Duration::from_micros(10))))?;
    d.spawn("A main", initiator(d, link_a))?;
    d.spawn("stop", d.stop_after(Duration::from_secs(10)))?;
    if d.run() != usched::RunEnd::Stopped {
        return Err(DemoError::Other("the link demo did not finish".into()));
    }
    Ok(())
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    usched_demos::main("syncom", demo)
}
