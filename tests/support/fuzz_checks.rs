//! The properties the fuzz targets check (`fuzz/fuzz_targets/*.rs`), as plain functions that
//! panic when a property is violated. `tests/fuzz_regressions.rs` replays the committed seeds and
//! regression inputs through the same functions under `cargo test`.
//!
//! Structured inputs are built from the raw bytes with a tiny [`Cursor`] (no `arbitrary`), so this
//! file needs only `twilio_jwt`, `serde_json` (with `preserve_order`), `hmac` and `sha2`, which
//! both the root crate's tests and the fuzz crate have.
//!
//! The oracles are independent of the library where it matters: base64url, HMAC, form-encoding,
//! Python's JSON escaping and the expected claims are computed here; JSON is compared with
//! serde_json.

use std::collections::HashSet;
use std::fmt::Write as _;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value as J};
use sha2::{Sha256, Sha384, Sha512};
use twilio_jwt::json::{JsonStr, JsonWriter, Kind, MAX_DEPTH, Rule, Value, parse};
use twilio_jwt::{
    AccessToken, Algorithm, ChatGrant, Claims, ClientCapability, FilterRequirement, FormEncoded,
    Grant, Key, MAX_TOKEN_LEN, MintError, PlaybackGrant, Policy, ScopeUri, Segment,
    TaskRouterCapability, TimeClaim, Verifier, VerifyError, VideoGrant, VoiceGrant,
    decode_unverified, form_pairs,
};

/// The secret every `verify_bytes` token is checked against (the seeds are minted with it).
pub const KEY: &[u8] = b"fuzz-secret";
/// The `now` of the `verify_bytes` target (the seeds are minted at it).
pub const NOW: u64 = 1_700_000_000;
/// The fuzz targets, each with a `check_*` function of the same name.
pub const TARGETS: [&str; 4] = ["verify_bytes", "roundtrip", "json_writer", "scope"];

/// Run the check of `target` on `data`.
pub fn check(target: &str, data: &[u8]) {
    match target {
        "verify_bytes" => check_verify_bytes(data),
        "roundtrip" => check_roundtrip(data),
        "json_writer" => check_json_writer(data),
        "scope" => check_scope(data),
        _ => panic!("unknown fuzz target {target}"),
    }
}

// =============================================================================================
// Building inputs from bytes
// =============================================================================================

/// Reads structured values off the front of the fuzz input; past the end everything is zero.
pub struct Cursor<'a>(&'a [u8]);

/// Non-ASCII characters worth having often: multi-byte UTF-8, JSON's and Python's special
/// cases, characters whose upper case is longer, astral characters.
const SPECIAL_CHARS: [char; 20] = [
    'é',
    'ü',
    'ß',
    'ﬀ',
    'ŉ',
    'İ',
    'ı',
    'Ω',
    '€',
    '\u{80}',
    '\u{ff}',
    '\u{2028}',
    '\u{2029}',
    '\u{fffd}',
    '\u{ffff}',
    '\u{e000}',
    '😀',
    '𝄞',
    '\u{10ffff}',
    '\u{feff}',
];

impl<'a> Cursor<'a> {
    /// A cursor over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor(data)
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The next byte (0 past the end).
    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// A coin flip.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// Two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// Four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// Eight bytes, little-endian.
    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        match n {
            0 => 0,
            1..=256 => usize::from(self.u8()) % n,
            _ => usize::from(self.u16()) % n,
        }
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// A character: any ASCII (controls, quotes, `%`, `+`, `&`, `=` included), a special
    /// non-ASCII one, or any scalar value.
    pub fn char(&mut self) -> char {
        match self.u8() {
            b @ 0..=0x7f => char::from(b),
            b @ 0x80..=0xbf => SPECIAL_CHARS[usize::from(b) % SPECIAL_CHARS.len()],
            b => {
                let v = u32::from(self.u16()) | (u32::from(b & 0x1f) << 16);
                char::from_u32(v).unwrap_or('\u{fffd}')
            }
        }
    }

    /// A string of at most `max` characters.
    pub fn string(&mut self, max: usize) -> String {
        let n = self.below(max + 1);
        (0..n).map(|_| self.char()).collect()
    }

    /// Mostly short ASCII words (which keep inputs readable and tokens small), sometimes any
    /// string.
    pub fn word(&mut self, max: usize) -> String {
        if self.below(4) == 0 {
            return self.string(max);
        }
        let n = self.below(max + 1);
        (0..n)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyzAB0129 -_.%+&="[self.below(40)]))
            .collect()
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }
}

// =============================================================================================
// Independent helpers: base64url, HMAC, form encoding, Python's JSON escaping
// =============================================================================================

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url.
pub fn b64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Canonical unpadded base64url only: `None` for any other character, padding, a length of
/// the form 4k+1 or non-zero unused bits (checked by re-encoding).
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (b64url_encode(&out) == s).then_some(out)
}

/// HMAC of `msg` under `key`.
pub fn hmac(alg: Algorithm, key: &[u8], msg: &[u8]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(msg);
        mac.finalize().into_bytes().to_vec()
    }
    match alg {
        Algorithm::HS256 => run::<Hmac<Sha256>>(key, msg),
        Algorithm::HS384 => run::<Hmac<Sha384>>(key, msg),
        Algorithm::HS512 => run::<Hmac<Sha512>>(key, msg),
    }
}

/// A compact JWS over the given header and payload bytes (any bytes, not only JSON).
pub fn sign(alg: Algorithm, key: &[u8], header: &[u8], payload: &[u8]) -> String {
    let input = format!("{}.{}", b64url_encode(header), b64url_encode(payload));
    let mac = hmac(alg, key, input.as_bytes());
    format!("{input}.{}", b64url_encode(&mac))
}

/// The three decoded segments of a token this crate minted (panics otherwise). A segment with a
/// number serde_json cannot hold (`1e400`, which a playback grant may carry) comes back as
/// `null`.
pub fn split_token(jwt: &str) -> (J, J, Vec<u8>) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let json = |s: &str| -> J {
        let bytes = b64url_decode(s).unwrap_or_else(|| panic!("not canonical base64url: {s}"));
        match serde_json::from_slice(&bytes) {
            Ok(j) => j,
            Err(e) if is_range_error(&e) => J::Null,
            Err(e) => panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)),
        }
    };
    let sig = b64url_decode(parts[2]).expect("signature is canonical base64url");
    (json(parts[0]), json(parts[1]), sig)
}

/// Python's `urllib.parse.quote_plus`.
pub fn quote_plus(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => write!(out, "%{b:02X}").unwrap_or_default(),
        }
    }
    out
}

/// Form-decoding (`+` is a space, `%XX` a byte); `None` for a malformed escape or non-UTF-8.
pub fn form_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// JSON string content as Python's `json.dumps` (`ensure_ascii`) writes it.
pub fn py_escape(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(ch),
            _ => {
                for unit in ch.encode_utf16(&mut [0; 2]) {
                    write!(out, "\\u{unit:04x}").unwrap_or_default();
                }
            }
        }
    }
}

/// `Some(n)` for a JWT time claim's literal: digits only, below 2^53.
fn time_literal(raw: &str) -> Option<u64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u128 = raw.parse().ok()?;
    u64::try_from(n).ok().filter(|&n| n < 1 << 53)
}

/// Whether serde_json rejected a document only for a number it cannot represent (`1e400`),
/// which the crate's reader, keeping numbers as text, accepts.
fn is_range_error(e: &serde_json::Error) -> bool {
    e.to_string().starts_with("number out of range")
}

/// The nesting depth as the crate's reader counts it (a scalar is 0, `[]` is 1).
fn depth(j: &J) -> usize {
    match j {
        J::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        J::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

// =============================================================================================
// Comparing the crate's JSON views with serde_json
// =============================================================================================

/// Check a [`JsonStr`] against the string it should hold, through every accessor.
pub fn check_str(s: JsonStr<'_>, expected: &str) {
    assert!(
        s.chars().eq(expected.chars()),
        "{:?} != {expected:?}",
        s.raw()
    );
    assert!(s.eq_str(expected), "eq_str({:?}, {expected:?})", s.raw());
    assert!(s == expected);
    assert_eq!(s.to_string(), expected);
    assert_eq!(s.unescaped_len(), expected.len());
    let mut buf = vec![0u8; expected.len()];
    assert_eq!(s.unescape_into(&mut buf), Some(expected));
    if !expected.is_empty() {
        let mut short = vec![0u8; expected.len() - 1];
        assert_eq!(s.unescape_into(&mut short), None);
    }
    if let Some(plain) = s.as_plain() {
        assert_eq!(plain, expected);
    }
}

/// Check the crate's view of a value against serde_json's parse of the same text.
pub fn same(v: Value<'_>, j: &J) {
    match j {
        J::Null => {
            assert_eq!(v.kind(), Kind::Null);
            assert!(v.is_null());
        }
        J::Bool(b) => {
            assert_eq!(v.kind(), Kind::Bool);
            assert_eq!(v.as_bool(), Some(*b));
        }
        J::Number(_) => {
            assert_eq!(v.kind(), Kind::Number, "{}", v.raw());
            let reparsed: J = serde_json::from_str(v.raw()).expect("a number literal");
            assert_eq!(&reparsed, j, "number {}", v.raw());
            assert_eq!(v.as_time(), time_literal(v.raw()), "as_time({})", v.raw());
        }
        J::String(s) => {
            assert_eq!(v.kind(), Kind::String);
            check_str(v.as_str().expect("a string"), s);
        }
        J::Array(items) => {
            assert_eq!(v.kind(), Kind::Array);
            assert_eq!(v.elements().count(), items.len(), "{}", v.raw());
            for (e, item) in v.elements().zip(items) {
                same(e, item);
            }
        }
        J::Object(members) => {
            assert_eq!(v.kind(), Kind::Object);
            assert_eq!(v.members().count(), members.len(), "{}", v.raw());
            for ((name, value), (key, item)) in v.members().zip(members) {
                check_str(name, key);
                same(value, item);
                assert_eq!(v.get(key), Some(value));
            }
        }
    }
    if !matches!(j, J::String(_)) {
        assert!(v.as_str().is_none());
    }
}

/// `json::parse` on arbitrary bytes: never panics; what it accepts is UTF-8 and JSON to
/// serde_json too (bar numbers out of f64's range), with the same content; what serde_json
/// accepts and it rejects is a duplicate key or a document nested too deeply.
pub fn check_json_parse(data: &[u8]) {
    let serde = serde_json::from_slice::<J>(data);
    match parse(data) {
        Ok(v) => {
            let text = std::str::from_utf8(data).expect("accepted text is UTF-8");
            assert_eq!(v.raw(), text.trim_matches([' ', '\t', '\n', '\r']));
            match serde {
                Ok(j) => {
                    same(v, &j);
                    assert!(depth(&j) <= twilio_jwt::json::MAX_DEPTH);
                }
                Err(e) => assert!(is_range_error(&e), "accepted, serde_json says {e}"),
            }
        }
        Err(e) => {
            if let Ok(j) = serde {
                match e.rule() {
                    Rule::TooDeep => assert!(depth(&j) > twilio_jwt::json::MAX_DEPTH),
                    Rule::DuplicateKey => {}
                    _ => panic!("serde_json accepts {j}, the reader says {e:?}"),
                }
            }
        }
    }
}

// =============================================================================================
// verify_bytes
// =============================================================================================

/// Verification of arbitrary bytes.
///
/// The bytes, as (lossy) UTF-8, are verified under [`KEY`] at [`NOW`] and other times: it never
/// panics, and `Ok` only for a token that is valid by an independent check (canonical base64url,
/// HMAC-SHA256, JSON objects, `alg`, `exp`, `nbf`, `iat`). When the bytes hold a `0xff`, the bytes
/// before it and after it are also signed as header and payload, and verification must give
/// exactly the documented answer. The bytes also go through [`check_json_parse`].
pub fn check_verify_bytes(data: &[u8]) {
    check_json_parse(data);
    check_token(&String::from_utf8_lossy(data), None);
    if let Some(i) = data.iter().position(|&b| b == 0xff) {
        let (header, payload) = (&data[..i], &data[i + 1..]);
        check_json_parse(header);
        check_json_parse(payload);
        check_token(
            &sign(Algorithm::HS256, KEY, header, payload),
            Some((header, payload)),
        );
    }
}

/// The documented answer for a correctly signed token with this header and payload.
fn expected_verdict(
    header: &[u8],
    payload: &[u8],
    now: u64,
    leeway: u64,
) -> Result<(), VerifyError> {
    for (segment, bytes) in [(Segment::Header, header), (Segment::Payload, payload)] {
        if bytes.is_empty() {
            return Err(VerifyError::EmptySegment(segment));
        }
    }
    let h = parse(header).map_err(VerifyError::HeaderJson)?;
    let p = parse(payload).map_err(VerifyError::PayloadJson)?;
    if h.kind() != Kind::Object {
        return Err(VerifyError::NotAnObject(Segment::Header));
    }
    if p.kind() != Kind::Object {
        return Err(VerifyError::NotAnObject(Segment::Payload));
    }
    if h.members().any(|(name, _)| name.eq_str("crit")) {
        return Err(VerifyError::Crit);
    }
    if !h
        .get("alg")
        .and_then(|a| a.as_str())
        .is_some_and(|a| a == "HS256")
    {
        return Err(VerifyError::AlgorithmMismatch);
    }
    let time = |name, which| match p.get(name) {
        None => Ok(None),
        Some(v) => time_literal(v.raw())
            .map(Some)
            .ok_or(VerifyError::InvalidClaim(which)),
    };
    let exp = time("exp", TimeClaim::Exp)?.ok_or(VerifyError::MissingExp)?;
    let nbf = time("nbf", TimeClaim::Nbf)?;
    time("iat", TimeClaim::Iat)?;
    if u128::from(exp) + u128::from(leeway) <= u128::from(now) {
        return Err(VerifyError::Expired);
    }
    if nbf.is_some_and(|nbf| u128::from(nbf) > u128::from(now) + u128::from(leeway)) {
        return Err(VerifyError::NotYetValid);
    }
    Ok(())
}

fn check_token(token: &str, signed: Option<(&[u8], &[u8])>) {
    for (now, leeway) in [(NOW, 0), (NOW, 30), (0, 0), (u64::MAX, u64::MAX)] {
        let verifier = Verifier::from_secret(KEY).unwrap().leeway(leeway);
        let mut scratch = vec![0u8; token.len()];
        let result = verifier.verify(token, now, &mut scratch);
        if let Ok(claims) = &result {
            check_valid(token, now, leeway, claims);
        }
        if let Some((header, payload)) = signed {
            let expected = if token.len() > MAX_TOKEN_LEN {
                Err(VerifyError::TooLong { len: token.len() })
            } else {
                expected_verdict(header, payload, now, leeway)
            };
            assert_eq!(result.as_ref().err(), expected.err().as_ref(), "{token}");
        }
        assert!(
            !matches!(result, Err(VerifyError::BufferTooSmall { .. })),
            "a scratch buffer as long as the token must suffice"
        );
        let owned = verifier.verify_owned(token, now);
        match (&result, &owned) {
            (Ok(view), Ok(owned)) => {
                assert_eq!(owned.payload_json(), view.payload().raw());
                assert_eq!(owned.header_json(), view.header().raw());
                assert_eq!(
                    owned.identity(),
                    view.identity().map(|s| s.to_string()),
                    "{token}"
                );
            }
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!("verify and verify_owned disagree on {token:?}"),
        }
        // A wrong key never verifies.
        assert!(
            Verifier::from_secret(b"another key")
                .unwrap()
                .verify(token, now, &mut scratch)
                .is_err()
        );
    }

    let mut scratch = vec![0u8; token.len()];
    let unverified = decode_unverified(token, &mut scratch);
    let mut again = vec![0u8; token.len()];
    if let Ok(claims) = Verifier::from_secret(KEY)
        .unwrap()
        .leeway(u64::MAX)
        .verify(token, 1, &mut again)
    {
        let decoded = unverified
            .as_ref()
            .expect("a valid token decodes unverified");
        assert_eq!(decoded.payload().raw(), claims.payload().raw());
        assert_eq!(decoded.header().raw(), claims.header().raw());
    }
    if let Ok(claims) = &unverified {
        assert_eq!(claims.header().kind(), Kind::Object);
        assert_eq!(claims.payload().kind(), Kind::Object);
        exercise_claims(claims);
    }
    // A short scratch buffer is an error or enough, never a panic.
    let mut short = vec![0u8; token.len() / 2];
    let _ = decode_unverified(token, &mut short);
    let _ = Verifier::from_secret(KEY)
        .unwrap()
        .verify(token, NOW, &mut short);
}

/// Every accessor of a decoded token (none may panic), checked against serde_json.
fn exercise_claims(claims: &Claims<'_>) {
    for v in [claims.header(), claims.payload()] {
        match serde_json::from_str::<J>(v.raw()) {
            Ok(j) => same(v, &j),
            Err(e) => assert!(is_range_error(&e), "{e}: {}", v.raw()),
        }
    }
    let text = |s: Option<JsonStr<'_>>| s.map(|s| s.to_string());
    let payload = serde_json::from_str::<J>(claims.payload().raw()).unwrap_or(J::Null);
    if payload.is_object() {
        for (name, value) in [
            ("jti", text(claims.jti())),
            ("iss", text(claims.iss())),
            ("sub", text(claims.sub())),
        ] {
            assert_eq!(value.as_deref(), payload[name].as_str(), "{name}");
        }
        let grants = &payload["grants"];
        assert_eq!(
            text(claims.identity()).as_deref(),
            grants["identity"].as_str()
        );
    }
    let _ = (claims.exp(), claims.nbf(), claims.iat(), claims.region());
    let _ = (
        claims.video(),
        claims.chat(),
        claims.ip_messaging(),
        claims.sync(),
    );
    let _ = (claims.task_router(), claims.conversations(), claims.voice());
    let _ = claims.playback();
    if let Some(scopes) = claims.scopes() {
        for uri in scopes {
            for (k, v) in uri.params() {
                check_form_lenient(k);
                check_form_lenient(v);
            }
        }
    }
    for policy in claims.policies() {
        let _ = (policy.url, policy.method, policy.allow);
    }
}

/// Independent check of a token `verify` accepted at `now` with `leeway`.
fn check_valid(token: &str, now: u64, leeway: u64, claims: &Claims<'_>) {
    assert!(token.len() <= MAX_TOKEN_LEN);
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "accepted {token:?}");
    let decode = |s: &str| {
        assert!(!s.is_empty(), "accepted an empty segment: {token:?}");
        b64url_decode(s).unwrap_or_else(|| panic!("accepted non-canonical base64url {s:?}"))
    };
    let (header, payload, sig) = (decode(parts[0]), decode(parts[1]), decode(parts[2]));
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    assert_eq!(
        sig,
        hmac(Algorithm::HS256, KEY, signing_input.as_bytes()),
        "accepted a bad signature: {token:?}"
    );
    assert_eq!(claims.header().raw().as_bytes(), trim_ws(&header));
    assert_eq!(claims.payload().raw().as_bytes(), trim_ws(&payload));
    assert_eq!(expected_verdict(&header, &payload, now, leeway), Ok(()));
    for (bytes, what) in [(&header, "header"), (&payload, "payload")] {
        match serde_json::from_slice::<J>(bytes) {
            Ok(j) => assert!(j.is_object(), "{what} is not an object"),
            Err(e) => assert!(
                is_range_error(&e),
                "accepted {what} serde_json rejects: {e}"
            ),
        }
    }
    if let Ok(h) = serde_json::from_slice::<J>(&header) {
        assert_eq!(h["alg"], "HS256");
    }
    if let Ok(p) = serde_json::from_slice::<J>(&payload) {
        let exp = p["exp"].as_u64().expect("exp is an integer");
        assert!(u128::from(exp) + u128::from(leeway) > u128::from(now));
        assert_eq!(claims.exp(), exp);
        if let Some(nbf) = p.get("nbf") {
            let nbf = nbf.as_u64().expect("nbf is an integer");
            assert!(u128::from(nbf) <= u128::from(now) + u128::from(leeway));
            assert_eq!(claims.nbf(), Some(nbf));
        }
        if let Some(iat) = p.get("iat") {
            assert_eq!(claims.iat(), Some(iat.as_u64().expect("iat is an integer")));
        }
    }
}

fn trim_ws(b: &[u8]) -> &[u8] {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let start = b.iter().position(|c| !ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !ws(c)).map_or(start, |i| i + 1);
    &b[start..end]
}

// =============================================================================================
// json_writer
// =============================================================================================

/// The JSON writer: documents written from the bytes (strings streamed whole, in `&str` parts
/// or in arbitrary byte splits; keys, numbers, literals, nested arrays and objects) come out
/// byte for byte as Python's `json.dumps(separators=(",", ":"))` writes them, pure ASCII, and
/// parse back (serde_json and the crate's reader) to what was written. Then the bytes
/// themselves, when the crate's reader accepts them, are re-written with `JsonWriter::value`:
/// the output is ASCII, means the same to serde_json and is a fixed point.
pub fn check_json_writer(data: &[u8]) {
    // Measured, then written: the writer must give the same bytes into any buffer.
    let out = twilio_jwt::json::to_string(|w| {
        write_random(&mut Cursor::new(data), w, &mut String::new(), 0);
    });
    let mut expected_text = String::new();
    let mut measure = JsonWriter::new(&mut []);
    let expected = write_random(&mut Cursor::new(data), &mut measure, &mut expected_text, 0);
    assert_eq!(measure.len(), out.len());
    let text = out.as_str();
    assert!(text.is_ascii(), "not ASCII: {text:?}");
    assert_eq!(text, expected_text);
    let back: J = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(back, expected, "{text}");
    let v = parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e:?}: {text}"));
    same(v, &expected);

    if let Ok(v) = parse(data) {
        let once = rewrite(v);
        let text = std::str::from_utf8(&once).expect("UTF-8");
        assert!(text.is_ascii(), "not ASCII: {text:?}");
        let reparsed = parse(&once).unwrap_or_else(|e| panic!("{e:?}: {text}"));
        assert_eq!(rewrite(reparsed), once, "re-writing is not a fixed point");
        match (
            serde_json::from_slice::<J>(data),
            serde_json::from_slice::<J>(&once),
        ) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
            (Err(a), Err(b)) => assert!(is_range_error(&a) && is_range_error(&b)),
            (a, b) => panic!("serde_json: original {a:?}, re-written {b:?}"),
        }
    }
}

fn rewrite(v: Value<'_>) -> Vec<u8> {
    twilio_jwt::json::to_string(|w| w.value(v)).into_bytes()
}

/// Write a random value with `w`, append what Python would write to `text`, return the value.
fn write_random(c: &mut Cursor<'_>, w: &mut JsonWriter<'_>, text: &mut String, depth: usize) -> J {
    let kinds = if depth >= 6 { 6 } else { 8 };
    match c.below(kinds) {
        0 => {
            w.null();
            text.push_str("null");
            J::Null
        }
        1 => {
            let b = c.bool();
            w.bool(b);
            text.push_str(if b { "true" } else { "false" });
            J::Bool(b)
        }
        2 => {
            let n = if c.bool() { c.u64() } else { u64::from(c.u8()) };
            w.u64(n);
            write!(text, "{n}").unwrap_or_default();
            J::from(n)
        }
        3 => {
            let s = c.string(24);
            w.string(&s);
            push_json_string(text, &s);
            J::String(s)
        }
        4 => {
            // In `&str` pieces split at character boundaries.
            let s = c.string(24);
            let mut cuts: Vec<usize> = (0..c.below(4))
                .map(|_| c.below(s.len() + 1))
                .filter(|&i| s.is_char_boundary(i))
                .collect();
            cuts.sort_unstable();
            let mut parts = Vec::new();
            let mut start = 0;
            for cut in cuts.into_iter().chain([s.len()]) {
                parts.push(&s[start..cut]);
                start = cut;
            }
            w.string_parts(&parts);
            push_json_string(text, &s);
            J::String(s)
        }
        5 => {
            // Streamed in arbitrary byte splits, characters cut in the middle included.
            let s = c.string(24);
            let mut splits = Vec::new();
            let mut rest = s.as_bytes();
            while !rest.is_empty() {
                let n = if c.is_empty() {
                    rest.len()
                } else {
                    c.below(rest.len() + 1)
                };
                splits.push(&rest[..n]);
                rest = &rest[n..];
            }
            w.string_with(|sink| {
                for piece in &splits {
                    sink.put(piece);
                }
            });
            push_json_string(text, &s);
            J::String(s)
        }
        6 => {
            let n = c.below(5);
            w.begin_array();
            text.push('[');
            let mut items = Vec::new();
            for i in 0..n {
                if i > 0 {
                    text.push(',');
                }
                items.push(write_random(c, w, text, depth + 1));
            }
            w.end_array();
            text.push(']');
            J::Array(items)
        }
        _ => {
            let n = c.below(5);
            w.begin_object();
            text.push('{');
            let mut members = Map::new();
            for _ in 0..n {
                let key = c.string(8);
                if members.contains_key(&key) {
                    continue;
                }
                if !members.is_empty() {
                    text.push(',');
                }
                let value = match c.below(4) {
                    0 => {
                        let s = c.string(8);
                        w.field_str(&key, &s);
                        push_member(text, &key);
                        push_json_string(text, &s);
                        J::String(s)
                    }
                    1 => {
                        let n = c.u64();
                        w.field_u64(&key, n);
                        push_member(text, &key);
                        write!(text, "{n}").unwrap_or_default();
                        J::from(n)
                    }
                    2 => {
                        let s = c.string(2);
                        w.field_opt(&key, &s);
                        if s.is_empty() {
                            // Nothing written: undo the comma.
                            if !members.is_empty() {
                                text.pop();
                            }
                            continue;
                        }
                        push_member(text, &key);
                        push_json_string(text, &s);
                        J::String(s)
                    }
                    _ => {
                        w.key(&key);
                        push_member(text, &key);
                        write_random(c, w, text, depth + 1)
                    }
                };
                members.insert(key, value);
            }
            w.end_object();
            text.push('}');
            J::Object(members)
        }
    }
}

fn push_json_string(text: &mut String, s: &str) {
    text.push('"');
    py_escape(s, text);
    text.push('"');
}

fn push_member(text: &mut String, key: &str) {
    push_json_string(text, key);
    text.push(':');
}

// =============================================================================================
// scope
// =============================================================================================

/// One call on a [`ClientCapability`] builder.
#[derive(Clone, Debug)]
enum ScopeOp {
    Incoming(String),
    Outgoing(String),
    Param(String, String),
    Events,
    Filter(String, String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ScopeKind {
    Incoming,
    Outgoing,
    Events,
}

/// What a sequence of builder calls asks for: the last value given for each name and list
/// entry, and the scopes in the order they were first allowed.
#[derive(Debug, Default)]
struct ExpectedScope {
    incoming: Option<String>,
    outgoing: Option<String>,
    params: Vec<(String, String)>,
    params_overflow: bool,
    filters: Vec<(String, String)>,
    filters_overflow: bool,
    order: Vec<ScopeKind>,
}

/// Capacity of `ClientCapability::new`'s parameter and filter lists.
const CLIENT_PAIRS: usize = 8;

fn set_pair(list: &mut Vec<(String, String)>, overflow: &mut bool, cap: usize, k: &str, v: &str) {
    if let Some(pair) = list.iter_mut().find(|(name, _)| name == k) {
        pair.1 = v.to_string();
    } else if list.len() < cap {
        list.push((k.to_string(), v.to_string()));
    } else {
        *overflow = true;
    }
}

impl ExpectedScope {
    fn new(ops: &[ScopeOp]) -> Self {
        fn allow(order: &mut Vec<ScopeKind>, kind: ScopeKind) {
            if !order.contains(&kind) {
                order.push(kind);
            }
        }
        let mut m = ExpectedScope::default();
        for op in ops {
            match op {
                ScopeOp::Incoming(name) => {
                    m.incoming = Some(name.clone());
                    allow(&mut m.order, ScopeKind::Incoming);
                }
                ScopeOp::Outgoing(sid) => {
                    m.outgoing = Some(sid.clone());
                    allow(&mut m.order, ScopeKind::Outgoing);
                }
                ScopeOp::Param(k, v) => {
                    set_pair(&mut m.params, &mut m.params_overflow, CLIENT_PAIRS, k, v);
                }
                ScopeOp::Events => allow(&mut m.order, ScopeKind::Events),
                ScopeOp::Filter(k, v) => {
                    set_pair(&mut m.filters, &mut m.filters_overflow, CLIENT_PAIRS, k, v);
                }
            }
        }
        m
    }

    /// The error the scope must give, if any (not counting its length).
    fn error(&self) -> Option<MintError> {
        if self.outgoing.as_deref() == Some("") {
            Some(MintError::MissingApplicationSid)
        } else if self.params_overflow {
            Some(MintError::CapacityExceeded {
                list: "client params",
            })
        } else if self.filters_overflow {
            Some(MintError::CapacityExceeded {
                list: "event filters",
            })
        } else {
            None
        }
    }

    /// Decode `scope` (as minted) with the crate's decoding API and compare with what was asked
    /// for; every value is written as Python's `quote_plus` writes it.
    fn check_decodes(&self, scope: &str) {
        // No scope at all is an empty claim, not one empty URI.
        let uris: Vec<ScopeUri<'_>> = (!scope.is_empty())
            .then(|| scope.split(' '))
            .into_iter()
            .flatten()
            .map(|u| ScopeUri::parse(u).unwrap_or_else(|| panic!("not a scope URI: {u:?}")))
            .collect();
        assert_eq!(uris.len(), self.order.len(), "{scope}");
        for (uri, kind) in uris.iter().zip(&self.order) {
            let param = |name: &str| {
                uri.param(name).map(|raw| {
                    let decoded = check_form_encoded(raw);
                    assert_eq!(raw.raw(), quote_plus(&decoded), "{scope}");
                    decoded
                })
            };
            let pairs = |name: &str| -> Option<Vec<(String, String)>> {
                let decoded = param(name)?;
                Some(
                    form_pairs(&decoded)
                        .map(|(k, v)| {
                            let (dk, dv) = (check_form_encoded(k), check_form_encoded(v));
                            assert_eq!((k.raw(), v.raw()), (&*quote_plus(&dk), &*quote_plus(&dv)));
                            (dk, dv)
                        })
                        .collect(),
                )
            };
            let expected_pairs =
                |list: &[(String, String)]| (!list.is_empty()).then(|| list.to_vec());
            match kind {
                ScopeKind::Incoming => {
                    assert_eq!((uri.service, uri.privilege), ("client", "incoming"));
                    assert_eq!(uri.params().count(), 1);
                    assert_eq!(param("clientName"), self.incoming);
                }
                ScopeKind::Outgoing => {
                    assert_eq!((uri.service, uri.privilege), ("client", "outgoing"));
                    assert_eq!(param("appSid"), self.outgoing);
                    assert_eq!(param("clientName"), self.incoming);
                    assert_eq!(pairs("appParams"), expected_pairs(&self.params), "{scope}");
                }
                ScopeKind::Events => {
                    assert_eq!((uri.service, uri.privilege), ("stream", "subscribe"));
                    assert_eq!(param("path").as_deref(), Some("/2010-04-01/Events"));
                    assert_eq!(pairs("params"), expected_pairs(&self.filters), "{scope}");
                }
            }
        }
    }
}

/// Decode a form-encoded piece every way the crate offers; they must agree with each other and
/// with an independent decoder. Returns the decoded text (panics if it does not decode).
fn check_form_encoded(f: FormEncoded<'_>) -> String {
    check_form_lenient(f).unwrap_or_else(|| panic!("does not decode: {:?}", f.raw()))
}

fn random_scope_ops(c: &mut Cursor<'_>) -> Vec<ScopeOp> {
    let n = c.below(16);
    (0..n)
        .map(|_| match c.below(8) {
            0 => ScopeOp::Incoming(c.word(10)),
            1 => ScopeOp::Outgoing(match c.below(4) {
                0 => String::new(),
                _ => c.word(10),
            }),
            2 => ScopeOp::Events,
            3..=5 => ScopeOp::Param(c.word(6), c.word(10)),
            _ => ScopeOp::Filter(c.word(6), c.word(10)),
        })
        .collect()
}

fn apply_scope_ops<'a>(mut cap: ClientCapability<'a>, ops: &'a [ScopeOp]) -> ClientCapability<'a> {
    for op in ops {
        cap = match op {
            ScopeOp::Incoming(name) => cap.allow_client_incoming(name),
            ScopeOp::Outgoing(sid) => cap.allow_client_outgoing(sid),
            ScopeOp::Param(k, v) => cap.outgoing_param(k, v),
            ScopeOp::Events => cap.allow_event_stream(),
            ScopeOp::Filter(k, v) => cap.event_filter(k, v),
        };
    }
    cap
}

/// Client capability scopes: built from arbitrary names, parameters and filters, the scope is
/// exactly the independently encoded one (or the error the inputs call for) and decodes back
/// through `ScopeUri`, `form_pairs` and `FormEncoded` to the original values, in order. The rest
/// of the bytes go through the scope decoders as arbitrary text.
pub fn check_scope(data: &[u8]) {
    let mut c = Cursor::new(data);
    let ops = random_scope_ops(&mut c);
    let model = ExpectedScope::new(&ops);
    let cap = apply_scope_ops(ClientCapability::new("AC123", "token"), &ops);
    let result = cap.scope::<4096>();
    match model.error() {
        Some(e) => assert_eq!(result.err(), Some(e), "{ops:?}"),
        None => {
            let scope = match result {
                Ok(scope) => scope.as_str().to_owned(),
                Err(MintError::BufferTooSmall { needed }) => {
                    assert!(needed > 4096, "{ops:?}");
                    let scope = cap.scope::<65536>().expect("fits");
                    assert_eq!(scope.len(), needed, "{ops:?}");
                    scope.as_str().to_owned()
                }
                Err(e) => panic!("{e:?} for {ops:?}"),
            };
            // A small buffer holds the same scope, or learns its exact length.
            match cap.scope::<64>() {
                Ok(small) => assert_eq!(small.as_str(), scope),
                Err(e) => assert_eq!(
                    e,
                    MintError::BufferTooSmall {
                        needed: scope.len()
                    }
                ),
            }
            model.check_decodes(&scope);
        }
    }

    // Arbitrary text through the decoders.
    let text = String::from_utf8_lossy(c.rest());
    if let Some(uri) = ScopeUri::parse(&text) {
        assert_eq!(format!("scope:{}:{}", uri.service, uri.privilege), {
            let rest = &text["scope:".len()..];
            format!("scope:{}", rest.split_once('?').map_or(rest, |(p, _)| p))
        });
        for (k, v) in uri.params() {
            let _ = (k.decode(), v.decode());
        }
    }
    for (k, v) in form_pairs(&text) {
        check_form_lenient(k);
        check_form_lenient(v);
    }
}

/// Decode a form-encoded piece of any text every way the crate offers: they agree with each
/// other and with an independent decoder.
fn check_form_lenient(f: FormEncoded<'_>) -> Option<String> {
    let decoded = f.decode();
    assert_eq!(decoded, form_decode(f.raw()), "decode({:?})", f.raw());
    let mut buf = vec![0u8; f.raw().len()];
    assert_eq!(f.decode_into(&mut buf), decoded.as_deref());
    if let Some(d) = &decoded {
        assert!(f.eq_decoded(d));
        assert!(!f.eq_decoded(&format!("{d}x")));
    }
    decoded
}

// =============================================================================================
// roundtrip
// =============================================================================================
//
// Properties of minting, none of which re-derives a token: the crate's output is checked only
// against itself (same inputs, other setter order, raw secret vs prepared key), against the
// inputs that are plain data, and against the independent oracles above (HMAC, base64url,
// serde_json).

/// Mint → verify round trip over access, client capability and TaskRouter tokens built from
/// the bytes. Minting either fails with one of the family's documented errors, or gives a
/// token that has every property of [`check_minted`] and whose claims echo the inputs.
pub fn check_roundtrip(data: &[u8]) {
    let mut c = Cursor::new(data);
    match c.below(3) {
        0 => roundtrip_access(&mut c),
        1 => roundtrip_client(&mut c),
        _ => roundtrip_taskrouter(&mut c),
    }
}

/// The lifetime and algorithm options shared by every token family.
#[derive(Clone, Copy, Debug)]
struct Life {
    now: u64,
    ttl: Option<i64>,
    valid_until: Option<u64>,
    /// `None`: the default (`now`); `Some(None)`: `no_nbf`; `Some(Some(t))`: `nbf(t)`.
    nbf: Option<Option<u64>>,
    alg: Algorithm,
}

impl Life {
    fn random(c: &mut Cursor<'_>) -> Self {
        let now = NOW + u64::from(c.u32());
        let ttl = match c.below(16) {
            0 => None,
            1 => Some(c.pick(&[0, -1, 86_401, i64::MIN, i64::MAX])),
            _ => Some(1 + i64::from(c.u32() % 86_400)),
        };
        let valid_until = (c.below(8) == 0).then(|| now + u64::from(c.u32() % 90_000));
        let nbf = match c.below(6) {
            0 => Some(None),
            1 => Some(Some(now.saturating_sub(u64::from(c.u16())))),
            2 => Some(Some(now + u64::from(c.u16()))),
            _ => None,
        };
        let alg = c.pick(&[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512]);
        Life {
            now,
            ttl,
            valid_until,
            nbf,
            alg,
        }
    }
}

/// Apply a [`Life`] to any token builder (they share these methods by macro, not by trait).
macro_rules! with_life {
    ($builder:expr, $life:expr) => {{
        let life: &Life = $life;
        let mut b = $builder.algorithm(life.alg);
        if let Some(ttl) = life.ttl {
            b = b.ttl(ttl);
        }
        if let Some(at) = life.valid_until {
            b = b.valid_until(at);
        }
        match life.nbf {
            None => {}
            Some(None) => b = b.no_nbf(),
            Some(Some(at)) => b = b.nbf(at),
        }
        b
    }};
}

/// Mint with every method, which must agree; `Ok(jwt)` or the minting error.
macro_rules! mint {
    ($token:expr, $now:expr) => {{
        let token = &$token;
        let now: u64 = $now;
        let jwt = token.to_jwt(now);
        match &jwt {
            Ok(jwt) => {
                assert_eq!(token.encoded_len(now), Ok(jwt.len()));
                let mut buf = vec![0u8; jwt.len()];
                assert_eq!(token.write_into(now, &mut buf), Ok(jwt.as_str()));
                let mut short = vec![0u8; jwt.len() - 1];
                assert_eq!(
                    token.write_into(now, &mut short),
                    Err(MintError::BufferTooSmall { needed: jwt.len() })
                );
            }
            Err(e) => {
                assert_eq!(token.encoded_len(now), Err(*e));
                assert_eq!(token.write_into(now, &mut [0u8; 64]), Err(*e));
            }
        }
        jwt
    }};
}

/// The errors every family may give (lifetime, algorithm, secret, size).
fn is_common_error(e: &MintError) -> bool {
    matches!(
        e,
        MintError::MissingAccountSid
            | MintError::MissingSecret
            | MintError::InvalidSid(_)
            | MintError::LifetimeTooShort
            | MintError::LifetimeTooLong
            | MintError::NbfNotBeforeExp
            | MintError::KeyAlgorithmMismatch
            | MintError::CapacityExceeded { .. }
            | MintError::TokenTooLong { .. }
    )
}

/// One token family's inputs minted four ways: `build(secret, reordered)` mints with the raw
/// `secret` or a prepared [`Key`], calling the order-free setters in the documented or the
/// reversed order.
///
/// The four results are equal (and minting twice gives the same bytes); an error is one of
/// `documented`; a token is canonical base64url, its header and payload are JSON objects (per
/// serde_json) without duplicate keys nested at most [`MAX_DEPTH`] deep, its signature is the
/// HMAC of its first two segments, it verifies under its own key and algorithm from its `nbf`
/// to just before its `exp` (`exp - now` being the TTL asked for), and it is refused with
/// `BadSignature` under another secret or algorithm and after any change of one byte.
fn check_minted(
    secret: &str,
    life: &Life,
    documented: fn(&MintError) -> bool,
    build: impl Fn(twilio_jwt::Secret<'_>, bool) -> Result<String, MintError>,
) -> Option<(String, J)> {
    let raw = build(secret.into(), false);
    assert_eq!(build(secret.into(), false), raw, "minting is deterministic");
    assert_eq!(
        build(secret.into(), true),
        raw,
        "setter order changed the token"
    );
    match Key::new(life.alg, secret.as_bytes()) {
        Ok(key) => assert_eq!(build((&key).into(), true), raw, "raw secret vs key"),
        Err(_) => assert!(secret.is_empty()),
    }
    let jwt = match raw {
        Err(e) => {
            assert!(is_common_error(&e) || documented(&e), "undocumented {e:?}");
            return None;
        }
        Ok(jwt) => jwt,
    };

    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let segments: Vec<Vec<u8>> = parts
        .iter()
        .map(|p| b64url_decode(p).unwrap_or_else(|| panic!("not canonical base64url: {p}")))
        .collect();
    let input = format!("{}.{}", parts[0], parts[1]);
    assert_eq!(
        segments[2],
        hmac(life.alg, secret.as_bytes(), input.as_bytes())
    );
    let header = strict_json(&segments[0]);
    assert_eq!(header["alg"], life.alg.name());
    let payload = strict_json(&segments[1]);

    let verifier = Verifier::new(Key::new(life.alg, secret.as_bytes()).expect("non-empty"));
    let mut scratch = vec![0u8; jwt.len()];
    // Valid from mint time, or from a later `nbf` given to the builder (and not before it).
    let valid_from = match life.nbf {
        Some(Some(nbf)) if nbf > life.now => {
            assert_eq!(
                verifier.verify(&jwt, life.now, &mut scratch).err(),
                Some(VerifyError::NotYetValid),
                "{jwt}"
            );
            nbf
        }
        _ => life.now,
    };
    let claims = verifier
        .verify(&jwt, valid_from, &mut scratch)
        .unwrap_or_else(|e| panic!("minted token does not verify from nbf on ({e:?}): {jwt}"));
    let (exp, nbf) = (claims.exp(), claims.nbf());
    match (life.valid_until, life.ttl) {
        (Some(at), _) => assert_eq!(exp, at),
        (None, ttl) => assert_eq!(
            i128::from(exp) - i128::from(life.now),
            i128::from(ttl.unwrap_or(3600))
        ),
    }
    match life.nbf {
        None => assert_eq!(nbf, Some(life.now)),
        Some(given) => assert_eq!(nbf, given),
    }
    assert!(nbf.is_none_or(|nbf| nbf < exp));
    assert_eq!(
        verifier.verify(&jwt, exp, &mut scratch).err(),
        Some(VerifyError::Expired)
    );
    assert!(verifier.verify(&jwt, exp - 1, &mut scratch).is_ok());
    if let Some(nbf) = nbf.filter(|&n| n > 0) {
        assert!(verifier.verify(&jwt, nbf, &mut scratch).is_ok());
        assert_eq!(
            verifier.verify(&jwt, nbf - 1, &mut scratch).err(),
            Some(VerifyError::NotYetValid)
        );
    }

    let other_alg = match life.alg {
        Algorithm::HS256 => Algorithm::HS512,
        _ => Algorithm::HS256,
    };
    let other_secret = format!("{secret}!");
    for key in [
        Key::new(other_alg, secret.as_bytes()),
        Key::new(life.alg, other_secret.as_bytes()),
    ] {
        let refused = Verifier::new(key.expect("non-empty")).verify(&jwt, life.now, &mut scratch);
        assert_eq!(refused.err(), Some(VerifyError::BadSignature));
    }

    // Every position of a short token, and a spread of positions of a long one.
    let step = jwt.len().div_ceil(256);
    for i in (0..jwt.len()).step_by(step) {
        for replacement in [b'A', b'_', b'.', b'0'] {
            if jwt.as_bytes()[i] == replacement {
                continue;
            }
            let mut bytes = jwt.clone().into_bytes();
            bytes[i] = replacement;
            let changed = String::from_utf8(bytes).expect("ASCII");
            let mut scratch = vec![0u8; changed.len()];
            assert!(
                verifier.verify(&changed, life.now, &mut scratch).is_err(),
                "accepted {jwt} changed at {i}"
            );
        }
    }
    Some((jwt, payload))
}

/// serde_json's value of `bytes`, which must be a JSON object without duplicate keys nested at
/// most [`MAX_DEPTH`] deep.
fn strict_json(bytes: &[u8]) -> J {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let depth = serde::Deserialize::deserialize(&mut de)
        .map(|Strict(depth)| depth)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(bytes)));
    de.end().expect("one JSON document");
    assert!(depth <= MAX_DEPTH, "nested {depth} deep");
    let value: J = serde_json::from_slice(bytes).expect("JSON");
    assert!(value.is_object());
    value
}

/// A JSON document read by serde_json that rejects duplicate keys, holding its nesting depth.
struct Strict(usize);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Strict, E> {
        Ok(Strict(0))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Strict, E> {
        Ok(Strict(0))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Strict, E> {
        Ok(Strict(0))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Strict, E> {
        Ok(Strict(0))
    }
    fn visit_str<E>(self, _: &str) -> Result<Strict, E> {
        Ok(Strict(0))
    }
    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict(0))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut depth = 0;
        while let Some(Strict(d)) = seq.next_element()? {
            depth = depth.max(d);
        }
        Ok(Strict(depth + 1))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let (mut keys, mut depth) = (HashSet::new(), 0);
        while let Some(key) = map.next_key::<String>()? {
            if !keys.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
            }
            depth = depth.max(map.next_value::<Strict>()?.0);
        }
        Ok(Strict(depth + 1))
    }
}

/// A SID-like word: mostly `prefix` and a word, sometimes empty or any text.
fn sid(c: &mut Cursor<'_>, prefix: &str) -> String {
    match c.below(10) {
        0 => String::new(),
        1 => c.string(6),
        _ => format!("{prefix}{}", c.word(8)),
    }
}

/// A secret, rarely empty.
fn secret(c: &mut Cursor<'_>) -> String {
    if c.below(16) == 0 {
        String::new()
    } else {
        c.string(12)
    }
}

/// Name/value pairs whose names are distinct (each given once).
fn distinct_pairs(c: &mut Cursor<'_>, max: usize) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for _ in 0..c.below(max + 1) {
        let (name, value) = (c.word(4), c.word(8));
        if !pairs.iter().any(|(n, _)| *n == name) {
            pairs.push((name, value));
        }
    }
    pairs
}

/// A serde_json view field against the input it echoes: present (and equal) iff non-empty.
fn echoes(field: &J, expected: &str, what: &str) {
    match field.as_str() {
        Some(s) => assert_eq!(s, expected, "{what}"),
        None => assert!(expected.is_empty() && field.is_null(), "{what}: {field}"),
    }
}

// ---- access tokens --------------------------------------------------------------------------

fn roundtrip_access(c: &mut Cursor<'_>) {
    let (account, key_sid, secret) = (sid(c, "AC"), sid(c, "SK"), secret(c));
    let identity = if c.below(8) == 0 {
        String::new()
    } else {
        c.word(12)
    };
    let region = if c.bool() { String::new() } else { c.word(4) };
    let life = Life::random(c);
    let room = c.word(8);
    let [chat_service, chat_endpoint] = [c.word(8), c.word(8)];
    let (incoming, app_sid, params) = (c.bool(), c.word(8), distinct_pairs(c, 10));
    let playback = match c.below(4) {
        0 => Some(c.string(16)),
        1 => Some(format!(
            "{}{{\"a\":1}}{}",
            "[".repeat(c.below(20)),
            "]".repeat(c.below(20))
        )),
        2 => Some(format!(
            "{{\"url\":{}}}",
            serde_json::to_string(&c.string(8)).unwrap_or_default()
        )),
        _ => None,
    };
    let which = c.u8();

    let video = VideoGrant::new().room(&room);
    let chat = ChatGrant::new()
        .service_sid(&chat_service)
        .endpoint_id(&chat_endpoint);
    let mut voice = VoiceGrant::new()
        .incoming_allow(incoming)
        .outgoing_application_sid(&app_sid);
    for (name, value) in &params {
        voice = voice.outgoing_param(name, value);
    }
    let player = PlaybackGrant::new(playback.as_deref().unwrap_or("{}"));
    let grants: [(&dyn Grant, bool); 4] = [
        (&video, which & 1 != 0),
        (&chat, which & 2 != 0),
        (&voice, which & 4 != 0),
        (&player, playback.is_some()),
    ];

    let documented = |e: &MintError| {
        matches!(
            e,
            MintError::MissingKeySid | MintError::MissingIdentity | MintError::InvalidGrant { .. }
        )
    };
    let minted = check_minted(&secret, &life, documented, |secret, reordered| {
        let mut token = AccessToken::new(&account, &key_sid, secret);
        if reordered {
            token = with_life!(token, &life).region(&region).identity(&identity);
        } else {
            token = token.identity(&identity).region(&region);
        }
        for (grant, _) in grants.iter().filter(|(_, on)| *on) {
            token = token.grant(*grant);
        }
        if !reordered {
            token = with_life!(token, &life);
        }
        mint!(token, life.now)
    });
    let Some((jwt, p)) = minted else { return };
    assert_eq!(p["iss"], key_sid.as_str());
    assert_eq!(p["sub"], account.as_str());
    let g = &p["grants"];
    assert_eq!(g["identity"], identity.as_str());
    let (header, _, _) = split_token(&jwt);
    echoes(&header["twr"], &region, "twr");
    if grants[0].1 {
        echoes(&g["video"]["room"], &room, "room");
    }
    if grants[1].1 {
        echoes(&g["chat"]["service_sid"], &chat_service, "chat service_sid");
        echoes(
            &g["chat"]["endpoint_id"],
            &chat_endpoint,
            "chat endpoint_id",
        );
    }
    if grants[2].1 {
        let outgoing = &g["voice"]["outgoing"];
        echoes(&outgoing["application_sid"], &app_sid, "application_sid");
        if !app_sid.is_empty() {
            let given: Map<String, J> = params
                .iter()
                .map(|(k, v)| (k.clone(), J::from(v.as_str())))
                .collect();
            let written = outgoing["params"].as_object().cloned().unwrap_or_default();
            assert_eq!(written, given, "voice params");
        }
        assert_eq!(
            g["voice"]["incoming"]["allow"].as_bool().unwrap_or(false),
            incoming
        );
    }
    if let Some(json) = playback.as_deref().filter(|_| grants[3].1) {
        let given: J = serde_json::from_str(json).expect("minted, so JSON");
        assert_eq!(g["player"], given);
    }
}

// ---- client capability tokens ---------------------------------------------------------------

fn roundtrip_client(c: &mut Cursor<'_>) {
    let (account, secret, life) = (sid(c, "AC"), secret(c), Life::random(c));
    let client_name = c.bool().then(|| c.word(10));
    let app_sid = c.bool().then(|| sid(c, "AP"));
    let params = distinct_pairs(c, 6);
    let filters = c.bool().then(|| distinct_pairs(c, 6));

    let documented = |e: &MintError| matches!(e, MintError::MissingApplicationSid);
    let minted = check_minted(&secret, &life, documented, |secret, reordered| {
        let mut cap = ClientCapability::new(&account, secret);
        if reordered {
            cap = with_life!(cap, &life);
        }
        if let Some(name) = &client_name {
            cap = cap.allow_client_incoming(name);
        }
        if let Some(sid) = &app_sid {
            cap = cap.allow_client_outgoing(sid);
            for (name, value) in &params {
                cap = cap.outgoing_param(name, value);
            }
        }
        if let Some(filters) = &filters {
            cap = cap.allow_event_stream();
            for (name, value) in filters {
                cap = cap.event_filter(name, value);
            }
        }
        if !reordered {
            cap = with_life!(cap, &life);
        }
        mint!(cap, life.now)
    });
    let Some((_, p)) = minted else { return };
    assert_eq!(p["iss"], account.as_str());
    let scope = p["scope"].as_str().expect("a scope string");
    let uris: Vec<ScopeUri<'_>> = scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| ScopeUri::parse(s).unwrap_or_else(|| panic!("scope {s:?}")))
        .collect();
    let find = |service: &str, privilege: &str| {
        let mut found = uris
            .iter()
            .filter(|u| (u.service, u.privilege) == (service, privilege));
        let first = found.next();
        assert!(found.next().is_none(), "two {service}:{privilege} scopes");
        first
    };
    let decoded = |uri: &ScopeUri<'_>, name: &str| uri.param(name).map(check_form_encoded);
    let pairs = |text: &str| -> Vec<(String, String)> {
        form_pairs(text)
            .map(|(k, v)| (check_form_encoded(k), check_form_encoded(v)))
            .collect()
    };
    let incoming = find("client", "incoming");
    assert_eq!(incoming.is_some(), client_name.is_some());
    if let (Some(uri), Some(name)) = (incoming, &client_name) {
        assert_eq!(decoded(uri, "clientName").as_deref(), Some(name.as_str()));
    }
    let outgoing = find("client", "outgoing");
    assert_eq!(outgoing.is_some(), app_sid.is_some());
    if let (Some(uri), Some(sid)) = (outgoing, &app_sid) {
        assert_eq!(decoded(uri, "appSid").as_deref(), Some(sid.as_str()));
        let app_params = decoded(uri, "appParams")
            .map(|t| pairs(&t))
            .unwrap_or_default();
        assert_eq!(app_params, params);
        // The client name rides along on the outgoing scope too.
        if let Some(name) = &client_name {
            assert_eq!(decoded(uri, "clientName").as_deref(), Some(name.as_str()));
        }
    }
    let events = find("stream", "subscribe");
    assert_eq!(events.is_some(), filters.is_some());
    if let (Some(uri), Some(filters)) = (events, &filters) {
        let written = decoded(uri, "params")
            .map(|t| pairs(&t))
            .unwrap_or_default();
        assert_eq!(&written, filters);
    }
}

// ---- TaskRouter capability tokens -----------------------------------------------------------

fn roundtrip_taskrouter(c: &mut Cursor<'_>) {
    let (account, secret, workspace) = (sid(c, "AC"), secret(c), sid(c, "WS"));
    let channel = format!("{}{}", c.pick(&["WK", "WQ", "WS", "WA", ""]), c.word(8));
    let constructor = c.below(4);
    let life = Life::random(c);
    let friendly = c.bool().then(|| c.string(8));
    // Each helper and custom policy is given once: twilio-python appends a policy per call, so
    // calling one twice repeats it (byte-exactness). A helper that the constructor already
    // applied repeats its policy too, so a policy may appear twice, never more.
    let mut helpers: Vec<usize> = (0..c.below(12)).map(|_| c.below(11)).collect();
    helpers.dedup();
    helpers.sort_unstable();
    helpers.dedup();
    // Filter names may repeat: the crate keeps one requirement per name.
    let filters: Vec<(String, bool)> = (0..c.below(5)).map(|_| (c.word(3), c.bool())).collect();
    let filters: Vec<FilterRequirement<'_>> = filters
        .iter()
        .map(|(name, required)| match required {
            true => FilterRequirement::required(name),
            false => FilterRequirement::optional(name),
        })
        .collect();
    let workspace_url = format!("https://taskrouter.twilio.com/v1/Workspaces/{workspace}");
    let mut custom_n = 0..;
    let custom: Vec<(String, String, bool)> = (0..c.below(4))
        .map(|_| {
            (
                format!(
                    "{workspace_url}/Custom{}/{}",
                    custom_n.next().expect("endless"),
                    c.word(8)
                ),
                c.word(6),
                c.bool(),
            )
        })
        .collect();

    let documented = |e: &MintError| {
        matches!(
            e,
            MintError::MissingWorkspaceSid
                | MintError::MissingChannelId
                | MintError::WorkerOnlyPolicy
        )
    };
    let minted = check_minted(&secret, &life, documented, |secret, reordered| {
        let mut t = match constructor {
            0 => TaskRouterCapability::new(&account, secret, &workspace, &channel),
            1 => TaskRouterCapability::worker(&account, secret, &workspace, &channel),
            2 => TaskRouterCapability::task_queue(&account, secret, &workspace, &channel),
            _ => TaskRouterCapability::workspace(&account, secret, &workspace),
        };
        if reordered {
            t = with_life!(t, &life);
        }
        if let Some(name) = &friendly {
            t = t.friendly_name(name);
        }
        for &h in &helpers {
            t = apply_helper(t, h);
        }
        for (url, method, allow) in &custom {
            let policy = Policy::new(url, method).allow(*allow);
            t = t.policy(policy.query_filter(&filters).post_filter(&filters));
        }
        if !reordered {
            t = with_life!(t, &life);
        }
        mint!(t, life.now)
    });
    let Some((_, p)) = minted else { return };
    assert_eq!(p["iss"], account.as_str());
    assert_eq!(p["account_sid"], account.as_str());
    assert_eq!(p["workspace_sid"], workspace.as_str());
    if let Some(name) = &friendly {
        assert_eq!(p["friendly_name"], name.as_str());
    }
    let policies = p["policies"].as_array().expect("policies");
    let event_bridge = format!("https://event-bridge.twilio.com/v1/wschannels/{account}/");
    for (i, policy) in policies.iter().enumerate() {
        let earlier = policies[..i].iter().filter(|p| *p == policy).count();
        assert!(
            earlier == 0 || (earlier == 1 && !helpers.is_empty()),
            "policy repeated {} times: {policy}",
            earlier + 1
        );
        let url = policy["url"].as_str().expect("a URL");
        assert!(
            url == workspace_url
                || url.starts_with(&format!("{workspace_url}/"))
                || url.starts_with(&event_bridge),
            "{url} not under {workspace_url}"
        );
    }
    for (url, method, allow) in &custom {
        // The method upper-cased as Python's `str.upper()` does: Unicode-aware.
        let upper = method.to_uppercase();
        let found = policies.iter().filter(|p| {
            p["url"] == url.as_str() && p["method"] == upper.as_str() && p["allow"] == *allow
        });
        assert!(found.count() >= 1, "policy {url} {method} missing");
    }
}

/// The argument-less policy helpers, by number.
fn apply_helper(t: TaskRouterCapability<'_>, i: usize) -> TaskRouterCapability<'_> {
    match i {
        0 => t.allow_fetch_self(),
        1 => t.allow_update_self(),
        2 => t.allow_delete_self(),
        3 => t.allow_fetch_subresources(),
        4 => t.allow_update_subresources(),
        5 => t.allow_delete_subresources(),
        6 => t.allow_fetch_activities(),
        7 => t.allow_fetch_reservations(),
        8 => t.allow_fetch_worker_reservations(),
        9 => t.allow_update_activities(),
        _ => t.allow_update_reservations(),
    }
}
