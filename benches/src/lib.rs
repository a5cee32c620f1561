//! Benchmark data for the engagement engine, generated from a fixed seed.

use engagement_core::clv::bg_nbd::BgNbdParams;
use engagement_core::clv::{ClvModel, simulate};
use engagement_core::{Channel, TouchpointKind, TouchpointTable};
use rand_pcg::Pcg64;
use rand_pcg::rand_core::{Rng, SeedableRng};

/// `n` touchpoints over `customers` customers (ids drawn uniformly), sorted by
/// time over one year from 2024-01-01, like a CRM's event export: a customer's
/// events are scattered through the stream. About one in five is a purchase
/// and one in fifty carries an NPS rating.
pub fn touchpoints(n: usize, customers: u64, seed: u64) -> TouchpointTable {
    let mut rng = Pcg64::seed_from_u64(seed);
    let start = 1_704_067_200i64;
    let span = 365 * 86_400u64;
    let mut t = TouchpointTable {
        customer: Vec::with_capacity(n),
        time: Vec::with_capacity(n),
        channel: Vec::with_capacity(n),
        kind: Vec::with_capacity(n),
        value: Vec::with_capacity(n),
        rating: Vec::with_capacity(n),
        rating_scale: Vec::with_capacity(n),
    };
    for i in 0..n {
        let r = rng.next_u64();
        t.customer.push(1 + r % customers);
        // Times increase through the stream.
        t.time.push(start + ((i as u64 * span) / n as u64) as i64);
        let kind = match (r >> 32) % 100 {
            0..=19 => TouchpointKind::Purchase,
            20..=21 => TouchpointKind::SurveyResponse,
            k => [
                TouchpointKind::Open,
                TouchpointKind::Click,
                TouchpointKind::Visit,
                TouchpointKind::Impression,
            ][(k % 4) as usize],
        };
        t.channel.push(((r >> 40) % Channel::COUNT as u64) as u8);
        t.kind.push(kind as u8);
        t.value.push(if kind == TouchpointKind::Purchase {
            ((r >> 48) % 10_000) as f64 / 100.0
        } else {
            0.0
        });
        if kind == TouchpointKind::SurveyResponse {
            t.rating.push(((r >> 20) % 11) as f32);
        } else {
            t.rating.push(f32::NAN);
        }
        t.rating_scale.push(0);
    }
    t
}

/// Per-customer `(frequency, recency, T)` columns of the CLV models.
pub type Histories = (Vec<f64>, Vec<f64>, Vec<f64>);

/// `n` BG/NBD histories `(frequency, recency, T)` at CDNOW's published parameters: ages of
/// 26–52 weeks in whole days, purchase times rounded down to the day as transaction logs record
/// them, from a fixed seed.
///
/// # Errors
/// None for these parameters and ages; the simulator's error is passed on.
pub fn clv_histories(n: usize) -> Result<Histories, engagement_core::EngError> {
    let truth = ClvModel::BgNbd(BgNbdParams {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    });
    let ages: Vec<f64> = (0..n)
        .map(|i| (182 + (i * 7919) % 183) as f64 / 7.0)
        .collect();
    let h = simulate::histories(&truth, &ages, 20261125)?;
    let recency = h.recency.iter().map(|r| (r * 7.0).floor() / 7.0).collect();
    Ok((h.frequency, recency, ages))
}
