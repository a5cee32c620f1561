//! The optimizers behind every model's maximum-likelihood fit (each model's
//! own `fit` lives in its file; `ClvModel::fit` dispatches), on the log scale: Newton steps in a trust
//! region where a model has an analytic Hessian (`minimize_newton`), L-BFGS
//! where it has an analytic gradient (`minimize_smooth`, also the fallback
//! when Newton steps stop short), Nelder–Mead otherwise (and when L-BFGS
//! stops short).

use std::sync::Mutex;

use argmin::core::{
    CostFunction, Executor, Gradient, Hessian, IterState, KV, Problem as ArgminProblem, Solver,
    State, TerminationReason, TerminationStatus,
};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::neldermead::NelderMead;
use argmin::solver::quasinewton::LBFGS;
use argmin::solver::trustregion::{Steihaug, TrustRegion};
use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config, non_negative, positive};
use crate::transactions::Period;

/// Options of a fit.
///
/// | setting | default |
/// |---|---|
/// | `max_iterations` | 5000 |
/// | `tolerance` | 1e-14, relative to the starting negative log-likelihood |
/// | `penalty` | 0 (L2 penalty on the log-parameters) |
/// | `initial` | the model's documented starting values |
///
/// # Examples
///
/// ```
/// use engagement_core::clv::FitOptions;
/// let o: FitOptions = serde_json::from_str(r#"{"max_iterations": 100}"#)?;
/// assert_eq!(o.tolerance, 1e-14);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FitOptions {
    /// Iteration cap; reaching it is a convergence failure.
    pub max_iterations: u64,
    /// Relative convergence tolerance (costs are divided by the starting
    /// cost): Newton steps stop when the Newton decrement falls below it or
    /// the gradient norm below `√tolerance / 100`; L-BFGS when the cost
    /// changes by less or the gradient norm falls below `√tolerance / 100`;
    /// Nelder–Mead when the spread of the simplex's costs falls below it.
    pub tolerance: f64,
    /// L2 penalty weight on the log-parameters (0 = plain maximum likelihood).
    pub penalty: f64,
    /// Starting parameters (natural scale), or `None` for the model's defaults.
    pub initial: Option<Vec<f64>>,
    /// Time unit of `recency` and `T` (a summary's `unit`), recorded in the
    /// fitted model so that calendar horizons convert; `None`: unknown.
    pub unit: Option<Period>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            max_iterations: 5000,
            tolerance: 1e-14,
            penalty: 0.0,
            initial: None,
            unit: None,
        }
    }
}

impl FitOptions {
    /// These options for data whose time unit is `carried` (a summary's
    /// unit, when the data says it): the unit is the stated one, else the
    /// carried one; a stated unit that is not the carried one is refused,
    /// since relabelling days as weeks would silently scale every horizon.
    ///
    /// # Errors
    /// [`EngError::Config`] at `unit` when both are known and differ.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::FitOptions;
    /// use engagement_core::transactions::Period;
    /// let weeks = FitOptions { unit: Some(Period::Week), ..FitOptions::default() };
    /// assert_eq!(FitOptions::default().for_data_in(Some(Period::Day))?.unit, Some(Period::Day));
    /// assert_eq!(weeks.clone().for_data_in(None)?.unit, Some(Period::Week));
    /// assert!(weeks.for_data_in(Some(Period::Day)).unwrap_err().to_string().contains("the summary's unit is day"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn for_data_in(self, carried: Option<Period>) -> Result<Self> {
        if let (Some(stated), Some(carried)) = (self.unit, carried)
            && stated != carried
        {
            return Err(EngError::config(
                "unit",
                format!(
                    "the summary's unit is {}, the options say {}: summarise in {} instead \
                     (a summary's recency and T are in its unit)",
                    carried.label(),
                    stated.label(),
                    stated.label()
                ),
            ));
        }
        Ok(FitOptions {
            unit: self.unit.or(carried),
            ..self
        })
    }

    /// Checks every value.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the field.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::FitOptions;
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
    /// Standard errors of the parameters, in their order (see [`standard_errors`]);
    /// `None` when the observed information is not positive definite.
    pub standard_errors: Option<Vec<f64>>,
}

/// Confidence intervals of positive parameters from their standard errors: Wald
/// intervals on the log scale, where the fit is done and the likelihood is
/// closest to quadratic, carried back to the natural scale:
///
/// ```text
/// [θ · exp(−z · se(θ)/θ),  θ · exp(z · se(θ)/θ)],   z = Φ⁻¹(1 − (1 − level)/2)
/// ```
///
/// (`se(θ)/θ` is the standard error of `ln θ`, see [`standard_errors`]). Both
/// bounds stay positive, and the interval is not symmetric about `θ` — wider
/// above it, as the likelihood of a scale parameter is.
///
/// # Errors
/// [`EngError::Config`] for a `level` outside (0, 1);
/// [`EngError::LengthMismatch`] for columns of different lengths;
/// [`EngError::InvalidInput`] (naming the row) for a parameter that is not a
/// finite number > 0 or a standard error that is not finite and ≥ 0.
///
/// # Examples
///
/// ```
/// use engagement_core::clv::fit::parameter_intervals;
/// // CDNOW's BG/NBD r = 0.243 with the standard error its fit reports, 0.0125.
/// let i = parameter_intervals(&[0.243], &[0.0125], 0.95)?;
/// assert!((i[0][0] - 0.2197).abs() < 1e-4 && (i[0][1] - 0.2688).abs() < 1e-4);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn parameter_intervals(
    params: &[f64],
    standard_errors: &[f64],
    level: f64,
) -> Result<Vec<[f64; 2]>> {
    let z = crate::z_for_level(level)?;
    if standard_errors.len() != params.len() {
        return Err(EngError::LengthMismatch {
            field: "standard_errors".into(),
            expected: params.len(),
            found: standard_errors.len(),
        });
    }
    params
        .iter()
        .zip(standard_errors)
        .enumerate()
        .map(|(i, (&theta, &se))| {
            if !(theta.is_finite() && theta > 0.0) {
                return Err(
                    EngError::invalid("params", theta, "a parameter is finite and > 0").at_row(i),
                );
            }
            if !(se.is_finite() && se >= 0.0) {
                return Err(EngError::invalid(
                    "standard_errors",
                    se,
                    "a standard error is finite and ≥ 0",
                )
                .at_row(i));
            }
            let spread = (z * se / theta).exp();
            Ok([theta / spread, theta * spread])
        })
        .collect()
}

/// Standard errors of positive parameters at a maximum of the likelihood.
///
/// The observed information is the Hessian `H` of the negative
/// log-likelihood in the log parameters `u = ln θ`, by central differences
/// (step `1e-4`); the delta method carries it to the natural scale:
///
/// ```text
/// se(θ_i) = θ_i · √((H⁻¹)_ii)
/// ```
///
/// `None` when `H` is not positive definite (a flat or boundary maximum),
/// found by its Cholesky factorisation.
// Index loops: small dense matrix algebra reads clearest with explicit indices.
#[allow(clippy::needless_range_loop)]
pub fn standard_errors(nll: &dyn Fn(&[f64]) -> f64, params: &[f64]) -> Option<Vec<f64>> {
    const H: f64 = 1e-4;
    let n = params.len();
    let u: Vec<f64> = params.iter().map(|p| p.ln()).collect();
    let f = |du: &[(usize, f64)]| {
        let mut v = u.clone();
        for &(i, d) in du {
            v[i] += d;
        }
        nll(&v.iter().map(|x| x.exp()).collect::<Vec<f64>>())
    };
    let f0 = f(&[]);
    let mut hess = vec![vec![0.0; n]; n];
    for i in 0..n {
        hess[i][i] = (f(&[(i, H)]) - 2.0 * f0 + f(&[(i, -H)])) / (H * H);
        for j in 0..i {
            let v = (f(&[(i, H), (j, H)]) - f(&[(i, H), (j, -H)]) - f(&[(i, -H), (j, H)])
                + f(&[(i, -H), (j, -H)]))
                / (4.0 * H * H);
            hess[i][j] = v;
            hess[j][i] = v;
        }
    }
    delta_method(&hess, params)
}

/// As [`standard_errors`], with the Hessian from central differences of an
/// analytic gradient (`grad` of the negative log-likelihood in the natural
/// parameters): `2n` gradient calls instead of `2n² + 1` likelihood calls,
/// and one order of differencing fewer.
// Index loops: small dense matrix algebra reads clearest with explicit indices.
#[allow(clippy::needless_range_loop)]
pub fn standard_errors_from_gradient(
    grad: &dyn Fn(&[f64]) -> Vec<f64>,
    params: &[f64],
) -> Option<Vec<f64>> {
    const H: f64 = 1e-5;
    let n = params.len();
    let u: Vec<f64> = params.iter().map(|p| p.ln()).collect();
    // The gradient in u = ln θ: θ_i ∂/∂θ_i.
    let g = |i: usize, d: f64| {
        let mut v = u.clone();
        v[i] += d;
        let theta: Vec<f64> = v.iter().map(|x| x.exp()).collect();
        let gt = grad(&theta);
        gt.iter()
            .zip(&theta)
            .map(|(g, t)| g * t)
            .collect::<Vec<f64>>()
    };
    let mut hess = vec![vec![0.0; n]; n];
    for i in 0..n {
        let (up, down) = (g(i, H), g(i, -H));
        for j in 0..n {
            hess[i][j] = (up[j] - down[j]) / (2.0 * H);
        }
    }
    for i in 0..n {
        for j in 0..i {
            let v = 0.5 * (hess[i][j] + hess[j][i]);
            hess[i][j] = v;
            hess[j][i] = v;
        }
    }
    delta_method(&hess, params)
}

/// `θ_i √((H⁻¹)_ii)` for the Hessian `H` in log parameters, through its
/// Cholesky factor; `None` when `H` is not positive definite.
// Index loops: small dense matrix algebra reads clearest with explicit indices.
#[allow(clippy::needless_range_loop)]
fn delta_method(hess: &[Vec<f64>], params: &[f64]) -> Option<Vec<f64>> {
    let n = params.len();
    // Cholesky H = L Lᵀ; then (H⁻¹)_ii = ‖L⁻¹ e_i‖².
    let l = cholesky(hess)?;
    let mut out = Vec::with_capacity(n);
    for (i, p) in params.iter().enumerate() {
        let mut y = vec![0.0; n];
        for r in 0..n {
            let e = if r == i { 1.0 } else { 0.0 };
            y[r] = (e - (0..r).map(|k| l[r][k] * y[k]).sum::<f64>()) / l[r][r];
        }
        let var: f64 = y.iter().map(|v| v * v).sum();
        out.push(p * var.sqrt());
    }
    out.iter().all(|v| v.is_finite()).then_some(out)
}

struct Problem<'a> {
    nll: &'a (dyn Fn(&[f64]) -> f64 + Sync),
    penalty: f64,
    /// The costs are divided by this (the magnitude of the starting cost), so
    /// that the tolerance is relative: a cohort of 20 000 customers has a
    /// log-likelihood near 5·10⁴, where an absolute 1e-10 is rounding noise.
    scale: f64,
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, log_params: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        let params: Vec<f64> = log_params.iter().map(|p| p.exp()).collect();
        let value =
            (self.nll)(&params) + self.penalty * log_params.iter().map(|p| p * p).sum::<f64>();
        // A non-finite cost (overflow at an extreme point) is treated as very bad, not as an error.
        Ok(if value.is_finite() {
            value / self.scale
        } else {
            f64::MAX
        })
    }
}

/// argmin's cost and gradient of an objective whose `eval(u)` returns the
/// cost first and the gradient second (computed together, so each is one call).
macro_rules! cost_and_gradient_of_eval {
    ($objective:ident) => {
        impl CostFunction for $objective<'_> {
            type Param = Vec<f64>;
            type Output = f64;

            fn cost(&self, u: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
                Ok(self.eval(u).0)
            }
        }

        impl Gradient for $objective<'_> {
            type Param = Vec<f64>;
            type Gradient = Vec<f64>;

            fn gradient(
                &self,
                u: &Self::Param,
            ) -> std::result::Result<Vec<f64>, argmin::core::Error> {
                Ok(self.eval(u).1)
            }
        }
    };
}

/// An empty fit is refused up front, naming what was to be fitted.
pub(crate) fn require_customers(customers: usize, what: &str) -> Result<()> {
    if customers == 0 {
        return Err(EngError::EmptyInput {
            what: what.into(),
            unit: "customer".into(),
        });
    }
    Ok(())
}

/// The log of the starting parameters: `options.initial` (checked) or the
/// model's defaults.
fn starting_point(initial: &[f64], options: &FitOptions) -> Result<Vec<f64>> {
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
    Ok(start.iter().map(|p| p.ln()).collect())
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
    let x0 = starting_point(initial, options)?;
    let mut simplex = vec![x0.clone()];
    for i in 0..x0.len() {
        let mut v = x0.clone();
        v[i] += 0.5;
        simplex.push(v);
    }
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(options.tolerance)
        .map_err(|e| EngError::config("tolerance", e.to_string()))?;
    let mut problem = Problem {
        nll,
        penalty: options.penalty,
        scale: 1.0,
    };
    let start_cost = problem.cost(&x0).unwrap_or(f64::MAX);
    if start_cost.is_finite() && start_cost != f64::MAX {
        problem.scale = start_cost.abs().max(1.0);
    }
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

/// A negative log-likelihood of positive parameters with its gradient in
/// those parameters.
pub(crate) type NllGradient<'a> = dyn Fn(&[f64]) -> (f64, Vec<f64>) + Sync + 'a;

/// A point in `u = ln θ` with its scaled cost and gradient.
type Evaluated = (Vec<f64>, f64, Vec<f64>);

/// The L-BFGS problem in `u = ln θ`: cost and gradient come from one call,
/// cached, because argmin asks for them separately at the same point.
struct Smooth<'a> {
    f: &'a NllGradient<'a>,
    penalty: f64,
    scale: f64,
    last: Mutex<Option<Evaluated>>,
}

impl Smooth<'_> {
    fn eval(&self, u: &[f64]) -> (f64, Vec<f64>) {
        if let Ok(last) = self.last.lock()
            && let Some((at, cost, grad)) = last.as_ref()
            && at.as_slice() == u
        {
            return (*cost, grad.clone());
        }
        let theta: Vec<f64> = u.iter().map(|v| v.exp()).collect();
        let (value, grad) = (self.f)(&theta);
        let cost = (value + self.penalty * u.iter().map(|v| v * v).sum::<f64>()) / self.scale;
        let grad: Vec<f64> = grad
            .iter()
            .zip(&theta)
            .zip(u)
            .map(|((g, t), v)| (g * t + 2.0 * self.penalty * v) / self.scale)
            .collect();
        // A point where the likelihood overflows is infinitely bad; the line
        // search backs off from it.
        let cost = if cost.is_finite() && grad.iter().all(|g| g.is_finite()) {
            cost
        } else {
            f64::INFINITY
        };
        if let Ok(mut last) = self.last.lock() {
            *last = Some((u.to_vec(), cost, grad.clone()));
        }
        (cost, grad)
    }
}

cost_and_gradient_of_eval!(Smooth);

/// Minimizes `f` (a negative log-likelihood with its analytic gradient;
/// `value` is the same likelihood alone, for the fallback) on
/// the log scale with L-BFGS (memory 7, Moré–Thuente line search), on the
/// cost divided by its starting magnitude. It stops when the gradient norm is
/// below `√tolerance / 100` or the cost changes by less than `tolerance`;
/// when L-BFGS stops any other way (a failed line search, the iteration cap),
/// the fit is redone by Nelder–Mead from the same start, so a fit never ends
/// on a point the gradient method merely gave up at. Returns the parameters
/// and the iterations of both.
///
/// # Errors
/// As [`minimize`].
pub(crate) fn minimize_smooth(
    initial: &[f64],
    f: &NllGradient<'_>,
    value: &(dyn Fn(&[f64]) -> f64 + Sync),
    options: &FitOptions,
) -> Result<(Vec<f64>, u64)> {
    let x0 = starting_point(initial, options)?;
    let mut problem = Smooth {
        f,
        penalty: options.penalty,
        scale: 1.0,
        last: Mutex::new(None),
    };
    let start_cost = problem.eval(&x0).0;
    if start_cost.is_finite() {
        problem.scale = start_cost.abs().max(1.0);
        problem.last = Mutex::new(None);
    }
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(options.tolerance.sqrt() / 100.0)
        .and_then(|s| s.with_tolerance_cost(options.tolerance))
        .map_err(|e| EngError::config("tolerance", e.to_string()))?;
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(x0.clone()).max_iters(options.max_iterations))
        .run();
    let (best, iterations, converged) = match &result {
        Ok(r) => {
            let state = r.state();
            let converged = matches!(
                state.get_termination_status(),
                TerminationStatus::Terminated(TerminationReason::SolverConverged)
            ) && state.get_best_cost().is_finite();
            (state.get_best_param().cloned(), state.get_iter(), converged)
        }
        Err(_) => (None, 0, false),
    };
    match best {
        Some(u) if converged => Ok((u.iter().map(|v| v.exp()).collect(), iterations)),
        _ => {
            // Nelder–Mead from the same start, not from where L-BFGS stopped: when
            // L-BFGS fails it has usually run along a ridge toward a boundary (too
            // little data to identify a parameter), where the likelihood's series
            // are slow or cannot be evaluated.
            let (p, more) = minimize(initial, value, options)?;
            Ok((p, iterations + more))
        }
    }
}

/// A negative log-likelihood of positive parameters with its gradient and
/// Hessian in those parameters, or `None` where it cannot be evaluated.
pub(crate) type NllHessian<'a> =
    dyn Fn(&[f64]) -> Option<(f64, Vec<f64>, Vec<Vec<f64>>)> + Sync + 'a;

/// A point in `u = ln θ` with its scaled cost, gradient and Hessian.
type Curved = (Vec<f64>, f64, Vec<f64>, Vec<Vec<f64>>);

/// The trust-region problem in `u = ln θ`: cost, gradient and Hessian come
/// from one call, cached, because argmin asks for them separately at the
/// same point.
struct Curvature<'a> {
    f: &'a NllHessian<'a>,
    penalty: f64,
    scale: f64,
    last: Mutex<Option<Curved>>,
}

impl Curvature<'_> {
    /// With `g`, `H` the gradient and Hessian in `θ`, the chain rule for
    /// `θ = e^u` gives `∂_u = θ g` and `∂²_u = θ_i θ_j H_ij + δ_ij θ_i g_i`.
    fn eval(&self, u: &[f64]) -> (f64, Vec<f64>, Vec<Vec<f64>>) {
        if let Ok(last) = self.last.lock()
            && let Some((at, cost, grad, hess)) = last.as_ref()
            && at.as_slice() == u
        {
            return (*cost, grad.clone(), hess.clone());
        }
        let n = u.len();
        let theta: Vec<f64> = u.iter().map(|v| v.exp()).collect();
        let out = (self.f)(&theta).and_then(|(value, g, h)| {
            let cost = (value + self.penalty * u.iter().map(|v| v * v).sum::<f64>()) / self.scale;
            let grad: Vec<f64> = (0..n)
                .map(|i| (g[i] * theta[i] + 2.0 * self.penalty * u[i]) / self.scale)
                .collect();
            let hess: Vec<Vec<f64>> = (0..n)
                .map(|i| {
                    (0..n)
                        .map(|j| {
                            let diagonal = if i == j {
                                theta[i] * g[i] + 2.0 * self.penalty
                            } else {
                                0.0
                            };
                            (theta[i] * theta[j] * h[i][j] + diagonal) / self.scale
                        })
                        .collect()
                })
                .collect();
            let finite = cost.is_finite()
                && grad.iter().all(|v| v.is_finite())
                && hess.iter().flatten().all(|v| v.is_finite());
            finite.then_some((cost, grad, hess))
        });
        // A point where the likelihood cannot be evaluated is infinitely bad:
        // the trust region shrinks away from it.
        let (cost, grad, hess) =
            out.unwrap_or((f64::INFINITY, vec![0.0; n], vec![vec![0.0; n]; n]));
        if let Ok(mut last) = self.last.lock() {
            *last = Some((u.to_vec(), cost, grad.clone(), hess.clone()));
        }
        (cost, grad, hess)
    }
}

cost_and_gradient_of_eval!(Curvature);

impl Hessian for Curvature<'_> {
    type Param = Vec<f64>;
    type Hessian = Vec<Vec<f64>>;

    fn hessian(&self, u: &Self::Param) -> std::result::Result<Vec<Vec<f64>>, argmin::core::Error> {
        Ok(self.eval(u).2)
    }
}

/// The state of the trust-region method.
type TrState = IterState<Vec<f64>, Vec<f64>, (), Vec<Vec<f64>>, (), f64>;

/// The Newton step `H⁻¹ g` through the Cholesky factor of `H`, `None`
/// unless `H` is positive definite.
// Index loops: small dense matrix algebra reads clearest with explicit indices.
#[allow(clippy::needless_range_loop)]
fn newton_step(g: &[f64], h: &[Vec<f64>]) -> Option<Vec<f64>> {
    let l = cholesky(h)?;
    let n = g.len();
    // L y = g, then Lᵀ d = y.
    let mut y = vec![0.0; n];
    for r in 0..n {
        y[r] = (g[r] - (0..r).map(|k| l[r][k] * y[k]).sum::<f64>()) / l[r][r];
    }
    let mut d = vec![0.0; n];
    for r in (0..n).rev() {
        d[r] = (y[r] - (r + 1..n).map(|k| l[k][r] * d[k]).sum::<f64>()) / l[r][r];
    }
    d.iter().all(|v| v.is_finite()).then_some(d)
}

/// The Cholesky factor `L` of a symmetric matrix (`H = L Lᵀ`), `None`
/// unless it is positive definite.
#[allow(clippy::needless_range_loop)]
fn cholesky(hess: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = hess.len();
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let d = hess[j][j] - (0..j).map(|k| l[j][k] * l[j][k]).sum::<f64>();
        if !(d.is_finite() && d > 0.0) {
            return None;
        }
        l[j][j] = d.sqrt();
        for i in j + 1..n {
            l[i][j] = (hess[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>()) / l[j][j];
        }
    }
    Some(l)
}

/// argmin's trust-region method with a stopping rule: it has none of its
/// own (it runs to the iteration cap). It stops when the gradient's norm is
/// below `gradient_tolerance`, or when the Hessian is positive definite and
/// the Newton decrement `gᵀH⁻¹g` (twice the decrease a last Newton step
/// would bring) is below `decrement_tolerance`. The second rule matters for
/// large data: near the optimum the cost's changes sink below its rounding
/// (a million customers' log-likelihood, scaled to 1, moves by 1e-15 per
/// step there), the trust region then rejects good steps on noise and
/// shrinks, while the gradient and Hessian still show where the optimum is.
struct StopAtStationary<S> {
    inner: S,
    gradient_tolerance: f64,
    decrement_tolerance: f64,
}

impl<S> StopAtStationary<S> {
    /// The Newton step at the state's point when its decrement is below the
    /// tolerance: the last correction of a converged fit, which lands within
    /// about its square of the optimum.
    fn final_step(&self, state: &TrState) -> Option<Vec<f64>> {
        let (g, h) = (state.get_gradient()?, state.get_hessian()?);
        newton_step(g, h).filter(|d| {
            g.iter().zip(d).map(|(g, d)| g * d).sum::<f64>() <= self.decrement_tolerance
        })
    }
}

impl<'a, S> Solver<Curvature<'a>, TrState> for StopAtStationary<S>
where
    S: Solver<Curvature<'a>, TrState>,
{
    fn name(&self) -> &str {
        "trust region (stops at a stationary point)"
    }

    fn init(
        &mut self,
        problem: &mut ArgminProblem<Curvature<'a>>,
        state: TrState,
    ) -> std::result::Result<(TrState, Option<KV>), argmin::core::Error> {
        self.inner.init(problem, state)
    }

    fn next_iter(
        &mut self,
        problem: &mut ArgminProblem<Curvature<'a>>,
        state: TrState,
    ) -> std::result::Result<(TrState, Option<KV>), argmin::core::Error> {
        self.inner.next_iter(problem, state)
    }

    fn terminate(&mut self, state: &TrState) -> TerminationStatus {
        let small_gradient = state.get_gradient().is_some_and(|g| {
            g.iter().map(|v| v * v).sum::<f64>().sqrt() <= self.gradient_tolerance
        });
        let done = small_gradient || self.final_step(state).is_some();
        if done && state.get_cost().is_finite() {
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        } else {
            TerminationStatus::NotTerminated
        }
    }
}

/// Minimizes `f` (a negative log-likelihood with its analytic gradient and
/// Hessian) on the log scale by Newton steps in a trust region (argmin's
/// `TrustRegion` with the Steihaug subproblem), on the cost divided by its
/// starting magnitude; it stops when the gradient's norm is below
/// `√tolerance / 100`, as [`minimize_smooth`] does, or when the Newton
/// decrement is below `tolerance` (then that last step is taken, see
/// [`StopAtStationary`]). Where L-BFGS needs 20–30
/// evaluations, Newton steps need 6–12, and the Hessian comes nearly free
/// with the gradient. When the method stops any other way (the cap of 100
/// iterations, a failure), the fit is redone by [`minimize_smooth`] from
/// the start. Returns the parameters and the iterations of all methods used.
///
/// # Errors
/// As [`minimize`].
pub(crate) fn minimize_newton(
    initial: &[f64],
    f: &NllHessian<'_>,
    smooth: &NllGradient<'_>,
    value: &(dyn Fn(&[f64]) -> f64 + Sync),
    options: &FitOptions,
) -> Result<(Vec<f64>, u64)> {
    const CAP: u64 = 100;
    let x0 = starting_point(initial, options)?;
    let mut problem = Curvature {
        f,
        penalty: options.penalty,
        scale: 1.0,
        last: Mutex::new(None),
    };
    let start_cost = problem.eval(&x0).0;
    if start_cost.is_finite() {
        problem.scale = start_cost.abs().max(1.0);
        problem.last = Mutex::new(None);
    }
    let solver = StopAtStationary {
        inner: TrustRegion::new(Steihaug::new().with_max_iters(20)),
        gradient_tolerance: options.tolerance.sqrt() / 100.0,
        decrement_tolerance: options.tolerance,
    };
    let finish = StopAtStationary {
        inner: (),
        gradient_tolerance: 0.0,
        decrement_tolerance: options.tolerance,
    };
    let result = Executor::new(problem, solver)
        .configure(|state| {
            state
                .param(x0.clone())
                .max_iters(CAP.min(options.max_iterations))
        })
        .run();
    let (best, iterations, converged) = match &result {
        Ok(r) => {
            let state = r.state();
            let converged = matches!(
                state.get_termination_status(),
                TerminationStatus::Terminated(TerminationReason::SolverConverged)
            ) && state.get_cost().is_finite();
            // The trust region keeps the point it stands on as its best (it
            // moves only to a lower cost); the last Newton step of a
            // converged fit is taken.
            let u = state.get_param().map(|u| match finish.final_step(state) {
                Some(d) => u.iter().zip(&d).map(|(u, d)| u - d).collect::<Vec<f64>>(),
                None => u.clone(),
            });
            (u, state.get_iter(), converged)
        }
        Err(_) => (None, 0, false),
    };
    match best {
        Some(u) if converged => Ok((u.iter().map(|v| v.exp()).collect(), iterations)),
        _ => {
            let (p, more) = minimize_smooth(initial, smooth, value, options)?;
            Ok((p, iterations + more))
        }
    }
}

/// A log-likelihood with its gradient and Hessian (rows), negated: the
/// negative log-likelihood the minimizers take.
pub(crate) fn negate<'a>(
    ll: f64,
    grad: &[f64],
    hess: impl Iterator<Item = &'a [f64]>,
) -> (f64, Vec<f64>, Vec<Vec<f64>>) {
    (
        -ll,
        grad.iter().map(|v| -v).collect(),
        hess.map(|row| row.iter().map(|v| -v).collect()).collect(),
    )
}

/// Standard errors (as [`standard_errors`]) from the analytic gradient `g`
/// and Hessian `h` of the negative log-likelihood in the natural
/// parameters at `params`: the Hessian in `u = ln θ` is
/// `θ_i θ_j h_ij + δ_ij θ_i g_i`.
pub(crate) fn standard_errors_from_hessian(
    g: &[f64],
    h: &[Vec<f64>],
    params: &[f64],
) -> Option<Vec<f64>> {
    let n = params.len();
    let hess: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    params[i] * params[j] * h[i][j] + if i == j { params[i] * g[i] } else { 0.0 }
                })
                .collect()
        })
        .collect();
    delta_method(&hess, params)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn parameter_intervals_are_log_scale_wald_intervals() {
        // z(0.9) = 1.6448536269514722; ln θ ± z·se/θ, exponentiated.
        let i = parameter_intervals(&[2.0, 0.5], &[0.2, 0.0], 0.9).unwrap();
        let z = 1.644_853_626_951_472_2_f64;
        assert!((i[0][0] - 2.0 * (-z * 0.1f64).exp()).abs() < 1e-14);
        assert!((i[0][1] - 2.0 * (z * 0.1f64).exp()).abs() < 1e-14);
        assert_eq!(i[1], [0.5, 0.5]);
        // The geometric mean of the bounds is the estimate.
        assert!(((i[0][0] * i[0][1]).sqrt() - 2.0).abs() < 1e-14);
        assert_eq!(
            parameter_intervals(&[1.0], &[0.1], 1.0).unwrap_err().kind(),
            "config"
        );
        assert_eq!(
            parameter_intervals(&[1.0], &[], 0.9).unwrap_err().kind(),
            "length_mismatch"
        );
        assert_eq!(
            parameter_intervals(&[-1.0], &[0.1], 0.9)
                .unwrap_err()
                .kind(),
            "invalid_input"
        );
        assert_eq!(
            parameter_intervals(&[1.0], &[f64::NAN], 0.9)
                .unwrap_err()
                .kind(),
            "invalid_input"
        );
    }

    /// Checks an analytic 4×4 Hessian `hess` at `theta` against central
    /// differences of the analytic gradient `gradient`, and its symmetry.
    pub(crate) fn assert_hessian_matches_gradient(
        theta: [f64; 4],
        hess: &[[f64; 4]; 4],
        gradient: impl Fn([f64; 4]) -> [f64; 4],
    ) {
        for k in 0..4 {
            let h = 1e-6 * theta[k];
            let (mut up, mut down) = (theta, theta);
            up[k] += h;
            down[k] -= h;
            let (g_up, g_down) = (gradient(up), gradient(down));
            for l in 0..4 {
                let numeric = (g_up[l] - g_down[l]) / (2.0 * h);
                assert!(
                    (hess[l][k] - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
                    "{theta:?} ({l}, {k}): analytic {} numeric {numeric}",
                    hess[l][k]
                );
                assert_eq!(hess[l][k], hess[k][l], "symmetric");
            }
        }
    }

    /// −LL = Σ (ln θ_i − μ_i)² / (2σ_i²) + θ_0 θ_1 / 10: a coupled, smooth
    /// likelihood with its gradient and Hessian in θ.
    fn coupled(t: &[f64]) -> (f64, Vec<f64>, Vec<Vec<f64>>) {
        let (mu, sigma) = ([0.3f64, -1.0, 2.0], [0.5f64, 0.1, 2.0]);
        let mut v = t[0] * t[1] / 10.0;
        let mut g = vec![t[1] / 10.0, t[0] / 10.0, 0.0];
        let mut h = vec![vec![0.0; 3]; 3];
        h[0][1] = 0.1;
        h[1][0] = 0.1;
        for i in 0..3 {
            let (l, s2) = (t[i].ln() - mu[i], sigma[i] * sigma[i]);
            v += l * l / (2.0 * s2);
            g[i] += l / (s2 * t[i]);
            h[i][i] += (1.0 - l) / (s2 * t[i] * t[i]);
        }
        (v, g, h)
    }

    #[test]
    fn newton_steps_reach_the_optimum_that_l_bfgs_reaches() {
        let options = FitOptions::default();
        let with_hessian = |t: &[f64]| Some(coupled(t));
        let with_gradient = |t: &[f64]| {
            let (v, g, _) = coupled(t);
            (v, g)
        };
        let value = |t: &[f64]| coupled(t).0;
        let (newton, iterations) =
            minimize_newton(&[1.0; 3], &with_hessian, &with_gradient, &value, &options).unwrap();
        let (lbfgs, _) = minimize_smooth(&[1.0; 3], &with_gradient, &value, &options).unwrap();
        assert!(
            iterations < 20,
            "Newton steps, not the fallback: {iterations} iterations"
        );
        for i in 0..3 {
            assert!(
                (newton[i] - lbfgs[i]).abs() < 1e-7 * lbfgs[i],
                "{newton:?} vs {lbfgs:?}"
            );
        }
        // Stationary: the gradient in u = ln θ vanishes.
        let (_, g, _) = coupled(&newton);
        for i in 0..3 {
            assert!((g[i] * newton[i]).abs() < 1e-9, "{g:?}");
        }
        // With a penalty the optimum moves toward θ = 1 (u = 0), as L-BFGS finds it.
        let penalized = FitOptions {
            penalty: 5.0,
            ..Default::default()
        };
        let (p_newton, _) =
            minimize_newton(&[1.0; 3], &with_hessian, &with_gradient, &value, &penalized).unwrap();
        let (p_lbfgs, _) = minimize_smooth(&[1.0; 3], &with_gradient, &value, &penalized).unwrap();
        for i in 0..3 {
            assert!((p_newton[i] - p_lbfgs[i]).abs() < 1e-7 * p_lbfgs[i]);
            assert!(p_newton[i].ln().abs() < newton[i].ln().abs());
        }
    }

    #[test]
    fn newton_falls_back_when_the_hessian_cannot_be_evaluated() {
        // No Hessian anywhere: the trust region cannot start, L-BFGS fits instead.
        let options = FitOptions::default();
        let none = |_: &[f64]| None;
        let with_gradient = |t: &[f64]| {
            let (v, g, _) = coupled(t);
            (v, g)
        };
        let value = |t: &[f64]| coupled(t).0;
        let (fallback, _) =
            minimize_newton(&[1.0; 3], &none, &with_gradient, &value, &options).unwrap();
        let (lbfgs, _) = minimize_smooth(&[1.0; 3], &with_gradient, &value, &options).unwrap();
        assert_eq!(fallback, lbfgs);
        // Bad options are still refused before any work.
        let bad = FitOptions {
            tolerance: -1.0,
            ..Default::default()
        };
        assert!(minimize_newton(&[1.0; 3], &none, &with_gradient, &value, &bad).is_err());
    }

    #[test]
    fn newton_step_solves_the_system_and_refuses_an_indefinite_matrix() {
        let h = vec![vec![4.0, 1.0], vec![1.0, 3.0]];
        let d = newton_step(&[1.0, 2.0], &h).unwrap();
        // 4d₀ + d₁ = 1, d₀ + 3d₁ = 2 → d = (1/11, 7/11).
        assert!((d[0] - 1.0 / 11.0).abs() < 1e-15 && (d[1] - 7.0 / 11.0).abs() < 1e-15);
        assert!(newton_step(&[1.0, 2.0], &[vec![1.0, 2.0], vec![2.0, 1.0]]).is_none());
    }

    #[test]
    fn standard_errors_of_a_log_normal_likelihood_are_exact() {
        // −LL = Σ (ln θ_i − μ_i)² / (2σ_i²): H = diag(1/σ_i²) in u = ln θ, so se(θ_i) = θ_i σ_i.
        let (mu, sigma) = ([0.3f64, -1.0, 2.0], [0.5f64, 0.1, 2.0]);
        let nll = |t: &[f64]| {
            t.iter()
                .zip(mu.iter().zip(&sigma))
                .map(|(t, (m, s))| (t.ln() - m).powi(2) / (2.0 * s * s))
                .sum::<f64>()
        };
        let theta: Vec<f64> = mu.iter().map(|m| m.exp()).collect();
        let se = standard_errors(&nll, &theta).unwrap();
        for i in 0..3 {
            let exact = theta[i] * sigma[i];
            assert!(
                (se[i] - exact).abs() < 1e-6 * exact,
                "{i}: {} vs {exact}",
                se[i]
            );
        }
        // A flat direction has no standard error.
        let flat = |t: &[f64]| (t[0].ln() - 0.3).powi(2);
        assert!(standard_errors(&flat, &[0.3f64.exp(), 1.0]).is_none());
    }
}
