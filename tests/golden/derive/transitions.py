#!/usr/bin/env python3
"""Derives the expected values of tests/golden/transitions.json with pandas, independently of the
engine: consecutive pairs by groupby/shift, the step matrix by cumcount, paths by string joins.

    python3 -m venv /tmp/derive && /tmp/derive/bin/pip install pandas
    /tmp/derive/bin/python tests/golden/derive/transitions.py
"""
import json

import numpy as np
import pandas as pd

CHANNELS = ["email", "web", "mobile_app", "social", "phone", "chat", "store", "ads", "sms", "push", "other"]
TP = [  # customer, time, channel, kind
    (1, 10, "email", "open"), (1, 20, "web", "visit"), (1, 30, "web", "purchase"), (1, 40, "email", "open"),
    (2, 5, "ads", "impression"), (2, 6, "web", "visit"), (2, 6, "mobile_app", "visit"),  # a tie: input order
    (3, 1, "email", "open"), (3, 2, "web", "visit"),
    (4, 7, "store", "purchase"),
    (5, 3, "email", "open"), (5, 9, "web", "visit"), (5, 12, "web", "purchase"),
]
STEPS, PATH_LENGTH, TOP = 4, 3, 3


def main():
    df = pd.DataFrame(TP, columns=["customer", "time", "channel", "kind"])
    df["row"] = np.arange(len(df))
    df = df.sort_values(["customer", "time", "row"], kind="stable")
    df["next"] = df.groupby("customer")["channel"].shift(-1)
    pairs = df.dropna(subset=["next"])
    k = len(CHANNELS)
    counts = np.zeros((k, k), dtype=int)
    for a, b in zip(pairs["channel"], pairs["next"]):
        counts[CHANNELS.index(a), CHANNELS.index(b)] += 1
    with np.errstate(invalid="ignore"):
        probs = counts / counts.sum(axis=1, keepdims=True)
    df["step"] = df.groupby("customer").cumcount()
    customers = df["customer"].nunique()
    step = np.zeros((k + 1, STEPS))
    for s in range(STEPS):
        at = df[df["step"] == s]
        for ch in at["channel"]:
            step[CHANNELS.index(ch), s] += 1
        step[k, s] = customers - len(at)
    step /= customers
    paths = df[df["step"] < PATH_LENGTH].groupby("customer")["channel"].apply(list)
    freq = {}
    for p in paths:
        freq[tuple(p)] = freq.get(tuple(p), 0) + 1
    ranked = sorted(freq.items(), key=lambda kv: (-kv[1], [CHANNELS.index(c) for c in kv[0]]))[:TOP]
    tp = {"customer": [r[0] for r in TP], "time": [r[1] for r in TP], "channel": [r[2] for r in TP],
          "kind": [r[3] for r in TP], "value": [0.0] * len(TP), "rating": [None] * len(TP),
          "rating_scale": ["nps"] * len(TP)}
    out = {"touchpoints": tp, "config": {"by": "channel", "steps": STEPS, "path_length": PATH_LENGTH, "top_paths": TOP},
           "expected": {"transitions": {"labels": CHANNELS, "counts": counts.ravel().tolist(),
                                        "probabilities": [None if np.isnan(v) else float(v) for v in probs.ravel()]},
                        "step_labels": CHANNELS + ["end"], "step_matrix": step.ravel().tolist(), "steps": STEPS,
                        "paths": [list(p) for p, _ in ranked], "path_counts": [c for _, c in ranked],
                        "customers": int(customers)}}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
