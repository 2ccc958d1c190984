//! The logical schema: the sources sanku reads, the fields each one carries, the header
//! words that name those fields in real extracts, and the column names of every output.
//! Every other module names fields and columns through this file, never by string literal.

use std::fmt;

/// One of the registers sanku reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    Population,
    Students,
    Poverty,
    Exemptions,
    /// Holders of a disability certificate (残疾人证).
    Disability,
    /// Student aid paid (资助: living allowance, 两免一补 …).
    Aid,
}

impl SourceKind {
    pub const ALL: [SourceKind; 6] = [
        SourceKind::Population,
        SourceKind::Students,
        SourceKind::Poverty,
        SourceKind::Exemptions,
        SourceKind::Disability,
        SourceKind::Aid,
    ];

    /// The file stem looked for in an input directory, and the config section name.
    pub const fn key(self) -> &'static str {
        match self {
            SourceKind::Population => "population",
            SourceKind::Students => "students",
            SourceKind::Poverty => "poverty",
            SourceKind::Exemptions => "exemptions",
            SourceKind::Disability => "disability",
            SourceKind::Aid => "aid",
        }
    }

    /// Parses a source key back (as the manifest records it).
    pub fn from_key(key: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// Whether a run needs this source.
    pub const fn required(self) -> bool {
        !matches!(
            self,
            SourceKind::Exemptions | SourceKind::Disability | SourceKind::Aid
        )
    }

    /// The logical fields of this source, with whether each is required.
    pub const fn fields(self) -> &'static [(Field, bool)] {
        use Field::*;
        match self {
            SourceKind::Population => &[
                (IdNumber, true),
                (Name, true),
                (Sex, false),
                (BirthDate, false),
                (DivisionCode, false),
                (Status, false),
            ],
            SourceKind::Students => &[
                (StudentNo, true),
                (IdNumber, false),
                (Name, true),
                (Sex, false),
                (BirthDate, false),
                (SchoolCode, false),
                (SchoolDivisionCode, false),
                (Grade, false),
                (Status, true),
            ],
            SourceKind::Poverty => &[
                (HouseholdNo, false),
                (IdNumber, true),
                (Name, true),
                (Sex, false),
                (BirthDate, false),
                (Relation, false),
                (DivisionCode, false),
                (PovertyStatus, false),
            ],
            SourceKind::Exemptions => &[(IdNumber, true), (Reason, true), (ValidUntil, false)],
            SourceKind::Disability => &[
                (IdNumber, true),
                (Name, false),
                (Category, false),
                (Level, false),
                (CertificateDate, false),
            ],
            SourceKind::Aid => &[
                (IdNumber, false),
                (Name, true),
                (Sex, false),
                (BirthDate, false),
                (StudentNo, false),
                (Programme, true),
                (Amount, false),
                (Term, false),
            ],
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A logical field, independent of what a source calls its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    IdNumber,
    Name,
    Sex,
    BirthDate,
    DivisionCode,
    Status,
    StudentNo,
    SchoolCode,
    SchoolDivisionCode,
    Grade,
    HouseholdNo,
    Relation,
    PovertyStatus,
    Reason,
    ValidUntil,
    /// A disability's category (视力 … 多重).
    Category,
    /// A disability's level (一级, the most severe, to 四级).
    Level,
    CertificateDate,
    /// An aid programme (国家助学金, 营养改善计划 …).
    Programme,
    Amount,
    /// The school term an aid was paid for (2026年秋季学期, 2026-2027学年第一学期 …).
    Term,
}

impl Field {
    /// The field's name in config files, rejects and docs.
    pub const fn key(self) -> &'static str {
        match self {
            Field::IdNumber => "id_number",
            Field::Name => "name",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::DivisionCode => "division_code",
            Field::Status => "status",
            Field::StudentNo => "student_no",
            Field::SchoolCode => "school_code",
            Field::SchoolDivisionCode => "school_division_code",
            Field::Grade => "grade",
            Field::HouseholdNo => "household_no",
            Field::Relation => "relation",
            Field::PovertyStatus => "poverty_status",
            Field::Reason => "reason",
            Field::ValidUntil => "valid_until",
            Field::Category => "category",
            Field::Level => "level",
            Field::CertificateDate => "certificate_date",
            Field::Programme => "programme",
            Field::Amount => "amount",
            Field::Term => "term",
        }
    }

    /// Parses a config key back into a field.
    pub fn from_key(key: &str) -> Option<Field> {
        ALL_FIELDS.iter().copied().find(|f| f.key() == key)
    }

    /// Header words that name this field in real extracts of `source`, most specific
    /// first. The logical key itself is always accepted too.
    pub fn default_headers(self, source: SourceKind) -> &'static [&'static str] {
        match (self, source) {
            // The second-generation certificate number is the ID number and two digits
            // (category, level), read when no ID column is given.
            (Field::IdNumber, SourceKind::Disability) => &[
                "身份证号",
                "身份证号码",
                "公民身份号码",
                "证件号码",
                "残疾人证号",
                "残疾人证号码",
                "残疾证号",
            ],
            (Field::IdNumber, _) => &[
                "身份证号",
                "身份证号码",
                "公民身份号码",
                "身份证件号",
                "证件号码",
                "证件号",
                "公民身份证号",
                "公民身份证号码",
                "居民身份证号",
            ],
            (Field::Name, _) => &["姓名", "学生姓名", "成员姓名"],
            (Field::Sex, _) => &["性别"],
            (Field::BirthDate, _) => &["出生日期", "出生年月日", "出生年月"],
            (Field::DivisionCode, _) => &[
                "户籍地行政区划代码",
                "行政区划代码",
                "所在地区划代码",
                "区划代码",
                "户口所在地",
                "户籍所在地",
                "户籍地区划",
            ],
            (Field::SchoolDivisionCode, _) => &[
                "学校所在地区划代码",
                "所在地区划代码",
                "行政区划代码",
                "区划代码",
            ],
            (Field::Status, SourceKind::Population) => &["人员状态", "户籍状态"],
            (Field::Status, SourceKind::Students) => &["学籍状态", "在籍状态", "学生状态", "在籍"],
            (Field::Status, _) => &[],
            (Field::PovertyStatus, _) => &["脱贫状态"],
            (Field::StudentNo, _) => &["学籍号", "全国学籍号", "学籍辅号"],
            (Field::SchoolCode, _) => &["学校标识码", "学校代码"],
            (Field::Grade, _) => &["年级"],
            (Field::HouseholdNo, _) => &["户编号", "户编码", "户码"],
            (Field::Relation, _) => &["与户主关系"],
            (Field::Reason, _) => &["原因", "缓学原因", "免学原因"],
            (Field::ValidUntil, _) => &["有效期至", "截止日期"],
            (Field::Category, _) => &["残疾类别", "残疾类型", "残疾种类"],
            (Field::Level, _) => &["残疾等级", "残疾级别"],
            (Field::CertificateDate, _) => &["发证日期", "持证日期", "办证日期", "领证日期"],
            (Field::Programme, _) => &["资助项目", "资助项目名称", "项目名称", "资助类型", "项目"],
            (Field::Amount, _) => &["资助金额", "发放金额", "金额", "资助金额（元）"],
            (Field::Term, _) => &["资助学期", "发放学期", "学年学期", "学期"],
        }
    }
}

/// How many fields there are: one past the largest field's number (tables index their
/// columns by it).
pub const FIELD_COUNT: usize = ALL_FIELDS.len();
const _: () = assert!(
    Field::Term as usize + 1 == FIELD_COUNT,
    "every field in ALL_FIELDS"
);

const ALL_FIELDS: [Field; 21] = [
    Field::IdNumber,
    Field::Name,
    Field::Sex,
    Field::BirthDate,
    Field::DivisionCode,
    Field::Status,
    Field::StudentNo,
    Field::SchoolCode,
    Field::SchoolDivisionCode,
    Field::Grade,
    Field::HouseholdNo,
    Field::Relation,
    Field::PovertyStatus,
    Field::Reason,
    Field::ValidUntil,
    Field::Category,
    Field::Level,
    Field::CertificateDate,
    Field::Programme,
    Field::Amount,
    Field::Term,
];

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Output file names inside a run directory.
pub mod files {
    pub const LEDGER_CSV: &str = "ledger.csv";
    pub const LEDGER_PARQUET: &str = "ledger.parquet";
    pub const LEDGER_XLSX: &str = "ledger.xlsx";
    pub const REPORT_HTML: &str = "report.html";
    pub const CLOSED_CSV: &str = "closed.csv";
    pub const CLOSED_XLSX: &str = "closed.xlsx";
    pub const HISTORY_CSV: &str = "history.csv";
    pub const RETURNS_CSV: &str = "returns.csv";
    pub const RISK_CSV: &str = "risk.csv";
    pub const RISK_PARQUET: &str = "risk.parquet";
    pub const RISK_XLSX: &str = "risk.xlsx";
    pub const WORKED_UNTIED_CSV: &str = "worked_untied.csv";
    /// The folder of a run directory where staff put the ledgers they worked.
    pub const RETURNED_DIR: &str = "returned";
    pub const LINKS_PARQUET: &str = "links.parquet";
    pub const LINKS_CSV: &str = "links.csv";
    pub const EXPLAIN_CSV: &str = "explain.csv";
    pub const CLUSTERS_CSV: &str = "clusters.csv";
    pub const SUMMARY_CSV: &str = "summary.csv";
    pub const SUMMARY_JSON: &str = "summary.json";
    pub const REJECTS_CSV: &str = "rejects.csv";
    pub const WARNINGS_CSV: &str = "warnings.csv";
    pub const REVIEW_CSV: &str = "review.csv";
    pub const CANDIDATES_PARQUET: &str = "candidates.parquet";
    pub const MANIFEST_JSON: &str = "manifest.json";
    pub const RESCORE_STATE: &str = "rescore.state";
    pub const RESIDUALS_PARQUET: &str = "residuals.parquet";
    pub const CHECKS_DIR: &str = "checks";

    /// The path of the checks file `name` inside a run directory.
    pub fn in_checks(name: &str) -> String {
        format!("{CHECKS_DIR}/{name}")
    }

    pub const REGISTRY_ONLY_CSV: &str = "registry_only.csv";
    pub const CONFLICTS_CSV: &str = "conflicts.csv";
    pub const DUPLICATE_REGISTRATIONS_CSV: &str = "duplicate_registrations.csv";
    pub const POVERTY_UNMATCHED_CSV: &str = "poverty_unmatched.csv";
    pub const POOR_NOT_ENROLLED_CSV: &str = "poor_not_enrolled.csv";
    pub const EXEMPTIONS_UNMATCHED_CSV: &str = "exemptions_unmatched.csv";
    pub const DISABLED_FLAGGED_CSV: &str = "disabled_flagged.csv";
    pub const POOR_ENROLLED_WITHOUT_AID_CSV: &str = "poor_enrolled_without_aid.csv";
    pub const AID_UNMATCHED_CSV: &str = "aid_unmatched.csv";
    pub const AID_IN_REVIEW_CSV: &str = "aid_in_review.csv";
    pub const POOR_ENROLLED_AID_IN_REVIEW_CSV: &str = "poor_enrolled_aid_in_review.csv";
}
