//! The `metrics` partial: histograms of the rating answers (NPS, CSAT, CES)
//! and a conversion count, and the summary they finish into.

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::model::{Code, RatingScale, TouchpointColumns};
use crate::partial::spec::ConversionKinds;
use crate::score::{NpsSummary, Proportion};

/// Rating histograms and conversion counts: the `metrics` partial's state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct MetricCounts {
    nps: [u64; 11],
    csat: [u64; 5],
    ces: [u64; 7],
    trials: u64,
    successes: u64,
}

impl MetricCounts {
    pub(crate) fn merge(&mut self, o: &MetricCounts) {
        let add = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        self.nps.iter_mut().zip(o.nps).for_each(|(a, b)| add(a, b));
        self.csat
            .iter_mut()
            .zip(o.csat)
            .for_each(|(a, b)| add(a, b));
        self.ces.iter_mut().zip(o.ces).for_each(|(a, b)| add(a, b));
        add(&mut self.trials, o.trials);
        add(&mut self.successes, o.successes);
    }
}

/// NPS, CSAT and a conversion rate from the `metrics` partial: every answer
/// counts (not only each customer's latest; for that, use profiles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsSummary {
    /// NPS of every NPS answer (`None` without answers).
    pub nps: Option<NpsSummary>,
    /// CSAT (share of 4–5) of every CSAT answer (`None` without answers).
    pub csat: Option<Proportion>,
    /// Mean CES answer (`None` without answers).
    pub ces_mean: Option<f64>,
    /// Successes / trials of the spec's conversion (`None` without one or without trials).
    pub conversion: Option<Proportion>,
    /// Answers per NPS score 0–10.
    pub nps_answers: [u64; 11],
    /// Answers per CSAT score 1–5.
    pub csat_answers: [u64; 5],
    /// Answers per CES score 1–7.
    pub ces_answers: [u64; 7],
}

pub(crate) fn metric_counts(
    cols: &TouchpointColumns<'_>,
    conversion: Option<&ConversionKinds>,
) -> Result<MetricCounts> {
    let n = cols.validate()?;
    let mut m = MetricCounts::default();
    for i in 0..cols.rating.len() {
        let r = cols.rating[i];
        if r.is_nan() {
            continue;
        }
        // Validation checked that ratings are whole numbers on their scale.
        let r = r as usize;
        let slot = match RatingScale::from_code(cols.rating_scale[i])? {
            RatingScale::Nps => m.nps.get_mut(r),
            RatingScale::Csat => m.csat.get_mut(r.wrapping_sub(1)),
            RatingScale::Ces => m.ces.get_mut(r.wrapping_sub(1)),
        };
        if let Some(c) = slot {
            *c += 1;
        }
    }
    if let Some(c) = conversion {
        let mut is_trial = [false; 256];
        let mut is_success = [false; 256];
        c.trials
            .iter()
            .for_each(|k| is_trial[usize::from(k.code())] = true);
        c.successes
            .iter()
            .for_each(|k| is_success[usize::from(k.code())] = true);
        for &k in &cols.kind[..n] {
            m.trials += u64::from(is_trial[usize::from(k)]);
            m.successes += u64::from(is_success[usize::from(k)]);
        }
    }
    Ok(m)
}

pub(crate) fn metrics_summary(m: &MetricCounts, level: f64) -> Result<MetricsSummary> {
    let nps_n: u64 = m.nps.iter().sum();
    let csat_n: u64 = m.csat.iter().sum();
    let ces_n: u64 = m.ces.iter().sum();
    let nps = (nps_n > 0)
        .then(|| {
            let promoters = m.nps[9] + m.nps[10];
            let passives = m.nps[7] + m.nps[8];
            crate::score::nps_counts(promoters, passives, nps_n - promoters - passives, level)
        })
        .transpose()?;
    let csat = (csat_n > 0)
        .then(|| Proportion::wilson(m.csat[3] + m.csat[4], csat_n, level))
        .transpose()?;
    let ces_mean = (ces_n > 0).then(|| {
        let total: u64 = m
            .ces
            .iter()
            .enumerate()
            .map(|(i, &c)| (i as u64 + 1) * c)
            .sum();
        total as f64 / ces_n as f64
    });
    if m.trials > 0 && m.successes > m.trials {
        // Touchpoint counts allow it (more clicks than opens); a rate above 1 is no rate.
        return Err(EngError::invalid(
            "conversion",
            format!("{} successes, {} trials", m.successes, m.trials),
            "more success touchpoints than trial touchpoints: choose kinds where each success follows a trial",
        ));
    }
    let conversion = (m.trials > 0)
        .then(|| Proportion::wilson(m.successes, m.trials, level))
        .transpose()?;
    Ok(MetricsSummary {
        nps,
        csat,
        ces_mean,
        conversion,
        nps_answers: m.nps,
        csat_answers: m.csat,
        ces_answers: m.ces,
    })
}
