#!/usr/bin/env python3
"""Derives tests/golden/experiment.json: experiments read out from touchpoints.

Each customer's metric values are computed here with pandas from the definitions (window after
the exposure, censoring of windows not ended by as_of, pre-period covariate, sessions cut at the
gap, retained on day N), never by the engine; the tests on them come from GrowthBook's gbstats 0.8
(`TwoSidedTTest`, `RegressionAdjustedStatistic`, `ProportionStatistic`, `RatioStatistic`).

Run with any python3 (it reuses or makes the throwaway venv of readout.py, gbstats 0.8 + pandas):

    python3 tests/golden/derive/experiment.py
"""
import json
import os
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "experiment.json")
VENV = "/tmp/engagement-derive-readout-08"
DAY = 86_400
T0 = 1_735_689_600  # 2025-01-01


def data():
    import numpy as np
    rng = np.random.default_rng(77)
    customers = np.arange(1, 91)
    arm = rng.integers(0, 3, customers.size)
    exposed = T0 + rng.integers(0, 12 * DAY, customers.size)
    rows = []
    for c, a, e in zip(customers, arm, exposed):
        # Activity from 20 days before exposure to 20 days after; the treatment arms buy more.
        for _ in range(rng.poisson(6)):
            t = int(e + rng.integers(-20 * DAY, 20 * DAY))
            rows.append((int(c), t, "visit", 0.0))
            if rng.random() < 0.5:  # a second event of the same session, minutes later
                rows.append((int(c), t + int(rng.integers(60, 1500)), "visit", 0.0))
            if rng.random() < 0.15 + 0.08 * a * (t >= e):
                rows.append((int(c), t + 600, "purchase", float(np.round(rng.gamma(2.0, 15.0), 2))))
    rows.sort()
    as_of = int(T0 + 16 * DAY)
    touch = {"customer": [r[0] for r in rows], "time": [r[1] for r in rows], "event": [r[2] for r in rows],
             "value": [r[3] for r in rows]}
    assignment = {"customer": customers.tolist(), "arm": arm.tolist(), "exposed_at": exposed.astype(int).tolist()}
    return touch, assignment, as_of


METRICS = [
    {"name": "purchased_7d", "measure": {"type": "conversion", "match": {"events": ["purchase"]}}, "window": 7 * DAY},
    {"name": "revenue", "measure": {"type": "value", "match": {"events": ["purchase"]}}, "pre_period": 14 * DAY},
    {"name": "sessions", "measure": {"type": "sessions", "gap": 1800}},
    {"name": "revenue_per_session", "measure": {"type": "ratio",
                                                "numerator": {"type": "value", "match": {"events": ["purchase"]}},
                                                "denominator": {"type": "sessions", "gap": 1800}}},
    {"name": "active_day_3", "measure": {"type": "retained", "day": 3, "match": {"events": ["visit"]}}},
]


def derive():
    import numpy as np
    import pandas as pd
    import scipy
    from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
    from gbstats.models.statistics import (ProportionStatistic, RatioStatistic, RegressionAdjustedStatistic,
                                           SampleMeanStatistic)

    touch, assignment, as_of = data()
    tp = pd.DataFrame(touch)
    tp = tp[tp["time"] <= as_of]
    asg = pd.DataFrame(assignment)
    asg = asg[asg["exposed_at"] <= as_of]
    df = tp.merge(asg, on="customer")

    def sessions(times, gap):
        times = np.sort(np.asarray(times))
        return 0 if times.size == 0 else 1 + int((np.diff(times) > gap).sum())

    def per_customer(measure, lo, hi):
        """Each assigned customer's value over touchpoints with lo(exposed) <= time < hi(exposed)."""
        rows = df[(df["time"] >= lo(df["exposed_at"])) & (df["time"] < hi(df["exposed_at"]))]
        if measure["type"] == "sessions":
            got = rows.groupby("customer")["time"].apply(lambda t: sessions(t, measure["gap"]))
        else:
            rows = rows[rows["event"].isin(measure["match"]["events"])]
            if measure["type"] in ("conversion", "retained"):
                got = rows.groupby("customer").size().clip(upper=1)
            elif measure["type"] == "count":
                got = rows.groupby("customer").size()
            else:
                got = rows.groupby("customer")["value"].sum()
        return asg.set_index("customer").index.to_series().map(got).fillna(0.0).astype(float)

    def stat(values, kind):
        v = np.asarray(values, float)
        if kind == "proportion":
            return ProportionStatistic(n=len(v), sum=float(v.sum()))
        return SampleMeanStatistic(n=len(v), sum=float(v.sum()), sum_squares=float((v * v).sum()))

    names = ["control", "b", "c"]
    out = []
    for m in METRICS:
        measure = m["measure"]
        if measure["type"] == "retained":
            d = measure["day"]
            lo, hi = (lambda e: e + d * DAY), (lambda e: e + (d + 1) * DAY)
            counted = asg["exposed_at"] + (d + 1) * DAY <= as_of + 1
        else:
            w = m.get("window")
            lo, hi = (lambda e: e), ((lambda e: e + w) if w else (lambda e: e * 0 + 2 ** 62))
            counted = (asg["exposed_at"] + w <= as_of + 1) if w else asg["exposed_at"] <= as_of
        counted = counted.to_numpy()
        arms = asg["arm"].to_numpy()
        in_progress = [int(((arms == k) & ~counted).sum()) for k in range(3)]
        if measure["type"] == "ratio":
            num = per_customer(measure["numerator"], lo, hi).to_numpy()
            den = per_customer(measure["denominator"], lo, hi).to_numpy()
            def make(k):
                sel = counted & (arms == k)
                return RatioStatistic(n=int(sel.sum()), m_statistic=stat(num[sel], "mean"),
                                      d_statistic=stat(den[sel], "mean"),
                                      m_d_sum_of_products=float((num[sel] * den[sel]).sum()))
            means = [float(num[counted & (arms == k)].sum() / den[counted & (arms == k)].sum()) for k in range(3)]
        else:
            kind = "proportion" if measure["type"] in ("conversion", "retained") else "mean"
            y = per_customer(measure, lo, hi).to_numpy()
            pre = m.get("pre_period")
            x = per_customer(measure, lambda e: e - pre, lambda e: e).to_numpy() if pre else None
            def make(k, y=y, x=x, kind=kind):
                sel = counted & (arms == k)
                if x is None:
                    return stat(y[sel], kind)
                return RegressionAdjustedStatistic(n=int(sel.sum()), post_statistic=stat(y[sel], kind),
                                                   pre_statistic=stat(x[sel], "mean"),
                                                   post_pre_sum_of_products=float((y[sel] * x[sel]).sum()),
                                                   theta=0)
            means = [float(y[counted & (arms == k)].mean()) for k in range(3)]
        comparisons = []
        for k in (1, 2):
            # gbstats fits CUPED's theta per pair; the engine over all arms: compare the estimate only
            # where both agree (no covariate), and the arms' means everywhere.
            r = TwoSidedTTest(make(0), make(k), FrequentistConfig(difference_type="absolute")).compute_result()
            entry = {"arm": names[k]}
            if not m.get("pre_period"):
                entry["absolute"] = {"estimate": r.expected, "p_value": r.p_value,
                                     "interval": {"low": r.ci[0], "high": r.ci[1]}}
            comparisons.append(entry)
        arms_out = [{"name": names[k], "n": int((counted & (arms == k)).sum()), "mean": means[k]} for k in range(3)]
        out.append({"name": m["name"], "in_progress": in_progress,
                    "readout": {"arms": arms_out, "comparisons": comparisons}})
    case = {"name": "three_arms_five_metrics", "op": "experiment_readout",
            "input": {"events": touch, "assignment": assignment, "arm_names": names},
            "config": {"metrics": METRICS, "as_of": as_of},
            "expected": {"ok": {"as_of": as_of,
                                "exposed": [int((asg["arm"] == k).sum()) for k in range(3)],
                                "metrics": out}},
            "tolerance": 1e-9,
            "source": "tests/golden/derive/experiment.py: per-customer values with pandas "
                      f"{pd.__version__} from the definitions; TwoSidedTTest of gbstats 0.8 (numpy "
                      f"{np.__version__}, scipy {scipy.__version__})"}
    # The same with CUPED's theta over the pooled arms: two arms only, where gbstats' pair is all arms.
    two = {"customer": [], "arm": [], "exposed_at": []}
    for c, a, e in zip(assignment["customer"], assignment["arm"], assignment["exposed_at"]):
        if a != 2:
            two["customer"].append(c), two["arm"].append(a), two["exposed_at"].append(e)
    return [case], two, as_of


def derive_two(two, as_of, touch):
    """The revenue metric with CUPED on two arms, against gbstats' RegressionAdjustedStatistic."""
    import numpy as np
    import pandas as pd
    from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
    from gbstats.models.statistics import RegressionAdjustedStatistic, SampleMeanStatistic

    tp = pd.DataFrame(touch)
    tp = tp[(tp["time"] <= as_of) & (tp["event"] == "purchase")]
    asg = pd.DataFrame(two)
    df = tp.merge(asg, on="customer")
    post = df[df["time"] >= df["exposed_at"]].groupby("customer")["value"].sum()
    pre = df[(df["time"] < df["exposed_at"]) & (df["time"] >= df["exposed_at"] - 14 * DAY)].groupby("customer")["value"].sum()
    ids = asg.set_index("customer").index.to_series()
    y, x = ids.map(post).fillna(0.0).to_numpy(), ids.map(pre).fillna(0.0).to_numpy()
    arms = asg["arm"].to_numpy()

    def make(k):
        sel = arms == k
        return RegressionAdjustedStatistic(
            n=int(sel.sum()), post_statistic=SampleMeanStatistic(n=int(sel.sum()), sum=float(y[sel].sum()),
                                                                 sum_squares=float((y[sel] ** 2).sum())),
            pre_statistic=SampleMeanStatistic(n=int(sel.sum()), sum=float(x[sel].sum()),
                                              sum_squares=float((x[sel] ** 2).sum())),
            post_pre_sum_of_products=float((y[sel] * x[sel]).sum()), theta=0)
    r = TwoSidedTTest(make(0), make(1), FrequentistConfig(difference_type="absolute")).compute_result()
    return {"name": "two_arms_revenue_cuped", "op": "experiment_readout",
            "input": {"events": touch, "assignment": two, "arm_names": ["control", "b"]},
            "config": {"metrics": [METRICS[1]], "as_of": as_of},
            "expected": {"ok": {"metrics": [{"name": "revenue", "readout": {"comparisons": [
                {"arm": "b", "absolute": {"estimate": r.expected, "p_value": r.p_value,
                                          "interval": {"low": r.ci[0], "high": r.ci[1]}}}]}}]}},
            "tolerance": 1e-9,
            "source": "tests/golden/derive/experiment.py: per-customer revenue after and 14 days before "
                      "exposure with pandas; gbstats 0.8 RegressionAdjustedStatistic and TwoSidedTTest"}


def main():
    if sys.argv[1:] == ["--derive"]:
        cases, two, as_of = derive()
        cases.append(derive_two(two, as_of, data()[0]))
        print(json.dumps(cases))
        return
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        venv.create(VENV, with_pip=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "gbstats==0.8.0", "statsmodels==0.15.0"], check=True)
    cases = json.loads(subprocess.run([py, __file__, "--derive"], check=True, capture_output=True, text=True).stdout)
    with open(OUT, "w") as f:
        json.dump({"area": "experiment", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
