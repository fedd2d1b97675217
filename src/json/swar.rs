//! Word-at-a-time byte search ("SIMD within a register"), shared by the reader and the writer.
//!
//! Eight bytes are tested at once with carry tricks on a `u64`; only the first flagged byte of a
//! word is exact, which is all [`find`] needs.

/// `0x01` in every byte.
pub(crate) const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGH: u64 = ONES * 0x80;

/// Top bit set in each byte of `x` equal to `c` (and possibly in bytes after one that is:
/// only the first flagged byte is exact, which is all [`find`] uses).
#[inline(always)]
pub(crate) fn has_byte(x: u64, c: u8) -> u64 {
    let y = x ^ (ONES * u64::from(c));
    y.wrapping_sub(ONES) & !y
}

/// Top bit set in each byte of `x` below `n` (`n` at most 0x80; first flagged byte exact).
#[inline(always)]
pub(super) fn below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x
}

/// Top bit set in each byte of `x` above `n` (`n` below 0x80; first flagged byte exact: a
/// carry leaves only a byte of 0x80 or more, itself flagged).
#[inline(always)]
pub(super) fn above(x: u64, n: u8) -> u64 {
    x.wrapping_add(ONES * u64::from(0x7f - n)) | x
}

/// Whether `a` and `b` are equal and hold no byte `c`: one pass, eight bytes at a time (for
/// short strings, a call of `memcmp` and one of `memchr` cost more than the whole pass).
#[inline]
pub(crate) fn equal_without(a: &[u8], b: &[u8], c: u8) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(&x, &y)| x == y && x != c);
    }
    let word = |s: &[u8], at: usize| {
        s.get(at..)
            .and_then(<[u8]>::first_chunk)
            .map(|w| u64::from_le_bytes(*w))
    };
    // Whole words, the last one ending at the end (it may overlap the one before it).
    let mut at = 0;
    loop {
        let (Some(x), Some(y)) = (word(a, at), word(b, at)) else {
            return false;
        };
        if x != y || has_byte(x, c) & HIGH != 0 {
            return false;
        }
        if at + 8 >= n {
            return true;
        }
        at = (at + 8).min(n - 8);
    }
}

/// Whether `b` holds the byte `c`, eight bytes at a time.
#[inline]
pub(crate) fn contains(b: &[u8], c: u8) -> bool {
    find(b, 0, |x| has_byte(x, c), |x| x == c) < b.len()
}

/// Index in `word` (read little-endian) of the first byte that `flags` flags (top bit), if any.
#[inline(always)]
pub(crate) fn first_flagged(word: u64, flags: impl Fn(u64) -> u64) -> Option<usize> {
    let flagged = flags(word) & HIGH;
    (flagged != 0).then(|| (flagged.trailing_zeros() / 8) as usize)
}

/// Index of the first byte at or after `i` that `hit` accepts (or `b.len()`), testing eight
/// bytes at a time with `flags`, which must flag (top bit) the bytes `hit` accepts.
#[inline(always)]
pub(crate) fn find(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_without_agrees_with_the_plain_comparison() {
        // Every length around the word size, a difference or a backslash at every position.
        let max = if cfg!(miri) { 18 } else { 33 };
        for len in 0..max as usize {
            let a: std::vec::Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(equal_without(&a, &a, b'\\'));
            if len > 0 {
                assert!(!equal_without(&a, &a[..len - 1], b'\\'));
            }
            for at in 0..len {
                for c in [b'\\', b'A', 0x80] {
                    let mut b = a.clone();
                    b[at] = c;
                    let naive = |x: &[u8], y: &[u8]| x == y && !x.contains(&b'\\');
                    assert_eq!(equal_without(&a, &b, b'\\'), naive(&a, &b), "{len} {at}");
                    assert_eq!(equal_without(&b, &b, b'\\'), naive(&b, &b), "{len} {at}");
                    assert_eq!(contains(&b, b'\\'), b.contains(&b'\\'), "{len} {at}");
                }
            }
        }
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
}
