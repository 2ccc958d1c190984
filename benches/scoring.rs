//! Criterion benchmark of fuzzy pair scoring: comparing a (child, record) pair field by
//! field and summing its Fellegi–Sunter weight, one thread. Run with
//! `cargo bench --bench scoring`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sanku::pipeline::link::compare::{CompareView, compare};
use sanku::pipeline::link::weights::{LEVELS, MSource, Params};
use sanku::pipeline::normalize::date::Date;
use sanku::pipeline::normalize::id::{IdNumber, check_char, parse_id};
use sanku::pipeline::normalize::values::Sex;

struct Person {
    id: IdNumber,
    name: String,
    birth: Date,
    sex: Sex,
    division: String,
}

fn people(n: u32, salt: u32) -> Vec<Person> {
    let surnames = ["王", "李", "张", "刘", "陈", "欧阳", "曾", "单"];
    let given = ["伟", "芳", "静", "涵", "子轩", "玮", "婧", "梓涵"];
    (0..n)
        .map(|i| {
            let k = i.wrapping_mul(2_654_435_761).wrapping_add(salt);
            let birth = Date::new(2010, 9, 1).unwrap().add_days(i64::from(k % 3650));
            let first17 = format!("5301{:02}{}{:03}", 2 + k % 9, birth.compact(), k % 1000);
            let check = check_char(first17.as_bytes()) as char;
            Person {
                id: parse_id(&format!("{first17}{check}")).unwrap(),
                name: format!(
                    "{}{}",
                    surnames[(k % 8) as usize],
                    given[((k / 8) % 8) as usize]
                ),
                birth,
                sex: if k % 2 == 0 { Sex::Female } else { Sex::Male },
                division: format!("5301{:02}", 2 + k % 9),
            }
        })
        .collect()
}

/// A person's view; `owned` when its ID is a person's of the population (the cohort side).
fn view(p: &Person, owned: bool) -> CompareView<'_> {
    CompareView {
        id: &p.id,
        id_owned: owned,
        name: &p.name,
        birth: Some(p.birth),
        sex: p.sex,
        division: &p.division,
        pinyin: None,
        origin: 0,
    }
}

fn bench_scoring(c: &mut Criterion) {
    let left = people(1000, 1);
    let right = people(1000, 7);
    let params = Params {
        m: LEVELS
            .iter()
            .map(|l| vec![1.0 / l.len() as f64; l.len()])
            .collect(),
        u: LEVELS
            .iter()
            .map(|l| vec![1.0 / l.len() as f64; l.len()])
            .collect(),
        lambda: 0.1,
        em_iterations: 0,
        m_source: MSource::Default,
    };
    let mut group = c.benchmark_group("pairs");
    group.throughput(Throughput::Elements(left.len() as u64));
    group.bench_function("compare and weigh", |b| {
        b.iter(|| {
            left.iter()
                .zip(&right)
                .map(|(a, r)| {
                    params.weight(&compare(&view(a, true), &view(r, false)).levels(), None)
                })
                .sum::<f64>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_scoring);
criterion_main!(benches);
