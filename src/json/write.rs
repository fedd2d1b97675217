//! A compact JSON writer with twilio-python's escaping, writing straight into a byte buffer.

use super::swar::{ONES, find};
use super::value::{Kind, Value};

/// Somewhere the content of [`JsonWriter::string_with`] is streamed to.
pub trait Sink {
    /// Append `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

/// Writes compact JSON (no whitespace) with Python's `ensure_ascii` escaping into a byte buffer.
///
/// Strings are pure ASCII on output: `"` and `\` escaped, `\b \f \n \r \t` in short form, other
/// control characters, DEL and every non-ASCII code point as `\u` + four lowercase hex digits
/// (astral code points as a surrogate pair). `/`, `<`, `>` and `&` stay raw. Commas are placed
/// automatically, so callers only say what comes next.
///
/// The output goes straight into the buffer given to [`new`](Self::new). Once it is full, the
/// writer only counts: [`len`](Self::len) is then the size the buffer needed, and
/// [`finish`](Self::finish) says so.
///
/// Used for every token the crate mints, and handed to [`Payload`](crate::Payload)
/// implementations for tokens the crate does not model:
///
/// ```
/// use twilio_jwt::{Algorithm, Key, Payload};
/// use twilio_jwt::json::JsonWriter;
///
/// struct Custom;
/// impl Payload for Custom {
///     fn write_claims(&self, w: &mut JsonWriter<'_>) {
///         w.field_str("sub", "Zoë");
///         w.key("scopes");
///         w.begin_array();
///         w.string("read");
///         w.string("write");
///         w.end_array();
///         w.field_u64("exp", 1_700_003_600);
///     }
/// }
/// let jwt = Key::new(Algorithm::HS256, b"secret").unwrap().sign(&Custom).unwrap();
/// assert!(jwt.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
/// ```
///
/// On its own:
///
/// ```
/// use twilio_jwt::json::JsonWriter;
///
/// let mut buf = [0u8; 64];
/// let mut w = JsonWriter::new(&mut buf);
/// w.begin_object();
/// w.field_str("name", "Zoë");
/// w.end_object();
/// assert_eq!(w.finish(), Ok(r#"{"name":"Zo\u00eb"}"#));
///
/// let mut small = [0u8; 4];
/// let mut w = JsonWriter::new(&mut small);
/// w.string("too long");
/// assert_eq!(w.finish(), Err(10)); // the length the buffer needed
/// ```
pub struct JsonWriter<'b> {
    out: Output<'b>,
    comma: bool,
}

/// The writer's buffer. Every write lands right after the previous one, or, once one did not
/// fit, nowhere: `len` only grows, so after the first miss no later write fits either, and the
/// buffer never holds a gap.
struct Output<'b> {
    buf: &'b mut [u8],
    /// Bytes written, or needed once the buffer is full.
    len: usize,
}

impl Output<'_> {
    /// The next `n` bytes of the buffer, if they fit (nothing is counted).
    #[inline(always)]
    fn room(&mut self, n: usize) -> Option<&mut [u8]> {
        self.buf.get_mut(self.len..self.len + n)
    }

    /// A comma if `comma`, then `"` `name` `":"` `value` `"` in one run when neither
    /// needs escaping and all fits; `false` (nothing counted) otherwise.
    #[inline]
    fn put_plain_pair(&mut self, comma: bool, name: &[u8], value: &[u8]) -> bool {
        let total = usize::from(comma) + 1 + name.len() + 3 + value.len() + 1;
        let Some(dst) = self.room(total) else {
            return false;
        };
        let (open, rest) = dst.split_at_mut(usize::from(comma) + 1);
        copy(open, if comma { b",\"" } else { b"\"" });
        let (middle, rest) = rest.split_at_mut(name.len());
        if !copy_plain(middle, name) {
            return false;
        }
        let (colon, rest) = rest.split_at_mut(3);
        copy(colon, b"\":\"");
        let (middle, tail) = rest.split_at_mut(value.len());
        if !copy_plain(middle, value) {
            return false;
        }
        copy(tail, b"\"");
        self.len += total;
        true
    }

    /// A comma if `comma`, then `prefix`, `text` and `suffix` in one run when `text`
    /// needs no escaping and all fits; `false` (nothing counted) otherwise.
    ///
    /// Whatever a `false` leaves stored past `len` is a prefix of what the escaping path then
    /// writes there: only the separator, `prefix`, and whole words of plain text are stored,
    /// and only once the whole run is known to fit.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    fn put_plain_parts(&mut self, comma: bool, prefix: &[u8], text: &[u8], suffix: &[u8]) -> bool {
        let total = usize::from(comma) + prefix.len() + text.len() + suffix.len();
        let Some(dst) = self.room(total) else {
            return false;
        };
        let (separator, rest) = dst.split_at_mut(usize::from(comma));
        if let Some(slot) = separator.first_mut() {
            *slot = b',';
        }
        let (head, rest) = rest.split_at_mut(prefix.len());
        copy(head, prefix);
        let (middle, tail) = rest.split_at_mut(text.len());
        if !copy_plain(middle, text) {
            return false;
        }
        copy(tail, suffix);
        self.len += total;
        true
    }
}

impl Sink for Output<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.room(bytes.len()) {
            copy(dst, bytes);
        }
        self.len += bytes.len();
    }
}

/// Copy `src` into `dst`, of the same length, in fixed-size moves. The runs the writer copies
/// are mostly a few bytes (keys, punctuation) to a few dozen (SIDs), for which a call to the
/// library's `memcpy` costs more than the copy; long ones still take it.
///
/// On 64-bit targets only, as the word-at-a-time copies below: elsewhere code size matters
/// more, and the library's `memcpy` is shared.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn copy(dst: &mut [u8], src: &[u8]) {
    if src.len() > 64 {
        dst.copy_from_slice(src);
    } else {
        copy_words(dst, src, |_| true);
    }
}

#[cfg(not(target_pointer_width = "64"))]
fn copy(dst: &mut [u8], src: &[u8]) {
    dst.copy_from_slice(src);
}

/// Copy `text` into `dst`, of the same length, if every byte of it is written as itself in a
/// JSON string; `false` otherwise, with only whole plain words stored.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn copy_plain(dst: &mut [u8], text: &[u8]) -> bool {
    copy_words(dst, text, |word| plain_flags(word) == 0)
}

#[cfg(not(target_pointer_width = "64"))]
fn copy_plain(dst: &mut [u8], text: &[u8]) -> bool {
    let plain = plain_run(text) == text.len();
    if plain {
        dst.copy_from_slice(text);
    }
    plain
}

/// Copy `src` into `dst`, of the same length, a word at a time (the last word overlapping the
/// one before), checking each word with `ok` before storing it; `false` at the first word
/// refused. Shorter runs are gathered into one word: the first and last four bytes, or the
/// first, middle and last byte padded with a plain byte.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
#[allow(clippy::expect_used)]
fn copy_words(dst: &mut [u8], src: &[u8], ok: impl Fn(u64) -> bool) -> bool {
    let n = src.len();
    let dst = dst
        .get_mut(..n)
        .expect("callers give a destination as long as the source");
    if n >= 8 {
        let (words, _) = src.as_chunks::<8>();
        let (slots, _) = dst.as_chunks_mut::<8>();
        for (word, slot) in words.iter().zip(slots) {
            if !ok(u64::from_le_bytes(*word)) {
                return false;
            }
            *slot = *word;
        }
        if let (Some(word), Some(slot)) = (src.last_chunk::<8>(), dst.last_chunk_mut::<8>()) {
            if !ok(u64::from_le_bytes(*word)) {
                return false;
            }
            *slot = *word;
        }
    } else if n >= 4 {
        if let (Some(head), Some(last)) = (src.first_chunk::<4>(), src.last_chunk::<4>()) {
            let word =
                u64::from(u32::from_le_bytes(*head)) | u64::from(u32::from_le_bytes(*last)) << 32;
            if !ok(word) {
                return false;
            }
            if let Some(slot) = dst.first_chunk_mut::<4>() {
                *slot = *head;
            }
            if let Some(slot) = dst.last_chunk_mut::<4>() {
                *slot = *last;
            }
        }
    } else if let (Some(&first), Some(&mid), Some(&last)) =
        (src.first(), src.get(n / 2), src.last())
    {
        if !ok(u64::from_le_bytes([
            first, mid, last, b'a', b'a', b'a', b'a', b'a',
        ])) {
            return false;
        }
        for (at, b) in [(0, first), (n / 2, mid), (n - 1, last)] {
            if let Some(slot) = dst.get_mut(at) {
                *slot = b;
            }
        }
    }
    true
}

impl<'b> JsonWriter<'b> {
    /// A writer filling `buf` from its start. An empty `buf` makes a writer that only measures.
    pub fn new(buf: &'b mut [u8]) -> Self {
        JsonWriter {
            out: Output { buf, len: 0 },
            comma: false,
        }
    }

    /// The length of the JSON written so far, whether or not it fit in the buffer.
    pub fn len(&self) -> usize {
        self.out.len
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.out.len == 0
    }

    /// The JSON written, or `Err` with the buffer length it needed.
    #[allow(clippy::expect_used)]
    pub fn finish(self) -> Result<&'b str, usize> {
        let len = self.out.len;
        let written = self.out.buf.get(..len).ok_or(len)?;
        // Every byte comes from ASCII literals, escaped (hence ASCII) strings, or the ASCII
        // text of validated numbers.
        Ok(core::str::from_utf8(written).expect("the writer's output is ASCII"))
    }

    fn separate(&mut self) {
        if self.comma {
            self.out.put(b",");
        }
    }

    fn put_value(&mut self, bytes: &[u8]) {
        self.separate();
        self.out.put(bytes);
        self.comma = true;
    }

    /// Start an object (`{`).
    pub fn begin_object(&mut self) {
        self.separate();
        self.out.put(b"{");
        self.comma = false;
    }

    /// End the current object (`}`).
    pub fn end_object(&mut self) {
        self.out.put(b"}");
        self.comma = true;
    }

    /// Start an array (`[`).
    pub fn begin_array(&mut self) {
        self.separate();
        self.out.put(b"[");
        self.comma = false;
    }

    /// End the current array (`]`).
    pub fn end_array(&mut self) {
        self.out.put(b"]");
        self.comma = true;
    }

    /// Write a member name; the next call writes its value.
    #[cfg_attr(target_pointer_width = "64", inline)]
    pub fn key(&mut self, name: &str) {
        let comma = self.comma;
        if !self
            .out
            .put_plain_parts(comma, b"\"", name.as_bytes(), b"\":")
        {
            self.key_escaped(name);
        }
        self.comma = false;
    }

    /// [`key`](Self::key) piece by piece, escaping the name (or counting what no longer fits).
    /// Kept out of line where `key` is inlined.
    #[cfg_attr(target_pointer_width = "64", inline(never))]
    fn key_escaped(&mut self, name: &str) {
        self.separate();
        self.out.put(b"\"");
        escape(&mut self.out, name);
        self.out.put(b"\":");
    }

    /// Write a string value.
    pub fn string(&mut self, value: &str) {
        let comma = self.comma;
        if self
            .out
            .put_plain_parts(comma, b"\"", value.as_bytes(), b"\"")
        {
            self.comma = true;
            return;
        }
        self.string_parts(&[value]);
    }

    /// Write one string value made of several pieces, as if they were concatenated.
    pub fn string_parts(&mut self, parts: &[&str]) {
        self.separate();
        self.out.put(b"\"");
        for part in parts {
            escape(&mut self.out, part);
        }
        self.out.put(b"\"");
        self.comma = true;
    }

    /// Write one string value whose (unescaped UTF-8) content is streamed by `content`.
    ///
    /// The bytes given to the sink must together form valid UTF-8; they are escaped on the way.
    /// (Bytes that do not still give valid JSON: each invalid sequence, or a character cut off
    /// at the end, is written as U+FFFD, wherever the calls split the bytes.)
    pub fn string_with(&mut self, content: impl FnOnce(&mut dyn Sink)) {
        self.separate();
        self.out.put(b"\"");
        let mut escaper = Escaper {
            out: &mut self.out,
            pending: [0; 4],
            pending_len: 0,
        };
        content(&mut escaper);
        if escaper.pending_len > 0 {
            // The content ended in the middle of a character.
            escape_char(escaper.out, '\u{fffd}');
        }
        self.out.put(b"\"");
        self.comma = true;
    }

    /// Write an unsigned integer.
    pub fn u64(&mut self, n: u64) {
        let mut buf = [0u8; 20];
        self.put_value(format_u64(n, &mut buf));
    }

    /// Write `true` or `false`.
    pub fn bool(&mut self, b: bool) {
        self.put_value(if b { b"true" } else { b"false" });
    }

    /// Write `null`.
    pub fn null(&mut self) {
        self.put_value(b"null");
    }

    /// Write `"name":"value"`.
    pub fn field_str(&mut self, name: &str, value: &str) {
        // The common case, a name and a value with nothing to escape: one contiguous run.
        let comma = self.comma;
        if self
            .out
            .put_plain_pair(comma, name.as_bytes(), value.as_bytes())
        {
            self.comma = true;
            return;
        }
        self.key(name);
        self.string(value);
    }

    /// Write `"name":"value"` only when `value` is non-empty (the SDKs' rule for optional fields).
    pub fn field_opt(&mut self, name: &str, value: &str) {
        if !value.is_empty() {
            self.field_str(name, value);
        }
    }

    /// Write `"name":n`.
    pub fn field_u64(&mut self, name: &str, n: u64) {
        self.key(name);
        self.u64(n);
    }

    /// Append `pre`, `text` escaped, and `post`, after a comma if a value came before. `pre`
    /// and `post` are compact JSON of the crate's own, written as they are (such as `"iss":"`
    /// and `"`); `ends_value` says whether they complete a value, so that what follows needs a
    /// comma.
    ///
    /// The token writers write each member this way, its name and punctuation one literal,
    /// rather than piece by piece.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    pub(crate) fn splice(&mut self, pre: &str, text: &str, post: &str, ends_value: bool) {
        let (pre, bytes, post) = (pre.as_bytes(), text.as_bytes(), post.as_bytes());
        if !self.out.put_plain_parts(self.comma, pre, bytes, post) {
            self.separate();
            self.out.put(pre);
            escape(&mut self.out, text);
            self.out.put(post);
        }
        self.comma = ends_value;
    }

    /// Append the compact JSON `json` of the crate's own (such as `"typ":"JWT"}`), after a
    /// comma if a value came before; `ends_value` as for [`splice`](Self::splice).
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    pub(crate) fn raw(&mut self, json: &str, ends_value: bool) {
        self.splice(json, "", "", ends_value);
    }

    /// Append `pre`, the digits of `n`, and `post`, as [`splice`](Self::splice) does.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    pub(crate) fn splice_u64(&mut self, pre: &str, n: u64, post: &str, ends_value: bool) {
        let mut buf = [0u8; 20];
        let digits = format_u64(n, &mut buf);
        let (pre, post) = (pre.as_bytes(), post.as_bytes());
        if !self.out.put_plain_parts(self.comma, pre, digits, post) {
            // Digits need no escaping: the run did not fit, and is only counted.
            self.separate();
            for part in [pre, digits, post] {
                self.out.put(part);
            }
        }
        self.comma = ends_value;
    }

    /// Re-write an already validated JSON value compactly, in this writer's escaping.
    ///
    /// Numbers are copied as written; strings are unescaped and escaped again; member order is
    /// kept.
    pub fn value(&mut self, v: Value<'_>) {
        match v.kind() {
            Kind::Object => {
                self.begin_object();
                for (name, member) in v.members() {
                    self.separate();
                    self.out.put(b"\"");
                    write_chars(&mut self.out, name.chars());
                    self.out.put(b"\":");
                    self.comma = false;
                    self.value(member);
                }
                self.end_object();
            }
            Kind::Array => {
                self.begin_array();
                for element in v.elements() {
                    self.value(element);
                }
                self.end_array();
            }
            Kind::String => {
                self.separate();
                self.out.put(b"\"");
                if let Some(s) = v.as_str() {
                    write_chars(&mut self.out, s.chars());
                }
                self.out.put(b"\"");
                self.comma = true;
            }
            Kind::Null | Kind::Bool | Kind::Number => self.put_value(v.raw().as_bytes()),
        }
    }
}

/// The JSON that `write` writes, in a new `String`.
///
/// `write` is called once to measure and once more to write (again if it then writes more), so
/// it should write the same JSON each time.
///
/// ```
/// let json = twilio_jwt::json::to_string(|w| {
///     w.begin_array();
///     w.string("Zoë");
///     w.u64(7);
///     w.end_array();
/// });
/// assert_eq!(json, r#"["Zo\u00eb",7]"#);
/// ```
#[cfg(feature = "alloc")]
#[allow(clippy::expect_used)]
pub fn to_string(write: impl Fn(&mut JsonWriter<'_>)) -> alloc::string::String {
    let mut buf = alloc::vec::Vec::new();
    loop {
        let mut w = JsonWriter::new(&mut buf);
        write(&mut w);
        let len = w.len();
        if len <= buf.len() {
            buf.truncate(len);
            return alloc::string::String::from_utf8(buf).expect("the writer's output is ASCII");
        }
        buf.resize(len, 0);
    }
}

/// Digits of `n` in `buf`, returned as the used tail.
///
/// Eight digits at a time, computed side by side in the lanes of one word: two divisions of
/// `n` by 10^8 at most, instead of a chain of one division per digit (what a 10-digit
/// timestamp spent its time on). On 64-bit targets: elsewhere the word arithmetic costs more
/// code than it saves time, and digits are made one at a time.
#[cfg(target_pointer_width = "64")]
#[allow(clippy::expect_used)]
pub(crate) fn format_u64(n: u64, buf: &mut [u8; 20]) -> &[u8] {
    const E8: u64 = 100_000_000;
    let (low, high) = ((n % E8) as u32, n / E8);
    let mut len = put_digits(buf, 12, low);
    if let Ok(high @ 1..100) = u8::try_from(high) {
        // Nine or ten digits, what timestamps have (until the year 2286): the one or two
        // leading digits written directly, rather than as a second group of eight.
        let [.., a, b, _, _, _, _, _, _, _, _] = buf;
        [*a, *b] = [b'0' + high / 10, b'0' + high % 10];
        len = if high < 10 { 9 } else { 10 };
    } else if high > 0 {
        let (middle, top) = ((high % E8) as u32, (high / E8) as u32);
        len = 8 + put_digits(buf, 4, middle);
        if top > 0 {
            // Below 1,845: its last four digits are all there are.
            let digits = eight_digits(top);
            let [.., a, b, c, d] = (digits + ASCII_ZEROS).to_le_bytes();
            let (first, _) = buf.split_at_mut(4);
            first.copy_from_slice(&[a, b, c, d]);
            len = 16 + significant_digits(digits);
        }
    }
    buf.get(buf.len() - len..).expect("at most twenty digits")
}

/// Digits of `n` in `buf`, returned as the used tail.
#[cfg(not(target_pointer_width = "64"))]
pub(crate) fn format_u64(n: u64, buf: &mut [u8; 20]) -> &[u8] {
    format_u64_digitwise(n, buf)
}

/// [`format_u64`] one digit at a time.
#[cfg(any(test, not(target_pointer_width = "64")))]
#[allow(clippy::expect_used)]
fn format_u64_digitwise(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        i -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.get(i..).expect("at most twenty digits")
}

/// `b'0'` in every byte.
#[cfg(target_pointer_width = "64")]
const ASCII_ZEROS: u64 = u64::from_ne_bytes([b'0'; 8]);

/// Store the eight digits of `n < 10^8` at `buf[at..at + 8]`; how many of them are significant.
#[cfg(target_pointer_width = "64")]
fn put_digits(buf: &mut [u8; 20], at: usize, n: u32) -> usize {
    let digits = eight_digits(n);
    if let Some(slot) = buf.get_mut(at..).and_then(<[u8]>::first_chunk_mut::<8>) {
        *slot = (digits + ASCII_ZEROS).to_le_bytes();
    }
    significant_digits(digits)
}

/// How many of the eight digits (values, first in the low byte) are significant: all but the
/// leading zeros, and at least one.
#[cfg(target_pointer_width = "64")]
fn significant_digits(digits: u64) -> usize {
    (8 - (digits.trailing_zeros() / 8) as usize).max(1)
}

/// The eight decimal digits of `n < 10^8`, with leading zeros, as values 0-9 (not ASCII): the
/// first in the low byte.
#[cfg(target_pointer_width = "64")]
fn eight_digits(n: u32) -> u64 {
    // Halves of four digits in 32-bit lanes, the first half in the low lane.
    let v = u64::from(n / 10_000) | (u64::from(n % 10_000) << 32);
    // Each lane divided by 100 (multiply-and-shift, exact below 43,699): pairs of digits in
    // 16-bit lanes.
    let hundreds = ((v * 5243) >> 19) & 0x0000_007f_0000_007f;
    let v = hundreds | ((v - hundreds * 100) << 16);
    // Each lane divided by 10 (exact below 179): one digit per byte.
    let tens = ((v * 103) >> 10) & 0x000f_000f_000f_000f;
    tens | ((v - tens * 10) << 8)
}

/// A byte that Python writes as itself inside a JSON string.
const fn is_plain(b: u8) -> bool {
    b >= 0x20 && b < 0x7f && b != b'"' && b != b'\\'
}

/// Bytes written as themselves inside a JSON string.
const PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_plain(b as u8);
        b += 1;
    }
    table
};

/// The top bit of every byte.
const HIGH: u64 = ONES * 0x80;

/// Top bit set in (at least) the first byte of `x` (read little-endian) that is not [`PLAIN`],
/// and in none when all are.
#[inline(always)]
fn plain_flags(x: u64) -> u64 {
    // Each term sets the top bit of the bytes it is about (plus one: 0x7f..=0xfe; minus 0x20:
    // below 0x20, and 0xff; XOR with `"` or `\` then minus one: that byte), and carries or
    // borrows only out of such a byte, into later ones. Before the first byte that is not
    // plain, every byte is in 0x20..=0x7e, where no term sets the top bit: plus one stays below
    // 0x80, minus 0x20 in 0..=0x5e, and XOR then minus one (zero only for that byte) below
    // 0x7f. (The usual `& !y` of each test is not needed: it only clears bytes of 0x80 and
    // above, which are not plain.)
    let is = |c: u8| (x ^ (ONES * u64::from(c))).wrapping_sub(ONES);
    (x.wrapping_add(ONES) | x.wrapping_sub(ONES * 0x20) | is(b'"') | is(b'\\')) & HIGH
}

/// Length of the run of [`PLAIN`] bytes at the start of `bytes`, found eight bytes at a time.
fn plain_run(bytes: &[u8]) -> usize {
    find(bytes, 0, plain_flags, |b| !PLAIN[usize::from(b)])
}

/// Escape a whole `&str` into `out`: each run of plain bytes copied whole, then the character
/// that ends it escaped, until the text is used up.
#[allow(clippy::expect_used)]
fn escape<S: Sink + ?Sized>(out: &mut S, s: &str) {
    let mut rest = s;
    loop {
        let (plain, tail) = rest
            .split_at_checked(plain_run(rest.as_bytes()))
            .expect("a run of plain (ASCII) bytes is within the text and ends on a character");
        out.put(plain.as_bytes());
        let mut chars = tail.chars();
        let Some(ch) = chars.next() else {
            return;
        };
        escape_char(out, ch);
        rest = chars.as_str();
    }
}

fn write_chars<S: Sink + ?Sized>(out: &mut S, chars: impl Iterator<Item = char>) {
    for ch in chars {
        if ch.is_ascii() && is_plain(ch as u8) {
            out.put(&[ch as u8]);
        } else {
            escape_char(out, ch);
        }
    }
}

fn escape_char<S: Sink + ?Sized>(out: &mut S, ch: char) {
    let short: &[u8] = match ch {
        '"' => b"\\\"",
        '\\' => b"\\\\",
        '\n' => b"\\n",
        '\r' => b"\\r",
        '\t' => b"\\t",
        '\u{8}' => b"\\b",
        '\u{c}' => b"\\f",
        _ => {
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                out.put(&u_escape(*unit));
            }
            return;
        }
    };
    out.put(short);
}

fn u_escape(unit: u16) -> [u8; 6] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let nibble = |shift: u16| HEX[usize::from((unit >> shift) & 0xf)];
    [b'\\', b'u', nibble(12), nibble(8), nibble(4), nibble(0)]
}

/// A sink adapter that JSON-escapes UTF-8 streamed through it, even when a multi-byte character
/// is split across two `put` calls.
///
/// Bytes that are not UTF-8 (which [`JsonWriter::string_with`] forbids) still give valid JSON,
/// the same however the calls split them: each invalid sequence becomes one U+FFFD, as in
/// `String::from_utf8_lossy`.
struct Escaper<'o> {
    out: &'o mut dyn Sink,
    /// The start of a character that the last call ended in the middle of: `pending_len` bytes,
    /// at most three (four bytes are always a character or not one).
    pending: [u8; 4],
    pending_len: usize,
}

impl Sink for Escaper<'_> {
    #[allow(clippy::expect_used)]
    fn put(&mut self, mut bytes: &[u8]) {
        // Finish a character split across calls first, a byte at a time.
        while self.pending_len > 0 {
            let Some((&b, rest)) = bytes.split_first() else {
                return;
            };
            let held = self.pending_len;
            let slot = self
                .pending
                .get_mut(held)
                .expect("at most three bytes of a character are held");
            *slot = b;
            // `held < 4`: the slot just written is in the array.
            let (with_b, _) = self.pending.split_at(held + 1);
            match core::str::from_utf8(with_b) {
                Ok(s) => {
                    escape(self.out, s);
                    self.pending_len = 0;
                    bytes = rest;
                }
                Err(e) if e.error_len().is_some() => {
                    // `b` cannot continue the held bytes: they are one invalid sequence, and
                    // `b` is read again below as the start of what follows.
                    escape_char(self.out, '\u{fffd}');
                    self.pending_len = 0;
                }
                // Still incomplete (so at most three bytes).
                Err(_) => {
                    self.pending_len = held + 1;
                    bytes = rest;
                }
            }
        }
        match core::str::from_utf8(bytes) {
            Ok(s) => escape(self.out, s),
            Err(_) => self.put_lossy(bytes),
        }
    }
}

impl Escaper<'_> {
    /// [`put`](Sink::put) for bytes that are not all UTF-8 (none held from the last call).
    #[allow(clippy::expect_used)]
    fn put_lossy(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.utf8_chunks();
        while let Some(chunk) = chunks.next() {
            escape(self.out, chunk.valid());
            let invalid = chunk.invalid();
            if invalid.is_empty() {
                continue;
            }
            // The start of a character cut off by the end of the bytes: held for the next call.
            let cut_off = chunks.clone().next().is_none()
                && core::str::from_utf8(invalid).is_err_and(|e| e.error_len().is_none());
            if cut_off {
                let (held, _) = self
                    .pending
                    .split_at_mut_checked(invalid.len())
                    .expect("an incomplete character is at most three bytes");
                held.copy_from_slice(invalid);
                self.pending_len = invalid.len();
            } else {
                escape_char(self.out, '\u{fffd}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(f: impl FnOnce(&mut JsonWriter<'_>)) -> std::string::String {
        let mut buf = [0u8; 512];
        let mut w = JsonWriter::new(&mut buf);
        f(&mut w);
        w.finish().expect("fits").into()
    }

    #[test]
    fn plain_run_finds_the_first_byte_to_escape() {
        // Every byte value at every position of a 19-byte run of plain bytes (two words and a
        // remainder), with a second special byte behind it to tempt the word tests.
        let lengths: &[usize] = if cfg!(miri) {
            &[9, 19]
        } else {
            &[0, 1, 7, 8, 9, 16, 19]
        };
        for &len in lengths {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = [b'a'; 19];
                    bytes[at] = b;
                    if at + 1 < len {
                        bytes[at + 1] = 0xff;
                    }
                    let bytes = &bytes[..len];
                    let naive = bytes.iter().position(|&c| !is_plain(c)).unwrap_or(len);
                    assert_eq!(plain_run(bytes), naive, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn splice_writes_what_the_piecewise_methods_write() {
        // Texts of every length around the word-at-a-time copies, plain or with a byte to
        // escape first, last or in the middle; every buffer capacity for each.
        let lengths: std::vec::Vec<usize> = if cfg!(miri) {
            std::vec![0, 3, 8, 13]
        } else {
            (0..=20).chain(62..=67).collect()
        };
        for n in lengths {
            let plain: std::string::String =
                (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            let mut texts = std::vec![plain.clone()];
            if n > 0 {
                for at in [0, n / 2, n - 1] {
                    for special in ["\"", "\u{1}", "\u{e9}"] {
                        let mut text = plain.clone();
                        text.replace_range(at..at + 1, special);
                        texts.push(text);
                    }
                }
            }
            for text in &texts {
                let piecewise = |w: &mut JsonWriter<'_>| {
                    w.begin_object();
                    w.field_str("a", text);
                    w.field_u64("n", 1_700_000_000);
                    w.key("o");
                    w.begin_object();
                    w.field_str("b", "c");
                    w.end_object();
                    w.end_object();
                };
                let spliced = |w: &mut JsonWriter<'_>| {
                    w.begin_object();
                    w.splice("\"a\":\"", text, "\"", true);
                    w.splice_u64("\"n\":", 1_700_000_000, "", true);
                    w.raw("\"o\":{", false);
                    w.splice("\"b\":\"", "c", "\"}", true);
                    w.end_object();
                };
                let whole = render(piecewise);
                assert_eq!(render(spliced), whole, "{text:?}");
                let capacities: std::vec::Vec<usize> = if cfg!(miri) {
                    std::vec![0, whole.len() / 2, whole.len() - 1]
                } else {
                    (0..whole.len()).collect()
                };
                assert_short_buffers_keep_a_prefix(spliced, &whole, capacities);
            }
        }
    }

    #[test]
    fn format_u64_writes_the_decimal_digits() {
        let mut values = std::vec![0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10_000, 1_700_000_000];
        for p in 1..20 {
            let ten = 10u64.pow(p);
            values.extend([ten - 1, ten, ten + 1]);
        }
        values.extend([u64::MAX - 1, u64::MAX]);
        // Every value below 100,000: each digit in each position of the low lanes.
        let step = if cfg!(miri) { 997 } else { 1 };
        values.extend((0..100_000u64).step_by(step));
        // And scattered values of every magnitude.
        let count = if cfg!(miri) { 64 } else { 100_000 };
        values.extend((0..count).map(|k: u64| k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (k % 64)));
        for n in values {
            let expected = std::format!("{n}");
            let mut buf = [0u8; 20];
            assert_eq!(format_u64(n, &mut buf), expected.as_bytes(), "{n}");
            let mut buf = [0u8; 20];
            assert_eq!(
                format_u64_digitwise(n, &mut buf),
                expected.as_bytes(),
                "{n}"
            );
        }
    }

    #[test]
    fn escapes_like_python() {
        assert_eq!(
            render(|w| w.string("Zoë 😀 \"/\u{7f}\u{1}\t<>&\u{2028}\\")),
            r#""Zo\u00eb \ud83d\ude00 \"/\u007f\u0001\t<>&\u2028\\""#
        );
    }

    #[test]
    fn commas_are_automatic() {
        let json = render(|w| {
            w.begin_object();
            w.field_str("a", "x");
            w.key("b");
            w.begin_array();
            w.u64(0);
            w.u64(18_446_744_073_709_551_615);
            w.begin_object();
            w.end_object();
            w.end_array();
            w.field_opt("skipped", "");
            w.key("c");
            w.null();
            w.end_object();
        });
        assert_eq!(
            json,
            r#"{"a":"x","b":[0,18446744073709551615,{}],"c":null}"#
        );
    }

    #[test]
    fn field_str_is_key_then_string() {
        // The one-run path and the piecewise path write the same bytes, whatever needs
        // escaping and wherever the buffer fills.
        let long = "x".repeat(300);
        let texts = ["", "a", "plain text", "quo\"te", "Zoë", "\u{1}", &long];
        for name in texts {
            for value in texts {
                for lead in [0usize, 1, 200, 500] {
                    let render = |whole: bool| {
                        let mut out = [0u8; 4096];
                        let mut w = JsonWriter::new(&mut out);
                        w.begin_object();
                        w.field_str("pad", &"p".repeat(lead));
                        if whole {
                            w.field_str(name, value);
                        } else {
                            w.key(name);
                            w.string(value);
                        }
                        w.end_object();
                        std::string::String::from(w.finish().expect("fits"))
                    };
                    assert_eq!(render(true), render(false), "{name:?} {value:?} {lead}");
                }
            }
        }
    }

    #[test]
    fn a_full_buffer_keeps_a_prefix_and_learns_the_length() {
        let write = |w: &mut JsonWriter<'_>| {
            w.begin_object();
            w.field_str("name", "Zoë \"quoted\"");
            w.key("list");
            w.begin_array();
            w.u64(1_700_000_000);
            w.string_parts(&["a", "é"]);
            w.string_with(|s| s.put("😀".as_bytes()));
            w.end_array();
            w.end_object();
        };
        let whole = render(write);
        assert_short_buffers_keep_a_prefix(write, &whole, 0..whole.len());
    }

    /// Writing `whole` with `write` into a buffer of each of `capacities` (all too small)
    /// reports the length `whole` needs and leaves the start of `whole`, with no gap and
    /// nothing after it.
    fn assert_short_buffers_keep_a_prefix(
        write: impl Fn(&mut JsonWriter<'_>),
        whole: &str,
        capacities: impl IntoIterator<Item = usize>,
    ) {
        for cap in capacities {
            let mut buf = std::vec![0xffu8; cap];
            let mut w = JsonWriter::new(&mut buf);
            write(&mut w);
            assert_eq!(w.finish(), Err(whole.len()), "{whole:?} at capacity {cap}");
            let end = buf.iter().position(|&b| b == 0xff).unwrap_or(cap);
            assert_eq!(
                &buf[..end],
                &whole.as_bytes()[..end],
                "{whole:?} at capacity {cap}"
            );
            assert!(
                buf[end..].iter().all(|&b| b == 0xff),
                "{whole:?} at capacity {cap}"
            );
        }
    }

    #[test]
    fn streamed_bytes_are_escaped_as_one_lossy_string_however_split() {
        // Valid text, and bytes that are not UTF-8 (which `string_with` forbids, but must
        // still turn into the same valid JSON wherever the calls split them): each invalid
        // sequence becomes one U+FFFD, as `String::from_utf8_lossy` has it, and the bytes
        // after it are kept.
        let inputs: [&[u8]; 9] = [
            "aé😀\"b".as_bytes(),
            b"\xe2(x",
            b"\xf0\x9f(",
            b"\xf0\x9f\x98",
            b"a\xff\xfeb",
            b"\x80\x80\xc3\xa9",
            b"\xed\xa0\x80z",
            b"\xe2\x82",
            b"\xf4\x90\x80\x80!",
        ];
        for bytes in inputs {
            let whole = std::string::String::from_utf8_lossy(bytes);
            let expected = render(|w| w.string(&whole));
            for i in 0..=bytes.len() {
                for j in i..=bytes.len() {
                    let json = render(|w| {
                        w.string_with(|s| {
                            s.put(&bytes[..i]);
                            s.put(&bytes[i..j]);
                            s.put(&bytes[j..]);
                        })
                    });
                    assert_eq!(json, expected, "{bytes:?} split at {i} and {j}");
                }
            }
        }
    }

    #[test]
    fn split_characters_are_escaped_whole() {
        let json = render(|w| {
            w.string_with(|s| {
                let bytes = "é😀".as_bytes();
                for i in 0..bytes.len() {
                    s.put(&bytes[i..i + 1]);
                }
            })
        });
        assert_eq!(json, r#""\u00e9\ud83d\ude00""#);
    }
}
