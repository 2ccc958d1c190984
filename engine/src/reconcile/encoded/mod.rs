//! `sanku reconcile` on encodings (docs/privacy.md): the provinces' encoded residuals
//! (`sanku encode`) linked without a name or an ID number in clear. The same steps as the
//! reconcile in clear, on what stays comparable: blocking on ID tokens and fragments, the
//! filters and LSH bands of them; Dice levels in place of the clear comparison levels; the
//! same EM and assignment. A child linked to a record in school in another province is
//! found elsewhere; the national ledger is the other children, by token and case ID, for
//! each province to find in its own ledger.
//!
//! ```text
//! inputs (encodings) → pool → link (students, poverty) → national → write
//! ```

mod block;
mod compare;
pub mod inputs;
mod link;
mod national;
mod pool;
mod write;

use serde::Serialize;

use super::{Options, ReconcileReport};
use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::pipeline::link::assign::PerChild;
use crate::pipeline::normalize::values::{InSchool, StudentStatus};
use crate::rundir::staging::RunDir;

pub use inputs::is_encoding;

/// Pairs sharing a blocking key are compared unless there are more of them than this.
const BLOCK_CAP: u64 = 200_000;

/// Records at least this many give the random pairs for u; fewer take the students'.
const MIN_SAMPLE: usize = 1000;

/// The record of a reconcile of encodings (manifest.json).
#[derive(Serialize)]
struct Manifest {
    sanku_version: String,
    command: &'static str,
    /// What was reconciled: `encodings`.
    inputs: &'static str,
    scheme: String,
    key_fingerprint: String,
    as_of: String,
    thresholds: crate::pipeline::link::assign::Thresholds,
    threads: usize,
    encodings: Vec<EncodingRecord>,
    provinces: Vec<write::Counts>,
    students: LinkRecord,
    poverty: LinkRecord,
    stages: Vec<crate::ground::timer::StageRecord>,
    seconds: f64,
}

#[derive(Serialize)]
struct EncodingRecord {
    province: String,
    dir: String,
    encoded_sha256: String,
    rows: usize,
}

/// How one side was linked.
#[derive(Serialize)]
struct LinkRecord {
    compared: u64,
    links: usize,
    review: usize,
    blocking: block::BlockStats,
    model: link::Fit,
}

impl LinkRecord {
    fn of(linked: &link::Linked) -> LinkRecord {
        LinkRecord {
            compared: linked.compared,
            links: linked.links.len(),
            review: linked.review.len(),
            blocking: linked.blocking.clone(),
            model: linked.fit.clone(),
        }
    }
}

/// Reconciles the provinces' encodings into `args.out`.
pub fn reconcile(args: &Options) -> anyhow::Result<ReconcileReport> {
    let started = std::time::Instant::now();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut encodings = inputs::read_encodings(&args.runs)?;
    crate::rundir::manifest::refuse_to_replace(&args.out, "reconcile")?;
    let first = &encodings[0].manifest;
    let mut thresholds = first.settings.thresholds;
    if let Some(a) = args.accept {
        thresholds.accept = a;
    }
    if let Some(r) = args.review {
        thresholds.review = r;
    }
    if thresholds.review > thresholds.accept {
        return Err(bad_input(format!(
            "--review {} is above --accept {}",
            thresholds.review, thresholds.accept
        )));
    }
    let in_school = InSchool(
        first
            .settings
            .in_school_statuses
            .iter()
            .filter_map(|s| StudentStatus::from_key(s))
            .collect(),
    );
    let settings = link::Settings {
        thresholds,
        name_bits: first.parameters.name_bits,
        block_cap: BLOCK_CAP,
        random_pairs: 50_000,
        em_iterations: 100,
    };
    let (scheme, key_fingerprint, as_of) = (
        first.parameters.scheme.clone(),
        first.key_fingerprint.clone(),
        first.as_of.clone(),
    );
    let mut timer = crate::ground::timer::Timer::new(args.verbose);
    let timer = &mut timer;
    crate::ground::threads::with_threads(threads, move || {
        // Every row is read before anything is written.
        let pool = timer.stage("pool", || {
            let pool = pool::pool(&encodings)?;
            // The filters and fragments are in the pool now; the output reads the rest.
            for e in &mut encodings {
                e.rows.forget(&inputs::POOLED_ONLY);
            }
            anyhow::Ok(pool)
        })?;
        let encodings = &encodings;
        let dirs: Vec<&std::path::Path> = encodings.iter().map(|e| e.dir.as_path()).collect();
        let out = RunDir::prepare_for(&args.out, &dirs, Some("reconcile"))?;
        // One side after the other: each is linked on every core, and the children's
        // blocking keys are held for one side at a time. Poverty members too few to draw
        // random pairs from take the students' u.
        let (students, poverty) = timer.stage("link", || {
            let students = link::link(
                &pool.children,
                &pool.students,
                &settings,
                (PerChild::Many, None),
            );
            let given = (pool.poverty.len() < MIN_SAMPLE && students.fit.random_pairs > 0)
                .then_some(&students.fit.u[..]);
            let poverty = link::link(
                &pool.children,
                &pool.poverty,
                &settings,
                (PerChild::One, given),
            );
            (students, poverty)
        });
        let national = timer.stage("classify", || {
            national::decide(&pool, (&students, &poverty), &in_school)
        });
        let counts = write::counts(encodings, &pool, &national);
        timer.stage("output", || {
            write::write_national(out.path(), encodings, &pool, &national, &counts)
        })?;
        let total = counts.last().cloned().unwrap_or_default();
        let seconds = started.elapsed().as_secs_f64();
        let manifest = Manifest {
            sanku_version: env!("CARGO_PKG_VERSION").to_string(),
            command: "reconcile",
            inputs: "encodings",
            scheme,
            key_fingerprint,
            as_of,
            thresholds,
            threads: rayon::current_num_threads(),
            encodings: encodings
                .iter()
                .map(|e| EncodingRecord {
                    province: e.province.clone(),
                    dir: e.dir.display().to_string(),
                    encoded_sha256: e.sha256.clone(),
                    rows: e.rows.len(),
                })
                .collect(),
            provinces: counts,
            students: LinkRecord::of(&students),
            poverty: LinkRecord::of(&poverty),
            stages: timer.stages().to_vec(),
            seconds,
        };
        crate::rundir::atomic::write_json(out.path(), files::MANIFEST_JSON, &manifest)?;
        out.commit()?;
        Ok(ReconcileReport {
            provinces: encodings.len(),
            flagged_in_provinces: total.flagged_in_province,
            enrolled_elsewhere: total.enrolled_elsewhere,
            flagged: total.flagged,
            seconds,
        })
    })
}
