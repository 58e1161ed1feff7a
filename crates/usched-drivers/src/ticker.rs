//! Drift-free periodic sampling, shared by [`Switch`](crate::Switch) and
//! [`Pushbutton`](crate::Pushbutton).
//!
//! A debouncer is only as good as the spacing of its samples: two samples closer than the
//! debounce period could both land inside one burst of contact bounce. Sleeping for the period
//! after each sample would keep them apart but let the grid drift by however late each wake was.
//! So the instants are computed, not measured: each is the previous one plus the period. If the
//! task ever falls more than a period behind (a hog elsewhere), the grid restarts from now instead
//! of firing a burst of catch-up samples that would no longer be a period apart.

use core::time::Duration;

use usched::Instant;

/// The next sampling instant on a fixed grid.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticker {
    next: Instant,
    period: Duration,
}

impl Ticker {
    /// A grid whose first instant is one period after `start`.
    pub(crate) fn new(start: Instant, period: Duration) -> Self {
        Ticker { next: start + period, period }
    }

    /// The next instant a sample is due.
    pub(crate) fn next(&self) -> Instant {
        self.next
    }

    /// A sample was taken at `now` (at or after [`next`](Self::next)): move to the next instant.
    pub(crate) fn advance(&mut self, now: Instant) {
        self.next = self.next + self.period;
        if self.next <= now {
            self.next = now + self.period;
        }
    }
}
