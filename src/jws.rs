//! Compact JWS: `base64url(header) "." base64url(payload) "." base64url(HMAC)`.
//!
//! The JSON is streamed straight through the base64url encoder into the output buffer and the
//! HMAC, so a token is written in one pass with no copy of the payload. A first pass over the
//! same JSON with a byte counter gives the exact length, so the caller's buffer is checked before
//! anything is written.
//!
//! [`Signer`] and [`Payload`] are public so that tokens the crate does not model can be signed
//! with the same machinery.

use core::fmt;
use core::str::FromStr;

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac as _};
use sha2::{Sha256, Sha384, Sha512};

use crate::Error;
use crate::base64url::{encode as encode_b64url, encoded_len as b64_len};
use crate::json::{Counter, JsonWriter, Sink};

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
    type Err = Error;

    /// Parses `HS256`, `HS384` or `HS512` exactly; anything else is
    /// [`Error::UnsupportedAlgorithm`].
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "HS256" => Ok(Algorithm::HS256),
            "HS384" => Ok(Algorithm::HS384),
            "HS512" => Ok(Algorithm::HS512),
            _ => Err(Error::UnsupportedAlgorithm),
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
    S256(Hmac<Sha256>),
    S384(Hmac<Sha384>),
    S512(Hmac<Sha512>),
}

/// The largest MAC (HS512).
pub(crate) const MAX_MAC_LEN: usize = 64;

impl Mac {
    pub(crate) fn new(alg: Algorithm, key: &[u8]) -> Self {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail; the fallback only
        // keeps the code free of panics.
        match alg {
            Algorithm::HS256 => Mac::S256(
                Hmac::new_from_slice(key).unwrap_or_else(|_| Hmac::new(&Default::default())),
            ),
            Algorithm::HS384 => Mac::S384(
                Hmac::new_from_slice(key).unwrap_or_else(|_| Hmac::new(&Default::default())),
            ),
            Algorithm::HS512 => Mac::S512(
                Hmac::new_from_slice(key).unwrap_or_else(|_| Hmac::new(&Default::default())),
            ),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Mac::S256(m) => m.update(data),
            Mac::S384(m) => m.update(data),
            Mac::S512(m) => m.update(data),
        }
    }

    /// Compare with `tag` in constant time (a tag of the wrong length never matches).
    pub(crate) fn verify(self, tag: &[u8]) -> bool {
        match self {
            Mac::S256(m) => m.verify_slice(tag).is_ok(),
            Mac::S384(m) => m.verify_slice(tag).is_ok(),
            Mac::S512(m) => m.verify_slice(tag).is_ok(),
        }
    }

    /// The MAC, in the first `alg.mac_len()` bytes of the result.
    pub(crate) fn finish(self) -> ([u8; MAX_MAC_LEN], usize) {
        let mut out = [0u8; MAX_MAC_LEN];
        let len = match self {
            Mac::S256(m) => copy_prefix(&mut out, &m.finalize().into_bytes()),
            Mac::S384(m) => copy_prefix(&mut out, &m.finalize().into_bytes()),
            Mac::S512(m) => copy_prefix(&mut out, &m.finalize().into_bytes()),
        };
        (out, len)
    }
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
/// implements it the same way. Both methods may be called twice (once to size the token, once to
/// write it) and must write the same thing each time.
///
/// The JSON is yours: a key written twice (or an `alg` / `typ` header field) or nesting deeper
/// than [`MAX_DEPTH`](crate::json::MAX_DEPTH) gives a token that [`verify`](crate::verify)
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

/// Signs a [`Payload`] with one algorithm and key.
///
/// ```
/// use twilio_jwt::jws::{Algorithm, Payload, Signer};
/// use twilio_jwt::json::JsonWriter;
///
/// struct Hello;
/// impl Payload for Hello {
///     fn write_claims(&self, w: &mut JsonWriter<'_>) {
///         w.field_str("hello", "world");
///     }
/// }
/// let signer = Signer::new(Algorithm::HS256, b"secret");
/// let mut buf = [0u8; 128];
/// let jwt = signer.sign_into(&Hello, &mut buf).unwrap();
/// assert_eq!(jwt.len(), signer.encoded_len(&Hello));
/// assert_eq!(jwt.split('.').count(), 3);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Signer<'k> {
    alg: Algorithm,
    key: &'k [u8],
}

impl<'k> Signer<'k> {
    /// A signer for `alg` with the raw bytes of `key`.
    pub const fn new(alg: Algorithm, key: &'k [u8]) -> Self {
        Signer { alg, key }
    }

    /// The algorithm this signer uses.
    pub const fn algorithm(&self) -> Algorithm {
        self.alg
    }

    fn header_json(&self, claims: &dyn Payload, sink: &mut dyn Sink) {
        let mut w = JsonWriter::new(sink);
        w.begin_object();
        w.field_str("alg", self.alg.name());
        claims.write_header(&mut w);
        w.field_str("typ", "JWT");
        w.end_object();
    }

    fn payload_json(claims: &dyn Payload, sink: &mut dyn Sink) {
        let mut w = JsonWriter::new(sink);
        w.begin_object();
        claims.write_claims(&mut w);
        w.end_object();
    }

    /// The exact length of the token [`sign_into`](Self::sign_into) would write.
    pub fn encoded_len(&self, claims: &dyn Payload) -> usize {
        let mut header = Counter::default();
        self.header_json(claims, &mut header);
        let mut payload = Counter::default();
        Self::payload_json(claims, &mut payload);
        b64_len(header.0) + 1 + b64_len(payload.0) + 1 + b64_len(self.alg.mac_len())
    }

    /// Write the token into `out` and return it, or [`Error::BufferTooSmall`] with the exact
    /// length needed (the buffer's content is then unspecified).
    pub fn sign_into<'b>(&self, claims: &dyn Payload, out: &'b mut [u8]) -> Result<&'b str, Error> {
        // One pass: a buffer that turns out too small still learns the exact size it needed.
        match self.write(claims, out) {
            Ok(len) => out
                .get(..len)
                .and_then(|token| core::str::from_utf8(token).ok())
                .ok_or(Error::BufferTooSmall { needed: len }),
            Err(needed) => Err(Error::BufferTooSmall { needed }),
        }
    }

    /// Stream the token into `out`; its length, or `Err` with the length needed if `out` is
    /// too small.
    fn write(&self, claims: &dyn Payload, out: &mut [u8]) -> Result<usize, usize> {
        let mut enc = Base64Mac::new(out, Mac::new(self.alg, self.key));
        self.header_json(claims, &mut enc);
        enc.finish_segment();
        enc.put_raw(b".");
        Self::payload_json(claims, &mut enc);
        enc.finish_segment();
        let (pos, mac, failed) = enc.into_parts();
        let total = pos + 1 + b64_len(self.alg.mac_len());
        if failed {
            return Err(total);
        }
        let (tag, tag_len) = mac.finish();
        // The second dot is not part of the signing input. The MAC is encoded by base64ct,
        // in constant time.
        let Some([dot, dst @ ..]) = out.get_mut(pos..) else {
            return Err(total);
        };
        *dot = b'.';
        let signature = tag
            .get(..tag_len)
            .and_then(|tag| Base64UrlUnpadded::encode(tag, dst).ok())
            .ok_or(total)?;
        Ok(pos + 1 + signature.len())
    }

    /// Sign into a fixed-capacity stack buffer.
    pub fn sign_to_buf<const N: usize>(&self, claims: &dyn Payload) -> Result<StackStr<N>, Error> {
        let mut buf = StackStr::<N>::new();
        let len = self.sign_into(claims, &mut buf.bytes)?.len();
        buf.len = len;
        Ok(buf)
    }

    /// Sign into a new `String`.
    #[cfg(feature = "alloc")]
    pub fn sign(&self, claims: &dyn Payload) -> Result<alloc::string::String, Error> {
        // Most tokens fit on the stack: one pass and one copy, instead of sizing first. A
        // larger one learns its exact size from that pass, and takes a second.
        let mut stack = [0u8; 1024];
        let needed = match self.sign_into(claims, &mut stack) {
            Ok(token) => return Ok(token.into()),
            Err(Error::BufferTooSmall { needed }) => needed,
            Err(e) => return Err(e),
        };
        let mut buf = alloc::vec![0u8; needed];
        let len = self.sign_into(claims, &mut buf)?.len();
        buf.truncate(len);
        alloc::string::String::from_utf8(buf).map_err(|_| Error::BufferTooSmall { needed: len })
    }
}

/// Streams bytes through base64url into `out`, feeding the encoded text to the MAC.
///
/// Whole 3-byte groups are encoded straight from the caller's slice; only the one or two bytes
/// of an unfinished group wait for the next call.
struct Base64Mac<'b> {
    out: &'b mut [u8],
    /// Bytes written, or that would have been written had `out` been large enough.
    pos: usize,
    carry: [u8; 3],
    carried: usize,
    mac: Mac,
    failed: bool,
}

impl<'b> Base64Mac<'b> {
    fn new(out: &'b mut [u8], mac: Mac) -> Self {
        Base64Mac {
            out,
            pos: 0,
            carry: [0; 3],
            carried: 0,
            mac,
            failed: false,
        }
    }

    /// Encode `bytes` (a whole number of groups, or the segment's end) into `out`. Once `out`
    /// is full, only the length is counted, so that the caller learns the size it needed.
    fn encode(&mut self, bytes: &[u8]) {
        if !self.failed {
            match self
                .out
                .get_mut(self.pos..)
                .and_then(|dst| encode_b64url(bytes, dst))
            {
                Some(text) => self.mac.update(text),
                None => self.failed = true,
            }
        }
        self.pos += b64_len(bytes.len());
    }

    /// End a segment: encode the unfinished group, if any.
    fn finish_segment(&mut self) {
        let carry = self.carry;
        self.encode(carry.get(..self.carried).unwrap_or_default());
        self.carried = 0;
    }

    fn put_raw(&mut self, bytes: &[u8]) {
        match self.out.get_mut(self.pos..self.pos + bytes.len()) {
            Some(dst) if !self.failed => {
                dst.copy_from_slice(bytes);
                self.mac.update(bytes);
            }
            _ => self.failed = true,
        }
        self.pos += bytes.len();
    }

    fn into_parts(self) -> (usize, Mac, bool) {
        (self.pos, self.mac, self.failed)
    }
}

impl Sink for Base64Mac<'_> {
    fn put(&mut self, mut bytes: &[u8]) {
        if self.carried > 0 {
            let take = (3 - self.carried).min(bytes.len());
            let (head, rest) = bytes.split_at(take);
            if let Some(dst) = self.carry.get_mut(self.carried..self.carried + take) {
                dst.copy_from_slice(head);
            }
            self.carried += take;
            bytes = rest;
            if self.carried < 3 {
                return;
            }
            let group = self.carry;
            self.encode(&group);
            self.carried = 0;
        }
        let (groups, rest) = bytes.split_at(bytes.len() - bytes.len() % 3);
        if !groups.is_empty() {
            self.encode(groups);
        }
        if let Some(dst) = self.carry.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        self.carried = rest.len();
    }
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
    pub fn as_str(&self) -> &str {
        // Only ever filled from `&str` or base64 text; the fallback is unreachable.
        core::str::from_utf8(self.bytes.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }

    /// Append `s`, or [`Error::BufferTooSmall`] (leaving the content unchanged).
    pub fn push_str(&mut self, s: &str) -> Result<(), Error> {
        let end = self.len + s.len();
        let dst = self
            .bytes
            .get_mut(self.len..end)
            .ok_or(Error::BufferTooSmall { needed: end })?;
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

    struct Big(usize);
    impl Payload for Big {
        fn write_claims(&self, w: &mut JsonWriter<'_>) {
            for i in 0..self.0 {
                w.field_u64(if i % 2 == 0 { "a" } else { "bb" }, i as u64);
            }
        }
    }

    #[test]
    #[cfg(feature = "alloc")]
    fn streaming_matches_one_shot_encoding() {
        // Payload sizes around the staging boundary.
        for n in [0usize, 1, 20, 25, 26, 27, 50, 200] {
            let signer = Signer::new(Algorithm::HS384, b"k");
            let jwt = signer.sign(&Big(n)).unwrap();
            let mut parts = jwt.split('.');
            let _header = parts.next().unwrap();
            let payload = parts.next().unwrap();
            let mut counter = Counter::default();
            Signer::payload_json(&Big(n), &mut counter);
            let decoded = Base64UrlUnpadded::decode_vec(payload).unwrap();
            assert_eq!(decoded.len(), counter.0);
            let mut mac = Mac::new(Algorithm::HS384, b"k");
            mac.update(jwt.rsplit_once('.').unwrap().0.as_bytes());
            let (tag, len) = mac.finish();
            assert_eq!(
                parts.next().unwrap(),
                Base64UrlUnpadded::encode_string(&tag[..len])
            );
        }
    }

    #[test]
    fn too_small_buffer_reports_exact_length() {
        let signer = Signer::new(Algorithm::HS256, b"k");
        let needed = signer.encoded_len(&Big(3));
        let mut buf = [0u8; 200];
        // Whichever segment the buffer runs out in: header, dot, payload, dot or signature.
        for short in 0..needed {
            assert_eq!(
                signer.sign_into(&Big(3), &mut buf[..short]),
                Err(Error::BufferTooSmall { needed }),
                "{short}"
            );
        }
        assert_eq!(signer.sign_into(&Big(3), &mut buf).unwrap().len(), needed);
        for alg in [Algorithm::HS384, Algorithm::HS512] {
            let signer = Signer::new(alg, b"k");
            let needed = signer.encoded_len(&Big(3));
            assert_eq!(
                signer.sign_into(&Big(3), &mut buf[..needed - 1]),
                Err(Error::BufferTooSmall { needed })
            );
        }
    }
}
