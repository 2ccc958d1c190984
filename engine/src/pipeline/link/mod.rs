//! `link`: links student registrations, poverty members, exemptions, disability
//! certificates and aid payments to cohort children: exactly on ID numbers (verified
//! against name, birth date and sex), then fuzzily (registrations, poverty members, aid
//! payments) among what the exact pass left on both sides. A registration, member or
//! payment links to one child; a child may take several registrations and payments.

mod aid;
pub(crate) mod assign;
pub(crate) mod block;
pub mod compare;
pub(crate) mod exact;
pub mod fellegi_sunter;
mod folded;
pub(crate) mod fuzzy;
pub(crate) mod identity;
mod passes;
pub use passes::stands_in;
pub(crate) mod priors;
pub(crate) mod registration;
pub mod weights;

use crate::pipeline::cohort::Cohort;
use crate::pipeline::normalize::Registers;
use crate::pipeline::normalize::values::InSchool;
use assign::PerChild;
use exact::group_by_child;
use fuzzy::FuzzyOptions;
use identity::Doubted;
use identity::IdIndex;
pub use registration::Registrations;

/// How a link was made.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Method {
    Exact,
    Fuzzy,
}

impl Method {
    pub const fn key(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::Fuzzy => "fuzzy",
        }
    }
}

/// A cohort child linked to one record of a source.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Link {
    /// Index into `Cohort::children`.
    pub child: usize,
    /// Index into the source's records.
    pub record: usize,
    pub method: Method,
    /// Match weight; `None` for exact links.
    pub weight: Option<f64>,
}

/// Every link of a run, each list sorted by child.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Links {
    /// Which student row stands for each registration; links name standing rows only.
    pub registrations: Registrations,
    /// Student records whose ID belongs to someone their name and birth date contradict,
    /// and which did not link to that person.
    pub doubted_students: Vec<Doubted>,
    /// Poverty members likewise.
    pub doubted_poverty: Vec<Doubted>,
    pub students: Vec<Link>,
    /// Further student records of an already linked child (duplicate registrations).
    pub extra_students: Vec<Link>,
    pub poverty: Vec<Link>,
    pub exemptions: Vec<Link>,
    /// Each child's disability certificate: exact on the ID number, which the certificate
    /// is issued against.
    pub disability: Vec<Link>,
    /// Each aid payment's child, sorted by child: by its student number (the student
    /// record's child), else its ID number, else fuzzily.
    pub aid: Vec<Link>,
    /// Aid payments in the review band for a child (no link), sorted by child.
    pub aid_review: Vec<Link>,
    /// Fuzzy linkage of student records: candidates, review pairs, fitted parameters.
    #[serde(skip)]
    pub student_fuzzy: Option<fuzzy::FuzzyOutcome>,
    /// Fuzzy linkage of leftover student records to enrolled children (second
    /// registrations).
    #[serde(skip)]
    pub student_second_fuzzy: Option<fuzzy::FuzzyOutcome>,
    /// Fuzzy linkage of poverty members.
    #[serde(skip)]
    pub poverty_fuzzy: Option<fuzzy::FuzzyOutcome>,
}

impl Links {
    /// Each fuzzily linked source's name and outcome.
    pub fn fuzzy_outcomes(&self) -> impl Iterator<Item = (&'static str, &fuzzy::FuzzyOutcome)> {
        [
            ("students", &self.student_fuzzy),
            ("students", &self.student_second_fuzzy),
            ("poverty", &self.poverty_fuzzy),
        ]
        .into_iter()
        .filter_map(|(source, outcome)| outcome.as_ref().map(|o| (source, o)))
    }
}

/// What linkage keeps for `sanku rescore`: the exact links, made before any fuzzy linkage,
/// every pair the first student pass and the poverty pass compared, the blocks of the
/// second-registration pass at their widest, and the children's folded names. None of it
/// depends on the thresholds or on m and u. This is its form read back; a run writes it
/// through [`KeptRef`], which mirrors its fields: change both together.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct LinkState {
    pub exact: Links,
    pub students: fuzzy::Compared,
    pub poverty: fuzzy::Compared,
    /// The second-registration pass's blocks at their widest: every record unused by the
    /// exact pass and without the ID of someone in the population.
    pub second: passes::KeptBlocks,
    /// The aid pass's blocks at their widest (see `aid::open`), with an aid register.
    pub aid: Option<passes::KeptBlocks>,
    /// Every child's name folded to simplified characters, in cohort order.
    #[serde(deserialize_with = "crate::ground::binary::exact_vec")]
    pub child_names: Vec<crate::pipeline::normalize::Text>,
}

/// Linkage up to its decisions: the exact links, the pairs the fuzzy passes compared and
/// the blocks they keep (what `sanku rescore` starts from, see [`Linking::kept`]), and
/// what deciding on them needs.
pub struct Linking<'a> {
    exact: Links,
    students: fuzzy::Compared,
    poverty: fuzzy::Compared,
    second: passes::KeptBlocks,
    aid: Option<passes::KeptBlocks>,
    names: Names,
    cx: passes::Context<'a>,
    cohort: &'a Cohort,
    registers: &'a Registers,
    in_school: &'a InSchool,
}

/// A [`LinkState`] borrowed from a [`Linking`], to be written: its fields in the same
/// order, so that it is written as a `LinkState` is and read back as one.
#[derive(serde::Serialize)]
pub struct KeptRef<'a> {
    exact: &'a Links,
    students: &'a fuzzy::Compared,
    poverty: &'a fuzzy::Compared,
    second: &'a passes::KeptBlocks,
    aid: Option<&'a passes::KeptBlocks>,
    child_names: passes::ChildNames<'a>,
}

/// Links the registers to the cohort exactly, and blocks and compares what is left on
/// both sides; [`Linking::decide`] then weighs the pairs and makes the links.
pub fn link<'a>(
    cohort: &'a Cohort,
    registers: &'a Registers,
    fuzzy: &'a FuzzyOptions,
    in_school: &'a InSchool,
) -> Linking<'a> {
    let exact = link_exactly(cohort, registers, fuzzy, in_school);
    let aid_open = aid::open(&exact, fuzzy.id_doubt, (cohort, registers));
    let aid_records = aid_open.as_ref().map_or(&[][..], |o| &o.records);
    let names = Names::fold(registers, &exact, true, aid_records);
    let child_names = folded::Folded::of(&cohort.children, |c| &c.name, |_| true);
    let cx = passes::Context::new(cohort, child_names, registers, fuzzy);
    let students = {
        let source = passes::student_source(registers, names.students(), &exact, fuzzy.id_doubt);
        cx.compare(
            &source,
            &enrolled(&exact.students, cohort, registers, in_school),
            true,
        )
    };
    let poverty = {
        let source = passes::poverty_source(registers, &names.poverty, &exact, fuzzy.id_doubt);
        cx.compare(&source, &settled(&exact.poverty, cohort), false)
    };
    let second = {
        let source = passes::student_source(registers, names.students(), &exact, fuzzy.id_doubt);
        cx.kept_blocks(
            &source,
            passes::unused_unowned(&source, &registers.population),
        )
    };
    let aid = aid_open.map(|o| o.blocks(&cx, &names.aid));
    Linking {
        exact,
        students,
        poverty,
        second,
        aid,
        names,
        cx,
        cohort,
        registers,
        in_school,
    }
}

/// Links again from what a run kept, with other thresholds or m and u (`sanku rescore`):
/// decided, the same links as [`link`] makes with those settings.
pub fn relink<'a>(
    state: LinkState,
    cohort: &'a Cohort,
    registers: &'a Registers,
    fuzzy: &'a FuzzyOptions,
    in_school: &'a InSchool,
) -> anyhow::Result<Linking<'a>> {
    if state.child_names.len() != cohort.children.len() {
        return Err(crate::ground::error::bad_input(format!(
            "the rescore state names {} children and its cohort holds {}: rerun the run",
            state.child_names.len(),
            cohort.children.len()
        )));
    }
    let aid_open = state.aid.as_ref().map_or(&[][..], |b| &b.records);
    let names = Names::fold(registers, &state.exact, false, aid_open);
    Ok(Linking {
        exact: state.exact,
        students: state.students,
        poverty: state.poverty,
        second: state.second,
        aid: state.aid,
        names,
        cx: passes::Context::new(
            cohort,
            folded::Folded::given(state.child_names, |i| &cohort.children[i].name),
            registers,
            fuzzy,
        ),
        cohort,
        registers,
        in_school,
    })
}

impl Linking<'_> {
    /// What `sanku rescore` starts from, to be written before the pairs are decided.
    pub fn kept(&self) -> KeptRef<'_> {
        KeptRef {
            exact: &self.exact,
            students: &self.students,
            poverty: &self.poverty,
            second: &self.second,
            aid: self.aid.as_ref(),
            child_names: self.cx.child_names(),
        }
    }

    /// The fuzzy passes' decisions on the compared pairs, and the second-registration
    /// pass, whose pools depend on the first pass's links and so is compared here. Each
    /// pass's pairs are let go once decided.
    pub fn decide(self) -> Links {
        let Linking {
            exact: mut links,
            students: student_pairs,
            poverty: poverty_pairs,
            second: second_blocks,
            aid,
            names,
            mut cx,
            cohort,
            registers,
            in_school,
        } = self;
        cx.forget_keys();
        let students = &registers.students.rows;

        // A child whose exact-linked records are none in school (transferred out, dropped
        // out) may still have an in-school record whose ID is wrong: it stays in the fuzzy
        // pass, and a fuzzy link to such a record makes it the child's record, the exact
        // one a further record. A child may take several registrations; an in-school one
        // stands first.
        let source = passes::student_source(registers, names.students(), &links, cx.id_doubt());
        let rank = |l: &Link| {
            (
                !in_school.contains(students[l.record].status),
                l.method,
                std::cmp::Reverse(l.weight.map(f64::to_bits)),
                students[l.record].student_no.clone(),
            )
        };
        let (outcome, further) = cx.fuzzy_pass(
            (&student_pairs, &source),
            &mut links.students,
            (PerChild::Many, None),
            rank,
        );
        links.extra_students.extend(further);
        drop((source, student_pairs));

        // A record still unlinked and without the ID of someone in the population (none, a
        // damaged one, or a typo, valid or not) may be a second registration of a child
        // already enrolled: it is weighed against the enrolled children with the weights
        // just fitted, and a link makes it a further record of that child.
        let mut source = passes::student_source(registers, names.students(), &links, cx.id_doubt());
        for p in &outcome.review {
            source.used[p.record] = true;
        }
        let not_enrolled: Vec<bool> = enrolled(&links.students, cohort, registers, in_school)
            .iter()
            .map(|e| !e)
            .collect();
        // A valid number that belongs to no one and is one typo from an enrolled child's
        // is, on a record of an alike name, a neighbour's (a child the population register
        // lacks, born that day in that county or a year or a county off) far more often
        // than the enrolled child's second registration under a mistyped number: such a
        // pair is not weighed, unless the number is the rounding of the child's.
        let id_field = compare::CompareField::IdNumber.at();
        let rounding = compare::IdLevel::SameBirthAndPlace.index();
        let second = cx.link_within_where(
            &source,
            &not_enrolled,
            &second_blocks,
            (PerChild::Many, Some(&outcome.params)),
            |p| {
                p.levels[id_field] == rounding
                    || !(source.view)(p.record as usize).id.class.is_usable()
            },
        );
        links
            .extra_students
            .extend(second.links.iter().map(passes::fuzzy_link_of));
        links.extra_students.sort_by_key(|l| (l.child, l.record));
        links.student_fuzzy = Some(outcome);
        links.student_second_fuzzy = Some(second);
        links.doubted_students = identity::restore_doubted(
            std::mem::take(&mut links.doubted_students),
            &mut links.students,
            &links.extra_students,
            |j| students[j].student_no.clone(),
        );
        drop((source, second_blocks));

        // The poverty members the exact pass leaves are few and rarely anyone's: too few
        // true matches to fit on, so they are weighed with the student records' weights.
        // (The student passes changed no poverty link: the source is the exact pass's.)
        let poverty = &registers.poverty.rows;
        let source = passes::poverty_source(registers, &names.poverty, &links, cx.id_doubt());
        let student_params = links.student_fuzzy.as_ref().map(|o| &o.params);
        let (outcome, _) = cx.fuzzy_pass(
            (&poverty_pairs, &source),
            &mut links.poverty,
            (PerChild::One, student_params),
            |l| l.record,
        );
        drop((source, poverty_pairs));
        links.poverty_fuzzy = Some(outcome);
        links.doubted_poverty = identity::restore_doubted(
            std::mem::take(&mut links.doubted_poverty),
            &mut links.poverty,
            &[],
            |j| {
                let p = &poverty[j];
                (p.household_no.clone(), p.name.clone(), p.id.text.clone())
            },
        );
        aid::link_aid(
            &mut links,
            &cx,
            (&names.aid, aid.as_ref()),
            (cohort, registers),
        );
        links
    }
}

/// The exact links of student registrations, poverty members, exemptions, disability
/// certificates and aid payments (by ID; `aid` puts their student numbers first).
fn link_exactly(
    cohort: &Cohort,
    registers: &Registers,
    fuzzy: &FuzzyOptions,
    in_school: &InSchool,
) -> Links {
    let index = IdIndex::new(&cohort.children);
    let students = &registers.students.rows;
    let mut links = Links {
        registrations: Registrations::new(students, |s| in_school.contains(s)),
        ..Links::default()
    };
    let verifier = identity::Verifier {
        index: &index,
        cohort,
        registers,
        doubt: fuzzy.id_doubt,
    };
    exact::link_students(&verifier, students, &mut links, |s| in_school.contains(s));
    exact::link_poverty(&verifier, &registers.poverty.rows, &mut links);
    if let Some(exemptions) = &registers.exemptions {
        // The exemption lasting longest wins; no end date lasts forever.
        let preference = |e: &crate::pipeline::normalize::Exemption| {
            (
                std::cmp::Reverse(e.valid_until.is_none()),
                std::cmp::Reverse(e.valid_until),
                e.reason.clone(),
            )
        };
        links.exemptions = first_of_each(group_by_child(
            &index,
            &exemptions.rows,
            |e| &e.id,
            preference,
        ));
    }
    if let Some(disability) = &registers.disability {
        // Two certificates of one child: the most severe level, then by content.
        let preference = |d: &crate::pipeline::normalize::Disability| {
            (
                d.level.unwrap_or(u8::MAX),
                d.category.clone(),
                d.certificate_date,
            )
        };
        links.disability = first_of_each(group_by_child(
            &index,
            &disability.rows,
            |d| &d.id,
            preference,
        ));
    }
    if let Some(aid) = &registers.aid {
        // Every payment whose ID is a child's; `decide` puts the student number first.
        links.aid = group_by_child(&index, &aid.rows, |a| &a.id, |a| a.line)
            .into_iter()
            .map(|(child, record)| exact_link(child, record))
            .collect();
    }
    links
}

/// Names folded to simplified characters: those of the records no exact link used (the
/// children's are in the linkage's context).
struct Names {
    students: folded::Folded,
    /// The student rows' stand-in IDs (see `passes::stand_ins`).
    standins: passes::StandIns,
    poverty: folded::Folded,
    aid: folded::Folded,
}

impl Names {
    /// What a student source needs of the names: the folded names and the stand-in IDs.
    fn students(&self) -> (&folded::Folded, &passes::StandIns) {
        (&self.students, &self.standins)
    }

    /// The names a linkage needs; deciding pairs already compared (`to_compare` false)
    /// needs none of the poverty members' (the poverty pass's pairs are kept), and of the
    /// aid payments only those the fuzzy pass may see (`aid_open`, sorted).
    fn fold(registers: &Registers, exact: &Links, to_compare: bool, aid_open: &[usize]) -> Names {
        let unlinked = |list: &[&[Link]], n: usize| {
            let mut free = vec![true; n];
            for l in list.iter().flat_map(|l| l.iter()) {
                free[l.record] = false;
            }
            free
        };
        let (students, poverty) = (&registers.students.rows, &registers.poverty.rows);
        let free = unlinked(&[&exact.students, &exact.extra_students], students.len());
        let student_names = folded::Folded::of(students, |s| &s.name, |j| free[j]);
        let free = unlinked(&[&exact.poverty], poverty.len());
        Names {
            students: student_names,
            standins: passes::stand_ins(students),
            poverty: folded::Folded::of(poverty, |p| &p.name, |j| to_compare && free[j]),
            aid: registers
                .aid
                .as_ref()
                .map_or_else(folded::Folded::default, |a| {
                    folded::Folded::of(&a.rows, |a| &a.name, |j| aid_open.binary_search(&j).is_ok())
                }),
        }
    }
}

/// Per child of `cohort`: whether its standing link (one of `links`) is to an in-school
/// record.
fn enrolled(
    links: &[Link],
    cohort: &Cohort,
    registers: &Registers,
    in_school: &InSchool,
) -> Vec<bool> {
    let students = &registers.students.rows;
    let mut v = vec![false; cohort.children.len()];
    for l in links {
        v[l.child] = in_school.contains(students[l.record].status);
    }
    v
}

/// Per child: whether it has one of `links`.
fn settled(links: &[Link], cohort: &Cohort) -> Vec<bool> {
    let mut v = vec![false; cohort.children.len()];
    for l in links {
        v[l.child] = true;
    }
    v
}

/// The exact link of each child's preferred record.
pub(crate) fn first_of_each(pairs: Vec<(usize, usize)>) -> Vec<Link> {
    pairs
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| exact_link(group[0].0, group[0].1))
        .collect()
}

pub(crate) fn exact_link(child: usize, record: usize) -> Link {
    Link {
        child,
        record,
        method: Method::Exact,
        weight: None,
    }
}
