"""The profile store: touchpoints pushed into customer profiles, and what is read from them."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from . import _convert as cv
from . import _engagement as _native
from ._convert import Columns
from ._metrics import _rfm_labels
from ._results import NpsSummary, Proportion, PurchaseSummary
from ._segments import SegmentSet


class ProfileStore:
    """Customer profiles that touchpoints are pushed into (exact, order-free, mergeable).

    ``config`` is a score configuration (dict or JSON: ``signals``, ``saturation``, ``mix``);
    ``None`` means the defaults.

    >>> import engagement
    >>> store = engagement.ProfileStore()
    >>> store.push(customer=[1, 1, 2], time=[0, 86_400, 0], channel=["web", "store", "email"],
    ...            kind=["purchase", "purchase", "click"], value=[30.0, 12.5, 0.0])
    >>> len(store)
    2
    >>> list(store.stages(as_of=2 * 86_400)["stage"])
    ['repeat', 'engaged']
    """

    def __init__(self, config: Any = None) -> None:
        self._native = _native.NativeStore(config)

    @classmethod
    def _from_native(cls, native: Any) -> "ProfileStore":
        store = cls.__new__(cls)
        store._native = native
        return store

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return f"ProfileStore({len(self)} customers)"

    def latest_time(self) -> Optional[int]:
        """The latest touchpoint time of any customer, in Unix seconds (``None`` for an empty store):
        the ``as_of`` of a morning report after loading the store, without keeping the export.

        >>> import engagement
        >>> store = engagement.ProfileStore()
        >>> store.latest_time() is None
        True
        >>> store.push([1, 2], [86_400, 10], ["web", "email"], ["purchase", "click"], value=[5.0, 0.0])
        >>> store.latest_time()
        86400
        """
        return self._native.latest_time()

    def to_bytes(self) -> bytes:
        """The saved form: every profile with the signal and score configuration, versioned and checksummed.

        ``ProfileStore.from_bytes`` gives back an equal store, so a nightly job keeps yesterday's store
        instead of replaying the history: a store saved, loaded and pushed the next day's touchpoints
        equals one pushed everything. Pickling a store uses this form.

        >>> import engagement
        >>> store = engagement.ProfileStore({"signals": {"half_life_days": 14}})
        >>> store.push([1, 2], [0, 10], ["web", "email"], ["purchase", "click"], value=[20.0, 0.0])
        >>> saved = store.to_bytes()
        >>> saved[:4]
        b'ENGS'
        >>> tomorrow = engagement.ProfileStore.from_bytes(saved)
        >>> tomorrow.push([2], [86_400], ["web"], ["purchase"], value=[35.0])
        >>> tomorrow.profile(2)["purchases"], len(tomorrow)
        (1, 2)
        """
        return self._native.to_bytes()

    @classmethod
    def from_bytes(cls, data: Any) -> "ProfileStore":
        """A store read from ``to_bytes``'s form (bytes, bytearray or memoryview), with its score configuration.

        Bytes that are truncated, altered, of another kind or of a newer format version raise
        ``CorruptError`` and build nothing; forms saved by earlier versions of the library load.

        >>> import engagement
        >>> saved = engagement.ProfileStore().to_bytes()
        >>> len(engagement.ProfileStore.from_bytes(saved))
        0
        >>> engagement.ProfileStore.from_bytes(saved[:-1])
        Traceback (most recent call last):
        ...
        engagement.CorruptError: corrupt saved state: the header announces ... payload bytes, ... follow (truncated or padded; restore an earlier copy or rebuild from the source data)
        """
        return cls._from_native(_native.NativeStore.from_bytes(bytes(data)))

    def save(self, path: Any) -> None:
        """Saves the store to the file at ``path`` (str or ``os.PathLike``), in ``to_bytes``'s form.

        The file is written under a temporary name beside it and renamed over ``path``, so a crash
        while saving leaves the previous file whole. ``StorageError`` names the file when it
        cannot be written.

        >>> import engagement, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "store.engs")
        >>> store = engagement.ProfileStore()
        >>> store.push([7], [0], ["web"], ["purchase"], value=[12.5])
        >>> store.save(path)
        >>> engagement.ProfileStore.load(path).profile(7)["revenue"]
        12.5
        """
        self._native.save(path)

    @classmethod
    def load(cls, path: Any) -> "ProfileStore":
        """A store loaded from a file written by ``save`` (``StorageError`` when it cannot be read,
        ``CorruptError`` when it is damaged); see ``save``.

        >>> import engagement
        >>> engagement.ProfileStore.load("/no/such/store.engs")
        Traceback (most recent call last):
        ...
        engagement.StorageError: cannot read /no/such/store.engs: No such file or directory (os error 2)
        """
        return cls._from_native(_native.NativeStore.load(path))

    def __reduce__(self) -> Any:
        return (ProfileStore.from_bytes, (self.to_bytes(),))

    def push(self, customer: Any, time: Any, channel: Any, kind: Any, value: Any = None, rating: Any = None,
             rating_scale: Any = None, *, channel_aliases: Optional[Mapping[str, str]] = None,
             kind_aliases: Optional[Mapping[str, str]] = None) -> None:
        """Adds touchpoints given as columns (numpy arrays, Series or sequences).

        ``time`` is Unix seconds or datetimes; ``channel`` and ``kind`` are labels or codes (with
        optional alias maps for a CRM's own labels); ``rating`` is NaN where absent, and comes with
        ``rating_scale`` (``"nps"``, ``"csat"``, ``"ces"`` or codes; missing where there is no rating).
        Ratings without a scale are refused (InvalidInputError naming ``rating_scale``), as in every
        face of the engine: a rating is never read on a guessed scale.
        Columns with the native dtypes (uint64, int64, uint8, float64, float32) are read without a
        copy; they must not be modified by another thread during the call (the GIL is released). All
        rows are checked before any is applied.

        >>> import engagement
        >>> store = engagement.ProfileStore()
        >>> store.push([7], [0], ["newsletter"], ["open"], channel_aliases={"newsletter": "email"})
        >>> store.profile(7)["channel_counts"]
        {'email': 1}
        """
        with cv.rows_named(customer):
            cols = cv.touchpoints(customer, time, channel, kind, value, rating, rating_scale,
                                  channel_aliases=channel_aliases, kind_aliases=kind_aliases)
            self._native.push(cols)

    def push_arrow(self, data: Any) -> None:
        """Adds the touchpoints of Arrow data: any object with ``__arrow_c_stream__`` or
        ``__arrow_c_array__`` (a pyarrow Table or RecordBatch, a polars DataFrame, a DuckDB relation,
        a nanoarrow array …), read through the Arrow C Data Interface rather than numpy.

        Columns by name: ``customer`` (uint64; int64, int32, uint32 read too), ``time`` (int64 Unix
        seconds or ``timestamp[s]``; finer timestamps and dates read too, rounded towards the
        past), ``channel`` and ``kind`` (uint8 codes, or labels as strings or a dictionary), and
        optionally ``value`` (float64; null is 0), ``rating`` (float32; null is no answer) and
        ``rating_scale`` (codes or labels; null is no scale); other columns are ignored. A single
        batch of the native types (uint64, int64 / timestamp[s], uint8, float64, float32) is read
        without a copy; labels, other types and streams of several batches are converted.

        >>> import engagement, pyarrow as pa
        >>> store = engagement.ProfileStore()
        >>> store.push_arrow(pa.table({"customer": pa.array([7, 7], pa.uint64()), "time": [0, 60],
        ...                            "channel": ["web", "web"], "kind": ["visit", "purchase"], "value": [0.0, 9.5]}))
        >>> store.profile(7)["revenue"]
        9.5
        """
        self._native.push_arrow(data)

    def push_frame(self, df: Any, *, customer: str = "customer", time: str = "time", channel: str = "channel",
                   kind: str = "kind", value: str = "value", rating: str = "rating",
                   rating_scale: str = "rating_scale") -> None:
        """Adds the touchpoints of a pandas or polars DataFrame with named columns.

        ``value``, ``rating`` and ``rating_scale`` are optional columns; ``rating_scale`` is needed as
        soon as a row has a rating (see ``push``).

        >>> import engagement, pandas as pd
        >>> df = pd.DataFrame({"customer": [1, 2], "time": pd.to_datetime(["2024-01-01", "2024-01-02"]),
        ...                    "channel": ["web", "mobile_app"], "kind": ["purchase", "visit"],
        ...                    "value": [9.5, 0.0]})
        >>> store = engagement.ProfileStore()
        >>> store.push_frame(df)
        >>> len(store)
        2
        """
        self.push(*cv.frame_touchpoints(df, customer, time, channel, kind, value, rating, rating_scale))

    def customers(self) -> np.ndarray:
        """Customer ids, ascending (uint64).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([5, 3], [0, 0], ["web", "web"], ["visit", "visit"])
        >>> s.customers().tolist()
        [3, 5]
        """
        return self._native.customers()

    def scores(self, as_of: Any) -> Columns:
        """Engagement scores (0–100) at ``as_of``: ``customer``, ``total`` and the four types.

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1], [0], ["email"], ["click"])
        >>> round(float(s.scores(as_of=0)["contextual"][0]), 4)
        24.2142
        """
        return self._native.scores(cv.instant(as_of))

    def stages(self, as_of: Any, config: Any = None) -> Columns:
        """Journey stages at ``as_of``: ``customer``, ``stage`` (labels) and ``stage_code``.

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1], [0], ["web"], ["purchase"], value=[5.0])
        >>> s.stages(as_of=200 * 86_400)["stage"].tolist()
        ['churned']
        """
        d = self._native.stages(cv.instant(as_of), config)
        d["stage_code"] = d["stage"]
        d["stage"] = cv.stage_labels(d["stage_code"])
        return d

    def profiles(self) -> List[Dict[str, Any]]:
        """Every profile summary (a list of dicts, ascending customer id).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1], [0], ["web"], ["purchase"], value=[5.0])
        >>> s.profiles()[0]["revenue"]
        5.0
        """
        return self._native.profiles()

    def profile(self, customer: int) -> Dict[str, Any]:
        """One customer's profile summary; ``UnknownIdError`` for an unknown id.

        >>> import engagement
        >>> engagement.ProfileStore().profile(1)
        Traceback (most recent call last):
        ...
        engagement.UnknownIdError: unknown customer id 1
        """
        return self._native.profile(int(customer))

    def merge(self, other: "ProfileStore") -> None:
        """Merges another store's profiles into this one (exact).

        >>> import engagement
        >>> a, b = engagement.ProfileStore(), engagement.ProfileStore()
        >>> a.push([1], [0], ["web"], ["purchase"], value=[1.0]); b.push([1], [9], ["web"], ["purchase"], value=[2.0])
        >>> a.merge(b); a.profile(1)["purchases"]
        2
        """
        self._native.merge(other._native)

    def add_customer(self, record: Mapping[str, Any]) -> None:
        """Registers a customer record (``id``, ``acquired_at``, ``acquisition_channel``, ``birthday`` …).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.add_customer({"id": 4, "acquired_at": 0, "acquisition_channel": "ads"})
        >>> s.profile(4)["acquisition_channel"]
        'ads'
        """
        self._native.add_customer(dict(record))

    def nps(self, level: Optional[float] = None) -> NpsSummary:
        """NPS over each customer's latest NPS answer.

        >>> import engagement
        >>> s = engagement.ProfileStore()
        >>> s.push([1, 2], [0, 0], ["email"] * 2, ["survey_response"] * 2, rating=[10, 3],
        ...        rating_scale=["nps"] * 2)
        >>> s.nps().score
        0.0
        """
        return NpsSummary._from(self._native.nps(level))

    def csat(self, level: Optional[float] = None) -> Proportion:
        """CSAT over each customer's latest CSAT answer.

        >>> import engagement
        >>> s = engagement.ProfileStore()
        >>> s.push([1, 2], [0, 0], ["chat"] * 2, ["survey_response"] * 2, rating=[5, 2], rating_scale=["csat"] * 2)
        >>> s.csat().rate
        0.5
        """
        return Proportion._from(self._native.csat(level))

    def repeat_purchase_rate(self, level: Optional[float] = None) -> Proportion:
        """Customers with two or more purchases among buyers, with a Wilson interval.

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1, 1, 2], [0, 1, 0], ["web"] * 3, ["purchase"] * 3)
        >>> s.repeat_purchase_rate().rate
        0.5
        """
        return Proportion._from(self._native.repeat_purchase_rate(level))

    def purchase_summary(self) -> PurchaseSummary:
        """Purchase totals, average order value and purchase frequency (see ``PurchaseSummary``).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1], [0], ["web"], ["purchase"], value=[12.0])
        >>> s.purchase_summary().revenue
        12.0
        """
        return PurchaseSummary._from(self._native.purchase_summary())

    def rfm(self, as_of: Any, config: Any = None, *, bins: Optional[str] = None) -> Columns:
        """RFM scores of every customer with a purchase: ``r``, ``f``, ``m``, ``code``, ``score``,
        ``segment`` (names) and ``bins``, the rule that made the scores (``bins=`` or ``config``:
        ``"customers"``, fifths of customers with ties together, the default; or
        ``"distinct_values"``; see ``engagement.rfm_scores``).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1], [0], ["web"], ["purchase"], value=[5.0])
        >>> s.rfm(as_of=86_400)["segment"].tolist()
        ['new_customers']
        """
        d = self._native.rfm(cv.instant(as_of), cv.with_options(config, "config", bins=bins))
        return _rfm_labels(d)

    def segments(self, segments: SegmentSet, as_of: Any, stage_config: Any = None, rfm_config: Any = None) -> Columns:
        """Segment membership over the standard features: ``customer``, ``names``, ``member`` (one bool
        array per segment) and ``primary`` (first segment in priority order, −1 for none).

        >>> import engagement
        >>> s = engagement.ProfileStore(); s.push([1, 2], [0, 0], ["web"] * 2, ["purchase", "click"], value=[600.0, 0.0])
        >>> m = s.segments(engagement.SegmentSet({"version": 1, "segments": [
        ...     {"name": "big", "rule": {"field": "revenue", "op": ">=", "value": 500}}]}), as_of=0)
        >>> m["member"][0].tolist(), m["primary"].tolist()
        ([True, False], [0, -1])
        """
        return self._native.segments(segments._native, cv.instant(as_of), stage_config, rfm_config)
