//! The words of the output files, in English (the default) and Chinese (`--lang zh`):
//! column names, and the values of the columns that hold sanku's words (reasons,
//! statuses, changes, closures, levels). Every reader of a run directory maps both back to
//! English, so that `explain`, `diff`, `evaluate`, the report and the next night's
//! `--previous` read a Chinese run as they read an English one. Parquet and JSON files
//! stay in English: they are for programs.

/// The language of a run's CSV files, workbooks and report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub fn from_key(key: &str) -> Option<Lang> {
        match key.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => Some(Lang::En),
            "zh" | "zh-cn" | "chinese" | "中文" => Some(Lang::Zh),
            _ => None,
        }
    }

    pub const fn key(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

/// Column names: English, Chinese. Each Chinese name names one column only.
const COLUMNS: &[(&str, &str)] = &[
    ("id_number", "身份证号"),
    ("name", "姓名"),
    ("sex", "性别"),
    ("birth_date", "出生日期"),
    ("age", "年龄"),
    ("division_code", "户籍地区划代码"),
    ("division_name", "户籍地"),
    ("poor", "建档立卡"),
    ("reason", "原因"),
    ("household_no", "户编号"),
    ("record_status", "关联学籍状态"),
    ("best_candidate", "最接近的学籍号"),
    ("best_weight", "匹配权重"),
    ("case_id", "案件编号"),
    ("change", "变化"),
    ("first_flagged", "首次发现日期"),
    ("previous_reason", "上次原因"),
    ("last_reason", "最后原因"),
    ("closed_reason", "销号原因"),
    ("detail", "说明"),
    ("school_code", "学校标识码"),
    ("student_no", "学籍号"),
    ("level", "层级"),
    ("monitored", "重点监测"),
    ("cohort", "适龄儿童"),
    ("enrolled", "在籍"),
    ("flagged", "疑似失学辍学"),
    ("flagged_poor", "其中建档立卡"),
    ("flagged_review_only", "其中待复核"),
    ("exempt", "缓学免学"),
    ("previous_flagged", "上次疑似"),
    ("new", "新增"),
    ("returned", "劝返复学"),
    ("closed", "销号"),
    ("coverage_rate", "入学率"),
    ("run_date", "统计日期"),
    // history.csv before run dates: its nights were named by their as-of dates.
    ("as_of", "基准日期"),
    ("file", "文件"),
    ("staff_notes", "台账填写内容"),
    ("line", "行号"),
    ("field", "字段"),
    ("value", "原值"),
    ("source", "来源库"),
    ("record_key", "记录编号"),
    ("record_id", "记录身份证号"),
    ("record_name", "记录姓名"),
    ("weight", "权重"),
    ("register", "比对库"),
    ("method", "匹配方式"),
    ("population_value", "人口库值"),
    ("register_value", "比对库值"),
    ("records", "学籍记录数"),
    ("school_division", "学校所在地区划代码"),
    ("school_division_name", "学校所在地"),
    ("grade", "年级"),
    ("status", "学籍状态"),
    ("origin", "类别"),
    ("id_class", "身份证号类别"),
    ("valid_until", "有效期至"),
    ("relation", "与户主关系"),
    ("poverty_status", "脱贫状态"),
    ("disabled", "持残疾人证"),
    ("disability_category", "残疾类别"),
    ("disability_level", "残疾等级"),
    ("certificate_date", "发证日期"),
    ("disabled_flagged", "其中持残疾人证"),
    ("disabled_exempt", "缓学免学中持残疾人证"),
    ("aided_this_term", "本学期已资助"),
    ("poor_enrolled", "建档立卡在籍"),
    ("poor_enrolled_without_aid", "其中本学期未资助"),
    ("aided_flagged", "疑似失学辍学中本学期已资助"),
    ("programme", "资助项目"),
    ("amount", "资助金额"),
    ("term", "资助学期"),
    ("other_terms", "其他学期资助"),
    ("aid_unmatched", "资助记录未匹配"),
    ("aid_in_review", "资助记录待核对"),
    ("may_belong_to", "可能对应儿童身份证号"),
    ("at_risk", "重点关注学生"),
    ("risk_score", "风险分值"),
    ("risk_factors", "风险因素"),
    ("risk_over_age", "其中超龄"),
    ("risk_unaided", "其中未获资助"),
    ("risk_suspended", "其中曾休学"),
    ("risk_returned", "其中近期劝返复学"),
    ("risk_transfers", "其中多次转学"),
    ("risk_sibling", "其中兄弟姐妹疑似失学"),
    ("risk_disability", "其中残疾"),
    ("risk_far_from_home", "其中异地就学"),
    ("years_over_age", "超龄年数"),
    ("aid_gap", "资助情况"),
    ("suspended_rows", "休学记录数"),
    ("returned_on", "劝返复学日期"),
    ("transfers", "转出次数"),
    ("flagged_siblings", "疑似失学的兄弟姐妹数"),
];

/// Pairs of an English and a Chinese word.
type Pairs = &'static [(&'static str, &'static str)];

/// Words, by the columns that hold them: (columns, [(English, Chinese)]).
const WORDS: &[(&[&str], Pairs)] = &[
    (
        &["reason", "previous_reason", "last_reason"],
        &[
            ("no_record", "无学籍记录"),
            ("status_dropped_out", "辍学"),
            ("status_suspended", "休学"),
            ("status_transferred_without_arrival", "转出未转入"),
            ("review_only", "待人工复核"),
            ("exemption_expired", "缓学免学已到期"),
            ("status_graduated", "学籍已毕业"),
            ("status_deceased", "学籍注明死亡"),
            ("status_other", "学籍状态其他"),
            ("status_in_school", "在读（未计为在籍）"),
            ("status_home_delivered", "送教上门（未计为在籍）"),
        ],
    ),
    (
        &["record_status", "status"],
        &[
            ("in_school", "在读"),
            ("home_delivered", "送教上门"),
            ("suspended", "休学"),
            ("dropped_out", "辍学"),
            ("transferred_out", "转出"),
            ("graduated", "毕业"),
            ("deceased", "死亡"),
            ("other", "其他"),
        ],
    ),
    (&["sex"], &[("male", "男"), ("female", "女")]),
    (
        &["risk_factors"],
        &[
            ("over_age", "超龄"),
            ("unaided", "未获资助"),
            ("suspended", "休学"),
            ("returned", "近期劝返复学"),
            ("transfers", "多次转学"),
            ("sibling", "兄弟姐妹疑似失学"),
            ("disability", "残疾"),
            ("far_from_home", "异地就学"),
        ],
    ),
    (
        &["aid_gap"],
        &[("none", "本学期未资助"), ("in_review", "资助待核对")],
    ),
    (
        &["disability_category"],
        &[
            ("vision", "视力残疾"),
            ("hearing", "听力残疾"),
            ("speech", "言语残疾"),
            ("physical", "肢体残疾"),
            ("intellectual", "智力残疾"),
            ("mental", "精神残疾"),
            ("multiple", "多重残疾"),
        ],
    ),
    (
        &["change"],
        &[
            ("new", "新增"),
            ("still_out", "仍未入学"),
            ("reason_changed", "原因有变"),
        ],
    ),
    (
        &["closed_reason"],
        &[
            ("returned", "劝返复学"),
            ("exempted", "缓学免学"),
            ("left_cohort", "离开适龄范围"),
            ("no_longer_in_population", "不在人口库"),
        ],
    ),
    (
        &["detail"],
        &[
            ("aged_out", "超龄"),
            ("deceased", "死亡"),
            ("moved_out", "迁出"),
            ("cancelled", "注销"),
            ("outside_cohort", "不在适龄范围"),
        ],
    ),
    (
        &["level"],
        &[
            ("all", "全部"),
            ("province", "省"),
            ("prefecture", "市"),
            ("county", "县"),
        ],
    ),
    (
        &["origin"],
        &[
            ("outside_divisions", "外省户籍"),
            ("population_gap", "人口库缺失"),
            ("invalid_id", "身份证号无效"),
        ],
    ),
    (
        &["method"],
        &[("exact", "身份证号一致"), ("fuzzy", "模糊匹配")],
    ),
    (
        &["source", "register"],
        &[
            ("population", "人口库"),
            ("students", "学籍库"),
            ("poverty", "建档立卡库"),
            ("exemptions", "缓学免学"),
            ("disability", "残疾人库"),
            ("aid", "资助库"),
        ],
    ),
];

/// A column's name in `lang`; a column without a Chinese name keeps its English one.
pub fn column(name: &str, lang: Lang) -> &str {
    match lang {
        Lang::En => name,
        Lang::Zh => COLUMNS
            .iter()
            .find(|(en, _)| *en == name)
            .map_or(name, |(_, zh)| zh),
    }
}

/// A value of column `column` (English name) in `lang`; a value that is none of sanku's
/// words (a name, a number, an exemption's reason) is kept.
pub fn word<'a>(column: &str, value: &'a str, lang: Lang) -> &'a str {
    if lang == Lang::En {
        return value;
    }
    words_of(column)
        .and_then(|words| words.iter().find(|(en, _)| *en == value))
        .map_or(value, |(_, zh)| zh)
}

/// Columns whose values are lists of words joined by `;`, each word translated.
const LISTS: &[&str] = &["risk_factors"];

/// A value of column `column` in `lang`, as [`word`] gives it; a list column's words each
/// translated.
pub fn cell(column: &str, value: &str, lang: Lang) -> String {
    if lang != Lang::En && LISTS.contains(&column) {
        return value
            .split(';')
            .map(|w| word(column, w, lang))
            .collect::<Vec<_>>()
            .join(";");
    }
    word(column, value, lang).to_string()
}

/// The English name of a column named in either language.
pub fn canonical_column(name: &str) -> &str {
    COLUMNS
        .iter()
        .find(|(_, zh)| *zh == name)
        .map_or(name, |(en, _)| en)
}

/// The English word of a value of column `column` (English name) given in either
/// language.
pub fn canonical_word<'a>(column: &str, value: &'a str) -> &'a str {
    words_of(column)
        .and_then(|words| words.iter().find(|(_, zh)| *zh == value))
        .map_or(value, |(en, _)| en)
}

fn words_of(column: &str) -> Option<Pairs> {
    WORDS
        .iter()
        .find(|(columns, _)| columns.contains(&column))
        .map(|(_, words)| *words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chinese_name_and_word_maps_back_to_one_english_one() {
        for (en, zh) in COLUMNS {
            assert_eq!(canonical_column(zh), *en, "{zh}");
            assert_eq!(column(en, Lang::Zh), *zh);
        }
        for (columns, words) in WORDS {
            for c in *columns {
                for (en, zh) in *words {
                    assert_eq!(canonical_word(c, zh), *en, "{c}: {zh}");
                    assert_eq!(word(c, en, Lang::Zh), *zh);
                }
            }
        }
    }

    #[test]
    fn a_list_is_translated_word_by_word() {
        assert_eq!(
            cell("risk_factors", "over_age;suspended", Lang::Zh),
            "超龄;休学"
        );
        assert_eq!(cell("risk_factors", "over_age", Lang::En), "over_age");
        assert_eq!(cell("risk_factors", "", Lang::Zh), "");
        assert_eq!(cell("sex", "male", Lang::Zh), "男");
    }

    #[test]
    fn what_is_not_a_word_of_the_column_stays_as_it_is() {
        assert_eq!(word("name", "new", Lang::Zh), "new");
        assert_eq!(word("reason", "缓学", Lang::Zh), "缓学");
        assert_eq!(canonical_word("reason", "张三"), "张三");
        assert_eq!(canonical_column("责任人"), "责任人");
        assert_eq!(column("name_level", Lang::Zh), "name_level");
    }
}
