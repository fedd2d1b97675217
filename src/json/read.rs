//! A strict, allocation-free RFC 8259 JSON reader.
//!
//! [`parse`] validates a whole document up front (UTF-8, grammar, string escapes, surrogate
//! pairs, raw control characters, duplicate object keys at every level and the nesting depth)
//! and returns a [`Value`]: a cheap, `Copy` view over the validated text. Accessors on that view
//! never allocate; strings are handed out as [`JsonStr`], which keeps the escapes of the document
//! and unescapes lazily.
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

use core::fmt;
use core::iter::FusedIterator;

/// Maximum nesting depth: the top-level value counts as depth 1 (an object containing an object
/// is depth 2). Only arrays and objects add depth; a document nested deeper is rejected with
/// [`JsonError::TooDeep`].
pub const MAX_DEPTH: usize = 16;

/// Why a document was rejected by [`parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// The input is not valid UTF-8.
    InvalidUtf8,
    /// The text does not follow the JSON grammar (including empty input and truncated documents).
    Syntax,
    /// A string contains a backslash escape that JSON does not define, or a malformed `\u` escape.
    InvalidEscape,
    /// A `\u` escape encodes a UTF-16 surrogate that is not part of a high/low pair.
    LoneSurrogate,
    /// A string contains a raw control character (a byte below 0x20).
    ControlCharacter,
    /// An object has two members whose names are equal once unescaped.
    DuplicateKey,
    /// Arrays and objects are nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Something other than whitespace follows the value.
    TrailingData,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonError::InvalidUtf8 => "invalid UTF-8",
            JsonError::Syntax => "invalid JSON syntax",
            JsonError::InvalidEscape => "invalid escape sequence in string",
            JsonError::LoneSurrogate => "unpaired UTF-16 surrogate escape in string",
            JsonError::ControlCharacter => "raw control character in string",
            JsonError::DuplicateKey => "duplicate object key",
            JsonError::TooDeep => "JSON nested too deeply",
            JsonError::TrailingData => "trailing data after JSON value",
        })
    }
}

impl core::error::Error for JsonError {}

/// The JSON type of a [`Value`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// A number literal.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// Parse `input` as exactly one strict JSON value.
///
/// Any kind of value is accepted at the top level. Insignificant whitespace (space, `\t`, `\n`,
/// `\r` only) is allowed around tokens; nothing else may follow the value. Everything is
/// validated up front: UTF-8, grammar, escapes, surrogate pairs, raw control characters,
/// duplicate keys at every level (compared after unescaping) and a nesting depth of at most
/// [`MAX_DEPTH`]. The returned [`Value`] is a view over the validated text, without the
/// surrounding whitespace.
///
/// ```
/// use twilio_jwt::json::{parse, Kind};
/// use twilio_jwt::json::JsonError;
///
/// let v = parse(b" [1, true, \"x\"] ").unwrap();
/// assert_eq!(v.kind(), Kind::Array);
/// assert_eq!(v.raw(), "[1, true, \"x\"]");
///
/// assert_eq!(parse(b"[1,]"), Err(JsonError::Syntax));
/// assert_eq!(parse(br#"{"exp":1,"\u0065xp":2}"#), Err(JsonError::DuplicateKey));
/// assert_eq!(parse(b"{} {}"), Err(JsonError::TrailingData));
/// ```
pub fn parse(input: &[u8]) -> Result<Value<'_>, JsonError> {
    parse_nested(input, MAX_DEPTH)
}

/// [`parse`] with a lower depth limit, for a value that will sit `MAX_DEPTH - max_depth` levels
/// down inside a token and must still be readable there.
pub(crate) fn parse_nested(input: &[u8], max_depth: usize) -> Result<Value<'_>, JsonError> {
    let text = core::str::from_utf8(input).map_err(|_| JsonError::InvalidUtf8)?;
    let b = text.as_bytes();
    let start = skip_ws(b, 0);
    if start >= b.len() {
        return Err(JsonError::Syntax);
    }
    let end = validate(text, start, max_depth)?;
    if skip_ws(b, end) != b.len() {
        return Err(JsonError::TrailingData);
    }
    let raw = text.get(start..end).ok_or(JsonError::Syntax)?;
    Ok(Value { raw })
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

#[inline]
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Index of the first non-whitespace byte at or after `i` (or `b.len()`).
#[inline]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(&c) = b.get(i) {
        if !is_ws(c) {
            break;
        }
        i += 1;
    }
    i
}

#[inline]
fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        i += 1;
    }
    i
}

/// A number or literal must not run straight into something that looks like more of a token
/// (`01`, `1.2.3`, `truex`): report that as a syntax error rather than trailing data.
#[inline]
fn check_token_end(b: &[u8], i: usize) -> Result<(), JsonError> {
    match b.get(i) {
        Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-' | b'_') => {
            Err(JsonError::Syntax)
        }
        _ => Ok(()),
    }
}

/// How many member names are remembered for the duplicate check (across all open objects);
/// an object whose names do not fit is checked by rescanning it instead.
const KEY_SLOTS: usize = 64;

/// An open container.
#[derive(Clone, Copy)]
struct Open {
    /// Offset of the opening bracket.
    at: usize,
    is_object: bool,
    /// The object's names are `keys[first_key..]`, unless some did not fit.
    first_key: usize,
    keys_overflowed: bool,
}

/// Validate the whole value starting at `pos` (a non-whitespace byte); return the index just
/// past it.
fn validate(text: &str, mut pos: usize, max_depth: usize) -> Result<usize, JsonError> {
    let b = text.as_bytes();
    let mut stack = [Open {
        at: 0,
        is_object: false,
        first_key: 0,
        keys_overflowed: false,
    }; MAX_DEPTH];
    let mut depth = 0usize;
    // The names of the open objects' members, as (start, end) of their raw text, so that
    // duplicates are found without rescanning the object.
    let mut keys = [(0u32, 0u32); KEY_SLOTS];
    let mut nkeys = 0usize;
    'value: loop {
        // Expecting a value.
        pos = skip_ws(b, pos);
        match b.get(pos) {
            Some(&open @ (b'{' | b'[')) => {
                let is_object = open == b'{';
                if depth >= max_depth {
                    return Err(JsonError::TooDeep);
                }
                let slot = stack.get_mut(depth).ok_or(JsonError::TooDeep)?;
                *slot = Open {
                    at: pos,
                    is_object,
                    first_key: nkeys,
                    keys_overflowed: false,
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
                            pos = member(b, pos, slot, &mut keys, &mut nkeys)?;
                        }
                        continue 'value;
                    }
                }
            }
            Some(b'"') => pos = scan_string(b, pos)?,
            Some(b't') => pos = scan_literal(b, pos, b"true")?,
            Some(b'f') => pos = scan_literal(b, pos, b"false")?,
            Some(b'n') => pos = scan_literal(b, pos, b"null")?,
            Some(b'-' | b'0'..=b'9') => pos = scan_number(b, pos)?,
            _ => return Err(JsonError::Syntax),
        }
        // A value is complete: close containers or move on to the next element/member.
        loop {
            let Some(top) = depth.checked_sub(1) else {
                return Ok(pos);
            };
            let open = stack.get_mut(top).ok_or(JsonError::Syntax)?;
            pos = skip_ws(b, pos);
            match b.get(pos) {
                Some(b',') => {
                    pos += 1;
                    if open.is_object {
                        pos = member(b, pos, open, &mut keys, &mut nkeys)?;
                    }
                    continue 'value;
                }
                Some(b'}') if open.is_object => {
                    pos += 1;
                    if open.keys_overflowed {
                        check_duplicates(text.get(open.at..pos).ok_or(JsonError::Syntax)?)?;
                    } else {
                        let names = keys.get(open.first_key..nkeys).unwrap_or_default();
                        check_names(text, names)?;
                    }
                    nkeys = open.first_key;
                    depth = top;
                }
                Some(b']') if !open.is_object => {
                    pos += 1;
                    depth = top;
                }
                _ => return Err(JsonError::Syntax),
            }
        }
    }
}

/// Validate a member's name and colon, remembering the name for the duplicate check.
fn member(
    b: &[u8],
    pos: usize,
    object: &mut Open,
    keys: &mut [(u32, u32); KEY_SLOTS],
    nkeys: &mut usize,
) -> Result<usize, JsonError> {
    let (start, end, next) = scan_key(b, pos)?;
    match (
        keys.get_mut(*nkeys),
        u32::try_from(start),
        u32::try_from(end),
    ) {
        (Some(slot), Ok(start), Ok(end)) if !object.keys_overflowed => {
            *slot = (start, end);
            *nkeys += 1;
        }
        _ => object.keys_overflowed = true,
    }
    Ok(next)
}

/// Duplicate check over an object's remembered member names.
fn check_names(text: &str, names: &[(u32, u32)]) -> Result<(), JsonError> {
    let name =
        |&(start, end): &(u32, u32)| text.get(start as usize..end as usize).unwrap_or_default();
    for (i, a) in names.iter().enumerate() {
        let a = name(a);
        for b in names.get(i + 1..).unwrap_or_default() {
            let b = name(b);
            let same = if a.contains('\\') || b.contains('\\') {
                JsonStr { raw: a } == JsonStr { raw: b }
            } else {
                a == b
            };
            if same {
                return Err(JsonError::DuplicateKey);
            }
        }
    }
    Ok(())
}

/// Validate `"name"` `:` (with optional whitespace) starting at `pos`; return the span of the
/// name's raw text (between the quotes) and the index after the colon.
fn scan_key(b: &[u8], pos: usize) -> Result<(usize, usize, usize), JsonError> {
    let pos = skip_ws(b, pos);
    if b.get(pos) != Some(&b'"') {
        return Err(JsonError::Syntax);
    }
    let end = scan_string(b, pos)?;
    let colon = skip_ws(b, end);
    if b.get(colon) != Some(&b':') {
        return Err(JsonError::Syntax);
    }
    Ok((pos + 1, end - 1, colon + 1))
}

fn scan_literal(b: &[u8], pos: usize, lit: &[u8]) -> Result<usize, JsonError> {
    let end = pos + lit.len();
    if b.get(pos..end) != Some(lit) {
        return Err(JsonError::Syntax);
    }
    check_token_end(b, end)?;
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
        _ => return Err(JsonError::Syntax),
    }
    if b.get(i) == Some(&b'.') {
        let j = skip_digits(b, i + 1);
        if j == i + 1 {
            return Err(JsonError::Syntax);
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
            return Err(JsonError::Syntax);
        }
        i = j;
    }
    check_token_end(b, i)?;
    Ok(i)
}

/// Validate a string starting at its opening quote; return the index after the closing quote.
/// The input is already known to be valid UTF-8, so bytes >= 0x80 are simply skipped.
fn scan_string(b: &[u8], mut i: usize) -> Result<usize, JsonError> {
    i += 1;
    loop {
        i = find(
            b,
            i,
            |x| has_byte(x, b'"') | has_byte(x, b'\\') | below(x, 0x20),
            |c| c == b'"' || c == b'\\' || c < 0x20,
        );
        match b.get(i) {
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => i = scan_escape(b, i + 1)?,
            Some(0x00..=0x1F) => return Err(JsonError::ControlCharacter),
            Some(_) => i += 1,
            None => return Err(JsonError::Syntax),
        }
    }
}

pub(super) const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGH: u64 = ONES * 0x80;

/// Top bit set in each byte of `x` equal to `c` (and possibly in bytes after one that is:
/// only the first flagged byte is exact, which is all [`find`] uses).
#[inline(always)]
pub(super) fn has_byte(x: u64, c: u8) -> u64 {
    let y = x ^ (ONES * u64::from(c));
    y.wrapping_sub(ONES) & !y
}

/// Top bit set in each byte of `x` below `n` (`n` at most 0x80; first flagged byte exact).
#[inline(always)]
pub(super) fn below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x
}

/// Index of the first byte at or after `i` that `hit` accepts (or `b.len()`), testing eight
/// bytes at a time with `flags`, which must flag (top bit) the bytes `hit` accepts.
#[inline(always)]
pub(super) fn find(
    b: &[u8],
    mut i: usize,
    flags: impl Fn(u64) -> u64,
    hit: impl Fn(u8) -> bool,
) -> usize {
    while let Some(Ok(word)) = b.get(i..i + 8).map(<[u8; 8]>::try_from) {
        let flagged = flags(u64::from_le_bytes(word)) & HIGH;
        if flagged != 0 {
            return i + (flagged.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if hit(c) {
            break;
        }
        i += 1;
    }
    i
}

/// Validate an escape whose backslash is just before `i`; return the index after it.
fn scan_escape(b: &[u8], i: usize) -> Result<usize, JsonError> {
    match b.get(i) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 1),
        Some(b'u') => {
            let unit = hex4(b.get(i + 1..i + 5)).ok_or(JsonError::InvalidEscape)?;
            let next = i + 5;
            match unit {
                0xD800..=0xDBFF => {
                    if b.get(next..next + 2) != Some(b"\\u") {
                        return Err(JsonError::LoneSurrogate);
                    }
                    let low = hex4(b.get(next + 2..next + 6)).ok_or(JsonError::InvalidEscape)?;
                    if (0xDC00..=0xDFFF).contains(&low) {
                        Ok(next + 6)
                    } else {
                        Err(JsonError::LoneSurrogate)
                    }
                }
                0xDC00..=0xDFFF => Err(JsonError::LoneSurrogate),
                _ => Ok(next),
            }
        }
        Some(_) => Err(JsonError::InvalidEscape),
        None => Err(JsonError::Syntax),
    }
}

/// Four hex digits (any case) as a UTF-16 code unit.
#[inline]
fn hex4(digits: Option<&[u8]>) -> Option<u32> {
    let digits = digits?;
    if digits.len() != 4 {
        return None;
    }
    let mut v = 0u32;
    for &d in digits {
        let n = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | u32::from(n);
    }
    Some(v)
}

/// Number of keys compared per pass of the duplicate check (stack cost: one `(u64, JsonStr)`
/// per slot).
const DUP_CHUNK: usize = 64;

/// Reject an object (its full, otherwise validated text) with two equal (unescaped) names.
///
/// Without allocation the keys cannot all be remembered, so the members are walked in chunks of
/// [`DUP_CHUNK`] keys: each chunk is fingerprinted (64-bit FNV-1a of the unescaped name), sorted
/// by fingerprint and checked against itself and against every later key (binary search). Equal
/// fingerprints are confirmed by comparing the unescaped names. Cost: O(k log k) fingerprint
/// work plus one walk over the object per chunk.
fn check_duplicates(obj: &str) -> Result<(), JsonError> {
    let mut slots = [(0u64, JsonStr { raw: "" }); DUP_CHUNK];
    let mut cursor = Members {
        rest: obj.get(1..).unwrap_or(""),
    };
    loop {
        let mut n = 0usize;
        for slot in slots.iter_mut() {
            let Some((key, _)) = cursor.next() else { break };
            *slot = (key.fingerprint(), key);
            n += 1;
        }
        let Some(chunk) = slots.get_mut(..n) else {
            return Ok(());
        };
        chunk.sort_unstable_by_key(|slot| slot.0);
        let chunk: &[(u64, JsonStr<'_>)] = chunk;
        for (i, a) in chunk.iter().enumerate() {
            let later = chunk.get(i + 1..).unwrap_or(&[]);
            for b in later.iter().take_while(|b| b.0 == a.0) {
                if a.1 == b.1 {
                    return Err(JsonError::DuplicateKey);
                }
            }
        }
        if n < DUP_CHUNK {
            // The cursor ran out of keys: nothing after this chunk.
            return Ok(());
        }
        for (key, _) in cursor.clone() {
            let h = key.fingerprint();
            let lo = chunk.partition_point(|slot| slot.0 < h);
            let same = chunk.get(lo..).unwrap_or(&[]);
            for slot in same.iter().take_while(|slot| slot.0 == h) {
                if slot.1 == key {
                    return Err(JsonError::DuplicateKey);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scanning already validated text (used by the accessors and iterators)
// ---------------------------------------------------------------------------------------------

/// Index after the closing quote of the string whose opening quote is at `i`.
fn string_end(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut j = i + 1;
    loop {
        // Validated text: only a quote or a backslash matters inside a string.
        j = find(
            b,
            j,
            |x| has_byte(x, b'"') | has_byte(x, b'\\'),
            |c| c == b'"' || c == b'\\',
        );
        match b.get(j)? {
            b'"' => return Some(j + 1),
            _ => j += 2,
        }
    }
}

/// Index just past the value starting at `i` (no leading whitespace).
fn value_end(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes();
    match b.get(i)? {
        b'"' => string_end(text, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                // Jump to the next byte that can change the nesting.
                // `[` and `]` are `{` and `}` without the 0x20 bit.
                j = find(
                    b,
                    j,
                    |x| {
                        let folded = x | (ONES * 0x20);
                        has_byte(x, b'"') | has_byte(folded, b'{') | has_byte(folded, b'}')
                    },
                    |c| matches!(c, b'"' | b'{' | b'[' | b'}' | b']'),
                );
                match b.get(j)? {
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    b'"' => {
                        j = string_end(text, j)?;
                        continue;
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        b',' | b':' | b'}' | b']' => None,
        _ => {
            let mut j = i;
            while let Some(&c) = b.get(j) {
                if is_ws(c) || matches!(c, b',' | b'}' | b']' | b':') {
                    break;
                }
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Value
// ---------------------------------------------------------------------------------------------

/// A validated JSON value: a view over its raw text (without surrounding whitespace).
///
/// Values are only produced by [`parse`] and by the accessors/iterators of another `Value`, so
/// the text is always valid JSON. Equality compares the raw text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value<'a> {
    raw: &'a str,
}

impl<'a> Value<'a> {
    /// A view over text already validated by [`parse`] (no check is made).
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    pub(crate) const fn trusted(raw: &'a str) -> Self {
        Value { raw }
    }

    /// The value's exact source text.
    ///
    /// ```
    /// let v = twilio_jwt::json::parse(b" { \"a\" : [1, 2] } ").unwrap();
    /// assert_eq!(v.raw(), "{ \"a\" : [1, 2] }");
    /// assert_eq!(v.get("a").unwrap().raw(), "[1, 2]");
    /// ```
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The JSON type of the value.
    ///
    /// ```
    /// use twilio_jwt::json::{parse, Kind};
    /// assert_eq!(parse(b"-1.5e3").unwrap().kind(), Kind::Number);
    /// assert_eq!(parse(b"{}").unwrap().kind(), Kind::Object);
    /// ```
    pub fn kind(&self) -> Kind {
        match self.raw.as_bytes().first() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'-' | b'0'..=b'9') => Kind::Number,
            _ => Kind::Null,
        }
    }

    /// Whether the value is `null`.
    pub fn is_null(&self) -> bool {
        self.raw == "null"
    }

    /// `Some(b)` for `true` / `false`, `None` for every other kind.
    pub fn as_bool(&self) -> Option<bool> {
        match self.raw {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// The string, with its escapes intact, if the value is a string.
    ///
    /// ```
    /// let v = twilio_jwt::json::parse(br#""a\nb""#).unwrap();
    /// let s = v.as_str().unwrap();
    /// assert_eq!(s.raw(), r"a\nb");
    /// assert_eq!(s, "a\nb");
    /// ```
    pub fn as_str(&self) -> Option<JsonStr<'a>> {
        let inner = self.raw.strip_prefix('"')?.strip_suffix('"')?;
        Some(JsonStr { raw: inner })
    }

    /// `Some(n)` only for a plain non-negative integer literal (digits only: no `-`, no
    /// fraction, no exponent) below 2^53. This is the rule for JWT time claims
    /// (`exp` / `nbf` / `iat`).
    ///
    /// ```
    /// use twilio_jwt::json::parse;
    /// assert_eq!(parse(b"1700000000").unwrap().as_time(), Some(1_700_000_000));
    /// assert_eq!(parse(b"9007199254740991").unwrap().as_time(), Some((1 << 53) - 1));
    /// assert_eq!(parse(b"9007199254740992").unwrap().as_time(), None);
    /// assert_eq!(parse(b"1.0").unwrap().as_time(), None);
    /// assert_eq!(parse(b"1e3").unwrap().as_time(), None);
    /// assert_eq!(parse(b"-1").unwrap().as_time(), None);
    /// assert_eq!(parse(b"\"1\"").unwrap().as_time(), None);
    /// ```
    pub fn as_time(&self) -> Option<u64> {
        const LIMIT: u64 = 1 << 53;
        let digits = self.raw.as_bytes();
        if digits.is_empty() {
            return None;
        }
        let mut n = 0u64;
        for &d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            if n >= LIMIT {
                return None;
            }
        }
        Some(n)
    }

    /// Look up an object member by its *unescaped* name (`"\u0065xp"` matches `"exp"`).
    /// `None` if the value is not an object or has no such member.
    ///
    /// ```
    /// let v = twilio_jwt::json::parse(br#"{"\u0065xp":5,"a\/b":true}"#).unwrap();
    /// assert_eq!(v.get("exp").unwrap().raw(), "5");
    /// assert_eq!(v.get("a/b").unwrap().as_bool(), Some(true));
    /// assert!(v.get("nbf").is_none());
    /// ```
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.members()
            .find(|(name, _)| name.eq_str(key))
            .map(|(_, value)| value)
    }

    /// Iterate an object's members in document order (an empty iterator if the value is not an
    /// object).
    ///
    /// ```
    /// let v = twilio_jwt::json::parse(br#"{"b":1,"a":[2]}"#).unwrap();
    /// let mut it = v.members();
    /// let (k, val) = it.next().unwrap();
    /// assert_eq!((k.raw(), val.raw()), ("b", "1"));
    /// let (k, val) = it.next().unwrap();
    /// assert_eq!((k.raw(), val.raw()), ("a", "[2]"));
    /// assert!(it.next().is_none());
    /// ```
    pub fn members(&self) -> Members<'a> {
        let rest = self.raw.strip_prefix('{').unwrap_or_default();
        Members { rest }
    }

    /// Iterate an array's elements in order (an empty iterator if the value is not an array).
    ///
    /// ```
    /// let v = twilio_jwt::json::parse(br#"[1, "two", [3]]"#).unwrap();
    /// let raws: Vec<&str> = v.elements().map(|e| e.raw()).collect();
    /// assert_eq!(raws, ["1", "\"two\"", "[3]"]);
    /// ```
    pub fn elements(&self) -> Elements<'a> {
        let rest = self.raw.strip_prefix('[').unwrap_or_default();
        Elements { rest }
    }
}

/// Iterator over the members of an object, from [`Value::members`]: `(name, value)` pairs in
/// document order.
#[derive(Clone, Debug)]
pub struct Members<'a> {
    /// Text after the previous member (and its comma), up to the end of the object.
    rest: &'a str,
}

impl<'a> Members<'a> {
    fn step(&self) -> Option<(JsonStr<'a>, Value<'a>, &'a str)> {
        let text = self.rest;
        let b = text.as_bytes();
        let ks = skip_ws(b, 0);
        if b.get(ks) != Some(&b'"') {
            return None;
        }
        let ke = string_end(text, ks)?;
        let key = text.get(ks + 1..ke - 1)?;
        let colon = skip_ws(b, ke);
        if b.get(colon) != Some(&b':') {
            return None;
        }
        let vs = skip_ws(b, colon + 1);
        let ve = value_end(text, vs)?;
        let value = text.get(vs..ve)?;
        let mut next = skip_ws(b, ve);
        if b.get(next) == Some(&b',') {
            next += 1;
        }
        Some((
            JsonStr { raw: key },
            Value { raw: value },
            text.get(next..)?,
        ))
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = (JsonStr<'a>, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Some((key, value, rest)) => {
                self.rest = rest;
                Some((key, value))
            }
            None => {
                self.rest = "";
                None
            }
        }
    }
}

impl FusedIterator for Members<'_> {}

/// Iterator over the elements of an array, from [`Value::elements`].
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    /// Text after the previous element (and its comma), up to the end of the array.
    rest: &'a str,
}

impl<'a> Elements<'a> {
    fn step(&self) -> Option<(Value<'a>, &'a str)> {
        let text = self.rest;
        let b = text.as_bytes();
        let vs = skip_ws(b, 0);
        let ve = value_end(text, vs)?;
        let value = text.get(vs..ve)?;
        let mut next = skip_ws(b, ve);
        if b.get(next) == Some(&b',') {
            next += 1;
        }
        Some((Value { raw: value }, text.get(next..)?))
    }
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Some((value, rest)) => {
                self.rest = rest;
                Some(value)
            }
            None => {
                self.rest = "";
                None
            }
        }
    }
}

impl FusedIterator for Elements<'_> {}

// ---------------------------------------------------------------------------------------------
// JsonStr
// ---------------------------------------------------------------------------------------------

/// A JSON string as it appears in the document, escapes intact (the text between the quotes).
///
/// Comparisons (`==` with another `JsonStr` or a `&str`, [`JsonStr::eq_str`]) and
/// [`Display`](fmt::Display) work on the unescaped text.
///
/// ```
/// let v = twilio_jwt::json::parse(br#""caf\u00e9 \ud83d\ude00 a\/b""#).unwrap();
/// let s = v.as_str().unwrap();
/// assert_eq!(s.raw(), r"caf\u00e9 \ud83d\ude00 a\/b");
/// assert_eq!(s.as_plain(), None);
/// assert_eq!(s, "café 😀 a/b");
/// assert_eq!(s.unescaped_len(), "café 😀 a/b".len());
/// let mut buf = [0u8; 32];
/// assert_eq!(s.unescape_into(&mut buf), Some("café 😀 a/b"));
/// assert_eq!(s.chars().filter(|c| !c.is_ascii()).count(), 2);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct JsonStr<'a> {
    raw: &'a str,
}

impl<'a> JsonStr<'a> {
    /// The escaped text between the quotes, exactly as in the document.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// `Some(raw)` when the string contains no backslash, i.e. its raw text is already its
    /// value.
    pub fn as_plain(&self) -> Option<&'a str> {
        (!self.has_escapes()).then_some(self.raw)
    }

    #[inline]
    fn has_escapes(&self) -> bool {
        self.raw.as_bytes().contains(&b'\\')
    }

    /// The unescaped characters (surrogate pairs combined into one `char`).
    pub fn chars(&self) -> Chars<'a> {
        Chars { rest: self.raw }
    }

    fn segments(&self) -> Segments<'a> {
        Segments { rest: self.raw }
    }

    /// Length in bytes of the unescaped text encoded as UTF-8.
    pub fn unescaped_len(&self) -> usize {
        self.segments()
            .map(|seg| match seg {
                Segment::Run(run) => run.len(),
                Segment::Char(c) => c.len_utf8(),
            })
            .sum()
    }

    /// Write the unescaped text into `buf` and return it as a `&str`; `None` if `buf` is too
    /// small (see [`JsonStr::unescaped_len`]).
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Option<&'b str> {
        let mut len = 0usize;
        for seg in self.segments() {
            match seg {
                Segment::Run(run) => {
                    let end = len.checked_add(run.len())?;
                    buf.get_mut(len..end)?.copy_from_slice(run.as_bytes());
                    len = end;
                }
                Segment::Char(c) => {
                    let end = len.checked_add(c.len_utf8())?;
                    c.encode_utf8(buf.get_mut(len..end)?);
                    len = end;
                }
            }
        }
        let buf: &'b [u8] = buf;
        core::str::from_utf8(buf.get(..len)?).ok()
    }

    /// Whether the unescaped text equals `s` (fast path when the string has no escapes).
    pub fn eq_str(&self, s: &str) -> bool {
        if !self.has_escapes() {
            return self.raw == s;
        }
        let mut rest = s;
        for seg in self.segments() {
            let next = match seg {
                Segment::Run(run) => rest.strip_prefix(run),
                Segment::Char(c) => rest.strip_prefix(c),
            };
            match next {
                Some(next) => rest = next,
                None => return false,
            }
        }
        rest.is_empty()
    }

    /// 64-bit FNV-1a over the unescaped UTF-8 bytes (duplicate-key fingerprint).
    fn fingerprint(&self) -> u64 {
        const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        fn feed(mut h: u64, bytes: &[u8]) -> u64 {
            for &byte in bytes {
                h = (h ^ u64::from(byte)).wrapping_mul(PRIME);
            }
            h
        }
        let mut h = OFFSET;
        for seg in self.segments() {
            h = match seg {
                Segment::Run(run) => feed(h, run.as_bytes()),
                Segment::Char(c) => feed(h, c.encode_utf8(&mut [0u8; 4]).as_bytes()),
            };
        }
        h
    }
}

impl PartialEq for JsonStr<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.as_plain(), other.as_plain()) {
            (Some(a), Some(b)) => a == b,
            _ => self.chars().eq(other.chars()),
        }
    }
}

impl Eq for JsonStr<'_> {}

impl PartialEq<str> for JsonStr<'_> {
    fn eq(&self, other: &str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<&str> for JsonStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.eq_str(other)
    }
}

impl fmt::Display for JsonStr<'_> {
    /// Writes the unescaped text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        for seg in self.segments() {
            match seg {
                Segment::Run(run) => f.write_str(run)?,
                Segment::Char(c) => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// Iterator over the unescaped characters of a [`JsonStr`], from [`JsonStr::chars`].
#[derive(Clone, Debug)]
pub struct Chars<'a> {
    rest: &'a str,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let mut it = self.rest.chars();
        let c = it.next()?;
        if c != '\\' {
            self.rest = it.as_str();
            return Some(c);
        }
        match decode_escape(it.as_str()) {
            Some((c, rest)) => {
                self.rest = rest;
                Some(c)
            }
            None => {
                self.rest = "";
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Every char takes 1..=12 bytes of raw text (`\uXXXX\uXXXX` for 2 chars is 6 per char,
        // a 4-byte UTF-8 char is 4).
        let len = self.rest.len();
        (len.div_ceil(12), Some(len))
    }
}

impl FusedIterator for Chars<'_> {}

/// A piece of a string's unescaped text: a run of literal text or one escaped character.
enum Segment<'a> {
    Run(&'a str),
    Char(char),
}

struct Segments<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        match self.rest.find('\\') {
            None => {
                let run = self.rest;
                self.rest = "";
                Some(Segment::Run(run))
            }
            Some(0) => match self.rest.get(1..).and_then(decode_escape) {
                Some((c, rest)) => {
                    self.rest = rest;
                    Some(Segment::Char(c))
                }
                None => {
                    self.rest = "";
                    None
                }
            },
            Some(i) => {
                let (run, rest) = self.rest.split_at_checked(i)?;
                self.rest = rest;
                Some(Segment::Run(run))
            }
        }
    }
}

/// Decode the escape that follows a backslash at the start of `s`; return the character and the
/// text after the escape. `None` for anything that is not a valid escape (cannot happen on
/// validated text).
fn decode_escape(s: &str) -> Option<(char, &str)> {
    let b = s.as_bytes();
    let c = match b.first()? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let unit = hex4(b.get(1..5))?;
            if (0xD800..=0xDBFF).contains(&unit) {
                if b.get(5..7)? != b"\\u" {
                    return None;
                }
                let low = hex4(b.get(7..11))?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return None;
                }
                let cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                return Some((char::from_u32(cp)?, s.get(11..)?));
            }
            // A lone low surrogate is not a char: from_u32 returns None.
            return Some((char::from_u32(unit)?, s.get(5..)?));
        }
        _ => return None,
    };
    Some((c, s.get(1..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: &str) -> JsonError {
        match parse(input.as_bytes()) {
            Ok(v) => panic!("{input:?} parsed as {v:?}"),
            Err(e) => e,
        }
    }

    fn ok(input: &str) -> Value<'_> {
        match parse(input.as_bytes()) {
            Ok(v) => v,
            Err(e) => panic!("{input:?} rejected: {e:?}"),
        }
    }

    #[test]
    fn skip_ws_stops_at_non_ws() {
        assert_eq!(skip_ws(b" \t\r\nx", 0), 4);
        assert_eq!(skip_ws(b"   ", 0), 3);
        assert_eq!(skip_ws(b"", 0), 0);
        assert_eq!(skip_ws(b"a", 5), 5);
        // Form feed and vertical tab are not JSON whitespace.
        assert_eq!(skip_ws(b"\x0c", 0), 0);
        assert_eq!(skip_ws(b"\x0b", 0), 0);
    }

    #[test]
    fn scan_number_grammar() {
        for good in [
            "0", "-0", "1", "-1", "10", "0.5", "1.25e10", "1E+2", "1e-2", "-0.0e0",
        ] {
            assert_eq!(scan_number(good.as_bytes(), 0), Ok(good.len()), "{good}");
        }
        for bad in [
            "-", "01", "1.", ".1", "1e", "1e+", "+1", "1.e3", "0x1", "1.2.3", "1a",
        ] {
            assert_eq!(
                scan_number(bad.as_bytes(), 0),
                Err(JsonError::Syntax),
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
        assert_eq!(scan_string(br#""abc""#, 0), Ok(5));
        assert_eq!(scan_string(br#""a\"b""#, 0), Ok(6));
        assert_eq!(scan_string(br#""\u00e9""#, 0), Ok(8));
        assert_eq!(scan_string(br#""\uD83D\uDE00""#, 0), Ok(14));
        assert_eq!(scan_string(br#""abc"#, 0), Err(JsonError::Syntax));
        assert_eq!(
            scan_string(b"\"a\x01\"", 0),
            Err(JsonError::ControlCharacter)
        );
        assert_eq!(scan_string(br#""\x""#, 0), Err(JsonError::InvalidEscape));
        assert_eq!(scan_string(br#""\u12""#, 0), Err(JsonError::InvalidEscape));
        assert_eq!(
            scan_string(br#""\ud800""#, 0),
            Err(JsonError::LoneSurrogate)
        );
        assert_eq!(
            scan_string(br#""\udc00""#, 0),
            Err(JsonError::LoneSurrogate)
        );
        assert_eq!(
            scan_string(br#""\ud800\u0041""#, 0),
            Err(JsonError::LoneSurrogate)
        );
        assert_eq!(
            scan_string(br#""\ud800\n""#, 0),
            Err(JsonError::LoneSurrogate)
        );
        assert_eq!(
            scan_string(br#""\ud800\uzzzz""#, 0),
            Err(JsonError::InvalidEscape)
        );
    }

    #[test]
    fn hex4_cases() {
        assert_eq!(hex4(Some(b"00e9")), Some(0xe9));
        assert_eq!(hex4(Some(b"FfFf")), Some(0xffff));
        assert_eq!(hex4(Some(b"12g4")), None);
        assert_eq!(hex4(Some(b"123")), None);
        assert_eq!(hex4(None), None);
    }

    #[test]
    fn decode_escape_cases() {
        assert_eq!(decode_escape("nrest"), Some(('\n', "rest")));
        assert_eq!(decode_escape("u00e9x"), Some(('é', "x")));
        assert_eq!(decode_escape(r"ud83d\ude00!"), Some(('😀', "!")));
        assert_eq!(decode_escape("udc00"), None);
        assert_eq!(decode_escape(r"ud83d\u0041"), None);
        assert_eq!(decode_escape("ud83d"), None);
        assert_eq!(decode_escape("q"), None);
        assert_eq!(decode_escape(""), None);
    }

    #[test]
    fn word_search_finds_the_first_hit() {
        // Every byte value at every position of a 19-byte run (two words and a remainder),
        // with a hit right behind it to tempt the word tests.
        let string_stop = |c: u8| c == b'"' || c == b'\\' || c < 0x20;
        let nesting = |c: u8| matches!(c, b'"' | b'{' | b'[' | b'}' | b']');
        let lengths: &[usize] = if cfg!(miri) {
            &[9, 19]
        } else {
            &[0, 1, 7, 8, 9, 16, 19]
        };
        for &len in lengths {
            for at in 0..len {
                for c in 0..=255u8 {
                    let mut bytes = [b'a'; 19];
                    bytes[at] = c;
                    if at + 1 < len {
                        bytes[at + 1] = if c == b'"' { b'{' } else { b'"' };
                    }
                    let b = &bytes[..len];
                    let naive =
                        |hit: &dyn Fn(u8) -> bool| b.iter().position(|&c| hit(c)).unwrap_or(len);
                    let got = find(
                        b,
                        0,
                        |x| has_byte(x, b'"') | has_byte(x, b'\\') | below(x, 0x20),
                        string_stop,
                    );
                    assert_eq!(got, naive(&string_stop), "{b:?}");
                    let folded = |x: u64| x | (ONES * 0x20);
                    let got = find(
                        b,
                        0,
                        |x| {
                            has_byte(x, b'"')
                                | has_byte(folded(x), b'{')
                                | has_byte(folded(x), b'}')
                        },
                        nesting,
                    );
                    assert_eq!(got, naive(&nesting), "{b:?}");
                }
            }
        }
    }

    #[test]
    fn value_end_on_validated_text() {
        assert_eq!(value_end(r#"{"a":"}"} ,"#, 0), Some(9));
        assert_eq!(value_end(r#"[1,[2],"]"]x"#, 0), Some(11));
        assert_eq!(value_end("123,", 0), Some(3));
        assert_eq!(value_end("true}", 0), Some(4));
        assert_eq!(value_end(r#""a\"b" "#, 0), Some(6));
        // Misuse never panics and never loops.
        assert_eq!(value_end("", 0), None);
        assert_eq!(value_end(",", 0), None);
        assert_eq!(value_end("[[", 0), None);
        assert_eq!(value_end("]", 0), None);
        assert_eq!(value_end("\"\\", 0), None);
    }

    #[test]
    fn iterators_stop_on_garbage() {
        // Not reachable through `parse`, but must not panic or loop.
        let bad = [
            "",
            "{",
            "[",
            "{\"a\"",
            "{\"a\":",
            "{\"a\" 1}",
            "[,]",
            "[1,,2]",
            "{,}",
            "{\"a",
            "\\",
        ];
        for text in bad {
            let v = Value { raw: text };
            assert!(v.members().count() <= 1);
            assert!(v.elements().count() <= 2);
            let _ = v.get("a");
            let s = JsonStr { raw: text };
            let _ = s.chars().count();
            let _ = s.unescaped_len();
            let _ = s.eq_str("a");
        }
        let s = JsonStr { raw: r"ab\q" };
        assert_eq!(s.chars().collect::<heapless_string::S>().as_str(), "ab");
    }

    #[test]
    fn fused_iterators() {
        let v = ok("[1]");
        let mut it = v.elements();
        assert!(it.next().is_some());
        assert!(it.next().is_none());
        assert!(it.next().is_none());
        let v = ok(r#"{"a":1}"#);
        let mut it = v.members();
        assert!(it.next().is_some());
        assert!(it.next().is_none());
        assert!(it.next().is_none());
    }

    #[test]
    fn fingerprint_ignores_escaping() {
        let a = JsonStr { raw: "exp" };
        let b = JsonStr { raw: r"\u0065xp" };
        let c = JsonStr {
            raw: r"e\u0078\u0070",
        };
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), c.fingerprint());
        assert_ne!(a.fingerprint(), JsonStr { raw: "exq" }.fingerprint());
        assert_eq!(a, b);
        assert_eq!(b, c);
    }

    #[test]
    fn duplicates_across_chunks() {
        // Build objects with more keys than one chunk, with the duplicate in various places.
        let mut buf = [0u8; 8192];
        for n in [2usize, 63, 64, 65, 127, 128, 129, 200] {
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
                assert_eq!(
                    parse(&buf[..len]),
                    Err(JsonError::DuplicateKey),
                    "n={n} dup {first}/{second}"
                );
            }
            let len = build_object(&mut buf, n, None);
            let v = parse(&buf[..len]).unwrap();
            assert_eq!(v.members().count(), n);
        }
    }

    /// `{"k0":0,"k1":1,...}`; with `dup = Some((i, j))`, key `j` repeats key `i` (escaped).
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
    fn depth_limit() {
        let mut buf = [0u8; 256];
        for (depth, expect_ok) in [(1, true), (15, true), (16, true), (17, false), (30, false)] {
            for (open, close) in [(b'[', b']'), (b'{', b'}')] {
                let mut len = 0;
                for level in 0..depth {
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
                let r = parse(&buf[..end]);
                if expect_ok {
                    assert!(r.is_ok(), "depth {depth} {}", open as char);
                } else {
                    assert_eq!(r, Err(JsonError::TooDeep), "depth {depth}");
                }
            }
        }
    }

    #[test]
    fn basic_accept_reject() {
        assert_eq!(ok(" null ").kind(), Kind::Null);
        assert!(ok("null").is_null());
        assert_eq!(ok("true").as_bool(), Some(true));
        assert_eq!(ok("false").as_bool(), Some(false));
        assert_eq!(ok("\"\"").as_str().unwrap().raw(), "");
        assert_eq!(err(""), JsonError::Syntax);
        assert_eq!(err(" \n"), JsonError::Syntax);
        assert_eq!(err("1 2"), JsonError::TrailingData);
        assert_eq!(err("01"), JsonError::Syntax);
        assert_eq!(err("truex"), JsonError::Syntax);
        assert_eq!(err("[1] ,"), JsonError::TrailingData);
        assert_eq!(err("{\"a\":1,\"a\":2}"), JsonError::DuplicateKey);
        assert_eq!(
            err("{\"a\":1,\"b\":{\"c\":1,\"c\":2}}"),
            JsonError::DuplicateKey
        );
        assert_eq!(err("[\"\\u0000\x00\"]"), JsonError::ControlCharacter);
    }

    #[test]
    fn as_time_limits() {
        assert_eq!(ok("0").as_time(), Some(0));
        assert_eq!(
            ok("9007199254740991").as_time(),
            Some(9_007_199_254_740_991)
        );
        assert_eq!(ok("9007199254740992").as_time(), None);
        assert_eq!(ok("99999999999999999999999999").as_time(), None);
        assert_eq!(ok("-0").as_time(), None);
        assert_eq!(ok("1.0").as_time(), None);
        assert_eq!(ok("true").as_time(), None);
    }

    #[test]
    fn json_str_ops() {
        let v = ok(r#""a\tb\u00e9\ud83d\ude00\/""#);
        let s = v.as_str().unwrap();
        assert!(s.eq_str("a\tbé😀/"));
        assert!(!s.eq_str("a\tbé😀"));
        assert!(!s.eq_str("a\tbé😀//"));
        assert_eq!(s.unescaped_len(), "a\tbé😀/".len());
        let mut small = [0u8; 4];
        assert_eq!(s.unescape_into(&mut small), None);
        let mut exact = [0u8; 10];
        assert_eq!(s.unescape_into(&mut exact), Some("a\tbé😀/"));
    }

    /// A tiny fixed-capacity string so the `no_std` unit tests can collect chars.
    mod heapless_string {
        pub struct S {
            buf: [u8; 64],
            len: usize,
        }
        impl S {
            pub fn as_str(&self) -> &str {
                core::str::from_utf8(&self.buf[..self.len]).unwrap()
            }
        }
        impl FromIterator<char> for S {
            fn from_iter<I: IntoIterator<Item = char>>(iter: I) -> Self {
                let mut s = S {
                    buf: [0; 64],
                    len: 0,
                };
                for c in iter {
                    let n = c.len_utf8();
                    c.encode_utf8(&mut s.buf[s.len..s.len + n]);
                    s.len += n;
                }
                s
            }
        }
    }
}
