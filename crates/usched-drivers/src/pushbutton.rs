//! A pushbutton with press, release, long press and double click: the original's `Pushbutton`.
//!
//! The button is debounced as a [`Switch`](crate::Switch) is, by sampling (20 ms by default), and
//! reported as *pressed* or *released* whatever the wiring: normally open or normally closed,
//! to ground or to Vdd, or found out at start-up from the level the released button rests at.
//!
//! On top of press and release it recognises two gestures, with times measured between debounced
//! samples:
//!
//! - **long press**: still held `long` (1 s) after the press. Fires once, while held, at exactly
//!   press + `long` (the runner sleeps until then rather than waiting for a sample). A release
//!   seen by a sample at that same instant comes first, and cancels it.
//! - **double click**: a press less than `double` (0.4 s) after the previous press, press to press.
//!   At exactly `double` it is a new first press. The double is reported just before that second
//!   press, as the original did. A long press closes the window: a press after a long press is a
//!   first press even inside `double` (reachable only with `long` shorter than `double`; the
//!   first click of a double is a click, not a hold).
//!
//! Three quirks of the original are fixed. After a double the window closes, so a triple click is
//! one double and then a fresh first press (the original reported a second double). The second
//! press of a double starts no long-press timer. And `suppress` makes each gesture report exactly
//! one of release, long and double: the release of a plain click is held back until the double
//! window has closed (and dropped if the click became a double), and the release that ends a long
//! press or a double is dropped. Press is always reported.
//!
//! A disabled gesture (`long` or `double` set to `None`) costs nothing and delays nothing: with no
//! double click, a suppressed release is not held back.

use core::cell::Cell;
use core::convert::Infallible;
use core::time::Duration;

use embedded_hal::digital::InputPin;
use usched::{sleep_until, Clock, Instant, Signal};

use crate::ticker::Ticker;

/// How the button is wired, which decides the level that means "pressed".
///
/// ```
/// use usched_drivers::Wiring;
/// assert!(!Wiring::NormallyOpenToGround.pressed_level(true));
/// assert!(!Wiring::Auto.pressed_level(true)); // rests high: pressed is low
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Wiring {
    /// Normally open, to ground, pin pulled up: reads low while pressed (the original's default).
    NormallyOpenToGround,
    /// Normally open, to Vdd, pin pulled down: reads high while pressed.
    NormallyOpenToVdd,
    /// Normally closed, to ground, pin pulled up: reads high while pressed.
    NormallyClosedToGround,
    /// Normally closed, to Vdd, pin pulled down: reads low while pressed.
    NormallyClosedToVdd,
    /// Whatever level the pin reads at start-up is "released" (so the button must not be held
    /// then): the original's `sense=None`.
    Auto,
}

impl Wiring {
    /// The level (`true` high) that means pressed, given the level `idle` read at start-up.
    ///
    /// ```
    /// use usched_drivers::Wiring;
    /// assert!(!Wiring::NormallyClosedToVdd.pressed_level(false));
    /// assert!(Wiring::Auto.pressed_level(false));
    /// ```
    pub const fn pressed_level(self, idle: bool) -> bool {
        match self {
            Wiring::NormallyOpenToGround | Wiring::NormallyClosedToVdd => false,
            Wiring::NormallyOpenToVdd | Wiring::NormallyClosedToGround => true,
            Wiring::Auto => !idle,
        }
    }
}

/// Times and options of a [`Pushbutton`].
///
/// ```
/// use core::time::Duration;
/// let c = usched_drivers::PushbuttonConfig::DEFAULT;
/// assert_eq!(c.debounce, Duration::from_millis(20));
/// assert_eq!(c.long, Some(Duration::from_secs(1)));
/// assert_eq!(c.double, Some(Duration::from_millis(400)));
/// assert!(!c.suppress);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PushbuttonConfig {
    /// How the button is wired.
    pub wiring: Wiring,
    /// The sampling period (zero is taken as 1 µs).
    pub debounce: Duration,
    /// How long a press must last to be a long press; `None`: no long presses.
    pub long: Option<Duration>,
    /// The double-click window, press to press; `None`: no double clicks.
    pub double: Option<Duration>,
    /// Report exactly one of release, long and double per gesture (see the module docs).
    pub suppress: bool,
}

impl PushbuttonConfig {
    /// The original's times: 20 ms sampling, 1 s long press, 0.4 s double click; normally open
    /// to ground; nothing suppressed.
    pub const DEFAULT: PushbuttonConfig = PushbuttonConfig {
        wiring: Wiring::NormallyOpenToGround,
        debounce: Duration::from_millis(20),
        long: Some(Duration::from_secs(1)),
        double: Some(Duration::from_millis(400)),
        suppress: false,
    };
}

impl Default for PushbuttonConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What a [`Pushbutton`] reports.
///
/// ```
/// assert_ne!(usched_drivers::ButtonEvent::Long, usched_drivers::ButtonEvent::Double);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ButtonEvent {
    /// Pressed (always reported).
    Press,
    /// Released (with `suppress`, only at the end of a plain click).
    Release,
    /// Held for the long-press time; reported while still held.
    Long,
    /// Pressed a second time inside the double-click window.
    Double,
}

/// A pushbutton (see the module docs). Share it by reference; spawn [`Pushbutton::run`] once.
///
/// ```
/// use core::time::Duration;
/// use usched::{Instant, Sched};
/// use usched_drivers::{ButtonEvent, Pushbutton, PushbuttonConfig};
/// use usched_sim::Board;
///
/// let board = Board::new();
/// let pin = board.input("X6", true);
/// board.press_at(Instant::from_millis(100), &pin); // held 1.5 s: press, long, release
/// board.release_at(Instant::from_millis(1_600), &pin);
/// let pb: &'static Pushbutton = Box::leak(Box::new(Pushbutton::new(PushbuttonConfig::DEFAULT)));
/// let seen: &'static std::sync::Mutex<Vec<(ButtonEvent, u64)>> = Box::leak(Box::default());
/// let s: &'static Sched<2, 1024> = Box::leak(Box::new(Sched::new()));
/// s.spawn(async move {
///     let _ = pb.run(pin, board, |e| seen.lock().unwrap().push((e, board.now().as_micros() / 1000))).await;
/// }).unwrap();
/// s.spawn(async move {
///     pb.long().await;
///     assert!(pb.is_pressed());
///     usched::sleep(Duration::from_secs(1)).await;
///     s.stop_all();
/// }).unwrap();
/// s.run(board);
/// let want = [(ButtonEvent::Press, 100), (ButtonEvent::Long, 1_100), (ButtonEvent::Release, 1_600)];
/// assert_eq!(*seen.lock().unwrap(), want);
/// ```
pub struct Pushbutton {
    config: PushbuttonConfig,
    pressed: Cell<bool>,
    on_press: Signal,
    on_release: Signal,
    on_long: Signal,
    on_double: Signal,
}

impl core::fmt::Debug for Pushbutton {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pushbutton").field("config", &self.config).field("pressed", &self.pressed).finish()
    }
}

/// The runner's memory of the gesture in progress.
#[derive(Debug, Default)]
struct Gesture {
    /// When the double-click window, opened by a first press, closes.
    window_closes: Option<Instant>,
    /// When the long press falls due, while held.
    long_at: Option<Instant>,
    /// A long press or a double happened since the last first press (`suppress` drops the release).
    ended_special: bool,
    /// A suppressed release held back until the double window closes.
    release_at: Option<Instant>,
}

impl Pushbutton {
    /// A button with these times and options.
    ///
    /// ```
    /// let pb = usched_drivers::Pushbutton::new(usched_drivers::PushbuttonConfig::DEFAULT);
    /// assert!(!pb.is_pressed());
    /// ```
    pub const fn new(mut config: PushbuttonConfig) -> Self {
        if config.debounce.is_zero() {
            config.debounce = Duration::from_micros(1);
        }
        Pushbutton {
            config,
            pressed: Cell::new(false),
            on_press: Signal::new(),
            on_release: Signal::new(),
            on_long: Signal::new(),
            on_double: Signal::new(),
        }
    }

    /// Its times and options.
    ///
    /// ```
    /// let pb = usched_drivers::Pushbutton::new(usched_drivers::PushbuttonConfig::DEFAULT);
    /// assert!(!pb.config().suppress);
    /// ```
    pub const fn config(&self) -> &PushbuttonConfig {
        &self.config
    }

    /// The debounced logical state: pressed or not (false before the runner starts).
    ///
    /// ```
    /// assert!(!usched_drivers::Pushbutton::new(Default::default()).is_pressed());
    /// ```
    pub fn is_pressed(&self) -> bool {
        self.pressed.get()
    }

    /// Waits for a press (latched: one that came while nobody waited counts at once).
    ///
    /// ```
    /// let pb = usched_drivers::Pushbutton::new(Default::default());
    /// # drop(pb.press());
    /// ```
    pub async fn press(&self) {
        self.on_press.wait().await
    }

    /// Waits for a release (latched, as [`press`](Self::press)).
    ///
    /// ```
    /// let pb = usched_drivers::Pushbutton::new(Default::default());
    /// # drop(pb.release());
    /// ```
    pub async fn release(&self) {
        self.on_release.wait().await
    }

    /// Waits for a long press (latched, as [`press`](Self::press)).
    ///
    /// ```
    /// let pb = usched_drivers::Pushbutton::new(Default::default());
    /// # drop(pb.long());
    /// ```
    pub async fn long(&self) {
        self.on_long.wait().await
    }

    /// Waits for a double click (latched, as [`press`](Self::press)).
    ///
    /// ```
    /// let pb = usched_drivers::Pushbutton::new(Default::default());
    /// # drop(pb.double());
    /// ```
    pub async fn double(&self) {
        self.on_double.wait().await
    }

    fn report(&self, e: ButtonEvent, on_event: &mut impl FnMut(ButtonEvent)) {
        on_event(e);
        match e {
            ButtonEvent::Press => self.on_press.signal(),
            ButtonEvent::Release => self.on_release.signal(),
            ButtonEvent::Long => self.on_long.signal(),
            ButtonEvent::Double => self.on_double.signal(),
        }
    }

    /// The button's task: reads `pin` at start (its state then, without an event; with
    /// [`Wiring::Auto`] that level is "released") and then every debounce period, reporting each
    /// event to `on_event`
    /// and to the tasks awaiting it. Never returns, except with the pin's error. Times come from
    /// `clock`, the clock the scheduler runs on. Run one runner per button.
    ///
    /// ```
    /// use usched::Sched;
    /// use usched_drivers::Pushbutton;
    /// use usched_sim::Board;
    /// let board = Board::new();
    /// let pin = board.input("X5", true);
    /// let pb: &'static Pushbutton = Box::leak(Box::new(Pushbutton::new(Default::default())));
    /// let s: &'static Sched<1, 1024> = Box::leak(Box::new(Sched::new()));
    /// s.spawn(async move {
    ///     // It only ever ends with an error (its `Ok` type is `Infallible`).
    ///     let Err(e) = pb.run(pin, board, |e| println!("{e:?}")).await;
    ///     println!("pin error: {e:?}");
    /// }).unwrap();
    /// ```
    pub async fn run<P, C>(
        &self,
        mut pin: P,
        clock: &C,
        mut on_event: impl FnMut(ButtonEvent),
    ) -> Result<Infallible, P::Error>
    where
        P: InputPin,
        C: Clock + ?Sized,
    {
        let idle = pin.is_high()?;
        let pressed_level = self.config.wiring.pressed_level(idle);
        self.pressed.set(idle == pressed_level);
        let mut ticker = Ticker::new(clock.now(), self.config.debounce);
        let mut g = Gesture::default();
        loop {
            let wake = [g.long_at, g.release_at].into_iter().flatten().fold(ticker.next(), Instant::min);
            sleep_until(wake).await;
            let now = clock.now();
            if now >= ticker.next() {
                ticker.advance(now);
                let pressed = pin.is_high()? == pressed_level;
                if self.pressed.replace(pressed) != pressed {
                    if pressed {
                        self.pressed_at(now, &mut g, &mut on_event);
                    } else {
                        self.released_at(now, &mut g, &mut on_event);
                    }
                }
            }
            if g.long_at.is_some_and(|t| now >= t) {
                g.long_at = None;
                g.window_closes = None;
                g.ended_special = true;
                self.report(ButtonEvent::Long, &mut on_event);
            }
            if g.release_at.is_some_and(|t| now >= t) {
                g.release_at = None;
                self.report(ButtonEvent::Release, &mut on_event);
            }
        }
    }

    fn pressed_at(&self, now: Instant, g: &mut Gesture, on_event: &mut impl FnMut(ButtonEvent)) {
        // A held-back release whose window has closed belongs to the gesture before this press.
        if g.release_at.is_some_and(|t| now >= t) {
            g.release_at = None;
            self.report(ButtonEvent::Release, on_event);
        }
        if g.window_closes.is_some_and(|t| now < t) {
            // The second press of a double: the window closes (no triple-click double) and no
            // long-press timer starts; a held-back release of the first click is dropped.
            g.window_closes = None;
            g.release_at = None;
            g.ended_special = true;
            self.report(ButtonEvent::Double, on_event);
            self.report(ButtonEvent::Press, on_event);
            return;
        }
        g.release_at = None;
        g.ended_special = false;
        g.window_closes = self.config.double.map(|d| now + d);
        g.long_at = self.config.long.map(|d| now + d);
        self.report(ButtonEvent::Press, on_event);
    }

    fn released_at(&self, now: Instant, g: &mut Gesture, on_event: &mut impl FnMut(ButtonEvent)) {
        g.long_at = None;
        if !self.config.suppress {
            self.report(ButtonEvent::Release, on_event);
        } else if g.ended_special {
            // A long press or a double already stood for this gesture.
        } else if let Some(t) = g.window_closes.filter(|&t| now < t) {
            g.release_at = Some(t); // may still become a double
        } else {
            self.report(ButtonEvent::Release, on_event);
        }
    }
}
