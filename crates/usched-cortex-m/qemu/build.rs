//! Puts the board's memory map where cortex-m-rt's link.x finds it: mps2-an386 for thumbv7em,
//! the micro:bit (nRF51, Cortex-M0) for thumbv6m.
fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let map = if target.starts_with("thumbv6m") { "memory-microbit.x" } else { "memory-mps2.x" };
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::copy(map, out.join("memory.x")).expect("copy memory map");
    // cortex-m-rt's `device` feature includes device.x; our vector table is in Rust (src/lib.rs).
    std::fs::write(out.join("device.x"), "").expect("write device.x");
    let board = if target.starts_with("thumbv6m") { "microbit" } else { "mps2" };
    println!("cargo:rustc-check-cfg=cfg(board, values(\"mps2\", \"microbit\"))");
    println!("cargo:rustc-cfg=board=\"{board}\"");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={map}");
}
