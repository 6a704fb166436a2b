//! [`KeyMap`]: a hash map keyed by 128-bit key numbers (identity keys and other hashes), for
//! the indexes an ingest keeps per finding.
//!
//! A hash table doubles when it fills, and for a moment holds its old and its new table. The
//! correlator's and the SQLite writer's per-finding maps reach that point together: near the
//! end of a 1,000,000-result ingest, about 78 MB of old tables sat beside 156 MB of new ones.
//! A [`KeyMap`] is sixteen tables chosen by a key's top four bits: each doubles on its own, so
//! the old tables held at any moment are a sixteenth of that (the first ingest's peak
//! anonymous memory went from 503 MB to 444–462 MB, `rampart bench`, docs/benchmarks.md).
//! Each table hashes its keys with std's randomly keyed hasher, so a report crafted to pile
//! keys into one table makes the map no worse than a single table.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;

const SHARDS: usize = 16;

/// A key number that is a hash: a `u128`, two `u64` words (8-byte aligned, so that an entry
/// with a small value takes 24 bytes rather than 32), or a 64-bit hash.
pub trait KeyNumber: Copy + Eq + Hash {
    /// The key's top four bits.
    fn top_bits(&self) -> usize;
}

impl KeyNumber for u128 {
    fn top_bits(&self) -> usize {
        (*self >> 124) as usize
    }
}

impl KeyNumber for i64 {
    /// A 64-bit hash (as SQL stores it, signed).
    fn top_bits(&self) -> usize {
        (*self as u64 >> 60) as usize
    }
}

impl KeyNumber for [u64; 2] {
    /// The high word is the second.
    fn top_bits(&self) -> usize {
        (self[1] >> 60) as usize
    }
}

/// A map from 128-bit key numbers to `V`, split into sixteen tables (see the module).
#[derive(Debug, Clone)]
pub struct KeyMap<V, K: KeyNumber = u128> {
    shards: Box<[HashMap<K, V>; SHARDS]>,
    len: usize,
}

impl<V, K: KeyNumber> Default for KeyMap<V, K> {
    fn default() -> Self {
        KeyMap {
            shards: Box::new(std::array::from_fn(|_| HashMap::new())),
            len: 0,
        }
    }
}

/// The table of `key`: its top four bits (keys are hashes, so the tables fill evenly).
fn shard<K: KeyNumber>(key: &K) -> usize {
    key.top_bits()
}

impl<V, K: KeyNumber> KeyMap<V, K> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.shards[shard(key)].get(key)
    }

    /// The value of `key`, to change.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.shards[shard(key)].get_mut(key)
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, key: &K) -> bool {
        self.shards[shard(key)].contains_key(key)
    }

    /// Sets the value of `key`, returning the one it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let old = self.shards[shard(&key)].insert(key, value);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// The value of `key`, inserting `make()` first when it has none.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        match self.shards[shard(&key)].entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                self.len += 1;
                e.insert(make())
            }
        }
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards.iter().flat_map(|s| s.iter())
    }

    /// Every value, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.shards.iter().flat_map(|s| s.values())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_one_map_across_all_tables() {
        let mut m: KeyMap<u32> = KeyMap::new();
        let mut reference = HashMap::new();
        // Keys that reach every table, and some that repeat.
        let mut x: u128 = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
        for i in 0..5_000u32 {
            x = x
                .wrapping_mul(0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645)
                .wrapping_add(0x5851_f42d_4c95_7f2d_1405_7b7e_f767_814f);
            let key = if i % 7 == 0 {
                u128::from(i % 50) << 124
            } else {
                x
            };
            assert_eq!(m.insert(key, i), reference.insert(key, i), "insert {key:x}");
            assert_eq!(m.len(), reference.len());
        }
        let tables_used = m.shards.iter().filter(|s| !s.is_empty()).count();
        assert_eq!(tables_used, SHARDS);
        for (k, v) in &reference {
            assert_eq!(m.get(k), Some(v));
            assert!(m.contains_key(k));
        }
        assert_eq!(m.iter().count(), reference.len());
        let mut values: Vec<u32> = m.values().copied().collect();
        let mut expected: Vec<u32> = reference.values().copied().collect();
        values.sort_unstable();
        expected.sort_unstable();
        assert_eq!(values, expected);
        assert!(!m.contains_key(&7));
        assert_eq!(m.get(&7), None);
    }

    #[test]
    fn get_or_insert_counts_new_keys_once() {
        let mut m: KeyMap<u32> = KeyMap::new();
        for key in [1u128, u128::MAX, 1, 1 << 127, u128::MAX] {
            *m.get_or_insert_with(key, || 0) += 1;
        }
        assert_eq!(m.len(), 3);
        assert_eq!(m.get(&1), Some(&2));
        assert_eq!(m.get(&u128::MAX), Some(&2));
        assert_eq!(m.get(&(1 << 127)), Some(&1));
        *m.get_mut(&1).expect("present") = 10;
        assert_eq!(m.get(&1), Some(&10));
        assert!(m.get_mut(&2).is_none());
        assert!(!m.is_empty());
    }

    #[test]
    fn two_word_keys_choose_their_table_by_the_high_word() {
        let mut m: KeyMap<u8, [u64; 2]> = KeyMap::new();
        for high in 0..16u64 {
            m.insert([7, high << 60], high as u8);
        }
        assert!(m.shards.iter().all(|s| s.len() == 1));
        assert_eq!(m.get(&[7, 3 << 60]), Some(&3));
        assert_eq!(m.len(), 16);
    }
}
