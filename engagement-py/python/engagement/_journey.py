"""Journey stages over time: the stage history of a touchpoint stream and churn from it."""

from __future__ import annotations

from typing import Any, Optional

from . import _convert as cv
from . import _engagement as _native
from ._convert import Columns
from ._results import ChurnSummary


def stage_history(customer: Any, time: Any, channel: Any, kind: Any, value: Any = None, rating: Any = None,
                  rating_scale: Any = None, *, until: Any, config: Any = None) -> Columns:
    """When each customer entered each stage, up to ``until`` (``customer``, ``stage``, ``entered_at``).

    >>> import engagement
    >>> h = engagement.stage_history([1], [0], ["web"], ["purchase"], until=200 * 86_400)
    >>> h["stage"].tolist()
    ['new_customer', 'at_risk', 'churned']
    """
    cols = cv.touchpoints(customer, time, channel, kind, value, rating, rating_scale)
    d = _native.stage_history(cols, until=cv.instant(until, "until"), config=config)
    d["stage_code"] = d["stage"]
    d["stage"] = cv.stage_labels(d["stage_code"])
    return d


def churn_between(customer: Any, time: Any, channel: Any, kind: Any, value: Any = None, rating: Any = None,
                  rating_scale: Any = None, *, until: Any, start: Any, end: Any, level: Optional[float] = None,
                  config: Any = None) -> ChurnSummary:
    """Churn over ``[start, end)`` from the stage history of a touchpoint stream.

    >>> import engagement
    >>> day = 86_400
    >>> c = engagement.churn_between([1, 2], [0, 0], ["web"] * 2, ["purchase"] * 2, until=400 * day,
    ...                              start=100 * day, end=200 * day)
    >>> c.at_start, c.lost
    (2, 2)
    """
    cols = cv.touchpoints(customer, time, channel, kind, value, rating, rating_scale)
    return ChurnSummary._from(_native.churn_between(cols, until=cv.instant(until, "until"),
                                                    start=cv.instant(start, "start"), end=cv.instant(end, "end"),
                                                    level=level, config=config))
