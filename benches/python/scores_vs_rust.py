#!/usr/bin/env python3
"""10M touchpoints from numpy columns to per-customer engagement scores: the Python package against
the pure-Rust path on the same data, in one run.

Run with a Python that has the package installed (the test command leaves one in .venv):

    .venv/bin/python benches/python/scores_vs_rust.py [--rows 10000000] [--customers 1000000]

Prints both times (best of five), the ratio, and checks that both give the same scores.
"""

import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np

import engagement

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    start = 1_704_067_200
    cols = {
        "customer": rng.integers(1, args.customers + 1, args.rows, dtype=np.uint64),
        "time": np.sort(rng.integers(start, start + 365 * 86_400, args.rows, dtype=np.int64)),
        "channel": rng.integers(0, 11, args.rows, dtype=np.uint8),
        "kind": rng.choice(np.array([0, 1, 2, 3, 4], dtype=np.uint8), args.rows),
        "value": rng.integers(0, 10_000, args.rows) / 100.0,
    }
    as_of = start + 366 * 86_400
    data = tempfile.mkdtemp(prefix="scores-bench-")
    for name, ext in [("customer", "u64"), ("time", "i64"), ("channel", "u8"), ("kind", "u8"), ("value", "f64")]:
        cols[name].tofile(os.path.join(data, f"{name}.{ext}"))
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "engagement-bench", "--example", "scores_compare"],
                   cwd=ROOT, check=True)
    rust = json.loads(subprocess.run([os.path.join(ROOT, "target", "release", "examples", "scores_compare"), data,
                                      str(as_of)], check=True, capture_output=True, text=True).stdout)

    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        store = engagement.ProfileStore()
        store.push(cols["customer"], cols["time"], cols["channel"], cols["kind"], cols["value"])
        scores = store.scores(as_of)
        best = min(best, time.perf_counter() - t)
    print(f"rows {args.rows:,}, customers {len(store):,}")
    print(f"rust:   {rust['seconds'] * 1000:.1f} ms (best of 5)")
    print(f"python: {best * 1000:.1f} ms (best of 5)")
    print(f"ratio python / rust: {best / rust['seconds']:.2f} (target <= 1.5)")
    same = np.array_equal(scores["total"], np.fromfile(os.path.join(data, "total.f64"), dtype="<f8"))
    print(f"same scores: {same}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
