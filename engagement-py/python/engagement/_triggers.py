"""Journey triggers: rules as data, evaluated on the touchpoint stream in event time."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np

from . import _convert as cv
from . import _engagement as _native

Columns = Dict[str, Any]


def _actions(d: Mapping[str, Any]) -> Columns:
    return {"customer": d["customer"], "due": d["due"], "rule": np.array(d["rule"], dtype=object),
            "action": np.array(d["action"], dtype=object)}


class Triggers:
    """Trigger rules evaluated incrementally on touchpoints, producing due actions.

    ``config`` is a dict or JSON: ``rules`` (each ``{"name", "action", "when", "delay"}`` where
    ``when`` is ``{"type": "first_touch"}``, ``{"type": "abandoned_cart", "wait": seconds}``,
    ``{"type": "nth_purchase", "n": n}``, ``{"type": "reorder", "factor": 1.0}``,
    ``{"type": "anniversary"}``, ``{"type": "at_risk"}``, and for a product's own events
    ``{"type": "event", "on": matcher, "once": False}`` (fires at each touchpoint the matcher takes,
    or only the first with ``once``) or ``{"type": "abandoned", "start": matcher, "complete":
    matcher, "wait": seconds}`` (a start with no completion within the wait), where a matcher is
    ``{"events": [labels], "event_prefix": …, "event_regex": …, "kinds": […], "channels": […],
    "campaigns": […]}`` and every criterion given must hold; ``delay`` is seconds from firing to
    due), an optional ``cap`` (``{"max": k, "window": seconds}``: at most k actions per customer per
    window), optional ``quiet_hours`` (``{"from": 22, "to": 8, "utc_offset_minutes": 0}``: actions
    falling in them move to their end) and ``stages`` (the stage configuration the ``at_risk`` rule
    uses).

    Time is event time: touchpoints must arrive in time order across calls (each call is sorted
    by time, equal times by customer and then by content, never by row); an action due at ``d``
    is decided by the touchpoints before ``d`` and returned by the call that reaches ``d`` (a
    later touchpoint or ``advance``). The same touchpoints give the same actions in one batch or
    one at a time (a second split over calls in the order one call would use). Results are
    columns ``customer``, ``due`` (Unix seconds), ``rule`` and ``action``, in due order.

    >>> import engagement
    >>> t = engagement.Triggers({"rules": [
    ...     {"name": "cart", "action": "cart_reminder", "when": {"type": "abandoned_cart", "wait": 3600}}]})
    >>> t.push([1, 2, 2], [0, 10, 20], ["web"] * 3, ["cart_add", "cart_add", "purchase"], [0.0, 0.0, 15.0])["due"].tolist()
    []
    >>> due = t.advance(7200)
    >>> due["customer"].tolist(), due["due"].tolist(), due["action"].tolist()
    ([1], [3600], ['cart_reminder'])
    """

    def __init__(self, config: Any) -> None:
        self._native = _native.NativeTriggers(config)

    def __repr__(self) -> str:
        customers, pending, suppressed, clock = self._native.counts()
        return f"Triggers({customers} customers, {pending} pending, {suppressed} suppressed, clock={clock})"

    def to_bytes(self) -> bytes:
        """The saved form: the rules and every customer's state and pending actions, versioned and checksummed.

        An engine read back with ``Triggers.from_bytes`` behaves exactly as this one would, so a
        nightly job saves it after each day and loads it the next. Pickling an engine uses this form.

        >>> import engagement
        >>> t = engagement.Triggers({"rules": [
        ...     {"name": "cart", "action": "cart_reminder", "when": {"type": "abandoned_cart", "wait": 3600}}]})
        >>> _ = t.push([1], [0], ["web"], ["cart_add"], [0.0])
        >>> tomorrow = engagement.Triggers.from_bytes(t.to_bytes())
        >>> tomorrow.advance(7200)["action"].tolist()
        ['cart_reminder']
        """
        return self._native.to_bytes()

    @classmethod
    def from_bytes(cls, data: Any) -> "Triggers":
        """An engine read from ``to_bytes``'s form (``CorruptError`` for damaged bytes); see ``to_bytes``."""
        engine = cls.__new__(cls)
        engine._native = _native.NativeTriggers.from_bytes(bytes(data))
        return engine

    def save(self, path: Any) -> None:
        """Saves the engine to the file at ``path``, replacing it whole (``StorageError`` when it
        cannot); ``Triggers.load`` reads it back; see ``to_bytes``."""
        self._native.save(path)

    @classmethod
    def load(cls, path: Any) -> "Triggers":
        """An engine loaded from a file written by ``save``; see ``to_bytes``."""
        engine = cls.__new__(cls)
        engine._native = _native.NativeTriggers.load(path)
        return engine

    def __reduce__(self) -> Any:
        return (Triggers.from_bytes, (self.to_bytes(),))

    def push(self, customer: Any, time: Any, channel: Any = None, kind: Any = None, value: Any = None,
             rating: Any = None, rating_scale: Any = None, *, events: Any = None, dictionary: Any = None,
             campaign: Any = None, channel_aliases: Optional[Mapping[str, str]] = None,
             kind_aliases: Optional[Mapping[str, str]] = None) -> Columns:
        """Feeds touchpoints (columns as ``ProfileStore.push``; an event log may leave ``channel``
        and ``kind`` out) with their ``events`` (labels: strings or a categorical; an
        ``EventDictionary`` as ``dictionary`` reuses codes) and ``campaign`` ids when rules match
        them; returns the actions that became due.

        Raises ``InvalidInputError`` for a touchpoint before the clock (the latest time fed or
        advanced to), ``ConfigError`` when a rule matches events or campaigns not given; a failed
        call changes nothing.

        >>> import engagement
        >>> t = engagement.Triggers({"rules": [{"name": "hi", "action": "welcome", "when": {"type": "first_touch"}}]})
        >>> t.push([5], [100], ["email"], ["open"])["customer"].tolist()
        [5]
        >>> t = engagement.Triggers({"rules": [{"name": "activate", "action": "onboarding_email", "when": {
        ...     "type": "abandoned", "wait": 3 * 86_400, "start": {"events": ["trial_started"]},
        ...     "complete": {"event_prefix": "project_"}}}]})
        >>> t.push([1, 2, 1], [0, 10, 86_400], events=["trial_started", "trial_started", "project_created"])["due"].tolist()
        []
        >>> t.advance(400_000)["customer"].tolist()
        [2]
        """
        from ._events import _touchpoint_columns, event_codes

        with cv.rows_named(customer):
            cols = _touchpoint_columns(customer, time, channel, kind, value, rating, rating_scale,
                                       channel_aliases=channel_aliases, kind_aliases=kind_aliases)
            extra: Dict[str, Any] = {}
            if events is not None:
                extra["events"], d = event_codes(events, dictionary)
                extra["dictionary"] = d._native
            if campaign is not None:
                extra["campaign"] = cv.ids(campaign, "campaign")
            return _actions(self._native.push(cols, **extra))

    def push_frame(self, df: Any, *, customer: str = "customer", time: str = "time", channel: str = "channel",
                   kind: str = "kind", value: str = "value", rating: str = "rating",
                   rating_scale: str = "rating_scale") -> Columns:
        """Feeds the touchpoints of a pandas or polars DataFrame with named columns; see ``push``.

        >>> import engagement, pandas as pd
        >>> df = pd.DataFrame({"customer": [1], "time": pd.to_datetime(["2024-01-01"]), "channel": ["web"],
        ...                    "kind": ["visit"]})
        >>> t = engagement.Triggers({"rules": [{"name": "hi", "action": "welcome", "when": {"type": "first_touch"}}]})
        >>> t.push_frame(df)["due"].tolist()
        [1704067200]
        """
        return self.push(*cv.frame_touchpoints(df, customer, time, channel, kind, value, rating, rating_scale))

    def advance(self, now: Any) -> Columns:
        """Moves the clock to ``now`` (Unix seconds or a datetime); returns the actions due up to it.

        >>> import engagement
        >>> t = engagement.Triggers({"rules": [{"name": "hi", "action": "welcome", "when": {"type": "first_touch"},
        ...                                     "delay": 600}]})
        >>> len(t.push([1], [0], ["web"], ["visit"])["due"]), t.advance(600)["due"].tolist()
        (0, [600])
        """
        return _actions(self._native.advance(cv.instant(now, "now")))

    @property
    def counts(self) -> Tuple[int, int, int]:
        """(customers seen, actions pending, actions dropped by the frequency cap); see ``Triggers``."""
        customers, pending, suppressed, _ = self._native.counts()
        return customers, pending, suppressed

    @property
    def clock(self) -> Optional[int]:
        """The latest time fed or advanced to (None before any); see ``Triggers``."""
        return self._native.counts()[3]


def due_actions(customer: Any, time: Any, channel: Any = None, kind: Any = None, value: Any = None,
                rating: Any = None, rating_scale: Any = None, *, config: Any, until: Any, events: Any = None,
                dictionary: Any = None, campaign: Any = None) -> Columns:
    """Every action due up to ``until`` for touchpoints fed in one batch (with ``events`` and
    ``campaign`` as ``Triggers.push`` takes them); see ``Triggers``.

    >>> import engagement
    >>> rules = {"rules": [{"name": "2nd", "action": "thanks", "when": {"type": "nth_purchase", "n": 2}}]}
    >>> engagement.due_actions([7, 7], [0, 500], ["web", "web"], ["purchase", "purchase"], [9.0, 9.0],
    ...                        config=rules, until=1000)["due"].tolist()
    [500]
    """
    t = Triggers(config)
    first = t.push(customer, time, channel, kind, value, rating, rating_scale, events=events,
                   dictionary=dictionary, campaign=campaign)
    rest = t.advance(until)
    return {k: np.concatenate([first[k], rest[k]]) for k in first}
