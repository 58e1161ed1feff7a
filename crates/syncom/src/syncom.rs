//! The link object the application holds: queues, state and counters, shared between the
//! application's tasks and the link task.
//!
//! Everything lives on the scheduler's thread, so plain `RefCell`s suffice (no critical
//! sections on the per-frame path); a borrow never spans an `.await`. The link task (see
//! `session.rs`) takes the lock once per frame, not once per bit.

use core::cell::{Cell, RefCell};

use heapless::Vec;
use serde::de::DeserializeOwned;
use serde::Serialize;
use usched::Signal;

use crate::counters::{Counters, LinkState};
use crate::error::{DecodeError, SendError};
use crate::frame;
use crate::window::Window;

/// One end of a link: up to `Q` messages queued each way, frames of at most `N` bytes on the
/// wire (a message of up to [`MAX_MESSAGE`](Self::MAX_MESSAGE) bytes of postcard, 18 fewer than
/// `N` for frames under 254 bytes). `Q` above 16,384 does not compile: sequence numbers are 16 bits.
/// Nor does `N` below 18, the largest frame of an empty message: a smaller link could accept a
/// message it can never send, and not every acknowledgement would fit.
///
/// ```compile_fail
/// let link: syncom::Syncom<17, 2> = syncom::Syncom::new();
/// ```
///
/// The application sends and receives through it; a link task runs [`Syncom::run`] on it with
/// the pins. It is made to be shared as `&'static` between tasks of one scheduler (leak a box on
/// a host, or put it in a `static_cell` on a chip).
///
/// ```
/// use syncom::{LinkState, Syncom};
/// let link: Syncom<64, 8> = Syncom::new();
/// link.try_send(&("temperature", 21.5f32)).unwrap();
/// assert_eq!(link.state(), LinkState::Down); // no link task yet: it waits in the queue
/// assert_eq!(link.try_recv::<u32>(), None);
/// assert_eq!(link.counters().delivered, 0);
/// ```
pub struct Syncom<const N: usize, const Q: usize> {
    pub(crate) window: RefCell<Window<N, Q>>,
    pub(crate) counters: RefCell<Counters>,
    pub(crate) state: Cell<LinkState>,
    /// A session of this link object has reached `Up` (the next to do so is a resync).
    pub(crate) been_up: Cell<bool>,
    /// Set when a message arrives.
    pub(crate) arrived: Signal,
    /// Set when the peer acknowledges messages (room in the send queue).
    pub(crate) room: Signal,
    /// Set when the link state changes.
    pub(crate) changed: Signal,
}

impl<const N: usize, const Q: usize> Default for Syncom<N, Q> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const Q: usize> Syncom<N, Q> {
    /// An idle link end with empty queues.
    ///
    /// ```
    /// let link: syncom::Syncom<32, 4> = syncom::Syncom::new();
    /// # drop(link);
    /// ```
    pub const fn new() -> Self {
        const { assert!(Q <= 16_384, "syncom: at most 16384 queued messages (sequence numbers are 16-bit)") };
        const { assert!(N >= frame::wire_len_max(0), "syncom: frames of at least 18 bytes (N)") };
        Syncom {
            window: RefCell::new(Window::new()),
            counters: RefCell::new(Counters {
                frames_received: 0,
                frames_sent: 0,
                crc_errors: 0,
                resyncs: 0,
                retransmissions: 0,
                timeouts: 0,
                delivered: 0,
                acknowledged: 0,
                peer_boots: 0,
            }),
            state: Cell::new(LinkState::Down),
            been_up: Cell::new(false),
            arrived: Signal::new(),
            room: Signal::new(),
            changed: Signal::new(),
        }
    }

    /// The largest encoded message (postcard bytes) a frame of `N` bytes carries.
    ///
    /// ```
    /// assert_eq!(syncom::Syncom::<64, 4>::MAX_MESSAGE, 46);
    /// ```
    pub const MAX_MESSAGE: usize = {
        let mut p = N;
        while p > 0 && frame::wire_len_max(p) > N {
            p -= 1;
        }
        p
    };

    /// Queues `value` (serialised now, a snapshot) and returns at once, or says why it cannot.
    ///
    /// ```
    /// use syncom::{SendError, Syncom};
    /// let link: Syncom<32, 1> = Syncom::new();
    /// assert_eq!(link.try_send(&1u8), Ok(()));
    /// assert_eq!(link.try_send(&2u8), Err(SendError::Full));
    /// assert_eq!(link.try_send(&[0u8; 100][..]), Err(SendError::TooLarge));
    /// ```
    pub fn try_send<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), SendError> {
        let mut buf = [0u8; N];
        let limit = buf.len().min(Self::MAX_MESSAGE);
        let bytes = match postcard::to_slice(value, &mut buf[..limit]) {
            Ok(b) => b,
            Err(postcard::Error::SerializeBufferFull) => return Err(SendError::TooLarge),
            Err(_) => return Err(SendError::Encode),
        };
        let msg = Vec::from_slice(bytes).map_err(|_| SendError::TooLarge)?;
        let mut w = self.window.borrow_mut();
        if w.tx_full() {
            return Err(SendError::Full);
        }
        w.push(msg).map_err(|_| SendError::Full)
    }

    /// Queues `value`, waiting while the send queue is full. Only `TooLarge` and `Encode` are
    /// returned as errors.
    ///
    /// ```
    /// use usched::Sched;
    /// use syncom::Syncom;
    /// let link: &'static Syncom<32, 2> = Box::leak(Box::new(Syncom::new()));
    /// let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
    /// s.spawn(async move { link.send(&"hello").await.unwrap() }).unwrap();
    /// s.run(usched_sim::Board::new());
    /// assert_eq!(link.queued(), 1);
    /// ```
    pub async fn send<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), SendError> {
        loop {
            match self.try_send(value) {
                Err(SendError::Full) => self.room.wait().await,
                r => return r,
            }
        }
    }

    /// The oldest received message as a `T`, or `None` if none is waiting (or it is not a `T`:
    /// use [`try_recv_checked`](Self::try_recv_checked) to tell these apart).
    ///
    /// ```
    /// let link: syncom::Syncom<32, 2> = syncom::Syncom::new();
    /// assert_eq!(link.try_recv::<u8>(), None);
    /// ```
    pub fn try_recv<T: DeserializeOwned>(&self) -> Option<T> {
        self.try_recv_checked().and_then(Result::ok)
    }

    /// The oldest received message decoded as a `T`, `Some(Err(DecodeError))` if it is not a
    /// `T` (it is consumed), or `None` if none is waiting.
    ///
    /// ```
    /// let link: syncom::Syncom<32, 2> = syncom::Syncom::new();
    /// assert_eq!(link.try_recv_checked::<u8>(), None);
    /// ```
    pub fn try_recv_checked<T: DeserializeOwned>(&self) -> Option<Result<T, DecodeError>> {
        let msg = self.window.borrow_mut().pop_rx()?;
        Some(postcard::from_bytes(&msg).map_err(|_| DecodeError))
    }

    /// Waits for the next message and decodes it as a `T`.
    ///
    /// ```no_run
    /// # async fn f(link: &syncom::Syncom<32, 2>) {
    /// let n: Result<u32, syncom::DecodeError> = link.recv().await;
    /// # }
    /// ```
    pub async fn recv<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        loop {
            if let Some(r) = self.try_recv_checked() {
                return r;
            }
            self.arrived.wait().await;
        }
    }

    /// Waits until the link state is `state`.
    ///
    /// ```no_run
    /// # async fn f(link: &syncom::Syncom<32, 2>) {
    /// link.wait_for(syncom::LinkState::Up).await;
    /// # }
    /// ```
    pub async fn wait_for(&self, state: LinkState) {
        while self.state.get() != state {
            self.changed.wait().await;
        }
    }

    /// Messages waiting to be received.
    ///
    /// ```
    /// assert_eq!(syncom::Syncom::<32, 2>::new().available(), 0);
    /// ```
    pub fn available(&self) -> usize {
        self.window.borrow().rx_len()
    }

    /// Messages sent or to send that the peer has not acknowledged yet.
    ///
    /// ```
    /// let link: syncom::Syncom<32, 2> = syncom::Syncom::new();
    /// link.try_send(&7u8).unwrap();
    /// assert_eq!(link.queued(), 1);
    /// ```
    pub fn queued(&self) -> usize {
        self.window.borrow().tx_len()
    }

    /// Whether frames are flowing.
    ///
    /// ```
    /// assert_eq!(syncom::Syncom::<32, 2>::new().state(), syncom::LinkState::Down);
    /// ```
    pub fn state(&self) -> LinkState {
        self.state.get()
    }

    /// The counters so far.
    ///
    /// ```
    /// assert_eq!(syncom::Syncom::<32, 2>::new().counters().crc_errors, 0);
    /// ```
    pub fn counters(&self) -> Counters {
        *self.counters.borrow()
    }

    pub(crate) fn set_state(&self, state: LinkState) {
        if self.state.replace(state) != state {
            self.changed.signal();
        }
    }

    pub(crate) fn count(&self, f: impl FnOnce(&mut Counters)) {
        f(&mut self.counters.borrow_mut());
    }
}
