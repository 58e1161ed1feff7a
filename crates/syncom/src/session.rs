//! One session: from the first clock edge, through the sync byte, to the failure that ends it.
//!
//! A session is the unit of recovery. It starts from a known state (both ends' lines low, the
//! initiator's first edge), so nothing about the previous session's bit or byte position
//! survives into it. Each end first sends the sync byte, then a stream of bytes: frames, each
//! ended by a zero, and single zeros while it has nothing to say. A receiver slides an 8-bit
//! window over the incoming bits until it holds the sync byte; from then on every 8 bits are a
//! byte. The two directions are independent: each receiver locks on its peer's sync byte.
//!
//! A session ends, and the supervisor (`supervisor.rs`) starts another, when the peer's clock
//! does not move within the bit timeout, when the sync byte does not come within its bits, or
//! when too many bytes arrive without a good frame (the ends slipped a bit and lost their byte
//! alignment: every frame now fails its CRC). Whatever was in flight stays in the send queue,
//! unacknowledged, and goes again in the next session.

use core::time::Duration;

use embedded_hal::digital::{InputPin, OutputPin};
use heapless::Vec;
use usched::{sleep, yield_now, Clock};

use crate::config::{Config, Role};
use crate::counters::LinkState;
use crate::frame::{self, Frame, Kind};
use crate::syncom::Syncom;
use crate::window::Handshake;
use crate::wire::{PinFault, Wire};

/// The sync byte (the original's): `1001_1101`, sent least significant bit first.
pub(crate) const SYN: u8 = 0x9D;

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The peer's clock did not move within the bit timeout.
    Timeout,
    /// The sync byte did not arrive within `sync_bits`.
    NoSync,
    /// Too many bytes without a good frame.
    Dead,
    /// A pin reported an error.
    Pin,
}

impl From<PinFault> for End {
    fn from(_: PinFault) -> Self {
        End::Pin
    }
}

/// The per-session state of one end: the bit and byte positions each way and the frame buffers.
pub(crate) struct Session<'a, const N: usize, const Q: usize, C: Clock> {
    link: &'a Syncom<N, Q>,
    cfg: &'a Config,
    clock: &'a C,
    /// Limits from the configuration, raised to what the frame size needs.
    retransmit_bytes: u32,
    sync_bits: u32,
    // Sending.
    txbuf: [u8; N],
    txlen: usize,
    txpos: usize,
    tx_byte: u8,
    tx_left: u8,
    /// Bytes sent since the last frame.
    idle_run: u32,
    // Receiving.
    rx: Receiver<N>,
    rx_byte: u8,
    rx_bits: u8,
    /// The sliding window of the sync search, and how many bits it has seen.
    sync_window: u8,
    sync_seen: u32,
    synced: bool,
    /// Bits exchanged since this end last yielded.
    since_yield: u32,
    /// The reboot handshake (see `window.rs`).
    hs: Handshake,
    /// How long to sleep between looks at a peer that is not ready (zero: yield instead).
    poll: Duration,
}

impl<'a, const N: usize, const Q: usize, C: Clock> Session<'a, N, Q, C> {
    pub(crate) fn new(link: &'a Syncom<N, Q>, cfg: &'a Config, clock: &'a C) -> Self {
        let n = u32::try_from(N).unwrap_or(u32::MAX);
        Session {
            link,
            cfg,
            clock,
            retransmit_bytes: cfg.retransmit_bytes.max(n.saturating_mul(2)),
            sync_bits: cfg.sync_bits.max(8),
            txbuf: [0; N],
            txlen: 0,
            txpos: 0,
            tx_byte: SYN,
            tx_left: 8,
            idle_run: 0,
            rx: Receiver::new(cfg.dead_bytes.max(n.saturating_mul(2).saturating_add(cfg.keepalive_bytes))),
            rx_byte: 0,
            rx_bits: 0,
            sync_window: 0,
            sync_seen: 0,
            synced: false,
            since_yield: 0,
            hs: Handshake::default(),
            poll: look_interval(cfg),
        }
    }

    /// Runs the session until it fails.
    pub(crate) async fn run<CI: InputPin, CO: OutputPin, DI: InputPin, DO: OutputPin>(
        &mut self,
        wire: &mut Wire<CI, CO, DI, DO>,
    ) -> End {
        self.hs = self.link.window.borrow_mut().begin_session();
        self.exchange_bits(wire).await
    }

    async fn exchange_bits<CI: InputPin, CO: OutputPin, DI: InputPin, DO: OutputPin>(
        &mut self,
        wire: &mut Wire<CI, CO, DI, DO>,
    ) -> End {
        // The passive end waits as long as it takes for the initiator's first edge.
        let mut bounded = match self.cfg.role {
            Role::Initiator => {
                let bit = self.next_tx_bit();
                if let Err(e) = wire.prime(bit) {
                    return e.into();
                }
                true
            }
            Role::Passive => false,
        };
        loop {
            let bit = self.next_tx_bit();
            let got = match self.step(wire, bit, bounded).await {
                Ok(b) => b,
                Err(e) => return e,
            };
            bounded = true;
            if self.synced {
                self.rx_byte |= u8::from(got) << self.rx_bits;
                self.rx_bits += 1;
                if self.rx_bits == 8 {
                    let byte = self.rx_byte;
                    (self.rx_byte, self.rx_bits) = (0, 0);
                    if let Err(e) = self.rx.on_byte(self.link, &mut self.hs, byte) {
                        return e;
                    }
                }
            } else {
                self.sync_window = (self.sync_window >> 1) | (u8::from(got) << 7);
                self.sync_seen = self.sync_seen.saturating_add(1);
                if self.sync_window == SYN {
                    self.synced = true;
                    self.link.set_state(LinkState::Up);
                    // Once per session, and counted by the link object, not the task: a link
                    // task stopped and started again on the same object is a recovery too.
                    if self.link.been_up.replace(true) {
                        self.link.count(|c| c.resyncs = c.resyncs.wrapping_add(1));
                    }
                } else if self.sync_seen >= self.sync_bits {
                    return End::NoSync;
                }
            }
        }
    }

    /// Waits until the peer is ready (yielding or sleeping between looks, and at least every
    /// `yield_bits` bits), then exchanges one bit.
    #[inline]
    async fn step<CI: InputPin, CO: OutputPin, DI: InputPin, DO: OutputPin>(
        &mut self,
        wire: &mut Wire<CI, CO, DI, DO>,
        bit: bool,
        bounded: bool,
    ) -> Result<bool, End> {
        if wire.ready()? {
            self.since_yield = self.since_yield.saturating_add(1);
            if self.since_yield >= self.cfg.yield_bits {
                self.since_yield = 0;
                yield_now().await;
            }
        } else {
            // The clock is read from the second failed look on: in the usual exchange the peer
            // has moved by the first, and on a small chip reading the time costs more than a bit.
            let mut since = None;
            loop {
                self.since_yield = 0;
                if self.poll == Duration::ZERO {
                    yield_now().await;
                } else {
                    sleep(self.poll).await;
                }
                if wire.ready()? {
                    break;
                }
                if bounded {
                    let now = self.clock.now();
                    match since {
                        None => since = Some(now),
                        Some(t) if now - t >= self.cfg.bit_timeout => return Err(End::Timeout),
                        Some(_) => {}
                    }
                }
            }
        }
        Ok(wire.exchange(bit)?)
    }

    /// The next bit to send: the sync byte, then frames and idle zeros, least significant first.
    #[inline]
    fn next_tx_bit(&mut self) -> bool {
        if self.tx_left == 0 {
            self.tx_byte = self.next_tx_byte();
            self.tx_left = 8;
        }
        let bit = self.tx_byte & 1 != 0;
        self.tx_byte >>= 1;
        self.tx_left -= 1;
        bit
    }

    fn next_tx_byte(&mut self) -> u8 {
        if let Some(&b) = self.txbuf.get(self.txpos).filter(|_| self.txpos < self.txlen) {
            self.txpos += 1;
            return b;
        }
        // The current frame is out: what next?
        let mut w = self.link.window.borrow_mut();
        let owed = w.ack_owed() || self.idle_run >= self.cfg.keepalive_bytes;
        let nak = w.take_nak();
        let ack = w.take_ack();
        let data_tag = w.tag(&self.hs, Kind::Data);
        let next = if nak { None } else { w.next_data() };
        let (len, again) = match next {
            Some((seq, payload, again)) => {
                let f = Frame { tag: data_tag, seq, ack, payload };
                (frame::encode(&f, &mut self.txbuf), again)
            }
            None if owed || nak => {
                let kind = if nak { Kind::Nak } else { Kind::Ack };
                let f = Frame { tag: w.tag(&self.hs, kind), seq: 0, ack, payload: &[] };
                let len = frame::encode(&f, &mut self.txbuf);
                // Its bytes count toward the retransmission timer like idle ones.
                w.idle_bytes(u32::try_from(len.unwrap_or(0)).unwrap_or(u32::MAX), self.retransmit_bytes);
                (len, false)
            }
            None => {
                w.idle_byte(self.retransmit_bytes);
                self.idle_run = self.idle_run.saturating_add(1);
                return 0;
            }
        };
        drop(w);
        match len {
            Some(n) if n > 0 => {
                self.txlen = n;
                self.txpos = 1;
                self.idle_run = 0;
                self.link.count(|c| {
                    c.frames_sent = c.frames_sent.wrapping_add(1);
                    if again {
                        c.retransmissions = c.retransmissions.wrapping_add(1);
                    }
                });
                self.txbuf.first().copied().unwrap_or(0)
            }
            // Unreachable: `N` is at least the largest frame of an empty message, and `try_send`
            // accepts only messages whose largest frame fits `N` (frame.rs tests the bound).
            _ => 0,
        }
    }
}

/// The receiving half of a session once it has the sync byte: bytes into frames, frames acted on.
pub(crate) struct Receiver<const N: usize> {
    buf: Vec<u8, N>,
    /// The frame being received is longer than `N`: it is refused at its end.
    overflow: bool,
    /// Bytes received since the last good frame (or since sync).
    since_good: u32,
    /// Past this many, the session is dead.
    dead_bytes: u32,
}

impl<const N: usize> Receiver<N> {
    pub(crate) const fn new(dead_bytes: u32) -> Self {
        Receiver { buf: Vec::new(), overflow: false, since_good: 0, dead_bytes }
    }

    /// A byte arrived. Zeros end frames; a frame is decoded, checked and acted on.
    pub(crate) fn on_byte<const Q: usize>(
        &mut self,
        link: &Syncom<N, Q>,
        hs: &mut Handshake,
        byte: u8,
    ) -> Result<(), End> {
        self.since_good = self.since_good.saturating_add(1);
        if byte != 0 {
            if self.buf.push(byte).is_err() {
                self.overflow = true;
            }
        } else if self.overflow {
            self.overflow = false;
            self.buf.clear();
            link.count(|c| c.crc_errors = c.crc_errors.wrapping_add(1));
        } else if !self.buf.is_empty() {
            let good = match frame::decode(&mut self.buf) {
                Ok(f) => {
                    on_frame(link, hs, &f);
                    true
                }
                Err(_) => {
                    link.count(|c| c.crc_errors = c.crc_errors.wrapping_add(1));
                    false
                }
            };
            self.buf.clear();
            if good {
                self.since_good = 0;
            }
        }
        if self.since_good > self.dead_bytes {
            return Err(End::Dead);
        }
        Ok(())
    }
}

/// Acts on a good frame (see `Window::on_frame`), then counts and signals what it did.
fn on_frame<const N: usize, const Q: usize>(link: &Syncom<N, Q>, hs: &mut Handshake, f: &Frame<'_>) {
    let (acked, delivered, peer_booted) = link.window.borrow_mut().on_frame(hs, f);
    link.count(|c| {
        c.frames_received = c.frames_received.wrapping_add(1);
        c.peer_boots = c.peer_boots.wrapping_add(u32::from(peer_booted));
        c.acknowledged = c.acknowledged.wrapping_add(acked as u32);
        if delivered {
            c.delivered = c.delivered.wrapping_add(1);
        }
    });
    if acked > 0 {
        link.room.signal();
    }
    if delivered {
        link.arrived.signal();
    }
}

/// The interval between looks at a peer that is not ready: `Config::poll`, but never more than
/// an eighth of the quiet time. Between sessions the initiator leaves its lines low for
/// `bit_timeout + 2 * quiet`; the passive end must notice the old session's end (a bit timeout,
/// checked once a look) and then see `quiet` of silence within that, or it would still be in the
/// old session when the initiator starts the new one and take its first bits for the old one's.
fn look_interval(cfg: &Config) -> Duration {
    if cfg.poll == Duration::ZERO {
        return Duration::ZERO;
    }
    cfg.poll.min((cfg.quiet / 8).max(Duration::from_micros(1)))
}
