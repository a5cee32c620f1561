//! Results as one table shape: named, typed columns of equal length.
//!
//! Every face reads column results the same way through [`Table`]: the C
//! face hands a table out as one handle type (`eng_table`) whose columns are
//! borrowed pointers, with no JSON to parse and no size to ask first. Label
//! columns (stages, tiers, actions, funnel steps, channels) are `i32` codes
//! into the column's own list of labels, `-1` where there is none; missing
//! numbers are NaN.
//!
//! # Examples
//!
//! ```
//! use engagement_core::table::{Column, ToTable};
//! use engagement_core::{ActionInputs, ActionTable, JourneyStage, StageColumns};
//! let stages = StageColumns { customer: vec![1, 2], stage: vec![JourneyStage::Churned, JourneyStage::Repeat] };
//! let actions = ActionTable::default().recommend(&[1, 2, 3], &ActionInputs { stages: Some(&stages), ..Default::default() })?;
//! let t = actions.to_table();
//! assert_eq!((t.rows(), t.names()), (3, vec!["customer", "action"]));
//! let Some(Column::Label { codes, labels }) = t.column("action") else { panic!() };
//! assert_eq!(codes[2], -1);   // no rule matched customer 3
//! assert_eq!(labels[codes[1] as usize], "cross_sell");
//! # Ok::<(), engagement_core::EngError>(())
//! ```

use crate::journey::StageHistory;
use crate::journey::attribution::Attribution;
use crate::journey::funnel::FunnelResult;
use crate::model::{Code, JourneyStage};
use crate::segment::{
    ActionColumns, LoyaltyAccounts, LoyaltyReport, SegmentMembership, TierHistory,
};

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Unsigned integers: customer ids, counts.
    U64(Vec<u64>),
    /// Signed integers: Unix seconds.
    I64(Vec<i64>),
    /// Small codes and flags (1 = yes, 0 = no).
    U8(Vec<u8>),
    /// Numbers; NaN where there is none.
    F64(Vec<f64>),
    /// Codes into `labels`; `-1` where there is none.
    Label {
        /// One code per row.
        codes: Vec<i32>,
        /// The labels the codes index.
        labels: Vec<String>,
    },
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::U64(v) => v.len(),
            Column::I64(v) => v.len(),
            Column::U8(v) => v.len(),
            Column::F64(v) => v.len(),
            Column::Label { codes, .. } => codes.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The type's name, as errors and docs give it: `u64`, `i64`, `f64`, `label`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Column::U64(_) => "u64",
            Column::I64(_) => "i64",
            Column::U8(_) => "u8",
            Column::F64(_) => "f64",
            Column::Label { .. } => "label",
        }
    }

    /// A label column from optional indices into `labels`.
    pub fn labels<I: Into<usize> + Copy>(index: &[Option<I>], labels: &[String]) -> Column {
        Column::Label {
            codes: index
                .iter()
                .map(|i| i.map_or(-1, |i| i.into() as i32))
                .collect(),
            labels: labels.to_vec(),
        }
    }
}

/// Named columns of equal length (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    columns: Vec<(String, Column)>,
}

impl Table {
    /// A table of `columns`, in that order.
    ///
    /// # Panics
    /// When the columns differ in length or a name repeats (the tables are
    /// built by the library from its own results, so this is a bug).
    pub fn new(columns: Vec<(&str, Column)>) -> Table {
        let columns: Vec<(String, Column)> = columns
            .into_iter()
            .map(|(n, c)| (n.to_owned(), c))
            .collect();
        if let Some((_, first)) = columns.first() {
            assert!(
                columns.iter().all(|(_, c)| c.len() == first.len()),
                "table columns of different lengths"
            );
        }
        for (i, (name, _)) in columns.iter().enumerate() {
            assert!(
                columns[..i].iter().all(|(n, _)| n != name),
                "column {name} twice"
            );
        }
        Table { columns }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    /// Column names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// The columns with their names, in order.
    pub fn columns(&self) -> impl ExactSizeIterator<Item = (&str, &Column)> + '_ {
        self.columns.iter().map(|(n, c)| (n.as_str(), c))
    }
}

/// Results that read as a [`Table`].
pub trait ToTable {
    /// The result as a table (its columns are listed on each implementation).
    fn to_table(&self) -> Table;
}

/// `customer` (u64), `action` (label: the action of each customer, `-1` when no rule matched).
impl ToTable for ActionColumns {
    fn to_table(&self) -> Table {
        Table::new(vec![
            ("customer", Column::U64(self.customer.clone())),
            ("action", Column::labels(&self.action, &self.action_names)),
        ])
    }
}

/// `customer` (u64), `primary` (label: the first segment, in priority order, each customer is in;
/// `-1` for none) and one u8 column per segment, named `in:` and the segment's name (1 when the
/// customer is in it).
impl ToTable for SegmentMembership {
    fn to_table(&self) -> Table {
        let mut columns = vec![
            ("customer".to_owned(), Column::U64(self.customer.clone())),
            (
                "primary".to_owned(),
                Column::labels(&self.primary, &self.names),
            ),
        ];
        for (name, member) in self.names.iter().zip(&self.member) {
            columns.push((
                format!("in:{name}"),
                Column::U8(member.iter().map(|&b| u8::from(b)).collect()),
            ));
        }
        Table::new(
            columns
                .iter()
                .map(|(n, c)| (n.as_str(), c.clone()))
                .collect(),
        )
    }
}

/// `customer`, `balance`, `earned`, `redeemed`, `expired`, `rejected_redemptions` (u64) and
/// `tier` (label, `-1` below every tier).
impl ToTable for LoyaltyAccounts {
    fn to_table(&self) -> Table {
        Table::new(vec![
            ("customer", Column::U64(self.customer.clone())),
            ("balance", Column::U64(self.balance.clone())),
            ("earned", Column::U64(self.earned.clone())),
            ("redeemed", Column::U64(self.redeemed.clone())),
            ("expired", Column::U64(self.expired.clone())),
            (
                "rejected_redemptions",
                Column::U64(
                    self.rejected_redemptions
                        .iter()
                        .map(|&r| u64::from(r))
                        .collect(),
                ),
            ),
            ("tier", Column::labels(&self.tier, &self.tier_names)),
        ])
    }
}

impl LoyaltyReport {
    /// The tier history as a table: `customer` (u64), `tier` (label, `-1`
    /// for no tier, labels the programme's tier names) and `since` (i64,
    /// Unix seconds). The accounts are `report.accounts.to_table()`.
    pub fn history_table(&self) -> Table {
        history_table(&self.history, &self.accounts.tier_names)
    }
}

fn history_table(h: &TierHistory, names: &[String]) -> Table {
    Table::new(vec![
        ("customer", Column::U64(h.customer.clone())),
        ("tier", Column::labels(&h.tier, names)),
        ("since", Column::I64(h.since.clone())),
    ])
}

/// `customer` (u64), `stage` (label over every stage, in code order) and `entered_at` (i64).
impl ToTable for StageHistory {
    fn to_table(&self) -> Table {
        let labels: Vec<String> = JourneyStage::ALL
            .iter()
            .map(|s| s.label().to_owned())
            .collect();
        Table::new(vec![
            ("customer", Column::U64(self.customer.clone())),
            (
                "stage",
                Column::Label {
                    codes: self.stage.iter().map(|s| i32::from(s.code())).collect(),
                    labels,
                },
            ),
            ("entered_at", Column::I64(self.entered_at.clone())),
        ])
    }
}

/// One row per step: `step` (label: the step names), `customers`, `drop_off` (u64),
/// `step_conversion`, `step_conversion_low`, `step_conversion_high`, `overall_conversion`,
/// `overall_conversion_low`, `overall_conversion_high` (f64, the rates and their Wilson
/// intervals), `median_time`, `p25_time`, `p75_time` (f64 seconds from the previous step, NaN
/// where no one reached it). Breakdowns and correlations stay in the JSON form.
impl ToTable for FunnelResult {
    fn to_table(&self) -> Table {
        let rate = |p: &[crate::score::Proportion], f: fn(&crate::score::Proportion) -> f64| {
            Column::F64(p.iter().map(f).collect())
        };
        let time =
            |t: &[Option<f64>]| Column::F64(t.iter().map(|t| t.unwrap_or(f64::NAN)).collect());
        Table::new(vec![
            (
                "step",
                Column::Label {
                    codes: (0..self.steps.len() as i32).collect(),
                    labels: self.steps.clone(),
                },
            ),
            ("customers", Column::U64(self.customers.clone())),
            ("drop_off", Column::U64(self.drop_off.clone())),
            ("step_conversion", rate(&self.step_conversion, |p| p.rate)),
            (
                "step_conversion_low",
                rate(&self.step_conversion, |p| p.ci_low),
            ),
            (
                "step_conversion_high",
                rate(&self.step_conversion, |p| p.ci_high),
            ),
            (
                "overall_conversion",
                rate(&self.overall_conversion, |p| p.rate),
            ),
            (
                "overall_conversion_low",
                rate(&self.overall_conversion, |p| p.ci_low),
            ),
            (
                "overall_conversion_high",
                rate(&self.overall_conversion, |p| p.ci_high),
            ),
            ("median_time", time(&self.median_time)),
            ("p25_time", time(&self.p25_time)),
            ("p75_time", time(&self.p75_time)),
        ])
    }
}

/// One row per channel: `channel` (label), `conversions`, `value` (f64), `removal_effect`,
/// `value_removal_effect` (f64; NaN unless the rule is Markov).
/// Labels of `values` in sorted order, and each value's code.
fn dictionary<'a>(values: impl Iterator<Item = &'a str> + Clone) -> (Vec<i32>, Vec<String>) {
    let mut labels: Vec<String> = values.clone().map(str::to_owned).collect();
    labels.sort_unstable();
    labels.dedup();
    let codes = values
        .map(|v| {
            labels
                .binary_search_by(|l| l.as_str().cmp(v))
                .map_or(-1, |i| i as i32)
        })
        .collect();
    (codes, labels)
}

/// Due trigger actions: `customer`, `due` (Unix seconds), `rule` and
/// `action` (labels, sorted), in due order.
impl ToTable for Vec<crate::journey::triggers::DueAction> {
    fn to_table(&self) -> Table {
        let (rule_codes, rules) = dictionary(self.iter().map(|a| a.rule.as_str()));
        let (action_codes, actions) = dictionary(self.iter().map(|a| a.action.as_str()));
        Table::new(vec![
            (
                "customer",
                Column::U64(self.iter().map(|a| a.customer).collect()),
            ),
            ("due", Column::I64(self.iter().map(|a| a.due).collect())),
            (
                "rule",
                Column::Label {
                    codes: rule_codes,
                    labels: rules,
                },
            ),
            (
                "action",
                Column::Label {
                    codes: action_codes,
                    labels: actions,
                },
            ),
        ])
    }
}

impl ToTable for Attribution {
    fn to_table(&self) -> Table {
        let n = self.channels.len();
        let effects =
            |e: &Option<Vec<f64>>| Column::F64(e.clone().unwrap_or_else(|| vec![f64::NAN; n]));
        Table::new(vec![
            (
                "channel",
                Column::Label {
                    codes: (0..n as i32).collect(),
                    labels: self.channels.clone(),
                },
            ),
            ("conversions", Column::F64(self.conversions.clone())),
            ("value", Column::F64(self.value.clone())),
            ("removal_effect", effects(&self.removal_effects)),
            ("value_removal_effect", effects(&self.value_removal_effects)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::attribution::{Paths, Rule, attribute};
    use crate::model::TouchpointColumns;
    use crate::segment::{LoyaltyConfig, RedemptionColumns, run_loyalty};

    fn label_of<'a>(t: &'a Table, column: &str, row: usize) -> Option<&'a str> {
        match t.column(column) {
            Some(Column::Label { codes, labels }) => {
                usize::try_from(codes[row]).ok().map(|c| labels[c].as_str())
            }
            _ => panic!("{column} is not a label column"),
        }
    }

    #[test]
    fn loyalty_tables_say_what_the_report_says() {
        let day = 86_400;
        let report = run_loyalty(
            &TouchpointColumns {
                customer: &[3, 3, 4],
                time: &[0, day, 0],
                channel: &[1, 3, 1],
                kind: &[4, 7, 2],
                value: &[600.0, 0.0, 0.0],
                ..Default::default()
            },
            &RedemptionColumns {
                customer: &[3],
                time: &[2 * day],
                points: &[100],
            },
            10 * day,
            &LoyaltyConfig::default(),
        )
        .unwrap();
        let a = report.accounts.to_table();
        assert_eq!(a.rows(), 2);
        assert_eq!(
            a.column("balance"),
            Some(&Column::U64(report.accounts.balance.clone()))
        );
        assert_eq!(
            label_of(&a, "tier", 0),
            report.accounts.tier[0].and_then(|t| report.accounts.tier_name(t))
        );
        assert_eq!(label_of(&a, "tier", 1), None);
        let h = report.history_table();
        assert_eq!(h.rows(), report.history.customer.len());
        assert_eq!(label_of(&h, "tier", 0), Some("silver"));
        assert_eq!(
            h.column("since"),
            Some(&Column::I64(report.history.since.clone()))
        );
    }

    #[test]
    fn attribution_and_stage_history_tables() {
        let p = Paths::parse(&["a > b", "b"], &[1.0, 1.0], None, Some(&[0.0, 1.0]), ">").unwrap();
        let first = attribute(&p, &Rule::FirstTouch).unwrap().to_table();
        assert_eq!(
            first.names(),
            [
                "channel",
                "conversions",
                "value",
                "removal_effect",
                "value_removal_effect"
            ]
        );
        let Some(Column::F64(effects)) = first.column("removal_effect") else {
            panic!()
        };
        assert!(
            effects.iter().all(|e| e.is_nan()),
            "no removal effects outside Markov"
        );
        let rules =
            crate::journey::StageRules::new(crate::journey::StageConfig::default()).unwrap();
        let history = rules
            .history(
                &TouchpointColumns {
                    customer: &[1, 1],
                    time: &[0, 86_400],
                    channel: &[1, 1],
                    kind: &[4, 4],
                    value: &[5.0, 5.0],
                    ..Default::default()
                },
                2 * 86_400,
            )
            .unwrap();
        let t = history.to_table();
        assert_eq!(t.rows(), history.customer.len());
        for (i, stage) in history.stage.iter().enumerate() {
            assert_eq!(label_of(&t, "stage", i), Some(stage.label()));
        }
    }

    #[test]
    #[should_panic(expected = "different lengths")]
    fn columns_of_different_lengths_are_a_bug() {
        let _ = Table::new(vec![
            ("a", Column::U64(vec![1])),
            ("b", Column::F64(vec![])),
        ]);
    }
}
