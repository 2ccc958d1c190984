//! What real student extracts carry that a row-by-row matcher gets wrong: history rows under
//! one student number, a parent's or a sibling's ID in a pupil's record, IDs damaged by
//! Excel, and the national student number as a second copy of the ID.

use std::collections::BTreeMap;

use crate::workdir::Workdir;

/// A valid ID number from its first 17 digits.
fn id(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

/// Runs the synthetic fixture with `people` added to the population and `records` to the
/// students.
fn run_with(people: &str, records: &str) -> Workdir {
    let wd = Workdir::with_fixture("synthetic-small");
    wd.append_gb18030("input/population.csv", people);
    wd.append_gb18030("input/students.csv", records);
    wd.expect_code(&["run", "input", "--out", "out", "--quiet"], 0);
    wd
}

fn flagged(wd: &Workdir, id: &str) -> Option<String> {
    wd.read("out/ledger.csv")
        .lines()
        .find(|l| l.starts_with(id))
        .map(str::to_string)
}

#[test]
fn history_rows_under_one_student_number_are_one_registration() {
    let child = id("53010220130404009");
    // The ID is mistyped in every row: a registration's rows copy it.
    let typo = format!("53010220130404099{}", &child[17..]);
    let wd = run_with(
        &format!("{child},欧阳思远,男,2013-04-04,530102,正常\n"),
        &format!(
            "SHIST00000001,{typo},欧阳思远,男,2013-04-04,2153010207,530102,6年级,毕业\n\
             SHIST00000001,{typo},欧阳思远,男,2013-04-04,2153010211,530102,7年级,在读\n\
             SHIST00000001,{typo},欧阳思远,男,2013-04-04,2153010211,530102,7年级,在读\n"
        ),
    );
    assert_eq!(flagged(&wd, &child), None, "flagged though enrolled");
    assert!(!wd.read("out/review.csv").contains("SHIST"));
    assert!(
        !wd.read("out/checks/duplicate_registrations.csv")
            .contains(&child)
    );
    assert!(!wd.read("out/checks/registry_only.csv").contains("SHIST"));
}

#[test]
fn a_parents_id_in_a_pupils_record_does_not_link_to_the_parent() {
    let pupil = id("53010220140909004");
    let mother = id("53010219860203002");
    let wd = run_with(
        &format!(
            "{pupil},欧阳若曦,女,2014-09-09,530102,正常\n{mother},李秀英,女,1986-02-03,530102,正常\n"
        ),
        &format!("SPARENT0000001,{mother},欧阳若曦,女,2014-09-09,2153010201,530102,6年级,在读\n"),
    );
    assert_eq!(flagged(&wd, &pupil), None, "the pupil was flagged");
    let conflicts = wd.read("out/checks/conflicts.csv");
    let row = conflicts
        .lines()
        .find(|l| l.contains("SPARENT0000001"))
        .unwrap_or_else(|| panic!("no conflict reported:\n{conflicts}"));
    assert!(
        row.starts_with(&mother) && row.contains(",id_owner,"),
        "{row}"
    );
    assert!(!wd.read("out/checks/registry_only.csv").contains("SPARENT"));
}

#[test]
fn a_siblings_id_where_both_are_at_school_links_each_to_their_own_record() {
    let elder = id("53010220120101003");
    let younger = id("53010220150606003");
    let wd = run_with(
        &format!(
            "{elder},欧阳明杰,男,2012-01-01,530102,正常\n{younger},欧阳明宇,男,2015-06-06,530102,正常\n"
        ),
        &format!(
            "SSIB00000000001,{elder},欧阳明杰,男,2012-01-01,2153010201,530102,8年级,在读\n\
             SSIB00000000002,{elder},欧阳明宇,男,2015-06-06,2153010201,530102,5年级,在读\n"
        ),
    );
    assert_eq!(flagged(&wd, &elder), None);
    assert_eq!(
        flagged(&wd, &younger),
        None,
        "the younger sibling was flagged"
    );
    assert!(
        !wd.read("out/checks/duplicate_registrations.csv")
            .contains(&elder),
        "a sibling's record is not a second registration"
    );
    let conflicts = wd.read("out/checks/conflicts.csv");
    assert!(
        conflicts
            .lines()
            .any(|l| l.starts_with(&elder) && l.contains("SSIB00000000002,exact,id_owner")),
        "{conflicts}"
    );
}

#[test]
fn a_siblings_id_where_the_sibling_dropped_out_leaves_the_dropout_flagged() {
    let dropout = id("53010220110303007");
    let pupil = id("53010220140404007");
    let wd = run_with(
        &format!(
            "{dropout},欧阳建国,男,2011-03-03,530102,正常\n{pupil},欧阳建军,男,2014-04-04,530102,正常\n"
        ),
        &format!("SSIB00000000003,{dropout},欧阳建军,男,2014-04-04,2153010201,530102,6年级,在读\n"),
    );
    assert_eq!(flagged(&wd, &pupil), None, "the pupil was flagged");
    let row = flagged(&wd, &dropout).expect("the dropout is flagged");
    assert!(row.contains(",no_record,"), "{row}");
}

#[test]
fn an_excel_damaged_id_keeps_the_row_and_is_reported() {
    let first = id("53010220121212001");
    let second = id("53010220131111002");
    let rounded = {
        let n: u64 = second.parse().unwrap();
        format!("{}", (n + 500) / 1000 * 1000)
    };
    // A real number that ends in 000, its student number carrying the same: not damaged.
    let zeros = (1..=28)
        .flat_map(|day| (0..10).map(move |h| id(&format!("530102201001{day:02}{h}00"))))
        .find(|id| id.ends_with("000"))
        .unwrap();
    let born = format!("{}-{}-{}", &zeros[6..10], &zeros[10..12], &zeros[12..14]);
    let wd = run_with(
        &format!(
            "{first},欧阳天佑,男,2012-12-12,530102,正常\n{second},欧阳天琪,女,2013-11-11,530102,正常\n\
             {zeros},欧阳天宁,女,{born},530102,正常\n"
        ),
        &format!(
            "SDAMAGE0000001,5.30102E+17,欧阳天佑,男,2012-12-12,2153010201,530102,8年级,在读\n\
             SDAMAGE0000002,{rounded},欧阳天琪,女,2013-11-11,2153010201,530102,7年级,在读\n\
             G{zeros},{zeros},欧阳天宁,女,{born},2153010201,530102,9年级,在读\n"
        ),
    );
    assert_eq!(flagged(&wd, &zeros), None);
    assert_eq!(flagged(&wd, &first), None, "flagged though enrolled");
    assert_eq!(flagged(&wd, &second), None, "flagged though enrolled");
    assert!(!wd.read("out/rejects.csv").contains("scientific"));
    let warnings = wd.read("out/warnings.csv");
    assert!(warnings.contains("scientific notation"), "{warnings}");
    assert!(warnings.contains("zeroed"), "{warnings}");
    let plain = Workdir::with_fixture("synthetic-small");
    plain.expect_code(&["run", "input", "--out", "out", "--quiet"], 0);
    let before = plain.read("out/warnings.csv").lines().count();
    assert_eq!(
        warnings.lines().count(),
        before + 2,
        "two damaged rows only: {warnings}"
    );
    assert!(
        !warnings.contains(&rounded),
        "the value is masked: {warnings}"
    );
    let manifest: serde_json::Value = serde_json::from_str(&wd.read("out/manifest.json")).unwrap();
    let students = &manifest["inputs"][1];
    assert_eq!(
        students["rows_in"].as_u64(),
        Some(students["rows_used"].as_u64().unwrap() + students["rows_rejected"].as_u64().unwrap())
    );
}

#[test]
fn a_national_student_number_stands_in_for_a_missing_id() {
    let child = id("53010220140707008");
    let wd = run_with(
        &format!("{child},欧阳子豪,男,2014-07-07,530102,正常\n"),
        &format!("G{child},,欧阳子豪,男,2014-07-07,2153010201,530102,6年级,在读\n"),
    );
    assert_eq!(flagged(&wd, &child), None);
    let explain = wd.expect_code(&["explain", "out", &child], 0);
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(text.contains("exact"), "{text}");
}

/// Adds `person` to the population and a record with no ID under `record_key`; the child
/// must be enrolled, linked fuzzily at a pair showing `level`.
fn links_fuzzily_with(child: &str, person: &str, record_key: &str, record: &str, level: &str) {
    let wd = run_with(
        &format!("{child},{person},530102,正常\n"),
        &format!("{record_key},,{record},2153010201,530102,6年级,在读\n"),
    );
    assert_eq!(flagged(&wd, child), None, "flagged though enrolled");
    let explain = wd.expect_code(&["explain", "out", record_key], 0);
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(text.contains(level), "{text}");
}

#[test]
fn a_name_typed_in_pinyin_links_to_the_chinese_name() {
    links_fuzzily_with(
        &id("53010220140202005"),
        "欧阳振华,男,2014-02-02",
        "J530102000000099901",
        "OUYANG ZHENHUA,男,2014-02-02",
        "same_pinyin",
    );
}

#[test]
fn a_birth_year_typed_one_off_still_links() {
    links_fuzzily_with(
        &id("53010220130808006"),
        "欧阳振宇,男,2013-08-08",
        "J530102000000099902",
        "欧阳振宇,男,2012-08-08",
        "year_off_by_one",
    );
}

#[test]
fn a_siblings_id_and_the_number_made_from_it_on_a_brothers_row_flag_neither() {
    let sister = id("53010220120505004");
    let brother = id("53010220150808005");
    let wd = run_with(
        &format!(
            "{sister},欧阳雨桐,女,2012-05-05,530102,正常\n{brother},欧阳浩然,男,2015-08-08,530102,正常\n"
        ),
        &format!(
            "G{sister},{sister},欧阳雨桐,女,2012-05-05,2153010201,530102,8年级,在读\n\
             G{sister},{sister},欧阳浩然,男,2015-08-08,2153010203,530102,5年级,在读\n"
        ),
    );
    assert_eq!(flagged(&wd, &sister), None, "the sister was flagged");
    assert_eq!(flagged(&wd, &brother), None, "the brother was flagged");
    assert!(
        !wd.read("out/checks/duplicate_registrations.csv")
            .contains(&sister),
        "two children under one number are not one child in two schools"
    );
    let conflicts = wd.read("out/checks/conflicts.csv");
    assert!(
        conflicts
            .lines()
            .any(|l| l.starts_with(&sister) && l.contains(",id_owner")),
        "{conflicts}"
    );
}

/// `child`'s first 17 digits with the digit at `at` replaced by `digit`, and the check
/// recomputed: a valid number that belongs to no one.
fn rechecked(child: &str, at: usize, digit: char) -> String {
    let mut first17: Vec<char> = child[..17].chars().collect();
    first17[at] = digit;
    id(&first17.into_iter().collect::<String>())
}

#[test]
fn a_valid_id_that_belongs_to_no_one_is_a_typo_like_any_other() {
    let child = id("53010220140311006");
    let elsewhere = id("53010220130624008");
    let dropout = id("53010220120707001");
    // A birth-date digit typed wrong, the check recomputed by a form; and a province digit
    // typed wrong (52: a province the population does not cover), the check recomputed.
    let typo = rechecked(&child, 12, '2');
    let province = rechecked(&elsewhere, 1, '2');
    // A child of the neighbouring county born the dropout's day with the same order code,
    // missing from the population register: one digit from the dropout's number, another
    // name.
    let neighbour = rechecked(&dropout, 5, '3');
    let wd = run_with(
        &format!(
            "{child},欧阳嘉懿,女,2014-03-11,530102,正常
{elsewhere},欧阳梓萱,女,2013-06-24,530102,正常
             {dropout},欧阳明轩,男,2012-07-07,530102,正常
"
        ),
        &format!(
            "JVALID00000001,{typo},欧阳嘉懿,女,2014-03-11,2153010201,530102,6年级,在读
             JVALID00000002,{province},欧阳梓萱,女,2013-06-24,2153010201,530102,7年级,在读
             JVALID00000003,{neighbour},司马文博,男,2012-07-07,2153010301,530103,8年级,在读
"
        ),
    );
    assert_eq!(flagged(&wd, &child), None, "flagged though enrolled");
    assert_eq!(flagged(&wd, &elsewhere), None, "flagged though enrolled");
    for key in ["JVALID00000001", "JVALID00000002"] {
        let explain = wd.expect_code(&["explain", "out", key], 0);
        let text = String::from_utf8_lossy(&explain.stdout);
        assert!(text.contains("linked (fuzzy"), "{text}");
    }
    let row = flagged(&wd, &dropout).expect("the neighbour's record took the dropout");
    assert!(row.contains(",no_record,"), "{row}");
    let registry_only = wd.read("out/checks/registry_only.csv");
    assert!(!registry_only.contains("JVALID00000001") && !registry_only.contains("JVALID00000002"));
    assert!(registry_only.contains("JVALID00000003"), "{registry_only}");
}

#[test]
fn one_number_in_school_at_two_schools_is_a_duplicate_registration() {
    let child = id("53010220130919007");
    let row = |school: &str| {
        format!("G{child},{child},欧阳俊熙,男,2013-09-19,{school},530102,7年级,在读\n")
    };
    let base = run_with("", "");
    let wd = run_with(
        &format!("{child},欧阳俊熙,男,2013-09-19,530102,正常\n"),
        &format!(
            "{}{}{}",
            row("2153010201"),
            row("2153010201"),
            row("2153010215")
        ),
    );
    assert_eq!(flagged(&wd, &child), None);
    let listed: Vec<BTreeMap<String, String>> = wd
        .csv("out/checks/duplicate_registrations.csv")
        .maps()
        .into_iter()
        .filter(|r| r["id_number"] == child)
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(
        [&listed[0]["school_code"], &listed[1]["school_code"]],
        ["2153010201", "2153010215"],
        "{listed:?}"
    );
    let student_no = format!("G{child}");
    assert!(
        listed
            .iter()
            .all(|r| r["records"] == "2" && r["student_no"] == student_no),
        "{listed:?}"
    );
    // The row exported twice is counted, not reported.
    let repeated = |wd: &Workdir| {
        let m: serde_json::Value = serde_json::from_str(&wd.read("out/manifest.json")).unwrap();
        m["results"]["links"]["student_rows_repeated"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(repeated(&wd), repeated(&base) + 1);
}
