//! summary.csv and summary.json.

use super::table::{Cell, Field, Kind, Sensitivity, csv_cells, header};
use super::writer::Writer;
use crate::ground::schema::files;
use crate::pipeline::summary::{Summary, SummaryRow};

/// A count column of summary.csv.
macro_rules! count {
    ($name:literal, $field:ident) => {
        Field {
            name: $name,
            kind: Kind::Text,
            sensitivity: Sensitivity::Count,
            cell: |r: &SummaryRow| Cell::Text(r.counts.$field.to_string()),
        }
    };
}

/// The columns of summary.csv.
pub(super) const SUMMARY: [Field<SummaryRow>; 29] = [
    Field {
        name: "level",
        kind: Kind::Text,
        sensitivity: Sensitivity::Code,
        cell: |r| Cell::Text(r.level.key().to_string()),
    },
    Field {
        name: "division_code",
        kind: Kind::Text,
        sensitivity: Sensitivity::Code,
        cell: |r| Cell::Text(r.division_code.clone()),
    },
    Field {
        name: "division_name",
        kind: Kind::Text,
        sensitivity: Sensitivity::Code,
        cell: |r| Cell::Text(crate::ground::divisions::name(&r.division_code).to_string()),
    },
    Field {
        name: "monitored",
        kind: Kind::Flag,
        sensitivity: Sensitivity::Count,
        cell: |r| Cell::Flag(r.monitored),
    },
    count!("cohort", cohort),
    count!("enrolled", enrolled),
    count!("flagged", flagged),
    count!("flagged_poor", flagged_poor),
    count!("flagged_review_only", flagged_review_only),
    count!("exempt", exempt),
    count!("previous_flagged", previous_flagged),
    count!("new", new),
    count!("returned", returned),
    count!("closed", closed),
    count!("disabled_flagged", disabled_flagged),
    count!("disabled_exempt", disabled_exempt),
    count!("poor_enrolled", poor_enrolled),
    count!("poor_enrolled_without_aid", poor_enrolled_without_aid),
    count!("aided_flagged", aided_flagged),
    Field {
        name: "coverage_rate",
        kind: Kind::Text,
        sensitivity: Sensitivity::Count,
        cell: |r| Cell::Text(r.coverage_rate.map_or(String::new(), |c| format!("{c:.4}"))),
    },
    count!("at_risk", at_risk),
    count!("risk_over_age", risk_over_age),
    count!("risk_unaided", risk_unaided),
    count!("risk_suspended", risk_suspended),
    count!("risk_returned", risk_returned),
    count!("risk_transfers", risk_transfers),
    count!("risk_sibling", risk_sibling),
    count!("risk_disability", risk_disability),
    count!("risk_far_from_home", risk_far_from_home),
];

/// Writes the summary in both formats.
pub fn write_summary(out: &Writer, summary: &Summary) -> anyhow::Result<()> {
    let rows = summary.rows.iter().map(|r| csv_cells(&SUMMARY, r));
    out.csv(files::SUMMARY_CSV, &header(&SUMMARY), rows)?;
    out.file(files::SUMMARY_JSON, |out| {
        serde_json::to_writer_pretty(&mut *out, summary)?;
        std::io::Write::write_all(out, b"\n")?;
        Ok(())
    })?;
    Ok(())
}
