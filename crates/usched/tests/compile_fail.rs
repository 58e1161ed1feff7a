//! A1: a future larger than its slot is a compile-time error, not a runtime surprise.
//!
//! The check is a `const` assertion evaluated when `spawn` is instantiated, so it shows up when
//! the code is built (not by `cargo check`). This test builds a tiny crate and expects the error.

use std::path::PathBuf;
use std::process::Command;

fn build(body: &str) -> (bool, String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cf-{}", body.len()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let usched = env!("CARGO_MANIFEST_DIR");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"cf\"\nversion = \"0.0.0\"\nedition = \"2021\"\n[workspace]\n\
             [dependencies]\nusched = {{ path = {usched:?}, default-features = false, features = [\"std\"] }}\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), body).unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .current_dir(&dir)
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn oversized_future_does_not_compile_but_one_that_fits_does() {
    let program = |slot: usize| {
        format!(
            "fn main() {{\n\
             let s: &'static usched::Sched<2, {slot}> = Box::leak(Box::new(usched::Sched::new()));\n\
             let big = [0u8; 64];\n\
             let _ = s.spawn(async move {{ drop(big); }});\n}}\n"
        )
    };
    let (ok, err) = build(&program(16));
    assert!(!ok, "a 64-byte future spawned into 16-byte slots compiled");
    assert!(err.contains("future too large for its slot"), "{err}");
    let (ok, err) = build(&program(128));
    assert!(ok, "{err}");
}
