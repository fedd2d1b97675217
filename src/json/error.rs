//! Why a document was refused, and where.

use core::fmt;

/// Why a document was rejected by [`parse`](super::parse): the [`Rule`] it broke and the byte
/// offset where that was noticed.
///
/// ```
/// use twilio_jwt::json::{Rule, parse};
///
/// let e = parse(br#"{"exp":1,"\u0065xp":2}"#).unwrap_err();
/// assert_eq!(e.rule(), Rule::DuplicateKey);
/// assert_eq!(e.offset(), 9);
/// assert_eq!(e.to_string(), "duplicate object key at byte 9");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct JsonError {
    rule: Rule,
    offset: usize,
}

/// The rule of strict JSON that a refused document broke (see [`JsonError`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// The input is not valid UTF-8 (the offset is where the invalid sequence starts).
    InvalidUtf8,
    /// The input ends inside a value, or holds no value at all.
    UnexpectedEnd,
    /// A byte that cannot come at this point of the grammar (a missing comma or colon, an
    /// unquoted name, a misspelt literal, a mismatched bracket…).
    UnexpectedByte,
    /// A comma directly before `]` or `}`.
    TrailingComma,
    /// A number that does not follow `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    InvalidNumber,
    /// A backslash escape that JSON does not define, or a malformed `\u` escape.
    InvalidEscape,
    /// A `\u` escape of a UTF-16 surrogate that is not part of a high/low pair.
    LoneSurrogate,
    /// A raw control character (a byte below 0x20) inside a string.
    ControlCharacter,
    /// An object member whose name equals an earlier one once unescaped.
    DuplicateKey,
    /// Arrays and objects nested deeper than [`MAX_DEPTH`](super::MAX_DEPTH).
    TooDeep,
    /// Something other than whitespace after the value.
    TrailingData,
}

impl JsonError {
    pub(super) const fn new(rule: Rule, offset: usize) -> Self {
        JsonError { rule, offset }
    }

    /// The rule the document broke.
    pub const fn rule(&self) -> Rule {
        self.rule
    }

    /// Byte offset into the parsed input where the problem was found: the offending byte, the
    /// start of the offending escape, number or name (the second of two equal names), the
    /// bracket one level too deep, or the input's length when it ends too early.
    pub const fn offset(&self) -> usize {
        self.offset
    }
}

impl Rule {
    fn describe(self) -> &'static str {
        match self {
            Rule::InvalidUtf8 => "invalid UTF-8",
            Rule::UnexpectedEnd => "unexpected end of JSON",
            Rule::UnexpectedByte => "unexpected byte",
            Rule::TrailingComma => "trailing comma",
            Rule::InvalidNumber => "invalid number",
            Rule::InvalidEscape => "invalid escape sequence in string",
            Rule::LoneSurrogate => "unpaired UTF-16 surrogate escape in string",
            Rule::ControlCharacter => "raw control character in string",
            Rule::DuplicateKey => "duplicate object key",
            Rule::TooDeep => "JSON nested too deeply",
            Rule::TrailingData => "trailing data after JSON value",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.rule.describe(), self.offset)
    }
}

impl core::error::Error for JsonError {}
