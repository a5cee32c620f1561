"""Retention curves: Kaplan–Meier with Greenwood bands, and the log-rank test.

Bands are at the confidence ``level`` given; left None, the engine's default (0.95).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import numpy as np

from . import _convert as cv
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
class KaplanMeier:
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

    def to_frame(self) -> Any:
        """The curve as a pandas DataFrame indexed by time."""
        import pandas as pd

        cols = ("at_risk", "events", "censored", "survival", "ci_low", "ci_high")
        return pd.DataFrame({c: getattr(self, c) for c in cols}, index=pd.Index(self.time, name="time"))


@dataclass(frozen=True)
class LogRankTest:
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
class Rmst:
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


@dataclass(frozen=True)
class RmstDifference:
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
