"""Journeys followed day by day: a state pushed each day's touchpoints, saved between days."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import numpy as np

from . import _convert as cv
from . import _engagement as _native
from ._attribution import Attribution
from ._cohort import CohortTable
from ._convert import Columns
from ._funnel import FunnelResult


class JourneyState:
    """Stage history, loyalty, a funnel, cohorts and attribution paths, followed day by day.

    A nightly job pushes each day's touchpoints (and loyalty redemptions) once, saves the state and
    loads it the next night: nothing else of the history is kept, and every result equals what the
    batch call (``stage_history``, ``loyalty``, ``funnel``, ``cohorts``, ``attribute_touchpoints``)
    gives over all the days at once. ``config`` (a dict or JSON, a ``JourneyStateConfig``) names
    what to follow, at least one of:

    - ``stages``: a ``StageConfig`` (``{}`` for the defaults);
    - ``loyalty``: a ``LoyaltyConfig``;
    - ``funnel``: a ``Funnel`` as data: ``{"steps": [...], "window": seconds}`` (the ``window``
      is in seconds here, 30 days by default, where ``engagement.funnel`` takes ``window_days``),
      steps matching kinds and channels (not events, campaigns or stages), per customer, without
      correlation; ``hold_constant`` and ``breakdown`` by ``"channel"`` or ``"kind"``;
    - ``cohorts``: ``{"config": {"period": "day" | "week" | "month", "max_periods": 36},
      "activity": "purchases" | "any"}``: cohorts by first purchase, counting purchases (as
      ``engagement.cohorts`` over the purchase rows alone), or by first touch with revenue from
      purchases;
    - ``paths``: ``{"lookback": seconds, "include_conversion": False}`` (seconds here, where
      ``attribute_touchpoints`` takes ``lookback_days``; touches by channel).

    Each customer's touchpoints and redemptions must come later than theirs already pushed (a
    push may hold them in any order); a late one raises ``InvalidInputError`` naming its row, and a
    failed push changes nothing. Results at ``as_of`` (``until`` for stages) need ``as_of`` at or
    after the latest time pushed (``AsOfBeforeDataError`` otherwise).

    >>> import engagement
    >>> day = 86_400
    >>> state = engagement.JourneyState({"stages": {}, "paths": {"lookback": 7 * day},
    ...     "funnel": {"steps": [{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}]}})
    >>> state.push([1, 2], [0, 0], ["web", "email"], ["visit", "open"])            # Monday
    >>> state = engagement.JourneyState.from_bytes(state.to_bytes())               # saved overnight
    >>> state.push([1], [day], ["web"], ["purchase"], [40.0])                      # Tuesday
    >>> state.funnel().customers.tolist()
    [1, 1]
    >>> state.stage_history(until=2 * day)["stage"].tolist()
    ['engaged', 'new_customer', 'engaged']
    >>> a = state.attribute("linear")     # 1's visit led to the purchase; 2's open to nothing yet
    >>> a.channels, a.conversions.tolist()
    (['email', 'web'], [0.0, 1.0])
    """

    def __init__(self, config: Any) -> None:
        self._native = _native.NativeJourneyState(config)

    def __repr__(self) -> str:
        customers, latest = self._native.counts()
        follows = ", ".join(self.config)
        return f"JourneyState({follows}: {customers} customers, latest time {latest})"

    @property
    def config(self) -> Dict[str, Any]:
        """What the state follows, every default filled in."""
        return self._native.config()

    @property
    def customers(self) -> int:
        """Customers with a touchpoint or redemption pushed."""
        return self._native.counts()[0]

    @property
    def latest_time(self) -> Optional[int]:
        """The latest time pushed (Unix seconds), ``None`` before the first push: the earliest
        ``as_of`` the state answers for."""
        return self._native.counts()[1]

    def push(self, customer: Any, time: Any, channel: Any, kind: Any, value: Any = None, rating: Any = None,
             rating_scale: Any = None, *, redemptions: Optional[Mapping[str, Any]] = None,
             channel_aliases: Optional[Mapping[str, str]] = None,
             kind_aliases: Optional[Mapping[str, str]] = None) -> None:
        """Adds a day's touchpoints (columns as ``ProfileStore.push``) and ``redemptions`` (columns
        ``customer``, ``time``, ``points``; needs a ``loyalty`` programme); see ``JourneyState``.

        >>> import engagement
        >>> s = engagement.JourneyState({"loyalty": {}})
        >>> s.push([1], [0], ["web"], ["purchase"], [80.0], redemptions={"customer": [1], "time": [0], "points": [30]})
        >>> s.loyalty(as_of=0)["accounts"]["balance"]
        [50]
        """
        with cv.rows_named(customer):
            cols = cv.touchpoints(customer, time, channel, kind, value, rating, rating_scale,
                                  channel_aliases=channel_aliases, kind_aliases=kind_aliases)
            red = redemptions or {"customer": [], "time": [], "points": []}
            self._native.push(cols, cv.ids(red["customer"]), cv.seconds(red["time"]),
                              np.ascontiguousarray(np.asarray(red["points"], dtype=np.uint64)))

    def push_frame(self, df: Any, *, redemptions: Optional[Mapping[str, Any]] = None, customer: str = "customer",
                   time: str = "time", channel: str = "channel", kind: str = "kind", value: str = "value",
                   rating: str = "rating", rating_scale: str = "rating_scale") -> None:
        """Adds the touchpoints of a pandas or polars DataFrame with named columns; see ``push``.

        >>> import engagement, pandas as pd
        >>> df = pd.DataFrame({"customer": [1], "time": pd.to_datetime(["2024-01-01"]), "channel": ["web"],
        ...                    "kind": ["purchase"], "value": [9.5]})
        >>> s = engagement.JourneyState({"cohorts": {}})
        >>> s.push_frame(df)
        >>> s.cohorts(as_of="2024-01-31").size.tolist()
        [1]
        """
        self.push(*cv.frame_touchpoints(df, customer, time, channel, kind, value, rating, rating_scale),
                  redemptions=redemptions)

    def push_arrow(self, data: Any, *, redemptions: Optional[Mapping[str, Any]] = None) -> None:
        """Adds a day's touchpoints from Arrow data (columns and types as ``ProfileStore.push_arrow``:
        a single batch of native types is read without a copy) and ``redemptions`` as in ``push``.

        >>> import engagement, polars as pl
        >>> s = engagement.JourneyState({"cohorts": {}})
        >>> s.push_arrow(pl.DataFrame({"customer": [1], "time": [0], "channel": ["web"], "kind": ["purchase"],
        ...                            "value": [12.0]}))
        >>> s.cohorts(as_of=0).size.tolist()
        [1]
        """
        red = redemptions or {"customer": [], "time": [], "points": []}
        self._native.push_arrow(data, cv.ids(red["customer"]), cv.seconds(red["time"]),
                                np.ascontiguousarray(np.asarray(red["points"], dtype=np.uint64)))

    def to_arrow(self, table: str, *, as_of: Any = None, rule: Optional[str] = None, **params: Any) -> Any:
        """One result as Arrow: an object with ``__arrow_c_stream__`` that ``pyarrow.table``,
        ``polars.DataFrame`` or DuckDB read directly. ``table`` is ``"stage_history"`` (up to
        ``as_of``), ``"loyalty_accounts"`` or ``"loyalty_history"`` (at ``as_of``), ``"funnel"``
        (its steps) or ``"attribution"`` (credits by ``rule``, as ``attribute``). Labels (stages,
        tiers, steps, channels) are dictionary columns; times (``entered_at``, ``since``) are int64
        Unix seconds.

        >>> import engagement, pyarrow as pa
        >>> s = engagement.JourneyState({"loyalty": {}})
        >>> s.push([1, 2], [0, 0], ["web", "web"], ["purchase", "visit"], [600.0, 0.0])
        >>> t = pa.table(s.to_arrow("loyalty_accounts", as_of=0))
        >>> t["balance"].to_pylist(), t["tier"].to_pylist()
        ([600, 0], ['silver', None])
        """
        from ._attribution import _rule
        at = None if as_of is None else cv.instant(as_of, "as_of")
        return self._native.arrow(table, at, _rule(rule, params))

    def stage_history(self, until: Any) -> Columns:
        """When each customer entered each stage up to ``until``, as ``engagement.stage_history``
        gives it over every touchpoint pushed (``customer``, ``stage``, ``stage_code``,
        ``entered_at``); see ``JourneyState``."""
        d = self._native.stage_history(cv.instant(until, "until"))
        d["stage_code"] = d["stage"]
        d["stage"] = cv.stage_labels(d["stage_code"])
        return d

    def loyalty(self, as_of: Any) -> Dict[str, Any]:
        """Accounts and tier history at ``as_of``, as ``engagement.loyalty`` gives them over every
        touchpoint and redemption pushed (tiers as names); see ``push``."""
        report = self._native.loyalty(cv.instant(as_of, "as_of"))
        names = report["accounts"]["tier_names"]
        for part in (report["accounts"], report["history"]):
            part["tier"] = [None if t is None else names[t] for t in part["tier"]]
        return report

    def funnel(self) -> FunnelResult:
        """The funnel's result, as ``engagement.funnel`` gives it over every touchpoint pushed
        (``EmptyInputError`` while nobody entered it); see ``JourneyState``."""
        return FunnelResult._from(self._native.funnel())

    def cohorts(self, as_of: Any) -> CohortTable:
        """The cohort table at ``as_of``, as ``engagement.cohorts`` gives it over the purchases pushed
        (or every touchpoint, with activity ``"any"``); see ``push_frame``."""
        return CohortTable._from(self._native.cohorts(cv.instant(as_of, "as_of")))

    def paths(self) -> Dict[str, Any]:
        """The attribution paths (``paths`` as ``"email > web"`` strings, ``conversions``, ``value``,
        ``nulls``), as a ``paths`` partial gives them over every touchpoint pushed; see ``attribute``."""
        d = self._native.paths()
        channels = d["channels"]
        return {"paths": [" > ".join(channels[i] for i in p) for p in d["paths"]],
                "conversions": np.asarray(d["conversions"]), "value": np.asarray(d["value"]),
                "nulls": np.asarray(d["nulls"])}

    def attribute(self, rule: Optional[str] = None, **params: Any) -> Attribution:
        """Credits the conversions of the paths to channels (rules as ``engagement.attribute``, the
        default Markov order 1), as ``attribute_touchpoints`` does over every touchpoint pushed.

        >>> import engagement
        >>> s = engagement.JourneyState({"paths": {}})
        >>> s.push([1, 1, 1], [0, 60, 120], ["email", "ads", "web"], ["open", "click", "purchase"], [0, 0, 10.0])
        >>> a = s.attribute("first_touch")
        >>> a.channels, a.conversions.tolist()
        (['email', 'ads'], [1.0, 0.0])
        """
        from ._attribution import _rule
        return Attribution._from(self._native.attribute(_rule(rule, params)))

    def to_bytes(self) -> bytes:
        """The saved form: the configuration and every customer's progress, versioned and
        checksummed. A state read back with ``JourneyState.from_bytes`` follows and answers exactly
        as this one would. Pickling a state uses this form.

        >>> import engagement
        >>> s = engagement.JourneyState({"cohorts": {}})
        >>> s.push([1], [0], ["web"], ["purchase"], [5.0])
        >>> engagement.JourneyState.from_bytes(s.to_bytes()).customers
        1
        """
        return self._native.to_bytes()

    @classmethod
    def from_bytes(cls, data: Any) -> "JourneyState":
        """A state read from ``to_bytes``'s form (``CorruptError`` for damaged bytes); see ``to_bytes``."""
        state = cls.__new__(cls)
        state._native = _native.NativeJourneyState.from_bytes(bytes(data))
        return state

    def save(self, path: Any) -> None:
        """Saves the state to the file at ``path``, replacing it whole (``StorageError`` when it
        cannot); ``JourneyState.load`` reads it back; see ``to_bytes``."""
        self._native.save(path)

    @classmethod
    def load(cls, path: Any) -> "JourneyState":
        """A state loaded from a file written by ``save``; see ``to_bytes``."""
        state = cls.__new__(cls)
        state._native = _native.NativeJourneyState.load(path)
        return state

    def __reduce__(self) -> Any:
        return (JourneyState.from_bytes, (self.to_bytes(),))
