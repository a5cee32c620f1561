#!/usr/bin/env python3
"""RFM from a transaction log: the engine against pandas, on the same data, in one run.

Creates a throwaway venv with numpy and pandas (outside the project's test
command), writes a seeded transaction log as raw arrays, runs the engine's
`rfm_compare` example on it and the same computation in pandas, checks that
both give the same R, F and M scores for every customer, and prints the times
and the ratio.

    python3 benches/python/rfm_vs_pandas.py [--rows 10000000] [--customers 1000000]

The pandas side is the usual notebook code: a groupby for last purchase, count
and total, then quintile scores over the distinct values (the engine's tie
rule: ``1 + floor(5 j / k)`` for the j-th of k distinct values).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ensure_venv():
    """Re-runs this script inside a throwaway venv that has numpy and pandas."""
    if os.environ.get("RFM_BENCH_VENV"):
        return
    env_dir = os.path.join(tempfile.gettempdir(), "engagement-bench-pandas")
    python = os.path.join(env_dir, "bin", "python")
    if not os.path.exists(python):
        venv.create(env_dir, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "numpy", "pandas"], check=True)
    env = dict(os.environ, RFM_BENCH_VENV="1")
    sys.exit(subprocess.run([python, __file__, *sys.argv[1:]], env=env).returncode)


def main():
    ensure_venv()
    import time

    import numpy as np
    import pandas as pd

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()

    rng = np.random.default_rng(7)
    start = 1_704_067_200
    customer = rng.integers(1, args.customers + 1, args.rows, dtype=np.uint64)
    when = np.sort(rng.integers(start, start + 365 * 86_400, args.rows, dtype=np.int64))
    value = rng.integers(0, 20_000, args.rows) / 100.0
    as_of = start + 366 * 86_400

    data = tempfile.mkdtemp(prefix="rfm-bench-")
    customer.astype("<u8").tofile(os.path.join(data, "customer.u64"))
    when.astype("<i8").tofile(os.path.join(data, "time.i64"))
    value.astype("<f8").tofile(os.path.join(data, "value.f64"))

    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "engagement-bench", "--example", "rfm_compare"],
                   cwd=ROOT, check=True)
    engine = subprocess.run([os.path.join(ROOT, "target", "release", "examples", "rfm_compare"), data, str(as_of)],
                            check=True, capture_output=True, text=True)
    engine_result = json.loads(engine.stdout.strip().splitlines()[0])

    # Money is summed in integer cents, as the engine sums exact micro-units: a float sum
    # would make 0.1 + 0.2 and 0.3 two distinct values and shift the quintiles.
    df = pd.DataFrame({"customer": customer, "time": when, "cents": np.rint(value * 100).astype(np.int64)})

    def quintiles(x, lower_is_better):
        # The usual pandas idiom: dense ranks (ties share one), cut into five equal bands.
        dense = pd.Series(x).rank(method="dense").to_numpy().astype(np.int64) - 1
        q = 1 + (5 * dense) // (dense.max() + 1)
        return 6 - q if lower_is_better else q

    timings = {"aggregate": float("inf"), "score": float("inf")}

    def pandas_rfm():
        t = time.perf_counter()
        g = df.groupby("customer").agg(last=("time", "max"), frequency=("time", "size"), cents=("cents", "sum"))
        timings["aggregate"] = min(timings["aggregate"], time.perf_counter() - t)
        t = time.perf_counter()
        recency = (as_of - g["last"].to_numpy()) / 86_400.0
        out = pd.DataFrame({
            "customer": g.index.to_numpy(),
            "r": quintiles(recency, True),
            "f": quintiles(g["frequency"].to_numpy(), False),
            "m": quintiles(g["cents"].to_numpy() / 100.0, False),
        })
        timings["score"] = min(timings["score"], time.perf_counter() - t)
        return out

    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        scores = pandas_rfm()
        best = min(best, time.perf_counter() - t)

    mine = np.loadtxt(os.path.join(data, "engine_scores.txt"), dtype=np.int64)
    for col, k in (("r", 1), ("f", 2), ("m", 3)):
        if len(mine) == len(scores):
            diff = int((mine[:, k] != scores[col].to_numpy()).sum())
            if diff:
                print(f"{col}: {diff} customers differ")
    same = (len(mine) == len(scores)
            and (mine[:, 0] == scores["customer"].to_numpy().astype(np.int64)).all()
            and (mine[:, 1] == scores["r"].to_numpy()).all()
            and (mine[:, 2] == scores["f"].to_numpy()).all()
            and (mine[:, 3] == scores["m"].to_numpy()).all())
    print(f"rows {args.rows:,}, customers {len(scores):,}")
    e = engine_result
    print(f"pandas {pd.__version__}: {best * 1000:.1f} ms (best of 3): groupby {timings['aggregate'] * 1000:.1f} ms, "
          f"scores {timings['score'] * 1000:.1f} ms")
    print(f"engine: {e['seconds'] * 1000:.1f} ms (best of 5): aggregate {e['aggregate_seconds'] * 1000:.1f} ms, "
          f"scores {e['score_seconds'] * 1000:.1f} ms")
    print(f"ratio, transactions to scores: engine is {best / e['seconds']:.1f}x faster")
    print(f"ratio, aggregation: {timings['aggregate'] / e['aggregate_seconds']:.1f}x; "
          f"scoring: {timings['score'] / e['score_seconds']:.1f}x")
    print(f"same R, F, M scores for every customer: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
