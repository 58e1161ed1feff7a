//! Shared pieces of the demos in `examples/`: each demo is one of the original usched demos,
//! running on the simulated board.
//!
//! A demo is a function `fn(&'static Demo) -> DemoResult` that spawns its tasks and calls
//! [`Demo::run`], like the original's `objSched.run()`. [`main`] wraps it in a command line:
//!
//! - in a terminal: a live board view (LEDs, LCD, buttons on keys, an event log), with board time
//!   following wall time; `q`, `Esc` or `Ctrl-C` quits;
//! - `--headless` (or when stdout is not a terminal): a timestamped event trace, one line per event;
//! - `--fast`: the trace on simulated time only, as fast as the machine goes;
//! - `--vcd FILE`: every pin's changes as a Value Change Dump;
//! - `--trace FILE`: which task ran when, as Chrome/Perfetto trace-event JSON.
//!
//! ```
//! use std::time::Duration;
//! use usched::sleep;
//! use usched_demos::{trace_fast, Demo, DemoResult};
//!
//! fn blink(d: &'static Demo) -> DemoResult {
//!     let led = d.leds[0];
//!     d.spawn("blink", async move {
//!         sleep(Duration::from_millis(500)).await;
//!         led.set(true);
//!     })?;
//!     d.run();
//!     Ok(())
//! }
//! assert_eq!(trace_fast(blink), "  0.500000 led red on\n  0.500000 all tasks finished\n");
//! ```
//!
//! ## Features and dependencies
//!
//! No Cargo features. Besides usched (with `std`), `usched-sim`, `usched-drivers` and `syncom`,
//! whose demos these are: `ratatui` and `crossterm` draw the live board view in a terminal;
//! `serde_json` writes the Perfetto task trace; `serde` derives the objects the `syncom` demo
//! sends; `pin-project-lite` lets the task tracer wrap a task's future; `embedded-hal` is the pin
//! traits the demos drive.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod args;
mod demo;
mod tasktrace;
mod view;

pub use args::{Args, Mode, USAGE};
pub use demo::{Button, Demo, DemoError, DemoResult, DemoSched};
pub use tasktrace::Traced;
pub use usched::heartbeat;
pub use view::board_snapshot;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use usched::Instant;

/// Runs `demo` on simulated time only and returns its event trace (what `--headless --fast`
/// prints). This is what the golden tests compare.
///
/// ```
/// use usched_demos::{trace_fast, Demo, DemoResult};
/// fn nothing(d: &'static Demo) -> DemoResult {
///     d.run();
///     Ok(())
/// }
/// assert_eq!(trace_fast(nothing), "  0.000000 all tasks finished\n");
/// ```
pub fn trace_fast(demo: fn(&'static Demo) -> DemoResult) -> String {
    let out = std::rc::Rc::new(std::cell::RefCell::new(String::new()));
    let d = Demo::new(false);
    let o = out.clone();
    d.board.set_sink(Some(Box::new(move |e| {
        o.borrow_mut().push_str(&format!("{e}\n"));
    })));
    fast_pacer(d);
    if let Err(e) = demo(d) {
        d.print(format!("error: {e}"));
    }
    d.board.set_sink(None);
    let s = out.borrow().clone();
    s
}

/// On simulated time there is nobody to press a key: if nothing at all is left to happen, say so
/// and stop instead of waiting for ever.
fn fast_pacer(d: &'static Demo) {
    d.board.set_pacer(Some(Box::new(move |_b, now, target| {
        if target == Instant::MAX {
            d.print("nothing left to happen: stopping");
            d.sched.stop_all();
            return now;
        }
        target
    })));
}

/// Headless at wall-clock pace: sleep until board time catches up with wall time.
fn wall_pacer(d: &'static Demo) {
    let start = std::time::Instant::now();
    d.board.set_pacer(Some(Box::new(move |_b, now, target| {
        if target == Instant::MAX {
            d.print("nothing left to happen: stopping");
            d.sched.stop_all();
            return now;
        }
        let wall = Duration::from_micros(target.as_micros());
        if let Some(left) = wall.checked_sub(start.elapsed()) {
            std::thread::sleep(left);
        }
        target
    })));
}

/// The whole command line of a demo: parse the flags, run the demo in the chosen mode, write the
/// requested files. A bad flag prints the usage and exits with status 2.
///
/// ```no_run
/// fn demo(d: &'static usched_demos::Demo) -> usched_demos::DemoResult {
///     d.run();
///     Ok(())
/// }
/// fn main() -> std::process::ExitCode {
///     usched_demos::main("nothing", demo)
/// }
/// ```
pub fn main(name: &str, demo: fn(&'static Demo) -> DemoResult) -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{}", USAGE.replace("NAME", name));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{name}: {e}\n\n{}", USAGE.replace("NAME", name));
            return ExitCode::from(2);
        }
    };
    let mode = args.mode(io::stdout().is_terminal());
    let d = Demo::new(args.trace.is_some());
    let code = match mode {
        Mode::View => match view::run(name, d, demo) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{name}: {e}");
                ExitCode::FAILURE
            }
        },
        Mode::Trace | Mode::FastTrace => {
            d.board.set_sink(Some(Box::new(|e| {
                let mut out = io::stdout().lock();
                match writeln!(out, "{e}").and_then(|_| out.flush()) {
                    Ok(()) => {}
                    // The reader went away (a closed pipe): stop quietly, as `yes | head` does.
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
                    Err(e) => {
                        eprintln!("cannot write the trace: {e}");
                        std::process::exit(1);
                    }
                }
            })));
            if mode == Mode::FastTrace {
                fast_pacer(d);
            } else {
                wall_pacer(d);
            }
            if let Err(e) = demo(d) {
                d.print(format!("error: {e}"));
            }
            d.board.set_sink(None);
            ExitCode::SUCCESS
        }
    };
    if let Some(path) = &args.vcd {
        if let Err(e) = std::fs::File::create(path).and_then(|f| d.board.write_vcd(io::BufWriter::new(f))) {
            eprintln!("{name}: cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    if let Some(path) = &args.trace {
        if let Err(e) = std::fs::File::create(path).and_then(|f| d.write_task_trace(io::BufWriter::new(f))) {
            eprintln!("{name}: cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    code
}
