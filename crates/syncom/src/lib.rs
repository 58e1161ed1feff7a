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
//! - `frame.rs`: postcard header and payload, CRC-32, COBS, and the checks a frame must pass.
//! - `window.rs`: sequence numbers, acknowledgements, go-back-N retransmission, flow control.
//! - `syncom.rs`: the object the application holds (`send`, `recv`, state, counters);
//!   `config.rs`, `counters.rs`, `error.rs`: what their names say.
//!
//! ## Guarantees, and their limits
//!
//! A message accepted by `send` is delivered to the peer's application exactly once and in order,
//! whatever happens on the wires, as long as both `Syncom` objects live: line noise, a stuck or
//! glitching line, a link task stopped and restarted, a peer that stops answering for a while.
//!
//! A board that really loses its RAM loses what was in its own queues, like any program. When
//! the initiator resets the passive board through the reset line (`Config::reset_clears_peer`,
//! on by default), it starts its sequence numbers again with the new peer and sends it every
//! message the old one had not acknowledged: none is lost, and the few the old peer received but
//! had not acknowledged yet reach the new one again (at least once across a reset, exactly once
//! between resets). The initiator resets its peer before every session, so a passive board that
//! reboots on its own (a watchdog, a brown-out) is reset once more when the initiator notices the
//! dead link, and the same holds. Without a reset line nothing tells a rebooted peer from a
//! slow one: if the passive board can lose its RAM, give the initiator a reset line.
//! The same holds the other way, and worse: an initiator that reboots without a reset line
//! starts its numbering again while its peer remembers the old one, so the peer takes its first
//! new messages for repeats and acknowledges them, and they are lost without a trace (known,
//! not fixed: the test `an_initiator_that_reboots_without_a_reset_line_loses_no_new_message`
//! is ignored). With a reset line, the initiator resets its peer at boot and both start afresh.
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
    //! The frame decoder, exposed for the property tests only.

    /// Decodes the bytes between two zero delimiters; true if a frame was accepted. Never
    /// panics, whatever the bytes.
    ///
    /// ```
    /// assert!(!syncom::fuzz::decode(&mut [1, 2, 3]));
    /// ```
    pub fn decode(buf: &mut [u8]) -> bool {
        crate::frame::decode(buf).is_ok()
    }

    /// A data frame's bytes between its delimiters, if it fits 256 bytes.
    ///
    /// ```
    /// let mut f = syncom::fuzz::encode(1, 2, b"hi").unwrap();
    /// assert!(syncom::fuzz::decode(&mut f));
    /// ```
    pub fn encode(seq: u16, ack: u16, payload: &[u8]) -> Option<heapless::Vec<u8, 256>> {
        let f = crate::frame::Frame { kind: crate::frame::Kind::Data, seq, ack, payload };
        let mut buf = [0u8; 256];
        let n = crate::frame::encode(&f, &mut buf)?;
        heapless::Vec::from_slice(buf.get(..n.checked_sub(1)?)?).ok()
    }
}
