//! The crate's error types: one for minting, one for verifying, one for making a key.
//!
//! All are small and `Copy`, so they cost nothing to return from `no_std` code. `kind()` gives
//! the snake_case name used by the conformance suite; [`Display`](fmt::Display) gives one
//! sentence for a person.

use core::fmt;

use crate::json::JsonError;

/// A [`Key`](crate::Key) was made from an empty secret: an empty HMAC key is no secret.
///
/// Converts into [`MintError::MissingSecret`] and [`VerifyError::MissingSecret`], so `?` works
/// wherever a key is made.
///
/// ```
/// use twilio_jwt::{Algorithm, EmptySecret, Key};
///
/// assert_eq!(Key::new(Algorithm::HS256, b"").err(), Some(EmptySecret));
/// assert_eq!(EmptySecret.kind(), "missing_secret");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EmptySecret;

impl EmptySecret {
    /// `"missing_secret"`, as the conformance suite spells it.
    pub const fn kind(&self) -> &'static str {
        "missing_secret"
    }
}

impl fmt::Display for EmptySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the secret (API key secret or auth token) is empty")
    }
}

impl core::error::Error for EmptySecret {}

/// Which SID had the wrong prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SidRole {
    /// The account SID (`AC…`).
    Account,
    /// The TaskRouter workspace SID (`WS…`).
    Workspace,
    /// The TaskRouter channel id: `WK…` (worker), `WQ…` (task queue) or `WS…` (workspace),
    /// matching the channel kind when one is given.
    Channel,
}

/// Everything that can go wrong when minting a token; each variant names the input at fault.
///
/// ```
/// use twilio_jwt::{AccessToken, MintError};
///
/// let token = AccessToken::new("ACxxxxxxxx", "SKxxxxxxxx", "secret");
/// assert_eq!(token.to_jwt(1_700_000_000), Err(MintError::MissingIdentity));
/// assert_eq!(MintError::MissingIdentity.to_string(), "identity is required for an access token");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MintError {
    /// The account SID is empty.
    MissingAccountSid,
    /// The API key SID of an access token is empty.
    MissingKeySid,
    /// The signing secret (API key secret or auth token) is empty.
    MissingSecret,
    /// An access token has no identity (or an empty one).
    MissingIdentity,
    /// A client capability token allows outgoing calls with an empty application SID.
    MissingApplicationSid,
    /// A TaskRouter capability token has no workspace SID.
    MissingWorkspaceSid,
    /// A TaskRouter capability token has no channel id.
    MissingChannelId,
    /// A SID does not start with the prefix its role requires.
    InvalidSid(SidRole),
    /// The lifetime rule "expiry after `now`" is broken: `exp - now` is below one second.
    LifetimeTooShort,
    /// The lifetime rule "at most [`MAX_TTL`](crate::MAX_TTL)" is broken: `exp - now` is above
    /// 24 hours.
    LifetimeTooLong,
    /// The rule "`nbf` before `exp`" is broken: the token could never be valid.
    NbfNotBeforeExp,
    /// An algorithm name other than `HS256`, `HS384` or `HS512`.
    UnsupportedAlgorithm,
    /// A token signed with a [`Key`](crate::Key) asked for another algorithm than the key's.
    KeyAlgorithmMismatch,
    /// The grant under this key cannot be written (for `"player"`: not a JSON object, or nested
    /// too deeply).
    InvalidGrant {
        /// The grant's key under `grants`.
        key: &'static str,
    },
    /// A custom grant has an empty key.
    EmptyGrantKey,
    /// A custom grant uses the key `identity`, which holds the access token's identity.
    ReservedGrantKey,
    /// A worker-only TaskRouter policy helper was used on a task queue or workspace token.
    WorkerOnlyPolicy,
    /// More items were added to a fixed-capacity list than it holds (raise its const generic
    /// capacity).
    CapacityExceeded {
        /// Which list: `"grants"`, `"voice params"`, `"client params"`, `"event filters"` or
        /// `"policies"`.
        list: &'static str,
    },
    /// The token would be longer than [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN), which no verifier
    /// of this crate accepts.
    TokenTooLong {
        /// The length the token would have.
        len: usize,
    },
    /// The output buffer is too small; `needed` bytes would fit the whole token.
    BufferTooSmall {
        /// The exact length of the encoded token (or scope).
        needed: usize,
    },
}

impl MintError {
    /// The snake_case name of this kind of error, as the conformance suite spells it.
    pub const fn kind(&self) -> &'static str {
        match self {
            MintError::MissingAccountSid => "missing_account_sid",
            MintError::MissingKeySid => "missing_key_sid",
            MintError::MissingSecret => "missing_secret",
            MintError::MissingIdentity => "missing_identity",
            MintError::MissingApplicationSid => "missing_application_sid",
            MintError::MissingWorkspaceSid => "missing_workspace_sid",
            MintError::MissingChannelId => "missing_channel_id",
            MintError::InvalidSid(_) => "invalid_sid",
            MintError::LifetimeTooShort | MintError::LifetimeTooLong => "invalid_ttl",
            MintError::NbfNotBeforeExp => "invalid_nbf",
            MintError::UnsupportedAlgorithm => "unsupported_algorithm",
            MintError::KeyAlgorithmMismatch => "key_algorithm_mismatch",
            MintError::InvalidGrant { .. }
            | MintError::EmptyGrantKey
            | MintError::ReservedGrantKey => "invalid_grant",
            MintError::WorkerOnlyPolicy => "worker_only_policy",
            MintError::CapacityExceeded { .. } => "capacity_exceeded",
            MintError::TokenTooLong { .. } => "token_too_long",
            MintError::BufferTooSmall { .. } => "buffer_too_small",
        }
    }
}

impl fmt::Display for MintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = match self {
            MintError::MissingAccountSid => "the account SID is required",
            MintError::MissingKeySid => "the API key SID is required for an access token",
            MintError::MissingSecret => {
                "the signing secret (API key secret or auth token) is required"
            }
            MintError::MissingIdentity => "identity is required for an access token",
            MintError::MissingApplicationSid => {
                "allowing outgoing calls requires a TwiML application SID"
            }
            MintError::MissingWorkspaceSid => "a TaskRouter token requires a workspace SID",
            MintError::MissingChannelId => "a TaskRouter token requires a channel id",
            MintError::InvalidSid(SidRole::Account) => "the account SID must start with AC",
            MintError::InvalidSid(SidRole::Workspace) => "the workspace SID must start with WS",
            MintError::InvalidSid(SidRole::Channel) => {
                "the channel id must start with WK (worker), WQ (task queue) or WS (workspace), \
                 matching the channel kind"
            }
            MintError::LifetimeTooShort => "the token must expire at least 1 second after now",
            MintError::LifetimeTooLong => "the token lifetime must be at most 24 hours",
            MintError::NbfNotBeforeExp => "nbf must be before the expiry time",
            MintError::UnsupportedAlgorithm => "unsupported algorithm: use HS256, HS384 or HS512",
            MintError::KeyAlgorithmMismatch => {
                "the token asks for another algorithm than its signing key's"
            }
            MintError::InvalidGrant { key } => {
                return write!(f, "the \"{key}\" grant is invalid");
            }
            MintError::EmptyGrantKey => "a grant key must not be empty",
            MintError::ReservedGrantKey => "a grant key must not be \"identity\"",
            MintError::WorkerOnlyPolicy => {
                "this TaskRouter policy helper applies only to worker tokens"
            }
            MintError::CapacityExceeded { list } => {
                return write!(f, "too many {list} for the builder's fixed capacity");
            }
            MintError::TokenTooLong { len } => {
                return write!(
                    f,
                    "the token would be {len} bytes, longer than the {} bytes a verifier accepts",
                    crate::MAX_TOKEN_LEN
                );
            }
            MintError::BufferTooSmall { needed } => {
                return write!(f, "output buffer too small: the token needs {needed} bytes");
            }
        };
        f.write_str(msg)
    }
}

impl core::error::Error for MintError {}

impl From<EmptySecret> for MintError {
    fn from(_: EmptySecret) -> Self {
        MintError::MissingSecret
    }
}

/// One of the three segments of a compact JWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// The first: the JOSE header.
    Header,
    /// The second: the claims.
    Payload,
    /// The third: the MAC.
    Signature,
}

impl Segment {
    const fn name(self) -> &'static str {
        match self {
            Segment::Header => "header",
            Segment::Payload => "payload",
            Segment::Signature => "signature",
        }
    }
}

/// A time claim of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeClaim {
    /// `exp`, the expiry.
    Exp,
    /// `nbf`, not before.
    Nbf,
    /// `iat`, issued at.
    Iat,
}

impl TimeClaim {
    const fn name(self) -> &'static str {
        match self {
            TimeClaim::Exp => "exp",
            TimeClaim::Nbf => "nbf",
            TimeClaim::Iat => "iat",
        }
    }
}

/// Everything that can go wrong when verifying a token; each variant names the part at fault.
///
/// [`VerifyError::kind`] maps the structural variants to the conformance suite's coarser kinds
/// (`malformed` for every part that is not a well-formed JWS, `invalid_claims` for any bad time
/// claim).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VerifyError {
    /// The verifier's secret is empty (SPEC 3, step 0).
    MissingSecret,
    /// The token is longer than [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN).
    TooLong {
        /// The token's length in bytes.
        len: usize,
    },
    /// The token is not three dot-separated segments.
    SegmentCount,
    /// A segment is empty.
    EmptySegment(Segment),
    /// A segment is not canonical unpadded base64url.
    Base64(Segment),
    /// The signature does not match under any of the verifier's keys, whatever its length.
    BadSignature,
    /// The decoded header is not strict JSON (duplicate keys and nesting depth included).
    HeaderJson(JsonError),
    /// The decoded payload is not strict JSON (duplicate keys and nesting depth included).
    PayloadJson(JsonError),
    /// The header or payload is JSON but not an object.
    NotAnObject(Segment),
    /// The header has a `crit` member: it asks for extensions, and the crate understands none.
    Crit,
    /// The header's `alg` is not the algorithm of the key that matched.
    AlgorithmMismatch,
    /// The token has no `exp` claim.
    MissingExp,
    /// A time claim is not a non-negative integer below 2^53.
    InvalidClaim(TimeClaim),
    /// The token has expired (`exp <= now - leeway`).
    Expired,
    /// The token is not valid yet (`nbf > now + leeway`).
    NotYetValid,
    /// `sub` is not the expected account SID.
    WrongAccount,
    /// `iss` is not one of the expected issuers (API key SIDs).
    WrongIssuer,
    /// The header's `cty` is not the expected content type.
    WrongContentType,
    /// The scratch buffer is too small; `needed` bytes always suffice.
    BufferTooSmall {
        /// A length that fits the decoded header and payload.
        needed: usize,
    },
}

impl VerifyError {
    /// The snake_case name of this kind of error, as the conformance suite spells it.
    pub const fn kind(&self) -> &'static str {
        match self {
            VerifyError::MissingSecret => "missing_secret",
            VerifyError::TooLong { .. }
            | VerifyError::SegmentCount
            | VerifyError::EmptySegment(_)
            | VerifyError::Base64(_)
            | VerifyError::HeaderJson(_)
            | VerifyError::PayloadJson(_)
            | VerifyError::NotAnObject(_)
            | VerifyError::Crit => "malformed",
            VerifyError::BadSignature => "bad_signature",
            VerifyError::AlgorithmMismatch => "algorithm_mismatch",
            VerifyError::MissingExp | VerifyError::InvalidClaim(_) => "invalid_claims",
            VerifyError::Expired => "expired",
            VerifyError::NotYetValid => "not_yet_valid",
            VerifyError::WrongAccount => "wrong_account",
            VerifyError::WrongIssuer => "wrong_issuer",
            VerifyError::WrongContentType => "wrong_content_type",
            VerifyError::BufferTooSmall { .. } => "buffer_too_small",
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = match self {
            VerifyError::MissingSecret => "the verifier's secret is empty",
            VerifyError::TooLong { len } => {
                return write!(
                    f,
                    "the token is {len} bytes, longer than the {} accepted",
                    crate::MAX_TOKEN_LEN
                );
            }
            VerifyError::SegmentCount => "the token is not three dot-separated segments",
            VerifyError::EmptySegment(s) => {
                return write!(f, "the token's {} segment is empty", s.name());
            }
            VerifyError::Base64(s) => {
                return write!(
                    f,
                    "the token's {} segment is not canonical unpadded base64url",
                    s.name()
                );
            }
            VerifyError::BadSignature => "the token's signature does not match",
            VerifyError::HeaderJson(e) => {
                return write!(f, "the token's header is not strict JSON: {e}");
            }
            VerifyError::PayloadJson(e) => {
                return write!(f, "the token's payload is not strict JSON: {e}");
            }
            VerifyError::NotAnObject(s) => {
                return write!(f, "the token's {} is not a JSON object", s.name());
            }
            VerifyError::Crit => {
                "the token's header lists critical extensions (crit), which are not supported"
            }
            VerifyError::AlgorithmMismatch => "the token's algorithm is not the one expected",
            VerifyError::MissingExp => "the token has no exp claim",
            VerifyError::InvalidClaim(c) => {
                return write!(
                    f,
                    "the token's {} claim is not a non-negative integer below 2^53",
                    c.name()
                );
            }
            VerifyError::Expired => "the token has expired",
            VerifyError::NotYetValid => "the token is not valid yet (nbf is in the future)",
            VerifyError::WrongAccount => "the token's sub is not the expected account SID",
            VerifyError::WrongIssuer => "the token's iss is not an expected API key SID",
            VerifyError::WrongContentType => "the token's cty is not the expected content type",
            VerifyError::BufferTooSmall { needed } => {
                return write!(
                    f,
                    "scratch buffer too small: the token needs {needed} bytes"
                );
            }
        };
        f.write_str(msg)
    }
}

// No `source()`: the JSON reader's error is part of the message already ("… not strict JSON:
// trailing comma at byte 3"), and an error reporter that prints the chain would say it twice.
// The `JsonError` itself is the variant's field.
impl core::error::Error for VerifyError {}

impl From<EmptySecret> for VerifyError {
    fn from(_: EmptySecret) -> Self {
        VerifyError::MissingSecret
    }
}
