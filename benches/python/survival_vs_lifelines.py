#!/usr/bin/env python3
"""Kaplan–Meier and the log-rank test: the engine's Python package side by side with lifelines.

On the bundled CDNOW cohort (the full 23,570 customers): a customer's duration is the time from the
first to the last purchase day, in weeks, and the "churn" is observed when the last purchase came more
than 26 weeks before the end of the data (1998-06-30); otherwise the customer is censored as
possibly still active. The groups of the log-rank test are customers whose first purchase was in
January vs later. Also a simulated 1M-customer cohort for speed.

Creates a throwaway venv with lifelines and the engine's package (outside the test command):

    python3 benches/python/survival_vs_lifelines.py

Prints the largest absolute differences of the survival curve and its band, the median, the log-rank
statistic and p-value, and the time ratio measured in this run.
"""
import os
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ensure_venv():
    """Re-runs this script in a venv with lifelines and the engine's package (built by maturin)."""
    if os.environ.get("SURVIVAL_BENCH_VENV"):
        return
    env_dir = os.path.join(tempfile.gettempdir(), "engagement-survival-bench-venv")
    python = os.path.join(env_dir, "bin", "python")
    if not os.path.exists(python):
        venv.create(env_dir, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "lifelines==0.30.0", "maturin"], check=True)
    subprocess.run([python, "-m", "maturin", "develop", "--quiet", "--release", "-m",
                    os.path.join(ROOT, "engagement-py", "Cargo.toml")], check=True,
                   env={**os.environ, "VIRTUAL_ENV": env_dir})
    os.execve(python, [python, *sys.argv], {**os.environ, "SURVIVAL_BENCH_VENV": "1"})


def cdnow():
    import numpy as np
    import pandas as pd
    tx = pd.read_csv(os.path.join(ROOT, "data", "cdnow", "CDNOW_master.txt"), sep=r"\s+", header=0,
                     names=["customer", "date", "cds", "dollars"])
    tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    g = tx.groupby("customer")["date"]
    first, last = g.min(), g.max()
    end = pd.Timestamp("1998-06-30")
    duration = ((last - first).dt.days / 7.0).to_numpy()
    observed = ((end - last).dt.days > 26 * 7).to_numpy()
    january = (first < pd.Timestamp("1997-02-01")).to_numpy()
    return duration, observed, january, np


def timed(f, runs=3):
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return out, best


def compare(label, duration, observed, groups, np):
    import engagement
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    ours, t_ours = timed(lambda: engagement.kaplan_meier(duration, observed))
    theirs, t_theirs = timed(lambda: KaplanMeierFitter().fit(duration, observed))
    sf = theirs.survival_function_.iloc[:, 0].to_numpy()
    ci = theirs.confidence_interval_.to_numpy()
    assert np.array_equal(theirs.survival_function_.index.to_numpy(), ours.time), "time grids differ"
    print(f"\n{label}: {len(duration)} customers, {observed.sum()} churned, {len(ours.time)} distinct times")
    print(f"  survival: largest |difference| {np.max(np.abs(ours.survival - sf)):.2e}")
    print(f"  band: largest |difference| {np.nanmax(np.abs(np.c_[ours.ci_low, ours.ci_high] - ci)):.2e}")
    print(f"  median: engine {ours.median}, lifelines {theirs.median_survival_time_}")
    print(f"  Kaplan–Meier: engine {t_ours * 1e3:.1f} ms, lifelines {t_theirs * 1e3:.1f} ms: "
          f"engine is {t_theirs / t_ours:.0f}x faster")
    a, b = groups, ~groups
    lr, t_lr = timed(lambda: engagement.logrank_test(duration[a], observed[a], duration[b], observed[b]))
    ref, t_ref = timed(lambda: logrank_test(duration[a], duration[b], observed[a], observed[b]))
    print(f"  log-rank: statistic {lr.statistic:.10g} vs {ref.test_statistic:.10g}, "
          f"p {lr.p_value:.6g} vs {ref.p_value:.6g}; engine {t_lr * 1e3:.1f} ms, lifelines {t_ref * 1e3:.1f} ms: "
          f"{t_ref / t_lr:.0f}x")


def main():
    ensure_venv()
    duration, observed, january, np = cdnow()
    compare("CDNOW cohort", duration, observed, january, np)
    rng = np.random.default_rng(3)
    n = 1_000_000
    d = np.floor(rng.exponential(30.0, n))
    compare("simulated", d, rng.random(n) < 0.7, rng.random(n) < 0.5, np)


if __name__ == "__main__":
    main()
