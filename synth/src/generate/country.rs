//! A generated country (`generate --provinces K`): K provinces written one after the
//! other, each into `DIR/<code>/` as a single province's registers and truth are, with the
//! children who study across a provincial border written into the province they study in
//! (`migration.rs`); then `DIR/truth/`, the national truth in the same files, and
//! `DIR/country/`, every province's registers as one input folder for a whole-country
//! `sanku run` (a folder per register holding a link to each province's file, so that no
//! register is stored twice).
//!
//! Each province has a seed of its own, made from the country's seed and its code, so that
//! the same seed and options write the same bytes; `population` is per province.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::files::{Routed, Shared, Sinks};
use super::migration::{Destination, Place};
use super::provinces::{self, Province};
use super::sink::CsvSink;
use super::{GenerateOptions, GenerateReport, World};
use sanku::ground::rng::Rng;
use sanku::ground::schema::SourceKind;
use sanku::pipeline::load::encoding::Encoding;

/// The truth files only a country writes, beside those of a single province.
const COUNTRY_FACTS: [&str; 2] = ["migrants.csv", "ledger.csv"];

/// Writes a country of `options.provinces` provinces into `options.out`.
pub(super) fn generate_country(options: &GenerateOptions) -> anyhow::Result<GenerateReport> {
    let country = provinces::country(options.provinces);
    let dir = &options.out;
    let each: Vec<GenerateOptions> = country
        .iter()
        .map(|p| GenerateOptions {
            out: dir.join(p.code),
            seed: province_seed(options.seed, p.code),
            provinces: 1,
            ..options.clone()
        })
        .collect();
    for folder in each
        .iter()
        .map(|o| o.out.join("truth"))
        .chain([dir.join("truth")])
    {
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("creating {}", folder.display()))?;
    }
    let counties: Vec<Vec<String>> = country
        .iter()
        .map(|p| provinces::counties(p.code))
        .collect();
    let elsewhere = provinces::elsewhere(&country);
    let mut shared = each
        .iter()
        .map(|o| Shared::create(o).map(Some))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut routed = Routed::default();
    let mut report = GenerateReport::default();
    let mut names = Vec::new();
    for (k, (province, o)) in country.iter().zip(&each).enumerate() {
        let place = Place {
            province,
            destinations: country
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .map(|(j, to)| Destination {
                    index: j,
                    province: to,
                    counties: counties[j].clone(),
                    rate: provinces::study_rate(province, to),
                })
                .collect(),
        };
        let mut sinks = Sinks::create_province(
            o,
            k,
            std::mem::take(&mut shared),
            std::mem::take(&mut routed),
        )?;
        names = sinks.fact_names();
        let mut world = World::over(o, counties[k].clone(), elsewhere.clone(), Some(place));
        world.fill(&mut sinks)?;
        let handover = sinks.finish()?.expect("a province's shared files");
        (shared, routed) = (handover.others, handover.routed);
        shared[k] = Some(handover.own);
        super::write_facts(o, world.report.population)?;
        report.add(&world.report);
    }
    for files in shared.into_iter().flatten() {
        files.finish()?;
    }
    names.extend(COUNTRY_FACTS);
    write_national_truth(dir, &country, &names, routed)?;
    write_national_facts(options, &country, report.population)?;
    link_country(options, &country)?;
    Ok(report)
}

/// A province's seed: the country's, stirred with the province's code.
fn province_seed(seed: u64, code: &str) -> u64 {
    let code: u64 = code.parse().unwrap_or(0);
    Rng::new(seed ^ code.wrapping_mul(0x9E37_79B9_7F4A_7C15)).next_u64()
}

/// Writes each national truth file: the provinces' rows in province order, but for those
/// only a province sees, then the rows only the national truth holds.
fn write_national_truth(
    dir: &Path,
    country: &[&Province],
    names: &[&'static str],
    routed: Routed,
) -> anyhow::Result<()> {
    let Routed {
        national,
        mut provincial,
    } = routed;
    for &name in names {
        let mut out: Option<CsvSink> = None;
        for province in country {
            let path = dir.join(province.code).join("truth").join(name);
            let mut reader = csv::ReaderBuilder::new()
                .from_path(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            if out.is_none() {
                let header: Vec<String> = reader.headers()?.iter().map(String::from).collect();
                let header: Vec<&str> = header.iter().map(String::as_str).collect();
                out = Some(CsvSink::create(
                    &dir.join("truth"),
                    name,
                    Encoding::Utf8,
                    &header,
                )?);
            }
            let out = out.as_mut().expect("opened");
            for record in reader.records() {
                let record = record.with_context(|| format!("reading {}", path.display()))?;
                let row: Vec<String> = record.iter().map(String::from).collect();
                if let Some(left) = provincial.get_mut(&(name, row)) {
                    if *left > 0 {
                        *left -= 1;
                        continue;
                    }
                }
                out.row(&record.iter().collect::<Vec<_>>())?;
            }
        }
        let mut out = out.expect("a country has provinces");
        for row in national.get(name).into_iter().flatten() {
            out.row(&row.iter().map(String::as_str).collect::<Vec<_>>())?;
        }
        out.finish()?;
    }
    Ok(())
}

/// truth/generated.json of the country: as a province's, with the provinces.
fn write_national_facts(
    options: &GenerateOptions,
    country: &[&Province],
    population: u64,
) -> anyhow::Result<()> {
    let facts = serde_json::json!({
        "population": population,
        "seed": options.seed,
        "as_of": options.night_as_of.to_string(),
        "night": options.night,
        "first_night_as_of": options.as_of.to_string(),
        "provinces": country
            .iter()
            .map(|p| serde_json::json!({"code": p.code, "name": p.name}))
            .collect::<Vec<_>>(),
    });
    let path = options.out.join("truth/generated.json");
    std::fs::write(&path, format!("{facts:#}\n"))
        .with_context(|| format!("writing {}", path.display()))
}

/// Writes `DIR/country/`: a folder per register holding each province's file under its
/// code (`population/44.csv` → `../../44/population.csv`), and a sanku.toml.
fn link_country(options: &GenerateOptions, country: &[&Province]) -> anyhow::Result<()> {
    let root = options.out.join("country");
    let ext = if options.parquet { "parquet" } else { "csv" };
    for kind in SourceKind::ALL {
        let folder = root.join(kind.key());
        if folder.is_dir() {
            std::fs::remove_dir_all(&folder)
                .with_context(|| format!("replacing {}", folder.display()))?;
        }
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        for province in country {
            let file = format!("{}.{ext}", kind.key());
            let target: PathBuf = ["..", "..", province.code, &file].iter().collect();
            let link = folder.join(format!("{}.{ext}", province.code));
            link_file(&target, &link, &options.out.join(province.code).join(&file))
                .with_context(|| format!("linking {}", link.display()))?;
        }
    }
    super::write_config(options, &root)
}

/// A symbolic link `link` → `target` (relative to the link's folder), or where the system
/// makes none, a hard link to (or a copy of) `file`.
fn link_file(target: &Path, link: &Path, file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let _ = file;
        std::os::unix::fs::symlink(target, link)
    }
    #[cfg(not(unix))]
    {
        let _ = target;
        std::fs::hard_link(file, link).or_else(|_| std::fs::copy(file, link).map(|_| ()))
    }
}
