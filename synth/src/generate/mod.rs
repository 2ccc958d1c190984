//! `sanku generate`: synthetic population, student, poverty and exemption registers with
//! ground truth, streamed household by household so that memory stays flat at any size.
//! The same seed and options give byte-identical files.
//!
//! Truth (`DIR/truth/`): every true dropout, every true student and poverty link, every
//! injected error, the extra records of duplicate registrations, the students and poverty
//! members with no population row (children from other provinces, gaps in the population
//! register), every conflict between registers, and every exemption with whether it is
//! still valid or matches no one.
//!
//! With `--provinces K` it writes a country (`country.rs`): each province's registers and
//! truth in a folder of their own, children studying across provincial borders
//! (`migration.rs`, at the rates of `provinces.rs`), the national truth, and the whole
//! country as one input folder.

mod aid;
mod child;
mod corrupt;
mod country;
mod disability;
mod files;
mod household;
mod migration;
pub mod names;
mod nights;
mod options;
mod provinces;
mod risk;
mod school;
mod sink;
mod strangers;

use std::path::PathBuf;

use anyhow::Context;

pub use corrupt::ErrorKind;
use files::Sinks;
use household::{Household, Member};
use migration::{Abroad, Place};
use names::NameBook;
pub use options::generate_options;
pub use provinces::MOST as MOST_PROVINCES;
use sanku::ground::rng::{self, Rng};
pub use school::HistoryRates;
use school::{Kin, Record};

use sanku::pipeline::load::encoding::Encoding;
use sanku::pipeline::normalize::date::Date;
use sanku::pipeline::normalize::id::check_char;

/// Header language of generated files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Headers {
    Chinese,
    English,
}

/// Rates of the generated situations; the defaults are realistic.
#[derive(Clone, Debug)]
pub struct Rates {
    /// School-age children who dropped out (no record, or 辍学 / 休学).
    pub dropout: f64,
    pub home_delivered: f64,
    pub poverty_households: f64,
    pub exemption: f64,
    /// Students from other provinces, per person.
    pub migrant_students: f64,
    pub duplicate_registration: f64,
    /// People left out of the population register, per person.
    pub population_gap: f64,
    /// Enrolled children who also keep a transferred-out record at their former school.
    pub transfer: f64,
    /// Poor school-age children whose poverty record carries a homophone of their name.
    pub poverty_name_conflict: f64,
    /// Exemptions for an ID number nobody has, per household.
    pub exemption_unmatched: f64,
    /// Households whose 户籍 moved away from the county their IDs carry.
    pub moved_household: f64,
    /// School-age children whose population row lags their name by one homophone.
    pub population_name_lag: f64,
    pub history: HistoryRates,
    pub errors: Vec<(ErrorKind, f64)>,
    /// Per night of a series: dropouts who return to school, pupils who drop out.
    pub returns: f64,
    pub new_dropouts: f64,
}

impl Default for Rates {
    fn default() -> Self {
        Rates {
            dropout: 0.02,
            home_delivered: 0.003,
            poverty_households: 0.08,
            exemption: 0.002,
            migrant_students: 0.002,
            duplicate_registration: 0.001,
            population_gap: 0.001,
            transfer: 0.01,
            poverty_name_conflict: 0.005,
            exemption_unmatched: 0.0005,
            moved_household: 0.03,
            population_name_lag: 0.002,
            history: HistoryRates::default(),
            returns: 0.3,
            new_dropouts: 0.005,
            errors: ErrorKind::ALL
                .iter()
                .map(|k| (*k, k.default_rate()))
                .collect(),
        }
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub population: u64,
    pub seed: u64,
    pub out: PathBuf,
    pub as_of: Date,
    pub headers: Headers,
    pub encoding: Encoding,
    /// Write Parquet data files instead of CSV (truth stays CSV).
    pub parquet: bool,
    pub rates: Rates,
    /// The night of a series (1: the set `as_of` describes) and its as-of date; people
    /// are drawn for `as_of`, the registers written as they stand on `night_as_of`.
    pub night: u32,
    pub night_as_of: Date,
    /// Provinces of a generated country (1: one province's registers in `out`, as ever;
    /// K > 1: `out/<code>/` per province, the national truth and the whole country).
    /// `population` is per province.
    pub provinces: usize,
}

/// What was generated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenerateReport {
    pub population: u64,
    pub students: u64,
    pub poverty: u64,
    pub exemptions: u64,
    pub disability: u64,
    pub aid: u64,
    pub dropouts: u64,
    pub errors: u64,
    /// Children studying in another province of a generated country.
    pub migrants: u64,
}

impl GenerateReport {
    fn add(&mut self, other: &GenerateReport) {
        self.population += other.population;
        self.students += other.students;
        self.poverty += other.poverty;
        self.exemptions += other.exemptions;
        self.disability += other.disability;
        self.aid += other.aid;
        self.dropouts += other.dropouts;
        self.errors += other.errors;
        self.migrants += other.migrants;
    }
}

/// Provinces of the generated region, with prefectures × counties each.
const PROVINCES: [&str; 4] = ["41", "44", "53", "65"];
const PREFECTURES: u32 = 4;
const COUNTIES: u32 = 5;
/// Provinces that migrant students come from.
const ELSEWHERE: [&str; 3] = ["43", "51", "36"];

/// Writes the registers and their truth into `options.out`: one province's, or a
/// country's (`options.provinces` > 1).
pub fn generate(options: &GenerateOptions) -> anyhow::Result<GenerateReport> {
    if options.provinces > 1 {
        return country::generate_country(options);
    }
    let dir = &options.out;
    std::fs::create_dir_all(dir.join("truth"))
        .with_context(|| format!("creating {}", dir.display()))?;
    let mut sinks = Sinks::create(options)?;
    let mut world = World::new(options);
    world.fill(&mut sinks)?;
    sinks.finish()?;
    write_facts(options, world.report.population)?;
    Ok(world.report)
}

/// Writes truth/generated.json and the sanku.toml of a register folder.
fn write_facts(options: &GenerateOptions, population: u64) -> anyhow::Result<()> {
    let dir = &options.out;
    let facts = serde_json::json!({
        "population": population,
        "seed": options.seed,
        "as_of": options.night_as_of.to_string(),
        "night": options.night,
        "first_night_as_of": options.as_of.to_string(),
    });
    std::fs::write(dir.join("truth/generated.json"), format!("{facts:#}\n"))
        .with_context(|| format!("writing {}", dir.join("truth/generated.json").display()))?;
    write_config(options, dir)
}

/// The sanku.toml of a register folder: the as-of date the registers were made for.
fn write_config(options: &GenerateOptions, dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::write(
        dir.join("sanku.toml"),
        format!(
            "# Generated registers: the as-of date they were made for.\nas_of = \"{}\"\n",
            options.night_as_of
        ),
    )
    .with_context(|| format!("writing {}", dir.join("sanku.toml").display()))
}

/// The generator's state: random streams, ID order counters, sequence numbers.
struct World<'a> {
    options: &'a GenerateOptions,
    rng: Rng,
    names: NameBook,
    corrupter: corrupt::Corrupter,
    counties: Vec<String>,
    county_weights: Vec<f64>,
    /// Provinces that students with no population row come from.
    elsewhere: Vec<&'static str>,
    /// The province of a generated country being written, and where its children go.
    place: Option<Place>,
    /// The child being written studies in another province: there.
    abroad: Option<Abroad>,
    /// The reason the child being written is flagged tonight, once its dropout row is out.
    flagged: Option<&'static str>,
    /// The school facts of the child being written, and its household's children.
    schooled: risk::Schooled,
    household_kids: risk::Household,
    /// Next order code per (county, birth day, sex).
    orders: std::collections::HashMap<(u32, i64, bool), u16>,
    household_seq: u64,
    student_seq: u64,
    report: GenerateReport,
}

impl<'a> World<'a> {
    /// The world of a single province's registers: counties of four provinces.
    fn new(options: &'a GenerateOptions) -> World<'a> {
        let counties: Vec<String> = PROVINCES
            .iter()
            .flat_map(|p| {
                (1..=PREFECTURES)
                    .flat_map(move |f| (2..2 + COUNTIES).map(move |c| format!("{p}{f:02}{c:02}")))
            })
            .collect();
        World::over(options, counties, ELSEWHERE.to_vec(), None)
    }

    /// A world over `counties`, with students from `elsewhere`, maybe one province of a
    /// country.
    fn over(
        options: &'a GenerateOptions,
        counties: Vec<String>,
        elsewhere: Vec<&'static str>,
        place: Option<Place>,
    ) -> World<'a> {
        let mut rng = Rng::new(options.seed);
        let weights = counties.iter().map(|_| 0.5 + rng.unit());
        World {
            options,
            names: NameBook::default(),
            corrupter: corrupt::Corrupter::new(&options.rates.errors),
            county_weights: rng::cumulative(weights),
            counties,
            elsewhere,
            place,
            abroad: None,
            flagged: None,
            schooled: risk::Schooled::default(),
            household_kids: risk::Household::default(),
            orders: Default::default(),
            household_seq: 0,
            student_seq: 0,
            report: GenerateReport::default(),
            rng,
        }
    }

    /// Writes households until the population asked for is written.
    fn fill(&mut self, sinks: &mut Sinks) -> anyhow::Result<()> {
        while self.report.population < self.options.population {
            let mut household = self.household();
            // The last household is cut so that exactly the people asked for are written.
            let remaining = self.options.population - self.report.population;
            household
                .members
                .truncate(remaining.try_into().unwrap_or(usize::MAX));
            self.write(&household, sinks)?;
        }
        Ok(())
    }

    fn household(&mut self) -> Household {
        let county = self.rng.pick_cumulative(&self.county_weights);
        self.household_seq += 1;
        household::draw(
            &mut self.rng,
            &self.names,
            self.options,
            county as u32,
            &self.counties[county],
        )
    }

    /// A valid ID for a member: address, birth date, a free order code of the right parity.
    fn assign_id(&mut self, county: u32, member: &Member) -> String {
        let key = (county, member.birth.day_number(), member.male);
        let k = self.orders.entry(key).or_insert(0);
        let order = (2 * u32::from(*k) + u32::from(member.male)) % 1000;
        *k += 1;
        let first17 = format!(
            "{}{}{order:03}",
            self.counties[county as usize],
            member.birth.compact()
        );
        let check = check_char(first17.as_bytes()) as char;
        format!("{first17}{check}")
    }

    fn write(&mut self, h: &Household, s: &mut Sinks) -> anyhow::Result<()> {
        let county_code = self.counties[h.county as usize].clone();
        let household_no = format!("H{county_code}{:08}", self.household_seq);
        let window = sanku::pipeline::cohort::CohortRule::default().window(self.options.as_of);
        let tonight =
            sanku::pipeline::cohort::CohortRule::default().window(self.options.night_as_of);
        // A household that moved keeps its IDs' birth county; its 户籍 is elsewhere now.
        let residence = if self.rng.chance(self.options.rates.moved_household) {
            self.counties[self.rng.below(self.counties.len() as u64) as usize].clone()
        } else {
            county_code.clone()
        };
        let ids: Vec<String> = h
            .members
            .iter()
            .map(|m| self.assign_id(h.county, m))
            .collect();
        let moves = self.moves(h, &household_no, [&window, &tonight]);
        for (k, member) in h.members.iter().enumerate() {
            let id = ids[k].clone();
            let active = member.status == "正常";
            // Records are drawn for the first night's cohort, so that every night holds
            // the same people with the same records; the truth is tonight's cohort's.
            let in_cohort = active && window.contains(member.birth);
            let counted = active && tonight.contains(member.birth);
            let gap = self.rng.chance(self.options.rates.population_gap);
            // The population row lags a renamed child by one homophone character.
            let lagging = (in_cohort && !gap)
                .then(|| {
                    self.rng
                        .chance(self.options.rates.population_name_lag)
                        .then(|| names::homophone_variant(&mut self.rng, &member.name))
                        .flatten()
                })
                .flatten();
            if lagging.is_some() && counted {
                s.errors
                    .row(&["population", &id, &id, "population_name_lag"])?;
                self.report.errors += 1;
            }
            let mut kin = Kin::of(h, &ids, k);
            kin.name_lags = lagging.is_some();
            kin.counted = counted;
            let sex = if member.male { "男" } else { "女" };
            let birth = member.birth.to_string();
            let written_id = if member.legacy {
                format!("{}{}", &id[..6], &id[8..17])
            } else {
                id.clone()
            };
            if !gap {
                s.population.row(&[
                    &written_id,
                    lagging.as_deref().unwrap_or(&member.name),
                    sex,
                    &birth,
                    &residence,
                    member.status,
                ])?;
                self.report.population += 1;
            }

            if h.poor {
                let division = format!("{residence}001");
                let mut name = member.name.clone();
                if lagging.is_some() && counted {
                    s.conflicts.row(&[&id, "poverty", "name"])?;
                }
                if in_cohort && !gap && self.rng.chance(self.options.rates.poverty_name_conflict) {
                    if let Some(variant) = names::homophone_variant(&mut self.rng, &name) {
                        name = variant;
                        if lagging.is_none() && counted {
                            s.conflicts.row(&[&id, "poverty", "name"])?;
                        }
                    }
                }
                s.poverty.row(&[
                    &household_no,
                    &id,
                    &name,
                    sex,
                    &birth,
                    member.relation,
                    &division,
                    h.poverty_status,
                ])?;
                self.report.poverty += 1;
                if gap {
                    s.poverty_unmatched.row(&[&id, "population_gap"])?;
                }
            }
            if gap {
                if in_cohort {
                    let no =
                        self.student(member, &id, &county_code, "在读", s, Record::National)?;
                    s.registry_only.row(&[&no, "population_gap"])?;
                }
                continue;
            }
            if counted && h.poor {
                s.poverty_links.row(&[&id, &id])?;
            }
            if in_cohort || counted {
                let child = child::Child {
                    member,
                    id: &id,
                    kin: &kin,
                    name: lagging.as_deref().unwrap_or(&member.name),
                    residence: &residence,
                    household_no: &household_no,
                };
                self.child(h, &child, (in_cohort, counted), moves[k].as_ref(), s)?;
            } else {
                self.other_disability(member, &id, s)?;
            }
            if !in_cohort
                && !counted
                && active
                && (16..=17).contains(&window.age(member.birth))
                && self.rng.chance(0.3)
            {
                self.student(member, &id, &county_code, "在读", s, Record::National)?;
            }
        }
        let migrants = h.members.len() as f64 * self.options.rates.migrant_students;
        if self.rng.chance(migrants) {
            self.migrant(s)?;
        }
        if self.rng.chance(self.options.rates.exemption_unmatched) {
            self.unmatched_exemption(h.county, s)?;
        }
        self.unmatched_aid(&household_no, h.county, s)?;
        self.sibling_truth(h.poor, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanku::pipeline::normalize::id::{IdClass, parse_id};

    fn options(dir: &std::path::Path, seed: u64) -> GenerateOptions {
        GenerateOptions {
            population: 3000,
            seed,
            out: dir.to_path_buf(),
            as_of: Date::new(2026, 9, 1).unwrap(),
            headers: Headers::English,
            encoding: Encoding::Utf8,
            parquet: false,
            rates: Rates::default(),
            night: 1,
            night_as_of: Date::new(2026, 9, 1).unwrap(),
            provinces: 1,
        }
    }

    fn read_all(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        for sub in ["", "truth"] {
            let mut names: Vec<_> = std::fs::read_dir(dir.join(sub))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .collect();
            names.sort();
            files.extend(
                names
                    .into_iter()
                    .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap())),
            );
        }
        files
    }

    #[test]
    fn every_generated_population_id_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        let report = generate(&options(dir.path(), 11)).unwrap();
        assert!(report.population >= 3000);
        let text = std::fs::read_to_string(dir.path().join("population.csv")).unwrap();
        let mut legacy = 0;
        for line in text.lines().skip(1) {
            let id = parse_id(line.split(',').next().unwrap()).unwrap();
            assert!(id.class.is_usable(), "{line}");
            legacy += usize::from(id.class == IdClass::UpgradedLegacy);
        }
        assert_eq!(text.lines().count() as u64 - 1, report.population);
        assert!(
            legacy > 0,
            "no legacy IDs among {} people",
            report.population
        );
    }

    #[test]
    fn a_seed_reproduces_byte_for_byte() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        generate(&options(a.path(), 5)).unwrap();
        generate(&options(b.path(), 5)).unwrap();
        generate(&options(c.path(), 6)).unwrap();
        let strip =
            |files: Vec<(String, Vec<u8>)>, dir: &std::path::Path| -> Vec<(String, Vec<u8>)> {
                let prefix = dir.display().to_string();
                files
                    .into_iter()
                    .map(|(n, b)| (n.replacen(&prefix, "", 1), b))
                    .collect()
            };
        let fa = strip(read_all(a.path()), a.path());
        assert_eq!(fa, strip(read_all(b.path()), b.path()));
        assert_ne!(fa, strip(read_all(c.path()), c.path()));
    }
}
