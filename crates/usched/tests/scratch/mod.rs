//! Builds a small program as a crate of its own, to check what does not compile: the tests of
//! usched, usched-drivers and syncom include this one file (`#[path]`), each naming its own
//! dependency line.

/// Builds `main` as a scratch crate named `name` whose `[dependencies]` section is `dependency`;
/// returns whether it built, and rustc's messages. Reusing a name reuses its target directory,
/// so the dependency is compiled once per name.
pub fn build_scratch(name: &str, dependency: &str, main: &str) -> (bool, String) {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = {name:?}\nversion = \"0.0.0\"\nedition = \"2021\"\n[workspace]\n\
             [dependencies]\n{dependency}\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
    let out = std::process::Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .current_dir(&dir)
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}
