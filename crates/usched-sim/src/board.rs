//! The simulated board: one board time, its pins, and the stimuli scripted against that time.
//!
//! Everything a test or a demo needs from "hardware" hangs off a [`Board`]. The board owns a
//! [`SimClock`] and is itself the [`Clock`] that the scheduler runs on, which is what lets it apply
//! every scripted stimulus exactly when board time reaches it: whenever time moves (a task doing
//! work with [`Board::advance`], or the scheduler idling), the board first applies every stimulus
//! that falls inside the step, each at its own time, and an idle jump never leaps over one.
//!
//! A board is shared by plain `&'static` references (one small leaked allocation per board, so that
//! tasks, pins and the scheduler can all hold it). It is single-threaded by design: board state sits
//! in `RefCell`s and every callback runs on the scheduler's thread.

use std::cell::RefCell;
use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::fmt;
use std::rc::Rc;
use std::task::Waker;
use std::time::Duration;

use usched::{Clock, Instant, IrqLine, Wakeup};

use crate::pin::{Edge, Pin, PinState};
use crate::SimClock;

/// One line of the board's event log: something visible happened at a board time.
///
/// Its `Display` form is the trace format of the demos: seconds with six decimals, then the text.
///
/// ```
/// use usched::Instant;
/// use usched_sim::Event;
/// let e = Event { at: Instant::from_millis(1_200), text: "led red on".into() };
/// assert_eq!(e.to_string(), "  1.200000 led red on");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When it happened.
    pub at: Instant,
    /// What happened, e.g. `led red on` or a line a task printed.
    pub text: String,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.at.as_micros();
        write!(f, "{:3}.{:06} {}", us / 1_000_000, us % 1_000_000, self.text)
    }
}

/// Something the outside world does to the board at a scripted time.
enum Action {
    /// Drive a pin from outside (`Some(level)`), or let go of it (`None`: its pull wins again).
    Drive(usize, Option<bool>),
    /// Toggle a pin from outside, then again every `half` µs, `left` toggles in all.
    Square { pin: usize, half: u64, left: u64 },
    /// An interrupt: signal a line, as a handler would.
    Irq(&'static IrqLine),
    /// Anything else (an accelerometer tilt, a note in the log).
    Call(Box<dyn FnOnce()>),
}

struct Scheduled {
    at: u64,
    seq: u64,
    action: Action,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    // Reversed, so the max-heap pops the earliest stimulus (then the one scheduled first).
    fn cmp(&self, other: &Self) -> CmpOrdering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// What a level change must set off once the board state is no longer borrowed.
pub(crate) enum Notify {
    Wake(Waker),
    Irq(&'static IrqLine),
    Watch(Rc<RefCell<dyn FnMut(Instant, bool)>>, Instant, bool),
}

pub(crate) struct State {
    pub(crate) pins: Vec<PinState>,
    boards: Vec<String>,
    stimuli: BinaryHeap<Scheduled>,
    seq: u64,
    log: Vec<Event>,
}

/// A pacer (see [`Board::set_pacer`]): called with the board, the time now and the target when
/// board time is about to move; returns how far time may move (between now and the target).
pub type Pacer = Box<dyn FnMut(&'static Board, Instant, Instant) -> Instant>;

/// Where events go as they happen (see [`Board::set_sink`]).
pub type Sink = Box<dyn FnMut(&Event)>;

pub(crate) struct Shared {
    pub(crate) clock: SimClock,
    pub(crate) state: RefCell<State>,
    sink: RefCell<Option<Sink>>,
    pacer: RefCell<Option<Pacer>>,
    first: RefCell<Option<&'static Board>>,
}

/// A simulated board: board time, pins, scripted stimuli, an event log.
///
/// `Board` is the [`Clock`] to run the scheduler on. When every task waits, time jumps to the next
/// deadline or the next stimulus, whichever comes first, so a run is exact and repeatable.
///
/// ```
/// use std::time::Duration;
/// use embedded_hal::digital::{InputPin, OutputPin};
/// use usched::{sleep, Instant, Sched};
/// use usched_sim::Board;
///
/// let board = Board::new();
/// let mut led = board.output("led");
/// let mut button = board.input("button", true); // pulled up: reads high until pressed
/// board.press_at(Instant::from_millis(300), &button);
///
/// let sched: &'static Sched<2, 256> = Box::leak(Box::new(Sched::new()));
/// sched.spawn(async move {
///     while button.is_high().unwrap() {
///         sleep(Duration::from_millis(100)).await;
///     }
///     led.set_high().unwrap();
/// }).unwrap();
/// sched.run(board);
/// assert_eq!(board.now(), Instant::from_millis(300));
/// assert_eq!(led.history(), vec![(Instant::from_millis(300), true)]);
/// ```
pub struct Board {
    pub(crate) shared: &'static Shared,
    id: usize,
}

impl fmt::Debug for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Board").field("id", &self.id).field("now", &self.now()).finish()
    }
}

impl Board {
    /// A new board at time zero. It lives for the rest of the program (one small leaked allocation),
    /// so it can be the `&'static` clock of a scheduler and be held by every task.
    ///
    /// ```
    /// let board = usched_sim::Board::new();
    /// assert_eq!(board.now(), usched::Instant::ZERO);
    /// ```
    pub fn new() -> &'static Board {
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            clock: SimClock::new(),
            state: RefCell::new(State {
                pins: Vec::new(),
                boards: vec![String::new()],
                stimuli: BinaryHeap::new(),
                seq: 0,
                log: Vec::new(),
            }),
            sink: RefCell::new(None),
            pacer: RefCell::new(None),
            first: RefCell::new(None),
        }));
        let board: &'static Board = Box::leak(Box::new(Board { shared, id: 0 }));
        *shared.first.borrow_mut() = Some(board);
        board
    }

    /// A second board on the same board time, for two-board set-ups such as a link between them.
    /// Its pins are its own; join them to this board's with [`Pin::wire_to`]. Its events are logged
    /// with `name: ` in front. Run the tasks of both boards on one scheduler (either board can be
    /// the clock): one board time, one thread, still exact and repeatable. While a task of one
    /// board models busy work ([`Board::advance`]), the other board's tasks wait too.
    ///
    /// ```
    /// use embedded_hal::digital::{InputPin, OutputPin};
    /// let a = usched_sim::Board::new();
    /// let b = a.peer("B");
    /// let mut tx = a.output("tx");
    /// let mut rx = b.input("rx", false);
    /// tx.wire_to(&rx);
    /// tx.set_high().unwrap();
    /// assert!(rx.is_high().unwrap());
    /// assert_eq!(a.now(), b.now());
    /// ```
    pub fn peer(&self, name: &str) -> &'static Board {
        let id = {
            let mut s = self.shared.state.borrow_mut();
            s.boards.push(name.to_string());
            s.boards.len() - 1
        };
        Box::leak(Box::new(Board { shared: self.shared, id }))
    }

    /// The current board time.
    ///
    /// ```
    /// assert_eq!(usched_sim::Board::new().now().as_micros(), 0);
    /// ```
    pub fn now(&self) -> Instant {
        self.shared.clock.now()
    }

    /// A task doing busy work for `d` (the original demos' `pyb.delay`): board time moves on by
    /// `d`, and every stimulus inside that stretch is applied at its own time.
    ///
    /// ```
    /// use std::time::Duration;
    /// let board = usched_sim::Board::new();
    /// board.advance(Duration::from_millis(100));
    /// assert_eq!(board.now().as_micros(), 100_000);
    /// ```
    pub fn advance(&'static self, d: Duration) {
        let target = self.now() + d;
        loop {
            let now = self.now();
            if now >= target {
                break;
            }
            let to = self.pace(now, target);
            self.shared.move_to(to.max(now).min(target));
            if to < now {
                break; // a pacer that goes nowhere must not spin for ever
            }
        }
    }

    /// Sets the idle step: how far time moves on an idle pass when nothing is due but a poller
    /// waits (default 100 µs). Never past the next stimulus.
    ///
    /// ```
    /// usched_sim::Board::new().set_step(std::time::Duration::from_millis(1));
    /// ```
    pub fn set_step(&self, d: Duration) {
        self.shared.clock.set_step(d);
    }

    // ----- pins -------------------------------------------------------------------------------

    /// A new output pin, low, named `name`. Its changes are logged as `name high` / `name low`
    /// (see [`Pin::set_words`]).
    ///
    /// ```
    /// use embedded_hal::digital::StatefulOutputPin;
    /// let mut p = usched_sim::Board::new().output("X1");
    /// assert!(p.is_set_low().unwrap());
    /// ```
    pub fn output(&'static self, name: &str) -> Pin {
        self.add_pin(name, false)
    }

    /// A new input pin named `name`, held at `pull_up` (true: pulled up, reads high) while nothing
    /// drives it. Stimuli ([`press_at`](Self::press_at), [`drive_at`](Self::drive_at), …) or a wire
    /// from another pin drive it.
    ///
    /// ```
    /// use embedded_hal::digital::InputPin;
    /// let mut p = usched_sim::Board::new().input("X5", true);
    /// assert!(p.is_high().unwrap());
    /// ```
    pub fn input(&'static self, name: &str, pull_up: bool) -> Pin {
        self.add_pin(name, pull_up)
    }

    fn add_pin(&'static self, name: &str, idle: bool) -> Pin {
        let mut s = self.shared.state.borrow_mut();
        let id = s.pins.len();
        s.pins.push(PinState::new(self.id, name, idle));
        Pin { board: self, id }
    }

    /// Every pin of this board, in the order they were made.
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// b.output("a");
    /// assert_eq!(b.pins()[0].name(), "a");
    /// ```
    pub fn pins(&'static self) -> Vec<Pin> {
        let s = self.shared.state.borrow();
        (0..s.pins.len()).filter(|&i| s.pins[i].board == self.id).map(|id| Pin { board: self, id }).collect()
    }

    /// The pin called `name` on this board, if there is one.
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// b.input("X5", true);
    /// assert!(b.find("X5").is_some());
    /// assert!(b.find("X6").is_none());
    /// ```
    pub fn find(&'static self, name: &str) -> Option<Pin> {
        self.pins().into_iter().find(|p| p.name() == name)
    }

    // ----- stimuli ----------------------------------------------------------------------------

    fn schedule(&self, at: Instant, action: Action) {
        let mut s = self.shared.state.borrow_mut();
        s.seq += 1;
        let seq = s.seq;
        s.stimuli.push(Scheduled { at: at.as_micros(), seq, action });
    }

    /// At `at`, something outside drives `pin` to `level` (until it is driven again or let go).
    ///
    /// ```
    /// use embedded_hal::digital::InputPin;
    /// use usched::Instant;
    /// let b = usched_sim::Board::new();
    /// let mut p = b.input("X8", false);
    /// b.drive_at(Instant::from_millis(5), &p, true);
    /// b.advance(std::time::Duration::from_millis(5));
    /// assert!(p.is_high().unwrap());
    /// ```
    pub fn drive_at(&self, at: Instant, pin: &Pin, level: bool) {
        self.schedule(at, Action::Drive(pin.id, Some(level)));
    }

    /// At `at`, whatever drove `pin` from outside lets go: it returns to its pull level.
    ///
    /// ```
    /// use embedded_hal::digital::InputPin;
    /// use usched::Instant;
    /// let b = usched_sim::Board::new();
    /// let mut p = b.input("X8", true);
    /// b.drive_at(Instant::ZERO, &p, false);
    /// b.float_at(Instant::from_millis(1), &p);
    /// b.advance(std::time::Duration::from_millis(1));
    /// assert!(p.is_high().unwrap());
    /// ```
    pub fn float_at(&self, at: Instant, pin: &Pin) {
        self.schedule(at, Action::Drive(pin.id, None));
    }

    /// At `at`, a button on `pin` is pressed: the pin is pulled away from its idle level (a button to
    /// ground on a pulled-up pin reads low while pressed).
    ///
    /// ```
    /// use usched::Instant;
    /// let b = usched_sim::Board::new();
    /// let p = b.input("X5", true);
    /// b.press_at(Instant::from_millis(100), &p);
    /// b.release_at(Instant::from_millis(1_300), &p);
    /// b.advance(std::time::Duration::from_secs(2));
    /// assert_eq!(p.history(), vec![(Instant::from_millis(100), false), (Instant::from_millis(1_300), true)]);
    /// ```
    pub fn press_at(&self, at: Instant, pin: &Pin) {
        let idle = pin.idle_level();
        self.drive_at(at, pin, !idle);
    }

    /// At `at`, the button on `pin` is released (see [`press_at`](Self::press_at)).
    ///
    /// ```
    /// use usched::Instant;
    /// let b = usched_sim::Board::new();
    /// let p = b.input("X5", true);
    /// b.release_at(Instant::ZERO, &p); // released already: nothing changes
    /// b.advance(std::time::Duration::from_millis(1));
    /// assert!(p.history().is_empty());
    /// ```
    pub fn release_at(&self, at: Instant, pin: &Pin) {
        self.float_at(at, pin);
    }

    /// Contact bounce: from `at`, the button on `pin` chatters `bounces` times (`every` apart, each
    /// time going to the new state and back) before it settles pressed (`pressed = true`) or released.
    /// That is `2 * bounces + 1` changes, the last at `at + 2 * bounces * every`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use usched::Instant;
    /// let b = usched_sim::Board::new();
    /// let p = b.input("X5", true);
    /// b.bounce_at(Instant::from_millis(10), &p, true, 2, Duration::from_millis(1));
    /// b.advance(Duration::from_millis(20));
    /// let levels: Vec<bool> = p.history().iter().map(|&(_, l)| l).collect();
    /// assert_eq!(levels, [false, true, false, true, false]);
    /// assert_eq!(p.history()[4].0, Instant::from_millis(14));
    /// ```
    pub fn bounce_at(&self, at: Instant, pin: &Pin, pressed: bool, bounces: u32, every: Duration) {
        let mut t = at;
        for k in 0..=2 * bounces {
            let settled = k % 2 == 0;
            let is_pressed = if settled { pressed } else { !pressed };
            if is_pressed {
                self.press_at(t, pin);
            } else {
                self.release_at(t, pin);
            }
            t = t + every;
        }
    }

    /// A square wave driven onto `pin` from outside: the first toggle at `start`, then one every
    /// `half_period`, `toggles` in all (so `toggles / 2` full periods).
    ///
    /// ```
    /// use std::time::Duration;
    /// use usched::Instant;
    /// let b = usched_sim::Board::new();
    /// let p = b.input("X8", false);
    /// b.square_wave(&p, Instant::from_millis(500), Duration::from_millis(500), 4);
    /// b.advance(Duration::from_secs(10));
    /// assert_eq!(p.history().len(), 4);
    /// assert_eq!(p.history()[3], (Instant::from_millis(2_000), false));
    /// ```
    pub fn square_wave(&self, pin: &Pin, start: Instant, half_period: Duration, toggles: u64) {
        if toggles == 0 {
            return;
        }
        let half = u64::try_from(half_period.as_micros()).unwrap_or(u64::MAX).max(1);
        self.schedule(start, Action::Square { pin: pin.id, half, left: toggles });
    }

    /// At `at`, an interrupt: `line.signal()` is called, as an interrupt handler would.
    ///
    /// ```
    /// use usched::{Instant, IrqLine, IrqResult, Sched};
    /// static LINE: IrqLine = IrqLine::new();
    /// let b = usched_sim::Board::new();
    /// b.irq_at(Instant::from_millis(250), &LINE);
    /// b.irq_at(Instant::from_millis(250), &LINE);
    /// let s: &'static Sched<1, 128> = Box::leak(Box::new(Sched::new()));
    /// s.spawn(async { assert_eq!(LINE.wait().await, IrqResult::Irq(2)) }).unwrap();
    /// s.run(b);
    /// assert_eq!(b.now(), Instant::from_millis(250));
    /// ```
    pub fn irq_at(&self, at: Instant, line: &'static IrqLine) {
        self.schedule(at, Action::Irq(line));
    }

    /// At `at`, run `f` (any other stimulus: tilt an accelerometer, write a note in the log).
    ///
    /// ```
    /// use usched::Instant;
    /// let b = usched_sim::Board::new();
    /// b.call_at(Instant::from_millis(1_000), move || b.log("one second"));
    /// b.advance(std::time::Duration::from_secs(1));
    /// ```
    pub fn call_at(&self, at: Instant, f: impl FnOnce() + 'static) {
        self.schedule(at, Action::Call(Box::new(f)));
    }

    /// When the next scripted stimulus is due, if any.
    ///
    /// ```
    /// use usched::Instant;
    /// let b = usched_sim::Board::new();
    /// assert_eq!(b.next_stimulus(), None);
    /// b.call_at(Instant::from_millis(3), || {});
    /// assert_eq!(b.next_stimulus(), Some(Instant::from_millis(3)));
    /// ```
    pub fn next_stimulus(&self) -> Option<Instant> {
        self.shared.next_stimulus().map(Instant::from_micros)
    }

    // ----- the event log ----------------------------------------------------------------------

    /// Writes a line into the board's event log at the current board time (what a task prints).
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// let b = usched_sim::Board::new();
    /// let seen = Rc::new(RefCell::new(Vec::new()));
    /// let s2 = seen.clone();
    /// b.set_sink(Some(Box::new(move |e: &usched_sim::Event| s2.borrow_mut().push(e.to_string()))));
    /// b.log("hello");
    /// assert_eq!(seen.borrow()[0], "  0.000000 hello");
    /// ```
    pub fn log(&self, text: impl Into<String>) {
        let text = text.into();
        let at = self.now();
        {
            let mut s = self.shared.state.borrow_mut();
            let text = prefixed(&s.boards[self.id], &text);
            s.log.push(Event { at, text });
        }
        self.shared.flush();
    }

    /// Where events go as they happen (the trace printer, the terminal view). Events made while no
    /// sink is set are kept and handed to the next sink set.
    ///
    /// ```
    /// let b = usched_sim::Board::new();
    /// b.log("early");
    /// b.set_sink(Some(Box::new(|e: &usched_sim::Event| assert_eq!(e.text, "early"))));
    /// ```
    pub fn set_sink(&self, sink: Option<Sink>) {
        *self.shared.sink.borrow_mut() = sink;
        self.shared.flush();
    }

    /// Installs a pacer: a function called whenever board time is about to move, with the board,
    /// the time now and the target; it returns how far time may move (at most the target). The
    /// terminal view uses it to let board time follow wall time and to turn keys into stimuli;
    /// tests never set one, so they never wait.
    ///
    /// ```
    /// use usched::Instant;
    /// let b = usched_sim::Board::new();
    /// b.set_pacer(Some(Box::new(|_b, _now, target| target))); // the same as no pacer
    /// b.advance(std::time::Duration::from_millis(2));
    /// assert_eq!(b.now(), Instant::from_millis(2));
    /// ```
    pub fn set_pacer(&self, pacer: Option<Pacer>) {
        *self.shared.pacer.borrow_mut() = pacer;
    }

    fn pace(&'static self, now: Instant, target: Instant) -> Instant {
        let first = (*self.shared.first.borrow()).unwrap_or(self);
        match self.shared.pacer.try_borrow_mut() {
            Ok(mut p) => match p.as_mut() {
                Some(f) => f(first, now, target),
                None => target,
            },
            Err(_) => target,
        }
    }

    /// Applies every stimulus due by now (normally done for you whenever time moves).
    ///
    /// ```
    /// use usched::Instant;
    /// let b = usched_sim::Board::new();
    /// let p = b.input("X5", true);
    /// b.press_at(Instant::ZERO, &p);
    /// b.settle();
    /// assert!(!p.level());
    /// ```
    pub fn settle(&self) {
        self.shared.move_to(self.now());
    }

    /// Writes every pin's changes so far as a Value Change Dump (timescale 1 µs), one scope per
    /// board; waveform viewers such as GTKWave read it.
    ///
    /// ```
    /// use embedded_hal::digital::OutputPin;
    /// let b = usched_sim::Board::new();
    /// let mut led = b.output("led red");
    /// led.set_high().unwrap();
    /// let mut out = Vec::new();
    /// b.write_vcd(&mut out).unwrap();
    /// assert!(String::from_utf8(out).unwrap().contains("led_red"));
    /// ```
    pub fn write_vcd(&self, w: impl std::io::Write) -> std::io::Result<()> {
        let s = self.shared.state.borrow();
        crate::vcd_out::write(&s.pins, &s.boards, w)
    }

    pub(crate) fn mutate<R>(&self, f: impl FnOnce(&mut State, &mut Vec<Notify>) -> R) -> R {
        let mut notes = Vec::new();
        let r = {
            let mut s = self.shared.state.borrow_mut();
            f(&mut s, &mut notes)
        };
        self.shared.notify(notes);
        r
    }
}

fn prefixed(board: &str, text: &str) -> String {
    if board.is_empty() {
        text.to_string()
    } else {
        format!("{board}: {text}")
    }
}

impl State {
    fn computed(&self, id: usize) -> bool {
        let p = &self.pins[id];
        match (p.wire_from, p.ext) {
            (Some(src), _) => self.pins[src].level,
            (None, Some(l)) => l,
            (None, None) => p.drive,
        }
    }

    /// Recomputes a pin's level at `at`; records, logs and notifies a change, and passes it on
    /// along wires.
    pub(crate) fn refresh(&mut self, id: usize, at: Instant, out: &mut Vec<Notify>) {
        let new = self.computed(id);
        if new == self.pins[id].level {
            return;
        }
        let board = self.pins[id].board;
        let p = &mut self.pins[id];
        p.level = new;
        p.history.push((at, new));
        if new {
            p.rises += 1;
        } else {
            p.falls += 1;
        }
        out.extend(p.wakers.drain(..).map(Notify::Wake));
        for &(edge, line) in &p.irqs {
            if edge.matches(new) {
                out.push(Notify::Irq(line));
            }
        }
        for w in &p.watchers {
            out.push(Notify::Watch(w.clone(), at, new));
        }
        let text = p.traced.then(|| format!("{} {}", p.name, if new { p.words.1 } else { p.words.0 }));
        let fanout = p.fanout.clone();
        if let Some(text) = text {
            let text = prefixed(&self.boards[board], &text);
            self.log.push(Event { at, text });
        }
        for f in fanout {
            self.refresh(f, at, out);
        }
    }
}

impl Shared {
    pub(crate) fn notify(&self, notes: Vec<Notify>) {
        for n in notes {
            match n {
                Notify::Wake(w) => w.wake(),
                Notify::Irq(line) => line.signal(),
                Notify::Watch(f, at, level) => {
                    if let Ok(mut f) = f.try_borrow_mut() {
                        f(at, level);
                    }
                }
            }
        }
        self.flush();
    }

    pub(crate) fn flush(&self) {
        let Ok(mut sink) = self.sink.try_borrow_mut() else { return };
        let Some(sink) = sink.as_mut() else { return };
        loop {
            let events = std::mem::take(&mut self.state.borrow_mut().log);
            if events.is_empty() {
                break;
            }
            for e in &events {
                sink(e);
            }
        }
    }

    fn next_stimulus(&self) -> Option<u64> {
        self.state.borrow().stimuli.peek().map(|s| s.at)
    }

    /// Moves board time to `target`, applying every stimulus due by then, each at its own time.
    fn move_to(&self, target: Instant) {
        loop {
            let due = {
                let mut s = self.state.borrow_mut();
                match s.stimuli.peek() {
                    Some(n) if n.at <= target.as_micros() => s.stimuli.pop(),
                    _ => None,
                }
            };
            let Some(due) = due else { break };
            self.clock.set(Instant::from_micros(due.at));
            let at = self.clock.now();
            self.apply(due.action, at);
        }
        self.clock.set(target);
    }

    fn apply(&self, action: Action, at: Instant) {
        match action {
            Action::Drive(pin, level) => self.mutate_pin(pin, at, |p| p.ext = level),
            Action::Square { pin, half, left } => {
                let mut level = false;
                {
                    let s = self.state.borrow();
                    if let Some(p) = s.pins.get(pin) {
                        level = p.level;
                    }
                }
                self.mutate_pin(pin, at, |p| p.ext = Some(!level));
                if left > 1 {
                    let mut s = self.state.borrow_mut();
                    s.seq += 1;
                    let seq = s.seq;
                    let next = at.as_micros().saturating_add(half);
                    s.stimuli.push(Scheduled {
                        at: next,
                        seq,
                        action: Action::Square { pin, half, left: left - 1 },
                    });
                }
            }
            Action::Irq(line) => line.signal(),
            Action::Call(f) => f(),
        }
        self.flush();
    }

    fn mutate_pin(&self, pin: usize, at: Instant, f: impl FnOnce(&mut PinState)) {
        let mut notes = Vec::new();
        {
            let mut s = self.state.borrow_mut();
            let Some(p) = s.pins.get_mut(pin) else { return };
            f(p);
            s.refresh(pin, at, &mut notes);
        }
        self.notify(notes);
    }
}

impl Board {
    fn has_pacer(&self) -> bool {
        matches!(self.shared.pacer.try_borrow().map(|p| p.is_some()), Ok(true))
    }
}

impl Clock for Board {
    /// The simulation runs on one OS thread; other threads (a threaded test) are other contexts.
    fn context(&self) -> Option<usched::ContextProbe> {
        Some(usched::ContextProbe::thread())
    }

    fn now(&self) -> Instant {
        self.shared.clock.now()
    }

    /// A stimulus still to come, a pacer (the interactive board view), or a clock that other
    /// threads may wake.
    fn can_wake_from_outside(&self) -> bool {
        self.shared.next_stimulus().is_some() || self.has_pacer() || self.shared.clock.can_wake_from_outside()
    }

    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        let now = self.now();
        self.shared.move_to(now);
        if wake.pending() {
            return;
        }
        let next = self.shared.next_stimulus().map(Instant::from_micros);
        let target = match (until, next) {
            (Some(u), _) if u <= now => {
                // Pollers keep the scheduler passing with nothing due: step time, never past a
                // stimulus or a deadline.
                let step = now + self.shared.clock.step();
                let step = wake.next_deadline().filter(|&d| d > now).map_or(step, |d| d.min(step));
                next.map_or(step, |n| n.min(step))
            }
            (Some(u), Some(n)) => u.min(n),
            (Some(u), None) => u,
            (None, Some(n)) => n,
            (None, None) => {
                if !self.has_pacer() {
                    // Nothing will ever happen on this board: only another thread can wake us.
                    self.shared.clock.idle(None, wake);
                    return;
                }
                Instant::MAX
            }
        };
        // Pacing needs the `'static` board that `Board::new` recorded; without one, no pacing.
        let first = *self.shared.first.borrow();
        let to = match first {
            Some(b) => b.pace(now, target).max(now).min(target),
            None => target,
        };
        self.shared.move_to(to);
    }
}

// Pins need `Edge` in the board module's notify logic.
impl Edge {
    fn matches(self, rising: bool) -> bool {
        match self {
            Edge::Rising => rising,
            Edge::Falling => !rising,
            Edge::Both => true,
        }
    }
}
