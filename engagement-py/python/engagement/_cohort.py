"""Acquisition cohorts: retention and revenue per customer by period after acquisition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import numpy as np

from . import _convert as cv
from . import _engagement as _native


@dataclass(frozen=True)
class CohortTable:
    """Cohorts by acquisition period (rows) and period after acquisition (columns, 0 = the
    acquisition period): ``active`` customers, ``retention`` share, ``revenue_per_customer`` and
    its cumulative sum, as 2-D numpy arrays; cells after ``as_of`` are NaN. ``cohort_start`` holds
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

    def to_frame(self, metric: str = "retention") -> Any:
        """One metric as a pandas DataFrame: rows by cohort start, columns by period after acquisition."""
        import pandas as pd

        values = getattr(self, metric)
        return pd.DataFrame(values, index=pd.Index(self.cohort_start, name="cohort"),
                            columns=pd.RangeIndex(values.shape[1], name="period"))


def cohorts(customer: Any, time: Any, value: Any = None, *, as_of: Any, period: Optional[str] = None,
            max_periods: Optional[int] = None) -> CohortTable:
    """Acquisition cohorts of transactions up to ``as_of`` (``day``, ``week`` or ``month`` periods,
    default ``month``; at most ``max_periods`` after acquisition, default 36); see ``CohortTable``."""
    return CohortTable._from(_native.cohorts(cv.transactions(customer, time, value), cv.instant(as_of, "as_of"),
                                             cv.given(period=period, max_periods=max_periods)))
