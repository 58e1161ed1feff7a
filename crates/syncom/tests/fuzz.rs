//! Property tests ("fuzzing" on a stable toolchain; cargo-fuzz needs nightly) of what the wire
//! can throw at a link end: the frame decoder alone, and the whole receive path (bytes into
//! frames, frames checked, the reboot flags, acknowledgements, delivery) of a link end that has
//! sent a few messages. What they show: no input makes either panic; a good frame with a few
//! bytes changed is refused; and the receive path delivers nothing that was not a data frame
//! it was sent, and a run of good frames exactly. What they do not: that random bytes can never
//! pass the CRC-32 (they can, once in about four billion frames: the CRC makes this rare, not
//! impossible), nor anything of the bit level (the handshake, the sync byte, slipped bits),
//! which the two-board tests in `link.rs` cover.

use proptest::prelude::*;

/// Cases per property: 4,000 by default; `SYNCOM_FUZZ_CASES` sets more (`.ci/run` runs 100,000).
fn cases() -> u32 {
    std::env::var("SYNCOM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(4_000)
}

/// A frame's wire bytes with its final zero.
fn wire(tag: u8, seq: u16, ack: u16, payload: &[u8]) -> Vec<u8> {
    let mut w = syncom::fuzz::encode_tagged(tag, seq, ack, payload).expect("fits").to_vec();
    w.push(0);
    w
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Arbitrary bytes between two delimiters: never a panic.
    #[test]
    fn decoder_never_panics(mut bytes in proptest::collection::vec(1u8..=255, 0..300)) {
        let _ = syncom::fuzz::decode(&mut bytes);
    }

    /// Arbitrary bytes, zeros included, as a receiver would split them: never a panic.
    #[test]
    fn decoder_never_panics_on_any_split(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        for chunk in bytes.split(|&b| b == 0) {
            let _ = syncom::fuzz::decode(&mut chunk.to_vec());
        }
    }

    /// A good frame with bytes changed (none made zero): refused, or identical to the original
    /// (a change that the CRC cannot see would have to hit 1 in 2^32).
    #[test]
    fn damaged_frames_are_refused(
        payload in proptest::collection::vec(any::<u8>(), 0..40),
        seq in any::<u16>(),
        ack in any::<u16>(),
        damage in proptest::collection::vec((any::<usize>(), 1u8..=255), 1..4),
    ) {
        let mut wire = syncom::fuzz::encode(seq, ack, &payload).expect("fits");
        let clean = wire.clone();
        let len = wire.len();
        for (at, x) in damage {
            let i = at % len;
            let b = wire[i] ^ x;
            if b != 0 {
                wire[i] = b;
            }
        }
        let accepted = syncom::fuzz::decode(&mut wire.clone());
        prop_assert!(!accepted || wire == clean);
    }

    /// Arbitrary bytes into the receive path of an end with messages in flight: never a panic,
    /// and (short of the one-in-2^32 CRC collision) nothing delivered or acknowledged.
    #[test]
    fn the_receive_path_never_panics_on_noise(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        sent in 0u8..=4,
    ) {
        let mut delivered = 0;
        let (good, _, acked) = syncom::fuzz::receive(&bytes, sent, |_| delivered += 1);
        prop_assert_eq!((good, delivered, acked), (0, 0, 0));
    }

    /// Good frames of every kind, flag and number, mixed with noise and damaged copies: never a
    /// panic; every message delivered is the payload of a data frame that was sent, delivered
    /// no more often than it was sent; acknowledgements never take more than was sent.
    #[test]
    fn the_receive_path_delivers_only_what_was_framed(
        frames in proptest::collection::vec(
            (0u8..16, 0u16..6, 0u16..6, proptest::collection::vec(any::<u8>(), 0..8),
             proptest::collection::vec(any::<u8>(), 0..12), any::<bool>()),
            0..24),
        sent in 0u8..=4,
    ) {
        let mut bytes = Vec::new();
        let mut data = Vec::new();
        for (tag, seq, ack, payload, noise, damaged) in &frames {
            let Some(f) = syncom::fuzz::encode_tagged(*tag, *seq, *ack, payload) else { continue };
            let mut f = f.to_vec();
            if *damaged {
                let i = usize::from(*seq) % f.len();
                f[i] = f[i].wrapping_add(1).max(1);
            } else if tag & 3 == 0 {
                data.push(payload.clone());
            }
            bytes.extend_from_slice(&f);
            bytes.push(0);
            bytes.extend_from_slice(noise);
            bytes.push(0);
        }
        let mut got: Vec<Vec<u8>> = Vec::new();
        let (_, _, acked) = syncom::fuzz::receive(&bytes, sent, |m| got.push(m.to_vec()));
        for m in &got {
            let times_sent = data.iter().filter(|d| *d == m).count();
            let times_got = got.iter().filter(|g| *g == m).count();
            prop_assert!(times_got <= times_sent, "{:?} delivered {} times, sent {}", m, times_got, times_sent);
        }
        prop_assert!(acked <= u32::from(sent));
    }

    /// A fresh peer's data frames numbered 0, 1, 2, ... with noise between them: every one
    /// delivered, once, in order.
    #[test]
    fn the_receive_path_delivers_a_run_of_good_frames_exactly(
        payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 0..12),
        noise in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..16), 12),
    ) {
        let mut bytes = Vec::new();
        for (n, (p, noise)) in payloads.iter().zip(&noise).enumerate() {
            bytes.extend(wire(0b0100, n as u16, 0, p));
            bytes.extend_from_slice(noise);
            bytes.push(0); // whatever the noise was, the next frame starts after a zero
        }
        let mut got: Vec<Vec<u8>> = Vec::new();
        let (good, _, _) = syncom::fuzz::receive(&bytes, 0, |m| got.push(m.to_vec()));
        prop_assert!(good >= payloads.len() as u32);
        prop_assert_eq!(got, payloads);
    }
}
