//! The provinces a generated country is made of, and how often their school-age children
//! study in another province.
//!
//! A country of K provinces takes the first K of [`ORDER`]: receiving and sending provinces
//! alternate (广东, 四川, 安徽, 浙江, 河南 …), so that even a small country has children
//! crossing its borders. Each province's counties are real county codes from the division
//! table (`data/divisions.tsv`), five of each of its first prefectures.
//!
//! Cross-province study, from public figures:
//! - Ministry of Education, national education statistics bulletin for 2017 (as reported
//!   in 《中国农村教育发展报告2019》): 14.07 M children of migrant workers (进城务工人员随迁子女)
//!   in compulsory education, 9.68 % of all pupils.
//! - About a third of migrant children crossed a provincial border (2010 census: 段成荣 et
//!   al., 《我国流动儿童生存和发展》, 南方人口 2013 no. 4); the 2020 census gives the same
//!   share for migrants of every age (第七次全国人口普查公报第七号: 124.84 M of 375.82 M
//!   流动人口 crossed a provincial border).
//! - So about 3.2 % of pupils study outside their hukou province, while 8.8 % of all
//!   people (124.84 M of 1 411.78 M) live outside theirs: a child crosses a border to study
//!   [`CHILD_FACTOR`] ≈ 0.365 times as often as a person does to live.
//! - Where they come from and go to, 2020 census by province (2020中国人口普查年鉴, as
//!   reported by 第一财经 2021-07-15 and others): people from other provinces living in
//!   广东 29.62 M, 浙江 16.19 M, 上海 10.48 M, 江苏 10.31 M, 北京 8.42 M, 福建 4.89 M …;
//!   people registered in 河南 living in another province 16.10 M, 安徽 11.52 M, 四川
//!   10.36 M, 贵州 about 8.5 M …. [`PROVINCES`] holds each province's inflow (万人, rounded;
//!   the smaller ones approximate) and its outflow as a share of its registered population
//!   (‰, rounded from outflow ÷ hukou population).
//!
//! A child of province p studies in province q with probability
//! `CHILD_FACTOR × outflow(p) × inflow(q) / Σ_{r ≠ p} inflow(r)`: where its parents went, in
//! proportion to the province's pull. Destinations outside the generated country are not
//! drawn (those children stay home), so a province sends the realistic share of its children
//! to each generated province, and fewer in all than it would to the whole country.

use sanku::ground::divisions;

/// A province: code, name, inflow (万 people registered elsewhere living here), outflow (‰
/// of its registered people living in another province).
#[derive(Clone, Copy, Debug)]
pub struct Province {
    pub code: &'static str,
    pub name: &'static str,
    pub inflow: u32,
    pub outflow: u32,
}

const fn p(code: &'static str, name: &'static str, inflow: u32, outflow: u32) -> Province {
    Province {
        code,
        name,
        inflow,
        outflow,
    }
}

/// The 31 provinces of the mainland, which keep the hukou population register.
pub const PROVINCES: [Province; 31] = [
    p("11", "北京", 842, 20),
    p("12", "天津", 354, 30),
    p("13", "河北", 316, 80),
    p("14", "山西", 162, 50),
    p("15", "内蒙古", 169, 60),
    p("21", "辽宁", 285, 50),
    p("22", "吉林", 100, 90),
    p("23", "黑龙江", 69, 110),
    p("31", "上海", 1048, 20),
    p("32", "江苏", 1031, 30),
    p("33", "浙江", 1619, 30),
    p("34", "安徽", 155, 162),
    p("35", "福建", 489, 50),
    p("36", "江西", 128, 120),
    p("37", "山东", 413, 40),
    p("41", "河南", 127, 147),
    p("42", "湖北", 225, 100),
    p("43", "湖南", 144, 120),
    p("44", "广东", 2962, 20),
    p("45", "广西", 155, 140),
    p("46", "海南", 109, 50),
    p("50", "重庆", 220, 130),
    p("51", "四川", 259, 114),
    p("52", "贵州", 171, 180),
    p("53", "云南", 228, 60),
    p("54", "西藏", 33, 20),
    p("61", "陕西", 216, 70),
    p("62", "甘肃", 66, 110),
    p("63", "青海", 41, 50),
    p("64", "宁夏", 67, 50),
    p("65", "新疆", 339, 30),
];

/// The order provinces join a generated country in.
pub const ORDER: [&str; 31] = [
    "44", "51", "34", "33", "41", "52", "31", "11", "32", "43", "45", "36", "42", "50", "35", "37",
    "13", "12", "61", "53", "62", "14", "21", "22", "23", "15", "46", "64", "63", "65", "54",
];

/// How much less often a school-age child studies outside its hukou province than a person
/// lives outside theirs (see the module's figures).
pub const CHILD_FACTOR: f64 = 0.365;

/// Share of migrating families who took every school-age child along; the others took one
/// and left the rest with grandparents (an assumption).
pub const WHOLE_HOUSEHOLD: f64 = 0.7;

/// How much likelier a migrant child is than others to be out of school: 2.94 % of
/// school-age migrant children were not in school as required in 2010 (段成荣 et al., 2013),
/// about one and a half times the share of all children (an assumption for the ratio).
pub const MIGRANT_DROPOUT_FACTOR: f64 = 1.5;

/// Most provinces a generated country has.
pub const MOST: usize = PROVINCES.len();

pub fn province(code: &str) -> &'static Province {
    PROVINCES
        .iter()
        .find(|p| p.code == code)
        .expect("a province of the table")
}

/// The provinces of a country of `k` provinces, in [`ORDER`].
pub fn country(k: usize) -> Vec<&'static Province> {
    ORDER.iter().take(k).map(|c| province(c)).collect()
}

/// The probability that a school-age child of `from` studies in `to`.
pub fn study_rate(from: &Province, to: &Province) -> f64 {
    if from.code == to.code {
        return 0.0;
    }
    let pull: u32 = PROVINCES
        .iter()
        .filter(|p| p.code != from.code)
        .map(|p| p.inflow)
        .sum();
    CHILD_FACTOR * f64::from(from.outflow) / 1000.0 * f64::from(to.inflow) / f64::from(pull)
}

/// Counties a generated province is drawn over: up to [`COUNTIES_PER_PREFECTURE`] counties
/// of each of its prefectures in code order, then more of the first ones, until there
/// are [`COUNTIES`] (a municipality has one or two prefecture-level parts).
pub fn counties(province: &str) -> Vec<String> {
    let all = divisions::counties_of(province);
    let mut chosen: Vec<&str> = Vec::new();
    let mut per_prefecture = std::collections::BTreeMap::<&str, usize>::new();
    for code in &all {
        let taken = per_prefecture.entry(&code[..4]).or_insert(0);
        if *taken < COUNTIES_PER_PREFECTURE && chosen.len() < COUNTIES {
            *taken += 1;
            chosen.push(code);
        }
    }
    for code in &all {
        if chosen.len() >= COUNTIES {
            break;
        }
        if !chosen.contains(code) {
            chosen.push(code);
        }
    }
    chosen.sort_unstable();
    chosen.into_iter().map(str::to_string).collect()
}

/// Counties per generated province, and at most per prefecture at first.
pub const COUNTIES: usize = 20;
pub const COUNTIES_PER_PREFECTURE: usize = 5;

/// Provinces that registry-only students come from (children of no generated province):
/// those of [`ORDER`] outside the country, last first; a country of every province gets
/// students holding the residence permits of Hong Kong, Macao and Taiwan residents
/// (address codes 810000, 820000, 830000).
pub fn elsewhere(country: &[&Province]) -> Vec<&'static str> {
    let outside: Vec<&'static str> = ORDER
        .iter()
        .rev()
        .filter(|c| !country.iter().any(|p| p.code == **c))
        .take(3)
        .copied()
        .collect();
    if outside.is_empty() {
        vec!["81", "82", "83"]
    } else {
        outside
    }
}

/// A county code for a student from `province`, outside the country: a real county of
/// the division table, or the single code of a residence permit.
pub fn elsewhere_county(province: &str, pick: u64) -> String {
    let counties = divisions::counties_of(province);
    if counties.is_empty() {
        return format!("{province}0000");
    }
    counties[(pick % counties.len() as u64) as usize].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_province_is_in_the_order_once_and_has_counties_the_table_names() {
        let mut order = ORDER.to_vec();
        order.sort_unstable();
        let mut codes: Vec<&str> = PROVINCES.iter().map(|p| p.code).collect();
        codes.sort_unstable();
        assert_eq!(order, codes);
        for p in &PROVINCES {
            let counties = counties(p.code);
            assert!(counties.len() >= 7, "{}: {counties:?}", p.name);
            for c in &counties {
                assert!(!divisions::name(c).is_empty(), "{c}");
                assert!(c.starts_with(p.code));
            }
            assert!(divisions::name(p.code).starts_with(p.name), "{}", p.code);
        }
    }

    #[test]
    fn the_national_share_of_children_studying_elsewhere_is_about_three_per_cent() {
        // Weighted by outflow only (every province the same size), the children leaving
        // add up to CHILD_FACTOR times the mean outflow; to a province in proportion to
        // its pull.
        let all: Vec<&Province> = PROVINCES.iter().collect();
        let leaving: f64 = all
            .iter()
            .map(|p| all.iter().map(|q| study_rate(p, q)).sum::<f64>())
            .sum::<f64>()
            / all.len() as f64;
        assert!((0.02..0.04).contains(&leaving), "{leaving}");
        let (anhui, guangdong) = (province("34"), province("44"));
        assert!(study_rate(anhui, guangdong) > 10.0 * study_rate(guangdong, anhui));
        assert_eq!(study_rate(anhui, anhui), 0.0);
    }

    #[test]
    fn students_from_elsewhere_come_from_outside_the_country() {
        let three = country(3);
        assert_eq!(
            three.iter().map(|p| p.code).collect::<Vec<_>>(),
            ["44", "51", "34"]
        );
        let outside = elsewhere(&three);
        assert_eq!(outside.len(), 3);
        assert!(outside.iter().all(|c| !["44", "51", "34"].contains(c)));
        assert_eq!(elsewhere(&country(MOST)), ["81", "82", "83"]);
        assert_eq!(elsewhere_county("81", 7), "810000");
        assert!(elsewhere_county("54", 3).starts_with("54"));
    }
}
