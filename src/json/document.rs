//! [`Document`]: a validated document with a "tape" of where the members of its top-level
//! object, and of one object inside it, are. Crate-internal.
//!
//! The verifier looks up a handful of claims in the payload (`exp`, `nbf`, `iat`, `grants`, …)
//! and then a handful of members of `grants` (`identity`, `video`, …). With plain [`Value`]s
//! every lookup walks the object's text again, skipping each member's value. The tape is filled
//! during the one validating pass (a few stores per member of those two objects, no
//! allocation), and [`Document::get`] / [`Document::nested_get`] then compare names against at
//! most [`TAPE_LEN`] recorded spans and slice the value out directly.
//!
//! Use:
//!
//! ```ignore
//! let doc = parse_document(payload, MAX_DEPTH, "grants")?;
//! let exp = doc.get("exp");                  // the payload's member, from the tape
//! let identity = doc.nested_get("identity"); // grants.identity, from the tape
//! let room = doc.nested_get("video").and_then(|v| v.get("room")); // deeper: lazy, as before
//! ```
//!
//! Results are always exactly those of [`Value::get`] on the same objects: an object with more
//! than [`TAPE_LEN`] members, or beyond offset 65,535, is not recorded and its lookups take
//! the lazy path.

// Not yet used by the verifier, whose `Claims` is being reworked in parallel; see the module
// docs for the intended use.
#![cfg_attr(not(test), allow(dead_code))]

use super::unescape::JsonStr;
use super::value::Value;

/// Members recorded per object.
pub(crate) const TAPE_LEN: usize = 24;

/// Spans into the document's text: the name's raw text (between the quotes) and the value.
#[derive(Clone, Copy, Debug, Default)]
struct Member {
    name: (u16, u16),
    value: (u16, u16),
}

/// Where the members of one object are, if it had at most [`TAPE_LEN`] of them.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tape {
    members: [Member; TAPE_LEN],
    len: u8,
    /// Every member is recorded (and none is waiting for its value's end).
    complete: bool,
    /// The last member's value end is not known yet.
    pending: bool,
}

impl Tape {
    pub(super) const EMPTY: Tape = Tape {
        members: [Member {
            name: (0, 0),
            value: (0, 0),
        }; TAPE_LEN],
        len: 0,
        complete: true,
        pending: false,
    };

    /// A member whose name's raw text is `name` and whose value starts at `value_start`.
    pub(super) fn member(&mut self, name: (usize, usize), value_start: usize) {
        if !self.complete {
            return;
        }
        let span = |a: usize, b: usize| Some((u16::try_from(a).ok()?, u16::try_from(b).ok()?));
        let slot = self.members.get_mut(usize::from(self.len));
        match (slot, span(name.0, name.1), span(value_start, value_start)) {
            (Some(slot), Some(name), Some(value)) => {
                *slot = Member { name, value };
                self.len += 1;
                self.pending = true;
            }
            _ => self.complete = false,
        }
    }

    /// The last member's value ends at `end`.
    pub(super) fn value_end(&mut self, end: usize) {
        if !self.pending {
            return;
        }
        self.pending = false;
        let last = usize::from(self.len).wrapping_sub(1);
        match (self.members.get_mut(last), u16::try_from(end)) {
            (Some(m), Ok(end)) => m.value.1 = end,
            _ => self.complete = false,
        }
    }

    /// `Some(result of Value::get)` if every member is recorded, `None` to take the lazy path.
    fn get<'a>(&self, text: &'a str, name: &str) -> Option<Option<Value<'a>>> {
        if !self.complete || self.pending {
            return None;
        }
        let span = |(a, b): (u16, u16)| text.get(usize::from(a)..usize::from(b));
        let members = self.members.get(..usize::from(self.len))?;
        for m in members {
            let raw = span(m.name)?;
            if (JsonStr { raw }).eq_str(name) {
                return Some(Some(Value::trusted(span(m.value)?)));
            }
        }
        Some(None)
    }
}

/// A validated document with the tape of its top-level object and of the object held by the
/// top-level member named by [`parse_document`](super::grammar::parse_document).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Document<'a> {
    text: &'a str,
    root: Value<'a>,
    top: Tape,
    /// The nested object's tape, if that member exists and holds an object.
    nested: Option<Tape>,
    nested_name: &'a str,
}

impl<'a> Document<'a> {
    pub(super) fn new(
        text: &'a str,
        root: Value<'a>,
        top: Tape,
        nested: Option<Tape>,
        nested_name: &'a str,
    ) -> Self {
        Document {
            text,
            root,
            top,
            nested,
            nested_name,
        }
    }

    /// The whole document.
    pub(crate) fn root(&self) -> Value<'a> {
        self.root
    }

    /// `root().get(name)`, without walking the text when the top-level object was recorded.
    pub(crate) fn get(&self, name: &str) -> Option<Value<'a>> {
        match self.top.get(self.text, name) {
            Some(found) => found,
            None => self.root.get(name),
        }
    }

    /// `root().get(nested)?.get(name)` for the nested name given at parse time, without walking
    /// the text when that object was recorded.
    pub(crate) fn nested_get(&self, name: &str) -> Option<Value<'a>> {
        match self.nested.and_then(|tape| tape.get(self.text, name)) {
            Some(found) => found,
            None => self.get(self.nested_name)?.get(name),
        }
    }
}

#[cfg(test)]
impl Document<'_> {
    pub(super) fn top_is_recorded(&self) -> bool {
        self.top.complete && !self.top.pending
    }

    pub(super) fn nested_is_recorded(&self) -> bool {
        self.nested.is_some_and(|t| t.complete && !t.pending)
    }
}
