//! Lazy views over validated text: [`Value`], [`Members`], [`Elements`].
//!
//! Nothing is checked here (the text was validated by [`parse`](super::parse)); every step
//! still bounds-checks and stops on anything unexpected, so misuse never panics or loops.

use core::iter::FusedIterator;

use super::read::{is_ws, skip_ws};
use super::swar::{ONES, find, has_byte};
use super::unescape::JsonStr;

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

/// Index after the closing quote of the string whose opening quote is at `i`.
pub(super) fn string_end(text: &str, i: usize) -> Option<usize> {
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
pub(super) fn value_end(text: &str, i: usize) -> Option<usize> {
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

/// The number written by eight ASCII digits, the first in the low byte of `x`; `None` unless
/// every byte is a digit.
fn eight_digits(x: u64) -> Option<u64> {
    const HIGH_NIBBLES: u64 = ONES * 0xf0;
    // A digit is 0x30..=0x39: high nibble 3, and adding 6 keeps it 3. Once every high nibble
    // is 3, adding 6 carries into no other byte.
    let all_digits =
        x & HIGH_NIBBLES == ONES * 0x30 && x.wrapping_add(ONES * 6) & HIGH_NIBBLES == ONES * 0x30;
    if !all_digits {
        return None;
    }
    // Digit pairs, then groups of four, then all eight, each step in the low half of lanes
    // twice as wide; the bits above each lane's value are masked off.
    let x = x - ONES * 0x30;
    let x = (x.wrapping_mul(10) + (x >> 8)) & 0x00ff_00ff_00ff_00ff;
    let x = (x.wrapping_mul(100) + (x >> 16)) & 0x0000_ffff_0000_ffff;
    Some((x.wrapping_mul(10_000) + (x >> 32)) & 0xffff_ffff)
}

// ---------------------------------------------------------------------------------------------
// Value
// ---------------------------------------------------------------------------------------------

/// A validated JSON value: a view over its raw text (without surrounding whitespace).
///
/// Values are only produced by [`parse`](super::parse) and by the accessors/iterators of another `Value`, so
/// the text is always valid JSON. Equality compares the raw text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value<'a> {
    pub(super) raw: &'a str,
}

impl<'a> Value<'a> {
    /// A view over text already validated by [`parse`](super::parse) (no check is made).
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
    #[inline]
    pub fn as_time(&self) -> Option<u64> {
        const LIMIT: u64 = 1 << 53;
        let digits = self.raw.as_bytes();
        // Sixteen digits cannot overflow a u64 (2^53 itself has sixteen); longer is too large
        // anyway, whatever the digits (a number has no leading zeros).
        if digits.is_empty() || digits.len() > 16 {
            return None;
        }
        // A time is ten digits until 2286: eight at once, then one at a time.
        let (words, rest) = digits.as_chunks::<8>();
        let mut n = 0u64;
        for word in words {
            n = n * 100_000_000 + eight_digits(u64::from_le_bytes(*word))?;
        }
        for &d in rest {
            if !d.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u64::from(d - b'0');
        }
        (n < LIMIT).then_some(n)
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
        // The walk of `members()`, by index: a name is only sliced out when it is long enough
        // to be `key` (an escape is longer than what it stands for), a value only when found.
        let text = self.raw.strip_prefix('{')?;
        let mut at = 0;
        loop {
            let member = member_at(text, at)?;
            let (start, end) = member.name;
            if end - start >= key.len()
                && text
                    .get(start..end)
                    .is_some_and(|raw| JsonStr { raw }.eq_str(key))
            {
                return text
                    .get(member.value.0..member.value.1)
                    .map(|raw| Value { raw });
            }
            at = member.next;
        }
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
    pub(super) rest: &'a str,
}

/// Where the member at `at` in an object's validated text (after its `{` or a comma) is: the
/// raw text of its name and its value, as `(start, end)` offsets, and where the next member
/// would start (past the comma, if there is one).
struct MemberAt {
    name: (usize, usize),
    value: (usize, usize),
    next: usize,
}

fn member_at(text: &str, at: usize) -> Option<MemberAt> {
    let b = text.as_bytes();
    let ks = skip_ws(b, at);
    if b.get(ks) != Some(&b'"') {
        return None;
    }
    let ke = string_end(text, ks)?;
    let colon = skip_ws(b, ke);
    if b.get(colon) != Some(&b':') {
        return None;
    }
    let vs = skip_ws(b, colon + 1);
    let ve = value_end(text, vs)?;
    let mut next = skip_ws(b, ve);
    if b.get(next) == Some(&b',') {
        next += 1;
    }
    Some(MemberAt {
        name: (ks + 1, ke - 1),
        value: (vs, ve),
        next,
    })
}

impl<'a> Members<'a> {
    fn step(&self) -> Option<(JsonStr<'a>, Value<'a>, &'a str)> {
        let text = self.rest;
        let member = member_at(text, 0)?;
        Some((
            JsonStr {
                raw: text.get(member.name.0..member.name.1)?,
            },
            Value {
                raw: text.get(member.value.0..member.value.1)?,
            },
            text.get(member.next..)?,
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

#[cfg(test)]
mod tests {
    use super::*;

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
        }
    }

    #[test]
    fn get_finds_what_members_finds() {
        let docs = [
            r#"{"a":1,"b":[1,{"a":2}],"c":{"d":"x"},"dd":"}","e":"\"a\""}"#,
            " { \"a\" : 1 ,\n\"\\u0062\" : \"two\" , \"ccc\":null\t} ",
            r#"{"room":"DailyStandup"}"#,
            r#"{"a\nb":true,"ab":false,"a\\b":0,"\u00e9":"e"}"#,
            r#"{"":1,"x":2}"#,
            "{}",
            "[1,2]",
            r#""a""#,
        ];
        let keys = [
            "a", "b", "c", "d", "dd", "e", "ccc", "room", "a\nb", "ab", "a\\b", "\u{e9}", "",
        ];
        for doc in docs {
            let value = crate::json::parse(doc.as_bytes()).unwrap();
            for key in keys {
                let walked = value.members().find(|(name, _)| name.eq_str(key));
                assert_eq!(value.get(key), walked.map(|(_, v)| v), "{doc} {key}");
            }
        }
    }

    #[test]
    fn fused_iterators() {
        let v = Value { raw: "[1]" };
        let mut it = v.elements();
        assert!(it.next().is_some());
        assert!(it.next().is_none());
        assert!(it.next().is_none());
        let v = Value { raw: r#"{"a":1}"# };
        let mut it = v.members();
        assert!(it.next().is_some());
        assert!(it.next().is_none());
        assert!(it.next().is_none());
    }

    #[test]
    fn eight_digits_reads_every_digit_and_refuses_every_other_byte() {
        for n in [
            0u64, 1, 9, 10, 12_345_678, 99_999_999, 17_000_000, 90_000_001,
        ] {
            let text = std::format!("{n:08}");
            let word = u64::from_le_bytes(text.as_bytes().try_into().unwrap());
            assert_eq!(eight_digits(word), Some(n), "{text}");
        }
        for at in 0..8 {
            for c in (0..=255u8).filter(|c| !c.is_ascii_digit()) {
                let mut text = *b"98765432";
                text[at] = c;
                assert_eq!(eight_digits(u64::from_le_bytes(text)), None, "{at} {c}");
            }
        }
    }

    #[test]
    fn as_time_agrees_with_parse_at_every_length() {
        let digits = b"9007199254740993141592653";
        for len in 1..=digits.len() {
            for start in [0, 3, 7] {
                let Some(text) = digits.get(start..start + len) else {
                    continue;
                };
                let raw = core::str::from_utf8(text).unwrap();
                let expected = raw
                    .parse::<u64>()
                    .ok()
                    .filter(|&n| len <= 16 && n < 1 << 53);
                assert_eq!(Value { raw }.as_time(), expected, "{raw}");
            }
        }
    }

    #[test]
    fn as_time_limits() {
        let t = |raw| Value { raw }.as_time();
        assert_eq!(t("0"), Some(0));
        assert_eq!(t("9007199254740991"), Some(9_007_199_254_740_991));
        assert_eq!(t("9007199254740992"), None);
        assert_eq!(t("99999999999999999999999999"), None);
        assert_eq!(t("9999999999999999"), None);
        assert_eq!(t("1700000000"), Some(1_700_000_000));
        assert_eq!(t("17000000001"), Some(17_000_000_001));
        assert_eq!(t(""), None);
        assert_eq!(t("1a"), None);
        assert_eq!(t("-0"), None);
        assert_eq!(t("1.0"), None);
        assert_eq!(t("true"), None);
    }
}
