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
use serde_json::{Map, Value as J, json};
use sha2::{Sha256, Sha384, Sha512};
use twilio_jwt::json::{JsonStr, JsonWriter, Kind, MAX_DEPTH, Rule, Sink, Value, parse};
use twilio_jwt::{
    AccessToken, Algorithm, ChannelKind, ChatGrant, Claims, ClientCapability, ConversationsGrant,
    FilterRequirement, FormEncoded, Grant, IpMessagingGrant, Key, MAX_TOKEN_LEN, MintError,
    PlaybackGrant, Policy, ScopeUri, Segment, SidRole, SyncGrant, TaskRouterCapability,
    TaskRouterGrant, TaskRouterOptions, TimeClaim, Verifier, VerifyError, VideoGrant, VoiceGrant,
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

/// `k=v&k2=v2`, each name and value quote_plus'ed.
pub fn form(pairs: &[(String, String)]) -> String {
    let pieces: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", quote_plus(k), quote_plus(v)))
        .collect();
    pieces.join("&")
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

/// A `Vec<u8>` that the crate's writer streams into.
#[derive(Default)]
pub struct VecSink(pub Vec<u8>);

impl Sink for VecSink {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
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
    let mut c = Cursor::new(data);
    let mut sink = VecSink::default();
    let mut expected_text = String::new();
    let expected = {
        let mut w = JsonWriter::new(&mut sink);
        write_random(&mut c, &mut w, &mut expected_text, 0)
    };
    let out = sink.0;
    let text = std::str::from_utf8(&out).expect("the writer writes UTF-8");
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
    let mut sink = VecSink::default();
    JsonWriter::new(&mut sink).value(v);
    sink.0
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

/// What a sequence of builder calls should give: the model of a [`ClientCapability`].
#[derive(Debug, Default)]
struct ScopeModel {
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

impl ScopeModel {
    fn new(ops: &[ScopeOp]) -> Self {
        fn allow(order: &mut Vec<ScopeKind>, kind: ScopeKind) {
            if !order.contains(&kind) {
                order.push(kind);
            }
        }
        let mut m = ScopeModel::default();
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

    /// The scope claim, encoded independently.
    fn scope(&self) -> String {
        let uris: Vec<String> = self
            .order
            .iter()
            .map(|kind| match kind {
                ScopeKind::Incoming => format!(
                    "scope:client:incoming?clientName={}",
                    quote_plus(self.incoming.as_deref().unwrap_or_default())
                ),
                ScopeKind::Outgoing => {
                    let mut uri = String::from("scope:client:outgoing?");
                    if !self.params.is_empty() {
                        write!(uri, "appParams={}&", quote_plus(&form(&self.params)))
                            .unwrap_or_default();
                    }
                    uri += "appSid=";
                    uri += &quote_plus(self.outgoing.as_deref().unwrap_or_default());
                    if let Some(name) = &self.incoming {
                        uri += "&clientName=";
                        uri += &quote_plus(name);
                    }
                    uri
                }
                ScopeKind::Events => {
                    let mut uri = String::from("scope:stream:subscribe?");
                    if !self.filters.is_empty() {
                        write!(uri, "params={}&", quote_plus(&form(&self.filters)))
                            .unwrap_or_default();
                    }
                    uri + "path=%2F2010-04-01%2FEvents"
                }
            })
            .collect();
        uris.join(" ")
    }

    /// Decode `scope` (as minted) with the crate's decoding API and compare with the model.
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
            let param = |name: &str| uri.param(name).map(check_form_encoded);
            let pairs = |name: &str| -> Option<Vec<(String, String)>> {
                let decoded = param(name)?;
                Some(
                    form_pairs(&decoded)
                        .map(|(k, v)| (check_form_encoded(k), check_form_encoded(v)))
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
    let model = ScopeModel::new(&ops);
    let cap = apply_scope_ops(ClientCapability::new("AC123", "token"), &ops);
    let result = cap.scope::<4096>();
    match model.error() {
        Some(e) => assert_eq!(result.err(), Some(e), "{ops:?}"),
        None => {
            let expected = model.scope();
            if expected.len() > 4096 {
                assert_eq!(
                    result.err(),
                    Some(MintError::BufferTooSmall {
                        needed: expected.len()
                    })
                );
            } else {
                let scope = result.unwrap_or_else(|e| panic!("{e:?} for {ops:?}"));
                assert_eq!(scope.as_str(), expected, "{ops:?}");
                model.check_decodes(&scope);
            }
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

#[derive(Clone, Copy, Debug)]
enum NbfSpec {
    Now,
    Omit,
    At(u64),
}

/// The lifetime and algorithm options shared by every token family.
#[derive(Clone, Copy, Debug)]
struct Life {
    now: u64,
    ttl: Option<i64>,
    valid_until: Option<u64>,
    nbf: NbfSpec,
    alg: Algorithm,
}

impl Life {
    fn random(c: &mut Cursor<'_>) -> Self {
        let now = NOW + u64::from(c.u32());
        let ttl = match c.below(16) {
            0 => None,
            1 => Some(c.pick(&[0, -1, 86_401, -86_400, i64::MIN, i64::MAX])),
            _ => Some(1 + i64::from(c.u32() % 86_400)),
        };
        let valid_until = match c.below(8) {
            0 => Some(now + u64::from(c.u32() % 90_000)),
            1 => Some(now.saturating_sub(u64::from(c.u8()))),
            _ => None,
        };
        let nbf = match c.below(6) {
            0 => NbfSpec::Omit,
            1 => NbfSpec::At(now.saturating_sub(u64::from(c.u16()))),
            2 => NbfSpec::At(now + u64::from(c.u16())),
            _ => NbfSpec::Now,
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

    /// `(exp, nbf)`, or the lifetime error minting must give.
    fn times(&self) -> Result<(u64, Option<u64>), MintError> {
        let exp = match self.valid_until {
            Some(at) => i128::from(at),
            None => i128::from(self.now) + i128::from(self.ttl.unwrap_or(3600)),
        };
        let lifetime = exp - i128::from(self.now);
        if lifetime < 1 {
            return Err(MintError::LifetimeTooShort);
        }
        if lifetime > 86_400 {
            return Err(MintError::LifetimeTooLong);
        }
        let exp = u64::try_from(exp).map_err(|_| MintError::LifetimeTooLong)?;
        let nbf = match self.nbf {
            NbfSpec::Now => Some(self.now),
            NbfSpec::Omit => None,
            NbfSpec::At(at) => Some(at),
        };
        if nbf.is_some_and(|nbf| nbf >= exp) {
            return Err(MintError::NbfNotBeforeExp);
        }
        Ok((exp, nbf))
    }

    /// The time members of the expected payload.
    fn write(&self, payload: &mut Map<String, J>) {
        let (exp, nbf) = self.times().expect("valid times");
        payload.insert("exp".into(), J::from(exp));
        if let Some(nbf) = nbf {
            payload.insert("nbf".into(), J::from(nbf));
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
            NbfSpec::Now => {}
            NbfSpec::Omit => b = b.no_nbf(),
            NbfSpec::At(at) => b = b.nbf(at),
        }
        b
    }};
}

/// Mint with every method and check they agree; `Ok(jwt)` or the minting error.
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

/// Verify a freshly minted token: valid from `nbf` (or `now`) to just before `exp`, under its own
/// key and algorithm only. Returns the decoded header and payload.
fn verify_minted(jwt: &str, key: &str, life: &Life, check: impl FnOnce(&Claims<'_>)) -> (J, J) {
    let (exp, nbf) = life.times().expect("minted, so valid times");
    let at = nbf.unwrap_or(life.now).max(life.now);
    let verifier = Verifier::new(Key::new(life.alg, key.as_bytes()).unwrap());
    let mut scratch = vec![0u8; jwt.len()];
    let claims = verifier
        .verify(jwt, at, &mut scratch)
        .unwrap_or_else(|e| panic!("minted token does not verify ({e:?}): {jwt}"));
    assert_eq!(claims.exp(), exp);
    assert_eq!(claims.nbf(), nbf);
    assert_eq!(claims.iat(), None);
    check(&claims);
    let mut scratch = vec![0u8; jwt.len()];
    assert_eq!(
        verifier.verify(jwt, exp, &mut scratch).err(),
        Some(VerifyError::Expired)
    );
    if let Some(nbf) = nbf.filter(|&n| n > 0) {
        assert_eq!(
            verifier.verify(jwt, nbf - 1, &mut scratch).err(),
            Some(VerifyError::NotYetValid)
        );
    }
    let other = match life.alg {
        Algorithm::HS256 => Algorithm::HS384,
        _ => Algorithm::HS256,
    };
    assert_eq!(
        Verifier::new(Key::new(other, key.as_bytes()).unwrap())
            .verify(jwt, at, &mut scratch)
            .err(),
        Some(VerifyError::BadSignature)
    );
    let wrong = format!("{key}!");
    assert_eq!(
        Verifier::new(Key::new(life.alg, wrong.as_bytes()).unwrap())
            .verify(jwt, at, &mut scratch)
            .err(),
        Some(VerifyError::BadSignature)
    );
    let (header, payload, sig) = split_token(jwt);
    let parts: Vec<&str> = jwt.split('.').collect();
    let input = format!("{}.{}", parts[0], parts[1]);
    assert_eq!(sig, hmac(life.alg, key.as_bytes(), input.as_bytes()));
    (header, payload)
}

/// JSON equality including member order (serde_json's `==` ignores the order of a map).
fn assert_json_eq(actual: &J, expected: &J, what: &str) {
    assert_eq!(
        serde_json::to_string(actual).unwrap_or_default(),
        serde_json::to_string(expected).unwrap_or_default(),
        "{what}"
    );
}

/// An `Option<JsonStr>` view field against the builder's value: present iff non-empty.
fn check_opt(field: Option<JsonStr<'_>>, expected: &str, name: &str) {
    match field {
        Some(s) => {
            assert!(!expected.is_empty(), "{name} written though empty");
            check_str(s, expected);
        }
        None => assert!(expected.is_empty(), "{name} missing"),
    }
}

/// Mint → verify round trip over tokens of all three families built from the bytes: minting
/// fails exactly with the error the inputs call for, or the token verifies (and only in its
/// validity window, under its key and algorithm), the typed claim views give back the inputs,
/// and serde_json reads header and payload as exactly the expected documents.
pub fn check_roundtrip(data: &[u8]) {
    let mut c = Cursor::new(data);
    match c.below(3) {
        0 => roundtrip_access(&mut c),
        1 => roundtrip_client(&mut c),
        _ => roundtrip_taskrouter(&mut c),
    }
}

// ---- access tokens --------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum GrantSpec {
    Video([String; 1]),
    Chat([String; 4]),
    IpMessaging([String; 4]),
    Sync([String; 2]),
    TaskRouter([String; 3]),
    Conversations([String; 1]),
    Voice {
        incoming: bool,
        sid: String,
        params: Vec<(String, String)>,
        push: String,
        endpoint: String,
    },
    Playback {
        json: String,
    },
}

const CHAT_FIELDS: [&str; 4] = [
    "service_sid",
    "endpoint_id",
    "deployment_role_sid",
    "push_credential_sid",
];
const VOICE_PARAMS: usize = 8;

fn words<const N: usize>(c: &mut Cursor<'_>) -> [String; N] {
    std::array::from_fn(|_| {
        if c.below(3) == 0 {
            String::new()
        } else {
            c.word(8)
        }
    })
}

/// A random JSON value (serde_json's), nested up to `max_depth`.
fn random_json(c: &mut Cursor<'_>, max_depth: usize) -> J {
    let kinds = if max_depth == 0 { 5 } else { 8 };
    match c.below(kinds) {
        0 => J::Null,
        1 => J::Bool(c.bool()),
        2 => match c.below(3) {
            0 => J::from(c.u64()),
            1 => J::from(-i64::from(c.u32())),
            _ => J::from(f64::from(c.u32()) / f64::from(c.u16().max(1)) * 1e-3),
        },
        3 | 4 => J::String(c.word(8)),
        5 => J::Array(
            (0..c.below(4))
                .map(|_| random_json(c, max_depth - 1))
                .collect(),
        ),
        _ => {
            let mut m = Map::new();
            for _ in 0..c.below(4) {
                let key = c.word(6);
                let value = random_json(c, max_depth - 1);
                m.insert(key, value);
            }
            J::Object(m)
        }
    }
}

impl GrantSpec {
    fn random(c: &mut Cursor<'_>) -> Self {
        match c.below(8) {
            0 => GrantSpec::Video(words(c)),
            1 => GrantSpec::Chat(words(c)),
            2 => GrantSpec::IpMessaging(words(c)),
            3 => GrantSpec::Sync(words(c)),
            4 => GrantSpec::TaskRouter(words(c)),
            5 => GrantSpec::Conversations(words(c)),
            6 => {
                let incoming = c.bool();
                let sid = if c.below(3) == 0 {
                    String::new()
                } else {
                    c.word(8)
                };
                let params = (0..c.below(11)).map(|_| (c.word(4), c.word(8))).collect();
                let [push, endpoint] = words(c);
                GrantSpec::Voice {
                    incoming,
                    sid,
                    params,
                    push,
                    endpoint,
                }
            }
            _ => {
                let json = match c.below(8) {
                    // Any text (mostly invalid), or any JSON value.
                    0 => c.string(16),
                    1 => serde_json::to_string(&random_json(c, 3)).unwrap_or_default(),
                    // An object, nested deep enough to reach the reader's depth limit.
                    n => {
                        let mut value = random_json(c, if n == 2 { 18 } else { 4 });
                        if !value.is_object() {
                            value = json!({ "value": value });
                        }
                        if c.bool() {
                            serde_json::to_string_pretty(&value).unwrap_or_default()
                        } else {
                            serde_json::to_string(&value).unwrap_or_default()
                        }
                    }
                };
                GrantSpec::Playback { json }
            }
        }
    }

    fn key(&self) -> &'static str {
        match self {
            GrantSpec::Video(_) => "video",
            GrantSpec::Chat(_) => "chat",
            GrantSpec::IpMessaging(_) => "ip_messaging",
            GrantSpec::Sync(_) => "data_sync",
            GrantSpec::TaskRouter(_) => "task_router",
            GrantSpec::Conversations(_) => "rtc",
            GrantSpec::Voice { .. } => "voice",
            GrantSpec::Playback { .. } => "player",
        }
    }

    fn build(&self) -> Box<dyn Grant + '_> {
        match self {
            GrantSpec::Video([room]) => Box::new(VideoGrant::new().room(room)),
            GrantSpec::Chat([a, b, c, d]) => Box::new(
                ChatGrant::new()
                    .service_sid(a)
                    .endpoint_id(b)
                    .deployment_role_sid(c)
                    .push_credential_sid(d),
            ),
            GrantSpec::IpMessaging([a, b, c, d]) => Box::new(
                IpMessagingGrant::new()
                    .service_sid(a)
                    .endpoint_id(b)
                    .deployment_role_sid(c)
                    .push_credential_sid(d),
            ),
            GrantSpec::Sync([a, b]) => Box::new(SyncGrant::new().service_sid(a).endpoint_id(b)),
            GrantSpec::TaskRouter([a, b, c]) => Box::new(
                TaskRouterGrant::new()
                    .workspace_sid(a)
                    .worker_sid(b)
                    .role(c),
            ),
            GrantSpec::Conversations([a]) => {
                Box::new(ConversationsGrant::new().configuration_profile_sid(a))
            }
            GrantSpec::Voice {
                incoming,
                sid,
                params,
                push,
                endpoint,
            } => {
                let mut g = VoiceGrant::new()
                    .incoming_allow(*incoming)
                    .outgoing_application_sid(sid)
                    .push_credential_sid(push)
                    .endpoint_id(endpoint);
                for (k, v) in params {
                    g = g.outgoing_param(k, v);
                }
                Box::new(g)
            }
            GrantSpec::Playback { json } => Box::new(PlaybackGrant::new(json)),
        }
    }

    /// The voice grant's parameters after replacement, and whether they overflowed.
    fn voice_params(params: &[(String, String)]) -> (Vec<(String, String)>, bool) {
        let (mut list, mut overflow) = (Vec::new(), false);
        for (k, v) in params {
            set_pair(&mut list, &mut overflow, VOICE_PARAMS, k, v);
        }
        (list, overflow)
    }

    fn error(&self) -> Option<MintError> {
        match self {
            GrantSpec::Voice { params, .. } => {
                Self::voice_params(params)
                    .1
                    .then_some(MintError::CapacityExceeded {
                        list: "voice params",
                    })
            }
            // The object sits two levels down (payload, grants), so it may nest two less.
            GrantSpec::Playback { json } => match parse(json.as_bytes()) {
                Ok(v) if v.kind() == Kind::Object && nesting(json) <= MAX_DEPTH - 2 => None,
                _ => Some(MintError::InvalidGrant { key: "player" }),
            },
            _ => None,
        }
    }

    /// The grant's value as it must appear in the payload.
    fn expected(&self) -> J {
        let fields = |names: &[&str], values: &[String]| {
            let mut m = Map::new();
            for (name, value) in names.iter().zip(values) {
                if !value.is_empty() {
                    m.insert((*name).to_string(), J::from(value.as_str()));
                }
            }
            J::Object(m)
        };
        match self {
            GrantSpec::Video(f) => fields(&["room"], f),
            GrantSpec::Chat(f) | GrantSpec::IpMessaging(f) => fields(&CHAT_FIELDS, f),
            GrantSpec::Sync(f) => fields(&CHAT_FIELDS[..2], f),
            GrantSpec::TaskRouter(f) => fields(&["workspace_sid", "worker_sid", "role"], f),
            GrantSpec::Conversations(f) => fields(&["configuration_profile_sid"], f),
            GrantSpec::Voice {
                incoming,
                sid,
                params,
                push,
                endpoint,
            } => {
                let mut m = Map::new();
                if *incoming {
                    m.insert("incoming".into(), json!({ "allow": true }));
                }
                if !sid.is_empty() {
                    let mut outgoing = Map::new();
                    outgoing.insert("application_sid".into(), J::from(sid.as_str()));
                    let (params, _) = Self::voice_params(params);
                    if !params.is_empty() {
                        let params: Map<String, J> =
                            params.into_iter().map(|(k, v)| (k, J::from(v))).collect();
                        outgoing.insert("params".into(), J::Object(params));
                    }
                    m.insert("outgoing".into(), J::Object(outgoing));
                }
                if let J::Object(rest) = fields(
                    &["push_credential_sid", "endpoint_id"],
                    &[push.clone(), endpoint.clone()],
                ) {
                    m.extend(rest);
                }
                J::Object(m)
            }
            GrantSpec::Playback { json } => serde_json::from_str(json).unwrap_or(J::Null),
        }
    }

    /// Check the crate's typed view of this grant.
    fn check_view(&self, claims: &Claims<'_>) {
        match self {
            GrantSpec::Video([room]) => {
                check_opt(claims.video().expect("video").room, room, "room");
            }
            // Chat and its legacy twin have the same fields in views of different types.
            GrantSpec::Chat(f) | GrantSpec::IpMessaging(f) => {
                let got = match self {
                    GrantSpec::Chat(_) => claims.chat().map(|v| {
                        [
                            v.service_sid,
                            v.endpoint_id,
                            v.deployment_role_sid,
                            v.push_credential_sid,
                        ]
                    }),
                    _ => claims.ip_messaging().map(|v| {
                        [
                            v.service_sid,
                            v.endpoint_id,
                            v.deployment_role_sid,
                            v.push_credential_sid,
                        ]
                    }),
                };
                for ((g, e), name) in got.expect("chat grant").into_iter().zip(f).zip(CHAT_FIELDS) {
                    check_opt(g, e, name);
                }
            }
            GrantSpec::Sync([a, b]) => {
                let v = claims.sync().expect("data_sync");
                check_opt(v.service_sid, a, "service_sid");
                check_opt(v.endpoint_id, b, "endpoint_id");
            }
            GrantSpec::TaskRouter([a, b, c]) => {
                let v = claims.task_router().expect("task_router");
                check_opt(v.workspace_sid, a, "workspace_sid");
                check_opt(v.worker_sid, b, "worker_sid");
                check_opt(v.role, c, "role");
            }
            GrantSpec::Conversations([a]) => {
                let v = claims.conversations().expect("rtc");
                check_opt(v.configuration_profile_sid, a, "configuration_profile_sid");
            }
            GrantSpec::Voice {
                incoming,
                sid,
                params,
                push,
                endpoint,
            } => {
                let v = claims.voice().expect("voice");
                assert_eq!(v.incoming_allow, *incoming);
                check_opt(v.outgoing_application_sid, sid, "application_sid");
                check_opt(v.push_credential_sid, push, "push_credential_sid");
                check_opt(v.endpoint_id, endpoint, "endpoint_id");
                let (params, _) = Self::voice_params(params);
                match v.outgoing_params {
                    Some(p) => {
                        assert!(!sid.is_empty() && !params.is_empty());
                        assert_eq!(p.members().count(), params.len());
                        for ((name, value), (k, val)) in p.members().zip(&params) {
                            check_str(name, k);
                            check_str(value.as_str().expect("a string"), val);
                        }
                    }
                    None => assert!(sid.is_empty() || params.is_empty()),
                }
            }
            GrantSpec::Playback { json } => {
                let player = claims.playback().expect("player");
                match serde_json::from_str::<J>(json) {
                    Ok(j) => same(player, &j),
                    Err(e) => assert!(is_range_error(&e), "{e}"),
                }
            }
        }
    }
}

fn roundtrip_access(c: &mut Cursor<'_>) {
    let pick_sid = |c: &mut Cursor<'_>, prefix: &str| match c.below(8) {
        0 => String::new(),
        1 => c.string(8),
        _ => format!("{prefix}{}", c.word(8)),
    };
    let account = pick_sid(c, "AC");
    let key_sid = pick_sid(c, "SK");
    let secret = if c.below(16) == 0 {
        String::new()
    } else {
        c.string(12)
    };
    let identity = if c.below(8) == 0 {
        String::new()
    } else {
        c.word(12)
    };
    let region = if c.bool() { String::new() } else { c.word(4) };
    let life = Life::random(c);
    let specs: Vec<GrantSpec> = (0..c.below(10)).map(|_| GrantSpec::random(c)).collect();

    // The token's grants: in order of first addition, the last addition of a key winning.
    let mut grants: Vec<&GrantSpec> = Vec::new();
    for spec in &specs {
        match grants.iter_mut().find(|g| g.key() == spec.key()) {
            Some(slot) => *slot = spec,
            None => grants.push(spec),
        }
    }
    let built: Vec<Box<dyn Grant + '_>> = specs.iter().map(GrantSpec::build).collect();
    let mut token = AccessToken::new(&account, &key_sid, &secret)
        .identity(&identity)
        .region(&region);
    for grant in &built {
        token = token.grant(grant.as_ref());
    }
    let token = with_life!(token, &life);

    let expected_error = if account.is_empty() {
        Some(MintError::MissingAccountSid)
    } else if key_sid.is_empty() {
        Some(MintError::MissingKeySid)
    } else if secret.is_empty() {
        Some(MintError::MissingSecret)
    } else if identity.is_empty() {
        Some(MintError::MissingIdentity)
    } else {
        grants
            .iter()
            .find_map(|g| g.error())
            .or_else(|| life.times().err())
    };
    let jwt = mint!(token, life.now);
    let jwt = match (jwt, expected_error) {
        (Err(e), Some(expected)) => return assert_eq!(e, expected, "{specs:?}"),
        (Ok(jwt), None) => jwt,
        (result, expected) => panic!("minted {result:?}, expected {expected:?}: {specs:?}"),
    };

    let (header, payload) = verify_minted(&jwt, &secret, &life, |claims| {
        check_str(claims.identity().expect("identity"), &identity);
        check_str(claims.iss().expect("iss"), &key_sid);
        check_str(claims.sub().expect("sub"), &account);
        check_str(
            claims.jti().expect("jti"),
            &format!("{key_sid}-{}", life.now),
        );
        check_opt(claims.region(), &region, "twr");
        for g in &grants {
            g.check_view(claims);
        }
        let present = |key: &str| grants.iter().any(|g| g.key() == key);
        assert_eq!(claims.video().is_some(), present("video"));
        assert_eq!(claims.chat().is_some(), present("chat"));
        assert_eq!(claims.ip_messaging().is_some(), present("ip_messaging"));
        assert_eq!(claims.sync().is_some(), present("data_sync"));
        assert_eq!(claims.task_router().is_some(), present("task_router"));
        assert_eq!(claims.conversations().is_some(), present("rtc"));
        assert_eq!(claims.voice().is_some(), present("voice"));
        assert_eq!(claims.playback().is_some(), present("player"));
        assert!(claims.scopes().is_none());
        assert_eq!(claims.policies().count(), 0);
    });

    let mut h = Map::new();
    h.insert("alg".into(), J::from(life.alg.name()));
    h.insert("cty".into(), J::from("twilio-fpa;v=1"));
    if !region.is_empty() {
        h.insert("twr".into(), J::from(region.as_str()));
    }
    h.insert("typ".into(), J::from("JWT"));
    assert_json_eq(&header, &J::Object(h), "header");

    let mut grants_json = Map::new();
    for g in &grants {
        grants_json.insert(g.key().into(), g.expected());
    }
    grants_json.insert("identity".into(), J::from(identity.as_str()));
    let mut p = Map::new();
    p.insert("jti".into(), J::from(format!("{key_sid}-{}", life.now)));
    p.insert("grants".into(), J::Object(grants_json));
    p.insert("iss".into(), J::from(key_sid.as_str()));
    life.write(&mut p);
    p.insert("sub".into(), J::from(account.as_str()));
    // A playback grant with a number serde_json cannot hold (`1e400`) has no serde_json value
    // to compare with; its view was compared above.
    let comparable = grants.iter().all(|g| match g {
        GrantSpec::Playback { json } => serde_json::from_str::<J>(json).is_ok(),
        _ => true,
    });
    if comparable {
        assert_json_eq(&payload, &J::Object(p), "payload");
    }
}

// ---- client capability tokens ---------------------------------------------------------------

fn roundtrip_client(c: &mut Cursor<'_>) {
    let account = match c.below(8) {
        0 => String::new(),
        _ => format!("AC{}", c.word(8)),
    };
    let auth = if c.below(16) == 0 {
        String::new()
    } else {
        c.string(12)
    };
    let life = Life::random(c);
    let ops = random_scope_ops(c);
    let model = ScopeModel::new(&ops);
    let token = with_life!(
        apply_scope_ops(ClientCapability::new(&account, &auth), &ops),
        &life
    );

    let expected_error = if account.is_empty() {
        Some(MintError::MissingAccountSid)
    } else if auth.is_empty() {
        Some(MintError::MissingSecret)
    } else {
        model.error().or_else(|| life.times().err())
    };
    let jwt = mint!(token, life.now);
    let jwt = match (jwt, expected_error) {
        (Err(e), Some(expected)) => return assert_eq!(e, expected, "{ops:?}"),
        (Ok(jwt), None) => jwt,
        (result, expected) => panic!("minted {result:?}, expected {expected:?}: {ops:?}"),
    };
    let scope = model.scope();
    let (header, payload) = verify_minted(&jwt, &auth, &life, |claims| {
        check_str(claims.iss().expect("iss"), &account);
        let uris: Vec<ScopeUri<'_>> = claims.scopes().expect("a plain scope claim").collect();
        let expected: Vec<ScopeUri<'_>> = scope.split(' ').filter_map(ScopeUri::parse).collect();
        assert_eq!(uris, expected);
        assert!(claims.identity().is_none());
    });
    model.check_decodes(payload["scope"].as_str().expect("scope"));
    assert_json_eq(
        &header,
        &json!({ "alg": life.alg.name(), "typ": "JWT" }),
        "header",
    );
    let mut p = Map::new();
    p.insert("scope".into(), J::from(scope));
    p.insert("iss".into(), J::from(account.as_str()));
    life.write(&mut p);
    assert_json_eq(&payload, &J::Object(p), "payload");
}

// ---- TaskRouter capability tokens -----------------------------------------------------------

const TASKROUTER: &str = "https://taskrouter.twilio.com/v1/Workspaces/";
const EVENT_BRIDGE: &str = "https://event-bridge.twilio.com/v1/wschannels/";
const TASKROUTER_RULES: usize = 16;

#[derive(Clone, Debug)]
enum RuleSpec {
    WebSockets(String),
    /// One of the eleven argument-less helpers, by index in [`HELPERS`].
    Helper(usize),
    Custom {
        url: String,
        method: String,
        allow: bool,
        query: usize,
        post: usize,
    },
}

/// The argument-less helpers, in twilio-python's default order; the last five are worker-only.
const HELPERS: [&str; 11] = [
    "fetch_self",
    "update_self",
    "delete_self",
    "fetch_subresources",
    "delete_subresources",
    "update_subresources",
    "fetch_activities",
    "fetch_reservations",
    "fetch_worker_reservations",
    "update_activities",
    "update_reservations",
];

fn helper_is_worker_only(i: usize) -> bool {
    i >= 6
}

fn apply_helper<'a>(t: TaskRouterCapability<'a>, i: usize) -> TaskRouterCapability<'a> {
    match HELPERS[i] {
        "fetch_self" => t.allow_fetch_self(),
        "update_self" => t.allow_update_self(),
        "delete_self" => t.allow_delete_self(),
        "fetch_subresources" => t.allow_fetch_subresources(),
        "delete_subresources" => t.allow_delete_subresources(),
        "update_subresources" => t.allow_update_subresources(),
        "fetch_activities" => t.allow_fetch_activities(),
        "fetch_reservations" => t.allow_fetch_reservations(),
        "fetch_worker_reservations" => t.allow_fetch_worker_reservations(),
        "update_activities" => t.allow_update_activities(),
        _ => t.allow_update_reservations(),
    }
}

fn prefix_of(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Worker => "WK",
        ChannelKind::TaskQueue => "WQ",
        ChannelKind::Workspace => "WS",
    }
}

/// A policy as it must appear in the payload.
fn policy_json(
    url: String,
    method: &str,
    allow: bool,
    query: &[(String, bool)],
    post: &[(String, bool)],
) -> J {
    let filter = |list: &[(String, bool)]| {
        let mut m = Map::new();
        for (name, required) in list {
            m.insert(name.clone(), json!({ "required": required }));
        }
        J::Object(m)
    };
    json!({
        "url": url,
        "method": method.to_uppercase(),
        "allow": allow,
        "query_filter": filter(query),
        "post_filter": filter(post),
    })
}

fn roundtrip_taskrouter(c: &mut Cursor<'_>) {
    let sid = |c: &mut Cursor<'_>, prefix: &str| match c.below(10) {
        0 => String::new(),
        1 => c.string(6),
        _ => format!("{prefix}{}", c.word(8)),
    };
    let account = sid(c, "AC");
    let auth = if c.below(16) == 0 {
        String::new()
    } else {
        c.string(12)
    };
    let workspace = sid(c, "WS");
    let channel_prefix = c.pick(&["WK", "WQ", "WS", "WK", "WQ", "WS", "WA", ""]);
    let channel = format!("{channel_prefix}{}", c.word(8));
    let constructor = c.below(4);
    let explicit_kind = (c.below(4) == 0).then(|| {
        c.pick(&[
            ChannelKind::Worker,
            ChannelKind::TaskQueue,
            ChannelKind::Workspace,
        ])
    });
    let options = if c.bool() {
        None
    } else {
        let mut flags = [false; 12];
        for f in &mut flags {
            *f = c.bool();
        }
        Some(flags)
    };
    let friendly = (c.below(4) == 0).then(|| c.string(8));
    let filters: Vec<Vec<(String, bool)>> = (0..3)
        .map(|_| (0..c.below(4)).map(|_| (c.word(6), c.bool())).collect())
        .collect();
    let rules: Vec<RuleSpec> = (0..c.below(20))
        .map(|_| match c.below(14) {
            0 => RuleSpec::WebSockets(c.word(8)),
            1 | 2 => RuleSpec::Custom {
                url: c.string(16),
                method: c.word(6),
                allow: c.bool(),
                query: c.below(3),
                post: c.below(3),
            },
            n => RuleSpec::Helper(n - 3),
        })
        .collect();
    let life = Life::random(c);

    let requirements: Vec<Vec<FilterRequirement<'_>>> = filters
        .iter()
        .map(|list| {
            list.iter()
                .map(|(name, required)| FilterRequirement {
                    name,
                    required: *required,
                })
                .collect()
        })
        .collect();
    let channel_id: &str = if constructor == 3 {
        &workspace
    } else {
        &channel
    };
    let mut t = match constructor {
        0 => TaskRouterCapability::new(&account, &auth, &workspace, &channel),
        1 => TaskRouterCapability::worker(&account, &auth, &workspace, &channel),
        2 => TaskRouterCapability::task_queue(&account, &auth, &workspace, &channel),
        _ => TaskRouterCapability::workspace(&account, &auth, &workspace),
    };
    if let Some(kind) = explicit_kind {
        t = t.kind(kind);
    }
    if let Some(f) = options {
        t = t.options(TaskRouterOptions {
            allow_web_sockets: f[0],
            allow_fetch_self: f[1],
            allow_update_self: f[2],
            allow_delete_self: f[3],
            allow_fetch_subresources: f[4],
            allow_update_subresources: f[5],
            allow_delete_subresources: f[6],
            allow_fetch_activities: f[7],
            allow_fetch_reservations: f[8],
            allow_fetch_worker_reservations: f[9],
            allow_update_activities: f[10],
            allow_update_reservations: f[11],
        });
    }
    if let Some(name) = &friendly {
        t = t.friendly_name(name);
    }
    for rule in &rules {
        t = match rule {
            RuleSpec::WebSockets(ch) => t.allow_web_sockets(ch),
            RuleSpec::Helper(i) => apply_helper(t, *i),
            RuleSpec::Custom {
                url,
                method,
                allow,
                query,
                post,
            } => t.policy(
                Policy::new(url, method)
                    .allow(*allow)
                    .query_filter(&requirements[*query])
                    .post_filter(&requirements[*post]),
            ),
        };
    }
    let t = with_life!(t, &life);

    // The expected error, in the order the builder checks.
    let constructor_kind = match constructor {
        1 => Some(ChannelKind::Worker),
        2 => Some(ChannelKind::TaskQueue),
        3 => Some(ChannelKind::Workspace),
        _ => None,
    };
    let kind_set = explicit_kind.or(constructor_kind);
    let inferred = match channel_id.get(..2) {
        Some("WK") => Some(ChannelKind::Worker),
        Some("WQ") => Some(ChannelKind::TaskQueue),
        Some("WS") => Some(ChannelKind::Workspace),
        _ => None,
    };
    let kind = match (inferred, kind_set) {
        (None, _) => Err(MintError::InvalidSid(SidRole::Channel)),
        (Some(_), Some(k)) if !channel_id.starts_with(prefix_of(k)) => {
            Err(MintError::InvalidSid(SidRole::Channel))
        }
        (Some(_), Some(k)) => Ok(k),
        (Some(k), None) => Ok(k),
    };
    let worker_only_rule = rules
        .iter()
        .any(|r| matches!(r, RuleSpec::Helper(i) if helper_is_worker_only(*i)));
    let expected_error = if account.is_empty() {
        Some(MintError::MissingAccountSid)
    } else if workspace.is_empty() {
        Some(MintError::MissingWorkspaceSid)
    } else if channel_id.is_empty() {
        Some(MintError::MissingChannelId)
    } else if !account.starts_with("AC") {
        Some(MintError::InvalidSid(SidRole::Account))
    } else if !workspace.starts_with("WS") {
        Some(MintError::InvalidSid(SidRole::Workspace))
    } else if let Err(e) = kind {
        Some(e)
    } else if auth.is_empty() {
        Some(MintError::MissingSecret)
    } else if rules.len() > TASKROUTER_RULES {
        Some(MintError::CapacityExceeded { list: "policies" })
    } else if kind != Ok(ChannelKind::Worker) && worker_only_rule {
        Some(MintError::WorkerOnlyPolicy)
    } else {
        life.times().err()
    };
    let jwt = mint!(t, life.now);
    // A policy filter naming the same parameter twice cannot be written as a JSON object; the
    // crate may refuse to mint it.
    let duplicate_filter = rules.iter().any(|r| match r {
        RuleSpec::Custom { query, post, .. } => [query, post].iter().any(|&&i| {
            let mut seen = HashSet::new();
            !filters[i].iter().all(|(name, _)| seen.insert(name))
        }),
        _ => false,
    });
    let jwt = match (jwt, expected_error) {
        (Err(e), Some(expected)) => return assert_eq!(e, expected, "{rules:?}"),
        (Err(_), None) if duplicate_filter => return,
        (Ok(jwt), None) => jwt,
        (result, expected) => panic!("minted {result:?}, expected {expected:?}: {rules:?}"),
    };
    let kind = kind.expect("minted, so a valid kind");

    // The expected policies.
    let worker = kind == ChannelKind::Worker;
    let own = match kind {
        ChannelKind::Worker => format!("{TASKROUTER}{workspace}/Workers/{channel_id}"),
        ChannelKind::TaskQueue => format!("{TASKROUTER}{workspace}/TaskQueues/{channel_id}"),
        ChannelKind::Workspace => format!("{TASKROUTER}{workspace}"),
    };
    let tasks = format!("{TASKROUTER}{workspace}/Tasks/**");
    let reservations = format!("{TASKROUTER}{workspace}/Workers/{channel_id}/Reservations/**");
    let activity = [("ActivitySid".to_string(), true)];
    let simple = |url: &str, method: &str| policy_json(url.to_string(), method, true, &[], &[]);
    let expand_helper = |i: usize| -> Vec<J> {
        match HELPERS[i] {
            "fetch_self" => vec![simple(&own, "GET")],
            "update_self" => vec![simple(&own, "POST")],
            "delete_self" => vec![simple(&own, "DELETE")],
            "fetch_subresources" => vec![simple(&format!("{own}/**"), "GET")],
            "update_subresources" => vec![simple(&format!("{own}/**"), "POST")],
            "delete_subresources" => vec![simple(&format!("{own}/**"), "DELETE")],
            "fetch_activities" => vec![simple(
                &format!("{TASKROUTER}{workspace}/Activities"),
                "GET",
            )],
            "fetch_reservations" => vec![simple(&tasks, "GET")],
            "fetch_worker_reservations" => vec![simple(&reservations, "GET")],
            "update_activities" => vec![policy_json(
                format!("{TASKROUTER}{workspace}/Workers/{channel_id}"),
                "POST",
                true,
                &[],
                &activity,
            )],
            _ => vec![simple(&tasks, "POST"), simple(&reservations, "POST")],
        }
    };
    let web_sockets = |ch: &str| {
        let url = format!("{EVENT_BRIDGE}{account}/{ch}");
        vec![simple(&url, "GET"), simple(&url, "POST")]
    };
    let flags = options.unwrap_or([
        true, true, false, false, false, false, false, true, true, true, false, false,
    ]);
    let mut policies = Vec::new();
    if flags[0] {
        policies.extend(web_sockets(channel_id));
    }
    // Flags 1..=11 in option order; twilio-python's default order puts delete before update.
    for (flag, helper) in [
        (1, 0),
        (2, 1),
        (3, 2),
        (4, 3),
        (6, 4),
        (5, 5),
        (7, 6),
        (8, 7),
        (9, 8),
        (10, 9),
        (11, 10),
    ] {
        if flags[flag] && (worker || !helper_is_worker_only(helper)) {
            policies.extend(expand_helper(helper));
        }
    }
    for rule in &rules {
        match rule {
            RuleSpec::WebSockets(ch) => policies.extend(web_sockets(ch)),
            RuleSpec::Helper(i) => policies.extend(expand_helper(*i)),
            RuleSpec::Custom {
                url,
                method,
                allow,
                query,
                post,
            } => policies.push(policy_json(
                url.clone(),
                method,
                *allow,
                &filters[*query],
                &filters[*post],
            )),
        }
    }

    let friendly_name = friendly.clone().unwrap_or_else(|| channel_id.to_string());
    let (header, payload) = verify_minted(&jwt, &auth, &life, |claims| {
        check_str(claims.iss().expect("iss"), &account);
        let views: Vec<_> = claims.policies().collect();
        assert_eq!(views.len(), policies.len());
        for (view, expected) in views.iter().zip(&policies) {
            check_str(
                view.url.expect("url"),
                expected["url"].as_str().unwrap_or_default(),
            );
            check_str(
                view.method.expect("method"),
                expected["method"].as_str().unwrap_or_default(),
            );
            assert_eq!(view.allow, expected["allow"] == true);
            same(
                view.query_filter.expect("query_filter"),
                &expected["query_filter"],
            );
            same(
                view.post_filter.expect("post_filter"),
                &expected["post_filter"],
            );
        }
        assert!(claims.identity().is_none());
    });
    assert_json_eq(
        &header,
        &json!({ "alg": life.alg.name(), "typ": "JWT" }),
        "header",
    );
    let mut p = Map::new();
    p.insert("account_sid".into(), J::from(account.as_str()));
    p.insert("workspace_sid".into(), J::from(workspace.as_str()));
    p.insert("channel".into(), J::from(channel_id));
    p.insert("version".into(), J::from("v1"));
    p.insert("friendly_name".into(), J::from(friendly_name));
    p.insert("policies".into(), J::Array(policies));
    match kind {
        ChannelKind::Worker => {
            p.insert("worker_sid".into(), J::from(channel_id));
        }
        ChannelKind::TaskQueue => {
            p.insert("taskqueue_sid".into(), J::from(channel_id));
        }
        ChannelKind::Workspace => {}
    }
    p.insert("iss".into(), J::from(account.as_str()));
    life.write(&mut p);
    assert_json_eq(&payload, &J::Object(p), "payload");
}

/// How deeply arrays and objects nest in valid JSON `text` (brackets inside strings ignored).
fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for c in text.bytes() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, false, _) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b'{' | b'[') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, b'}' | b']') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}
