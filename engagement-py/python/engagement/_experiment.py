"""A/B tests: conversion, revenue per customer, Bayesian comparison, power and sample size.

Arguments left None take the engine's defaults: confidence ``level`` 0.95, a uniform Beta(1, 1)
``prior``, significance ``alpha`` 0.05, ``power`` 0.8.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple

from . import _convert as cv
from . import _engagement as _native
from ._results import Proportion


def _interval(d: Mapping[str, float]) -> Tuple[float, float]:
    return (d["low"], d["high"])


@dataclass(frozen=True)
class ConversionTest:
    """Two conversion rates compared: pooled two-proportion z-test, chi-square (no continuity
    correction), the Wald interval of the difference and the delta-method interval of the relative
    lift. Intervals are ``(low, high)``.

    >>> import engagement
    >>> t = engagement.conversion_test(200, 2000, 250, 2000)
    >>> round(t.difference, 3), round(t.p_value, 4), t.treatment.rate
    (0.025, 0.0124, 0.125)
    """

    control: Proportion
    treatment: Proportion
    difference: float
    difference_interval: Tuple[float, float]
    relative_lift: float
    relative_lift_interval: Tuple[float, float]
    z: float
    chi_square: float
    p_value: float
    level: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "ConversionTest":
        d = dict(d)
        d["control"], d["treatment"] = Proportion._from(d["control"]), Proportion._from(d["treatment"])
        d["difference_interval"] = _interval(d["difference_interval"])
        # NaN (no conversion in an arm) arrives as None from JSON-like data.
        lift = d["relative_lift_interval"]
        d["relative_lift_interval"] = (_nan(lift["low"]), _nan(lift["high"]))
        d["relative_lift"] = _nan(d["relative_lift"])
        return cls(**d)


def _nan(v: Optional[float]) -> float:
    return float("nan") if v is None else float(v)


@dataclass(frozen=True)
class WelchTest:
    """Two means compared by Welch's t-test (unequal variances).

    >>> import engagement
    >>> t = engagement.welch_test([10, 12, 9, 11], [14, 15, 13, 16, 15])
    >>> round(t.difference, 2), t.p_value < 0.01   # means 10.5 and 14.6
    (4.1, True)
    """

    control_mean: float
    treatment_mean: float
    difference: float
    difference_interval: Tuple[float, float]
    t: float
    degrees_of_freedom: float
    p_value: float
    level: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "WelchTest":
        d = dict(d)
        d["difference_interval"] = _interval(d["difference_interval"])
        return cls(**d)


@dataclass(frozen=True)
class BayesianConversion:
    """Two conversion rates compared by their Beta posteriors: P(treatment better), the expected
    loss of choosing each arm, posterior means and equal-tailed credible intervals.

    >>> import engagement
    >>> b = engagement.bayesian_conversion_test(40, 400, 55, 410)
    >>> round(b.prob_treatment_better, 4)
    0.9337
    """

    prob_treatment_better: float
    expected_loss_treatment: float
    expected_loss_control: float
    control_mean: float
    treatment_mean: float
    control_interval: Tuple[float, float]
    treatment_interval: Tuple[float, float]
    level: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "BayesianConversion":
        d = dict(d)
        d["control_interval"], d["treatment_interval"] = _interval(d["control_interval"]), _interval(d["treatment_interval"])
        return cls(**d)


def conversion_test(control_successes: int, control_trials: int, treatment_successes: int, treatment_trials: int,
                    level: Optional[float] = None) -> ConversionTest:
    """Frequentist comparison of two conversion rates; see ``ConversionTest``."""
    return ConversionTest._from(_native.conversion_test(control_successes, control_trials, treatment_successes,
                                                        treatment_trials, level))


def welch_test(control: Any, treatment: Any, level: Optional[float] = None) -> WelchTest:
    """Welch's t-test of two samples, e.g. revenue per customer; see ``WelchTest``."""
    return WelchTest._from(_native.welch_test(cv.floats(control, "control"), cv.floats(treatment, "treatment"), level))


def bayesian_conversion_test(control_successes: int, control_trials: int, treatment_successes: int,
                             treatment_trials: int, prior: Optional[Tuple[float, float]] = None,
                             level: Optional[float] = None) -> BayesianConversion:
    """Bayesian beta-binomial comparison with a Beta(``prior``) on each rate (default uniform; each
    parameter in 0.001..1e9); deterministic (exact finite sums for whole-number priors, quadrature
    otherwise; no sampling); see ``BayesianConversion``."""
    shapes = None if prior is None else {"alpha": float(prior[0]), "beta": float(prior[1])}
    return BayesianConversion._from(_native.bayesian_conversion_test(
        control_successes, control_trials, treatment_successes, treatment_trials, shapes, level))


def power_two_proportions(baseline: float, minimum_detectable_effect: float, n_per_group: float,
                          alpha: Optional[float] = None) -> float:
    """Power of a two-sided two-proportion test with ``n_per_group`` per arm to detect
    ``baseline → baseline + minimum_detectable_effect`` (normal approximation on Cohen's h, as
    statsmodels' ``NormalIndPower``).

    >>> import engagement
    >>> round(engagement.power_two_proportions(0.10, 0.02, 1000), 4)
    0.2987
    """
    return _native.power_two_proportions(baseline, minimum_detectable_effect, float(n_per_group), alpha)


def sample_size_two_proportions(baseline: float, minimum_detectable_effect: float, alpha: Optional[float] = None,
                                power: Optional[float] = None) -> float:
    """Customers per arm (not rounded: round up to plan) for a two-sided two-proportion test to
    reach ``power``.

    >>> import engagement, math
    >>> math.ceil(engagement.sample_size_two_proportions(0.10, 0.02))
    3835
    """
    return _native.sample_size_two_proportions(baseline, minimum_detectable_effect, alpha, power)
