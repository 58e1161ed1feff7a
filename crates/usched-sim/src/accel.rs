//! A virtual 3-axis accelerometer (the Pyboard's, for the polltest demo).

use std::cell::Cell;
use std::rc::Rc;

use usched::Instant;

use crate::Board;

/// A virtual 3-axis accelerometer: a cheap `Clone` handle whose reading is scripted with
/// [`tilt_at`](Accel::tilt_at). Readings are signed, in the Pyboard's units (about 21 per g).
///
/// ```
/// use usched::Instant;
/// use usched_sim::{Accel, Board};
/// let board = Board::new();
/// let accel = Accel::new(board);
/// assert_eq!(accel.xyz(), [0, 0, 21]); // flat on the bench
/// accel.tilt_at(Instant::from_millis(500), [12, -3, 17]);
/// board.advance(std::time::Duration::from_secs(1));
/// assert_eq!(accel.x(), 12);
/// ```
#[derive(Clone)]
pub struct Accel {
    board: &'static Board,
    xyz: Rc<Cell<[i8; 3]>>,
}

impl std::fmt::Debug for Accel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Accel").field(&self.xyz.get()).finish()
    }
}

impl Accel {
    /// An accelerometer lying flat: (0, 0, 21).
    ///
    /// ```
    /// let a = usched_sim::Accel::new(usched_sim::Board::new());
    /// assert_eq!(a.z(), 21);
    /// ```
    pub fn new(board: &'static Board) -> Self {
        Accel { board, xyz: Rc::new(Cell::new([0, 0, 21])) }
    }

    /// The X reading.
    ///
    /// ```
    /// assert_eq!(usched_sim::Accel::new(usched_sim::Board::new()).x(), 0);
    /// ```
    pub fn x(&self) -> i8 {
        self.xyz.get()[0]
    }

    /// The Y reading.
    ///
    /// ```
    /// assert_eq!(usched_sim::Accel::new(usched_sim::Board::new()).y(), 0);
    /// ```
    pub fn y(&self) -> i8 {
        self.xyz.get()[1]
    }

    /// The Z reading.
    ///
    /// ```
    /// assert_eq!(usched_sim::Accel::new(usched_sim::Board::new()).z(), 21);
    /// ```
    pub fn z(&self) -> i8 {
        self.xyz.get()[2]
    }

    /// All three readings.
    ///
    /// ```
    /// assert_eq!(usched_sim::Accel::new(usched_sim::Board::new()).xyz(), [0, 0, 21]);
    /// ```
    pub fn xyz(&self) -> [i8; 3] {
        self.xyz.get()
    }

    /// Sets the reading now, and logs it as `accel (x, y, z)`.
    ///
    /// ```
    /// let a = usched_sim::Accel::new(usched_sim::Board::new());
    /// a.set([1, 2, 3]);
    /// assert_eq!(a.xyz(), [1, 2, 3]);
    /// ```
    pub fn set(&self, xyz: [i8; 3]) {
        if self.xyz.get() != xyz {
            self.xyz.set(xyz);
            self.board.log(format!("accel ({}, {}, {})", xyz[0], xyz[1], xyz[2]));
        }
    }

    /// At board time `at`, the board is tilted so that the reading becomes `xyz`.
    ///
    /// ```
    /// use usched::Instant;
    /// let b = usched_sim::Board::new();
    /// let a = usched_sim::Accel::new(b);
    /// a.tilt_at(Instant::from_millis(1), [5, 5, 5]);
    /// assert_eq!(a.x(), 0);
    /// b.advance(std::time::Duration::from_millis(1));
    /// assert_eq!(a.x(), 5);
    /// ```
    pub fn tilt_at(&self, at: Instant, xyz: [i8; 3]) {
        let me = self.clone();
        self.board.call_at(at, move || me.set(xyz));
    }
}
