//! The crate's one error type.

use core::fmt;

/// Everything that can go wrong when minting or verifying a token.
///
/// Small and `Copy`, so it costs nothing to return from `no_std` code. [`Error::kind`] gives the
/// snake_case name used by the conformance suite; [`Display`](fmt::Display) gives a sentence for
/// a person.
///
/// ```
/// use twilio_jwt::{AccessToken, Error};
///
/// let token = AccessToken::new("ACxxxxxxxx", "SKxxxxxxxx", "secret");
/// assert_eq!(token.to_jwt(1_700_000_000), Err(Error::MissingIdentity));
/// assert_eq!(Error::MissingIdentity.to_string(), "identity is required for an access token");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    // ---- minting ----
    /// The account SID is empty.
    MissingAccountSid,
    /// The API key SID is empty.
    MissingKeySid,
    /// The signing secret (API key secret or auth token) is empty.
    MissingSecret,
    /// An access token has no identity (or an empty one).
    MissingIdentity,
    /// A client capability token allows outgoing calls without an application SID.
    MissingApplicationSid,
    /// A TaskRouter capability token has no workspace SID.
    MissingWorkspaceSid,
    /// A TaskRouter capability token has no channel id.
    MissingChannelId,
    /// A SID does not start with the prefix its role requires (`AC`, `WS`, `WK`, `WQ`).
    InvalidSid,
    /// The token's lifetime (`exp - now`) is outside 1..=86400 seconds.
    InvalidTtl,
    /// `nbf` is at or after `exp`: the token could never be valid.
    InvalidNbf,
    /// An algorithm name other than `HS256`, `HS384` or `HS512`.
    UnsupportedAlgorithm,
    /// A grant cannot be written: a playback grant that is not a JSON object, or a custom grant
    /// with an empty key or the reserved key `identity`.
    InvalidGrant,
    /// A worker-only TaskRouter policy helper was used on a task queue or workspace token.
    WorkerOnlyPolicy,
    /// More items were added to a fixed-capacity list than it holds.
    CapacityExceeded,
    /// The output buffer is too small; `needed` bytes would fit the whole token.
    BufferTooSmall {
        /// The exact length of the encoded token.
        needed: usize,
    },
    // ---- verification ----
    /// Not a well-formed compact JWS: wrong segment count, not canonical base64url, not UTF-8,
    /// not strict JSON, or too long.
    Malformed,
    /// The signature does not match (or has the wrong length).
    BadSignature,
    /// The header's `alg` is not the algorithm the caller expects.
    AlgorithmMismatch,
    /// `exp` is missing, or `exp` / `nbf` / `iat` is not a non-negative integer below 2^53.
    InvalidClaims,
    /// The token has expired (`exp <= now - leeway`).
    Expired,
    /// The token is not valid yet (`nbf > now + leeway`).
    NotYetValid,
}

impl Error {
    /// The snake_case name of this kind of error, as the conformance suite spells it.
    pub const fn kind(&self) -> &'static str {
        match self {
            Error::MissingAccountSid => "missing_account_sid",
            Error::MissingKeySid => "missing_key_sid",
            Error::MissingSecret => "missing_secret",
            Error::MissingIdentity => "missing_identity",
            Error::MissingApplicationSid => "missing_application_sid",
            Error::MissingWorkspaceSid => "missing_workspace_sid",
            Error::MissingChannelId => "missing_channel_id",
            Error::InvalidSid => "invalid_sid",
            Error::InvalidTtl => "invalid_ttl",
            Error::InvalidNbf => "invalid_nbf",
            Error::UnsupportedAlgorithm => "unsupported_algorithm",
            Error::InvalidGrant => "invalid_grant",
            Error::WorkerOnlyPolicy => "worker_only_policy",
            Error::CapacityExceeded => "capacity_exceeded",
            Error::BufferTooSmall { .. } => "buffer_too_small",
            Error::Malformed => "malformed",
            Error::BadSignature => "bad_signature",
            Error::AlgorithmMismatch => "algorithm_mismatch",
            Error::InvalidClaims => "invalid_claims",
            Error::Expired => "expired",
            Error::NotYetValid => "not_yet_valid",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = match self {
            Error::MissingAccountSid => "the account SID is required",
            Error::MissingKeySid => "the API key SID is required for an access token",
            Error::MissingSecret => "the signing secret (API key secret or auth token) is required",
            Error::MissingIdentity => "identity is required for an access token",
            Error::MissingApplicationSid => {
                "allowing outgoing calls requires a TwiML application SID"
            }
            Error::MissingWorkspaceSid => "a TaskRouter token requires a workspace SID",
            Error::MissingChannelId => "a TaskRouter token requires a channel id",
            Error::InvalidSid => {
                "a SID has the wrong prefix (account AC…, workspace WS…, worker WK…, task queue WQ…)"
            }
            Error::InvalidTtl => "the token lifetime must be between 1 second and 24 hours",
            Error::InvalidNbf => "nbf must be before the expiry time",
            Error::UnsupportedAlgorithm => "unsupported algorithm: use HS256, HS384 or HS512",
            Error::InvalidGrant => {
                "invalid grant: a playback grant must be a JSON object, a grant key must be non-empty and not \"identity\""
            }
            Error::WorkerOnlyPolicy => {
                "this TaskRouter policy helper applies only to worker tokens"
            }
            Error::CapacityExceeded => "too many items for this fixed-capacity list",
            Error::BufferTooSmall { needed } => {
                return write!(f, "output buffer too small: the token needs {needed} bytes");
            }
            Error::Malformed => "the token is malformed",
            Error::BadSignature => "the token's signature does not match",
            Error::AlgorithmMismatch => "the token's algorithm is not the one expected",
            Error::InvalidClaims => {
                "the token's exp, nbf or iat claim is missing or not a non-negative integer"
            }
            Error::Expired => "the token has expired",
            Error::NotYetValid => "the token is not valid yet (nbf is in the future)",
        };
        f.write_str(msg)
    }
}

impl core::error::Error for Error {}
