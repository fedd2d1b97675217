#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod access_token;
mod client;
mod error;
mod grants;
pub mod json;
pub mod jws;
mod lifetime;
mod list;
mod taskrouter;

pub use access_token::AccessToken;
pub use client::ClientCapability;
pub use error::Error;
pub use grants::{
    ChatGrant, ConversationsGrant, Grant, IpMessagingGrant, PlaybackGrant, SyncGrant,
    TaskRouterGrant, VideoGrant, VoiceGrant,
};
pub use jws::{Algorithm, StackStr};
#[cfg(feature = "std")]
pub use lifetime::unix_now;
pub use lifetime::{DEFAULT_TTL, MAX_TTL};
pub use taskrouter::{
    ChannelKind, FilterRequirement, Policy, TaskRouterCapability, TaskRouterOptions,
};
