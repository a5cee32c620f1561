"""Input normalization: numpy/pandas/polars columns, datetimes and labels to the native dtypes.

Arrays that already have the native dtype and are contiguous are passed through without a copy;
other accepted inputs are converted once (documented per argument). Anything else raises
``TypeError`` naming the column.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import numpy as np

from . import _engagement as _native
from ._engagement import InvalidInputError


CHANNELS, KINDS, STAGES, RATING_SCALES = (list(x) for x in _native.labels())

Columns = Dict[str, Any]


def steps(values: Any, what: str = "step") -> List[Dict[str, Any]]:
    """Funnel steps (or exclusions) as dicts, a step's ``within`` given as a timedelta in seconds;
    anything else is a TypeError that shows the shape expected."""
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
        values = [values]
    out = []
    for i, s in enumerate(values):
        if not isinstance(s, Mapping):
            example = ("{'name': 'refund', 'events': ['refund'], 'between': [1, 2]}" if what == "exclusion" else
                       "{'name': 'visit', 'kinds': ['visit']} (or {'name': 'first purchase', 'stages': ['new_customer']})")
            raise TypeError(f"funnel {what} {i} must be a dict such as {example}, got {s!r}")
        d = dict(s)
        within = d.get("within")
        if hasattr(within, "total_seconds"):
            d["within"] = int(round(within.total_seconds()))
        elif isinstance(within, np.timedelta64):
            d["within"] = int(round(within / np.timedelta64(1, "s")))
        elif isinstance(within, (int, float, np.integer, np.floating)) and not isinstance(within, bool):
            d["within"] = int(round(float(within)))   # seconds, whole (the engine's unit)
        out.append(d)
    return out


def given(**fields: Any) -> Dict[str, Any]:
    """The fields the caller set: one left None is left out, so the engine's default applies."""
    return {k: v for k, v in fields.items() if v is not None}


def with_options(config: Any, name: str, **fields: Any) -> Any:
    """``config`` (None, a dict or a JSON string) with the keyword options the caller set added; an
    option set both ways is a TypeError rather than a silent choice of one."""
    set_ = given(**fields)
    if not set_:
        return config
    base = {} if config is None else json.loads(config) if isinstance(config, str) else dict(config)
    for k in set_:
        if k in base:
            raise TypeError(f"{k} is given both as a keyword and in {name}; give it once")
    return {**base, **set_}


@contextlib.contextmanager
def rows_named(column: Any, customer_ids: bool = True) -> Iterator[None]:
    """An error about one row (its ``row`` attribute: the engine's, and this module's conversion
    errors) also names the caller's row: the index label of a pandas column whose index is not the
    positions 0..n-1 and, when ``column`` holds customer ids, the customer id. ``row`` and
    ``index_label`` stay on the error for code that handles it."""
    try:
        yield
    except _native.EngagementError as e:
        row = getattr(e, "row", None)
        label = None if row is None else _index_label(column, row)
        parts = [] if label is None else [f"index label {label!r}"]
        if row is not None and customer_ids:
            try:
                parts.append(f"customer {np.asarray(column)[row].item()!r}")
            except (IndexError, TypeError, ValueError, AttributeError):
                pass
        if not parts:
            raise
        named = type(e)(f"{e} ({', '.join(parts)})")
        named.row = row  # type: ignore[attr-defined]
        named.index_label = label  # type: ignore[attr-defined]
        raise named from None


def _index_label(column: Any, row: int) -> Any:
    """The pandas index label of ``row`` when the index is not the positions 0..n-1, else None."""
    index = getattr(column, "index", None)
    if index is None or not type(column).__module__.startswith("pandas"):
        return None
    import pandas as pd

    positional = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    if positional or not 0 <= row < len(index):
        return None
    label = index[row]
    return label.item() if isinstance(label, np.generic) else label


def _row_error(message: str, row: int) -> InvalidInputError:
    """An InvalidInputError about ``row`` (which ``rows_named`` names as the caller's row)."""
    e = InvalidInputError(message)
    e.row = row  # type: ignore[attr-defined]
    return e


def stage_labels(codes: np.ndarray) -> np.ndarray:
    return np.array(STAGES, dtype=object)[codes]


def _series_to_numpy(values: Any) -> np.ndarray:
    """A pandas/polars Series (or anything array-like) as an aligned numpy array; datetimes as
    datetime64. Buffers unpickled by Dask workers can be misaligned: those are copied once."""
    a = _unaligned_to_numpy(values)
    if not a.flags.aligned:
        a = a.copy()
    return a


def _unaligned_to_numpy(values: Any) -> np.ndarray:
    module = type(values).__module__
    if module.startswith("pandas"):
        import pandas as pd

        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        if isinstance(values.dtype, pd.CategoricalDtype):
            return values.astype(str).to_numpy()
        if pd.api.types.is_extension_array_dtype(values.dtype) and values.dtype.kind in "iuf":
            if values.isna().any():
                return values.to_numpy(dtype="float64", na_value=np.nan)
            return values.to_numpy(dtype=values.dtype.numpy_dtype)
        if values.dtype == "string":
            return values.to_numpy(dtype=object)
        return values.to_numpy()
    if module.startswith("polars"):
        import polars as pl

        if values.dtype == pl.Categorical or values.dtype == pl.Enum:
            values = values.cast(pl.Utf8)
        if isinstance(values.dtype, pl.Datetime) and values.dtype.time_zone is not None:
            values = values.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        if values.dtype.is_numeric() and values.null_count() > 0:
            return values.cast(pl.Float64).fill_null(float("nan")).to_numpy()
        return values.to_numpy()
    return np.asarray(values)


def _no_missing(values: Any, name: str) -> None:
    """A pandas or polars column with missing entries (NA, None) where every row needs a value."""
    module = type(values).__module__
    if module.startswith("pandas") or module.startswith("polars"):
        missing = values.isna() if module.startswith("pandas") else values.is_null()
        if missing.any():
            row = int(np.argmax(np.asarray(missing)))
            raise _row_error(f"invalid {name} at row {row}: missing (every row needs one)", row)


def ids(values: Any, name: str = "customer") -> np.ndarray:
    """Customer ids as uint64 (int64 accepted when non-negative)."""
    _no_missing(values, name)
    a = _series_to_numpy(values)
    if a.size == 0:
        return np.zeros(0, dtype=np.uint64)
    if a.dtype == np.uint64:
        return np.ascontiguousarray(a)
    if a.dtype.kind == "u":
        return a.astype(np.uint64)
    if a.dtype.kind == "i":
        if a.size and a.min() < 0:
            row = int(np.argmax(a < 0))
            raise _row_error(f"invalid {name} at row {row}: {a[row]} (customer ids must not be negative)", row)
        if a.dtype == np.int64:
            return np.ascontiguousarray(a).view(np.uint64)   # non-negative: the same bits, no copy
        return a.astype(np.uint64)
    raise TypeError(f"column {name} must hold integer customer ids, got dtype {a.dtype}")


def seconds(value: Any, name: str = "time") -> np.ndarray:
    """Times as int64 Unix seconds: integers as given, datetime64/Timestamps converted (floored to the second)."""
    _no_missing(value, name)
    a = _series_to_numpy(value)
    if a.size == 0:
        return np.zeros(0, dtype=np.int64)
    if a.dtype == np.int64:
        return np.ascontiguousarray(a)
    if a.dtype.kind in "iu":
        return a.astype(np.int64)
    if a.dtype.kind == "M":
        if np.isnat(a).any():
            row = int(np.argmax(np.isnat(a)))
            raise _row_error(f"invalid {name} at row {row}: NaT (times must be set)", row)
        return a.astype("datetime64[s]").astype(np.int64)
    if a.dtype == object and a.size and isinstance(a[0], (_dt.datetime, _dt.date)):
        return seconds(np.array(a, dtype="datetime64[s]"), name)
    if a.dtype.kind in "UO" and a.size and isinstance(a[0], str):
        out = np.empty(a.size, dtype=np.int64)
        for i, x in enumerate(a):
            try:
                out[i] = _parse_time(str(x), f"{name} at row {i}")
            except InvalidInputError as e:
                raise _row_error(str(e), i) from None
        return out
    raise TypeError(f"column {name} must hold Unix seconds (integers), datetimes or ISO date strings, "
                    f"got dtype {a.dtype}")


def _parse_time(text: str, name: str) -> int:
    """An ISO 8601 date or time (naive = UTC) as Unix seconds."""
    try:
        when = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"invalid {name}: {text!r} is not an ISO date or time "
                                "(such as '2024-03-01' or '2024-03-01T12:00:00+01:00')") from None
    return instant(when, name)


def instant(value: Any, name: str = "as_of") -> int:
    """One time as Unix seconds: an int, a datetime (naive = UTC), a numpy datetime64, a pandas Timestamp
    or an ISO date string ('2024-03-01', '2024-03-01T12:00:00+01:00')."""
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str):
        return _parse_time(value, name)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return int(value.timestamp() // 1)
    if isinstance(value, _dt.date):
        return instant(_dt.datetime(value.year, value.month, value.day), name)
    if isinstance(value, np.datetime64):
        return int(value.astype("datetime64[s]").astype(np.int64))
    raise TypeError(f"{name} must be Unix seconds (int), a datetime or an ISO date string, got {type(value).__name__}")


def codes(values: Any, name: str, to_codes: Any, aliases: Optional[Mapping[str, str]] = None) -> np.ndarray:
    """Enum codes as uint8: integer codes as given, labels (str or categorical) mapped by the engine."""
    a = _series_to_numpy(values)
    if a.size == 0:
        return np.zeros(0, dtype=np.uint8)
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    if a.dtype.kind in "iu":
        if a.size and (a.min() < 0 or a.max() > 255):
            row = int(np.argmax((a < 0) | (a > 255)))
            raise _row_error(f"invalid {name} at row {row}: {a[row]} (not a code)", row)
        return a.astype(np.uint8)
    if a.dtype.kind in "UO":
        labels = [str(x) for x in a]
        if aliases is None:
            return to_codes(labels)
        return to_codes(labels, aliases)
    raise TypeError(f"column {name} must hold codes (integers) or labels (strings), got dtype {a.dtype}")


def floats(values: Any, name: str, dtype: Any = np.float64) -> np.ndarray:
    """A column of numbers (a single number is a column of one)."""
    a = _series_to_numpy(values)
    if a.ndim == 0:
        a = a.reshape(1)
    elif a.ndim > 1:
        raise TypeError(f"column {name} must be one-dimensional, got an array of shape {a.shape}")
    if a.dtype == dtype:
        return np.ascontiguousarray(a)
    if a.dtype.kind in "iuf":
        return a.astype(dtype)
    if a.dtype.kind == "O" and all(x is None or (isinstance(x, (int, float, np.number)) and not isinstance(x, bool))
                                   for x in a):
        # A list with None for "no value" (a rating not given): None is NaN, which each column then
        # treats as its docs say (no rating; an error for money).
        return np.array([np.nan if x is None else x for x in a], dtype=dtype)
    raise TypeError(f"column {name} must hold numbers, got dtype {a.dtype}")


def scales(values: Any) -> np.ndarray:
    """Rating-scale codes: labels (``"nps"``, ``"csat"``, ``"ces"``) or codes. A missing value (None, NaN,
    pandas' NA) is a missing scale, which the engine accepts on a row without a rating and refuses on a row
    with one; ratings without a scale column are refused (``values`` None: an empty column)."""
    if values is None:
        return np.zeros(0, dtype=np.uint8)
    a = _series_to_numpy(values)
    if a.dtype.kind in "UO":
        # None, NaN, and pandas' NA of nullable string columns (Dask and Arrow give those).
        return _native.rating_scale_codes([None if _missing(x) else str(x) for x in a])
    if a.dtype.kind == "f":
        a = np.where(np.isnan(a), _native.MISSING_RATING_SCALE, a).astype(np.int64)
    return codes(a, "rating_scale", None)


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x)) or type(x).__name__ == "NAType"


def touchpoints(customer: Any, time: Any, channel: Any, kind: Any, value: Any = None, rating: Any = None,
                rating_scale: Any = None, *, channel_aliases: Optional[Mapping[str, str]] = None,
                kind_aliases: Optional[Mapping[str, str]] = None) -> Any:
    """The native touchpoint columns (a dict by name): the one input every native touchpoint function takes."""
    r = None if rating is None else floats(rating, "rating", np.float32)
    return {"customer": ids(customer), "time": seconds(time),
            "channel": codes(channel, "channel", _native.channel_codes, channel_aliases),
            "kind": codes(kind, "kind", _native.kind_codes, kind_aliases),
            "value": None if value is None else floats(value, "value"),
            "rating": r, "rating_scale": None if r is None else scales(rating_scale)}


def frame_touchpoints(df: Any, customer: str, time: str, channel: str, kind: str, value: str, rating: str,
                      rating_scale: str) -> Tuple[Any, ...]:
    """The touchpoint columns of a pandas or polars DataFrame by their names (``value``, ``rating``
    and ``rating_scale`` optional), in the order ``touchpoints`` takes them."""
    names = set(df.columns)
    missing = [c for c in (customer, time, channel, kind) if c not in names]
    if missing:
        raise KeyError(f"DataFrame has no column {missing[0]!r}")
    return tuple(df[c] if c in names else None for c in (customer, time, channel, kind, value, rating, rating_scale))


def transactions(customer: Any, time: Any, value: Any = None) -> Any:
    """The native transaction columns (a dict by name)."""
    return {"customer": ids(customer), "time": seconds(time),
            "value": None if value is None else floats(value, "value")}


def stage_history(customer: Any, stage: Any, entered_at: Any, customer_name: str = "customer") -> Any:
    """The native columns of a stage history (a dict by name; stages as labels or codes)."""
    return {"customer": ids(customer, customer_name), "stage": codes(stage, "stage", _native.stage_codes),
            "entered_at": seconds(entered_at, "entered_at")}
