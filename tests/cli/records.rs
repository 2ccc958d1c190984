//! A child's records beyond the first: a move between schools whose new record carries a
//! wrong ID, and a second registration under a mistyped ID.

use crate::workdir::{Workdir, with_check};

const MOVED: &str = "530102201403030099";
const TWICE: &str = "53010220130505007X";

fn run_with(students: &str) -> Workdir {
    let wd = Workdir::with_fixture("synthetic-small");
    wd.append_gb18030(
        "input/population.csv",
        &format!(
            "{MOVED},欧阳明轩,男,2014-03-03,530102,正常\n{TWICE},欧阳子墨,男,2013-05-05,530102,正常\n"
        ),
    );
    wd.append_gb18030("input/students.csv", students);
    wd.expect_code(&["run", "input", "--out", "out", "--quiet"], 0);
    wd
}

#[test]
fn a_transfer_whose_new_record_lacks_its_id_is_enrolled() {
    let wd = run_with(&format!(
        "SMOVED0001,{MOVED},欧阳明轩,男,2014-03-03,2153010201,530102,6年级,转出\n\
         SMOVED0002,,欧阳明轩,男,2014-03-03,2153010202,530102,6年级,在读\n"
    ));
    let ledger = wd.read("out/ledger.csv");
    assert!(
        !ledger.contains(MOVED),
        "flagged though enrolled:\n{ledger}"
    );
    // One in-school record: not a duplicate registration.
    assert!(
        !wd.read("out/checks/duplicate_registrations.csv")
            .contains(MOVED)
    );
    assert!(!wd.read("out/checks/registry_only.csv").contains("SMOVED"));
}

#[test]
fn a_second_registration_under_a_mistyped_id_is_found() {
    let wd = run_with(&format!(
        "STWICE0001,{TWICE},欧阳子墨,男,2013-05-05,2153010201,530102,7年级,在读\n\
         STWICE0002,53010220130505077X,欧阳子墨,男,2013-05-05,2153010203,530102,7年级,在读\n"
    ));
    let duplicates = wd.read("out/checks/duplicate_registrations.csv");
    let rows: Vec<&str> = duplicates
        .lines()
        .filter(|l| l.starts_with(TWICE))
        .collect();
    assert_eq!(rows.len(), 2, "{duplicates}");
    assert!(
        rows[0].contains("STWICE0001") && rows[0].ends_with(",exact"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("STWICE0002") && rows[1].ends_with(",fuzzy"),
        "{}",
        rows[1]
    );
    assert!(!wd.read("out/checks/registry_only.csv").contains("STWICE"));
}

#[test]
fn a_valid_number_one_order_digit_off_is_a_neighbours_not_a_second_registration() {
    // Born that day in that county under the next order code, the number valid and no
    // one's in the population: a child the register lacks, however alike the name.
    let neighbour = with_check("53010220130505008");
    let wd = run_with(&format!(
        "STWICE0001,{TWICE},欧阳子墨,男,2013-05-05,2153010201,530102,7年级,在读\n\
         SNEXT00001,{neighbour},欧阳子墨,男,2013-05-05,2153010203,530102,7年级,在读\n"
    ));
    let duplicates = wd.read("out/checks/duplicate_registrations.csv");
    assert!(!duplicates.contains(TWICE), "{duplicates}");
    let registry_only = wd.read("out/checks/registry_only.csv");
    assert!(registry_only.contains("SNEXT00001"), "{registry_only}");
}

#[test]
fn a_parents_number_that_no_one_holds_keeps_no_child_off_its_record() {
    // The mother's number (born 1986, registered elsewhere) typed on the pupil's only
    // record: it says nothing of whose the record is, and the name, birth date and school
    // find the child.
    let mother = with_check("44010619860203002");
    let wd = run_with(&format!(
        "SMOVED0001,{mother},欧阳明轩,男,2014-03-03,2153010201,530102,6年级,在读\n"
    ));
    let ledger = wd.read("out/ledger.csv");
    assert!(
        !ledger.contains(MOVED),
        "flagged though enrolled:\n{ledger}"
    );
    let out = wd.expect_code(&["explain", "out", MOVED], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("linked (fuzzy with weight"), "{text}");
}
