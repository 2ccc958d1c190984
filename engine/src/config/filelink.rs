//! The link config of `sanku link` (link.toml): the fields and how each is compared, the
//! record key columns, exact keys, blocking rules and thresholds. Unknown keys are refused;
//! every problem names the config file and the key.

use std::path::Path;

use serde::Deserialize;

use super::file::read_config_file;
use crate::filelink::kinds::Kind;
use crate::filelink::{FieldSpec, KeyPart, LinkSpec, Transform};
use crate::ground::error::bad_input;
use crate::pipeline::load::any::AnyOptions;
use crate::pipeline::load::encoding::Encoding;

/// Match weight (log-odds in bits, the prior included) at or above which a pair links:
/// odds of 15 to 1, a match probability of 0.94.
pub const DEFAULT_ACCEPT: f64 = 4.0;
/// ... and at or above which it goes to review: even odds.
pub const DEFAULT_REVIEW: f64 = 0.0;
pub const DEFAULT_TIE_MARGIN: f64 = 1.0;
/// Pairs this many bits below review (odds of 1 to 1000) are left out of
/// candidates.parquet.
pub const DEFAULT_FLOOR_BELOW_REVIEW: f64 = 10.0;
/// Blocks larger than this many pairs are left out (and counted).
pub const DEFAULT_MAX_BLOCK_PAIRS: u64 = 1_000_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkFile {
    #[serde(default)]
    left: SideFile,
    #[serde(default)]
    right: SideFile,
    #[serde(default)]
    thresholds: ThresholdsFile,
    #[serde(default)]
    model: ModelFile,
    #[serde(rename = "field", default)]
    fields: Vec<FieldFile>,
    #[serde(default)]
    exact: Vec<String>,
    #[serde(default)]
    blocking: BlockingFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SideFile {
    /// The column that names a record in the outputs.
    id: Option<String>,
    encoding: Option<String>,
    delimiter: Option<String>,
    sheet: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsFile {
    accept: Option<f64>,
    review: Option<f64>,
    tie_margin: Option<f64>,
    candidate_floor: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    em_iterations: Option<u32>,
    random_pairs: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldFile {
    name: String,
    kind: Kind,
    /// The column on both sides (default: the name).
    column: Option<String>,
    left: Option<String>,
    right: Option<String>,
    #[serde(default)]
    tf: bool,
    tolerance: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockingFile {
    #[serde(default)]
    rules: Vec<Vec<String>>,
    max_block_pairs: Option<u64>,
}

/// Reads a link config; `accept` and `review` from the command line override its own.
pub fn read_link_config(
    path: &Path,
    accept: Option<f64>,
    review: Option<f64>,
) -> anyhow::Result<(LinkSpec, String)> {
    let (file, hash): (LinkFile, String) = read_config_file(path)?;
    let shown = path.display().to_string();
    let bad = |message: String| bad_input(format!("link config {shown}: {message}"));
    if file.fields.is_empty() {
        return Err(bad("no [[field]] to compare".into()));
    }
    let mut fields = Vec::new();
    for f in &file.fields {
        if fields.iter().any(|g: &FieldSpec| g.name == f.name) {
            return Err(bad(format!("field `{}` is given twice", f.name)));
        }
        let column = f.column.clone().unwrap_or_else(|| f.name.clone());
        let tolerance = f.tolerance.unwrap_or(0.0);
        if tolerance.is_nan() || tolerance < 0.0 {
            return Err(bad(format!(
                "field `{}`: tolerance must be 0 or more",
                f.name
            )));
        }
        if f.tolerance.is_some() && f.kind != Kind::Numeric {
            return Err(bad(format!(
                "field `{}`: tolerance is for numeric fields",
                f.name
            )));
        }
        fields.push(FieldSpec {
            name: f.name.clone(),
            kind: f.kind,
            columns: [
                f.left.clone().unwrap_or_else(|| column.clone()),
                f.right.clone().unwrap_or(column),
            ],
            tf: f.tf,
            tolerance,
        });
    }
    let field_index = |name: &str| {
        fields.iter().position(|f| f.name == name).ok_or_else(|| {
            let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            bad(format!("no field `{name}` (fields: {})", known.join(", ")))
        })
    };
    let exact = file
        .exact
        .iter()
        .map(|name| field_index(name))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut rules = Vec::new();
    for rule in &file.blocking.rules {
        if rule.is_empty() {
            return Err(bad(
                "[blocking] rules: an empty rule would compare every pair".into(),
            ));
        }
        let parts = rule
            .iter()
            .map(|part| parse_part(part, &field_index).map_err(|e| bad(e.to_string())))
            .collect::<anyhow::Result<Vec<_>>>()?;
        for part in &parts {
            if part.transform == Transform::Soundex && fields[part.field].kind != Kind::LatinName {
                return Err(bad(format!(
                    "[blocking] `{}:soundex`: Soundex is for latin_name fields",
                    fields[part.field].name
                )));
            }
        }
        rules.push(parts);
    }
    if rules.is_empty() {
        return Err(bad(
            "[blocking] rules: give at least one rule (e.g. rules = [[\"surname:soundex\"], [\"date_of_birth\"]])".into(),
        ));
    }
    let accept = accept.or(file.thresholds.accept).unwrap_or(DEFAULT_ACCEPT);
    let review = review.or(file.thresholds.review).unwrap_or(DEFAULT_REVIEW);
    if accept.is_nan() || review.is_nan() || accept < review {
        return Err(bad(format!(
            "the accept threshold ({accept}) is below the review threshold ({review})"
        )));
    }
    let tie_margin = file.thresholds.tie_margin.unwrap_or(DEFAULT_TIE_MARGIN);
    if tie_margin.is_nan() || tie_margin < 0.0 {
        return Err(bad("[thresholds] tie_margin must be 0 or more".into()));
    }
    let candidate_floor = file
        .thresholds
        .candidate_floor
        .unwrap_or(review - DEFAULT_FLOOR_BELOW_REVIEW);
    if !candidate_floor.is_finite() || candidate_floor > review {
        return Err(bad(format!(
            "[thresholds] candidate_floor ({candidate_floor}) must be a number not above review ({review})"
        )));
    }
    let read = [&file.left, &file.right].map(|side| read_options(side, &bad));
    let [left, right] = read;
    let spec = LinkSpec {
        fields,
        ids: [file.left.id.clone(), file.right.id.clone()],
        exact,
        rules,
        max_block_pairs: file
            .blocking
            .max_block_pairs
            .unwrap_or(DEFAULT_MAX_BLOCK_PAIRS),
        accept,
        review,
        tie_margin,
        candidate_floor,
        em_iterations: file.model.em_iterations.unwrap_or(200),
        random_pairs: file.model.random_pairs.unwrap_or(200_000),
        read: [left?, right?],
    };
    Ok((spec, hash))
}

fn read_options(
    side: &SideFile,
    bad: &dyn Fn(String) -> anyhow::Error,
) -> anyhow::Result<AnyOptions> {
    let encoding = match &side.encoding {
        Some(key) => Some(Encoding::from_key(key).ok_or_else(|| {
            bad(format!(
                "encoding `{key}`: use utf-8, gb18030 or utf-16le/be"
            ))
        })?),
        None => None,
    };
    let delimiter = match side.delimiter.as_deref() {
        None => None,
        Some("\\t" | "\t" | "tab") => Some(b'\t'),
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => return Err(bad(format!("delimiter `{d}`: give one character"))),
    };
    Ok(AnyOptions {
        encoding,
        delimiter,
        sheet: side.sheet.clone(),
    })
}

/// `field`, `field:soundex`, `field:first3`, `field:last2`.
fn parse_part(
    part: &str,
    field_index: &dyn Fn(&str) -> anyhow::Result<usize>,
) -> anyhow::Result<KeyPart> {
    let (name, how) = part.split_once(':').unwrap_or((part, ""));
    let count = |digits: &str| {
        digits
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                anyhow::anyhow!("[blocking] `{part}`: give a count, as in `{name}:first3`")
            })
    };
    let transform = match how {
        "" => Transform::Value,
        "soundex" => Transform::Soundex,
        h if h.starts_with("first") => Transform::First(count(&h[5..])?),
        h if h.starts_with("last") => Transform::Last(count(&h[4..])?),
        _ => {
            anyhow::bail!("[blocking] `{part}`: unknown transform `{how}` (soundex, firstN, lastN)")
        }
    };
    Ok(KeyPart {
        field: field_index(name)?,
        transform,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<LinkSpec> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("link.toml");
        std::fs::write(&path, text).unwrap();
        read_link_config(&path, None, None).map(|(spec, _)| spec)
    }

    const FIELDS: &str = r#"
        [[field]]
        name = "surname"
        kind = "latin_name"
        tf = true
        [[field]]
        name = "dob"
        kind = "date"
        left = "date_of_birth"
        [[field]]
        name = "postcode"
        kind = "numeric"
        tolerance = 5
    "#;

    #[test]
    fn a_config_gives_fields_rules_and_defaults() {
        let spec = parse(&format!(
            "exact = [\"dob\"]\n[left]\nid = \"rec_id\"\nencoding = \"gbk\"\n[blocking]\nrules = [[\"surname:soundex\", \"postcode:first3\"], [\"dob\"]]\n{FIELDS}"
        ))
        .unwrap();
        assert_eq!(spec.fields.len(), 3);
        assert_eq!(
            spec.fields[1].columns,
            ["date_of_birth".to_string(), "dob".to_string()]
        );
        assert!(spec.fields[0].tf);
        assert_eq!(spec.exact, vec![1]);
        assert_eq!(spec.rules[0][1].transform, Transform::First(3));
        assert_eq!(spec.rules[1][0].field, 1);
        assert_eq!(spec.ids, [Some("rec_id".to_string()), None]);
        assert_eq!(spec.read[0].encoding, Some(Encoding::Gb18030));
        assert_eq!((spec.accept, spec.review), (DEFAULT_ACCEPT, DEFAULT_REVIEW));
        assert_eq!(
            spec.columns(0),
            vec!["rec_id", "surname", "date_of_birth", "postcode"]
        );
    }

    #[test]
    fn mistakes_name_the_key() {
        for (text, wanted) in [
            ("[blocking]\nrules = [[\"name\"]]", "no field `name`"),
            (
                "[blocking]\nrules = [[\"dob:soundex\"]]",
                "Soundex is for latin_name",
            ),
            ("[blocking]\nrules = [[\"dob:first\"]]", "give a count"),
            ("[blocking]\nrules = [[\"dob:upper\"]]", "unknown transform"),
            ("[blocking]\nrules = []", "at least one rule"),
            (
                "[blocking]\nrules = [[\"dob\"]]\n[thresholds]\naccept = 1\nreview = 2",
                "below the review",
            ),
            (
                "[blocking]\nrules = [[\"dob\"]]\n[thresholds]\naccpet = 1",
                "unknown field `accpet`",
            ),
        ] {
            let err = parse(&format!("{text}\n{FIELDS}")).unwrap_err();
            assert_eq!(
                crate::ground::error::exit_code_of(&err),
                crate::ground::error::ExitCode::BadInput
            );
            assert!(err.to_string().contains(wanted), "{err}");
            assert!(err.to_string().contains("link.toml"), "{err}");
        }
    }
}
