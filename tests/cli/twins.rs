//! Twins are the classic trap: same birth date, surname, household and county. One twin is
//! in school with a record whose ID was left empty; the other dropped out. The enrolled
//! twin must link by name, and the dropout must stay flagged.

use crate::workdir::Workdir;

const TWIN_IN_SCHOOL: &str = "530102201506010015";
const TWIN_DROPPED_OUT: &str = "530102201506010023";

#[test]
fn the_enrolled_twin_links_and_the_dropout_stays_flagged() {
    let wd = Workdir::with_fixture("synthetic-small");
    wd.append_gb18030(
        "input/population.csv",
        &format!(
            "{TWIN_IN_SCHOOL},欧阳子涵,男,2015-06-01,530102,正常\n{TWIN_DROPPED_OUT},欧阳子轩,女,2015-06-01,530102,正常\n"
        ),
    );
    wd.append_gb18030(
        "input/students.csv",
        "S530102TWIN0001,,欧阳子涵,男,2015-06-01,2153010201,530102,5年级,在读\n",
    );
    wd.expect_code(&["run", "input", "--out", "out", "--quiet"], 0);

    let ledger = wd.read("out/ledger.csv");
    assert!(
        !ledger.contains(TWIN_IN_SCHOOL),
        "the enrolled twin was flagged:\n{ledger}"
    );
    let row = ledger
        .lines()
        .find(|l| l.starts_with(TWIN_DROPPED_OUT))
        .expect("the dropout twin is flagged");
    assert!(
        row.contains(",no_record,") || row.contains(",review_only,"),
        "{row}"
    );
}
