//! usched on Cortex-M4: round-robin and ping-pong, timed by the CMSDK timer.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use usched::{yield_now, Sched, Signal};
use usched_bench_cortex_m::{calibrate, exit, report, ticks, timer_start, STILL};

fn rr<const N: usize>(s: &'static Sched<N, 32>, iters: u32) -> (u32, u32) {
    let t0 = ticks();
    for _ in 0..N {
        let _ = s.spawn(async move {
            for _ in 0..iters {
                yield_now().await;
            }
        });
    }
    s.run(&STILL);
    (N as u32 * iters, ticks() - t0)
}

fn pingpong(s: &'static Sched<2, 32>, sig: &'static [Signal; 2], iters: u32) -> (u32, u32) {
    let t0 = ticks();
    let _ = s.spawn(async move {
        for _ in 0..iters {
            sig[0].signal();
            sig[1].wait().await;
        }
    });
    let _ = s.spawn(async move {
        for _ in 0..iters {
            sig[0].wait().await;
            sig[1].signal();
        }
    });
    s.run(&STILL);
    (iters, ticks() - t0)
}

/// The same ping-pong through embassy-sync's `Signal`, which wakes through the standard `Waker`:
/// the path drivers and HAL futures take.
type WSig = embassy_sync::signal::Signal<NoopRawMutex, ()>;

fn pingpong_waker<C: usched::Clock>(
    s: &'static Sched<2, 64>,
    clock: &'static C,
    sig: &'static [WSig; 2],
    iters: u32,
) -> (u32, u32) {
    let t0 = ticks();
    let _ = s.spawn(async move {
        for _ in 0..iters {
            sig[0].signal(());
            sig[1].wait().await;
        }
    });
    let _ = s.spawn(async move {
        for _ in 0..iters {
            sig[0].wait().await;
            sig[1].signal(());
        }
    });
    s.run(clock);
    (iters, ticks() - t0)
}

/// A second still clock, on which the program makes no single-core promise: every wake goes
/// through usched's wake stack (what a program gets from the port's clocks by default).
static STILL_UNPROMISED: usched_cortex_m::StillClock = usched_cortex_m::StillClock::new();

#[entry]
fn main() -> ! {
    // SAFETY: one core (QEMU's mps2-an386 models a single Cortex-M4), no RTOS.
    unsafe { STILL.idler().assume_single_core() };
    timer_start();
    calibrate();
    let one = core::mem::size_of::<Sched<1, 32>>();
    let many = core::mem::size_of::<Sched<101, 32>>();
    cortex_m_semihosting::hprintln!(
        "size per_task={} fixed={}",
        (many - one) / 100 - 32,
        one - 32 - ((many - one) / 100 - 32)
    );
    // Each workload runs once, one round, before it is measured. A scheduler's first use sets it
    // up (its slot lists, its first `run`'s probe reading), once: left in the first of the two
    // measured runs, that cost would be subtracted from the difference and flatter usched (by
    // about half an instruction per switch at N=100, from the set-up of 100 slots).
    let s1 = cortex_m::singleton!(: Sched<1, 32> = Sched::new()).unwrap();
    let _ = rr(s1, 1);
    report("rr", 1, rr(s1, 1000), rr(s1, 2000));
    let s10 = cortex_m::singleton!(: Sched<10, 32> = Sched::new()).unwrap();
    let _ = rr(s10, 1);
    report("rr", 10, rr(s10, 100), rr(s10, 200));
    let s100 = cortex_m::singleton!(: Sched<100, 32> = Sched::new()).unwrap();
    let _ = rr(s100, 1);
    report("rr", 100, rr(s100, 10), rr(s100, 20));
    let s2 = cortex_m::singleton!(: Sched<2, 32> = Sched::new()).unwrap();
    let sig = cortex_m::singleton!(: [Signal; 2] = [Signal::new(), Signal::new()]).unwrap();
    let _ = pingpong(s2, sig, 1);
    report("pingpong", 2, pingpong(s2, sig, 1000), pingpong(s2, sig, 2000));
    let w2 = cortex_m::singleton!(: Sched<2, 64> = Sched::new()).unwrap();
    let wsig = cortex_m::singleton!(: [WSig; 2] = [WSig::new(), WSig::new()]).unwrap();
    let _ = pingpong_waker(w2, &STILL, wsig, 1);
    report(
        "pingpong-waker",
        2,
        pingpong_waker(w2, &STILL, wsig, 1000),
        pingpong_waker(w2, &STILL, wsig, 2000),
    );
    // The probe is read by a scheduler's first run: a scheduler of its own for the other clock.
    let w3 = cortex_m::singleton!(: Sched<2, 64> = Sched::new()).unwrap();
    let _ = pingpong_waker(w3, &STILL_UNPROMISED, wsig, 1);
    report(
        "pingpong-waker-stack",
        2,
        pingpong_waker(w3, &STILL_UNPROMISED, wsig, 1000),
        pingpong_waker(w3, &STILL_UNPROMISED, wsig, 2000),
    );
    exit()
}
