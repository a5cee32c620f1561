#!/usr/bin/env python3
"""Derives the parameter-interval cases of tests/golden/clv.json with the standard library only:
Wald intervals on the log scale, θ·exp(±z·se/θ), z = Φ⁻¹(1 − (1 − level)/2) from
statistics.NormalDist. Replaces the cases of op clv_parameter_intervals and keeps the others.

    python3 tests/golden/derive/clv_intervals.py
"""
import json
import math
from pathlib import Path
from statistics import NormalDist

path = Path(__file__).resolve().parents[1] / "clv.json"

# CDNOW's BG/NBD parameters and standard errors as this library's fit reports them (and as
# lifetimes' summary prints them, to the digits shown there).
CASES = [
    ("bg_nbd_cdnow_parameter_intervals_95", [0.242593, 4.413532, 0.792886, 2.425752],
     [0.012557, 0.378221, 0.185719, 0.705345], 0.95),
    ("sbg_parameter_intervals_80_with_an_exact_parameter", [0.704, 1.182], [0.0, 0.25], 0.8),
]


def case(name, params, se, level):
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    low = [p * math.exp(-z * s / p) for p, s in zip(params, se)]
    high = [p * math.exp(z * s / p) for p, s in zip(params, se)]
    return {"name": name, "op": "clv_parameter_intervals",
            "input": {"params": params, "standard_errors": se, "level": level},
            "expected": {"ok": {"low": low, "high": high}}, "tolerance": 1e-12,
            "source": "closed form: θ·exp(±z·se/θ), z from Python's statistics.NormalDist"}


doc = json.loads(path.read_text())
doc["cases"] = [c for c in doc["cases"] if c["op"] != "clv_parameter_intervals"] + [case(*c) for c in CASES]
path.write_text(json.dumps(doc, indent=1) + "\n")
print(f"{len(CASES)} cases")
