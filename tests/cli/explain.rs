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

    let out = wd.expect_code(&["explain", "run", "S00000000000000"], 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no link and no fuzzy candidate"));
    wd.expect_code(&["explain", "nowhere", "S1"], 2);
}
