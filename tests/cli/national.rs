//! The national comparison on two hand-made provinces: 安徽 (34), which sends children to
//! study in 广东 (44). Each province's run flags its migrants; the reconcile finds them in
//! school in the other province, exactly by ID or fuzzily under a mistyped one, and the
//! national ledger keeps only the true dropouts, as one run over both provinces does.

use calamine::Reader;

use crate::workdir::{Workdir, table};

const HEAD_POP: &str = "身份证号码,姓名,性别,出生日期,行政区划代码,人员状态\n";
const HEAD_STU: &str =
    "全国学籍号,身份证件号,学生姓名,性别,出生日期,学校标识码,学校所在地区划代码,年级,学籍状态\n";
const HEAD_POV: &str = "户编号,身份证号码,成员姓名,性别,与户主关系,区划代码,脱贫状态\n";

/// 安徽: 王小明 studies in 广东 under his own ID; 李思雨 in 广东 under an ID one digit
/// off; 赵刚 dropped out; 孙丽 studies at home. 李思雨's household is poor.
const POP_34: &str = "340102201203150111,王小明,男,2012-03-15,340102,正常
340102201307080226,李思雨,女,2013-07-08,340102,正常
340103201411200327,赵刚,男,2014-11-20,340103,正常
340103201105020133,孙丽,女,2011-05-02,340103,正常
34010219800101001X,王建国,男,1980-01-01,340102,正常
";
const STU_34: &str =
    "G340103201105020133,340103201105020133,孙丽,女,2011-05-02,2134000001,340103,九年级,在读
";
const POV_34: &str = "H340102001,340102198501010024,李红,女,户主,340102,脱贫不稳定户
H340102001,340102201307080226,李思雨,女,之女,340102,脱贫不稳定户
";

/// 广东: 陈晨 studies at home; 黄磊 dropped out; the two children of 安徽 study here.
const POP_44: &str = "44030520120909015X,陈晨,男,2012-09-09,440305,正常
440305201510100169,黄磊,男,2015-10-10,440305,正常
440305198202020023,陈大文,男,1982-02-02,440305,正常
";
const STU_44: &str =
    "G44030520120909015X,44030520120909015X,陈晨,男,2012-09-09,2144000001,440305,八年级,在读
G340102201203150111,340102201203150111,王小明,男,2012-03-15,2144000001,440305,八年级,在读
L4403050002,340102201307080266,李思雨,女,2013-07-08,2144000001,440305,七年级,在读
";
const POV_44: &str = "H440305001,440305198202020023,陈大文,男,户主,440305,脱贫户
";

fn registers(wd: &Workdir) {
    for (p, pop, stu, pov) in [
        ("34", POP_34, STU_34, POV_34),
        ("44", POP_44, STU_44, POV_44),
    ] {
        wd.write(
            &format!("reg/{p}/population.csv"),
            format!("{HEAD_POP}{pop}"),
        );
        wd.write(&format!("reg/{p}/students.csv"), format!("{HEAD_STU}{stu}"));
        wd.write(&format!("reg/{p}/poverty.csv"), format!("{HEAD_POV}{pov}"));
    }
    // The whole country: both provinces' files as one extract.
    let country = |head: &str, a: &str, b: &str| format!("{head}{a}{b}");
    wd.write(
        "reg/country/population.csv",
        country(HEAD_POP, POP_34, POP_44),
    );
    wd.write(
        "reg/country/students.csv",
        country(HEAD_STU, STU_34, STU_44),
    );
    wd.write("reg/country/poverty.csv", country(HEAD_POV, POV_34, POV_44));
}

/// A run with thresholds for registers this small: the few children make every name
/// common, and the fuzzy pair weighs less than in a province.
fn run(wd: &Workdir, reg: &str, out: &str, extra: &[&str]) {
    let mut args = vec!["run", reg, "--out", out, "--quiet", "--force"];
    args.extend_from_slice(&["--accept", "5", "--review", "4"]);
    args.extend_from_slice(extra);
    wd.expect_code(&args, 0);
}

/// The ledger's ID numbers, with their reasons, as `id:reason`, sorted.
fn flagged(wd: &Workdir, dir: &str) -> Vec<String> {
    let text = wd.read(&format!("{dir}/ledger.csv"));
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = rows.headers().unwrap().clone();
    let at = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (id, reason) = (at("id_number"), at("reason"));
    let mut out: Vec<String> = rows
        .records()
        .map(|r| {
            let r = r.unwrap();
            format!("{}:{}", &r[id], &r[reason])
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_reconcile_takes_out_the_children_in_school_in_another_province() {
    let wd = Workdir::new();
    registers(&wd);
    run(&wd, "reg/34", "runs/34", &["--residuals"]);
    run(&wd, "reg/44", "runs/44", &["--residuals"]);
    run(&wd, "reg/country", "country", &[]);

    // Each province alone flags the migrants.
    assert_eq!(
        flagged(&wd, "runs/34"),
        [
            "340102201203150111:no_record",
            "340102201307080226:no_record",
            "340103201411200327:no_record"
        ]
    );
    assert_eq!(flagged(&wd, "runs/44"), ["440305201510100169:no_record"]);

    wd.expect_code(
        &[
            "reconcile",
            "runs/44",
            "runs/34",
            "--out",
            "national",
            "--quiet",
        ],
        0,
    );
    let national = flagged(&wd, "national");
    assert_eq!(
        national,
        [
            "340103201411200327:no_record",
            "440305201510100169:no_record"
        ]
    );
    assert_eq!(
        national,
        flagged(&wd, "country"),
        "one run over both provinces"
    );

    let elsewhere = wd.read("national/provinces/34/enrolled_elsewhere.csv");
    let line = |id: &str| {
        elsewhere
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} not found elsewhere: {elsewhere}"))
    };
    assert_eq!(elsewhere.lines().count(), 3, "{elsewhere}");
    let exact = line("340102201203150111");
    assert!(
        exact.contains(",44,") && exact.contains(",exact,"),
        "{exact}"
    );
    let fuzzy = line("340102201307080226");
    assert!(
        fuzzy.contains(",L4403050002,") && fuzzy.contains(",fuzzy,"),
        "{fuzzy}"
    );
    let identified = wd.read("national/provinces/44/identified_records.csv");
    assert_eq!(identified.lines().count(), 3, "{identified}");
    assert_eq!(
        wd.read("national/provinces/44/enrolled_elsewhere.csv")
            .lines()
            .count(),
        1,
        "no child of 广东 studies elsewhere"
    );
}

#[test]
fn a_reconcile_refuses_runs_it_cannot_put_side_by_side_and_writes_nothing() {
    let wd = Workdir::new();
    registers(&wd);
    run(&wd, "reg/34", "runs/34", &["--residuals"]);
    run(&wd, "reg/44", "runs/44", &["--residuals"]);
    run(&wd, "reg/44", "plain/44", &[]);
    run(
        &wd,
        "reg/44",
        "later/44",
        &["--residuals", "--as-of", "2027-09-01"],
    );
    wd.write(
        "key",
        "a key the reconciling authority holds, 32 bytes or more",
    );
    run(
        &wd,
        "reg/44",
        "pseudo/44",
        &["--residuals", "--pseudonymize", "key"],
    );
    run(
        &wd,
        "reg/34",
        "pseudo/34",
        &["--residuals", "--pseudonymize", "key"],
    );
    // A run by another version of sanku: its manifest says so.
    run(&wd, "reg/44", "older/44", &["--residuals"]);
    let manifest = wd.read("older/44/manifest.json");
    let version = format!("\"sanku_version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(manifest.contains(&version), "{manifest}");
    wd.write(
        "older/44/manifest.json",
        manifest.replace(&version, "\"sanku_version\": \"0.0.1\""),
    );
    // Default thresholds, where the others' are 5 and 4.
    wd.expect_code(
        &[
            "run",
            "reg/44",
            "--out",
            "strict/44",
            "--quiet",
            "--force",
            "--residuals",
        ],
        0,
    );
    // A manifest naming a province that is no code (it names a folder of the output).
    run(&wd, "reg/44", "evil/44", &["--residuals"]);
    let manifest = wd.read("evil/44/manifest.json");
    assert!(manifest.contains("\"province\": \"44\""), "{manifest}");
    wd.write(
        "evil/44/manifest.json",
        manifest.replace("\"province\": \"44\"", "\"province\": \"../../evil\""),
    );
    let out = wd.expect_code(&["reconcile", "runs/34", "--out", "national"], 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least two provinces"));
    for (dirs, said) in [
        (["runs/34", "strict/44"], "differ in linkage settings"),
        (["runs/34", "evil/44"], "not a two-digit code"),
        (["runs/34", "reg/44"], "reg/44 is not a sanku run directory"),
        (
            ["runs/34", "plain/44"],
            "plain/44: no residuals.parquet: the run was made without --residuals",
        ),
        (["runs/34", "runs/34"], "are both runs of province 34"),
        (
            ["runs/34", "later/44"],
            "differ in as-of date (2026-09-01 and 2027-09-01)",
        ),
        (
            ["runs/34", "pseudo/44"],
            "differ in identities (in clear and pseudonymised)",
        ),
        (["pseudo/34", "pseudo/44"], "are pseudonymised"),
        (["runs/34", "older/44"], "differ in sanku version"),
    ] {
        let out = wd.expect_code(&["reconcile", dirs[0], dirs[1], "--out", "national"], 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(said), "{dirs:?}: {err}");
        assert!(
            !wd.path("national").exists(),
            "{dirs:?}: nothing is written"
        );
        assert!(!wd.path("evil/enrolled_elsewhere.csv").exists());
    }
}

#[test]
fn explain_on_a_reconcile_says_where_a_child_studies_and_why_another_is_still_flagged() {
    let wd = Workdir::new();
    registers(&wd);
    run(&wd, "reg/34", "runs/34", &["--residuals"]);
    run(&wd, "reg/44", "runs/44", &["--residuals"]);
    wd.expect_code(&["reconcile", "runs/34", "runs/44", "--out", "national"], 0);
    let explain = |key: &str| {
        let out = wd.expect_code(&["explain", "national", key], 0);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let found = explain("340102201307080226");
    for said in [
        "flagged by province 34's run (no_record); in school in province 44: student record L4403050002",
        "linked by name, birth date, sex and division with weight 5.39 (accept 5)",
        "candidate: child 340102201307080226 — student record L4403050002",
        "division     different",
    ] {
        assert!(found.contains(said), "no `{said}` in\n{found}");
    }
    assert_eq!(explain("L4403050002").lines().nth(1), found.lines().nth(1));
    // A key in nothing of the reconcile is bad input, named masked.
    let out = wd.expect_code(&["explain", "national", "340102201901010012"], 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("340102********0012") && !err.contains("340102201901010012"),
        "{err}"
    );
    // A reconcile's directory given where a run's is expected says what it is.
    let out = wd.expect_code(&["diff", "runs/34", "national"], 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a `sanku reconcile` directory (the national result), not a run"),
        "{err}"
    );
    // The summary counts 广东's leftover registrations and those tied to a child of 安徽.
    let summary = table(&wd.read("national/summary.csv"));
    let guangdong = summary.iter().find(|r| r["province"] == "44").unwrap();
    assert_eq!(
        [
            &guangdong["registrations_left"],
            &guangdong["registrations_identified"]
        ],
        ["2", "2"],
        "{summary:?}"
    );
    let flagged = explain("340103201411200327");
    assert!(
        flagged.contains("flagged in the ledger (no_record)")
            && flagged.contains("no leftover record of another province was weighed against it"),
        "{flagged}"
    );
}

/// A generated country of three provinces: its registers, each province's run with
/// residuals, and one run over the whole country.
fn country(wd: &Workdir) {
    generate_country(wd);
    wd.expect_code(&["run", "gen/country", "--out", "country", "--quiet"], 0);
}

/// The registers of a generated country of three provinces, in `gen/`.
pub(crate) fn generate_country(wd: &Workdir) {
    wd.expect_code(
        &[
            "generate",
            "--provinces",
            "3",
            "--population",
            "20000",
            "--seed",
            "11",
            "--out",
            "gen",
            "--quiet",
        ],
        0,
    );
}

/// The ID numbers of the rows of `file` (a CSV with a header) whose `column` is not empty,
/// or all rows with `column` "".
fn ids(wd: &Workdir, file: &str, column: &str) -> std::collections::BTreeSet<String> {
    let text = wd.read(file);
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = rows.headers().unwrap().clone();
    let at = |n: &str| header.iter().position(|h| h == n).unwrap();
    let id = at("id_number");
    let filter = (!column.is_empty()).then(|| at(column));
    rows.records()
        .map(|r| r.unwrap())
        .filter(|r| filter.is_none_or(|c| !r[c].is_empty()))
        .map(|r| r[id].to_string())
        .collect()
}

/// Checks a national result in `national` against the whole-country run and the truth:
/// the same children with the same reasons, every migrant in school elsewhere out of the
/// national ledger though its province's own run flagged it.
fn check_national(wd: &Workdir, national: &str, provinces: &str) {
    assert_eq!(flagged(wd, national), flagged(wd, "country"));
    let dropouts = ids(wd, "gen/truth/dropouts.csv", "");
    let in_school: Vec<String> = ids(wd, "gen/truth/migrants.csv", "student_no")
        .into_iter()
        .filter(|id| !dropouts.contains(id))
        .collect();
    assert!(
        in_school.len() > 20,
        "{} migrants in school",
        in_school.len()
    );
    let national_ids = ids(wd, &format!("{national}/ledger.csv"), "");
    let mut flagged_at_home = 0;
    for p in ["34", "44", "51"] {
        flagged_at_home += ids(wd, &format!("{provinces}/{p}/ledger.csv"), "")
            .iter()
            .filter(|id| in_school.contains(id))
            .count();
    }
    assert_eq!(
        flagged_at_home,
        in_school.len(),
        "each province's run flags its migrants"
    );
    for id in &in_school {
        assert!(!national_ids.contains(id), "{id} is in school elsewhere");
    }
    assert_eq!(
        national_ids, dropouts,
        "the national ledger is the true dropouts"
    );
}

#[test]
fn a_generated_country_reconciled_is_one_run_over_the_country() {
    let wd = Workdir::new();
    country(&wd);
    for p in ["34", "44", "51"] {
        let (reg, out) = (format!("gen/{p}"), format!("runs/{p}"));
        wd.expect_code(&["run", &reg, "--out", &out, "--residuals", "--quiet"], 0);
    }
    wd.expect_code(
        &[
            "reconcile",
            "runs/51",
            "runs/34",
            "runs/44",
            "--out",
            "national",
            "--quiet",
        ],
        0,
    );
    check_national(&wd, "national", "runs");
    // The national workbook holds the ledger's rows with their ID numbers as text.
    let mut book = calamine::open_workbook_auto(wd.path("national/ledger.xlsx")).unwrap();
    let sheet = book.worksheet_range("national ledger").unwrap();
    let in_ledger = ids(&wd, "national/ledger.csv", "");
    assert_eq!(sheet.height() - 1, in_ledger.len());
    let first = sheet.get((1, 1)).unwrap().to_string();
    assert!(in_ledger.contains(&first), "{first}");

    // `sanku evaluate` scores the national ledger, and the links across borders.
    let out = wd.expect_code(&["evaluate", "--truth", "gen/truth", "national"], 0);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    let evaluation: serde_json::Value =
        serde_json::from_str(&wd.read("national/evaluation.json")).unwrap();
    let dropouts = ids(&wd, "gen/truth/dropouts.csv", "").len() as u64;
    let flagged = &evaluation["flagged"];
    assert_eq!(flagged["true_positives"], dropouts, "{said}");
    assert_eq!(flagged["false_positives"], 0, "{said}");
    let links = &evaluation["student_links"];
    assert!(links["true_positives"].as_u64() > Some(20), "{said}");
    assert_eq!(links["false_positives"], 0, "{said}");
    // A province's own run scored against its own truth counts its migrants as false flags.
    let out = wd.expect_code(&["evaluate", "--truth", "gen/34/truth", "runs/34"], 0);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("enrolled_elsewhere"), "{said}");
}

/// The Spark job (deploy/spark/national.py) on the real engine in local mode, when
/// `SANKU_SPARK_SUBMIT` names spark-submit (scripts/test.sh makes it): each province of
/// a generated country a task running this sanku, shipped with `--sanku`, then the
/// reconcile; the national ledger is the one run over the country gives.
#[test]
#[ignore = "needs Spark (SANKU_SPARK_SUBMIT): scripts/test.sh makes it and runs this"]
fn the_spark_job_on_a_generated_country_is_one_run_over_the_country() {
    let submit = spark_submit();
    let wd = Workdir::new();
    country(&wd);
    submit_job(&submit, &wd, &[]);
    check_national(&wd, "out/national", "out/provinces");
    assert!(wd.path("out/provinces/34/residuals.parquet").is_file());
}

/// Submits the Spark job in local mode on `wd`'s generated country (`gen`) into `out`,
/// with this sanku and `extra` arguments; it must succeed.
fn submit_job(submit: &std::ffi::OsStr, wd: &Workdir, extra: &[&str]) {
    let job = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/spark/national.py");
    let out = std::process::Command::new(submit)
        .current_dir(wd.path(""))
        .args(["--master", "local[2]"])
        .arg(job)
        .args([
            "--registers",
            "gen",
            "--out",
            "out",
            "--run-date",
            "2026-09-01",
        ])
        .args(extra)
        .args(["--sanku", env!("CARGO_BIN_EXE_sanku")])
        .output()
        .expect("spark-submit runs");
    let said = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
}

/// The Spark job with `--encoded` on the real engine in local mode, when
/// `SANKU_SPARK_SUBMIT` names spark-submit: each province's task runs it into its own
/// storage (`--province-runs`) and encodes the run into `OUT/provinces`; the national
/// ledger is the one a reconcile of encodings made by hand from those runs with the same
/// key gives, and no file under OUT holds a name or an ID number of the registers, nor
/// the key.
#[test]
#[ignore = "needs Spark (SANKU_SPARK_SUBMIT): scripts/test.sh makes it and runs this"]
fn the_encoded_spark_job_reconciles_encodings_and_leaves_nothing_in_clear_in_out() {
    let submit = spark_submit();
    let wd = Workdir::new();
    generate_country(&wd);
    let key = "the provinces' shared key, never given to the reconcile";
    wd.write("keys/provinces.key", key);
    submit_job(
        &submit,
        &wd,
        &[
            "--encoded",
            "keys/provinces.key",
            "--province-runs",
            "local/{province}/sanku-run",
        ],
    );
    let provinces: Vec<String> = ["34", "44", "51"].map(String::from).to_vec();

    // The runs in clear stay in their provinces' storage; encoded by hand with the key.
    let mut by_hand = vec!["reconcile"];
    let encodings: Vec<String> = provinces.iter().map(|p| format!("enc/{p}")).collect();
    for (p, enc) in provinces.iter().zip(&encodings) {
        let run = format!("local/{p}/sanku-run");
        assert!(wd.path(&format!("{run}/residuals.parquet")).is_file());
        assert!(
            wd.path(&format!("out/provinces/{p}/encoded.parquet"))
                .is_file()
        );
        assert!(
            !wd.path(&format!("out/provinces/{p}/residuals.parquet"))
                .exists()
        );
        let args = [
            "encode",
            run.as_str(),
            "--key",
            "keys/provinces.key",
            "--out",
            enc.as_str(),
            "-q",
        ];
        wd.expect_code(&args, 0);
        by_hand.push(enc.as_str());
    }
    by_hand.extend(["--out", "by-hand", "-q"]);
    wd.expect_code(&by_hand, 0);
    let children = |dir: &str| -> std::collections::BTreeSet<(String, String)> {
        wd.csv(&format!("{dir}/ledger.csv"))
            .maps()
            .into_iter()
            .map(|r| (r["province"].clone(), r["case_id"].clone()))
            .collect()
    };
    let national = children("out/national");
    assert!(!national.is_empty(), "an empty national ledger");
    assert_eq!(national, children("by-hand"));
    let manifest = wd.read("out/national/manifest.json");
    assert!(manifest.contains("\"inputs\": \"encodings\""), "{manifest}");

    // OUT has rows to search: the ledger and the children found in school elsewhere.
    let elsewhere: usize = provinces
        .iter()
        .map(|p| {
            wd.csv(&format!(
                "out/national/provinces/{p}/enrolled_elsewhere.csv"
            ))
            .rows
            .len()
        })
        .sum();
    assert!(elsewhere > 20, "{elsewhere} children found elsewhere");
    let personal = crate::encode::personal_of_country(&wd, &provinces);
    let found = crate::pseudonym::found_in(&wd.path("out"), &personal);
    // Named by file only: the values found are children's names and ID numbers.
    let files: std::collections::BTreeSet<&String> = found.iter().map(|(_, f)| f).collect();
    assert!(
        found.is_empty(),
        "{} names or ID numbers in {files:?}",
        found.len()
    );
    let keys = crate::pseudonym::found_in(&wd.path("out"), &[key.to_string()]);
    assert!(keys.is_empty(), "the key in {keys:?}");
}

/// The ```` ``` ```` block of docs/usage.md after the line that starts with `lead`, as
/// its lines.
fn usage_block(lead: &str) -> String {
    doc_block("docs/usage.md", lead, "```\n")
}

/// The block opened by `fence` in the doc `file` after the line that starts with `lead`.
fn doc_block(file: &str, lead: &str, fence: &str) -> String {
    let doc = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap();
    let from = doc
        .find(lead)
        .unwrap_or_else(|| panic!("no `{lead}` in {file}"));
    let rest = &doc[from..];
    let start = rest.find(fence).expect("a block") + fence.len();
    let end = start + rest[start..].find("```").expect("a closed block");
    rest[start..end].to_string()
}

/// The documented national comparison on the documented generated country, typed as
/// docs/usage.md gives it, with the figures it states.
#[test]
fn the_documented_national_comparison_gives_the_figures_it_states() {
    let wd = Workdir::new();
    let bin = wd.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_sanku"), bin.join("sanku")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let script = format!(
        "set -e\n{}{}",
        usage_block("### A generated country: `--provinces K`"),
        usage_block("**The national comparison**")
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(wd.path(""))
        .env("PATH", &path)
        .env("SANKU_RUN_DATE", "2026-09-01")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{script}\n{stdout}\n{stderr}");
    assert!(
        stderr.contains("flagged 242 by their own runs, 69 of them in school in another province, 173 flagged nationally"),
        "{stderr}"
    );
    let score = |set: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(set))
            .unwrap_or_else(|| panic!("no {set} in {stdout}"))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(score("flagged"), "1.0000 1.0000 1.0000 173 0 0");
    assert_eq!(score("student_links"), "1.0000 1.0000 1.0000 69 0 0");
}

/// 周杰 left a school of 安徽 (转出) and dropped out of one in 广东 (辍学): one run over
/// both provinces takes the record that says most (dropped out before transferred out),
/// and so does the reconcile, where 安徽 alone says he never arrived.
#[test]
fn a_record_not_in_school_elsewhere_is_weighed_against_the_one_at_home() {
    let wd = Workdir::new();
    registers(&wd);
    let id = "340103201206060011";
    let person = format!("{id},周杰,男,2012-06-06,340103,正常\n");
    let home = format!("G{id},{id},周杰,男,2012-06-06,2134000001,340103,八年级,转出\n");
    let there = format!("L4403050009,{id},周杰,男,2012-06-06,2144000001,440305,八年级,辍学\n");
    for (file, line) in [
        ("reg/34/population.csv", &person),
        ("reg/country/population.csv", &person),
        ("reg/34/students.csv", &home),
        ("reg/country/students.csv", &home),
        ("reg/44/students.csv", &there),
        ("reg/country/students.csv", &there),
    ] {
        wd.append(file, line);
    }
    run(&wd, "reg/34", "runs/34", &["--residuals"]);
    run(&wd, "reg/44", "runs/44", &["--residuals"]);
    run(&wd, "reg/country", "country", &[]);
    let at_home = format!("{id}:status_transferred_without_arrival");
    assert!(flagged(&wd, "runs/34").contains(&at_home));
    wd.expect_code(
        &[
            "reconcile",
            "runs/34",
            "runs/44",
            "--out",
            "national",
            "--quiet",
        ],
        0,
    );
    let national = flagged(&wd, "national");
    assert!(
        national.contains(&format!("{id}:status_dropped_out")),
        "{national:?}"
    );
    assert_eq!(national, flagged(&wd, "country"));
}

/// 王敏 of 安徽 studies in 广东 under her father's ID, her national student number carrying
/// her own; a namesake of 广东, born the same day, studies there too. 广东's run must not
/// take the migrant's record for a second registration of its own 王敏 (the student number
/// says whose it is), so that the reconcile finds the migrant in school.
#[test]
fn a_record_under_a_parents_id_is_the_child_its_student_number_names() {
    let wd = Workdir::new();
    registers(&wd);
    let (yu, min) = ("340102201608150021", "440305201608150017");
    let lines = [
        (
            "reg/34/population.csv",
            format!("{yu},王敏,女,2016-08-15,340102,正常\n"),
        ),
        (
            "reg/44/population.csv",
            format!("{min},王敏,女,2016-08-15,440305,正常\n"),
        ),
        (
            "reg/44/students.csv",
            format!(
                "G{min},{min},王敏,女,2016-08-15,2144000001,440305,五年级,在读\n\
                 G{yu},34010219800101001X,王敏,女,2016-08-15,2144000001,440305,五年级,在读\n"
            ),
        ),
    ];
    for (file, line) in &lines {
        wd.append(file, line);
    }
    run(&wd, "reg/34", "runs/34", &["--residuals"]);
    run(&wd, "reg/44", "runs/44", &["--residuals"]);
    let duplicates = wd.read("runs/44/checks/duplicate_registrations.csv");
    assert!(!duplicates.contains(&format!("G{yu}")), "{duplicates}");
    wd.expect_code(
        &[
            "reconcile",
            "runs/34",
            "runs/44",
            "--out",
            "national",
            "--quiet",
        ],
        0,
    );
    let elsewhere = wd.read("national/provinces/34/enrolled_elsewhere.csv");
    let line = elsewhere.lines().find(|l| l.contains(yu));
    assert!(
        line.is_some_and(|l| l.contains(&format!(",G{yu},")) && l.contains(",exact,")),
        "{elsewhere}"
    );
}

/// On storage several machines share, a run removes the staging directories its own
/// machine's dead processes left, never another machine's.
#[test]
fn a_run_leaves_another_machines_staging_directory_alone() {
    let wd = Workdir::new();
    registers(&wd);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    // A process ID above Linux's largest lives nowhere.
    let (mine, old_style, theirs) = (
        format!("runs/.44.sanku-new@{host}-4194999"),
        "runs/.44.sanku-new-4194999".to_string(),
        "runs/.44.sanku-new@another-machine-1".to_string(),
    );
    for dir in [&mine, &old_style, &theirs] {
        wd.write(&format!("{dir}/ledger.csv"), "id_number\n");
    }
    run(&wd, "reg/44", "runs/44", &["--residuals"]);
    assert!(!wd.path(&mine).exists() && !wd.path(&old_style).exists());
    assert!(wd.path(&theirs).join("ledger.csv").is_file());
}

/// docs/national.md's way to run the job on one machine, typed as it is written (with
/// `scripts/` and `deploy/` of this repository beside the work dir's outputs), when
/// `SANKU_SPARK_SUBMIT` says the Spark environment is made.
#[test]
#[ignore = "needs Spark (SANKU_SPARK_SUBMIT): scripts/test.sh makes it and runs this"]
fn the_documented_local_spark_job_runs_as_written() {
    spark_submit();
    let wd = Workdir::new();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = wd.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_sanku"), bin.join("sanku")).unwrap();
    for dir in ["scripts", "deploy"] {
        std::os::unix::fs::symlink(repo.join(dir), wd.path(dir)).unwrap();
    }
    let script = format!(
        "set -e\n{}{}",
        doc_block(
            "docs/national.md",
            "## Running it on one machine",
            "```sh\n"
        ),
        doc_block(
            "docs/national.md",
            "Then the same country encoded",
            "```sh\n"
        )
    );
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .current_dir(wd.path(""))
        .env("PATH", &path)
        .env("SANKU_RUN_DATE", "2026-09-01")
        .output()
        .unwrap();
    let said = format!(
        "{script}\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    for out in ["national-out", "national-encoded"] {
        let summary = table(&wd.read(&format!("{out}/national/summary.csv")));
        let total = summary.iter().find(|r| r["province"] == "total").unwrap();
        let enrolled_elsewhere: u64 = total["enrolled_elsewhere"].parse().unwrap();
        assert!(enrolled_elsewhere > 100, "{out}: {summary:?}");
    }
    // The encoded job's runs in clear are in province-runs/, its encodings in its OUT.
    let runs = std::fs::read_dir(wd.path("province-runs")).unwrap();
    let mut provinces = 0;
    for run in runs {
        let p = run.unwrap().file_name().to_string_lossy().into_owned();
        if p.starts_with('.') {
            continue;
        }
        provinces += 1;
        assert!(
            wd.path(&format!("province-runs/{p}/residuals.parquet"))
                .is_file()
        );
        assert!(
            wd.path(&format!("national-encoded/provinces/{p}/encoded.parquet"))
                .is_file()
        );
        assert!(
            !wd.path(&format!("national-encoded/provinces/{p}/residuals.parquet"))
                .exists()
        );
    }
    assert_eq!(provinces, 3);
}

/// spark-submit, as `SANKU_SPARK_SUBMIT` names it (scripts/spark-env.sh makes it).
fn spark_submit() -> std::ffi::OsString {
    std::env::var_os("SANKU_SPARK_SUBMIT")
        .expect("SANKU_SPARK_SUBMIT names spark-submit: run scripts/test.sh")
}
