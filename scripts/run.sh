#!/usr/bin/env bash
# The main job: the electron-net command-line tool. `scripts/run.sh demo` runs the offline tour;
# `scripts/run.sh [OPTIONS] URL` fetches a URL. Sets up everything it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2 >/dev/null
cargo build --release --locked -p electron-net-host --bin electron-net
exec target/release/electron-net "${@:-demo}"
