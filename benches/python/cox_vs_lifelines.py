#!/usr/bin/env python3
"""A Cox proportional hazards fit at scale: the engine's Python package side by side with lifelines'
CoxPHFitter on the same data, in one run, two threads each (rayon for the engine; the BLAS under
numpy for lifelines), the engine's best of three runs against lifelines' one.

Data: N customers (default 1,000,000) with K numeric covariates (default 10, standard normal), days
to churn drawn from an exponential hazard exp(beta'x) / 100 with beta_k = 0.1 * (-1)^k, censored at a
uniform end of observation in 30-365 days and rounded up to whole days (so ties, handled by Efron's
method on both sides, as lifelines always does).

Both fits are checked to agree (coefficients to 1e-6, standard errors to 1e-6 relative, concordance
to 1e-9) before the times are printed. The engine's fit also computes Harrell's concordance and the
baseline; lifelines' fit computes its baseline and leaves the concordance to first use, timed
separately (a summary shows it).
Creates a throwaway venv with lifelines and the engine's package (outside the test command):

    python3 benches/python/cox_vs_lifelines.py [--customers 1000000] [--covariates 10]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
THREADS = 2


def ensure_venv():
    """Re-runs this script in a venv with lifelines and the engine's package."""
    if os.environ.get("COX_LIFELINES_BENCH_VENV"):
        return
    env_dir = os.path.join(tempfile.gettempdir(), "engagement-cox-lifelines-bench-venv")
    python = os.path.join(env_dir, "bin", "python")
    if not os.path.exists(python):
        venv.create(env_dir, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "lifelines==0.30.3", "pandas", "maturin"],
                       check=True)
    subprocess.run([python, "-m", "maturin", "develop", "--quiet", "--release", "-m",
                    os.path.join(ROOT, "engagement-py", "Cargo.toml")], check=True,
                   env={**os.environ, "VIRTUAL_ENV": env_dir})
    threads = str(THREADS)
    os.execve(python, [python, *sys.argv], {**os.environ, "COX_LIFELINES_BENCH_VENV": "1", "RAYON_NUM_THREADS": threads,
                                            "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads,
                                            "MKL_NUM_THREADS": threads})


def timed(f, runs):
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    ensure_venv()
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--covariates", type=int, default=10)
    args = ap.parse_args()

    import lifelines
    import numpy as np
    import pandas as pd
    from lifelines import CoxPHFitter

    import engagement

    n, k = args.customers, args.covariates
    rng = np.random.default_rng(2026)
    x = rng.standard_normal((n, k))
    beta = 0.1 * (-1.0) ** np.arange(k)
    days = rng.exponential(100.0 / np.exp(x @ beta))
    end = rng.uniform(30, 365, n)
    duration = np.ceil(np.minimum(days, end))
    observed = days <= end
    names = [f"x{j}" for j in range(k)]
    covariates = {name: np.ascontiguousarray(x[:, j]) for j, name in enumerate(names)}
    df = pd.DataFrame(covariates).assign(T=duration, E=observed)

    te, model = timed(lambda: engagement.cox(duration, observed, covariates), runs=3)
    tl, cph = timed(lambda: CoxPHFitter().fit(df, "T", "E"), runs=1)
    # The concordance lifelines' summary shows is computed on first use; the engine's fit includes it.
    tc, concordance = timed(lambda: cph.concordance_index_, runs=1)
    # Equal up to the few pairs whose order the two fits' last digits of beta swap.
    assert abs(concordance - model.concordance) < 1e-9, (concordance, model.concordance)

    ours = np.array([t.coefficient for t in model.terms])
    theirs = cph.params_[names].to_numpy()
    se_ours = np.array([t.standard_error for t in model.terms])
    se_theirs = cph.standard_errors_[names].to_numpy()
    assert np.abs(ours - theirs).max() < 1e-6, (ours, theirs)
    assert np.abs(se_ours / se_theirs - 1).max() < 1e-6, (se_ours, se_theirs)
    print(f"equal coefficients (max difference {np.abs(ours - theirs).max():.1e}) and standard errors "
          f"({n:,} customers, {k} covariates, {int(observed.sum()):,} events, {len(np.unique(duration)):,} distinct "
          f"days; concordance {model.concordance:.4f})")
    print()
    print(f"| Cox fit, {n:,} customers × {k} covariates | engine | lifelines {lifelines.__version__} |")
    print("|---|---|---|")
    print(f"| fit: Efron ties, standard errors, baseline | {te:.2f} s (with concordance) | {tl:.2f} s ({tl / te:.1f}×) |")
    print(f"| fit and Harrell's concordance (what a summary shows) | {te:.2f} s | {tl + tc:.2f} s "
          f"({(tl + tc) / te:.1f}×) |")


if __name__ == "__main__":
    main()
