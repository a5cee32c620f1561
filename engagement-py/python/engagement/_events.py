"""A product's own events: the event dictionary, path analysis and sessions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from . import _convert as cv
from . import _display
from . import _engagement as _native


class EventDictionary:
    """Interns a product's own event labels (any strings) into codes, once; reuse one across calls
    to keep codes stable. Unknown labels are never an error: the vocabulary is the data's.

    >>> import engagement
    >>> d = engagement.EventDictionary()
    >>> d.intern(["catalog", "product_view", "catalog"]).tolist(), d.labels, len(d)
    ([0, 1, 0], ['catalog', 'product_view'], 2)
    >>> d.merge(engagement.EventDictionary(["cart", "catalog"])).tolist()   # their codes here
    [2, 0]
    """

    def __init__(self, labels: Optional[List[str]] = None) -> None:
        self._native = _native.NativeEventDictionary(None if labels is None else [str(x) for x in labels])

    def intern(self, values: Any) -> np.ndarray:
        """Codes (uint32) of event labels: a list, numpy array, pandas or polars column of strings, or
        a pandas categorical (its codes are remapped, not re-hashed). None/NaN is an error naming the row."""
        return event_codes(values, self)[0]

    @property
    def labels(self) -> List[str]:
        """The labels in code order."""
        return list(self._native.labels())

    def code(self, label: str) -> Optional[int]:
        """The code of ``label``, or None."""
        return self._native.code(label)

    def merge(self, other: "EventDictionary") -> np.ndarray:
        """Adds ``other``'s new labels; returns the table turning its codes into this one's."""
        if not isinstance(other, EventDictionary):
            raise TypeError(f"merge takes an EventDictionary, got {type(other).__name__}")
        return self._native.merge(other._native)

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        shown = ", ".join(repr(x) for x in self.labels[:5])
        return f"EventDictionary({len(self)} labels: {shown}{', …' if len(self) > 5 else ''})"


def event_codes(values: Any, dictionary: Optional[EventDictionary] = None) -> Tuple[np.ndarray, EventDictionary]:
    """Codes of an event column and the dictionary they index (``dictionary``, or a new one)."""
    d = dictionary if dictionary is not None else EventDictionary()
    if type(values).__module__.startswith("polars"):
        values = values.to_pandas() if str(values.dtype).startswith(("Categorical", "Enum")) else values.to_list()
    cat = getattr(values, "cat", None)
    if cat is not None and hasattr(cat, "categories"):
        codes = np.asarray(cat.codes)
        if (codes < 0).any():
            row = int(np.argmax(codes < 0))
            raise _native.InvalidInputError(f"invalid event at row {row}: missing (every touchpoint needs an event label)")
        remap = d._native.intern([str(x) for x in cat.categories])
        if np.array_equal(remap, np.arange(len(remap))):
            return codes.astype(np.uint32), d   # categories interned in order: the codes as they are
        return remap[codes].astype(np.uint32), d
    return d._native.intern(values), d


@dataclass(frozen=True, eq=False)
class PathAnalysis(_display.Display):
    """Paths through a product's own events (or any dimension), per customer or session.

    ``labels``: the nodes (the data's labels in text order, then ``path_start`` and ``path_end``);
    ``edges``: a dict of columns ``from``/``to`` (node indices), ``count`` (transitions),
    ``paths`` and ``customers`` (how many had the transition), ``proba_out`` (count out of all
    transitions leaving the source, exits to ``path_end`` included), ``proba_in`` (out of all
    arriving at the target), ``median_seconds`` and ``p95_seconds`` between the two touchpoints;
    ``step_matrix``: nodes × steps, the share of paths whose k-th event is the node (``path_end``:
    paths already over); ``top_paths`` with ``top_path_counts``; ``paths`` and ``customers``;
    with ``step_flows=True``, ``step_flows``: columns ``step`` (from 1), ``from``, ``to`` (node
    indices) and ``count``, the paths going from a node at a step to one at the next (what
    ``engagement.plot.step_sankey`` draws; see ``step_flows_frame``).

    >>> import engagement
    >>> p = engagement.paths([1, 1, 2], [0, 60, 0], events=["catalog", "cart", "catalog"])
    >>> e = p.edges_frame()
    >>> e[(e["from"] == "catalog") & (e["to"] == "cart")][["count", "proba_out"]].values.tolist()
    [[1.0, 0.5]]
    >>> float(p.step_frame().loc["catalog", 1]), p.top_paths[0]
    (1.0, ('catalog',))
    """

    by: str
    per: str
    labels: List[str]
    edges: Dict[str, np.ndarray]
    step_matrix: np.ndarray
    top_paths: List[Tuple[str, ...]]
    top_path_counts: np.ndarray
    paths: int
    customers: int
    step_flows: Optional[Dict[str, np.ndarray]] = None

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "PathAnalysis":
        steps = int(d["steps"])
        edges = dict(d["edges"])   # numpy columns from the engine (NaN: no time)
        flows = d.get("step_flows")
        return cls(str(d["by"]), str(d["per"]), list(d["labels"]), edges,
                   np.asarray(d["step_matrix"], dtype=np.float64).reshape(-1, steps),
                   [tuple(p) for p in d["top_paths"]], np.asarray(d["top_path_counts"], dtype=np.uint64),
                   int(d["paths"]), int(d["customers"]), None if flows is None else dict(flows))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PathAnalysis):
            return NotImplemented
        same = lambda a, b: a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))  # noqa: E731
        return ((self.by, self.per, self.labels, self.top_paths, self.paths, self.customers)
                == (other.by, other.per, other.labels, other.top_paths, other.paths, other.customers)
                and same(self.step_matrix, other.step_matrix) and same(self.top_path_counts, other.top_path_counts)
                and self.edges.keys() == other.edges.keys()
                and all(same(self.edges[k], other.edges[k]) for k in self.edges)
                and (self.step_flows is None) == (other.step_flows is None)
                and all(same(self.step_flows[k], other.step_flows[k]) for k in (self.step_flows or {})))

    __hash__ = None  # type: ignore[assignment]

    def edges_frame(self) -> Any:
        """The edges as a pandas DataFrame, ``from`` and ``to`` as labels."""
        import pandas as pd

        labels = np.asarray(self.labels, dtype=object)
        cols = dict(self.edges)
        cols["from"], cols["to"] = labels[cols["from"]], labels[cols["to"]]
        return pd.DataFrame(cols)

    def step_diff(self, other: "PathAnalysis") -> Any:
        """This step matrix minus ``other``'s (two groups: segments, cohorts, experiment arms), each
        out of its own paths, as a pandas DataFrame (rows: the events of either, then ``path_end``).

        >>> import engagement
        >>> a = engagement.paths([1, 1], [0, 1], events=["home", "cart"], steps=2)
        >>> b = engagement.paths([1, 1], [0, 1], events=["home", "search"], steps=2)
        >>> a.step_diff(b)[2].to_dict()
        {'cart': 1.0, 'home': 0.0, 'search': -1.0, 'path_end': 0.0}
        """
        import pandas as pd

        d = _native.step_matrix_diff(self.labels, self.step_matrix.reshape(-1), other.labels,
                                     other.step_matrix.reshape(-1), self.step_matrix.shape[1])
        return pd.DataFrame(np.asarray(d["diff"]).reshape(-1, int(d["steps"])),
                            index=pd.Index(d["labels"], name="event"),
                            columns=pd.RangeIndex(1, int(d["steps"]) + 1, name="step"))

    def step_flows_frame(self) -> Any:
        """The step flows as a pandas DataFrame (``step``, ``from`` and ``to`` as labels, ``count``);
        a ValueError when the paths were computed without ``step_flows=True``.

        >>> import engagement
        >>> p = engagement.paths([1, 1, 2], [0, 60, 0], events=["home", "cart", "home"], steps=3, step_flows=True)
        >>> p.step_flows_frame().values.tolist()
        [[1, 'home', 'cart', 1], [1, 'home', 'path_end', 1], [2, 'cart', 'path_end', 1]]
        """
        import pandas as pd

        if self.step_flows is None:
            raise ValueError("these paths were computed without step flows: pass step_flows=True to engagement.paths")
        labels = np.asarray(self.labels, dtype=object)
        f = self.step_flows
        return pd.DataFrame({"step": f["step"], "from": labels[f["from"]], "to": labels[f["to"]],
                             "count": f["count"]})

    def to_frame(self, section: str = "edges", backend: str = "pandas") -> Any:
        """A pandas (default) or polars DataFrame (``backend``) of one section:

        - ``"edges"``: one row per transition: ``from`` and ``to`` (labels), ``count``
          (transitions), ``paths`` and ``customers`` having it, ``proba_out`` and ``proba_in``
          (shares), ``median_time`` and ``p95_time`` between the two touchpoints (timedeltas; NaT
          without a time).
        - ``"steps"``: the step matrix, one row per node (``path_start`` included), one column per
          step 1 … n (shares of the paths).
        - ``"top_paths"``: the most common paths (labels joined by ``" > "``), their ``length``
          and ``count``.
        - ``"step_flows"``: as ``step_flows_frame`` (paths computed with ``step_flows=True``).

        The totals ``paths`` and ``customers`` are attributes (and in the notebook header).

        >>> import engagement
        >>> p = engagement.paths([1, 1, 2], [0, 60, 0], events=["catalog", "cart", "catalog"])
        >>> e = p.to_frame()
        >>> e[e["from"] == "catalog"][["to", "count", "median_time"]].values.tolist()[0]
        ['cart', 1, Timedelta('0 days 00:01:00')]
        >>> p.to_frame("top_paths", backend="polars").rows()
        [('catalog', 1, 1), ('catalog > cart', 2, 1)]
        """
        import pandas as pd

        _display.check_backend(backend)
        if section == "edges":
            labels = np.asarray(self.labels, dtype=object)
            cols: Dict[str, Any] = {}
            for k, v in self.edges.items():
                if k in ("from", "to"):
                    cols[k] = labels[np.asarray(v, dtype=np.int64)]
                elif k.endswith("_seconds"):
                    cols[k[: -len("_seconds")] + "_time"] = _display.durations(v)
                else:
                    cols[k] = v
            return _display.frame(pd.DataFrame(cols), backend)
        if section == "steps":
            return _display.frame(pd.DataFrame(self.step_matrix, index=pd.Index(self.labels, name="event"),
                                               columns=pd.RangeIndex(1, self.step_matrix.shape[1] + 1, name="step")),
                                  backend)
        if section == "top_paths":
            return _display.frame(pd.DataFrame({"path": [" > ".join(p) for p in self.top_paths],
                                                "length": [len(p) for p in self.top_paths],
                                                "count": self.top_path_counts}), backend)
        if section == "step_flows":
            return _display.frame(self.step_flows_frame(), backend)
        raise _display.unknown("section", section, ("edges", "steps", "top_paths", "step_flows"))

    def __repr__(self) -> str:
        top = " > ".join(self.top_paths[0]) if self.top_paths else "-"
        return (f"PathAnalysis(by {self.by} per {self.per}: {self.paths} paths of {self.customers} customers, "
                f"{len(self.labels)} nodes, {len(next(iter(self.edges.values()), []))} edges; top path {top!r})")

    def _header(self) -> List[str]:
        return ["PathAnalysis", f"nodes by {self.by}, one path per {self.per}",
                f"{self.paths} paths of {self.customers} customers", "times as durations"]

    def _repr_html_(self) -> str:
        return _display.sections_html(self._header(), {"top paths": self.to_frame("top_paths"),
                                                      "edges": self.to_frame("edges")})

    def step_frame(self) -> Any:
        """The step matrix as a pandas DataFrame: rows the nodes but ``path_start``, columns steps 1 … n."""
        import pandas as pd

        frame = pd.DataFrame(self.step_matrix, index=pd.Index(self.labels, name="event"),
                             columns=pd.RangeIndex(1, self.step_matrix.shape[1] + 1, name="step"))
        return frame.drop(index="path_start")


def _touchpoint_columns(customer: Any, time: Any, channel: Any, kind: Any, *rest: Any, **aliases: Any) -> Dict[str, Any]:
    """Touchpoint columns (``rest``: value, rating, rating_scale); an event log may leave out
    channel, kind or both (left empty: the engine reads them as ``other``)."""
    return cv.touchpoints(customer, time, [] if channel is None else channel, [] if kind is None else kind,
                          *rest, **aliases)


def paths(customer: Any, time: Any, *, events: Any = None, channel: Any = None, kind: Any = None,
          campaign: Any = None, session: Any = None, dictionary: Optional[EventDictionary] = None,
          by: Optional[str] = None, per: Optional[str] = None, session_gap: Any = None,
          collapse_repeats: Optional[bool] = None, steps: Optional[int] = None,
          path_length: Optional[int] = None, top_paths: Optional[int] = None, anchor: Any = None,
          step_flows: Optional[bool] = None) -> PathAnalysis:
    """Transition graph, step matrix and top paths of customers' (or sessions') paths through a
    product's own events or any dimension; see ``PathAnalysis``.

    ``events`` are event labels (strings, or a pandas/polars categorical) from an open vocabulary;
    ``channel`` and ``kind`` may be left out for an event log. ``by`` chooses the node label:
    ``"event"`` (the default), ``"channel"``, ``"kind"``, ``"campaign"`` or a combination such as
    ``"channel:event"``. ``per="session"`` makes each session a path: sessions are the given
    ``session`` ids, or cut where a customer is quiet for more than ``session_gap`` (seconds or a
    timedelta, default 30 minutes). ``collapse_repeats=True`` counts a run of one label once. The step matrix has
    ``steps`` columns (default 10); ``top_paths`` (default 10) paths of ``path_length`` (default 5)
    events are listed, most frequent first, ties by their labels' text. ``anchor`` cuts each path at
    its first node with a label: ``"add_to_cart"`` keeps what follows it (it becomes step 1),
    ``{"label": "add_to_cart", "side": "before", "offset": 2}`` what precedes it, with ``offset``
    nodes of context on the other side; paths without it are left out. ``step_flows=True`` also
    counts the paths from each step's node to the next's (for a step Sankey). Customer ids are integers
    (map string ids to integers first, e.g. with ``pd.factorize``).

    Equal times (Unix seconds) are ordered by kind, channel, campaign, then the event label's text,
    never by row: two events a tracker logged in one second in a meaningful order (``product_view``
    then ``add_to_cart``) come out in text order (``add_to_cart`` first). Give such events distinct
    seconds if their order matters.

    >>> import engagement
    >>> p = engagement.paths([7, 7, 7], [0, 600, 9000], events=["home", "search", "home"], per="session")
    >>> p.paths, p.customers, p.top_paths
    (2, 1, [('home',), ('home', 'search')])
    """
    cols = _touchpoint_columns(customer, time, channel, kind)
    extra: Dict[str, Any] = {}
    if events is not None:
        extra["events"], d = event_codes(events, dictionary)
        extra["dictionary"] = d._native
    if campaign is not None:
        extra["campaign"] = cv.ids(campaign, "campaign")
    if session is not None:
        extra["session"] = cv.ids(session, "session")
    gap = None if session_gap is None else {"gap": _seconds(session_gap)}
    if isinstance(anchor, str):
        anchor = {"label": anchor}
    config = cv.given(by=by, per=per, session=gap, collapse_repeats=collapse_repeats, steps=steps,
                      path_length=path_length, top_paths=top_paths, anchor=anchor, step_flows=step_flows)
    return PathAnalysis._from(_native.path_analysis(cols, config=config, **extra))


@dataclass(frozen=True)
class SessionSummary(_display.Display):
    """Counts over sessions: ``sessions``, ``customers``, ``sessions_per_customer``, duration in
    seconds (``mean_duration``, ``median_duration``; one touchpoint lasts 0), ``events_per_session``
    and ``bounce_rate`` (sessions of a single touchpoint); see ``Sessions``."""

    sessions: int
    customers: int
    sessions_per_customer: float
    mean_duration: float
    median_duration: float
    events_per_session: float
    bounce_rate: float

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row: ``sessions``, ``customers``, ``sessions_per_customer``, ``mean_duration`` and
        ``median_duration`` (timedeltas), ``events_per_session`` and ``bounce_rate`` (a share);
        pandas or polars (``backend``).

        >>> import engagement
        >>> s = engagement.sessions([7, 7], [0, 90]).summary
        >>> s.to_frame()["mean_duration"].tolist()
        [Timedelta('0 days 00:01:30')]
        """
        import pandas as pd

        _display.check_backend(backend)
        row = _display.flat(self)
        for k in ("mean_duration", "median_duration"):
            row[k] = _display.durations([row[k]])
        return _display.frame(pd.DataFrame(row), backend)

    def _header(self) -> List[str]:
        return ["SessionSummary", f"{self.sessions} sessions of {self.customers} customers", "durations as timedeltas"]


@dataclass(frozen=True)
class Sessions(_display.Display):
    """Sessions ordered by customer then start: ``customer``, ``start``, ``end`` (Unix seconds),
    ``events`` (touchpoints), the session of every input row (``row_session``, an index into them),
    and ``summary`` (None without sessions).

    >>> import engagement
    >>> s = engagement.sessions([7, 7, 3, 7], [0, 600, 100, 3000])   # 40 quiet minutes: a new session
    >>> s.row_session.tolist(), s.events.tolist(), s.summary.bounce_rate
    ([1, 1, 0, 2], [1, 2, 1], 0.6666666666666666)
    """

    row_session: np.ndarray
    customer: np.ndarray
    start: np.ndarray
    end: np.ndarray
    events: np.ndarray
    summary: Optional[SessionSummary]

    def to_frame(self, section: str = "sessions", backend: str = "pandas") -> Any:
        """A pandas (default) or polars DataFrame (``backend``) of one section: ``"sessions"``: one
        row per session (its index, as ``row_session`` counts them): ``customer``, ``start`` and
        ``end`` (``datetime64[s]``, UTC), ``duration`` (a timedelta) and ``events``; ``"rows"``:
        the ``session`` of every input row; ``"summary"``: as ``SessionSummary.to_frame`` (empty
        without sessions).

        >>> import engagement
        >>> s = engagement.sessions([7, 7, 3, 7], [0, 600, 100, 3000])
        >>> s.to_frame()[["customer", "duration", "events"]].values.tolist()[1]
        [7, Timedelta('0 days 00:10:00'), 2]
        >>> s.to_frame("rows", backend="polars")["session"].to_list()
        [1, 1, 0, 2]
        """
        import pandas as pd

        _display.check_backend(backend)
        if section == "sessions":
            start, end = np.asarray(self.start, dtype=np.int64), np.asarray(self.end, dtype=np.int64)
            return _display.frame(pd.DataFrame(
                {"customer": self.customer, "start": _display.instants(start), "end": _display.instants(end),
                 "duration": _display.durations(end - start), "events": self.events},
                index=pd.RangeIndex(len(start), name="session")), backend)
        if section == "rows":
            return _display.frame(pd.DataFrame({"session": self.row_session},
                                               index=pd.RangeIndex(len(self.row_session), name="row")), backend)
        if section == "summary":
            if self.summary is None:
                return _display.frame(pd.DataFrame(columns=list(_display.flat(SessionSummary(0, 0, 0, 0, 0, 0, 0)))),
                                      backend)
            return self.summary.to_frame(backend)
        raise _display.unknown("section", section, ("sessions", "rows", "summary"))

    def __repr__(self) -> str:
        s = self.summary
        more = "" if s is None else (f", median duration {_display.number(s.median_duration)} s, bounce rate "
                                     f"{_display.number(s.bounce_rate)}")
        return f"Sessions({len(self.start)} sessions of {len(self.row_session)} touchpoints{more})"

    def _header(self) -> List[str]:
        return ["Sessions", f"{len(self.start)} sessions of {len(self.row_session)} touchpoints",
                "times in UTC, durations as timedeltas"]


def _seconds(value: Any, what: str = "span") -> Optional[int]:
    """A span in whole seconds: a number of seconds, a timedelta (``datetime``, numpy or pandas, such
    as ``pd.Timedelta(minutes=30)``) or text pandas reads as one (``"7d"``, ``"30min"``)."""
    if value is None:
        return None
    if isinstance(value, str):
        import pandas as pd

        try:
            value = pd.Timedelta(value)
        except ValueError:
            raise ValueError(f"{what} {value!r} is not a span (seconds, a timedelta or text like '7d')") from None
    if isinstance(value, np.timedelta64):
        return int(round(value / np.timedelta64(1, "s")))
    if hasattr(value, "total_seconds"):
        return int(round(value.total_seconds()))
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return int(round(float(value)))
    raise TypeError(f"{what} is seconds, a timedelta or text like '7d', got {type(value).__name__}")


def sessions(customer: Any, time: Any, *, session: Any = None, gap: Any = None) -> Sessions:
    """Sessions of touchpoints: a customer's touchpoints cut where they are quiet for more than
    ``gap`` (seconds or a timedelta; default 30 minutes; exactly ``gap`` stays in the session), or
    grouped by given ``session`` ids; see ``Sessions``. A session's duration runs from its first to
    its last touchpoint (0 for one touchpoint); its bounce rate is the share of sessions of a single
    touchpoint."""
    config = cv.given(gap=_seconds(gap))
    d, summary = _native.sessions(cv.ids(customer), cv.seconds(time),
                                  None if session is None else cv.ids(session, "session"), config)
    return Sessions(d["row_session"], d["customer"], d["start"], d["end"], d["events"],
                    None if summary is None else SessionSummary(**summary))
