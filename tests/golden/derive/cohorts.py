#!/usr/bin/env python3
"""Derives the expected values of the cohort cases in tests/golden/cohorts.json with pandas.

Monthly and weekly acquisition cohorts of a small transaction log (ties, a leap day, a purchase
after as_of) computed with pandas Periods, independently of the engine's calendar arithmetic; and
the same with as_of at the first second of a month and of an ISO week (2024-04-01 is a Monday),
where the period starting at as_of has no observed time: a period is observed when it starts before
as_of (or is the cohort's own acquisition period).

    python3 -m venv /tmp/derive && /tmp/derive/bin/pip install pandas
    /tmp/derive/bin/python tests/golden/derive/cohorts.py
"""
import json

import numpy as np
import pandas as pd

TX = [  # customer, ISO time (UTC), value
    (1, "2024-01-03T10:00", 10.0), (1, "2024-01-20T09:00", 5.0), (1, "2024-02-29T23:59", 30.0),
    (2, "2024-01-31T23:00", 20.0), (2, "2024-03-01T00:00", 8.0),
    (3, "2024-02-01T00:00", 12.0), (3, "2024-02-14T12:00", 4.0), (3, "2024-04-02T08:00", 9.0),
    (4, "2024-02-27T18:00", 7.0),
    (5, "2024-03-30T13:00", 15.0), (5, "2024-04-01T09:00", 6.0),
    (6, "2024-01-15T00:00", 3.0), (6, "2024-04-09T00:00", 99.0),  # the last one is after as_of
]
AS_OF = "2024-04-05T00:00"
AS_OF_AT_PERIOD_START = "2024-04-01T00:00"


def table(freq, width, as_of=AS_OF):
    df = pd.DataFrame(TX, columns=["customer", "time", "value"])
    df["time"] = pd.to_datetime(df["time"])
    df = df[df["time"] <= pd.Timestamp(as_of)]
    df["p"] = df["time"].dt.to_period(freq)
    first = df.groupby("customer")["p"].min().rename("cohort")
    df = df.join(first, on="customer")
    df["k"] = (df["p"] - df["cohort"]).apply(lambda o: o.n)
    # The last period with observed time: the one holding the second before as_of.
    now = (pd.Timestamp(as_of) - pd.Timedelta(seconds=1)).to_period(freq)
    out = {"cohort_start": [], "size": [], "observed": [], "active": [], "retention": [],
           "revenue_per_customer": [], "cumulative_revenue_per_customer": []}
    for cohort, rows in df.groupby("cohort"):
        size = rows["customer"].nunique()
        observed = min(max((now - cohort).n + 1, 1), width)
        out["cohort_start"].append(int(cohort.start_time.tz_localize("UTC").timestamp()))
        out["size"].append(int(size))
        out["observed"].append(int(observed))
        running = 0.0
        for k in range(width):
            in_k = rows[rows["k"] == k]
            out["active"].append(int(in_k["customer"].nunique()))
            if k < observed:
                per = float(in_k["value"].sum()) / size
                running += per
                out["retention"].append(in_k["customer"].nunique() / size)
                out["revenue_per_customer"].append(per)
                out["cumulative_revenue_per_customer"].append(running)
            else:
                for key in ("retention", "revenue_per_customer", "cumulative_revenue_per_customer"):
                    out[key].append(None)
    return out


def main():
    tx = [{"customer": c, "time": int(pd.Timestamp(t, tz="UTC").timestamp()), "value": v} for c, t, v in TX]
    print(json.dumps({"transactions": tx, "as_of": int(pd.Timestamp(AS_OF, tz="UTC").timestamp()),
                      "month": table("M", 4), "week": table("W-SUN", 6),
                      "as_of_at_period_start": int(pd.Timestamp(AS_OF_AT_PERIOD_START, tz="UTC").timestamp()),
                      "month_at_period_start": table("M", 4, AS_OF_AT_PERIOD_START),
                      "week_at_period_start": table("W-SUN", 6, AS_OF_AT_PERIOD_START)}, indent=1))


if __name__ == "__main__":
    main()
