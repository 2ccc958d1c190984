//! One residual row's encoded columns ([`super::ENCODED`], in that order): the ID number's
//! fragments as tokens, the name's and the birth date's filters, the salts' years, the ID
//! a student number carries, and whether a record's ID is someone else's.

use std::path::Path;

use super::bloom::{self, FieldFilter};
use super::features;
use super::{ENCODED, Parameters};
use crate::ground::error::bad_input;
use crate::pipeline::link::identity::someone_elses;
use crate::pipeline::link::stands_in;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::id::{IdClass, IdNumber};
use crate::pipeline::normalize::values::Sex;
use crate::pipeline::normalize::{Text, student_no_id};
use crate::reconcile::inputs::Residuals;
use crate::rundir::pseudonym::Pseudonymizer;
use crate::rundir::residuals::{CHILD, POVERTY, STUDENT};

/// Encodes rows under one key.
pub struct Encoder<'k> {
    key: &'k Pseudonymizer,
    name: FieldFilter,
    birth: FieldFilter,
    place_birth: Keyed,
    edit: Keyed,
    near: Keyed,
    /// A run's `id_doubt` (bits): how far a record's ID may disagree with its birth date
    /// and sex before it is taken as someone else's.
    doubt: f64,
}

impl<'k> Encoder<'k> {
    pub fn new(key: &'k Pseudonymizer, parameters: &Parameters, doubt: f64) -> Encoder<'k> {
        let filter =
            |purpose: &str, bits, hashes| FieldFilter::new(&key.derived_key(purpose), bits, hashes);
        Encoder {
            key,
            name: filter("name filter", parameters.name_bits, parameters.name_hashes),
            birth: filter(
                "birth filter",
                parameters.birth_bits,
                parameters.birth_hashes,
            ),
            place_birth: Keyed::new(key.derived_key("id place and birth")),
            edit: Keyed::new(key.derived_key("id edit")),
            near: Keyed::new(key.derived_key("id near")),
            doubt,
        }
    }

    /// The encoded columns of row `r`; a cell that is not what `sanku run --residuals`
    /// writes is bad input naming the file (`path`), the row and the column.
    pub fn encode(
        &self,
        residuals: &Residuals,
        (path, r): (&Path, usize),
    ) -> anyhow::Result<[String; ENCODED.len()]> {
        let cell = |name: &str| -> &str { residuals.get(r, name) };
        let bad = |column: &str, what: &str| {
            bad_input(format!(
                "{} row {}: {column} {what}; run the province again with --residuals",
                path.display(),
                r + 1
            ))
        };
        let birth = match cell("birth_date") {
            "" => None,
            text => {
                Some(Date::parse_written(text).ok_or_else(|| bad("birth_date", "is not a date"))?)
            }
        };
        let sex = Sex::from_key(cell("sex"));
        let id = cell("id_number");
        let class = IdClass::from_key(cell("id_class"))
            .ok_or_else(|| bad("id_class", "is not an ID class"))?;
        let kind = cell("kind");
        if ![CHILD, STUDENT, POVERTY].contains(&kind) {
            return Err(bad("kind", "is not child, student or poverty"));
        }
        // The ID number's year (its 7th to 10th characters): the salt without a birth
        // date, so that the name's filter still meets the child's; and a second salt when
        // the two years differ, one of them mistyped.
        let id_year = id
            .get(6..10)
            .filter(|y| id.len() == 18 && y.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string);
        let year = birth.map_or(id_year.clone().unwrap_or_default(), |b| b.year.to_string());
        let second_year = id_year.filter(|y| *y != year).unwrap_or_default();
        let (place_birth, edits, near) = match features::id_fragments(id) {
            Some(f) => (
                self.place_birth.token(&f.place_birth),
                tokens(&self.edit, &f.edits, id),
                tokens(&self.near, &f.near, id),
            ),
            None => Default::default(),
        };
        let features = features::name_features(cell("name"));
        let name_under = |salt: &str| match features.is_empty() {
            true => String::new(),
            false => bloom::to_hex(&self.name.encode(salt, features.iter().map(String::as_str))),
        };
        let second_name = match second_year.is_empty() {
            true => String::new(),
            false => name_under(&second_year),
        };
        let stand_in = match kind {
            STUDENT => student_no_id(cell("student_no"))
                .filter(|g| g.text != id && stands_in(g, birth, sex))
                .map_or(String::new(), |g| self.key.token(&g.text)),
            _ => String::new(),
        };
        let number = IdNumber {
            text: Text::from(id),
            class,
        };
        let doubted = kind != CHILD
            && number.class.is_usable()
            && someone_elses(&number, (birth, sex), self.doubt);
        let birth = birth.map_or(String::new(), |b| {
            let features = features::date_features(b);
            bloom::to_hex(
                &self
                    .birth
                    .encode(&year, features.iter().map(String::as_str)),
            )
        });
        Ok([
            place_birth,
            edits,
            near,
            name_under(&year),
            birth,
            year,
            second_name,
            second_year,
            stand_in,
            if doubted { "1" } else { "" }.to_string(),
        ])
    }
}

/// Fragments' tokens, sorted, `;`-joined. Two equal neighbouring digits give one fragment
/// twice: in the ID's order the two equal tokens would stand side by side, and their
/// count would show how many such digits the number has; so each repeat is replaced by a
/// token of the number and the repeat's place, which no other number shares, and every
/// number has as many tokens.
fn tokens(keyed: &Keyed, fragments: &[String], id: &str) -> String {
    let mut seen = std::collections::BTreeSet::new();
    let mut tokens: Vec<String> = fragments
        .iter()
        .enumerate()
        .map(|(i, d)| match seen.insert(d) {
            true => keyed.token(d),
            false => keyed.token(&format!("{id}\u{1f}{i}")),
        })
        .collect();
    tokens.sort_unstable();
    tokens.join(";")
}

/// Tokens under a derived key: `F` and the first 128 bits of the HMAC-SHA256, in hex.
struct Keyed(hmac::Hmac<sha2::Sha256>);

impl Keyed {
    fn new(key: [u8; 32]) -> Keyed {
        use hmac::Mac;
        Keyed(hmac::Hmac::new_from_slice(&key).expect("HMAC takes any key"))
    }

    fn token(&self, value: &str) -> String {
        use hmac::Mac;
        let mut mac = self.0.clone();
        mac.update(value.as_bytes());
        format!(
            "F{}",
            crate::ground::text::hex(&mac.finalize().into_bytes()[..16])
        )
    }
}
