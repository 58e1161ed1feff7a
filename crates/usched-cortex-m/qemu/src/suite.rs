#![allow(dead_code)]
// The on-target tests: usched on a Cortex-M core in QEMU, with real timers and interrupts.
// Shared by the `tests` (SysTick) and `tests_tickless` (CMSDK) programs.
//
// Exact assertions on order and counts; timing is checked against stated bounds only. QEMU runs
// with `-icount`, so a run is deterministic: the same build gives the same timings every time.

use core::cell::{Cell, RefCell};
use core::time::Duration;

use critical_section::Mutex;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use usched::{
    sleep, yield_now, Clock, Instant, IrqLine, IrqResult, PollResult, Poller, RunEnd, Sched, Status,
};
use usched_cortex_m::{Idler, StillClock, SysTickClock};
use usched_cortex_m_qemu::{on_irq, pend, SOFT, SYSTICK, TICK_US};

/// The scheduler every test runs on (one at a time; each run ends with every task finished).
pub type S = &'static Sched<6, 256>;

/// A SysTick sleep ends within one tick of its deadline, plus the handler and a pass.
pub const SYSTICK_LATE_BOUND_US: u64 = TICK_US as u64 + 200;
/// A tickless sleep ends within this of its deadline *in QEMU with `sleep=on`*, where idle time is
/// host time: the bound is the host's timer jitter (measured up to 2 ms on a loaded machine), not
/// the port's. The exact checks of the tickless clock are the one-`WFI` counts below.
#[cfg(board = "mps2")]
pub const CMSDK_LATE_BOUND_US: u64 = 20_000;
/// From an interrupt pended in the idle race window to the waiting task running (measured: about
/// 60 us on the M4, 120 us on the M0, at QEMU's 15.6 M instructions per second). A lost wake would
/// cost up to a whole tick (1 ms) on SysTick, and for ever on the tickless clock.
pub const WAKE_LATENCY_BOUND_US: u64 = 250;

/// What the tasks did, in order.
struct Log(Mutex<RefCell<([u32; 32], usize)>>);

impl Log {
    const fn new() -> Self {
        Log(Mutex::new(RefCell::new(([0; 32], 0))))
    }
    fn clear(&self) {
        critical_section::with(|cs| self.0.borrow_ref_mut(cs).1 = 0);
    }
    fn push(&self, v: u32) {
        critical_section::with(|cs| {
            let mut l = self.0.borrow_ref_mut(cs);
            let n = l.1;
            assert!(n < 32, "log full");
            l.0[n] = v;
            l.1 = n + 1;
        });
    }
    fn check(&self, want: &[u32]) {
        critical_section::with(|cs| {
            let l = self.0.borrow_ref(cs);
            assert_eq!(&l.0[..l.1], want);
        });
    }
}

static LOG: Log = Log::new();
static LINE: IrqLine = IrqLine::new();
static COUNT: Mutex<Cell<u32>> = Mutex::new(Cell::new(0));
static T_MARK: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));
static ARMED: Mutex<Cell<bool>> = Mutex::new(Cell::new(false));
static ESIG: embassy_sync::signal::Signal<CriticalSectionRawMutex, u32> = embassy_sync::signal::Signal::new();

pub fn count() -> u32 {
    critical_section::with(|cs| COUNT.borrow(cs).get())
}
pub fn bump() {
    critical_section::with(|cs| COUNT.borrow(cs).set(COUNT.borrow(cs).get() + 1));
}
pub fn mark(t: u64) {
    critical_section::with(|cs| T_MARK.borrow(cs).set(t));
}
pub fn marked() -> u64 {
    critical_section::with(|cs| T_MARK.borrow(cs).get())
}

pub fn run_on<C: Clock>(s: S, clock: &'static C) {
    assert_eq!(s.run(clock), RunEnd::Finished);
}

pub fn round_robin_order(s: S) {
    round_robin_order_on(s, &SYSTICK);
}

pub fn round_robin_order_on<C: Clock>(s: S, clock: &'static C) {
    LOG.clear();
    for id in 0..3u32 {
        s.spawn(async move {
            for _ in 0..3 {
                LOG.push(id);
                yield_now().await;
            }
        })
        .unwrap();
    }
    run_on(s, clock);
    LOG.check(&[0, 1, 2, 0, 1, 2, 0, 1, 2]);
}

pub fn spawn_from_task(s: S) {
    LOG.clear();
    s.spawn(async move {
        LOG.push(1);
        s.spawn(async { LOG.push(3) }).unwrap();
        LOG.push(2);
        yield_now().await;
        LOG.push(4);
    })
    .unwrap();
    run_on(s, &SYSTICK);
    LOG.check(&[1, 2, 3, 4]);
}

pub fn pause_resume_stop_from_another_task(s: S) {
    critical_section::with(|cs| COUNT.borrow(cs).set(0));
    let worker = s
        .spawn(async {
            loop {
                bump();
                yield_now().await;
            }
        })
        .unwrap();
    s.spawn(async move {
        assert_eq!(count(), 1, "the worker, spawned first, ran first");
        s.pause(worker).unwrap();
        assert_eq!(s.status(worker), Status::Paused);
        for _ in 0..5 {
            yield_now().await;
        }
        assert_eq!(count(), 1, "a paused task ran");
        s.resume(worker).unwrap();
        yield_now().await;
        assert_eq!(count(), 2);
        s.stop(worker).unwrap();
        assert_eq!(s.status(worker), Status::Finished);
        yield_now().await;
        assert_eq!(count(), 2, "a stopped task ran");
    })
    .unwrap();
    run_on(s, &SYSTICK);
}

pub fn sleep_lateness<C: Clock>(s: S, clock: &'static C, bound_us: u64) {
    critical_section::with(|cs| T_MARK.borrow(cs).set(0));
    s.spawn(async move {
        for ms in [1u64, 3, 10, 25, 2] {
            let t0 = clock.now();
            let late = sleep(Duration::from_millis(ms)).await;
            let slept = clock.now() - t0;
            assert!(slept >= Duration::from_millis(ms), "woke early: {slept:?} < {ms} ms");
            let late_us = late.as_micros() as u64;
            assert!(late_us <= bound_us, "{late_us} us late, bound {bound_us} us");
            assert!(slept.as_micros() as u64 <= ms * 1000 + bound_us + 50);
        }
    })
    .unwrap();
    run_on(s, clock);
}

pub fn sleep_lateness_systick(s: S) {
    sleep_lateness(s, &SYSTICK, SYSTICK_LATE_BOUND_US);
}

#[cfg(board = "mps2")]
pub fn sleep_lateness_cmsdk_tickless(s: S) {
    sleep_lateness(s, &usched_cortex_m_qemu::CMSDK, CMSDK_LATE_BOUND_US);
}

pub fn irq_line_counts_pends_before_the_waiter_runs(s: S) {
    on_irq(SOFT[0], || LINE.signal());
    LOG.clear();
    s.spawn(async {
        assert_eq!(LINE.wait().await, IrqResult::Irq(3));
        LOG.push(1);
        assert_eq!(LINE.wait().await, IrqResult::Irq(1));
        LOG.push(3);
    })
    .unwrap();
    s.spawn(async {
        // Each pend runs the handler at once (interrupts are enabled in tasks): three signals
        // before the waiter gets to run.
        pend(SOFT[0]);
        pend(SOFT[0]);
        pend(SOFT[0]);
        yield_now().await;
        LOG.push(2);
        pend(SOFT[0]);
    })
    .unwrap();
    run_on(s, &SYSTICK);
    LOG.check(&[1, 2, 3]);
    assert_eq!(LINE.pending(), 0);
}

/// Arms a one-shot pend of `SOFT[irq]` from inside the idle race window (after the scheduler's
/// last look, with interrupts masked, right before `WFI`), and records when.
pub fn pend_in_race_window<C: Clock>(idler: &Idler, clock: &'static C, hook: fn()) {
    critical_section::with(|cs| ARMED.borrow(cs).set(true));
    let _ = clock;
    idler.set_before_wfi(Some(hook));
}

pub fn race_hook<C: Clock, const IRQ: usize>(clock: &'static C) {
    let fire = critical_section::with(|cs| ARMED.borrow(cs).replace(false));
    if fire {
        mark(clock.now().as_micros());
        pend(SOFT[IRQ]);
    }
}

/// The lost-wake race: the interrupt lands between "nothing to do" and `WFI`. The sleep must
/// end at once (one `WFI`, falling through), not at the next timer interrupt, which on the tickless
/// clock with no deadline is never: a lost wake hangs and the run fails by timeout.
pub fn wake_in_race_window<C: Clock>(s: S, clock: &'static C, idler: &'static Idler, hook: fn()) {
    on_irq(SOFT[0], || LINE.signal());
    let sleeps = idler.sleeps();
    s.spawn(async move {
        assert_eq!(LINE.wait().await, IrqResult::Irq(1));
        let latency = clock.now().as_micros() - marked();
        assert!(latency <= WAKE_LATENCY_BOUND_US, "woke {latency} us after the pend");
    })
    .unwrap();
    pend_in_race_window(idler, clock, hook);
    run_on(s, clock);
    idler.set_before_wfi(None);
    assert_eq!(idler.sleeps().wrapping_sub(sleeps), 1, "WFI not reached once");
}

pub fn irq_in_idle_race_window_systick(s: S) {
    wake_in_race_window(s, &SYSTICK, SYSTICK.idler(), || race_hook::<SysTickClock, 0>(&SYSTICK));
}

#[cfg(board = "mps2")]
pub fn irq_in_idle_race_window_cmsdk_tickless(s: S) {
    use usched_cortex_m_qemu::CMSDK;
    wake_in_race_window(s, &CMSDK, CMSDK.idler(), || race_hook::<usched_cortex_m::CmsdkClock, 0>(&CMSDK));
}

/// A foreign waker (embassy-sync's `Signal`, waking through the standard `Waker`) woken from an
/// interrupt handler while the scheduler sleeps in `WFI`.
pub fn embassy_signal_from_interrupt_handler(s: S) {
    on_irq(SOFT[1], || ESIG.signal(42));
    ESIG.reset();
    let sleeps = SYSTICK.idler().sleeps();
    s.spawn(async {
        assert_eq!(ESIG.wait().await, 42);
    })
    .unwrap();
    pend_in_race_window(SYSTICK.idler(), &SYSTICK, || race_hook::<SysTickClock, 1>(&SYSTICK));
    run_on(s, &SYSTICK);
    SYSTICK.idler().set_before_wfi(None);
    assert_eq!(SYSTICK.idler().sleeps().wrapping_sub(sleeps), 1);
    let latency = SYSTICK.now().as_micros() - marked();
    assert!(latency <= WAKE_LATENCY_BOUND_US, "woke {latency} us after the pend");
}

/// Two tasks wake each other through embassy-sync signals (thread-mode wakes, queued directly
/// under the single-core promise the SysTick suite makes), and an interrupt handler that preempts
/// a poll wakes a third task through a third signal (through the wake stack): exact order.
pub fn waker_wakes_in_thread_mode_and_from_a_handler(s: S) {
    static PING: embassy_sync::signal::Signal<CriticalSectionRawMutex, u32> =
        embassy_sync::signal::Signal::new();
    static PONG: embassy_sync::signal::Signal<CriticalSectionRawMutex, u32> =
        embassy_sync::signal::Signal::new();
    static LOG: Log = Log::new();
    LOG.clear();
    ESIG.reset();
    on_irq(SOFT[1], || ESIG.signal(7));
    s.spawn(async {
        for i in 0..3 {
            LOG.push(10 + i);
            PING.signal(i);
            assert_eq!(PONG.wait().await, i);
        }
        pend(SOFT[1]); // the handler runs at once, in this poll
        LOG.push(19);
    })
    .unwrap();
    s.spawn(async {
        for i in 0..3 {
            assert_eq!(PING.wait().await, i);
            LOG.push(20 + i);
            PONG.signal(i);
        }
    })
    .unwrap();
    s.spawn(async {
        assert_eq!(ESIG.wait().await, 7);
        LOG.push(30);
    })
    .unwrap();
    run_on(s, &SYSTICK);
    LOG.check(&[10, 20, 11, 21, 12, 22, 19, 30]);
}

/// Idle reaches `WFI` and the next interrupt ends it: on SysTick, one sleep per tick until the
/// deadline (5 or 6 ticks for 5 ms, by phase).
pub fn wfi_when_idle_systick(s: S) {
    wfi_when_idle_on(s, &SYSTICK, SYSTICK.idler());
}

pub fn wfi_when_idle_on<C: Clock>(s: S, clock: &'static C, idler: &Idler) {
    let sleeps = idler.sleeps();
    s.spawn(async {
        sleep(Duration::from_millis(5)).await;
    })
    .unwrap();
    run_on(s, clock);
    let n = idler.sleeps().wrapping_sub(sleeps);
    assert!((5..=6).contains(&n), "{n} sleeps for 5 ticks");
}

/// `StillClock`: time stays at zero, and a task waiting for an interrupt sleeps in `WFI` until it
/// comes: the idle hook pends it right before `WFI`, which falls through, and the task wakes with
/// that one signal after exactly one sleep.
pub fn still_clock_sleeps_until_an_interrupt(s: S) {
    static STILL: StillClock = StillClock::new();
    assert_eq!(STILL.now(), Instant::ZERO);
    on_irq(SOFT[0], || LINE.signal());
    STILL.idler().set_before_wfi(Some(|| pend(SOFT[0])));
    s.spawn(async {
        assert_eq!(LINE.wait().await, IrqResult::Irq(1));
    })
    .unwrap();
    run_on(s, &STILL);
    STILL.idler().set_before_wfi(None);
    assert_eq!(STILL.idler().sleeps(), 1);
    assert_eq!(STILL.now(), Instant::ZERO);
    assert_eq!(LINE.pending(), 0);
}

/// On the tickless clock a 5 ms sleep is exactly one `WFI`, ended by the alarm.
#[cfg(board = "mps2")]
pub fn wfi_when_idle_cmsdk_tickless(s: S) {
    use usched_cortex_m_qemu::CMSDK;
    let sleeps = CMSDK.idler().sleeps();
    s.spawn(async {
        let t0 = CMSDK.now();
        sleep(Duration::from_millis(5)).await;
        assert!(CMSDK.now() - t0 >= Duration::from_millis(5));
    })
    .unwrap();
    run_on(s, &CMSDK);
    assert_eq!(CMSDK.idler().sleeps().wrapping_sub(sleeps), 1);
}

/// With a poller waiting, the scheduler sleeps a poll interval between passes instead of spinning.
pub fn pollers_idle_for_the_poll_interval(s: S) {
    critical_section::with(|cs| COUNT.borrow(cs).set(0));
    s.set_poll_interval(Duration::from_millis(2));
    let start = SYSTICK.now();
    let sleeps = SYSTICK.idler().sleeps();
    s.spawn(async move {
        let mut p = Poller::new(|| {
            bump();
            (SYSTICK.now() - start >= Duration::from_millis(20)).then_some(1)
        });
        assert_eq!(p.wait().await, PollResult::Event(1));
    })
    .unwrap();
    run_on(s, &SYSTICK);
    s.set_poll_interval(Duration::ZERO);
    let polls = count();
    // 20 ms at one poll every 2 ms (on a 1 ms tick): about 10 samples, not thousands.
    assert!((8..=16).contains(&polls), "{polls} polls in 20 ms");
    assert!(SYSTICK.idler().sleeps().wrapping_sub(sleeps) >= 10);
}

/// `now()` read in an interrupt handler that holds off SysTick across a wrap stays monotonic,
/// and agrees with the time read after the handler has counted the wrap.
pub fn clock_monotonic_in_interrupt_handler(_: S) {
    fn handler() {
        let first = SYSTICK.now().as_micros();
        let mut last = first;
        let mut crossed = false;
        for _ in 0..100_000 {
            let t = SYSTICK.now().as_micros();
            assert!(t >= last, "time went back in a handler: {t} < {last}");
            crossed |= t / u64::from(TICK_US) != first / u64::from(TICK_US);
            last = t;
            if crossed && t - first > u64::from(TICK_US) / 2 {
                break;
            }
        }
        assert!(crossed, "no tick boundary crossed");
        mark(last);
    }
    on_irq(SOFT[0], handler);
    pend(SOFT[0]);
    let after = SYSTICK.now().as_micros();
    assert!(after >= marked(), "{after} < {}", marked());
    assert!(after - marked() < 100);
}
