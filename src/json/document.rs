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
//! let doc = parse_document(payload, MAX_DEPTH, &["exp", "nbf", "iat", "grants"], "grants")?;
//! let exp = doc.get("exp");                  // the payload's member, from the tape
//! let identity = doc.nested_get("identity"); // grants.identity, from the tape
//! let room = doc.nested_get("video").and_then(|v| v.get("room")); // deeper: lazy, as before
//! ```
//!
//! Results are always exactly those of [`Value::get`] on the same objects. Of an object with
//! more than [`TAPE_LEN`] members only the first ones and the top-level members whose names
//! were asked for (up to [`MAX_WANTED`]) are recorded, so any other name takes the lazy path,
//! as does everything in a document longer than 65,535 bytes.

// Not yet used by the verifier, whose `Claims` is being reworked in parallel; see the module
// docs for the intended use.
#![cfg_attr(not(test), allow(dead_code))]

use super::unescape::JsonStr;
use super::value::Value;

/// Members recorded per object.
pub(crate) const TAPE_LEN: usize = 24;
/// Wanted names recorded beyond the first [`TAPE_LEN`] members.
pub(crate) const MAX_WANTED: usize = 8;

/// Spans into the document's text: the name's raw text (between the quotes) and the value.
#[derive(Clone, Copy, Debug, Default)]
struct Member {
    name: (u16, u16),
    value: (u16, u16),
}

impl Member {
    const EMPTY: Member = Member {
        name: (0, 0),
        value: (0, 0),
    };
}

/// Where the members of one object are: the first [`TAPE_LEN`], and after those the ones
/// whose names were asked for.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tape {
    members: [Member; TAPE_LEN],
    len: u8,
    extra: [Member; MAX_WANTED],
    extra_len: u8,
    /// Every member is in `members`.
    all_recorded: bool,
    /// Something did not fit (an offset beyond 65,535): the tape cannot answer.
    broken: bool,
    /// The last member's value end is not known yet (in `extra` if `pending_extra`).
    pending: bool,
    pending_extra: bool,
}

impl Tape {
    pub(super) const EMPTY: Tape = Tape {
        members: [Member::EMPTY; TAPE_LEN],
        len: 0,
        extra: [Member::EMPTY; MAX_WANTED],
        extra_len: 0,
        all_recorded: true,
        broken: false,
        pending: false,
        pending_extra: false,
    };

    /// A member whose name's raw text spans `span` and whose value starts at `value_start`;
    /// beyond the first [`TAPE_LEN`] members it is only kept if `wanted()`.
    #[inline(always)]
    pub(super) fn member(
        &mut self,
        span: (usize, usize),
        value_start: usize,
        wanted: impl FnOnce() -> bool,
    ) {
        if self.broken {
            return;
        }
        let full = usize::from(self.len) >= TAPE_LEN;
        if full {
            self.all_recorded = false;
            if !wanted() {
                return;
            }
        }
        let fit = |a: usize, b: usize| Some((u16::try_from(a).ok()?, u16::try_from(b).ok()?));
        let (Some(name), Some(value)) = (fit(span.0, span.1), fit(value_start, value_start)) else {
            self.broken = true;
            return;
        };
        let member = Member { name, value };
        if !full {
            if let Some(slot) = self.members.get_mut(usize::from(self.len)) {
                *slot = member;
                self.len += 1;
                self.pending = true;
                self.pending_extra = false;
            }
            return;
        }
        match self.extra.get_mut(usize::from(self.extra_len)) {
            Some(slot) => {
                *slot = member;
                self.extra_len += 1;
                self.pending = true;
                self.pending_extra = true;
            }
            None => self.broken = true,
        }
    }

    /// The last member's value ends at `end`.
    #[inline(always)]
    pub(super) fn value_end(&mut self, end: usize) {
        if !self.pending {
            return;
        }
        self.pending = false;
        let last = if self.pending_extra {
            self.extra
                .get_mut(usize::from(self.extra_len).wrapping_sub(1))
        } else {
            self.members.get_mut(usize::from(self.len).wrapping_sub(1))
        };
        match (last, u16::try_from(end)) {
            (Some(m), Ok(end)) => m.value.1 = end,
            _ => self.broken = true,
        }
    }

    /// `Some(result of Value::get)` when the tape knows it, `None` to take the lazy path.
    fn get<'a>(&self, text: &'a str, name: &str, wanted: &[&str]) -> Option<Option<Value<'a>>> {
        if self.broken || self.pending {
            return None;
        }
        if !self.all_recorded && !wanted.contains(&name) {
            return None;
        }
        let span = |(a, b): (u16, u16)| text.get(usize::from(a)..usize::from(b));
        let members = self.members.get(..usize::from(self.len))?;
        let extra = self.extra.get(..usize::from(self.extra_len))?;
        for m in members.iter().chain(extra) {
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
    wanted: &'a [&'a str],
}

impl<'a> Document<'a> {
    pub(super) fn new(
        text: &'a str,
        root: Value<'a>,
        top: Tape,
        nested: Option<Tape>,
        nested_name: &'a str,
        wanted: &'a [&'a str],
    ) -> Self {
        Document {
            text,
            root,
            top,
            nested,
            nested_name,
            wanted,
        }
    }

    /// The whole document.
    pub(crate) fn root(&self) -> Value<'a> {
        self.root
    }

    /// `root().get(name)`, without walking the text when the top-level object was recorded.
    pub(crate) fn get(&self, name: &str) -> Option<Value<'a>> {
        match self.top.get(self.text, name, self.wanted) {
            Some(found) => found,
            None => self.root.get(name),
        }
    }

    /// `root().get(nested)?.get(name)` for the nested name given at parse time, without walking
    /// the text when that object was recorded.
    pub(crate) fn nested_get(&self, name: &str) -> Option<Value<'a>> {
        match self.nested.and_then(|tape| tape.get(self.text, name, &[])) {
            Some(found) => found,
            None => self.get(self.nested_name)?.get(name),
        }
    }
}

#[cfg(test)]
impl<'a> Document<'a> {
    /// What the top-level tape answers for `name` (`None`: it does not know).
    pub(super) fn tape_answer(&self, name: &str) -> Option<Option<Value<'a>>> {
        self.top.get(self.text, name, self.wanted)
    }

    pub(super) fn top_is_recorded(&self) -> bool {
        self.top.all_recorded && !self.top.broken && !self.top.pending
    }

    pub(super) fn nested_is_recorded(&self) -> bool {
        self.nested
            .is_some_and(|t| t.all_recorded && !t.broken && !t.pending)
    }
}
