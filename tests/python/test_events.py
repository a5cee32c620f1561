"""A product's own events in Python: labels from lists, numpy, pandas (object and categorical) and
polars columns give the same analysis; bad labels are refused naming the row and change nothing;
paths, sessions and event funnels agree with a plain pandas computation on a generated log."""

import numpy as np
import pandas as pd
import polars as pl
import pytest

import engagement


def _same(a, b):
    return (a.labels == b.labels and a.top_paths == b.top_paths and (a.paths, a.customers) == (b.paths, b.customers)
            and a.edges_frame().equals(b.edges_frame()) and np.array_equal(a.step_matrix, b.step_matrix))


def test_labels_from_every_container_give_the_same_paths():
    customer = [1, 1, 1, 2, 2]
    time = [0, 10, 10, 0, 5]
    labels = ["home", "search", "cart", "home", "ü"]
    base = engagement.paths(customer, time, events=labels)
    for events in (np.array(labels, dtype=object), pd.Series(labels), pd.Series(labels, dtype="category"),
                   pd.Series(pd.Categorical(labels, categories=["ü", "search", "home", "cart"])),
                   pl.Series(labels), pl.Series(labels, dtype=pl.Categorical)):
        assert _same(engagement.paths(customer, time, events=events), base), type(events)
    # Equal times: "cart" before "search" by their text, whatever the rows' order.
    assert base.top_paths[0] in (("home", "cart", "search"), ("home", "ü"))
    assert ("home", "cart", "search") in base.top_paths


def test_bad_labels_name_the_row_and_change_nothing():
    d = engagement.EventDictionary(["home"])
    for bad, row in ((["a", None], 1), (["a", float("nan")], 1), ([np.nan], 0)):
        with pytest.raises(engagement.InvalidInputError, match=f"at row {row}"):
            d.intern(bad)
        assert d.labels == ["home"]
    with pytest.raises(TypeError, match="row 1 is int"):
        d.intern(["a", 5])
    assert d.labels == ["home"]
    with pytest.raises(engagement.InvalidInputError, match="at row 2"):
        engagement.paths([1, 1, 1], [0, 1, 2], events=pd.Series(["a", "b", None], dtype="category"))
    with pytest.raises(engagement.InvalidInputError, match="row 1"):
        engagement.EventDictionary(["a", "a"])
    with pytest.raises(engagement.ConfigError, match="choose channel, kind or campaign"):
        engagement.paths([1], [0])
    with pytest.raises(engagement.JsonError, match="event, channel, kind, campaign"):
        engagement.paths([1], [0], events=["a"], by="page")


def test_a_dictionary_is_reused_across_calls():
    d = engagement.EventDictionary()
    first = d.intern(pd.Series(["b", "a"], dtype="category"))
    second = d.intern(["a", "c"])
    assert [d.labels[c] for c in first] == ["b", "a"]
    assert [d.labels[c] for c in second] == ["a", "c"]
    other = engagement.EventDictionary(["c", "z"])
    remap = d.merge(other)
    assert [d.labels[c] for c in remap] == ["c", "z"]


def _log(seed=3, n=4000):
    rng = np.random.default_rng(seed)
    names = ["catalog", "product_view", "add_to_cart", "payment_card", "payment_cash", "search"]
    return pd.DataFrame({
        "customer": rng.integers(1, 300, n),
        "time": rng.integers(0, 20 * 3600, n),
        "event": rng.choice(names, n),
    })


def test_paths_and_sessions_match_pandas():
    df = _log()
    gap = 900
    s = engagement.sessions(df["customer"], df["time"], gap=gap)
    d = df.assign(row=np.arange(len(df))).sort_values(["customer", "time", "event"], kind="stable")
    new = (d["customer"] != d["customer"].shift()) | (d["time"] - d["time"].shift() > gap)
    d["session"] = new.cumsum() - 1
    assert s.row_session.tolist() == d.sort_values("row")["session"].tolist()
    assert s.summary.sessions == d["session"].nunique()
    assert s.summary.bounce_rate == pytest.approx((d.groupby("session").size() == 1).mean())

    p = engagement.paths(df["customer"], df["time"], events=df["event"], per="session", session_gap=gap)
    d["next"] = d.groupby("session")["event"].shift(-1).fillna("path_end")
    counts = d.groupby(["event", "next"]).size()
    e = p.edges_frame().set_index(["from", "to"])
    for (a, b), c in counts.items():
        assert e.loc[(a, b), "count"] == c
    out = counts.groupby(level=0).sum()
    assert e.loc[("catalog", "product_view"), "proba_out"] == pytest.approx(
        counts[("catalog", "product_view")] / out["catalog"])
    first = d.groupby("session")["event"].first().value_counts()
    assert p.step_frame()[1].drop("path_end").to_dict() == pytest.approx((first / first.sum()).to_dict())


def test_event_funnel_per_customer_and_per_session():
    df = _log(7)
    steps = [{"name": "browse", "events": ["catalog", "search"]}, {"name": "cart", "events": ["add_to_cart"]},
             {"name": "pay", "event_prefix": "payment_"}]
    per_customer = engagement.funnel(df["customer"], df["time"], events=df["event"], steps=steps)
    per_session = engagement.funnel(df["customer"], df["time"], events=df["event"], steps=steps, per="session",
                                    session_gap=900)
    # Step 1 is reached by every journey with a browse event: counted independently with pandas.
    browse = df["event"].isin(["catalog", "search"])
    assert per_customer.customers[0] == df.loc[browse, "customer"].nunique()
    d = df.sort_values(["customer", "time", "event"], kind="stable")
    new = (d["customer"] != d["customer"].shift()) | (d["time"] - d["time"].shift() > 900)
    d["session"] = new.cumsum()
    assert per_session.customers[0] == d.loc[d["event"].isin(["catalog", "search"]), "session"].nunique()
    assert per_session.customers[-1] <= per_session.customers[0] and per_customer.customers[-1] > 0
