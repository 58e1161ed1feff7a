//! The link never holds the processor: with a peer that is always ready (a loopback: each line
//! wired back to this end's own input), it still yields every `yield_bits` bits.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use syncom::{Config, LinkState, Pins, Role, Syncom};
use usched::{yield_now, Sched};
use usched_sim::Board;

#[test]
fn an_always_ready_link_yields_every_yield_bits_bits() {
    let board = Board::new();
    let (ckin, ckout) = (board.input("ckin", false), board.output("ckout"));
    let (din, dout) = (board.input("din", false), board.output("dout"));
    for p in [ckin, ckout, din, dout] {
        p.set_traced(false);
    }
    // The initiator may move when the peer's clock equals its own: looped back, it always does.
    ckout.wire_to(&ckin);
    dout.wire_to(&din);
    let link: &'static Syncom<32, 4> = Box::leak(Box::new(Syncom::new()));
    let mut cfg = Config::new(Role::Initiator);
    cfg.poll = Duration::from_micros(10);
    cfg.yield_bits = 5;
    let s: &'static Sched<2, 1024> = Box::leak(Box::new(Sched::new()));
    s.spawn(link.run(Pins::new(ckin, ckout, din, dout), board, cfg)).unwrap();
    let gaps = Rc::new(RefCell::new(Vec::new()));
    let g = gaps.clone();
    s.spawn(async move {
        link.wait_for(LinkState::Up).await;
        link.try_send(&"to myself").unwrap(); // a loopback hears itself
        let bits = || ckout.edges().0 + ckout.edges().1;
        let mut last = bits();
        while link.available() == 0 {
            yield_now().await;
            g.borrow_mut().push(bits() - last);
            last = bits();
        }
        s.stop_all();
    })
    .unwrap();
    s.run(board);
    let gaps = gaps.borrow();
    // Between two turns of the other task, the link exchanged exactly `yield_bits` bits, never
    // more, all the while it carried a frame to itself.
    assert!(gaps.len() > 20, "{gaps:?}");
    assert!(gaps.iter().all(|&g| g == 5), "{gaps:?}");
    assert_eq!(link.try_recv::<String>().as_deref(), Some("to myself"));
}
