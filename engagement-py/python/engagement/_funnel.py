"""Funnels over touchpoints: ordered steps defined as data."""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass, field, fields
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np

from . import _convert as cv
from . import _display
from . import _engagement as _native
from ._results import Proportion


def _proportion(d: Mapping[str, Any]) -> Proportion:
    nan = float("nan")
    return Proportion(**{k: (nan if v is None else v) for k, v in d.items()})


def _definition(steps: Sequence[Mapping[str, Any]], window_days: Optional[float], order: Optional[str],
                level: Optional[float], per: Optional[str] = None,
                session_gap: Any = None, exclusions: Any = None, hold_constant: Optional[str] = None,
                entry: Optional[str] = None, breakdown: Optional[str] = None, correlation: Optional[bool] = None,
                time_bins: Optional[int] = None) -> Dict[str, Any]:
    """The funnel definition; options left None take the engine's defaults (a 30-day window,
    ``"loose"`` order, 0.95 level, per customer, a 30-minute session gap, no exclusions, nothing held
    constant, any entry, no breakdown, no correlation, 10 histogram bins)."""
    window = None if window_days is None else int(round(float(window_days) * 86_400))
    from ._events import _seconds

    session = None if session_gap is None else {"gap": _seconds(session_gap)}
    excluded = None if exclusions is None else cv.steps(exclusions, "exclusion")
    return {"steps": cv.steps(steps), **cv.given(window=window, order=order, level=level, per=per, session=session,
                                                 exclusions=excluded, hold_constant=hold_constant, entry=entry,
                                                 breakdown=breakdown,
                                                 correlation=None if correlation is None else bool(correlation),
                                                 time_bins=None if time_bins is None else operator.index(time_bins))}


@dataclass(frozen=True)
class TimeHistogram(_display.Display):
    """Times to reach a step, from the first: ``counts[i]`` journeys in ``[edges[i], edges[i + 1])``
    seconds (the last bin closed), equal bins from 0 to the longest time; empty when nobody reached
    the step.

    >>> import engagement
    >>> r = engagement.funnel([1, 1, 2, 2], [0, 60, 0, 30], events=["view", "buy"] * 2,
    ...                       steps=[{"name": "view", "events": ["view"]}, {"name": "buy", "events": ["buy"]}],
    ...                       time_bins=2)
    >>> r.time_histogram[1].edges.tolist(), r.time_histogram[1].counts.tolist()
    ([0.0, 30.0, 60.0], [0, 2])
    """

    edges: np.ndarray
    counts: np.ndarray

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row per bin: ``from_seconds`` and ``to_seconds`` (its edges, seconds since the first
        step; fractions kept) and the ``journeys`` in it; pandas or polars (``backend``).

        >>> import engagement
        >>> r = engagement.funnel([1, 1], [0, 60], events=["view", "buy"], time_bins=2,
        ...                       steps=[{"name": "view", "events": ["view"]}, {"name": "buy", "events": ["buy"]}])
        >>> r.time_histogram[1].to_frame().values.tolist()
        [[0.0, 30.0, 0.0], [30.0, 60.0, 1.0]]
        """
        import pandas as pd

        _display.check_backend(backend)
        return _display.frame(pd.DataFrame({"from_seconds": self.edges[:-1], "to_seconds": self.edges[1:],
                                            "journeys": self.counts}), backend)

    def __repr__(self) -> str:
        top = _display.number(self.edges[-1]) if len(self.edges) else "-"
        return f"TimeHistogram({len(self.counts)} bins over 0 … {top} s, {int(self.counts.sum())} journeys)"

    def _header(self) -> List[str]:
        return ["TimeHistogram", "time to reach the step, seconds", f"{int(self.counts.sum())} journeys"]


@dataclass(frozen=True)
class EventCorrelation(_display.Display):
    """How an event goes with converting among the journeys entering a funnel (``correlation=True``):
    the 2×2 table of journeys that carried the event between entering and converting (or the window's
    end) by converting, its odds ratio (0.5 added to every cell when one is 0), Woolf's interval at the
    funnel's level and the two-sided (Wald) p-value of an odds ratio of 1.

    >>> import engagement
    >>> r = engagement.funnel([1, 1, 1, 2, 2], [0, 10, 60, 0, 30], events=["view", "help", "buy", "view", "promo"],
    ...                       steps=[{"name": "view", "events": ["view"]}, {"name": "buy", "events": ["buy"]}],
    ...                       correlation=True)
    >>> [(c.event, c.converted_with, c.failed_with, round(c.odds_ratio, 2)) for c in r.correlation]
    [('help', 1, 0, 9.0), ('promo', 0, 1, 0.11)]
    """

    event: str
    converted_with: int
    failed_with: int
    converted_without: int
    failed_without: int
    odds_ratio: float
    ci_low: float
    ci_high: float
    p_value: float

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: the ``event``, the four journey counts of the 2×2 table, the ``odds_ratio``, its
        Woolf interval ``ci_low`` … ``ci_high`` and the ``p_value``; pandas or polars (``backend``).

        >>> import engagement
        >>> c = engagement.EventCorrelation("help", 1, 0, 0, 1, 9.0, 0.1, 800.0, 0.2)
        >>> c.to_frame()[["event", "odds_ratio"]].values.tolist()
        [['help', 9.0]]
        """
        return _display.one_row(self, backend)

    def _header(self) -> List[str]:
        return ["EventCorrelation", f"{self.event}: odds ratio {_display.number(self.odds_ratio)}"]


def _extras(campaign: Any, stage_history: Any, events: Any = None, dictionary: Any = None,
            session: Any = None) -> Dict[str, Any]:
    """Native keyword arguments for a campaign column, a stage history (``stage_history``'s
    result or any mapping with ``customer``, ``stage`` (labels or codes) and ``entered_at``),
    event labels (with the dictionary to intern them into) and session ids."""
    from ._events import event_codes

    out: Dict[str, Any] = {}
    if events is not None:
        out["events"], d = event_codes(events, dictionary)
        out["dictionary"] = d._native
    if campaign is not None:
        out["campaign"] = cv.ids(campaign, "campaign")
    if session is not None:
        out["session"] = cv.ids(session, "session")
    if stage_history is not None:
        out["stage_history"] = cv.stage_history(stage_history["customer"],
                                                stage_history.get("stage_code", stage_history["stage"]),
                                                stage_history["entered_at"], "stage_history customer")
    return out


@dataclass(frozen=True)
class FunnelResult(_display.Display):
    """Per step: the customers reaching it (each once), step and overall conversion with Wilson
    intervals, drop-off since the previous step, and time from the first step (seconds: median
    and quartiles, None when nobody reached the step).

    >>> import engagement
    >>> r = engagement.funnel([1, 1, 2], [0, 60, 0], ["web"] * 3, ["visit", "purchase", "visit"],
    ...                       steps=[{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}])
    >>> r.customers.tolist(), r.step_conversion[1].rate, r.median_time
    ([2, 1], 0.5, [0.0, 60.0])
    """

    steps: List[str]
    customers: np.ndarray
    step_conversion: List[Proportion]
    overall_conversion: List[Proportion]
    drop_off: np.ndarray
    median_time: List[Optional[float]]
    p25_time: List[Optional[float]]
    p75_time: List[Optional[float]]
    time_histogram: List[TimeHistogram] = field(default_factory=list)
    breakdown: Dict[str, "FunnelResult"] = field(default_factory=dict)
    correlation: List[EventCorrelation] = field(default_factory=list)

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "FunnelResult":
        nan = float("nan")
        return cls(list(d["steps"]), np.asarray(d["customers"]), [_proportion(p) for p in d["step_conversion"]],
                   [_proportion(p) for p in d["overall_conversion"]], np.asarray(d["drop_off"]),
                   list(d["median_time"]), list(d["p25_time"]), list(d["p75_time"]),
                   [TimeHistogram(np.asarray(h["edges"], dtype=float), np.asarray(h["counts"], dtype=np.int64))
                    for h in d.get("time_histogram", [])],
                   {g["label"]: cls._from(g["result"]) for g in d.get("breakdown", [])},
                   [EventCorrelation(**{k: (nan if v is None else v) for k, v in c.items()})
                    for c in d.get("correlation", [])])

    def to_frame(self, section: str = "steps", backend: str = "pandas") -> Any:
        """A pandas (default) or polars DataFrame (``backend``) of one section:

        - ``"steps"``: one row per step (the index; polars: the first column): ``customers``
          reaching it (sessions with ``per="session"``), ``step_conversion`` and
          ``overall_conversion`` (shares, 0 … 1) each with its Wilson interval (``*_low``,
          ``*_high``; the level is the funnel's, in ``step_conversion[0].level``), ``drop_off``
          since the previous step (customers) and the time from the first step as timedeltas
          (``median_time``, ``p25_time``, ``p75_time``; NaT when nobody reached the step).
          A conversion's successes and trials are the ``customers`` of the step and of the step
          before (the first step for ``overall_conversion``).
        - ``"breakdown"``: the steps section per value of the breakdown property (index ``value``,
          ``step``).
        - ``"correlation"``: one row per event, by descending odds ratio (see ``EventCorrelation``).
        - ``"time_histogram"``: one row per step and bin, ``from_seconds``, ``to_seconds`` and the
          ``journeys`` in it.

        >>> import engagement
        >>> r = engagement.funnel([1, 1, 2, 2], [0, 60, 0, 30], events=["view", "buy", "view", "help"],
        ...                       steps=[{"name": "view", "events": ["view"]}, {"name": "buy", "events": ["buy"]}],
        ...                       correlation=True)
        >>> c = r.to_frame("correlation")
        >>> c.index.tolist(), c["failed_with"].tolist(), round(float(c.loc["help", "odds_ratio"]), 4)
        (['help'], [1], 0.1111)
        >>> r.to_frame()["median_time"].tolist()
        [Timedelta('0 days 00:00:00'), Timedelta('0 days 00:01:00')]
        >>> r.to_frame(backend="polars")["step_conversion_high"].round(3).to_list()
        [1.0, 0.905]
        """
        import pandas as pd

        _display.check_backend(backend)
        if section == "steps":
            cols: Dict[str, Any] = {"customers": self.customers}
            for name in ("step_conversion", "overall_conversion"):
                props = getattr(self, name)
                cols[name] = _display.floats(p.rate for p in props)
                cols[name + "_low"] = _display.floats(p.ci_low for p in props)
                cols[name + "_high"] = _display.floats(p.ci_high for p in props)
            cols["drop_off"] = self.drop_off
            for name in ("median_time", "p25_time", "p75_time"):
                cols[name] = _display.durations(getattr(self, name))
            return _display.frame(pd.DataFrame(cols, index=pd.Index(self.steps, name="step")), backend)
        if section == "breakdown":
            frames = [r.to_frame().assign(value=label) for label, r in self.breakdown.items()]
            if not frames:
                raise ValueError("this funnel has no breakdown: run it with breakdown='channel' (or 'kind', "
                                 "'campaign', 'event')")
            return _display.frame(pd.concat(frames).reset_index().set_index(["value", "step"]), backend)
        if section == "correlation":
            from dataclasses import asdict

            columns = [f.name for f in fields(EventCorrelation)]
            return _display.frame(pd.DataFrame([asdict(c) for c in self.correlation],
                                               columns=columns).set_index("event"), backend)
        if section == "time_histogram":
            rows = [(step, h.edges[i], h.edges[i + 1], int(c))
                    for step, h in zip(self.steps, self.time_histogram) for i, c in enumerate(h.counts)]
            return _display.frame(pd.DataFrame(rows, columns=["step", "from_seconds", "to_seconds", "journeys"])
                                  .set_index("step"), backend)
        raise ValueError(f'section must be "steps", "breakdown", "correlation" or "time_histogram", got {section!r}')

    def __repr__(self) -> str:
        overall = self.overall_conversion[-1].rate if self.overall_conversion else float("nan")
        extra = f", breakdown by {len(self.breakdown)} values" if self.breakdown else ""
        return (f"FunnelResult({len(self.steps)} steps, customers {_display.numbers(self.customers)}, "
                f"overall conversion {_display.number(overall)}{extra})")

    def _header(self) -> List[str]:
        level = self.step_conversion[0].level if self.step_conversion else None
        entered = int(self.customers[0]) if len(self.customers) else 0
        return ["FunnelResult", f"{len(self.steps)} steps, {entered} entering",
                f"{_display.level(level)} Wilson intervals", "times from the first step as durations"]

    def _repr_html_(self) -> str:
        parts = {"steps": self.to_frame()}
        if self.breakdown:
            parts["breakdown"] = self.to_frame("breakdown")
        if self.correlation:
            parts["correlation"] = self.to_frame("correlation")
        return _display.sections_html(self._header(), parts)


def funnel(customer: Any, time: Any, channel: Any = None, kind: Any = None, *, steps: Sequence[Mapping[str, Any]],
           window_days: Optional[float] = None, order: Optional[str] = None, level: Optional[float] = None,
           campaign: Any = None, stage_history: Any = None, events: Any = None, dictionary: Any = None,
           per: Optional[str] = None, session_gap: Any = None, session: Any = None,
           exclusions: Any = None, hold_constant: Optional[str] = None, entry: Optional[str] = None,
           breakdown: Optional[str] = None, correlation: Optional[bool] = None,
           time_bins: Optional[int] = None) -> FunnelResult:
    """Runs a funnel over touchpoints; see ``FunnelResult``.

    ``steps`` are dicts ``{"name": …, "kinds": [labels], "channels": [labels], "campaigns": [ids]}``
    (an empty or missing list matches any) or ``{"name": …, "stages": [labels]}`` for entering a
    journey stage; a customer enters at the first step and must reach the others in time order
    within ``window_days`` (default 30: later steps do not count); ``order="strict"`` allows no
    touchpoint of another step in between (default ``"loose"``); intervals at ``level`` (default
    0.95). Of a customer's entries the deepest progress counts. ``campaign`` is a campaign id per touchpoint
    (0 = none), needed by steps with ``campaigns``; ``stage_history`` (as ``stage_history`` returns
    it) is needed by steps with ``stages``; a stage entered at the time of a touchpoint counts after it.

    A product's own events: ``events`` gives a label per touchpoint (strings or a categorical; with
    an ``EventDictionary`` as ``dictionary`` to reuse codes), and a step ``{"name": …, "events":
    [labels]}`` matches any label listed, ``{"name": …, "event_prefix": "payment_"}`` any label
    starting so, ``{"name": …, "event_regex": "^checkout_(card|paypal)$"}`` any label in which the
    pattern finds a match (Rust ``regex`` syntax; anchor it with ``^…$`` for whole labels); ``channel`` and ``kind`` may then be left out. ``per="session"`` counts sessions
    instead of customers (cut where a customer is quiet for more than ``session_gap``, seconds or a
    timedelta, default 30 minutes; or the given ``session`` ids, a session being a customer's
    touchpoints with one id): ``customers`` then counts sessions, and conversions are out of
    the sessions entering the first step. Equal times are ordered by the event label's text (see
    ``paths``): events logged in one second in a meaningful order need distinct seconds.

    Power features (as PostHog, Amplitude and Mixpanel offer them; each in every face and on Dask
    and Spark):

    - ``exclusions``: touchpoints that void a conversion between two steps, dicts such as
      ``{"name": "refund", "events": ["refund"], "between": [1, 2]}`` (matching as steps do, steps
      counted from 0): an attempt that reached step 1 but not step 2 when one comes stops there.
      Loose order only.
    - a step's ``within`` (seconds, rounded to whole ones, or a timedelta): it must happen that soon after the previous step,
      besides ``window_days`` from the first. Loose order only. With exclusions or ``within``, every
      chain of matching touchpoints is followed, so a later occurrence of a step that keeps the
      conversion valid is found.
    - ``order="any"``: the steps in any order; result row ``j`` (named ``"any j+1 of k"``) counts
      those who did at least ``j + 1`` of them within the window of the first they did.
    - ``hold_constant``: ``"campaign"``, ``"channel"``, ``"kind"`` or ``"event"``, a property every
      later step must share with the first (touchpoints with another value are passed over;
      exclusions void whatever their value).
    - ``entry="first"``: only a customer's first touchpoint of the first step starts the funnel
      (default ``"any"``: the deepest progress of all entries counts).
    - ``breakdown``: a property of the counted attempt's first touchpoint; ``result.breakdown`` maps
      each value to its funnel (most entrants first), ``result.to_frame("breakdown")`` as a table.
      A customer who never converts counts under their earliest entry, one who converts under the
      entry that converted: with ``entry="first"`` every customer counts under their first entry.
    - ``correlation=True`` leaves out the touchpoints that match a step (they convert by
      definition): an event counts from its other touchpoints only.
    - ``correlation=True`` (needs ``events``): per event, the odds ratio of converting with and
      without it among those entering, with Woolf's interval and a p-value
      (``result.to_frame("correlation")``; see ``EventCorrelation``).
    - ``time_bins`` (default 10): each step's time-to-convert histogram (``result.time_histogram``,
      ``to_frame("time_histogram")``, ``engagement.plot.time_to_convert``).

    >>> import engagement
    >>> log = ([1, 1, 1, 2, 2, 2], [0, 60, 120, 0, 30, 90],
    ...        ["view", "refund", "buy", "view", "cart", "buy"])
    >>> r = engagement.funnel(log[0], log[1], events=log[2],
    ...                       steps=[{"name": "view", "events": ["view"]}, {"name": "buy", "events": ["buy"]}],
    ...                       exclusions=[{"name": "refund", "events": ["refund"], "between": [0, 1]}])
    >>> r.customers.tolist()
    [2, 1]

    >>> import engagement
    >>> engagement.funnel([1, 1, 1, 2], [0, 60, 120, 0], events=["catalog", "cart", "payment_card", "catalog"],
    ...                   steps=[{"name": "browse", "events": ["catalog"]}, {"name": "cart", "events": ["cart"]},
    ...                          {"name": "pay", "event_prefix": "payment_"}]).customers.tolist()
    [2, 1, 1]
    >>> t = ([1, 1, 2], [0, 86_400, 0], ["email", "web", "email"], ["click", "purchase", "click"])
    >>> h = engagement.stage_history(*t, value=[0.0, 30.0, 0.0], until=2 * 86_400)
    >>> r = engagement.funnel(*t, steps=[{"name": "spring mail", "kinds": ["click"], "campaigns": [7]},
    ...                                  {"name": "first purchase", "stages": ["new_customer"]}],
    ...                       campaign=[7, 0, 7], stage_history=h)
    >>> r.customers.tolist()
    [2, 1]
    """
    from ._events import _touchpoint_columns

    cols = _touchpoint_columns(customer, time, channel, kind)
    definition = _definition(steps, window_days, order, level, per, session_gap, exclusions, hold_constant, entry,
                             breakdown, correlation, time_bins)
    return FunnelResult._from(_native.funnel(cols, definition,
                                             **_extras(campaign, stage_history, events, dictionary, session)))


@dataclass(frozen=True)
class FunnelBreakdown(_display.Display):
    """A funnel per group of customers (``labels``: the groups someone entered, in order; ``results``:
    a ``FunnelResult`` each), the funnel of everyone (``total``) and the customers entering it with
    no group (``ungrouped``, counted in ``total`` only).

    >>> import engagement
    >>> r = engagement.funnel_by([1, 1, 2, 3, 3], [0, 60, 0, 0, 30], ["email", "web", "ads", "ads", "web"],
    ...                          ["visit", "purchase", "visit", "visit", "purchase"],
    ...                          steps=[{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}],
    ...                          by="acquisition_channel")
    >>> r.labels, r.results[1].customers.tolist(), r.total.customers.tolist()
    (['email', 'ads'], [2, 1], [3, 2])
    """

    labels: List[str]
    results: List[FunnelResult]
    total: FunnelResult
    ungrouped: int

    def to_frame(self, section: str = "groups", backend: str = "pandas") -> Any:
        """A pandas (default) or polars DataFrame (``backend``): ``section="groups"``: one row per
        (group, step) with the columns of ``FunnelResult.to_frame()``; ``"total"``: the funnel of
        everyone, one row per step (the ``ungrouped`` customers are counted there only);
        ``"time_histogram"``: each group's time-to-convert bins (``FunnelResult.to_frame("time_histogram")``),
        then the total's as the group ``all``.

        >>> import engagement
        >>> r = engagement.funnel_by([1, 1, 2], [0, 60, 0], ["web"] * 3, ["visit", "purchase", "visit"],
        ...                          steps=[{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}],
        ...                          by={1: "vip", 2: "new"})
        >>> r.to_frame()["customers"].tolist(), r.to_frame("total", backend="polars")["customers"].to_list()
        ([1, 1, 1, 0], [2, 1])
        """
        import pandas as pd

        _display.check_backend(backend)
        if section == "total":
            return self.total.to_frame(backend=backend)
        if section == "time_histogram":
            frames = [r.to_frame("time_histogram").assign(group=label)
                      for label, r in zip(self.labels + ["all"], self.results + [self.total])]
            return _display.frame(pd.concat(frames).reset_index().set_index(["group", "step"]), backend)
        if section != "groups":
            raise _display.unknown("section", section, ("groups", "total", "time_histogram"))
        frames = [r.to_frame().assign(group=label) for label, r in zip(self.labels, self.results)]
        return _display.frame(pd.concat(frames).reset_index().set_index(["group", "step"]), backend)

    def __repr__(self) -> str:
        return (f"FunnelBreakdown({len(self.labels)} groups, {len(self.total.steps)} steps, total customers "
                f"{_display.numbers(self.total.customers)}, {self.ungrouped} ungrouped)")

    def _header(self) -> List[str]:
        return ["FunnelBreakdown", f"{len(self.labels)} groups, {self.ungrouped} entering with no group",
                "times from the first step as durations"]


def funnel_by(customer: Any, time: Any, channel: Any = None, kind: Any = None, *, steps: Sequence[Mapping[str, Any]],
              by: Any, window_days: Optional[float] = None, order: Optional[str] = None,
              level: Optional[float] = None, campaign: Any = None, stage_history: Any = None, events: Any = None,
              dictionary: Any = None, per: Optional[str] = None,
              session_gap: Any = None, session: Any = None, exclusions: Any = None,
              hold_constant: Optional[str] = None, entry: Optional[str] = None,
              time_bins: Optional[int] = None) -> FunnelBreakdown:
    """Runs a funnel (as ``funnel``) per group of customers and for everyone; see ``FunnelBreakdown``.

    ``by`` is ``"acquisition_channel"`` (the channel of each customer's first touchpoint),
    ``{"cohort": "day" | "week" | "month"}`` (the period of the first touchpoint, labelled by the
    period's first day), or a mapping from customer id to group label (a dict or a pandas Series
    indexed by customer; groups ordered by first appearance). ``campaign``, ``stage_history``,
    ``events``, ``dictionary``, ``per``, ``session_gap``, ``session``, ``exclusions``,
    ``hold_constant``, ``entry`` and ``time_bins`` as in ``funnel`` (a breakdown by the entry
    touchpoint's property is ``funnel(..., breakdown=…)``).

    >>> import engagement
    >>> r = engagement.funnel_by([1, 1, 2], [0, 60, 0], ["web"] * 3, ["visit", "purchase", "visit"],
    ...                          steps=[{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}],
    ...                          by={1: "vip", 2: "new"})
    >>> [g.customers.tolist() for g in r.results]
    [[1, 1], [1, 0]]
    """
    from ._events import _touchpoint_columns

    cols = _touchpoint_columns(customer, time, channel, kind)
    definition = _definition(steps, window_days, order, level, per, session_gap, exclusions, hold_constant, entry,
                             time_bins=time_bins)
    extras = _extras(campaign, stage_history, events, dictionary, session)
    if isinstance(by, str) and by != "acquisition_channel":
        raise ValueError(f'by must be "acquisition_channel", {{"cohort": period}} or a mapping of customer to group, '
                         f"got {by!r}")
    if isinstance(by, (str, dict)) and (by == "acquisition_channel" or set(by) == {"cohort"}):
        d = _native.funnel_by_first_touch(cols, definition, json.dumps(by), **extras)
    else:
        items = list(by.items())
        labels: List[str] = []
        index: dict = {}
        group = np.empty(len(items), dtype=np.uint32)
        for i, (_, label) in enumerate(items):
            group[i] = index.setdefault(str(label), len(index))
        labels = list(index)
        ids = cv.ids([key for key, _ in items], "by")
        d = _native.funnel_by_group(cols["customer"], cols["time"], cols["channel"], cols["kind"], definition, ids,
                                    group, labels, **extras)
    return FunnelBreakdown(list(d["labels"]), [FunnelResult._from(r) for r in d["results"]],
                           FunnelResult._from(d["total"]), int(d["ungrouped"]))
