//! Criterion benchmarks of the per-row kernels: ID cleaning and validation, name
//! normalisation, date parsing, and ID lookups among a province's codes. Run with
//! `cargo bench --bench kernels`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sanku::ground::rng::Rng;
use sanku::pipeline::normalize::date::Date;
use sanku::pipeline::normalize::id::{check_char, parse_id};
use sanku::pipeline::normalize::id_set::IdSet;
use sanku::pipeline::normalize::name::normalize_name;

/// 10 000 valid IDs spread over addresses, birth dates and order codes.
fn sample_ids() -> Vec<String> {
    (0..10_000u32)
        .map(|i| {
            let birth = Date::new(2008, 1, 1).unwrap().add_days(i64::from(i % 5000));
            let first17 = format!(
                "{:06}{}{:03}",
                110_101 + (i * 37) % 540_000,
                birth.compact(),
                i % 1000
            );
            let check = check_char(first17.as_bytes()) as char;
            format!("{first17}{check}")
        })
        .collect()
}

fn bench_ids(c: &mut Criterion) {
    let ids = sample_ids();
    let mut group = c.benchmark_group("id");
    group.throughput(Throughput::Elements(ids.len() as u64));
    group.bench_function("parse_id valid", |b| {
        b.iter(|| {
            ids.iter()
                .filter(|id| parse_id(id).is_ok_and(|p| p.class.is_usable()))
                .count()
        })
    });
    let messy: Vec<String> = ids
        .iter()
        .map(|id| format!(" '{}-{} ", &id[..6], id[6..].to_lowercase()))
        .collect();
    group.bench_function("parse_id messy", |b| {
        b.iter(|| messy.iter().filter(|id| parse_id(id).is_ok()).count())
    });
    group.finish();
}

fn bench_names(c: &mut Criterion) {
    let names: Vec<String> = (0..10_000)
        .map(|i| match i % 4 {
            0 => "王小明".to_string(),
            1 => " 欧阳子涵 ".to_string(),
            2 => "买买提•艾力".to_string(),
            _ => "ＬＩ　Ｍｉｎｇ".to_string(),
        })
        .collect();
    let mut group = c.benchmark_group("name");
    group.throughput(Throughput::Elements(names.len() as u64));
    group.bench_function("normalize_name", |b| {
        b.iter(|| names.iter().map(|n| normalize_name(n).len()).sum::<usize>())
    });
    group.finish();
}

fn bench_dates(c: &mut Criterion) {
    let dates: Vec<String> = (0..10_000)
        .map(|i| match i % 3 {
            0 => "2015-03-04".to_string(),
            1 => "2015/3/4".to_string(),
            _ => "20150304".to_string(),
        })
        .collect();
    let mut group = c.benchmark_group("date");
    group.throughput(Throughput::Elements(dates.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| dates.iter().filter(|d| Date::parse(d).is_some()).count())
    });
    group.finish();
}

/// Membership of 10 000 ID codes (half present) among 16 M, as the population's ID set
/// answers it, against a binary search of the sorted codes.
fn bench_id_lookup(c: &mut Criterion) {
    let mut rng = Rng::new(1);
    let mut codes: Vec<u64> = (0..1u64 << 24).map(|_| rng.below(1 << 40)).collect();
    codes.sort_unstable();
    codes.dedup();
    let set = IdSet::from_sorted(&codes);
    let probes: Vec<u64> = (0..10_000)
        .map(|i| {
            if i % 2 == 0 {
                codes[rng.below(codes.len() as u64) as usize]
            } else {
                rng.below(1 << 40)
            }
        })
        .collect();
    let mut group = c.benchmark_group("id_lookup");
    group.throughput(Throughput::Elements(probes.len() as u64));
    group.bench_function("IdSet::contains, 16 M codes", |b| {
        b.iter(|| probes.iter().filter(|&&p| set.contains(p)).count())
    });
    group.bench_function("binary search, 16 M codes", |b| {
        b.iter(|| {
            probes
                .iter()
                .filter(|p| codes.binary_search(p).is_ok())
                .count()
        })
    });
    group.finish();
}

/// `sanku link`'s string measures on pairs of street names and of 7-digit identifiers.
fn bench_link_strings(c: &mut Criterion) {
    use sanku::filelink::strings::{jaro_winkler, within_edits};
    let mut rng = Rng::new(9);
    let streets = [
        "stanley street",
        "pinkerton circuit",
        "salkauskas crescent",
        "macquoid place",
        "randwick way",
        "cutlack place",
        "lambrigg street",
        "chippindall circuit",
    ];
    let words: Vec<(String, String)> = (0..10_000)
        .map(|_| {
            let a = rng.pick(&streets).to_string();
            let b = rng.pick(&streets).to_string();
            (a, b)
        })
        .collect();
    let ids: Vec<(String, String)> = (0..10_000)
        .map(|_| {
            let a = format!("{}", 1_000_000 + rng.below(9_000_000));
            let b = format!("{}", 1_000_000 + rng.below(9_000_000));
            (a, b)
        })
        .collect();
    let mut group = c.benchmark_group("link strings");
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("jaro_winkler, street names", |b| {
        b.iter(|| words.iter().map(|(x, y)| jaro_winkler(x, y)).sum::<f64>())
    });
    group.bench_function("within two edits, 7-digit ids", |b| {
        b.iter(|| {
            ids.iter()
                .filter(|(x, y)| within_edits(x.as_bytes(), y.as_bytes(), 2))
                .count()
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_ids,
    bench_names,
    bench_dates,
    bench_id_lookup,
    bench_link_strings
);
criterion_main!(benches);
