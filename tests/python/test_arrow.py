"""Arrow in and out from Python: pyarrow, polars and DuckDB data go in through the PyCapsule
interface without a copy for native types (the addresses of the buffers the engine reads are the
producer's), labels and other types are converted to the same touchpoints, results come back as
Arrow that pyarrow, polars and DuckDB read, and bad data is refused naming the column."""

import pathlib

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import engagement
from engagement import _engagement as native

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample():
    return pd.read_csv(ROOT / "data/sample/touchpoints.csv")


def native_table(df):
    """The sample with native types: uint64 ids, int64 seconds, uint8 codes, float64 value."""
    channels = {c: i for i, c in enumerate(engagement.CHANNELS)}
    kinds = {k: i for i, k in enumerate(engagement.KINDS)}
    scales = {s: i for i, s in enumerate(engagement.RATING_SCALES)}
    return pa.table({
        "customer": pa.array(df["customer"].to_numpy(np.uint64)),
        "time": pa.array(df["time"].to_numpy(np.int64)),
        "channel": pa.array(df["channel"].map(channels).to_numpy(np.uint8)),
        "kind": pa.array(df["kind"].map(kinds).to_numpy(np.uint8)),
        "value": pa.array(df["value"].to_numpy(np.float64)),
        "rating": pa.array(df["rating"].to_numpy(np.float32), from_pandas=False),
        "rating_scale": pa.array(df["rating_scale"].map(scales).fillna(255).to_numpy(np.uint8)),
    })


def data_address(column):
    chunks = column.chunks if hasattr(column, "chunks") else [column]
    assert len(chunks) == 1
    return chunks[0].buffers()[1].address


def test_pyarrow_native_types_are_read_without_a_copy(sample):
    table = native_table(sample)
    for data in (table, table.to_batches()[0]):
        got = native.arrow_touchpoint_addresses(data)
        assert got["copied"] == []
        for name in ("customer", "time", "channel", "kind", "value"):
            assert got[name] == data_address(data.column(name)), name


def test_polars_native_types_are_read_without_a_copy(sample):
    df = pl.from_arrow(native_table(sample))
    got = native.arrow_touchpoint_addresses(df)
    assert got["copied"] == []
    exported = df.to_arrow()
    for name in ("customer", "time", "value"):
        assert got[name] == data_address(exported.column(name)), name


def test_duckdb_native_types_are_read_without_conversion(sample):
    frame = native_table(sample)
    rel = duckdb.sql("select * from frame")
    got = native.arrow_touchpoint_addresses(rel)
    assert got["copied"] == []


def test_every_producer_gives_the_same_store_as_numpy(sample):
    expected = engagement.ProfileStore()
    expected.push_frame(sample)
    table = native_table(sample)
    labelled = pa.Table.from_pandas(sample, preserve_index=False)
    import pyarrow.csv as pacsv
    producers = {
        "pyarrow csv (empty cells as empty strings)": pacsv.read_csv(ROOT / "data/sample/touchpoints.csv"),
        "pyarrow native": table,
        "pyarrow labels": labelled,
        "pyarrow dictionary labels": labelled.set_column(
            2, "channel", labelled.column("channel").dictionary_encode()),
        "pyarrow stream of batches": pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=997)),
        "polars": pl.from_pandas(sample),
        "duckdb": duckdb.sql("select * from labelled"),
        "pandas": sample,
    }
    for name, data in producers.items():
        store = engagement.ProfileStore()
        store.push_arrow(data)
        assert store.profiles() == expected.profiles(), name


def test_journey_state_from_arrow_equals_from_columns(sample):
    config = {"loyalty": {}, "paths": {"lookback": 14 * 86_400}}
    a, b = engagement.JourneyState(config), engagement.JourneyState(config)
    a.push_frame(sample)
    b.push_arrow(pl.from_pandas(sample))
    assert a.to_bytes() == b.to_bytes()


def test_results_come_back_as_arrow_that_pyarrow_polars_and_duckdb_read(sample):
    state = engagement.JourneyState({"stages": {}, "loyalty": {}, "paths": {"lookback": 14 * 86_400},
                                     "funnel": {"steps": [{"name": "visit", "kinds": ["visit"]},
                                                          {"name": "buy", "kinds": ["purchase"]}]}})
    state.push_frame(sample)
    as_of = int(sample["time"].max())
    accounts = state.to_arrow("loyalty_accounts", as_of=as_of)
    t = pa.table(accounts)
    report = state.loyalty(as_of)
    assert t["customer"].to_pylist() == list(report["accounts"]["customer"])
    assert t["balance"].to_pylist() == list(report["accounts"]["balance"])
    assert t["tier"].to_pylist() == report["accounts"]["tier"]
    assert pa.types.is_dictionary(t.schema.field("tier").type)
    df = pl.DataFrame(state.to_arrow("loyalty_accounts", as_of=as_of))
    assert df["balance"].to_list() == t["balance"].to_pylist()
    funnel = state.to_arrow("funnel")
    assert duckdb.sql("select customers from funnel").fetchall() == [(int(c),) for c in state.funnel().customers]
    history = pa.table(state.to_arrow("stage_history", as_of=as_of))
    assert history["stage"].to_pylist() == list(state.stage_history(as_of)["stage"])
    credits = pa.table(state.to_arrow("attribution", rule="linear"))
    linear = state.attribute("linear")
    assert credits["channel"].to_pylist() == linear.channels
    np.testing.assert_array_equal(credits["conversions"].to_numpy(), linear.conversions)
    assert len(accounts) == t.num_rows and "balance" in accounts.column_names


def test_bad_arrow_data_is_refused_naming_the_column():
    ok = {"customer": pa.array([1], pa.uint64()), "time": [0], "channel": ["web"], "kind": ["visit"]}
    store = engagement.ProfileStore()
    with pytest.raises(engagement.InvalidInputError, match="needs customer, time, channel, kind"):
        store.push_arrow(pa.table({k: v for k, v in ok.items() if k != "time"}))
    with pytest.raises(engagement.InvalidInputError, match="int64 Unix seconds"):
        store.push_arrow(pa.table({**ok, "time": [0.5]}))
    with pytest.raises(engagement.InvalidInputError, match="row 1"):
        store.push_arrow(pa.table({**{k: v * 2 for k, v in ok.items() if k != "customer"},
                                   "customer": pa.array([1, 2], pa.uint64()), "channel": ["web", None]}))
    with pytest.raises(engagement.UnknownLabelError, match="fax"):
        store.push_arrow(pa.table({**ok, "channel": ["fax"]}))
    with pytest.raises(TypeError, match="__arrow_c_stream__"):
        store.push_arrow({"customer": [1]})
    with pytest.raises(TypeError, match="not a single column"):
        store.push_arrow(pa.chunked_array([[1, 2]], pa.uint64()))
    with pytest.raises(TypeError, match="struct type"):
        store.push_arrow(pa.array([1, 2], pa.uint64()))
    assert len(store) == 0
    state = engagement.JourneyState({"loyalty": {}})
    with pytest.raises(engagement.UnknownLabelError, match="stage_history, loyalty_accounts"):
        state.to_arrow("accounts", as_of=0)
    with pytest.raises(engagement.ConfigError, match="as_of"):
        state.to_arrow("loyalty_accounts")
