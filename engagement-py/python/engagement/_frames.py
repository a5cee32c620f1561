"""DataFrames out: per-customer columns and stores as pandas or polars DataFrames."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from . import _convert as cv
from ._store import ProfileStore


def to_frame(columns: Mapping[str, Any], backend: str = "pandas") -> Any:
    """Per-customer columns (a dict of equal-length arrays) as a pandas or polars DataFrame.

    >>> import engagement
    >>> engagement.to_frame({"customer": [1, 2], "total": [5.0, 7.5]}).shape
    (2, 2)
    >>> engagement.to_frame({"unit": "week", "frequency": [0.0, 2.0]}).attrs
    {'unit': 'week'}
    """
    # Columns are the array-like entries of the longest length; single values (such as a summary's
    # ``unit``) go to the pandas frame's ``attrs``, where the lifetime-value models read the unit.
    arrays = {k: v for k, v in columns.items() if hasattr(v, "__len__") and not isinstance(v, (str, bytes, dict))}
    n = max((len(v) for v in arrays.values()), default=0)
    cols = {k: v for k, v in arrays.items() if len(v) == n}
    scalars = {k: v for k, v in columns.items() if k not in arrays}
    if backend == "pandas":
        import pandas as pd

        frame = pd.DataFrame(cols)
        frame.attrs.update(scalars)
        return frame
    if backend == "polars":
        import polars as pl

        return pl.DataFrame({k: (list(v) if getattr(v, "dtype", None) == object else v) for k, v in cols.items()})
    raise ValueError(f"backend must be 'pandas' or 'polars', got {backend!r}")


def customer_frame(df: Any, as_of: Any, *, score_config: Any = None, stage_config: Any = None) -> Any:
    """DataFrame in, DataFrame out: the touchpoints of a pandas or polars DataFrame (columns customer,
    time, channel, kind, and optionally value, rating, rating_scale) to one row per customer with
    engagement scores, stage, purchases and revenue, in the same library as the input.

    >>> import engagement, pandas as pd
    >>> df = pd.DataFrame({"customer": [1, 1, 2], "time": [0, 86_400, 0], "channel": ["web", "web", "email"],
    ...                    "kind": ["purchase", "purchase", "click"], "value": [10.0, 5.0, 0.0]})
    >>> out = engagement.customer_frame(df, as_of=2 * 86_400)
    >>> out[["customer", "stage", "purchases", "revenue"]].values.tolist()
    [[1, 'repeat', 2, 15.0], [2, 'engaged', 0, 0.0]]
    """
    store = ProfileStore(score_config)
    store.push_frame(df)
    backend = "polars" if type(df).__module__.startswith("polars") else "pandas"
    return store_frame(store, as_of, stage_config=stage_config, backend=backend)


def store_frame(store: ProfileStore, as_of: Any, *, stage_config: Any = None, backend: str = "pandas") -> Any:
    """One row per customer of a store (``customer_frame``'s columns: engagement scores, stage,
    purchases, revenue), as a pandas or polars DataFrame.

    >>> import engagement
    >>> s = engagement.ProfileStore(); s.push([4], [0], ["web"], ["purchase"], value=[8.0])
    >>> engagement.store_frame(s, as_of=86_400)[["customer", "stage", "revenue"]].values.tolist()
    [[4, 'new_customer', 8.0]]
    """
    t = cv.instant(as_of)
    cols = dict(store.scores(t))
    stages = store.stages(t, stage_config)
    cols["stage"] = stages["stage"]
    profiles = store.profiles()
    cols["purchases"] = np.array([p["purchases"] for p in profiles], dtype=np.int64)
    cols["revenue"] = np.array([p["revenue"] for p in profiles], dtype=np.float64)
    return to_frame(cols, backend)
