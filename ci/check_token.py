"""Check a minted token on the host, independently of the crate: canonical base64url segments,
an HMAC-SHA256 signature that verifies with SECRET (and not with another key), and Twilio's
access-token header. Prints the payload as JSON for the caller's own checks.

    python3 ci/check_token.py TOKEN SECRET
"""
import base64
import hashlib
import hmac
import json
import sys


def b64url(segment):
    assert not set(segment) & set("=+/"), f"not canonical base64url: {segment}"
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def main(token, secret):
    parts = token.split(".")
    assert len(parts) == 3, f"expected 3 segments, got {len(parts)}"
    header_b64, payload_b64, sig_b64 = parts
    signing_input = f"{header_b64}.{payload_b64}".encode()
    expected = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    assert hmac.compare_digest(b64url(sig_b64), expected), "HMAC-SHA256 signature does not verify"
    wrong = hmac.new(b"not the secret", signing_input, hashlib.sha256).digest()
    assert not hmac.compare_digest(b64url(sig_b64), wrong), "checker accepts a wrong secret"
    header = json.loads(b64url(header_b64))
    assert header == {"alg": "HS256", "cty": "twilio-fpa;v=1", "typ": "JWT"}, header
    print(json.dumps(json.loads(b64url(payload_b64))))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
