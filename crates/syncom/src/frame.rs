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
//! The header carries the reliable-delivery fields (see `window.rs`): a tag byte (the frame's
//! kind and two flags of the reboot handshake), its sequence number and the cumulative
//! acknowledgement of the sender.
//!
//! The tag is one byte: the kind in its low two bits (data 0, ack 1, nak 2), `FRESH` in bit 2
//! (the sender has booted and its peer has not yet confirmed that it numbers afresh for it) and
//! `RENUMBERED` in bit 3 (the sender has seen its peer's `FRESH` in this session and numbers
//! both directions from zero for it). Any other bit set refuses the frame. A frame with neither
//! flag is byte for byte what it was before the flags existed, and a flag costs no wire byte.

use postcard::ser_flavors::{crc::CrcModifier, Cobs, Slice};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// The CRC: CRC-32 (ISO-HDLC, the common "CRC-32"). Every single-bit and double-bit error in a
/// frame of our sizes is caught; random damage slips through once in four billion frames.
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// The worst-case bytes a frame adds to its payload before COBS: tag (1), sequence and
/// acknowledgement (3 each as varints), the payload length (up to 5 as a varint), the CRC (4).
const HEADER_MAX: usize = 1 + 3 + 3 + 5 + 4;

/// What a frame is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Carries one message: `seq` is its sequence number.
    Data,
    /// Carries only the acknowledgement (also the keep-alive of an idle link).
    Ack,
    /// An acknowledgement that also says a message after a gap arrived: go back to `ack`.
    Nak,
}

/// The first byte of a frame: its kind and the reboot handshake's flags (see `window.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag {
    pub(crate) kind: Kind,
    /// The sender has booted and has not yet heard its peer confirm that it renumbered for it.
    pub(crate) fresh: bool,
    /// The sender saw its peer's `fresh` in this session and numbers both ways from zero for it.
    pub(crate) renumbered: bool,
}

const TAG_FRESH: u8 = 1 << 2;
const TAG_RENUMBERED: u8 = 1 << 3;

impl Tag {
    /// A tag with neither flag.
    #[cfg(test)]
    pub(crate) const fn plain(kind: Kind) -> Self {
        Tag { kind, fresh: false, renumbered: false }
    }

    const fn to_byte(self) -> u8 {
        let kind = match self.kind {
            Kind::Data => 0,
            Kind::Ack => 1,
            Kind::Nak => 2,
        };
        kind | if self.fresh { TAG_FRESH } else { 0 } | if self.renumbered { TAG_RENUMBERED } else { 0 }
    }

    /// The tag a byte stands for, if any: an unknown kind or bit is `None`.
    pub(crate) const fn from_byte(b: u8) -> Option<Self> {
        let kind = match b & 0b11 {
            0 => Kind::Data,
            1 => Kind::Ack,
            2 => Kind::Nak,
            _ => return None,
        };
        if b & !(0b11 | TAG_FRESH | TAG_RENUMBERED) != 0 {
            return None;
        }
        Some(Tag { kind, fresh: b & TAG_FRESH != 0, renumbered: b & TAG_RENUMBERED != 0 })
    }
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.to_byte())
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let b = u8::deserialize(d)?;
        Tag::from_byte(b).ok_or_else(|| de::Error::custom("syncom: unknown frame tag"))
    }
}

/// A decoded frame, borrowing its payload from the receive buffer.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub(crate) struct Frame<'a> {
    pub(crate) tag: Tag,
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
        let f = Frame { tag: Tag::plain(Kind::Data), seq: 65_535, ack: 300, payload: &payload };
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
        let f = Frame { tag: Tag::plain(Kind::Ack), seq: 0, ack: 7, payload: &[] };
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
    fn a_tag_without_flags_is_the_byte_the_kind_alone_was() {
        // Before the flags the kind was a postcard enum: its index as one varint byte. A frame
        // with neither flag is therefore unchanged on the wire, byte for byte.
        let mut buf = [0u8; 4];
        for (kind, byte) in [(Kind::Data, 0u8), (Kind::Ack, 1), (Kind::Nak, 2)] {
            assert_eq!(postcard::to_slice(&Tag::plain(kind), &mut buf).unwrap(), &[byte]);
            let fresh = Tag { kind, fresh: true, renumbered: false };
            assert_eq!(postcard::to_slice(&fresh, &mut buf).unwrap(), &[byte | 4]);
            let both = Tag { kind, fresh: true, renumbered: true };
            assert_eq!(postcard::to_slice(&both, &mut buf).unwrap(), &[byte | 12]);
        }
    }

    #[test]
    fn every_tag_byte_is_a_known_tag_or_refused() {
        let mut known = 0;
        for b in 0..=255u8 {
            match postcard::from_bytes::<Tag>(&[b]) {
                Ok(t) => {
                    known += 1;
                    assert_eq!(t.to_byte(), b);
                }
                Err(_) => assert!(b & 3 == 3 || b & 0xF0 != 0, "{b:#x} refused"),
            }
        }
        assert_eq!(known, 12); // three kinds, four flag combinations
    }

    #[test]
    fn too_small_a_buffer_is_none() {
        let f = Frame { tag: Tag::plain(Kind::Data), seq: 1, ack: 1, payload: &[1; 40] };
        assert_eq!(encode(&f, &mut [0u8; 20]), None);
    }

    #[test]
    fn wire_len_max_bounds_every_frame() {
        let mut buf = [0u8; 4200];
        for len in (0..1100usize).chain(3990..4000) {
            for fill in [0u8, 0xFF] {
                let payload = [fill; 4000];
                let f = Frame {
                    tag: Tag { kind: Kind::Nak, fresh: true, renumbered: true },
                    seq: u16::MAX,
                    ack: u16::MAX,
                    payload: &payload[..len],
                };
                let n = encode(&f, &mut buf).unwrap();
                assert!(n <= wire_len_max(len), "payload {len} x {fill:#x}: {n} > {}", wire_len_max(len));
                // And it fits a buffer of exactly that size.
                assert!(encode(&f, &mut buf[..wire_len_max(len)]).is_some(), "payload {len} x {fill:#x}");
            }
        }
    }
}
