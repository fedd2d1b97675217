#!/usr/bin/env bash
# The library's unit tests under Miri (undefined behaviour, out-of-bounds and uninitialised
# reads, in our code and in hmac / sha2 / base64ct as we call them). Installs the nightly
# toolchain and its miri and rust-src components if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup component add --toolchain nightly miri rust-src
# Its own target dir, so a Miri build never invalidates the normal one.
export CARGO_TARGET_DIR=target/miri
cargo +nightly miri setup
# Unit tests only: the integration tests' property runs would take hours under Miri, and the
# doctests are left to the normal run. The no-allocator build runs the same code paths, so
# one feature set is enough (about 6 minutes on 2 cores).
cargo +nightly miri test --lib --all-features
