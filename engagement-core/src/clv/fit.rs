//! Maximum-likelihood fitting on the log scale with Nelder–Mead.

use argmin::core::{CostFunction, Executor, State, TerminationReason, TerminationStatus};
use argmin::solver::neldermead::NelderMead;
use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config, non_negative, positive};

/// Options of a fit.
///
/// | setting | default |
/// |---|---|
/// | `max_iterations` | 5000 |
/// | `tolerance` | 1e-10 (spread of the simplex's negative log-likelihoods) |
/// | `penalty` | 0 (L2 penalty on the log-parameters) |
/// | `initial` | the model's documented starting values |
///
/// # Examples
///
/// ```
/// use engagement_core::clv::fit::FitOptions;
/// let o: FitOptions = serde_json::from_str(r#"{"max_iterations": 100}"#)?;
/// assert_eq!(o.tolerance, 1e-10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FitOptions {
    /// Iteration cap; reaching it is a convergence failure.
    pub max_iterations: u64,
    /// Convergence tolerance on the simplex.
    pub tolerance: f64,
    /// L2 penalty weight on the log-parameters (0 = plain maximum likelihood).
    pub penalty: f64,
    /// Starting parameters (natural scale), or `None` for the model's defaults.
    pub initial: Option<Vec<f64>>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            max_iterations: 5000,
            tolerance: 1e-10,
            penalty: 0.0,
            initial: None,
        }
    }
}

impl FitOptions {
    /// Checks every value.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the field.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::fit::FitOptions;
    /// assert!(FitOptions { tolerance: 0.0, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.max_iterations > 0, "max_iterations", "must be > 0");
        positive("tolerance", self.tolerance)?;
        non_negative("penalty", self.penalty)?;
        Ok(())
    }
}

/// The outcome of a fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport<P> {
    /// The fitted parameters.
    pub params: P,
    /// Log-likelihood at the parameters (without the penalty).
    pub log_likelihood: f64,
    /// Iterations used.
    pub iterations: u64,
    /// Number of customers fitted.
    pub customers: f64,
}

struct Problem<'a> {
    nll: &'a (dyn Fn(&[f64]) -> f64 + Sync),
    penalty: f64,
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, log_params: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        let params: Vec<f64> = log_params.iter().map(|p| p.exp()).collect();
        let value =
            (self.nll)(&params) + self.penalty * log_params.iter().map(|p| p * p).sum::<f64>();
        // A non-finite cost (overflow at an extreme point) is treated as very bad, not as an error.
        Ok(if value.is_finite() { value } else { f64::MAX })
    }
}

/// Minimizes `nll` (a negative log-likelihood of positive parameters) from
/// `initial`, on the log scale. Returns the parameters and iterations.
///
/// # Errors
/// [`EngError::Config`] for bad options; [`EngError::Convergence`] when the
/// iteration cap is reached or the optimum is not finite.
pub(crate) fn minimize(
    initial: &[f64],
    nll: &(dyn Fn(&[f64]) -> f64 + Sync),
    options: &FitOptions,
) -> Result<(Vec<f64>, u64)> {
    options.validate()?;
    let start: Vec<f64> = match &options.initial {
        Some(v) => {
            ensure_config!(
                v.len() == initial.len(),
                "initial",
                "needs {} values, got {}",
                initial.len(),
                v.len()
            );
            for (i, x) in v.iter().enumerate() {
                positive(&format!("initial[{i}]"), *x)?;
            }
            v.clone()
        }
        None => initial.to_vec(),
    };
    let x0: Vec<f64> = start.iter().map(|p| p.ln()).collect();
    let mut simplex = vec![x0.clone()];
    for i in 0..x0.len() {
        let mut v = x0.clone();
        v[i] += 0.5;
        simplex.push(v);
    }
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(options.tolerance)
        .map_err(|e| EngError::config("tolerance", e.to_string()))?;
    let problem = Problem {
        nll,
        penalty: options.penalty,
    };
    let result = Executor::new(problem, solver)
        .configure(|state| state.max_iters(options.max_iterations))
        .run()
        .map_err(|e| EngError::Convergence {
            iterations: 0,
            reason: e.to_string(),
        })?;
    let state = result.state();
    let iterations = state.get_iter();
    let best = state
        .get_best_param()
        .cloned()
        .ok_or_else(|| EngError::Convergence {
            iterations,
            reason: "no parameters were evaluated".into(),
        })?;
    let converged = matches!(
        state.get_termination_status(),
        TerminationStatus::Terminated(TerminationReason::SolverConverged)
    );
    if !converged || !state.get_best_cost().is_finite() || state.get_best_cost() == f64::MAX {
        return Err(EngError::Convergence {
            iterations,
            reason: format!("{:?}", state.get_termination_status()),
        });
    }
    Ok((best.iter().map(|p| p.exp()).collect(), iterations))
}
