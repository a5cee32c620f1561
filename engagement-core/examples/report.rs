//! The demo report: the engine on the bundled data.
//!
//! ```text
//! cargo run --release -p engagement-core --example report
//! ```
//!
//! Reads the real CDNOW transactions (`data/cdnow/`) and the generated
//! multi-channel sample (`data/sample/`), and prints customers per journey
//! stage, the most engaged customers, NPS and CSAT with their intervals,
//! churn and retention, simple lifetime value, RFM segments, the segments of
//! `data/segments.json`, loyalty tiers, next best actions, monthly acquisition
//! cohorts, a Kaplan–Meier retention curve, a funnel and channel attribution.
//! It also writes the key charts and tables as one self-contained HTML page,
//! `target/report.html` (or the path in `ENGAGEMENT_REPORT_HTML`).

#![allow(clippy::print_stdout)]

mod common;
mod html;

use std::collections::BTreeMap;
use std::error::Error;

use engagement_core::{
    ActionInputs, ActionTable, Code, CustomerFeatures, JourneyStage, LoyaltyConfig, MonetaryBasis,
    Profile, ProfileStore, RedemptionColumns, RfmConfig, RfmValues, ScoreConfig, Scorer,
    SegmentSet, SimpleClvInput, StageConfig, StageRules, TouchpointTable, conversion_rate,
    csat_of_profiles, nps_of_profiles, percentile_ranks, purchase_summary, repeat_purchase_rate,
    rfm_scores, run_loyalty, simple_clv,
};

use common::{date, unix_midnight};

const LEVEL: f64 = 0.95;

struct Data<'a> {
    title: &'a str,
    table: TouchpointTable,
    as_of: i64,
    churn_period: (i64, i64),
}

fn main() -> Result<(), Box<dyn Error>> {
    println!("engagement {} - demo report", env!("CARGO_PKG_VERSION"));
    let mut page = html::Page::default();
    page.note(&format!(
        "engagement {}, demo report on the bundled data. Scores are 0-100; intervals are {:.0} % \
         confidence intervals. The same numbers as the text report (cargo run --release -p \
         engagement-core --example report).",
        env!("CARGO_PKG_VERSION"),
        LEVEL * 100.0
    ));
    println!(
        "Scores are 0-100; intervals are {:.0} % confidence intervals.",
        LEVEL * 100.0
    );
    report(
        Data {
            title: "CDNOW: 2,357 customers' CD purchases, 1997-01 to 1998-06 (Fader & Hardie's 1/10th sample)",
            table: common::cdnow_sample()?,
            as_of: unix_midnight(1998, 7, 1) - 1,
            churn_period: (unix_midnight(1998, 1, 1), unix_midnight(1998, 7, 1)),
        },
        &mut page,
    )?;
    report(
        Data {
            title: "Multi-channel sample: 800 generated customers over 2024 (data/sample/touchpoints.csv)",
            table: common::multichannel_sample()?,
            as_of: unix_midnight(2025, 1, 1) - 1,
            churn_period: (unix_midnight(2024, 10, 1), unix_midnight(2025, 1, 1)),
        },
        &mut page,
    )?;
    let path = std::env::var_os("ENGAGEMENT_REPORT_HTML").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/report.html"),
        std::path::PathBuf::from,
    );
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, page.render("engagement - demo report"))?;
    let shown = path.canonicalize().unwrap_or(path);
    println!("\nVisual report (charts and tables): {}", shown.display());
    Ok(())
}

fn report(data: Data<'_>, page: &mut html::Page) -> Result<(), Box<dyn Error>> {
    let Data {
        title,
        table,
        as_of,
        churn_period,
    } = data;
    println!(
        "\n{}\n{title}\n{}",
        "=".repeat(title.len().min(100)),
        "=".repeat(title.len().min(100))
    );
    let config = ScoreConfig::default();
    let scorer = Scorer::new(config.clone())?;
    let rules = StageRules::new(StageConfig::default())?;
    let mut store = ProfileStore::new(config.signals.clone())?;
    store.push_columns(&table.columns())?;
    let profiles: Vec<&Profile> = store.iter().collect(); // ascending customer id
    println!(
        "{} touchpoints, {} customers, as of {}",
        table.len(),
        profiles.len(),
        date(as_of)
    );

    // Stages.
    let stages = rules.stage_store(&store, as_of)?.stage;
    let mut per_stage: BTreeMap<JourneyStage, usize> = BTreeMap::new();
    for s in &stages {
        *per_stage.entry(*s).or_default() += 1;
    }
    page.part(title);
    page.note(&format!(
        "{} touchpoints, {} customers, as of {}.",
        table.len(),
        profiles.len(),
        date(as_of)
    ));
    page.bars(
        "Customers per journey stage",
        &JourneyStage::ALL
            .iter()
            .map(|s| s.label().to_string())
            .collect::<Vec<_>>(),
        &[(
            "customers",
            JourneyStage::ALL
                .iter()
                .map(|s| per_stage.get(s).copied().unwrap_or(0) as f64)
                .collect(),
        )],
        "customers",
    );
    println!("\nCustomers per journey stage");
    for stage in JourneyStage::ALL {
        let n = per_stage.get(stage).copied().unwrap_or(0);
        let share = 100.0 * n as f64 / profiles.len() as f64;
        println!(
            "  {:<14} {:>6}  {:>5.1} %  {}",
            stage.label(),
            n,
            share,
            "#".repeat((share / 2.0).round() as usize)
        );
    }

    // Engagement.
    let scores = scorer.score_store(&store, as_of)?;
    let ranks = percentile_ranks(&scores.total)?;
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        scores.total[b]
            .total_cmp(&scores.total[a])
            .then(scores.customer[a].cmp(&scores.customer[b]))
    });
    println!("\nMost engaged customers (engagement score and its four types)");
    println!(
        "  {:>8} {:>6} {:>6} {:>9} {:>10} {:>10} {:>6} {:>9} {:>10}  stage",
        "customer",
        "total",
        "pctl",
        "emotional",
        "contextual",
        "convenient",
        "social",
        "purchases",
        "revenue"
    );
    for &i in order.iter().take(8) {
        let p = profiles[i];
        println!(
            "  {:>8} {:>6.1} {:>6.1} {:>9.1} {:>10.1} {:>10.1} {:>6.1} {:>9} {:>10.2}  {}",
            scores.customer[i],
            scores.total[i],
            ranks[i],
            scores.emotional[i],
            scores.contextual[i],
            scores.convenient[i],
            scores.social[i],
            p.purchases(),
            p.revenue(),
            stages[i]
        );
    }
    let mean = scores.total.iter().sum::<f64>() / scores.len() as f64;
    println!("  mean engagement score: {mean:.1}");

    // Survey metrics (only where there are answers).
    println!("\nCustomer voice");
    match nps_of_profiles(profiles.iter().copied(), LEVEL) {
        Ok(n) => println!(
            "  NPS  {:+.1} (SE {:.1}, CI {:+.1} .. {:+.1}) from {} customers: {} promoters, {} passives, {} detractors",
            n.score, n.std_error, n.ci_low, n.ci_high, n.n, n.promoters, n.passives, n.detractors
        ),
        Err(e) => println!("  NPS  n/a ({e})"),
    }
    match csat_of_profiles(profiles.iter().copied(), LEVEL) {
        Ok(c) => println!(
            "  CSAT {:.1} % (CI {:.1} .. {:.1} %) from {} customers",
            100.0 * c.rate,
            100.0 * c.ci_low,
            100.0 * c.ci_high,
            c.trials
        ),
        Err(e) => println!("  CSAT n/a ({e})"),
    }

    // Purchases and value.
    let ps = purchase_summary(profiles.iter().copied())?;
    let conv = conversion_rate(ps.buyers, ps.customers, LEVEL)?;
    let repeat = repeat_purchase_rate(profiles.iter().copied(), LEVEL)?;
    println!("\nPurchases");
    println!(
        "  {} orders, revenue {:.2}, refunds {:.2}; average order value {:.2}; {:.2} orders per buyer",
        ps.orders, ps.revenue, ps.refunds, ps.average_order_value, ps.purchase_frequency
    );
    if ps.buyers < ps.customers {
        println!(
            "  conversion (customers who bought): {:.1} % (CI {:.1} .. {:.1} %)",
            100.0 * conv.rate,
            100.0 * conv.ci_low,
            100.0 * conv.ci_high
        );
    }
    println!(
        "  repeat-purchase rate: {:.1} % (CI {:.1} .. {:.1} %)",
        100.0 * repeat.rate,
        100.0 * repeat.ci_low,
        100.0 * repeat.ci_high
    );

    // Churn and retention over the period, from the stage history.
    let history = rules.history(&table.columns(), as_of)?;
    let (start, end) = churn_period;
    let churn = history.churn_between(start, end, LEVEL)?;
    println!(
        "\nChurn and retention, {} .. {}",
        date(start),
        date(end - 1)
    );
    println!(
        "  {} buyers at the start, {} lost, {} new or returning, {} at the end",
        churn.at_start, churn.lost, churn.new, churn.at_end
    );
    println!(
        "  churn {:.1} % (CI {:.1} .. {:.1} %), retention {:.1} %",
        100.0 * churn.churn.rate,
        100.0 * churn.churn.ci_low,
        100.0 * churn.churn.ci_high,
        100.0 * churn.retention
    );

    // Simple CLV from the observed order value and yearly frequency.
    let span_years = (as_of
        - profiles
            .iter()
            .filter_map(|p| p.first_touch())
            .min()
            .unwrap_or(as_of)) as f64
        / (365.25 * 86_400.0);
    let yearly_frequency = ps.purchase_frequency / span_years.max(1.0 / 365.25);
    let input = SimpleClvInput {
        average_order_value: ps.average_order_value,
        purchase_frequency: yearly_frequency,
        lifespan: 3.0,
        margin: 0.3,
        discount_rate: 0.1,
    };
    println!(
        "\nSimple lifetime value (assumed: 3-year lifespan, 30 % margin, 10 % yearly discount rate)"
    );
    println!(
        "  {:.2} orders per buyer per year x {:.2} per order -> CLV {:.2} per buyer (undiscounted {:.2})",
        yearly_frequency,
        ps.average_order_value,
        simple_clv(&input)?,
        simple_clv(&SimpleClvInput {
            discount_rate: 0.0,
            ..input
        })?
    );

    lifetime_value(&table, as_of, page)?;
    segmentation(&table, &store, as_of, &scorer, &rules, page)
}

/// The purchases of `table` as transaction columns (customer, time, value).
fn purchases(table: &TouchpointTable) -> (Vec<u64>, Vec<i64>, Vec<f64>) {
    let purchase = engagement_core::TouchpointKind::Purchase as u8;
    let rows: Vec<usize> = (0..table.len())
        .filter(|&i| table.kind[i] == purchase)
        .collect();
    (
        rows.iter().map(|&i| table.customer[i]).collect(),
        rows.iter().map(|&i| table.time[i]).collect(),
        rows.iter()
            .map(|&i| table.value.get(i).copied().unwrap_or(0.0))
            .collect(),
    )
}

/// The BG/NBD model fitted to the purchases, and its period-transactions check.
fn lifetime_value(
    table: &TouchpointTable,
    as_of: i64,
    page: &mut html::Page,
) -> Result<(), Box<dyn Error>> {
    use engagement_core::clv::fit::FitOptions;
    use engagement_core::clv::{ClvColumns, ClvModel, ClvModelKind};
    use engagement_core::transactions::{Period, SummaryConfig, TransactionColumns, summarize};
    let (customer, time, value) = purchases(table);
    let summary = summarize(
        &TransactionColumns {
            customer: &customer,
            time: &time,
            value: &value,
        },
        as_of,
        &SummaryConfig {
            period: Period::Day,
            unit: Period::Week,
        },
    )?;
    let columns = ClvColumns {
        frequency: &summary.frequency,
        recency: Some(&summary.recency),
        t: Some(&summary.t),
        ..Default::default()
    };
    let fit = ClvModel::fit(ClvModelKind::BgNbd, &columns, &FitOptions::default())?;
    let table = fit.model.period_transactions(&columns, 7)?;
    let params: Vec<String> = fit
        .model
        .parameters()
        .iter()
        .map(|(n, v)| format!("{n} {v:.3}"))
        .collect();
    println!(
        "\nBG/NBD fit to the purchases (weeks): {}; period transactions chi-square {:.1} ({} d.f., p = {:.3})",
        params.join(", "),
        table.chi_square,
        table.degrees_of_freedom,
        table.p_value
    );
    let mut labels: Vec<String> = table.frequency.iter().map(u32::to_string).collect();
    if let Some(last) = labels.last_mut() {
        last.push('+');
    }
    page.bars(
        &format!(
            "BG/NBD check: customers by repeat purchases, actual and model (chi-square {:.1}, {} d.f., p = {:.3})",
            table.chi_square, table.degrees_of_freedom, table.p_value
        ),
        &labels,
        &[
            ("actual", table.actual.clone()),
            ("BG/NBD", table.expected.clone()),
        ],
        "customers",
    );
    page.note(&format!(
        "BG/NBD fitted by maximum likelihood to the purchases in weeks: {}.",
        params.join(", ")
    ));
    Ok(())
}

/// RFM segments, the segments of `data/segments.json`, loyalty tiers and the next best actions.
fn segmentation(
    table: &TouchpointTable,
    store: &ProfileStore,
    as_of: i64,
    scorer: &Scorer,
    rules: &StageRules,
    page: &mut html::Page,
) -> Result<(), Box<dyn Error>> {
    let rfm = rfm_scores(
        &RfmValues::from_store(store, as_of, MonetaryBasis::Total)?,
        &RfmConfig::default(),
    )?;
    let mut revenue: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    let mut total = 0.0;
    for (i, c) in rfm.customer.iter().enumerate() {
        let r = store.get(*c)?.revenue();
        let e = revenue
            .entry(rfm.segment_name(i).unwrap_or("?"))
            .or_default();
        e.0 += 1;
        e.1 += r;
        total += r;
    }
    println!(
        "\nRFM segments ({} buyers; scores: {}, equal values together)",
        rfm.customer.len(),
        match rfm.bins {
            engagement_core::RfmBins::Customers => "fifths of customers",
            engagement_core::RfmBins::DistinctValues => "fifths of distinct values",
        }
    );
    println!("  {:<20} {:>7} {:>9}", "segment", "buyers", "revenue");
    page.table(
        "RFM segments",
        &["segment", "buyers", "revenue share"],
        &rfm.segment_names
            .iter()
            .map(|name| {
                let (n, r) = revenue.get(name.as_str()).copied().unwrap_or_default();
                vec![
                    name.clone(),
                    n.to_string(),
                    format!("{:.1} %", 100.0 * r / total.max(f64::MIN_POSITIVE)),
                ]
            })
            .collect::<Vec<_>>(),
    );
    for name in &rfm.segment_names {
        let (n, r) = revenue.get(name.as_str()).copied().unwrap_or_default();
        println!(
            "  {:<20} {:>7} {:>8.1} %",
            name,
            n,
            100.0 * r / total.max(f64::MIN_POSITIVE)
        );
    }

    let definition = std::fs::read_to_string(common::data_dir().join("segments.json"))?;
    let set = SegmentSet::from_json(&definition)?;
    let stages = rules.stage_store(store, as_of)?;
    let features = CustomerFeatures::from_store(store, as_of)?
        .with_scores(&scorer.score_store(store, as_of)?)?
        .with_stages(&stages)?
        .with_rfm(&rfm)?;
    let membership = set.evaluate(&features)?;
    println!(
        "\nSegments of data/segments.json (members; primary = first segment in priority order)"
    );
    let mut primary = vec![0usize; membership.names.len()];
    for p in membership.primary.iter().flatten() {
        primary[usize::from(*p)] += 1;
    }
    for ((name, size), first) in membership
        .names
        .iter()
        .zip(membership.sizes())
        .zip(&primary)
    {
        println!("  {name:<20} {size:>7} members, {first:>7} primary");
    }

    let no_redemptions = RedemptionColumns::default();
    let loyalty = run_loyalty(
        &table.columns(),
        &no_redemptions,
        as_of,
        &LoyaltyConfig::default(),
    )?;
    let accounts = &loyalty.accounts;
    let mut tiers = vec![0usize; accounts.tier_names.len()];
    let mut untiered = 0;
    for t in &accounts.tier {
        match t {
            Some(t) => tiers[usize::from(*t)] += 1,
            None => untiered += 1,
        }
    }
    println!("\nLoyalty (default programme: 1 point per unit spent, tiers on 365-day spend)");
    println!("  no tier {untiered}");
    for (name, n) in accounts.tier_names.iter().zip(&tiers) {
        println!("  {name:<8}{n:>7}");
    }
    println!(
        "  points earned {}, expired {}, balance {}; {} tier changes recorded",
        accounts.earned.iter().sum::<u64>(),
        accounts.expired.iter().sum::<u64>(),
        accounts.balance.iter().sum::<u64>(),
        loyalty.history.customer.len()
    );

    let actions = ActionTable::default().recommend(
        store.customers(),
        &ActionInputs {
            stages: Some(&stages),
            segments: Some(&membership),
            loyalty: Some(accounts),
        },
    )?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for i in 0..actions.customer.len() {
        *counts
            .entry(actions.action_name(i).unwrap_or("(none)"))
            .or_default() += 1;
    }
    println!("\nNext best action (default table)");
    for (action, n) in counts {
        println!("  {action:<26} {n:>7}");
    }
    journeys(table, store, as_of, page)
}

/// Cohorts, retention curve and attribution of one data set.
fn journeys(
    table: &TouchpointTable,
    store: &ProfileStore,
    as_of: i64,
    page: &mut html::Page,
) -> Result<(), Box<dyn Error>> {
    use engagement_core::attribution::{Rule, attribute, paths_from_touchpoints};
    use engagement_core::cohort::{CohortConfig, cohorts};
    use engagement_core::survival::kaplan_meier;
    use engagement_core::transactions::TransactionColumns;

    // Purchases only, as transactions.
    let (customer, time, value) = purchases(table);
    let tx = TransactionColumns {
        customer: &customer,
        time: &time,
        value: &value,
    };
    let shown = 6;
    let c = cohorts(
        &tx,
        as_of,
        &CohortConfig {
            max_periods: shown as u32,
            ..Default::default()
        },
    )?;
    let mut head = vec!["cohort".to_string(), "size".to_string()];
    head.extend((0..shown).map(|k| format!("month {k}")));
    page.heat_table(
        "Cohort retention: share of each monthly acquisition cohort buying in month k",
        &head,
        &c.cohort_start
            .iter()
            .enumerate()
            .map(|(row, start)| {
                (
                    date(*start)[..7].to_string(),
                    vec![c.size[row].to_string()],
                    c.retention[row * shown..(row + 1) * shown].to_vec(),
                )
            })
            .collect::<Vec<_>>(),
    );
    println!(
        "\nMonthly acquisition cohorts: share buying again in month k after the first purchase"
    );
    print!("  {:<8} {:>6}", "cohort", "size");
    for k in 0..shown {
        print!(" {:>6}", format!("m{k}"));
    }
    println!();
    for (row, start) in c.cohort_start.iter().enumerate() {
        print!("  {:<8} {:>6}", &date(*start)[..7], c.size[row]);
        for k in 0..shown {
            let r = c.retention[row * shown + k];
            if r.is_nan() {
                print!(" {:>6}", "");
            } else {
                print!(" {:>5.1}%", 100.0 * r);
            }
        }
        println!();
    }

    // Time from the first to the last purchase; churn seen when the last purchase is over 180 days old.
    let (mut duration, mut observed) = (Vec::new(), Vec::new());
    for p in store.iter() {
        if let (Some(first), Some(last)) = (p.first_purchase(), p.last_purchase()) {
            duration.push((last - first) as f64 / 86_400.0 / 30.0);
            observed.push(as_of - last > 180 * 86_400);
        }
    }
    if !duration.is_empty() {
        let km = kaplan_meier(&duration, &observed, LEVEL)?;
        let mut x = vec![0.0];
        x.extend(&km.time);
        let with_start = |v: &[f64]| {
            let mut out = vec![1.0];
            out.extend(v);
            out
        };
        page.steps(
            "Retention curve of buyers (Kaplan-Meier, 95 % band)",
            &x,
            &[(
                "still buying",
                with_start(&km.survival),
                Some((with_start(&km.ci_low), with_start(&km.ci_high))),
            )],
            "months from the first to the last purchase",
            "share of buyers",
        );
        println!(
            "\nRetention curve of buyers (Kaplan-Meier; months from first to last purchase; churn = no purchase for 180 days)"
        );
        for months in [1.0, 3.0, 6.0, 12.0] {
            let at = km.time.iter().rposition(|&t| t <= months).unwrap_or(0);
            println!(
                "  still buying after {months:>4} months: {:>5.1} %  ({:.1} - {:.1})",
                100.0 * km.survival[at],
                100.0 * km.ci_low[at],
                100.0 * km.ci_high[at]
            );
        }
        match km.median {
            Some(m) => println!("  median buying lifetime: {m:.1} months"),
            None => println!("  median buying lifetime: beyond the data"),
        }
    }

    let funnel: engagement_core::funnel::Funnel = serde_json::from_str(
        r#"{"steps": [
            {"name": "opened a message", "kinds": ["open"]},
            {"name": "visited web or app", "kinds": ["visit"], "channels": ["web", "mobile_app"]},
            {"name": "purchased", "kinds": ["purchase"]}], "window": 2592000}"#,
    )?;
    match engagement_core::funnel::run_funnel(&table.columns(), &funnel) {
        Ok(f) => {
            page.bars(
                "Funnel within 30 days of opening a message: customers per step",
                &f.steps,
                &[("customers", f.customers.iter().map(|&n| n as f64).collect())],
                "customers",
            );
            page.table(
                "Funnel steps",
                &[
                    "step",
                    "customers",
                    "step conversion",
                    "95 % interval",
                    "median days",
                ],
                &(0..f.steps.len())
                    .map(|i| {
                        let p = &f.step_conversion[i];
                        vec![
                            f.steps[i].clone(),
                            f.customers[i].to_string(),
                            format!("{:.1} %", 100.0 * p.rate),
                            format!("{:.1} - {:.1} %", 100.0 * p.ci_low, 100.0 * p.ci_high),
                            format!("{:.1}", f.median_time[i].unwrap_or(f64::NAN) / 86_400.0),
                        ]
                    })
                    .collect::<Vec<_>>(),
            );
            println!(
                "\nFunnel within 30 days of opening a message (customers; step conversion with 95 % interval)"
            );
            for i in 0..f.steps.len() {
                let p = &f.step_conversion[i];
                println!(
                    "  {:<20} {:>6}  {:>5.1} % ({:.1} - {:.1})  median {:>5.1} days",
                    f.steps[i],
                    f.customers[i],
                    100.0 * p.rate,
                    100.0 * p.ci_low,
                    100.0 * p.ci_high,
                    f.median_time[i].unwrap_or(f64::NAN) / 86_400.0
                );
            }
        }
        Err(e) => {
            println!("\nFunnel: not applicable to these data ({e})");
            page.note(&format!("Funnel: not applicable to these data ({e})."));
        }
    }

    // The same funnel as a product team cuts it: by the channel of the first message each
    // customer opened, and the days from opening to purchasing.
    let mut by_entry = funnel.clone();
    by_entry.breakdown = Some(engagement_core::funnel::Property::Channel);
    by_entry.entry = engagement_core::funnel::Entry::First;
    by_entry.time_bins = 10;
    if let Ok(f) = engagement_core::funnel::run_funnel(&table.columns(), &by_entry) {
        let last = f.steps.len() - 1;
        let rows: Vec<Vec<String>> = f
            .breakdown
            .iter()
            .map(|g| {
                let p = &g.result.overall_conversion[last];
                vec![
                    g.label.clone(),
                    g.result.customers[0].to_string(),
                    g.result.customers[last].to_string(),
                    format!("{:.1} %", 100.0 * p.rate),
                    format!("{:.1} - {:.1} %", 100.0 * p.ci_low, 100.0 * p.ci_high),
                ]
            })
            .collect();
        page.table(
            "Funnel by the channel of the first message opened (entry: the customer's first open)",
            &[
                "channel",
                "opened",
                "purchased",
                "conversion",
                "95 % interval",
            ],
            &rows,
        );
        println!(
            "
Funnel by the channel of the first message opened (opened, purchased, conversion)"
        );
        for r in &rows {
            println!(
                "  {:<12} {:>6} {:>6}  {:>7}  ({})",
                r[0], r[1], r[2], r[3], r[4]
            );
        }
        let h = &f.time_histogram[last];
        if !h.counts.is_empty() {
            let bins: Vec<String> = h
                .edges
                .windows(2)
                .map(|w| format!("{:.1}-{:.1}", w[0] / 86_400.0, w[1] / 86_400.0))
                .collect();
            page.bars(
                &format!(
                    "Days from opening a message to purchasing ({} purchasers; median {:.1} days)",
                    f.customers[last],
                    f.median_time[last].unwrap_or(f64::NAN) / 86_400.0
                ),
                &bins,
                &[("purchasers", h.counts.iter().map(|&n| n as f64).collect())],
                "purchasers",
            );
            println!(
                "  days to purchase: {}",
                bins.iter()
                    .zip(&h.counts)
                    .map(|(b, n)| format!("{b}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }

    // Retention as product teams define it: of the customers first active in a month, the share
    // purchasing in each later month (only months each cohort had reached by the end of the data),
    // and each month's active customers by lifecycle state.
    let no_extra = engagement_core::journey::paths::PathColumns::default();
    let retention_config: engagement_core::returning::RetentionConfig = serde_json::from_value(
        serde_json::json!({
        "start": {}, "return": {"kinds": ["purchase"]}, "period": "month", "periods": 6, "as_of": as_of}),
    )?;
    match engagement_core::returning::retention(&table.columns(), &no_extra, &retention_config) {
        Ok(r) => {
            let k = r.brackets.len();
            let first = r.cohort.len().saturating_sub(12);
            let mut head = vec!["cohort".to_string(), "customers".to_string()];
            head.extend(r.brackets.iter().map(|b| format!("month {}", b[0])));
            page.heat_table(
                "Purchase retention: of the customers first active in a month, the share purchasing in month k (blank: not yet reached)",
                &head,
                &(first..r.cohort.len())
                    .map(|row| {
                        (
                            r.cohort[row].clone(),
                            vec![r.size[row].to_string()],
                            (0..k).map(|j| r.rate[row * k + j].unwrap_or(f64::NAN)).collect(),
                        )
                    })
                    .collect::<Vec<_>>(),
            );
            println!(
                "\nPurchase retention of monthly first-activity cohorts (share purchasing in month k; - not yet reached)"
            );
            print!("  {:<10} {:>6}", "cohort", "size");
            for b in &r.brackets {
                print!(" {:>6}", format!("m{}", b[0]));
            }
            println!();
            for row in first..r.cohort.len() {
                print!("  {:<10} {:>6}", r.cohort[row], r.size[row]);
                for j in 0..k {
                    match r.rate[row * k + j] {
                        Some(v) => print!(" {:>5.1}%", 100.0 * v),
                        None => print!(" {:>6}", "-"),
                    }
                }
                println!();
            }
        }
        Err(e) => println!(
            "
Purchase retention: not applicable to these data ({e})"
        ),
    }
    let lifecycle_config: engagement_core::lifecycle::LifecycleConfig = serde_json::from_value(
        serde_json::json!({"activity": {}, "period": "month", "as_of": as_of}),
    )?;
    if let Ok(l) =
        engagement_core::lifecycle::lifecycle(&table.columns(), &no_extra, &lifecycle_config)
    {
        let first = l.label.len().saturating_sub(12);
        let series = |v: &[u64]| v[first..].iter().map(|&n| n as f64).collect::<Vec<_>>();
        page.bars(
            "Active customers per month by lifecycle state (new, returning, resurrecting; dormant: active the month before, not this one)",
            &l.label[first..],
            &[
                ("new", series(&l.new)),
                ("returning", series(&l.returning)),
                ("resurrecting", series(&l.resurrecting)),
                ("dormant", series(&l.dormant)),
            ],
            "customers",
        );
        println!(
            "
Lifecycle per month (new, returning, resurrecting, dormant)"
        );
        for i in first..l.label.len() {
            println!(
                "  {:<10} {:>6} {:>6} {:>6} {:>6}{}",
                l.label[i],
                l.new[i],
                l.returning[i],
                l.resurrecting[i],
                l.dormant[i],
                if l.complete[i] {
                    ""
                } else {
                    "  (month not over)"
                }
            );
        }
    }

    // Paths through the touchpoints' kinds and channels: the transition graph's busiest edges
    // and the step matrix of the first five steps.
    let path_config: engagement_core::journey::paths::PathConfig = serde_json::from_str(
        r#"{"by": "kind:channel", "collapse_repeats": true, "steps": 5, "top_paths": 5, "path_length": 4}"#,
    )?;
    let p = engagement_core::journey::paths::path_analysis(
        &table.columns(),
        &Default::default(),
        &path_config,
    )?;
    if p.labels.len() > 3 {
        paths_section(page, &p);
    } else {
        println!("\nPaths: one kind:channel only, nothing to trace");
    }

    let paths = paths_from_touchpoints(
        &table.columns(),
        std::time::Duration::from_secs(30 * 86_400),
    )?;
    if paths.conversions.iter().sum::<f64>() > 0.0 && paths.channels.len() > 1 {
        let rules = [
            ("first", Rule::FirstTouch),
            ("last", Rule::LastTouch),
            ("linear", Rule::Linear),
            ("markov2", Rule::Markov { order: 2 }),
            ("shapley", Rule::Shapley),
        ];
        let results: Vec<_> = rules
            .iter()
            .map(|(_, r)| attribute(&paths, r))
            .collect::<Result<_, _>>()?;
        page.bars(
            "Conversions by channel under five attribution rules (touchpoints within 30 days before each purchase; the purchase itself is not a touch)",
            &paths.channels,
            &rules
                .iter()
                .zip(&results)
                .map(|((name, _), r)| (*name, r.conversions.clone()))
                .collect::<Vec<_>>(),
            "conversions credited",
        );
        println!(
            "\nConversions by channel (paths: touchpoints within 30 days before each purchase, the purchase not a touch)"
        );
        print!("  {:<12}", "channel");
        for (name, _) in &rules {
            print!(" {name:>8}");
        }
        println!();
        for (i, channel) in paths.channels.iter().enumerate() {
            print!("  {channel:<12}");
            for r in &results {
                print!(" {:>8.1}", r.conversions[i]);
            }
            println!();
        }
    } else {
        println!("\nAttribution: one channel only, nothing to compare");
        page.note("Attribution: one channel only, nothing to compare.");
    }
    Ok(())
}

/// The paths section of the page and the printout: the busiest transitions and the step matrix.
fn paths_section(page: &mut html::Page, p: &engagement_core::journey::paths::PathAnalysis) {
    let mut busiest: Vec<usize> = (0..p.edges.from.len()).collect();
    busiest.sort_by_key(|&i| std::cmp::Reverse(p.edges.count[i]));
    busiest.truncate(8);
    let name = |i: u32| p.labels[i as usize].clone();
    page.table(
        "Paths: the busiest transitions between kind:channel steps (repeats collapsed)",
        &[
            "from",
            "to",
            "transitions",
            "customers",
            "share of the source's ways out",
            "median hours",
        ],
        &busiest
            .iter()
            .map(|&i| {
                vec![
                    name(p.edges.from[i]),
                    name(p.edges.to[i]),
                    p.edges.count[i].to_string(),
                    p.edges.customers[i].to_string(),
                    format!("{:.1} %", 100.0 * p.edges.proba_out[i]),
                    p.edges.median_seconds[i].map_or("-".into(), |s| format!("{:.1}", s / 3600.0)),
                ]
            })
            .collect::<Vec<_>>(),
    );
    let steps = p.steps as usize;
    let mut shown_rows: Vec<usize> = (0..p.labels.len())
        .filter(|&r| p.labels[r] != "path_start")
        .filter(|&r| {
            p.step_matrix[r * steps..(r + 1) * steps]
                .iter()
                .any(|&x| x >= 0.05)
        })
        .collect();
    shown_rows.sort_by(|&a, &b| p.step_matrix[b * steps].total_cmp(&p.step_matrix[a * steps]));
    let mut head = vec!["step".to_string(), "".to_string()];
    head.extend((1..=steps).map(|k| format!("{k}")));
    page.heat_table(
        "Step matrix: share of customers whose k-th step (repeats collapsed) is each kind:channel (rows reaching 5 % somewhere; path_end: journey over)",
        &head,
        &shown_rows
            .iter()
            .map(|&r| {
                (
                    p.labels[r].clone(),
                    vec![String::new()],
                    p.step_matrix[r * steps..(r + 1) * steps].to_vec(),
                )
            })
            .collect::<Vec<_>>(),
    );
    println!(
        "\nPaths through kind:channel (repeats collapsed; {} customers): busiest transitions",
        p.customers
    );
    for &i in busiest.iter().take(5) {
        println!(
            "  {:<26} -> {:<26} {:>6}  {:>5.1} % of the ways out",
            name(p.edges.from[i]),
            name(p.edges.to[i]),
            p.edges.count[i],
            100.0 * p.edges.proba_out[i]
        );
    }
    println!("  most common paths:");
    for (path, n) in p.top_paths.iter().zip(&p.top_path_counts).take(3) {
        println!("  {n:>6}  {}", path.join(" > "));
    }
}
