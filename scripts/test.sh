#!/usr/bin/env bash
# Every check and test: formatting, lints, Rust unit and integration tests (with the composed
# example under stock `wasmtime serve`), the CLI demo as a smoke test, then the JavaScript
# package's build, type-check and tests (with the standalone component under stock jco). Sets up
# everything it needs, wasmtime-cli 48.0.8 and wac-cli 0.12.0 included.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
rustup target add wasm32-wasip2 >/dev/null
rustup component add rustfmt clippy >/dev/null
# The composition tests run the composed example under stock `wasmtime serve`, and the README's
# `wac` commands.
if ! wasmtime --version 2>/dev/null | grep -q '^wasmtime 48\.0\.8'; then
  cargo install --locked wasmtime-cli@48.0.8
fi
if ! wac --version 2>/dev/null | grep -q '^wac-cli 0\.12\.0'; then
  cargo install --locked wac-cli@0.12.0
fi

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "Rust tests"
cargo test --locked -p electron-net-guest -p electron-net-session -p electron-net-host -p electron-net-tests

step "CLI demo (smoke)"
cargo run --locked -q -p electron-net-host --bin electron-net -- demo

step "JavaScript package"
(cd js && npm ci --no-audit --no-fund && npm test)
