#!/usr/bin/env python3
"""Derives the RFM cases of tests/golden/segmentation.json with pandas (printed, one case per line).

Scores by both rules, written independently of the engine:
- quintiles of customers (the default): pandas' rank(method="min") counts the customers of strictly
  smaller value, a, and the bin is 1 + floor(5a / n); recency (lower is better) scores 6 - bin, as
  pd.qcut with labels 5..1 does;
- fifths of distinct values: the j-th of k distinct values (np.unique) scores 1 + floor(5j / k).
FM = ceil((F + M) / 2), and (R, FM) is looked up in the default segment table, first matching row.

    python3 -m venv /tmp/derive && /tmp/derive/bin/pip install pandas
    /tmp/derive/bin/python tests/golden/derive/rfm.py
"""
import json
import math

import numpy as np
import pandas as pd

VALUES = {  # ties at both ends: two most recent, four one-time buyers, equal spends
    "customer": [1, 2, 3, 4, 5, 6, 7, 8],
    "recency": [5, 5, 30, 60, 90, 120, 200, 365],
    "frequency": [10, 8, 1, 1, 3, 2, 1, 1],
    "monetary": [500, 400, 20, 20, 150, 80, 35, 10],
}

TABLE = [  # name, R range, FM range: the documented default table, in priority order
    ("champions", (4, 5), (4, 5)), ("loyal_customers", (3, 3), (4, 5)),
    ("cant_lose_them", (1, 2), (5, 5)), ("cant_lose_them", (1, 1), (4, 4)),
    ("at_risk", (1, 2), (3, 4)), ("potential_loyalists", (4, 5), (2, 3)),
    ("new_customers", (5, 5), (1, 1)), ("promising", (3, 4), (1, 1)),
    ("need_attention", (3, 3), (2, 3)), ("about_to_sleep", (2, 2), (2, 2)),
    ("hibernating", (2, 2), (1, 1)), ("hibernating", (1, 1), (2, 2)), ("lost", (1, 1), (1, 1)),
]


def customer_bins(x, lower_is_better):
    s = pd.Series(x, dtype=float)
    smaller = s.rank(method="min").astype(int) - 1
    b = 1 + (5 * smaller) // len(s)
    return (6 - b if lower_is_better else b).tolist()


def distinct_bins(x, lower_is_better):
    distinct = np.unique(np.asarray(x, dtype=float))
    q = 1 + (5 * np.searchsorted(distinct, np.asarray(x, dtype=float))) // len(distinct)
    return (6 - q if lower_is_better else q).tolist()


def scores(bins):
    r = bins(VALUES["recency"], True)
    f = bins(VALUES["frequency"], False)
    m = bins(VALUES["monetary"], False)
    segment = []
    for ri, fi, mi in zip(r, f, m):
        fm = math.ceil((fi + mi) / 2)
        segment.append(next(n for n, (r0, r1), (f0, f1) in TABLE if r0 <= ri <= r1 and f0 <= fm <= f1))
    return {"r": r, "f": f, "m": m,
            "code": [100 * a + 10 * b + c for a, b, c in zip(r, f, m)],
            "score": [a + b + c for a, b, c in zip(r, f, m)], "segment": segment}


CASES = [
    {"name": "rfm_quintiles_and_segments", "op": "rfm", "input": VALUES,
     "expected": {"ok": scores(customer_bins)}, "tolerance": 0,
     "source": "tests/golden/derive/rfm.py (pandas): quintiles of customers, the default. A customer with a "
               "customers of strictly smaller value is in bin 1 + floor(5a/8) (rank(method='min')); recency "
               "scores 6 - bin. Ties share the lowest bin they span: the four one-time buyers are F = 1 and "
               "no customer is F = 2; the two most recent are R = 5."},
    {"name": "rfm_distinct_values", "op": "rfm", "config": {"bins": "distinct_values"}, "input": VALUES,
     "expected": {"ok": scores(distinct_bins)}, "tolerance": 0,
     "source": "tests/golden/derive/rfm.py (numpy): fifths of distinct values, the first edition's rule. "
               "The j-th of k distinct values (np.unique) scores 1 + floor(5j/k); recency 6 - that."},
    {"name": "rfm_unknown_bins", "op": "rfm", "config": {"bins": "deciles"},
     "input": {"customer": [1], "recency": [1], "frequency": [1], "monetary": [1]},
     "expected": {"error": "json"}, "tolerance": 0,
     "source": "An unknown binning rule is refused, naming the accepted ones (customers, distinct_values)."},
]

for c in CASES:
    print(json.dumps(c, ensure_ascii=False) + ",")
