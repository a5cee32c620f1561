//! Next best action: a rule table from (stage, segment, tier) to a named action.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::journey::StageColumns;
use crate::model::JourneyStage;
use crate::segment::ids::{ActionId, TierId};
use crate::segment::loyalty::LoyaltyAccounts;
use crate::segment::rules::SegmentMembership;

/// One row of the action table. Each non-empty list is a condition (the
/// customer's stage is one of `stages`, they are in one of `segments`, their
/// tier is one of `tiers`); all conditions must hold. Empty lists match anyone.
///
/// # Examples
///
/// ```
/// use engagement_core::ActionRule;
/// let r: ActionRule = serde_json::from_str(r#"{"action": "gift", "priority": 3, "tiers": ["gold"]}"#)?;
/// assert!(r.stages.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRule {
    /// Name of the action.
    pub action: String,
    /// Lower numbers win when several rows match (ties: table order).
    pub priority: u32,
    /// Journey stages this row applies to.
    #[serde(default)]
    pub stages: Vec<JourneyStage>,
    /// Segment names (any membership counts).
    #[serde(default)]
    pub segments: Vec<String>,
    /// Loyalty tier names.
    #[serde(default)]
    pub tiers: Vec<String>,
}

/// The action table (data, serde).
///
/// Default table:
///
/// | action | priority | when |
/// |---|---|---|
/// | win_back_offer | 10 | stage at_risk |
/// | vip_care | 15 | tier platinum |
/// | reactivation_campaign | 20 | stage churned |
/// | referral_ask | 30 | stage advocate |
/// | upgrade_offer | 40 | stage loyal |
/// | onboarding_series | 50 | stage new_customer |
/// | cross_sell | 60 | stage repeat |
/// | first_purchase_incentive | 70 | stage engaged |
/// | nurture_content | 80 | stage prospect |
///
/// A condition on data that was not supplied (no stages, segments or loyalty
/// accounts given) never matches.
///
/// # Examples
///
/// ```
/// use engagement_core::{ActionInputs, ActionTable, JourneyStage, StageColumns};
/// let stages = StageColumns { customer: vec![1, 2, 3],
///     stage: vec![JourneyStage::AtRisk, JourneyStage::Advocate, JourneyStage::Prospect] };
/// let inputs = ActionInputs { stages: Some(&stages), ..Default::default() };
/// let a = ActionTable::default().recommend(&stages.customer, &inputs)?;
/// assert_eq!(a.action_name(0), Some("win_back_offer"));
/// assert_eq!(a.action_name(1), Some("referral_ask"));
/// assert_eq!(a.action_name(2), Some("nurture_content"));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionTable {
    /// The rows.
    pub rules: Vec<ActionRule>,
}

impl Default for ActionTable {
    fn default() -> Self {
        use JourneyStage as S;
        let stage = |action: &str, priority, s: JourneyStage| ActionRule {
            action: action.into(),
            priority,
            stages: vec![s],
            segments: vec![],
            tiers: vec![],
        };
        ActionTable {
            rules: vec![
                stage("win_back_offer", 10, S::AtRisk),
                ActionRule {
                    action: "vip_care".into(),
                    priority: 15,
                    stages: vec![],
                    segments: vec![],
                    tiers: vec!["platinum".into()],
                },
                stage("reactivation_campaign", 20, S::Churned),
                stage("referral_ask", 30, S::Advocate),
                stage("upgrade_offer", 40, S::Loyal),
                stage("onboarding_series", 50, S::NewCustomer),
                stage("cross_sell", 60, S::Repeat),
                stage("first_purchase_incentive", 70, S::Engaged),
                stage("nurture_content", 80, S::Prospect),
            ],
        }
    }
}

/// The recommended action per customer, in the order of the given customers.
///
/// # Examples
///
/// ```
/// use engagement_core::{ActionInputs, ActionTable, JourneyStage, StageColumns};
/// let stages = StageColumns { customer: vec![8], stage: vec![JourneyStage::Repeat] };
/// let a = ActionTable::default().recommend(&[8, 9], &ActionInputs { stages: Some(&stages), ..Default::default() })?;
/// assert_eq!(a.action_name(0), Some("cross_sell"));
/// assert_eq!(a.action[1], None);   // no stage known for customer 9
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionColumns {
    /// Customer ids.
    pub customer: Vec<u64>,
    /// Index into `action_names`, `None` when no row matches.
    pub action: Vec<Option<ActionId>>,
    /// Action names.
    pub action_names: Vec<String>,
}

impl ActionColumns {
    /// The action name of row `i`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::ActionColumns;
    /// assert_eq!(ActionColumns::default().action_name(0), None);
    /// ```
    pub fn action_name(&self, i: usize) -> Option<&str> {
        self.name_of((*self.action.get(i)?)?)
    }

    /// The id of the action named `name`, if there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ActionInputs, ActionTable, JourneyStage, StageColumns};
    /// let stages = StageColumns { customer: vec![1, 2], stage: vec![JourneyStage::Churned, JourneyStage::Repeat] };
    /// let a = ActionTable::default().recommend(&[1, 2], &ActionInputs { stages: Some(&stages), ..Default::default() })?;
    /// let win_back = a.id_of("reactivation_campaign").unwrap();
    /// assert_eq!(a.action.iter().filter(|&&x| x == Some(win_back)).count(), 1);
    /// assert_eq!(a.name_of(win_back), Some("reactivation_campaign"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn id_of(&self, name: &str) -> Option<ActionId> {
        self.action_names
            .iter()
            .position(|n| n == name)
            .map(|i| ActionId::new(i as u16))
    }

    /// The name of action `id`, if it is one of these.
    pub fn name_of(&self, id: ActionId) -> Option<&str> {
        self.action_names.get(id.index()).map(String::as_str)
    }
}

/// Row of each customer id; a duplicate id is an error naming the input.
fn index_of(ids: &[u64], what: &str) -> Result<FxHashMap<u64, usize>> {
    let mut index = FxHashMap::default();
    for (i, &c) in ids.iter().enumerate() {
        if index.insert(c, i).is_some() {
            return Err(
                EngError::invalid(format!("{what}.customer"), c, "duplicate customer id").at_row(i),
            );
        }
    }
    Ok(index)
}

/// Checks that a membership's columns fit together.
fn check_membership(m: &SegmentMembership) -> Result<()> {
    let n = m.customer.len();
    if m.member.len() != m.names.len() {
        return Err(EngError::LengthMismatch {
            field: "membership.member".into(),
            expected: m.names.len(),
            found: m.member.len(),
        });
    }
    for (k, column) in m.member.iter().enumerate() {
        if column.len() != n {
            return Err(EngError::LengthMismatch {
                field: format!("membership.member[{k}]"),
                expected: n,
                found: column.len(),
            });
        }
    }
    Ok(())
}

/// Checks that loyalty accounts' tier column fits its customers and names.
fn check_accounts(a: &LoyaltyAccounts) -> Result<()> {
    if a.tier.len() != a.customer.len() {
        return Err(EngError::LengthMismatch {
            field: "accounts.tier".into(),
            expected: a.customer.len(),
            found: a.tier.len(),
        });
    }
    if let Some(i) = a
        .tier
        .iter()
        .position(|t| t.is_some_and(|t| usize::from(t) >= a.tier_names.len()))
    {
        return Err(EngError::invalid(
            "accounts.tier",
            format!("{:?}", a.tier[i]),
            "no such tier name",
        )
        .at_row(i));
    }
    Ok(())
}

/// What [`ActionTable::recommend`] knows about the customers, each part
/// optional: a condition on a part that is not given never matches.
///
/// # Examples
///
/// ```
/// use engagement_core::{ActionInputs, JourneyStage, StageColumns};
/// let stages = StageColumns { customer: vec![1], stage: vec![JourneyStage::Loyal] };
/// let inputs = ActionInputs { stages: Some(&stages), ..Default::default() };
/// assert!(inputs.segments.is_none() && inputs.loyalty.is_none());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ActionInputs<'a> {
    /// Each customer's journey stage.
    pub stages: Option<&'a StageColumns>,
    /// Each customer's segments.
    pub segments: Option<&'a SegmentMembership>,
    /// Each customer's loyalty tier.
    pub loyalty: Option<&'a LoyaltyAccounts>,
}

impl ActionTable {
    /// Checks the table.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the row for an empty action name.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ActionRule, ActionTable};
    /// let t = ActionTable { rules: vec![ActionRule { action: " ".into(), priority: 1, stages: vec![], segments: vec![], tiers: vec![] }] };
    /// assert!(t.validate().unwrap_err().to_string().contains("rules[0].action"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        for (i, r) in self.rules.iter().enumerate() {
            if r.action.trim().is_empty() {
                return Err(EngError::config(
                    format!("rules[{i}].action"),
                    "must not be empty",
                ));
            }
        }
        if self.rules.len() >= usize::from(u16::MAX) {
            return Err(EngError::config("rules", "at most 65534 rows"));
        }
        Ok(())
    }

    /// The best action for each of `customers`.
    ///
    /// # Errors
    /// - [`EngError::Config`] for an invalid table, or a row naming a segment
    ///   or tier that the given membership or accounts do not have
    ///   (`rules[i].segments[j]`);
    /// - [`EngError::InvalidInput`] for a duplicate customer id in an input,
    ///   [`EngError::LengthMismatch`] for inputs whose columns do not fit.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ActionInputs, ActionTable, JourneyStage, StageColumns};
    /// let stages = StageColumns { customer: vec![1], stage: vec![JourneyStage::Churned] };
    /// let a = ActionTable::default().recommend(&[1], &ActionInputs { stages: Some(&stages), ..Default::default() })?;
    /// assert_eq!(a.action_name(0), Some("reactivation_campaign"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn recommend(&self, customers: &[u64], inputs: &ActionInputs<'_>) -> Result<ActionColumns> {
        let ActionInputs {
            stages,
            segments,
            loyalty,
        } = *inputs;
        self.validate()?;
        if let Some(s) = stages
            && s.stage.len() != s.customer.len()
        {
            return Err(EngError::LengthMismatch {
                field: "stages.stage".into(),
                expected: s.customer.len(),
                found: s.stage.len(),
            });
        }
        if let Some(m) = segments {
            check_membership(m)?;
        }
        if let Some(a) = loyalty {
            check_accounts(a)?;
        }
        // Resolve names once.
        let mut rows = Vec::with_capacity(self.rules.len());
        for (i, r) in self.rules.iter().enumerate() {
            let segs = match segments {
                Some(m) => r
                    .segments
                    .iter()
                    .enumerate()
                    .map(|(j, name)| {
                        m.names.iter().position(|n| n == name).ok_or_else(|| {
                            EngError::config(
                                format!("rules[{i}].segments[{j}]"),
                                format!("unknown segment {name:?}"),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
                None => vec![],
            };
            let tiers = match loyalty {
                Some(a) => r
                    .tiers
                    .iter()
                    .enumerate()
                    .map(|(j, name)| {
                        a.tier_names
                            .iter()
                            .position(|n| n == name)
                            .map(|p| TierId::new(p as u16))
                            .ok_or_else(|| {
                                EngError::config(
                                    format!("rules[{i}].tiers[{j}]"),
                                    format!("unknown tier {name:?}"),
                                )
                            })
                    })
                    .collect::<Result<Vec<_>>>()?,
                None => vec![],
            };
            rows.push((r, segs, tiers));
        }
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| (self.rules[i].priority, i));
        let mut names: Vec<String> = Vec::new();
        let mut name_of_rule = Vec::with_capacity(rows.len());
        for r in &self.rules {
            let id = match names.iter().position(|n| *n == r.action) {
                Some(p) => p,
                None => {
                    names.push(r.action.clone());
                    names.len() - 1
                }
            };
            name_of_rule.push(ActionId::new(id as u16));
        }
        let stage_ix = stages
            .map(|s| index_of(&s.customer, "stages"))
            .transpose()?;
        let seg_ix = segments
            .map(|m| index_of(&m.customer, "membership"))
            .transpose()?;
        let tier_ix = loyalty
            .map(|a| index_of(&a.customer, "accounts"))
            .transpose()?;
        let mut action = Vec::with_capacity(customers.len());
        for c in customers {
            let stage = stages
                .zip(stage_ix.as_ref())
                .and_then(|(s, ix)| ix.get(c).map(|&i| s.stage[i]));
            let seg_row = segments
                .zip(seg_ix.as_ref())
                .and_then(|(m, ix)| ix.get(c).map(|&i| (m, i)));
            let tier = loyalty
                .zip(tier_ix.as_ref())
                .and_then(|(a, ix)| ix.get(c).and_then(|&i| a.tier[i]));
            let hit = order.iter().copied().find(|&k| {
                let (r, segs, tiers) = &rows[k];
                (r.stages.is_empty() || stage.is_some_and(|s| r.stages.contains(&s)))
                    && (r.segments.is_empty()
                        || seg_row.is_some_and(|(m, i)| segs.iter().any(|&s| m.member[s][i])))
                    && (r.tiers.is_empty() || tier.is_some_and(|t| tiers.contains(&t)))
            });
            action.push(hit.map(|k| name_of_rule[k]));
        }
        Ok(ActionColumns {
            customer: customers.to_vec(),
            action,
            action_names: names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::ids::SegmentId;

    #[test]
    fn priorities_and_conditions() {
        let table: ActionTable = serde_json::from_str(
            r#"{"rules": [
                {"action": "generic", "priority": 99},
                {"action": "vip_win_back", "priority": 1, "stages": ["at_risk"], "segments": ["vip"]},
                {"action": "gold_thanks", "priority": 5, "tiers": ["gold"]}
            ]}"#,
        )
        .unwrap();
        let stages = StageColumns {
            customer: vec![1, 2, 3],
            stage: vec![
                JourneyStage::AtRisk,
                JourneyStage::AtRisk,
                JourneyStage::Loyal,
            ],
        };
        let segs = SegmentMembership {
            customer: vec![1, 2, 3],
            names: vec!["vip".into()],
            member: vec![vec![true, false, true]],
            primary: vec![Some(SegmentId::new(0)), None, Some(SegmentId::new(0))],
        };
        let loyalty = LoyaltyAccounts {
            customer: vec![3],
            tier: vec![Some(TierId::new(1))],
            tier_names: vec!["silver".into(), "gold".into()],
            ..Default::default()
        };
        let a = table
            .recommend(
                &[1, 2, 3, 4],
                &ActionInputs {
                    stages: Some(&stages),
                    segments: Some(&segs),
                    loyalty: Some(&loyalty),
                },
            )
            .unwrap();
        assert_eq!(a.action_name(0), Some("vip_win_back"));
        assert_eq!(a.action_name(1), Some("generic"));
        assert_eq!(a.action_name(2), Some("gold_thanks"));
        assert_eq!(a.action_name(3), Some("generic"));
        let empty = ActionTable { rules: vec![] };
        assert_eq!(
            empty
                .recommend(&[1], &ActionInputs::default())
                .unwrap()
                .action,
            [None]
        );
    }

    #[test]
    fn inconsistent_inputs_are_errors_not_panics() {
        let table = ActionTable::default();
        let dup = StageColumns {
            customer: vec![1, 1],
            stage: vec![JourneyStage::AtRisk, JourneyStage::Prospect],
        };
        assert!(matches!(
            table.recommend(
                &[1],
                &ActionInputs {
                    stages: Some(&dup),
                    ..Default::default()
                }
            ),
            Err(EngError::InvalidInput { .. })
        ));
        let short = SegmentMembership {
            customer: vec![1, 2],
            names: vec!["a".into()],
            member: vec![vec![true]],
            primary: vec![],
        };
        assert!(matches!(
            table.recommend(
                &[1],
                &ActionInputs {
                    segments: Some(&short),
                    ..Default::default()
                }
            ),
            Err(EngError::LengthMismatch { .. })
        ));
        let bad_tier = LoyaltyAccounts {
            customer: vec![1],
            tier: vec![Some(TierId::new(5))],
            tier_names: vec!["silver".into()],
            ..Default::default()
        };
        assert!(matches!(
            table.recommend(
                &[1],
                &ActionInputs {
                    loyalty: Some(&bad_tier),
                    ..Default::default()
                }
            ),
            Err(EngError::InvalidInput { .. })
        ));
    }

    #[test]
    fn unknown_names_are_errors() {
        let table = ActionTable {
            rules: vec![ActionRule {
                action: "x".into(),
                priority: 1,
                stages: vec![],
                segments: vec!["nope".into()],
                tiers: vec![],
            }],
        };
        let segs = SegmentMembership {
            customer: vec![],
            names: vec!["vip".into()],
            member: vec![vec![]],
            primary: vec![],
        };
        let e = table
            .recommend(
                &[],
                &ActionInputs {
                    segments: Some(&segs),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert!(e.to_string().contains("rules[0].segments[0]"), "{e}");
        assert!(
            serde_json::from_str::<ActionTable>(
                r#"{"rules": [{"action": "a", "priority": 1, "stages": ["vip"]}]}"#
            )
            .is_err()
        );
    }
}
