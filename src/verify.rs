//! Verification: strict, MAC-first checks of any Twilio token, and a view of its claims.
//!
//! This module knows no token family: each family module adds its own accessors to [`Claims`].

use crate::base64url::decode as decode_b64url;
use crate::json::{DocumentNames, JsonStr, Kind, ObjectIndex, Tapes, Value, parse, swar};
use crate::jws::{Algorithm, KNOWN_HEADERS, Key, KnownHeader, MAX_MAC_LEN};
use crate::{EmptySecret, Segment, TimeClaim, VerifyError};

/// The longest token accepted, in bytes; minting refuses to write a longer one.
pub const MAX_TOKEN_LEN: usize = 65_536;

/// Which `iss` values a [`Verifier`] accepts.
#[derive(Clone, Copy, Debug)]
enum Issuers<'a> {
    Any,
    One(&'a str),
    Few(&'a [&'a str]),
}

/// Verifies tokens signed with one of `K` keys (one by default; more during a key rotation).
///
/// A verifier owns its [`Key`]s (the HMAC state computed once), so it can live in application
/// state for the life of the process: it is `Send`, `Sync`, and `'static` when the expected SIDs
/// it borrows are. It never allocates.
///
/// # What is checked, in this order
///
/// Each check has its own [`VerifyError`]; the conformance kind it maps to
/// ([`VerifyError::kind`]) follows as "kind".
///
/// 0. The secret is not empty: refused when the key is made ([`EmptySecret`], which converts to
///    [`VerifyError::MissingSecret`]) (kind `missing_secret`).
/// 1. The token's shape (kind `malformed`): at most [`MAX_TOKEN_LEN`] bytes
///    ([`VerifyError::TooLong`]); three segments ([`VerifyError::SegmentCount`]), none empty
///    ([`VerifyError::EmptySegment`]); each canonical unpadded base64url
///    ([`VerifyError::Base64`]), whatever its length.
/// 2. The signature (kind `bad_signature`): the HMAC of the first two segments under each key in
///    turn, compared in constant time; a signature of any other length never matches
///    ([`VerifyError::BadSignature`]). Nothing of the JSON is parsed before a key matches.
/// 3. The JSON (kind `malformed`): header, then payload, strict JSON
///    ([`VerifyError::HeaderJson`], [`VerifyError::PayloadJson`], carrying the reader's
///    [`JsonError`](crate::json::JsonError): UTF-8, grammar, escapes, duplicate keys, nesting
///    depth); both objects
///    ([`VerifyError::NotAnObject`]); no `crit` header member ([`VerifyError::Crit`]). Then the
///    header's `alg` must be exactly the matching key's algorithm
///    ([`VerifyError::AlgorithmMismatch`]) (kind `algorithm_mismatch`).
/// 4. The time claims (kind `invalid_claims`): `exp` present ([`VerifyError::MissingExp`]); `exp`,
///    `nbf`, `iat` non-negative integers below 2^53 ([`VerifyError::InvalidClaim`]).
/// 5. The clock: [`VerifyError::Expired`] when `exp <= now - leeway` (kind `expired`),
///    [`VerifyError::NotYetValid`] when `nbf > now + leeway` (kind `not_yet_valid`).
/// 6. Optional, off by default: `sub` is the expected account ([`VerifyError::WrongAccount`]),
///    `iss` an expected issuer ([`VerifyError::WrongIssuer`]), the header's `cty` is the
///    expected one ([`VerifyError::WrongContentType`]). The access token preset
///    [`access_tokens`](Verifier::access_tokens) turns on all three.
///
/// ```
/// use twilio_jwt::{AccessToken, Key, VerifyError, VideoGrant, Verifier};
///
/// let key = Key::hs256(b"secret")?;
/// let video = VideoGrant::new().room("standup");
/// let jwt = AccessToken::new("ACxxxxxxxx", "SKxxxxxxxx", &key)
///     .identity("alice")
///     .grant(&video)
///     .to_jwt(1_700_000_000)?;
///
/// let verifier = Verifier::new(key).leeway(30).access_tokens("ACxxxxxxxx", "SKxxxxxxxx");
/// let mut scratch = [0u8; 1024];
/// let claims = verifier.verify(&jwt, 1_700_000_100, &mut scratch)?;
/// assert_eq!(claims.identity().unwrap(), "alice");
/// assert_eq!(claims.video().unwrap().room.unwrap(), "standup");
/// assert_eq!(claims.exp(), 1_700_003_600);
///
/// let late = verifier.verify(&jwt, 1_700_003_700, &mut scratch);
/// assert_eq!(late.err(), Some(VerifyError::Expired));
/// let other = Verifier::from_secret(b"wrong")?;
/// let forged = other.verify(&jwt, 1_700_000_100, &mut scratch);
/// assert_eq!(forged.err(), Some(VerifyError::BadSignature));
/// let elsewhere = Verifier::new(Key::hs256(b"secret")?).expect_account("ACyyyyyyyy");
/// assert_eq!(
///     elsewhere.verify(&jwt, 1_700_000_100, &mut scratch).err(),
///     Some(VerifyError::WrongAccount)
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier<'a, const K: usize = 1> {
    keys: [Key; K],
    leeway: u64,
    account: Option<&'a str>,
    issuers: Issuers<'a>,
    content_type: Option<&'a str>,
}

impl Verifier<'static> {
    /// A verifier for tokens signed with `key`, with no leeway and no optional check.
    #[inline(always)]
    pub const fn new(key: Key) -> Self {
        Self::with_keys([key])
    }

    /// A verifier for HS256 tokens signed with `secret` (the raw bytes of the API key secret or
    /// auth token); an empty secret is refused. For one-shot use: keep a [`Key`] to verify many.
    #[inline(always)]
    pub fn from_secret(secret: &[u8]) -> Result<Self, EmptySecret> {
        Ok(Self::new(Key::one_shot(Algorithm::HS256, secret)?))
    }
}

impl<const K: usize> Verifier<'static, K> {
    /// A verifier accepting tokens signed with any of `keys` (during a key rotation: the new key
    /// first, as it is tried first).
    #[inline(always)]
    pub const fn with_keys(keys: [Key; K]) -> Self {
        const { assert!(K > 0, "a verifier needs at least one key") };
        Verifier {
            keys,
            leeway: 0,
            account: None,
            issuers: Issuers::Any,
            content_type: None,
        }
    }
}

impl<'a, const K: usize> Verifier<'a, K> {
    /// Seconds of clock skew tolerated on `exp` and `nbf`.
    #[must_use]
    pub const fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Require `sub` to be `account_sid` ([`VerifyError::WrongAccount`]).
    #[must_use]
    pub fn expect_account<'b>(self, account_sid: &'b str) -> Verifier<'b, K>
    where
        'a: 'b,
    {
        Verifier {
            account: Some(account_sid),
            ..self
        }
    }

    /// Require `iss` to be `key_sid`, the API key SID ([`VerifyError::WrongIssuer`]).
    #[must_use]
    pub fn expect_issuer<'b>(self, key_sid: &'b str) -> Verifier<'b, K>
    where
        'a: 'b,
    {
        Verifier {
            issuers: Issuers::One(key_sid),
            ..self
        }
    }

    /// Require `iss` to be one of `key_sids` (during a key rotation).
    #[must_use]
    pub fn expect_issuers<'b>(self, key_sids: &'b [&'b str]) -> Verifier<'b, K>
    where
        'a: 'b,
    {
        Verifier {
            issuers: Issuers::Few(key_sids),
            ..self
        }
    }

    /// Require the header's `cty` to be `content_type`, e.g.
    /// [`AccessToken::CONTENT_TYPE`](crate::AccessToken::CONTENT_TYPE)
    /// ([`VerifyError::WrongContentType`]).
    #[must_use]
    pub fn expect_content_type<'b>(self, content_type: &'b str) -> Verifier<'b, K>
    where
        'a: 'b,
    {
        Verifier {
            content_type: Some(content_type),
            ..self
        }
    }

    /// Verify `token` at `now` (unix seconds). The decoded header and payload are written into
    /// `scratch` (a buffer as long as the token always suffices; a shorter one may give
    /// [`VerifyError::BufferTooSmall`]) and the returned view borrows from it. Allocation-free.
    pub fn verify<'s>(
        &self,
        token: &str,
        now: u64,
        scratch: &'s mut [u8],
    ) -> Result<Claims<'s>, VerifyError> {
        let parts = Segments::split(token)?;
        let (header, payload) = parts.exact(parts.decode_into(scratch))?;
        let mut signature = [0u8; MAX_MAC_LEN];
        let signature = parts.exact(parts.signature(&mut signature))?;
        let key = self
            .keys
            .iter()
            .find(|key| key.verifies(parts.signing_input, signature))
            .ok_or(VerifyError::BadSignature)?;
        let result = Claims::parse(header, parts.known, payload);
        // Checked where `parse` wrote them, which is where they are returned: a `Claims` (with
        // its tape) is too large to be moved without a `memcpy` call, and each `let` or `?`
        // on the way out could cost one.
        if let Ok(claims) = &result {
            self.check_claims(claims, key.algorithm(), now)?;
        }
        result
    }

    /// Steps 3 (the algorithm) to 6 of the checks, on claims whose signature matched a key of
    /// `algorithm`.
    fn check_claims(
        &self,
        claims: &Claims<'_>,
        algorithm: Algorithm,
        now: u64,
    ) -> Result<(), VerifyError> {
        let expected = algorithm.name();
        let alg_ok = match claims.known_alg {
            // A known header's `alg`, checked by the tests: no walk of its text.
            Some(alg) => alg == expected,
            None => (claims.header.get("alg").and_then(|v| v.as_str()))
                .is_some_and(|alg| alg.eq_str(expected)),
        };
        if !alg_ok {
            return Err(VerifyError::AlgorithmMismatch);
        }
        let exp = claims
            .exp
            .ok_or(VerifyError::MissingExp)?
            .as_time()
            .ok_or(VerifyError::InvalidClaim(TimeClaim::Exp))?;
        let nbf = time(claims.nbf, TimeClaim::Nbf)?;
        time(claims.iat, TimeClaim::Iat)?;
        if u128::from(exp) + u128::from(self.leeway) <= u128::from(now) {
            return Err(VerifyError::Expired);
        }
        if nbf.is_some_and(|nbf| u128::from(nbf) > u128::from(now) + u128::from(self.leeway)) {
            return Err(VerifyError::NotYetValid);
        }
        self.check_options(claims)
    }

    fn check_options(&self, claims: &Claims<'_>) -> Result<(), VerifyError> {
        let is =
            |claim: Option<JsonStr<'_>>, expected: &str| claim.is_some_and(|c| c.eq_str(expected));
        if let Some(account) = self.account
            && !is(claims.sub(), account)
        {
            return Err(VerifyError::WrongAccount);
        }
        let iss_ok = match self.issuers {
            Issuers::Any => true,
            Issuers::One(sid) => is(claims.iss(), sid),
            Issuers::Few(sids) => sids.iter().any(|sid| is(claims.iss(), sid)),
        };
        if !iss_ok {
            return Err(VerifyError::WrongIssuer);
        }
        if let Some(expected) = self.content_type
            && !is(claims.header.get("cty").and_then(|v| v.as_str()), expected)
        {
            return Err(VerifyError::WrongContentType);
        }
        Ok(())
    }

    /// Verify `token` at `now` into an owned value.
    #[cfg(feature = "alloc")]
    pub fn verify_owned(&self, token: &str, now: u64) -> Result<OwnedClaims, VerifyError> {
        let mut scratch = alloc::vec![0u8; token.len()];
        Ok(OwnedClaims::from_view(&self.verify(
            token,
            now,
            &mut scratch,
        )?))
    }

    /// Verify `token` at the system clock's now. Not on `wasm32-unknown-unknown` (no clock
    /// there): use [`verify_owned`](Self::verify_owned) with the time from the host.
    #[cfg(all(
        feature = "std",
        not(all(target_arch = "wasm32", target_os = "unknown"))
    ))]
    pub fn verify_now(&self, token: &str) -> Result<OwnedClaims, VerifyError> {
        self.verify_owned(token, crate::unix_now())
    }
}

impl<const K: usize> core::fmt::Debug for Verifier<'_, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys)
            .field("leeway", &self.leeway)
            .field("account", &self.account)
            .field("issuers", &self.issuers)
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// Verify an HS256 `token` signed with `secret` at `now`, with no leeway, into an owned value:
/// for one-shot use. See [`Verifier`] for the allocation-free form, the checks and the options.
#[cfg(feature = "alloc")]
pub fn verify(token: &str, secret: &[u8], now: u64) -> Result<OwnedClaims, VerifyError> {
    Verifier::from_secret(secret)?.verify_owned(token, now)
}

/// Decode a token WITHOUT checking its signature, algorithm or times: for inspecting a token
/// (a debugging tool), never for trusting it. The segments must still be canonical base64url
/// and the JSON strict, with no `crit` header.
pub fn decode_unverified<'s>(
    token: &str,
    scratch: &'s mut [u8],
) -> Result<Claims<'s>, VerifyError> {
    let parts = Segments::split(token)?;
    let mut signature = [0u8; MAX_MAC_LEN];
    parts.exact(parts.signature(&mut signature))?;
    let (header, payload) = parts.exact(parts.decode_into(scratch))?;
    Claims::parse(header, parts.known, payload)
}

/// The three segments of a compact JWS.
struct Segments<'t> {
    signing_input: &'t [u8],
    header: &'t [u8],
    payload: &'t [u8],
    signature: &'t [u8],
    /// The header's entry in [`KNOWN_HEADERS`], when it is one.
    known: Option<&'static KnownHeader>,
}

impl<'t> Segments<'t> {
    fn split(token: &'t str) -> Result<Self, VerifyError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(VerifyError::TooLong { len: token.len() });
        }
        let bytes = token.as_bytes();
        // The first dot from the start and the last from the end: the payload between them,
        // most of the token, is not searched here. A dot inside it would make it invalid
        // base64url, so every token whose segments all decode has exactly two dots; the
        // errors of one that does not are put right by `exact`.
        //
        // Most tokens start with a known header (base64url: no dot in it) and end with an
        // HS256 signature, so the dots are first looked for where those put them. The last one
        // is taken there without searching the signature, for the same reason as the payload.
        let known = KNOWN_HEADERS.iter().find(|h| {
            let n = h.encoded.len();
            bytes.get(n) == Some(&b'.') && bytes.get(..n) == Some(h.encoded.as_bytes())
        });
        let first = match known {
            Some(h) => h.encoded.len(),
            // Eight bytes at a time; the length of `bytes` when there is none.
            None => swar::find(bytes, 0, |x| swar::has_byte(x, b'.'), |c| c == b'.'),
        };
        let last = match bytes.len().checked_sub(HS256_SIGNATURE_LEN + 1) {
            Some(at) if at > first && bytes.get(at) == Some(&b'.') => Some(at),
            _ => rfind_dot(bytes),
        };
        let (Some(last), true) = (last, first < bytes.len()) else {
            return Err(VerifyError::SegmentCount);
        };
        let (Some(header), Some(payload), Some(signature)) = (
            bytes.get(..first),
            bytes.get(first + 1..last),
            bytes.get(last + 1..),
        ) else {
            // The first dot is the last one.
            return Err(VerifyError::SegmentCount);
        };
        let signing_input = bytes.get(..last).ok_or(VerifyError::SegmentCount)?;
        let parts = Segments {
            signing_input,
            header,
            payload,
            signature,
            known,
        };
        for (segment, text) in [
            (Segment::Header, header),
            (Segment::Payload, payload),
            (Segment::Signature, signature),
        ] {
            if text.is_empty() {
                return parts.exact(Err(VerifyError::EmptySegment(segment)));
            }
        }
        Ok(parts)
    }

    /// `result`, unless the payload or the signature holds a dot (the token has more than
    /// three segments): then [`VerifyError::SegmentCount`], the error the shape check owes such
    /// a token before any other. Applied to every error found before both are known to decode.
    fn exact<T>(&self, result: Result<T, VerifyError>) -> Result<T, VerifyError> {
        let has_dot = |segment: &[u8]| segment.contains(&b'.');
        match result {
            Err(_) if has_dot(self.payload) || has_dot(self.signature) => {
                Err(VerifyError::SegmentCount)
            }
            other => other,
        }
    }

    /// Decode header and payload into `scratch`, returning the two decoded slices.
    fn decode_into<'s>(&self, scratch: &'s mut [u8]) -> Result<(&'s [u8], &'s [u8]), VerifyError> {
        let header_len = decoded_len(self.header.len());
        let needed = header_len + decoded_len(self.payload.len());
        if scratch.len() < needed {
            return Err(VerifyError::BufferTooSmall { needed });
        }
        let (head, rest) = scratch.split_at_mut(header_len);
        let header = match self.known {
            // The usual header: its canonical encoding is known, so there is nothing to decode.
            Some(known) => known.json.as_bytes(),
            None => decode_b64url(self.header, head).ok_or(VerifyError::Base64(Segment::Header))?,
        };
        let payload =
            decode_b64url(self.payload, rest).ok_or(VerifyError::Base64(Segment::Payload))?;
        Ok((header, payload))
    }

    /// The decoded signature in `out`, or an empty slice when it is longer than any MAC (it then
    /// matches no key). Either way the whole segment must be canonical base64url.
    fn signature<'o>(&self, out: &'o mut [u8; MAX_MAC_LEN]) -> Result<&'o [u8], VerifyError> {
        let bad = VerifyError::Base64(Segment::Signature);
        if self.signature.len() <= crate::base64url::encoded_len(MAX_MAC_LEN) {
            return decode_b64url(self.signature, out).ok_or(bad);
        }
        // Longer than any MAC: check it in whole 4-character groups (no unused bits), then the
        // tail with the full canonical rules.
        let split = (self.signature.len() - 1) / 64 * 64;
        let (groups, tail) = self.signature.split_at(split);
        for chunk in groups.chunks(64) {
            decode_b64url(chunk, out).ok_or(bad)?;
        }
        decode_b64url(tail, out).ok_or(bad)?;
        Ok(&[])
    }
}

/// The length of an HS256 signature segment.
const HS256_SIGNATURE_LEN: usize =
    crate::base64url::encoded_len(crate::jws::Algorithm::HS256.mac_len());

/// Index of the last `.` in `bytes`, searched eight bytes at a time from the end (the
/// signature, behind it, is short).
fn rfind_dot(bytes: &[u8]) -> Option<usize> {
    let mut end = bytes.len();
    while let Some(Ok(word)) = end
        .checked_sub(8)
        .and_then(|start| bytes.get(start..end))
        .map(<[u8; 8]>::try_from)
    {
        // A flag may be false only above a real dot: any flag means the word holds one.
        if swar::has_byte(u64::from_le_bytes(word), b'.') & (swar::ONES * 0x80) != 0 {
            break;
        }
        end -= 8;
    }
    bytes.get(..end)?.iter().rposition(|&c| c == b'.')
}

/// Bytes decoded from `n` base64 characters (rounded up for invalid lengths).
const fn decoded_len(n: usize) -> usize {
    n / 4 * 3 + (n % 4) * 3 / 4 + 1
}

/// A decoded token: its header and payload, with typed accessors for Twilio's claims.
///
/// Strings come back as [`JsonStr`], which unescapes on the fly (compare it with `==`, print it,
/// iterate its `chars()`, or `unescape_into` a buffer) so that nothing is allocated.
#[derive(Clone, Copy, Debug)]
pub struct Claims<'s> {
    header: Value<'s>,
    /// The header's `alg` when the header is one of [`KNOWN_HEADERS`].
    known_alg: Option<&'static str>,
    payload: Value<'s>,
    // Found in one pass when the token is read: each lookup would otherwise rescan the payload.
    exp: Option<Value<'s>>,
    nbf: Option<Value<'s>>,
    iat: Option<Value<'s>>,
    grants: Option<Value<'s>>,
    /// Where the members of `grants` are, recorded in the same pass ([`ObjectIndex::UNKNOWN`]
    /// when it was not).
    grants_index: ObjectIndex<'s>,
}

/// The payload members [`Claims`] keeps at hand, in its field order.
const CACHED: [&str; 4] = ["exp", "nbf", "iat", GRANTS];

/// The payload member holding an access token's grants, whose members are recorded too.
const GRANTS: &str = "grants";

/// [`CACHED`] and [`GRANTS`], hashed at compile time.
const PAYLOAD_NAMES: DocumentNames<'static> = DocumentNames::new(&CACHED, GRANTS);

/// A time claim: absent is fine, anything but a valid integer is not.
fn time(claim: Option<Value<'_>>, which: TimeClaim) -> Result<Option<u64>, VerifyError> {
    match claim {
        None => Ok(None),
        Some(v) => v
            .as_time()
            .map(Some)
            .ok_or(VerifyError::InvalidClaim(which)),
    }
}

macro_rules! string_claims {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {
        $(
            $(#[$meta])*
            pub fn $name(&self) -> Option<JsonStr<'s>> {
                self.claim(stringify!($name)).and_then(|v| v.as_str())
            }
        )+
    };
}

impl<'s> Claims<'s> {
    /// The claims of a decoded `header` and `payload`; `known`: the header's entry in
    /// [`KNOWN_HEADERS`], if it is one (its `json` is then `header`).
    fn parse(
        header: &'s [u8],
        known: Option<&'static KnownHeader>,
        payload: &'s [u8],
    ) -> Result<Self, VerifyError> {
        let (header, known_alg) = match known {
            // Validated once, by the tests: strict JSON, an object, no `crit`.
            Some(known) => (Value::trusted(known.json), Some(known.alg)),
            None => (parse(header).map_err(VerifyError::HeaderJson)?, None),
        };
        // The cached claims come from member offsets recorded while validating (no rescan).
        let mut tapes = Tapes::new(&PAYLOAD_NAMES);
        let doc = crate::json::parse_document(payload, crate::json::MAX_DEPTH, &mut tapes)
            .map_err(VerifyError::PayloadJson)?;
        let payload = doc.root();
        let checked_header = known_alg.is_some();
        if !checked_header && header.kind() != Kind::Object {
            return Err(VerifyError::NotAnObject(Segment::Header));
        }
        if payload.kind() != Kind::Object {
            return Err(VerifyError::NotAnObject(Segment::Payload));
        }
        // A member named `crit` needs those letters in the text, plain or escaped: most headers
        // are cleared without walking their members.
        let raw = header.raw();
        if !checked_header
            && (raw.contains("\"crit\"") || raw.contains('\\'))
            && header.get("crit").is_some()
        {
            return Err(VerifyError::Crit);
        }
        let [exp, nbf, iat, grants] = [0, 1, 2, 3].map(|i| doc.get_wanted(i));
        Ok(Claims {
            header,
            known_alg,
            payload,
            exp,
            nbf,
            iat,
            grants,
            grants_index: doc.nested_index(),
        })
    }

    /// The view over two validated objects, with the claims it caches.
    #[cfg(feature = "alloc")]
    fn index(header: Value<'s>, payload: Value<'s>) -> Self {
        let mut claims = Claims {
            header,
            known_alg: None,
            payload,
            exp: None,
            nbf: None,
            iat: None,
            grants: None,
            grants_index: ObjectIndex::UNKNOWN,
        };
        for (name, value) in payload.members() {
            let slot = match name.raw() {
                "exp" => &mut claims.exp,
                "nbf" => &mut claims.nbf,
                "iat" => &mut claims.iat,
                GRANTS => &mut claims.grants,
                _ if name.as_plain().is_some() => continue,
                // An escaped name ("\u0065xp") is compared unescaped.
                _ if name.eq_str("exp") => &mut claims.exp,
                _ if name.eq_str("nbf") => &mut claims.nbf,
                _ if name.eq_str("iat") => &mut claims.iat,
                _ if name.eq_str(GRANTS) => &mut claims.grants,
                _ => continue,
            };
            *slot = Some(value);
        }
        claims
    }

    /// The whole header (a JSON object).
    pub fn header(&self) -> Value<'s> {
        self.header
    }

    /// The whole payload (a JSON object).
    pub fn payload(&self) -> Value<'s> {
        self.payload
    }

    /// Any claim by name.
    pub fn claim(&self, name: &str) -> Option<Value<'s>> {
        self.payload.get(name)
    }

    string_claims! {
        /// `jti`: the token id (`SK…-<time>` for access tokens).
        jti,
        /// `iss`: the API key SID (access tokens) or account SID (capability tokens).
        iss,
        /// `sub`: the account SID of an access token.
        sub,
    }

    /// `exp`: the expiry (unix seconds); 0 if absent or not a valid time (see
    /// [`Value::as_time`]), which only [`decode_unverified`] allows: [`Verifier::verify`]
    /// refuses both ([`VerifyError::MissingExp`], [`VerifyError::InvalidClaim`]).
    ///
    /// ```
    /// use twilio_jwt::json::JsonWriter;
    /// use twilio_jwt::{Key, Payload, TimeClaim, Verifier, VerifyError, decode_unverified};
    ///
    /// struct Soon;
    /// impl Payload for Soon {
    ///     fn write_claims(&self, w: &mut JsonWriter<'_>) {
    ///         w.field_str("exp", "soon");
    ///     }
    /// }
    /// let key = Key::hs256(b"secret").unwrap();
    /// let token = key.sign(&Soon).unwrap();
    /// let mut scratch = [0u8; 64];
    /// assert_eq!(decode_unverified(&token, &mut scratch).unwrap().exp(), 0);
    /// let verified = Verifier::new(key).verify(&token, 0, &mut scratch);
    /// assert_eq!(verified.err(), Some(VerifyError::InvalidClaim(TimeClaim::Exp)));
    /// ```
    pub fn exp(&self) -> u64 {
        self.exp.and_then(|v| v.as_time()).unwrap_or(0)
    }

    /// `nbf`: not before (unix seconds).
    pub fn nbf(&self) -> Option<u64> {
        self.nbf.and_then(|v| v.as_time())
    }

    /// `iat`: issued at (unix seconds), as twilio-node writes it.
    pub fn iat(&self) -> Option<u64> {
        self.iat.and_then(|v| v.as_time())
    }

    /// The header's `twr` (region), if any.
    pub fn region(&self) -> Option<JsonStr<'s>> {
        self.header.get("twr").and_then(|v| v.as_str())
    }

    /// The access token's `grants` object (found when the token is read, as `exp` is).
    pub fn grants(&self) -> Option<Value<'s>> {
        self.grants
    }

    /// One grant by key (a grant type's `KEY`, or one the crate does not know).
    pub fn grant(&self, key: &str) -> Option<Value<'s>> {
        match self.grants_index.get(key) {
            Some(found) => found,
            None => self.grants()?.get(key),
        }
    }
}

/// A verified token that owns its decoded header and payload.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedClaims {
    header: alloc::string::String,
    payload: alloc::string::String,
}

#[cfg(feature = "alloc")]
impl OwnedClaims {
    fn from_view(claims: &Claims<'_>) -> Self {
        OwnedClaims {
            header: claims.header.raw().into(),
            payload: claims.payload.raw().into(),
        }
    }

    /// The borrowed view, with every accessor.
    pub fn claims(&self) -> Claims<'_> {
        // Both texts were validated when this value was made, so they are trusted here.
        Claims::index(Value::trusted(&self.header), Value::trusted(&self.payload))
    }

    /// The header's JSON text, as decoded.
    pub fn header_json(&self) -> &str {
        &self.header
    }

    /// The payload's JSON text, as decoded.
    pub fn payload_json(&self) -> &str {
        &self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoded_len_is_an_upper_bound() {
        for n in 0..64 {
            let exact = n / 4 * 3 + [0, 0, 1, 2][n % 4];
            assert!(decoded_len(n) >= exact);
        }
    }

    #[test]
    fn known_headers_are_canonical_and_strict() {
        for known in KNOWN_HEADERS {
            let mut out = [0u8; 128];
            let decoded = decode_b64url(known.encoded.as_bytes(), &mut out).expect("base64url");
            assert_eq!(decoded, known.json.as_bytes());
            assert_eq!(
                crate::base64url::encoded_len(decoded.len()),
                known.encoded.len()
            );
            let value = parse(decoded).expect("strict JSON");
            assert_eq!(value.kind(), Kind::Object);
            assert_eq!(value.raw(), known.json);
            assert!(value.get("crit").is_none());
            let alg = value.get("alg").and_then(|v| v.as_str()).expect("an alg");
            assert!(alg.eq_str(known.alg));
        }
    }

    /// The shape check as `verify` completes it: a payload or signature holding a dot fails to
    /// decode, and `exact` turns that failure into the shape's error.
    fn shape(token: &str) -> Result<Segments<'_>, VerifyError> {
        let parts = Segments::split(token)?;
        let decoded = match (
            parts.payload.contains(&b'.'),
            parts.signature.contains(&b'.'),
        ) {
            (true, _) => Err(VerifyError::Base64(Segment::Payload)),
            (_, true) => Err(VerifyError::Base64(Segment::Signature)),
            _ => Ok(()),
        };
        parts.exact(decoded)?;
        Ok(parts)
    }

    #[test]
    fn segments_split_on_exactly_two_dots() {
        assert!(shape("a.b.c").is_ok());
        for bad in [
            "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", "", "a...", "...", "a.b..c",
        ] {
            assert!(shape(bad).is_err(), "{bad}");
        }
        // One to three dots at every position around the eight-byte words, against a plain
        // split.
        let max = if cfg!(miri) { 12 } else { 40 };
        for len in 0..max {
            for i in 0..len {
                for j in i..len {
                    for k in j..len {
                        let mut text = alloc_free_text(len);
                        for at in [i, j, k] {
                            text[at] = b'.';
                        }
                        check_split(core::str::from_utf8(&text[..len]).expect("ascii"));
                    }
                }
            }
        }
    }

    #[test]
    fn usual_tokens_split_like_any_other() {
        // A known header and an HS256-long signature, where `split` looks for the dots first:
        // with one more dot, or one dot fewer, anywhere, the answer is still the plain split's.
        fn ascii(t: &[u8]) -> &str {
            core::str::from_utf8(t).expect("ascii")
        }
        for known in KNOWN_HEADERS {
            for payload_len in [0, 1, 5] {
                let mut text = [b'a'; 200];
                let n = known.encoded.len();
                let len = n + 1 + payload_len + 1 + HS256_SIGNATURE_LEN;
                text[..n].copy_from_slice(known.encoded.as_bytes());
                text[n] = b'.';
                text[n + 1 + payload_len] = b'.';
                if payload_len > 0 {
                    let parts = shape(ascii(&text[..len])).expect("well formed");
                    assert!(parts.known.is_some_and(|h| h.encoded == known.encoded));
                }
                for at in 0..len {
                    for c in [b'.', b'a'] {
                        let mut changed = text;
                        changed[at] = c;
                        check_split(ascii(&changed[..len]));
                    }
                }
            }
        }
    }

    fn check_split(token: &str) {
        let pieces: [&[u8]; 3] = {
            let mut it = token.as_bytes().split(|&b| b == b'.');
            match (it.next(), it.next(), it.next(), it.next()) {
                (Some(a), Some(b), Some(c), None) => [a, b, c],
                _ => {
                    assert_eq!(
                        shape(token).err(),
                        Some(VerifyError::SegmentCount),
                        "{token}"
                    );
                    return;
                }
            }
        };
        match shape(token) {
            Ok(s) => {
                assert_eq!([s.header, s.payload, s.signature], pieces);
                assert_eq!(s.signing_input.len(), pieces[0].len() + 1 + pieces[1].len());
            }
            Err(e) => assert!(
                matches!(e, VerifyError::EmptySegment(_)) && pieces.iter().any(|p| p.is_empty()),
                "{token}: {e:?}"
            ),
        }
    }

    fn alloc_free_text(len: usize) -> [u8; 40] {
        let mut text = [b'a'; 40];
        for (k, b) in text.iter_mut().enumerate().take(len) {
            *b = b'a' + (k % 26) as u8;
        }
        text
    }
}
