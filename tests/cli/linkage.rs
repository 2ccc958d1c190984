//! Linkage settings from the config and review pairs of every fuzzily linked source.

use crate::workdir::{Workdir, with_check};

const CHILD: &str = "530102201506010015";

fn manifest(wd: &Workdir, run: &str) -> serde_json::Value {
    serde_json::from_str(&wd.read(&format!("{run}/manifest.json"))).unwrap()
}

#[test]
fn fixed_m_and_u_from_the_config_reach_the_weights() {
    let wd = Workdir::with_fixture("synthetic-small");
    let config = wd.read("input/sanku.toml");
    wd.write(
        "input/sanku.toml",
        format!("{config}\n[linkage.m.name]\nexact = 0.95\n\n[linkage.u.sex]\nsame = 0.45\n"),
    );
    wd.expect_code(&["run", "input", "--out", "out", "--quiet"], 0);
    let results = &manifest(&wd, "out")["results"]["fuzzy_students"];
    let params = &results["parameters"];
    assert_eq!(params["m"][0][0], 0.95, "{params}");
    assert_eq!(params["u"][3][0], 0.45, "{params}");
    let other = params["u"][3][1].as_f64().unwrap();
    assert!(
        (other - 0.55).abs() < 0.01,
        "the other sex level takes the rest: {other}"
    );
    let options = &manifest(&wd, "out")["results"]["fuzzy_options"];
    assert_eq!(options["fixed"]["m"]["name"]["exact"], 0.95);
    // The generated fixture leaves fewer candidate pairs than EM needs.
    assert!(results["compared_pairs"].as_u64().unwrap() < 200);
    assert_eq!(params["m_source"], "default");
}

#[test]
fn an_unknown_level_in_the_config_is_a_clear_error() {
    let wd = Workdir::with_fixture("synthetic-small");
    let config = wd.read("input/sanku.toml");
    wd.write(
        "input/sanku.toml",
        format!("{config}\n[linkage.m.name]\nhomophone = 0.1\n"),
    );
    let out = wd.expect_code(&["run", "input", "--out", "out", "--quiet"], 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("linkage.m.name"), "{stderr}");
    assert!(
        stderr.contains("same_pinyin"),
        "the levels are listed: {stderr}"
    );
}

#[test]
fn pairs_under_the_candidate_floor_are_compared_but_not_kept() {
    let wd = Workdir::with_fixture("synthetic-small");
    wd.append_gb18030(
        "input/population.csv",
        &format!("{CHILD},欧阳子涵,男,2015-06-01,530102,正常\n"),
    );
    // Only the birth date agrees: a pair the birth-date pass finds and scoring rejects.
    wd.append_gb18030(
        "input/students.csv",
        "STEST0001,,王芳,女,2015-06-01,2144010601,440106,5年级,在读\n",
    );
    let config = wd.read("input/sanku.toml");
    let figures = |run: &str| {
        let results = &manifest(&wd, run)["results"]["fuzzy_students"];
        let count = |key: &str| results[key].as_u64().unwrap();
        (count("compared_pairs"), count("candidate_pairs"))
    };
    wd.expect_code(&["run", "input", "--out", "floor", "--quiet"], 0);
    let (compared, kept) = figures("floor");
    assert!(kept < compared, "{kept} of {compared} kept");

    wd.write(
        "input/sanku.toml",
        format!("{config}\n[linkage]\ncandidate_floor = -1000.0\n"),
    );
    wd.expect_code(&["run", "input", "--out", "all", "--quiet"], 0);
    assert_eq!(figures("all"), (compared, compared));

    wd.write(
        "input/sanku.toml",
        format!("{config}\n[linkage]\ncandidate_floor = 11.0\n"),
    );
    let out = wd.expect_code(&["run", "input", "--out", "bad", "--quiet"], 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("candidate_floor (11)"), "{stderr}");
}

#[test]
fn a_poverty_member_with_a_mistyped_id_reaches_review_and_explain() {
    let wd = Workdir::with_fixture("synthetic-small");
    wd.append_gb18030(
        "input/population.csv",
        &format!("{CHILD},欧阳子涵,男,2015-06-01,530102,正常\n"),
    );
    // Two order-code digits swapped: the check character no longer fits.
    wd.append_gb18030(
        "input/poverty.csv",
        "HTEST0001,530102201506010105,欧阳子涵,男,2015-06-01,之子,530102001,脱贫户\n",
    );
    // Nothing reaches accept, so every scored pair is in the review band.
    let args = ["run", "input", "--out", "out", "--quiet"];
    let mut review_args = args.to_vec();
    review_args.extend(["--accept", "100", "--review", "0"]);
    wd.expect_code(&review_args, 0);
    let review = wd.read("out/review.csv");
    let row = review
        .lines()
        .find(|l| l.starts_with("poverty,") && l.contains(CHILD))
        .unwrap_or_else(|| panic!("no poverty review row:\n{review}"));
    assert!(row.contains(",530102201506010105,"), "{row}");
    assert!(row.contains(",typo,"), "{row}");

    // With the default thresholds the member links, and explain shows it.
    wd.expect_code(&args, 0);
    let out = wd.expect_code(&["explain", "out", CHILD], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("linked (fuzzy with weight")
            && text.contains("poverty member 530102201506010105"),
        "{text}"
    );
}

#[test]
fn a_member_whose_valid_id_no_one_carries_is_not_linked_to_a_namesake() {
    let wd = Workdir::with_fixture("synthetic-small");
    wd.append_gb18030(
        "input/population.csv",
        &format!("{CHILD},欧阳子涵,男,2015-06-01,530102,正常\n"),
    );
    // Born the same day in the same county under another order code, with a valid ID no
    // one in the population carries: a child the population register lacks.
    let stranger = with_check("53010220150601077");
    wd.append_gb18030(
        "input/poverty.csv",
        &format!("HTEST0002,{stranger},欧阳子涵,男,2015-06-01,之子,530102001,脱贫户\n"),
    );
    wd.expect_code(&["run", "input", "--out", "gap", "--quiet"], 0);
    let unmatched = wd.read("gap/checks/poverty_unmatched.csv");
    assert!(
        unmatched
            .lines()
            .any(|l| l.contains("HTEST0002") && l.contains("population_gap")),
        "the stranger is not a population gap:\n{unmatched}"
    );
    let out = wd.expect_code(&["explain", "gap", CHILD], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("poverty member"), "{text}");

    // The same member with its ID mistyped (the check no longer fits) is the child's.
    let typo = format!("{}{}", &CHILD[..16], "51");
    let poverty = wd
        .read_gb18030("input/poverty.csv")
        .replace(&stranger, &typo);
    wd.write("input/poverty.csv", encoding_rs::GB18030.encode(&poverty).0);
    wd.expect_code(&["run", "input", "--out", "typo", "--quiet"], 0);
    let out = wd.expect_code(&["explain", "typo", CHILD], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("linked (fuzzy with weight")
            && text.contains(&format!("poverty member {typo}")),
        "{text}"
    );
}
