#!/usr/bin/env python3
"""Derives the expected values of the survival cases in tests/golden/journey.json with lifelines.

Kaplan–Meier survival and its 95 % band (lifelines' default exponential Greenwood interval), the
median, and the log-rank test, on a small hand-made cohort with ties and censoring. Run in a
throwaway venv:

    python3 -m venv /tmp/derive && /tmp/derive/bin/pip install lifelines
    /tmp/derive/bin/python tests/golden/derive/survival.py
"""
import json

from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test

# Months to churn (observed) or to the end of observation (censored).
A = [1, 2, 2, 3, 4, 4, 4, 5, 6, 8, 9, 12, 12, 12]
A_EVENT = [1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0]
B = [2, 3, 5, 6, 7, 8, 10, 11, 12, 12, 12, 12]
B_EVENT = [1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0]


def main():
    kmf = KaplanMeierFitter().fit(A, A_EVENT, alpha=0.05)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    table = kmf.event_table
    out = {
        "time": [float(t) for t in sf.index],
        "at_risk": [int(v) for v in table["at_risk"]],
        "events": [int(v) for v in table["observed"]],
        "censored": [int(v) for v in table["censored"]],
        "survival": [float(v) for v in sf],
        "ci_low": [float(v) for v in ci.iloc[:, 0]],
        "ci_high": [float(v) for v in ci.iloc[:, 1]],
        "median": float(kmf.median_survival_time_),
    }
    r = logrank_test(A, B, event_observed_A=A_EVENT, event_observed_B=B_EVENT)
    out["logrank"] = {"statistic": float(r.test_statistic), "p_value": float(r.p_value)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
