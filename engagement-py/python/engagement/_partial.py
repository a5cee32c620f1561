"""Partial results that merge: the engine's state over part of the touchpoints.

Build a ``Partial`` from each part of the data with the same spec, merge them in any order and
grouping, and ``result()`` gives exactly what one pass over all of it gives. Partials pickle and
travel as bytes (a checksummed, versioned binary form), which is how ``engagement.dask`` and
``engagement.spark`` run the engine on every partition.

Specs are dicts (or JSON):

========================================================================= ===========================
spec                                                                      ``result()``
========================================================================= ===========================
``{"kind": "profiles", "signals": {...}}``                                ``ProfileStore``
``{"kind": "metrics", "level": 0.95, "conversion": {"trials": [...],      ``MetricsSummary``
"successes": [...]}}``
``{"kind": "funnel", "funnel": {"steps": [...], "window": seconds}}``     ``FunnelResult``
``{"kind": "sequences", "config": {"by": "channel", ...}}``               ``JourneySequences``
``{"kind": "cohorts", "as_of": seconds, "config": {"period": "month"},     ``CohortTable``
"activity": "purchases"}``
``{"kind": "paths", "lookback": seconds}``                                a path table (``attribute()``
                                                                          credits it)
========================================================================= ===========================

``profiles`` and ``metrics`` accept any split of the touchpoints; the journey kinds need each
customer's touchpoints in one part (``needs_whole_customers``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

import numpy as np

from . import _convert as cv
from . import _display
from . import _engagement as _native
from ._attribution import Attribution
from ._cohort import CohortTable
from ._funnel import FunnelResult, _proportion
from ._results import NpsSummary, Proportion
from ._transitions import JourneySequences

Spec = Union[Mapping[str, Any], str]


def _spec_dict(spec: Spec) -> dict:
    return json.loads(spec) if isinstance(spec, str) else dict(spec)


@dataclass(frozen=True)
class MetricsSummary(_display.Display):
    """NPS, CSAT and a conversion rate over every answer of the merged parts (not only each
    customer's latest: for that, use a profiles partial), with the answer histograms.

    >>> import engagement
    >>> p = engagement.Partial.from_touchpoints({"kind": "metrics"}, [1, 2, 3], [0, 0, 0], ["email"] * 3,
    ...                                        ["survey_response"] * 3, rating=[10, 9, 2],
    ...                                        rating_scale=["nps"] * 3)
    >>> m = p.result()
    >>> round(m.nps.score, 2), m.nps_answers.tolist()
    (33.33, [0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1])
    """

    nps: Optional[NpsSummary]
    csat: Optional[Proportion]
    ces_mean: Optional[float]
    conversion: Optional[Proportion]
    nps_answers: np.ndarray
    csat_answers: np.ndarray
    ces_answers: np.ndarray

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "MetricsSummary":
        return cls(None if d["nps"] is None else NpsSummary._from(d["nps"]),
                   None if d["csat"] is None else _proportion(d["csat"]), d["ces_mean"],
                   None if d["conversion"] is None else _proportion(d["conversion"]),
                   np.asarray(d["nps_answers"]), np.asarray(d["csat_answers"]), np.asarray(d["ces_answers"]))

    def to_frame(self, section: str = "summary", backend: str = "pandas") -> Any:
        """A pandas (default) or polars DataFrame (``backend``): ``section="summary"``: one row with
        the NPS (``nps_*``: answers, score in points with its standard error and interval), CSAT
        and conversion shares with their Wilson intervals (``csat_*``, ``conversion_*``) and
        ``ces_mean`` (NaN where nothing was answered); ``"answers"``: one row per scale and answer
        (``scale``, ``answer`` as on the scale's histogram index, ``count``).

        >>> import engagement
        >>> p = engagement.Partial.from_touchpoints({"kind": "metrics"}, [1, 2], [0, 0], ["email"] * 2,
        ...                                        ["survey_response"] * 2, rating=[10, 2], rating_scale=["nps"] * 2)
        >>> m = p.result()
        >>> m.to_frame()["nps_score"].tolist(), m.to_frame("answers").query("count > 0")["answer"].tolist()
        ([0.0], [2, 10])
        """
        import pandas as pd

        _display.check_backend(backend)
        if section == "answers":
            frames = [pd.DataFrame({"scale": name, "answer": np.arange(len(counts)), "count": counts})
                      for name, counts in (("nps", self.nps_answers), ("csat", self.csat_answers),
                                           ("ces", self.ces_answers))]
            return _display.frame(pd.concat(frames, ignore_index=True), backend)
        if section != "summary":
            raise _display.unknown("section", section, ("summary", "answers"))
        row = _display.flat(self)
        if self.ces_mean is None:
            row["ces_mean"] = np.nan
        return _display.frame(pd.DataFrame([row]), backend)

    def __repr__(self) -> str:
        nps = "-" if self.nps is None else _display.number(self.nps.score)
        csat = "-" if self.csat is None else _display.number(self.csat.rate)
        conv = "-" if self.conversion is None else _display.number(self.conversion.rate)
        return (f"MetricsSummary(NPS {nps} of {int(self.nps_answers.sum())} answers, CSAT {csat}, "
                f"CES mean {_display.number(self.ces_mean)}, conversion {conv})")

    def _header(self) -> List[str]:
        return ["MetricsSummary", "NPS in points, CSAT and conversion as shares with intervals"]


class Partial:
    """The mergeable state of one pass over part of the touchpoints (see the module docs).

    >>> import engagement
    >>> spec = {"kind": "funnel", "funnel": {"steps": [{"name": "visit", "kinds": ["visit"]},
    ...                                                {"name": "buy", "kinds": ["purchase"]}]}}
    >>> a = engagement.Partial.from_touchpoints(spec, [1, 1], [0, 60], ["web", "web"], ["visit", "purchase"])
    >>> b = engagement.Partial.from_bytes(
    ...     engagement.Partial.from_touchpoints(spec, [2], [0], ["web"], ["visit"]).to_bytes())
    >>> a.merge(b).result().customers.tolist()
    [2, 1]
    """

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def empty(cls, spec: Spec) -> "Partial":
        """The partial of no touchpoints for ``spec``, the spec checked alone (not against columns it
        will read: an empty partial of an event funnel needs no event column).

        >>> import engagement
        >>> engagement.Partial.empty({"kind": "funnel", "funnel": {"steps": [{"name": "view", "events": ["view"]}]}}).spec["kind"]
        'funnel'
        """
        return cls(_native.NativePartial.empty(_spec_dict(spec)))

    @classmethod
    def from_touchpoints(cls, spec: Spec, customer: Any, time: Any, channel: Any = None, kind: Any = None,
                         value: Any = None, rating: Any = None, rating_scale: Any = None, *,
                         events: Any = None, campaign: Any = None, session: Any = None,
                         channel_aliases: Optional[Mapping[str, str]] = None,
                         kind_aliases: Optional[Mapping[str, str]] = None) -> "Partial":
        """The partial of touchpoint columns (as ``ProfileStore.push`` takes them; may be empty).
        ``events`` (event labels), ``campaign`` and ``session`` (ids) go with the kinds that read
        them (``event_paths``, funnels, ``paths`` by another dimension than channel); an event log
        may leave ``channel`` and ``kind`` out.

        >>> import engagement
        >>> p = engagement.Partial.from_touchpoints({"kind": "profiles"}, [], [], [], [])
        >>> len(p.result())
        0
        """
        from ._events import _touchpoint_columns, event_codes

        cols = _touchpoint_columns(customer, time, channel, kind, value, rating, rating_scale,
                                   channel_aliases=channel_aliases, kind_aliases=kind_aliases)
        extra: Dict[str, Any] = {}
        if events is not None:
            extra["events"], d = event_codes(events)
            extra["dictionary"] = d._native
        if campaign is not None:
            extra["campaign"] = cv.ids(campaign, "campaign")
        if session is not None:
            extra["session"] = cv.ids(session, "session")
        return cls(_native.NativePartial(_spec_dict(spec), cols, **extra))

    @classmethod
    def from_frame(cls, spec: Spec, df: Any, *, customer: str = "customer", time: str = "time",
                   channel: str = "channel", kind: str = "kind", value: str = "value", rating: str = "rating",
                   rating_scale: str = "rating_scale") -> "Partial":
        """The partial of a pandas or polars DataFrame of touchpoints (named columns as
        ``ProfileStore.push_frame``; ``value``, ``rating`` and ``rating_scale`` optional).

        >>> import engagement, pandas as pd
        >>> df = pd.DataFrame({"customer": [1, 2], "time": [0, 5], "channel": ["web", "email"],
        ...                    "kind": ["purchase", "click"], "value": [12.0, 0.0]})
        >>> engagement.Partial.from_frame({"kind": "profiles"}, df).result().customers().tolist()
        [1, 2]
        """
        return cls.from_touchpoints(spec, *cv.frame_touchpoints(df, customer, time, channel, kind, value, rating,
                                                                rating_scale))

    @classmethod
    def from_bytes(cls, data: bytes) -> "Partial":
        """Reads the binary form; a truncated, altered or unknown-version form raises ``CorruptError``.

        >>> import engagement
        >>> data = engagement.Partial.from_touchpoints({"kind": "metrics"}, [], [], [], []).to_bytes()
        >>> engagement.Partial.from_bytes(data[:-1])
        Traceback (most recent call last):
        ...
        engagement.CorruptError: corrupt saved state: the header announces ... payload bytes, ... follow (truncated or padded)
        """
        return cls(_native.NativePartial.from_bytes(bytes(data)))

    @classmethod
    def from_json(cls, text: str) -> "Partial":
        """Reads the JSON form (``{"format": 1, "spec": ..., "state": ...}``)."""
        return cls(_native.NativePartial.from_json(text))

    def to_bytes(self) -> bytes:
        """The binary form: a 20-byte header (``ENGP``, format version, kind, length, CRC-32), then the payload."""
        return self._native.to_bytes()

    def to_json(self) -> str:
        """The JSON form."""
        return self._native.to_json()

    @property
    def spec(self) -> dict:
        """The spec the partial was built with, with every default filled in."""
        return self._native.spec()

    @property
    def needs_whole_customers(self) -> bool:
        """Whether each part must hold all the touchpoints of its customers (journey kinds)."""
        return self._native.needs_whole_customers()

    def merge(self, other: "Partial") -> "Partial":
        """Adds ``other`` into this partial and returns it; ``IncompatibleError`` (nothing changed)
        when the specs differ or ``other`` is this partial."""
        self._native.merge(other._native)
        return self

    def result(self) -> Any:
        """The finished result of the merged parts: a ``ProfileStore``, ``MetricsSummary``,
        ``FunnelResult``, ``JourneySequences``, ``CohortTable``, ``PathAnalysis``, ``RetentionTable``, ``LifecycleTable``, ``StickinessTable``, ``ExperimentReadout`` or a path table (a dict with
        ``paths`` as strings, ``conversions``, ``value``, ``nulls``), by kind."""
        kind = self.spec["kind"]
        if kind == "profiles":
            return self.store()
        d = self._native.result()
        if kind == "metrics":
            return MetricsSummary._from(d)
        if kind == "funnel":
            return FunnelResult._from(d)
        if kind == "sequences":
            return JourneySequences._from(d)
        if kind == "cohorts":
            return CohortTable._from(d)
        if kind == "event_paths":
            from ._events import PathAnalysis

            return PathAnalysis._from(d)
        if kind == "retention":
            from ._retention import RetentionTable

            return RetentionTable._from(d)
        if kind == "lifecycle":
            from ._retention import LifecycleTable

            return LifecycleTable._from(d)
        if kind == "stickiness":
            from ._retention import StickinessTable

            return StickinessTable._from(d)
        if kind == "experiment":
            from ._experiment import ExperimentReadout

            return ExperimentReadout._from(d)
        channels = d["channels"]
        return {"paths": [" > ".join(channels[i] for i in p) for p in d["paths"]],
                "conversions": np.asarray(d["conversions"]), "value": np.asarray(d["value"]),
                "nulls": np.asarray(d["nulls"])}

    def attribute(self, rule: Optional[str] = None, **params: Any) -> Attribution:
        """Credits the conversions of a ``paths`` partial to channels (rules as ``engagement.attribute``).

        >>> import engagement
        >>> p = engagement.Partial.from_touchpoints({"kind": "paths", "lookback": 86_400}, [1, 1, 1],
        ...                                        [0, 30, 60], ["email", "ads", "web"],
        ...                                        ["open", "click", "purchase"], value=[0, 0, 9.5])
        >>> p.attribute("linear").conversions.tolist()   # the web purchase is not a touch
        [0.5, 0.5]
        """
        from ._attribution import _rule
        return Attribution._from(self._native.attribute(_rule(rule, params)))

    def store(self, config: Any = None) -> Any:
        """The merged profiles of a ``profiles`` partial as a ``ProfileStore`` (``config`` a score
        configuration with the partial's signals; ``None``: the defaults with them)."""
        from ._store import ProfileStore

        return ProfileStore._from_native(_native.NativeStore.from_partial(self._native, config))

    def __reduce__(self) -> Any:
        return (Partial.from_bytes, (self.to_bytes(),))

    def __repr__(self) -> str:
        return f"Partial({self.spec['kind']})"


def merge_partials(partials: Iterable[Partial]) -> Partial:
    """Merges partials pairwise, as a balanced tree (the result does not depend on the grouping).

    >>> import engagement
    >>> parts = [engagement.Partial.from_touchpoints({"kind": "metrics"}, [c], [0], ["email"],
    ...                                             ["survey_response"], rating=[r], rating_scale=["nps"])
    ...          for c, r in [(1, 10), (2, 0)]]
    >>> engagement.merge_partials(parts).result().nps.score
    0.0
    """
    level: List[Partial] = list(partials)
    if not level:
        raise ValueError("merge_partials needs at least one partial")
    while len(level) > 1:
        level = [level[i].merge(level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    return level[0]
