//! Verification: strict, MAC-first checks of any Twilio token, and a typed view of its claims.
//!
//! The checks run in this order, each with its own [`Error`]:
//!
//! 1. [`Error::Malformed`]: not three non-empty dot-separated segments, longer than
//!    [`MAX_TOKEN_LEN`], or a segment that is not canonical unpadded base64url;
//! 2. [`Error::BadSignature`]: the HMAC of the first two segments differs (constant-time
//!    comparison). Nothing of the JSON is parsed before this passes;
//! 3. [`Error::Malformed`] for a header or payload that is not strict JSON (see
//!    [`json::parse`](crate::json::parse)), then [`Error::AlgorithmMismatch`] when the header's
//!    `alg` is not exactly the expected algorithm;
//! 4. [`Error::InvalidClaims`]: `exp` missing, or `exp` / `nbf` / `iat` not a non-negative
//!    integer below 2^53;
//! 5. [`Error::Expired`] when `exp <= now - leeway`, [`Error::NotYetValid`] when
//!    `nbf > now + leeway`.

use crate::Error;
use crate::base64url::decode as decode_b64url;
use crate::client::{ScopeUri, scope_uris};
use crate::json::{JsonStr, Kind, Value, parse};
use crate::jws::{Algorithm, MAX_MAC_LEN, Mac};
use crate::taskrouter::PolicyView;

/// The longest token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 65_536;

/// Verifies tokens signed with one secret.
///
/// ```
/// use twilio_jwt::{AccessToken, Error, VideoGrant, Verifier};
///
/// let video = VideoGrant::new().room("standup");
/// let jwt = AccessToken::new("ACxxxxxxxx", "SKxxxxxxxx", "secret")
///     .identity("alice")
///     .grant(&video)
///     .to_jwt(1_700_000_000)?;
///
/// let verifier = Verifier::new(b"secret").leeway(30);
/// let mut scratch = [0u8; 1024];
/// let claims = verifier.verify(&jwt, 1_700_000_100, &mut scratch)?;
/// assert_eq!(claims.identity().unwrap(), "alice");
/// assert_eq!(claims.video().unwrap().room.unwrap(), "standup");
/// assert_eq!(claims.exp(), 1_700_003_600);
///
/// assert_eq!(verifier.verify(&jwt, 1_700_003_700, &mut scratch).err(), Some(Error::Expired));
/// assert_eq!(
///     Verifier::new(b"wrong").verify(&jwt, 1_700_000_100, &mut scratch).err(),
///     Some(Error::BadSignature)
/// );
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Verifier<'k> {
    key: &'k [u8],
    algorithm: Algorithm,
    leeway: u64,
}

impl<'k> Verifier<'k> {
    /// A verifier for tokens signed with `secret` (the raw bytes of the API key secret or auth
    /// token), expecting HS256 and no leeway.
    pub const fn new(secret: &'k [u8]) -> Self {
        Verifier {
            key: secret,
            algorithm: Algorithm::HS256,
            leeway: 0,
        }
    }

    /// The algorithm tokens must use; the header's `alg` must name exactly this one.
    #[must_use]
    pub const fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Seconds of clock skew tolerated on `exp` and `nbf`.
    #[must_use]
    pub const fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Verify `token` at `now` (unix seconds). The decoded header and payload are written into
    /// `scratch` (a buffer as long as the token always suffices; a shorter one may give
    /// [`Error::BufferTooSmall`]) and the returned view borrows from it. Allocation-free.
    pub fn verify<'s>(
        &self,
        token: &str,
        now: u64,
        scratch: &'s mut [u8],
    ) -> Result<Claims<'s>, Error> {
        let parts = Segments::split(token)?;
        let (header, payload) = parts.decode_into(scratch)?;
        let mut mac = Mac::new(self.algorithm, self.key);
        mac.update(parts.signing_input);
        let mut signature = [0u8; MAX_MAC_LEN + 3];
        let signature = decode_b64url(parts.signature, &mut signature).ok_or(Error::Malformed)?;
        if !mac.verify(signature) {
            return Err(Error::BadSignature);
        }
        let claims = Claims::parse(header, payload)?;
        let alg = claims.header.get("alg").and_then(|v| v.as_str());
        if !alg.is_some_and(|alg| alg.eq_str(self.algorithm.name())) {
            return Err(Error::AlgorithmMismatch);
        }
        let exp = claims
            .exp
            .and_then(|v| v.as_time())
            .ok_or(Error::InvalidClaims)?;
        let nbf = time(claims.nbf)?;
        time(claims.iat)?;
        if u128::from(exp) + u128::from(self.leeway) <= u128::from(now) {
            return Err(Error::Expired);
        }
        if nbf.is_some_and(|nbf| u128::from(nbf) > u128::from(now) + u128::from(self.leeway)) {
            return Err(Error::NotYetValid);
        }
        Ok(claims)
    }

    /// Verify `token` at `now` into an owned value.
    #[cfg(feature = "alloc")]
    pub fn verify_owned(&self, token: &str, now: u64) -> Result<OwnedClaims, Error> {
        let mut scratch = alloc::vec![0u8; token.len()];
        Ok(OwnedClaims::from_view(&self.verify(
            token,
            now,
            &mut scratch,
        )?))
    }

    /// Verify `token` at the system clock's now.
    #[cfg(feature = "std")]
    pub fn verify_now(&self, token: &str) -> Result<OwnedClaims, Error> {
        self.verify_owned(token, crate::unix_now())
    }
}

impl core::fmt::Debug for Verifier<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Verifier")
            .field("algorithm", &self.algorithm)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

/// Verify an HS256 `token` signed with `secret` at `now`, with no leeway, into an owned value.
/// See [`Verifier`] for the allocation-free form and the options.
#[cfg(feature = "alloc")]
pub fn verify(token: &str, secret: &[u8], now: u64) -> Result<OwnedClaims, Error> {
    Verifier::new(secret).verify_owned(token, now)
}

/// Decode a token WITHOUT checking its signature, algorithm or times: for inspecting a token
/// (a debugging tool), never for trusting it. The segments must still be canonical base64url
/// and the JSON strict.
pub fn decode_unverified<'s>(token: &str, scratch: &'s mut [u8]) -> Result<Claims<'s>, Error> {
    let parts = Segments::split(token)?;
    let mut signature = [0u8; MAX_MAC_LEN + 3];
    decode_b64url(parts.signature, &mut signature).ok_or(Error::Malformed)?;
    let (header, payload) = parts.decode_into(scratch)?;
    Claims::parse(header, payload)
}

/// The three segments of a compact JWS.
struct Segments<'t> {
    signing_input: &'t [u8],
    header: &'t [u8],
    payload: &'t [u8],
    signature: &'t [u8],
}

impl<'t> Segments<'t> {
    fn split(token: &'t str) -> Result<Self, Error> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(Error::Malformed);
        }
        let bytes = token.as_bytes();
        let mut parts = bytes.split(|&b| b == b'.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::Malformed);
        };
        if header.is_empty() || payload.is_empty() || signature.is_empty() {
            return Err(Error::Malformed);
        }
        let signing_input = bytes
            .get(..header.len() + 1 + payload.len())
            .ok_or(Error::Malformed)?;
        Ok(Segments {
            signing_input,
            header,
            payload,
            signature,
        })
    }

    /// Decode header and payload into `scratch`, returning the two decoded slices.
    fn decode_into<'s>(&self, scratch: &'s mut [u8]) -> Result<(&'s [u8], &'s [u8]), Error> {
        let header_len = decoded_len(self.header.len());
        let needed = header_len + decoded_len(self.payload.len());
        if scratch.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        let (head, rest) = scratch.split_at_mut(header_len);
        let h = decode_b64url(self.header, head)
            .ok_or(Error::Malformed)?
            .len();
        let p = decode_b64url(self.payload, rest)
            .ok_or(Error::Malformed)?
            .len();
        let (head, rest) = (&*head, &*rest);
        Ok((
            head.get(..h).unwrap_or_default(),
            rest.get(..p).unwrap_or_default(),
        ))
    }
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
    payload: Value<'s>,
    // Found in one pass when the token is read: each lookup would otherwise rescan the payload.
    exp: Option<Value<'s>>,
    nbf: Option<Value<'s>>,
    iat: Option<Value<'s>>,
    grants: Option<Value<'s>>,
}

/// The payload members [`Claims`] keeps at hand, in its field order.
const CACHED: [&str; 4] = ["exp", "nbf", "iat", "grants"];

/// A time claim: absent is fine, anything but a valid integer is not.
fn time(claim: Option<Value<'_>>) -> Result<Option<u64>, Error> {
    match claim {
        None => Ok(None),
        Some(v) => v.as_time().map(Some).ok_or(Error::InvalidClaims),
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
    fn parse(header: &'s [u8], payload: &'s [u8]) -> Result<Self, Error> {
        let header = parse(header).map_err(|_| Error::Malformed)?;
        // The cached claims come from member offsets recorded while validating (no rescan).
        let doc = crate::json::parse_document(payload, crate::json::MAX_DEPTH, &CACHED, "")
            .map_err(|_| Error::Malformed)?;
        let payload = doc.root();
        if header.kind() != Kind::Object || payload.kind() != Kind::Object {
            return Err(Error::Malformed);
        }
        let [exp, nbf, iat, grants] = CACHED.map(|name| doc.get(name));
        Ok(Claims {
            header,
            payload,
            exp,
            nbf,
            iat,
            grants,
        })
    }

    /// The view over two validated objects, with the claims it caches.
    #[cfg(feature = "alloc")]
    fn index(header: Value<'s>, payload: Value<'s>) -> Self {
        let mut claims = Claims {
            header,
            payload,
            exp: None,
            nbf: None,
            iat: None,
            grants: None,
        };
        for (name, value) in payload.members() {
            let slot = match name.raw() {
                "exp" => &mut claims.exp,
                "nbf" => &mut claims.nbf,
                "iat" => &mut claims.iat,
                "grants" => &mut claims.grants,
                _ if name.as_plain().is_some() => continue,
                // An escaped name ("\u0065xp") is compared unescaped.
                _ if name.eq_str("exp") => &mut claims.exp,
                _ if name.eq_str("nbf") => &mut claims.nbf,
                _ if name.eq_str("iat") => &mut claims.iat,
                _ if name.eq_str("grants") => &mut claims.grants,
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

    /// `exp`: the expiry (unix seconds); 0 if absent, which only [`decode_unverified`] allows.
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

    /// The access token's `grants` object.
    pub fn grants(&self) -> Option<Value<'s>> {
        self.grants
    }

    /// One grant by key (`"video"`, `"chat"`, or one the crate does not know).
    pub fn grant(&self, key: &str) -> Option<Value<'s>> {
        self.grants()?.get(key)
    }

    /// The access token's identity (`grants.identity`).
    pub fn identity(&self) -> Option<JsonStr<'s>> {
        self.grant("identity")?.as_str()
    }

    /// The video grant.
    pub fn video(&self) -> Option<crate::grants::VideoGrantView<'s>> {
        self.grant("video").map(Into::into)
    }

    /// The chat grant.
    pub fn chat(&self) -> Option<crate::grants::ChatGrantView<'s>> {
        self.grant("chat").map(Into::into)
    }

    /// The legacy IP messaging grant.
    pub fn ip_messaging(&self) -> Option<crate::grants::IpMessagingGrantView<'s>> {
        self.grant("ip_messaging").map(Into::into)
    }

    /// The sync grant (`data_sync`).
    pub fn sync(&self) -> Option<crate::grants::SyncGrantView<'s>> {
        self.grant("data_sync").map(Into::into)
    }

    /// The TaskRouter grant (`task_router`).
    pub fn task_router(&self) -> Option<crate::grants::TaskRouterGrantView<'s>> {
        self.grant("task_router").map(Into::into)
    }

    /// The legacy conversations grant (`rtc`).
    pub fn conversations(&self) -> Option<crate::grants::ConversationsGrantView<'s>> {
        self.grant("rtc").map(Into::into)
    }

    /// The voice grant.
    pub fn voice(&self) -> Option<crate::grants::VoiceGrantView<'s>> {
        self.grant("voice").map(Into::into)
    }

    /// The playback grant (`player`): Twilio's object, as it is.
    pub fn playback(&self) -> Option<Value<'s>> {
        self.grant("player")
    }

    /// A capability token's scope URIs, parsed. `None` when there is no `scope` claim or it
    /// holds JSON escapes (scope URIs are ASCII; no SDK escapes them).
    pub fn scopes(&self) -> Option<impl Iterator<Item = ScopeUri<'s>> + 's> {
        let scope = self.claim("scope")?.as_str()?.as_plain()?;
        Some(scope_uris(scope))
    }

    /// A TaskRouter token's policies.
    pub fn policies(&self) -> impl Iterator<Item = PolicyView<'s>> + 's {
        let list = self.claim("policies").filter(|v| v.kind() == Kind::Array);
        list.into_iter()
            .flat_map(|v| v.elements())
            .map(PolicyView::from)
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

    /// The identity, unescaped.
    pub fn identity(&self) -> Option<alloc::string::String> {
        self.claims()
            .identity()
            .map(|s| alloc::string::ToString::to_string(&s))
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
    fn segments_split_on_exactly_two_dots() {
        assert!(Segments::split("a.b.c").is_ok());
        for bad in ["a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", ""] {
            assert!(Segments::split(bad).is_err(), "{bad}");
        }
    }
}
