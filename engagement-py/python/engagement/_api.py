"""The public API: thin wrappers that normalize inputs and shape results."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np

from . import _convert as cv
from . import _engagement as _native
from ._results import ChurnSummary, NpsSummary, Proportion, PurchaseSummary

CHANNELS, KINDS, STAGES = (list(x) for x in _native.labels())

Columns = Dict[str, Any]


def _stage_labels(codes: np.ndarray) -> np.ndarray:
    return np.array(STAGES, dtype=object)[codes]


class SegmentSet:
    """Segment definitions (the JSON language of the README), parsed and checked once.

    >>> import engagement
    >>> seg = engagement.SegmentSet({"version": 1, "segments": [
    ...     {"name": "buyers", "rule": {"field": "purchases", "op": ">", "value": 0}}]})
    >>> seg.names
    ['buyers']
    >>> engagement.SegmentSet({"version": 1, "segments": [
    ...     {"name": "x", "rule": {"field": "revenue", "op": "=>", "value": 1}}]})
    Traceback (most recent call last):
    ...
    engagement.ConfigError: invalid configuration at segments[0].rule.op: unknown operator "=>" for a numeric field; expected ==, !=, <, <=, >, >=, between, in, not_in
    """

    def __init__(self, definition: Any) -> None:
        self._native = _native.NativeSegments(definition)

    @property
    def names(self) -> List[str]:
        """Segment names in priority order."""
        return self._native.names()

    def __repr__(self) -> str:
        return f"SegmentSet({self.names!r})"


class ProfileStore:
    """Customer profiles that touchpoints are pushed into (exact, order-free, mergeable).

    ``config`` is a score configuration (dict or JSON: ``signals``, ``saturation``, ``mix``);
    ``None`` means the defaults.

    >>> import engagement
    >>> store = engagement.ProfileStore()
    >>> store.push(customer=[1, 1, 2], time=[0, 86_400, 0], channel=["web", "store", "email"],
    ...            kind=["purchase", "purchase", "click"], value=[30.0, 12.5, 0.0])
    >>> len(store)
    2
    >>> list(store.stages(as_of=2 * 86_400)["stage"])
    ['repeat', 'engaged']
    """

    def __init__(self, config: Any = None) -> None:
        self._native = _native.NativeStore(config)

    @classmethod
    def _from_native(cls, native: Any) -> "ProfileStore":
        store = cls.__new__(cls)
        store._native = native
        return store

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return f"ProfileStore({len(self)} customers)"

    def push(self, customer: Any, time: Any, channel: Any, kind: Any, value: Any = None, rating: Any = None,
             rating_scale: Any = None, *, channel_aliases: Optional[Mapping[str, str]] = None,
             kind_aliases: Optional[Mapping[str, str]] = None) -> None:
        """Adds touchpoints given as columns (numpy arrays, Series or sequences).

        ``time`` is Unix seconds or datetimes; ``channel`` and ``kind`` are labels or codes (with
        optional alias maps for a CRM's own labels); ``rating`` is NaN where absent and on the NPS scale
        unless ``rating_scale`` says otherwise (where there is no rating, the scale may be missing).
        Columns with the native dtypes (uint64, int64, uint8, float64, float32) are read without a
        copy; they must not be modified by another thread during the call (the GIL is released). All
        rows are checked before any is applied.

        >>> import engagement
        >>> store = engagement.ProfileStore()
        >>> store.push([7], [0], ["newsletter"], ["open"], channel_aliases={"newsletter": "email"})
        >>> store.profile(7)["channel_counts"]
        {'email': 1}
        """
        cols = cv.touchpoints(customer, time, channel, kind, value, rating, rating_scale,
                              channel_aliases=channel_aliases, kind_aliases=kind_aliases)
        self._native.push(*cols)

    def push_frame(self, df: Any, *, customer: str = "customer", time: str = "time", channel: str = "channel",
                   kind: str = "kind", value: str = "value", rating: str = "rating",
                   rating_scale: str = "rating_scale") -> None:
        """Adds the touchpoints of a pandas or polars DataFrame with named columns.

        ``value``, ``rating`` and ``rating_scale`` are optional columns.

        >>> import engagement, pandas as pd
        >>> df = pd.DataFrame({"customer": [1, 2], "time": pd.to_datetime(["2024-01-01", "2024-01-02"]),
        ...                    "channel": ["web", "mobile_app"], "kind": ["purchase", "visit"],
        ...                    "value": [9.5, 0.0]})
        >>> store = engagement.ProfileStore()
        >>> store.push_frame(df)
        >>> len(store)
        2
        """
        names = set(df.columns)
        missing = [c for c in (customer, time, channel, kind) if c not in names]
        if missing:
            raise KeyError(f"DataFrame has no column {missing[0]!r}")
        self.push(df[customer], df[time], df[channel], df[kind],
                  df[value] if value in names else None,
                  df[rating] if rating in names else None,
                  df[rating_scale] if rating_scale in names else None)

    def customers(self) -> np.ndarray:
        """Customer ids, ascending (uint64).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([5, 3], [0, 0], ["web", "web"], ["visit", "visit"])
        >>> s.customers().tolist()
        [3, 5]
        """
        return self._native.customers()

    def scores(self, as_of: Any) -> Columns:
        """Engagement scores (0–100) at ``as_of``: ``customer``, ``total`` and the four types.

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1], [0], ["email"], ["click"])
        >>> round(float(s.scores(as_of=0)["contextual"][0]), 4)
        24.2142
        """
        return self._native.scores(cv.instant(as_of))

    def stages(self, as_of: Any, config: Any = None) -> Columns:
        """Journey stages at ``as_of``: ``customer``, ``stage`` (labels) and ``stage_code``.

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1], [0], ["web"], ["purchase"], value=[5.0])
        >>> s.stages(as_of=200 * 86_400)["stage"].tolist()
        ['churned']
        """
        d = self._native.stages(cv.instant(as_of), config)
        d["stage_code"] = d["stage"]
        d["stage"] = _stage_labels(d["stage_code"])
        return d

    def profiles(self) -> List[Dict[str, Any]]:
        """Every profile summary (a list of dicts, ascending customer id).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1], [0], ["web"], ["purchase"], value=[5.0])
        >>> s.profiles()[0]["revenue"]
        5.0
        """
        return self._native.profiles()

    def profile(self, customer: int) -> Dict[str, Any]:
        """One customer's profile summary; ``UnknownIdError`` for an unknown id.

        >>> import engagement
        >>> engagement.ProfileStore().profile(1)
        Traceback (most recent call last):
        ...
        engagement.UnknownIdError: unknown customer id 1
        """
        return self._native.profile(int(customer))

    def merge(self, other: "ProfileStore") -> None:
        """Merges another store's profiles into this one (exact).

        >>> import engagement
        >>> a, b = engagement.ProfileStore(), engagement.ProfileStore()
        >>> a.push([1], [0], ["web"], ["purchase"], value=[1.0]); b.push([1], [9], ["web"], ["purchase"], value=[2.0])
        >>> a.merge(b); a.profile(1)["purchases"]
        2
        """
        if other is self:
            raise _native.IncompatibleError("cannot merge: a store cannot be merged into itself")
        self._native.merge(other._native)

    def add_customer(self, record: Mapping[str, Any]) -> None:
        """Registers a customer record (``id``, ``acquired_at``, ``acquisition_channel``, ``birthday`` …).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.add_customer({"id": 4, "acquired_at": 0, "acquisition_channel": "ads"})
        >>> s.profile(4)["acquisition_channel"]
        'ads'
        """
        self._native.add_customer(dict(record))

    def nps(self, level: float = 0.95) -> NpsSummary:
        """NPS over each customer's latest NPS answer.

        >>> import engagement
        >>> s = engagement.ProfileStore()
        >>> s.push([1, 2], [0, 0], ["email"] * 2, ["survey_response"] * 2, rating=[10, 3])
        >>> s.nps().score
        0.0
        """
        return NpsSummary._from(self._native.nps(level))

    def csat(self, level: float = 0.95) -> Proportion:
        """CSAT over each customer's latest CSAT answer.

        >>> import engagement
        >>> s = engagement.ProfileStore()
        >>> s.push([1, 2], [0, 0], ["chat"] * 2, ["survey_response"] * 2, rating=[5, 2], rating_scale=["csat"] * 2)
        >>> s.csat().rate
        0.5
        """
        return Proportion._from(self._native.csat(level))

    def repeat_purchase_rate(self, level: float = 0.95) -> Proportion:
        """Customers with two or more purchases among buyers, with a Wilson interval.

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1, 1, 2], [0, 1, 0], ["web"] * 3, ["purchase"] * 3)
        >>> s.repeat_purchase_rate().rate
        0.5
        """
        return Proportion._from(self._native.repeat_purchase_rate(level))

    def purchase_summary(self) -> PurchaseSummary:
        """Purchase totals, average order value and purchase frequency (see ``PurchaseSummary``).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1], [0], ["web"], ["purchase"], value=[12.0])
        >>> s.purchase_summary().revenue
        12.0
        """
        return PurchaseSummary._from(self._native.purchase_summary())

    def rfm(self, as_of: Any, config: Any = None) -> Columns:
        """RFM scores of every customer with a purchase: ``r``, ``f``, ``m``, ``code``, ``score``, ``segment`` (names).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1], [0], ["web"], ["purchase"], value=[5.0])
        >>> s.rfm(as_of=86_400)["segment"].tolist()
        ['new_customers']
        """
        d = self._native.rfm(cv.instant(as_of), config)
        return _rfm_labels(d)

    def segments(self, segments: SegmentSet, as_of: Any, stage_config: Any = None, rfm_config: Any = None) -> Columns:
        """Segment membership over the standard features: ``customer``, ``names``, ``member`` (one bool
        array per segment) and ``primary`` (first segment in priority order, −1 for none).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1, 2], [0, 0], ["web"] * 2, ["purchase", "click"], value=[600.0, 0.0])
        >>> m = s.segments(engagement.SegmentSet({"version": 1, "segments": [
        ...     {"name": "big", "rule": {"field": "revenue", "op": ">=", "value": 500}}]}), as_of=0)
        >>> m["member"][0].tolist(), m["primary"].tolist()
        ([True, False], [0, -1])
        """
        return self._native.segments(segments._native, cv.instant(as_of), stage_config, rfm_config)


def _rfm_labels(d: Columns) -> Columns:
    d["segment_code"] = d["segment"]
    d["segment"] = np.array(d["segment_names"], dtype=object)[d["segment_code"]] if len(d["segment_code"]) else np.array([], dtype=object)
    return d


def nps(ratings: Any, level: float = 0.95) -> NpsSummary:
    """NPS of 0–10 answers with standard error and interval (see ``NpsSummary``).

    >>> import engagement
    >>> s = engagement.nps([10, 9, 8, 3])
    >>> s.score, round(s.std_error, 2)
    (25.0, 41.46)
    """
    return NpsSummary._from(_native.nps(cv.floats(ratings, "ratings", np.float32), level))


def nps_counts(promoters: int, passives: int, detractors: int, level: float = 0.95) -> NpsSummary:
    """NPS from counts.

    >>> import engagement
    >>> engagement.nps_counts(50, 30, 20).score
    30.0
    """
    return NpsSummary._from(_native.nps_counts(promoters, passives, detractors, level))


def csat(ratings: Any, level: float = 0.95) -> Proportion:
    """CSAT: the share of 4–5 answers on the 1–5 scale, with a Wilson interval.

    >>> import engagement
    >>> engagement.csat([5, 4, 3, 1]).rate
    0.5
    """
    return Proportion._from(_native.csat(cv.floats(ratings, "ratings", np.float32), level))


def wilson(successes: int, trials: int, level: float = 0.95) -> Proportion:
    """A proportion with its Wilson score interval (see ``Proportion``).

    >>> import engagement
    >>> p = engagement.wilson(0, 10)
    >>> p.ci_low, round(p.ci_high, 4)
    (0.0, 0.2775)
    """
    return Proportion._from(_native.wilson(successes, trials, level))


def conversion_rate(converted: int, exposed: int, level: float = 0.95) -> Proportion:
    """Conversion rate ``converted / exposed`` with a Wilson interval.

    >>> import engagement
    >>> engagement.conversion_rate(30, 1000).rate
    0.03
    """
    return wilson(converted, exposed, level)


def retention_rate(at_start: int, at_end: int, new: int, level: float = 0.95) -> ChurnSummary:
    """Retention ``(E − N)/S`` and churn with a Wilson interval (see ``ChurnSummary``).

    >>> import engagement
    >>> engagement.retention_rate(at_start=10, at_end=12, new=4).retention
    0.8
    """
    return ChurnSummary._from(_native.retention_rate(at_start, at_end, new, level))


def simple_clv(*, average_order_value: float, purchase_frequency: float, lifespan: float, margin: float = 1.0,
               discount_rate: float = 0.0) -> float:
    """Simple customer lifetime value, optionally with margin and discounting.

    >>> import engagement
    >>> engagement.simple_clv(average_order_value=50, purchase_frequency=4, lifespan=3, margin=0.25)
    150.0
    """
    return _native.simple_clv({"average_order_value": average_order_value, "purchase_frequency": purchase_frequency,
                               "lifespan": lifespan, "margin": margin, "discount_rate": discount_rate})


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


def transaction_summary(customer: Any, time: Any, value: Any = None, *, observation_end: Any, period: str = "day",
                        unit: str = "day") -> Columns:
    """Frequency, recency, T and monetary value per customer (the CLV literature's convention).

    >>> import engagement
    >>> s = engagement.transaction_summary([1, 1, 1], [0, 3 * 86_400, 10 * 86_400], [5.0, 20.0, 30.0],
    ...                                    observation_end=14 * 86_400)
    >>> s["frequency"].tolist(), s["T"].tolist(), s["monetary_value"].tolist()
    ([2], [14.0], [25.0])
    """
    v = None if value is None else cv.floats(value, "value")
    return _native.transaction_summary(cv.ids(customer), cv.seconds(time), v, cv.instant(observation_end, "observation_end"),
                                       {"period": period, "unit": unit})


def calibration_holdout(customer: Any, time: Any, value: Any = None, *, calibration_end: Any, observation_end: Any,
                        period: str = "day", unit: str = "day") -> Dict[str, Any]:
    """The calibration summary plus holdout purchases and mean value per customer.

    >>> import engagement
    >>> d = engagement.calibration_holdout([1, 1], [0, 5 * 86_400], calibration_end=2 * 86_400, observation_end=7 * 86_400)
    >>> d["frequency_holdout"], d["duration_holdout"]
    ([1], 5.0)
    """
    v = None if value is None else cv.floats(value, "value")
    return _native.calibration_holdout(cv.ids(customer), cv.seconds(time), v, cv.instant(calibration_end, "calibration_end"),
                                       cv.instant(observation_end, "observation_end"), {"period": period, "unit": unit})


def rfm_values(customer: Any, time: Any, value: Any = None, *, as_of: Any, monetary: str = "total") -> Columns:
    """RFM values of a transaction log: days since last purchase, purchases, monetary.

    >>> import engagement
    >>> v = engagement.rfm_values([7, 7], [0, 4 * 86_400], [10.0, 30.0], as_of=10 * 86_400)
    >>> v["recency"].tolist(), v["frequency"].tolist(), v["monetary"].tolist()
    ([6.0], [2.0], [40.0])
    """
    v = None if value is None else cv.floats(value, "value")
    return _native.rfm_values(cv.ids(customer), cv.seconds(time), v, cv.instant(as_of), {"monetary": monetary})


def rfm_scores(customer: Any, recency: Any, frequency: Any, monetary: Any, config: Any = None) -> Columns:
    """RFM quintile scores (over distinct values), codes, scores and segments of given values.

    >>> import engagement
    >>> s = engagement.rfm_scores([1, 2], [1.0, 90.0], [6.0, 1.0], [300.0, 10.0])
    >>> s["code"].tolist(), s["segment"].tolist()
    ([533, 311], ['potential_loyalists', 'promising'])
    """
    d = _native.rfm_scores(cv.ids(customer), cv.floats(recency, "recency"), cv.floats(frequency, "frequency"),
                           cv.floats(monetary, "monetary"), config)
    return _rfm_labels(d)


def stage_history(customer: Any, time: Any, channel: Any, kind: Any, value: Any = None, rating: Any = None,
                  rating_scale: Any = None, *, until: Any, config: Any = None) -> Columns:
    """When each customer entered each stage, up to ``until`` (``customer``, ``stage``, ``entered_at``).

    >>> import engagement
    >>> h = engagement.stage_history([1], [0], ["web"], ["purchase"], until=200 * 86_400)
    >>> h["stage"].tolist()
    ['new_customer', 'at_risk', 'churned']
    """
    cols = cv.touchpoints(customer, time, channel, kind, value, rating, rating_scale)
    d = _native.stage_history(*cols, until=cv.instant(until, "until"), config=config)
    d["stage_code"] = d["stage"]
    d["stage"] = _stage_labels(d["stage_code"])
    return d


def churn_between(customer: Any, time: Any, channel: Any, kind: Any, value: Any = None, rating: Any = None,
                  rating_scale: Any = None, *, until: Any, start: Any, end: Any, level: float = 0.95,
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
    return ChurnSummary._from(_native.churn_between(*cols, until=cv.instant(until, "until"),
                                                    start=cv.instant(start, "start"), end=cv.instant(end, "end"),
                                                    level=level, config=config))


def loyalty(customer: Any, time: Any, channel: Any, kind: Any, value: Any = None, rating: Any = None,
            rating_scale: Any = None, *, redemptions: Optional[Mapping[str, Any]] = None, as_of: Any,
            config: Any = None) -> Dict[str, Any]:
    """Runs the loyalty programme: ``{"accounts": {...}, "history": {...}}``; tiers as names.

    ``redemptions`` holds columns ``customer``, ``time`` and ``points``.

    >>> import engagement
    >>> r = engagement.loyalty([1, 1], [0, 10 * 86_400], ["web"] * 2, ["purchase"] * 2, [400.0, 400.0],
    ...                        redemptions={"customer": [1], "time": [20 * 86_400], "points": [300]}, as_of=30 * 86_400)
    >>> r["accounts"]["balance"], r["accounts"]["tier"]
    ([500], ['silver'])
    """
    cols = cv.touchpoints(customer, time, channel, kind, value, rating, rating_scale)
    red = redemptions or {"customer": [], "time": [], "points": []}
    report = _native.loyalty(*cols, redemption_customer=cv.ids(red["customer"]), redemption_time=cv.seconds(red["time"]),
                             redemption_points=np.ascontiguousarray(np.asarray(red["points"], dtype=np.uint64)),
                             as_of=cv.instant(as_of), config=config)
    names = report["accounts"]["tier_names"]
    for part in (report["accounts"], report["history"]):
        part["tier"] = [None if t is None else names[t] for t in part["tier"]]
    return report


def next_best_actions(customer: Any, stage: Any, table: Any = None, membership: Any = None,
                      accounts: Any = None) -> List[Optional[str]]:
    """The best action per customer under an action table (default documented in the Rust API).

    >>> import engagement
    >>> engagement.next_best_actions([1, 2], ["at_risk", "advocate"])
    ['win_back_offer', 'referral_ask']
    """
    codes = cv.codes(stage, "stage", _native.stage_codes)
    return _native.next_best_actions(cv.ids(customer), codes, table, _membership_json(membership),
                                     _accounts_json(accounts))


def _plain(v: Any) -> Any:
    return v.tolist() if isinstance(v, np.ndarray) else v


def _membership_json(m: Any) -> Any:
    """The output of ``ProfileStore.segments`` (numpy columns, −1 for no primary) as the engine's JSON form."""
    if not isinstance(m, Mapping):
        return m
    primary = [None if p < 0 else int(p) for p in _plain(m.get("primary", []))]
    return {"customer": _plain(m["customer"]), "names": list(m["names"]),
            "member": [_plain(col) for col in m["member"]], "primary": primary}


def _accounts_json(a: Any) -> Any:
    """The ``accounts`` of ``loyalty`` (tiers as names) as the engine's JSON form (tier indices)."""
    if not isinstance(a, Mapping):
        return a
    names = list(a.get("tier_names", []))
    tiers = [t if t is None or isinstance(t, int) else names.index(t) for t in a.get("tier", [])]
    return dict(a, tier=tiers)


def to_frame(columns: Mapping[str, Any], backend: str = "pandas") -> Any:
    """Per-customer columns (a dict of equal-length arrays) as a pandas or polars DataFrame.

    >>> import engagement
    >>> engagement.to_frame({"customer": [1, 2], "total": [5.0, 7.5]}).shape
    (2, 2)
    """
    cols = {k: v for k, v in columns.items() if not isinstance(v, list) or len(v) == len(next(iter(columns.values())))}
    if backend == "pandas":
        import pandas as pd

        return pd.DataFrame(cols)
    if backend == "polars":
        import polars as pl

        return pl.DataFrame({k: (list(v) if getattr(v, "dtype", None) == object else v) for k, v in cols.items()})
    raise ValueError(f"backend must be 'pandas' or 'polars', got {backend!r}")


def customer_frame(df: Any, as_of: Any, *, score_config: Any = None, stage_config: Any = None) -> Any:
    """DataFrame in, DataFrame out: the touchpoints of a pandas or polars DataFrame (columns customer,
    time, channel, kind, and optionally value, rating, rating_scale) to one row per customer with
    engagement scores, stage, purchases and revenue, in the same library as the input.

    >>> import engagement, pandas as pd
    >>> df = pd.DataFrame({"customer": [1, 1, 2], "time": [0, 86_400, 0], "channel": ["web", "web", "email"],
    ...                    "kind": ["purchase", "purchase", "click"], "value": [10.0, 5.0, 0.0]})
    >>> out = engagement.customer_frame(df, as_of=2 * 86_400)
    >>> out[["customer", "stage", "purchases", "revenue"]].values.tolist()
    [[1, 'repeat', 2, 15.0], [2, 'engaged', 0, 0.0]]
    """
    store = ProfileStore(score_config)
    store.push_frame(df)
    backend = "polars" if type(df).__module__.startswith("polars") else "pandas"
    return store_frame(store, as_of, stage_config=stage_config, backend=backend)


def store_frame(store: ProfileStore, as_of: Any, *, stage_config: Any = None, backend: str = "pandas") -> Any:
    """One row per customer of a store (``customer_frame``'s columns: engagement scores, stage,
    purchases, revenue), as a pandas or polars DataFrame.

    >>> import engagement
    >>> s = engagement.ProfileStore(); s.push([4], [0], ["web"], ["purchase"], value=[8.0])
    >>> engagement.store_frame(s, as_of=86_400)[["customer", "stage", "revenue"]].values.tolist()
    [[4, 'new_customer', 8.0]]
    """
    t = cv.instant(as_of)
    cols = dict(store.scores(t))
    stages = store.stages(t, stage_config)
    cols["stage"] = stages["stage"]
    profiles = store.profiles()
    cols["purchases"] = np.array([p["purchases"] for p in profiles], dtype=np.int64)
    cols["revenue"] = np.array([p["revenue"] for p in profiles], dtype=np.float64)
    return to_frame(cols, backend)
