"""Result types: frozen dataclasses with a readable repr."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Proportion:
    """A share with its Wilson score interval.

    >>> import engagement
    >>> p = engagement.wilson(8, 10)
    >>> p.rate, round(p.ci_low, 4), round(p.ci_high, 4)
    (0.8, 0.4902, 0.9433)
    """

    successes: int
    trials: int
    rate: float
    ci_low: float
    ci_high: float
    level: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "Proportion":
        return cls(**d)


@dataclass(frozen=True)
class NpsSummary:
    """Net Promoter Score with its standard error and normal interval (points, −100 … 100).

    >>> import engagement
    >>> s = engagement.nps([10, 9, 9, 10, 9, 8, 7, 7, 3, 6])
    >>> s.score, s.promoters, s.detractors
    (30.0, 5, 2)
    """

    n: int
    promoters: int
    passives: int
    detractors: int
    score: float
    std_error: float
    ci_low: float
    ci_high: float
    level: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "NpsSummary":
        return cls(**d)


@dataclass(frozen=True)
class ChurnSummary:
    """Churn and retention over one period.

    >>> import engagement
    >>> c = engagement.retention_rate(200, 190, 30)
    >>> c.retention, c.lost, c.churn.rate
    (0.8, 40, 0.2)
    """

    at_start: int
    lost: int
    new: int
    at_end: int
    churn: Proportion
    retention: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "ChurnSummary":
        d = dict(d)
        d["churn"] = Proportion._from(d["churn"])
        return cls(**d)


@dataclass(frozen=True)
class PurchaseSummary:
    """Purchase totals over a set of customers.

    >>> import engagement
    >>> store = engagement.ProfileStore()
    >>> store.push([1, 1, 2], [0, 0, 0], ["web", "web", "store"], ["purchase"] * 3, value=[10.0, 30.0, 20.0])
    >>> s = store.purchase_summary()
    >>> s.orders, s.average_order_value, s.purchase_frequency
    (3, 20.0, 1.5)
    """

    customers: int
    buyers: int
    orders: int
    revenue: float
    refunds: float
    average_order_value: float
    purchase_frequency: float

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "PurchaseSummary":
        return cls(**d)
