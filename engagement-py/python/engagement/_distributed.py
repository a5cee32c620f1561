"""What ``engagement.dask`` and ``engagement.spark`` share: specs of the analyses (the same
parameters as the single-machine functions), column naming, and merging partials held as bytes."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import numpy as np

from ._convert import given
from ._partial import Partial

COLUMNS = ("customer", "time", "channel", "kind", "value", "rating", "rating_scale", "event", "campaign", "session")


def names(columns: Optional[Mapping[str, str]]) -> Dict[str, str]:
    """Our column names mapped to the data's (``{"customer": "client_id"}`` renames one)."""
    out = {c: c for c in COLUMNS}
    for ours, theirs in (columns or {}).items():
        if ours not in out:
            raise KeyError(f"unknown touchpoint column {ours!r}; expected one of {', '.join(COLUMNS)}")
        out[ours] = theirs
    return out


def partial_of_columns(spec: Any, cols: Mapping[str, Any], present: Iterable[str]) -> Partial:
    """The partial of one partition's columns (numpy arrays or Series, by our names)."""
    present = set(present)
    get = lambda c: cols[c] if c in present else None  # noqa: E731
    return Partial.from_touchpoints(spec, cols["customer"], cols["time"], get("channel"), get("kind"), get("value"),
                                    get("rating"), get("rating_scale"), events=get("event"),
                                    campaign=get("campaign"), session=get("session"))


def merge_bytes(*parts: bytes) -> bytes:
    """Merges partials given in their binary form; the result in binary form."""
    merged = Partial.from_bytes(parts[0])
    for p in parts[1:]:
        merged.merge(Partial.from_bytes(p))
    return merged.to_bytes()


def tree(parts: List[Any], combine: Any, split_every: int) -> Any:
    """Reduces ``parts`` with ``combine(*group)`` over groups of ``split_every`` until one is left."""
    if split_every < 2:
        raise ValueError("split_every must be at least 2")
    while len(parts) > 1:
        parts = [combine(*parts[i:i + split_every]) for i in range(0, len(parts), split_every)]
    return parts[0]


def _opt(convert: Any, value: Any) -> Any:
    return None if value is None else convert(value)


def _seconds(days: Optional[float]) -> Optional[int]:
    return _opt(lambda d: int(round(float(d) * 86_400)), days)


def profiles_spec(signals: Any = None) -> dict:
    return {"kind": "profiles", **given(signals=_opt(dict, signals))}


def metrics_spec(level: Optional[float] = None, conversion: Optional[Mapping[str, Sequence[str]]] = None) -> dict:
    kinds = _opt(lambda c: {"trials": list(c["trials"]), "successes": list(c["successes"])}, conversion)
    return {"kind": "metrics", **given(level=_opt(float, level), conversion=kinds)}


def event_paths_spec(by: Optional[str] = None, per: Optional[str] = None, session_gap: Optional[float] = None,
               collapse_repeats: Optional[bool] = None, steps: Optional[int] = None,
               path_length: Optional[int] = None, top_paths: Optional[int] = None,
               step_flows: Optional[bool] = None) -> Dict[str, Any]:
    """An ``event_paths`` spec; options left None take the engine's defaults."""
    session = None if session_gap is None else {"gap": int(round(float(session_gap)))}
    config = given(by=by, per=per, session=session, collapse_repeats=collapse_repeats, steps=steps,
                   path_length=path_length, top_paths=top_paths, step_flows=step_flows)
    return {"kind": "event_paths", "config": config}


def funnel_spec(steps: Sequence[Mapping[str, Any]], window_days: Optional[float] = None, order: Optional[str] = None,
                level: Optional[float] = None, **power: Any) -> dict:
    """The funnel's partial spec; ``power`` as ``engagement.funnel``'s exclusions, hold_constant,
    entry, breakdown, correlation and time_bins."""
    from ._funnel import _definition

    definition = _definition(steps, None, order, _opt(float, level), **power)
    return {"kind": "funnel", "funnel": {**definition, **given(window=_seconds(window_days))}}


def sequences_spec(by: Optional[str] = None, steps: Optional[int] = None, path_length: Optional[int] = None,
                   top_paths: Optional[int] = None) -> dict:
    return {"kind": "sequences", "config": given(by=by, steps=_opt(int, steps), path_length=_opt(int, path_length),
                                                top_paths=_opt(int, top_paths))}


def cohorts_spec(as_of: int, period: Optional[str] = None, max_periods: Optional[int] = None,
                 activity: Optional[str] = None) -> dict:
    config = given(period=period, max_periods=_opt(int, max_periods))
    return {"kind": "cohorts", "as_of": int(as_of), "config": config, **given(activity=activity)}


def retention_spec(as_of: Any, **options: Any) -> dict:
    from ._retention import _config

    return {"kind": "retention", "config": _config(as_of=as_of, **options)}


def lifecycle_spec(as_of: Any, **options: Any) -> dict:
    from ._retention import _lifecycle_config

    return {"kind": "lifecycle", "config": _lifecycle_config(as_of=as_of, **options)}


def experiment_spec(*, assigned_customer: Any, arm: Any, exposed_at: Any, metrics: Sequence[Mapping[str, Any]],
                    as_of: Any, arms: Optional[Sequence[str]] = None, **settings: Any) -> dict:
    """The partial spec of ``engagement.experiment``: the assignment travels with it."""
    from . import _convert as cv
    from ._experiment import _metric_spec, _settings

    spec: Dict[str, Any] = {"metrics": [_metric_spec(m) for m in metrics]}
    if as_of is not None:   # else the engine refuses the spec, saying why as_of is needed
        spec["as_of"] = cv.instant(as_of)
    readout = _settings(None, settings.pop("control", None), settings.pop("level", None),
                        settings.pop("sequential", None), settings.pop("sequential_tuning", None),
                        settings.pop("correction", None), settings.pop("prior", None), settings.pop("weights", None))
    if settings:
        raise TypeError(f"unexpected readout settings {sorted(settings)}")
    if readout:
        spec["readout"] = readout
    assignment = {"customer": cv.ids(assigned_customer, "assigned_customer").tolist(),
                  "arm": np.asarray(arm).astype(str).tolist(),
                  "exposed_at": cv.seconds(exposed_at, "exposed_at").tolist()}
    return {"kind": "experiment", "spec": spec, "assignment": assignment,
            "arms": [] if arms is None else [str(a) for a in arms]}


def stickiness_spec(as_of: Any, **options: Any) -> dict:
    from ._retention import _lifecycle_config

    return {"kind": "stickiness", "config": _lifecycle_config(as_of=as_of, **options)}


def paths_spec(lookback_days: Optional[float] = None, include_conversion: Optional[bool] = None,
               by: Optional[str] = None) -> dict:
    return {"kind": "paths", **given(lookback=_seconds(lookback_days), include_conversion=include_conversion, by=by)}


def arrow_columns(table: Any, n: Mapping[str, str]) -> Dict[str, Any]:
    """Numpy columns (by our names) of a pyarrow table (nulls in ratings become NaN)."""
    out: Dict[str, Any] = {}
    for ours, theirs in n.items():
        if theirs in table.column_names:
            col = table.column(theirs)
            if ours == "rating":
                out[ours] = np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float32)
            else:
                out[ours] = col.to_numpy(zero_copy_only=False)
    return out


# ---- lifetime-value models at scale ----

SUMMARY_COLUMNS = ("customer", "frequency", "recency", "T", "monetary_value")


def clv_columns(model: str) -> List[str]:
    """The summary columns a model is fitted on."""
    return ["frequency", "monetary_value"] if model == "gamma_gamma" else ["frequency", "recency", "T"]


def summary_frame(customer: Any, time: Any, value: Any, observation_end: int, period: Optional[str],
                  unit: Optional[str]) -> Any:
    """Per-customer transaction summary (pandas) of one partition's transactions (whole customers)."""
    import pandas as pd

    from ._transactions import transaction_summary

    if len(customer) == 0:
        return pd.DataFrame({"customer": np.zeros(0, np.uint64), "frequency": np.zeros(0),
                             "recency": np.zeros(0), "T": np.zeros(0), "monetary_value": np.zeros(0)})
    s = transaction_summary(customer, time, value, observation_end=observation_end, period=period, unit=unit)
    return pd.DataFrame({c: s[c] for c in SUMMARY_COLUMNS})


def fit_distinct(model: str, distinct: Any, **options: Any) -> Any:
    """Fits ``model`` on distinct summary rows with a ``count`` column (Gamma-Gamma: repeat buyers only)."""
    from ._clv import ClvModel

    if model == "gamma_gamma":
        distinct = distinct[distinct["frequency"] > 0]
    distinct = distinct.sort_values(clv_columns(model), kind="stable").reset_index(drop=True)
    return ClvModel.fit(model, distinct, weights="count", **options)


def predict_frame(summary: Any, model_json: str, prediction: str, args: Sequence[Any]) -> Any:
    """One partition's summary with the model's ``prediction`` added as a column of that name."""
    from ._clv import ClvModel

    out = summary.copy()
    if len(out) == 0:
        out[prediction] = np.zeros(0)
        return out
    model = ClvModel.from_json(model_json)
    out[prediction] = np.asarray(getattr(model, prediction)(*args, summary), dtype=np.float64)
    return out
