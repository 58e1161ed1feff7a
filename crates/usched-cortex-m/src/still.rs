//! A [`Clock`] for programs whose waits all end by an interrupt or another task: time stands still.

use usched::{Clock, Instant, Wakeup};

use crate::idle::Idler;

/// A [`Clock`] whose time stays at [`Instant::ZERO`], idling in `WFI` through an [`Idler`].
///
/// For programs that never wait for a deadline: every task waits for an interrupt
/// (`usched::IrqLine`, a waker), another task or a yield. It takes no timer, so it
/// leaves SysTick and the chip's timers free, and it costs nothing per scheduler pass. A timed wait
/// (`sleep`, a timeout) with a positive duration never ends on it.
///
/// The benchmark programs run on it: the workloads have no deadlines, and idling still goes through
/// the same race-free `WFI` sequence as the port's other clocks.
///
/// ```no_run
/// use cortex_m_rt::entry;
/// use static_cell::ConstStaticCell;
/// use usched::{IrqLine, IrqResult, Sched};
/// use usched_cortex_m::StillClock;
///
/// static CLOCK: StillClock = StillClock::new();
/// static BUTTON: IrqLine = IrqLine::new();
/// static SCHED: ConstStaticCell<Sched<2, 128>> = ConstStaticCell::new(Sched::new());
///
/// #[entry]
/// fn main() -> ! {
///     let sched = SCHED.take();
///     sched.spawn(async {
///         loop {
///             let presses = BUTTON.wait().await; // the GPIO handler calls BUTTON.signal()
///             let _ = presses;
///         }
///     }).ok();
///     sched.run(&CLOCK);
///     loop {}
/// }
/// ```
pub struct StillClock {
    idler: Idler,
}

impl Default for StillClock {
    fn default() -> Self {
        Self::new()
    }
}

impl StillClock {
    /// A clock at [`Instant::ZERO`] that has not slept yet.
    ///
    /// ```
    /// use usched::{Clock, Instant};
    /// let clock = usched_cortex_m::StillClock::new();
    /// assert_eq!(clock.now(), Instant::ZERO);
    /// assert_eq!(clock.idler().sleeps(), 0);
    /// ```
    pub const fn new() -> Self {
        StillClock { idler: Idler::new() }
    }

    /// The `WFI` loop this clock idles in: its sleep count and its hook.
    ///
    /// ```
    /// static CLOCK: usched_cortex_m::StillClock = usched_cortex_m::StillClock::new();
    /// assert_eq!(CLOCK.idler().sleeps(), 0);
    /// ```
    pub fn idler(&self) -> &Idler {
        &self.idler
    }
}

impl Clock for StillClock {
    /// Thread mode or the active handler (`IPSR`), once the program promised a single core
    /// without an RTOS ([`Idler::assume_single_core`](crate::Idler::assume_single_core)).
    #[inline]
    fn context(&self) -> Option<usched::ContextProbe> {
        self.idler.context()
    }

    #[inline]
    fn now(&self) -> Instant {
        Instant::ZERO
    }

    // Out of line: the scheduler's pass stays as small as on a clock that cannot idle.
    #[inline(never)]
    fn idle(&self, until: Option<Instant>, wake: &Wakeup) {
        // Only a deadline at time zero is ever due.
        let due = until.is_some_and(|t| t <= Instant::ZERO);
        self.idler.idle(wake, || due, || {});
    }
}
