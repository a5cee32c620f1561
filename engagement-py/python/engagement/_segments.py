"""Segments, the loyalty programme and next best actions."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from . import _convert as cv
from . import _engagement as _native


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
    report = _native.loyalty(cols, redemption_customer=cv.ids(red["customer"]), redemption_time=cv.seconds(red["time"]),
                             redemption_points=np.ascontiguousarray(np.asarray(red["points"], dtype=np.uint64)),
                             as_of=cv.instant(as_of), config=config)
    names = report["accounts"]["tier_names"]
    for part in (report["accounts"], report["history"]):
        part["tier"] = [None if t is None else names[t] for t in part["tier"]]
    return report


def next_best_actions(customer: Any, stage: Any, table: Any = None, membership: Any = None,
                      accounts: Any = None) -> List[Optional[str]]:
    """The best action per customer under an action table.

    ``table`` is ``{"rules": [{"action": "gift", "priority": 5, "stages": ["loyal"], "segments": ["big"],
    "tiers": ["gold"]}, ...]}``: of the rows whose conditions all hold (each non-empty list is one; an
    absent list matches anyone; a condition on data not given never matches), the lowest ``priority``
    wins, ties in table order. ``membership`` is what ``ProfileStore.segments`` returns and
    ``accounts`` what ``loyalty`` returns (or its ``"accounts"``), as they are. The default table:

    ========================  ========  ===================
    action                    priority  when
    ========================  ========  ===================
    win_back_offer            10        stage at_risk
    vip_care                  15        tier platinum
    reactivation_campaign     20        stage churned
    referral_ask              30        stage advocate
    upgrade_offer             40        stage loyal
    onboarding_series         50        stage new_customer
    cross_sell                60        stage repeat
    first_purchase_incentive  70        stage engaged
    nurture_content           80        stage prospect
    ========================  ========  ===================

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
    """The result of ``loyalty`` or its ``accounts`` (tiers as names) as the engine's JSON form (tier indices)."""
    if not isinstance(a, Mapping):
        return a
    if "accounts" in a and "customer" not in a:
        a = a["accounts"]
    names = list(a.get("tier_names", []))
    tiers = [t if t is None or isinstance(t, int) else names.index(t) for t in a.get("tier", [])]
    return dict(a, tier=tiers)
