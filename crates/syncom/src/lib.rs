//! # syncom: serde values between two boards over four GPIO lines
//!
//! A re-imagining of the original MicroPython `syncom`: two boards joined by two clock lines and
//! two data lines (and, optionally, a fifth line from one to the other's reset pin) exchange
//! messages with no UART, no interrupts and no timer. Each end is an ordinary usched task that
//! bit-bangs the lines and yields often, so the rest of the board keeps running.
//!
//! What the original did not do, this does: any `serde` value instead of `repr` text; frames
//! with a CRC instead of NUL-terminated strings, so line noise is detected, counted and dropped
//! instead of delivered; sequence numbers, acknowledgements and retransmission, so that across a
//! peer reset, a stuck or glitching line or a burst of bit errors no message is lost, duplicated
//! or reordered; a supervisor that notices a dead link, resets the peer and resynchronises by
//! itself; bounded queues, with a typed error (or a wait) when full.
//!
//! ```
//! use core::time::Duration;
//! use serde::{Deserialize, Serialize};
//! use syncom::{Config, Pins, Role, Syncom};
//! use usched::Sched;
//! use usched_sim::Board;
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Reading { sensor: u8, value: i32 }
//!
//! // Two simulated boards on one board time, their link pins cross-wired.
//! let a = Board::new();
//! let b = a.peer("B");
//! let pins = |board: &'static Board| {
//!     let p = Pins::new(board.input("ckin", false), board.output("ckout"), board.input("din", false), board.output("dout"));
//!     for pin in [p.ckin, p.ckout, p.din, p.dout] { pin.set_traced(false) }
//!     p
//! };
//! let (pa, pb) = (pins(a), pins(b));
//! pa.ckout.wire_to(&pb.ckin);
//! pa.dout.wire_to(&pb.din);
//! pb.ckout.wire_to(&pa.ckin);
//! pb.dout.wire_to(&pa.din);
//!
//! let link_a: &'static Syncom<64, 8> = Box::leak(Box::new(Syncom::new()));
//! let link_b: &'static Syncom<64, 8> = Box::leak(Box::new(Syncom::new()));
//! let mut cfg = Config::new(Role::Initiator);
//! cfg.poll = Duration::from_micros(10); // on the simulated board, time moves while waiting
//! let s: &'static Sched<4, 1024> = Box::leak(Box::new(Sched::new()));
//! s.spawn(link_a.run(pa, a, cfg)).unwrap();
//! s.spawn(link_b.run(pb, b, Config { role: Role::Passive, ..cfg })).unwrap();
//! s.spawn(async move {
//!     link_a.send(&Reading { sensor: 3, value: -40 }).await.unwrap();
//!     let r: Reading = link_b.recv().await.unwrap();
//!     assert_eq!(r, Reading { sensor: 3, value: -40 });
//!     s.stop_all();
//! }).unwrap();
//! s.run(a);
//! assert_eq!(link_b.counters().delivered, 1);
//! ```
//!
//! ## How it is organised
//!
//! - `wire.rs`: the four lines and the self-timed bit handshake (the slower end sets the pace).
//! - `session.rs`: one session: the sync byte in a sliding window, then bytes, frames, and the
//!   failures that end it (timeouts during sync and data, loss of byte alignment).
//! - `supervisor.rs`: the link task: sessions one after another, the peer reset, the quiet time.
//! - `frame.rs`: postcard header (a tag byte with the kind and the reboot flags, the sequence
//!   number, the acknowledgement) and payload, CRC-32, COBS, and the checks a frame must pass.
//! - `window.rs`: sequence numbers, acknowledgements, go-back-N retransmission, flow control,
//!   and the handshake that renumbers both ways when a board has rebooted.
//! - `syncom.rs`: the object the application holds (`send`, `recv`, state, counters);
//!   `config.rs`, `counters.rs`, `error.rs`: what their names say.
//!
//! ## Guarantees, and their limits
//!
//! A message accepted by `send` is delivered to the peer's application exactly once and in order,
//! whatever happens on the wires, as long as both `Syncom` objects live: line noise, a stuck or
//! glitching line, a link task stopped and restarted, a peer that stops answering for a while.
//!
//! A board that really loses its RAM (a reset, a watchdog, a brown-out) loses what was in its
//! own queues, like any program, and comes back with a new `Syncom` whose numbering starts at
//! zero while its peer remembers the old one. It says so: until its peer has answered, every
//! frame it sends carries a *fresh* flag (a bit in the frame's tag byte, no extra byte on the
//! wire). A peer that sees the flag starts its numbering afresh too, both ways, sends the new
//! board every message the old one had not acknowledged, and marks its frames to say it has
//! renumbered; the fresh end ignores the acknowledgements and messages of frames that do not,
//! since they were numbered for the board it replaced. So across a reboot of either end, with
//! or without a reset line, and of both at once, no message sent after the reboot is lost,
//! and the messages in flight at the reboot (those the old board received but had not yet
//! acknowledged) reach the new one at least once; between reboots delivery stays exactly once
//! and in order. The flag is repeated on every frame until an answer gets through, so an
//! announcement lost to line noise costs a frame, not a message; if the first session after a
//! boot fails before the answer arrives, the messages delivered in it, either way, may arrive
//! twice. No random number, no boot counter in flash: one bit per frame, for as long as it
//! takes. (It relies on both ends starting and ending their sessions together, which the quiet
//! times see to: give both ends the same `quiet` and `bit_timeout`.)
//! (The reset line is still useful: it restarts a peer that hangs. It is no longer needed to
//! keep the numbering right, and [`Config::reset_clears_peer`] no longer does anything.)
//!
//! ## Bad input
//!
//! What syncom answers to each bad input a program or the wire can hand it; each row is a test of
//! the same name in `tests/bad_input.rs`. None is a panic.
//!
//! | bad input | answer | test |
//! |---|---|---|
//! | a message whose encoding exceeds [`Syncom::MAX_MESSAGE`] | [`SendError::TooLarge`]; nothing queued | `message_larger_than_a_frame` |
//! | a send into a full queue (`Q` unacknowledged) | [`SendError::Full`] from `try_send` (`send` waits); the queue unchanged | `send_queue_full` |
//! | a value whose `Serialize` fails | [`SendError::Encode`]; nothing queued | `message_that_cannot_be_serialised` |
//! | a receive with nothing received | `None` | `nothing_received_yet` |
//! | a message received as another type | [`DecodeError`] from `try_recv_checked` (`None` from `try_recv`), the message taken; but postcard is not self-describing, so bytes that parse as the asked type are that value | `message_of_another_type` |
//! | malformed frames on the wire (bad COBS, short, long, bit flips, random bytes) | refused by the decoder, never delivered (over a link they are counted and the frame is sent again: `tests/link.rs`; any bytes: `tests/fuzz.rs`) | `malformed_frames` |
//! | a frame payload past 256 bytes to the encoder | refused (`None`) | `oversize_payload_for_the_frame_encoder` |
//! | `Syncom<N, Q>` with `N` < 18 or `Q` > 16384 | compile error naming the limit | `frame_or_queue_constants_out_of_range_do_not_compile` |
//!
//! ## Dependencies, and why
//!
//! - `embedded-hal` 1.0: the pins, so any HAL's GPIO works.
//! - `serde` and `postcard`: any serde value, in a compact, `no_std`, allocation-free encoding;
//!   postcard's COBS and CRC flavors frame it.
//! - `crc` (the CRC-32 postcard's flavor computes) and `cobs` (to undo COBS in place on
//!   receipt, which postcard itself does only for whole buffers it deserialises).
//! - `heapless`: the bounded queues and buffers, sized by const generics, no allocator.
//! - `usched`: `yield_now`, `sleep` and `Signal`: the link is a task like any other.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod counters;
mod error;
mod frame;
mod session;
mod supervisor;
mod syncom;
mod window;
mod wire;

pub use config::{Config, Role};
pub use counters::{Counters, LinkState};
pub use error::{DecodeError, SendError};
pub use syncom::Syncom;
pub use wire::{NoReset, Pins};

#[doc(hidden)]
pub mod fuzz {
    //! The frame decoder and the receive path, exposed for the property tests only.

    use crate::frame::{self, Frame, Tag};

    /// Decodes the bytes between two zero delimiters; true if a frame was accepted. Never
    /// panics, whatever the bytes.
    ///
    /// ```
    /// assert!(!syncom::fuzz::decode(&mut [1, 2, 3]));
    /// ```
    pub fn decode(buf: &mut [u8]) -> bool {
        frame::decode(buf).is_ok()
    }

    /// A data frame's bytes between its delimiters, if it fits 256 bytes.
    ///
    /// ```
    /// let mut f = syncom::fuzz::encode(1, 2, b"hi").unwrap();
    /// assert!(syncom::fuzz::decode(&mut f));
    /// ```
    pub fn encode(seq: u16, ack: u16, payload: &[u8]) -> Option<heapless::Vec<u8, 256>> {
        encode_tagged(0, seq, ack, payload)
    }

    /// A frame with the tag byte `tag` (its kind in the low two bits, then the reboot flags),
    /// its bytes between its delimiters; `None` if the tag is not one a frame can carry or the
    /// frame does not fit 256 bytes.
    ///
    /// ```
    /// assert!(syncom::fuzz::encode_tagged(0b0101, 0, 0, &[]).is_some()); // a fresh end's ack
    /// assert!(syncom::fuzz::encode_tagged(3, 0, 0, &[]).is_none()); // no such kind
    /// ```
    pub fn encode_tagged(tag: u8, seq: u16, ack: u16, payload: &[u8]) -> Option<heapless::Vec<u8, 256>> {
        let f = Frame { tag: Tag::from_byte(tag)?, seq, ack, payload };
        let mut buf = [0u8; 256];
        let n = frame::encode(&f, &mut buf)?;
        heapless::Vec::from_slice(buf.get(..n.checked_sub(1)?)?).ok()
    }

    /// Feeds `bytes` to the receive path of a new link end (frames of up to 64 bytes, 4 queued
    /// each way) as if they followed the sync byte of a session: bytes into frames, frames
    /// decoded and checked, the reboot flags, acknowledgements, delivery. Before them the end
    /// has queued and sent `sent` messages (at most 4), so that acknowledgements can take some.
    /// Calls `delivered` with each message handed to the application, in order (it is taken
    /// from the queue at once, so the queue never fills). Returns the good frames, the refused
    /// ones, and the messages the bytes acknowledged. Never panics, whatever the bytes.
    ///
    /// ```
    /// let mut wire = syncom::fuzz::encode_tagged(0b0100, 0, 0, b"\x05").unwrap().to_vec();
    /// wire.push(0);
    /// let mut got = Vec::new();
    /// assert_eq!(syncom::fuzz::receive(&wire, 0, |m| got.push(m.to_vec())), (1, 0, 0));
    /// assert_eq!(got, [[5]]);
    /// ```
    pub fn receive(bytes: &[u8], sent: u8, mut delivered: impl FnMut(&[u8])) -> (u32, u32, u32) {
        let link: crate::Syncom<64, 4> = crate::Syncom::new();
        let mut hs = {
            let mut w = link.window.borrow_mut();
            for n in 0..sent.min(4) {
                let _ = w.push(heapless::Vec::from_slice(&[n]).unwrap_or_default());
            }
            let hs = w.begin_session();
            for _ in 0..sent.min(4) {
                let _ = w.next_data();
            }
            hs
        };
        let mut rx = crate::session::Receiver::<64>::new(u32::MAX);
        for &b in bytes {
            let _ = rx.on_byte(&link, &mut hs, b);
            while let Some(m) = link.window.borrow_mut().pop_rx() {
                delivered(&m);
            }
        }
        let c = link.counters();
        (c.frames_received, c.crc_errors, c.acknowledged)
    }
}
