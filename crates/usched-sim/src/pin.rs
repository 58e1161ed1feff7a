//! Virtual GPIO pins.
//!
//! A [`Pin`] is a copyable handle: the code under test drives or reads it through the
//! embedded-hal traits while the test holds another copy to script stimuli and read the history.
//! A pin's level is, in this order: the level of the pin wired to it, else what the outside
//! world drives (stimuli), else the pin's own output latch (which starts at its pull level).

use std::cell::RefCell;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin as StdPin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use usched::{Instant, IrqLine};

use crate::board::Board;

/// Which level changes raise an interrupt (see [`Pin::on_edge`]).
///
/// ```
/// assert_ne!(usched_sim::Edge::Rising, usched_sim::Edge::Falling);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Edge {
    /// Low to high.
    Rising,
    /// High to low.
    Falling,
    /// Either.
    Both,
}

type Watcher = Rc<RefCell<dyn FnMut(Instant, bool)>>;

pub(crate) struct PinState {
    pub(crate) board: usize,
    pub(crate) name: String,
    pub(crate) words: (&'static str, &'static str),
    pub(crate) traced: bool,
    pub(crate) idle: bool,
    pub(crate) initial: bool,
    pub(crate) drive: bool,
    pub(crate) ext: Option<bool>,
    pub(crate) wire_from: Option<usize>,
    pub(crate) fanout: Vec<usize>,
    pub(crate) level: bool,
    pub(crate) history: Vec<(Instant, bool)>,
    pub(crate) rises: u64,
    pub(crate) falls: u64,
    pub(crate) wakers: Vec<Waker>,
    pub(crate) irqs: Vec<(Edge, &'static IrqLine)>,
    pub(crate) watchers: Vec<Watcher>,
}

impl PinState {
    pub(crate) fn new(board: usize, name: &str, idle: bool) -> Self {
        PinState {
            board,
            name: name.to_string(),
            words: ("low", "high"),
            traced: true,
            idle,
            initial: idle,
            drive: idle,
            ext: None,
            wire_from: None,
            fanout: Vec::new(),
            level: idle,
            history: Vec::new(),
            rises: 0,
            falls: 0,
            wakers: Vec::new(),
            irqs: Vec::new(),
            watchers: Vec::new(),
        }
    }
}

/// A virtual GPIO pin of a [`Board`]: a cheap `Copy` handle that implements the embedded-hal 1.0
/// digital traits (`InputPin`, `OutputPin`, `StatefulOutputPin`, and the async `Wait`) and keeps
/// every level change with its board time.
///
/// ```
/// use embedded_hal::digital::{OutputPin, StatefulOutputPin};
/// use usched::Instant;
/// let board = usched_sim::Board::new();
/// let mut led = board.output("led green");
/// let probe = led; // the test keeps a copy
/// led.toggle().unwrap();
/// board.advance(std::time::Duration::from_millis(2));
/// led.set_low().unwrap();
/// assert_eq!(probe.history(), vec![(Instant::ZERO, true), (Instant::from_millis(2), false)]);
/// ```
#[derive(Copy, Clone)]
pub struct Pin {
    pub(crate) board: &'static Board,
    pub(crate) id: usize,
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pin").field("name", &self.name()).field("level", &self.level()).finish()
    }
}

impl PartialEq for Pin {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.board.shared, other.board.shared) && self.id == other.id
    }
}

impl Pin {
    fn read<R>(&self, f: impl FnOnce(&PinState) -> R) -> Option<R> {
        self.board.shared.state.borrow().pins.get(self.id).map(f)
    }

    fn change(&self, f: impl FnOnce(&mut PinState)) {
        let at = self.board.now();
        let id = self.id;
        self.board.mutate(|s, out| {
            if let Some(p) = s.pins.get_mut(id) {
                f(p);
                s.refresh(id, at, out);
            }
        });
    }

    /// The pin's name.
    ///
    /// ```
    /// assert_eq!(usched_sim::Board::new().output("X1").name(), "X1");
    /// ```
    pub fn name(&self) -> String {
        self.read(|p| p.name.clone()).unwrap_or_default()
    }

    /// The level now (true = high).
    ///
    /// ```
    /// assert!(usched_sim::Board::new().input("X5", true).level());
    /// ```
    pub fn level(&self) -> bool {
        self.read(|p| p.level).unwrap_or(false)
    }

    /// The level the pin rests at when nothing drives it (its pull).
    ///
    /// ```
    /// assert!(!usched_sim::Board::new().output("X1").idle_level());
    /// ```
    pub fn idle_level(&self) -> bool {
        self.read(|p| p.idle).unwrap_or(false)
    }

    /// Every level change so far, with its board time.
    ///
    /// ```
    /// assert!(usched_sim::Board::new().output("X1").history().is_empty());
    /// ```
    pub fn history(&self) -> Vec<(Instant, bool)> {
        self.read(|p| p.history.clone()).unwrap_or_default()
    }

    /// How many rising and falling edges the pin has seen.
    ///
    /// ```
    /// use embedded_hal::digital::OutputPin;
    /// let mut p = usched_sim::Board::new().output("X1");
    /// p.set_high().unwrap();
    /// assert_eq!(p.edges(), (1, 0));
    /// ```
    pub fn edges(&self) -> (u64, u64) {
        self.read(|p| (p.rises, p.falls)).unwrap_or((0, 0))
    }

    /// Drives the output latch (what `set_high`/`set_low` do), at the current board time.
    ///
    /// ```
    /// let p = usched_sim::Board::new().output("X1");
    /// p.set(true);
    /// assert!(p.level());
    /// ```
    pub fn set(&self, level: bool) {
        self.change(|p| p.drive = level);
    }

    /// The words the event log uses for low and high (default `low`/`high`; an LED might use
    /// `off`/`on`, a button to ground `pressed`/`released`).
    ///
    /// ```
    /// let p = usched_sim::Board::new().output("led red");
    /// p.set_words("off", "on");
    /// ```
    pub fn set_words(&self, low: &'static str, high: &'static str) {
        if let Some(p) = self.board.shared.state.borrow_mut().pins.get_mut(self.id) {
            p.words = (low, high);
        }
    }

    /// Whether changes go into the event log (default yes; a busy bus such as an LCD's would
    /// drown it). The history and the VCD keep every change either way.
    ///
    /// ```
    /// usched_sim::Board::new().output("lcd E").set_traced(false);
    /// ```
    pub fn set_traced(&self, traced: bool) {
        if let Some(p) = self.board.shared.state.borrow_mut().pins.get_mut(self.id) {
            p.traced = traced;
        }
    }

    /// Joins this pin to `to` with a wire: from now on `to` reads this pin's level (`to` may be on
    /// a [peer board](Board::peer)).
    ///
    /// ```
    /// use embedded_hal::digital::InputPin;
    /// let b = usched_sim::Board::new();
    /// let x7 = b.output("X7");
    /// let mut x8 = b.input("X8", true);
    /// x7.wire_to(&x8); // the irqtest jumper
    /// assert!(x8.is_low().unwrap());
    /// ```
    pub fn wire_to(&self, to: &Pin) {
        let (from, to_id) = (self.id, to.id);
        if from == to_id {
            return;
        }
        let at = self.board.now();
        self.board.mutate(|s, out| {
            if to_id >= s.pins.len() || from >= s.pins.len() {
                return;
            }
            if let Some(old) = s.pins[to_id].wire_from.replace(from) {
                s.pins[old].fanout.retain(|&f| f != to_id);
            }
            s.pins[from].fanout.push(to_id);
            s.refresh(to_id, at, out);
        });
    }

    /// Raises an interrupt on `edge`: each matching change calls `line.signal()`, as the pin's
    /// interrupt handler would (the original's `Pinblock`).
    ///
    /// ```
    /// use usched::IrqLine;
    /// static LINE: IrqLine = IrqLine::new();
    /// let p = usched_sim::Board::new().output("X8");
    /// p.on_edge(usched_sim::Edge::Rising, &LINE);
    /// p.set(true);
    /// p.set(false);
    /// assert_eq!(LINE.pending(), 1);
    /// ```
    pub fn on_edge(&self, edge: Edge, line: &'static IrqLine) {
        if let Some(p) = self.board.shared.state.borrow_mut().pins.get_mut(self.id) {
            p.irqs.push((edge, line));
        }
    }

    /// Calls `f(time, level)` on every change (an interrupt handler doing more than signalling, or a
    /// simulated device watching a bus line). `f` may drive other pins; it is not re-entered.
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// let p = usched_sim::Board::new().output("X1");
    /// let n = Rc::new(Cell::new(0));
    /// let n2 = n.clone();
    /// p.on_change(move |_, _| n2.set(n2.get() + 1));
    /// p.set(true);
    /// assert_eq!(n.get(), 1);
    /// ```
    pub fn on_change(&self, f: impl FnMut(Instant, bool) + 'static) {
        let w: Watcher = Rc::new(RefCell::new(f));
        if let Some(p) = self.board.shared.state.borrow_mut().pins.get_mut(self.id) {
            p.watchers.push(w);
        }
    }

    fn add_waker(&self, w: &Waker) {
        if let Some(p) = self.board.shared.state.borrow_mut().pins.get_mut(self.id) {
            if !p.wakers.iter().any(|x| x.will_wake(w)) {
                p.wakers.push(w.clone());
            }
        }
    }
}

impl embedded_hal::digital::ErrorType for Pin {
    type Error = Infallible;
}

impl embedded_hal::digital::InputPin for Pin {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.level())
    }
    fn is_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.level())
    }
}

impl embedded_hal::digital::OutputPin for Pin {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.set(false);
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.set(true);
        Ok(())
    }
}

impl embedded_hal::digital::StatefulOutputPin for Pin {
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.read(|p| p.drive).unwrap_or(false))
    }
    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.read(|p| p.drive).unwrap_or(false))
    }
}

/// What a [`WaitFor`] waits for.
#[derive(Copy, Clone)]
enum Want {
    Level(bool),
    Rise(u64),
    Fall(u64),
    Any(u64, u64),
}

/// The future behind the `embedded_hal_async::digital::Wait` methods of [`Pin`].
///
/// ```
/// use embedded_hal_async::digital::Wait;
/// use usched::{Instant, Sched};
/// let b = usched_sim::Board::new();
/// let mut x8 = b.input("X8", false);
/// b.drive_at(Instant::from_millis(40), &x8, true);
/// let s: &'static Sched<1, 256> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async move { x8.wait_for_rising_edge().await.unwrap() }).unwrap();
/// s.run(b);
/// assert_eq!(b.now(), Instant::from_millis(40));
/// ```
pub struct WaitFor {
    pin: Pin,
    want: Want,
}

impl Future for WaitFor {
    type Output = Result<(), Infallible>;
    fn poll(self: StdPin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (level, (r, f)) = (self.pin.level(), self.pin.edges());
        let done = match self.want {
            Want::Level(l) => level == l,
            Want::Rise(r0) => r > r0,
            Want::Fall(f0) => f > f0,
            Want::Any(r0, f0) => r > r0 || f > f0,
        };
        if done {
            Poll::Ready(Ok(()))
        } else {
            self.pin.add_waker(cx.waker());
            Poll::Pending
        }
    }
}

impl Pin {
    fn wait(&self, want: impl FnOnce(u64, u64) -> Want) -> WaitFor {
        let (r, f) = self.edges();
        WaitFor { pin: *self, want: want(r, f) }
    }
}

impl embedded_hal_async::digital::Wait for Pin {
    async fn wait_for_high(&mut self) -> Result<(), Infallible> {
        self.wait(|_, _| Want::Level(true)).await
    }
    async fn wait_for_low(&mut self) -> Result<(), Infallible> {
        self.wait(|_, _| Want::Level(false)).await
    }
    async fn wait_for_rising_edge(&mut self) -> Result<(), Infallible> {
        self.wait(|r, _| Want::Rise(r)).await
    }
    async fn wait_for_falling_edge(&mut self) -> Result<(), Infallible> {
        self.wait(|_, f| Want::Fall(f)).await
    }
    async fn wait_for_any_edge(&mut self) -> Result<(), Infallible> {
        self.wait(Want::Any).await
    }
}
