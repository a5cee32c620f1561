"""DataFrames and notebook display of results: the shapes every result shares.

Results build their tables as pandas DataFrames (pandas is a dependency) and hand them to
``frame``, which returns them as they are or as polars DataFrames (the pandas index becoming the
first columns). Durations in seconds become timedeltas (``timedelta64[s]``, finer when a value
has a fraction of a second; ``pl.Duration`` in polars), instants datetimes (``datetime64[s]``).
``Display`` gives a result its ``_repr_html_``: a header line (what it is, its unit, a fit's
log-likelihood and convergence) above a compact table of ``to_frame()``.

>>> import numpy as np
>>> from engagement import _display
>>> d = _display.durations([90, None, 0.5])
>>> d.dtype, (d / np.timedelta64(1, "s")).tolist()
(dtype('<m8[ns]'), [90.0, nan, 0.5])
>>> _display.durations([60, 120]).dtype
dtype('<m8[s]')
"""

from __future__ import annotations

import dataclasses
import html as _html
import math
import typing
from typing import Any, Dict, Iterable, List, Mapping, Optional

import numpy as np

BACKENDS = ("pandas", "polars")
ROWS = 8        # rows a notebook table shows before saying how many are left out
COLUMNS = 12    # columns likewise


def frame(df: Any, backend: str = "pandas") -> Any:
    """A pandas DataFrame as the ``backend`` asks: itself for ``"pandas"``; for ``"polars"`` a polars
    DataFrame with the index as leading columns, column labels as text and NaN kept (not null)."""
    if backend == "pandas":
        return df
    if backend == "polars":
        import pandas as pd
        import polars as pl

        if not (isinstance(df.index, pd.RangeIndex) and df.index.name is None):
            df = df.reset_index()
        df = df.copy(deep=False)
        df.columns = [str(c) for c in df.columns]
        return pl.from_pandas(df, nan_to_null=False)
    raise ValueError(f"backend must be 'pandas' or 'polars', got {backend!r}")


def check_backend(backend: str) -> None:
    """Refuses an unknown backend before any work is done."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be 'pandas' or 'polars', got {backend!r}")


def unknown(what: str, value: Any, allowed: Iterable[str]) -> ValueError:
    """The error of a section (or metric) that does not exist, naming those that do."""
    names = ", ".join(repr(a) for a in allowed)
    return ValueError(f"{what} must be one of {names}, got {value!r}")


def floats(values: Iterable[Any]) -> np.ndarray:
    """Numbers as float64, None as NaN."""
    return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)


def durations(values: Iterable[Any]) -> np.ndarray:
    """Seconds (None or NaN: missing) as a timedelta array: ``timedelta64[s]`` when every value is
    whole, else ``timedelta64[ns]`` so that no fraction is lost."""
    a = floats(values)
    known = np.isfinite(a)
    whole = bool(np.all(a[known] == np.round(a[known])))
    unit, scale = ("s", 1.0) if whole else ("ns", 1e9)
    out = np.full(a.shape, np.timedelta64("NaT"), dtype=f"timedelta64[{unit}]")
    out[known] = np.round(a[known] * scale).astype(np.int64).astype(f"timedelta64[{unit}]")
    return out


def instants(values: Iterable[Any]) -> np.ndarray:
    """Unix seconds as ``datetime64[s]`` (UTC)."""
    return np.asarray(values, dtype=np.int64).astype("datetime64[s]")


def flat(obj: Any, prefix: str = "") -> Dict[str, Any]:
    """The scalar numbers (and labels) of a dataclass result, in field order: a nested result's
    as ``<field>_<name>`` (NaN when it is None), an interval ``(low, high)`` as ``<field>_low`` and
    ``<field>_high``. Lists, arrays and dicts are left to the result's own sections."""
    out: Dict[str, Any] = {}
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        if f.name.startswith("_") or not f.repr and not f.compare:
            continue
        name, value = prefix + f.name, getattr(obj, f.name)
        nested = _nested_type(hints.get(f.name))
        if dataclasses.is_dataclass(value):
            out.update(flat(value, name + "_"))
        elif value is None and nested is not None:
            out.update({k: np.nan for k in _field_names(nested, name + "_")})
        elif isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
            out[name + "_low"], out[name + "_high"] = value
        elif isinstance(value, (list, tuple, dict, np.ndarray)):
            continue
        else:
            out[name] = np.nan if value is None and _is_number(hints.get(f.name)) else value
    return out


def _nested_type(hint: Any) -> Optional[type]:
    """The dataclass an ``Optional[<dataclass>]`` field holds, else None."""
    for arg in typing.get_args(hint) or (hint,):
        if isinstance(arg, type) and dataclasses.is_dataclass(arg):
            return arg
    return None


def _is_number(hint: Any) -> bool:
    return any(a in (float, int) for a in typing.get_args(hint) or (hint,))


def _field_names(cls: type, prefix: str) -> List[str]:
    hints = typing.get_type_hints(cls)
    names: List[str] = []
    for f in dataclasses.fields(cls):
        nested = _nested_type(hints.get(f.name))
        if nested is not None:
            names += _field_names(nested, prefix + f.name + "_")
        elif typing.get_origin(hints.get(f.name)) in (tuple, typing.Tuple) and f.name.endswith("interval"):
            names += [prefix + f.name + "_low", prefix + f.name + "_high"]
        elif typing.get_origin(hints.get(f.name)) not in (list, dict, tuple) and hints.get(f.name) is not np.ndarray:
            names.append(prefix + f.name)
    return names


def one_row(obj: Any, backend: str = "pandas") -> Any:
    """A scalar result (``flat``) as a one-row DataFrame."""
    import pandas as pd

    check_backend(backend)
    return frame(pd.DataFrame([flat(obj)]), backend)


def number(x: Any) -> str:
    """A number in four significant digits for a one-line repr (``nan`` and ``None`` as such)."""
    if x is None:
        return "None"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    return "nan" if math.isnan(x) else f"{x:.4g}"


def numbers(values: Iterable[Any], shown: int = 6) -> str:
    """The first ``shown`` numbers of a sequence, ``…`` when there are more."""
    values = list(values)
    text = ", ".join(number(v) for v in values[:shown])
    return f"[{text}{', …' if len(values) > shown else ''}]"


def level(x: Optional[float]) -> str:
    """A confidence level as a percentage (``95%``)."""
    return "?" if x is None else f"{100 * float(x):g}%"


def table(df: Any, rows: int = ROWS) -> str:
    """A compact HTML table of a pandas DataFrame: a one-row frame turned into field/value rows,
    otherwise the first ``rows`` rows and the count of those left out."""
    import pandas as pd

    if len(df) == 1 and df.shape[1] > 3:
        df = pd.DataFrame({"value": df.iloc[0].astype(object)}, index=df.columns.astype(str))
    shown = df.head(rows).to_html(max_cols=COLUMNS, float_format=lambda v: f"{v:.6g}", border=0, na_rep="NaN")
    left = len(df) - min(len(df), rows)
    more = f"<p style=\"margin:0\">… {left} more row{'s' if left != 1 else ''} ({len(df)} in all)</p>" if left else ""
    return shown + more


def html(title: str, body: Any, notes: Iterable[str] = ()) -> str:
    """A header line (``title``, then ``notes`` separated by ``·``) above ``body``: a pandas
    DataFrame (shown compactly) or HTML already made."""
    head = " · ".join([f"<b>{_html.escape(title, quote=False)}</b>"] + [_html.escape(n, quote=False) for n in notes if n])
    content = body if isinstance(body, str) else table(body)
    return f"<div class=\"engagement-result\"><p style=\"margin:0\">{head}</p>{content}</div>"


class Display:
    """Gives a result with ``to_frame`` its notebook display: ``_header()`` (the title and the
    notes: unit, level, fit) above a compact table of ``to_frame()``."""

    def _header(self) -> List[str]:
        return [type(self).__name__]

    def _repr_html_(self) -> str:
        title, *notes = self._header()
        return html(title, self.to_frame(), notes)  # type: ignore[attr-defined]


def sections_html(header: List[str], parts: Mapping[str, Any]) -> str:
    """A header line above several titled compact tables (a result of several sections)."""
    title, *notes = header
    body = "".join(f"<p style=\"margin:4px 0 0 0\"><i>{_html.escape(name, quote=False)}</i></p>{table(df)}"
                   for name, df in parts.items() if df is not None and len(df))
    return html(title, body, notes)
