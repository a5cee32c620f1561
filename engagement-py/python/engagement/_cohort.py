"""Acquisition cohorts: retention and revenue per customer by period after acquisition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional

import numpy as np

from . import _convert as cv
from . import _display
from . import _engagement as _native


@dataclass(frozen=True)
class CohortTable(_display.Display):
    """Cohorts by acquisition period (rows) and period after acquisition (columns, 0 = the
    acquisition period): ``active`` customers, ``retention`` share, ``revenue_per_customer`` and
    its cumulative sum, as 2-D numpy arrays; cells after ``as_of`` are NaN, but ``active`` (integer
    counts) holds 0 there: read it up to each cohort's ``observed`` periods. ``cohort_start`` holds
    each cohort's start (``datetime64[s]``, UTC).

    >>> import engagement
    >>> day = 86_400
    >>> t = engagement.cohorts([1, 2, 1], [0, day, 40 * day], [10.0, 20.0, 5.0], as_of=59 * day, max_periods=2)
    >>> t.size.tolist(), t.retention.tolist()
    ([2], [[1.0, 0.5]])
    """

    period: str
    cohort_start: np.ndarray
    size: np.ndarray
    observed: np.ndarray
    active: np.ndarray
    retention: np.ndarray
    revenue_per_customer: np.ndarray
    cumulative_revenue_per_customer: np.ndarray

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "CohortTable":
        width = int(d["periods"])

        def grid(key: str, dtype: Any) -> np.ndarray:
            values = [np.nan if v is None else v for v in d[key]]
            return np.asarray(values, dtype=dtype).reshape(-1, width)

        return cls(d["period"], np.asarray(d["cohort_start"], dtype="datetime64[s]"), np.asarray(d["size"]),
                   np.asarray(d["observed"]), grid("active", np.int64), grid("retention", np.float64),
                   grid("revenue_per_customer", np.float64), grid("cumulative_revenue_per_customer", np.float64))

    def to_frame(self, metric: Optional[str] = "retention", *, backend: str = "pandas") -> Any:
        """The table as a pandas (default) or polars DataFrame (``backend``).

        With ``metric`` (``"retention"``, the default: a share, 0 … 1; ``"active"``: customers;
        ``"revenue_per_customer"`` or ``"cumulative_revenue_per_customer"``: the values' currency
        per customer of the cohort): rows by cohort start (``datetime64[s]``, UTC), columns by
        period after acquisition (0, 1, …); NaN after ``as_of`` (``"active"``: 0, see ``observed``).
        With ``metric=None``: every number
        in long form, one row per cohort and period with the cohort's ``size`` and ``observed``
        periods and the four metrics. In polars the row labels are the leading columns and the
        period columns are named ``"0"``, ``"1"`` ….

        >>> import engagement
        >>> day = 86_400
        >>> t = engagement.cohorts([1, 2, 1], [0, day, 40 * day], [10.0, 20.0, 5.0], as_of=59 * day, max_periods=2)
        >>> t.to_frame().values.tolist()
        [[1.0, 0.5]]
        >>> t.to_frame(None)[["size", "active", "revenue_per_customer"]].values.tolist()
        [[2.0, 2.0, 15.0], [2.0, 1.0, 2.5]]
        """
        import pandas as pd

        _display.check_backend(backend)
        if metric is None:
            n, k = self.active.shape
            index = pd.MultiIndex.from_arrays([np.repeat(self.cohort_start, k), np.tile(np.arange(k), n)],
                                              names=["cohort", "period"])
            cols = {"size": np.repeat(self.size, k), "observed": np.repeat(self.observed, k)}
            cols.update({m: getattr(self, m).reshape(-1) for m in _METRICS})
            return _display.frame(pd.DataFrame(cols, index=index), backend)
        if metric not in _METRICS:
            raise _display.unknown("metric", metric, _METRICS + ("None",))
        values = getattr(self, metric)
        return _display.frame(pd.DataFrame(values, index=pd.Index(self.cohort_start, name="cohort"),
                                           columns=pd.RangeIndex(values.shape[1], name="period")), backend)

    def __repr__(self) -> str:
        first = self.retention[:, 1] if self.retention.shape[1] > 1 else np.array([])
        mean = float(np.nanmean(first)) if np.isfinite(first).any() else float("nan")
        return (f"CohortTable({self.period}: {len(self.size)} cohorts of {int(self.size.sum())} customers, "
                f"{self.retention.shape[1]} periods, mean period-1 retention {_display.number(mean)})")

    def _header(self) -> List[str]:
        return ["CohortTable", f"retention by {self.period} after acquisition",
                f"{len(self.size)} cohorts, {int(self.size.sum())} customers"]


_METRICS = ("retention", "active", "revenue_per_customer", "cumulative_revenue_per_customer")


def cohorts(customer: Any, time: Any, value: Any = None, *, as_of: Any, period: Optional[str] = None,
            max_periods: Optional[int] = None) -> CohortTable:
    """Acquisition cohorts of transactions up to ``as_of`` (``day``, ``week`` or ``month`` periods,
    default ``month``; at most ``max_periods`` after acquisition, default 36); see ``CohortTable``."""
    return CohortTable._from(_native.cohorts(cv.transactions(customer, time, value), cv.instant(as_of, "as_of"),
                                             cv.given(period=period, max_periods=max_periods)))
