#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod access_token;
mod base64url;
mod client;
mod error;
mod grants;
mod hs256;
pub mod json;
mod jws;
mod lifetime;
mod list;
mod taskrouter;
mod verify;

pub use access_token::AccessToken;
pub use client::{ClientCapability, FormEncoded, FormPairs, ScopeUri, form_pairs};
pub use error::{EmptySecret, MintError, Segment, SidRole, TimeClaim, VerifyError};
pub use grants::{
    ChatGrant, ConversationsGrant, Grant, IpMessagingGrant, PlaybackGrant, SyncGrant,
    TaskRouterGrant, VideoGrant, VoiceGrant,
};
pub use grants::{
    ChatGrantView, ConversationsGrantView, IpMessagingGrantView, SyncGrantView,
    TaskRouterGrantView, VideoGrantView, VoiceGrantView,
};
pub use jws::{Algorithm, Key, Payload, Secret, StackStr};
#[cfg(all(
    feature = "std",
    not(all(target_arch = "wasm32", target_os = "unknown"))
))]
pub use lifetime::unix_now;
pub use lifetime::{DEFAULT_TTL, MAX_TTL};
pub use taskrouter::{
    ChannelKind, FilterRequirement, Policy, PolicyView, TaskRouterCapability, TaskRouterOptions,
};
pub use verify::{Claims, MAX_TOKEN_LEN, Verifier, decode_unverified};
#[cfg(feature = "alloc")]
pub use verify::{OwnedClaims, verify};
