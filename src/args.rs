//! The demos' command line.

/// How to use a demo (`NAME` is replaced by the demo's name).
pub const USAGE: &str = "\
usage: cargo run --example NAME -- [--headless] [--fast] [--vcd FILE] [--trace FILE]

  (no flag)     show the board live in the terminal; keys press its buttons, q quits
  --headless    print a timestamped event trace instead (automatic when stdout is not a terminal)
  --fast        run on simulated time only, not following wall time (implies --headless)
  --vcd FILE    write every pin's changes to FILE as a Value Change Dump
  --trace FILE  write which task ran when to FILE (Chrome/Perfetto trace-event JSON)
  -h, --help    show this help
";

/// The parsed flags.
///
/// ```
/// use usched_demos::Args;
/// let a = Args::parse(["--fast", "--vcd", "x.vcd"].map(String::from)).unwrap().unwrap();
/// assert!(a.fast && a.vcd.as_deref() == Some("x.vcd"));
/// assert!(Args::parse(["--bogus".to_string()]).is_err());
/// assert!(Args::parse(["--help".to_string()]).unwrap().is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Args {
    /// `--headless`: print the trace, no board view.
    pub headless: bool,
    /// `--fast`: simulated time only.
    pub fast: bool,
    /// `--vcd FILE`.
    pub vcd: Option<String>,
    /// `--trace FILE`.
    pub trace: Option<String>,
}

/// What a run looks like.
///
/// ```
/// use usched_demos::{Args, Mode};
/// assert_eq!(Args::default().mode(true), Mode::View);
/// assert_eq!(Args::default().mode(false), Mode::Trace);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The live board view.
    View,
    /// The event trace, at wall-clock pace.
    Trace,
    /// The event trace, on simulated time only.
    FastTrace,
}

impl Args {
    /// Parses the flags (without the program name). `Ok(None)` means help was asked for.
    ///
    /// ```
    /// assert!(usched_demos::Args::parse(["--vcd".to_string()]).is_err()); // FILE missing
    /// ```
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
        let mut a = Args::default();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--headless" => a.headless = true,
                "--fast" => a.fast = true,
                "--vcd" | "--trace" => {
                    let file =
                        it.next().filter(|f| !f.starts_with("--")).ok_or(format!("{arg} needs a FILE"))?;
                    if arg == "--vcd" {
                        a.vcd = Some(file);
                    } else {
                        a.trace = Some(file);
                    }
                }
                "-h" | "--help" => return Ok(None),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(Some(a))
    }

    /// The mode these flags ask for, given whether stdout is a terminal.
    ///
    /// ```
    /// use usched_demos::{Args, Mode};
    /// let fast = Args { fast: true, ..Args::default() };
    /// assert_eq!(fast.mode(true), Mode::FastTrace);
    /// ```
    pub fn mode(&self, stdout_is_terminal: bool) -> Mode {
        if self.fast {
            Mode::FastTrace
        } else if self.headless || !stdout_is_terminal {
            Mode::Trace
        } else {
            Mode::View
        }
    }
}
