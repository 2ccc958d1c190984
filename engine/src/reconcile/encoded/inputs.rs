//! The encodings a reconcile of encodings reads: each a `sanku encode` of one province's
//! run, all of one scheme and parameters, under one key, of one as-of date, one version of
//! sanku and one set of in-school statuses and thresholds. Anything else is bad input
//! naming the directory and what to fix, before anything is written.

use std::path::{Path, PathBuf};

use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::reconcile::encode::{ENCODED, ENCODED_PARQUET, EncodeManifest, KEPT, SCHEME};
use crate::reconcile::inputs::Residuals;

/// The columns only the pool reads (the output never does): let go of once it is made.
pub const POOLED_ONLY: [&str; 8] = [
    "id_place_birth",
    "id_edits",
    "id_near",
    "name_filter",
    "birth_filter",
    "name_filter_id_year",
    "id_year",
    "student_no_id",
];

/// One province's encoding, as the reconcile reads it.
pub struct Encoding {
    pub dir: PathBuf,
    /// The two-digit province code.
    pub province: String,
    pub manifest: EncodeManifest,
    /// The rows of encoded.parquet.
    pub rows: Residuals,
    pub sha256: String,
}

/// Whether `dir` holds an encoding (its manifest says `sanku encode` wrote it).
pub fn is_encoding(dir: &Path) -> bool {
    crate::rundir::manifest::command_of(dir).as_deref() == Some("encode")
}

/// Reads and checks the encodings, ordered by province (so that nothing depends on the
/// order they were given in).
pub fn read_encodings(dirs: &[PathBuf]) -> anyhow::Result<Vec<Encoding>> {
    let mut encodings = dirs
        .iter()
        .map(|dir| read_encoding(dir))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if encodings.len() < 2 {
        return Err(bad_input(
            "give the encodings of at least two provinces: one province has no one to reconcile with",
        ));
    }
    crate::reconcile::inputs::by_province(
        &mut encodings,
        |e| (&e.province, &e.dir),
        "encodings",
        "",
    )?;
    for pair in encodings.windows(2) {
        agree(&pair[0], &pair[1])?;
    }
    Ok(encodings)
}

fn read_encoding(dir: &Path) -> anyhow::Result<Encoding> {
    let shown = dir.display();
    let path = dir.join(files::MANIFEST_JSON);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| bad_input(format!("{}: cannot read: {e}", path.display())))?;
    let manifest: EncodeManifest = serde_json::from_str(&text).map_err(|e| {
        bad_input(format!(
            "{}: not an encoding this version of sanku reads: {e}; encode the province's run again",
            path.display()
        ))
    })?;
    if manifest.parameters.scheme != SCHEME {
        return Err(bad_input(format!(
            "{shown}: encoded by scheme {}, which this version of sanku does not read (it reads {SCHEME}); encode the province's run again",
            manifest.parameters.scheme
        )));
    }
    let parquet = dir.join(ENCODED_PARQUET);
    let bytes =
        std::fs::read(&parquet).map_err(|e| bad_input(format!("{}: {e}", parquet.display())))?;
    let sha256 = {
        use sha2::Digest;
        crate::ground::text::hex(&sha2::Sha256::digest(&bytes))
    };
    let rows = Residuals::read_columns(
        &parquet,
        KEPT.iter().chain(ENCODED.iter()).copied().collect(),
        "encode the province's run again",
    )?;
    let province = manifest.province.clone();
    let two_digits = province.len() == 2 && province.bytes().all(|b| b.is_ascii_digit());
    if !two_digits || (0..rows.len()).any(|r| rows.get(r, "province") != province) {
        return Err(bad_input(format!(
            "{shown}: its manifest's province and its rows' disagree or are not a two-digit code; encode the province's run again"
        )));
    }
    Ok(Encoding {
        dir: dir.to_path_buf(),
        province,
        manifest,
        rows,
        sha256,
    })
}

/// Refuses two encodings the reconcile cannot put side by side.
fn agree(a: &Encoding, b: &Encoding) -> anyhow::Result<()> {
    let (ma, mb) = (&a.manifest, &b.manifest);
    let differ = |what: &str, fix: &str| {
        Err(bad_input(format!(
            "{} and {} differ in {what}; {fix}",
            a.dir.display(),
            b.dir.display()
        )))
    };
    if ma.key_fingerprint != mb.key_fingerprint {
        return differ(
            "key (their encodings cannot be compared)",
            "encode every province with the one key the provinces share",
        );
    }
    if ma.parameters != mb.parameters {
        return differ(
            "encoding parameters",
            "encode every province with one version of sanku",
        );
    }
    if ma.sanku_version != mb.sanku_version {
        return differ(
            &format!(
                "sanku version ({} and {})",
                ma.sanku_version, mb.sanku_version
            ),
            "run and encode every province with one version of sanku",
        );
    }
    if ma.as_of != mb.as_of {
        return differ(
            &format!("as-of date ({} and {})", ma.as_of, mb.as_of),
            "run every province with one --as-of",
        );
    }
    let (sa, sb) = (&ma.settings, &mb.settings);
    if sa.in_school_statuses != sb.in_school_statuses
        || sa.thresholds != sb.thresholds
        || sa.id_doubt != sb.id_doubt
        || sa.cohort_rule != sb.cohort_rule
    {
        return differ(
            "school-age rule, in-school statuses or linkage settings",
            "run every province with one config",
        );
    }
    Ok(())
}
