//! Compact JWS: `base64url(header) "." base64url(payload) "." base64url(HMAC)`, and the
//! [`Key`] that signs and checks it.
//!
//! Each segment's JSON is written straight into the output buffer, a little ahead of where its
//! base64url belongs, then encoded forward in place; the HMAC then runs once over the finished
//! signing input. A buffer that turns out too small still learns the exact length it needed.
//!
//! [`Key`] and [`Payload`] are public so that tokens the crate does not model can be signed
//! with the same machinery.

use core::fmt;
use core::str::FromStr;

use hmac::{Hmac, KeyInit};
use sha2::{Sha384, Sha512};

#[cfg(target_pointer_width = "64")]
use crate::base64url::encode;
use crate::base64url::{encode_in_place, encode_secret, encoded_len as b64_len};
use crate::hs256::{BLOCK, Hs256, State, constant_time_eq};
use crate::json::JsonWriter;
use crate::{EmptySecret, MAX_TOKEN_LEN, MintError};

/// The HMAC algorithm of a token. Fixed by the caller, never read from a token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// HMAC-SHA256, what Twilio requires for access tokens (the default).
    #[default]
    HS256,
    /// HMAC-SHA384.
    HS384,
    /// HMAC-SHA512.
    HS512,
}

impl Algorithm {
    /// The JOSE name: `"HS256"`, `"HS384"` or `"HS512"`.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
        }
    }

    /// The length of the MAC in bytes (32, 48 or 64).
    pub const fn mac_len(self) -> usize {
        match self {
            Algorithm::HS256 => 32,
            Algorithm::HS384 => 48,
            Algorithm::HS512 => 64,
        }
    }
}

impl FromStr for Algorithm {
    type Err = MintError;

    /// Parses `HS256`, `HS384` or `HS512` exactly; anything else is
    /// [`MintError::UnsupportedAlgorithm`].
    fn from_str(s: &str) -> Result<Self, MintError> {
        match s {
            "HS256" => Ok(Algorithm::HS256),
            "HS384" => Ok(Algorithm::HS384),
            "HS512" => Ok(Algorithm::HS512),
            _ => Err(MintError::UnsupportedAlgorithm),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A keyed HMAC of any of the three algorithms.
#[derive(Clone)]
pub(crate) enum Mac {
    S256(Hs256),
    S384(Hmac<Sha384>),
    S512(Hmac<Sha512>),
}

/// The largest MAC (HS512).
pub(crate) const MAX_MAC_LEN: usize = 64;

impl Mac {
    #[inline(always)]
    pub(crate) fn new(alg: Algorithm, key: &[u8]) -> Self {
        // HMAC accepts keys of any length: `new_from_slice` cannot fail.
        #[allow(clippy::expect_used)]
        match alg {
            Algorithm::HS256 => Mac::S256(Hs256::new(key)),
            Algorithm::HS384 => Mac::S384(Hmac::new_from_slice(key).expect("any key length")),
            Algorithm::HS512 => Mac::S512(Hmac::new_from_slice(key).expect("any key length")),
        }
    }

    /// The MAC of `input`, in the first `alg.mac_len()` bytes of the result. HS256 resumes its
    /// inner hash from `inner` when given (the state after bytes that came before `input`).
    #[inline]
    fn tag(&self, inner: Option<State>, input: &[u8]) -> ([u8; MAX_MAC_LEN], usize) {
        let mut out = [0u8; MAX_MAC_LEN];
        let len = match self {
            Mac::S256(key) => {
                let mut state = inner.unwrap_or_else(|| key.start());
                let (blocks, rest) = input.as_chunks::<BLOCK>();
                state.take(blocks);
                copy_prefix(&mut out, &key.finish(state, rest))
            }
            Mac::S384(mac) => hmac_tag(mac, input, &mut out),
            Mac::S512(mac) => hmac_tag(mac, input, &mut out),
        };
        (out, len)
    }
}

/// The MAC of `input` with a copy of the keyed `mac` (the `hmac` crate's), in the first bytes
/// of `out`; its length.
fn hmac_tag<M: hmac::Mac + Clone>(mac: &M, input: &[u8], out: &mut [u8; MAX_MAC_LEN]) -> usize {
    let mut mac = mac.clone();
    mac.update(input);
    copy_prefix(out, &mac.finalize().into_bytes())
}

fn copy_prefix(out: &mut [u8; MAX_MAC_LEN], tag: &[u8]) -> usize {
    let len = tag.len().min(MAX_MAC_LEN);
    if let (Some(dst), Some(src)) = (out.get_mut(..len), tag.get(..len)) {
        dst.copy_from_slice(src);
    }
    len
}

/// What goes inside a token: extra header fields and the claims.
///
/// Implement it to sign a token type the crate does not model; every token family of the crate
/// implements it the same way. Each method may be called more than once per token (by
/// [`Key::encoded_len`], when `Key::sign` outgrows its stack buffer, or for a header longer than
/// the 128 bytes minting first writes it into), so it must write the same thing every time.
///
/// The JSON is yours: a key written twice (or an `alg` / `typ` header field) or nesting deeper
/// than [`MAX_DEPTH`](crate::json::MAX_DEPTH) gives a token that [`Verifier`](crate::Verifier)
/// refuses as malformed, as any strict verifier would.
pub trait Payload {
    /// Header fields written between `"alg"` and `"typ"`. The header is always
    /// `{"alg":"<alg>",<these>,"typ":"JWT"}`; write keys that sort between `alg` and `typ` to
    /// keep it in the order PyJWT emits. Default: none.
    fn write_header(&self, header: &mut JsonWriter<'_>) {
        let _ = header;
    }

    /// The payload's members, written into an already opened object.
    fn write_claims(&self, payload: &mut JsonWriter<'_>);
}

/// An HMAC signing key: the keyed HMAC state for one algorithm, computed once from a secret.
///
/// Making a key runs the HMAC key schedule (two hash blocks); every token signed or checked
/// with it then starts from a copy of that state. An HS256 key also hashes, once, the first 64
/// bytes that every access token's signing input starts with (its header is always the same),
/// so that each access token it signs or checks costs one hash block less. Keep one per API key
/// (or auth token) for the life of the process: it is `Clone`, `Send`, `Sync` and `'static`, and
/// allocation-free. It holds only the derived state, never the secret itself, and its `Debug`
/// shows only the algorithm.
///
/// ```
/// use twilio_jwt::{Algorithm, Key, Payload};
/// use twilio_jwt::json::JsonWriter;
///
/// struct Hello;
/// impl Payload for Hello {
///     fn write_claims(&self, w: &mut JsonWriter<'_>) {
///         w.field_str("hello", "world");
///     }
/// }
/// let key = Key::new(Algorithm::HS256, b"secret")?;
/// let mut buf = [0u8; 128];
/// let jwt = key.sign_into(&Hello, &mut buf)?;
/// assert_eq!(jwt.len(), key.encoded_len(&Hello)?);
/// assert_eq!(jwt.split('.').count(), 3);
/// assert_eq!(format!("{key:?}"), "Key { algorithm: HS256, .. }");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Key {
    alg: Algorithm,
    mac: Mac,
    /// For HS256: the inner hash after [`SHARED_BLOCK`], which starts the signing input of
    /// every token with that header, so that signing or checking one hashes a block less.
    shared_block: Option<State>,
}

/// The first block (64 bytes) of the signing input of every token whose header is the longest
/// of the known headers the crate writes (`{"alg":"HS256","cty":…,"typ":"JWT"}`, 67 characters):
/// the only one that fills a SHA-256 block on its own.
const SHARED_BLOCK: &[u8; 64] = {
    let headers = &KNOWN_HEADERS;
    let mut i = 0;
    loop {
        assert!(i < headers.len(), "a known header fills a block");
        if let Some((block, _)) = headers[i].encoded.as_bytes().split_first_chunk::<64>() {
            break block;
        }
        i += 1;
    }
};

impl Key {
    /// The key for `alg` from the raw bytes of `secret`; an empty secret is refused.
    pub fn new(alg: Algorithm, secret: &[u8]) -> Result<Self, EmptySecret> {
        let mut key = Self::one_shot(alg, secret)?;
        if let Mac::S256(mac) = &key.mac {
            let mut state = mac.start();
            state.take(&[*SHARED_BLOCK]);
            key.shared_block = Some(state);
        }
        Ok(key)
    }

    /// A key for a single token: without the state after [`SHARED_BLOCK`], which would cost
    /// as much to compute as it saves.
    #[inline(always)]
    pub(crate) fn one_shot(alg: Algorithm, secret: &[u8]) -> Result<Self, EmptySecret> {
        if secret.is_empty() {
            return Err(EmptySecret);
        }
        Ok(Key {
            alg,
            mac: Mac::new(alg, secret),
            shared_block: None,
        })
    }

    /// An HS256 key, what Twilio uses.
    pub fn hs256(secret: &[u8]) -> Result<Self, EmptySecret> {
        Self::new(Algorithm::HS256, secret)
    }

    /// The algorithm this key signs with.
    pub const fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The MAC of `input`, in the first `algorithm().mac_len()` bytes. An input that starts
    /// with [`SHARED_BLOCK`] is hashed from the state after it, when the key keeps one.
    pub(crate) fn tag(&self, input: &[u8]) -> ([u8; MAX_MAC_LEN], usize) {
        match (self.shared_block, input.strip_prefix(SHARED_BLOCK)) {
            (Some(state), Some(rest)) => self.mac.tag(Some(state), rest),
            _ => self.mac.tag(None, input),
        }
    }

    /// Whether `tag` is the MAC of `input` (compared in constant time; a tag of another length
    /// never matches).
    pub(crate) fn verifies(&self, input: &[u8], tag: &[u8]) -> bool {
        let (mac, len) = self.tag(input);
        mac.get(..len).is_some_and(|mac| constant_time_eq(mac, tag))
    }

    fn header_json(alg: Algorithm, claims: &dyn Payload, w: &mut JsonWriter<'_>) {
        w.splice(r#"{"alg":""#, alg.name(), r#"""#, true);
        claims.write_header(w);
        w.raw(r#""typ":"JWT"}"#, true);
    }

    fn payload_json(claims: &dyn Payload, w: &mut JsonWriter<'_>) {
        w.begin_object();
        claims.write_claims(w);
        w.end_object();
    }

    /// The exact length of the token [`sign_into`](Self::sign_into) would write, or
    /// [`MintError::TokenTooLong`].
    pub fn encoded_len(&self, claims: &dyn Payload) -> Result<usize, MintError> {
        SigningKey::Borrowed(self).encoded_len(claims)
    }

    /// Write the token into `out` and return it, or [`MintError::BufferTooSmall`] with the
    /// exact length needed (the buffer's content is then unspecified). A token longer than
    /// [`MAX_TOKEN_LEN`] is [`MintError::TokenTooLong`], whatever the buffer.
    pub fn sign_into<'b>(
        &self,
        claims: &dyn Payload,
        out: &'b mut [u8],
    ) -> Result<&'b str, MintError> {
        SigningKey::Borrowed(self).sign_into(claims, out)
    }

    /// Sign into a fixed-capacity stack buffer.
    pub fn sign_to_buf<const N: usize>(
        &self,
        claims: &dyn Payload,
    ) -> Result<StackStr<N>, MintError> {
        SigningKey::Borrowed(self).sign_to_buf(claims)
    }

    /// Sign into a new `String`.
    #[cfg(feature = "alloc")]
    pub fn sign(&self, claims: &dyn Payload) -> Result<alloc::string::String, MintError> {
        SigningKey::Borrowed(self).sign(claims)
    }
}

/// `len`, or [`MintError::TokenTooLong`] past what a verifier accepts.
fn check_len(len: usize) -> Result<usize, MintError> {
    if len > MAX_TOKEN_LEN {
        Err(MintError::TokenTooLong { len })
    } else {
        Ok(len)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Derived state only, but still key material: never printed.
        f.debug_struct("Key")
            .field("algorithm", &self.alg)
            .finish_non_exhaustive()
    }
}

/// What a token builder signs with: a raw secret, for one-shot use, or a [`Key`] made once and
/// reused for many tokens.
///
/// Builders take `impl Into<Secret>`, so both `"secret"` and `&key` can be passed where a secret
/// is expected. `Debug` never shows the secret.
///
/// ```
/// use twilio_jwt::{AccessToken, Key};
///
/// let key = Key::hs256(b"your-api-key-secret")?;
/// let one_shot = AccessToken::new("ACxxxxxxxx", "SKxxxxxxxx", "your-api-key-secret");
/// let reused = AccessToken::new("ACxxxxxxxx", "SKxxxxxxxx", &key);
/// let now = 1_700_000_000;
/// assert_eq!(
///     one_shot.identity("alice").to_jwt(now)?,
///     reused.identity("alice").to_jwt(now)?
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub enum Secret<'a> {
    /// The raw bytes of an API key secret or auth token; the key schedule runs on every mint.
    Raw(&'a [u8]),
    /// A prepared key; its algorithm is the token's.
    Key(&'a Key),
}

impl<'a> From<&'a str> for Secret<'a> {
    fn from(secret: &'a str) -> Self {
        Secret::Raw(secret.as_bytes())
    }
}

impl<'a> From<&'a [u8]> for Secret<'a> {
    fn from(secret: &'a [u8]) -> Self {
        Secret::Raw(secret)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Secret<'a> {
    fn from(secret: &'a [u8; N]) -> Self {
        Secret::Raw(secret)
    }
}

#[cfg(feature = "alloc")]
impl<'a> From<&'a alloc::string::String> for Secret<'a> {
    fn from(secret: &'a alloc::string::String) -> Self {
        Secret::Raw(secret.as_bytes())
    }
}

impl<'a> From<&'a Key> for Secret<'a> {
    fn from(key: &'a Key) -> Self {
        Secret::Key(key)
    }
}

impl fmt::Debug for Secret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Raw(_) => f.write_str("Secret::Raw(..)"),
            Secret::Key(key) => f.debug_tuple("Secret::Key").field(key).finish(),
        }
    }
}

/// What a token is signed with: a raw secret, whose key schedule runs only when the HMAC is
/// computed, or a borrowed [`Key`].
///
/// Small and `Copy`: the keyed HMAC state (a few hundred bytes) is made where it is used, not
/// moved through the token builders' return values.
#[derive(Clone, Copy)]
pub(crate) enum SigningKey<'a> {
    /// A non-empty secret.
    Raw(Algorithm, &'a [u8]),
    Borrowed(&'a Key),
}

impl SigningKey<'_> {
    fn algorithm(self) -> Algorithm {
        match self {
            SigningKey::Raw(alg, _) => alg,
            SigningKey::Borrowed(key) => key.alg,
        }
    }

    /// The MAC of `input`.
    fn mac(self, input: &[u8]) -> ([u8; MAX_MAC_LEN], usize) {
        match self {
            SigningKey::Raw(alg, secret) => Mac::new(alg, secret).tag(None, input),
            SigningKey::Borrowed(key) => key.tag(input),
        }
    }

    /// See [`Key::encoded_len`].
    pub(crate) fn encoded_len(self, claims: &dyn Payload) -> Result<usize, MintError> {
        let alg = self.algorithm();
        let mut header = JsonWriter::new(&mut []);
        Key::header_json(alg, claims, &mut header);
        let mut payload = JsonWriter::new(&mut []);
        Key::payload_json(claims, &mut payload);
        let len = b64_len(header.len()) + 1 + b64_len(payload.len()) + 1 + b64_len(alg.mac_len());
        check_len(len)
    }

    /// See [`Key::sign_into`].
    #[allow(clippy::expect_used)]
    pub(crate) fn sign_into<'b>(
        self,
        claims: &dyn Payload,
        out: &'b mut [u8],
    ) -> Result<&'b str, MintError> {
        // One pass: a buffer that turns out too small still learns the exact size it needed.
        match self.write(claims, out) {
            Ok(len) => {
                check_len(len)?;
                let token = out
                    .get(..len)
                    .ok_or(MintError::BufferTooSmall { needed: len })?;
                // Base64url text and dots only.
                Ok(core::str::from_utf8(token).expect("base64url is ASCII"))
            }
            // Too long wins: no buffer would help.
            Err(needed) => check_len(needed).and(Err(MintError::BufferTooSmall { needed })),
        }
    }

    /// Write the token into `out`; its length, or `Err` with the length needed if `out` is
    /// too small.
    fn write(self, claims: &dyn Payload, out: &mut [u8]) -> Result<usize, usize> {
        let alg = self.algorithm();
        let header_end = header_segment(out, alg, claims);
        let payload_end = segment(out, header_end + 1, |w| Key::payload_json(claims, w));
        let total = payload_end + 1 + b64_len(alg.mac_len());
        if total > out.len() {
            return Err(total);
        }
        let (signing_input, rest) = out.split_at_mut(payload_end);
        let Some(dot) = signing_input.get_mut(header_end) else {
            return Err(total);
        };
        *dot = b'.';
        let (tag, tag_len) = self.mac(signing_input);
        // The second dot is not part of the signing input. The MAC is encoded in constant time.
        let Some([dot, dst @ ..]) = rest.get_mut(..total - payload_end) else {
            return Err(total);
        };
        *dot = b'.';
        let signature = tag
            .get(..tag_len)
            .and_then(|tag| encode_secret(tag, dst))
            .ok_or(total)?;
        Ok(payload_end + 1 + signature.len())
    }

    /// See [`Key::sign_to_buf`].
    pub(crate) fn sign_to_buf<const N: usize>(
        self,
        claims: &dyn Payload,
    ) -> Result<StackStr<N>, MintError> {
        let mut buf = StackStr::<N>::new();
        let len = self.sign_into(claims, &mut buf.bytes)?.len();
        buf.len = len;
        Ok(buf)
    }

    /// See [`Key::sign`].
    #[cfg(feature = "alloc")]
    #[allow(clippy::expect_used)]
    pub(crate) fn sign(self, claims: &dyn Payload) -> Result<alloc::string::String, MintError> {
        // Most tokens fit on the stack: one pass and one copy, instead of sizing first. A
        // larger one learns its exact size from that pass, and takes a second.
        let mut stack = [0u8; 1024];
        let needed = match self.sign_into(claims, &mut stack) {
            Ok(token) => return Ok(token.into()),
            Err(MintError::BufferTooSmall { needed }) => needed,
            Err(e) => return Err(e),
        };
        let mut buf = alloc::vec![0u8; needed];
        let len = self.sign_into(claims, &mut buf)?.len();
        buf.truncate(len);
        Ok(alloc::string::String::from_utf8(buf).expect("base64url is ASCII"))
    }
}

impl<'a> Secret<'a> {
    /// The signing key for `algorithm` (`None`: the key's own, or HS256 for a raw secret).
    pub(crate) fn resolve(self, algorithm: Option<Algorithm>) -> Result<SigningKey<'a>, MintError> {
        match self {
            Secret::Raw([]) => Err(EmptySecret.into()),
            Secret::Raw(secret) => Ok(SigningKey::Raw(algorithm.unwrap_or_default(), secret)),
            Secret::Key(key) if algorithm.is_some_and(|alg| alg != key.alg) => {
                Err(MintError::KeyAlgorithmMismatch)
            }
            Secret::Key(key) => Ok(SigningKey::Borrowed(key)),
        }
    }

    /// Whether a raw secret is empty (a key never is).
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Secret::Raw(secret) if secret.is_empty())
    }
}

/// A header almost every token carries, with its canonical unpadded base64url.
pub(crate) struct KnownHeader {
    pub(crate) json: &'static str,
    pub(crate) encoded: &'static str,
    /// Its `alg`.
    pub(crate) alg: &'static str,
}

/// The headers this crate (and twilio-python) writes for HS256: plain JWTs and capability
/// tokens, then access tokens. Minting copies their `encoded` text instead of encoding it;
/// verifying recognises them by it and neither decodes nor parses them (the tests check that
/// each `encoded` decodes to its `json`, which is strict JSON with no `crit`).
pub(crate) const KNOWN_HEADERS: [KnownHeader; 2] = [
    KnownHeader {
        json: r#"{"alg":"HS256","typ":"JWT"}"#,
        encoded: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        alg: "HS256",
    },
    KnownHeader {
        json: r#"{"alg":"HS256","cty":"twilio-fpa;v=1","typ":"JWT"}"#,
        encoded: "eyJhbGciOiJIUzI1NiIsImN0eSI6InR3aWxpby1mcGE7dj0xIiwidHlwIjoiSldUIn0",
        alg: "HS256",
    },
];

/// The header segment at the start of `out`, as [`segment`] writes it.
///
/// On 64-bit targets a header (short) is written on the stack first: its base64url is then
/// copied from [`KNOWN_HEADERS`] when it is one of them, else encoded from there. Elsewhere,
/// and for a header too long for the stack, it is written as the payload is (the table and
/// the second path would only add code where size matters more).
fn header_segment(out: &mut [u8], alg: Algorithm, claims: &dyn Payload) -> usize {
    let write = |w: &mut JsonWriter<'_>| Key::header_json(alg, claims, w);
    #[cfg(target_pointer_width = "64")]
    {
        let mut stack = [0u8; 128];
        let len = write_json(&mut stack, 0, &write);
        if let Some(json) = stack.get(..len) {
            match KNOWN_HEADERS.iter().find(|h| h.json.as_bytes() == json) {
                Some(known) => {
                    if let Some(dst) = out.get_mut(..known.encoded.len()) {
                        dst.copy_from_slice(known.encoded.as_bytes());
                    }
                }
                // `None` when `out` is too short: nothing is written, and the length is known.
                None => _ = encode(json, out),
            }
            return b64_len(len);
        }
    }
    segment(out, 0, write)
}

/// Write the JSON of one segment and encode it to base64url in place, starting at `at`; the
/// offset just past the segment. When `out` is too small, that offset is still exact (the
/// writer counts what it cannot store) and the content of `out` is unspecified.
fn segment(out: &mut [u8], at: usize, json: impl Fn(&mut JsonWriter<'_>)) -> usize {
    // The JSON is written a quarter of the free space ahead of `at`. Any JSON that fits there
    // is then at least a third of its own length ahead of its base64url, the most that encoding
    // forward in place needs; and JSON that does not fit there has no room for its base64url
    // (a third longer) either.
    let free = out.len().saturating_sub(at);
    let start = at + free / 4;
    let len = write_json(out, start, &json);
    if start + len <= out.len() {
        encode_in_place(out, start, len, at);
    }
    at + b64_len(len)
}

/// Write `json` into `out` from `start` on; its length, whether or not it fit.
fn write_json(out: &mut [u8], start: usize, json: &impl Fn(&mut JsonWriter<'_>)) -> usize {
    // Past the end of `out`, the writer only measures.
    let mut w = JsonWriter::new(out.get_mut(start..).unwrap_or(&mut []));
    json(&mut w);
    w.len()
}

/// A string in a fixed-capacity stack buffer: a token or a scope URI without an allocator.
///
/// ```
/// use twilio_jwt::{AccessToken, StackStr, VideoGrant};
///
/// let video = VideoGrant::new().room("standup");
/// let token: StackStr<512> = AccessToken::new("ACxxxxxxxx", "SKxxxxxxxx", "secret")
///     .identity("alice")
///     .grant(&video)
///     .to_buf(1_700_000_000)
///     .unwrap();
/// assert!(token.as_str().starts_with("eyJ"));
/// ```
#[derive(Clone, Copy)]
pub struct StackStr<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> StackStr<N> {
    /// An empty string.
    pub const fn new() -> Self {
        StackStr {
            bytes: [0; N],
            len: 0,
        }
    }

    /// The text.
    #[allow(clippy::expect_used)]
    pub fn as_str(&self) -> &str {
        // `len` only grows by whole `&str`s (`push_str`) or base64url text (`sign_to_buf`).
        let bytes = self
            .bytes
            .get(..self.len)
            .expect("len never exceeds the capacity");
        core::str::from_utf8(bytes).expect("filled from UTF-8 only")
    }

    /// Append `s`, or [`MintError::BufferTooSmall`] (leaving the content unchanged).
    pub fn push_str(&mut self, s: &str) -> Result<(), MintError> {
        let end = self.len + s.len();
        let dst = self
            .bytes
            .get_mut(self.len..end)
            .ok_or(MintError::BufferTooSmall { needed: end })?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl<const N: usize> Default for StackStr<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> core::ops::Deref for StackStr<N> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> AsRef<str> for StackStr<N> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> fmt::Display for StackStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> fmt::Debug for StackStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> PartialEq for StackStr<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl<const N: usize> Eq for StackStr<N> {}

impl<const N: usize> PartialEq<str> for StackStr<N> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<const N: usize> PartialEq<&str> for StackStr<N> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};

    struct Big(usize);
    impl Payload for Big {
        fn write_claims(&self, w: &mut JsonWriter<'_>) {
            for i in 0..self.0 {
                w.field_u64(if i % 2 == 0 { "a" } else { "bb" }, i as u64);
            }
        }
    }

    /// The MAC of `input` as `key` computes it, shared block or not.
    fn mac_of(key: &Key, input: &[u8]) -> ([u8; MAX_MAC_LEN], usize) {
        SigningKey::Borrowed(key).mac(input)
    }

    #[test]
    fn shared_block_starts_a_known_header_and_changes_no_mac() {
        assert!(
            KNOWN_HEADERS
                .iter()
                .any(|h| h.encoded.as_bytes().starts_with(SHARED_BLOCK))
        );
        let secret = b"k";
        let (reused, one_shot) = (
            Key::hs256(secret).unwrap(),
            Key::one_shot(Algorithm::HS256, secret).unwrap(),
        );
        assert!(reused.shared_block.is_some() && one_shot.shared_block.is_none());
        // Inputs that start with the block (exactly it, and more), and that do not (one byte
        // short of it, one byte changed, empty).
        let mut changed = *SHARED_BLOCK;
        changed[63] ^= 1;
        let mut long = [b'e'; 70];
        long[..64].copy_from_slice(SHARED_BLOCK);
        for input in [&SHARED_BLOCK[..], &long, &SHARED_BLOCK[..63], &changed, b""] {
            let expected = SigningKey::Raw(Algorithm::HS256, secret).mac(input);
            assert_eq!(mac_of(&reused, input), expected);
            assert_eq!(mac_of(&one_shot, input), expected);
        }
        // Other algorithms keep no shared block.
        for alg in [Algorithm::HS384, Algorithm::HS512] {
            assert!(Key::new(alg, secret).unwrap().shared_block.is_none());
        }
    }

    #[test]
    #[cfg(feature = "alloc")]
    fn in_place_encoding_matches_one_shot_encoding() {
        // Payload sizes around the 192-byte chunks of the in-place encoder.
        for n in [0usize, 1, 20, 25, 26, 27, 50, 51, 52, 100, 101, 102, 200] {
            let signer = Key::new(Algorithm::HS384, b"k").unwrap();
            let jwt = signer.sign(&Big(n)).unwrap();
            let mut parts = jwt.split('.');
            let _header = parts.next().unwrap();
            let payload = parts.next().unwrap();
            let mut json = std::vec![0u8; 4096];
            let mut w = JsonWriter::new(&mut json);
            Key::payload_json(&Big(n), &mut w);
            let decoded = Base64UrlUnpadded::decode_vec(payload).unwrap();
            assert_eq!(decoded, w.finish().unwrap().as_bytes());
            let (tag, len) = Mac::new(Algorithm::HS384, b"k")
                .tag(None, jwt.rsplit_once('.').unwrap().0.as_bytes());
            assert_eq!(
                parts.next().unwrap(),
                Base64UrlUnpadded::encode_string(&tag[..len])
            );
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "thousands of 64 KB encodings: hours under Miri")]
    fn tokens_past_max_len_are_refused() {
        let key = Key::new(Algorithm::HS256, b"k").unwrap();
        let mut buf = std::vec![0u8; 2 * MAX_TOKEN_LEN];
        // Each member adds 7 or 8 bytes of JSON; find the first count that crosses the line.
        let mut n = MAX_TOKEN_LEN / 16;
        while key.encoded_len(&Big(n + 1)).is_ok() {
            n += 1;
        }
        assert!(key.encoded_len(&Big(n)).unwrap() <= MAX_TOKEN_LEN);
        assert!(key.sign_into(&Big(n), &mut buf).is_ok());
        let too_long = key.encoded_len(&Big(n + 1));
        assert!(matches!(too_long, Err(MintError::TokenTooLong { len }) if len > MAX_TOKEN_LEN));
        assert_eq!(
            key.sign_into(&Big(n + 1), &mut buf),
            Err(too_long.unwrap_err())
        );
        // Too long wins over too small: no buffer would help.
        assert_eq!(
            key.sign_into(&Big(n + 1), &mut buf[..10]),
            Err(too_long.unwrap_err())
        );
    }

    #[test]
    #[cfg(feature = "alloc")]
    fn any_buffer_that_is_large_enough_gives_the_same_token() {
        // However little room is left around each segment's JSON for encoding it in place.
        let key = Key::new(Algorithm::HS256, b"k").unwrap();
        // Under Miri every HMAC is slow: the edges only.
        let (sizes, spare): (&[usize], std::vec::Vec<usize>) = if cfg!(miri) {
            (&[1, 30], std::vec![0, 1, 2, 3, 50, 99])
        } else {
            (&[0, 1, 7, 30, 100], (0..100).collect())
        };
        for &n in sizes {
            let jwt = key.sign(&Big(n)).unwrap();
            let mut buf = std::vec![0u8; jwt.len() + 100];
            for &extra in &spare {
                let got = key.sign_into(&Big(n), &mut buf[..jwt.len() + extra]);
                assert_eq!(got, Ok(jwt.as_str()), "{n} members, {extra} spare bytes");
            }
        }
    }

    #[test]
    fn too_small_buffer_reports_exact_length() {
        let signer = Key::new(Algorithm::HS256, b"k").unwrap();
        let needed = signer.encoded_len(&Big(3)).unwrap();
        let mut buf = [0u8; 200];
        // Whichever segment the buffer runs out in: header, dot, payload, dot or signature.
        for short in 0..needed {
            assert_eq!(
                signer.sign_into(&Big(3), &mut buf[..short]),
                Err(MintError::BufferTooSmall { needed }),
                "{short}"
            );
        }
        assert_eq!(signer.sign_into(&Big(3), &mut buf).unwrap().len(), needed);
        for alg in [Algorithm::HS384, Algorithm::HS512] {
            let signer = Key::new(alg, b"k").unwrap();
            let needed = signer.encoded_len(&Big(3)).unwrap();
            assert_eq!(
                signer.sign_into(&Big(3), &mut buf[..needed - 1]),
                Err(MintError::BufferTooSmall { needed })
            );
        }
    }
}
