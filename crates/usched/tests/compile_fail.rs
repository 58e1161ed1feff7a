//! A1: a future larger than its slot is a compile-time error, not a runtime surprise.
//!
//! The check is a `const` assertion evaluated when `spawn` is instantiated, so it shows up when
//! the code is built (not by `cargo check`). This test builds a tiny crate and expects the error.

mod common;

use common::build_program;

#[test]
fn oversized_future_does_not_compile_but_one_that_fits_does() {
    let program = |slot: usize| {
        format!(
            "fn main() {{\n\
             let s: &'static usched::Sched<2, {slot}> = Box::leak(Box::new(usched::Sched::new()));\n\
             let big = [0u8; 64];\n\
             let _ = s.spawn(async move {{ drop(big); }});\n}}\n"
        )
    };
    let (ok, err) = build_program("cf", &program(16));
    assert!(!ok, "a 64-byte future spawned into 16-byte slots compiled");
    assert!(err.contains("future too large for its slot"), "{err}");
    let (ok, err) = build_program("cf", &program(128));
    assert!(ok, "{err}");
}
