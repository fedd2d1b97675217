//! [`JsonStr`]: a string as written in the document, unescaped lazily; and the key hash used by
//! the duplicate check, computed over the unescaped text.

use super::swar;
use core::fmt;
use core::iter::FusedIterator;

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
    pub(super) raw: &'a str,
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
    pub(super) fn has_escapes(&self) -> bool {
        swar::contains(self.raw.as_bytes(), b'\\')
    }

    /// The unescaped characters (surrogate pairs combined into one `char`).
    pub fn chars(&self) -> Chars<'a> {
        Chars { rest: self.raw }
    }

    pub(super) fn segments(&self) -> Segments<'a> {
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
    #[inline]
    pub fn eq_str(&self, s: &str) -> bool {
        // An escape is always longer than what it stands for: text as long as `s` equals it
        // only when it is `s` itself, escape-free; shorter text never does.
        match self.raw.len().cmp(&s.len()) {
            core::cmp::Ordering::Less => false,
            core::cmp::Ordering::Equal => {
                swar::equal_without(self.raw.as_bytes(), s.as_bytes(), b'\\')
            }
            core::cmp::Ordering::Greater if !self.has_escapes() => false,
            core::cmp::Ordering::Greater => self.eq_str_escaped(s),
        }
    }

    /// [`eq_str`](Self::eq_str) for text with escapes: kept out of line, so that the common
    /// case stays a few instructions wherever it is inlined.
    #[inline(never)]
    fn eq_str_escaped(&self, s: &str) -> bool {
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

    /// Hash of the unescaped UTF-8 text, equal for every spelling of the same name (`"exp"`,
    /// `"\u0065xp"`). Used by the duplicate-key check.
    pub(super) fn key_hash(&self) -> u32 {
        let raw = self.raw.as_bytes();
        if self.has_escapes() {
            return self.escaped_key_hash();
        }
        if raw.len() < 8 {
            let mut word = [0u8; 8];
            if let Some(dst) = word.get_mut(..raw.len()) {
                dst.copy_from_slice(raw);
            }
            return short_key_hash(u64::from_le_bytes(word), raw.len());
        }
        let mut h = KeyHasher::default();
        h.write(raw);
        h.finish()
    }

    /// [`key_hash`](Self::key_hash) of text with escapes, out of line as `eq_str_escaped` is.
    #[inline(never)]
    fn escaped_key_hash(&self) -> u32 {
        let mut h = KeyHasher::default();
        for seg in self.segments() {
            match seg {
                Segment::Run(run) => h.write(run.as_bytes()),
                Segment::Char(c) => h.write(c.encode_utf8(&mut [0u8; 4]).as_bytes()),
            }
        }
        h.finish()
    }
}

/// [`JsonStr::key_hash`] of the name whose unescaped text is `text`; `const`, so that the
/// names a caller looks for are hashed once, at compile time.
pub(super) const fn text_hash(text: &str) -> u32 {
    let mut h = KeyHasher {
        h: 0,
        word: 0,
        filled: 0,
        len: text.len() as u64,
    };
    // Byte by byte, as `write` takes a tail: the same state, whatever the cut.
    let mut rest = text.as_bytes();
    while let [c, tail @ ..] = rest {
        h.push(*c);
        rest = tail;
    }
    h.finish()
}

/// [`JsonStr::key_hash`] of a name of `len` (< 8) bytes without escapes, given as the low bytes
/// of `word` (little-endian; the other bytes are ignored): the state `write` leaves after it.
#[inline]
pub(super) fn short_key_hash(word: u64, len: usize) -> u32 {
    let mask = (1u64 << (8 * (len & 7))) - 1;
    KeyHasher {
        h: 0,
        word: word & mask,
        filled: len as u32,
        len: len as u64,
    }
    .finish()
}

/// [`JsonStr::key_hash`] of a plain name (no escapes) of `len` bytes whose text starts
/// `window` (at least 16 bytes when `len` is 8 or more): `None` when the window is too short
/// for the name, or the name is 16 bytes or longer.
#[inline(always)]
pub(super) fn plain_key_hash(window: &[u8], len: usize) -> Option<u32> {
    let word = |at: usize| {
        window
            .get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map(u64::from_le_bytes)
    };
    if len < 8 {
        return Some(short_key_hash(word(0)?, len));
    }
    if len >= 16 {
        return None;
    }
    // The state `write` leaves after one whole word and `len - 8` more bytes.
    let mut h = KeyHasher::default();
    h.mix(word(0)?);
    let rest = len - 8;
    h.word = word(8)? & ((1u64 << (8 * rest)) - 1);
    h.filled = rest as u32;
    h.len = len as u64;
    Some(h.finish())
}

/// A word-at-a-time multiplicative hash (FxHash's step) over a byte stream, independent of how
/// the stream is cut into `write` calls, with a final avalanche so that the low bits (the hash
/// table's slot) depend on every byte.
#[derive(Default)]
struct KeyHasher {
    h: u64,
    word: u64,
    filled: u32,
    len: u64,
}

impl KeyHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    #[inline]
    const fn mix(&mut self, word: u64) {
        self.h = (self.h.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }

    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.filled == 0 {
            let mut words = bytes.chunks_exact(8);
            for w in &mut words {
                let mut word = [0u8; 8];
                word.copy_from_slice(w);
                self.mix(u64::from_le_bytes(word));
            }
            bytes = words.remainder();
        }
        for &b in bytes {
            self.push(b);
        }
    }

    #[inline]
    const fn push(&mut self, b: u8) {
        self.word |= (b as u64) << (8 * self.filled);
        self.filled += 1;
        if self.filled == 8 {
            let word = self.word;
            self.mix(word);
            self.word = 0;
            self.filled = 0;
        }
    }

    #[inline]
    const fn finish(mut self) -> u32 {
        let (word, len) = (self.word, self.len);
        self.mix(word);
        self.mix(len);
        let mut h = self.h;
        h ^= h >> 32;
        h = h.wrapping_mul(0xd6e8_feb8_6659_fd93);
        h ^= h >> 32;
        h as u32
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
pub(super) enum Segment<'a> {
    Run(&'a str),
    Char(char),
}

pub(super) struct Segments<'a> {
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

/// Four hex digits (any case) as a UTF-16 code unit.
#[inline]
pub(super) fn hex4(digits: Option<&[u8]>) -> Option<u32> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn eq_str_compares_unescaped_text_whatever_the_lengths() {
        let eq = |raw: &str, s: &str| JsonStr { raw }.eq_str(s);
        assert!(eq("exp", "exp"));
        assert!(!eq("exp", "ex"));
        assert!(!eq("ex", "exp"));
        assert!(!eq("", "a"));
        assert!(eq("", ""));
        // Raw text as long as `s` with an escape in it is never `s`, even when the bytes match.
        assert!(!eq(r"\n", "\\n"));
        assert!(!eq(r"\\", "\\\\"));
        // Longer raw text equals `s` only through its escapes.
        assert!(eq(r"\u0065xp", "exp"));
        assert!(eq(r"a\\b", "a\\b"));
        assert!(eq(r"\ud83d\ude00", "😀"));
        assert!(!eq(r"\u0065xq", "exp"));
        assert!(!eq("expx", "exp"));
    }

    #[test]
    fn const_text_hash_is_the_key_hash() {
        // Byte by byte at compile time, a word at a time (and from one word) at run time.
        const GRANTS: u32 = text_hash("grants");
        assert_eq!(GRANTS, JsonStr { raw: "grants" }.key_hash());
        let text = "abcdefghijklmnopqrstuvwxyz0123456789";
        for len in 0..=text.len() {
            let raw = &text[..len];
            assert_eq!(text_hash(raw), JsonStr { raw }.key_hash(), "{len}");
            let mut h = KeyHasher::default();
            h.write(raw.as_bytes());
            assert_eq!(text_hash(raw), h.finish(), "{len}");
        }
    }

    #[test]
    fn key_hash_ignores_escaping_and_chunking() {
        let a = JsonStr { raw: "exp" };
        let b = JsonStr { raw: r"\u0065xp" };
        let c = JsonStr {
            raw: r"e\u0078\u0070",
        };
        assert_eq!(a.key_hash(), b.key_hash());
        assert_eq!(a.key_hash(), c.key_hash());
        assert_eq!(a.key_hash(), text_hash("exp"));
        assert_eq!(JsonStr { raw: r"a\\b" }.key_hash(), text_hash(r"a\b"));
        assert_ne!(a.key_hash(), JsonStr { raw: "exq" }.key_hash());
        assert_eq!(a, b);
        assert_eq!(b, c);
        // Escapes that cut the text at every offset of an 8-byte word.
        let plain = "abcdefghijklmnopqrstu";
        let mut buf = [0u8; 64];
        for at in 0..plain.len() {
            let (head, tail) = plain.split_at(at);
            let mut len = 0;
            for part in [
                head.as_bytes(),
                br"\u00",
                &[b'6', tail.as_bytes()[0] - b'a' + b'1'][..],
            ] {
                buf[len..len + part.len()].copy_from_slice(part);
                len += part.len();
            }
            let rest = &tail.as_bytes()[1..];
            buf[len..len + rest.len()].copy_from_slice(rest);
            len += rest.len();
            let escaped = JsonStr {
                raw: core::str::from_utf8(&buf[..len]).unwrap(),
            };
            if tail.as_bytes()[0] > b'i' {
                continue; // \u006X only spells a..i with one hex digit
            }
            assert!(escaped.eq_str(plain), "{}", escaped.raw);
            assert_eq!(
                escaped.key_hash(),
                JsonStr { raw: plain }.key_hash(),
                "{at}"
            );
        }
    }

    #[test]
    fn json_str_ops() {
        let s = JsonStr {
            raw: r#"a\tb\u00e9\ud83d\ude00\/"#,
        };
        assert!(s.eq_str("a\tbé😀/"));
        assert!(!s.eq_str("a\tbé😀"));
        assert!(!s.eq_str("a\tbé😀//"));
        assert_eq!(s.unescaped_len(), "a\tbé😀/".len());
        let mut small = [0u8; 4];
        assert_eq!(s.unescape_into(&mut small), None);
        let mut exact = [0u8; 10];
        assert_eq!(s.unescape_into(&mut exact), Some("a\tbé😀/"));
        // Garbage (unreachable through `parse`) never panics.
        let bad = JsonStr { raw: r"ab\q" };
        assert_eq!(bad.chars().count(), 2);
        let _ = bad.unescaped_len();
        let _ = bad.eq_str("ab");
    }
}
