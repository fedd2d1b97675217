#!/usr/bin/env bash
# Run every cargo-fuzz target in fuzz/ for FUZZ_SECONDS (default 60) each, starting from the
# committed seeds. Installs the nightly toolchain and cargo-fuzz if they are missing. A crash
# fails the script; its reproducer is left in fuzz/artifacts/<target>/ and belongs, once fixed,
# in fuzz/regressions/<target>/ where `cargo test --test fuzz_regressions` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

cd fuzz
cargo +nightly fuzz build
failed=()
for target in $(cargo +nightly fuzz list); do
    corpus=corpus/$target
    mkdir -p "$corpus"
    echo "---- $target: ${seconds}s"
    # -max_len keeps inputs near token size; -rss_limit_mb guards against a memory blow-up
    # being mistaken for slowness.
    if ! cargo +nightly fuzz run "$target" "$corpus" "seeds/$target" -- \
        -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 \
        2>"$target.log"; then
        # The panic message first (the tail alone is mostly cargo-fuzz's backtrace).
        grep -a -A 4 'panicked at' "$target.log" | head -n 20 >&2 || true
        tail -n 25 "$target.log" >&2
        failed+=("$target")
    else
        grep -E '^stat::(number_of_executed_units|new_units_added)' "$target.log" || true
    fi
    rm -f "$target.log"
done

if [ ${#failed[@]} -ne 0 ]; then
    echo "ci/fuzz.sh: crashes in: ${failed[*]} (reproducers in fuzz/artifacts/)" >&2
    exit 1
fi
echo "ci/fuzz.sh: all targets ran ${seconds}s without a crash"
