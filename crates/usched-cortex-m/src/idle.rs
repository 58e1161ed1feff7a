//! Sleeping in `WFI` without losing a wake.
//!
//! # The race, and the sequence that closes it
//!
//! The scheduler decides that nothing is ready, then asks the clock to sleep. An interrupt can land
//! between that decision and the `WFI`: its handler signals an [`IrqLine`](usched::IrqLine) or wakes
//! a task, returns, and the core goes to sleep anyway. With a tickless clock that sleep can last
//! until the next deadline, or for ever.
//!
//! Every clock of this crate sleeps through [`Idler::idle`], which does:
//!
//! ```text
//! loop {
//!     CPSID i                      // PRIMASK = 1: handlers cannot run from here ...
//!     if wake.pending() or due():  // ... so what we look at cannot change behind our back
//!         CPSIE i; return
//!     arm the alarm for `until`    // tickless clocks only
//!     WFI                          // PRIMASK does not stop WFI waking: a pending interrupt ends it,
//!                                  // including one that became pending after CPSID
//!     CPSIE i                      // the handler runs here, then we look again
//! }
//! ```
//!
//! The architecture guarantees the step that matters: `WFI` returns when an interrupt is pending
//! whose priority would let it preempt if PRIMASK were clear (ARMv6-M and ARMv7-M, "WFI wake-up
//! events"). So an interrupt that arrives after the check stays pending, `WFI` falls straight
//! through, and the handler runs at `CPSIE`. The QEMU suite lands an interrupt exactly in that window
//! (through [`Idler::set_before_wfi`]) and checks that the waiting task runs at once.
//!
//! If `idle` is called with interrupts already masked (a run loop inside a critical section), it
//! never sleeps: handlers could not run before the next look, so it returns and lets the
//! scheduler spin.

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use critical_section::Mutex;
use usched::Wakeup;

/// The `WFI` loop every clock of this crate idles in, with a count of sleeps and an optional hook.
///
/// Clocks own one; reach it through their `idler()` method.
///
/// ```no_run
/// use usched_cortex_m::SysTickClock;
/// static CLOCK: SysTickClock = SysTickClock::new(25_000_000, 1_000);
/// let sleeps_so_far = CLOCK.idler().sleeps();
/// # let _ = sleeps_so_far;
/// ```
pub struct Idler {
    sleeps: AtomicU32,
    before_wfi: Mutex<Cell<Hook>>,
    /// Set by [`Idler::assume_single_core`]: the clock hands usched the `IPSR` probe.
    single_core: AtomicBool,
}

/// What runs right before `WFI`, if anything.
type Hook = Option<fn()>;

impl Default for Idler {
    fn default() -> Self {
        Self::new()
    }
}

impl Idler {
    /// An idler that has not slept yet and has no hook.
    ///
    /// ```
    /// let idler = usched_cortex_m::Idler::new();
    /// assert_eq!(idler.sleeps(), 0);
    /// ```
    pub const fn new() -> Self {
        Idler {
            sleeps: AtomicU32::new(0),
            before_wfi: Mutex::new(Cell::new(None)),
            single_core: AtomicBool::new(false),
        }
    }

    /// How many times the core has executed `WFI` here (wrapping at `u32::MAX`). A program that is
    /// meant to sleep can check that it does; the QEMU suite checks that idling reaches `WFI`.
    ///
    /// ```
    /// assert_eq!(usched_cortex_m::Idler::new().sleeps(), 0);
    /// ```
    pub fn sleeps(&self) -> u32 {
        self.sleeps.load(Ordering::Relaxed)
    }

    /// Promises that this program runs on one core without an RTOS, so that the clock can tell
    /// usched which context a wake comes from (`IPSR`: thread mode or which handler) and a wake on
    /// the scheduler's own context queues its task without atomics ([`usched::Clock::context`]).
    /// Call it before the scheduler's first `run`, which reads the clock's probe once. Without it,
    /// every wake goes through usched's lock-free wake stack, which is sound anywhere.
    ///
    /// # Safety
    /// No code that can call a usched waker runs on another core, or in another thread-mode thread
    /// (an RTOS task): `IPSR` tells handlers apart, not cores or RTOS threads, and a wake it
    /// mistook for the scheduler's own would race with the run loop (see the crate's `context.rs`).
    ///
    /// ```no_run
    /// use usched_cortex_m::SysTickClock;
    /// static CLOCK: SysTickClock = SysTickClock::new(25_000_000, 1_000);
    /// // SAFETY: a single-core chip, no RTOS.
    /// unsafe { CLOCK.idler().assume_single_core() };
    /// ```
    // SAFETY: (for callers) the contract above; `context.rs` relies on it for the probe.
    pub unsafe fn assume_single_core(&self) {
        self.single_core.store(true, Ordering::Relaxed);
    }

    /// The probe this idler's clock returns from `Clock::context`: `IPSR` once
    /// [`Idler::assume_single_core`] was promised, `None` before.
    pub(crate) fn context(&self) -> Option<usched::ContextProbe> {
        if self.single_core.load(Ordering::Relaxed) {
            crate::context::EXCEPTION
        } else {
            None
        }
    }

    /// Calls `hook` right before every `WFI`, with interrupts masked (`None` removes it). Uses: set
    /// a pin to watch sleep on a scope, or, in a test, pend an interrupt inside the race window.
    /// The hook must be short and must not wait for an interrupt handler.
    ///
    /// ```no_run
    /// use usched_cortex_m::SysTickClock;
    /// static CLOCK: SysTickClock = SysTickClock::new(25_000_000, 1_000);
    /// CLOCK.idler().set_before_wfi(Some(|| { /* e.g. drive a "sleeping" pin high */ }));
    /// ```
    pub fn set_before_wfi(&self, hook: Option<fn()>) {
        critical_section::with(|cs| self.before_wfi.borrow(cs).set(hook));
    }

    /// Sleeps in `WFI` until `wake` is pending or `due()` says the wait is over, calling `arm`
    /// (with interrupts masked) before each sleep so a tickless clock can set its alarm. `due` and
    /// `arm` run with interrupts masked. See the module docs for the sequence.
    ///
    /// ```no_run
    /// # fn demo(wake: &usched::Wakeup) {
    /// static IDLER: usched_cortex_m::Idler = usched_cortex_m::Idler::new();
    /// // In a custom Clock::idle: sleep until an interrupt wakes the scheduler.
    /// IDLER.idle(wake, || false, || {});
    /// # }
    /// ```
    pub fn idle(&self, wake: &Wakeup, mut due: impl FnMut() -> bool, mut arm: impl FnMut()) {
        if cortex_m::register::primask::read().is_inactive() {
            // Already masked by our caller: handlers cannot run until it unmasks, so sleeping
            // could not end with anything new. Let the scheduler look again.
            return;
        }
        loop {
            cortex_m::interrupt::disable();
            if wake.pending() || due() {
                // SAFETY: interrupts were enabled on entry (checked above) and we masked them two
                // lines up; unmasking restores the caller's state, inside no critical section.
                unsafe { cortex_m::interrupt::enable() };
                return;
            }
            arm();
            let hook = critical_section::with(|cs| self.before_wfi.borrow(cs).get());
            if let Some(hook) = hook {
                hook();
            }
            self.sleeps.store(self.sleeps.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
            cortex_m::asm::wfi();
            // SAFETY: as above: we masked interrupts ourselves; unmasking lets the handler that
            // ended the sleep run, and restores the caller's state.
            unsafe { cortex_m::interrupt::enable() };
        }
    }
}
