//! Builds the guest component for `wasm32-wasip2` so that `cargo run` and `cargo test` need no
//! other step. Cargo's artifact dependencies are nightly-only, hence a nested `cargo build` with
//! its own target directory under `OUT_DIR`.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("host/ lives in the workspace");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let target_dir = out_dir.join("guest-target");

    for path in ["guest/src", "guest/Cargo.toml", "wit", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }

    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args(["build", "--release", "--locked", "-p", "electron-net-guest"])
        .args(["--target", "wasm32-wasip2", "--target-dir"])
        .arg(&target_dir)
        // The component is always built small and fast, whatever profile builds the host.
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort");
    // Flags, wrappers (clippy's check-only driver) and targets meant for the host must not leak in.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        command.env_remove(var);
    }
    let status = command.status().expect("failed to run cargo for the guest");
    assert!(
        status.success(),
        "building the guest component failed; run `rustup target add wasm32-wasip2` if the target is missing"
    );

    let component = target_dir.join("wasm32-wasip2/release/electron_net_guest.wasm");
    println!(
        "cargo:rustc-env=ELECTRON_NET_COMPONENT={}",
        component.display()
    );
}
