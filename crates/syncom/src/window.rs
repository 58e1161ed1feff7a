//! Reliable delivery: sequence numbers, cumulative acknowledgements, go-back-N retransmission.
//!
//! The original trusted the wire: a bit slip or a peer reset lost or mangled whatever was in
//! flight. Here every message has a 16-bit sequence number, and every frame either way carries
//! the sequence number its sender expects next (a cumulative acknowledgement). A message stays in
//! the sender's queue until it is acknowledged, so a session that ends for any reason loses
//! nothing: the next session starts by sending every unacknowledged message again (go-back-N).
//!
//! The receiver accepts only the message it expects next, and only if its receive queue has room.
//! A duplicate (a retransmission of something already delivered) or a message after a gap (one
//! before it was corrupted) is dropped, and the acknowledgement sent again tells the sender where
//! to resume. After a gap the receiver also asks, once, for a go-back at once (a `Nak`), so one
//! corrupt frame costs one round trip rather than a whole window and a silence. Messages therefore arrive once each, in order, and a full receive queue slows the
//! sender instead of losing messages (flow control for free).
//!
//! Sequence numbers wrap; both queues hold far fewer than 32768 messages, so a wrapped difference
//! is never ambiguous.
//!
//! ## A peer that rebooted
//!
//! A board that loses its memory comes back with a new link object, numbering from zero, while
//! its peer remembers the old numbers: without more, the peer would take the new messages for
//! repeats (and acknowledge them, so the new sender drops them) and the new board would take the
//! peer's retransmissions for messages after a gap (and never accept one). No random number and
//! no stored boot count is needed to tell the two apart, only one bit: a new link object is
//! *fresh*, and every frame it sends says so (`FRESH` in the tag), until its peer has confirmed
//! that it numbers afresh for it.
//!
//! - A fresh end numbers both directions from zero at the start of every session: its queue of
//!   unacknowledged messages from zero, and it expects the peer's from zero.
//! - An end that sees `FRESH` for the first time in a session does the same (unless it is fresh
//!   itself and did so when the session began), sends every unacknowledged message again, and
//!   from then on, for the rest of the session, marks each frame `RENUMBERED`.
//! - A fresh end acts on a frame's acknowledgement and message only if the frame is `RENUMBERED`
//!   (the peer numbers afresh for it) or `FRESH` (the peer is new too: its numbers start at zero
//!   like ours); any other frame was numbered for the board it replaced, and is ignored. The first
//!   `RENUMBERED` frame ends the fresh state for good.
//!
//! Frames never outlive their session (each session starts with the sync byte, and the quiet
//! times keep the two ends' sessions in step: see `supervisor.rs`), so `RENUMBERED` always
//! answers the `FRESH` of the same session, and a lost frame changes nothing: `FRESH` rides on
//! every frame until a `RENUMBERED` gets through, and `RENUMBERED` on every frame to the
//! session's end; a session that fails first leaves the fresh end fresh, and both ends number
//! from zero again in the next. In a session where only the fresh end renumbered (none of its
//! frames got through), neither acts on the other's frames: the fresh end ignores unmarked ones,
//! and the other received none. So the two numberings never meet out of step. What this costs
//! is the semantics of a reset: the messages in flight when a board rebooted (received by the old
//! board, not yet acknowledged), and those delivered in a first session after a boot that failed
//! before the answer came back, may arrive twice; between reboots delivery stays exactly once.

use heapless::{Deque, Vec};

use crate::frame::{Frame, Kind, Tag};

/// The reboot handshake's state in one session (see the module docs).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Handshake {
    /// This end was fresh when the session began, and numbered both directions from zero then.
    renumbered_self: bool,
    /// The peer's `FRESH` arrived in this session: both directions are numbered from zero for it,
    /// and every frame says so.
    pub(crate) peer_fresh: bool,
}

/// What happened to a received data frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accept {
    /// The expected message: queued for the application.
    Delivered,
    /// Not queued (duplicate, gap, or no room); the acknowledgement is to be repeated.
    Dropped,
}

/// Both directions' delivery state of one link end.
pub(crate) struct Window<const N: usize, const Q: usize> {
    /// Sent or still to send, oldest first, until acknowledged.
    tx: Deque<Vec<u8, N>, Q>,
    /// The sequence number of `tx`'s front.
    front_seq: u16,
    /// The index in `tx` of the next message to send.
    cursor: usize,
    /// How many of `tx`'s messages have been sent at least once.
    sent: usize,
    /// Bytes sent with everything sent and nothing acknowledged since.
    silent: u32,
    /// Received messages waiting for the application.
    rx: Deque<Vec<u8, N>, Q>,
    /// The sequence number expected next.
    rx_next: u16,
    /// An acknowledgement should go out soon (something arrived since the last one sent).
    ack_owed: bool,
    /// A message arrived after a gap: ask the sender to go back (once per expected number).
    nak_owed: bool,
    nak_for: Option<u16>,
    /// This end is new (its memory started with this object) and its peer has not yet confirmed
    /// that it numbers afresh for it.
    fresh: bool,
}

impl<const N: usize, const Q: usize> Window<N, Q> {
    pub(crate) const fn new() -> Self {
        Window {
            tx: Deque::new(),
            front_seq: 0,
            cursor: 0,
            sent: 0,
            silent: 0,
            rx: Deque::new(),
            rx_next: 0,
            ack_owed: false,
            nak_owed: false,
            nak_for: None,
            fresh: true,
        }
    }

    /// A session begins: send from the oldest unacknowledged message again; a fresh end also
    /// numbers both directions from zero, as its peer will when it sees the `FRESH` flag.
    pub(crate) fn begin_session(&mut self) -> Handshake {
        if self.fresh {
            self.renumber();
        } else {
            self.rewind();
        }
        Handshake { renumbered_self: self.fresh, peer_fresh: false }
    }

    /// The tag of the next frame of `kind` this end sends.
    pub(crate) fn tag(&self, hs: &Handshake, kind: Kind) -> Tag {
        Tag { kind, fresh: self.fresh, renumbered: hs.peer_fresh }
    }

    /// A good frame arrived with these flags. Returns true if its acknowledgement and message
    /// are to be acted on, false if they were numbered for the board this one replaced. Returns,
    /// second, whether the peer's `FRESH` arrived for the first time in this session.
    pub(crate) fn on_tag(&mut self, hs: &mut Handshake, tag: Tag) -> (bool, bool) {
        let first_fresh = tag.fresh && !hs.peer_fresh;
        if first_fresh {
            hs.peer_fresh = true;
            if !hs.renumbered_self {
                self.renumber();
            }
        }
        if self.fresh {
            if tag.renumbered {
                self.fresh = false;
            } else if !tag.fresh {
                return (false, first_fresh);
            }
        }
        (true, first_fresh)
    }

    /// Acts on a good frame: its flags, then (unless it was numbered for the board this one
    /// replaced) its acknowledgement, its go-back and its message. Returns how many of our
    /// messages it acknowledged, whether it delivered its message, and whether it was the first
    /// `FRESH` of the session.
    pub(crate) fn on_frame(&mut self, hs: &mut Handshake, f: &Frame<'_>) -> (usize, bool, bool) {
        let (valid, peer_booted) = self.on_tag(hs, f.tag);
        if !valid {
            return (0, false, peer_booted);
        }
        let acked = self.on_ack(f.ack);
        if f.tag.kind == Kind::Nak {
            self.rewind();
        }
        let delivered = f.tag.kind == Kind::Data && self.on_data(f.seq, f.payload) == Accept::Delivered;
        (acked, delivered, peer_booted)
    }

    /// Whether this end is still announcing that it is new.
    #[cfg(test)]
    pub(crate) fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// Queues a message to send; gives it back if the queue is full.
    pub(crate) fn push(&mut self, msg: Vec<u8, N>) -> Result<(), Vec<u8, N>> {
        self.tx.push_back(msg)
    }

    pub(crate) fn tx_full(&self) -> bool {
        self.tx.is_full()
    }

    pub(crate) fn tx_len(&self) -> usize {
        self.tx.len()
    }

    /// The next message to put on the wire, with its sequence number and whether it was sent
    /// before; moves the cursor past it.
    pub(crate) fn next_data(&mut self) -> Option<(u16, &[u8], bool)> {
        let i = self.cursor;
        let msg = self.tx.get(i)?;
        let again = i < self.sent;
        self.cursor = i + 1;
        self.sent = self.sent.max(self.cursor);
        self.ack_owed = false; // the data frame carries the acknowledgement
        let seq = self.front_seq.wrapping_add(i as u16);
        Some((seq, msg.as_slice(), again))
    }

    /// The acknowledgement to put in the next frame; it is no longer owed.
    pub(crate) fn take_ack(&mut self) -> u16 {
        self.ack_owed = false;
        self.rx_next
    }

    pub(crate) fn ack_owed(&self) -> bool {
        self.ack_owed
    }

    /// Whether to ask the sender to go back now (a gap was seen); it is then no longer owed.
    pub(crate) fn take_nak(&mut self) -> bool {
        core::mem::take(&mut self.nak_owed)
    }

    /// A byte went out with nothing new to send. Returns true (and rewinds) when it is time to
    /// send the unacknowledged messages again.
    pub(crate) fn idle_byte(&mut self, retransmit_bytes: u32) -> bool {
        self.idle_bytes(1, retransmit_bytes)
    }

    /// `n` bytes went out with nothing new to send: idle zeros, or an acknowledgement frame (a
    /// peer that streams at us keeps us sending acknowledgements, never idle, and a message it
    /// dropped must still go again). Returns true (and rewinds) when it is time to send the
    /// unacknowledged messages again.
    pub(crate) fn idle_bytes(&mut self, n: u32, retransmit_bytes: u32) -> bool {
        if self.tx.is_empty() || self.cursor < self.tx.len() {
            return false;
        }
        self.silent = self.silent.saturating_add(n);
        if self.silent >= retransmit_bytes {
            self.rewind();
            return true;
        }
        false
    }

    /// Starts sending from the oldest unacknowledged message again (a new session, or a timeout).
    pub(crate) fn rewind(&mut self) {
        self.cursor = 0;
        self.silent = 0;
    }

    /// A new numbering, for a peer that lost its memory or for this end's own fresh start:
    /// number the messages still unacknowledged from zero, expect the peer's messages from zero,
    /// and send everything again.
    pub(crate) fn renumber(&mut self) {
        self.front_seq = 0;
        self.rx_next = 0;
        self.nak_for = None;
        self.nak_owed = false;
        self.ack_owed = false;
        self.rewind();
    }

    /// The peer expects `ack` next: drops every message before it. Returns how many.
    /// An acknowledgement outside the sent range (corruption that passed the CRC, or a peer that
    /// lost its state) changes nothing.
    pub(crate) fn on_ack(&mut self, ack: u16) -> usize {
        let n = usize::from(ack.wrapping_sub(self.front_seq));
        if n == 0 || n > self.sent {
            return 0;
        }
        for _ in 0..n {
            self.tx.pop_front();
        }
        self.front_seq = ack;
        self.sent -= n;
        self.cursor = self.cursor.saturating_sub(n);
        self.silent = 0;
        n
    }

    /// A data frame arrived.
    pub(crate) fn on_data(&mut self, seq: u16, payload: &[u8]) -> Accept {
        self.ack_owed = true;
        if seq != self.rx_next {
            // A message from the future: one before it was lost. Ask for a go-back once; the
            // sender's silence timer covers a lost request.
            let ahead = seq.wrapping_sub(self.rx_next) < 0x8000;
            if ahead && self.nak_for != Some(self.rx_next) {
                self.nak_for = Some(self.rx_next);
                self.nak_owed = true;
            }
            return Accept::Dropped;
        }
        let Ok(msg) = Vec::from_slice(payload) else { return Accept::Dropped };
        if self.rx.push_back(msg).is_err() {
            return Accept::Dropped;
        }
        self.rx_next = self.rx_next.wrapping_add(1);
        Accept::Delivered
    }

    /// The oldest received message, for the application.
    pub(crate) fn pop_rx(&mut self) -> Option<Vec<u8, N>> {
        self.rx.pop_front()
    }

    pub(crate) fn rx_len(&self) -> usize {
        self.rx.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(b: u8) -> Vec<u8, 4> {
        Vec::from_slice(&[b]).unwrap()
    }

    #[test]
    fn ack_drops_sent_messages_only() {
        let mut w: Window<4, 4> = Window::new();
        w.push(msg(1)).unwrap();
        w.push(msg(2)).unwrap();
        assert_eq!(w.on_ack(1), 0); // nothing sent yet: an ack of it is bogus
        assert_eq!(w.next_data().map(|(s, p, a)| (s, p[0], a)), Some((0, 1, false)));
        assert_eq!(w.on_ack(1), 1);
        assert_eq!(w.next_data().map(|(s, p, a)| (s, p[0], a)), Some((1, 2, false)));
        w.rewind();
        assert_eq!(w.next_data().map(|(s, p, a)| (s, p[0], a)), Some((1, 2, true)));
        assert_eq!(w.tx_len(), 1);
    }

    #[test]
    fn receiver_takes_only_the_next_in_order_with_room() {
        let mut w: Window<4, 1> = Window::new();
        assert_eq!(w.on_data(1, &[9]), Accept::Dropped); // gap
        assert_eq!(w.on_data(0, &[7]), Accept::Delivered);
        assert_eq!(w.on_data(0, &[7]), Accept::Dropped); // duplicate
        assert_eq!(w.on_data(1, &[8]), Accept::Dropped); // no room
        assert_eq!(w.take_ack(), 1);
        assert_eq!(w.pop_rx().unwrap()[0], 7);
        assert_eq!(w.on_data(1, &[8]), Accept::Delivered);
    }

    #[test]
    fn a_gap_asks_for_a_go_back_once() {
        let mut w: Window<4, 4> = Window::new();
        w.on_data(1, &[1]);
        assert!(w.take_nak());
        w.on_data(2, &[2]);
        assert!(!w.take_nak());
        assert_eq!(w.on_data(0, &[0]), Accept::Delivered);
        w.on_data(2, &[2]);
        assert!(w.take_nak());
    }

    #[test]
    fn retransmits_after_silence() {
        let mut w: Window<4, 2> = Window::new();
        w.push(msg(1)).unwrap();
        assert!(!w.idle_byte(2)); // not sent yet
        w.next_data();
        assert!(!w.idle_byte(2));
        assert!(w.idle_byte(2));
        assert!(w.next_data().unwrap().2);
    }

    #[test]
    fn renumbering_starts_both_directions_at_zero() {
        let mut w: Window<4, 4> = Window::new();
        w.push(msg(1)).unwrap();
        w.push(msg(2)).unwrap();
        w.next_data();
        assert_eq!(w.on_ack(1), 1);
        assert_eq!(w.on_data(0, &[5]), Accept::Delivered);
        w.renumber();
        assert_eq!(w.next_data().map(|(s, p, _)| (s, p[0])), Some((0, 2)));
        assert_eq!(w.on_data(0, &[6]), Accept::Delivered);
        assert_eq!(w.rx_len(), 2);
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut w: Window<4, 2> = Window::new();
        w.front_seq = u16::MAX;
        w.push(msg(1)).unwrap();
        w.push(msg(2)).unwrap();
        assert_eq!(w.next_data().unwrap().0, u16::MAX);
        assert_eq!(w.next_data().unwrap().0, 0);
        assert_eq!(w.on_ack(1), 2);
    }

    /// Two windows joined by a lossy channel, far past the 16-bit wrap: every message arrives
    /// once, in order, whatever frames (data or acknowledgement) are lost.
    #[test]
    fn a_lossy_exchange_past_the_sequence_wrap_delivers_each_once_in_order() {
        const COUNT: u32 = 70_000;
        let (mut a, mut b): (Window<8, 4>, Window<8, 4>) = (Window::new(), Window::new());
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut lose = move |per_mille: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % 1000 < per_mille
        };
        let (mut queued, mut got) = (0u32, 0u32);
        let mut steps = 0u64;
        while got < COUNT {
            steps += 1;
            assert!(steps < 50_000_000, "stuck at {got}");
            while queued < COUNT && !a.tx_full() {
                a.push(Vec::from_slice(&queued.to_le_bytes()).unwrap()).unwrap();
                queued += 1;
            }
            // A sends one data frame, or an idle byte.
            match a.next_data() {
                Some((seq, p, _)) => {
                    let p: Vec<u8, 8> = Vec::from_slice(p).unwrap();
                    if !lose(100) {
                        b.on_data(seq, &p);
                    }
                }
                None => {
                    a.idle_byte(16);
                }
            }
            // B answers with an acknowledgement (or a go-back), which may be lost.
            let nak = b.take_nak();
            let ack = b.take_ack();
            if !lose(100) {
                a.on_ack(ack);
                if nak {
                    a.rewind();
                }
            }
            // B's application reads now and then.
            if !lose(300) {
                if let Some(m) = b.pop_rx() {
                    assert_eq!(u32::from_le_bytes([m[0], m[1], m[2], m[3]]), got);
                    got += 1;
                }
            }
        }
        assert!(a.front_seq < 10_000, "wrapped: {}", a.front_seq);
    }

    /// One end of a link for the handshake tests: its window and its session's handshake.
    struct Side {
        w: Window<4, 4>,
        hs: Handshake,
    }

    /// A frame as the tests pass it around (owning its payload).
    #[derive(Debug, Clone)]
    struct F {
        tag: Tag,
        seq: u16,
        ack: u16,
        payload: Option<Vec<u8, 4>>,
    }

    impl Side {
        fn new() -> Self {
            Side { w: Window::new(), hs: Handshake::default() }
        }

        fn begin(&mut self) {
            self.hs = self.w.begin_session();
        }

        /// The next frame, as `session.rs` chooses it: a go-back, a message, or an acknowledgement.
        fn frame(&mut self) -> F {
            let nak = self.w.take_nak();
            let ack = self.w.take_ack();
            let data = self.w.tag(&self.hs, Kind::Data);
            match if nak { None } else { self.w.next_data() } {
                Some((seq, p, _)) => F { tag: data, seq, ack, payload: Some(Vec::from_slice(p).unwrap()) },
                None => {
                    let tag = self.w.tag(&self.hs, if nak { Kind::Nak } else { Kind::Ack });
                    F { tag, seq: 0, ack, payload: None }
                }
            }
        }

        /// Acts on `f`; returns (acknowledged, delivered).
        fn take(&mut self, f: &F) -> (usize, bool) {
            let payload = f.payload.as_deref().unwrap_or(&[]);
            let frame = Frame { tag: f.tag, seq: f.seq, ack: f.ack, payload };
            let (acked, delivered, _) = self.w.on_frame(&mut self.hs, &frame);
            (acked, delivered)
        }

        fn received(&mut self) -> Vec<u8, 8> {
            core::iter::from_fn(|| self.w.pop_rx().map(|m| m[0])).collect()
        }
    }

    /// Two ends that have exchanged messages for a while: X sent 3 (acknowledged), Y sent 2
    /// (acknowledged) and a third that X received but had not acknowledged; neither is fresh.
    fn old_pair() -> (Side, Side) {
        let (mut x, mut y) = (Side::new(), Side::new());
        x.begin();
        y.begin();
        for b in [1, 2, 3] {
            x.w.push(msg(b)).unwrap();
        }
        for b in [11, 12, 13] {
            y.w.push(msg(b)).unwrap();
        }
        for _ in 0..3 {
            let f = x.frame();
            y.take(&f);
            let f = y.frame();
            x.take(&f);
        }
        let f = x.frame(); // X's acknowledgement of Y's third is lost
        assert_eq!((f.ack, f.payload.is_none()), (3, true));
        let f = y.frame(); // Y's acknowledges all of X's
        x.take(&f);
        assert!(!x.w.is_fresh() && !y.w.is_fresh());
        assert_eq!((x.w.tx_len(), y.w.tx_len()), (0, 1));
        assert_eq!(x.received()[..], [11, 12, 13]);
        assert_eq!(y.received()[..], [1, 2, 3]);
        (x, y)
    }

    #[test]
    fn a_rebooted_end_is_numbered_afresh_even_when_its_first_announcements_are_lost() {
        let (x, mut y) = old_pair();
        drop(x);
        let mut x = Side::new(); // X reboots: its memory is gone
        for b in [21, 22, 23] {
            x.w.push(msg(b)).unwrap();
        }
        x.begin();
        y.begin();
        // X's first three frames, its messages numbered 0..2, each announcing that X is fresh,
        // are lost to noise.
        for seq in 0..3 {
            let f = x.frame();
            assert_eq!((f.seq, f.tag.fresh, f.tag.renumbered), (seq, true, false));
        }
        // Y's retransmission of its third message, numbered for the old X (seq 2), acknowledging
        // the old X's three: the new X ignores it. Acted on, it would have taken X's three
        // messages, which Y never saw, for acknowledged, and Y's message for one after a gap.
        let f = y.frame();
        assert_eq!((f.seq, f.ack, f.tag.fresh, f.tag.renumbered), (2, 3, false, false));
        assert_eq!(x.take(&f), (0, false));
        assert_eq!(x.w.tx_len(), 3);
        x.w.rewind(); // as the retransmission timer would
                      // X's message 0 gets through: Y numbers afresh (the message is delivered, its
                      // acknowledgement of 0 takes nothing off Y's queue) and says so from now on.
        let f = x.frame();
        assert_eq!((f.seq, f.ack, f.tag.fresh), (0, 0, true));
        assert_eq!(y.take(&f), (0, true));
        let f = y.frame();
        assert_eq!((f.seq, f.ack, f.tag.fresh, f.tag.renumbered), (0, 1, false, true));
        // X takes it: Y's third message again, now numbered 0; X is no longer fresh.
        assert_eq!(x.take(&f), (1, true));
        assert!(!x.w.is_fresh());
        for seq in 1..3 {
            let f = x.frame();
            assert_eq!((f.seq, f.ack, f.tag.fresh, f.tag.renumbered), (seq, 1, false, false));
            assert_eq!(y.take(&f), (usize::from(seq == 1), true));
        }
        assert_eq!(x.received()[..], [13]);
        assert_eq!(y.received()[..], [21, 22, 23]);
        // A later session renumbers nothing.
        x.begin();
        y.begin();
        let f = y.frame();
        assert_eq!((f.ack, f.tag.fresh, f.tag.renumbered), (3, false, false));
        assert_eq!(x.take(&f), (2, false));
        x.w.push(msg(24)).unwrap();
        let f = x.frame();
        assert_eq!((f.seq, f.tag.fresh), (3, false));
        assert_eq!(y.take(&f), (0, true));
        assert_eq!(y.received()[..], [24]);
    }

    #[test]
    fn a_fresh_end_that_took_messages_before_its_session_failed_expects_them_from_zero_again() {
        // Both boards just booted. Y's first message reaches X before Y has heard from X, and X
        // takes it (Y is fresh too: its numbers start at zero like X's); X's answer reaches Y,
        // which stops being fresh, but Y's answer to that is lost, and the session fails with X
        // still fresh. In the next session Y numbers afresh for X (X is still fresh), so X must
        // expect Y's messages from zero again too: had it kept expecting 1, it would have taken
        // Y's second message, now numbered 0, for a repeat, and its acknowledgement of 1 would
        // have made Y drop it unseen.
        let (mut x, mut y) = (Side::new(), Side::new());
        for b in [11, 12] {
            y.w.push(msg(b)).unwrap();
        }
        x.begin();
        y.begin();
        let f = y.frame();
        assert_eq!((f.seq, f.tag.fresh, f.tag.renumbered), (0, true, false));
        assert_eq!(x.take(&f), (0, true));
        let f = x.frame();
        assert_eq!((f.ack, f.tag.fresh, f.tag.renumbered), (1, true, true));
        assert_eq!(y.take(&f), (1, false));
        assert!(!y.w.is_fresh());
        let lost = y.frame();
        assert_eq!((lost.seq, lost.tag.fresh, lost.tag.renumbered), (1, false, true));
        assert!(x.w.is_fresh());
        x.begin();
        y.begin();
        let f = x.frame();
        assert_eq!((f.ack, f.tag.fresh), (0, true));
        assert_eq!(y.take(&f), (0, false));
        let f = y.frame();
        assert_eq!((f.seq, f.tag.renumbered), (0, true));
        assert_eq!(x.take(&f), (0, true));
        assert_eq!(x.received()[..], [11, 12]);
        assert!(!x.w.is_fresh());
    }

    #[test]
    fn an_answer_lost_with_its_session_leaves_the_end_fresh_and_both_renumber_again() {
        let (x, mut y) = old_pair();
        drop(x);
        let mut x = Side::new();
        for b in [21, 22] {
            x.w.push(msg(b)).unwrap();
        }
        x.begin();
        y.begin();
        // Session 1: X's two messages reach Y (Y numbers afresh at the first), but every
        // answer of Y is lost, and the session fails.
        for _ in 0..2 {
            let f = x.frame();
            assert!(f.tag.fresh);
            assert_eq!(y.take(&f), (0, true));
        }
        let _lost = y.frame();
        assert!(x.w.is_fresh());
        assert_eq!(y.received()[..], [21, 22]);
        // Session 2: X, still fresh, numbers from zero again and Y, seeing it still fresh, does
        // too: X's two messages, which it never saw acknowledged, arrive a second time (delivery
        // is at least once until the first answer after a boot gets back); Y's third message
        // goes at last.
        x.begin();
        y.begin();
        let f = y.frame();
        assert!(!f.tag.renumbered);
        assert_eq!(x.take(&f), (0, false)); // numbered for the old X: ignored
        let f = x.frame();
        assert_eq!((f.seq, f.tag.fresh), (0, true));
        assert_eq!(y.take(&f), (0, true));
        let f = y.frame();
        assert_eq!((f.seq, f.ack, f.tag.renumbered), (0, 1, true));
        assert_eq!(x.take(&f), (1, true));
        assert!(!x.w.is_fresh());
        let f = x.frame();
        assert_eq!((f.seq, f.ack, f.tag.fresh), (1, 1, false));
        assert_eq!(y.take(&f), (1, true));
        let f = y.frame();
        assert_eq!((f.ack, f.payload.is_none()), (2, true));
        assert_eq!(x.take(&f), (1, false));
        assert_eq!(x.received()[..], [13]);
        assert_eq!(y.received()[..], [21, 22]);
        assert_eq!((x.w.tx_len(), y.w.tx_len()), (0, 0));
    }

    #[test]
    fn two_fresh_ends_take_each_others_messages_at_once() {
        // Both boards just booted (the demo's first session): neither ignores the other's first
        // frames, and nothing is sent twice.
        let (mut x, mut y) = (Side::new(), Side::new());
        x.w.push(msg(1)).unwrap();
        y.w.push(msg(2)).unwrap();
        x.begin();
        y.begin();
        let f = x.frame();
        assert_eq!((f.seq, f.tag.fresh, f.tag.renumbered), (0, true, false));
        assert_eq!(y.take(&f), (0, true));
        let f = y.frame();
        assert_eq!((f.seq, f.ack, f.tag.fresh, f.tag.renumbered), (0, 1, true, true));
        assert_eq!(x.take(&f), (1, true));
        assert!(!x.w.is_fresh() && y.w.is_fresh());
        let f = x.frame();
        assert_eq!((f.ack, f.tag.fresh, f.tag.renumbered, f.payload.is_none()), (1, false, true, true));
        assert_eq!(y.take(&f), (1, false));
        assert!(!y.w.is_fresh());
        assert_eq!(x.w.cursor + y.w.cursor, 0, "nothing left to send, nothing to send again");
    }

    /// One board in the random model: its current boot's window and what the checker knows.
    struct Board {
        side: Side,
        boot: u16,
        /// Messages this boot queued (each carries its boot and number).
        pushed: u32,
        /// Times this boot numbered its expectation from zero (at a session's start while fresh,
        /// or at the peer's first `FRESH` of a session): only then may a message come twice.
        epoch: u32,
        /// The last message delivered here: (sender's boot, its number, our boot, our epoch).
        last: Option<(u16, u32, u16, u32)>,
        /// The highest number delivered from the sender's current boot, plus one.
        high: u32,
        repeats: u32,
    }

    impl Board {
        fn new() -> Self {
            Board { side: Side::new(), boot: 0, pushed: 0, epoch: 0, last: None, high: 0, repeats: 0 }
        }

        fn begin(&mut self) {
            if self.side.w.is_fresh() {
                self.epoch += 1;
            }
            self.side.begin();
        }

        /// Takes `f`, then checks and logs every message it delivered.
        fn take(&mut self, f: &F) {
            if f.tag.fresh && !self.side.hs.peer_fresh && !self.side.hs.renumbered_self {
                self.epoch += 1;
            }
            self.side.take(f);
            while let Some(m) = self.side.w.pop_rx() {
                let (from, n) =
                    (u16::from_le_bytes([m[0], m[1]]), u32::from(u16::from_le_bytes([m[2], m[3]])));
                let me = (self.boot, self.epoch);
                match self.last {
                    Some((lf, ln, lb, le)) if lf == from => {
                        if (lb, le) == me {
                            assert_eq!(n, ln + 1, "boot {from}: {ln} then {n} within one epoch");
                        } else {
                            assert!(n <= ln + 1, "boot {from}: a gap, {ln} then {n}");
                            self.repeats += ln + 1 - n;
                        }
                    }
                    Some((lf, ..)) => {
                        assert!(from > lf, "boot {from} after boot {lf}");
                        assert_eq!(n, 0, "boot {from} began at {n}");
                        self.high = 0;
                    }
                    None => assert_eq!(n, 0),
                }
                self.high = self.high.max(n + 1);
                self.last = Some((from, n, self.boot, self.epoch));
            }
        }

        /// Queues the next message of this boot, if there is room.
        fn push(&mut self) {
            if !self.side.w.tx_full() {
                let (b, n) = (self.boot.to_le_bytes(), (self.pushed as u16).to_le_bytes());
                self.side.w.push(Vec::from_slice(&[b[0], b[1], n[0], n[1]]).unwrap()).unwrap();
                self.pushed += 1;
            }
        }

        /// The board loses its memory; `peer` checks that everything acknowledged had arrived.
        fn reboot(&mut self, peer: &Board) {
            let acked = self.pushed - self.side.w.tx_len() as u32;
            let high = match peer.last {
                Some((from, ..)) if from == self.boot => peer.high,
                _ => 0,
            };
            assert!(high >= acked, "boot {}: {acked} acknowledged, {high} arrived", self.boot);
            *self = Board {
                boot: self.boot + 1,
                last: self.last,
                high: self.high,
                repeats: self.repeats,
                ..Board::new()
            };
        }
    }

    /// Sends one frame from `a` to `b` (or loses it), and runs `a`'s retransmission timer.
    fn hop(a: &mut Board, b: &mut Board, lost: bool) {
        let f = a.side.frame();
        if f.payload.is_none() {
            a.side.w.idle_bytes(8, 40);
        }
        if !lost {
            b.take(&f);
        }
    }

    /// Two boards over a channel that loses frames, whose sessions fail and which reboot at
    /// random (rates per million steps; one seed, reproducible): from each boot, messages arrive
    /// in order and without a gap; one arrives twice only at a new boot of the receiver or after
    /// it renumbered; whatever a boot saw acknowledged had arrived when it rebooted; and once the
    /// faults stop, the last boots' messages all arrive and neither end stays fresh. Returns the
    /// reboots and the failed sessions.
    fn random_faults(seed: u64, steps: u32, loss: u64, reboot: u64, failure: u64) -> (u32, u32) {
        let mut rng = seed;
        let mut roll = move |per_million: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % 1_000_000 < per_million
        };
        let (mut x, mut y) = (Board::new(), Board::new());
        x.begin();
        y.begin();
        let (mut reboots, mut failures) = (0, 0);
        for _ in 0..steps {
            if roll(500_000) {
                x.push();
            }
            if roll(500_000) {
                y.push();
            }
            // Either may speak first.
            let (lx, ly) = (roll(loss), roll(loss));
            if roll(500_000) {
                hop(&mut x, &mut y, lx);
                hop(&mut y, &mut x, ly);
            } else {
                hop(&mut y, &mut x, ly);
                hop(&mut x, &mut y, lx);
            }
            let (rx, ry) = (roll(reboot), roll(reboot));
            if rx {
                x.reboot(&y);
            }
            if ry {
                y.reboot(&x);
            }
            if rx || ry || roll(failure) {
                reboots += u32::from(rx) + u32::from(ry);
                failures += 1;
                x.begin();
                y.begin();
            }
        }
        // The faults stop: everything queued arrives, and the handshake settles.
        x.begin();
        y.begin();
        for _ in 0..200 {
            hop(&mut x, &mut y, false);
            hop(&mut y, &mut x, false);
        }
        for (a, b) in [(&x, &y), (&y, &x)] {
            assert_eq!(a.side.w.tx_len(), 0);
            assert!(!a.side.w.is_fresh());
            assert_eq!(b.last.map(|l| l.0), Some(a.boot));
            assert_eq!(b.high, a.pushed);
        }
        // Repeats happen only where a receiver rebooted or renumbered, a queue's worth at most.
        assert!(x.repeats + y.repeats <= 4 * (reboots + failures), "{} {}", x.repeats, y.repeats);
        (reboots, failures)
    }

    #[test]
    fn random_losses_session_failures_and_reboots_keep_each_boots_messages_in_order() {
        // Long boots on a fairly clean line.
        let (reboots, failures) = random_faults(0x9E37_79B9_7F4A_7C15, 1_000_000, 100_000, 300, 2_000);
        assert!(reboots > 400 && failures > 2_000, "{reboots} reboots, {failures} failed sessions");
        // A storm: short sessions, frequent reboots, a frame in three lost. Sequence numbers stay
        // small, so a frame numbered for a board that is gone often looks plausible.
        let (reboots, failures) = random_faults(0xD1B5_4A32_D192_ED03, 1_000_000, 330_000, 20_000, 100_000);
        assert!(reboots > 30_000 && failures > 100_000, "{reboots} reboots, {failures} failed sessions");
    }
}
