"""Retention curves: Kaplan–Meier with Greenwood bands, the log-rank test, restricted mean survival
times, and Cox proportional hazards models.

Bands are at the confidence ``level`` given; left None, the engine's default (0.95).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import _convert as cv
from . import _display
from . import _engagement as _native


def _flags(values: Any, name: str) -> np.ndarray:
    """Event flags as a bool array: True = churn observed, False = censored (still active)."""
    a = np.asarray(values)
    if a.dtype != np.bool_:
        f = cv.floats(a, name)
        if not np.isin(f, (0.0, 1.0)).all():
            raise _native.InvalidInputError(f"{name}: event flags must be 0/1 or booleans")
        a = f.astype(np.bool_)
    return np.ascontiguousarray(a)


@dataclass(frozen=True)
class KaplanMeier(_display.Display):
    """A Kaplan–Meier survival curve: one row per distinct duration (and time 0), with the
    customers at risk, churn events, censorings, ``survival`` and its pointwise band (Greenwood on
    the log-log scale, as lifelines), and the ``median`` lifetime (``None`` when the curve stays
    above one half).

    >>> import engagement
    >>> km = engagement.kaplan_meier([1, 2, 3, 3, 4], [True, False, True, True, False])
    >>> km.time.tolist(), km.survival.round(3).tolist(), km.median
    ([0.0, 1.0, 2.0, 3.0, 4.0], [1.0, 0.8, 0.8, 0.267, 0.267], 3.0)
    """

    time: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray
    survival: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    median: Optional[float]
    level: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "KaplanMeier":
        arrays = {k: np.asarray(d[k]) for k in ("time", "at_risk", "events", "censored", "survival", "ci_low", "ci_high")}
        return cls(**arrays, median=d["median"], level=d["level"])

    def to_frame(self, backend: str = "pandas") -> Any:
        """The curve, one row per time (the index, in the durations' unit; polars: the first
        column): customers ``at_risk``, churn ``events``, ``censored``, ``survival`` (a share) and
        its band ``ci_low`` … ``ci_high`` at ``level``; pandas or polars (``backend``). The
        ``median`` is an attribute (and in the notebook header).

        >>> import engagement
        >>> km = engagement.kaplan_meier([1, 2, 3, 3, 4], [True, False, True, True, False])
        >>> km.to_frame(backend="polars")["at_risk"].to_list()
        [5, 5, 4, 3, 1]
        """
        import pandas as pd

        _display.check_backend(backend)
        cols = ("at_risk", "events", "censored", "survival", "ci_low", "ci_high")
        return _display.frame(pd.DataFrame({c: getattr(self, c) for c in cols},
                                           index=pd.Index(self.time, name="time")), backend)

    def __repr__(self) -> str:
        return (f"KaplanMeier({len(self.time)} times up to {_display.number(self.time[-1] if len(self.time) else None)}, "
                f"{int(self.events.sum())} events, {int(self.censored.sum())} censored, "
                f"median {_display.number(self.median)})")

    def _header(self) -> List[str]:
        return ["KaplanMeier", "time in the durations' unit", f"median {_display.number(self.median)}",
                f"{_display.level(self.level)} Greenwood log-log band"]


@dataclass(frozen=True)
class LogRankTest(_display.Display):
    """The log-rank test that two groups churn at the same rate (chi-square, 1 degree of freedom).

    >>> import engagement
    >>> t = engagement.logrank_test([1, 2, 3, 4], [1, 1, 1, 1], [5, 6, 7, 8], [1, 1, 1, 1])
    >>> t.p_value < 0.05
    True
    """

    observed_a: float
    expected_a: float
    statistic: float
    p_value: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "LogRankTest":
        return cls(**d)

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: group a's ``observed_a`` and ``expected_a`` churn events, the chi-square
        ``statistic`` (1 degree of freedom) and its ``p_value``; pandas or polars (``backend``).

        >>> import engagement
        >>> engagement.logrank_test([1, 2], [1, 1], [5, 6], [1, 1]).to_frame()["observed_a"].tolist()
        [2.0]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["LogRankTest", f"chi-square {_display.number(self.statistic)}, p {_display.number(self.p_value)}"]


def kaplan_meier(duration: Any, observed: Any, level: Optional[float] = None) -> KaplanMeier:
    """Kaplan–Meier survival of customers; see ``KaplanMeier``.

    ``duration`` is each customer's time to churn, or to the end of observation; ``observed`` is
    whether the churn was seen (False: censored, still active)."""
    return KaplanMeier._from(_native.kaplan_meier(cv.floats(duration, "duration"), _flags(observed, "observed"), level))


def logrank_test(duration_a: Any, observed_a: Any, duration_b: Any, observed_b: Any) -> LogRankTest:
    """Log-rank test between two groups of customers; see ``LogRankTest``."""
    return LogRankTest._from(_native.logrank_test(cv.floats(duration_a, "duration_a"), _flags(observed_a, "observed_a"),
                                                  cv.floats(duration_b, "duration_b"), _flags(observed_b, "observed_b")))


@dataclass(frozen=True)
class Rmst(_display.Display):
    """The restricted mean survival time: the expected active time within the first ``tau`` time
    units (the area under the Kaplan–Meier curve), with its standard error (Klein & Moeschberger,
    as R's survRM2) and a normal interval.

    >>> import engagement
    >>> r = engagement.rmst([2, 4], [True, True], tau=4)
    >>> r.rmst, r.ci_low < 3 < r.ci_high
    (3.0, True)
    """

    tau: float
    rmst: float
    standard_error: float
    ci_low: float
    ci_high: float
    level: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "Rmst":
        return cls(**d)

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: ``tau``, the ``rmst`` and its ``standard_error`` (in the durations' unit), the
        normal interval ``ci_low`` … ``ci_high`` and its ``level``; pandas or polars (``backend``).

        >>> import engagement
        >>> engagement.rmst([2, 4], [True, True], tau=4).to_frame()[["tau", "rmst"]].values.tolist()
        [[4.0, 3.0]]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["Rmst", f"{_display.number(self.rmst)} within tau {_display.number(self.tau)}",
                "time in the durations' unit", f"{_display.level(self.level)} interval"]


@dataclass(frozen=True)
class RmstDifference(_display.Display):
    """Two groups' restricted mean survival times compared: ``b`` against ``a``, the difference
    (active time gained within ``tau``) and ratio with normal intervals, ``z`` and its two-sided
    p-value.

    >>> import engagement
    >>> d = engagement.rmst_difference([1, 2, 3, 4], [1, 1, 1, 1], [2, 4, 6, 8], [1, 1, 1, 1], tau=4)
    >>> d.a.rmst, d.b.rmst, d.difference
    (2.5, 3.5, 1.0)
    """

    a: Rmst
    b: Rmst
    difference: float
    standard_error: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    ratio: float
    ratio_ci_low: float
    ratio_ci_high: float
    level: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "RmstDifference":
        d = dict(d)
        d["a"], d["b"] = Rmst._from(d["a"]), Rmst._from(d["b"])
        return cls(**d)

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: each group's ``Rmst`` (``a_*``, ``b_*``), the ``difference`` (b − a, in the
        durations' unit) with its ``standard_error`` and interval ``ci_low`` … ``ci_high``, ``z``,
        ``p_value``, the ``ratio`` with ``ratio_ci_low`` … ``ratio_ci_high``, and ``level``.

        >>> import engagement
        >>> engagement.rmst_difference([1, 2, 3, 4], [1] * 4, [2, 4, 6, 8], [1] * 4, tau=4).to_frame()["difference"].tolist()
        [1.0]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["RmstDifference", f"difference {_display.number(self.difference)}, p {_display.number(self.p_value)}",
                "time in the durations' unit", f"{_display.level(self.level)} intervals"]


def rmst(duration: Any, observed: Any, tau: float, level: Optional[float] = None) -> Rmst:
    """Restricted mean survival time up to ``tau`` (within the longest duration), in the durations'
    unit; columns as ``kaplan_meier``; see ``Rmst``."""
    return Rmst._from(_native.rmst(cv.floats(duration, "duration"), _flags(observed, "observed"), float(tau), level))


def rmst_difference(duration_a: Any, observed_a: Any, duration_b: Any, observed_b: Any, tau: float,
                    level: Optional[float] = None) -> RmstDifference:
    """Compares two groups' restricted mean survival times up to ``tau`` (within both groups'
    follow-up): difference and ratio of ``b`` against ``a`` and the test of no difference;
    see ``RmstDifference``."""
    return RmstDifference._from(_native.rmst_difference(
        cv.floats(duration_a, "duration_a"), _flags(observed_a, "observed_a"),
        cv.floats(duration_b, "duration_b"), _flags(observed_b, "observed_b"), float(tau), level))


def _columns_of(covariates: Any) -> Dict[str, Any]:
    """Covariate columns by name from a pandas or polars DataFrame or a mapping of columns."""
    if covariates is None:
        return {}
    if hasattr(covariates, "items") and not hasattr(covariates, "columns"):
        return dict(covariates.items())
    if hasattr(covariates, "columns"):
        return {str(c): covariates[c] for c in covariates.columns}
    raise TypeError(f"covariates must be a DataFrame or a mapping of columns, got {type(covariates).__name__}")


def _is_numeric(column: Any) -> bool:
    """Numbers and booleans are numeric covariates; strings, categoricals and objects are categorical."""
    dtype = getattr(column, "dtype", None)
    if dtype is not None and type(dtype).__name__ in ("CategoricalDtype", "Categorical", "Enum", "String", "Utf8"):
        return False
    a = np.asarray(column)
    return a.dtype.kind in "biuf"


def _split(columns: Mapping[str, Any], numeric: Sequence[str], categorical: Sequence[str]):
    def number(name: str) -> np.ndarray:
        a = np.atleast_1d(np.asarray(columns[name]))
        return cv.floats(a.astype(np.float64) if a.dtype == np.bool_ else a, name)

    nums = [number(n) for n in numeric]
    cats = [np.atleast_1d(np.asarray(columns[c], dtype=object)) for c in categorical]
    return nums, list(numeric), cats, list(categorical)


def _aligned(value: Any, frame: Any, name: str) -> Any:
    """A pandas Series lined up with the covariates' DataFrame by index label (as pandas would), not
    by position; a Series whose labels differ from the frame's is refused."""
    index = getattr(frame, "index", None)
    if index is None or type(value).__module__.split(".")[0] != "pandas" or not hasattr(value, "index"):
        return value
    if value.index.equals(index):
        return value
    if len(value.index) == len(index) and value.index.is_unique and value.index.sort_values().equals(
            index.sort_values()):
        return value.reindex(index)
    raise ValueError(f"{name}'s index labels are not the covariates' index labels: pass a column name, "
                     f"or values in the frame's row order (e.g. .to_numpy())")


def _pop(columns: Dict[str, Any], value: Any, what: str = "column") -> Any:
    """A column given by name is taken out of the covariates; any other value is the column itself."""
    if isinstance(value, str):
        if value not in columns:
            raise KeyError(f"no column {value!r} among the covariates ({', '.join(columns)})")
        return columns.pop(value)
    if (isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value)
            and set(value) <= set(columns) and len(value) < len(next(iter(columns.values()), ()))):
        raise TypeError(f"{what} takes one column (a name or one label per customer), got the names {list(value)}: "
                        "combine them into one column first")
    return value


@dataclass(frozen=True)
class CoxTerm(_display.Display):
    """One coefficient of a Cox model: ``name`` (``"score"``, or ``"channel[T.search]"`` for a level
    against the reference), the log hazard ratio ``coefficient`` with its ``standard_error`` and
    interval, the ``hazard_ratio`` with its interval, Wald ``z`` and ``p_value``, and the covariate's
    ``mean`` (the share of the level) the model centres on.

    >>> import engagement
    >>> m = engagement.cox([5, 8, 3, 9, 12, 2, 7, 10], [1, 1, 1, 0, 1, 1, 1, 0],
    ...                    {"score": [2, 3, 1, 5, 4, 1.5, 3.5, 2.5]})
    >>> t = m.terms[0]
    >>> t.name, t.hazard_ratio < 1, t.hazard_ratio_ci_low < t.hazard_ratio < t.hazard_ratio_ci_high
    ('score', True, True)
    """

    name: str
    covariate: str
    level: Optional[str]
    coefficient: float
    standard_error: float
    ci_low: float
    ci_high: float
    hazard_ratio: float
    hazard_ratio_ci_low: float
    hazard_ratio_ci_high: float
    z: float
    p_value: float
    mean: float

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: the term's ``name``, ``covariate``, ``level`` (None for a numeric covariate),
        ``coefficient`` (log hazard ratio) with ``standard_error`` and ``ci_low`` … ``ci_high``,
        ``hazard_ratio`` with ``hazard_ratio_ci_low`` … ``hazard_ratio_ci_high``, ``z``,
        ``p_value`` and the covariate's ``mean``; pandas or polars (``backend``).

        >>> import engagement
        >>> engagement.CoxTerm("score", "score", None, -0.5, 0.2, -0.9, -0.1, 0.61, 0.41, 0.9, -2.5, 0.01, 3.0).to_frame()["z"].tolist()
        [-2.5]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["CoxTerm", f"{self.name}: hazard ratio {_display.number(self.hazard_ratio)}, p {_display.number(self.p_value)}"]


@dataclass(frozen=True)
class CoxBaseline(_display.Display):
    """The baseline of one stratum (``stratum`` is ``""`` without strata): Breslow's cumulative
    hazard of a customer at every covariate's mean, at each distinct duration ``time``, and its
    ``survival`` ``exp(-cumulative_hazard)`` (as lifelines' ``baseline_survival_``).

    >>> import engagement
    >>> m = engagement.cox([5, 8, 3, 9, 12, 2, 7, 10], [1, 1, 1, 0, 1, 1, 1, 0],
    ...                    {"score": [2, 3, 1, 5, 4, 1.5, 3.5, 2.5]})
    >>> b = m.baseline[0]
    >>> b.time[:3].tolist(), bool((b.survival[1:] <= b.survival[:-1]).all())
    ([2.0, 3.0, 5.0], True)
    """

    stratum: str
    time: np.ndarray
    hazard: np.ndarray
    cumulative_hazard: np.ndarray
    survival: np.ndarray

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row per distinct duration: ``stratum``, ``time`` (the durations' unit), ``hazard``
        (the baseline hazard's jump there), ``cumulative_hazard`` and ``survival``; pandas or polars.

        >>> import engagement
        >>> m = engagement.cox([5, 8, 3, 9, 12, 2], [1, 1, 1, 0, 1, 1], {"score": [2, 3, 1, 5, 4, 1.5]})
        >>> m.baseline[0].to_frame()["time"].tolist()
        [2.0, 3.0, 5.0, 8.0, 9.0, 12.0]
        """
        import pandas as pd

        _display.check_backend(backend)
        return _display.frame(pd.DataFrame({"stratum": [self.stratum] * len(self.time), "time": self.time,
                                            "hazard": self.hazard, "cumulative_hazard": self.cumulative_hazard,
                                            "survival": self.survival}), backend)

    def __repr__(self) -> str:
        last = _display.number(self.survival[-1]) if len(self.survival) else "-"
        return f"CoxBaseline(stratum {self.stratum!r}: {len(self.time)} times, survival at the last {last})"

    def _header(self) -> List[str]:
        return ["CoxBaseline", f"stratum {self.stratum!r}" if self.stratum else "no strata",
                "time in the durations' unit"]


@dataclass(frozen=True)
class CoxLikelihoodRatio(_display.Display):
    """The likelihood-ratio test of a Cox model against no covariates: ``statistic`` (twice the
    gain in partial log-likelihood), its ``degrees_of_freedom`` and chi-square ``p_value``; see ``CoxModel``."""

    statistic: float
    degrees_of_freedom: int
    p_value: float

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: the likelihood-ratio ``statistic``, its ``degrees_of_freedom`` and ``p_value``;
        pandas or polars (``backend``).

        >>> import engagement
        >>> engagement.CoxLikelihoodRatio(4.2, 1, 0.04).to_frame(backend="polars")["degrees_of_freedom"].to_list()
        [1]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["CoxLikelihoodRatio", f"statistic {_display.number(self.statistic)} on {self.degrees_of_freedom} df"]


@dataclass(frozen=True)
class CoxPrediction(_display.Display):
    """Predictions of a Cox model for a set of customers: ``linear_predictor`` ``βᵀ(x − x̄)``,
    ``partial_hazard`` (its exponential: the hazard relative to the baseline customer), and
    ``survival`` at ``times`` (one row per customer, one column per time).

    >>> import engagement
    >>> m = engagement.cox([5, 8, 3, 9, 12, 2, 7, 10], [1, 1, 1, 0, 1, 1, 1, 0],
    ...                    {"score": [2, 3, 1, 5, 4, 1.5, 3.5, 2.5]})
    >>> p = m.predict({"score": [1.0, 5.0]}, times=[4, 8])
    >>> p.survival.shape, bool(p.survival[1, 1] > p.survival[0, 1])
    ((2, 2), True)
    """

    linear_predictor: np.ndarray
    partial_hazard: np.ndarray
    times: np.ndarray
    survival: np.ndarray
    index: Any = field(default=None, repr=False, compare=False)

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row per customer (the covariates' index when they came as a pandas DataFrame):
        ``partial_hazard`` (whose log is ``linear_predictor``), then the survival (a share) at each
        time in a column named by the time (in the durations' unit; polars: its text); pandas or
        polars (``backend``).

        >>> import engagement
        >>> m = engagement.cox([5, 8, 3, 9, 12, 2], [1, 1, 1, 0, 1, 1], {"score": [2, 3, 1, 5, 4, 1.5]})
        >>> m.predict({"score": [1.0, 5.0]}, times=[4]).to_frame(backend="polars").columns
        ['partial_hazard', '4.0']
        """
        import pandas as pd

        _display.check_backend(backend)
        frame = pd.DataFrame(self.survival, columns=pd.Index(self.times, name="time"), index=self.index)
        frame.insert(0, "partial_hazard", self.partial_hazard)
        return _display.frame(frame, backend)

    def __repr__(self) -> str:
        return (f"CoxPrediction({len(self.partial_hazard)} customers, partial hazards "
                f"{_display.numbers(self.partial_hazard, 4)}, survival at {len(self.times)} times)")

    def _header(self) -> List[str]:
        return ["CoxPrediction", f"{len(self.partial_hazard)} customers", "times in the durations' unit"]


@dataclass(frozen=True)
class CoxModel(_display.Display):
    """A fitted Cox proportional hazards model (``engagement.cox``): the ``terms`` (one per numeric
    covariate and per non-reference level of a categorical one), whether the standard errors are
    ``robust`` (and over how many ``clusters``), the partial ``log_likelihood`` and that of no
    covariates, the ``likelihood_ratio`` test, partial ``aic``, Harrell's ``concordance`` (``None``
    when no pair of customers compares), the coefficients' ``covariance``, and the ``baseline`` of
    each stratum. ``summary`` is the terms as a DataFrame; ``predict`` gives partial hazards and
    survival curves for any customers.

    >>> import engagement
    >>> m = engagement.cox([5, 8, 3, 9, 12, 2, 7, 10], [1, 1, 1, 0, 1, 1, 1, 0],
    ...                    {"score": [2, 3, 1, 5, 4, 1.5, 3.5, 2.5]})
    >>> m.customers, m.events, m.concordance > 0.5, m.ties
    (8, 6, True, 'efron')
    """

    terms: Tuple[CoxTerm, ...]
    ties: str
    robust: bool
    clusters: Optional[int]
    level: float
    customers: int
    events: int
    log_likelihood: float
    null_log_likelihood: float
    likelihood_ratio: CoxLikelihoodRatio
    aic: float
    concordance: Optional[float]
    iterations: int
    covariance: np.ndarray
    baseline: Tuple[CoxBaseline, ...]
    columns: Mapping[str, Any]
    _model: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "CoxModel":
        p = len(d["terms"])
        return cls(
            terms=tuple(CoxTerm(**t) for t in d["terms"]),
            ties=d["ties"], robust=d["robust"], clusters=d["clusters"], level=d["level"],
            customers=d["customers"], events=d["events"], log_likelihood=d["log_likelihood"],
            null_log_likelihood=d["null_log_likelihood"],
            likelihood_ratio=CoxLikelihoodRatio(**d["likelihood_ratio"]), aic=d["aic"],
            concordance=d["concordance"], iterations=d["iterations"],
            covariance=np.asarray(d["covariance"], dtype=np.float64).reshape(p, p),
            baseline=tuple(CoxBaseline(stratum=b["stratum"], **{k: np.asarray(b[k], dtype=np.float64) for k in (
                "time", "hazard", "cumulative_hazard", "survival")}) for b in d["baseline"]),
            columns=d["columns"], _model=d)

    @property
    def summary(self) -> Any:
        """The terms as a pandas DataFrame indexed by term name."""
        import pandas as pd

        rows = [{k: getattr(t, k) for k in t.__dataclass_fields__} for t in self.terms]
        return pd.DataFrame(rows).set_index("name")

    def to_frame(self, section: str = "terms", backend: str = "pandas") -> Any:
        """A pandas (default) or polars DataFrame (``backend``) of one section:

        - ``"terms"``: as ``summary``, one row per term (see ``CoxTerm``; polars: ``name`` first);
        - ``"baseline"``: one row per stratum and time (see ``CoxBaseline``);
        - ``"covariance"``: the coefficients' covariance, rows and columns by term name;
        - ``"fit"``: one row: ``ties``, ``robust``, ``clusters``, ``level``, ``customers``,
          ``events``, ``log_likelihood``, ``null_log_likelihood``, the likelihood-ratio test
          (``likelihood_ratio_statistic``, ``_degrees_of_freedom``, ``_p_value``), ``aic``,
          ``concordance`` and ``iterations``.

        >>> import engagement
        >>> m = engagement.cox([5, 8, 3, 9, 12, 2], [1, 1, 1, 0, 1, 1], {"score": [2, 3, 1, 5, 4, 1.5]})
        >>> m.to_frame("fit")[["customers", "events"]].values.tolist()
        [[6, 5]]
        >>> m.to_frame(backend="polars")["name"].to_list()
        ['score']
        """
        import pandas as pd

        _display.check_backend(backend)
        if section == "terms":
            return _display.frame(self.summary, backend)
        if section == "baseline":
            return _display.frame(pd.concat([b.to_frame() for b in self.baseline], ignore_index=True), backend)
        if section == "covariance":
            names = pd.Index([t.name for t in self.terms], name="term")
            return _display.frame(pd.DataFrame(self.covariance, index=names, columns=list(names)), backend)
        if section == "fit":
            return _display.frame(pd.DataFrame([_display.flat(self)]), backend)
        raise ValueError(f"unknown section {section!r}: 'terms', 'baseline', 'covariance' or 'fit'")

    def __repr__(self) -> str:
        terms = ", ".join(f"{t.name} HR {_display.number(t.hazard_ratio)}" for t in self.terms[:3])
        more = ", …" if len(self.terms) > 3 else ""
        return (f"CoxModel({len(self.terms)} terms [{terms}{more}], {self.customers} customers, {self.events} events, "
                f"log-likelihood {_display.number(self.log_likelihood)}, concordance {_display.number(self.concordance)})")

    def _header(self) -> List[str]:
        return ["CoxModel", f"{self.ties} ties, {self.customers} customers, {self.events} events",
                f"partial log-likelihood {self.log_likelihood:.6g} (null {self.null_log_likelihood:.6g})",
                f"converged in {self.iterations} iterations", f"{_display.level(self.level)} intervals",
                "time in the durations' unit"]

    def predict(self, covariates: Any, times: Any = (), strata: Any = None) -> CoxPrediction:
        """Partial hazards and survival at ``times`` (in the durations' unit) for customers whose
        covariates are given as for ``engagement.cox`` (by name; categorical levels must be ones the
        model was fitted on). ``strata`` (labels, or the name of a column) is required when the
        model is stratified."""
        columns = _columns_of(covariates)
        strata = _aligned(_pop(columns, strata, "strata"), covariates, "strata")
        numeric = [n for n in self.columns["numeric"] if n in columns]
        categorical = [c["name"] for c in self.columns["categorical"] if c["name"] in columns]
        nums, num_names, cats, cat_names = _split(columns, numeric, categorical)
        t = cv.floats(np.atleast_1d(np.asarray(times, dtype=np.float64)), "times")
        lp, ph, sf = _native.cox_predict(self._model, nums, num_names, cats, cat_names, t,
                                         None if strata is None else np.asarray(strata, dtype=object))
        index = covariates.index if type(covariates).__module__.split(".")[0] == "pandas" else None
        return CoxPrediction(linear_predictor=lp, partial_hazard=ph, times=t, survival=sf.reshape(len(ph), len(t)),
                             index=index)


def cox(duration: Any, observed: Any, covariates: Any, *, strata: Any = None, cluster: Any = None,
        ties: Optional[str] = None, robust: Optional[bool] = None, level: Optional[float] = None,
        reference: Optional[Mapping[str, str]] = None, max_iterations: Optional[int] = None) -> CoxModel:
    """Fits a Cox proportional hazards model: why customers churn, not only how fast.

    ``duration`` is each customer's time to churn (``observed`` true) or to the end of observation
    (false); ``covariates`` a pandas or polars DataFrame or a mapping of columns. Numeric and boolean
    columns enter as they are; text and categorical columns as one indicator per level against the
    ``reference`` level (``{"channel": "email"}``; default the first level in sorted order).
    ``duration``, ``observed``, ``strata`` and ``cluster`` may name columns of ``covariates``.
    A pandas Series given next to a pandas DataFrame is lined up by index label. ``strata`` (one
    column) fits one baseline per stratum with shared coefficients; ``cluster`` (ids) gives robust
    standard errors per cluster (robust whatever ``robust`` says); ``robust=True`` per customer.
    Durations are numbers in any one unit (convert timedeltas first, e.g. ``.dt.days``). ``ties`` is ``"efron"`` (default, as
    lifelines) or ``"breslow"``. Returns a ``CoxModel``.

    >>> import engagement
    >>> m = engagement.cox([5, 8, 3, 9, 12, 2, 7, 10, 4, 6], [1, 1, 1, 0, 1, 1, 1, 0, 1, 1],
    ...                    {"score": [2, 3, 1, 5, 4, 1.5, 3.5, 2.5, 2, 3],
    ...                     "channel": ["web", "email", "web", "email", "email", "web", "web", "email",
    ...                                 "email", "web"]})
    >>> [t.name for t in m.terms]
    ['score', 'channel[T.web]']
    """
    columns = _columns_of(covariates)
    duration, observed = _pop(columns, duration, "duration"), _pop(columns, observed, "observed")
    strata, cluster = _pop(columns, strata, "strata"), _pop(columns, cluster, "cluster")
    duration, observed, strata, cluster = (_aligned(v, covariates, name) for v, name in (
        (duration, "duration"), (observed, "observed"), (strata, "strata"), (cluster, "cluster")))
    numeric = [n for n, c in columns.items() if _is_numeric(c)]
    categorical = [n for n, c in columns.items() if not _is_numeric(c)]
    nums, num_names, cats, cat_names = _split(columns, numeric, categorical)
    config = {k: v for k, v in (("robust", robust), ("level", level), ("max_iterations", max_iterations))
              if v is not None}
    return CoxModel._from(_native.cox(
        cv.floats(duration, "duration"), _flags(observed, "observed"), nums, num_names, cats, cat_names,
        None if strata is None else np.asarray(strata, dtype=object),
        None if cluster is None else np.asarray(cluster, dtype=object),
        None if reference is None else {str(k): str(v) for k, v in reference.items()}, config or None, ties))
