//! Customer value: average order value, purchase frequency, simple CLV, LTV:CAC.

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config, non_negative};
use crate::model::money::from_micros;
use crate::profile::Profile;

/// Purchase totals over a set of customers.
///
/// # Examples
///
/// ```
/// use engagement_core::{purchase_summary, Channel, ProfileStore, SignalConfig, Touchpoint, TouchpointKind as K};
/// let mut store = ProfileStore::new(SignalConfig::default())?;
/// store.push(&Touchpoint::new(1, 0, Channel::Web, K::Purchase).with_value(10.0))?;
/// store.push(&Touchpoint::new(2, 0, Channel::Web, K::Visit))?;
/// let s = purchase_summary(store.iter())?;
/// assert_eq!((s.customers, s.buyers, s.orders), (2, 1, 1));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PurchaseSummary {
    /// Customers in the set.
    pub customers: u64,
    /// Customers with at least one purchase.
    pub buyers: u64,
    /// Number of purchases.
    pub orders: u64,
    /// Sum of purchase values.
    pub revenue: f64,
    /// Sum of refunds.
    pub refunds: f64,
    /// Average order value: `revenue / orders`.
    pub average_order_value: f64,
    /// Purchase frequency: `orders / buyers`.
    pub purchase_frequency: f64,
}

/// Totals, average order value and purchase frequency over profiles.
///
/// # Formula
///
/// ```text
/// AOV = revenue / orders          purchase frequency = orders / buyers
/// ```
///
/// Money is summed exactly in integer micro-units before dividing.
///
/// # Errors
/// [`EngError::EmptyInput`] when no profile has a purchase.
///
/// # Examples
///
/// ```
/// use engagement_core::{purchase_summary, Channel, ProfileStore, SignalConfig, Touchpoint, TouchpointKind as K};
/// let mut store = ProfileStore::new(SignalConfig::default())?;
/// for (id, v) in [(1, 10.0), (1, 30.0), (2, 20.0)] {
///     store.push(&Touchpoint::new(id, 0, Channel::Web, K::Purchase).with_value(v))?;
/// }
/// let s = purchase_summary(store.iter())?;
/// assert_eq!((s.orders, s.revenue, s.average_order_value, s.purchase_frequency), (3, 60.0, 20.0, 1.5));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn purchase_summary<'a>(
    profiles: impl IntoIterator<Item = &'a Profile>,
) -> Result<PurchaseSummary> {
    let mut customers = 0u64;
    let mut buyers = 0u64;
    let mut orders = 0u64;
    let mut revenue = 0i128;
    let mut refunds = 0i128;
    for p in profiles {
        customers += 1;
        if p.purchases() > 0 {
            buyers += 1;
        }
        orders = orders.saturating_add(p.purchases());
        revenue = revenue.saturating_add(i128::from(p.revenue_micros()));
        refunds = refunds.saturating_add(i128::from(p.refunds_micros()));
    }
    if orders == 0 {
        return Err(EngError::EmptyInput {
            what: "a purchase summary".into(),
            unit: "purchase".into(),
        });
    }
    let revenue = from_micros(revenue);
    Ok(PurchaseSummary {
        customers,
        buyers,
        orders,
        revenue,
        refunds: from_micros(refunds),
        average_order_value: revenue / orders as f64,
        purchase_frequency: orders as f64 / buyers as f64,
    })
}

/// Inputs of the simple (average-based) customer lifetime value.
///
/// All rates are per period (a year, usually); `lifespan` is in the same
/// periods. `margin` is the share of revenue kept as profit (1 = revenue CLV).
///
/// # Examples
///
/// ```
/// use engagement_core::SimpleClvInput;
/// let i: SimpleClvInput = serde_json::from_str(r#"{"average_order_value": 40, "purchase_frequency": 2, "lifespan": 3}"#)?;
/// assert_eq!((i.margin, i.discount_rate), (1.0, 0.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimpleClvInput {
    /// Average order value (money per purchase).
    pub average_order_value: f64,
    /// Purchases per customer per period.
    pub purchase_frequency: f64,
    /// Expected customer lifespan, in periods.
    pub lifespan: f64,
    /// Profit margin in 0..=1 (default 1).
    #[serde(default = "one")]
    pub margin: f64,
    /// Discount rate per period (default 0: no discounting).
    #[serde(default)]
    pub discount_rate: f64,
}

fn one() -> f64 {
    1.0
}

impl SimpleClvInput {
    /// Checks every value.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the field.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::SimpleClvInput;
    /// let i = SimpleClvInput { average_order_value: 1.0, purchase_frequency: 1.0, lifespan: f64::INFINITY, margin: 1.0, discount_rate: 0.0 };
    /// assert!(i.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        non_negative("average_order_value", self.average_order_value)?;
        non_negative("purchase_frequency", self.purchase_frequency)?;
        non_negative("lifespan", self.lifespan)?;
        ensure_config!(
            self.lifespan <= 1000.0,
            "lifespan",
            "must be at most 1000 periods, got {}",
            self.lifespan
        );
        ensure_config!(
            self.margin.is_finite() && (0.0..=1.0).contains(&self.margin),
            "margin",
            "must lie in 0..=1, got {}",
            self.margin
        );
        non_negative("discount_rate", self.discount_rate)?;
        Ok(())
    }
}

/// Simple customer lifetime value.
///
/// # Formula
///
/// Value per period `v = margin × AOV × purchase frequency`. Undiscounted
/// (`discount_rate = 0`), `CLV = v × lifespan`. Discounted at rate `d`, with
/// cash flows at the end of each period and a final partial period of length
/// `f = L − ⌊L⌋`:
///
/// ```text
/// CLV = v · [ Σ_{t=1}^{⌊L⌋} (1 + d)^(−t)  +  f · (1 + d)^(−(⌊L⌋+1)) ]
/// ```
///
/// (the textbook discounted-cash-flow form, e.g. Berger & Nasr (1998),
/// "Customer lifetime value: Marketing models and applications", Journal of
/// Interactive Marketing 12(1), 17–30).
///
/// # Errors
/// [`EngError::Config`] for an invalid input.
///
/// # Examples
///
/// ```
/// use engagement_core::{simple_clv, SimpleClvInput};
/// let base = SimpleClvInput { average_order_value: 50.0, purchase_frequency: 4.0, lifespan: 3.0,
///                             margin: 0.25, discount_rate: 0.0 };
/// assert_eq!(simple_clv(&base)?, 150.0);                 // 0.25 · 50 · 4 · 3
/// let d = simple_clv(&SimpleClvInput { discount_rate: 0.1, ..base })?;
/// assert!((d - 50.0 * (1.0 / 1.1 + 1.0 / 1.21 + 1.0 / 1.331)).abs() < 1e-9);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn simple_clv(input: &SimpleClvInput) -> Result<f64> {
    input.validate()?;
    let v = input.margin * input.average_order_value * input.purchase_frequency;
    if input.discount_rate == 0.0 {
        return finite("clv", v * input.lifespan);
    }
    let whole = input.lifespan.floor();
    let frac = input.lifespan - whole;
    let q = 1.0 / (1.0 + input.discount_rate);
    // Σ_{t=1}^{n} q^t = q (1 − q^n) / (1 − q)
    let annuity = q * (1.0 - q.powf(whole)) / (1.0 - q);
    finite("clv", v * (annuity + frac * q.powf(whole + 1.0)))
}

/// Lifetime value under a constant retention rate, infinite horizon.
///
/// # Formula
///
/// Gupta & Lehmann (2003), "Customers as Assets", Journal of Interactive
/// Marketing 17(1), 9–24: with margin per period `m`, retention
/// rate `r` and discount rate `d` (first margin received at the end of the
/// first period),
///
/// ```text
/// CLV = m · r / (1 + d − r)
/// ```
///
/// # Errors
/// [`EngError::Config`] when `m` is negative or not finite, `r` is outside
/// `[0, 1]`, or `d` is negative (which with `r = 1` has no finite value).
///
/// # Examples
///
/// ```
/// use engagement_core::retention_clv;
/// // m = 100, r = 0.8, d = 0.1 → 100 · 0.8 / 0.3
/// assert!((retention_clv(100.0, 0.8, 0.1)? - 266.666_666_666_666_7).abs() < 1e-9);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn retention_clv(margin_per_period: f64, retention: f64, discount_rate: f64) -> Result<f64> {
    non_negative("margin_per_period", margin_per_period)?;
    ensure_config!(
        retention.is_finite() && (0.0..=1.0).contains(&retention),
        "retention",
        "must lie in 0..=1, got {retention}"
    );
    non_negative("discount_rate", discount_rate)?;
    ensure_config!(
        discount_rate > 0.0 || retention < 1.0,
        "discount_rate",
        "must be > 0 when retention is 1 (the value would be infinite)"
    );
    finite(
        "clv",
        margin_per_period * retention / (1.0 + discount_rate - retention),
    )
}

/// LTV:CAC ratio: lifetime value per unit of acquisition cost.
///
/// ```text
/// LTV:CAC = CLV / CAC
/// ```
///
/// # Errors
/// [`EngError::Config`] when `clv` is not finite or `cac` is not a finite number > 0;
/// [`EngError::InvalidInput`] when the ratio overflows.
///
/// # Examples
///
/// ```
/// use engagement_core::ltv_to_cac;
/// assert_eq!(ltv_to_cac(300.0, 100.0)?, 3.0);
/// assert!(ltv_to_cac(300.0, 0.0).is_err());
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn ltv_to_cac(clv: f64, cac: f64) -> Result<f64> {
    ensure_config!(clv.is_finite(), "clv", "must be finite, got {clv}");
    crate::error::positive("cac", cac)?;
    finite("ltv_to_cac", clv / cac)
}

/// A result that overflowed (finite inputs, each within its domain, whose
/// product or quotient is not) is an error, never an infinity.
fn finite(what: &str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(EngError::invalid(
            what,
            v,
            "overflows: the inputs are too large for a finite result",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_is_an_error_not_infinity() {
        // Found by fuzzing: 1.3e301 / 1.4e-299 came back as +inf with status OK.
        let e = ltv_to_cac(1.3e301, 1.4e-299).unwrap_err();
        assert_eq!(e.kind(), "invalid_input", "{e}");
        let big = SimpleClvInput {
            average_order_value: 1e300,
            purchase_frequency: 1e300,
            lifespan: 1.0,
            margin: 1.0,
            discount_rate: 0.0,
        };
        assert_eq!(simple_clv(&big).unwrap_err().kind(), "invalid_input");
    }

    #[test]
    fn fractional_lifespan_discounting() {
        let input = SimpleClvInput {
            average_order_value: 10.0,
            purchase_frequency: 1.0,
            lifespan: 1.5,
            margin: 1.0,
            discount_rate: 0.25,
        };
        // 10/1.25 + 0.5 · 10/1.25²
        assert!((simple_clv(&input).unwrap() - (8.0 + 0.5 * 6.4)).abs() < 1e-12);
        // No discounting: plain product.
        let flat = SimpleClvInput {
            discount_rate: 0.0,
            ..input
        };
        assert_eq!(simple_clv(&flat).unwrap(), 15.0);
    }

    #[test]
    fn invalid_inputs_name_fields() {
        let bad = SimpleClvInput {
            average_order_value: -1.0,
            purchase_frequency: 1.0,
            lifespan: 1.0,
            margin: 1.0,
            discount_rate: 0.0,
        };
        assert!(
            simple_clv(&bad)
                .unwrap_err()
                .to_string()
                .contains("average_order_value")
        );
        let bad = SimpleClvInput {
            average_order_value: 1.0,
            margin: 1.5,
            ..bad
        };
        assert!(simple_clv(&bad).unwrap_err().to_string().contains("margin"));
        assert!(retention_clv(1.0, 1.0, 0.0).is_err());
        assert!(retention_clv(1.0, 1.2, 0.1).is_err());
        assert!(ltv_to_cac(f64::NAN, 1.0).is_err());
        assert!(matches!(
            purchase_summary(&[] as &[Profile]),
            Err(EngError::EmptyInput { .. })
        ));
    }
}
