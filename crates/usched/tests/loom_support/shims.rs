// What `src/irq.rs` and `src/irq_count.rs` reach through `crate::`, for the loom models that include
// those very files (`tests/loom_irq.rs` here, `usched-drivers/tests/loom_delay.rs` for the Delay
// built on them). Brought in with `include!` at the root of each model, which must also provide a
// `model` module: `Core` (what `raw::core_of_waker` finds behind one of the scheduler's wakers, with
// `nudge`), `TaskRef` (the task a usched poll belongs to, with the few methods a wait calls on it),
// `core_of_waker` and `current_here`.
//
// Everything here is a stand-in; the code under test is the included source.

include!("core_atomics.rs");

/// The task state bits a wait sets (values as in `src/state.rs`).
#[allow(dead_code)]
mod state {
    pub struct State;
    impl State {
        pub const P: u8 = 0x40;
        pub const I: u8 = 0x80;
    }
}

#[allow(dead_code)]
mod time {
    pub fn micros(d: core::time::Duration) -> u64 {
        u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
    }

    #[allow(dead_code)]
    pub fn duration_from_micros(us: u64) -> core::time::Duration {
        core::time::Duration::from_micros(us)
    }
}

#[allow(dead_code)]
mod wait {
    pub const CLASS_IRQ: u64 = 2 << 32;
    pub use crate::model::current_here;

    pub fn not_in_task(what: &'static str) -> ! {
        panic!("{what} was polled outside a usched task")
    }
}

#[allow(dead_code)]
mod raw {
    pub use crate::model::{core_of_waker, TaskRef};
}

#[allow(dead_code)]
mod stats {
    pub fn report_late(_t: &crate::raw::TaskRef, _late: core::time::Duration) {}
}
