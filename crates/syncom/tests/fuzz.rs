//! The frame decoder and the receive path against arbitrary bytes: no panic, and nothing that
//! was not sent is ever accepted.

use proptest::prelude::*;

/// Cases per property: 4,000 by default; `SYNCOM_FUZZ_CASES` sets more (`.ci/run` runs 100,000).
fn cases() -> u32 {
    std::env::var("SYNCOM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(4_000)
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
}
