//! The validated options of `sanku generate`.

use super::{ErrorKind, GenerateOptions, Headers, MOST_PROVINCES, Rates};
use sanku::cli::GenerateArgs;
use sanku::ground::error::bad_input;
use sanku::pipeline::load::encoding::Encoding;
use sanku::pipeline::normalize::date::Date;

/// Validates the arguments of `generate`.
pub fn generate_options(args: &GenerateArgs) -> anyhow::Result<GenerateOptions> {
    let as_of = Date::parse(&args.as_of).ok_or_else(|| {
        bad_input(format!(
            "as-of date `{}` is not a date (YYYY-MM-DD)",
            args.as_of
        ))
    })?;
    let headers = match args.headers.as_str() {
        "zh" => Headers::Chinese,
        "en" => Headers::English,
        other => return Err(bad_input(format!("--headers `{other}`: expected zh or en"))),
    };
    let encoding = match Encoding::from_key(&args.encoding) {
        Some(e @ (Encoding::Utf8 | Encoding::Gb18030)) => e,
        _ => {
            return Err(bad_input(format!(
                "--encoding `{}`: expected utf-8 or gb18030",
                args.encoding
            )));
        }
    };
    let rate = |name: &str, value: Option<f64>, default: f64| -> anyhow::Result<f64> {
        let v = value.unwrap_or(default);
        if !(0.0..=1.0).contains(&v) {
            return Err(bad_input(format!(
                "--{name} {v}: expected a rate between 0 and 1"
            )));
        }
        Ok(v)
    };
    let defaults = Rates::default();
    let scale = args.error_scale.unwrap_or(1.0);
    if !(0.0..=20.0).contains(&scale) {
        return Err(bad_input(format!(
            "--error-scale {scale}: expected 0 to 20"
        )));
    }
    let mut errors: Vec<(ErrorKind, f64)> = defaults
        .errors
        .iter()
        .map(|&(k, r)| (k, r * scale))
        .collect();
    for spec in &args.error_rate {
        let (kind, value) = spec
            .split_once('=')
            .ok_or_else(|| bad_input(format!("--error-rate `{spec}`: expected KIND=RATE")))?;
        let kind = ErrorKind::ALL
            .into_iter()
            .find(|k| k.key() == kind.trim())
            .ok_or_else(|| bad_input(format!("--error-rate `{spec}`: unknown kind `{kind}`")))?;
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| bad_input(format!("--error-rate `{spec}`: `{value}` is not a number")))?;
        let value = rate("error-rate", Some(value), 0.0)?;
        errors
            .iter_mut()
            .filter(|(k, _)| *k == kind)
            .for_each(|e| e.1 = value);
    }
    if errors.iter().map(|(_, r)| r).sum::<f64>() > 1.0 {
        return Err(bad_input("error rates add up to more than 1"));
    }
    let parquet = match args.format.as_str() {
        "csv" => false,
        "parquet" => true,
        other => {
            return Err(bad_input(format!(
                "--format `{other}`: expected csv or parquet"
            )));
        }
    };
    let rates = Rates {
        dropout: rate("dropout-rate", args.dropout_rate, defaults.dropout)?,
        poverty_households: rate(
            "poverty-rate",
            args.poverty_rate,
            defaults.poverty_households,
        )?,
        errors,
        history: super::HistoryRates {
            two_schools: defaults.history.two_schools * scale,
            ..defaults.history.clone()
        },
        ..defaults
    };
    if args.night == 0 || args.night_days == 0 {
        return Err(bad_input("--night and --night-days count from 1"));
    }
    if !(1..=MOST_PROVINCES).contains(&args.provinces) {
        return Err(bad_input(format!(
            "--provinces {}: expected 1 to {MOST_PROVINCES} (the mainland's provinces, which \
             keep the hukou population register)",
            args.provinces
        )));
    }
    Ok(GenerateOptions {
        night: args.night,
        night_as_of: as_of.add_days(i64::from(args.night - 1) * i64::from(args.night_days)),
        population: args.population,
        seed: args.seed,
        out: args.out.clone(),
        as_of,
        headers,
        encoding,
        parquet,
        rates,
        provinces: args.provinces,
    })
}
