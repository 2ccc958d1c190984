//! review.csv: the pairs in the review band (and near-ties) of every fuzzily linked
//! source, with every field's level and weight, sorted by source, the child's ID number and
//! the record's key.

use super::csv::format_weight;
use super::links::{LinkedRecord, linked_record};
use super::table::{DeclaredColumn, Field, declared, header, sorted_cells, text};
use super::writer::Writer;
use crate::ground::schema::files;
use crate::pipeline::cohort::Cohort;
use crate::pipeline::link::Links;
use crate::pipeline::link::compare::CompareField;
use crate::pipeline::link::weights::Contribution;
use crate::pipeline::normalize::{Person, Registers};

/// One pair to review.
struct Review<'a> {
    source: &'static str,
    child: &'a Person,
    record: LinkedRecord<'a>,
    weight: f64,
    /// Each compared field's level and weight, by [`CompareField`].
    parts: [Contribution; 5],
}

/// The level and the weight columns of one compared field.
macro_rules! field {
    ($field:expr, $level:literal, $weight:literal) => {
        [
            text!(Review, $level, Code, |r: &Review| r.parts[$field.at()]
                .level
                .to_string()),
            text!(Review, $weight, Count, |r: &Review| format_weight(Some(
                r.parts[$field.at()].weight
            ))),
        ]
    };
}

fn schema<'a>() -> Vec<Field<Review<'a>>> {
    type R<'a> = Review<'a>;
    let mut columns = vec![
        text!(R, "source", Code, |r: &R| r.source.to_string()),
        text!(R, "id_number", Id, |r: &R| r.child.id.text.to_string()),
        text!(R, "name", Name, |r: &R| r.child.name.to_string()),
        text!(R, "record_key", Id, |r: &R| r.record.key.clone()),
        text!(R, "record_id", Id, |r: &R| r.record.id.to_string()),
        text!(R, "record_name", Name, |r: &R| r.record.name.to_string()),
        text!(R, "weight", Count, |r: &R| format_weight(Some(r.weight))),
    ];
    columns.extend(field!(CompareField::Name, "name_level", "name_weight"));
    columns.extend(field!(
        CompareField::BirthDate,
        "birth_date_level",
        "birth_date_weight"
    ));
    columns.extend(field!(
        CompareField::IdNumber,
        "id_number_level",
        "id_number_weight"
    ));
    columns.extend(field!(CompareField::Sex, "sex_level", "sex_weight"));
    columns.extend(field!(
        CompareField::Division,
        "division_level",
        "division_weight"
    ));
    columns
}

/// The columns of review.csv.
pub(super) fn declared_columns() -> Vec<DeclaredColumn> {
    declared(&schema())
}

/// Writes review.csv.
pub fn write_review(
    out: &Writer,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for (source, outcome) in links.fuzzy_outcomes() {
        for pair in &outcome.review {
            let child = &cohort.children[pair.child];
            rows.push(Review {
                source,
                child,
                record: linked_record(registers, source, pair.record),
                weight: pair.weight,
                parts: outcome
                    .params
                    .contributions(&pair.levels, outcome.name_share(&child.name)),
            });
        }
    }
    let schema = schema();
    let every = header(&schema);
    out.csv(
        files::REVIEW_CSV,
        &every,
        sorted_cells(&schema, &rows, &every),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::link::weights::FIELDS;

    #[test]
    fn the_level_columns_follow_the_compared_fields() {
        let names = header(&schema());
        let levels: Vec<String> = FIELDS
            .iter()
            .flat_map(|f| [format!("{f}_level"), format!("{f}_weight")])
            .collect();
        assert_eq!(
            names[7..],
            levels.iter().map(String::as_str).collect::<Vec<_>>()
        );
    }
}
