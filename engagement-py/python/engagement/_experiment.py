"""A/B tests: conversion, revenue per customer, Bayesian comparison, power and sample size;
experiment readouts (CUPED, ratio metrics, sequential tests, k arms), the sample-ratio check and
p-value corrections.

Arguments left None take the engine's defaults: confidence ``level`` 0.95, a uniform Beta(1, 1)
``prior``, significance ``alpha`` 0.05, ``power`` 0.8.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _convert as cv
from . import _display
from . import _engagement as _native
from ._results import Proportion


def _interval(d: Mapping[str, float]) -> Tuple[float, float]:
    return (d["low"], d["high"])


@dataclass(frozen=True)
class ConversionTest(_display.Display):
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

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: each arm's ``Proportion`` (``control_*``, ``treatment_*``: successes, trials,
        rate, Wilson interval, level), the ``difference`` of rates and its interval, the
        ``relative_lift`` and its interval (shares), ``z``, ``chi_square``, ``p_value`` and ``level``. Intervals ``(low, high)`` become ``<name>_low`` and ``<name>_high``; pandas or
        polars (``backend``).

        >>> import engagement
        >>> engagement.conversion_test(200, 2000, 250, 2000).to_frame()["treatment_rate"].tolist()
        [0.125]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["ConversionTest", f"difference {_display.number(self.difference)}, p {_display.number(self.p_value)}",
                f"{_display.level(self.level)} intervals"]


def _nan(v: Optional[float]) -> float:
    return float("nan") if v is None else float(v)


@dataclass(frozen=True)
class WelchTest(_display.Display):
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

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: ``control_mean``, ``treatment_mean``, their ``difference`` (the values' unit) and its
        interval, ``t``, ``degrees_of_freedom``, ``p_value`` and ``level``. Intervals ``(low, high)`` become ``<name>_low`` and ``<name>_high``; pandas or
        polars (``backend``).

        >>> import engagement
        >>> engagement.welch_test([10, 12, 9, 11], [14, 15, 13, 16, 15]).to_frame()["control_mean"].tolist()
        [10.5]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["WelchTest", f"difference {_display.number(self.difference)}, p {_display.number(self.p_value)}",
                f"{_display.level(self.level)} interval", "means in the values' unit"]


@dataclass(frozen=True)
class BayesianConversion(_display.Display):
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

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: ``prob_treatment_better``, the expected losses (rates), both posterior means and
        credible intervals (rates, 0 … 1) and ``level``. Intervals ``(low, high)`` become ``<name>_low`` and ``<name>_high``; pandas or
        polars (``backend``).

        >>> import engagement
        >>> engagement.bayesian_conversion_test(40, 400, 55, 410).to_frame()["prob_treatment_better"].round(4).tolist()
        [0.9337]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["BayesianConversion", f"P(treatment better) {_display.number(self.prob_treatment_better)}",
                f"{_display.level(self.level)} credible intervals"]


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


@dataclass(frozen=True)
class Effect(_display.Display):
    """A treatment's effect against the control on one scale (absolute or relative): the
    estimate with its standard error, the interval and two-sided p-value (always-valid in a
    sequential readout), the p-value after the readout's correction, and the Bayesian chance to
    win, risks (expected loss of shipping the control / the treatment) and credible interval.
    Intervals are ``(low, high)``; see ``readout``."""

    estimate: float
    standard_error: float
    degrees_of_freedom: float
    interval: Tuple[float, float]
    p_value: float
    adjusted_p_value: float
    chance_to_win: float
    risk_control: float
    risk_treatment: float
    posterior_mean: float
    credible_interval: Tuple[float, float]

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "Effect":
        d = dict(d)
        d["interval"], d["credible_interval"] = _interval(d["interval"]), _interval(d["credible_interval"])
        return cls(**d)

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: ``estimate`` (the metric's unit, or a share for a relative effect), its
        ``standard_error``, ``degrees_of_freedom``, ``interval``, ``p_value``, ``adjusted_p_value``,
        ``chance_to_win``, ``risk_control``, ``risk_treatment``, ``posterior_mean`` and ``credible_interval``. Intervals ``(low, high)`` become ``<name>_low`` and ``<name>_high``; pandas or
        polars (``backend``).

        >>> import engagement
        >>> r = engagement.readout(["a"] * 4 + ["b"] * 4, [10, 12, 9, 11, 14, 15, 13, 16])
        >>> r.comparisons[0].absolute.to_frame()["estimate"].tolist()
        [4.0]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["Effect", f"estimate {_display.number(self.estimate)}, p {_display.number(self.p_value)}"]


@dataclass(frozen=True)
class LogNormalEffect(_display.Display):
    """The log-normal approximation of the ratio of two arms' means (GrowthBook's revenue model):
    the log ratio and its standard deviation, the chance to win, the lift ``exp(log_ratio) − 1``
    with its credible interval, and the risks in the metric's units; see ``readout``."""

    log_ratio: float
    log_ratio_sd: float
    chance_to_win: float
    lift: float
    credible_interval: Tuple[float, float]
    risk_control: float
    risk_treatment: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "LogNormalEffect":
        d = dict(d)
        d["credible_interval"] = _interval(d["credible_interval"])
        return cls(**d)

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: ``log_ratio`` and ``log_ratio_sd``, ``chance_to_win``, ``lift`` (a share) and its
        ``credible_interval``, ``risk_control`` and ``risk_treatment`` (the metric's unit). Intervals ``(low, high)`` become ``<name>_low`` and ``<name>_high``; pandas or
        polars (``backend``).

        >>> import engagement
        >>> engagement.LogNormalEffect(0.1, 0.05, 0.97, 0.105, (0.0, 0.2), 0.1, 0.0).to_frame()["lift"].tolist()
        [0.105]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["LogNormalEffect", f"lift {_display.number(self.lift)}, chance to win {_display.number(self.chance_to_win)}"]


@dataclass(frozen=True)
class ArmReadout(_display.Display):
    """One arm of a readout: units, the metric (mean, share or ratio), the CUPED-adjusted metric,
    the per-unit variance after CUPED (standard error ``√(variance / n)``) and the pre-period metric;
    see ``readout``."""

    name: str
    n: int
    mean: float
    adjusted_mean: float
    variance: float
    pre_mean: Optional[float]

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "ArmReadout":
        return cls(**d)

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: the arm's ``name``, units ``n``, ``mean``, ``adjusted_mean`` (CUPED; the metric's
        unit), ``variance`` per unit and ``pre_mean`` (NaN without a pre-period). Intervals ``(low, high)`` become ``<name>_low`` and ``<name>_high``; pandas or
        polars (``backend``).

        >>> import engagement
        >>> engagement.readout(["a", "a", "b", "b"], [1, 3, 2, 6]).arms[1].to_frame()[["name", "mean"]].values.tolist()
        [['b', 4.0]]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["ArmReadout", f"{self.name}: {self.n} units, mean {_display.number(self.mean)}"]


@dataclass(frozen=True)
class Comparison(_display.Display):
    """One treatment arm against the control: the ``absolute`` and ``relative`` effects (relative
    is None when the control's mean is 0), the ``lognormal`` approximation (None where it does not
    hold) and the share of variance CUPED saved; see ``readout``."""

    arm: str
    absolute: Effect
    relative: Optional[Effect]
    lognormal: Optional[LogNormalEffect]
    variance_reduction: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "Comparison":
        return cls(arm=d["arm"], absolute=Effect._from(d["absolute"]),
                   relative=None if d["relative"] is None else Effect._from(d["relative"]),
                   lognormal=None if d["lognormal"] is None else LogNormalEffect._from(d["lognormal"]),
                   variance_reduction=d["variance_reduction"])

    def __repr__(self) -> str:
        rel = "-" if self.relative is None else _display.number(self.relative.estimate)
        return (f"Comparison({self.arm!r}: absolute {_display.number(self.absolute.estimate)} "
                f"(p {_display.number(self.absolute.p_value)}), relative {rel}, "
                f"variance reduction {_display.number(self.variance_reduction)})")

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: the ``arm``, its ``absolute_*``, ``relative_*`` and ``lognormal_*`` effects (NaN
        where there is none; see ``Effect`` and ``LogNormalEffect``) and ``variance_reduction``. Intervals ``(low, high)`` become ``<name>_low`` and ``<name>_high``; pandas or
        polars (``backend``).

        >>> import engagement
        >>> r = engagement.readout(["a"] * 4 + ["b"] * 4, [10, 12, 9, 11, 14, 15, 13, 16])
        >>> r.comparisons[0].to_frame()[["arm", "absolute_estimate"]].values.tolist()
        [['b', 4.0]]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["Comparison", f"{self.arm}: absolute {_display.number(self.absolute.estimate)}, "
                f"p {_display.number(self.absolute.p_value)}"]


@dataclass(frozen=True)
class SrmTest(_display.Display):
    """The sample-ratio mismatch test: the counts the planned split expects, Pearson's chi-square,
    its degrees of freedom (arms − 1) and p-value (below 0.001: the assignment is broken).

    >>> import engagement
    >>> engagement.srm_test([5400, 4600]).p_value < 1e-10
    True
    """

    expected: List[float]
    chi_square: float
    degrees_of_freedom: int
    p_value: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "SrmTest":
        return cls(**d)

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row per arm (in the counts' order): its ``expected`` units under the planned split,
        then the test's ``chi_square``, ``degrees_of_freedom`` and ``p_value`` (repeated); pandas or
        polars (``backend``).

        >>> import engagement
        >>> engagement.srm_test([5400, 4600]).to_frame()["expected"].tolist()
        [5000.0, 5000.0]
        """
        import pandas as pd

        _display.check_backend(backend)
        k = len(self.expected)
        return _display.frame(pd.DataFrame({"expected": _display.floats(self.expected),
                                            "chi_square": [self.chi_square] * k,
                                            "degrees_of_freedom": [self.degrees_of_freedom] * k,
                                            "p_value": [self.p_value] * k},
                                           index=pd.RangeIndex(k, name="arm")), backend)

    def _header(self) -> List[str]:
        return ["SrmTest", f"chi-square {_display.number(self.chi_square)} on {self.degrees_of_freedom} df, "
                f"p {_display.number(self.p_value)}"]


@dataclass(frozen=True)
class Readout(_display.Display):
    """An experiment's readout for one metric over its arms (see ``readout``): the ``arms``, each
    treatment's ``comparisons`` against the ``control``, each arm's ``chance_to_be_best`` and
    ``expected_loss`` (dicts by arm), the sample-ratio check ``srm`` and CUPED's ``theta``.
    ``to_frame()`` gives one row per treatment and scale.

    >>> import engagement
    >>> r = engagement.readout(["a"] * 4 + ["b"] * 4, [10, 12, 9, 11, 14, 15, 13, 16])
    >>> c = r.comparisons[0]
    >>> c.arm, round(c.absolute.estimate, 2), round(c.relative.estimate, 3), c.absolute.p_value < 0.01
    ('b', 4.0, 0.381, True)
    """

    kind: str
    level: float
    sequential: bool
    correction: str
    control: str
    theta: float
    arms: List[ArmReadout]
    comparisons: List[Comparison]
    chance_to_be_best: Dict[str, float]
    expected_loss: Dict[str, float]
    srm: SrmTest

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "Readout":
        arms = [ArmReadout._from(a) for a in d["arms"]]
        names = [a.name for a in arms]
        return cls(kind=d["kind"], level=d["level"], sequential=d["sequential"], correction=d["correction"],
                   control=d["control"], theta=d["theta"], arms=arms,
                   comparisons=[Comparison._from(c) for c in d["comparisons"]],
                   chance_to_be_best=dict(zip(names, d["chance_to_be_best"])),
                   expected_loss=dict(zip(names, d["expected_loss"])), srm=SrmTest._from(d["srm"]))

    def to_frame(self, section: str = "comparisons", backend: str = "pandas") -> Any:
        """``section="comparisons"``: one row per treatment arm and scale (``absolute``,
        ``relative``) with every number of its ``Effect`` (intervals as ``*_low`` / ``*_high``),
        the control and the variance reduction; ``section="arms"``: one row per arm (the control
        too) with its units ``n``, means (the metric's unit), variance, chance to be best, expected
        loss and the units the planned split expects (``srm_expected``); ``section="lognormal"``:
        one row per treatment arm with the log-normal approximation (arms where it does not hold
        left out); ``section="summary"``: one row with the settings (``kind``, ``level``,
        ``sequential``, ``correction``, ``control``), CUPED's ``theta`` and the sample-ratio test
        (``srm_chi_square``, ``srm_degrees_of_freedom``, ``srm_p_value``). pandas or polars (``backend``).

        >>> import engagement
        >>> r = engagement.readout(["a"] * 4 + ["b"] * 4, [10, 12, 9, 11, 14, 15, 13, 16])
        >>> list(r.to_frame()["scale"])
        ['absolute', 'relative']
        """
        from ._frames import to_frame

        if section == "arms":
            cols: Dict[str, List[Any]] = {"arm": [a.name for a in self.arms]}
            for f in ("n", "mean", "adjusted_mean", "variance", "pre_mean"):
                cols[f] = [getattr(a, f) for a in self.arms]
            cols["chance_to_be_best"] = [self.chance_to_be_best[a.name] for a in self.arms]
            cols["expected_loss"] = [self.expected_loss[a.name] for a in self.arms]
            cols["srm_expected"] = list(self.srm.expected)
            return to_frame(cols, backend)
        if section == "summary":
            import pandas as pd

            _display.check_backend(backend)
            row = _display.flat(self)
            row.update({f"srm_{k}": v for k, v in _display.flat(self.srm).items()})
            return _display.frame(pd.DataFrame([row]), backend)
        if section == "lognormal":
            keep = [c for c in self.comparisons if c.lognormal is not None]
            cols = {"arm": [c.arm for c in keep], "control": [self.control] * len(keep)}
            for f in ("log_ratio", "log_ratio_sd", "chance_to_win", "lift", "risk_control", "risk_treatment"):
                cols[f] = [getattr(c.lognormal, f) for c in keep]
            cols["credible_low"] = [c.lognormal.credible_interval[0] for c in keep if c.lognormal]
            cols["credible_high"] = [c.lognormal.credible_interval[1] for c in keep if c.lognormal]
            return to_frame(cols, backend)
        if section != "comparisons":
            raise ValueError(f"section must be 'comparisons', 'arms', 'lognormal' or 'summary', got {section!r}")
        names = ("arm", "control", "scale", "estimate", "standard_error", "degrees_of_freedom", "interval_low",
                 "interval_high", "p_value", "adjusted_p_value", "chance_to_win", "risk_control",
                 "risk_treatment", "posterior_mean", "credible_low", "credible_high", "variance_reduction")
        rows: Dict[str, List[Any]] = {k: [] for k in names}
        for c in self.comparisons:
            for scale, e in (("absolute", c.absolute), ("relative", c.relative)):
                if e is None:
                    continue
                values = (c.arm, self.control, scale, e.estimate, e.standard_error, e.degrees_of_freedom,
                          e.interval[0], e.interval[1], e.p_value, e.adjusted_p_value, e.chance_to_win,
                          e.risk_control, e.risk_treatment, e.posterior_mean, e.credible_interval[0],
                          e.credible_interval[1], c.variance_reduction)
                for k, v in zip(names, values):
                    rows[k].append(v)
        return to_frame(rows, backend)

    def __repr__(self) -> str:
        shown = "; ".join(f"{c.arm} {_display.number(c.absolute.estimate)} (p {_display.number(c.absolute.p_value)})"
                          for c in self.comparisons[:3])
        more = "; …" if len(self.comparisons) > 3 else ""
        return (f"Readout({self.kind}, {len(self.arms)} arms, control {self.control!r}: {shown}{more}; "
                f"SRM p {_display.number(self.srm.p_value)})")

    def _header(self) -> List[str]:
        return ["Readout", f"{self.kind} metric, control {self.control!r}",
                f"{_display.level(self.level)} {'sequential ' if self.sequential else ''}intervals",
                f"correction {self.correction}", f"SRM p {_display.number(self.srm.p_value)}"]

    def _repr_html_(self) -> str:
        return _display.sections_html(self._header(), {"arms": self.to_frame("arms"),
                                                      "comparisons": self.to_frame()})


def _settings(kind: Any, control: Any, level: Any, sequential: Any, sequential_tuning: Any, correction: Any,
              prior: Any, weights: Any) -> Dict[str, Any]:
    """The readout settings the caller gave, as the engine's configuration."""
    if weights is not None:
        weights = ({str(k): float(v) for k, v in weights.items()} if isinstance(weights, Mapping)
                   else [float(w) for w in weights])
    return cv.given(kind=kind, control=control, level=level, sequential=sequential,
                    sequential_tuning=sequential_tuning, correction=correction,
                    prior=None if prior is None else {"mean": float(prior[0]), "variance": float(prior[1])},
                    weights=weights)


def _metric(values: Any, name: str) -> Any:
    """A metric column: numbers, or booleans (converted or not) as 0 and 1."""
    if getattr(values, "dtype", None) is not None and np.dtype(values.dtype) == np.bool_:
        values = np.asarray(values, dtype=np.float64)
    return cv.floats(values, name)


def readout(arm: Any, values: Any, denominators: Any = None, pre_values: Any = None, pre_denominators: Any = None,
            *, arms: Optional[Sequence[str]] = None, kind: Optional[str] = None, control: Optional[str] = None, level: Optional[float] = None,
            sequential: Optional[bool] = None, sequential_tuning: Optional[float] = None,
            correction: Optional[str] = None, prior: Optional[Tuple[float, float]] = None,
            weights: Union[Sequence[float], Mapping[str, float], None] = None) -> Readout:
    """An experiment's readout for one metric from one row per unit (customer), as GrowthBook's
    stats engine computes it.

    - ``arm``: each unit's arm (strings or integers). ``arms`` lists them in the order to show
      (a label not in it is refused); by default they are the distinct labels in sorted order.
    - ``control``: the arm the others are compared with; by default the arm named ``"control"``,
      else the first arm.
    - ``values``: the metric per unit; 0 or 1 (or booleans) for ``kind="proportion"``; the
      numerator for ``kind="ratio"`` (revenue per session), which takes ``denominators`` too.
      Columns are read by position (a pandas index is not aligned).
    - ``pre_values`` (and ``pre_denominators`` for a ratio): the metric in the pre-period, for
      CUPED; each comparison reports the ``variance_reduction`` it achieved, and ``adjusted_mean``
      is ``mean − θ·(pre_mean − pooled pre_mean)``, in the metric's units.
    - ``kind``: ``"mean"`` (default), ``"proportion"`` or ``"ratio"``. Every kind is tested with
      Welch's t (a proportion's variance is p(1−p)), as GrowthBook; ``conversion_test`` is the
      pooled z-test.
    - ``sequential=True``: always-valid p-values and intervals, safe to look at every day
      (``sequential_tuning``, default 5000, is the total units where they are narrowest). They
      depend on ``level`` through the mixture, as GrowthBook's, and are 1 when evidence is weak.
    - ``correction``: ``"none"`` (default), ``"bonferroni"``, ``"holm"`` or ``"benjamini_hochberg"``
      across the treatment arms.
    - ``prior``: ``(mean, variance)`` of a proper normal prior on the relative effect (default
      flat); it shapes each comparison's Bayesian fields, while ``chance_to_be_best``,
      ``expected_loss`` and the log-normal approximation keep a flat prior.
    - ``weights``: the planned split for the sample-ratio check, a dict by arm name (safest) or a
      list in the arms' order.

    >>> import engagement
    >>> arm = ["control"] * 5 + ["new"] * 5
    >>> converted = [0, 1, 0, 0, 1, 1, 1, 0, 1, 1]
    >>> r = engagement.readout(arm, converted, kind="proportion", sequential=True)
    >>> r.control, [a.mean for a in r.arms]
    ('control', [0.4, 0.8])
    """
    settings = _settings(kind, control, level, sequential, sequential_tuning, correction, prior, weights)
    return Readout._from(_native.readout(
        arm, _metric(values, "values"),
        None if denominators is None else cv.floats(denominators, "denominators"),
        None if pre_values is None else cv.floats(pre_values, "pre_values"),
        None if pre_denominators is None else cv.floats(pre_denominators, "pre_denominators"), settings,
        None if arms is None else [str(a) for a in arms]))


def readout_sums(arms: Sequence[Mapping[str, Any]], *, kind: Optional[str] = None, control: Optional[str] = None,
                 level: Optional[float] = None, sequential: Optional[bool] = None,
                 sequential_tuning: Optional[float] = None, correction: Optional[str] = None,
                 prior: Optional[Tuple[float, float]] = None,
                 weights: Union[Sequence[float], Mapping[str, float], None] = None) -> Readout:
    """A readout from each arm's sums as a warehouse query returns them (GrowthBook's names): a
    list of ``{"name", "count", "main_sum", "main_sum_squares"}``, plus ``denominator_sum``,
    ``denominator_sum_squares`` and ``main_denominator_sum_product`` for a ratio and
    ``covariate_sum``, ``covariate_sum_squares`` and ``main_covariate_sum_product`` for CUPED on a
    mean or proportion (a ratio with CUPED needs unit rows: ``readout``). For a proportion
    ``main_sum_squares`` equals ``main_sum``. The arms keep the list's order; settings as
    ``readout``.

    >>> import engagement
    >>> arms = [{"name": "control", "count": 2000, "main_sum": 200, "main_sum_squares": 200},
    ...         {"name": "b", "count": 2000, "main_sum": 250, "main_sum_squares": 250}]
    >>> r = engagement.readout_sums(arms, kind="proportion")
    >>> round(r.comparisons[0].absolute.estimate, 3), round(r.comparisons[0].relative.estimate, 2)
    (0.025, 0.25)
    """
    settings = _settings(kind, control, level, sequential, sequential_tuning, correction, prior, weights)
    return Readout._from(_native.readout_sums([dict(a) for a in arms], settings))


def srm_test(counts: Any, weights: Any = None) -> SrmTest:
    """Tests the arms' unit counts against the planned split ``weights`` (default equal; any
    positive scale): Pearson's chi-square, as GrowthBook's ``check_srm``; see ``SrmTest``."""
    return SrmTest._from(_native.srm_test(counts, None if weights is None else cv.floats(weights, "weights")))


def adjust_p_values(p_values: Any, correction: str) -> Any:
    """p-values tested together, corrected (``"bonferroni"``, ``"holm"``, ``"benjamini_hochberg"``
    or ``"none"``) as statsmodels' ``multipletests``; a numpy array in the input's order.

    >>> import engagement
    >>> engagement.adjust_p_values([0.01, 0.04, 0.03, 0.2], "holm").round(3).tolist()
    [0.04, 0.09, 0.09, 0.2]
    """
    return _native.adjust_p_values(cv.floats(p_values, "p_values"), correction)


@dataclass(frozen=True)
class MetricReadout(_display.Display):
    """One metric of an experiment read out from touchpoints: the customers per arm left out
    because their window had not ended by ``as_of`` (``in_progress``) and the ``readout`` of the
    others; see ``experiment``."""

    name: str
    in_progress: Dict[str, int]
    readout: Readout

    def to_frame(self, section: str = "comparisons", backend: str = "pandas") -> Any:
        """The readout's sections as ``Readout.to_frame`` gives them, the ``"arms"`` section with
        each arm's customers left out as ``in_progress`` after ``n``; pandas or polars (``backend``).

        >>> import engagement
        >>> r = engagement.experiment([1, 2], [60, 60], events=["buy", "buy"], assigned_customer=[1, 2, 3, 4],
        ...     arm=["a", "b", "a", "b"], exposed_at=[0, 0, 0, 0], metrics=[{"name": "bought", "measure": "conversion",
        ...     "match": "buy"}])
        >>> r.metrics["bought"].to_frame("arms")[["arm", "n", "in_progress"]].values.tolist()
        [['a', 2, 0], ['b', 2, 0]]
        """
        from ._frames import to_frame

        frame = self.readout.to_frame(section, backend="pandas")
        if section == "arms":
            frame.insert(2, "in_progress", [self.in_progress[a] for a in frame["arm"]])
        return _display.frame(frame, backend) if backend == "pandas" else to_frame(
            {c: frame[c].tolist() for c in frame.columns}, backend)

    def __repr__(self) -> str:
        return f"MetricReadout({self.name!r}, in progress {self.in_progress}, {self.readout!r})"

    def _header(self) -> List[str]:
        return [f"MetricReadout {self.name!r}"] + self.readout._header()[1:]

    def _repr_html_(self) -> str:
        return _display.sections_html(self._header(), {"arms": self.to_frame("arms"),
                                                      "comparisons": self.to_frame()})


@dataclass(frozen=True)
class ExperimentReadout(_display.Display):
    """An experiment read out from touchpoints: the end of observation, the customers exposed by
    then per arm, and one ``MetricReadout`` per metric (a dict by name, in the spec's order).
    ``to_frame()`` stacks the metrics' comparison frames with a ``metric`` column;
    see ``experiment``."""

    as_of: int
    exposed: Dict[str, int]
    metrics: Dict[str, MetricReadout]

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "ExperimentReadout":
        metrics: Dict[str, MetricReadout] = {}
        names: List[str] = []
        for m in d["metrics"]:
            r = Readout._from(m["readout"])
            names = [a.name for a in r.arms]
            metrics[m["name"]] = MetricReadout(m["name"], dict(zip(names, m["in_progress"])), r)
        return cls(as_of=d["as_of"], exposed=dict(zip(names, d["exposed"])), metrics=metrics)

    def to_frame(self, section: str = "comparisons", backend: str = "pandas") -> Any:
        """``section="comparisons"``: one row per metric, treatment arm and scale (the metric's
        name, then the columns of ``Readout.to_frame()``); ``section="arms"``: one row per metric
        and arm with the customers counted (``n``), left out as ``in_progress``, ``exposed`` by
        ``as_of``, then the columns of ``Readout.to_frame("arms")``; ``section="lognormal"`` and
        ``"summary"`` likewise with a ``metric`` column. pandas or polars (``backend``).

        >>> import engagement
        >>> day = 86_400
        >>> r = engagement.experiment([2, 3, 4], [day, 2 * day, day], value=[10.0, 5.0, 20.0],
        ...     events=["buy", "buy", "buy"], assigned_customer=[1, 2, 3, 4], arm=["a", "b", "a", "b"],
        ...     exposed_at=[0, 0, 0, 0], metrics=[{"name": "revenue", "measure": "value", "match": "buy"}])
        >>> r.to_frame()[["metric", "arm", "scale", "estimate"]].values.tolist()[0]
        ['revenue', 'b', 'absolute', 12.5]
        >>> r.to_frame("arms")[["metric", "arm", "n", "mean"]].values.tolist()
        [['revenue', 'a', 2, 2.5], ['revenue', 'b', 2, 15.0]]
        """
        from ._frames import to_frame

        cols: Dict[str, List[Any]] = {}
        if section not in ("comparisons", "arms", "lognormal", "summary"):
            raise ValueError(f"section must be 'comparisons' or 'arms' (or 'lognormal', 'summary'), got {section!r}")
        for name, m in self.metrics.items():
            frame = m.readout.to_frame(section, backend="pandas")
            cols.setdefault("metric", []).extend([name] * len(frame))
            if section == "arms":
                cols.setdefault("in_progress", []).extend(m.in_progress[a] for a in frame["arm"])
                cols.setdefault("exposed", []).extend(self.exposed[a] for a in frame["arm"])
            for c in frame.columns:
                cols.setdefault(c, []).extend(frame[c].tolist())
        if section == "arms":
            order = ["metric", "arm", "n", "in_progress", "exposed"]
            cols = {k: cols[k] for k in order + [k for k in cols if k not in order]}
        return to_frame(cols, backend)

    def __repr__(self) -> str:
        return (f"ExperimentReadout(as of {_display.instants([self.as_of])[0]} UTC, exposed {self.exposed}, "
                f"metrics {list(self.metrics)})")

    def _header(self) -> List[str]:
        return ["ExperimentReadout", f"{len(self.metrics)} metrics, {sum(self.exposed.values())} customers exposed",
                f"as of {_display.instants([self.as_of])[0]} UTC"]

    def _repr_html_(self) -> str:
        return _display.sections_html(self._header(), {"arms": self.to_frame("arms"),
                                                      "comparisons": self.to_frame()})


_MEASURE_KEYS = {"measure", "match", "gap", "day"}


def _measure(part: Any, what: str) -> Dict[str, Any]:
    """A measure: the engine's dict (with ``type``), or ``{"measure": name, "match", "gap", "day"}``."""
    from ._events import _seconds
    from ._retention import _matcher

    if isinstance(part, Mapping) and "type" in part:
        return dict(part)
    if not isinstance(part, Mapping) or "measure" not in part:
        raise ValueError(f"{what} is a dict with a 'measure' (conversion, count, value, sessions, retained), "
                         f"got {part!r}")
    unknown = set(part) - _MEASURE_KEYS
    if unknown:
        raise ValueError(f"{what} takes only {sorted(_MEASURE_KEYS)}, got {sorted(unknown)} (a window or "
                         f"pre-period belongs to the metric)")
    return cv.given(type=part["measure"], match=_matcher(part.get("match"), f"{what} match"),
                    gap=_seconds(part.get("gap"), f"{what} gap"), day=part.get("day"))


def _metric_spec(m: Mapping[str, Any]) -> Dict[str, Any]:
    """One metric of ``experiment``: ``name``, ``measure`` (a type name or the engine's dict), its
    ``match`` / ``gap`` / ``day``, or ``numerator`` and ``denominator`` for a ratio; ``window`` and
    ``pre_period`` in seconds, timedeltas or text like ``"7d"``."""
    from ._events import _seconds

    known = _MEASURE_KEYS | {"name", "numerator", "denominator", "window", "pre_period"}
    unknown = set(m) - known
    if unknown:
        raise ValueError(f"unknown metric keys {sorted(unknown)}; a metric takes {sorted(known)}")
    if "name" not in m or "measure" not in m:
        raise ValueError(f"a metric needs a 'name' and a 'measure', got {dict(m)!r}")
    what = f"metric {m['name']!r}"
    if m["measure"] == "ratio":
        missing = [k for k in ("numerator", "denominator") if k not in m]
        if missing:
            raise ValueError(f"{what} is a ratio: it takes a 'numerator' and a 'denominator' "
                             f"(e.g. {{'measure': 'value', 'match': 'purchase'}}), missing {missing}")
        measure = {"type": "ratio", "numerator": _measure(m["numerator"], f"{what} numerator"),
                   "denominator": _measure(m["denominator"], f"{what} denominator")}
    elif isinstance(m["measure"], Mapping):
        measure = dict(m["measure"])
    else:
        measure = _measure({k: m[k] for k in _MEASURE_KEYS if k in m}, what)
    return cv.given(name=m["name"], measure=measure, window=_seconds(m.get("window"), f"{what} window"),
                    pre_period=_seconds(m.get("pre_period"), f"{what} pre_period"))


def experiment(customer: Any, time: Any, channel: Any = None, kind: Any = None, value: Any = None, *,
               assigned_customer: Any, arm: Any, exposed_at: Any, metrics: Sequence[Mapping[str, Any]],
               events: Any = None, dictionary: Any = None, campaign: Any = None,
               arms: Optional[Sequence[str]] = None, as_of: Any = None, control: Optional[str] = None,
               level: Optional[float] = None, sequential: Optional[bool] = None,
               sequential_tuning: Optional[float] = None, correction: Optional[str] = None,
               prior: Optional[Tuple[float, float]] = None,
               weights: Union[Sequence[float], Mapping[str, float], None] = None) -> ExperimentReadout:
    """An experiment read out from touchpoints: who was exposed to which arm when
    (``assigned_customer``, ``arm``, ``exposed_at``: one row per customer, their first exposure),
    and ``metrics`` measured on each customer's touchpoints from the exposure on; one ``readout``
    per metric (settings as ``readout``'s, applied to every metric: the arms in sorted order unless
    ``arms`` gives it, the arm named ``"control"`` as the control unless ``control`` names one).

    Each metric is a dict with a ``name`` and a ``measure``:

    - ``"conversion"`` (1 when a touchpoint ``match``-ing happens, else 0), ``"count"`` (how many),
      ``"value"`` (the sum of their values, e.g. revenue), ``"sessions"`` (runs of touchpoints no more
      than ``gap`` apart, default 30 minutes), ``"retained"`` (a ``match``-ing touchpoint on ``day`` N
      after the exposure: the 24 hours from N days after it, day 0 the first 24 hours; counted only
      for customers whose day N has ended by ``as_of``), or
      ``"ratio"`` with ``numerator`` and ``denominator`` dicts of the others (revenue per session);
    - ``match``: an event label, a list of them, or a dict as ``retention``'s ``start`` (any
      touchpoint when left out);
    - ``window``: how long after the exposure counts (seconds, a timedelta or text like ``"7d"``;
      default: everything up to ``as_of``, so early exposures are watched longer). Only customers
      whose window has ended by ``as_of`` count, so recent exposures are not counted as failures;
      ``MetricReadout.in_progress`` says how many were left out;
    - ``pre_period``: the span before the exposure measured the same way as CUPED's covariate.

    Touchpoints of customers not assigned are ignored; an assigned customer without touchpoints
    counts with zeros; customers exposed after ``as_of`` (default: the latest touchpoint or
    exposure) are left out. ``correction`` corrects across the treatment arms of each metric; to
    correct across metrics, pass their p-values to ``adjust_p_values``. A ``match`` that no
    touchpoint meets is refused with the data's event labels (a misspelt label).

    >>> import engagement
    >>> day = 86_400
    >>> r = engagement.experiment(
    ...     [1, 2, 3, 4], [day, day, 2 * day, day], value=[0.0, 10.0, 5.0, 20.0],
    ...     events=["visit", "buy", "buy", "buy"], assigned_customer=[1, 2, 3, 4],
    ...     arm=["control", "new", "control", "new"], exposed_at=[0, 0, 0, 0],
    ...     metrics=[{"name": "bought", "measure": "conversion", "match": "buy"},
    ...              {"name": "revenue", "measure": "value", "match": "buy"}])
    >>> [a.mean for a in r.metrics["bought"].readout.arms], [a.mean for a in r.metrics["revenue"].readout.arms]
    ([0.5, 1.0], [2.5, 15.0])
    """
    from ._events import _touchpoint_columns
    from ._funnel import _extras

    spec: Dict[str, Any] = {"metrics": [_metric_spec(m) for m in metrics]}
    if as_of is not None:
        spec["as_of"] = cv.instant(as_of)
    settings = _settings(None, control, level, sequential, sequential_tuning, correction, prior, weights)
    if settings:
        spec["readout"] = settings
    cols = _touchpoint_columns(customer, time, channel, kind, value)
    extras = _extras(campaign, None, events, dictionary)
    return ExperimentReadout._from(_native.experiment_readout(
        cols, cv.ids(assigned_customer, "assigned_customer"), arm, cv.seconds(exposed_at, "exposed_at"), spec,
        arms=None if arms is None else [str(a) for a in arms], **extras))
