//! Duplicate member names, found during the one validating pass.
//!
//! The names of every open object are remembered as (hash of the unescaped text, offset of the
//! opening quote) in one pool kept in stack order: only the innermost open object gains names,
//! and its names are dropped when it closes. An object with up to [`LINEAR`] names compares a
//! new hash with each of its own; a larger one looks it up in an open-addressing table (linear
//! probing) shared by all open objects, whose entries point into the pool and are removed
//! (backward shift) when their object closes. Equal hashes are confirmed by comparing the
//! unescaped text, so `"a"` and `"\u0061"` are the same name and a hash collision is not.
//! Each name is hashed once and probes a table that is at most half full: time linear in the
//! input.
//!
//! Nothing is allocated. On 64-bit targets a document is first checked with a small pool (64
//! names, enough for ordinary tokens, 1 KB of stack); one that needs more is validated again
//! with 8,192 names, more than a [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN) token can hold, in
//! 128 KB of stack that only such a document reaches. Other targets, where stack is scarce, use
//! one pool of 128 names (2 KB). Two fallbacks keep the answer exact when the table cannot be
//! used:
//! - probing that runs past [`PROBE_LIMIT`] (a crowded table, or names crafted to collide) ends
//!   the table's use for that object: its names are sorted by (hash, text) when it closes and
//!   neighbours compared, O(n log n) whatever the names;
//! - an object whose names do not all fit in the pool is checked when it closes by walking its
//!   text once per [`CHUNK`] names. This is the one strategy that does not remember every name;
//!   no token reaches it on a 64-bit target.

use super::error::{JsonError, Rule};
use super::unescape::{JsonStr, short_key_hash};
use super::value::{Members, string_end};

/// Names remembered for all open objects together, once the pool has grown.
#[cfg(target_pointer_width = "64")]
const POOL: usize = 8192;
#[cfg(not(target_pointer_width = "64"))]
const POOL: usize = 128;
/// Names remembered by the first attempt on 64-bit targets (1 KB of stack).
#[cfg(target_pointer_width = "64")]
const SMALL: usize = 64;
/// Objects with up to this many names compare hashes one by one instead of using the table.
const LINEAR: usize = 8;
/// Longest probe sequence tried before an object falls back to sorting its names.
const PROBE_LIMIT: usize = 48;
/// Names compared per walk of an object that did not fit in the pool.
const CHUNK: usize = 64;

// Table entries hold pool positions + 1 in 16 bits; a table twice the pool is at most half full.
const _: () = assert!(POOL < u16::MAX as usize);

/// Names checked with a pool of [`SMALL`] names; a document that needs more is validated again
/// with [`LargeKeys`], whose 128 KB live in the frame of a function only such a document calls.
#[cfg(target_pointer_width = "64")]
pub(super) type SmallKeys = Keys<SMALL, { 2 * SMALL }>;
/// Names checked with the largest pool of the target.
pub(super) type LargeKeys = Keys<POOL, { 2 * POOL }>;

/// What [`Keys::add`] returns when a pool that may restart is full: never a real error (no
/// offset reaches `usize::MAX`), it sends the caller to [`LargeKeys`].
pub(super) const NEEDS_ROOM: JsonError = JsonError::new(Rule::TooDeep, usize::MAX);

/// One remembered name.
#[derive(Clone, Copy)]
struct Key {
    hash: u32,
    /// Offset of the name's opening quote.
    at: u32,
}

impl Key {
    const EMPTY: Key = Key { hash: 0, at: 0 };
}

struct Table<const P: usize, const I: usize> {
    keys: [Key; P],
    /// Open addressing: 0 is a free slot, otherwise the high half of the name's hash (so that
    /// most probes never touch the pool) above pool position + 1.
    index: [u32; I],
}

impl<const P: usize, const I: usize> Table<P, I> {
    const fn new() -> Self {
        // Slots are found by masking with `I - 1` ([`probe_hash`], [`remove`]).
        const { assert!(I.is_power_of_two()) };
        Table {
            keys: [Key::EMPTY; P],
            index: [0; I],
        }
    }
}

/// How an open object's names are being checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Few names: each new one is compared with the object's earlier ones.
    Linear,
    /// Through the table.
    Indexed,
    /// Probing ran too long: the names are still remembered and sorted at the end.
    Flooded,
    /// The pool is full: the object's text is walked again at the end.
    Overflowed,
}

/// The duplicate-check state of one open object.
#[derive(Clone, Copy, Debug)]
pub(super) struct ObjectKeys {
    /// Its first name's position in the pool.
    first: usize,
    /// Names seen so far.
    count: usize,
    /// Its names in the table are the pool's `first..indexed_end`.
    indexed_end: usize,
    mode: Mode,
}

impl ObjectKeys {
    pub(super) const EMPTY: ObjectKeys = ObjectKeys {
        first: 0,
        count: 0,
        indexed_end: 0,
        mode: Mode::Linear,
    };
}

/// The names of all open objects of one document, in a pool of `P` names and a table of `I`
/// slots.
pub(super) struct Keys<const P: usize, const I: usize> {
    table: Table<P, I>,
    len: usize,
    /// Entries in the table.
    indexed: usize,
    /// A full pool gives [`NEEDS_ROOM`] instead of the slow fallback.
    restart: bool,
    /// The table holds entries of closed objects only: cleared when an object next starts
    /// using it (not at the close, so that a document's last large object costs no clearing).
    stale: bool,
}

/// The name whose opening quote is at `at` in validated text.
///
/// Only called with the offset of a remembered name: [`Keys::add`] remembers the names the
/// grammar has just scanned in the `text` it is given, and [`Keys`] lives for one document.
#[allow(clippy::expect_used)]
fn name_at(text: &str, at: usize) -> JsonStr<'_> {
    let raw = string_end(text, at)
        .and_then(|end| text.get(at + 1..end - 1))
        .expect("only offsets of names scanned in this text are remembered");
    JsonStr { raw }
}

enum Probe {
    Added,
    Duplicate,
    TooLong,
}

/// A table entry for pool position `p` of a name hashed to `hash`.
#[inline]
fn entry(hash: u32, p: usize) -> u32 {
    (hash & 0xffff_0000) | (p as u32 + 1)
}

/// The pool position a (non-zero) table entry points to.
#[inline]
fn position(entry: u32) -> usize {
    (entry & 0xffff) as usize - 1
}

/// Add pool entry `p` to the table, unless an entry for which `same` holds is found first.
#[inline(always)]
fn probe(keys: &[Key], index: &mut [u32], p: usize, same: impl FnMut(usize) -> bool) -> Probe {
    match keys.get(p) {
        Some(k) => probe_hash(keys, index, p, k.hash, same),
        None => Probe::TooLong,
    }
}

/// [`probe`] for a pool entry whose hash is `hash`. `index.len()` is a power of two.
#[inline(always)]
fn probe_hash(
    keys: &[Key],
    index: &mut [u32],
    p: usize,
    hash: u32,
    mut same: impl FnMut(usize) -> bool,
) -> Probe {
    let mask = index.len() - 1;
    let tag = hash & 0xffff_0000;
    let mut slot = hash as usize & mask;
    for _ in 0..PROBE_LIMIT {
        match index.get(slot).copied() {
            Some(0) => {
                if let Some(e) = index.get_mut(slot) {
                    *e = entry(hash, p);
                    return Probe::Added;
                }
                return Probe::TooLong;
            }
            Some(e) => {
                if e & 0xffff_0000 == tag {
                    let q = position(e);
                    if keys.get(q).is_some_and(|k| k.hash == hash) && same(q) {
                        return Probe::Duplicate;
                    }
                }
            }
            None => return Probe::TooLong,
        }
        slot = (slot + 1) & mask;
    }
    Probe::TooLong
}

/// Remove pool entry `p` from the table (if there), shifting later entries of its cluster back
/// so that every entry stays reachable from its home slot. `index.len()` is a power of two.
#[allow(clippy::expect_used)]
fn remove(keys: &[Key], index: &mut [u32], p: usize) {
    let mask = index.len() - 1;
    let home = |e: u32| keys.get(position(e)).map(|k| k.hash as usize & mask);
    let Some(mut hole) = keys.get(p).map(|k| k.hash as usize & mask) else {
        return;
    };
    let mut found = false;
    for _ in 0..index.len() {
        match index.get(hole).copied() {
            Some(0) | None => break,
            Some(e) if position(e) == p => {
                found = true;
                break;
            }
            Some(_) => hole = (hole + 1) & mask,
        }
    }
    if !found {
        return;
    }
    let mut j = hole;
    for _ in 0..index.len() {
        j = (j + 1) & mask;
        let e = *index
            .get(j)
            .expect("slots are masked with the table's length (a power of two) less one");
        let Some(h) = (e != 0).then(|| home(e)).flatten() else {
            break;
        };
        // The entry at `j` stays unless its home slot lies cyclically outside (hole, j].
        let stays = if hole <= j {
            hole < h && h <= j
        } else {
            hole < h || h <= j
        };
        if !stays {
            if let Some(slot) = index.get_mut(hole) {
                *slot = e;
            }
            hole = j;
        }
    }
    if let Some(slot) = index.get_mut(hole) {
        *slot = 0;
    }
}

impl<const P: usize, const I: usize> Keys<P, I> {
    pub(super) fn new() -> Self {
        Keys {
            table: Table::new(),
            len: 0,
            indexed: 0,
            restart: P < POOL,
            stale: false,
        }
    }

    /// The state of an object opened now.
    pub(super) fn open(&self) -> ObjectKeys {
        ObjectKeys {
            first: self.len,
            count: 0,
            indexed_end: self.len,
            mode: Mode::Linear,
        }
    }

    /// Check the name whose opening quote is at `at` against the earlier names of the innermost
    /// open object `obj`, and remember it; return the name's [`JsonStr::key_hash`].
    ///
    /// `escaped` tells whether the name holds a backslash.
    #[inline(always)]
    #[allow(clippy::expect_used)]
    pub(super) fn add(
        &mut self,
        text: &str,
        obj: &mut ObjectKeys,
        at: usize,
        name: JsonStr<'_>,
        escaped: bool,
    ) -> Result<u32, JsonError> {
        obj.count += 1;
        let duplicate = Err(JsonError::new(Rule::DuplicateKey, at));
        // A short name is read as one word straight from the text (the bytes after it are
        // masked off), most names are.
        let window = text.as_bytes().get(at + 1..at + 9);
        let hash = match window.map(<[u8; 8]>::try_from) {
            Some(Ok(word)) if name.raw.len() < 8 && !escaped => {
                short_key_hash(u64::from_le_bytes(word), name.raw.len())
            }
            _ => name.key_hash(),
        };
        if obj.mode == Mode::Overflowed {
            return Ok(hash);
        }
        if obj.mode == Mode::Linear {
            let own = self.table.keys.get(obj.first..self.len).expect(OWN_NAMES);
            if own
                .iter()
                .any(|k| k.hash == hash && name_at(text, k.at as usize) == name)
            {
                return duplicate;
            }
        }
        if self.len >= P && self.restart {
            return Err(NEEDS_ROOM);
        }
        let (Ok(at32), true) = (u32::try_from(at), self.len < P) else {
            obj.mode = Mode::Overflowed;
            return Ok(hash);
        };
        let p = self.len;
        if self.stale && obj.mode == Mode::Linear && obj.count > LINEAR {
            // No entry is live (an open object using the table would own some).
            self.table.index.fill(0);
            self.stale = false;
        }
        let (keys, index) = (&mut self.table.keys[..], &mut self.table.index[..]);
        if let Some(slot) = keys.get_mut(p) {
            *slot = Key { hash, at: at32 };
        }
        self.len += 1;
        let keys: &[Key] = keys;
        match obj.mode {
            Mode::Linear if obj.count > LINEAR => {
                // From now on through the table. The names so far are known to differ.
                obj.mode = Mode::Indexed;
                for q in obj.first..=p {
                    if !matches!(probe(keys, index, q, |_| false), Probe::Added) {
                        obj.mode = Mode::Flooded;
                        break;
                    }
                    obj.indexed_end = q + 1;
                    self.indexed += 1;
                }
            }
            Mode::Indexed => {
                let first = obj.first;
                let same = |q: usize| {
                    q >= first
                        && keys
                            .get(q)
                            .is_some_and(|k| name_at(text, k.at as usize) == name)
                };
                match probe_hash(keys, index, p, hash, same) {
                    Probe::Added => {
                        obj.indexed_end = p + 1;
                        self.indexed += 1;
                    }
                    Probe::Duplicate => return duplicate,
                    Probe::TooLong => obj.mode = Mode::Flooded,
                }
            }
            _ => {}
        }
        Ok(hash)
    }

    /// Finish the innermost open object, whose text is `object` (from `{` to `}`) starting at
    /// offset `start`: run the deferred check if it needs one, and forget its names.
    #[allow(clippy::expect_used)]
    pub(super) fn close(
        &mut self,
        text: &str,
        obj: &ObjectKeys,
        start: usize,
        object: &str,
    ) -> Result<(), JsonError> {
        let (keys, index) = (&mut self.table.keys[..], &mut self.table.index[..]);
        let own = obj.indexed_end - obj.first;
        if own == self.indexed {
            // Every entry is this object's: marking the table for clearing is cheaper than
            // removing them one by one.
            if own > 0 {
                self.stale = true;
            }
        } else {
            for p in (obj.first..obj.indexed_end).rev() {
                remove(keys, index, p);
            }
        }
        self.indexed -= own;
        let result = match obj.mode {
            Mode::Linear | Mode::Indexed => Ok(()),
            Mode::Flooded => {
                let own = keys.get_mut(obj.first..self.len).expect(OWN_NAMES);
                check_sorted(text, own)
            }
            Mode::Overflowed => {
                check_in_chunks(object).map_err(|at| JsonError::new(Rule::DuplicateKey, start + at))
            }
        };
        self.len = obj.first;
        result
    }
}

/// Why the names of the innermost open object are `obj.first..len` of the pool: `len` never
/// passes the pool's size, an object's first position is `len` when it opens, and `len` only
/// grows until an object inside it closes, which sets it back to that object's first position
/// (at or after this one's): the grammar adds names to and closes only the innermost object.
const OWN_NAMES: &str = "the innermost object's names end the pool";

/// Duplicate check by sorting the names by (hash, unescaped text): equal names end up side by
/// side whatever their hashes.
fn check_sorted(text: &str, keys: &mut [Key]) -> Result<(), JsonError> {
    keys.sort_unstable_by(|a, b| {
        a.hash.cmp(&b.hash).then_with(|| {
            let (a, b) = (name_at(text, a.at as usize), name_at(text, b.at as usize));
            a.chars().cmp(b.chars())
        })
    });
    for pair in keys.windows(2) {
        if let [a, b] = pair
            && a.hash == b.hash
            && name_at(text, a.at as usize) == name_at(text, b.at as usize)
        {
            let at = a.at.max(b.at) as usize;
            return Err(JsonError::new(Rule::DuplicateKey, at));
        }
    }
    Ok(())
}

/// Offset in `object` of the opening quote of `name`, a name borrowed from it.
fn quote_offset(object: &str, name: JsonStr<'_>) -> usize {
    (name.raw.as_ptr() as usize)
        .saturating_sub(object.as_ptr() as usize)
        .saturating_sub(1)
}

/// Duplicate check of an object (its validated text) without remembering all its names: each
/// chunk of [`CHUNK`] names is sorted by hash and checked against itself and against every
/// later name. `Err` holds the offset of the later name of an equal pair.
#[allow(clippy::expect_used)]
fn check_in_chunks(object: &str) -> Result<(), usize> {
    let mut slots = [(0u32, JsonStr { raw: "" }); CHUNK];
    let mut cursor = Members {
        rest: object
            .strip_prefix('{')
            .expect("the grammar closes an object with its text, from its `{`"),
    };
    loop {
        let mut n = 0usize;
        for slot in slots.iter_mut() {
            let Some((name, _)) = cursor.next() else {
                break;
            };
            *slot = (name.key_hash(), name);
            n += 1;
        }
        let Some(chunk) = slots.get_mut(..n) else {
            return Ok(());
        };
        chunk.sort_unstable_by_key(|slot| slot.0);
        let chunk: &[(u32, JsonStr<'_>)] = chunk;
        let mut unchecked = chunk;
        while let Some((a, later)) = unchecked.split_first() {
            unchecked = later;
            for b in later.iter().take_while(|b| b.0 == a.0) {
                if a.1 == b.1 {
                    let at = quote_offset(object, a.1).max(quote_offset(object, b.1));
                    return Err(at);
                }
            }
        }
        if n < CHUNK {
            return Ok(());
        }
        for (name, _) in cursor.clone() {
            let h = name.key_hash();
            let lo = chunk.partition_point(|slot| slot.0 < h);
            let same = chunk
                .get(lo..)
                .expect("partition_point is at most the length");
            if same
                .iter()
                .take_while(|slot| slot.0 == h)
                .any(|slot| slot.1 == name)
            {
                return Err(quote_offset(object, name));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of 16 slots holding entries for the given (pool position, hash) pairs.
    fn table(hashes: &[u32]) -> ([Key; 8], [u32; 16]) {
        let mut keys = [Key::EMPTY; 8];
        let mut index = [0u32; 16];
        for (p, &hash) in hashes.iter().enumerate() {
            keys[p] = Key { hash, at: 0 };
            assert!(matches!(
                probe(&keys, &mut index, p, |_| false),
                Probe::Added
            ));
        }
        (keys, index)
    }

    fn reachable(keys: &[Key], index: &mut [u32], p: usize) -> bool {
        matches!(probe(keys, index, p, |q| q == p), Probe::Duplicate)
    }

    #[test]
    fn removal_keeps_every_other_entry_reachable() {
        // Clusters that wrap around the end of the table, with entries away from home.
        let hashes = [14, 15, 14, 0, 1, 15, 3];
        for gone in 0..hashes.len() {
            let (keys, mut index) = table(&hashes);
            remove(&keys, &mut index, gone);
            assert_eq!(index.iter().filter(|&&e| e != 0).count(), hashes.len() - 1);
            for p in (0..hashes.len()).filter(|&p| p != gone) {
                assert!(reachable(&keys, &mut index, p), "{gone}: {p} lost");
            }
            // Removing again, or something never added, changes nothing.
            let before = index;
            remove(&keys, &mut index, gone);
            assert_eq!(index, before);
        }
    }

    #[test]
    fn long_probes_give_up() {
        let mut keys = [Key::EMPTY; 64];
        let mut index = [0u32; 128];
        let mut added = 0;
        for p in 0..64 {
            keys[p] = Key { hash: 5, at: 0 };
            match probe(&keys, &mut index, p, |_| false) {
                Probe::Added => added += 1,
                Probe::TooLong => break,
                Probe::Duplicate => unreachable!(),
            }
        }
        assert_eq!(added, PROBE_LIMIT);
    }

    #[test]
    fn chunked_check_reports_the_later_name() {
        assert_eq!(check_in_chunks(r#"{"a":1,"b":2}"#), Ok(()));
        assert_eq!(check_in_chunks(r#"{"a":1,"b":2,"\u0061":3}"#), Err(13));
        assert_eq!(check_in_chunks("{}"), Ok(()));
    }
}
