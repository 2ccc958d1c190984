//! One household: a head of household with an age drawn from a population pyramid, a
//! spouse, children (twins at a realistic rate), sometimes a grandparent; statuses, names
//! (minority names with a middle dot where they are common: Uyghur names carry the father's
//! given name, Tibetan names two elements) and the poverty flag.

use super::GenerateOptions;
use super::names::NameBook;
use sanku::ground::rng::{Rng, cumulative};
use sanku::pipeline::normalize::date::Date;

/// A household member as the population register will hold them.
#[derive(Clone, Debug)]
pub struct Member {
    pub name: String,
    pub male: bool,
    pub birth: Date,
    pub relation: &'static str,
    /// Population status word (正常, 死亡, 迁出).
    pub status: &'static str,
    /// Written with a legacy 15-digit ID number.
    pub legacy: bool,
}

#[derive(Clone, Debug)]
pub struct Household {
    pub county: u32,
    pub poor: bool,
    pub poverty_status: &'static str,
    pub members: Vec<Member>,
}

const POVERTY_STATUSES: [&str; 4] = ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "脱贫户"];

/// Relative number of people per year of age, by decade (a mature, ageing pyramid).
fn pyramid() -> Vec<f64> {
    let by_decade = [0.85, 1.05, 1.0, 1.3, 1.35, 1.5, 1.25, 0.7, 0.3, 0.1];
    cumulative((0..=90).map(|age: usize| by_decade[age / 10]))
}

/// A birth date for someone `age` years old on `as_of`, spread over the year.
fn birth_for_age(rng: &mut Rng, as_of: Date, age: i64) -> Date {
    as_of.add_days(-(age * 365 + age / 4 + 1 + rng.below(364) as i64))
}

/// Draws one household in `county`.
pub fn draw(
    rng: &mut Rng,
    names: &NameBook,
    options: &GenerateOptions,
    county: u32,
    county_code: &str,
) -> Household {
    let as_of = options.as_of;
    let ages = pyramid();
    let minority_share = match &county_code[..2] {
        "65" => 0.6,
        "53" => 0.1,
        _ => 0.0,
    };
    let minority = rng.chance(minority_share);
    // Minority names are given once the household is complete (they follow the father).
    let person = |rng: &mut Rng, surname: &str, male: bool, age: i64, relation: &'static str| {
        let name = if minority {
            String::new()
        } else {
            format!("{surname}{}", names.given(rng))
        };
        let birth = birth_for_age(rng, as_of, age);
        let status = status(rng, age);
        Member {
            name,
            male,
            birth,
            relation,
            status,
            legacy: birth.year < 1980 && rng.chance(0.02),
        }
    };

    let head_age = loop {
        let a = rng.pick_cumulative(&ages) as i64;
        if a >= 22 {
            break a;
        }
    };
    let head_male = rng.chance(0.8);
    let surname = names.surname(rng);
    let mut members = vec![person(rng, surname, head_male, head_age, "户主")];
    if head_age < 85 && rng.chance(0.8) {
        let spouse_age = (head_age + rng.below(7) as i64 - 3).max(20);
        let spouse_surname = names.surname(rng);
        members.push(person(rng, spouse_surname, !head_male, spouse_age, "配偶"));
    }
    if (22..=60).contains(&head_age) {
        let children = [0, 1, 1, 1, 2, 2, 2, 3][rng.below(8) as usize];
        for _ in 0..children {
            let oldest = (head_age - 20).clamp(0, 25);
            let age = rng.below(oldest as u64 + 1) as i64;
            let male = rng.chance(0.52);
            let relation = if male { "之子" } else { "之女" };
            let mut child = person(rng, surname, male, age, relation);
            // Births to one mother are at least ten months apart (twins aside).
            let near = |m: &Member, birth: Date| {
                matches!(m.relation, "之子" | "之女")
                    && (m.birth.day_number() - birth.day_number()).abs() < 300
            };
            for _ in 0..10 {
                if !members.iter().any(|m| near(m, child.birth)) {
                    break;
                }
                let age = rng.below(oldest as u64 + 1) as i64;
                child.birth = birth_for_age(rng, as_of, age);
            }
            let twin = rng.chance(0.015);
            if twin {
                let mut other = child.clone();
                other.male = rng.chance(0.5);
                other.relation = if other.male { "之子" } else { "之女" };
                other.name = if minority {
                    String::new()
                } else {
                    let given: String = child.name.chars().skip(surname.chars().count()).collect();
                    format!("{surname}{}", names.twin_given(rng, &given))
                };
                members.push(child);
                members.push(other);
            } else {
                members.push(child);
            }
        }
    }
    if head_age <= 60 && rng.chance(0.15) {
        let age = (head_age + 25 + rng.below(8) as i64).min(95);
        let male = rng.chance(0.45);
        members.push(person(
            rng,
            surname,
            male,
            age,
            if male { "之父" } else { "之母" },
        ));
    }
    if minority {
        name_minority(rng, names, &county_code[..2], &mut members);
    }
    // Parents do not give two children one name: a repeated full name is drawn again.
    for k in 1..members.len() {
        for _ in 0..20 {
            if !members[..k].iter().any(|m| m.name == members[k].name) {
                break;
            }
            members[k].name = if minority {
                // Another own name; a Uyghur keeps the father's.
                let father = members[k].name.split_once('·').map_or("", |(_, f)| f);
                let father = father.to_string();
                minority_name(rng, names, &county_code[..2], &members[k], &father)
            } else {
                format!("{surname}{}", names.given(rng))
            };
        }
    }
    let poor = rng.chance(options.rates.poverty_households);
    Household {
        county,
        poor,
        poverty_status: rng.pick_word(&POVERTY_STATUSES),
        members,
    }
}

/// Names a minority household: in province 65 Uyghur names (own given name · father's given
/// name, so children share the father's), elsewhere Tibetan two-part names.
fn name_minority(rng: &mut Rng, names: &NameBook, province: &str, members: &mut [Member]) {
    let parent = |m: &Member| matches!(m.relation, "户主" | "配偶");
    let mut father = String::new();
    for m in members.iter_mut().filter(|m| parent(m)) {
        m.name = minority_name(rng, names, province, m, "");
        if m.male {
            father = m.name.split('·').next().unwrap_or("").to_string();
        }
    }
    if father.is_empty() {
        father = names.uyghur_given(rng, true).to_string();
    }
    for m in members.iter_mut().filter(|m| !parent(m)) {
        let child = matches!(m.relation, "之子" | "之女");
        m.name = minority_name(rng, names, province, m, if child { &father } else { "" });
    }
}

/// One minority name: Uyghur with `father` (a random one when empty), or Tibetan.
fn minority_name(
    rng: &mut Rng,
    names: &NameBook,
    province: &str,
    m: &Member,
    father: &str,
) -> String {
    if province != "65" {
        return names.tibetan(rng);
    }
    let own = names.uyghur_given(rng, m.male);
    let father = if father.is_empty() {
        names.uyghur_given(rng, true)
    } else {
        father
    };
    format!("{own}·{father}")
}

fn status(rng: &mut Rng, age: i64) -> &'static str {
    let deceased = if age >= 70 { 0.05 } else { 0.003 };
    if rng.chance(deceased) {
        "死亡"
    } else if rng.chance(0.01) {
        "迁出"
    } else {
        "正常"
    }
}
