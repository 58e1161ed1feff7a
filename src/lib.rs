//! Shared pieces of the demos in `examples/`: each demo is one of the original usched demos,
//! running on the simulated board.
#![forbid(unsafe_code)]
