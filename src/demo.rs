//! The demo board: a Pyboard-like simulated board, a scheduler, and the helpers demos use.

use std::cell::RefCell;
use std::future::Future;
use std::io::{self, Write};
use std::time::Duration;

use usched::{sleep_until, RunEnd, Sched, SpawnError, TaskError, TaskId};
use usched_sim::{Accel, Board, Hd44780, Pin};

use crate::tasktrace::{Recorder, Traced};

/// The scheduler the demos use: 16 task slots of 1 KiB.
pub type DemoSched = Sched<16, 1024>;

/// What a demo function returns.
pub type DemoResult = Result<(), DemoError>;

/// Why a demo could not go on.
///
/// (`usched`'s `SpawnError` and `TaskError` implement `Display` but not `std::error::Error`, so they
/// cannot go into a `Box<dyn Error>` with `?`; this wrapper takes them.)
///
/// ```
/// let e: usched_demos::DemoError = usched::SpawnError::Full.into();
/// assert_eq!(e.to_string(), "every task slot is in use");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DemoError {
    /// Spawning failed.
    Spawn(SpawnError),
    /// Controlling a task failed.
    Task(TaskError),
    /// Anything else, said in words.
    Other(String),
}

impl std::fmt::Display for DemoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemoError::Spawn(e) => e.fmt(f),
            DemoError::Task(e) => e.fmt(f),
            DemoError::Other(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for DemoError {}

impl From<SpawnError> for DemoError {
    fn from(e: SpawnError) -> Self {
        DemoError::Spawn(e)
    }
}

impl From<TaskError> for DemoError {
    fn from(e: TaskError) -> Self {
        DemoError::Task(e)
    }
}

/// A button on the board, pressed from the keyboard in the board view.
///
/// ```
/// let d = usched_demos::Demo::new(false);
/// let b = d.button("X5", 'a');
/// assert_eq!(d.buttons()[1].key, 'a'); // after the USR switch
/// assert!(b.level()); // pulled up: released
/// ```
#[derive(Clone, Debug)]
pub struct Button {
    /// The pin (pulled up; the button connects it to ground).
    pub pin: Pin,
    /// The key that presses it in the board view.
    pub key: char,
}

/// A demo's world: the board, its LEDs, the scheduler, and what the view shows.
///
/// ```
/// let d = usched_demos::Demo::new(false);
/// assert_eq!(d.leds[3].name(), "led blue");
/// ```
pub struct Demo {
    /// The simulated board (also the scheduler's clock).
    pub board: &'static Board,
    /// The scheduler.
    pub sched: &'static DemoSched,
    /// The Pyboard's four LEDs: `LED(1)` red, `LED(2)` green, `LED(3)` yellow, `LED(4)` blue.
    pub leds: [Pin; 4],
    buttons: RefCell<Vec<Button>>,
    lcd: RefCell<Option<Hd44780>>,
    tasks: RefCell<Vec<(TaskId, String)>>,
    rec: &'static Recorder,
    panels: RefCell<Vec<(String, Vec<Pin>)>>,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo").field("board", &self.board).finish()
    }
}

/// The LED colours, in `pyb.LED(1..=4)` order.
pub(crate) const LED_COLOURS: [&str; 4] = ["red", "green", "yellow", "blue"];

impl Demo {
    /// A fresh board with its four LEDs and its USR switch (key `u`), and an empty scheduler. `trace` turns on the task
    /// recorder behind `--trace`. Lives for the rest of the program.
    ///
    /// ```
    /// let d = usched_demos::Demo::new(false);
    /// assert_eq!(d.sched.free_slots(), 16);
    /// ```
    pub fn new(trace: bool) -> &'static Demo {
        let board = Board::new();
        let leds = LED_COLOURS.map(|c| {
            let p = board.output(&format!("led {c}"));
            p.set_words("off", "on");
            p
        });
        let rec: &'static Recorder = Box::leak(Box::new(Recorder {
            on: trace,
            names: RefCell::new(Vec::new()),
            spans: RefCell::new(Vec::new()),
        }));
        let demo: &'static Demo = Box::leak(Box::new(Demo {
            board,
            sched: Box::leak(Box::new(Sched::new())),
            leds,
            buttons: RefCell::new(Vec::new()),
            lcd: RefCell::new(None),
            tasks: RefCell::new(Vec::new()),
            rec,
            panels: RefCell::new(Vec::new()),
        }));
        demo.button("USR", 'u'); // the Pyboard's user switch
        demo
    }

    /// Spawns a task named `name` (the name appears in `--trace` output and in statistics).
    ///
    /// ```
    /// let d = usched_demos::Demo::new(false);
    /// let id = d.spawn("idle", async {}).unwrap();
    /// assert_eq!(d.task_name(id).as_deref(), Some("idle"));
    /// ```
    pub fn spawn<F>(&'static self, name: impl Into<String>, fut: F) -> Result<TaskId, SpawnError>
    where
        F: Future<Output = ()> + 'static,
    {
        let name = name.into();
        let task = {
            let mut names = self.rec.names.borrow_mut();
            names.push(name.clone());
            names.len() - 1
        };
        let id = self.sched.spawn(Traced { fut, task, board: self.board, rec: self.rec })?;
        self.tasks.borrow_mut().push((id, name));
        Ok(id)
    }

    /// The name a task was spawned with.
    ///
    /// ```
    /// let d = usched_demos::Demo::new(false);
    /// let id = d.spawn("x", async {}).unwrap();
    /// assert_eq!(d.task_name(id).as_deref(), Some("x"));
    /// ```
    pub fn task_name(&self, id: TaskId) -> Option<String> {
        self.tasks.borrow().iter().find(|(t, _)| *t == id).map(|(_, n)| n.clone())
    }

    /// Every task spawned so far, with its name, in spawn order.
    ///
    /// ```
    /// let d = usched_demos::Demo::new(false);
    /// d.spawn("x", async {}).unwrap();
    /// assert_eq!(d.tasks().len(), 1);
    /// ```
    pub fn tasks(&self) -> Vec<(TaskId, String)> {
        self.tasks.borrow().clone()
    }

    /// Prints a line: into the board's event log, stamped with board time.
    ///
    /// ```
    /// usched_demos::Demo::new(false).print("hello");
    /// ```
    pub fn print(&self, text: impl Into<String>) {
        self.board.log(text);
    }

    /// Busy work for `d` that does not yield (the original's `pyb.delay`): board time moves on and
    /// every other task waits.
    ///
    /// ```
    /// let d = usched_demos::Demo::new(false);
    /// d.work(std::time::Duration::from_millis(100));
    /// assert_eq!(d.board.now().as_micros(), 100_000);
    /// ```
    pub fn work(&self, d: Duration) {
        // `advance` wants the `'static` board; `self.board` is one.
        self.board.advance(d);
    }

    /// Runs the scheduler until it stops, and logs how it ended (the original's `objSched.run()`).
    ///
    /// ```
    /// let d = usched_demos::Demo::new(false);
    /// assert_eq!(d.run(), usched::RunEnd::Finished);
    /// ```
    pub fn run(&'static self) -> RunEnd {
        let end = self.sched.run(self.board);
        self.print(match end {
            RunEnd::Finished => "all tasks finished",
            RunEnd::Stopped => "scheduler stopped",
            RunEnd::AllPaused => "every task is paused: scheduler returned",
            RunEnd::AlreadyRunning => "scheduler already running",
            RunEnd::Stalled => "every task waits for something that can never happen: scheduler returned",
        });
        end
    }

    /// A task that stops the scheduler after `after` (the original demos' `stop` thread).
    ///
    /// ```
    /// use std::time::Duration;
    /// let d = usched_demos::Demo::new(false);
    /// d.spawn("stop", d.stop_after(Duration::from_secs(3))).unwrap();
    /// d.run();
    /// assert_eq!(d.board.now().as_micros(), 3_000_000);
    /// ```
    ///
    /// The deadline is fixed when `stop_after` is called, not when the task first runs, so the run
    /// lasts `after` from set-up however busy the other tasks are at the start (the original ran a
    /// thread up to its first `yield` inside `add_thread`, which had the same effect).
    pub fn stop_after(&'static self, after: Duration) -> impl Future<Output = ()> {
        let at = self.board.now() + after;
        async move {
            sleep_until(at).await;
            self.sched.stop_all();
        }
    }

    /// Adds a push button on pin `name` (pulled up, to ground), pressed by `key` in the board view.
    ///
    /// ```
    /// let d = usched_demos::Demo::new(false);
    /// let x6 = d.button("X6", 'b');
    /// assert_eq!(x6.name(), "X6");
    /// ```
    pub fn button(&self, name: &str, key: char) -> Pin {
        let pin = self.board.input(name, true);
        pin.set_words("pressed", "released");
        self.buttons.borrow_mut().push(Button { pin, key });
        pin
    }

    /// The buttons, in the order they were added.
    ///
    /// ```
    /// assert_eq!(usched_demos::Demo::new(false).buttons()[0].pin.name(), "USR");
    /// ```
    pub fn buttons(&self) -> Vec<Button> {
        self.buttons.borrow().clone()
    }

    /// Attaches a `cols` × `rows` HD44780 display on pins Y1–Y6 (RS, E, D4–D7, as the original
    /// lcdtest wired it) and returns those pins for the driver, with the display for the view.
    ///
    /// ```
    /// let d = usched_demos::Demo::new(false);
    /// let (pins, lcd) = d.lcd(16, 2);
    /// assert_eq!(pins[1].name(), "Y2");
    /// assert_eq!(lcd.row(0).len(), 16);
    /// ```
    pub fn lcd(&self, cols: usize, rows: usize) -> ([Pin; 6], Hd44780) {
        let pins = ["Y1", "Y2", "Y3", "Y4", "Y5", "Y6"].map(|n| self.board.output(n));
        let lcd = Hd44780::attach(pins, cols, rows);
        *self.lcd.borrow_mut() = Some(lcd.clone());
        (pins, lcd)
    }

    /// The display, if the demo attached one.
    ///
    /// ```
    /// assert!(usched_demos::Demo::new(false).display().is_none());
    /// ```
    pub fn display(&self) -> Option<Hd44780> {
        self.lcd.borrow().clone()
    }

    /// Adds a panel to the board view: `pins` with their levels, under `title`. Panels stand side
    /// by side in one row (two boards joined by a link, for example).
    ///
    /// ```
    /// let d = usched_demos::Demo::new(false);
    /// let b = d.board.peer("B");
    /// d.panel("board B", vec![b.output("led")]);
    /// assert_eq!(d.panels()[0].0, "board B");
    /// ```
    pub fn panel(&self, title: &str, pins: Vec<Pin>) {
        self.panels.borrow_mut().push((title.to_string(), pins));
    }

    /// The panels, in the order they were added.
    ///
    /// ```
    /// assert!(usched_demos::Demo::new(false).panels().is_empty());
    /// ```
    pub fn panels(&self) -> Vec<(String, Vec<Pin>)> {
        self.panels.borrow().clone()
    }

    /// The board's accelerometer.
    ///
    /// ```
    /// assert_eq!(usched_demos::Demo::new(false).accel().z(), 21);
    /// ```
    pub fn accel(&self) -> Accel {
        Accel::new(self.board)
    }

    /// Writes the task trace (`--trace`): Chrome/Perfetto trace-event JSON, one track per task, one
    /// slice per poll, times in board microseconds.
    ///
    /// ```
    /// let d = usched_demos::Demo::new(true);
    /// let mut out = Vec::new();
    /// d.write_task_trace(&mut out).unwrap();
    /// assert!(String::from_utf8(out).unwrap().starts_with("{\"displayTimeUnit\""));
    /// ```
    pub fn write_task_trace(&self, w: impl Write) -> io::Result<()> {
        use serde_json::{json, Value};
        let names = self.rec.names.borrow();
        let mut events: Vec<Value> = names
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"name": "thread_name", "ph": "M", "pid": 1, "tid": i + 1, "args": {"name": n}}))
            .collect();
        events.extend(self.rec.spans.borrow().iter().map(|&(task, start, end)| {
            json!({"name": names.get(task).map_or("?", String::as_str), "cat": "task", "ph": "X",
                   "ts": start, "dur": end - start, "pid": 1, "tid": task + 1})
        }));
        let doc = json!({"displayTimeUnit": "ms", "traceEvents": events});
        serde_json::to_writer(w, &doc).map_err(io::Error::other)
    }
}
