//! `sanku explain`: the waterfall of a fuzzy link, and clear answers for the rest.

use crate::workdir::{Workdir, fixtures};

#[test]
fn explains_a_fuzzy_link_field_by_field() {
    let wd = Workdir::new();
    let data = fixtures().join("synthetic-small");
    wd.expect_code(
        &["run", data.to_str().unwrap(), "--out", "run", "--quiet"],
        0,
    );
    // A record whose ID was left empty by the generator (truth/errors.csv), under a local
    // student number that carries no ID either.
    let errors = std::fs::read_to_string(data.join("truth/errors.csv")).unwrap();
    let record = errors
        .lines()
        .filter(|l| l.ends_with(",id_missing"))
        .filter_map(|l| l.split(',').nth(1))
        .find(|key| key.starts_with('J'))
        .unwrap()
        .to_string();
    let out = wd.expect_code(&["explain", "run", &record], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("linked (fuzzy with weight"), "{text}");
    for field in [
        "name",
        "birth_date",
        "id_number",
        "sex",
        "division",
        "total",
    ] {
        assert!(text.contains(field), "{field} missing from\n{text}");
    }
    assert!(text.contains("id_number    missing"), "{text}");
    // Asked about the child, the answer starts with how the child is enrolled.
    let child = text
        .lines()
        .find_map(|l| l.strip_prefix("linked (fuzzy with weight "))
        .and_then(|rest| rest.split("child ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .to_string();
    let out = wd.expect_code(&["explain", "run", &child], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!(
            "{child}: enrolled — student record {record}, linked by name, birth date, sex and division with weight"
        )),
        "{text}"
    );

    // A key in no link, candidate or ledger row is bad input, named masked.
    let out = wd.expect_code(&["explain", "run", "S00000000000000"], 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("in no link"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wd.expect_code(&["explain", "nowhere", "S1"], 2);
}

#[test]
fn a_manifest_without_thresholds_is_refused_not_read_as_infinity() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "run", "-q"], 0);
    let manifest = wd.read("run/manifest.json");
    let mut value: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    value["results"]["fuzzy_options"]
        .as_object_mut()
        .unwrap()
        .remove("thresholds");
    wd.write("run/manifest.json", value.to_string());
    let out = wd.expect_code(&["explain", "run", "530102201203150117"], 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("manifest"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn explain_says_first_that_a_child_is_flagged_and_cleans_the_key() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "run", "-q"], 0);
    // 林涛, flagged as dropped out, poor; asked for with spaces around.
    let out = wd.expect_code(&["explain", "run", " 530111201808080912 "], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("530111201808080912: flagged in the ledger (status_dropped_out, poor, its record dropped_out)"),
        "{text}"
    );
    // 宋佳's ID ends in 1; 吴倩's in X, asked for with a lowercase x.
    let out = wd.expect_code(&["explain", "run", "53010220200831028x"], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("53010220200831028X: flagged"), "{text}");
    // 张伟, enrolled through his record G5301020001 linked on the ID number.
    let out = wd.expect_code(&["explain", "run", "530102201203150117"], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("530102201203150117: enrolled — student record G5301020001, linked exactly on the ID number"),
        "{text}"
    );
}
