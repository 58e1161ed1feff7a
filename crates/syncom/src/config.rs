//! How a link end behaves: its role, how often it yields, how long it waits.
//!
//! Every limit is here rather than scattered as constants, because the right values depend on the
//! boards: two chips a few centimetres apart can exchange a bit in microseconds, a board that
//! also drives a display may take milliseconds to come back to the link. The defaults suit
//! a link of a few kbit/s between boards that yield often.

use core::time::Duration;

/// Which end of the link this is. The two ends must have different roles.
///
/// The initiator makes the first clock edge of every session and, if it has a reset line, resets
/// its peer before each one; the passive end answers.
///
/// ```
/// assert_ne!(syncom::Role::Initiator, syncom::Role::Passive);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Starts each session: its first data bit and clock edge go out without waiting.
    Initiator,
    /// Waits for the initiator's first clock edge.
    Passive,
}

/// The settings of one link end.
///
/// ```
/// use core::time::Duration;
/// use syncom::{Config, Role};
/// let mut c = Config::new(Role::Passive);
/// c.poll = Duration::from_micros(50); // sleep 50 µs while the peer is not ready
/// assert_eq!(c.role, Role::Passive);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// This end's role.
    pub role: Role,
    /// Yield to other tasks at least once every this many bits, even when the peer is always
    /// ready (at least 1). A waiting end yields at every look anyway.
    pub yield_bits: u32,
    /// While the peer is not ready: sleep this long between looks at its clock line, or, if zero,
    /// let the other tasks run once (`yield_now`) between looks. On a board, zero gives the
    /// fastest link; a small sleep costs speed and saves power. A sleep longer than `quiet / 8`
    /// is shortened to that: the passive end must notice a dead session and then see `quiet` of
    /// silence while the initiator waits its `bit_timeout + 2 * quiet`, or both ends would run
    /// different sessions at once.
    pub poll: Duration,
    /// The longest this end waits for one clock edge of its peer, while synchronising and while
    /// exchanging data (counted from its second look). Past it the link is down. Make it longer than the longest time the
    /// peer's tasks can keep its link task from running.
    pub bit_timeout: Duration,
    /// Before each session both ends drive their lines low and wait for the peer's clock line to
    /// stay low this long (the initiator waits `bit_timeout + 2 * quiet`, so the passive end is
    /// listening when the initiator starts). Give both ends the same `quiet` and `bit_timeout`,
    /// and make `quiet` at least four times the longest time the passive board's other tasks can
    /// keep its link task from running: the passive end must notice that a session ended, and see
    /// the quiet line, within the initiator's wait, or the two ends would run different sessions.
    pub quiet: Duration,
    /// The sync byte must arrive within this many bits of the session's start. Raised to at
    /// least 8 (the sync byte itself).
    pub sync_bits: u32,
    /// When everything queued has been sent and no acknowledgement has moved for this many sent
    /// bytes, send every unacknowledged message again. Raised to at least twice the frame size.
    pub retransmit_bytes: u32,
    /// An idle end sends a bare acknowledgement (a keep-alive) at least every this many bytes.
    pub keepalive_bytes: u32,
    /// The link is down when this many bytes arrive with no good frame among them (the ends have
    /// lost byte alignment, or the line is noise). Raised to at least
    /// `2 * frame size + keepalive_bytes`.
    pub dead_bytes: u32,
    /// The level that holds the peer in reset on the reset line (the original's `reset_state`;
    /// most chips: `false`, active low).
    pub reset_active: bool,
    /// How long the reset line is held active.
    pub reset_pulse: Duration,
    /// How long the peer takes to boot after its reset line is released.
    pub reset_boot: Duration,
    /// No longer used, kept so that configurations that set it still build. It told the
    /// initiator whether a pulse on the reset line wipes the peer's memory, so that it would
    /// number its messages from zero again; a rebooted peer now says so itself in its first
    /// frames, whatever rebooted it, and both ends renumber then (see the crate docs). A reset
    /// line that only restarts the peer's link task, with this left `true`, no longer makes the
    /// two ends disagree.
    #[deprecated(note = "a rebooted peer announces itself on the wire; this setting has no effect")]
    pub reset_clears_peer: bool,
}

impl Config {
    /// The defaults for `role`: yield every 8 bits, `yield_now` between looks, 100 ms per bit at
    /// most, 20 ms of quiet, the sync byte within 64 bits, retransmission after 256 silent
    /// bytes, a keep-alive every 32 idle bytes, down after 1024 bytes without a good frame, and
    /// an active-low reset held 100 ms with 1 s to boot (the original's timings).
    ///
    /// ```
    /// let c = syncom::Config::new(syncom::Role::Initiator);
    /// assert_eq!(c.yield_bits, 8);
    /// ```
    #[allow(deprecated)] // `reset_clears_peer`, which nothing reads
    pub const fn new(role: Role) -> Self {
        Config {
            role,
            yield_bits: 8,
            poll: Duration::ZERO,
            bit_timeout: Duration::from_millis(100),
            quiet: Duration::from_millis(20),
            sync_bits: 64,
            retransmit_bytes: 256,
            keepalive_bytes: 32,
            dead_bytes: 1024,
            reset_active: false,
            reset_pulse: Duration::from_millis(100),
            reset_boot: Duration::from_secs(1),
            reset_clears_peer: true,
        }
    }

    /// How long this end waits for a quiet clock line before a session.
    pub(crate) fn quiet_wait(&self) -> Duration {
        match self.role {
            Role::Passive => self.quiet,
            Role::Initiator => self.bit_timeout.saturating_add(self.quiet.saturating_mul(2)),
        }
    }
}
