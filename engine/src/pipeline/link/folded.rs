//! Names folded to simplified characters (傳 → 传), kept only for the records whose name
//! folding changes: names written with traditional characters are few, and a string per
//! record of a province's registers is not.

use rayon::prelude::*;

use crate::pipeline::normalize::Text;
use crate::pipeline::normalize::name_key::simplified;

/// The names of a source's records folded to simplified characters, kept only where that
/// changes them (a name written with traditional characters): every other record is
/// matched under its name as normalised. A bit per record tells which are kept, so that
/// the common case costs one bit and not a string per record.
#[derive(Debug, Default)]
pub struct Folded {
    changed: Vec<u64>,
    names: rustc_hash::FxHashMap<u32, Text>,
}

impl Folded {
    /// The names of the records taking part (`wanted`), folded.
    pub fn of<T: Sync>(
        records: &[T],
        name: impl Fn(&T) -> &str + Sync,
        wanted: impl Fn(usize) -> bool + Sync,
    ) -> Folded {
        Folded::keep(records.len(), |i| {
            if !wanted(i) {
                return None;
            }
            let own = name(&records[i]);
            let folded = simplified(own);
            (!folded.is_empty() && folded != own).then(|| Text::from(folded))
        })
    }

    /// Names already folded, in order (`own` gives each record's name as normalised).
    pub fn given<'o>(folded: Vec<Text>, own: impl Fn(usize) -> &'o str + Sync) -> Folded {
        Folded::keep(folded.len(), |i| {
            let name = &folded[i];
            (!name.is_empty() && name != own(i)).then(|| name.clone())
        })
    }

    /// Keeps the names `changed` gives of `len` records.
    fn keep(len: usize, changed: impl Fn(usize) -> Option<Text> + Sync) -> Folded {
        let names: Vec<(u32, Text)> = (0..len)
            .into_par_iter()
            .filter_map(|i| changed(i).map(|name| (i as u32, name)))
            .collect();
        let mut bits = vec![0u64; len.div_ceil(64)];
        for &(i, _) in &names {
            bits[i as usize / 64] |= 1 << (i % 64);
        }
        Folded {
            changed: bits,
            names: names.into_iter().collect(),
        }
    }

    /// Record `j`'s name to match on: folded where folding changed it, else `own` (its
    /// name as normalised).
    pub fn get<'a>(&'a self, j: usize, own: &'a str) -> &'a str {
        match self.changed.get(j / 64) {
            Some(word) if word >> (j % 64) & 1 == 1 => &self.names[&(j as u32)],
            _ => own,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_kept_only_where_folding_changes_it_and_its_record_takes_part() {
        let names = ["張偉", "王芳", "陳靜", "李娜"];
        let folded = Folded::of(&names, |n| n, |i| i != 2);
        // Traditional and taking part: folded.
        assert_eq!(folded.get(0, names[0]), "张伟");
        // Already simplified: its own name, nothing kept.
        assert_eq!(folded.get(1, names[1]), "王芳");
        // Not taking part: left as it is.
        assert_eq!(folded.get(2, names[2]), "陳靜");
        assert_eq!(folded.names.len(), 1);
        // Beyond the records: its own name.
        assert_eq!(folded.get(1000, "x"), "x");
    }

    #[test]
    fn names_folded_before_are_kept_as_folding_them_would_keep_them() {
        let names = ["張偉", "王芳", "陳靜"];
        let stored: Vec<Text> = names.iter().map(|n| Text::from(simplified(n))).collect();
        let given = Folded::given(stored, |i| names[i]);
        let made = Folded::of(&names, |n| n, |_| true);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(given.get(i, name), made.get(i, name));
        }
        assert_eq!(given.get(2, names[2]), "陈静");
        assert_eq!(given.names.len(), 2);
    }
}
