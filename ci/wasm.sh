#!/usr/bin/env bash
# Build examples/wasm (a no_std cdylib for wasm32-unknown-unknown), print its size, mint an
# access token with it in Node's WebAssembly engine, and check the token on the host with
# Python's hmac: signature, identity and grants. Run from anywhere; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
crate=$root/examples/wasm
start=$SECONDS

command -v node >/dev/null || { echo "ci/wasm.sh: node is required" >&2; exit 1; }
command -v python3 >/dev/null || { echo "ci/wasm.sh: python3 is required" >&2; exit 1; }
rustup target add wasm32-unknown-unknown

# Its own target dir (no contention with the root build's lock), and the size flag of
# examples/wasm/.cargo/config.toml, which RUSTFLAGS from the environment would override.
export CARGO_TARGET_DIR=$crate/target
export RUSTFLAGS="${RUSTFLAGS:-} --cfg sha2_backend_soft=\"compact\""
(cd "$crate" && cargo build --release --locked --target wasm32-unknown-unknown)
wasm=$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/twilio_jwt_wasm_example.wasm
size=$(wc -c <"$wasm" | tr -d ' ')
echo "wasm module size: $size bytes"

export TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef
export TWILIO_API_KEY=SK0123456789abcdef0123456789abcdef
export TWILIO_API_SECRET='wasm secret: "quoted" \ and ünïcode'
export JWT_IDENTITY='alice@example.com'
export JWT_ROOM='Daily "standup" ✓'
export JWT_CHAT_SERVICE_SID=IS0123456789abcdef0123456789abcdef
export JWT_NOW=$(date +%s)

token=$(node "$crate/run.mjs" "$wasm")
echo "token: $token"

payload=$(python3 "$root/ci/check_token.py" "$token" "$TWILIO_API_SECRET")
python3 - "$payload" <<'PY'
import json, os, sys

payload = json.loads(sys.argv[1])
env = os.environ
now = int(env["JWT_NOW"])
key = env["TWILIO_API_KEY"]
assert payload["iss"] == key, payload
assert payload["sub"] == env["TWILIO_ACCOUNT_SID"], payload
assert payload["jti"] == f"{key}-{now}", payload
assert payload["nbf"] == now and payload["exp"] == now + 3600, payload
grants = payload["grants"]
assert grants["identity"] == env["JWT_IDENTITY"], grants
assert grants["video"] == {"room": env["JWT_ROOM"]}, grants
assert grants["chat"] == {"service_sid": env["JWT_CHAT_SERVICE_SID"]}, grants
print(f"host check: HMAC-SHA256 verifies; identity {grants['identity']!r}, "
      f"grants {sorted(k for k in grants if k != 'identity')}")
PY

# An error comes back as a negative code, not a trap: an empty identity cannot be minted.
err=$(JWT_IDENTITY= node "$crate/run.mjs" "$wasm" 2>&1) && {
    echo "ci/wasm.sh: minting without an identity succeeded: $err" >&2; exit 1
}
case $err in
*"mint failed: -3"*) ;;
*) echo "ci/wasm.sh: unexpected failure without an identity: $err" >&2; exit 1 ;;
esac
echo "error path: an empty identity gives -3"

if [ "$size" -gt 20480 ]; then
    echo "ci/wasm.sh: the module is $size bytes, above the 20 KB budget" >&2
    exit 1
fi
echo "ci/wasm.sh: ok (${size} bytes, $((SECONDS - start)) s)"
