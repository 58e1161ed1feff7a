// The guide's chapters are markdown files in `chapters/`, one per module below, so that each
// reads as a page and can be edited on its own (a stub chapter is filled in by editing its file
// alone). Every code block in them is a doc test: `cargo test -p usched-guide --doc` runs them all.
#![doc = include_str!("../chapters/00-index.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

macro_rules! chapters {
    ($($(#[$m:meta])* $name:ident = $file:literal;)*) => {
        $(
            $(#[$m])*
            #[doc = include_str!(concat!("../chapters/", $file))]
            pub mod $name {}
        )*
    };
}

chapters! {
    ch01_why = "01-why.md";
    ch02_getting_started = "02-getting-started.md";
    ch03_real_boards = "03-real-boards.md";
    ch04_tasks = "04-tasks.md";
    ch05_waiting = "05-waiting.md";
    ch06_priorities = "06-priorities.md";
    ch07_control = "07-control.md";
    ch08_time = "08-time.md";
    ch09_interrupts = "09-interrupts.md";
    ch10_drivers = "10-drivers.md";
    ch11_syncom = "11-syncom.md";
    ch12_statistics = "12-statistics.md";
    ch13_hangs = "13-hangs.md";
    ch14_panics = "14-panics.md";
    ch15_from_micropython = "15-from-micropython.md";
    ch16_from_embassy = "16-from-embassy.md";
}
