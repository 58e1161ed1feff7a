//! Golden traces: each demo's `--headless --fast` output, byte for byte.
//!
//! Regenerate after an intended change with `UPDATE_GOLDEN=1 cargo test --test golden`.

macro_rules! demos {
    ($($name:ident = $file:literal),* $(,)?) => {
        $(
            #[allow(dead_code)]
            #[path = $file]
            mod $name;

            #[test]
            fn $name() {
                check(stringify!($name), usched_demos::trace_fast($name::demo));
            }
        )*
    };
}

demos!(
    ledflash = "../examples/ledflash.rs",
    polltest = "../examples/polltest.rs",
    roundrobin = "../examples/roundrobin.rs",
    subthread = "../examples/subthread.rs",
    instrument = "../examples/instrument.rs",
    pause = "../examples/pause.rs",
    cleanup = "../examples/cleanup.rs",
    irqtest = "../examples/irqtest.rs",
    lcdtest = "../examples/lcdtest.rs",
    pushbuttontest = "../examples/pushbuttontest.rs",
    syncom = "../examples/syncom.rs",
);

fn check(name: &str, got: String) {
    let path = format!("{}/tests/golden/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e} (UPDATE_GOLDEN=1 writes it)"));
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(got.lines().count().min(want.lines().count()));
        panic!(
            "{name}: trace differs from {path} at line {}:\n  got:  {:?}\n  want: {:?}\n(UPDATE_GOLDEN=1 regenerates)",
            line + 1,
            got.lines().nth(line),
            want.lines().nth(line)
        );
    }
}
