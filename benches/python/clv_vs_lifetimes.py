#!/usr/bin/env python3
"""CLV models side by side with `lifetimes`: CDNOW, the donor data, and simulated 100k / 1M customers.

Creates a throwaway venv with lifetimes 0.11.3 and the last numpy/pandas/scipy/autograd it works
with (outside the project's test command), runs the engine's `clv_compare` example (which writes the
CDNOW 39-week summary it fitted), fits the same summary with lifetimes, and prints for each model:
parameters and log-likelihood from both, the fit-time ratio measured in this run, and the largest
relative difference of the predictions when lifetimes is given the engine's parameters (so formula
differences show apart from optimiser differences): P(alive), expected purchases, P(x purchases),
expected spend, the discounted CLV of 12 months, and BG/BB on the donor data.

Then, for each of ``--sizes``, the engine simulates that many BG/NBD customers (day-resolution
times, as transaction logs give them) and both tools fit BG/NBD and Pareto/NBD to the same rows;
the log-likelihood of both optima is evaluated by lifetimes' own likelihood.

    python3 benches/python/clv_vs_lifetimes.py [--runs 3] [--sizes 100000,1000000]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PINS = ["numpy==1.26.4", "pandas==1.5.3", "scipy==1.11.4", "autograd==1.6.2", "lifetimes==0.11.3"]


def ensure_venv():
    """Re-runs this script inside a throwaway venv that has lifetimes."""
    if os.environ.get("CLV_BENCH_VENV"):
        return
    env_dir = os.path.join(tempfile.gettempdir(), "engagement-clv-bench-venv")
    python = os.path.join(env_dir, "bin", "python")
    if not os.path.exists(python):
        venv.create(env_dir, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", *PINS], check=True)
    os.execve(python, [python, *sys.argv], {**os.environ, "CLV_BENCH_VENV": "1"})


def main():
    ensure_venv()
    import time
    import warnings

    import numpy as np
    import pandas as pd
    from lifetimes import (BetaGeoBetaBinomFitter, BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter,
                           ParetoNBDFitter)

    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="100000,1000000", help="simulated customers, comma-separated ('' for none)")
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="clv-bench-")
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "engagement-bench", "--example", "clv_compare"],
                   cwd=ROOT, check=True)
    out = subprocess.run([os.path.join(ROOT, "target", "release", "examples", "clv_compare"), data, str(args.runs)],
                         check=True, capture_output=True, text=True)
    engine = json.loads(out.stdout.strip().splitlines()[-1])
    s = pd.read_csv(os.path.join(data, "summary.csv"))
    mine = pd.read_csv(os.path.join(data, "engine_predictions.csv"))
    my_spend = np.loadtxt(os.path.join(data, "engine_spend.csv"))
    my_value = np.loadtxt(os.path.join(data, "engine_value.csv"))
    probs = pd.read_csv(os.path.join(data, "engine_probabilities.csv"))
    bb_mine = pd.read_csv(os.path.join(data, "engine_bg_bb.csv"))
    donors = pd.read_csv(os.path.join(ROOT, "data", "donations", "donations.csv"))
    repeat = s[s["frequency"] > 0]

    def timed(make, *cols):
        """The best fit time at lifetimes' default tolerance, and a fitter refitted at the tightest
        tolerance it converges at (down to 1e-12), so that the parameters compare at the optimum
        rather than at lifetimes' stopping point."""
        best, fitter = float("inf"), None
        for _ in range(args.runs):
            fitter = make()
            t = time.perf_counter()
            fitter.fit(*cols)
            best = min(best, time.perf_counter() - t)
        from lifetimes.utils import ConvergenceError
        for tol in (1e-12, 1e-11, 1e-10, 1e-9):  # lifetimes' optimiser gives up below some tolerance
            try:
                tight = make()
                tight.fit(*cols, tol=tol)
                return tight, best, tol
            except ConvergenceError:
                continue
        return fitter, best, 1e-7

    def rel(a, b):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))

    rows = []
    specs = [
        ("bg_nbd", lambda: BetaGeoFitter(penalizer_coef=0.0), (s["frequency"], s["recency"], s["T"]),
         ("r", "alpha", "a", "b")),
        ("pareto_nbd", lambda: ParetoNBDFitter(penalizer_coef=0.0), (s["frequency"], s["recency"], s["T"]),
         ("r", "alpha", "s", "beta")),
        ("mbg_nbd", lambda: ModifiedBetaGeoFitter(penalizer_coef=0.0), (s["frequency"], s["recency"], s["T"]),
         ("r", "alpha", "a", "b")),
        ("gamma_gamma", lambda: GammaGammaFitter(penalizer_coef=0.0), (repeat["frequency"], repeat["monetary_value"]),
         ("p", "q", "gamma")),
    ]
    for name, make, cols, names in specs:
        fitter, seconds, tol = timed(make, *cols)
        theirs = [float(v) for v in fitter.params_.values]
        e = engine[name]
        ours = [e["fit"]["model"][k] for k in names]
        # Standard errors as lifetimes reports them (its Hessian at its own optimum, delta method).
        try:
            se_theirs = [float(v) for v in fitter.standard_errors_.values]
        except AttributeError:  # lifetimes keeps no Hessian for some models (Pareto/NBD)
            se_theirs = None
        # Predictions from lifetimes at the engine's parameters.
        fitter.params_ = pd.Series(dict(zip(fitter.params_.index, ours)))
        if name == "gamma_gamma":
            diff = {"expected_spend": rel(fitter.conditional_expected_average_profit(*cols), my_spend)}
        else:
            f, r, T = cols
            key = {"bg_nbd": "bg", "pareto_nbd": "pn", "mbg_nbd": "mbg"}[name]
            diff = {
                "p_alive": rel(fitter.conditional_probability_alive(f, r, T), mine[f"{key}_p_alive"]),
                "expected_purchases_39": rel(
                    fitter.conditional_expected_number_of_purchases_up_to_time(39, f, r, T), mine[f"{key}_cond_39"]),
            }
            if name != "pareto_nbd":  # lifetimes has no unconditional P(x) for Pareto/NBD
                diff["P(x purchases in 39 weeks), x = 0..9"] = rel(
                    [fitter.probability_of_n_purchases_up_to_time(39, x) for x in range(10)], probs[key])
            if name == "bg_nbd":
                gg = GammaGammaFitter()
                gg.params_ = pd.Series(dict(zip(["p", "q", "v"], [engine["gamma_gamma"]["fit"]["model"][k]
                                                                   for k in ("p", "q", "gamma")])))
                clv = gg.customer_lifetime_value(fitter, f, r, T, s["monetary_value"], time=12,
                                                 discount_rate=0.01, freq="W")
                diff["discounted CLV, 12 months at 1 %"] = rel(clv, my_value)
        if se_theirs and e["fit"]["standard_errors"]:
            diff["standard errors"] = rel(e["fit"]["standard_errors"], se_theirs)
        rows.append((name, names, ours, theirs, e["fit"]["log_likelihood"], e["seconds"], seconds, diff, tol))

    # BG/BB on the donor patterns, with their counts as weights.
    cols = (donors["frequency"], donors["recency"], donors["periods"], donors["weights"])
    fitter, seconds, tol = timed(BetaGeoBetaBinomFitter, *cols)
    names = ("alpha", "beta", "gamma", "delta")
    theirs = [float(fitter.params_[k]) for k in names]
    e = engine["bg_bb"]
    ours = [e["fit"]["model"][k] for k in names]
    fitter.params_ = pd.Series(dict(zip(names, ours)))
    f, r, n = cols[:3]
    diff = {
        "P(alive at n+1)": rel(fitter.conditional_probability_alive(1, f, r, n), bb_mine["p_alive"]),
        "expected purchases, 5 periods": rel(
            fitter.conditional_expected_number_of_purchases_up_to_time(5, f, r, n), bb_mine["cond_5"]),
    }
    rows.append(("bg_bb", names, ours, theirs, e["fit"]["log_likelihood"], e["seconds"], seconds, diff, tol))

    print(f"CDNOW 1/10th sample, {len(s)} customers ({len(repeat)} repeat buyers), 39 weeks; best of {args.runs}")
    # lifetimes keeps only a scaled, per-customer negative log-likelihood, so only the engine's LL is shown.
    for name, names, ours, theirs, ll_o, s_o, s_t, diff, tol in rows:
        print(f"\n{name}")
        print("  engine:    " + "  ".join(f"{k} {v:.6g}" for k, v in zip(names, ours)) + f"  LL {ll_o:.4f}")
        print("  lifetimes: " + "  ".join(f"{k} {v:.6g}" for k, v in zip(names, theirs)) )
        print(f"  largest relative parameter difference (lifetimes refitted at tol {tol:g}): {rel(theirs, ours):.2e}")
        print(f"  fit: engine {s_o * 1000:.1f} ms, lifetimes {s_t * 1000:.1f} ms: engine is {s_t / s_o:.0f}x faster")
        for k, v in diff.items():
            where = "" if k == "standard errors" else " at the engine's parameters"
            print(f"  {k}{where}, largest relative difference: {v:.2e}")


    for size in [int(v) for v in args.sizes.split(",") if v]:
        simulated(size, args.runs, data)


def simulated(size, runs, data):
    """Both tools fit BG/NBD and Pareto/NBD to the same `size` simulated customers."""
    import time

    import numpy as np
    import pandas as pd
    from lifetimes import BetaGeoFitter, ParetoNBDFitter

    out = subprocess.run([os.path.join(ROOT, "target", "release", "examples", "clv_compare"), "simulate", data,
                          str(size), str(runs)], check=True, capture_output=True, text=True)
    engine = json.loads(out.stdout.strip().splitlines()[-1])
    s = pd.read_csv(os.path.join(data, "simulated.csv"))
    print(f"\nsimulated BG/NBD customers: {size} ({engine['distinct_rows']} distinct histories); "
          f"lifetimes fits once, the engine best of {runs}")
    for name, make, names in [("bg_nbd", BetaGeoFitter, ("r", "alpha", "a", "b")),
                              ("pareto_nbd", ParetoNBDFitter, ("r", "alpha", "s", "beta"))]:
        fitter = make(penalizer_coef=0.0)
        t = time.perf_counter()
        fitter.fit(s["frequency"], s["recency"], s["T"])
        theirs_s = time.perf_counter() - t
        theirs = [float(fitter.params_[k]) for k in names]
        e = engine[name]
        ours = [e["fit"]["model"][k] for k in names]
        # Both optima scored by lifetimes' own negative log-likelihood (BG/NBD's takes log parameters
        # and returns the per-customer mean; Pareto/NBD's takes parameters and returns the sum).
        w = np.ones(len(s))
        cols = (s["frequency"].values, s["recency"].values, s["T"].values)
        if name == "bg_nbd":
            ll = lambda p: -make._negative_log_likelihood(np.log(p), *cols, w, 0.0) * len(s)  # noqa: E731
        else:
            ll = lambda p: -make._negative_log_likelihood(np.asarray(p), *cols, w, 0.0)  # noqa: E731
        print(f"  {name}: engine {e['seconds']:.3f} s, LL {ll(ours):.2f} ({e['fit']['iterations']} iterations); "
              f"lifetimes {theirs_s:.3f} s, LL {ll(theirs):.2f}: engine is {theirs_s / e['seconds']:.0f}x faster")


if __name__ == "__main__":
    main()
