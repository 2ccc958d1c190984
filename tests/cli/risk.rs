//! The at-risk list (docs/risk.md): each factor from a hand-made case beside a child just
//! short of it, switched off and weighted in the config, carried from night to night, in
//! Chinese, and explained.

use std::collections::BTreeMap;

use crate::workdir::{Workdir, with_check};

/// A child of the hand-made province: ID number, name, sex, birth date, and the rows the
/// other registers hold.
struct Child {
    key: &'static str,
    name: &'static str,
    birth: &'static str,
    order: &'static str,
}

/// The children, each named by the case it is.
const CHILDREN: [Child; 15] = [
    child("over_4", "甲一", "2012-03-01", "001"),
    child("over_2", "乙二", "2012-05-01", "003"),
    child("over_1", "丙三", "2013-05-01", "005"),
    child("suspended", "丁四", "2014-01-10", "007"),
    child("two_transfers", "戊五", "2015-02-11", "009"),
    child("one_transfer_twice", "己六", "2015-03-12", "011"),
    child("sibling_enrolled", "庚七", "2013-04-13", "013"),
    child("sibling_out", "辛八", "2011-05-14", "015"),
    child("poor_unaided", "壬九", "2016-06-15", "017"),
    child("certificate", "癸十", "2017-07-16", "019"),
    child("home_delivered", "子十一", "2018-08-17", "021"),
    child("far", "丑十二", "2016-09-18", "023"),
    child("back_tonight", "寅十三", "2014-10-19", "025"),
    child("plain", "卯十四", "2014-11-20", "027"),
    child("poor_aided", "辰十五", "2016-12-21", "029"),
];

const fn child(
    key: &'static str,
    name: &'static str,
    birth: &'static str,
    order: &'static str,
) -> Child {
    Child {
        key,
        name,
        birth,
        order,
    }
}

/// Each child's ID number, by its case.
fn ids() -> BTreeMap<&'static str, String> {
    CHILDREN
        .iter()
        .map(|c| {
            (
                c.key,
                with_check(&format!("530102{}{}", c.birth.replace('-', ""), c.order)),
            )
        })
        .collect()
}

/// The registers of the hand-made province; `back_tonight` has a student record only when
/// `back` is set.
fn write_registers(wd: &Workdir, back: bool) {
    let ids = ids();
    let id = |key: &str| ids[key].clone();
    let by = |key: &str| CHILDREN.iter().find(|c| c.key == key).unwrap();
    let mut population = String::from("身份证号,姓名,性别,出生日期,户籍地行政区划代码,人员状态\n");
    for c in &CHILDREN {
        population += &format!("{},{},男,{},530102,正常\n", id(c.key), c.name, c.birth);
    }
    wd.write("input/population.csv", population);
    let mut students = String::from(
        "全国学籍号,身份证件号,学生姓名,性别,出生日期,学校标识码,学校所在地区划代码,年级,学籍状态\n",
    );
    let mut row = |key: &str, school: &str, division: &str, grade: &str, status: &str| {
        let c = by(key);
        students += &format!(
            "G{},{},{},男,{},{school},{division},{grade},{status}\n",
            id(key),
            id(key),
            c.name,
            c.birth
        );
    };
    row("over_4", "2153000001", "530102", "五年级", "在读");
    row("over_2", "2153000001", "530102", "初一", "在读");
    row("over_1", "2153000001", "530102", "七年级", "在读");
    // Back from a 休学: the registration's history holds it.
    row("suspended", "2153000001", "530102", "五年级", "休学");
    row("suspended", "2153000001", "530102", "五年级", "休学");
    row("suspended", "2153000001", "530102", "六年级", "在读");
    row("two_transfers", "2153000002", "530102", "三年级", "休学");
    row("two_transfers", "2153000002", "530102", "三年级", "转出");
    row("two_transfers", "2153000003", "530102", "四年级", "转出");
    row("two_transfers", "2153000001", "530102", "五年级", "在读");
    // One transfer, its row exported twice.
    row(
        "one_transfer_twice",
        "2153000002",
        "530102",
        "四年级",
        "转出",
    );
    row(
        "one_transfer_twice",
        "2153000002",
        "530102",
        "四年级",
        "转出",
    );
    row(
        "one_transfer_twice",
        "2153000001",
        "530102",
        "五年级",
        "在读",
    );
    // Two factors: three years behind, and a brother out of school.
    row("sibling_enrolled", "2153000001", "530102", "五年级", "在读");
    row("poor_unaided", "2153000001", "530102", "四年级", "在读");
    row("certificate", "2153000001", "530102", "三年级", "在读");
    row(
        "home_delivered",
        "2153000001",
        "530102",
        "二年级",
        "送教上门",
    );
    row("far", "2153011101", "530111", "四年级", "在读");
    row("plain", "2153000001", "530102", "六年级", "在读");
    row("poor_aided", "2153000001", "530102", "三年级", "在读");
    if back {
        row("back_tonight", "2153000001", "530102", "六年级", "在读");
    }
    wd.write("input/students.csv", students);
    let poverty = format!(
        "户编号,身份证号码,成员姓名,性别,与户主关系,区划代码,脱贫状态\n\
         H1,{},庚七,男,之子,530102,脱贫不稳定户\n\
         H1,{},辛八,男,之子,530102,脱贫不稳定户\n\
         H2,{},壬九,男,之子,530102,脱贫不稳定户\n\
         H3,{},辰十五,男,之子,530102,脱贫不稳定户\n",
        id("sibling_enrolled"),
        id("sibling_out"),
        id("poor_unaided"),
        id("poor_aided")
    );
    wd.write("input/poverty.csv", poverty);
    // 庚七 and 辰十五 are paid this term, 壬九 only last term.
    let aid = format!(
        "身份证号,姓名,学籍号,资助项目,资助金额,资助学期\n\
         {},庚七,G{},生活补助,625,2026年秋季学期\n\
         {},辰十五,G{},生活补助,625,2026年秋季学期\n\
         {},壬九,G{},生活补助,625,2026年春季学期\n",
        id("sibling_enrolled"),
        id("sibling_enrolled"),
        id("poor_aided"),
        id("poor_aided"),
        id("poor_unaided"),
        id("poor_unaided")
    );
    wd.write("input/aid.csv", aid);
    wd.write(
        "input/disability.csv",
        format!(
            "残疾人证号,姓名,残疾类别,残疾等级,发证日期\n{}52,癸十,,,2020-05-20\n",
            id("certificate")
        ),
    );
}

/// Copies the run directory `from` to `to`.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// The list of run `run`: each child's case (by ID) to its row.
fn list(wd: &Workdir, run: &str) -> BTreeMap<&'static str, BTreeMap<String, String>> {
    let by_id: BTreeMap<String, &'static str> = ids().into_iter().map(|(k, id)| (id, k)).collect();
    wd.csv(&format!("{run}/risk.csv"))
        .maps()
        .into_iter()
        .map(|row| (by_id[&row["id_number"]], row))
        .collect()
}

/// The cases whose `risk_factors` name `factor`.
fn with(
    list: &BTreeMap<&'static str, BTreeMap<String, String>>,
    factor: &str,
) -> Vec<&'static str> {
    list.iter()
        .filter(|(_, r)| r["risk_factors"].split(';').any(|f| f == factor))
        .map(|(k, _)| *k)
        .collect()
}

#[test]
fn each_factor_marks_its_hand_made_case_and_not_the_child_just_short_of_it() {
    let wd = Workdir::new();
    write_registers(&wd, false);
    wd.expect_code(&["run", "input", "--out", "night-1", "-q"], 0);
    let l = list(&wd, "night-1");
    assert_eq!(
        with(&l, "over_age"),
        ["over_2", "over_4", "sibling_enrolled"]
    );
    assert_eq!(l["sibling_enrolled"]["risk_factors"], "over_age;sibling");
    assert_eq!(l["sibling_enrolled"]["risk_score"], "4");
    assert_eq!(l["over_4"]["years_over_age"], "4");
    assert_eq!(l["over_2"]["grade"], "初一");
    assert_eq!(with(&l, "suspended"), ["suspended", "two_transfers"]);
    assert_eq!(
        l["suspended"]["suspended_rows"], "1",
        "one 休学 exported twice"
    );
    // A 休学 and a 转出 at one school and grade are two things.
    assert_eq!(l["two_transfers"]["suspended_rows"], "1");
    assert_eq!(l["two_transfers"]["transfers"], "2");
    assert_eq!(with(&l, "transfers"), ["two_transfers"]);
    assert!(
        !l.contains_key("one_transfer_twice"),
        "one transfer exported twice is one"
    );
    assert_eq!(with(&l, "sibling"), ["sibling_enrolled"]);
    assert_eq!(l["sibling_enrolled"]["flagged_siblings"], "1");
    assert_eq!(with(&l, "unaided"), ["poor_unaided"]);
    assert_eq!(l["poor_unaided"]["aid_gap"], "none");
    assert_eq!(with(&l, "disability"), ["certificate", "home_delivered"]);
    assert_eq!(l["certificate"]["disability_category"], "intellectual");
    assert_eq!(l["certificate"]["disability_level"], "2");
    assert_eq!(
        with(&l, "far_from_home"),
        Vec::<&str>::new(),
        "off by default"
    );
    assert_eq!(
        with(&l, "returned"),
        Vec::<&str>::new(),
        "no case history yet"
    );
    for absent in [
        "over_1",
        "plain",
        "poor_aided",
        "far",
        "sibling_out",
        "back_tonight",
    ] {
        assert!(!l.contains_key(absent), "{absent} is on the list");
    }
    // By score (the default weights), the highest first, the poor first among equals.
    let rows = wd.csv("night-1/risk.csv").maps();
    let keys: Vec<(std::cmp::Reverse<u32>, bool)> = rows
        .iter()
        .map(|r| {
            (
                std::cmp::Reverse(r["risk_score"].parse().unwrap()),
                r["poor"] == "0",
            )
        })
        .collect();
    assert!(keys.is_sorted(), "{keys:?}");
    assert_eq!(
        keys.iter()
            .filter(|k| k.0.0 == 2)
            .map(|k| k.1)
            .collect::<Vec<_>>(),
        [false, true, true],
        "the poor unaided child before the two over-age at score 2"
    );
    assert_eq!(l["suspended"]["risk_score"], "3");
    assert_eq!(l["sibling_enrolled"]["poor"], "1");
    // The summary counts them per county and factor; the report shows the section.
    let summary = wd.csv("night-1/summary.csv");
    let all = &summary.maps()[0];
    assert_eq!(all["at_risk"], l.len().to_string());
    assert_eq!(all["risk_over_age"], "3");
    assert_eq!(all["risk_suspended"], "2");
    assert_eq!(all["risk_disability"], "2");
    let report = wd.read("night-1/report.html");
    let section = &report[report.find("<section id=\"risk\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("<th>over-age</th>"), "{section}");
    assert!(
        !section.contains("far from home"),
        "a factor switched off has no column: {section}"
    );
    // explain says which factors and why.
    let ids = ids();
    let out = wd.expect_code(&["explain", "night-1", &ids["over_4"]], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("at risk of leaving school, score 2")
            && text.contains("over-age: 4 years older than the usual age of grade 五年级"),
        "{text}"
    );

    // The child out of school tonight is back the next night: her case closes as returned,
    // and she is at risk for the months the rule keeps, carried night to night.
    write_registers(&wd, true);
    let night = |out: &str, previous: &str, date: &str| {
        wd.expect_code(
            &[
                "run",
                "input",
                "--out",
                out,
                "-q",
                "--previous",
                previous,
                "--run-date",
                date,
            ],
            0,
        );
    };
    night("night-2", "night-1", "2026-09-02");
    let l = list(&wd, "night-2");
    assert_eq!(with(&l, "returned"), ["back_tonight"]);
    assert_eq!(l["back_tonight"]["returned_on"], "2026-09-02");
    assert!(
        wd.read("night-2/returns.csv")
            .contains(&ids["back_tonight"])
    );
    night("night-3", "night-2", "2026-10-15");
    assert_eq!(with(&list(&wd, "night-3"), "returned"), ["back_tonight"]);
    // A previous run made before returns.csv: its closed.csv's returned cases stand for it,
    // with the name and division closed.csv gives.
    copy_dir(&wd.path("night-2"), &wd.path("night-2-old"));
    std::fs::remove_file(wd.path("night-2-old/returns.csv")).unwrap();
    night("night-3-old", "night-2-old", "2026-10-15");
    assert_eq!(
        with(&list(&wd, "night-3-old"), "returned"),
        ["back_tonight"]
    );
    let carried = wd.csv("night-3-old/returns.csv").maps();
    assert_eq!(carried.len(), 1);
    assert_eq!(
        (
            carried[0]["name"].as_str(),
            carried[0]["division_code"].as_str()
        ),
        ("寅十三", "530102")
    );
    assert_eq!(
        list(&wd, "night-3")["back_tonight"]["returned_on"],
        "2026-09-02"
    );
    // A month later the return is older than returned_months allows.
    wd.write("input/sanku.toml", "[risk]\nreturned_months = 1\n");
    night("night-4", "night-3", "2026-10-16");
    assert!(!list(&wd, "night-4").contains_key("back_tonight"));
    assert_eq!(wd.csv("night-4/returns.csv").rows.len(), 0);
}

#[test]
fn factors_are_switched_off_on_and_weighted_in_the_config() {
    let wd = Workdir::new();
    write_registers(&wd, false);
    wd.write(
        "input/sanku.toml",
        "[risk.factors]\nover_age = false\nfar_from_home = true\nsuspended = 7\n",
    );
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let l = list(&wd, "out");
    assert_eq!(with(&l, "over_age"), Vec::<&str>::new());
    assert_eq!(with(&l, "far_from_home"), ["far"]);
    assert_eq!(l["suspended"]["risk_score"], "7");
    assert_eq!(
        l["two_transfers"]["risk_score"], "8",
        "suspended 7, transfers 1"
    );
    assert_eq!(
        wd.csv("out/risk.csv").rows[0][0],
        ids()["two_transfers"],
        "the highest score first"
    );
    let manifest = wd.read("out/manifest.json");
    assert!(manifest.contains("\"suspended\": 7"), "{manifest}");
    wd.write("input/sanku.toml", "[risk.factors]\nover_aged = 1\n");
    wd.expect_error(
        &["run", "input", "--out", "bad", "-q"],
        2,
        &["[risk.factors] `over_aged` is no risk factor"],
    );
}

#[test]
fn the_list_reads_in_chinese() {
    let wd = Workdir::new();
    write_registers(&wd, false);
    wd.expect_code(&["run", "input", "--out", "out", "-q", "--lang", "zh"], 0);
    let list = wd.csv("out/risk.csv");
    let factors = list.column("风险因素");
    assert!(
        factors.contains(&"超龄;兄弟姐妹疑似失学".to_string()),
        "each word of a list translated: {factors:?}"
    );
    for words in [
        "超龄",
        "未获资助",
        "休学",
        "多次转学",
        "兄弟姐妹疑似失学",
        "残疾",
    ] {
        assert!(
            factors.iter().any(|f| f.split(';').any(|w| w == words)),
            "{words} in {factors:?}"
        );
    }
    for column in ["风险分值", "超龄年数", "资助情况"] {
        list.at(column);
    }
    assert!(
        list.column("资助情况")
            .contains(&"本学期未资助".to_string())
    );
    assert!(
        wd.read("out/report.html")
            .contains("在籍学生中的重点关注对象")
    );
}

#[test]
fn the_documented_risk_section_runs_as_written() {
    // The ```toml block of docs/risk.md's `[risk] in sanku.toml`, as a user copies it.
    let doc = std::fs::read_to_string(crate::workdir::fixtures().join("../docs/risk.md")).unwrap();
    let block = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/risk.md shows a [risk] section");
    assert!(block.starts_with("[risk]"), "{block}");
    let wd = Workdir::new();
    write_registers(&wd, false);
    wd.write("input/sanku.toml", block);
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let l = list(&wd, "out");
    // transfers = false, far_from_home = true, as the block says.
    assert_eq!(with(&l, "transfers"), Vec::<&str>::new());
    assert_eq!(with(&l, "far_from_home"), ["far"]);
    let manifest: serde_json::Value = serde_json::from_str(&wd.read("out/manifest.json")).unwrap();
    assert_eq!(manifest["settings"]["risk"]["weights"]["returned"], 5);
    assert_eq!(manifest["settings"]["risk"]["returned_months"], 12);
}

/// The cells of the first sheet of a workbook as text: numbers as the CSV file writes
/// them.
fn workbook_cells(path: &std::path::Path) -> (String, Vec<Vec<String>>) {
    use calamine::{Data, Reader, open_workbook_auto};
    let mut book = open_workbook_auto(path).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let width = range.width();
    let rows = range
        .rows()
        .map(|row| {
            (0..width)
                .map(|c| match row.get(c) {
                    Some(Data::Float(n)) => n.to_string(),
                    Some(Data::Empty) | None => String::new(),
                    Some(other) => other.to_string(),
                })
                .collect()
        })
        .collect();
    (sheet, rows)
}

#[test]
fn the_workbook_and_the_parquet_file_hold_the_rows_of_risk_csv() {
    // A generated province lists children with every kind of cell (numbers, empty counts,
    // Chinese division and school names), in English and in Chinese.
    let wd = Workdir::with_fixture("synthetic-small");
    for (lang, sheet) in [("en", "at risk"), ("zh", "重点关注学生")] {
        let out = format!("out-{lang}");
        wd.expect_code(&["run", "input", "--out", &out, "-q", "--lang", lang], 0);
        let csv = wd.csv(&format!("{out}/risk.csv"));
        assert!(csv.rows.len() > 20, "{lang}: {} rows", csv.rows.len());
        let (name, cells) = workbook_cells(&wd.path(&format!("{out}/risk.xlsx")));
        assert_eq!(name, sheet);
        assert_eq!(cells[0], csv.header, "{lang}: the header");
        assert_eq!(&cells[1..], csv.rows.as_slice(), "{lang}: the rows");
    }
    // risk.parquet stays in English: the list's columns, cell by cell, then a flag per
    // factor that agrees with `risk_factors`.
    let csv = wd.csv("out-en/risk.csv");
    let frame =
        sanku::pipeline::load::parquet::read_frame(&wd.path("out-en/risk.parquet")).unwrap();
    assert_eq!(frame.height(), csv.rows.len());
    for (c, name) in csv.header.iter().enumerate() {
        use polars::prelude::DataType;
        let column = frame.column(name).unwrap();
        // A flag is `1` or `0` in CSV.
        let column = match column.dtype() {
            DataType::Boolean => column.cast(&DataType::Int32).unwrap(),
            _ => column.clone(),
        };
        let column = column.cast(&DataType::String).unwrap();
        let values: Vec<String> = column
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect();
        let expected: Vec<String> = csv.rows.iter().map(|r| r[c].clone()).collect();
        assert_eq!(values, expected, "risk.parquet {name}");
    }
    let factors = csv.column("risk_factors");
    for factor in ["over_age", "suspended", "transfers", "disability"] {
        let flags = frame.column(&format!("risk_{factor}")).unwrap();
        let flags: Vec<bool> = flags.bool().unwrap().iter().map(|f| f.unwrap()).collect();
        let listed: Vec<bool> = factors
            .iter()
            .map(|f| f.split(';').any(|w| w == factor))
            .collect();
        assert_eq!(flags, listed, "risk_{factor}");
        assert!(flags.iter().any(|f| *f), "no child {factor}");
    }
}
