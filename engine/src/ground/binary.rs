//! Reading long vectors of a binary file (the rescore state) at their full length at once:
//! serde grows a vector it does not trust the length of by doubling, which at millions of
//! rows costs more in copying and fresh pages than the reading itself.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};

/// `#[serde(deserialize_with = "crate::ground::binary::exact_vec")]`: a vector allocated once at
/// the length the file gives.
pub fn exact_vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Exact<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Exact<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a sequence")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(item) = seq.next_element()? {
                v.push(item);
            }
            Ok(v)
        }
    }
    deserializer.deserialize_seq(Exact(PhantomData))
}
