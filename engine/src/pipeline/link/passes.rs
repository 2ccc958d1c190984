//! The plumbing of the fuzzy passes: each source's records as comparison views (names
//! folded to simplified once per record), which records and children take part, and the
//! fuzzy links that result.

use rayon::prelude::*;

use super::compare::{CompareView, Views};
use std::sync::Arc;

use super::assign::PerChild;
use super::block::ALL_PASSES;
use super::block::Blocking;
use super::folded::Folded;
use super::fuzzy::{
    Compared, ComparedPair, FuzzyOptions, FuzzyOutcome, NameShares, ScoredPair, Side, block_sides,
    compare_blocked, compare_sides, decide, name_shares,
};
use super::identity::someone_elses;
use super::weights::Params;
use super::{Link, Links, Method};
use crate::pipeline::cohort::Cohort;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::id::{IdClass, IdNumber};
use crate::pipeline::normalize::name_key::pinyin_key_hashes;
use crate::pipeline::normalize::population::Population;
use crate::pipeline::normalize::values::Sex;
use crate::pipeline::normalize::{Origins, Registers, Text};

/// What a record whose ID was doubted shows fuzzy linkage: no ID at all.
pub(super) static NO_ID: IdNumber = IdNumber {
    text: Text::const_new(""),
    class: IdClass::Empty,
};

/// Per record: whether fuzzy linkage sees it without its ID: the ID was doubted (someone
/// else's), or it is a valid number that belongs to no one and says it is someone else's
/// (see [`super::identity::someone_elses`]). `fields` gives a record's ID, birth date and
/// sex.
fn masks<T: Sync>(
    rows: &[T],
    doubted: &[super::identity::Doubted],
    (population, doubt): (&Population, f64),
    fields: impl Fn(&T) -> (&IdNumber, Option<Date>, Sex) + Sync,
) -> Vec<bool> {
    let mut masked: Vec<bool> = rows
        .par_iter()
        .map(|r| {
            let (id, birth, sex) = fields(r);
            someone_elses(id, (birth, sex), doubt) && !population.has_id(id)
        })
        .collect();
    for d in doubted {
        masked[d.record] = true;
    }
    masked
}

/// The records of `source` neither used nor carrying the ID of someone in the
/// `population`: every record the second-registration pass may ever see, whatever the
/// thresholds.
pub fn unused_unowned(source: &FuzzySource, population: &Population) -> Vec<usize> {
    (0..source.len)
        .into_par_iter()
        .filter(|&j| !source.used[j] && !population.has_id((source.view)(j).id))
        .collect()
}

/// What fuzzy linkage needs of one source: its records as comparison views (made on
/// demand), a stable key per record for tie breaks, and which records are already used (or
/// set aside).
pub struct FuzzySource<'a> {
    pub len: usize,
    /// The records that stand for themselves (a registration's standing row; every
    /// poverty member).
    pub universe: Vec<usize>,
    pub view: Box<dyn Fn(usize) -> CompareView<'a> + Sync + 'a>,
    pub key: Box<dyn Fn(usize) -> String + Sync + 'a>,
    pub used: Vec<bool>,
    /// The blocking passes its records are found by (`block::ALL_PASSES` but for a
    /// register whose few leftover records do not warrant keying every child's name).
    pub passes: u8,
}

/// Per student row whose national student number carries a usable ID other than its ID
/// column's, agreeing with the row's birth date and sex where given: that ID (see
/// [`crate::pipeline::normalize::Student::other_id`]).
pub type StandIns = rustc_hash::FxHashMap<usize, IdNumber>;

/// The stand-in IDs of the student rows.
pub fn stand_ins(students: &[crate::pipeline::normalize::Student]) -> StandIns {
    students
        .par_iter()
        .enumerate()
        .filter_map(|(j, s)| {
            let other = s.other_id()?;
            stands_in(&other, s.birth, s.sex).then_some((j, other))
        })
        .collect()
}

/// Whether the ID a student number carries (`other`) may stand in for its row's: usable,
/// and agreeing with the row's birth date and sex where given.
pub fn stands_in(
    other: &IdNumber,
    birth: Option<crate::pipeline::normalize::date::Date>,
    sex: Sex,
) -> bool {
    let agrees = birth.is_none_or(|b| other.birth_date() == Some(b))
        && match sex {
            Sex::Male => other.is_male() == Some(true),
            Sex::Female => other.is_male() == Some(false),
            Sex::Unknown => true,
        };
    other.class.is_usable() && agrees
}

/// Student registrations for fuzzy linkage (the row standing for each), compared against
/// the school's division.
pub fn student_source<'a>(
    registers: &'a Registers,
    (names, standins): (&'a Folded, &'a StandIns),
    links: &Links,
    doubt: f64,
) -> FuzzySource<'a> {
    let students = &registers.students.rows;
    let origins = registers.origins.as_ref();
    let mut used: Vec<bool> = (0..students.len())
        .map(|j| !links.registrations.stands(j))
        .collect();
    for l in links.students.iter().chain(&links.extra_students) {
        used[l.record] = true;
    }
    let masked = masks(
        students,
        &links.doubted_students,
        (&registers.population, doubt),
        |s| (&s.id, s.birth, s.sex),
    );
    // A record whose ID column is someone else's (a parent's) but whose national student
    // number carries a usable ID (G + the child's) shows that one: the child it names,
    // a child of another province maybe, is no pair for a child of other ID.
    FuzzySource {
        len: students.len(),
        universe: (0..students.len())
            .filter(|&j| links.registrations.stands(j))
            .collect(),
        view: Box::new(move |j| {
            let s = &students[j];
            CompareView {
                id: match masked[j] {
                    true => standins.get(&j).unwrap_or(&NO_ID),
                    false => &s.id,
                },
                id_owned: false,
                name: names.get(j, &s.name),
                birth: s.birth,
                sex: s.sex,
                division: &s.school_division,
                pinyin: None,
                origin: Origins::of(origins, |o| &o.students, j),
            }
        }),
        key: Box::new(move |j| students[j].student_no.to_string()),
        used,
        passes: ALL_PASSES,
    }
}

/// Poverty members for fuzzy linkage, keyed by ID number and household.
pub fn poverty_source<'a>(
    registers: &'a Registers,
    names: &'a Folded,
    links: &Links,
    doubt: f64,
) -> FuzzySource<'a> {
    let members = &registers.poverty.rows;
    let origins = registers.origins.as_ref();
    let masked = masks(
        members,
        &links.doubted_poverty,
        (&registers.population, doubt),
        |m| (&m.id, m.birth, m.sex),
    );
    let mut used = vec![false; members.len()];
    for l in &links.poverty {
        used[l.record] = true;
    }
    FuzzySource {
        len: members.len(),
        universe: (0..members.len()).collect(),
        view: Box::new(move |j| {
            let m = &members[j];
            CompareView {
                id: if masked[j] { &NO_ID } else { &m.id },
                id_owned: false,
                name: names.get(j, &m.name),
                birth: m.birth,
                sex: m.sex,
                division: &m.division,
                pinyin: None,
                origin: Origins::of(origins, |o| &o.poverty, j),
            }
        }),
        key: Box::new(move |j| {
            let m = &members[j];
            format!("{}|{}|{}", m.id.text, m.household_no, m.name)
        }),
        used,
        passes: ALL_PASSES,
    }
}

/// The blocks of a pass at its widest (see [`Context::kept_blocks`]): the records blocked,
/// and the blocks, by index into them.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct KeptBlocks {
    #[serde(deserialize_with = "crate::ground::binary::exact_vec")]
    pub records: Vec<usize>,
    blocking: Blocking,
}

/// The children's folded names, written as the list of every child's (as a `Vec<Text>`).
pub struct ChildNames<'c>(&'c Context<'c>);

impl serde::Serialize for ChildNames<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let cx = self.0;
        serializer.collect_seq((0..cx.cohort.children.len()).map(|i| cx.child_name(i)))
    }
}

/// The cohort side, shared by every pass.
pub struct Context<'a> {
    cohort: &'a Cohort,
    /// The children's names folded to simplified characters, where that changes them.
    names: Folded,
    registers: &'a Registers,
    fuzzy: &'a FuzzyOptions,
    name_shares: Arc<NameShares>,
    /// Every child's pinyin keys, made once when a pass first keys the children: the
    /// poverty pass and the second-registration pass each key a province's children.
    pinyin: std::sync::OnceLock<PinyinKeys>,
}

/// Each child's name's pinyin keys (see `name_key::pinyin_key_hashes`), as offsets into
/// one list.
struct PinyinKeys {
    offsets: Vec<u32>,
    keys: Vec<u64>,
}

impl PinyinKeys {
    fn of<'n>(len: usize, name: impl Fn(usize) -> &'n str + Sync) -> PinyinKeys {
        // By chunks, each one list and its lengths, so that no child allocates its own.
        const CHUNK: usize = 1 << 14;
        let chunks: Vec<(Vec<u32>, Vec<u64>)> = (0..len.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let chunk = c * CHUNK..len.min((c + 1) * CHUNK);
                let (mut lengths, mut keys) = (Vec::with_capacity(chunk.len()), Vec::new());
                for i in chunk {
                    let start = keys.len();
                    pinyin_key_hashes(name(i), 0, &mut keys);
                    lengths.push((keys.len() - start) as u32);
                }
                (lengths, keys)
            })
            .collect();
        let mut offsets = Vec::with_capacity(len + 1);
        offsets.push(0u32);
        let mut all = Vec::with_capacity(chunks.iter().map(|c| c.1.len()).sum());
        for (lengths, keys) in chunks {
            for n in lengths {
                offsets.push(offsets[offsets.len() - 1] + n);
            }
            all.extend(keys);
        }
        PinyinKeys { offsets, keys: all }
    }

    fn get(&self, i: usize) -> &[u64] {
        &self.keys[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

impl<'a> Context<'a> {
    /// `names` are the children's names folded to simplified.
    pub fn new(
        cohort: &'a Cohort,
        names: Folded,
        registers: &'a Registers,
        fuzzy: &'a FuzzyOptions,
    ) -> Self {
        let children = &cohort.children;
        let name = |i: usize| names.get(i, &children[i].name);
        let shares = match &registers.origins {
            Some(o) => NameShares::given(
                (0..children.len())
                    .map(name)
                    .zip(o.name_shares.iter().copied()),
            ),
            None => name_shares(children.len(), name),
        };
        Context {
            cohort,
            names,
            registers,
            fuzzy,
            name_shares: Arc::new(shares),
            pinyin: std::sync::OnceLock::new(),
        }
    }

    /// Child `i`'s name folded to simplified characters.
    pub fn child_name(&self, i: usize) -> &str {
        self.names.get(i, &self.cohort.children[i].name)
    }

    /// Every child's folded name, in cohort order, to be written as a list of them.
    pub fn child_names(&self) -> ChildNames<'_> {
        ChildNames(self)
    }

    /// Lets go of the children's pinyin keys: deciding pairs already compared keys no one
    /// (a pass whose kept blocks lacked a record would key them again, for the same pairs).
    pub fn forget_keys(&mut self) {
        self.pinyin = std::sync::OnceLock::new();
    }

    /// Below this many bits an ID agreement is doubted.
    pub fn id_doubt(&self) -> f64 {
        self.fuzzy.id_doubt
    }

    fn child_view(&self, i: usize) -> CompareView<'_> {
        let c = &self.cohort.children[i];
        CompareView {
            id: &c.id,
            id_owned: true,
            name: self.child_name(i),
            birth: Some(c.birth),
            sex: c.sex,
            division: &c.division,
            pinyin: self.pinyin.get().map(|keys| keys.get(i)),
            origin: Origins::of(self.registers.origins.as_ref(), |o| &o.children, i),
        }
    }

    /// Makes every child's pinyin keys before a pass keys the children: here, outside any
    /// parallel work (made on first use inside it, a worker waiting on its own
    /// initialisation could wait forever). Deciding pairs already kept (`sanku rescore`)
    /// keys no child and makes none.
    fn key_children(&self) {
        self.pinyin
            .get_or_init(|| PinyinKeys::of(self.cohort.children.len(), |i| self.child_name(i)));
    }

    /// Compares the children not `excluded` with the records of `source` neither used nor
    /// carrying the valid ID of someone in the population; with the random pairs for u
    /// when the weights are to be fitted (`fit`).
    pub fn compare(&self, source: &FuzzySource, excluded: &[bool], fit: bool) -> Compared {
        self.key_children();
        let children = self.cohort.children.len();
        let child_pool: Vec<usize> = (0..children).filter(|&i| !excluded[i]).collect();
        let takes_part = self.record_pool(source);
        let record_pool: Vec<usize> = (0..source.len).filter(|&j| takes_part[j]).collect();
        self.with_sides(source, (&child_pool, &record_pool), |children, records| {
            compare_sides(children, records, self.fuzzy, (fit, source.passes))
        })
    }

    /// Per record of `source`: whether it takes part, neither used nor carrying the ID of
    /// someone in the population. A leftover record with the ID of someone in the
    /// population (not in the cohort) belongs to that person. A valid ID that belongs to no
    /// one is a typo like any other (a digit typed wrong and the check recomputed by a form,
    /// two errors that cancel, sometimes in the province digits): the record takes part,
    /// and its ID is compared by its edits.
    fn record_pool(&self, source: &FuzzySource) -> Vec<bool> {
        let population = &self.registers.population;
        (0..source.len)
            .into_par_iter()
            .map(|j| !source.used[j] && !population.has_id((source.view)(j).id))
            .collect()
    }

    /// Calls `work` with the children's side and `source`'s, with these pools.
    fn with_sides<R>(
        &self,
        source: &FuzzySource,
        (child_pool, record_pool): (&[usize], &[usize]),
        work: impl FnOnce(&Side, &Side) -> R,
    ) -> R {
        let child_view = |i| self.child_view(i);
        let child_key = |i| self.child_key(i);
        work(
            &Side {
                views: Views {
                    len: self.cohort.children.len(),
                    view: &child_view,
                },
                pool: child_pool,
                key: &child_key,
                universe: &[],
            },
            &Side {
                views: Views {
                    len: source.len,
                    view: &source.view,
                },
                pool: record_pool,
                key: &source.key,
                universe: &source.universe,
            },
        )
    }

    /// The blocks of every child against `records` of `source`, uncapped: the widest a pass
    /// whose pool follows the thresholds can be (`records` holding every record it may
    /// see), kept so that the pass itself (and `sanku rescore`) keys nothing again.
    pub fn kept_blocks(&self, source: &FuzzySource, records: Vec<usize>) -> KeptBlocks {
        self.key_children();
        let children: Vec<usize> = (0..self.cohort.children.len()).collect();
        let blocking = self.with_sides(source, (&children, &records), |children, records| {
            block_sides(children, records, u64::MAX, source.passes)
        });
        KeptBlocks { records, blocking }
    }

    /// Fuzzy linkage among the children not `excluded` and the records of `source`
    /// (compared, then weighed and assigned), with the pairs found in `blocks` (made by
    /// [`Context::kept_blocks`] with every record `source` leaves in its pool): the outcome
    /// of blocking afresh, without keying the children again.
    pub fn link_within(
        &self,
        source: &FuzzySource,
        excluded: &[bool],
        blocks: &KeptBlocks,
        (per_child, fitted): (PerChild, Option<&Params>),
    ) -> FuzzyOutcome {
        self.link_within_where(source, excluded, blocks, (per_child, fitted), |_| true)
    }

    /// As [`Context::link_within`], weighing only the compared pairs `keep` keeps.
    pub fn link_within_where(
        &self,
        source: &FuzzySource,
        excluded: &[bool],
        blocks: &KeptBlocks,
        (per_child, fitted): (PerChild, Option<&Params>),
        keep: impl Fn(&ComparedPair) -> bool,
    ) -> FuzzyOutcome {
        let takes_part = self.record_pool(source);
        let right: Vec<bool> = blocks.records.iter().map(|&j| takes_part[j]).collect();
        // Every record taking part must be among the blocked ones; were one not, the
        // blocks would miss its pairs, so the pass is blocked afresh.
        if right.iter().filter(|&&r| r).count() != takes_part.iter().filter(|&&r| r).count() {
            let mut compared = self.compare(source, excluded, fitted.is_none());
            compared.pairs.retain(&keep);
            return self.decide(&compared, source, (per_child, fitted));
        }
        let left: Vec<bool> = excluded.iter().map(|&e| !e).collect();
        let children: Vec<usize> = (0..self.cohort.children.len()).collect();
        let blocking = blocks
            .blocking
            .restricted(&left, &right, self.fuzzy.block_cap);
        let mut compared =
            self.with_sides(source, (&children, &blocks.records), |children, records| {
                compare_blocked(children, records, self.fuzzy, (fitted.is_none(), blocking))
            });
        compared.pairs.retain(keep);
        self.decide(&compared, source, (per_child, fitted))
    }

    fn child_key(&self, i: usize) -> String {
        self.cohort.children[i].id.text.to_string()
    }

    /// Weighs and assigns the pairs `compared` found between the children and `source`;
    /// the weights are fitted on them unless `fitted` gives them.
    pub fn decide(
        &self,
        compared: &Compared,
        source: &FuzzySource,
        (per_child, fitted): (PerChild, Option<&Params>),
    ) -> FuzzyOutcome {
        let name_share = |i: usize| self.name_shares.get(self.child_name(i));
        decide(
            compared,
            (&|i| self.child_key(i), &source.key, &name_share),
            &self.name_shares,
            self.fuzzy,
            (per_child, fitted),
        )
    }

    /// Decides one source's compared pairs, and adds the links to `list` (kept sorted by
    /// child). Where a child then has several links, the first by `rank` stays in `list`
    /// and the others are returned (further records).
    pub fn fuzzy_pass<K: Ord>(
        &self,
        (compared, source): (&Compared, &FuzzySource),
        list: &mut Vec<Link>,
        (per_child, fitted): (PerChild, Option<&Params>),
        rank: impl Fn(&Link) -> K,
    ) -> (FuzzyOutcome, Vec<Link>) {
        let outcome = self.decide(compared, source, (per_child, fitted));
        list.extend(outcome.links.iter().map(fuzzy_link_of));
        // By child, then by rank among a child's several links: few children have more
        // than one, so only those are ranked.
        list.sort_by_key(|l| l.child);
        let mut further = Vec::new();
        let mut kept = Vec::with_capacity(list.len());
        for group in list.chunk_by_mut(|a, b| a.child == b.child) {
            if group.len() > 1 {
                group.sort_by_cached_key(&rank);
            }
            kept.push(group[0]);
            further.extend_from_slice(&group[1..]);
        }
        *list = kept;
        (outcome, further)
    }
}

/// A fuzzy pair as a link.
pub fn fuzzy_link_of(p: &ScoredPair) -> Link {
    Link {
        child: p.child,
        record: p.record,
        method: Method::Fuzzy,
        weight: Some(p.weight),
    }
}
