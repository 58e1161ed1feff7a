// The core's `crate::atomic` and the atomic fields of its `Header`, with loom's types, for every
// loom model that includes the core's own `wakes.rs`, `irq_count.rs` or `irq.rs` (`include!`d at
// the root of the model, directly or through `shims.rs`).

/// The core's `crate::atomic`: loom's atomics behind a `const fn new` (the core's constructors are
/// `const`; loom's are not), created on first use, and a loom-aware critical section. Every model
/// touches its atomics on its main thread before it starts another.
#[allow(dead_code)]
mod atomic {
    pub use loom::sync::atomic::Ordering;
    use std::sync::OnceLock;

    pub struct AtomicU32 {
        init: u32,
        cell: OnceLock<loom::sync::atomic::AtomicU32>,
    }

    impl AtomicU32 {
        pub const fn new(v: u32) -> Self {
            AtomicU32 { init: v, cell: OnceLock::new() }
        }
        fn get(&self) -> &loom::sync::atomic::AtomicU32 {
            self.cell.get_or_init(|| loom::sync::atomic::AtomicU32::new(self.init))
        }
        pub fn load(&self, o: Ordering) -> u32 {
            self.get().load(o)
        }
        pub fn store(&self, v: u32, o: Ordering) {
            self.get().store(v, o)
        }
        pub fn swap(&self, v: u32, o: Ordering) -> u32 {
            self.get().swap(v, o)
        }
        pub fn fetch_or(&self, v: u32, o: Ordering) -> u32 {
            self.get().fetch_or(v, o)
        }
        pub fn compare_exchange_weak(
            &self,
            old: u32,
            new: u32,
            ok: Ordering,
            err: Ordering,
        ) -> Result<u32, u32> {
            self.get().compare_exchange_weak(old, new, ok, err)
        }
        pub fn fetch_update(
            &self,
            set: Ordering,
            fetch: Ordering,
            f: impl FnMut(u32) -> Option<u32>,
        ) -> Result<u32, u32> {
            self.get().fetch_update(set, fetch, f)
        }
    }

    /// `critical-section`'s API over one lock per execution, re-entrant per loom thread.
    ///
    /// The crate's own `std` implementation cannot be used under loom: it is a `std` mutex plus a
    /// `std` thread-local flag, and loom runs all its threads on one OS thread, so a thread switched
    /// out inside a critical section would let the next one in as "nested". Here the lock is a loom
    /// atomic that a thread spins on with `yield_now` (loom's way to model a spin lock: it runs the
    /// others until the lock is free). Not a loom `Mutex`: loom's `unpark`, which the scheduler's
    /// wake path calls from inside critical sections, would make a thread blocked on such a mutex
    /// runnable, and loom then trips its own assertion. An interrupt handler on a chip cannot be
    /// interrupted by the task it preempted, which this over-approximates: any thread may run while
    /// another is outside its critical section, and none may enter while another is inside.
    pub mod critical_section {
        use loom::sync::atomic::{AtomicBool, Ordering};
        use std::cell::{Cell, Ref, RefCell, RefMut};
        use std::marker::PhantomData;

        /// Proof of being inside `with`.
        #[derive(Clone, Copy)]
        pub struct CriticalSection<'cs>(PhantomData<&'cs ()>);

        loom::lazy_static! {
            static ref LOCKED: AtomicBool = AtomicBool::new(false);
        }
        loom::thread_local! {
            static HELD: Cell<bool> = Cell::new(false);
        }

        pub fn with<R>(f: impl FnOnce(CriticalSection<'_>) -> R) -> R {
            if HELD.with(Cell::get) {
                return f(CriticalSection(PhantomData));
            }
            while LOCKED.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
                loom::thread::yield_now();
            }
            HELD.with(|h| h.set(true));
            let r = f(CriticalSection(PhantomData));
            HELD.with(|h| h.set(false));
            LOCKED.store(false, Ordering::Release);
            r
        }

        /// Data only reached inside `with`.
        pub struct Mutex<T>(T);

        // SAFETY: the inner value is only reached through `borrow*`, which need a `CriticalSection`,
        // which only `with` makes, while it holds the one lock; so one thread at a time. `T: Send`
        // as in `critical-section`'s own `Mutex`.
        unsafe impl<T: Send> Sync for Mutex<T> {}

        impl<T> Mutex<T> {
            pub const fn new(v: T) -> Self {
                Mutex(v)
            }
            pub fn borrow<'cs>(&'cs self, _cs: CriticalSection<'cs>) -> &'cs T {
                &self.0
            }
        }

        impl<T> Mutex<RefCell<T>> {
            pub fn borrow_ref<'cs>(&'cs self, cs: CriticalSection<'cs>) -> Ref<'cs, T> {
                self.borrow(cs).borrow()
            }
            pub fn borrow_ref_mut<'cs>(&'cs self, cs: CriticalSection<'cs>) -> RefMut<'cs, T> {
                self.borrow(cs).borrow_mut()
            }
        }
    }
}

/// The fields of the core's `Header` that the wake stack touches, with loom's atomics.
#[allow(dead_code)]
mod header {
    use loom::sync::atomic::{AtomicU16, AtomicU8};

    pub struct Idx(pub u16);

    impl Idx {
        pub fn get(&self) -> u16 {
            self.0
        }
    }

    pub struct Header {
        pub idx: Idx,
        pub wake_next: AtomicU16,
        pub wake: AtomicU8,
    }
}

/// Checks `f` under every interleaving loom explores (bound 4 unless `LOOM_MAX_PREEMPTIONS` says),
/// and says how many that was. The runner of every model.
#[allow(dead_code)]
fn model(f: impl Fn() + Sync + Send + 'static) {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(4);
    }
    let runs = std::sync::Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    b.check(move || {
        r.fetch_add(1, Relaxed);
        f();
    });
    eprintln!("loom: {} interleavings", runs.load(Relaxed));
}
