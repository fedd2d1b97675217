#!/usr/bin/env bash
# Build embedded/ (no_std firmware for a Cortex-M3), print its flash size, boot it in QEMU's
# lm3s6965evb, capture the access token it prints over semihosting, and check the token on the
# host with Python's hmac: signature, identity and grants. Installs what it needs: the Rust
# target, and qemu-system-arm (Debian's, unpacked into embedded/target/qemu) when the machine
# has none. Run from anywhere; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
crate=$root/embedded
start=$SECONDS

rustup target add thumbv7m-none-eabi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v size >/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binutils >/dev/null
fi

# QEMU: the machine's own if it has one, else Debian's qemu-system-arm unpacked into a private
# prefix. Installing it system-wide is not an option on this machine kind: it comes with a newer
# qemu-utils (a backport) that Breaks Debian's qemu-system-common, so apt either refuses ("held
# broken packages") or removes qemu-utils. Unpacking the very packages apt would install leaves
# every installed package as it was.
qemu=$(command -v qemu-system-arm || true)
qemu_args=()
if [ -z "$qemu" ]; then
    prefix=$crate/target/qemu
    if [ ! -x "$prefix/usr/bin/qemu-system-arm" ]; then
        echo "qemu-system-arm not installed: unpacking Debian's packages into $prefix"
        as_root apt-get update -qq
        # What apt would install here (qemu-system-arm and the libraries this machine lacks).
        mapfile -t debs < <(apt-get install -s --no-install-recommends qemu-system-arm |
            awk '$1 == "Inst" { print $2 }')
        [ ${#debs[@]} -gt 0 ] || { echo "ci/cortex-m.sh: apt offers no qemu-system-arm" >&2; exit 1; }
        downloads=$(mktemp -d)
        (cd "$downloads" && apt-get download -qq "${debs[@]}" 2>&1 |
            grep -v 'unsandboxed as root' || true)
        rm -rf "$prefix" && mkdir -p "$prefix"
        for deb in "$downloads"/*.deb; do dpkg-deb -x "$deb" "$prefix"; done
        rm -rf "$downloads"
        [ -x "$prefix/usr/bin/qemu-system-arm" ] || {
            echo "ci/cortex-m.sh: unpacking qemu-system-arm failed" >&2; exit 1; }
    fi
    qemu=$prefix/usr/bin/qemu-system-arm
    libs=$(find "$prefix" -maxdepth 3 -type d -name '*-linux-gnu*' | paste -sd: -)
    export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    qemu_args=(-L "$prefix/usr/share/qemu")
fi
"$qemu" --version | head -n 1

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
out=$(timeout 120 "$qemu" "${qemu_args[@]}" -cpu cortex-m3 -machine lm3s6965evb -nographic \
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
if [ "$((text + rodata))" -gt 16384 ]; then
    echo "ci/cortex-m.sh: $((text + rodata)) bytes of flash, above the 16 KB budget" >&2
    exit 1
fi
echo "ci/cortex-m.sh: ok ($((text + rodata)) bytes of .text + .rodata, $((SECONDS - start)) s)"
