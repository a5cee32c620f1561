"""Cross-checks against plain pandas computations on random data: RFM, NPS and churn."""

import numpy as np
import pandas as pd

import engagement

DAY = 86_400


def random_purchases(seed, n=5_000, customers=700):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customer": rng.integers(1, customers, n).astype(np.uint64),
        "time": rng.integers(0, 365 * DAY, n).astype(np.int64),
        "cents": rng.integers(0, 50_000, n),
    })


def pandas_quintiles(x, lower_is_better):
    """Fifths of customers: rank(method="min") counts the customers of smaller value."""
    smaller = pd.Series(x).rank(method="min").to_numpy().astype(int) - 1
    q = 1 + (5 * smaller) // len(x)
    return 6 - q if lower_is_better else q


def pandas_distinct_quintiles(x, lower_is_better):
    distinct = np.unique(x)
    q = 1 + (5 * np.searchsorted(distinct, x)) // len(distinct)
    return 6 - q if lower_is_better else q


def test_rfm_matches_pandas():
    for seed in range(3):
        df = random_purchases(seed)
        as_of = 366 * DAY
        g = df.groupby("customer").agg(last=("time", "max"), n=("time", "size"), cents=("cents", "sum"))
        mine = engagement.rfm_values(df["customer"], df["time"], df["cents"] / 100.0, as_of=as_of)
        assert mine["customer"].tolist() == g.index.tolist()
        assert np.allclose(mine["recency"], (as_of - g["last"].to_numpy()) / DAY)
        assert mine["frequency"].tolist() == g["n"].tolist()
        assert np.allclose(mine["monetary"], g["cents"].to_numpy() / 100.0)
        s = engagement.rfm_scores(mine["customer"], mine["recency"], mine["frequency"], mine["monetary"])
        assert s["r"].tolist() == pandas_quintiles((as_of - g["last"].to_numpy()) / DAY, True).tolist()
        assert s["f"].tolist() == pandas_quintiles(g["n"].to_numpy(), False).tolist()
        assert s["m"].tolist() == pandas_quintiles(g["cents"].to_numpy() / 100.0, False).tolist()
        assert s["bins"] == "customers"
        d = engagement.rfm_scores(mine["customer"], mine["recency"], mine["frequency"], mine["monetary"],
                                  bins="distinct_values")
        assert d["bins"] == "distinct_values"
        assert d["r"].tolist() == pandas_distinct_quintiles((as_of - g["last"].to_numpy()) / DAY, True).tolist()
        assert d["f"].tolist() == pandas_distinct_quintiles(g["n"].to_numpy(), False).tolist()
        assert d["m"].tolist() == pandas_distinct_quintiles(g["cents"].to_numpy() / 100.0, False).tolist()


def test_nps_matches_pandas():
    rng = np.random.default_rng(5)
    answers = pd.Series(rng.integers(0, 11, 2_000))
    promoters = (answers >= 9).mean()
    detractors = (answers <= 6).mean()
    expected = 100 * (promoters - detractors)
    se = 100 * np.sqrt((promoters + detractors - (promoters - detractors) ** 2) / len(answers))
    s = engagement.nps(answers.to_numpy(dtype=np.float32))
    assert np.isclose(s.score, expected) and np.isclose(s.std_error, se)


def test_churn_matches_pandas():
    # Churned = a buyer silent for more than 180 days at the end (the default churn window), counted
    # among those who bought before the start and were not churned then.
    df = random_purchases(9, n=3_000, customers=600)
    day0, start, end = 0, 200 * DAY, 300 * DAY
    hist_until = end
    sub = df[df["time"] < hist_until]
    c = engagement.churn_between(sub["customer"], sub["time"], ["web"] * len(sub), ["purchase"] * len(sub),
                                 until=hist_until, start=start, end=end)
    window = 180 * DAY

    def buyers_not_churned(t):
        seen = sub[sub["time"] <= t].groupby("customer")["time"].max()
        return set(seen[t - seen <= window].index)

    at_start = buyers_not_churned(start - 1)
    at_end = buyers_not_churned(end - 1)
    assert c.at_start == len(at_start) > 0
    assert c.lost == len(at_start - at_end)
    assert c.at_end == len(at_end)
    assert c.retention == len(at_start & at_end) / len(at_start)
