#!/usr/bin/env python3
"""Derives the expected values of the clv_period_transactions and clv_calibration_holdout cases of
tests/golden/clv.json independently of the engine: P(X(T) = x) by integrating the individual-level
BG/NBD model over its priors (clv.py's bg_prob, mpmath), the conditional expectation by Fader,
Hardie & Lee's closed form (clv.py's bg_cond), the chi-square tail by scipy. Prints the cases as JSON:

    /tmp/refvenv/bin/python tests/golden/derive/clv_diagnostics.py
    /tmp/refvenv/bin/python tests/golden/derive/clv_diagnostics.py history   # the P(alive) history case
"""
import json
import os
import sys

import mpmath as mp
from scipy.stats import chi2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clv  # noqa: E402

mp.mp.dps = 20
BG = clv.BG
# Ten customers: six aged 39 weeks, four aged 10.
X = [0, 0, 0, 1, 2, 6, 0, 0, 1, 3]
TX = [0, 0, 0, 5.0, 20.0, 35.0, 0, 0, 2.0, 9.0]
T = [39.0] * 6 + [10.0] * 4
HOLDOUT = [0, 1, 0, 2, 1, 3, 0, 0, 1, 2]
MAX = 5


def period_transactions():
    actual = [0.0] * (MAX + 1)
    for x in X:
        actual[min(x, MAX)] += 1
    expected = [0.0] * (MAX + 1)
    for age, n in ((39.0, 6), (10.0, 4)):
        for x in range(MAX):
            expected[x] += n * float(clv.bg_prob(age, x, **BG))
    expected[MAX] = len(X) - sum(expected[:MAX])
    stat = sum((a - e) ** 2 / e for a, e in zip(actual, expected))
    dof = MAX - 4
    return {"frequency": list(range(MAX + 1)), "actual": actual, "expected": expected, "chi_square": stat,
            "degrees_of_freedom": dof, "p_value": float(chi2.sf(stat, dof))}


def calibration_holdout():
    pred = [float(clv.bg_cond(39.0, x, tx, t, **BG)) for x, tx, t in zip(X, TX, T)]
    bins = {}
    for x, h, p in zip(X, HOLDOUT, pred):
        b = bins.setdefault(min(x, MAX), [0, 0.0, 0.0])
        b[0] += 1
        b[1] += h
        b[2] += p
    keys = sorted(bins)
    return {"frequency": keys, "customers": [float(bins[k][0]) for k in keys],
            "actual": [bins[k][1] / bins[k][0] for k in keys], "predicted": [bins[k][2] / bins[k][0] for k in keys]}


def p_alive_history():
    """Repeat purchases in weeks 2 and 5, evaluated at 1.9, 2, 4.9, 5 and 30 weeks: the histories
    (0, 0, 1.9), (1, 2, 2), (1, 2, 4.9), (2, 5, 5), (2, 5, 30) in Fader, Hardie & Lee's P(alive)."""
    hist = [(0, 0, 1.9), (1, 2.0, 2.0), (1, 2.0, 4.9), (2, 5.0, 5.0), (2, 5.0, 30.0)]
    return [float(clv.bg_p_alive(x, tx, t, **BG)) for x, tx, t in hist]


if __name__ == "__main__":
    if sys.argv[1:] == ["history"]:
        print(json.dumps(p_alive_history()))
    else:
        print(json.dumps({"period_transactions": period_transactions(), "calibration_holdout": calibration_holdout()},
                         indent=1))
