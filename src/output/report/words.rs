//! The report's phrases, in English and Chinese.

use crate::vocab::Lang;

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

/// The report's phrases in Chinese.
const PHRASES: &[(&str, &str)] = &[
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
        "{} files in returned/ are not ledgers and were skipped: {}.",
        "returned/ 中有 {} 个文件不是台账，已跳过：{}。",
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
];
