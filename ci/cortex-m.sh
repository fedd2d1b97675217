#!/usr/bin/env bash
# Build embedded/ (no_std firmware for a Cortex-M3), print its flash size, boot it in QEMU's
# lm3s6965evb, capture the access token it prints over semihosting, and check the token on the
# host with Python's hmac: signature, identity and grants. Installs what it needs (the Rust
# target; qemu-system-arm from Debian if missing). Run from anywhere; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
crate=$root/embedded
start=$SECONDS

rustup target add thumbv7m-none-eabi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v qemu-system-arm >/dev/null; then
    # Debian's qemu-system-arm can make apt remove a newer qemu-utils (another suite's build);
    # reinstalling qemu-utils alongside keeps qemu-img on the machine when it was there.
    packages=(qemu-system-arm)
    if command -v qemu-img >/dev/null; then packages+=(qemu-utils); fi
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
if ! command -v size >/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binutils >/dev/null
fi
qemu-system-arm --version | head -n 1

# Its own target dir (no contention with the root build's lock), and the size flag of
# embedded/.cargo/config.toml, which RUSTFLAGS from the environment would override.
export CARGO_TARGET_DIR=$crate/target
export RUSTFLAGS="${RUSTFLAGS:-} --cfg sha2_backend_soft=\"compact\""
(cd "$crate" && cargo build --release --target thumbv7m-none-eabi)
elf=$CARGO_TARGET_DIR/thumbv7m-none-eabi/release/twilio-jwt-cortex-m-example

# GNU size reads any ELF. Flash holds .vector_table, .text, .rodata and .data's initial values.
size -A "$elf" | awk '$1 ~ /^\.(vector_table|text|rodata|data)$/ { print }'
read -r text rodata flash < <(size -A "$elf" | awk '
    $1 == ".text" { t = $2 } $1 == ".rodata" { r = $2 }
    $1 ~ /^\.(vector_table|text|rodata|data)$/ { f += $2 }
    END { print t + 0, r + 0, f + 0 }')
echo "flash size (.text + .rodata): $((text + rodata)) bytes (whole image with vector table and .data: $flash bytes)"

# Same command line as the runner in embedded/.cargo/config.toml. Semihosting carries the
# output and the exit status (0 on success); the timeout guards against a hung guest.
out=$(timeout 120 qemu-system-arm -cpu cortex-m3 -machine lm3s6965evb -nographic \
    -semihosting-config enable=on,target=native -kernel "$elf" </dev/null) || {
    status=$?
    echo "$out"
    echo "ci/cortex-m.sh: QEMU exited with status $status" >&2
    exit 1
}
echo "$out"
token=$(printf '%s\n' "$out" | grep -E '^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' | head -n 1) || {
    echo "ci/cortex-m.sh: no token in the firmware's output" >&2
    exit 1
}

# The firmware's constants (embedded/src/main.rs).
payload=$(python3 "$root/ci/check_token.py" "$token" 'cortex-m-example-secret')
python3 - "$payload" <<'PY'
import json, sys

payload = json.loads(sys.argv[1])
account, key, now = "AC0123456789abcdef0123456789abcdef", "SK0123456789abcdef0123456789abcdef", 1_700_000_000
assert payload == {
    "jti": f"{key}-{now}",
    "grants": {
        "video": {"room": "demo"},
        "voice": {
            "incoming": {"allow": True},
            "outgoing": {
                "application_sid": "AP0123456789abcdef0123456789abcdef",
                "params": {"device": "lm3s6965"},
            },
        },
        "identity": "device-42",
    },
    "iss": key,
    "exp": now + 3600,
    "nbf": now,
    "sub": account,
}, payload
grants = payload["grants"]
print(f"host check: HMAC-SHA256 verifies; identity {grants['identity']!r}, "
      f"grants {sorted(k for k in grants if k != 'identity')}")
PY
echo "ci/cortex-m.sh: ok ($((text + rodata)) bytes of .text + .rodata, $((SECONDS - start)) s)"
