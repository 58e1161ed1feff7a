//! Two simulated boards, one board time: the link's behaviour, exactly, and its guarantees
//! under load and under injected faults.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use common::{stream, Opts, Rig};
use syncom::LinkState;
use usched::Instant;

/// How many messages each way in the long runs. `SYNCOM_MESSAGES` overrides: `.ci/run` runs
/// 10,000 each way in a release build; the default keeps a debug `cargo test` quick.
fn messages(default: u32) -> u32 {
    std::env::var("SYNCOM_MESSAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn clocks_alternate_and_both_ends_sync_after_eight_bits() {
    let rig = Rig::new(Opts { reset_line: false, ..Opts::default() });
    let edges = Rc::new(RefCell::new(Vec::new()));
    for (name, pin) in [("A", rig.a.ckout), ("B", rig.b.ckout)] {
        let e = edges.clone();
        pin.on_change(move |at, level| e.borrow_mut().push((name, at, level)));
    }
    let (la, lb) = (rig.a.link, rig.b.link);
    let at_sync = Rc::new(RefCell::new(Vec::new()));
    let (e2, at2) = (edges.clone(), at_sync.clone());
    rig.s
        .spawn(async move {
            lb.wait_for(LinkState::Up).await;
            at2.borrow_mut().push(e2.borrow().len());
            la.wait_for(LinkState::Up).await;
            at2.borrow_mut().push(e2.borrow().len());
        })
        .unwrap();
    rig.run_until(Duration::from_secs(1), move || la.state() == LinkState::Up && lb.state() == LinkState::Up);
    // The passive end has the sync byte after the initiator's 8th edge and its own 7th (it
    // answers the 8th after reading it: 16 edges); the initiator after the passive's 8th, and has
    // then sent its 9th: 17 edges.
    assert_eq!(*at_sync.borrow(), [16, 17]);
    let e = edges.borrow();
    // Strict ping-pong, the initiator first; every edge a toggle of its own clock.
    for (i, (name, _, level)) in e.iter().enumerate() {
        assert_eq!(*name, if i % 2 == 0 { "A" } else { "B" }, "edge {i}");
        assert_eq!(*level, (i / 2) % 2 == 0, "edge {i}");
    }
    // The initiator waited its quiet time (5 ms + 2 x 1 ms) before its first edge, noticed at
    // its first look past it (it looks every quiet / 16, 62 µs: the 113th look).
    assert_eq!(e[0].1, Instant::from_micros(113 * 62));
}

#[test]
fn data_is_set_before_the_clock_edge_that_announces_it() {
    let rig = Rig::new(Opts { reset_line: false, ..Opts::default() });
    let order = Rc::new(RefCell::new(Vec::new()));
    for (name, pin) in [("ck", rig.b.ckin), ("d", rig.b.din)] {
        let o = order.clone();
        pin.on_change(move |at, level| o.borrow_mut().push((name, at, level)));
    }
    let la = rig.a.link;
    la.try_send(&0xA5A5_u16).unwrap();
    let lb = rig.b.link;
    rig.run_until(Duration::from_secs(1), move || lb.available() == 1);
    // Every data change on the passive's input happens at the same instant as, and before, an
    // edge of its clock input: the initiator never changes data without a clock edge after it.
    let o = order.borrow();
    for (i, w) in o.iter().enumerate() {
        if w.0 == "d" {
            let next = o[i + 1..].iter().find(|x| x.0 == "ck").unwrap();
            assert_eq!(next.1, w.1, "data change at {:?} not followed by a clock edge", w.1);
        }
    }
    assert_eq!(lb.try_recv::<u16>(), Some(0xA5A5));
}

/// Runs `count` messages each way and checks every one arrived once, intact, in order.
fn both_ways(rig: &Rig, count: u32, limit: Duration) -> ((u32, u32), (u32, u32)) {
    let to_b = stream(rig.s, rig.a.link, rig.b.link, count, 1);
    let to_a = stream(rig.s, rig.b.link, rig.a.link, count, 2);
    let (x, y) = (to_b.clone(), to_a.clone());
    rig.run_until(limit, move || x.get().0 == count && y.get().0 == count);
    let r = (to_b.get(), to_a.get());
    assert_eq!(r, ((count, 0), (count, 0)), "(in order, anything else) each way");
    r
}

#[test]
fn mixed_messages_each_way_at_once() {
    let count = messages(1_000);
    let rig = Rig::new(Opts::default());
    both_ways(&rig, count, Duration::from_secs(3_600));
    let (ca, cb) = (rig.a.link.counters(), rig.b.link.counters());
    assert_eq!((ca.delivered, cb.delivered), (count, count));
    assert_eq!((ca.crc_errors, cb.crc_errors), (0, 0));
    assert_eq!((ca.resyncs, cb.resyncs), (0, 0));
    eprintln!("clean: {:?} at {:?}", ca, rig.a.board.now());
}

#[test]
fn a_reset_of_the_peer_mid_frame_loses_nothing() {
    let count = messages(500);
    let rig = Rig::new(Opts::default());
    // Traffic flows continuously from ~20 ms: every reset lands inside a frame or an ack.
    for k in 0..3u64 {
        let t = Instant::from_micros(100_000 + 250_000 * k + 1_237 * k);
        rig.reset_b_at(t, t + Duration::from_millis(3));
    }
    both_ways(&rig, count, Duration::from_secs(600));
    let (ca, cb) = (rig.a.link.counters(), rig.b.link.counters());
    assert!(ca.resyncs >= 3, "{ca:?}");
    assert!(ca.retransmissions + cb.retransmissions > 0, "{ca:?} {cb:?}");
    eprintln!("reset: {ca:?} {cb:?}");
}

#[test]
fn a_stuck_clock_line_loses_nothing() {
    let count = messages(500);
    let rig = Rig::new(Opts::default());
    let b = rig.b.board;
    b.drive_at(Instant::from_millis(150), &rig.b.ckin, false);
    b.float_at(Instant::from_millis(400), &rig.b.ckin);
    b.drive_at(Instant::from_millis(600), &rig.a.ckin, true);
    b.float_at(Instant::from_millis(650), &rig.a.ckin);
    both_ways(&rig, count, Duration::from_secs(600));
    let (ca, cb) = (rig.a.link.counters(), rig.b.link.counters());
    assert!(ca.resyncs >= 2 && ca.timeouts >= 2, "{ca:?}");
    eprintln!("stuck: {ca:?} {cb:?}");
}

#[test]
fn bit_flips_are_caught_and_nothing_corrupt_is_delivered() {
    let count = messages(500);
    let rig = Rig::new(Opts { flip_rate: 1_500, ..Opts::default() });
    both_ways(&rig, count, Duration::from_secs(600));
    let (ca, cb) = (rig.a.link.counters(), rig.b.link.counters());
    let flips = rig.a.flaky.flips.get() + rig.b.flaky.flips.get();
    assert!(flips > 100, "{flips}");
    assert!(ca.crc_errors + cb.crc_errors > 50, "{ca:?} {cb:?}");
    eprintln!("flips {flips}: {ca:?} {cb:?}");
}

#[test]
fn glitch_pulses_on_the_clock_lines_lose_nothing() {
    let count = messages(500);
    let rig = Rig::new(Opts::default());
    let b = rig.b.board;
    for k in 0..6u64 {
        let pin = if k % 2 == 0 { rig.b.ckin } else { rig.a.ckin };
        let t = Instant::from_micros(80_000 + 97_003 * k);
        b.call_at(t, move || b.drive_at(t, &pin, !pin.level()));
        b.float_at(t + Duration::from_micros(60), &pin);
    }
    both_ways(&rig, count, Duration::from_secs(600));
    let (ca, cb) = (rig.a.link.counters(), rig.b.link.counters());
    assert!(ca.resyncs + cb.resyncs >= 1, "{ca:?} {cb:?}");
    eprintln!("glitch: {ca:?} {cb:?}");
}

#[test]
fn a_peer_that_loses_its_memory_on_reset_gets_every_message_at_least_once_in_order() {
    let count = messages(500);
    let mut rig = Rig::new(Opts { reboot: true, ..Opts::default() });
    let log = rig.rebooting();
    let la = rig.a.link;
    rig.s
        .spawn(async move {
            for n in 0..count {
                la.send(&common::msg(n, 1)).await.unwrap();
            }
        })
        .unwrap();
    // Board B reboots three times mid-traffic (its own brown-outs: A notices the dead link
    // and resets it once more), and is also held in reset by a stuck reset line once.
    let b = rig.b.board;
    for k in 0..3u64 {
        let t = Instant::from_micros(60_000 + 90_000 * k + 311 * k);
        b.drive_at(t, &rig.b.reset, false);
        b.float_at(t + Duration::from_micros(500), &rig.b.reset);
    }
    let l2 = log.clone();
    rig.run_until(Duration::from_secs(600), move || l2.borrow().last() == Some(&(count - 1)));
    let log = log.borrow();
    assert!(!log.contains(&u32::MAX), "a corrupt or foreign message was delivered");
    // No gap: each message is at most one past the highest before it; all arrived; the repeats
    // are the few an old incarnation of B had received but not yet acknowledged.
    let mut high: Option<u32> = None;
    let mut repeats = 0;
    for &n in log.iter() {
        assert!(n <= high.map_or(0, |h| h + 1), "gap before {n} (highest so far {high:?})");
        if high.is_some_and(|h| n <= h) {
            repeats += 1;
        }
        high = Some(high.map_or(n, |h| h.max(n)));
    }
    assert_eq!(high, Some(count - 1));
    assert!(repeats <= 3 * common::Q as u32, "{repeats} repeats");
    eprintln!("reboot: {} deliveries, {repeats} repeats, A {:?}", log.len(), rig.a.link.counters());
}

#[test]
fn a_stopped_link_task_reports_the_link_down() {
    // Board B's link task is stopped while the link is up (its board reset, or the application
    // dropped it): its lines go low, and its `state()` must not keep saying `Up`.
    let rig = Rig::new(Opts { reset_line: false, ..Opts::default() });
    let (la, lb, s, task) = (rig.a.link, rig.b.link, rig.s, rig.b_task.clone());
    let after = Rc::new(RefCell::new(None));
    let after2 = after.clone();
    s.spawn(async move {
        lb.wait_for(LinkState::Up).await;
        la.wait_for(LinkState::Up).await;
        s.stop(task.take().unwrap()).unwrap();
        *after2.borrow_mut() = Some(lb.state());
    })
    .unwrap();
    let done = after.clone();
    rig.run_until(Duration::from_secs(1), move || done.borrow().is_some());
    assert_eq!(*after.borrow(), Some(LinkState::Down));
}

#[test]
fn a_sync_limit_below_one_byte_still_lets_the_link_up() {
    // The sync byte takes 8 bits: a smaller `sync_bits` (0 read as "no limit", say) must not
    // keep the link down for ever, flapping through timeouts.
    let mut rig = Rig::new(Opts::default());
    rig.a.cfg.sync_bits = 0;
    let (la, lb) = (rig.a.link, rig.b.link);
    la.try_send(&7u8).unwrap();
    rig.run_until(Duration::from_secs(1), move || lb.available() == 1);
    assert_eq!(lb.try_recv::<u8>(), Some(7));
    assert_eq!(la.counters().timeouts, 0, "{:?}", la.counters());
}

#[test]
fn a_dropped_message_is_sent_again_while_the_peer_streams_small_messages() {
    // B's receive queue fills (its application is busy), so B drops A's next messages and only
    // acknowledges what it took. A has sent everything and must send them again once no
    // acknowledgement has moved for `retransmit_bytes` sent bytes, even though B now streams
    // tiny messages at it, so that A's bytes are all acknowledgements and never idle.
    let rig = Rig::new(Opts::default());
    let (la, lb, s) = (rig.a.link, rig.b.link, rig.s);
    const STREAM: u32 = 1_500;
    let q = common::Q as u32;
    s.spawn(async move {
        for n in 0..2 * q {
            la.send(&n).await.unwrap();
        }
    })
    .unwrap();
    let streamed = Rc::new(std::cell::Cell::new(0u32));
    let st = streamed.clone();
    s.spawn(async move {
        usched::sleep(Duration::from_millis(100)).await;
        for _ in 0..STREAM {
            lb.send(&()).await.unwrap();
        }
    })
    .unwrap();
    s.spawn(async move {
        loop {
            la.recv::<()>().await.unwrap();
            st.set(st.get() + 1);
        }
    })
    .unwrap();
    let got = Rc::new(RefCell::new(Vec::new()));
    let (g, st) = (got.clone(), streamed.clone());
    s.spawn(async move {
        usched::sleep(Duration::from_millis(150)).await;
        for n in 0..2 * q {
            assert_eq!(lb.recv::<u32>().await, Ok(n));
            g.borrow_mut().push(st.get());
        }
    })
    .unwrap();
    let g = got.clone();
    rig.run_until(Duration::from_secs(60), move || g.borrow().len() == 2 * q as usize);
    let got = got.borrow();
    assert_eq!(got.len(), 2 * q as usize, "B got {} of A's messages", got.len());
    // Every one of them reached B while B's stream was still going.
    assert!(got.iter().all(|&n| n < STREAM), "A's messages waited for B's stream to end: {got:?}");
}

#[test]
fn a_link_task_stopped_during_the_reset_pulse_releases_the_peer() {
    // The initiator holds B in reset for `reset_pulse` before each session. Stopped right then
    // (the application drops its link task), it must not leave B held in reset for ever.
    let rig = Rig::new(Opts::default());
    let (s, a) = (rig.s, &rig.a);
    let id = s.spawn(a.link.run(a.pins(), a.board, a.cfg)).unwrap();
    let reset = rig.b.reset;
    let level = Rc::new(RefCell::new(None));
    let l2 = level.clone();
    s.spawn(async move {
        usched::sleep(Duration::from_micros(500)).await; // inside the 1 ms pulse
        assert!(!reset.level(), "B is not in reset: the test is mistimed");
        s.stop(id).unwrap();
        usched::sleep(Duration::from_millis(5)).await;
        *l2.borrow_mut() = Some(reset.level());
        s.stop_all();
    })
    .unwrap();
    s.run(a.board);
    assert_eq!(*level.borrow(), Some(true), "B's reset line left active");
}

#[test]
fn an_initiator_that_reboots_without_a_reset_line_loses_no_new_message() {
    // A sends 5 messages, then reboots (its link task stopped, a new link object: its sequence
    // numbers start again at 0) and sends 10 more. B kept its memory: had it gone on expecting
    // the old numbers, it would have taken the new 0..4 for repeats, acknowledged 5, and the new A
    // would have dropped them as acknowledged. The new A says it is fresh, and B numbers afresh.
    let rig = Rig::new(Opts { reset_line: false, ..Opts::default() });
    let (s, a, lb) = (rig.s, &rig.a, rig.b.link);
    let id = s.spawn(a.link.run(a.pins_no_reset(), a.board, a.cfg)).unwrap();
    let fresh: &'static common::Link = Box::leak(Box::new(syncom::Syncom::new()));
    let (pins, board, cfg, la) = (a.pins_no_reset(), a.board, a.cfg, a.link);
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    s.spawn(async move {
        for n in 0..5u32 {
            la.send(&n).await.unwrap();
        }
        while la.queued() > 0 {
            usched::sleep(Duration::from_millis(1)).await;
        }
        s.stop(id).unwrap(); // A reboots
        usched::sleep(Duration::from_millis(20)).await;
        s.spawn(fresh.run(pins, board, cfg)).unwrap();
        for n in 100..110u32 {
            fresh.send(&n).await.unwrap();
        }
    })
    .unwrap();
    s.spawn(async move {
        loop {
            let n: u32 = lb.recv().await.unwrap();
            g.borrow_mut().push(n);
        }
    })
    .unwrap();
    s.spawn(async move {
        usched::sleep(Duration::from_secs(2)).await;
        s.stop_all();
    })
    .unwrap();
    s.run(rig.a.board);
    let want: Vec<u32> = (0..5).chain(100..110).collect();
    assert_eq!(*got.borrow(), want);
    assert_eq!(fresh.queued(), 0, "the new A's messages are all acknowledged");
    // B numbered afresh twice: for the old A's first session and for the new A's.
    assert_eq!(lb.counters().peer_boots, 2, "{:?}", lb.counters());
    assert_eq!(fresh.counters().peer_boots, 0, "B did not reboot: {:?}", fresh.counters());
}

#[test]
fn a_passive_board_that_reboots_without_a_reset_line_loses_no_new_message() {
    // The mirror: B sends 5 messages and A sends 5, all acknowledged; then B reboots (a new link
    // object) and sends 10 more, and A sends 10 more, unaware. Had A gone on numbering its own
    // messages 5.., the new B, expecting 0, would have refused every one (the link blocked for
    // good), and A would have taken the new B's 0..4 for repeats.
    let rig = Rig::new(Opts { reset_line: false, ..Opts::default() });
    let (s, la, lb, b_task) = (rig.s, rig.a.link, rig.b.link, rig.b_task.clone());
    let fresh: &'static common::Link = Box::leak(Box::new(syncom::Syncom::new()));
    let (pins, board, cfg) = (rig.b.pins_no_reset(), rig.b.board, rig.b.cfg);
    let (at_a, at_b, at_fresh) = (
        Rc::new(RefCell::new(Vec::new())),
        Rc::new(RefCell::new(Vec::new())),
        Rc::new(RefCell::new(Vec::new())),
    );
    for (link, log) in [(la, at_a.clone()), (lb, at_b.clone()), (fresh, at_fresh.clone())] {
        s.spawn(async move {
            loop {
                let n: u32 = link.recv().await.unwrap();
                log.borrow_mut().push(n);
            }
        })
        .unwrap();
    }
    let rebooted = Rc::new(std::cell::Cell::new(false));
    let r = rebooted.clone();
    s.spawn(async move {
        for n in 0..5u32 {
            lb.send(&n).await.unwrap();
        }
        while lb.queued() > 0 || la.queued() > 0 {
            usched::sleep(Duration::from_millis(1)).await;
        }
        s.stop(b_task.take().unwrap()).unwrap(); // B reboots
        r.set(true);
        usched::sleep(Duration::from_millis(20)).await;
        s.spawn(fresh.run(pins, board, cfg)).unwrap();
        for n in 100..110u32 {
            fresh.send(&n).await.unwrap();
        }
    })
    .unwrap();
    let r = rebooted.clone();
    s.spawn(async move {
        for n in 1000..1005u32 {
            la.send(&n).await.unwrap();
        }
        while !r.get() {
            usched::sleep(Duration::from_millis(1)).await;
        }
        for n in 2000..2010u32 {
            la.send(&n).await.unwrap();
        }
    })
    .unwrap();
    let done = (at_a.clone(), at_fresh.clone());
    rig.run_until(Duration::from_secs(2), move || {
        done.0.borrow().len() == 15 && done.1.borrow().len() == 10 && la.queued() + fresh.queued() == 0
    });
    assert_eq!(*at_a.borrow(), (0..5).chain(100..110).collect::<Vec<u32>>());
    assert_eq!(*at_b.borrow(), (1000..1005).collect::<Vec<u32>>());
    assert_eq!(*at_fresh.borrow(), (2000..2010).collect::<Vec<u32>>());
    assert_eq!((la.queued(), fresh.queued()), (0, 0));
    assert_eq!(la.counters().peer_boots, 2, "{:?}", la.counters());
    assert_eq!(fresh.counters().peer_boots, 0, "A did not reboot: {:?}", fresh.counters());
}

#[test]
fn both_boards_rebooting_at_once_without_a_reset_line_lose_no_new_message() {
    // Both boards lose their memory at the same instant, each in the middle of sending (their
    // queues, and whatever was in them, are gone with it); each new boot sends 20 messages, and
    // each reaches the other's new boot once, in order.
    let rig = Rig::new(Opts { reset_line: false, manual: true, ..Opts::default() });
    let a = common::Boots::new(rig.s, &rig.a, 20, 1, 2);
    let b = common::Boots::new(rig.s, &rig.b, 20, 2, 1);
    a.boot();
    b.boot();
    let t = Instant::from_millis(40);
    a.reboot_at(t, Duration::from_millis(3));
    b.reboot_at(t, Duration::from_millis(3));
    let (a2, b2) = (a.clone(), b.clone());
    rig.run_only(Duration::from_secs(5), move || {
        a2.sent().len() == 2 && a2.all_delivered_to(&b2) && b2.all_delivered_to(&a2)
    });
    let (da, db) = (common::check_deliveries(&a, &b), common::check_deliveries(&b, &a));
    // Each side: the second boot's 20 all arrived, at the other's second boot, once each.
    for (rx, name) in [(&b, "B"), (&a, "A")] {
        let second: Vec<u32> = rx.log().iter().filter(|g| g.from == 1).map(|g| g.n).collect();
        assert_eq!(second, (0..20).collect::<Vec<u32>>(), "{name}");
        assert!(rx.log().iter().filter(|g| g.from == 1).all(|g| g.at == 1), "{name}");
    }
    assert_eq!((da.repeats, db.repeats), (0, 0));
    eprintln!("both: A {:?} B {:?}; sent A {:?} B {:?}", da, db, a.sent(), b.sent());
}

/// Both boards stream to each other and lose their memory now and then, without a reset line:
/// A alone, B alone, both at the same instant, and both in overlapping outages. Returns what each
/// side's checks found (A to B, B to A).
fn reboots_mid_traffic(flip_rate: u64) -> (common::Delivery, common::Delivery, common::Boots, common::Boots) {
    let per_boot = messages(300);
    let rig = Rig::new(Opts { reset_line: false, manual: true, flip_rate, ..Opts::default() });
    let a = common::Boots::new(rig.s, &rig.a, per_boot, 1, 2);
    let b = common::Boots::new(rig.s, &rig.b, per_boot, 2, 1);
    a.boot();
    b.boot();
    let ms = Instant::from_micros;
    a.reboot_at(ms(60_113), Duration::from_millis(3));
    b.reboot_at(ms(150_271), Duration::from_millis(2));
    a.reboot_at(ms(260_000), Duration::from_millis(4));
    b.reboot_at(ms(260_000), Duration::from_millis(4));
    a.reboot_at(ms(340_000), Duration::from_millis(6));
    b.reboot_at(ms(343_000), Duration::from_millis(1));
    let (a2, b2) = (a.clone(), b.clone());
    rig.run_only(Duration::from_secs(600), move || {
        let done = a2.sent().len() == 4 && b2.sent().len() == 4;
        done && a2.all_delivered_to(&b2)
            && b2.all_delivered_to(&a2)
            && a2.link().queued() + b2.link().queued() == 0
    });
    assert_eq!((a.sent().len(), b.sent().len()), (4, 4), "every reboot happened");
    assert!(a.all_delivered_to(&b) && b.all_delivered_to(&a), "the last boots' messages all arrived");
    let (ab, ba) = (common::check_deliveries(&a, &b), common::check_deliveries(&b, &a));
    // The last boots of both: every message, once each.
    for (tx, rx) in [(&a, &b), (&b, &a)] {
        let last: Vec<u32> = rx.log().iter().filter(|g| g.from == 3).map(|g| g.n).collect();
        assert_eq!(last, (0..per_boot).collect::<Vec<u32>>());
        assert_eq!(tx.link().queued(), 0);
    }
    // A repeat is a message in flight when the receiver rebooted: at most a queue's worth each
    // time (B rebooted 3 times, A 3 times).
    assert!(ab.repeats <= 3 * common::Q as u32 && ba.repeats <= 3 * common::Q as u32, "{ab:?} {ba:?}");
    (ab, ba, a, b)
}

#[test]
fn reboots_of_either_board_or_both_mid_traffic_lose_no_message_sent_after_them() {
    let (ab, ba, a, b) = reboots_mid_traffic(0);
    // Every boot of each board was noticed by the other, in one session each (no session after
    // a boot failed before the answer got back): 4 boots each.
    for (end, other) in [(&a, &b), (&b, &a)] {
        let seen: Vec<u32> = end.links().iter().map(|l| l.counters().peer_boots).collect();
        assert_eq!(seen.iter().sum::<u32>(), other.links().len() as u32, "{seen:?}");
    }
    eprintln!("reboots: A->B {ab:?}, B->A {ba:?}");
}

#[test]
fn reboots_mid_traffic_on_noisy_lines_lose_no_message_sent_after_them() {
    // The same with one data reading in 1,500 wrong: frames that carry a reboot's announcement,
    // or the answer to it, are lost too now and then; they are repeated until they get through.
    let (ab, ba, a, b) = reboots_mid_traffic(1_500);
    let errors: u32 = a.links().iter().chain(b.links().iter()).map(|l| l.counters().crc_errors).sum();
    assert!(errors > 50, "{errors}");
    eprintln!("noisy reboots: A->B {ab:?}, B->A {ba:?}, {errors} CRC errors");
}

#[test]
fn a_poll_longer_than_the_quiet_time_still_resynchronises_in_one_session() {
    // B sleeps 3 ms between looks, three times the 1 ms quiet time. Once messages flow, A's
    // link task is stopped and started again at once (its lines low, then its usual wait of
    // 5 + 2 x 1 ms for a quiet line). B, waiting in its old session, would notice the timeout only 9 to 12 ms after A
    // went quiet, so it would still be in its old session when A starts the new one, and take A's
    // new bits for its old session's: B never times out, A never finds B's sync byte, and the
    // sessions stay out of step. B's looks are shortened to quiet / 8, so it notices in time.
    let count = 40;
    let rig = Rig::new(Opts { poll_b: Duration::from_millis(3), reset_line: false, ..Opts::default() });
    let (s, a) = (rig.s, &rig.a);
    let id = s.spawn(a.link.run(a.pins_no_reset(), a.board, a.cfg)).unwrap();
    let (pins, board, cfg, la) = (a.pins_no_reset(), a.board, a.cfg, a.link);
    let lb = rig.b.link;
    s.spawn(async move {
        while la.counters().delivered < 5 || lb.counters().delivered < 5 {
            usched::sleep(Duration::from_micros(100)).await;
        }
        s.stop(id).unwrap();
        s.spawn(la.run(pins, board, cfg)).unwrap();
    })
    .unwrap();
    let to_b = stream(s, rig.a.link, rig.b.link, count, 1);
    let to_a = stream(s, rig.b.link, rig.a.link, count, 2);
    let (x, y) = (to_b.clone(), to_a.clone());
    rig.run_only(Duration::from_secs(60), move || x.get().0 == count && y.get().0 == count);
    let (ca, cb) = (rig.a.link.counters(), rig.b.link.counters());
    eprintln!("long poll: {ca:?} {cb:?} at {:?}", rig.a.board.now());
    assert_eq!((to_b.get(), to_a.get()), ((count, 0), (count, 0)), "(in order, anything else) each way");
    // One resync each (A's counted too, though its first session after the restart is its new
    // task's first: the count belongs to the link object); B's old session ended by its bit
    // timeout, A's by the stop. (Without the shortened looks: 60 s later, 34 and 22 of the 40
    // had arrived, A had timed out 19 times and resynchronised 3 times, B once.)
    assert_eq!((ca.resyncs, cb.resyncs), (1, 1), "{ca:?} {cb:?}");
    assert_eq!((ca.timeouts, cb.timeouts), (0, 1), "{ca:?} {cb:?}");
}
