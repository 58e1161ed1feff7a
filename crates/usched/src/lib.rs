//! # usched: a cooperative scheduler for microcontrollers
//!
//! A re-imagining of Peter Hinch's MicroPython `usched` in `no_std`, allocation-free Rust. Tasks are
//! `async` blocks and functions kept in fixed slots; each `.await` on one of the waits below is
//! the original's `yield`, and like the original it tells the task why it resumed:
//!
//! | original                      | here                                             |
//! |-------------------------------|--------------------------------------------------|
//! | `yield`                       | [`yield_now()`]`.await`                          |
//! | `r = yield 0.2`; `r[2]`       | `let late = `[`sleep`]`(Duration::from_millis(200)).await` |
//! | `yield from wait(2000)`       | the same [`sleep`]: 64-bit µs time, no 536 s ceiling |
//! | `yield wf()` (Poller)         | [`Poller::wait`] → [`PollResult`]                |
//! | `yield pinblock()`            | [`IrqLine::wait`] → [`IrqResult`]                |
//! | `Timeout` object              | [`timeout`], [`Deadline`]                        |
//! | `add_thread(gen)` → pid       | [`Sched::spawn`] → `Result<`[`TaskId`]`, `[`SpawnError`]`>` |
//! | `pause/resume/stop/status`    | [`Sched::pause`], [`Sched::resume`], [`Sched::stop`], [`Sched::status`] |
//! | `stop()`                      | [`Sched::stop_all`]                              |
//! | `yield from subthread()`      | `subtask().await`, or [`Sched::join`]            |
//! | `instrument.py`               | [`Sched::task_stats`]                            |
//! | `Sched(heartbeat=1)`          | `spawn(`[`heartbeat`]`(led, HEARTBEAT_PERIOD))`  |
//!
//! ```
//! use core::time::Duration;
//! use usched::{sleep, Sched};
//! use usched_sim::SimClock;
//!
//! static CLOCK: SimClock = SimClock::new(); // simulated time: runs instantly, exactly
//! let sched: &'static Sched<5, 256> = Box::leak(Box::new(Sched::new()));
//!
//! async fn toggle(led: usize, period: Duration) {
//!     loop {
//!         sleep(period).await;
//!         println!("LED {led} toggles at {} us", CLOCK.now().as_micros());
//!     }
//! }
//! for x in 0..4 {
//!     sched.spawn(toggle(x, Duration::from_millis(200 + 500 * x as u64))).unwrap();
//! }
//! sched.spawn(async move {
//!     sleep(Duration::from_secs(10)).await; // commit suicide after 10 s
//!     sched.stop_all();
//! }).unwrap();
//! sched.run(&CLOCK);
//! assert_eq!(CLOCK.now().as_micros(), 10_000_000);
//! ```
//!
//! ## Which task runs next
//!
//! Highest first: interrupt waiters with pending signals (more signals first), pollers with an event
//! (larger value first), expired deadlines (most overdue first), then round-robin tasks in strict
//! FIFO order. Ties go to the task spawned earlier. Higher classes can run many times in a row, so a
//! poller that is always ready, or a zero sleep in a loop, starves round-robin tasks: add a
//! [`yield_now`] to such loops. When nothing is ready and no poller waits, the scheduler asks its
//! [`Clock`] to sleep until the next deadline; wakers and interrupt lines end that sleep early.
//!
//! ## Dependencies, and why
//!
//! - `critical-section`: the one portable way to guard the wakers an interrupt line keeps, and the
//!   program-wide spawn serial, in interrupt handlers on a chip and across threads on a host.
//!   A program links one implementation, as every embedded program using the crate does: the
//!   `std` feature brings the host's; on a chip, for example `cortex-m`'s
//!   `critical-section-single-core` feature.
//! - `portable-atomic`: atomic read-modify-write on chips without it (Cortex-M0, `thumbv6m`), so
//!   wakes from interrupt handlers (a compare-and-swap onto the wake stack) work there too; on
//!   other targets it is the plain core atomic.
//! - `embedded-hal`: the ecosystem's pin traits, so the [`heartbeat`] drives any board's pin.
//!
//! ## Features
//!
//! - `stats` (default): per-task statistics ([`Sched::task_stats`]).
//! - `sampling` (default): [`Poller`] and [`IrqLine`], the waits the scheduler samples on every
//!   pass. A program that uses neither can leave it out (`default-features = false`) and links
//!   none of the sampling code and keeps no sampled list: about 1 KB less flash and 32 bytes less
//!   RAM on Cortex-M.
//! - `std`: [`StdClock`], and waking a scheduler parked on a host thread from other threads.
//! - `critical-section-atomics` (default): on targets without atomic compare-and-swap
//!   (`thumbv6m`, `riscv32imc`) the atomics fall back to `critical-section` (portable-atomic's
//!   `critical-section` feature); a program that picks another fallback, such as esp-hal's
//!   `unsafe-assume-single-core`, turns default features off and leaves this one out, and on
//!   other targets it changes nothing.
//! - `defmt`: `defmt::Format` for the public data types (results, errors, ids, states,
//!   statistics), for programs that log with defmt.
//!
//! Which configuration costs what (flash and RAM of a two-task program on Cortex-M4) is in
//! `BENCHMARKS.md`.
//!
//! ## Safety
//!
//! All `unsafe` code lives in one private module (`raw`: type-erased task slots and the waker),
//! one operation per block, each with its argument (lints enforce both); the rest of the crate
//! denies `unsafe`. The slot storage checks its own contract (a slot's vtable and bytes change
//! together, only there; a slot being polled refuses a second poll or a drop), so no safe
//! function depends on a caller elsewhere for soundness.
//!
//! ## Panics
//!
//! On a chip, the panic handler you link decides what a panic does (halt, reset, log and loop);
//! the scheduler never sees it. On a host with `panic = "unwind"`, a panic in a task's poll, in a
//! poller callback, in a destructor or in the idle hook leaves [`Sched::run`], and may be caught
//! with `std::panic::catch_unwind`. The scheduler is then still sound and usable:
//!
//! - the task whose poll panicked has ended ([`Status::Finished`] at once); the next `run` drops what
//!   is left of its future, frees its slot and wakes its joiners, then goes on with the others;
//! - a destructor that panics (in [`Sched::stop`] or in the final drops) still frees its slot, so the
//!   task is not counted as alive for ever;
//! - `run` can be called again (it does not answer [`RunEnd::AlreadyRunning`]), `spawn` does not
//!   answer [`SpawnError::Stopping`]; a panic in the final drops leaves the next `run` to finish
//!   them and return the end the interrupted run had reached.
//!
//! ```
//! use usched::{yield_now, RunEnd, Sched, Status};
//! use usched_sim::SimClock;
//! static CLOCK: SimClock = SimClock::new();
//! let s: &'static Sched<2, 128> = Box::leak(Box::new(Sched::new()));
//! let bad = s.spawn(async { yield_now().await; panic!("oops") }).unwrap();
//! s.spawn(async { for _ in 0..3 { yield_now().await } }).unwrap();
//! let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.run(&CLOCK)));
//! assert!(caught.is_err());
//! assert_eq!(s.status(bad), Status::Finished);
//! assert_eq!(s.run(&CLOCK), RunEnd::Finished); // the other task carries on
//! ```
//!
//! ## Bad input
//!
//! What the core answers to each misuse a program can reach. Each row is a test of the same name
//! in `tests/bad_input.rs` (the oversized future: `tests/compile_fail.rs`); none is a panic except
//! the last block, and none leaves the scheduler changed beyond what the row says.
//!
//! | bad input | answer | test |
//! |---|---|---|
//! | an id of a finished task | [`Status::Finished`]; `pause`, `resume`, `stop`, `task_stats`: [`TaskError::Finished`]; `join` resolves at once | `finished_task_id` |
//! | an id of a stopped task | the same | `stopped_task_id` |
//! | a stale id (its slot holds a newer task) | the same; the newer task is untouched | `stale_task_id_of_a_reused_slot` |
//! | an id from another scheduler (any index, even past `N`) | the same | `task_id_of_another_scheduler` |
//! | `spawn` into a full pool, outside or inside a task | [`SpawnError::Full`]; the refused future is dropped; nothing else changes | `full_pool` |
//! | `spawn` from a destructor during `run`'s final drops | [`SpawnError::Stopping`]; spawning works again after the run | `spawn_from_a_destructor_during_the_final_drops` |
//! | a future larger than `SLOT` | compile error "future too large for its slot" | `oversized_future_does_not_compile_but_one_that_fits_does` |
//! | a future aligned to more than 16 bytes | compile error | `zero_or_too_many_slots_and_overaligned_futures` |
//! | `Sched<0, _>` or more than 16384 slots | compile error | `zero_or_too_many_slots_and_overaligned_futures` |
//! | zero durations: `sleep`, `timeout`, `wait_timeout`, `Poller::with_timeout`, `set_poll_interval` | due at once: the sleep returns zero lateness, the timeout elapses unless its future is ready at the first poll, the waits time out, pollers are sampled every pass | `zero_durations` |
//! | overflowing durations and instants (`Duration::MAX`, `Instant::MAX`) | saturate at [`Instant::MAX`]: a wait that never ends (until stopped), a timeout that never fires, a poll interval that only the next deadline cuts short | `overflowing_durations` |
//! | more than `u32::MAX` interrupt signals before a wait takes them | the count saturates at `u32::MAX` | `irq_signal_count_overflow` |
//! | a task joining itself | it waits until stopped; alone, `run` ends with [`RunEnd::Stalled`] on a clock nothing outside can wake | `join_of_self` |
//! | `run` from inside one of its own tasks | [`RunEnd::AlreadyRunning`] at once; nothing else happens | `run_from_inside_a_task` |
//! | `stop_all` while no run is going | no effect on the next run | `stop_all_outside_a_run` |
//! | `pause` of a paused task, `resume` of a running one, control calls outside `run` | `Ok(())`, no change | `control_calls_when_no_run_is_going` |
//! | `sleep` polled outside a usched task (no scheduler runs on this thread) | documented panic naming the wait | `sleep_awaited_outside_a_task` |
//! | `timeout` polled outside a usched task | documented panic naming the wait | `timeout_awaited_outside_a_task` |
//! | `Poller::wait` polled outside a usched task | documented panic naming the wait | `poller_awaited_outside_a_task` |
//! | `IrqLine::wait_timeout` polled outside a usched task | documented panic naming the wait | `irq_wait_timeout_awaited_outside_a_task` |
//! | `IrqLine::wait`, `Signal::wait`, `yield_now`, `join` polled outside a task | plain futures: no panic | `waits_that_work_outside_a_task` |
//!
//! Misuse in combination (control calls from destructors and poller callbacks, on stale ids, after
//! `stop_all`, spawns during shutdown, nested runs, self-joins) is fuzzed by `tests/misuse.rs`;
//! panics inside tasks are covered in "Panics" above and `tests/panics.rs`.
//!
//! ## How the core is organised
//!
//! - `state.rs`: the task state machine: every state, every transition, the invariants.
//! - `sched.rs`: the run loop; `control.rs`: status, pause, resume, stop, join.
//! - `run_queue.rs`, `deadlines.rs`, `sampled.rs`, `free_slots.rs`: one structure each.
//! - `header.rs`: what a slot records; `sched_core.rs`: the size-independent part that wakers and
//!   wait futures reach, with the tally of what the run loop must notice.
//! - `wakes.rs`: wakes from other threads and interrupt handlers, and why none is lost;
//!   `irq_count.rs`: an interrupt line's count (both run under loom in `tests/loom_wakes.rs`).
//! - `raw.rs`: every line of `unsafe`; `unwind.rs`: what a panic leaves behind, and recovery.
//! - one file per way of waiting: `yield_now.rs`, `sleep.rs`, `poller.rs`, `irq.rs`,
//!   `timeout.rs`, `signal.rs`, `join.rs`.
#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]
// Every block and function that opts out of the compiler's checks says why it is sound, one
// operation at a time.
#![warn(
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc,
    clippy::multiple_unsafe_ops_per_block
)]

#[cfg(feature = "std")]
extern crate std;

/// The atomics of the lock-free parts (`wakes.rs`, `irq_count.rs`) and the critical section of
/// `irq.rs`, named through one path so that the loom models in `tests/loom_*.rs` can include those
/// files with loom's atomics and a loom-aware critical section instead.
mod atomic {
    #[cfg(feature = "sampling")]
    pub(crate) mod critical_section {
        pub(crate) use ::critical_section::{with, Mutex};
    }
    pub(crate) use portable_atomic::{AtomicU32, Ordering};
}
mod control;
mod deadlines;
mod free_slots;
mod header;
mod heartbeat;
#[cfg(feature = "sampling")]
mod irq;
#[cfg(feature = "sampling")]
mod irq_count;
mod join;
#[cfg(feature = "sampling")]
mod poller;
mod raw;
mod run_queue;
mod sampled;
mod sched;
mod sched_core;
mod shared;
mod signal;
mod sleep;
mod state;
mod stats;
mod task;
mod time;
mod timeout;
mod unwind;
mod wait;
mod wakes;
mod yield_now;

pub use heartbeat::{heartbeat, HEARTBEAT_PERIOD};
#[cfg(feature = "sampling")]
pub use irq::{IrqLine, IrqResult, IrqWait};
pub use join::Join;
#[cfg(feature = "sampling")]
pub use poller::{PollResult, PollWait, Poller};
pub use raw::ContextProbe;
pub use sched::Sched;
pub use signal::{Signal, SignalWait};
pub use sleep::{sleep, sleep_until, Sleep};
pub use stats::{SchedStats, TaskStats};
pub use task::{RunEnd, SpawnError, Status, TaskError, TaskId};
#[cfg(feature = "std")]
pub use time::StdClock;
pub use time::{Clock, Instant, Wakeup};
pub use timeout::{timeout, timeout_at, Deadline, Elapsed};
pub use yield_now::{yield_now, YieldNow};
