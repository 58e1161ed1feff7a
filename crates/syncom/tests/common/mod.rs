//! Two simulated boards joined by a syncom link, with the faults the tests inject.
//!
//! The lines are joined by watchers rather than `wire_to`, so that a stimulus (`drive_at`) on
//! an input overrides the wire: that is how a stuck or glitching line is made. Bit flips are
//! made by the data inputs themselves: a reading that, now and then, is the wrong level.
#![allow(dead_code)]

use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;
use std::time::Duration;

use embedded_hal::digital::{ErrorType, InputPin};
use serde::{Deserialize, Serialize};
use syncom::{Config, Pins, Role, Syncom};
use usched::{sleep, Instant, RunEnd, Sched, TaskId};
use usched_sim::{Board, Pin};

pub const N: usize = 64;
pub const Q: usize = 16;
pub type Link = Syncom<N, Q>;
pub type S = Sched<8, 2048>;

/// A data input that reads the wrong level once in `rate` reads (deterministic, per seed).
#[derive(Clone)]
pub struct Flaky {
    pub pin: Pin,
    state: Rc<Cell<u64>>,
    rate: u64,
    pub flips: Rc<Cell<u32>>,
}

impl ErrorType for Flaky {
    type Error = Infallible;
}

impl InputPin for Flaky {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        let level = self.pin.level();
        if self.rate == 0 {
            return Ok(level);
        }
        let mut x = self.state.get(); // xorshift64
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state.set(x);
        if x.is_multiple_of(self.rate) {
            self.flips.set(self.flips.get() + 1);
            return Ok(!level);
        }
        Ok(level)
    }
    fn is_low(&mut self) -> Result<bool, Infallible> {
        self.is_high().map(|h| !h)
    }
}

pub type EndPins = Pins<Pin, Pin, Flaky, Pin, Pin>;

/// One board's side of the link.
pub struct End {
    pub board: &'static Board,
    pub ckin: Pin,
    pub ckout: Pin,
    pub din: Pin,
    pub dout: Pin,
    pub reset: Pin,
    pub flaky: Flaky,
    pub link: &'static Link,
    pub cfg: Config,
}

impl End {
    pub fn pins(&self) -> EndPins {
        Pins::new(self.ckin, self.ckout, self.flaky.clone(), self.dout).with_reset(self.reset)
    }
}

/// Joins an output to an input of another board; a stimulus on `to` overrides it.
fn join(from: Pin, to: Pin) {
    to.set(from.level());
    from.on_change(move |_, level| to.set(level));
}

pub struct Rig {
    pub a: End,
    pub b: End,
    pub s: &'static S,
    /// The passive board's link task, while it runs (the reset line stops and restarts it).
    pub b_task: Rc<Cell<Option<TaskId>>>,
    reset_line: bool,
}

pub struct Opts {
    /// Neither link task is started by the rig (the test boots its own: `Boots`).
    pub manual: bool,
    pub poll_a: Duration,
    pub poll_b: Duration,
    /// One wrong data reading in this many (0: none).
    pub flip_rate: u64,
    pub reset_line: bool,
    /// Board B loses its memory on a reset (set up with `Rig::rebooting`).
    pub reboot: bool,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            manual: false,
            poll_a: Duration::from_micros(10),
            poll_b: Duration::from_micros(25),
            flip_rate: 0,
            reset_line: true,
            reboot: false,
        }
    }
}

fn sim_config(role: Role, poll: Duration) -> Config {
    let mut c = Config::new(role);
    c.poll = poll;
    c.bit_timeout = Duration::from_millis(5);
    c.quiet = Duration::from_millis(1);
    c.reset_pulse = Duration::from_millis(1);
    c.reset_boot = Duration::from_millis(2);
    c
}

fn end(board: &'static Board, role: Role, poll: Duration, flip_rate: u64, seed: u64) -> End {
    let ckin = board.input("ckin", false);
    let ckout = board.output("ckout");
    let din = board.input("din", false);
    let dout = board.output("dout");
    let reset = match role {
        Role::Initiator => board.output("reset"),
        Role::Passive => board.input("reset", false),
    };
    for p in [ckin, ckout, din, dout] {
        p.set_traced(false);
    }
    let flaky =
        Flaky { pin: din, state: Rc::new(Cell::new(seed)), rate: flip_rate, flips: Rc::new(Cell::new(0)) };
    let link: &'static Link = Box::leak(Box::new(Syncom::new()));
    End { board, ckin, ckout, din, dout, reset, flaky, link, cfg: sim_config(role, poll) }
}

impl Rig {
    pub fn new(o: Opts) -> Rig {
        let a_board = Board::new();
        let b_board = a_board.peer("B");
        let a = end(a_board, Role::Initiator, o.poll_a, o.flip_rate, 0x9E37_79B9_7F4A_7C15);
        let b = end(b_board, Role::Passive, o.poll_b, o.flip_rate, 0xD1B5_4A32_D192_ED03);
        join(a.ckout, b.ckin);
        join(a.dout, b.din);
        join(b.ckout, a.ckin);
        join(b.dout, a.din);
        let s: &'static S = Box::leak(Box::new(Sched::new()));
        let b_task = Rc::new(Cell::new(None));
        let mut rig = Rig { a, b, s, b_task, reset_line: o.reset_line };
        if o.reset_line && !o.reboot {
            join(rig.a.reset, rig.b.reset);
            // The passive board runs while its reset line is high; low stops it where it stands.
            let (task, pins, link, cfg, board) =
                (rig.b_task.clone(), rig.b.pins(), rig.b.link, rig.b.cfg, rig.b.board);
            rig.b.reset.on_change(move |_, high| {
                if high {
                    if task.get().is_none() {
                        task.set(s.spawn(link.run(pins.clone(), board, cfg)).ok());
                    }
                } else if let Some(id) = task.take() {
                    let _ = s.stop(id);
                }
            });
        } else if o.reboot {
            join(rig.a.reset, rig.b.reset);
        } else if !o.manual {
            let id = s.spawn(rig.b.link.run(rig.b.pins_no_reset(), rig.b.board, rig.b.cfg)).ok();
            rig.b_task.set(id);
        }
        rig.reset_line = o.reset_line;
        rig
    }

    /// Starts board A's link task (board B's starts on its reset line, or at once without one).
    pub fn start(&self) {
        let mut pins = self.a.pins();
        if !self.reset_line {
            pins.reset = None;
        }
        self.s.spawn(self.a.link.run(pins, self.a.board, self.a.cfg)).unwrap();
    }

    /// Stops the passive board's link task now (its lines go low) and starts it again at `at`:
    /// the board reset from elsewhere, whatever it was doing.
    pub fn reset_b_at(&self, from: Instant, to: Instant) {
        let (task, s) = (self.b_task.clone(), self.s);
        self.a.board.call_at(from, move || {
            if let Some(id) = task.take() {
                let _ = s.stop(id);
            }
        });
        let (task, pins, link, cfg, board) =
            (self.b_task.clone(), self.b.pins(), self.b.link, self.b.cfg, self.b.board);
        self.a.board.call_at(to, move || {
            if task.get().is_none() {
                task.set(s.spawn(link.run(pins.clone(), board, cfg)).ok());
            }
        });
    }

    /// Makes board B reboot for real on its reset line: each boot gets a new link object (its
    /// memory is gone) and a new receiver task, which appends every message index it receives
    /// to the returned log (kept by the test, outside the board). The new link object tells the
    /// initiator on the wire.
    pub fn rebooting(&mut self) -> Rc<std::cell::RefCell<Vec<u32>>> {
        let log = Rc::new(std::cell::RefCell::new(Vec::new()));
        let (s, pins, cfg, board, log2) = (self.s, self.b.pins(), self.b.cfg, self.b.board, log.clone());
        let tasks: Rc<Cell<Option<[TaskId; 2]>>> = Rc::new(Cell::new(None));
        self.b.reset.on_change(move |_, high| {
            if high {
                if tasks.get().is_none() {
                    let link: &'static Link = Box::leak(Box::new(Syncom::new()));
                    let l = s.spawn(link.run(pins.clone(), board, cfg)).unwrap();
                    let log = log2.clone();
                    let r = s
                        .spawn(async move {
                            loop {
                                match link.recv::<Msg>().await {
                                    Ok(m) if m == msg(m.n, 1) => log.borrow_mut().push(m.n),
                                    _ => log.borrow_mut().push(u32::MAX),
                                }
                            }
                        })
                        .unwrap();
                    tasks.set(Some([l, r]));
                }
            } else if let Some(ids) = tasks.take() {
                for id in ids {
                    let _ = s.stop(id);
                }
            }
        });
        log
    }

    /// Runs until `done` says so (checked every millisecond of board time) or `limit` passes.
    pub fn run_until(&self, limit: Duration, done: impl Fn() -> bool + 'static) -> RunEnd {
        self.start();
        self.run_only(limit, done)
    }

    /// `run_until` without starting board A's link task (the test started what it wants).
    pub fn run_only(&self, limit: Duration, done: impl Fn() -> bool + 'static) -> RunEnd {
        let s = self.s;
        s.spawn(async move {
            let end = Instant::ZERO + limit;
            while !done() && s.now() < end {
                sleep(Duration::from_millis(1)).await;
            }
            s.stop_all();
        })
        .unwrap();
        s.run(self.a.board)
    }
}

impl End {
    pub fn pins_no_reset(&self) -> EndPins {
        let mut p = self.pins();
        p.reset = None;
        p
    }
}

/// A message of mixed shape: each carries its index, so order, loss and duplication show.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Body {
    Byte(u8),
    Signed(i64),
    Text(String),
    Pair(u16, bool),
    Reading { sensor: u32, values: [i16; 4], scale: f32 },
    Nothing,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Msg {
    pub n: u32,
    pub body: Body,
}

/// The `n`th message of a stream (deterministic; `salt` tells the two directions apart).
pub fn msg(n: u32, salt: u32) -> Msg {
    let k = n.wrapping_mul(2_654_435_761).wrapping_add(salt);
    let body = match n % 6 {
        0 => Body::Byte(k as u8),
        1 => Body::Signed(-(i64::from(k) << 20)),
        2 => Body::Text(format!("msg {n} {}", "x".repeat((k % 12) as usize))),
        3 => Body::Pair(k as u16, k.is_multiple_of(2)),
        4 => Body::Reading {
            sensor: k,
            values: [k as i16, (k as i16).wrapping_neg(), 0, 7],
            scale: (k % 100) as f32 / 8.0,
        },
        _ => Body::Nothing,
    };
    Msg { n, body }
}

/// What a receiving end saw.
#[derive(Default, Debug)]
pub struct Seen {
    pub received: u32,
    pub wrong: u32,
}

/// Spawns a sender of `count` messages from `from` and a checker of them at `to`.
pub fn stream(
    s: &'static S,
    from: &'static Link,
    to: &'static Link,
    count: u32,
    salt: u32,
) -> Rc<Cell<(u32, u32)>> {
    s.spawn(async move {
        for n in 0..count {
            from.send(&msg(n, salt)).await.unwrap();
        }
    })
    .unwrap();
    let seen = Rc::new(Cell::new((0u32, 0u32))); // (received in order, anything else)
    let seen2 = seen.clone();
    s.spawn(async move {
        loop {
            let m: Result<Msg, _> = to.recv().await;
            let (ok, bad) = seen2.get();
            match m {
                Ok(m) if m == msg(ok, salt) => seen2.set((ok + 1, bad)),
                _ => seen2.set((ok, bad + 1)),
            }
        }
    })
    .unwrap();
    seen
}

/// A message from one boot of a board: which boot sent it, and the `n`th message of that boot.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct FromBoot {
    pub boot: u32,
    pub msg: Msg,
}

/// One message as a receiving board logged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Got {
    /// The receiving board's boot that took it.
    pub at: u32,
    /// The sending board's boot that sent it.
    pub from: u32,
    pub n: u32,
}

/// What one boot of a board sent: messages `send` accepted, and how many of them were still
/// unacknowledged in its queue when it lost its memory (`None` while it runs).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent {
    pub accepted: u32,
    pub queued_at_death: Option<u32>,
}

struct BootsInner {
    s: &'static S,
    board: &'static Board,
    pins: EndPins,
    cfg: Config,
    per_boot: u32,
    salt: u32,
    peer_salt: u32,
    boot: Cell<u32>,
    running: Cell<Option<(&'static Link, [TaskId; 3])>>,
    links: std::cell::RefCell<Vec<&'static Link>>,
    log: std::cell::RefCell<Vec<Got>>,
    sent: std::cell::RefCell<Vec<Sent>>,
    bad: Cell<u32>,
}

/// A board without a reset line that loses its memory when it reboots: each boot has a new link
/// object, a link task, a sender of `per_boot` messages (`FromBoot`, numbered from 0 in each
/// boot) and a receiver that logs what arrives. The logs live outside the board, in the test.
#[derive(Clone)]
pub struct Boots(Rc<BootsInner>);

impl Boots {
    pub fn new(s: &'static S, end: &End, per_boot: u32, salt: u32, peer_salt: u32) -> Boots {
        Boots(Rc::new(BootsInner {
            s,
            board: end.board,
            pins: end.pins_no_reset(),
            cfg: end.cfg,
            per_boot,
            salt,
            peer_salt,
            boot: Cell::new(0),
            running: Cell::new(None),
            links: std::cell::RefCell::new(Vec::new()),
            log: std::cell::RefCell::new(Vec::new()),
            sent: std::cell::RefCell::new(Vec::new()),
            bad: Cell::new(0),
        }))
    }

    /// Boots the board now: a new link object and its three tasks.
    pub fn boot(&self) {
        let b = &self.0;
        if b.running.get().is_some() {
            return;
        }
        let boot = b.sent.borrow().len() as u32;
        b.boot.set(boot);
        b.sent.borrow_mut().push(Sent::default());
        let link: &'static Link = Box::leak(Box::new(Syncom::new()));
        b.links.borrow_mut().push(link);
        let l = b.s.spawn(link.run(b.pins.clone(), b.board, b.cfg)).unwrap();
        let (me, salt, per_boot) = (self.clone(), b.salt, b.per_boot);
        let tx =
            b.s.spawn(async move {
                for n in 0..per_boot {
                    link.send(&FromBoot { boot, msg: msg(n, salt) }).await.unwrap();
                    me.0.sent.borrow_mut()[boot as usize].accepted = n + 1;
                }
            })
            .unwrap();
        let (me, peer_salt) = (self.clone(), b.peer_salt);
        let rx =
            b.s.spawn(async move {
                loop {
                    match link.recv::<FromBoot>().await {
                        Ok(m) if m.msg == msg(m.msg.n, peer_salt) => {
                            me.0.log.borrow_mut().push(Got { at: boot, from: m.boot, n: m.msg.n })
                        }
                        _ => me.0.bad.set(me.0.bad.get() + 1),
                    }
                }
            })
            .unwrap();
        b.running.set(Some((link, [l, tx, rx])));
    }

    /// The board loses power now: its tasks stop where they stand (its lines go low), its
    /// memory (the link object and its queues) is gone.
    pub fn crash(&self) {
        let b = &self.0;
        if let Some((link, ids)) = b.running.take() {
            for id in ids {
                let _ = b.s.stop(id);
            }
            b.sent.borrow_mut()[b.boot.get() as usize].queued_at_death = Some(link.queued() as u32);
        }
    }

    /// Crashes the board at `at` and boots it again `down` later.
    pub fn reboot_at(&self, at: Instant, down: Duration) {
        let (me, me2) = (self.clone(), self.clone());
        self.0.board.call_at(at, move || me.crash());
        self.0.board.call_at(at + down, move || me2.boot());
    }

    /// The current boot's link object.
    pub fn link(&self) -> &'static Link {
        self.0.links.borrow().last().copied().expect("booted")
    }

    /// Every boot's link object, oldest first.
    pub fn links(&self) -> Vec<&'static Link> {
        self.0.links.borrow().clone()
    }

    pub fn log(&self) -> Vec<Got> {
        self.0.log.borrow().clone()
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.0.sent.borrow().clone()
    }

    /// Messages received intact but not as sent (a corrupt or foreign message).
    pub fn bad(&self) -> u32 {
        self.0.bad.get()
    }

    /// Whether the current boot's messages have all been received by `peer`'s log.
    pub fn all_delivered_to(&self, peer: &Boots) -> bool {
        let boot = self.0.boot.get();
        let want = self.0.per_boot;
        want == 0 || peer.0.log.borrow().iter().any(|g| g.from == boot && g.n == want - 1)
    }
}

/// What `check_deliveries` found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Messages received again by a new boot of the receiver (in flight when it rebooted).
    pub repeats: u32,
    /// Messages a sender had accepted and lost with its own memory (still in its queue).
    pub lost_with_sender: u32,
}

/// Checks what `rx` received from `tx`, every boot of either: from each boot of the sender, in
/// order and without a gap; twice only across a reboot of the receiver (each receiver boot takes
/// each message at most once, and the next boot resumes at most where the last one stopped); a
/// sender's messages all arrive but those still in its queue when it lost its memory; a new
/// boot's messages never before an older one's.
pub fn check_deliveries(tx: &Boots, rx: &Boots) -> Delivery {
    assert_eq!(rx.bad(), 0, "a corrupt or foreign message was delivered");
    let log = rx.log();
    let mut d = Delivery::default();
    // Within one receiver boot, the sender's boots only move forward.
    for w in log.windows(2) {
        if w[0].at == w[1].at {
            assert!(w[1].from >= w[0].from, "a message of an older boot after a newer one: {w:?}");
        }
    }
    for (sb, sent) in tx.sent().iter().enumerate() {
        let sb = sb as u32;
        let from: Vec<Got> = log.iter().copied().filter(|g| g.from == sb).collect();
        let mut last: Option<Got> = None;
        for g in &from {
            match last {
                None => assert_eq!(g.n, 0, "sender boot {sb}: its first message missing: {from:?}"),
                Some(l) if l.at == g.at => {
                    assert_eq!(
                        g.n,
                        l.n + 1,
                        "sender boot {sb} at receiver boot {}: after {} came {}",
                        g.at,
                        l.n,
                        g.n
                    )
                }
                Some(l) => {
                    assert!(g.at > l.at);
                    assert!(g.n <= l.n + 1, "sender boot {sb}: a gap across receiver boots {l:?} -> {g:?}");
                    d.repeats += l.n + 1 - g.n;
                }
            }
            last = Some(*g);
        }
        let high = last.map_or(0, |l| l.n + 1);
        let lost = sent.queued_at_death.unwrap_or(0);
        // The sender's queue holds its newest messages: all before them arrived.
        assert!(
            high + lost >= sent.accepted && high <= sent.accepted,
            "sender boot {sb}: {high} arrived of {} accepted, {lost} lost with its memory",
            sent.accepted
        );
        d.lost_with_sender += sent.accepted - high;
    }
    d
}
