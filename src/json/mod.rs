//! JSON for tokens: [`JsonWriter`] for [`Grant`](crate::Grant) and [`Payload`](crate::Payload)
//! implementors, and the strict reader's read-only views ([`Value`], [`JsonStr`], …) that
//! [`Claims`](crate::Claims) hands out. [`parse`] is the strict reader itself (the command line
//! uses it to check `--playback` JSON); [`Sink`] is what [`JsonWriter::string_with`] writes to.

mod read;
pub(crate) use read::parse_nested;
pub use read::{Chars, Elements, JsonError, JsonStr, Kind, MAX_DEPTH, Members, Value, parse};
mod write;
pub(crate) use write::{Counter, format_u64};
pub use write::{JsonWriter, Sink};
