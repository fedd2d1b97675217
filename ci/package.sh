#!/usr/bin/env bash
# Build the crate as `cargo publish` would upload it, unpack the .crate into a scratch folder and
# run its tests there: the package must hold everything its own tests, examples and docs need
# (and nothing of the repository's tooling). Prints the package's size and file count.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# --allow-dirty so that a developer can run this before committing; CI's clone is clean.
cargo package --locked --no-verify --allow-dirty --quiet
name=$(sed -n 's/^name = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
crate=$root/target/package/$name-$version.crate
echo "package: $(wc -c <"$crate" | tr -d ' ') bytes, $(tar -tzf "$crate" | grep -vc '/$') files"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tar -xzf "$crate" -C "$scratch"
cd "$scratch/$name-$version"
# `cargo package` gives every file the same fixed, old mtime (for reproducible packages), and the
# shared target folder below records source paths relative to the package: without this, a
# second run would find the previous run's test binaries "fresh" and run them (stale code, and
# a CARGO_MANIFEST_DIR pointing at a deleted folder).
find . -type f -exec touch {} +
# Its own target folder inside the repository's, so the dependencies are built once per machine.
export CARGO_TARGET_DIR=$root/target/package-test
cargo test --locked --all-features
cargo test --locked --no-default-features --lib --tests
echo "ci/package.sh: the packaged crate passes its own tests"
