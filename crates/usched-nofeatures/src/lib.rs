//! Nothing here: the tests in `tests/` run usched built without `sampling` and `stats`.
//!
//! ```text
//! cd crates/usched-nofeatures && cargo test && cargo test --features std
//! ```
#![no_std]
