//! What a link has done, for monitoring and for tests: the link state and the counters.

/// Whether the link is exchanging frames.
///
/// ```
/// assert_ne!(syncom::LinkState::Up, syncom::LinkState::Down);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Not synchronised: starting, resetting the peer, waiting for quiet, or looking for the sync
    /// byte. Messages sent now wait in the queue.
    Down,
    /// Synchronised: frames flow.
    Up,
}

/// Counts since the link was made. They wrap at `u32::MAX`.
///
/// ```
/// let c = syncom::Counters::default();
/// assert_eq!(c.frames_received, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Good frames received (data and acknowledgements).
    pub frames_received: u32,
    /// Frames sent (data, retransmissions and acknowledgements).
    pub frames_sent: u32,
    /// Frames refused: bad COBS, bad CRC, bad header, or longer than the frame size. None of
    /// them reached the application.
    pub crc_errors: u32,
    /// Sessions after this link object's first that reached `Up` (how often the link
    /// recovered), each counted once, by the end that synchronised; a link task stopped and
    /// started again on the same object continues the count.
    pub resyncs: u32,
    /// Data frames sent again because their acknowledgement did not come, or because a new
    /// session started before it came.
    pub retransmissions: u32,
    /// Times the link went down because the peer's clock stopped, the sync byte did not come, or
    /// no good frame came for too long.
    pub timeouts: u32,
    /// Messages handed to the receive queue (each exactly once, in order).
    pub delivered: u32,
    /// Messages the peer acknowledged.
    pub acknowledged: u32,
    /// Sessions in which the peer said it had just booted (a new link object, its memory gone),
    /// so that both ends numbered their messages from zero again: the peer's first session after
    /// each boot, and any later one that began before this end's answer reached it.
    pub peer_boots: u32,
}
