//! HMAC-SHA256 (RFC 2104) straight on SHA-256's block function.
//!
//! HS256 is what Twilio signs with, and the hash is most of the cost of a token. The `hmac`
//! crate's general machinery costs more than it should around a message this short: a keyed
//! state of two whole hashers, cloned per message, and input copied through a block buffer.
//! Here a key is two 32-byte states, a message's whole blocks go to `sha2`'s block function
//! straight from where they lie, and only the last partial block is copied (to pad it). The
//! tests hold it to the `hmac` crate, which HS384 and HS512 still use.

use sha2::block_api::compress256;
use sha2::{Digest, Sha256};

/// SHA-256's block size in bytes.
pub(crate) const BLOCK: usize = 64;

/// The length of the MAC.
pub(crate) const MAC_LEN: usize = 32;

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const INITIAL: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// A SHA-256 computation part-way through its message: the state after whole blocks.
#[derive(Clone, Copy)]
pub(crate) struct State {
    words: [u32; 8],
    /// Bytes taken so far (a whole number of blocks).
    len: u64,
}

impl State {
    /// The state after the one block `block`.
    fn after(block: &[u8; BLOCK]) -> Self {
        let mut state = State {
            words: INITIAL,
            len: 0,
        };
        state.take(core::slice::from_ref(block));
        state
    }

    /// Take whole blocks of the message.
    #[inline]
    pub(crate) fn take(&mut self, blocks: &[[u8; BLOCK]]) {
        compress256(&mut self.words, blocks);
        self.len += (BLOCK * blocks.len()) as u64;
    }

    /// The hash of the message taken so far followed by `rest`, as SHA-256's eight words.
    #[inline]
    fn finish(mut self, rest: &[u8]) -> [u32; 8] {
        let (blocks, tail) = rest.as_chunks::<BLOCK>();
        self.take(blocks);
        // The padding: 0x80, zeros, then the message length in bits (big-endian) in the last
        // eight bytes of one block, or of a second one when the tail leaves fewer than nine.
        let bits = (self.len + tail.len() as u64) * 8;
        let mut last = [[0u8; BLOCK]; 2];
        let flat = last.as_flattened_mut();
        if let Some(copy) = flat.get_mut(..tail.len()) {
            copy.copy_from_slice(tail);
        }
        if let Some(marker) = flat.get_mut(tail.len()) {
            *marker = 0x80;
        }
        let blocks = if tail.len() < BLOCK - 8 { 1 } else { 2 };
        if let Some(length) = last
            .get_mut(blocks - 1)
            .and_then(|block| block.last_chunk_mut::<8>())
        {
            *length = bits.to_be_bytes();
        }
        if let Some(padded) = last.get(..blocks) {
            compress256(&mut self.words, padded);
        }
        self.words
    }
}

/// An HMAC-SHA256 key: the states after its inner and outer key blocks.
#[derive(Clone, Copy)]
pub(crate) struct Hs256 {
    inner: State,
    outer: State,
}

impl Hs256 {
    /// The key schedule for `secret` (any length; one longer than a block is hashed first).
    pub(crate) fn new(secret: &[u8]) -> Self {
        let mut block = [0u8; BLOCK];
        if secret.len() > BLOCK {
            for (slot, byte) in block.iter_mut().zip(Sha256::digest(secret)) {
                *slot = byte;
            }
        } else {
            for (slot, &byte) in block.iter_mut().zip(secret) {
                *slot = byte;
            }
        }
        Hs256 {
            inner: State::after(&block.map(|b| b ^ 0x36)),
            outer: State::after(&block.map(|b| b ^ 0x5c)),
        }
    }

    /// The inner hash before any of the message.
    #[inline(always)]
    pub(crate) fn start(&self) -> State {
        self.inner
    }

    /// The MAC of the message of which `inner` has taken all but `rest`.
    pub(crate) fn finish(&self, inner: State, rest: &[u8]) -> [u8; MAC_LEN] {
        // The outer hash's message is the inner hash (32 bytes): one block, padded in place.
        let mut block = [0u8; BLOCK];
        let (words, _) = block.as_chunks_mut::<4>();
        for (bytes, word) in words.iter_mut().zip(inner.finish(rest)) {
            *bytes = word.to_be_bytes();
        }
        block[MAC_LEN] = 0x80;
        if let Some(length) = block.last_chunk_mut::<8>() {
            *length = ((BLOCK + MAC_LEN) as u64 * 8).to_be_bytes();
        }
        let mut outer = self.outer.words;
        compress256(&mut outer, &[block]);
        let mut mac = [0u8; MAC_LEN];
        let (words, _) = mac.as_chunks_mut::<4>();
        for (bytes, word) in words.iter_mut().zip(outer) {
            *bytes = word.to_be_bytes();
        }
        mac
    }
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths (which are public:
/// a MAC's length is its algorithm's).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // Opaque to the optimiser: no early exit can be derived from the comparison.
    core::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};

    fn reference(secret: &[u8], message: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    fn ours(secret: &[u8], message: &[u8]) -> [u8; 32] {
        let key = Hs256::new(secret);
        key.finish(key.start(), message)
    }

    #[test]
    fn rfc_4231_test_case_2() {
        let tag = ours(b"Jefe", b"what do ya want for nothing?");
        let hex: std::string::String = tag.iter().map(|b| std::format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn matches_the_hmac_crate_at_every_block_boundary() {
        // Secrets shorter than, equal to and longer than a block (then hashed); messages
        // around every length at which the padding takes one or two blocks.
        let bytes: std::vec::Vec<u8> = (0..400u32).map(|i| (i * 131 % 251) as u8).collect();
        // Every length natively; under Miri (slow), those at and around each boundary.
        let lens: std::vec::Vec<usize> = if cfg!(miri) {
            std::vec![
                0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 121, 127, 128, 129, 194
            ]
        } else {
            (0..=3 * BLOCK + 2).collect()
        };
        for secret_len in [0, 1, 31, 32, 63, 64, 65, 100, 128, 200] {
            let secret = &bytes[..secret_len];
            for &len in &lens {
                let message = &bytes[100..100 + len];
                assert_eq!(
                    ours(secret, message),
                    reference(secret, message),
                    "{secret_len} {len}"
                );
            }
        }
    }

    #[test]
    fn resumes_after_whole_blocks() {
        let message: std::vec::Vec<u8> = (0..300u32).map(|i| i as u8).collect();
        let key = Hs256::new(b"key");
        for blocks in 0..=4 {
            let (head, rest) = message.split_at(BLOCK * blocks);
            let mut state = key.start();
            state.take(head.as_chunks::<BLOCK>().0);
            assert_eq!(key.finish(state, rest), reference(b"key", &message));
        }
    }

    #[test]
    fn constant_time_eq_compares_everything() {
        let a = [7u8; 32];
        assert!(constant_time_eq(&a, &a));
        for i in 0..32 {
            let mut b = a;
            b[i] ^= 0x10;
            assert!(!constant_time_eq(&a, &b));
        }
        assert!(!constant_time_eq(&a, &a[..31]));
        assert!(constant_time_eq(&[], &[]));
    }
}
