"""Funnels by group from Python: groups from a pandas Series or the first touchpoint add up to the
total, and a long DataFrame comes out."""

import numpy as np
import pandas as pd
import pytest

import engagement

STEPS = [{"name": "open", "kinds": ["open"]}, {"name": "visit", "kinds": ["visit"]},
         {"name": "buy", "kinds": ["purchase"]}]


def data(n=3000, seed=5):
    rng = np.random.default_rng(seed)
    kinds = np.array(["open", "visit", "purchase", "click"])
    channels = np.array(["email", "web", "ads", "social"])
    return (rng.integers(1, 400, n), rng.integers(0, 90 * 86_400, n), channels[rng.integers(0, 4, n)],
            kinds[rng.integers(0, 4, n)])


def test_groups_add_up_and_match_funnels_of_each_group():
    c, t, ch, k = data()
    groups = pd.Series(np.where(np.arange(1, 400) % 3 == 0, "a", "b"), index=np.arange(1, 400))
    groups = groups[groups.index % 7 != 0]  # some customers without a group
    r = engagement.funnel_by(c, t, ch, k, steps=STEPS, by=groups, order="strict")
    assert r.labels == ["b", "a"]
    whole = engagement.funnel(c, t, ch, k, steps=STEPS, order="strict")
    assert r.total.customers.tolist() == whole.customers.tolist()
    assert sum(g.customers[0] for g in r.results) + r.ungrouped == whole.customers[0]
    # Each group's funnel is the funnel of that group's touchpoints alone.
    for label, res in zip(r.labels, r.results):
        members = groups.index[groups == label].to_numpy()
        keep = np.isin(c, members)
        alone = engagement.funnel(c[keep], t[keep], ch[keep], k[keep], steps=STEPS, order="strict")
        assert res.customers.tolist() == alone.customers.tolist()
        assert res.median_time == alone.median_time
    frame = r.to_frame()
    assert frame.index.names == ["group", "step"] and len(frame) == 2 * len(STEPS)


def test_first_touch_groups():
    c, t, ch, k = data()
    by_channel = engagement.funnel_by(c, t, ch, k, steps=STEPS, by="acquisition_channel")
    assert set(by_channel.labels) <= {"email", "web", "ads", "social"}
    by_month = engagement.funnel_by(c, t, ch, k, steps=STEPS, by={"cohort": "month"})
    assert by_month.labels[0] == "1970-01-01" and by_month.ungrouped == 0
    for r in (by_channel, by_month):
        assert sum(g.customers[0] for g in r.results) == r.total.customers[0]
    with pytest.raises(engagement.JsonError):
        engagement.funnel_by(c, t, ch, k, steps=STEPS, by={"cohort": "fortnight"})
