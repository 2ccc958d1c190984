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

#[test]
fn a_twins_number_rounded_by_a_spreadsheet_onto_her_sisters_is_hers_not_her_sisters() {
    // The sister's number ends in 000 and passes its check; Excel rounded the twin's
    // 530102201506090027 to it on her record.
    const SISTER: &str = "530102201506090000";
    const TWIN: &str = "530102201506090027";
    let wd = Workdir::with_fixture("synthetic-small");
    wd.append_gb18030(
        "input/population.csv",
        &format!(
            "{SISTER},欧阳子涵,女,2015-06-09,530102,正常\n{TWIN},欧阳子轩,女,2015-06-09,530102,正常\n"
        ),
    );
    wd.append_gb18030(
        "input/students.csv",
        &format!(
            "G{SISTER},{SISTER},欧阳子涵,女,2015-06-09,2153010201,530102,5年级,在读\n\
             S530102TWIN0002,{SISTER},欧阳子轩,女,2015-06-09,2153010201,530102,5年级,在读\n"
        ),
    );
    wd.expect_code(&["run", "input", "--out", "out", "--quiet"], 0);
    let ledger = wd.read("out/ledger.csv");
    assert!(!ledger.contains(TWIN), "the twin was flagged:\n{ledger}");
    assert!(
        !ledger.contains(SISTER),
        "the sister was flagged:\n{ledger}"
    );
    let out = wd.expect_code(&["explain", "out", TWIN], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("S530102TWIN0002"), "{text}");
}
