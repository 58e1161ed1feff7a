//! What can go wrong for a caller: typed errors, never a panic.

use core::fmt;

/// Why [`Syncom::try_send`](crate::Syncom::try_send) refused a message.
///
/// ```
/// assert_ne!(syncom::SendError::Full, syncom::SendError::TooLarge);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// The send queue holds as many unacknowledged messages as it can; try again later, or use
    /// [`Syncom::send`](crate::Syncom::send), which waits.
    Full,
    /// The encoded message would not fit a frame of the link's maximum size.
    TooLarge,
    /// The value could not be serialised (a serde error of the value's own `Serialize`).
    Encode,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::Full => "syncom: send queue full",
            SendError::TooLarge => "syncom: message larger than a frame",
            SendError::Encode => "syncom: message could not be serialised",
        })
    }
}

impl core::error::Error for SendError {}

/// A message arrived intact but is not a value of the type asked for.
///
/// The frame's CRC was good, so this is a disagreement between the two programs about the type,
/// not line noise. The message is consumed.
///
/// ```
/// let e = syncom::DecodeError;
/// assert_eq!(e.to_string(), "syncom: message is not of the requested type");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError;

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("syncom: message is not of the requested type")
    }
}

impl core::error::Error for DecodeError {}
