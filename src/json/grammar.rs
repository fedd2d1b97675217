//! Validation: the one pass over the input that checks everything [`parse`] promises.

use super::document::{Document, MAX_WANTED, Tape};
use super::error::{JsonError, Rule};
use super::keys::{Keys, LargeKeys, ObjectKeys};
#[cfg(target_pointer_width = "64")]
use super::keys::{NEEDS_ROOM, SmallKeys};
use super::read::{skip_digits, skip_ws};
use super::swar::{ONES, below, find, first_flagged, has_byte};
use super::unescape::{JsonStr, hex4, plain_key_hash, short_key_hash, text_hash};
use super::value::Value;

/// Maximum nesting depth: the top-level value counts as depth 1 (an object containing an object
/// is depth 2). Only arrays and objects add depth; a document nested deeper is rejected with
/// [`Rule::TooDeep`].
pub const MAX_DEPTH: usize = 16;

/// Parse `input` as exactly one strict JSON value.
///
/// Any kind of value is accepted at the top level. Insignificant whitespace (space, `\t`, `\n`,
/// `\r` only) is allowed around tokens; nothing else may follow the value. Everything is
/// validated up front, in one pass and in time linear in the input: UTF-8, grammar, escapes,
/// surrogate pairs, raw control characters, duplicate keys at every level (compared after
/// unescaping) and a nesting depth of at most [`MAX_DEPTH`]. The returned [`Value`] is a view
/// over the validated text, without the surrounding whitespace.
///
/// ```
/// use twilio_jwt::json::{Kind, Rule, parse};
///
/// let v = parse(b" [1, true, \"x\"] ").unwrap();
/// assert_eq!(v.kind(), Kind::Array);
/// assert_eq!(v.raw(), "[1, true, \"x\"]");
///
/// assert_eq!(parse(b"[1,]").unwrap_err().rule(), Rule::TrailingComma);
/// assert_eq!(parse(br#"{"exp":1,"\u0065xp":2}"#).unwrap_err().rule(), Rule::DuplicateKey);
/// let e = parse(b"{} {}").unwrap_err();
/// assert_eq!((e.rule(), e.offset()), (Rule::TrailingData, 3));
/// ```
pub fn parse(input: &[u8]) -> Result<Value<'_>, JsonError> {
    parse_nested(input, MAX_DEPTH)
}

/// [`parse`] with a lower depth limit, for a value that will sit `MAX_DEPTH - max_depth` levels
/// down inside a token and must still be readable there.
pub(crate) fn parse_nested(input: &[u8], max_depth: usize) -> Result<Value<'_>, JsonError> {
    let (_, root) = run(input, max_depth, None)?;
    Ok(root)
}

/// [`parse_nested`] that also records where the members of the top-level object (all of them
/// if it has few, else the first ones and those named in `names`) and of its member named
/// by `names` as nested (when that holds an object) are: see [`Document`].
pub(crate) fn parse_document<'a, 't>(
    input: &'a [u8],
    max_depth: usize,
    tapes: &'t mut Tapes<'a>,
) -> Result<Document<'a, 't>, JsonError> {
    *tapes = Tapes::new_like(tapes);
    let text = core::str::from_utf8(input)
        .map_err(|e| JsonError::new(Rule::InvalidUtf8, e.valid_up_to()))?;
    let (text, root) = match validate_compact(text, max_depth, tapes) {
        // The lean pass only takes a document that is one compact object, all of the text.
        Some(()) => (text, Value::trusted(text)),
        None => {
            // Not the common shape (or not valid): the complete validator decides, from clean
            // tapes.
            *tapes = Tapes::new_like(tapes);
            run_text(text, max_depth, Some(&mut *tapes))?
        }
    };
    // No nested object: its tape answers nothing (it recorded nothing, not an empty object).
    if !tapes.nested_seen {
        tapes.nested.answer_nothing();
    }
    Ok(Document::new(text, root, tapes))
}

fn run<'a>(
    input: &'a [u8],
    max_depth: usize,
    tapes: Option<&mut Tapes<'_>>,
) -> Result<(&'a str, Value<'a>), JsonError> {
    let text = core::str::from_utf8(input)
        .map_err(|e| JsonError::new(Rule::InvalidUtf8, e.valid_up_to()))?;
    run_text(text, max_depth, tapes)
}

/// [`run`] on text already known to be UTF-8.
#[allow(clippy::expect_used)]
fn run_text<'a>(
    text: &'a str,
    max_depth: usize,
    tapes: Option<&mut Tapes<'_>>,
) -> Result<(&'a str, Value<'a>), JsonError> {
    let b = text.as_bytes();
    let start = skip_ws(b, 0);
    let end = validate_any(text, start, max_depth, tapes)?;
    let after = skip_ws(b, end);
    if after != b.len() {
        return Err(JsonError::new(Rule::TrailingData, after));
    }
    let raw = text
        .get(start..end)
        .expect("a value is validated from `start` to its end, within the text");
    Ok((text, Value::trusted(raw)))
}

/// The names [`parse_document`] looks for: up to [`MAX_WANTED`] top-level ones, whose members
/// are recorded wherever they are, and the one whose object gets a tape of its own; hashed
/// once (a `const` for a caller whose names are fixed).
#[derive(Clone, Copy, Debug)]
pub(crate) struct DocumentNames<'n> {
    wanted: Wanted<'n>,
    nested_name: &'n str,
    /// `text_hash(nested_name)`, compared before the name itself.
    nested_hash: u32,
    /// `short_word(nested_name)`.
    nested_word: u64,
}

impl<'n> DocumentNames<'n> {
    /// The first [`MAX_WANTED`] of `wanted` (more are ignored) and `nested`.
    pub(crate) const fn new(wanted: &[&'n str], nested: &'n str) -> Self {
        DocumentNames {
            wanted: Wanted::new(wanted),
            nested_name: nested,
            nested_hash: text_hash(nested),
            nested_word: short_word(nested),
        }
    }

    /// The hashes of all the names looked for.
    fn hashes(&self) -> NameHashes {
        NameHashes {
            nested: self.nested_hash,
            wanted: self.wanted.hashes,
        }
    }

    /// The top-level names looked for.
    #[allow(clippy::expect_used)]
    pub(super) fn wanted(&self) -> &[&'n str] {
        self.wanted
            .names
            .get(..self.wanted.len)
            .expect("`Wanted::new` keeps at most `MAX_WANTED` names")
    }

    /// The name of the object that gets a tape of its own.
    pub(super) fn nested(&self) -> &'n str {
        self.nested_name
    }
}

/// The hashes of the names a document looks for.
#[derive(Clone, Copy)]
struct NameHashes {
    nested: u32,
    wanted: [u32; MAX_WANTED],
}

impl NameHashes {
    /// Whether a name hashed to `hash` may be one of them.
    #[inline(always)]
    fn contains(&self, hash: u32) -> bool {
        hash == self.nested || self.wanted.contains(&hash)
    }
}

/// The two tapes being recorded: the caller of [`parse_document`] provides them, and the
/// [`Document`] borrows them, so that no tape (156 bytes) is copied on the way.
pub(crate) struct Tapes<'n> {
    pub(super) names: &'n DocumentNames<'n>,
    pub(super) top: Tape,
    pub(super) nested: Tape,
    /// The top-level member being read is the one named `names.nested_name`.
    in_nested_member: bool,
    /// The nested member exists and holds an object: `nested` is its tape.
    pub(super) nested_seen: bool,
}

impl<'n> Tapes<'n> {
    /// Tapes looking for `names`, with nothing recorded.
    pub(crate) fn new(names: &'n DocumentNames<'n>) -> Self {
        Tapes {
            names,
            top: Tape::EMPTY,
            nested: Tape::EMPTY,
            in_nested_member: false,
            nested_seen: false,
        }
    }

    /// Tapes for the same names, with nothing recorded.
    fn new_like(other: &Self) -> Self {
        Tapes::new(other.names)
    }

    fn get(&mut self, which: Taped) -> Option<&mut Tape> {
        match which {
            Taped::No => None,
            Taped::Top => Some(&mut self.top),
            Taped::Nested => Some(&mut self.nested),
        }
    }

    /// Whether the top-level member named (and hashed to) `name` is the nested one.
    #[inline(always)]
    fn is_nested(&self, hash: u32, name: NameRead<'_>) -> bool {
        let names = self.names;
        hash == names.nested_hash
            && !names.nested_name.is_empty()
            && name.is(names.nested_name, names.nested_word)
    }
}

/// The first eight bytes of `name` as a little-endian word, zeros above: a name of up to eight
/// bytes is compared with the text in one load (see [`NameRead::is`]).
const fn short_word(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut word = 0u64;
    let mut i = 0;
    while i < bytes.len() && i < 8 {
        word |= (bytes[i] as u64) << (8 * i);
        i += 1;
    }
    word
}

/// A member's name as a pass has read it, to compare with a name looked for.
#[derive(Clone, Copy)]
enum NameRead<'t> {
    /// From the complete path: it may hold escapes.
    Json(JsonStr<'t>),
    /// From [`validate_compact`], which takes no escape: the bytes `text[start..end]` are the
    /// name itself.
    Plain {
        text: &'t [u8],
        start: usize,
        end: usize,
    },
}

impl NameRead<'_> {
    /// Whether the name is `wanted`, whose [`short_word`] is `word`.
    #[inline(always)]
    fn is(self, wanted: &str, word: u64) -> bool {
        match self {
            NameRead::Json(name) => name.eq_str(wanted),
            NameRead::Plain { text, start, end } => {
                let len = end - start;
                if len != wanted.len() {
                    return false;
                }
                // Up to eight bytes, in one load when the text has eight from `start` (it
                // does but at its very end): the bytes past the name are masked off.
                match text.get(start..start + 8).map(<[u8; 8]>::try_from) {
                    Some(Ok(bytes)) if len <= 8 => {
                        // `len` bytes of ones (none for an empty name).
                        let mask = u64::MAX.checked_shr(8 * (8 - len) as u32).unwrap_or(0);
                        u64::from_le_bytes(bytes) & mask == word
                    }
                    _ => text.get(start..end) == Some(wanted.as_bytes()),
                }
            }
        }
    }
}

/// The top-level names whose members are recorded even beyond the tape's length.
#[derive(Clone, Copy, Debug)]
struct Wanted<'n> {
    hashes: [u32; MAX_WANTED],
    names: [&'n str; MAX_WANTED],
    /// `short_word` of each name.
    words: [u64; MAX_WANTED],
    len: usize,
}

impl<'n> Wanted<'n> {
    const fn new(names: &[&'n str]) -> Self {
        let len = if names.len() < MAX_WANTED {
            names.len()
        } else {
            MAX_WANTED
        };
        // Unused slots hold the hash of "" and the name "", so all slots can be compared.
        let mut wanted = Wanted {
            hashes: [text_hash(""); MAX_WANTED],
            names: [""; MAX_WANTED],
            words: [0; MAX_WANTED],
            len,
        };
        let mut i = 0;
        while i < len {
            wanted.hashes[i] = text_hash(names[i]);
            wanted.names[i] = names[i];
            wanted.words[i] = short_word(names[i]);
            i += 1;
        }
        wanted
    }

    /// The index of `name`, whose hash is `hash`, among them (hashes compared first).
    #[inline(always)]
    fn index_of(&self, hash: u32, name: NameRead<'_>) -> Option<usize> {
        let is = |i: usize| {
            let (Some(wanted), Some(&word)) = (self.names.get(i), self.words.get(i)) else {
                return false;
            };
            name.is(wanted, word)
        };
        // Unused slots hold the hash of "" and the name "", so all slots can be compared.
        let i = self.hashes.iter().position(|&h| h == hash)?;
        if i < self.len && is(i) {
            return Some(i);
        }
        // A hash shared with an earlier slot (a collision, or a name asked for twice).
        (i + 1..self.len).find(|&j| self.hashes.get(j) == Some(&hash) && is(j))
    }
}

/// Which tape an open object writes to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Taped {
    No,
    Top,
    Nested,
}

#[inline]
fn fail<T>(rule: Rule, at: usize) -> Result<T, JsonError> {
    Err(JsonError::new(rule, at))
}

/// What is wrong at `at`: the input ended, or the byte there does not fit.
#[inline]
fn unexpected<T>(b: &[u8], at: usize) -> Result<T, JsonError> {
    fail(
        if at >= b.len() {
            Rule::UnexpectedEnd
        } else {
            Rule::UnexpectedByte
        },
        at,
    )
}

/// A number or literal must not run straight into something that looks like more of a token
/// (`01`, `1.2.3`, `truex`).
#[inline]
fn glued(b: &[u8], i: usize) -> bool {
    matches!(b.get(i), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-' | b'_'))
}

/// An open container.
#[derive(Clone, Copy)]
struct Open {
    /// Offset of the opening bracket.
    at: usize,
    is_object: bool,
    keys: ObjectKeys,
    tape: Taped,
}

impl Open {
    const EMPTY: Open = Open {
        at: 0,
        is_object: false,
        keys: ObjectKeys::EMPTY,
        tape: Taped::No,
    };
}

/// [`validate`] with a small pool of names first, then (for the rare document that has more
/// open names than that) again with the large one, whose stack only such a document touches.
#[cfg(target_pointer_width = "64")]
fn validate_any(
    text: &str,
    pos: usize,
    max_depth: usize,
    tapes: Option<&mut Tapes<'_>>,
) -> Result<usize, JsonError> {
    let mut tapes = tapes;
    match validate(
        text,
        pos,
        max_depth,
        tapes.as_deref_mut(),
        &mut SmallKeys::new(),
    ) {
        Err(e) if e == NEEDS_ROOM => {
            if let Some(t) = tapes.as_deref_mut() {
                *t = Tapes::new_like(t);
            }
            validate_large(text, pos, max_depth, tapes)
        }
        done => done,
    }
}

#[cfg(target_pointer_width = "64")]
#[inline(never)]
fn validate_large(
    text: &str,
    pos: usize,
    max_depth: usize,
    tapes: Option<&mut Tapes<'_>>,
) -> Result<usize, JsonError> {
    validate(text, pos, max_depth, tapes, &mut LargeKeys::new())
}

/// [`validate`] with the target's one pool of names.
#[cfg(not(target_pointer_width = "64"))]
fn validate_any(
    text: &str,
    pos: usize,
    max_depth: usize,
    tapes: Option<&mut Tapes<'_>>,
) -> Result<usize, JsonError> {
    validate(text, pos, max_depth, tapes, &mut LargeKeys::new())
}

/// Validate the whole value starting at `pos` (the first non-whitespace byte); return the index
/// just past it.
#[allow(clippy::expect_used)]
fn validate<const P: usize, const I: usize>(
    text: &str,
    mut pos: usize,
    max_depth: usize,
    mut tapes: Option<&mut Tapes<'_>>,
    keys: &mut Keys<P, I>,
) -> Result<usize, JsonError> {
    let b = text.as_bytes();
    let mut stack = [Open::EMPTY; MAX_DEPTH];
    let mut depth = 0usize;
    'value: loop {
        // Expecting a value.
        pos = skip_ws(b, pos);
        match b.get(pos) {
            Some(&open @ (b'{' | b'[')) => {
                let is_object = open == b'{';
                if depth >= max_depth {
                    return fail(Rule::TooDeep, pos);
                }
                let tape = match (depth, tapes.as_deref_mut()) {
                    (0, Some(_)) if is_object => Taped::Top,
                    (1, Some(t)) if is_object && t.in_nested_member => {
                        t.nested_seen = true;
                        Taped::Nested
                    }
                    _ => Taped::No,
                };
                let Some(slot) = stack.get_mut(depth) else {
                    return fail(Rule::TooDeep, pos);
                };
                *slot = Open {
                    at: pos,
                    is_object,
                    keys: keys.open(),
                    tape,
                };
                depth += 1;
                pos = skip_ws(b, pos + 1);
                match b.get(pos) {
                    Some(b'}') if is_object => {
                        pos += 1;
                        depth -= 1;
                    }
                    Some(b']') if !is_object => {
                        pos += 1;
                        depth -= 1;
                    }
                    _ => {
                        if is_object {
                            pos = member(text, pos, slot, keys, tapes.as_deref_mut(), depth)?;
                        }
                        continue 'value;
                    }
                }
            }
            Some(b'"') => pos = scan_string(b, pos)?.0,
            Some(b't') => pos = scan_literal(b, pos, b"true")?,
            Some(b'f') => pos = scan_literal(b, pos, b"false")?,
            Some(b'n') => pos = scan_literal(b, pos, b"null")?,
            Some(b'-' | b'0'..=b'9') => pos = scan_number(b, pos)?,
            _ => return unexpected(b, pos),
        }
        // A value is complete: close containers or move on to the next element/member.
        loop {
            let Some(top) = depth.checked_sub(1) else {
                return Ok(pos);
            };
            let Some(open) = stack.get_mut(top) else {
                return unexpected(b, pos);
            };
            if let Some(tape) = tapes.as_deref_mut().and_then(|t| t.get(open.tape)) {
                tape.value_end(pos);
            }
            pos = skip_ws(b, pos);
            match b.get(pos) {
                Some(b',') => {
                    if matches!(b.get(skip_ws(b, pos + 1)), Some(b']' | b'}')) {
                        return fail(Rule::TrailingComma, pos);
                    }
                    pos += 1;
                    if open.is_object {
                        pos = member(text, pos, open, keys, tapes.as_deref_mut(), depth)?;
                    }
                    continue 'value;
                }
                Some(b'}') if open.is_object => {
                    pos += 1;
                    let object = text
                        .get(open.at..pos)
                        .expect("an object is validated from its `{` to its `}`");
                    keys.close(text, &open.keys, open.at, object)?;
                    depth = top;
                }
                Some(b']') if !open.is_object => {
                    pos += 1;
                    depth = top;
                }
                _ => return unexpected(b, pos),
            }
        }
    }
}

/// Names the compact path remembers for all open objects together.
const COMPACT_NAMES: usize = 32;

/// The common case of a token's payload, checked with less generality: compact JSON (no
/// whitespace at all) whose root is an object, whose strings have no escapes, at most
/// [`COMPACT_NAMES`] names open at once, and no two names of an object with the same hash.
/// `text` is already known to be UTF-8.
///
/// Returns `Some` when all of `text` is such an object, with the tapes recorded exactly as
/// [`validate`] records them, or `None` for anything else, valid or not: the caller then runs
/// [`validate`], which gives every error with its rule and offset. So this path only has to be
/// right about what it accepts: every byte it accepts is accepted by [`validate`] too, with
/// the same meaning.
///
/// A root object with more names than the pool holds (the many-members token) is checked a
/// second time with [`compact_large`], which keeps the root's names in a hash table.
fn validate_compact(text: &str, max_depth: usize, tapes: &mut Tapes<'_>) -> Option<()> {
    let mut names = CompactNames::new();
    match compact_pass(text, max_depth, tapes, &mut names, &mut ()) {
        None if names.full => {
            *tapes = Tapes::new_like(tapes);
            compact_large(text, max_depth, tapes)
        }
        done => done,
    }
}

/// Most slots of the root's table in [`compact_large`] (64 KB): twice the names a
/// [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN) token's payload holds when they take six bytes or
/// more each, as all but the few hundred shortest names do (`"ab":0,`). A payload with more
/// names fills the table to half and hands over to the complete path.
#[cfg(target_pointer_width = "64")]
const ROOT_SLOTS: usize = 16_384;

/// [`validate_compact`] again, the root's names in a table sized for the text: each name is
/// one probe of a table at most half full (linear time), where the pool would compare it with
/// every earlier one. Its 64 KB of stack live in this frame, which only a document with more
/// open names than the pool holds reaches; other targets, where stack is scarce, hand over to
/// the complete path instead.
#[cfg(target_pointer_width = "64")]
#[inline(never)]
fn compact_large(text: &str, max_depth: usize, tapes: &mut Tapes<'_>) -> Option<()> {
    let mut slots = [0u32; ROOT_SLOTS];
    let len = (text.len() / 3).next_power_of_two().clamp(64, ROOT_SLOTS);
    let mut root = RootTable {
        slots: slots.get_mut(..len)?,
        count: 0,
        zero_seen: false,
    };
    compact_pass(text, max_depth, tapes, &mut CompactNames::new(), &mut root)
}

#[cfg(not(target_pointer_width = "64"))]
fn compact_large(_: &str, _: usize, _: &mut Tapes<'_>) -> Option<()> {
    None
}

/// Where [`compact_pass`] keeps the root object's names: with the pool (`()`), or in a
/// [`RootTable`].
trait RootNames {
    const TABLE: bool;
    /// Remember `hash`; `None` when an earlier root name has the same hash (or the table cannot
    /// take it): the complete path then decides.
    fn insert(&mut self, hash: u32) -> Option<()>;
    /// Take the root's members at `pos` (after a comma) that [`root_scalar`] reads, while
    /// the top tape is full: see [`RootTable::scalars`]. Returns where the general path goes on.
    fn scalars(&mut self, b: &[u8], pos: usize, tapes: &mut Tapes<'_>) -> Option<usize>;
}

impl RootNames for () {
    const TABLE: bool = false;
    fn insert(&mut self, _: u32) -> Option<()> {
        None
    }
    fn scalars(&mut self, _: &[u8], pos: usize, _: &mut Tapes<'_>) -> Option<usize> {
        Some(pos)
    }
}

// Used by `compact_large`, on 64-bit targets only (and by the tests).
#[cfg_attr(not(target_pointer_width = "64"), allow(dead_code))]
/// Probes tried before [`RootTable`] gives up (names crafted to collide): the complete path,
/// which has its own fallback, then decides. Every name costs at most this many probes.
const ROOT_PROBES: usize = 32;

/// Open addressing (linear probing) on the hashes themselves: 0 is a free slot, the hash 0 is
/// a flag of its own. Nothing is ever removed: the root is the last object to close.
#[cfg_attr(not(target_pointer_width = "64"), allow(dead_code))]
struct RootTable<'t> {
    /// A power of two in length.
    slots: &'t mut [u32],
    count: usize,
    zero_seen: bool,
}

impl RootNames for RootTable<'_> {
    const TABLE: bool = true;
    #[inline(always)]
    fn insert(&mut self, hash: u32) -> Option<()> {
        if hash == 0 {
            return (!core::mem::replace(&mut self.zero_seen, true)).then_some(());
        }
        // At most half full, so that probe sequences stay short.
        self.count += 1;
        if self.count * 2 > self.slots.len() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        for _ in 0..ROOT_PROBES {
            let slot = self.slots.get_mut(i)?;
            if *slot == 0 {
                *slot = hash;
                return Some(());
            }
            if *slot == hash {
                return None;
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// The table pass's loop over the root's members shaped `"name":scalar,` with a plain name
    /// of up to seven bytes (the many-members payload), once the top tape is full: what
    /// [`compact_member`], the scalar's scan and the tapes would do, without the general
    /// dispatch. Stops at the first member it does not take (one of the names looked for,
    /// another shape, the last member); `None` only when the table cannot take a name, as
    /// [`compact_member`] would.
    #[inline(always)]
    fn scalars(&mut self, b: &[u8], mut pos: usize, tapes: &mut Tapes<'_>) -> Option<usize> {
        if !tapes.top.is_full() {
            return Some(pos);
        }
        let start = pos;
        // Locals, kept in registers: stores into the slots could otherwise be taken to change
        // them.
        let looked_for = tapes.names.hashes();
        let mut table = RootTable {
            slots: &mut *self.slots,
            count: self.count,
            zero_seen: self.zero_seen,
        };
        while let Some((hash, next)) = root_scalar(b, pos) {
            if looked_for.contains(hash) {
                break;
            }
            table.insert(hash)?;
            pos = next;
        }
        (self.count, self.zero_seen) = (table.count, table.zero_seen);
        if pos != start {
            tapes.in_nested_member = false;
            tapes.top.beyond();
        }
        Some(pos)
    }
}

/// One pass of [`validate_compact`], with the root's names kept in `root` (or, when that is
/// `()`, with the others in `names`).
#[inline]
fn compact_pass<R: RootNames>(
    text: &str,
    max_depth: usize,
    tapes: &mut Tapes<'_>,
    names: &mut CompactNames,
    root: &mut R,
) -> Option<()> {
    let b = text.as_bytes();
    if b.first() != Some(&b'{') {
        return None;
    }
    let max_depth = max_depth.min(MAX_DEPTH);
    // Bit `d` of `arrays`: the container at depth `d` (0 = the root) is an array.
    let mut arrays = 0u32;
    let mut depth = 0usize;
    // The nested object (at depth 1) is open.
    let mut in_nested = false;
    let mut pos = 0usize;
    'value: loop {
        match *b.get(pos)? {
            open @ (b'{' | b'[') => {
                if depth >= max_depth {
                    return None;
                }
                let is_object = open == b'{';
                if is_object {
                    if depth == 1 && tapes.in_nested_member {
                        tapes.nested_seen = true;
                        in_nested = true;
                    }
                    arrays &= !(1 << depth);
                    *names.firsts.get_mut(depth)? = u8::try_from(names.len).ok()?;
                } else {
                    arrays |= 1 << depth;
                }
                depth += 1;
                pos += 1;
                match *b.get(pos)? {
                    b'}' if is_object => {}
                    b']' if !is_object => {}
                    _ if is_object => {
                        pos = compact_member(text, pos, depth, in_nested, tapes, names, root)?;
                        continue 'value;
                    }
                    _ => continue 'value,
                }
                // An empty container.
                pos += 1;
                depth -= 1;
                if depth == 1 {
                    in_nested = false;
                }
            }
            b'"' => pos = compact_string(b, pos)?,
            b't' => pos = scan_literal(b, pos, b"true").ok()?,
            b'f' => pos = scan_literal(b, pos, b"false").ok()?,
            b'n' => pos = scan_literal(b, pos, b"null").ok()?,
            b'-' | b'0'..=b'9' => pos = scan_number(b, pos).ok()?,
            _ => return None,
        }
        // A value is complete: close containers or move on to the next element/member.
        loop {
            let top = depth.checked_sub(1)?;
            let is_object = arrays & (1 << top) == 0;
            match depth {
                1 => tapes.top.value_end(pos),
                2 if in_nested => tapes.nested.value_end(pos),
                _ => {}
            }
            match *b.get(pos)? {
                b',' => {
                    pos += 1;
                    if is_object {
                        if R::TABLE && depth == 1 {
                            pos = root.scalars(b, pos, tapes)?;
                        }
                        pos = compact_member(text, pos, depth, in_nested, tapes, names, root)?;
                    }
                    continue 'value;
                }
                b'}' if is_object => {
                    pos += 1;
                    names.len = usize::from(*names.firsts.get(top)?);
                }
                b']' if !is_object => pos += 1,
                _ => return None,
            }
            depth = top;
            if depth == 1 {
                in_nested = false;
            }
            if depth == 0 {
                // Nothing may follow the root, not even whitespace (the complete path trims it).
                return (pos == b.len()).then_some(());
            }
        }
    }
}

/// [`member`] for [`validate_compact`]: the name at `pos` (no whitespace, no escapes), its
/// colon, the duplicate check against the innermost object's names (equal
/// hashes give up: the complete path tells a duplicate from a collision), and the tapes.
/// Returns the index after the colon.
#[inline(always)]
#[allow(clippy::expect_used)]
fn compact_member<R: RootNames>(
    text: &str,
    pos: usize,
    depth: usize,
    in_nested: bool,
    tapes: &mut Tapes<'_>,
    names: &mut CompactNames,
    root: &mut R,
) -> Option<usize> {
    let b = text.as_bytes();
    if b.get(pos) != Some(&b'"') {
        return None;
    }
    let start = pos + 1;
    // In the table pass (a payload of many names, mostly short), the one word read to find
    // the closing quote is also the one the hash is taken from. The pool pass (ordinary
    // tokens) measured fewer instructions scanning and hashing apart.
    let window = if R::TABLE {
        b.get(start..start + 8)
    } else {
        None
    };
    let short = match window.map(<[u8; 8]>::try_from) {
        Some(Ok(word)) => {
            let word = u64::from_le_bytes(word);
            match first_flagged(word, string_stops) {
                Some(k) if b.get(start + k) == Some(&b'"') => Some((start + k + 1, word, k)),
                Some(_) => return None,
                None => None,
            }
        }
        _ => None,
    };
    let (end, short) = match short {
        Some((end, word, len)) => (end, Some(short_key_hash(word, len))),
        None => (compact_string(b, pos)?, None),
    };
    if b.get(end) != Some(&b':') {
        return None;
    }
    let len = end - pos - 2;
    // The name's text is only sliced out (a `&str` with its boundary checks) when it is needed:
    // for a hash too long to take from the window, and at the top level.
    let name = || name_between(text, start, end - 1);
    let hash = match short {
        Some(hash) => hash,
        None => match plain_key_hash(b.get(start..).expect("`start` follows a quote"), len) {
            Some(hash) => hash,
            None => name()?.key_hash(),
        },
    };
    if R::TABLE && depth == 1 {
        root.insert(hash)?;
    } else {
        // Closing an object truncates `names` to its first one, so the innermost object's
        // names are always the last ones.
        let first = usize::from(*names.firsts.get(depth - 1)?);
        for &earlier in names.hashes.get(first..names.len)? {
            if earlier == hash {
                return None;
            }
        }
        names.push(hash)?;
    }
    let value_start = end + 1;
    match depth {
        // Most root names are none of those looked for: their text is not sliced.
        1 if !tapes.names.hashes().contains(hash) => {
            tapes.in_nested_member = false;
            tapes.top.member((start, end - 1), value_start, None);
        }
        1 => {
            let name = NameRead::Plain {
                text: b,
                start,
                end: end - 1,
            };
            tapes.in_nested_member = tapes.is_nested(hash, name);
            let wanted = tapes.names.wanted.index_of(hash, name);
            tapes.top.member((start, end - 1), value_start, wanted);
        }
        2 if in_nested => tapes.nested.member((start, end - 1), value_start, None),
        _ => {}
    }
    Some(value_start)
}

/// One member for [`RootTable::scalars`] at `pos`: the name's hash and the index after the
/// member's comma, or `None` when it has another shape (which may well be valid).
#[cfg_attr(not(target_pointer_width = "64"), allow(dead_code))]
#[inline(always)]
fn root_scalar(b: &[u8], pos: usize) -> Option<(u32, usize)> {
    // The whole member when its name and a string value take up to seven bytes each (at most
    // 21 bytes): one bounds check, and offsets within it the compiler can bound.
    let window: &[u8; 24] = b.get(pos..pos + 24)?.try_into().ok()?;
    let word_at = |i: usize| Some(u64::from_le_bytes(window.get(i..i + 8)?.try_into().ok()?));
    if window[0] != b'"' {
        return None;
    }
    let name = word_at(1)?;
    let len = first_flagged(name, string_stops)?;
    // From the name's closing quote: the quote, the colon and the value's first byte.
    let quote = 1 + len;
    let after = word_at(quote)?;
    if after & 0xffff != u64::from(u16::from_le_bytes(*b"\":")) {
        return None;
    }
    let value = quote + 2;
    let end = match (after >> 16) as u8 {
        b'"' => {
            let text = word_at(value + 1)?;
            let k = first_flagged(text, string_stops)?;
            if (text >> (8 * k)) as u8 != b'"' {
                return None;
            }
            value + k + 2
        }
        b'-' | b'0'..=b'9' => scan_number(b, pos + value).ok()? - pos,
        b't' => scan_literal(b, pos + value, b"true").ok()? - pos,
        b'f' => scan_literal(b, pos + value, b"false").ok()? - pos,
        b'n' => scan_literal(b, pos + value, b"null").ok()? - pos,
        _ => return None,
    };
    if b.get(pos + end) != Some(&b',') {
        return None;
    }
    Some((short_key_hash(name, len), pos + end + 1))
}

/// The text of a plain name, between its quotes at `start - 1` and `end`.
#[inline(always)]
fn name_between(text: &str, start: usize, end: usize) -> Option<JsonStr<'_>> {
    text.get(start..end).map(|raw| JsonStr { raw })
}

/// The names of the open objects for [`validate_compact`], in stack order, as hashes.
struct CompactNames {
    hashes: [u32; COMPACT_NAMES],
    len: usize,
    /// Those of the object at depth `d` (0 = the root) start at `firsts[d]`.
    firsts: [u8; MAX_DEPTH],
    /// A name did not fit.
    full: bool,
}

impl CompactNames {
    fn new() -> Self {
        CompactNames {
            hashes: [0; COMPACT_NAMES],
            len: 0,
            firsts: [0; MAX_DEPTH],
            full: false,
        }
    }

    #[inline(always)]
    fn push(&mut self, hash: u32) -> Option<()> {
        let Some(slot) = self.hashes.get_mut(self.len) else {
            self.full = true;
            return None;
        };
        *slot = hash;
        self.len += 1;
        Some(())
    }
}

/// The index after the closing quote of the string opening at `at`, if it has no escape and
/// no control character (`None` also when it does not end).
#[inline(always)]
fn compact_string(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    // Sixteen bytes a step, one branch for two words, while they last (a SID is 34 bytes).
    while let Some(Ok(pair)) = b.get(i..i + 16).map(<[u8; 16]>::try_from) {
        let both = u128::from_le_bytes(pair);
        let (first, second) = (both as u64, (both >> 64) as u64);
        let flags = [first, second].map(|w| string_stops(w) & (ONES * 0x80));
        if flags[0] | flags[1] != 0 {
            // The first flagged byte of each word is exact: of the first word if it has
            // one, else of the second.
            let k = match flags {
                [0, second] => 8 + (second.trailing_zeros() / 8) as usize,
                [first, _] => (first.trailing_zeros() / 8) as usize,
            };
            // The byte is read from `b`, not from `pair`: indexing the copy makes the
            // compiler spill it to the stack and read it back, a store-forwarding round trip
            // on the path from one string's end to the next token, which the whole pass waits
            // on (5-8 % of a verify, timed).
            return (b.get(i + k) == Some(&b'"')).then_some(i + k + 1);
        }
        i += 16;
    }
    while let Some(Ok(word)) = b.get(i..i + 8).map(<[u8; 8]>::try_from) {
        if let Some(k) = first_flagged(u64::from_le_bytes(word), string_stops) {
            return (word.get(k) == Some(&b'"')).then_some(i + k + 1);
        }
        i += 8;
    }
    // The last few bytes of the input.
    loop {
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' | 0x00..=0x1F => return None,
            _ => i += 1,
        }
    }
}

/// Validate a member's name and colon (from `pos`, before any whitespace), check the name
/// against the object's earlier ones and record it; return the index after the colon.
#[inline(always)]
#[allow(clippy::expect_used)]
fn member<const P: usize, const I: usize>(
    text: &str,
    pos: usize,
    object: &mut Open,
    keys: &mut Keys<P, I>,
    tapes: Option<&mut Tapes<'_>>,
    depth: usize,
) -> Result<usize, JsonError> {
    let b = text.as_bytes();
    let at = skip_ws(b, pos);
    if b.get(at) != Some(&b'"') {
        return unexpected(b, at);
    }
    let (end, escaped) = scan_string(b, at)?;
    let colon = skip_ws(b, end);
    if b.get(colon) != Some(&b':') {
        return unexpected(b, colon);
    }
    let raw = text
        .get(at + 1..end - 1)
        .expect("a scanned string lies between its two quotes, ASCII bytes");
    let name = JsonStr { raw };
    let hash = keys.add(text, &mut object.keys, at, name, escaped)?;
    let Some(tapes) = tapes else {
        return Ok(colon + 1);
    };
    if depth == 1 {
        tapes.in_nested_member = tapes.is_nested(hash, NameRead::Json(name));
    }
    let span = (at + 1, end - 1);
    let value_start = skip_ws(b, colon + 1);
    match object.tape {
        Taped::No => {}
        Taped::Top => {
            let wanted = tapes.names.wanted.index_of(hash, NameRead::Json(name));
            tapes.top.member(span, value_start, wanted);
        }
        Taped::Nested => tapes.nested.member(span, value_start, None),
    }
    Ok(colon + 1)
}

fn scan_literal(b: &[u8], pos: usize, lit: &[u8]) -> Result<usize, JsonError> {
    for (i, &c) in lit.iter().enumerate() {
        if b.get(pos + i) != Some(&c) {
            return unexpected(b, pos + i);
        }
    }
    let end = pos + lit.len();
    if glued(b, end) {
        return fail(Rule::UnexpectedByte, end);
    }
    Ok(end)
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn scan_number(b: &[u8], mut i: usize) -> Result<usize, JsonError> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = skip_digits(b, i + 1),
        _ => return fail(Rule::InvalidNumber, i),
    }
    if b.get(i) == Some(&b'.') {
        let j = skip_digits(b, i + 1);
        if j == i + 1 {
            return fail(Rule::InvalidNumber, j);
        }
        i = j;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = skip_digits(b, i);
        if j == i {
            return fail(Rule::InvalidNumber, j);
        }
        i = j;
    }
    if glued(b, i) {
        return fail(Rule::InvalidNumber, i);
    }
    Ok(i)
}

/// Flags (top bit of each byte) where a string's plain run stops: `"`, `\` or a control byte.
#[inline(always)]
fn string_stops(x: u64) -> u64 {
    has_byte(x, b'"') | has_byte(x, b'\\') | below(x, 0x20)
}

/// Validate a string starting at its opening quote; return the index after the closing quote
/// and whether it holds escapes. The input is already known to be valid UTF-8, so bytes >= 0x80
/// are simply skipped.
#[inline(always)]
fn scan_string(b: &[u8], at: usize) -> Result<(usize, bool), JsonError> {
    // Most names and values are short: when the closing quote is the first stop in the next
    // eight bytes, the string is done here, without a call.
    let start = at + 1;
    if let Some(Ok(word)) = b.get(start..start + 8).map(<[u8; 8]>::try_from)
        && let Some(k) = first_flagged(u64::from_le_bytes(word), string_stops)
        && word.get(k) == Some(&b'"')
    {
        return Ok((start + k + 1, false));
    }
    scan_long_string(b, start)
}

/// [`scan_string`] from `i`, the byte after the opening quote, for everything else: kept out of
/// line so that the word loop over long strings is compiled on its own.
#[inline(never)]
fn scan_long_string(b: &[u8], mut i: usize) -> Result<(usize, bool), JsonError> {
    let mut escaped = false;
    loop {
        i = find(b, i, string_stops, |c| c == b'"' || c == b'\\' || c < 0x20);
        match b.get(i) {
            Some(b'"') => return Ok((i + 1, escaped)),
            Some(b'\\') => {
                escaped = true;
                i = scan_escape(b, i)?;
            }
            Some(0x00..=0x1F) => return fail(Rule::ControlCharacter, i),
            Some(_) => i += 1,
            None => return fail(Rule::UnexpectedEnd, i),
        }
    }
}

/// Validate the escape whose backslash is at `at`; return the index after it.
fn scan_escape(b: &[u8], at: usize) -> Result<usize, JsonError> {
    let i = at + 1;
    match b.get(i) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 1),
        Some(b'u') => {
            let unit = hex4(b.get(i + 1..i + 5)).ok_or(JsonError::new(Rule::InvalidEscape, at))?;
            let next = i + 5;
            match unit {
                0xD800..=0xDBFF => {
                    if b.get(next..next + 2) != Some(b"\\u") {
                        return fail(Rule::LoneSurrogate, at);
                    }
                    let low = hex4(b.get(next + 2..next + 6))
                        .ok_or(JsonError::new(Rule::InvalidEscape, next))?;
                    if (0xDC00..=0xDFFF).contains(&low) {
                        Ok(next + 6)
                    } else {
                        fail(Rule::LoneSurrogate, at)
                    }
                }
                0xDC00..=0xDFFF => fail(Rule::LoneSurrogate, at),
                _ => Ok(next),
            }
        }
        Some(_) => fail(Rule::InvalidEscape, at),
        None => fail(Rule::UnexpectedEnd, i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt;

    fn err(input: &str) -> (Rule, usize) {
        match parse(input.as_bytes()) {
            Ok(v) => panic!("{input:?} parsed as {v:?}"),
            Err(e) => (e.rule(), e.offset()),
        }
    }

    fn ok(input: &str) -> Value<'_> {
        match parse(input.as_bytes()) {
            Ok(v) => v,
            Err(e) => panic!("{input:?} rejected: {e:?}"),
        }
    }

    #[test]
    fn scan_number_grammar() {
        for good in [
            "0", "-0", "1", "-1", "10", "0.5", "1.25e10", "1E+2", "1e-2", "-0.0e0",
        ] {
            assert_eq!(scan_number(good.as_bytes(), 0), Ok(good.len()), "{good}");
        }
        for (bad, at) in [
            ("-", 1),
            ("01", 1),
            ("1.", 2),
            (".1", 0),
            ("1e", 2),
            ("1e+", 3),
            ("+1", 0),
            ("1.e3", 2),
            ("0x1", 1),
            ("1.2.3", 3),
            ("1a", 1),
        ] {
            assert_eq!(
                scan_number(bad.as_bytes(), 0),
                fail(Rule::InvalidNumber, at),
                "{bad}"
            );
        }
        // A number stops at a delimiter.
        assert_eq!(scan_number(b"12,", 0), Ok(2));
        assert_eq!(scan_number(b"12]", 0), Ok(2));
        assert_eq!(scan_number(b"12 ", 0), Ok(2));
    }

    #[test]
    fn scan_string_and_escapes() {
        // Each case also with eight more bytes behind it, for the one-word fast path; only the
        // end of input moves.
        let s = |t: &[u8]| {
            let r = scan_string(t, 0);
            let padded = [t, b"]]]]]]]]"].concat();
            match r {
                Err(e) if e.rule() == Rule::UnexpectedEnd => {}
                _ => assert_eq!(scan_string(&padded, 0), r, "{:?}", t),
            }
            r
        };
        assert_eq!(s(br#""abc""#), Ok((5, false)));
        assert_eq!(s(br#""a\"b""#), Ok((6, true)));
        assert_eq!(s(br#""\u00e9""#), Ok((8, true)));
        assert_eq!(s(br#""\uD83D\uDE00""#), Ok((14, true)));
        assert_eq!(s(br#""abc"#), fail(Rule::UnexpectedEnd, 4));
        assert_eq!(s(b"\"a\x01\""), fail(Rule::ControlCharacter, 2));
        assert_eq!(s(br#""a\x""#), fail(Rule::InvalidEscape, 2));
        assert_eq!(s(br#""\u12""#), fail(Rule::InvalidEscape, 1));
        assert_eq!(s(br#""\ud800""#), fail(Rule::LoneSurrogate, 1));
        assert_eq!(s(br#""\udc00""#), fail(Rule::LoneSurrogate, 1));
        assert_eq!(s(br#""\ud800\u0041""#), fail(Rule::LoneSurrogate, 1));
        assert_eq!(s(br#""\ud800\n""#), fail(Rule::LoneSurrogate, 1));
        assert_eq!(s(br#""\ud800\uzzzz""#), fail(Rule::InvalidEscape, 7));
        assert_eq!(s(br#""\"#), fail(Rule::UnexpectedEnd, 2));
        assert_eq!(s(br#""""#), Ok((2, false)));
        assert_eq!(s(br#""abcdefg""#), Ok((9, false)));
        assert_eq!(s(br#""abcdefgh""#), Ok((10, false)));
        assert_eq!(s(br#""ab\\cdefgh""#), Ok((12, true)));
        assert_eq!(s(b"\"abcdef\x1f\""), fail(Rule::ControlCharacter, 7));
    }

    #[test]
    fn errors_name_the_rule_and_the_offset() {
        assert_eq!(err(""), (Rule::UnexpectedEnd, 0));
        assert_eq!(err(" \n"), (Rule::UnexpectedEnd, 2));
        assert_eq!(err("1 2"), (Rule::TrailingData, 2));
        assert_eq!(err("01"), (Rule::InvalidNumber, 1));
        assert_eq!(err("truex"), (Rule::UnexpectedByte, 4));
        assert_eq!(err("tru"), (Rule::UnexpectedEnd, 3));
        assert_eq!(err("[1] ,"), (Rule::TrailingData, 4));
        assert_eq!(err("[1 , ]"), (Rule::TrailingComma, 3));
        assert_eq!(err("{\"a\":1,}"), (Rule::TrailingComma, 6));
        assert_eq!(err("[,1]"), (Rule::UnexpectedByte, 1));
        assert_eq!(err("{\"a\" 1}"), (Rule::UnexpectedByte, 5));
        assert_eq!(err("{\"a\":1,\"a\":2}"), (Rule::DuplicateKey, 7));
        assert_eq!(
            err("{\"a\":1,\"b\":{\"c\":1,\"c\":2}}"),
            (Rule::DuplicateKey, 18)
        );
        assert_eq!(err("[\"\\u0000\x00\"]"), (Rule::ControlCharacter, 8));
        assert_eq!(err("[\"\u{e9}\", \u{e9}]"), (Rule::UnexpectedByte, 7));
        assert_eq!(err("[[[]"), (Rule::UnexpectedEnd, 4));
        let e = parse(b"\"\xff\"").unwrap_err();
        assert_eq!((e.rule(), e.offset()), (Rule::InvalidUtf8, 1));
    }

    #[test]
    fn basic_accept() {
        assert!(ok(" null ").is_null());
        assert_eq!(ok("true").as_bool(), Some(true));
        assert_eq!(ok("false").as_bool(), Some(false));
        assert_eq!(ok("\"\"").as_str().unwrap().raw(), "");
        assert_eq!(ok(" {\"a\" : [1] } ").raw(), "{\"a\" : [1] }");
    }

    /// `{"k0":0,"k1":1,...}`; with `dup = Some((i, j))`, key `j` repeats key `i` (escaped).
    /// Values are small objects repeating their own key, so nested objects open and close
    /// between the names of the big one.
    fn build_object(buf: &mut [u8], n: usize, dup: Option<(usize, usize)>) -> usize {
        struct W<'b> {
            buf: &'b mut [u8],
            len: usize,
        }
        impl fmt::Write for W<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let end = self.len + s.len();
                self.buf
                    .get_mut(self.len..end)
                    .ok_or(fmt::Error)?
                    .copy_from_slice(s.as_bytes());
                self.len = end;
                Ok(())
            }
        }
        use fmt::Write;
        let mut w = W { buf, len: 0 };
        w.write_str("{").unwrap();
        for i in 0..n {
            if i > 0 {
                w.write_str(",").unwrap();
            }
            match dup {
                Some((first, second)) if i == second => {
                    write!(w, "\"\\u006b{first}\":[{i}]").unwrap();
                }
                _ => write!(w, "\"k{i}\":{{\"k{i}\":{i}}}").unwrap(),
            }
        }
        w.write_str("}").unwrap();
        w.len
    }

    #[test]
    fn duplicates_at_every_size() {
        // Around the linear/table switch, the small pool's size and the chunk size.
        let mut buf = [0u8; 8192];
        let sizes: &[usize] = if cfg!(miri) {
            &[2, 9, 65]
        } else {
            &[2, 8, 9, 10, 63, 64, 65, 127, 128, 129, 200]
        };
        for &n in sizes {
            for (first, second) in [
                (0, n - 1),
                (n / 2, n - 1),
                (0, 1),
                (n.saturating_sub(2), n - 1),
            ] {
                if first >= second {
                    continue;
                }
                let len = build_object(&mut buf, n, Some((first, second)));
                let e = parse(&buf[..len]).unwrap_err();
                assert_eq!(e.rule(), Rule::DuplicateKey, "n={n} dup {first}/{second}");
                let text = core::str::from_utf8(&buf[..len]).unwrap();
                let expected = text.find(&std::format!("\"\\u006b{first}\"")).unwrap();
                assert_eq!(e.offset(), expected, "n={n} dup {first}/{second}");
            }
            let len = build_object(&mut buf, n, None);
            let v = parse(&buf[..len]).unwrap();
            assert_eq!(v.members().count(), n);
        }
    }

    /// Names in the same table slot, so probing runs long and the object is sorted instead.
    #[test]
    #[cfg_attr(miri, ignore = "finding colliding names takes about a million hashes")]
    fn colliding_names_fall_back_to_sorting() {
        use std::string::String;
        use std::vec::Vec;
        // Keep the names whose hash lands in one of two slots of the large table.
        let mut names: Vec<String> = Vec::new();
        let mut i = 0u32;
        while names.len() < 120 {
            let name = std::format!("n{i}");
            if (JsonStr { raw: &name }).key_hash() & 0x3fff < 2 {
                names.push(name);
            }
            i += 1;
        }
        // Plus enough other names to move to the large table.
        let mut doc = String::from("{");
        for k in 0..70 {
            doc.push_str(&std::format!("\"o{k}\":0,"));
        }
        for name in &names {
            doc.push_str(&std::format!("\"{name}\":0,"));
        }
        let valid = std::format!("{}}}", doc.trim_end_matches(','));
        assert!(parse(valid.as_bytes()).is_ok());
        // The duplicate of an early colliding name, escaped.
        let dup = names[3].replacen('n', "\\u006e", 1);
        let invalid = std::format!("{doc}\"{dup}\":1}}");
        let e = parse(invalid.as_bytes()).unwrap_err();
        assert_eq!(e.rule(), Rule::DuplicateKey);
        assert_eq!(e.offset(), invalid.rfind('"').unwrap() - dup.len() - 1);
    }

    #[test]
    fn nested_objects_keep_their_own_names() {
        use std::string::String;
        // A large outer object whose values are large objects with the same names.
        let mut doc = String::from("{");
        for i in 0..40 {
            doc.push_str(&std::format!("\"k{i}\":{{"));
            for j in 0..40 {
                doc.push_str(&std::format!("\"k{j}\":{j},"));
            }
            doc.pop();
            doc.push_str("},");
        }
        doc.pop();
        doc.push('}');
        assert!(parse(doc.as_bytes()).is_ok());
        let dup = std::format!("{},\"k39\":0}}", &doc[..doc.len() - 1]);
        assert_eq!(
            parse(dup.as_bytes()).unwrap_err().rule(),
            Rule::DuplicateKey
        );
    }

    /// Whether the compact path takes `text`; when it does, the complete path accepts it too,
    /// with the same end and the same tapes.
    fn both(text: &str) -> bool {
        let names = DocumentNames::new(&["exp", "nbf", "iat", "grants"], "grants");
        let mut fast = Tapes::new(&names);
        let mut slow = Tapes::new(&names);
        let got = validate_compact(text, MAX_DEPTH, &mut fast);
        let expected = run_text(text, MAX_DEPTH, Some(&mut slow));
        if got.is_some() {
            let (_, root) = expected.unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
            assert_eq!(root.raw(), text);
            assert_eq!(
                std::format!("{:?}", fast.top),
                std::format!("{:?}", slow.top)
            );
            assert_eq!(
                std::format!("{:?}", fast.nested),
                std::format!("{:?}", slow.nested)
            );
            assert_eq!(fast.nested_seen, slow.nested_seen, "{text:?}");
        }
        got.is_some()
    }

    /// The compact path accepts only what the complete one accepts, with the same tapes; and
    /// it does take the common shapes.
    #[test]
    fn compact_path_agrees_with_the_complete_one() {
        let wanted = ["exp", "nbf", "iat", "grants"];
        let names = DocumentNames::new(&wanted, "grants");
        let common = [
            r#"{"jti":"SK1-1","grants":{"identity":"alice@example.com","video":{"room":"r"},"voice":{"incoming":{"allow":true}}},"iat":1,"exp":2,"iss":"SK1","sub":"AC1"}"#,
            r#"{"a":[1,-2.5e3,true,false,null,"x",[],{}],"b":{},"c":[]}"#,
            r#"{"grants":{},"exp":1}"#,
            r#"{"grants":[{"a":1}],"x":{"grants":{"b":2}}}"#,
            r#"{"identity_long_name_here":"v","a_sixteen_bytes!":1,"fifteen_bytes!!":2}"#,
            "{\"caf\u{e9}\":\"\u{1f600}\"}",
        ];
        for text in common {
            assert!(both(text), "{text:?} took the complete path");
        }
        // Whitespace, escapes, errors, duplicates, other roots: wherever they land, the two
        // paths never disagree about an accepted document.
        let other = [
            r#"{"a":1, "b":2}"#,
            r#"{"a\u0062":1}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a":1,"\u0061":2}"#,
            r#"{"a":{"b":1,"b":2}}"#,
            r#"{"a":1,}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":01}"#,
            r#"{"a":tru}"#,
            r#"{"a":"x"#,
            r#"{"a":"x\"}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":1}x"#,
            r#"{"a":1} "#,
            r#"{}"#,
            r#"[1]"#,
            r#"{"a":[}"#,
            r#"{"a":{]}"#,
            r#"{"a"1}"#,
            r#"{"a":1"b":2}"#,
            r#"{"grants":{"x":1},"grants":2}"#,
        ];
        for text in other {
            both(text);
            // Every prefix, too: cut anywhere, a document is either refused or agreed on.
            for cut in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
                both(&text[..cut]);
            }
        }
        // Deep nesting and many names: past the compact path's limits it hands over.
        let deep = std::format!("{}1{}", r#"{"a":"#.repeat(17), "}".repeat(17));
        assert!(!both(&deep));
        // Many names in the root: the table takes them (on 64-bit targets); many in a nested
        // object: the complete path.
        let mut many = std::string::String::from("{");
        for i in 0..40 {
            many.push_str(&std::format!("\"k{i}\":{i},"));
        }
        many.push_str("\"z\":0}");
        assert_eq!(both(&many), cfg!(target_pointer_width = "64"));
        let nested = std::format!(r#"{{"exp":1,"grants":{many},"x":[{many}]}}"#);
        assert!(!both(&nested));
        let both_roots = std::format!("{},{}", &many[..many.len() - 1], &nested[1..]);
        assert!(parse(both_roots.as_bytes()).is_ok());
        assert!(!both(&both_roots));
        // Past the pool, a duplicate (plain or escaped) or any other fault still hands over, and
        // the document is refused as the complete path refuses it.
        for (extra, rule) in [
            (r#","k3":1}"#, Rule::DuplicateKey),
            (r#","\u006b3":1}"#, Rule::DuplicateKey),
            (r#","k40":01}"#, Rule::InvalidNumber),
            (r#","k40":{"a":1,"a":2}}"#, Rule::DuplicateKey),
            (r#","k40":1,}"#, Rule::TrailingComma),
        ] {
            let text = std::format!("{}{extra}", &many[..many.len() - 1]);
            assert!(!both(&text), "{text}");
            let e =
                parse_document(text.as_bytes(), MAX_DEPTH, &mut Tapes::new(&names)).unwrap_err();
            assert_eq!(Some(e), parse(text.as_bytes()).err());
            assert_eq!(e.rule(), rule);
        }
        // The wanted names and the nested object are found among many names, wherever they are.
        let mut doc = std::string::String::from("{");
        for i in 0..60 {
            match i {
                7 => doc.push_str(r#""grants":{"identity":"a","video":{}},"#),
                45 => doc.push_str(r#""exp":12,"#),
                59 => doc.push_str(r#""iat":3,"#),
                _ => doc.push_str(&std::format!("\"name{i}\":[{i}],")),
            }
        }
        doc.push_str("\"last\":{}}");
        assert_eq!(both(&doc), cfg!(target_pointer_width = "64"));
    }

    /// The table pass's loop over `"name":scalar,` members: names of every short length and
    /// around the one-word limit, every scalar, escapes, duplicates (plain or escaped), the
    /// looked-for names and faults amid many members; whatever it takes, the complete path
    /// agrees, and what it hands over is decided (and refused) as the complete path does.
    #[test]
    fn root_scalars_agree_with_the_complete_path() {
        use std::string::String;
        let names = DocumentNames::new(&["exp", "nbf", "iat", "grants"], "grants");
        // 40 members of the loop's shape: past the pool and the tape, so the table and the
        // loop are used.
        let mut head = String::from("{");
        for i in 0..40 {
            head.push_str(&std::format!("\"m{i}\":\"\","));
        }
        let members = [
            r#""":1"#,
            r#""a":"""#,
            r#""abcdef":"x""#,
            r#""abcdefg":"1234567""#,
            r#""abcdefgh":"12345678""#,
            r#""abcdefghi":true"#,
            r#""n7":-12.5e3"#,
            r#""n8":0"#,
            r#""n9":null"#,
            r#""n10":false"#,
            "\"s2\":\"\u{e9}\"",
            "\"\u{e9}t\u{e9}\":2",
            r#""exp":5"#,
            r#""grants":{"identity":"a"}"#,
            r#""nbf":"x""#,
            r#""arr":[1,2]"#,
            r#""obj":{}"#,
        ];
        // Escapes: valid, but the complete path's to read.
        let escaped = [r#""caf\u00e9":1"#, r#""s1":"a\"b""#];
        let faults = [
            r#""m3":1"#,
            r#""\u006d3":1"#,
            r#""x":01"#,
            r#""x":tru"#,
            r#""x":"a"#,
            "\"x\":\"\u{1}\"",
            r#""x":1."#,
            r#""x"1"#,
            r#""x":"a"1"#,
            r#""x":truex"#,
        ];
        let mut doc = head.clone();
        for m in members {
            doc.push_str(m);
            doc.push(',');
            // Each member also last.
            let last = std::format!("{head}{m}}}");
            both(&last);
            assert!(parse(last.as_bytes()).is_ok(), "{last}");
        }
        for i in 0..40 {
            doc.push_str(&std::format!("\"t{i}\":{i},"));
        }
        doc.push_str("\"end\":0}");
        assert_eq!(both(&doc), cfg!(target_pointer_width = "64"));
        let mut tapes = Tapes::new(&names);
        let doc_tapes = parse_document(doc.as_bytes(), MAX_DEPTH, &mut tapes).unwrap();
        for name in ["exp", "nbf", "grants", "iat", "t39", "abcdefg", ""] {
            assert_eq!(doc_tapes.get(name), doc_tapes.root().get(name), "{name}");
        }
        // Those amid the members, followed by many more of the loop's shape.
        for member in escaped {
            let text = std::format!("{head}{member},{}", &doc[head.len()..]);
            assert!(!both(&text), "{text}");
            assert!(parse_document(text.as_bytes(), MAX_DEPTH, &mut Tapes::new(&names)).is_ok());
        }
        for fault in faults {
            let text = std::format!("{head}{fault},{}", &doc[head.len()..]);
            assert!(!both(&text), "{text}");
            let e =
                parse_document(text.as_bytes(), MAX_DEPTH, &mut Tapes::new(&names)).unwrap_err();
            assert_eq!(Some(e), parse(text.as_bytes()).err(), "{text}");
        }
        // Cut anywhere: refused, or agreed on.
        let step = if cfg!(miri) { 97 } else { 1 };
        for cut in (head.len()..doc.len()).step_by(step) {
            if doc.is_char_boundary(cut) {
                both(&doc[..cut]);
            }
        }
    }

    /// Two different short names with the same hash, among many: the table pass cannot tell
    /// them apart and hands over; the complete path accepts the document.
    #[test]
    #[cfg_attr(miri, ignore = "finding a colliding pair takes about 100,000 hashes")]
    fn colliding_short_names_hand_over() {
        use std::collections::HashMap;
        use std::string::String;
        let mut seen = HashMap::new();
        let (a, b) = (0u32..)
            .find_map(|i| {
                let name = std::format!("c{i}");
                let hash = (JsonStr { raw: &name }).key_hash();
                seen.insert(hash, name.clone())
                    .map(|earlier| (earlier, name))
            })
            .unwrap();
        assert!(a.len() < 8 && b.len() < 8);
        let mut doc = String::from("{");
        for i in 0..40 {
            doc.push_str(&std::format!("\"m{i}\":\"\","));
        }
        let text = std::format!("{doc}\"{a}\":\"\",\"{b}\":\"\",\"z\":0}}");
        assert!(!both(&text));
        assert!(parse(text.as_bytes()).is_ok());
    }

    /// Offsets past 65,535 do not fit the tapes: every lookup still gives `Value::get`'s
    /// answer, from the tape where it fits and from the text where it does not, whichever
    /// path (the table's loop, the complete validator) read the document.
    #[test]
    #[cfg_attr(miri, ignore = "a 70 KB document")]
    fn offsets_past_the_tapes_reach() {
        use std::string::String;
        let names = DocumentNames::new(&["exp", "nbf", "iat", "grants"], "grants");
        for (spacer, grants) in [("\"\"", r#"{"a":1}"#), ("\"\\u0041\"", r#"{"b":2}"#)] {
            let mut doc = String::from(r#"{"iat":1,"#);
            let mut i = 0;
            while doc.len() < 70_000 {
                doc.push_str(&std::format!("\"k{i}\":{spacer},"));
                i += 1;
            }
            doc.push_str(&std::format!(r#""exp":7,"grants":{grants},"nbf":3}}"#));
            let mut tapes = Tapes::new(&names);
            let d = parse_document(doc.as_bytes(), MAX_DEPTH, &mut tapes).unwrap();
            for name in ["iat", "exp", "nbf", "grants", "k0", "k5000", "zz"] {
                assert_eq!(d.get(name), d.root().get(name), "{name}");
            }
            for name in ["a", "b"] {
                assert_eq!(d.nested_get(name), d.get("grants").unwrap().get(name));
            }
            assert!(!d.top_is_recorded());
        }
    }

    /// The root's table: equal hashes (a duplicate or a collision) hand over, other hashes in
    /// the same slot are kept, the hash 0 is remembered apart, and a long probe or a table half
    /// full hands over too.
    #[test]
    fn root_table_hands_over_what_it_cannot_tell() {
        let mut slots = [0u32; 64];
        let mut t = RootTable {
            slots: &mut slots,
            count: 0,
            zero_seen: false,
        };
        assert_eq!(t.insert(0), Some(()));
        assert_eq!(t.insert(0), None);
        // Same slot (low six bits), different hashes.
        for k in 1..5u32 {
            assert_eq!(t.insert(k << 6 | 5), Some(()), "{k}");
        }
        assert_eq!(t.insert(3 << 6 | 5), None);
        assert_eq!(t.insert(6), Some(()));
        let mut t = RootTable {
            slots: &mut [0u32; 64],
            count: 0,
            zero_seen: false,
        };
        for i in 1..=32u32 {
            assert_eq!(t.insert(i), Some(()), "{i}");
        }
        assert_eq!(t.insert(33), None, "half full");
        let mut slots = [0u32; 256];
        let mut t = RootTable {
            slots: &mut slots,
            count: 0,
            zero_seen: false,
        };
        for k in 1..=ROOT_PROBES as u32 {
            assert_eq!(t.insert(k << 8), Some(()), "{k}");
        }
        assert_eq!(t.insert(99 << 8), None, "probed too long");
    }

    #[test]
    fn compact_strings_end_at_the_first_quote_and_refuse_escapes_and_controls() {
        // A run of plain bytes of every length around one and two words, then a quote, a
        // backslash or a control byte, then more text or none.
        for len in 0..40 {
            for stop in [b'"', b'\\', 0x00, 0x1f, b' '] {
                for after in [&b""[..], b"\":1}", b"0123456789abcdef0123"] {
                    let mut text = std::vec![b'"'];
                    text.extend((0..len).map(|i| b"az09~\x7f\xc3\xa9"[i % 8]));
                    text.push(stop);
                    text.extend_from_slice(after);
                    let expected = text
                        .iter()
                        .skip(1)
                        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                        .filter(|&k| text[1 + k] == b'"')
                        .map(|k| k + 2);
                    assert_eq!(compact_string(&text, 0), expected, "{len} {stop} {after:?}");
                }
            }
        }
    }

    #[test]
    fn plain_names_compare_like_their_text() {
        // Names of every length around the word size, compared where eight bytes follow them
        // and where the text ends right after them, with themselves, with a name one byte
        // longer or shorter, and with one differing at each byte.
        for len in 0..=10 {
            let name: std::string::String = (0..len).map(|i| char::from(b'a' + i as u8)).collect();
            let word = short_word(&name);
            for tail in [r#"":0}"#, "\""] {
                let text = std::format!("\"{name}{tail}");
                let read = NameRead::Plain {
                    text: text.as_bytes(),
                    start: 1,
                    end: 1 + len,
                };
                assert!(read.is(&name, word), "{text}");
                let longer = std::format!("{name}z");
                assert!(!read.is(&longer, short_word(&longer)), "{text}");
                if len > 0 {
                    let shorter = &name[..len - 1];
                    assert!(!read.is(shorter, short_word(shorter)), "{text}");
                }
                for at in 0..len {
                    let mut other = name.clone().into_bytes();
                    other[at] = b'Z';
                    let other = std::string::String::from_utf8(other).unwrap();
                    assert!(!read.is(&other, short_word(&other)), "{text} {at}");
                }
            }
        }
    }

    #[test]
    fn depth_limit() {
        let mut buf = [0u8; 256];
        for (depth, expect_ok) in [(1, true), (15, true), (16, true), (17, false), (30, false)] {
            for (open, close) in [(b'[', b']'), (b'{', b'}')] {
                let mut len = 0;
                let mut deepest = 0;
                for level in 0..depth {
                    if level == MAX_DEPTH {
                        deepest = len;
                    }
                    buf[len] = open;
                    len += 1;
                    if open == b'{' && level + 1 < depth {
                        buf[len..len + 4].copy_from_slice(b"\"a\":");
                        len += 4;
                    }
                }
                let mut end = len;
                for _ in 0..depth {
                    buf[end] = close;
                    end += 1;
                }
                match parse(&buf[..end]) {
                    Ok(_) => assert!(expect_ok, "depth {depth}"),
                    Err(e) => {
                        assert!(!expect_ok, "depth {depth} {}", open as char);
                        assert_eq!((e.rule(), e.offset()), (Rule::TooDeep, deepest));
                    }
                }
            }
        }
    }

    #[test]
    fn document_records_two_objects() {
        let text = br#" {"iss":"SK1","\u0065xp":5,"grants":{"identity":"a\"b","video":{"room":"r"}},"n":[1,{"x":2}]} "#;
        let names = DocumentNames::new(&["exp"], "grants");
        let mut tapes = Tapes::new(&names);
        let doc = parse_document(text, MAX_DEPTH, &mut tapes).unwrap();
        let root = doc.root();
        for name in ["iss", "exp", "grants", "n", "video", "x", "nope"] {
            assert_eq!(doc.get(name), root.get(name), "{name}");
        }
        let grants = root.get("grants").unwrap();
        for name in ["identity", "video", "room", "grants"] {
            assert_eq!(doc.nested_get(name), grants.get(name), "{name}");
        }
        assert_eq!(doc.get("exp").unwrap().raw(), "5");
        assert_eq!(doc.nested_get("identity").unwrap().raw(), r#""a\"b""#);
        // A tape that was filled is what answers.
        assert!(doc.top_is_recorded() && doc.nested_is_recorded());

        // Not an object, absent, or too many members: the lazy path gives the same answers.
        for text in [
            &br#"{"grants":[1]}"#[..],
            br#"{"a":{"grants":{"x":1}}}"#,
            br#"[{"grants":{"x":1}}]"#,
            br#""grants""#,
        ] {
            let names = DocumentNames::new(&["grants"], "grants");
            let mut tapes = Tapes::new(&names);
            let doc = parse_document(text, MAX_DEPTH, &mut tapes).unwrap();
            assert_eq!(doc.get("grants"), doc.root().get("grants"));
            assert_eq!(doc.nested_get("x"), None);
        }
        let mut many = std::string::String::from("{\"grants\":{");
        for i in 0..40 {
            many.push_str(&std::format!("\"g{i}\":{i},"));
        }
        many.push_str("\"last\":true}");
        for i in 0..40 {
            many.push_str(&std::format!(",\"t{i}\":{i}"));
        }
        many.push('}');
        let wanted = ["t30", "grants", "absent"];
        let names = DocumentNames::new(&wanted, "grants");
        let mut tapes = Tapes::new(&names);
        let doc = parse_document(many.as_bytes(), MAX_DEPTH, &mut tapes).unwrap();
        assert!(!doc.top_is_recorded() && !doc.nested_is_recorded());
        assert_eq!(doc.get("t39").unwrap().raw(), "39");
        // Asked-for names come from the tape, including the absent one.
        for name in wanted {
            assert_eq!(doc.tape_answer(name), Some(doc.root().get(name)));
        }
        assert_eq!(doc.tape_answer("t31"), None);
        assert_eq!(doc.get("t30").unwrap().raw(), "30");
        assert!(doc.get("absent").is_none());
        assert_eq!(doc.nested_get("last").unwrap().raw(), "true");
        assert_eq!(doc.nested_get("g7").unwrap().raw(), "7");
        assert_eq!(doc.nested_get("t1"), None);
    }
}
