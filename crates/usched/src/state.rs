//! The state byte of a task slot, and the one transition every kind of wake shares.
//!
//! One byte says everything the run loop needs at a glance, so the hot path is a single compare:
//! a task taken off the round-robin FIFO is polled at once if its byte is exactly [`QUEUED`], and
//! a task that yielded is put back at once if its byte is exactly `RUNNING | Y`. Anything else
//! (a pause, a pending deadline, a poller) takes the slow, general path.
//!
//! The low three bits say where the task is; the high bits say what it waits for:
//! - during a poll, wait futures set `Y` (`yield_now`), `T` (a deadline in `Core::req_deadline`),
//!   `P` (sample this poller every pass) or `I` (sample this interrupt line every pass);
//! - after the poll the scheduler turns them into registrations (deadline heap, sampled list) and
//!   keeps `T`/`P`/`I` in the byte to remember them;
//! - `PAUSED` stays set from `pause` to `resume`.

use crate::raw::{Core, Header};

pub(crate) const EMPTY: u8 = 0;
/// In the round-robin FIFO.
pub(crate) const QUEUED: u8 = 1;
/// Being polled (also during a sample poll).
pub(crate) const RUNNING: u8 = 2;
/// Pending; woken by a waker, its deadline, or its sampled event.
pub(crate) const WAITING: u8 = 3;
/// Waiting for some task to end (`join`).
pub(crate) const JOINING: u8 = 4;
/// Became ready while paused: queue it on resume.
pub(crate) const READY_PAUSED: u8 = 5;
/// Its deadline passed while paused: fire it on resume, with the full lateness.
pub(crate) const DUE_PAUSED: u8 = 6;
/// Being dropped, or asked to stop while running.
pub(crate) const DROPPING: u8 = 7;

pub(crate) const KIND: u8 = 0x07;
pub(crate) const PAUSED: u8 = 0x08;
pub(crate) const Y: u8 = 0x10;
pub(crate) const T: u8 = 0x20;
pub(crate) const P: u8 = 0x40;
pub(crate) const I: u8 = 0x80;
/// The registration bits.
pub(crate) const REG: u8 = T | P | I;

/// A wake (from a waker, a local signal, or a finished task for its joiners).
#[inline]
pub(crate) fn wake(core: &Core, hdr: &Header) {
    let s = hdr.state.get();
    if s == WAITING {
        // The common case: a plain wait, not paused, nothing registered.
        hdr.state.set(QUEUED);
        core.ring_push(hdr.idx.get());
    } else {
        wake_other(core, hdr, s);
    }
}

#[cold]
fn wake_other(core: &Core, hdr: &Header, s: u8) {
    match s & KIND {
        WAITING | JOINING => {
            if s & PAUSED != 0 {
                hdr.state.set((s & !KIND) | READY_PAUSED);
            } else if s & (P | I) != 0 {
                // On the sampled list, which only the scheduler's own pass can edit: hand the
                // wake to it, as a waker from elsewhere would.
                core.wake_from_anywhere(hdr);
            } else {
                hdr.state.set((s & !KIND) | QUEUED);
                core.ring_push(hdr.idx.get());
            }
        }
        // Woken during its own poll (it woke itself, or something it awaits fired while it ran):
        // it goes back on the queue after this poll, like a yield.
        RUNNING => hdr.state.set(s | Y),
        // Already queued, paused and already ready, or a stale waker of a freed slot.
        _ => {}
    }
}
