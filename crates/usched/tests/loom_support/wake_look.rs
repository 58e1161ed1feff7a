// The scheduler's side of the wake stack as the models drive it, for the models that include the
// core's own `wakes.rs` (`include!`d at the root of the model, after `mod wakes` and a `Header`).

/// The scheduler's look at its wakes (`Sched::take_wakes` when `pending`): the slots taken, in the
/// order handed over.
fn take_woken(wakes: &wakes::WakeStack, headers: &[Header]) -> Vec<usize> {
    let mut got = Vec::new();
    if wakes.pending() {
        wakes.take(headers, |i, h| {
            assert_eq!(h.idx.get(), i, "a slot handed over with another slot's header");
            got.push(usize::from(i));
        });
    }
    got
}

/// `StdClock::idle` with no deadline: sleep unless something is pending.
fn idle_unless_pending(wakes: &wakes::WakeStack) {
    if !wakes.pending() {
        loom::thread::park();
    }
}
