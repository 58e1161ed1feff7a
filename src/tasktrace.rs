//! Which task ran when: a wrapper future that records each poll with board time.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin as StdPin;
use std::task::{Context, Poll};

use usched_sim::Board;

/// One poll of one task: task number, start and end in µs of board time.
pub(crate) type Span = (usize, u64, u64);

/// The recorder behind `--trace`: task names and poll spans.
pub(crate) struct Recorder {
    pub(crate) on: bool,
    pub(crate) names: RefCell<Vec<String>>,
    pub(crate) spans: RefCell<Vec<Span>>,
}

pin_project_lite::pin_project! {
    /// A future that records each of its polls (start and end in board time) for `--trace`.
    /// [`Demo::spawn`](crate::Demo::spawn) wraps every task in one.
    ///
    /// ```
    /// let d = usched_demos::Demo::new(true);
    /// d.spawn("quick", async {}).unwrap();
    /// d.run();
    /// let mut json = Vec::new();
    /// d.write_task_trace(&mut json).unwrap();
    /// assert!(String::from_utf8(json).unwrap().contains("\"quick\""));
    /// ```
    pub struct Traced<F> {
        #[pin]
        pub(crate) fut: F,
        pub(crate) task: usize,
        pub(crate) board: &'static Board,
        pub(crate) rec: &'static Recorder,
    }
}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;
    fn poll(self: StdPin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let start = this.board.now().as_micros();
        let r = this.fut.poll(cx);
        if this.rec.on {
            this.rec.spans.borrow_mut().push((*this.task, start, this.board.now().as_micros()));
        }
        r
    }
}
