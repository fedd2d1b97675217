//! A tiny JSON writer (Python-compatible escaping) and a strict, allocation-free reader.
//!
//! [`parse`] validates a whole document up front, in one pass (UTF-8, grammar, string escapes,
//! surrogate pairs, raw control characters, duplicate object keys at every level and the
//! nesting depth) and returns a [`Value`]: a cheap, `Copy` view over the validated text.
//! Accessors on that view never allocate; strings are handed out as [`JsonStr`], which keeps
//! the escapes of the document and unescapes lazily. A refused document gives a [`JsonError`]:
//! the [`Rule`] it broke and the byte offset.
//!
//! ```
//! use twilio_jwt::json::parse;
//!
//! let v = parse(br#"{"iss":"SK123","exp":1700003600,"grants":{"identity":"Jos\u00e9"}}"#).unwrap();
//! assert_eq!(v.get("exp").and_then(|e| e.as_time()), Some(1_700_003_600));
//! let identity = v.get("grants").and_then(|g| g.get("identity")).and_then(|i| i.as_str()).unwrap();
//! assert!(identity.eq_str("José"));
//! assert_eq!(identity.raw(), r"Jos\u00e9");
//! ```

// One concern per module: the byte cursor, the grammar (the validating pass), the duplicate-key
// check, the recorded member offsets, errors, the lazy views, strings, word-at-a-time search
// and the writer.
mod document;
mod error;
mod grammar;
mod keys;
mod read;
pub(crate) mod swar;
mod unescape;
mod value;
mod write;

pub(crate) use document::ObjectIndex;
pub use error::{JsonError, Rule};
pub(crate) use grammar::parse_nested;
pub(crate) use grammar::{DocumentNames, Tapes, parse_document};
pub use grammar::{MAX_DEPTH, parse};
pub use unescape::{Chars, JsonStr};
pub use value::{Elements, Kind, Members, Value};
#[cfg(feature = "alloc")]
pub use write::to_string;
pub use write::{JsonWriter, Sink};
