"""Retention as product teams define it: start and return events, brackets, censoring; lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _convert as cv
from . import _display
from . import _engagement as _native


@dataclass(frozen=True)
class RetentionTable(_display.Display):
    """Of the customers who did a start event, how many came back (did a return event) in each
    bracket of periods after it: rows are cohorts (the local period entries entered in), columns
    brackets (``brackets``: ``(first, last)`` periods after entry; ``bracket_labels``: ``"1"``,
    ``"2-7"``). ``counted``, ``retained``, ``rate``, ``previous``, ``kept``, ``rate_of_previous``,
    ``value`` and ``value_per_entry`` are 2-D arrays (cohorts × brackets; rates NaN where nobody
    is counted); ``total_*`` the same per bracket over all cohorts.

    Definitions (see ``retention``): ``size`` is a cohort's entries (its customers, or with
    recurring starts their entries); an entry counts in a bracket only once the bracket has ended by
    ``as_of`` (censoring: ``counted`` ≤ ``size``; NaN rates and values where nobody is counted yet),
    and is retained there with at least ``min_occurrences`` return events in it (bounded) or from it
    on to ``as_of`` (unbounded). ``previous``: entries counted that were retained in the bracket before
    (the first bracket: all counted); ``kept``: of those, retained in this one too;
    ``rate_of_previous`` = kept / previous. ``value``: the return events' value, summed (unbounded:
    from the bracket's start to ``as_of``, so a later bracket's value is in the earlier ones too);
    ``value_per_entry`` per entry counted. ``to_frame(metric)`` adds an ``all`` row of the totals.

    >>> import engagement
    >>> day = 86_400
    >>> t = engagement.retention([1, 1, 1, 2], [0, day, 3 * day, 2 * day],
    ...                          events=["signup", "open", "open", "signup"], start="signup",
    ...                          periods=3, as_of=4 * day)
    >>> t.cohort, t.size.tolist()
    (['1970-01-01', '1970-01-03'], [1, 1])
    >>> t.retained.tolist()      # day 2's cohort: only day 1 after it has ended by as_of
    [[1, 0, 1], [0, 0, 0]]
    >>> t.to_frame("rate").round(2).to_dict("index")["1970-01-03"]
    {'1': 0.0, '2': nan, '3': nan}
    >>> t.to_frame("rate").loc["all"].tolist()    # over both cohorts
    [0.5, 0.0, 1.0]
    """

    period: str
    windows: str
    mode: str
    brackets: List[Tuple[int, int]]
    as_of: np.datetime64
    cohort: List[str]
    cohort_start: np.ndarray
    size: np.ndarray
    counted: np.ndarray
    retained: np.ndarray
    rate: np.ndarray
    previous: np.ndarray
    kept: np.ndarray
    rate_of_previous: np.ndarray
    value: np.ndarray
    value_per_entry: np.ndarray
    total_size: int
    total_counted: np.ndarray
    total_retained: np.ndarray
    total_rate: np.ndarray
    total_rate_of_previous: np.ndarray
    total_value: np.ndarray
    total_previous: np.ndarray
    total_kept: np.ndarray
    total_value_per_entry: np.ndarray

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "RetentionTable":
        width = len(d["brackets"])

        def grid(key: str, dtype: Any) -> np.ndarray:
            values = [np.nan if v is None else v for v in d[key]]
            return np.asarray(values, dtype=dtype).reshape(-1, width)

        def row(key: str, dtype: Any) -> np.ndarray:
            return np.asarray([np.nan if v is None else v for v in d[key]], dtype=dtype)

        return cls(d["period"], d["windows"], d["mode"], [(int(a), int(b)) for a, b in d["brackets"]],
                   np.datetime64(int(d["as_of"]), "s"), list(d["cohort"]),
                   np.asarray(d["cohort_start"], dtype="datetime64[s]"), np.asarray(d["size"], dtype=np.int64),
                   grid("counted", np.int64), grid("retained", np.int64), grid("rate", np.float64),
                   grid("previous", np.int64), grid("kept", np.int64), grid("rate_of_previous", np.float64),
                   grid("value", np.float64), grid("value_per_entry", np.float64), int(d["total_size"]),
                   row("total_counted", np.int64), row("total_retained", np.int64), row("total_rate", np.float64),
                   row("total_rate_of_previous", np.float64), row("total_value", np.float64),
                   row("total_previous", np.int64), row("total_kept", np.int64),
                   row("total_value_per_entry", np.float64))

    def __repr__(self) -> str:
        rates = ", ".join("nan" if np.isnan(r) else f"{r:.3g}" for r in self.total_rate[:8])
        more = ", …" if len(self.total_rate) > 8 else ""
        return (f"RetentionTable({self.period}, {self.windows}, {self.mode}: {len(self.cohort)} cohorts, "
                f"{self.total_size} entries, total rate by bracket [{rates}{more}])")

    @property
    def bracket_labels(self) -> List[str]:
        """Each bracket as text: ``"3"`` for period 3 alone, ``"2-7"`` for periods 2 to 7."""
        return [str(a) if a == b else f"{a}-{b}" for a, b in self.brackets]

    def to_frame(self, metric: Optional[str] = None, *, backend: str = "pandas") -> Any:
        """The table as a pandas (default) or polars DataFrame (``backend``).

        With ``metric`` (one of ``counted``, ``retained``, ``previous``, ``kept``: entries;
        ``rate``, ``rate_of_previous``: shares, 0 … 1, NaN where nobody is counted; ``value``:
        the values' sum; ``value_per_entry``: per entry counted): one row per cohort (its label)
        and a last row ``all`` of the totals, one column per bracket (``"1"``, ``"2-7"``). Without:
        every number in long form, one row per cohort and bracket (the ``all`` rows last), with the
        cohort's ``cohort_start`` (``datetime64[s]``; NaT for ``all``), its ``size`` and the eight
        metrics. In polars the row labels are the leading columns.

        >>> import engagement
        >>> day = 86_400
        >>> t = engagement.retention([1, 1, 2, 2], [0, day, 0, 3 * day], events=["a", "b", "a", "b"],
        ...                          start="a", returning="b", brackets=[(1, 1), (2, 7)], censor=False)
        >>> t.to_frame("rate").loc["all"].tolist()
        [0.5, 0.5]
        >>> t.to_frame(backend="polars").filter(cohort="all")["retained"].to_list()
        [1, 1]
        """
        import pandas as pd

        _display.check_backend(backend)
        if metric is not None:
            if metric not in _METRICS:
                raise ValueError(f"metric {metric!r} is not one of the table's cohort × bracket metrics: "
                                 f"{', '.join(_METRICS)} (or leave it out for every number in long form)")
            values = getattr(self, metric)
            frame = pd.DataFrame(values, index=pd.Index(self.cohort, name="cohort"),
                                 columns=pd.Index(self.bracket_labels, name="bracket"))
            frame.loc["all"] = getattr(self, f"total_{metric}")
            return _display.frame(frame, backend)
        k = len(self.brackets)
        cohorts = self.cohort + ["all"]
        index = pd.MultiIndex.from_product([cohorts, self.bracket_labels], names=["cohort", "bracket"])
        starts = np.concatenate([self.cohort_start, np.array(["NaT"], dtype="datetime64[s]")])
        columns: Dict[str, Any] = {"cohort_start": np.repeat(starts, k),
                                   "size": np.repeat(np.append(self.size, self.total_size), k)}
        for name in _METRICS:
            columns[name] = np.concatenate([getattr(self, name).reshape(-1), getattr(self, f"total_{name}")])
        return _display.frame(pd.DataFrame(columns, index=index), backend)

    def _header(self) -> List[str]:
        return ["RetentionTable", f"{self.mode} retention by {self.period} ({self.windows} windows)",
                f"{len(self.cohort)} cohorts, {self.total_size} entries", f"as of {self.as_of} UTC"]


_METRICS = ("counted", "retained", "rate", "previous", "kept", "rate_of_previous", "value", "value_per_entry")

Matcher = Union[None, str, Sequence[str], Mapping[str, Any]]


def _matcher(m: Matcher, name: str) -> Optional[Dict[str, Any]]:
    """A start or return matcher: a dict as the engine takes it (``events``, ``event_prefix``,
    ``event_regex``, ``kinds``, ``channels``, ``campaigns``), or an event label or list of labels."""
    if m is None:
        return None
    if isinstance(m, str):
        return {"events": [m]}
    if isinstance(m, Mapping):
        return dict(m)
    if isinstance(m, Sequence) and all(isinstance(x, str) for x in m):
        return {"events": list(m)}
    raise TypeError(f"{name} must be an event label, a list of labels or a dict like "
                    f"{{'events': [...], 'kinds': [...], 'channels': [...]}}, got {type(m).__name__}")


def retention(customer: Any, time: Any, channel: Any = None, kind: Any = None, value: Any = None, *,
              events: Any = None, dictionary: Any = None, campaign: Any = None, start: Matcher = None,
              returning: Matcher = None, period: Optional[str] = None, windows: Optional[str] = None,
              periods: Optional[int] = None, brackets: Optional[Sequence[Tuple[int, int]]] = None,
              mode: Optional[str] = None, start_occurrence: Optional[str] = None,
              min_occurrences: Optional[int] = None, as_of: Any = None, utc_offset: Any = None,
              censor: Optional[bool] = None) -> RetentionTable:
    """Retention of the customers who did a ``start`` event: how many did a ``returning`` event in
    each bracket of periods after it; see ``RetentionTable``.

    - ``start`` / ``returning``: an event label, a list of labels, or a dict matching events
      (``events``, ``event_prefix``, ``event_regex``), ``kinds``, ``channels`` and ``campaigns``
      (ids, with a ``campaign`` column); None (default): any touchpoint.
    - ``period``: ``"day"`` (default), ``"week"`` (ISO, from Monday) or ``"month"``;
      ``windows``: ``"calendar"`` (default: period k is the k-th local day, week or month after the
      entry's) or ``"rolling"`` (k·24 h, k·7 d or k·30 d from the entry's second).
    - ``periods``: brackets 1, 2, … ``periods`` (default 7), or instead ``brackets``: custom
      ``(first, last)`` periods such as ``[(1, 1), (2, 7), (8, 30)]``; period 0 is the entry's own.
    - ``mode``: ``"bounded"`` (default: returned in the bracket) or ``"unbounded"`` (in it or
      later, up to ``as_of``); ``min_occurrences``: return events needed (default 1).
    - ``start_occurrence``: ``"first"`` (default: a customer enters once, at their first start
      event) or ``"recurring"`` (once per period with a start event, at its first).
    - ``as_of``: end of observation, inclusive (default: the latest touchpoint's second; a
      datetime or ISO string too, a date meaning its first second, 00:00 UTC); touchpoints after
      it are ignored. ``censor`` (default True): an entry counts in a
      bracket only once the bracket has ended by ``as_of``, so customers too young to have come
      back are not counted as gone.
    - ``utc_offset``: the local time that calendar periods and cohorts follow, east of UTC: seconds
      (whole quarter hours: ``-18000`` for UTC−5), a timedelta or text like ``"+05:30"`` (default
      0, UTC). Times given with a time zone are read as instants; the offset is what makes days.
    - ``value``: a value per touchpoint; ``RetentionTable.value`` sums the return events' values
      (revenue retention when ``returning`` is a purchase).

    Events come as ``events`` labels (strings or a categorical; ``dictionary`` an
    ``EventDictionary`` to reuse); ``channel`` and ``kind`` may be left out for an event log.

    >>> import engagement
    >>> day = 86_400
    >>> t = engagement.retention([1, 1, 2, 2], [0, day, 0, 3 * day], events=["a", "b", "a", "b"],
    ...                          start="a", returning="b", brackets=[(1, 1), (2, 7)], censor=False)
    >>> t.bracket_labels, t.total_rate.tolist()
    (['1', '2-7'], [0.5, 0.5])
    """
    from ._events import _touchpoint_columns
    from ._funnel import _extras

    cols = _touchpoint_columns(customer, time, channel, kind, value)
    config = _config(start, returning, period, windows, periods, brackets, mode, start_occurrence, min_occurrences,
                     as_of, utc_offset, censor)
    extras = _extras(campaign, None, events, dictionary)
    return RetentionTable._from(_native.retention(cols, config=config, **extras))


def _offset(value: Any) -> Optional[int]:
    """A UTC offset in seconds: a number of seconds, a timedelta, or text like ``"+05:30"``."""
    if isinstance(value, str):
        import re

        m = re.fullmatch(r"(?:UTC)?([+-−])(\d{1,2}):?(\d{2})?", value.strip())
        if m is None:
            raise ValueError(f"utc_offset {value!r} is not an offset like '+01:00', '-05:00' or '+0530'")
        sign = -1 if m.group(1) in "-−" else 1
        return sign * (int(m.group(2)) * 3600 + int(m.group(3) or 0) * 60)
    from ._events import _seconds

    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
            and float(value) != int(value):
        raise ValueError(f"utc_offset is whole seconds east of UTC (UTC+5:30 is 19800 or '+05:30'), got {value!r}")
    return _seconds(value)


def _brackets(brackets: Any) -> Optional[List[List[int]]]:
    if brackets is None:
        return None
    try:
        return [[int(a), int(b)] for a, b in brackets]
    except (TypeError, ValueError):
        raise TypeError(f"brackets are (first, last) pairs of periods, e.g. [(1, 1), (2, 7), (8, 30)]; "
                        f"got {brackets!r}") from None


def _config(start: Matcher = None, returning: Matcher = None, period: Optional[str] = None,
            windows: Optional[str] = None, periods: Optional[int] = None,
            brackets: Optional[Sequence[Tuple[int, int]]] = None, mode: Optional[str] = None,
            start_occurrence: Optional[str] = None, min_occurrences: Optional[int] = None, as_of: Any = None,
            utc_offset: Any = None, censor: Optional[bool] = None) -> Dict[str, Any]:
    """The engine's ``RetentionConfig`` of ``retention``'s arguments (None: the engine's default)."""
    return cv.given(start=_matcher(start, "start"), **{"return": _matcher(returning, "returning")},
                    period=period, windows=windows, periods=periods, brackets=_brackets(brackets),
                    mode=mode, start_occurrence=start_occurrence, min_occurrences=min_occurrences,
                    as_of=None if as_of is None else cv.instant(as_of, "as_of"),
                    utc_offset=_offset(utc_offset), censor=censor)


@dataclass(frozen=True)
class LifecycleTable(_display.Display):
    """Per period (``label``: its first local day; ``period_start`` as ``datetime64[s]``), the active
    customers by where they come from and those who stopped: ``new`` (active for the first time in the
    data), ``returning`` (active in the period before too), ``resurrecting`` (not in the period
    before, but earlier), ``dormant`` (active in the period before, not in this one); ``active`` =
    new + returning + resurrecting; ``complete`` is False for a last period that has not ended by
    ``as_of``. PostHog's lifecycle groups, "new" meaning first activity in the data.

    >>> import engagement
    >>> day = 86_400
    >>> t = engagement.lifecycle([1, 1, 1, 2], [0, day, 3 * day, day], period="day")
    >>> t.to_frame()[["new", "returning", "resurrecting", "dormant"]].values.tolist()
    [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 2], [0, 0, 1, 0]]
    """

    period: str
    as_of: np.datetime64
    label: List[str]
    period_start: np.ndarray
    new: np.ndarray
    returning: np.ndarray
    resurrecting: np.ndarray
    dormant: np.ndarray
    active: np.ndarray
    complete: np.ndarray

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "LifecycleTable":
        ints = {k: np.asarray(d[k], dtype=np.int64) for k in ("new", "returning", "resurrecting", "dormant", "active")}
        return cls(d["period"], np.datetime64(int(d["as_of"]), "s"), list(d["label"]),
                   np.asarray(d["period_start"], dtype="datetime64[s]"), ints["new"], ints["returning"],
                   ints["resurrecting"], ints["dormant"], ints["active"], np.asarray(d["complete"], dtype=bool))

    def __repr__(self) -> str:
        return (f"LifecycleTable({self.period}: {len(self.label)} periods from {self.label[0] if self.label else '-'}, "
                f"{int(self.new.sum())} new customers)")

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row per period (indexed by its label, the period's first local day) as a pandas or
        polars DataFrame (``backend``): ``period_start`` (``datetime64[s]``), the customers ``new``,
        ``returning``, ``resurrecting``, ``dormant`` and ``active``, and whether the period is
        ``complete`` by ``as_of``.

        >>> import engagement
        >>> t = engagement.lifecycle([1, 1, 2], [0, 86_400, 86_400], period="day")
        >>> t.to_frame(backend="polars")["active"].to_list()
        [1, 2]
        """
        import pandas as pd

        _display.check_backend(backend)
        return _display.frame(pd.DataFrame(
            {"period_start": self.period_start, "new": self.new, "returning": self.returning,
             "resurrecting": self.resurrecting, "dormant": self.dormant, "active": self.active,
             "complete": self.complete}, index=pd.Index(self.label, name="period")), backend)

    def _header(self) -> List[str]:
        return ["LifecycleTable", f"customers by {self.period}", f"{len(self.label)} periods",
                f"as of {self.as_of} UTC"]


def lifecycle(customer: Any, time: Any, channel: Any = None, kind: Any = None, *, events: Any = None,
              dictionary: Any = None, campaign: Any = None, activity: Matcher = None, period: Optional[str] = None,
              as_of: Any = None, utc_offset: Any = None) -> LifecycleTable:
    """New, returning, resurrecting and dormant customers per period; see ``LifecycleTable``.

    ``activity``: what makes a customer active, as ``retention``'s matchers (an event label, a list,
    or a dict of ``events`` / ``event_prefix`` / ``event_regex`` / ``kinds`` / ``channels`` /
    ``campaigns``; default any touchpoint); ``period``: ``"day"``, ``"week"`` (default, ISO) or
    ``"month"``; ``as_of``: end of observation (default the latest touchpoint; later ones ignored);
    ``utc_offset``: as ``retention``'s.
    """
    from ._events import _touchpoint_columns
    from ._funnel import _extras

    cols = _touchpoint_columns(customer, time, channel, kind)
    config = _lifecycle_config(activity, period, as_of, utc_offset)
    return LifecycleTable._from(_native.lifecycle(cols, config=config, **_extras(campaign, None, events, dictionary)))


def _lifecycle_config(activity: Matcher = None, period: Optional[str] = None, as_of: Any = None,
                      utc_offset: Any = None) -> Dict[str, Any]:
    """The engine's ``LifecycleConfig`` of ``lifecycle``'s arguments (None: the engine's default)."""
    return cv.given(activity=_matcher(activity, "activity"), period=period,
                    as_of=None if as_of is None else cv.instant(as_of, "as_of"), utc_offset=_offset(utc_offset))


@dataclass(frozen=True)
class StickinessTable(_display.Display):
    """How sticky activity is. ``active_days``: per period (rows, ``period_label``; ISO weeks or
    months) the customers active on exactly 1, 2, … days of it (columns, up to 7 or 31),
    ``total_days`` summed over the periods, ``complete`` whether each period has ended by ``as_of``
    (the last is usually cut short: fewer days to be active on). Per local day (``day``, from the first active day to
    ``as_of``'s): ``dau`` (active that day), ``wau`` (in the 7 days ending that day), ``mau`` (in the
    30 days ending that day), ``dau_wau`` and ``dau_mau`` (NaN over 0); ``full_window`` is False for
    the first 29 days, whose monthly window reaches before the data.

    >>> import engagement
    >>> day = 86_400
    >>> t = engagement.stickiness([1, 1, 2], [4 * day, 5 * day, 5 * day])   # a Monday and a Tuesday
    >>> t.total_days[:3].tolist(), t.dau.tolist(), t.wau.tolist()
    ([1, 1, 0], [1, 2], [1, 2])
    """

    period: str
    as_of: np.datetime64
    period_label: List[str]
    active_days: np.ndarray
    total_days: np.ndarray
    complete: np.ndarray
    day: List[str]
    dau: np.ndarray
    wau: np.ndarray
    mau: np.ndarray
    dau_wau: np.ndarray
    dau_mau: np.ndarray
    full_window: np.ndarray

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "StickinessTable":
        width = int(d["max_days"])
        ratio = lambda k: np.asarray([np.nan if v is None else v for v in d[k]], dtype=np.float64)  # noqa: E731
        return cls(d["period"], np.datetime64(int(d["as_of"]), "s"), list(d["period_label"]),
                   np.asarray(d["active_days"], dtype=np.int64).reshape(-1, width),
                   np.asarray(d["total_days"], dtype=np.int64), np.asarray(d["complete"], dtype=bool), list(d["day"]),
                   np.asarray(d["dau"], dtype=np.int64),
                   np.asarray(d["wau"], dtype=np.int64), np.asarray(d["mau"], dtype=np.int64), ratio("dau_wau"),
                   ratio("dau_mau"), np.asarray(d["full_window"], dtype=bool))

    def __repr__(self) -> str:
        return (f"StickinessTable({self.period}: {len(self.period_label)} periods, {len(self.day)} days, "
                f"mean DAU/MAU {np.nanmean(self.dau_mau[self.full_window]) if self.full_window.any() else float('nan'):.3g})")

    def to_frame(self, what: str = "days", *, backend: str = "pandas") -> Any:
        """A pandas or polars DataFrame (``backend``) of one section: ``"days"`` (default): one row
        per local day (its label) with ``dau``, ``wau``, ``mau`` (customers), ``dau_wau`` and
        ``dau_mau`` (shares; NaN over 0) and ``full_window``; ``"active_days"``: one row per period
        (its label), one column per number of active days (1 … 7 or 31; customers), then whether
        the period is ``complete`` (``total_days`` is the sum of each day column). In polars the
        labels are the first column and the day columns are named ``"1"``, ``"2"`` ….

        >>> import engagement
        >>> day = 86_400
        >>> t = engagement.stickiness([1, 1, 2], [4 * day, 5 * day, 5 * day])
        >>> t.to_frame()["dau"].tolist(), t.to_frame("active_days", backend="polars")["2"].to_list()
        ([1, 2], [1])
        """
        import pandas as pd

        _display.check_backend(backend)
        if what == "active_days":
            frame = pd.DataFrame(self.active_days, index=pd.Index(self.period_label, name="period"),
                                 columns=pd.RangeIndex(1, self.active_days.shape[1] + 1, name="active_days"))
            frame["complete"] = self.complete
            return _display.frame(frame, backend)
        if what != "days":
            raise ValueError(f"what must be 'days' or 'active_days', got {what!r}")
        return _display.frame(pd.DataFrame(
            {"dau": self.dau, "wau": self.wau, "mau": self.mau, "dau_wau": self.dau_wau, "dau_mau": self.dau_mau,
             "full_window": self.full_window}, index=pd.Index(self.day, name="day")), backend)

    def _header(self) -> List[str]:
        return ["StickinessTable", f"active days per {self.period}, DAU/WAU/MAU per day",
                f"{len(self.period_label)} periods, {len(self.day)} days", f"as of {self.as_of} UTC"]


def stickiness(customer: Any, time: Any, channel: Any = None, kind: Any = None, *, events: Any = None,
               dictionary: Any = None, campaign: Any = None, activity: Matcher = None, period: Optional[str] = None,
               as_of: Any = None, utc_offset: Any = None) -> StickinessTable:
    """Active days per week (or month) and DAU / WAU / MAU; see ``StickinessTable``.

    ``activity``, ``as_of`` and ``utc_offset`` as ``lifecycle``'s; ``period``: ``"week"`` (default,
    ISO) or ``"month"``, the span active days are counted in."""
    from ._events import _touchpoint_columns
    from ._funnel import _extras

    cols = _touchpoint_columns(customer, time, channel, kind)
    config = _lifecycle_config(activity, period, as_of, utc_offset)
    return StickinessTable._from(_native.stickiness(cols, config=config, **_extras(campaign, None, events, dictionary)))
