"""Columnar in and out: numpy dtypes and layouts, pandas and polars DataFrames, datetimes."""

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pytest

import engagement

DAY = 86_400


def frame_data():
    return {
        "customer": [1, 1, 2, 3],
        "time": [0, DAY, 0, 2 * DAY],
        "channel": ["web", "store", "email", "mobile_app"],
        "kind": ["purchase", "purchase", "click", "visit"],
        "value": [10.0, 5.0, 0.0, 0.0],
        "rating": [np.nan, np.nan, 9.0, np.nan],
        "rating_scale": [None, None, "nps", None],
    }


def test_outputs_are_numpy_with_native_dtypes():
    store = engagement.ProfileStore()
    store.push(**{k: v for k, v in frame_data().items()})
    s = store.scores(3 * DAY)
    assert s["customer"].dtype == np.uint64 and s["total"].dtype == np.float64
    st = store.stages(3 * DAY)
    assert st["stage_code"].dtype == np.uint8
    assert list(st["stage"]) == ["repeat", "engaged", "engaged"]


def test_non_contiguous_and_other_integer_dtypes_are_accepted():
    customer = np.array([1, 0, 1, 0, 2, 0], dtype=np.int64)[::2]  # strided view
    assert not customer.flags["C_CONTIGUOUS"]
    store = engagement.ProfileStore()
    store.push(customer, np.array([0, 5, 9], dtype=np.int32), np.array([1, 1, 1], dtype=np.int16), ["visit"] * 3)
    assert store.customers().tolist() == [1, 2]


def test_datetimes_are_seconds():
    store = engagement.ProfileStore()
    times = np.array(["2024-01-01T00:00:00", "2024-01-02T12:00:00"], dtype="datetime64[ns]")
    store.push([1, 1], times, ["web", "web"], ["purchase", "purchase"], value=[1.0, 2.0])
    p = store.profile(1)
    assert p["first_touch"] == 1_704_067_200 and p["last_touch"] == 1_704_067_200 + DAY + DAY // 2
    assert store.scores(dt.datetime(2024, 1, 3))["customer"].tolist() == [1]
    assert store.scores(np.datetime64("2024-01-03"))["customer"].tolist() == [1]


def test_pandas_frame_in_and_out():
    df = pd.DataFrame(frame_data())
    df["time"] = pd.to_datetime(df["time"], unit="s", utc=True)  # tz-aware
    df["channel"] = df["channel"].astype("category")
    df["rating"] = df["rating"].astype("Float64")  # nullable
    out = engagement.customer_frame(df, as_of=pd.Timestamp(3 * DAY, unit="s"))
    assert isinstance(out, pd.DataFrame)
    assert out["customer"].tolist() == [1, 2, 3]
    assert out["stage"].tolist() == ["repeat", "engaged", "engaged"]
    assert out["revenue"].tolist() == [15.0, 0.0, 0.0]


def test_polars_frame_in_and_out():
    df = pl.DataFrame(frame_data()).with_columns(pl.col("channel").cast(pl.Categorical))
    out = engagement.customer_frame(df, as_of=3 * DAY)
    assert isinstance(out, pl.DataFrame)
    assert out["customer"].to_list() == [1, 2, 3]
    assert out["stage"].to_list() == ["repeat", "engaged", "engaged"]


def test_frames_agree_with_numpy():
    data = frame_data()
    store = engagement.ProfileStore()
    store.push(**data)
    direct = store.scores(3 * DAY)["total"]
    via_frame = engagement.customer_frame(pd.DataFrame(data), as_of=3 * DAY)["total"].to_numpy()
    assert np.array_equal(direct, via_frame)


def test_missing_frame_column():
    with pytest.raises(KeyError, match="kind"):
        engagement.ProfileStore().push_frame(pd.DataFrame({"customer": [1], "time": [0], "channel": ["web"]}))


def test_to_frame_backends():
    cols = {"customer": np.array([1, 2], dtype=np.uint64), "stage": np.array(["a", "b"], dtype=object)}
    assert engagement.to_frame(cols, "polars").shape == (2, 2)
    with pytest.raises(ValueError):
        engagement.to_frame(cols, "spark")


def test_native_dtypes_are_passed_without_a_copy():
    from engagement import _convert as cv

    a = np.arange(5, dtype=np.uint64)
    assert np.shares_memory(cv.ids(a), a)
    t = np.arange(5, dtype=np.int64)
    assert np.shares_memory(cv.seconds(t), t)
    c = np.arange(5, dtype=np.uint8)
    assert np.shares_memory(cv.codes(c, "channel", None), c)
    v = np.arange(5, dtype=np.float64)
    assert np.shares_memory(cv.floats(v, "value"), v)
    # Other dtypes are converted once (a copy).
    assert not np.shares_memory(cv.ids(a.astype(np.int64)), a)
