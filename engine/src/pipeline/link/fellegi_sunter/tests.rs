use super::*;

/// Two fields: the first weighed by its value's frequency at level 0, each with a
/// `missing` last level; the first's level 2 is likelier among matches, for its u, than
/// its level 1.
fn probabilities() -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    (
        vec![vec![0.7, 0.1, 0.15, 0.05], vec![0.8, 0.15, 0.05]],
        vec![vec![0.01, 0.09, 0.1, 0.8], vec![0.3, 0.6, 0.1]],
    )
}

fn missing(f: usize, level: u8) -> bool {
    level == [3, 2][f]
}

fn first_by_share(f: usize) -> Option<u8> {
    (f == 0).then_some(0)
}

fn model<'a>(m: &'a [Vec<f64>], u: &'a [Vec<f64>], prior: bool, ceiling: bool) -> Model<'a> {
    Model {
        m,
        u,
        lambda: 0.2,
        neutral: &missing,
        by_share: &first_by_share,
        prior,
        ceiling,
    }
}

#[test]
fn a_level_weighs_log2_m_over_u_and_a_missing_value_nothing() {
    let (m, u) = probabilities();
    let model = model(&m, &u, false, false);
    assert_eq!(model.level_weight(0, 1), (0.1f64 / 0.09).log2());
    assert_eq!(model.level_weight(0, 2), (0.15f64 / 0.1).log2());
    assert_eq!(model.level_weight(1, 1), (0.15f64 / 0.6).log2());
    assert_eq!(model.level_weight(0, 3), 0.0);
    assert_eq!(model.level_weight(1, 2), 0.0);
}

#[test]
fn the_ceiling_keeps_a_weaker_level_from_outweighing_a_stronger_one() {
    let (m, u) = probabilities();
    let (capped, free) = (model(&m, &u, false, true), model(&m, &u, false, false));
    assert!(free.level_weight(0, 2) > free.level_weight(0, 1));
    assert_eq!(capped.level_weight(0, 2), capped.level_weight(0, 1));
    assert_eq!(capped.level_weight(0, 1), free.level_weight(0, 1));
    assert_eq!(
        capped.level_weight(0, 3),
        0.0,
        "missing still weighs nothing"
    );
    for f in 0..2 {
        let row = capped.table().row(f).to_vec();
        let weighed = &row[..row.len() - 1];
        assert!(weighed.windows(2).all(|w| w[1] <= w[0]), "{row:?}");
    }
}

#[test]
fn the_prior_starts_every_weight_at_the_log_odds_of_a_match() {
    let (m, u) = probabilities();
    let (with, without) = (model(&m, &u, true, false), model(&m, &u, false, false));
    assert_eq!(with.start(), (0.2f64 / 0.8).log2());
    assert_eq!(without.start().to_bits(), (-0.0f64).to_bits());
    let all_missing = [3, 2];
    assert_eq!(with.weigher().weight(&all_missing, |_| None), with.start());
    let levels = [1, 0];
    assert_eq!(
        with.weigher().weight(&levels, |_| None),
        with.start() + with.level_weight(0, 1) + with.level_weight(1, 0)
    );
    assert_eq!(
        without.weigher().weight(&levels, |_| None),
        without.level_weight(0, 1) + without.level_weight(1, 0)
    );
}

#[test]
fn exact_agreement_weighs_by_the_share_of_the_value() {
    let (m, u) = probabilities();
    let model = model(&m, &u, true, true);
    let (common, rare) = (
        model.field_weight(0, 0, || Some(0.2)),
        model.field_weight(0, 0, || Some(0.0001)),
    );
    assert_eq!(common, (0.7f64 / 0.2).log2());
    assert!(rare > common + 10.0, "{rare} vs {common}");
    assert_eq!(
        model.field_weight(0, 0, || Some(0.0)),
        exact_weight(0.7, 1e-9)
    );
    assert_eq!(model.field_weight(0, 0, || None), model.level_weight(0, 0));
    let asked = std::cell::Cell::new(0);
    let share = || {
        asked.set(asked.get() + 1);
        Some(0.2)
    };
    assert_eq!(model.field_weight(0, 1, share), model.level_weight(0, 1));
    assert_eq!(model.field_weight(1, 0, share), model.level_weight(1, 0));
    assert_eq!(
        asked.get(),
        0,
        "the share is asked for only on exact agreement"
    );
}

#[test]
fn the_weigher_gives_the_models_weights_to_the_bit() {
    let (m, u) = probabilities();
    for (prior, ceiling) in [(false, false), (true, false), (false, true), (true, true)] {
        let model = model(&m, &u, prior, ceiling);
        let weigher = model.weigher();
        for a in 0..4u8 {
            for b in 0..3u8 {
                for share in [None, Some(0.03), Some(1e-12)] {
                    let mut expected = model.start();
                    expected += model.field_weight(0, a, || share);
                    expected += model.field_weight(1, b, || share);
                    let got = weigher.weight(&[a, b], |_| share);
                    assert_eq!(got.to_bits(), expected.to_bits(), "{a} {b} {share:?}");
                    assert_eq!(
                        weigher.field_weight(0, a, || share).to_bits(),
                        model.field_weight(0, a, || share).to_bits()
                    );
                }
            }
        }
    }
}
