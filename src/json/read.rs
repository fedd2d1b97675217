//! The byte cursor shared by the validator and the lazy views: JSON whitespace and digit runs.
//!
//! Everything here works on `(bytes, index)` and never panics: an index past the end simply
//! stays where it is.

use super::swar::{above, below, find};

/// JSON's four whitespace bytes (form feed, vertical tab and Unicode spaces are not).
#[inline]
pub(super) fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Index of the first non-whitespace byte at or after `i` (or `b.len()`).
#[inline]
pub(super) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    // Compact JSON, what every SDK writes, has no whitespace: one comparison settles it.
    if b.get(i).is_none_or(|&c| c > b' ') {
        return i;
    }
    while let Some(&c) = b.get(i) {
        if !is_ws(c) {
            break;
        }
        i += 1;
    }
    i
}

/// Index of the first non-digit byte at or after `i` (or `b.len()`), eight bytes at a time
/// (a time claim has ten digits).
#[inline]
pub(super) fn skip_digits(b: &[u8], i: usize) -> usize {
    find(
        b,
        i,
        |x| below(x, b'0') | above(x, b'9'),
        |c| !c.is_ascii_digit(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn skip_digits_stops_at_non_digit() {
        assert_eq!(skip_digits(b"123a", 0), 3);
        assert_eq!(skip_digits(b"123", 1), 3);
        assert_eq!(skip_digits(b"x", 0), 0);
        assert_eq!(skip_digits(b"", 3), 3);
        // Every byte value after every number of digits around the word size.
        let mut buf = [b'7'; 20];
        for len in 0..19 {
            for c in 0..=255u8 {
                buf[len] = c;
                let naive = buf.iter().position(|c| !c.is_ascii_digit()).unwrap_or(20);
                assert_eq!(skip_digits(&buf, 0), naive, "{len} {c}");
                assert_eq!(skip_digits(&buf[..len], 0), len);
                buf[len] = b'7';
            }
        }
    }
}
