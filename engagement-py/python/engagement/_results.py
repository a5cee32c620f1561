"""Result types: frozen dataclasses with a readable repr."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping

from . import _display
from ._display import Display, number


@dataclass(frozen=True)
class Proportion(Display):
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

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: ``successes``, ``trials``, ``rate`` (a share, 0 … 1), its Wilson interval
        ``ci_low`` … ``ci_high`` and the interval's ``level``; pandas or polars (``backend``).

        >>> import engagement
        >>> engagement.wilson(8, 10).to_frame(backend="polars").select("rate", "trials").row(0)
        (0.8, 10)
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["Proportion", f"{number(self.rate)} ({self.successes} of {self.trials})",
                f"{_display.level(self.level)} Wilson interval"]


@dataclass(frozen=True)
class NpsSummary(Display):
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

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: the answers ``n``, ``promoters``, ``passives``, ``detractors``, the ``score`` and
        its ``std_error`` (points, −100 … 100), the normal interval ``ci_low`` … ``ci_high`` and its
        ``level``; pandas or polars (``backend``).

        >>> import engagement
        >>> engagement.nps([10, 9, 3]).to_frame()[["n", "score"]].values.tolist()
        [[3.0, 33.33333333333333]]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["NpsSummary", f"score {number(self.score)} points of {self.n} answers",
                f"{_display.level(self.level)} interval"]


@dataclass(frozen=True)
class ChurnSummary(Display):
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

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: customers ``at_start``, ``lost``, ``new``, ``at_end``, the churn share with its
        Wilson interval (``churn_successes``, ``churn_trials``, ``churn_rate``, ``churn_ci_low``,
        ``churn_ci_high``, ``churn_level``) and the ``retention`` share; pandas or polars.

        >>> import engagement
        >>> engagement.retention_rate(200, 190, 30).to_frame()[["lost", "churn_rate", "retention"]].values.tolist()
        [[40.0, 0.2, 0.8]]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["ChurnSummary", f"churn {number(self.churn.rate)}, retention {number(self.retention)}",
                f"{_display.level(self.churn.level)} Wilson interval"]


@dataclass(frozen=True)
class PurchaseSummary(Display):
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

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: ``customers``, ``buyers``, ``orders``, ``revenue`` and ``refunds`` (currency
        units), ``average_order_value`` (currency per order) and ``purchase_frequency`` (orders per
        buyer); pandas or polars (``backend``).

        >>> import engagement
        >>> s = engagement.ProfileStore()
        >>> s.push([1, 2], [0, 0], ["web", "web"], ["purchase"] * 2, value=[10.0, 30.0])
        >>> s.purchase_summary().to_frame()["average_order_value"].tolist()
        [20.0]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["PurchaseSummary", f"{self.orders} orders by {self.buyers} of {self.customers} customers",
                "money in the values' currency"]
