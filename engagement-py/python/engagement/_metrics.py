"""CRM metrics: NPS, CSAT, proportions, retention, simple lifetime-value formulas, percentile ranks, RFM.

Intervals are at the confidence ``level`` given; left None, the engine's default (0.95).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _convert as cv
from . import _engagement as _native
from ._convert import Columns
from ._results import ChurnSummary, NpsSummary, Proportion


def nps(ratings: Any, level: Optional[float] = None) -> NpsSummary:
    """NPS of 0–10 answers with standard error and interval (see ``NpsSummary``).

    >>> import engagement
    >>> s = engagement.nps([10, 9, 8, 3])
    >>> s.score, round(s.std_error, 2)
    (25.0, 41.46)
    """
    return NpsSummary._from(_native.nps(cv.floats(ratings, "ratings", np.float32), level))


def nps_counts(promoters: int, passives: int, detractors: int, level: Optional[float] = None) -> NpsSummary:
    """NPS from counts.

    >>> import engagement
    >>> engagement.nps_counts(50, 30, 20).score
    30.0
    """
    return NpsSummary._from(_native.nps_counts(promoters, passives, detractors, level))


def csat(ratings: Any, level: Optional[float] = None) -> Proportion:
    """CSAT: the share of 4–5 answers on the 1–5 scale, with a Wilson interval.

    >>> import engagement
    >>> engagement.csat([5, 4, 3, 1]).rate
    0.5
    """
    return Proportion._from(_native.csat(cv.floats(ratings, "ratings", np.float32), level))


def wilson(successes: int, trials: int, level: Optional[float] = None) -> Proportion:
    """A proportion with its Wilson score interval (see ``Proportion``).

    >>> import engagement
    >>> p = engagement.wilson(0, 10)
    >>> p.ci_low, round(p.ci_high, 4)
    (0.0, 0.2775)
    """
    return Proportion._from(_native.wilson(successes, trials, level))


def conversion_rate(converted: int, exposed: int, level: Optional[float] = None) -> Proportion:
    """Conversion rate ``converted / exposed`` with a Wilson interval.

    >>> import engagement
    >>> engagement.conversion_rate(30, 1000).rate
    0.03
    """
    return wilson(converted, exposed, level)


def retention_rate(at_start: int, at_end: int, new: int, level: Optional[float] = None) -> ChurnSummary:
    """Retention ``(E − N)/S`` and churn with a Wilson interval (see ``ChurnSummary``).

    >>> import engagement
    >>> engagement.retention_rate(at_start=10, at_end=12, new=4).retention
    0.8
    """
    return ChurnSummary._from(_native.retention_rate(at_start, at_end, new, level))


def simple_clv(*, average_order_value: float, purchase_frequency: float, lifespan: float,
               margin: Optional[float] = None, discount_rate: Optional[float] = None) -> float:
    """Simple customer lifetime value, optionally with margin (default 1) and discounting (default 0).

    >>> import engagement
    >>> engagement.simple_clv(average_order_value=50, purchase_frequency=4, lifespan=3, margin=0.25)
    150.0
    """
    return _native.simple_clv(cv.given(average_order_value=average_order_value, purchase_frequency=purchase_frequency,
                                       lifespan=lifespan, margin=margin, discount_rate=discount_rate))


def retention_clv(margin: float, retention: float, discount_rate: float) -> float:
    """Lifetime value under constant retention, ``m r / (1 + d − r)``.

    >>> import engagement
    >>> round(engagement.retention_clv(100, 0.8, 0.1), 4)
    266.6667
    """
    return _native.retention_clv(margin, retention, discount_rate)


def ltv_to_cac(clv: float, cac: float) -> float:
    """LTV:CAC ratio.

    >>> import engagement
    >>> engagement.ltv_to_cac(300, 100)
    3.0
    """
    return _native.ltv_to_cac(clv, cac)


def percentile_ranks(values: Any) -> np.ndarray:
    """Percentile ranks (mid-rank, 0–100) in input order.

    >>> import engagement
    >>> engagement.percentile_ranks([10.0, 30.0, 20.0, 20.0]).tolist()
    [12.5, 87.5, 50.0, 50.0]
    """
    return _native.percentile_ranks(cv.floats(values, "values"))


def rfm_values(customer: Any, time: Any, value: Any = None, *, as_of: Any, monetary: Optional[str] = None) -> Columns:
    """RFM values of a transaction log: days since last purchase, purchases, monetary (``monetary``
    ``"total"``, the default, or ``"average"``).

    >>> import engagement
    >>> v = engagement.rfm_values([7, 7], [0, 4 * 86_400], [10.0, 30.0], as_of=10 * 86_400)
    >>> v["recency"].tolist(), v["frequency"].tolist(), v["monetary"].tolist()
    ([6.0], [2.0], [40.0])
    """
    with cv.rows_named(customer):
        return _native.rfm_values(cv.transactions(customer, time, value), cv.instant(as_of), cv.given(monetary=monetary))


def rfm_scores(customer: Any, recency: Any, frequency: Any, monetary: Any, config: Any = None, *,
               bins: Optional[str] = None) -> Columns:
    """RFM scores 1–5, codes (``100R + 10F + M``), scores (``R + F + M``) and segments of given values.

    ``bins`` says how values become scores: ``"customers"`` (the default) cuts the customers into
    fifths (equal-count bins, as SQL's ``NTILE(5)``), with equal values sharing the lowest score their group spans (so the
    many one-time buyers are all F = 1 and F = 2 may stay empty); ``"distinct_values"`` cuts the
    distinct values into fifths (the first edition's rule). The result's ``"bins"`` says which rule
    made it. ``config`` is an ``RfmConfig`` dict: ``bins``, ``monetary`` and the ``segments`` table.

    >>> import engagement
    >>> s = engagement.rfm_scores([1, 2, 3, 4, 5], [3.0, 1.0, 9.0, 30.0, 2.0], [1, 1, 1, 4, 2], [10.0, 20.0, 20.0, 90.0, 35.0])
    >>> s["f"].tolist(), s["bins"]
    ([1, 1, 1, 5, 4], 'customers')
    >>> engagement.rfm_scores([1, 2, 3, 4, 5], [3.0, 1.0, 9.0, 30.0, 2.0], [1, 1, 1, 4, 2], [10.0, 20.0, 20.0, 90.0, 35.0],
    ...                       bins="distinct_values")["f"].tolist()
    [1, 1, 1, 4, 2]
    """
    d = _native.rfm_scores(cv.ids(customer), cv.floats(recency, "recency"), cv.floats(frequency, "frequency"),
                           cv.floats(monetary, "monetary"), cv.with_options(config, "config", bins=bins))
    return _rfm_labels(d)


def _rfm_labels(d: Columns) -> Columns:
    d["segment_code"] = d["segment"]
    d["segment"] = np.array(d["segment_names"], dtype=object)[d["segment_code"]] if len(d["segment_code"]) else np.array([], dtype=object)
    return d
