//! A tiny JSON writer (Python-compatible escaping) and a strict, allocation-free reader.

#[path = "read_stub.rs"]
pub mod read;
pub use read::{JsonStr, Kind, Value, parse};
mod write;
pub(crate) use write::{Counter, format_u64};
pub use write::{JsonWriter, Sink};
