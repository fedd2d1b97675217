//! A tiny JSON writer (Python-compatible escaping) and a strict, allocation-free reader.

pub mod read;
pub use read::{Chars, Elements, JsonError, JsonStr, Kind, MAX_DEPTH, Members, Value, parse};
mod write;
pub(crate) use write::{Counter, format_u64};
pub use write::{JsonWriter, Sink};
