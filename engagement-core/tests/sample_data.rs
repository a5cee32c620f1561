//! The bundled data: the generated sample is fresh, and CDNOW loads into
//! profiles that agree with the independently derived CDNOW summary.

#[path = "../examples/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/generate_sample.rs"]
mod generate_sample;

use engagement_core::synth::generate;
use engagement_core::{ProfileStore, SignalConfig};

#[test]
fn multichannel_sample_is_fresh() {
    let expected = generate(&generate_sample::SAMPLE)
        .unwrap()
        .to_csv()
        .unwrap();
    let committed =
        std::fs::read_to_string(common::data_dir().join("sample/touchpoints.csv")).unwrap();
    assert!(
        committed == expected,
        "data/sample/touchpoints.csv is stale; run: cargo run -p engagement-core --example generate_sample"
    );
}

#[test]
fn date_conversion_matches_known_timestamps() {
    // `date -u -d 1997-01-01 +%s` = 852076800; 1998-06-30 = 899164800; 2000-02-29 = 951782400.
    assert_eq!(common::unix_midnight(1970, 1, 1), 0);
    assert_eq!(common::unix_midnight(1997, 1, 1), 852_076_800);
    assert_eq!(common::unix_midnight(1998, 6, 30), 899_164_800);
    assert_eq!(common::unix_midnight(2000, 2, 29), 951_782_400);
}

/// The CDNOW summary file was derived from the same transactions by lifetimes
/// (shared/data/cdnow/README.md): birth = first purchase day, T = weeks from
/// it to 1997-09-30, recency t_x = weeks from first to last purchase day in the
/// calibration period, x = repeat purchase *days*. Our profiles of the
/// calibration transactions must agree customer by customer.
#[test]
fn cdnow_profiles_agree_with_the_published_summary() {
    let all = common::cdnow_sample().unwrap();
    assert_eq!(all.len(), 6919);
    let end = common::unix_midnight(1997, 9, 30);
    let keep: Vec<usize> = (0..all.len()).filter(|&i| all.time[i] <= end).collect();
    fn pick<T: Copy>(v: &[T], keep: &[usize]) -> Vec<T> {
        keep.iter().map(|&i| v[i]).collect()
    }
    let calib = engagement_core::TouchpointTable {
        customer: pick(&all.customer, &keep),
        time: pick(&all.time, &keep),
        channel: pick(&all.channel, &keep),
        kind: pick(&all.kind, &keep),
        value: pick(&all.value, &keep),
        ..Default::default()
    };
    let store = ProfileStore::from_columns(SignalConfig::default(), &calib.columns()).unwrap();
    assert_eq!(store.len(), 2357);

    let summary = std::fs::read_to_string(
        common::data_dir().join("cdnow/cdnow_customers_summary_with_transactions.csv"),
    )
    .unwrap();
    let week = 7.0 * 86_400.0;
    let mut same_count = 0;
    for line in summary.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let (id, x, t_x, t_cal) = (f[0] as u64, f[1] as u64, f[2], f[3]);
        let p = store.get(id).unwrap();
        let first = p.first_purchase().unwrap();
        let last = p.last_purchase().unwrap();
        // Rounded to 2 decimals in the file.
        assert!(
            ((end - first) as f64 / week - t_cal).abs() <= 0.005 + 1e-9,
            "customer {id}: T"
        );
        assert!(
            ((last - first) as f64 / week - t_x).abs() <= 0.005 + 1e-9,
            "customer {id}: recency"
        );
        // Several transactions on one day are one repeat day in the summary.
        assert!(
            p.purchases() > x,
            "customer {id}: {} purchases, x = {x}",
            p.purchases()
        );
        if p.purchases() == x + 1 {
            same_count += 1;
        }
    }
    // Most customers never bought twice on one day.
    assert!(same_count > 2000, "{same_count}");
}

/// The transaction summary of `CDNOW_sample.txt` (39-week calibration to
/// 1997-09-30, daily periods, weeks as the unit) equals the published summary
/// customer by customer: `x` exactly; `t_x`, `T` and `zbar` within the file's
/// rounding to 2 decimals.
#[test]
fn cdnow_transaction_summary_matches_the_published_file() {
    use engagement_core::transactions::{
        Period, SummaryConfig, TransactionColumns, calibration_and_holdout, summarize,
    };
    let all = common::cdnow_sample().unwrap();
    let cols = TransactionColumns {
        customer: &all.customer,
        time: &all.time,
        value: &all.value,
    };
    let cfg = SummaryConfig {
        period: Period::Day,
        unit: Period::Week,
    };
    let end = common::unix_midnight(1997, 9, 30);
    let s = summarize(&cols, end, &cfg).unwrap();
    assert_eq!(s.len(), 2357);
    let summary = std::fs::read_to_string(
        common::data_dir().join("cdnow/cdnow_customers_summary_with_transactions.csv"),
    )
    .unwrap();
    let rounding = 0.005 + 1e-9;
    for (i, line) in summary.lines().skip(1).enumerate() {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        assert_eq!(s.customer[i], f[0] as u64);
        assert_eq!(s.frequency[i], f[1], "customer {}: x", f[0]);
        assert!(
            (s.recency[i] - f[2]).abs() <= rounding,
            "customer {}: t_x {} vs {}",
            f[0],
            s.recency[i],
            f[2]
        );
        assert!(
            (s.t[i] - f[3]).abs() <= rounding,
            "customer {}: T {} vs {}",
            f[0],
            s.t[i],
            f[3]
        );
        assert!(
            (s.monetary_value[i] - f[4]).abs() <= rounding,
            "customer {}: zbar {} vs {}",
            f[0],
            s.monetary_value[i],
            f[4]
        );
    }
    // 946 customers have repeat purchases (the Gamma-Gamma sample of Fader & Hardie 2013).
    assert_eq!(s.frequency.iter().filter(|&&x| x > 0.0).count(), 946);

    // Holdout to 1998-06-30 (78 weeks): every purchase day of the whole period is either a
    // calibration day or a holdout day.
    let split =
        calibration_and_holdout(&cols, end, common::unix_midnight(1998, 6, 30), &cfg).unwrap();
    let full = summarize(&cols, common::unix_midnight(1998, 6, 30), &cfg).unwrap();
    for i in 0..split.calibration.len() {
        assert_eq!(
            full.frequency[i],
            split.calibration.frequency[i] + split.frequency_holdout[i]
        );
    }
    assert_eq!(split.duration_holdout, 39.0);
}

/// RFM of `CDNOW_sample.txt` at 1998-07-01 (recency in days, frequency in
/// transactions, total spend): each score equals its definition counted
/// customer by customer, and the bins hold what pandas gives
/// (`rank(method="min")` cut into fifths; `np.unique` fifths for the
/// distinct-value rule; spend summed to the cent, as the engine sums money). The default puts the 1,205 one-time buyers at F = 1
/// and spreads the rest over F = 3–5; fifths of distinct values put 2,188 of
/// the 2,357 customers at F = 1.
#[test]
fn cdnow_rfm_quintiles_are_fifths_of_customers_by_default() {
    use engagement_core::transactions::TransactionColumns;
    use engagement_core::{MonetaryBasis, RfmBins, RfmConfig, RfmValues, rfm_scores};
    let all = common::cdnow_sample().unwrap();
    let cols = TransactionColumns {
        customer: &all.customer,
        time: &all.time,
        value: &all.value,
    };
    let v = RfmValues::from_transactions(
        &cols,
        common::unix_midnight(1998, 7, 1),
        MonetaryBasis::Total,
    )
    .unwrap();
    let n = v.customer.len();
    assert_eq!(n, 2357);
    let counts = |s: &[u8]| {
        let mut c = [0usize; 5];
        s.iter().for_each(|&q| c[usize::from(q - 1)] += 1);
        c
    };
    let default = rfm_scores(&v, &RfmConfig::default()).unwrap();
    assert_eq!(default.bins, RfmBins::Customers);
    for (name, values, scores, lower_is_better) in [
        ("recency", &v.recency, &default.r, true),
        ("frequency", &v.frequency, &default.f, false),
        ("monetary", &v.monetary, &default.m, false),
    ] {
        for (i, x) in values.iter().enumerate() {
            let smaller = values.iter().filter(|y| *y < x).count();
            let bin = 1 + (5 * smaller / n) as u8;
            let expected = if lower_is_better { 6 - bin } else { bin };
            assert_eq!(scores[i], expected, "{name} of customer {}", v.customer[i]);
        }
    }
    assert_eq!(counts(&default.r), [459, 478, 475, 471, 474]);
    assert_eq!(counts(&default.f), [1205, 0, 406, 358, 388]);
    assert_eq!(counts(&default.m), [481, 462, 472, 471, 471]);

    let distinct = rfm_scores(
        &v,
        &RfmConfig {
            bins: RfmBins::DistinctValues,
            ..RfmConfig::default()
        },
    )
    .unwrap();
    assert_eq!(distinct.bins, RfmBins::DistinctValues);
    assert_eq!(counts(&distinct.r), [1390, 215, 185, 244, 323]);
    assert_eq!(counts(&distinct.f), [2188, 117, 30, 14, 8]);
    assert_eq!(counts(&distinct.m), [992, 396, 332, 321, 316]);
}
