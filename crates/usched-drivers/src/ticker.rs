//! Drift-free periodic sampling, shared by [`Switch`](crate::Switch) and
//! [`Pushbutton`](crate::Pushbutton).
//!
//! A debouncer is only as good as the spacing of its samples: two samples closer than the
//! debounce period could both land inside one burst of contact bounce. Sleeping for the period
//! after each sample would keep them apart but let the grid drift by however late each wake was.
//! So the instants are computed, not measured: they lie on a fixed grid, start + k·period. A
//! sample taken late (a hog elsewhere) does not pull the next one closer: the next is the first
//! grid instant at least a full period after the late one, so grid instants that fell too close
//! to it (or were missed altogether) are skipped, never caught up in a burst. Samples are thus
//! always at least a period apart, and the grid never drifts.

use core::time::Duration;

use usched::Instant;

/// The next sampling instant on a fixed grid.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticker {
    next: Instant,
    /// The period in µs (at least 1, saturated at `u64::MAX`).
    period: u64,
}

impl Ticker {
    /// A grid whose first instant is one period after `start`. A zero period is taken as 1 µs.
    pub(crate) fn new(start: Instant, period: Duration) -> Self {
        let period = u64::try_from(period.as_micros()).unwrap_or(u64::MAX).max(1);
        Ticker { next: Instant::from_micros(start.as_micros().saturating_add(period)), period }
    }

    /// The next instant a sample is due.
    pub(crate) fn next(&self) -> Instant {
        self.next
    }

    /// A sample was taken at `now` (at or after [`next`](Self::next)): move to the first grid
    /// instant at least a period after `now`.
    pub(crate) fn advance(&mut self, now: Instant) {
        let next = self.next.as_micros();
        let earliest = now.as_micros().saturating_add(self.period);
        let steps = earliest.saturating_sub(next).div_ceil(self.period).max(1);
        self.next = Instant::from_micros(next.saturating_add(steps.saturating_mul(self.period)));
    }
}
