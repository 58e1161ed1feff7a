//! Frames: what travels between two zero bytes on the wire.
//!
//! The original ended each message with a NUL, so a message could not contain one, and nothing
//! told a damaged message from a good one. Here a frame is a small postcard-encoded header and the
//! message's own postcard bytes, followed by a CRC-32 of both, and the whole thing COBS-encoded:
//! COBS removes every zero byte from the inside of a frame, so a single zero byte is an
//! unambiguous delimiter, and a receiver that lost its place resumes at the next zero. A frame
//! whose COBS, CRC or header does not check out is refused as a whole: the caller counts it and
//! drops it. Nothing in this module panics on any input (a property test feeds it noise).
//!
//! The header carries the reliable-delivery fields (see `window.rs`): the frame's kind, its
//! sequence number and the cumulative acknowledgement of the sender.

use postcard::ser_flavors::{crc::CrcModifier, Cobs, Slice};
use serde::{Deserialize, Serialize};

/// The CRC: CRC-32 (ISO-HDLC, the common "CRC-32"). Every single-bit and double-bit error in a
/// frame of our sizes is caught; random damage slips through once in four billion frames.
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// The worst-case bytes a frame adds to its payload before COBS: kind (1), sequence and
/// acknowledgement (3 each as varints), the payload length (up to 5 as a varint), the CRC (4).
const HEADER_MAX: usize = 1 + 3 + 3 + 5 + 4;

/// What a frame is for.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Carries one message: `seq` is its sequence number.
    Data,
    /// Carries only the acknowledgement (also the keep-alive of an idle link).
    Ack,
    /// An acknowledgement that also says a message after a gap arrived: go back to `ack`.
    Nak,
}

/// A decoded frame, borrowing its payload from the receive buffer.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub(crate) struct Frame<'a> {
    pub(crate) kind: Kind,
    /// The message's sequence number (data frames; zero in acks).
    pub(crate) seq: u16,
    /// The sequence number the sender expects next from us: everything before it arrived.
    pub(crate) ack: u16,
    /// The message, as postcard bytes.
    #[serde(borrow)]
    pub(crate) payload: &'a [u8],
}

/// The most bytes a frame with a payload of `payload` bytes can take on the wire, delimiter
/// included. Used to refuse, at `send`, a message that could not fit the frame buffer.
///
/// COBS adds one byte per 254 bytes of input, and one more at the start.
pub(crate) const fn wire_len_max(payload: usize) -> usize {
    let raw = payload + HEADER_MAX;
    raw + raw / 254 + 1 + 1
}

/// Encodes `frame` into `buf` as wire bytes (COBS, CRC, and the final zero). Returns the length,
/// or `None` if it does not fit.
pub(crate) fn encode(frame: &Frame<'_>, buf: &mut [u8]) -> Option<usize> {
    let cobs = Cobs::try_new(Slice::new(buf)).ok()?;
    let flavor = CrcModifier::new(cobs, CRC.digest());
    postcard::serialize_with_flavor::<_, _, &mut [u8]>(frame, flavor).ok().map(|s| s.len())
}

/// Why a received frame was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The COBS encoding was broken (a zero where a code byte pointed, or a truncated block).
    Cobs,
    /// The CRC did not match, the header did not decode, or bytes followed the CRC.
    Check,
}

/// Decodes one frame from the bytes between two zero delimiters (`buf` holds no zero byte).
/// COBS is undone in place, so `buf` is overwritten; the frame borrows its payload from it.
pub(crate) fn decode(buf: &mut [u8]) -> Result<Frame<'_>, Refused> {
    let n = cobs::decode_in_place(buf).map_err(|_| Refused::Cobs)?;
    let raw = buf.get(..n).ok_or(Refused::Cobs)?;
    match postcard::take_from_bytes_crc32::<Frame<'_>>(raw, CRC.digest()) {
        Ok((frame, [])) => Ok(frame),
        _ => Err(Refused::Check),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_no_inner_zero() {
        let payload = [0u8, 1, 0, 2, 0, 0, 255];
        let f = Frame { kind: Kind::Data, seq: 65_535, ack: 300, payload: &payload };
        let mut buf = [0u8; 64];
        let n = encode(&f, &mut buf).unwrap();
        assert!(n <= wire_len_max(payload.len()));
        assert_eq!(buf[n - 1], 0);
        assert!(buf[..n - 1].iter().all(|&b| b != 0));
        let mut inner = buf[..n - 1].to_vec();
        assert_eq!(decode(&mut inner).unwrap(), f);
    }

    #[test]
    fn every_single_bit_flip_is_refused() {
        let f = Frame { kind: Kind::Ack, seq: 0, ack: 7, payload: &[] };
        let mut buf = [0u8; 32];
        let n = encode(&f, &mut buf).unwrap() - 1;
        for bit in 0..n * 8 {
            let mut b = buf[..n].to_vec();
            b[bit / 8] ^= 1 << (bit % 8);
            if b.contains(&0) {
                continue; // a zero is a delimiter: the receiver sees two short frames instead
            }
            assert!(decode(&mut b).is_err(), "flip of bit {bit} passed");
        }
    }

    #[test]
    fn too_small_a_buffer_is_none() {
        let f = Frame { kind: Kind::Data, seq: 1, ack: 1, payload: &[1; 40] };
        assert_eq!(encode(&f, &mut [0u8; 20]), None);
    }

    #[test]
    fn wire_len_max_bounds_every_frame() {
        let mut buf = [0u8; 4200];
        for len in (0..1100usize).chain(3990..4000) {
            for fill in [0u8, 0xFF] {
                let payload = [fill; 4000];
                let f = Frame { kind: Kind::Nak, seq: u16::MAX, ack: u16::MAX, payload: &payload[..len] };
                let n = encode(&f, &mut buf).unwrap();
                assert!(n <= wire_len_max(len), "payload {len} x {fill:#x}: {n} > {}", wire_len_max(len));
                // And it fits a buffer of exactly that size.
                assert!(encode(&f, &mut buf[..wire_len_max(len)]).is_some(), "payload {len} x {fill:#x}");
            }
        }
    }
}
