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
//! const NAMES: DocumentNames = DocumentNames::new(&["exp", "nbf", "iat", "grants"], "grants");
//! let mut tapes = Tapes::new(&NAMES); // the caller's: the document borrows them
//! let doc = parse_document(payload, MAX_DEPTH, &mut tapes)?;
//! let exp = doc.get("exp");                  // the payload's member, from the tape
//! let identity = doc.nested_get("identity"); // grants.identity, from the tape
//! let room = doc.nested_get("video").and_then(|v| v.get("room")); // deeper: lazy, as before
//! ```
//!
//! Results are always exactly those of [`Value::get`] on the same objects. The top-level names
//! asked for at parse time (up to [`MAX_WANTED`]) are found during the pass, so their lookups
//! cost one comparison per asked-for name whatever the object's size. Other names are answered
//! from the first [`TAPE_LEN`] members; of a larger object they take the lazy path, as does
//! everything in a document longer than 65,535 bytes.

// `nested_get` is what `Claims` does with `nested_index`, kept for the tests that check the
// tape against `Value::get`.
#![cfg_attr(not(test), allow(dead_code))]

use super::grammar::Tapes;
use super::unescape::JsonStr;
use super::value::Value;

/// Members recorded per object.
pub(crate) const TAPE_LEN: usize = 16;
/// Top-level names that can be asked for: their members are found during the pass wherever
/// they are, so looking them up costs nothing.
pub(crate) const MAX_WANTED: usize = 4;

/// A span of the document's text.
type Span = (u16, u16);

/// Spans into the document's text: the name's raw text (between the quotes) and the value.
#[derive(Clone, Copy, Debug)]
struct Member {
    name: Span,
    value: Span,
}

impl Member {
    const EMPTY: Member = Member {
        name: (0, 0),
        value: (0, 0),
    };
}

/// Where the members of one object are: the first [`TAPE_LEN`], and the values of the asked-for
/// names wherever they are.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tape {
    members: [Member; TAPE_LEN],
    len: u8,
    /// `found[i]`: the value of the `i`-th asked-for name, if the object has it.
    found: [Option<Span>; MAX_WANTED],
    /// Some member is not in `members`. (Every field of [`EMPTY`](Self::EMPTY) is zero, so a
    /// fresh tape is written with stores of zero rather than copied from a constant.)
    unrecorded: bool,
    /// Something did not fit (an offset beyond 65,535): the tape cannot answer.
    broken: bool,
    /// The last member's value end is not known yet: it goes in `members` and/or `found`.
    pending_member: bool,
    pending_found: Option<u8>,
}

impl Tape {
    pub(super) const EMPTY: Tape = Tape {
        members: [Member::EMPTY; TAPE_LEN],
        len: 0,
        found: [None; MAX_WANTED],
        unrecorded: false,
        broken: false,
        pending_member: false,
        pending_found: None,
    };

    /// A member whose name's raw text spans `span` and whose value starts at `value_start`;
    /// `wanted`: the index of its name among the asked-for ones.
    #[inline(always)]
    pub(super) fn member(
        &mut self,
        span: (usize, usize),
        value_start: usize,
        wanted: Option<usize>,
    ) {
        if self.broken {
            return;
        }
        let recorded = usize::from(self.len) < TAPE_LEN;
        if !recorded {
            self.unrecorded = true;
            if wanted.is_none() {
                return;
            }
        }
        let fit = |a: usize, b: usize| Some((u16::try_from(a).ok()?, u16::try_from(b).ok()?));
        let (Some(name), Some(value)) = (fit(span.0, span.1), fit(value_start, value_start)) else {
            self.broken = true;
            return;
        };
        if recorded && let Some(slot) = self.members.get_mut(usize::from(self.len)) {
            *slot = Member { name, value };
            self.len += 1;
            self.pending_member = true;
        }
        if let Some(i) = wanted
            && let Some(slot) = self.found.get_mut(i)
        {
            *slot = Some(value);
            self.pending_found = u8::try_from(i).ok();
        }
    }

    /// Make every lookup take the lazy path, as for a tape that broke.
    pub(super) fn answer_nothing(&mut self) {
        self.broken = true;
    }

    /// Whether the tape has no room left, so that members not asked for are only noted by
    /// [`beyond`](Self::beyond).
    #[inline(always)]
    pub(super) fn is_full(&self) -> bool {
        usize::from(self.len) >= TAPE_LEN
    }

    /// What [`member`](Self::member) followed by [`value_end`](Self::value_end) does for a
    /// member not asked for once the tape [`is_full`](Self::is_full), called between members:
    /// the object is no longer all recorded.
    #[inline(always)]
    pub(super) fn beyond(&mut self) {
        // Between members nothing is pending, unless the tape broke (then nothing changes).
        debug_assert!(self.is_full() && (self.broken || !self.pending()));
        if !self.broken {
            self.unrecorded = true;
        }
    }

    #[inline(always)]
    fn pending(&self) -> bool {
        self.pending_member || self.pending_found.is_some()
    }

    /// The last member's value ends at `end`.
    #[inline(always)]
    pub(super) fn value_end(&mut self, end: usize) {
        if !self.pending() {
            return;
        }
        let Ok(end) = u16::try_from(end) else {
            self.broken = true;
            return;
        };
        if self.pending_member {
            self.pending_member = false;
            if let Some(m) = self.members.get_mut(usize::from(self.len).wrapping_sub(1)) {
                m.value.1 = end;
            }
        }
        if let Some(i) = self.pending_found.take()
            && let Some(Some(v)) = self.found.get_mut(usize::from(i))
        {
            v.1 = end;
        }
    }

    /// `Some(result of Value::get)` when the tape knows it, `None` to take the lazy path.
    /// `wanted`: the index of `name` among the asked-for names.
    fn get<'a>(
        &self,
        text: &'a str,
        name: &str,
        wanted: Option<usize>,
    ) -> Option<Option<Value<'a>>> {
        if self.broken || self.pending() {
            return None;
        }
        let span = |(a, b): Span| text.get(usize::from(a)..usize::from(b));
        if let Some(i) = wanted {
            let found = *self.found.get(i)?;
            return Some(match found {
                Some(v) => Some(Value::trusted(span(v)?)),
                None => None,
            });
        }
        if self.unrecorded {
            return None;
        }
        for m in self.members.get(..usize::from(self.len))? {
            // Text shorter than `name` never equals it (an escape is longer than what it
            // stands for): most names are told apart without slicing the text.
            if usize::from(m.name.1.wrapping_sub(m.name.0)) < name.len() {
                continue;
            }
            let raw = span(m.name)?;
            if (JsonStr { raw }).eq_str(name) {
                return Some(Some(Value::trusted(span(m.value)?)));
            }
        }
        Some(None)
    }
}

/// The recorded members of one object of a validated document: lookups without walking its
/// text, for as long as the document's text lives.
#[derive(Clone, Copy)]
pub(crate) struct ObjectIndex<'a> {
    text: &'a str,
    tape: Tape,
}

impl core::fmt::Debug for ObjectIndex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Offsets only: what they point at is in the claims' own `Debug`.
        f.debug_struct("ObjectIndex").finish_non_exhaustive()
    }
}

impl<'a> ObjectIndex<'a> {
    /// An index that answers nothing: every lookup walks the object.
    pub(crate) const UNKNOWN: ObjectIndex<'static> = ObjectIndex {
        text: "",
        tape: Tape {
            broken: true,
            ..Tape::EMPTY
        },
    };

    /// `Some(result of Value::get)` when the tape knows it, `None` to walk the object.
    pub(crate) fn get(&self, name: &str) -> Option<Option<Value<'a>>> {
        self.tape.get(self.text, name, None)
    }
}

/// A validated document with the tape of its top-level object and of the object held by the
/// top-level member named by [`parse_document`](super::grammar::parse_document), whose caller
/// keeps the tapes.
#[derive(Clone, Copy)]
pub(crate) struct Document<'a, 't> {
    text: &'a str,
    root: Value<'a>,
    tapes: &'t Tapes<'a>,
}

impl core::fmt::Debug for Document<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Document")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl<'a, 't> Document<'a, 't> {
    pub(super) fn new(text: &'a str, root: Value<'a>, tapes: &'t Tapes<'a>) -> Self {
        Document { text, root, tapes }
    }

    /// The whole document.
    pub(crate) fn root(&self) -> Value<'a> {
        self.root
    }

    /// `root().get(name)`, without walking the text when the top-level object was recorded.
    pub(crate) fn get(&self, name: &str) -> Option<Value<'a>> {
        let wanted = self.tapes.names.wanted().iter().position(|w| *w == name);
        match self.tapes.top.get(self.text, name, wanted) {
            Some(found) => found,
            None => self.root.get(name),
        }
    }

    /// [`get`](Self::get) of the `i`-th name asked for at parse time.
    pub(crate) fn get_wanted(&self, i: usize) -> Option<Value<'a>> {
        let name = self.tapes.names.wanted().get(i)?;
        match self.tapes.top.get(self.text, name, Some(i)) {
            Some(found) => found,
            None => self.root.get(name),
        }
    }

    /// The tape of the object held by the nested name given at parse time; one that answers
    /// nothing when there is no such object. Not an `Option`: the tape is copied straight into
    /// the caller's value, with no second copy to wrap it.
    #[inline(always)]
    pub(crate) fn nested_index(&self) -> ObjectIndex<'a> {
        ObjectIndex {
            text: self.text,
            tape: self.tapes.nested,
        }
    }

    /// `root().get(nested)?.get(name)` for the nested name given at parse time, without walking
    /// the text when that object was recorded.
    pub(crate) fn nested_get(&self, name: &str) -> Option<Value<'a>> {
        match self.nested_index().get(name) {
            Some(found) => found,
            None => self.get(self.tapes.names.nested())?.get(name),
        }
    }
}

#[cfg(test)]
impl<'a> Document<'a, '_> {
    /// What the top-level tape answers for `name` (`None`: it does not know).
    pub(super) fn tape_answer(&self, name: &str) -> Option<Option<Value<'a>>> {
        let wanted = self.tapes.names.wanted().iter().position(|w| *w == name);
        self.tapes.top.get(self.text, name, wanted)
    }

    pub(super) fn top_is_recorded(&self) -> bool {
        !self.tapes.top.unrecorded && !self.tapes.top.broken
    }

    pub(super) fn nested_is_recorded(&self) -> bool {
        let nested = &self.tapes.nested;
        self.tapes.nested_seen && !nested.unrecorded && !nested.broken
    }
}
