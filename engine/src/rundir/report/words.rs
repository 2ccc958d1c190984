//! The report's phrases, in English and Chinese.

use crate::ground::vocab::Lang;

/// Fills each `{}` of `template` with the next of `args`.
pub(super) fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::new();
    let mut parts = template.split("{}");
    out.push_str(parts.next().unwrap_or(""));
    for (part, arg) in parts.zip(args.iter().chain(std::iter::repeat(&""))) {
        out.push_str(arg);
        out.push_str(part);
    }
    out
}

/// A phrase of the report in `lang`.
pub(super) fn phrase(lang: Lang, en: &'static str) -> &'static str {
    if lang == Lang::En {
        return en;
    }
    PHRASES
        .iter()
        .find(|(e, _)| *e == en)
        .map_or(en, |(_, zh)| zh)
}

/// What each of summary.json's checks counts, in English (in Chinese by [`PHRASES`]), in
/// the order the report lists them; `true` for a part of the check above it.
pub(super) const CHECKS: &[(&str, bool, &str)] = &[
    (
        "registry_only",
        false,
        "Student records linking to no population row",
    ),
    (
        "registry_only_outside_divisions",
        true,
        "of which from a province the population register does not cover",
    ),
    (
        "registry_only_population_gap",
        true,
        "of which from a covered province: missing from the population register",
    ),
    (
        "registry_only_invalid_id",
        true,
        "of which without a valid ID number",
    ),
    (
        "conflicts",
        false,
        "Fields on which a linked record disagrees with the population register",
    ),
    (
        "conflicts_id_owner",
        true,
        "of which records carrying someone else's ID number",
    ),
    (
        "duplicate_registrations",
        false,
        "Children registered in school more than once",
    ),
    (
        "poverty_unmatched",
        false,
        "Poverty members linking to no population row",
    ),
    (
        "poor_not_enrolled",
        false,
        "Poor children flagged (the priority list)",
    ),
    (
        "transferred_without_arrival",
        false,
        "Flagged as transferred out without arriving at a school",
    ),
    (
        "exemptions_unmatched",
        false,
        "Exemptions matching no one in the population",
    ),
    (
        "disabled_flagged",
        false,
        "Flagged children holding a disability certificate",
    ),
    (
        "poor_enrolled_without_aid",
        false,
        "Poor enrolled children without aid this term",
    ),
    (
        "poor_enrolled_aid_in_review",
        false,
        "Poor enrolled children whose aid is in review",
    ),
    ("aid_unmatched", false, "Aid payments linked to no child"),
    (
        "aid_in_review",
        false,
        "Aid payments in review (they may belong to a child)",
    ),
];

/// The report's phrases in Chinese.
const PHRASES: &[(&str, &str)] = &[
    (
        "Enrolled children at risk of leaving school",
        "在籍学生中的重点关注对象（辍学风险）",
    ),
    (
        "One row per enrolled child with at least one risk factor is in risk.xlsx, the highest scores first; a child may have several factors.",
        "每名至少有一项风险因素的在籍学生在 risk.xlsx 中占一行，风险分值高者在前；一名学生可有多项因素。",
    ),
    ("at risk", "重点关注学生"),
    ("all", "全部"),
    ("over-age", "超龄"),
    ("poor, unaided", "未获资助"),
    ("suspended", "休学"),
    ("returned lately", "近期劝返复学"),
    ("repeated transfers", "多次转学"),
    ("sibling flagged", "兄弟姐妹疑似失学"),
    ("disability", "残疾"),
    ("far from home", "异地就学"),
    (
        "Children out of school — as of {}",
        "疑似失学辍学儿童 — 统计日期 {}",
    ),
    ("school age", "适龄儿童"),
    ("enrolled", "在籍"),
    ("flagged", "疑似失学辍学"),
    ("flagged and poor", "其中建档立卡"),
    ("flagged poor", "其中建档立卡"),
    ("exempt", "缓学免学"),
    ("Since {}", "与 {} 相比"),
    (
        "{} rows of the ledgers handed back hold notes but tie to no case (no case number, and an ID number no case has): listed in worked_untied.csv for staff to tie by hand.",
        "交回的台账中有 {} 行填写了内容，但既无案件编号、身份证号也对不上任何案件：已列入 worked_untied.csv，请人工核对。",
    ),
    (
        "{} files in returned/ are not ledgers and were skipped ({}; listed in summary.json).",
        "returned/ 中有 {} 个文件不是台账，已跳过（{}；详见 summary.json）。",
    ),
    ("new", "新增"),
    ("still out", "仍未入学"),
    ("returned to school", "劝返复学"),
    ("returned", "劝返复学"),
    ("closed in all", "销号合计"),
    (
        "No previous run was given (--previous): every case is new tonight.",
        "未给出上一次运行（--previous）：本次所有案件均为新增。",
    ),
    (
        "{} cases had no row in the ledgers staff handed back (deleted or filtered out there): they were judged on tonight's registers alone, none closed for it.",
        "{} 个案件在交回的台账中没有对应行（被删除或筛除）：仅按本次数据判断，未因此销号。",
    ),
    (
        "Flagged by county (share of the school-age children; ★ monitored)",
        "各县疑似失学辍学（占适龄儿童比例；★ 重点监测县）",
    ),
    ("{}% ({} flagged, {} poor)", "{}%（疑似 {}，建档立卡 {}）"),
    ("county", "县"),
    ("name", "名称"),
    ("monitored", "重点监测"),
    ("flagged share", "疑似比例"),
    ("Flagged night by night", "疑似失学辍学人数变化"),
    (
        "One night so far; the trend starts with the next run given this one as --previous.",
        "目前只有一次运行；下次运行以本次为 --previous 后开始显示趋势。",
    ),
    (
        "{}: {} flagged, {} new, {} returned, {} closed",
        "{}：疑似 {}，新增 {}，劝返复学 {}，销号 {}",
    ),
    ("Flagged by age", "按年龄"),
    ("age {}", "{} 岁"),
    ("Flagged by reason", "按原因"),
    (
        "Fuzzy match weights of the candidate pairs",
        "候选记录对的模糊匹配权重",
    ),
    ("No fuzzy candidate pairs.", "没有模糊匹配候选对。"),
    ("{} to {} bits: {} pairs", "{} 至 {} 比特：{} 对"),
    ("review", "人工复核"),
    ("accept", "接受"),
    ("{} bits", "{} 比特"),
    (
        "{} bits ({} pairs, square-root scale)",
        "{} 比特（{} 对，平方根刻度）",
    ),
    ("Checks", "核查"),
    (
        "Findings of the registers checking each other; their rows are in the run's checks folder.",
        "各库互相核对发现的问题；明细见本次运行的 checks 文件夹。",
    ),
    (
        "Student records linking to no population row",
        "人口库中无对应的学籍记录",
    ),
    (
        "of which from a province the population register does not cover",
        "其中：外省户籍",
    ),
    (
        "of which from a covered province: missing from the population register",
        "其中：本地户籍但人口库缺失",
    ),
    ("of which without a valid ID number", "其中：身份证号无效"),
    (
        "Fields on which a linked record disagrees with the population register",
        "关联记录与人口库信息不一致（按字段计）",
    ),
    (
        "of which records carrying someone else's ID number",
        "其中：记录使用他人身份证号",
    ),
    (
        "Children registered in school more than once",
        "重复在籍的儿童",
    ),
    (
        "Poverty members linking to no population row",
        "人口库中无对应的建档立卡人员",
    ),
    (
        "Poor children flagged (the priority list)",
        "建档立卡疑似失学辍学儿童（优先核查）",
    ),
    (
        "Flagged as transferred out without arriving at a school",
        "转出未转入的疑似失学辍学儿童",
    ),
    (
        "Exemptions matching no one in the population",
        "人口库中无对应的缓学免学记录",
    ),
    (
        "Flagged children holding a disability certificate",
        "持残疾人证的疑似失学辍学儿童",
    ),
    (
        "Poor enrolled children without aid this term",
        "本学期未获资助的建档立卡在籍儿童",
    ),
    (
        "Poor enrolled children whose aid is in review",
        "资助记录待核对的建档立卡在籍儿童",
    ),
    ("Aid payments linked to no child", "未匹配到儿童的资助记录"),
    (
        "Aid payments in review (they may belong to a child)",
        "待核对的资助记录（可能属于某名儿童）",
    ),
    ("division unknown", "户籍地不详"),
    ("unlisted county of {}", "{}下辖县（区划表未收录）"),
    ("county not in the division table", "区划表未收录的县"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every count summary.json's `checks` holds has its words in both languages, and no
    /// word stands for a check that is no more.
    #[test]
    fn every_check_has_an_english_and_a_chinese_label() {
        let counts = serde_json::to_value(crate::pipeline::verify::CheckCounts::default()).unwrap();
        let keys: Vec<&String> = counts.as_object().unwrap().keys().collect();
        for key in &keys {
            let (_, _, en) = CHECKS
                .iter()
                .find(|(k, _, _)| k == key)
                .unwrap_or_else(|| panic!("no label for the check {key}"));
            assert_ne!(phrase(Lang::Zh, en), *en, "no Chinese for the check {key}");
        }
        for (key, _, _) in CHECKS {
            assert!(keys.iter().any(|k| k == key), "{key} is no check");
        }
    }

    #[test]
    fn each_english_phrase_has_one_chinese_one() {
        for (i, (en, _)) in PHRASES.iter().enumerate() {
            assert!(
                PHRASES[i + 1..].iter().all(|(other, _)| other != en),
                "{en} twice"
            );
        }
    }
}
