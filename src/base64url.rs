//! Unpadded base64url (RFC 4648 §5) for the header and payload segments of a token.
//!
//! These segments are not secret, so plain table lookups are used: several times faster than
//! a constant-time codec, which the MAC keeps ([`encode_secret`]: word-wide arithmetic on
//! 64-bit targets, base64ct's elsewhere). Decoding is canonical only: no
//! padding, no `+` or `/`, no length of the form 4k+1, and zero unused bits in the last
//! character, so every token has exactly one accepted spelling.
//!
//! On 64-bit targets encoding goes through a 4,096-entry table of character pairs (two 6-bit
//! groups at once, 8 KB) and decoding through one 256-entry table of words per position in a
//! run of eight characters (16 KB), so that a run is eight lookups OR-ed together. Other
//! targets (WASM, Cortex-M), where size matters more, keep a 64-byte alphabet and a 256-byte
//! decode table.

/// Length of the unpadded base64url encoding of `n` bytes.
pub(crate) const fn encoded_len(n: usize) -> usize {
    // A last group of 1 or 2 bytes takes 2 or 3 characters: 4r/3 rounded up.
    (n / 3) * 4 + (n % 3 * 4).div_ceil(3)
}

/// Length of the bytes decoded from `n` characters (`n % 4 == 1` is invalid and counts as 0).
const fn decoded_len(n: usize) -> usize {
    // A last group of 2 or 3 characters gives 1 or 2 bytes: 3r/4 rounded down (no lookup in a
    // table of four, which would be built on the stack at each call).
    n / 4 * 3 + n % 4 * 3 / 4
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The value of a base64url character, or 0xff.
const fn value(c: u8) -> u8 {
    match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => 0xff,
    }
}

/// Encode the `len` bytes at `from` in `buf` into base64url at `to` (`to <= from`), in place.
///
/// The text is written forward, each piece of input read before the text over it is written,
/// so no unread input is overwritten as long as `from - to` is at least a third of `len` (the
/// text grows by a third). Text that would run past the end of `buf` is not written; the
/// caller knows the length it needed. The bytes between the end of the text and the end of
/// the input are unspecified afterwards.
pub(crate) fn encode_in_place(buf: &mut [u8], from: usize, len: usize, to: usize) {
    #[cfg(target_pointer_width = "64")]
    wide::encode_in_place(buf, from, len, to);
    #[cfg(not(target_pointer_width = "64"))]
    encode_in_place_chunked(buf, from, len, to);
}

/// [`encode_in_place`] a chunk at a time, each chunk copied out before its text is written
/// (each chunk grows by a third, and only the chunks before the last must fit in the gap).
fn encode_in_place_chunked(buf: &mut [u8], from: usize, len: usize, to: usize) {
    // A multiple of 3: chunks end on whole groups.
    const CHUNK: usize = 192;
    let mut chunk = [0u8; CHUNK];
    let mut done = 0;
    while done < len {
        let n = CHUNK.min(len - done);
        let (Some(src), Some(copy)) = (buf.get(from + done..from + done + n), chunk.get_mut(..n))
        else {
            return;
        };
        copy.copy_from_slice(src);
        // `done` is a whole number of chunks, hence of 3-byte groups.
        let Some(dst) = buf.get_mut(to + encoded_len(done)..) else {
            return;
        };
        if encode(copy, dst).is_none() {
            return;
        }
        done += n;
    }
}

/// Encode `src` into the start of `dst`; `None` if it does not fit.
pub(crate) fn encode<'o>(src: &[u8], dst: &'o mut [u8]) -> Option<&'o [u8]> {
    #[cfg(target_pointer_width = "64")]
    return wide::encode(src, dst);
    #[cfg(not(target_pointer_width = "64"))]
    return small::encode(src, dst);
}

/// Encode a MAC into the start of `dst`, in constant time: no table lookup or branch depends
/// on its bytes (a MAC learnt through a cache side channel is a token). `None` if it does not
/// fit.
///
/// On 64-bit targets eight characters at a time in a word; elsewhere base64ct's encoder.
pub(crate) fn encode_secret<'o>(src: &[u8], dst: &'o mut [u8]) -> Option<&'o [u8]> {
    #[cfg(target_pointer_width = "64")]
    return wide::encode_secret(src, dst);
    #[cfg(not(target_pointer_width = "64"))]
    return <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode(src, dst)
        .ok()
        .map(|text: &str| text.as_bytes());
}

/// Decode canonical unpadded base64url `input` into the start of `out`; `None` if it is not
/// canonical or `out` is too short.
pub(crate) fn decode<'o>(input: &[u8], out: &'o mut [u8]) -> Option<&'o [u8]> {
    #[cfg(target_pointer_width = "64")]
    return wide::decode(input, out);
    #[cfg(not(target_pointer_width = "64"))]
    return small::decode(input, out);
}

/// The last zero to five bytes (what the six-byte chunks leave) as the last characters.
fn encode_tail(rest: &[u8], tail: &mut [u8]) {
    let word = rest.iter().fold(0u64, |w, &b| w << 8 | u64::from(b)) << (8 * (6 - rest.len()));
    for (i, slot) in tail.iter_mut().enumerate() {
        *slot = ALPHABET[((word >> (42 - 6 * i)) & 63) as usize];
    }
}

/// The last one to three bytes, from the last two to four characters: `None` for a 4k+1 length,
/// an invalid character or non-zero unused bits.
// Only the small codec uses it (the wide one decodes its tail through its tables).
#[cfg(any(test, not(target_pointer_width = "64")))]
fn decode_tail(rest: &[u8], tail: &mut [u8]) -> Option<()> {
    let mut word = 0u32;
    for &c in rest {
        let v = value(c);
        if v == 0xff {
            return None;
        }
        word = (word << 6) | u32::from(v);
    }
    let spare = [0, 0, 4, 2][rest.len() % 4];
    if rest.len() % 4 == 1 || word & ((1 << spare) - 1) != 0 {
        return None;
    }
    let bytes = (word >> spare).to_be_bytes();
    tail.copy_from_slice(bytes.get(4 - tail.len()..)?);
    Some(())
}

/// The 64-bit codec: pair table out, per-position tables in.
#[cfg(target_pointer_width = "64")]
mod wide {
    use super::{ALPHABET, decoded_len, encode_tail, encoded_len, value};

    /// `PAIRS[v]`: the two characters of the 12-bit `v`, in order.
    static PAIRS: [[u8; 2]; 4096] = {
        let mut table = [[0u8; 2]; 4096];
        let mut v = 0;
        while v < 4096 {
            table[v] = [ALPHABET[v >> 6], ALPHABET[v & 63]];
            v += 1;
        }
        table
    };

    /// Set in a decode-table entry for a byte that is not a base64url character (and in no
    /// other entry: bits 48 to 63 of a valid one are zero).
    const INVALID: u64 = 1 << 63;

    /// `DECODE[k][c]`: the value of character `c` at position `k` of a run of eight, already
    /// in its place among the run's six bytes as a little-endian word reads them (or
    /// [`INVALID`]). A run is then eight lookups OR-ed together, ready to store: no shifts, no
    /// byte swap.
    static DECODE: [[u64; 256]; 8] = {
        let mut table = [[INVALID; 256]; 8];
        let mut c = 0;
        while c < 256 {
            let v = value(c as u8);
            if v != 0xff {
                let mut k = 0;
                while k < 8 {
                    // Its bits in the run's 48 (first character highest), moved to the top of
                    // a word and read back in the other byte order: the first byte lowest.
                    table[k][c] = ((v as u64) << (42 - 6 * k) << 16).swap_bytes();
                    k += 1;
                }
            }
            c += 1;
        }
        table
    };

    /// The two characters of the low 12 bits of `v`.
    #[inline(always)]
    fn pair(v: u64) -> [u8; 2] {
        PAIRS[(v & 0xfff) as usize]
    }

    /// The eight characters of the 48 bits `w >> shift` (bits `shift..shift + 48`): four pair
    /// lookups, each stored as it is (joining two into one store would cost a shift and an OR).
    #[inline(always)]
    fn encode_48(w: u64, shift: u32, out: &mut [u8; 8]) {
        let (pairs, _) = out.as_chunks_mut::<2>();
        for (slot, s) in pairs.iter_mut().zip([36, 24, 12, 0]) {
            *slot = pair(w >> (shift + s));
        }
    }

    /// The sixteen characters of twelve bytes: two overlapping 8-byte loads cover them, 48
    /// bits each, with no byte-by-byte assembly.
    #[inline(always)]
    fn encode_12(block: &[u8; 12], [o1, o2]: &mut [[u8; 8]; 2]) {
        let [head @ .., _, _, _, _] = *block;
        let [_, _, _, _, last @ ..] = *block;
        encode_48(u64::from_be_bytes(head), 16, o1);
        encode_48(u64::from_be_bytes(last), 0, o2);
    }

    /// See [`super::encode_in_place`]. The blocks of twelve bytes whose text fits in the gap
    /// before the input are encoded straight from it (the two are disjoint: no copy, no
    /// bounds check per block); that is all of them when the buffer has room to spare, and
    /// the rest, if any, are encoded a chunk at a time.
    pub(super) fn encode_in_place(buf: &mut [u8], from: usize, len: usize, to: usize) {
        let Some(gap) = from.checked_sub(to) else {
            return;
        };
        let direct = (gap / 16).min(len / 12);
        if let Some(region) = buf.get_mut(to..from + 12 * direct) {
            let (text, input) = region.split_at_mut(gap);
            // The text of the blocks only (`16 * direct <= gap`), so the odd block, if any, and
            // its text are both last.
            let (text, _) = text.split_at_mut(16 * direct);
            let (blocks, _) = input.as_chunks::<12>();
            let (words, _) = text.as_chunks_mut::<8>();
            let (outputs, _) = words.as_chunks_mut::<2>();
            // Two blocks a step (half the loop's own instructions), then the odd one.
            let (pairs, odd) = blocks.as_chunks::<2>();
            let (output_pairs, odd_output) = outputs.as_chunks_mut::<2>();
            for ([a, b], [out_a, out_b]) in pairs.iter().zip(output_pairs) {
                encode_12(a, out_a);
                encode_12(b, out_b);
            }
            if let (Some(block), Some(output)) = (odd.first(), odd_output.first_mut()) {
                encode_12(block, output);
            }
        }
        let (from, len, to) = (from + 12 * direct, len - 12 * direct, to + 16 * direct);
        // Usually only the last zero to eleven bytes are left, read at once (their text overlaps
        // them) with the bytes before them.
        if len < 12 && encode_last(buf, from + len, len, to) {
            return;
        }
        let mut rest = [0u8; 11];
        match (buf.get(from..from + len), rest.get_mut(..len)) {
            (Some(input), Some(copy)) => {
                copy.copy_from_slice(input);
                if let Some(text) = buf.get_mut(to..) {
                    // Text that would run past the end of `buf` is not written.
                    let _ = encode(copy, text);
                }
            }
            _ => super::encode_in_place_chunked(buf, from, len, to),
        }
    }

    /// Encode the last `len < 12` bytes of input, which end at `end`, at `to`, in place: they
    /// are read at once, as the last 96 bits of the 16 bytes before `end`, and their text is
    /// written as two 8-byte words. The characters past the text's length land between it and
    /// `end`, on input already read. `false`, with nothing written, unless 16 bytes precede
    /// `end` and the two words end before it.
    #[inline(always)]
    fn encode_last(buf: &mut [u8], end: usize, len: usize, to: usize) -> bool {
        if to + 16 > end {
            return false;
        }
        let Some(&window) = end
            .checked_sub(16)
            .and_then(|start| buf.get(start..end))
            .and_then(|w| <&[u8; 16]>::try_from(w).ok())
        else {
            return false;
        };
        // The input's bits at the top, zeros below (so the unused bits of a last partial
        // character are zero); for `len == 0` every bit is shifted out, leaving none.
        let bits = u128::from_be_bytes(window).unbounded_shl(128 - 8 * len as u32);
        // `to + 16 <= end`, and `end` is within `buf`.
        if let Some((words, _)) = buf.get_mut(to..to + 16).map(<[u8]>::as_chunks_mut::<8>)
            && let [first, second] = words
        {
            encode_48((bits >> 64) as u64, 16, first);
            encode_48((bits >> 32) as u64, 0, second);
        }
        true
    }

    pub(super) fn encode<'o>(src: &[u8], dst: &'o mut [u8]) -> Option<&'o [u8]> {
        let dst = dst.get_mut(..encoded_len(src.len()))?;
        // Twelve bytes in, sixteen characters out.
        let (blocks, rest) = src.as_chunks::<12>();
        let (words, tail) = dst.as_chunks_mut::<8>();
        let (word_pairs, odd) = words.as_chunks_mut::<2>();
        for (block, out) in blocks.iter().zip(word_pairs) {
            encode_12(block, out);
        }
        // Up to eleven bytes are left: six more make one odd word of text (when there are six),
        // then the last zero to five bytes the tail.
        let rest = match (rest.split_first_chunk::<6>(), odd.first_mut()) {
            (Some((&[a, b, c, d, e, f], more)), Some(o)) => {
                encode_48(u64::from_be_bytes([0, 0, a, b, c, d, e, f]), 0, o);
                more
            }
            _ => rest,
        };
        encode_tail(rest, tail);
        Some(dst)
    }

    /// `0x01` in every byte.
    const ONES: u64 = u64::from_ne_bytes([1; 8]);

    /// The eight characters of the 48 bits of `w`, first in the low byte, by arithmetic alone
    /// (constant time: no table, no branch).
    fn chars_48(w: u64) -> u64 {
        // Spread the eight 6-bit groups into the eight bytes: 24-bit halves into 32-bit lanes,
        // 12-bit quarters into 16-bit lanes, then 6-bit groups into bytes; the first group
        // ends in the top byte.
        let x = ((w << 8) & 0x00ff_ffff_0000_0000) | (w & 0x00ff_ffff);
        let x = ((x << 4) & 0x0fff_0000_0fff_0000) | (x & 0x0000_0fff_0000_0fff);
        let x = ((x << 2) & 0x3f00_3f00_3f00_3f00) | (x & 0x003f_003f_003f_003f);
        let v = x.swap_bytes();
        // 1 in each byte whose value is at least `k` (values are below 64: no carry between
        // bytes).
        let at_least = |k: u64| ((v + ONES * (0x80 - k)) >> 7) & ONES;
        // 'A' + v, then the shift to each later range of the alphabet: 'a' from 26, '0' from
        // 52, '-' at 62, '_' at 63. Every byte stays within 0..=255 at every step.
        (v + ONES * u64::from(b'A')) + at_least(26) * 6 - at_least(52) * 75 - at_least(62) * 13
            + at_least(63) * 49
    }

    pub(super) fn encode_secret<'o>(src: &[u8], dst: &'o mut [u8]) -> Option<&'o [u8]> {
        let dst = dst.get_mut(..encoded_len(src.len()))?;
        let (groups, rest) = src.as_chunks::<6>();
        let (words, tail) = dst.as_chunks_mut::<8>();
        for (&[a, b, c, d, e, f], o) in groups.iter().zip(words) {
            *o = chars_48(u64::from_be_bytes([0, 0, a, b, c, d, e, f])).to_le_bytes();
        }
        // The last zero to five bytes, padded with zeros, of which only the characters needed
        // are kept. The length is public; the bytes are treated as the others. Assembled and
        // stored a byte at a time in registers (a copy through memory would call `memcpy`).
        let word = rest.iter().fold(0u64, |w, &b| (w << 8) | u64::from(b));
        let chars = chars_48(word << (8 * (6 - rest.len())));
        for (i, slot) in tail.iter_mut().enumerate() {
            *slot = (chars >> (8 * i)) as u8;
        }
        Some(dst)
    }

    /// The six bytes of the first eight characters of `run` (fewer count as `A`: zero bits),
    /// little-endian in the low 48 bits, with [`INVALID`] set if any is not a base64url
    /// character (the bytes are then garbage).
    #[inline(always)]
    fn eight(run: &[u8]) -> u64 {
        let lookups = run.iter().zip(&DECODE);
        lookups.fold(0, |word, (&c, table)| word | table[usize::from(c)])
    }

    pub(super) fn decode<'o>(input: &[u8], out: &'o mut [u8]) -> Option<&'o [u8]> {
        let out = out.get_mut(..decoded_len(input.len()))?;
        // Sixteen characters in, twelve bytes out: one 8-byte and one 4-byte store. The output
        // has room for the blocks (each four characters give three bytes), and is split at
        // them rather than chunked on its own: no division by twelve. The invalid flags are
        // checked once, after the loop: the bytes written meanwhile are not returned.
        let (blocks, rest) = input.as_chunks::<16>();
        let (outputs, tail) = out.split_at_mut_checked(12 * blocks.len())?;
        let (outputs, _) = outputs.as_chunks_mut::<12>();
        let mut bad = 0;
        for (block, output) in blocks.iter().zip(outputs) {
            let (first, second) = block.split_at(8);
            let (a, b) = (eight(first), eight(second));
            bad |= a | b;
            let (low, high) = output.split_at_mut(8);
            low.copy_from_slice(&(a | b << 48).to_le_bytes());
            high.copy_from_slice(&((b >> 16) as u32).to_le_bytes());
        }
        if bad & INVALID != 0 {
            return None;
        }
        // Then at most fifteen characters: eight of them, then the last zero to seven.
        let (rest, tail) = match (
            rest.split_first_chunk::<8>(),
            tail.split_first_chunk_mut::<6>(),
        ) {
            (Some((run, more)), Some((six, left))) => {
                let word = eight(run);
                if word & INVALID != 0 {
                    return None;
                }
                six.copy_from_slice(word.to_le_bytes().get(..6)?);
                (more, left)
            }
            _ => (rest, tail),
        };
        // A 4k+1 length has a character of which no byte is made.
        if rest.len() % 4 == 1 {
            return None;
        }
        // Everything past the last bytes must be zero: the unused bits of the last character,
        // and the flag of an invalid one (`tail` is at most five bytes: the shift is below 64).
        let word = eight(rest);
        if word >> (8 * tail.len()) != 0 {
            return None;
        }
        for (slot, byte) in tail.iter_mut().zip(word.to_le_bytes()) {
            *slot = byte;
        }
        Some(out)
    }
}

/// The small codec: a 64-byte alphabet out, a 256-byte table in.
#[cfg(any(test, not(target_pointer_width = "64")))]
mod small {
    use super::{ALPHABET, decode_tail, decoded_len, encode_tail, encoded_len, value};

    const TABLE: [u8; 256] = {
        let mut table = [0xffu8; 256];
        let mut i = 0;
        while i < 256 {
            table[i] = value(i as u8);
            i += 1;
        }
        table
    };

    pub(super) fn encode<'o>(src: &[u8], dst: &'o mut [u8]) -> Option<&'o [u8]> {
        let char_at = |word: u64, shift: u32| u64::from(ALPHABET[((word >> shift) & 63) as usize]);
        let dst = dst.get_mut(..encoded_len(src.len()))?;
        // Six bytes in, eight characters out, one 8-byte store.
        let mut chunks = src.chunks_exact(6);
        let mut out = dst.chunks_exact_mut(8);
        for (c, o) in (&mut chunks).zip(&mut out) {
            let word = u64::from_be_bytes([0, 0, c[0], c[1], c[2], c[3], c[4], c[5]]);
            let mut chars = 0u64;
            for k in 0..8 {
                chars |= char_at(word, 42 - 6 * k) << (8 * k);
            }
            o.copy_from_slice(&chars.to_le_bytes());
        }
        encode_tail(chunks.remainder(), out.into_remainder());
        Some(dst)
    }

    pub(super) fn decode<'o>(input: &[u8], out: &'o mut [u8]) -> Option<&'o [u8]> {
        let value = |c: u8| u64::from(TABLE[usize::from(c)]);
        let out = out.get_mut(..decoded_len(input.len()))?;
        // Eight characters in, six bytes out; an invalid character has a table value with a
        // high bit set, caught once per group.
        let mut chunks = input.chunks_exact(8);
        let mut dst = out.chunks_exact_mut(6);
        for (chunk, o) in (&mut chunks).zip(&mut dst) {
            let (mut word, mut bad) = (0u64, 0u64);
            for &c in chunk {
                let v = value(c);
                bad |= v;
                word = word << 6 | v;
            }
            if bad & 0xc0 != 0 {
                return None;
            }
            o.copy_from_slice(word.to_be_bytes().get(2..)?);
        }
        let mut rest = chunks.remainder();
        let mut tail = dst.into_remainder();
        if rest.len() >= 4 {
            let (head, more) = rest.split_at(4);
            let (mut word, mut bad) = (0u32, 0u8);
            for &c in head {
                let v = TABLE[usize::from(c)];
                bad |= v;
                word = word << 6 | u32::from(v);
            }
            if bad & 0xc0 != 0 {
                return None;
            }
            let (three, left) = tail.split_at_mut(3);
            three.copy_from_slice(word.to_be_bytes().get(1..)?);
            (rest, tail) = (more, left);
        }
        decode_tail(rest, tail)?;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};
    use proptest::prelude::*;
    use std::vec;
    use std::vec::Vec;

    /// One implementation: its name, and the length it writes (`None`: refused).
    type Codec = (&'static str, fn(&[u8], &mut [u8]) -> Option<usize>);

    /// Every implementation compiled in.
    fn encoders() -> Vec<Codec> {
        let mut all: Vec<Codec> = vec![("small", |s, d| small::encode(s, d).map(<[u8]>::len))];
        #[cfg(target_pointer_width = "64")]
        all.push(("wide", |s, d| wide::encode(s, d).map(<[u8]>::len)));
        all
    }

    fn decoders() -> Vec<Codec> {
        let mut all: Vec<Codec> = vec![("small", |s, d| small::decode(s, d).map(<[u8]>::len))];
        #[cfg(target_pointer_width = "64")]
        all.push(("wide", |s, d| wide::decode(s, d).map(<[u8]>::len)));
        all
    }

    fn theirs_decode(text: &[u8]) -> Option<Vec<u8>> {
        let mut out = vec![0u8; text.len()];
        Base64UrlUnpadded::decode(text, &mut out)
            .ok()
            .map(<[u8]>::to_vec)
    }

    #[test]
    fn canonical_only() {
        for (name, decode) in decoders() {
            let mut out = [0u8; 8];
            let mut d = |t: &[u8]| decode(t, &mut out).map(|n| out[..n].to_vec());
            assert_eq!(d(b""), Some(vec![]), "{name}");
            assert_eq!(d(b"YQ"), Some(b"a".to_vec()), "{name}");
            assert_eq!(d(b"YWI"), Some(b"ab".to_vec()), "{name}");
            assert_eq!(d(b"YWJj"), Some(b"abc".to_vec()), "{name}");
            assert_eq!(d(b"-_-_"), Some(vec![0xfb, 0xff, 0xbf]), "{name}");
            // Non-zero unused bits, a 4k+1 length, padding and the standard alphabet.
            for bad in [
                &b"YR"[..],
                b"YWJ",
                b"YWJjZ",
                b"YQ==",
                b"+/+/",
                b"YWJjYQ=",
                b"YWJj\0",
            ] {
                assert_eq!(d(bad), None, "{name} {bad:?}");
            }
            let mut short = [0u8; 2];
            assert_eq!(decode(b"YWJj", &mut short), None, "{name}");
        }
        for (name, encode) in encoders() {
            let mut out = [0u8; 3];
            assert_eq!(encode(b"abc", &mut out), None, "{name}");
        }
    }

    #[test]
    fn every_length_and_every_wrong_character() {
        // One character wrong anywhere: refused, or decoded exactly as base64ct does.
        let data: [u8; 20] = core::array::from_fn(|i| (i as u8).wrapping_mul(97).wrapping_add(13));
        let wrong: &[u8] = if cfg!(miri) {
            b"=+A"
        } else {
            b"=+/ \x80A_\xff-z9"
        };
        for n in 0..=data.len() {
            let text = Base64UrlUnpadded::encode_string(&data[..n]).into_bytes();
            for (name, decode) in decoders() {
                let mut out = [0u8; 32];
                let len = decode(&text, &mut out);
                assert_eq!(len.map(|l| &out[..l]), Some(&data[..n]), "{name} {n}");
                for at in 0..text.len() {
                    for &bad in wrong {
                        let mut t = text.clone();
                        t[at] = bad;
                        let ours = decode(&t, &mut out).map(|l| out[..l].to_vec());
                        assert_eq!(ours, theirs_decode(&t), "{name} {t:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn in_place_encoding_of_short_input_with_any_gap() {
        // Every short length, with gaps from the least needed to many blocks' text more (the
        // direct loop then has fewer blocks than text room, in steps of two blocks or one).
        let data: [u8; 60] = core::array::from_fn(|i| (i as u8).wrapping_mul(151) ^ 0x5a);
        let extras = if cfg!(miri) { 0..70 } else { 0..140 };
        for n in (0..=data.len()).step_by(if cfg!(miri) { 7 } else { 1 }) {
            let theirs = Base64UrlUnpadded::encode_string(&data[..n]);
            for extra in extras.clone().step_by(if cfg!(miri) { 9 } else { 1 }) {
                let from = n.div_ceil(3) + extra;
                let mut buf = vec![0xa5u8; from + n];
                buf[from..].copy_from_slice(&data[..n]);
                encode_in_place(&mut buf, from, n, 0);
                assert_eq!(&buf[..theirs.len()], theirs.as_bytes(), "{n} {extra}");
            }
        }
    }

    #[test]
    fn encoded_len_matches_base64ct() {
        for n in 0..100 {
            assert_eq!(
                encoded_len(n),
                Base64UrlUnpadded::encoded_len(&vec![0u8; n])
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: if cfg!(miri) { 4 } else { 256 },
            // Under Miri the file system is isolated: no persisted failures to read.
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Encoding agrees with base64ct and decoding undoes it, for every implementation.
        #[test]
        fn round_trip_agrees_with_base64ct(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let theirs = Base64UrlUnpadded::encode_string(&data);
            for (name, encode) in encoders() {
                let mut text = vec![0u8; encoded_len(data.len())];
                let n = encode(&data, &mut text);
                prop_assert_eq!(n, Some(text.len()), "{}", name);
                prop_assert_eq!(&text[..], theirs.as_bytes(), "{}", name);
            }
            for (name, decode) in decoders() {
                let mut out = vec![0u8; data.len() + 2];
                let n = decode(theirs.as_bytes(), &mut out);
                prop_assert_eq!(n.map(|n| &out[..n]), Some(&data[..]), "{}", name);
            }
        }

        /// Encoding in place, with any gap of at least a third of the input between the text
        /// and the input, and any room after the input, gives base64ct's text.
        #[test]
        fn in_place_encoding_agrees_with_base64ct(
            data in proptest::collection::vec(any::<u8>(), 0..500),
            to in 0usize..20,
            extra_gap in 0usize..40,
            room in 0usize..20,
        ) {
            let theirs = Base64UrlUnpadded::encode_string(&data);
            let from = to + data.len().div_ceil(3) + extra_gap;
            for (name, in_place) in [
                ("chosen", encode_in_place as fn(&mut [u8], usize, usize, usize)),
                ("chunked", encode_in_place_chunked),
            ] {
                let mut buf = vec![0xa5u8; from + data.len() + room];
                buf[from..from + data.len()].copy_from_slice(&data);
                in_place(&mut buf, from, data.len(), to);
                prop_assert_eq!(&buf[to..to + theirs.len()], theirs.as_bytes(), "{}", name);
                // Nothing before the text is touched.
                prop_assert!(buf[..to].iter().all(|&b| b == 0xa5), "{}", name);
            }
        }

        /// The constant-time encoder (used for MACs) agrees with base64ct too.
        #[test]
        fn secret_encoding_agrees_with_base64ct(data in proptest::collection::vec(any::<u8>(), 0..100)) {
            let theirs = Base64UrlUnpadded::encode_string(&data);
            let mut text = vec![0u8; encoded_len(data.len())];
            prop_assert_eq!(encode_secret(&data, &mut text), Some(theirs.as_bytes()));
            let mut short = vec![0u8; text.len().saturating_sub(1)];
            prop_assert_eq!(encode_secret(&data, &mut short).is_some(), data.is_empty());
        }

        /// Any text, mostly from the alphabet: accepted exactly when base64ct accepts it, with
        /// the same bytes.
        #[test]
        fn decoding_agrees_with_base64ct(
            text in proptest::collection::vec(
                prop_oneof![
                    8 => proptest::sample::select(ALPHABET.to_vec()),
                    1 => any::<u8>(),
                ],
                0..80,
            )
        ) {
            let theirs = theirs_decode(&text);
            for (name, decode) in decoders() {
                let mut out = vec![0u8; text.len()];
                let ours = decode(&text, &mut out).map(|n| out[..n].to_vec());
                prop_assert_eq!(&ours, &theirs, "{}", name);
            }
        }
    }
}
