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


def _product_log(seed=5, n=4_000):
    rng = np.random.default_rng(seed)
    events = rng.choice(["newsletter_open", "pricing_page_view", "trial_started", "project_created", "order"], n,
                        p=[0.3, 0.3, 0.15, 0.15, 0.1])
    return pd.DataFrame({"customer": rng.integers(1, 300, n), "time": rng.integers(0, 20 * 86_400, n),
                         "event": events, "kind": np.where(events == "order", "purchase", "visit"),
                         "value": np.where(events == "order", 10.0, 0.0)})


def test_attribution_by_event_credits_last_touches_as_pandas_does():
    # An event log with a kind (orders are purchases) and no channel; a year-long lookback.
    df = _product_log()
    a = engagement.attribute_touchpoints(df["customer"], df["time"], None, df["kind"], df["value"], events=df["event"],
                                         by="event", rule="last_touch", lookback_days=365)
    # pandas: each order's last touch since the previous order (or the order itself when none).
    s = df.sort_values(["customer", "time", "kind", "event"], kind="stable")
    credit = {}
    for _, g in s.groupby("customer"):
        last = None
        for e, k, v in zip(g["event"], g["kind"], g["value"]):
            if k == "purchase":
                credit[last or e] = credit.get(last or e, 0.0) + v
                last = None
            else:
                last = e
    got = dict(zip(a.channels, a.value))
    assert {k: v for k, v in got.items() if v} == pytest.approx(credit)
    # Markov by event runs too, and credits every order.
    m = engagement.attribute_touchpoints(df["customer"], df["time"], None, df["kind"], df["value"],
                                         events=pd.Categorical(df["event"]), by="event", rule="markov")
    assert m.conversions.sum() == pytest.approx((df["kind"] == "purchase").sum())
    with pytest.raises(engagement.ConfigError, match="event labels"):
        engagement.attribute_touchpoints(df["customer"], df["time"], None, df["kind"], by="event")
    # Events given, but attributed by channel when every channel is other: refused, not ['other'].
    with pytest.raises(engagement.ConfigError, match='choose by = "event"'):
        engagement.attribute_touchpoints(df["customer"], df["time"], None, df["kind"], events=df["event"])
    with pytest.raises(engagement.InvalidInputError, match="kind purchase"):
        engagement.attribute_touchpoints(df["customer"], df["time"], None, None, events=df["event"], by="event")


def test_triggers_on_events_fire_as_their_rules_say_over_pushes():
    df = _product_log().sort_values("time", kind="stable")
    rules = {"rules": [
        {"name": "first_pricing", "action": "call", "when": {"type": "event", "on": {"events": ["pricing_page_view"]},
                                                              "once": True}},
        {"name": "activate", "action": "onboard", "when": {"type": "abandoned", "wait": 2 * 86_400,
                                                          "start": {"events": ["trial_started"]},
                                                          "complete": {"event_regex": "^project_"}}}]}
    t = engagement.Triggers(rules)
    d = engagement.EventDictionary()
    half = len(df) // 2
    parts = [t.push(c["customer"], c["time"], events=c["event"], dictionary=d) for c in (df[:half], df[half:])]
    parts.append(t.advance(100 * 86_400))
    fired = pd.DataFrame({k: np.concatenate([p[k] for p in parts]) for k in parts[0]})
    # pandas: the first pricing view of each customer; each trial not followed by a project within the
    # wait (a later trial restarts it).
    first = df[df["event"] == "pricing_page_view"].groupby("customer")["time"].min()
    calls = fired[fired["rule"] == "first_pricing"].set_index("customer")["due"]
    assert calls.sort_index().to_dict() == first.sort_index().to_dict()
    expected = []
    for c, g in df.sort_values(["customer", "time", "event"], kind="stable").groupby("customer"):
        due = None
        for tm, e in zip(g["time"], g["event"]):
            if due is not None and tm >= due:
                expected.append((c, due))
                due = None
            if e == "trial_started":
                due = tm + 2 * 86_400
            elif e.startswith("project_"):
                due = None
        if due is not None:
            expected.append((c, due))
    got = fired[fired["rule"] == "activate"]
    assert sorted(zip(got["customer"], got["due"])) == sorted(expected)
    with pytest.raises(engagement.ConfigError, match="first_pricing"):
        engagement.Triggers(rules).push([1], [0])


def test_funnels_per_given_session_and_step_flows():
    df = _product_log()
    session = (df["time"] // 86_400).to_numpy()   # a session per customer and day
    steps = [{"name": "trial", "events": ["trial_started"]}, {"name": "project", "event_regex": "^project_"}]
    f = engagement.funnel(df["customer"], df["time"], events=df["event"], steps=steps, per="session", session=session)
    # pandas: sessions with a trial, and with a project after a trial.
    s = df.assign(session=session).sort_values(["customer", "session", "time", "event"], kind="stable")
    entered = reached = 0
    for _, g in s.groupby(["customer", "session"]):
        ev = list(g["event"])
        if "trial_started" in ev:
            entered += 1
            i = ev.index("trial_started")
            reached += any(e.startswith("project_") for e in ev[i + 1:])
    assert f.customers.tolist() == [entered, reached]
    # Step flows: out of each node at step k, the paths there.
    p = engagement.paths(df["customer"], df["time"], events=df["event"], steps=4, step_flows=True)
    flows = p.step_flows_frame()
    out = flows.groupby(["step", "from"])["count"].sum()
    steps_frame = p.step_frame()
    for (k, label), count in out.items():
        assert count == pytest.approx(steps_frame.loc[label, k] * p.paths)
    assert len(flows) > 10 and set(flows["step"]) == {1, 2, 3}


def test_lifecycle_counts_equal_a_pandas_derivation():
    """New / returning / resurrecting / dormant per week, derived independently with pandas."""
    import pandas as pd

    rng = np.random.default_rng(5)
    n = 4_000
    df = pd.DataFrame({"customer": rng.integers(1, 300, n), "time": rng.integers(1_700_000_000, 1_700_000_000 + 70 * 86_400, n),
                       "event": rng.choice(["open", "view", "buy"], n)})
    t = engagement.lifecycle(df["customer"], df["time"], events=df["event"], activity=["open", "buy"], period="week",
                             utc_offset="+05:30")
    active = df[df["event"].isin(["open", "buy"])]
    week = pd.to_datetime(active["time"] + 19_800, unit="s").dt.to_period("W-SUN")
    pairs = pd.DataFrame({"c": active["customer"], "w": week}).drop_duplicates()
    weeks = pd.period_range(pairs["w"].min(), pd.Timestamp(int(df["time"].max()) + 19_800, unit="s").to_period("W-SUN"))
    sets = {w: set(pairs.loc[pairs["w"] == w, "c"]) for w in weeks}
    seen, rows, before = set(), [], set()
    for w in weeks:
        now = sets[w]
        rows.append([len(now - seen), len(now & before), len((now - before) & seen), len(before - now)])
        seen |= now
        before = now
    got = t.to_frame()[["new", "returning", "resurrecting", "dormant"]].to_numpy().tolist()
    assert got == rows
    assert t.label == [str(w.start_time.date()) for w in weeks]
