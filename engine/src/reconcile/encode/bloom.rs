//! Field-level Bloom filters (Schnell, Bachteler and Reiher 2009): a field's features (a
//! name's character and letter n-grams, a date's parts) each set `hashes` of a filter's
//! `bits`, and two filters are compared by their Dice coefficient. The positions of a
//! feature come from one HMAC-SHA256 of it under a key derived for the field ("random
//! hashing": independent positions, not the two-hash arithmetic whose pattern attacks on
//! Bloom filters exploit), each feature salted with a value of the record (its birth year)
//! so that a bigram sets other bits in another year's filters.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Most positions one digest gives: 16 of 16 bits.
pub const MAX_HASHES: usize = 16;

/// How one field is encoded.
#[derive(Clone)]
pub struct FieldFilter {
    bits: usize,
    hashes: usize,
    mac: Hmac<Sha256>,
}

impl FieldFilter {
    /// A filter of `bits` (a power of two, 64 to 65 536) setting `hashes` positions (1 to
    /// 16) per feature, keyed by `key`.
    pub fn new(key: &[u8; 32], bits: usize, hashes: usize) -> FieldFilter {
        assert!(bits.is_power_of_two() && (64..=65_536).contains(&bits));
        assert!((1..=MAX_HASHES).contains(&hashes));
        FieldFilter {
            bits,
            hashes,
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key"),
        }
    }

    /// The filter of `features`, each salted with `salt`: the filter's words, lowest bit
    /// first.
    pub fn encode<'f>(&self, salt: &str, features: impl IntoIterator<Item = &'f str>) -> Vec<u64> {
        let mut words = vec![0u64; self.bits / 64];
        for feature in features {
            let mut mac = self.mac.clone();
            mac.update(salt.as_bytes());
            mac.update(b"\x1f");
            mac.update(feature.as_bytes());
            let digest = mac.finalize().into_bytes();
            for pair in digest.chunks_exact(2).take(self.hashes) {
                let at = usize::from(u16::from_le_bytes([pair[0], pair[1]])) & (self.bits - 1);
                words[at / 64] |= 1 << (at % 64);
            }
        }
        words
    }
}

/// The Dice coefficient of two filters: twice the bits both set over the bits each sets;
/// 0 when neither sets any.
pub fn dice(a: &[u64], b: &[u64]) -> f64 {
    let (mut both, mut total) = (0u32, 0u32);
    for (x, y) in a.iter().zip(b) {
        both += (x & y).count_ones();
        total += x.count_ones() + y.count_ones();
    }
    match total {
        0 => 0.0,
        _ => 2.0 * f64::from(both) / f64::from(total),
    }
}

/// A filter as lowercase hex, lowest word first, each word's bytes lowest first.
pub fn to_hex(words: &[u64]) -> String {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    crate::ground::text::hex(&bytes)
}

/// A filter from [`to_hex`]'s text; `None` when it is not one.
pub fn from_hex(text: &str) -> Option<Vec<u64>> {
    if text.len() % 16 != 0 || !text.is_ascii() {
        return None;
    }
    text.as_bytes()
        .chunks(16)
        .map(|word| {
            let mut bytes = [0u8; 8];
            for (i, pair) in word.chunks(2).enumerate() {
                bytes[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
            }
            Some(u64::from_le_bytes(bytes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter() -> FieldFilter {
        FieldFilter::new(&[9; 32], 1024, 15)
    }

    #[test]
    fn the_same_features_give_the_same_filter_and_a_dice_of_one() {
        let a = filter().encode("2015", ["b:张伟", "c:张", "c:伟"]);
        let b = filter().encode("2015", ["c:伟", "c:张", "b:张伟"]);
        assert_eq!(a, b);
        assert_eq!(dice(&a, &b), 1.0);
        let set: u32 = a.iter().map(|w| w.count_ones()).sum();
        assert!((30..=45).contains(&set), "{set} bits for 3 features of 15");
    }

    #[test]
    fn shared_features_score_between_none_and_all() {
        let f = filter();
        let a = f.encode("2015", ["c:张", "c:伟", "b:张伟"]);
        let b = f.encode("2015", ["c:张", "c:玮", "b:张玮"]);
        let c = f.encode("2015", ["c:李", "c:娜", "b:李娜"]);
        let (near, far) = (dice(&a, &b), dice(&a, &c));
        assert!((0.2..0.5).contains(&near), "{near}");
        assert!(far < 0.1, "{far}");
    }

    #[test]
    fn another_salt_or_key_sets_other_bits() {
        let a = filter().encode("2015", ["c:张", "c:伟"]);
        let b = filter().encode("2016", ["c:张", "c:伟"]);
        let c = FieldFilter::new(&[8; 32], 1024, 15).encode("2015", ["c:张", "c:伟"]);
        // About 30 bits of 1024 each: by chance a bit or two in common.
        assert!(dice(&a, &b) < 0.2, "{}", dice(&a, &b));
        assert!(dice(&a, &c) < 0.2, "{}", dice(&a, &c));
    }

    #[test]
    fn a_filter_reads_back_from_its_hex() {
        let a = filter().encode("", ["x", "y"]);
        assert_eq!(from_hex(&to_hex(&a)), Some(a));
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex("0123"), None);
    }
}
