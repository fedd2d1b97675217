//! THE ONE PLACE where the command line names the library's error variants and grant keys.
//!
//! Everything else uses only `Display` / `kind()` of an error, so a change to the library's
//! error types or grant constants is adapted here and nowhere else.

use twilio_jwt::{
    AccessToken, Algorithm, ChatGrant, Claims, ConversationsGrant, IpMessagingGrant, MintError,
    PlaybackGrant, SidRole, SyncGrant, TaskRouterGrant, VerifyError, VideoGrant, VoiceGrant,
};

use crate::Fail;
use crate::inspect::{date, relative, time};

/// The grant keys the library knows (and `identity`): any other is warned about by `decode`.
pub const KNOWN_GRANTS: &[&str] = &[
    "identity",
    VideoGrant::KEY,
    ChatGrant::KEY,
    IpMessagingGrant::KEY,
    SyncGrant::KEY,
    TaskRouterGrant::KEY,
    ConversationsGrant::KEY,
    VoiceGrant::KEY,
    PlaybackGrant::KEY,
];

/// The header `cty` of every access token.
pub const ACCESS_TOKEN_CONTENT_TYPE: &str = AccessToken::CONTENT_TYPE;

/// A minting error as a one-line message naming the flag at fault (`secret_flag` is the one
/// that gives this command's secret).
pub fn mint_failure(e: MintError, secret_flag: &str) -> Fail {
    let flag = match e {
        MintError::MissingAccountSid | MintError::InvalidSid(SidRole::Account) => "--account-sid",
        MintError::MissingKeySid => "--api-key",
        MintError::MissingSecret => secret_flag,
        MintError::MissingIdentity => "--identity",
        MintError::MissingApplicationSid => "--outgoing",
        MintError::MissingWorkspaceSid | MintError::InvalidSid(SidRole::Workspace) => "--workspace",
        MintError::MissingChannelId | MintError::InvalidSid(SidRole::Channel) => "--channel",
        MintError::LifetimeTooShort | MintError::LifetimeTooLong => "--ttl/--valid-until",
        MintError::NbfNotBeforeExp => "--nbf",
        MintError::InvalidGrant { .. } => "--playback",
        MintError::CapacityExceeded {
            list: "voice params",
        } => "--voice-param",
        MintError::CapacityExceeded {
            list: "client params",
        } => "--param",
        MintError::CapacityExceeded {
            list: "event filters",
        } => "--filter",
        MintError::TokenTooLong { .. } => "token",
        _ => "error",
    };
    Fail::usage(format!("{flag}: {e}"))
}

/// A token `decode` cannot read.
pub fn decode_failure(e: VerifyError) -> Fail {
    Fail::usage(format!("TOKEN: {e}"))
}

/// What `verify` knows when a token is refused, to say why in the token's own terms.
pub struct VerifyContext<'c> {
    /// The token decoded without checks, if it decodes at all.
    pub claims: Option<&'c Claims<'c>>,
    pub expected: Algorithm,
    /// Where the secret came from (`--secret-file`, `TWILIO_API_SECRET`, ...).
    pub secret_source: &'c str,
    pub now: u64,
}

/// Why a token was refused: the error's kind (for `--json`) and a sentence.
pub struct Rejection {
    pub kind: &'static str,
    pub message: String,
}

/// A verification error, with a hint from the token's unverified claims.
pub fn verify_failure(e: VerifyError, cx: &VerifyContext<'_>) -> Rejection {
    let claims = cx.claims;
    let hint = match e {
        VerifyError::BadSignature | VerifyError::AlgorithmMismatch => {
            let alg = claims.and_then(|c| c.header().get("alg")?.as_str());
            match alg {
                Some(alg) if alg != cx.expected.name() => format!(
                    " (the token says {}; pass --algorithm to expect it)",
                    alg.to_string().escape_debug()
                ),
                _ if e == VerifyError::BadSignature => {
                    format!(" (checked with {})", cx.secret_source)
                }
                _ => String::new(),
            }
        }
        VerifyError::Expired | VerifyError::NotYetValid => {
            let name = if e == VerifyError::Expired {
                "exp"
            } else {
                "nbf"
            };
            let at = claims.and_then(|c| time(c, name).ok().flatten());
            at.map(|t| format!(" ({}, {})", date(t), relative(t, cx.now)))
                .unwrap_or_default()
        }
        VerifyError::MissingExp | VerifyError::InvalidClaim(_) => {
            let Some(claims) = claims else {
                return plain(e);
            };
            let bad = ["exp", "nbf", "iat"]
                .into_iter()
                .find_map(|name| time(claims, name).err());
            let message = match (claims.claim("exp"), bad) {
                (None, _) => "invalid token: the token has no exp claim; verify needs one \
                    (a token without exp never expires, and Twilio rejects it)"
                    .to_string(),
                (_, Some(bad)) => format!("invalid token: the {bad}"),
                _ => return plain(e),
            };
            return Rejection {
                kind: e.kind(),
                message,
            };
        }
        _ => String::new(),
    };
    Rejection {
        kind: e.kind(),
        message: format!("invalid token: {e}{hint}"),
    }
}

fn plain(e: VerifyError) -> Rejection {
    Rejection {
        kind: e.kind(),
        message: format!("invalid token: {e}"),
    }
}
