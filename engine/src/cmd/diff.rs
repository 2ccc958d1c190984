//! `sanku diff RUN_A RUN_B`: the children whose class changed between two runs (other
//! thresholds, another config, another night) — flagged and why, exempt, enrolled — as a
//! list, or counted per county. Reads each run's manifest.json, ledger.parquet and
//! links.parquet only, never the ledger.csv staff edit.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::ground::divisions;

use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::rundir::ledger::{col, read_ledger};
use crate::rundir::links::read_linked_children;
use crate::rundir::manifest::read_manifest;

/// What a run decided for a child.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Class {
    /// In the ledger, with its reason.
    Flagged(String),
    Exempt,
    Enrolled,
    /// In no ledger row and no link: outside the cohort, or not in the population.
    Absent,
}

impl Class {
    fn text(&self) -> String {
        match self {
            Class::Flagged(reason) => format!("flagged:{reason}"),
            Class::Exempt => "exempt".into(),
            Class::Enrolled => "enrolled".into(),
            Class::Absent => "absent".into(),
        }
    }

    fn is_flagged(&self) -> bool {
        matches!(self, Class::Flagged(_))
    }
}

/// A child as a run's ledger shows it: name and division (empty when not flagged).
#[derive(Clone, Debug, Default)]
struct Shown {
    name: String,
    division: String,
}

/// A child's ID number as a number, so that the millions of children of two runs are held
/// and compared without a string each; any other key (a pseudonymised run's tokens) is
/// numbered as first met.
#[derive(Default)]
struct Keys {
    others: FxHashMap<String, u128>,
    texts: Vec<String>,
}

/// Marks a key numbered as met rather than read from an ID number.
const OTHER: u128 = 1 << 127;

impl Keys {
    fn key(&mut self, text: &str) -> u128 {
        let b = text.as_bytes();
        if b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit) {
            let check = match b[17] {
                d @ b'0'..=b'9' => u128::from(d - b'0'),
                b'X' => 10,
                _ => return self.other(text),
            };
            return b[..17]
                .iter()
                .fold(0u128, |n, d| n * 10 + u128::from(d - b'0'))
                * 11
                + check;
        }
        self.other(text)
    }

    fn other(&mut self, text: &str) -> u128 {
        if let Some(&k) = self.others.get(text) {
            return k;
        }
        let k = OTHER | self.texts.len() as u128;
        self.texts.push(text.to_string());
        self.others.insert(text.to_string(), k);
        k
    }

    fn text(&self, key: u128) -> String {
        if key & OTHER != 0 {
            return self.texts[(key & !OTHER) as usize].clone();
        }
        let check = match key % 11 {
            10 => 'X',
            d => char::from(b'0' + d as u8),
        };
        format!("{:017}{check}", key / 11)
    }
}

/// One run's classes by child.
struct RunClasses {
    classes: FxHashMap<u128, Class>,
    shown: FxHashMap<u128, Shown>,
}

fn read_run(run: &Path, keys: &mut Keys) -> anyhow::Result<RunClasses> {
    let mut classes = FxHashMap::default();
    let mut shown = FxHashMap::default();
    let links = read_linked_children(&run.join(files::LINKS_PARQUET), &["students", "exemptions"])?;
    classes.reserve(links.len());
    for (source, child) in &links {
        let (source, child) = (source.as_str(), child.as_str());
        let class = match source {
            "exemptions" => Class::Exempt,
            "students" => Class::Enrolled,
            _ => continue,
        };
        // An exemption outranks an enrolment for the same child.
        let entry = classes.entry(keys.key(child)).or_insert(Class::Enrolled);
        if class == Class::Exempt {
            *entry = Class::Exempt;
        }
    }
    for row in read_ledger(&run.join(files::LEDGER_PARQUET), &[col::NAME])? {
        let key = keys.key(&row.id_number);
        classes.insert(key, Class::Flagged(row.reason));
        shown.insert(
            key,
            Shown {
                name: row.name,
                division: row.division_code,
            },
        );
    }
    Ok(RunClasses { classes, shown })
}

/// One child whose class changed.
struct Change {
    id: String,
    shown: Shown,
    before: Class,
    after: Class,
}

/// The children whose class differs between runs `a` and `b`, by ID.
fn changes(a: &RunClasses, b: &RunClasses, keys: &Keys) -> Vec<Change> {
    let change = |id: &u128, before: Class, after: Class| Change {
        id: keys.text(*id),
        shown: b
            .shown
            .get(id)
            .or(a.shown.get(id))
            .cloned()
            .unwrap_or_default(),
        before,
        after,
    };
    let mut changed: Vec<Change> = a
        .classes
        .iter()
        .filter_map(|(id, before)| {
            let after = b.classes.get(id).cloned().unwrap_or(Class::Absent);
            (*before != after).then(|| change(id, before.clone(), after))
        })
        .collect();
    changed.extend(
        b.classes
            .iter()
            .filter(|(id, _)| !a.classes.contains_key(*id))
            .map(|(id, after)| change(id, Class::Absent, after.clone())),
    );
    changed.sort_by(|x, y| x.id.cmp(&y.id));
    changed
}

/// Quotes a CSV cell when it needs it.
fn cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The diff as CSV: one row per changed child, or (`by_county`) one row per county with
/// the flagged counts before and after and the moves. Also returns a one-line summary.
pub fn diff(a: &Path, b: &Path, by_county: bool) -> anyhow::Result<(String, String)> {
    // A token never equals an ID number: a plain and a pseudonymised run would differ in
    // every child.
    let pseudonymized = |run: &Path| read_manifest(run).map(|m| m.settings.pseudonymized);
    let (pseudo_a, pseudo_b) = (pseudonymized(a)?, pseudonymized(b)?);
    if pseudo_a != pseudo_b {
        let (pseudo, plain) = if pseudo_a { (a, b) } else { (b, a) };
        return Err(bad_input(format!(
            "{}: a pseudonymised run, and {} a plain one: their children cannot be matched; \
             diff two plain runs, or two pseudonymised with the same key",
            pseudo.join(files::MANIFEST_JSON).display(),
            plain.display()
        )));
    }
    let mut keys = Keys::default();
    let (run_a, run_b) = (read_run(a, &mut keys)?, read_run(b, &mut keys)?);
    let changed = changes(&run_a, &run_b, &keys);
    let flagged = |r: &RunClasses| r.classes.values().filter(|c| c.is_flagged()).count();
    let newly = changed
        .iter()
        .filter(|c| !c.before.is_flagged() && c.after.is_flagged())
        .count();
    let left = changed
        .iter()
        .filter(|c| c.before.is_flagged() && !c.after.is_flagged())
        .count();
    let moved = changed.len() - newly - left;
    let summary = format!(
        "flagged {} → {}: {newly} newly flagged, {left} no longer flagged, {moved} other changes of class",
        flagged(&run_a),
        flagged(&run_b)
    );
    let mut out = String::new();
    if by_county {
        #[derive(Default)]
        struct County {
            before: usize,
            after: usize,
            newly: usize,
            left: usize,
            reason: usize,
        }
        let mut counties: BTreeMap<String, County> = BTreeMap::new();
        let county_of = |r: &RunClasses, id: &u128| {
            r.shown
                .get(id)
                .map(|s| s.division.get(..6).unwrap_or(&s.division).to_string())
                .unwrap_or_default()
        };
        for (run, after) in [(&run_a, false), (&run_b, true)] {
            for id in run.shown.keys() {
                let county = counties.entry(county_of(run, id)).or_default();
                if after {
                    county.after += 1;
                } else {
                    county.before += 1;
                }
            }
        }
        for c in changed
            .iter()
            .filter(|c| c.before.is_flagged() || c.after.is_flagged())
        {
            let county = counties
                .entry(
                    c.shown
                        .division
                        .get(..6)
                        .unwrap_or(&c.shown.division)
                        .to_string(),
                )
                .or_default();
            match (c.before.is_flagged(), c.after.is_flagged()) {
                (false, true) => county.newly += 1,
                (true, false) => county.left += 1,
                (true, true) => county.reason += 1,
                (false, false) => {}
            }
        }
        writeln!(
            out,
            "division_code,division_name,flagged_before,flagged_after,newly_flagged,no_longer_flagged,reason_changed"
        )?;
        for (code, c) in &counties {
            writeln!(
                out,
                "{},{},{},{},{},{},{}",
                cell(code),
                cell(&divisions::full_name(code)),
                c.before,
                c.after,
                c.newly,
                c.left,
                c.reason
            )?;
        }
    } else {
        writeln!(
            out,
            "id_number,name,division_code,division_name,before,after"
        )?;
        for c in &changed {
            writeln!(
                out,
                "{},{},{},{},{},{}",
                cell(&c.id),
                cell(&c.shown.name),
                cell(&c.shown.division),
                cell(&divisions::full_name(&c.shown.division)),
                cell(&c.before.text()),
                cell(&c.after.text())
            )?;
        }
    }
    Ok((out, summary))
}
