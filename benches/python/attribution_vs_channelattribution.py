#!/usr/bin/env python3
"""Multi-touch attribution: the engine's Python package side by side with ChannelAttribution 2.2.5
(the PyPI package `channelattribution`) on the same paths, in one run.

Paths follow ChannelAttribution's input: one row per distinct path ("email > search > display")
with its conversions, conversion value and non-converting journeys ("nulls"). Two path tables:
- synthetic: 60,000 journeys over 7 channels drawn from a fixed seed (a sticky channel-to-channel
  chain, up to 7 touches, conversion odds depending on the channels seen), about 7,600 distinct
  paths;
- sample: the bundled data/sample/touchpoints.csv, cut into paths here with the engine's rule (each
  purchase closes a path of the customer's other touchpoints, refunds aside, within 30 days before it
  and since the previous purchase, ending with the purchase's channel, as the engine does with
  `include_conversion=True`; the touchpoints after the last purchase, within 30 days of the last of
  them, form a non-converting path). The script checks that the engine credits these paths exactly
  as it credits `attribute_touchpoints(..., include_conversion=True)` on the raw rows.

Checks (the script exits 1 if one fails):
- first touch, last touch and linear: conversions and value equal to 1e-9 relative;
- Markov orders 1, 2 and 3: the engine's credited conversions and value and their removal effects lie within
  ChannelAttribution's simulation noise. ChannelAttribution is run with `--seeds` seeds of
  `--simulations` simulated journeys each (nfold=1, max_step=MAX_STEP: see below), and every channel's
  engine figure must lie within Z_MAX standard errors (the seed-to-seed standard deviation over
  sqrt(seeds)) of the seeds' mean. With the standard error estimated from the default 10 runs, the
  distance follows Student's t with 9 degrees of freedom: P(|t| > 6) = 2e-4 for a figure that agrees.

Conventions (read from ChannelAttribution's C++ source, version 2.2.4 on its repository):
- Heuristics: both credit the first and the last channel of a path, and linear splits a path's
  conversions and value equally over its touches (a repeated channel gets a share per touch).
- Non-converting journeys: both take them the same way. A path with c conversions and n nulls adds
  c + n to every transition along it, then c to (conversion) and n to (null) from its last state.
  ChannelAttribution reads the counts as unsigned integers, the engine as floats.
- Repeated states: ChannelAttribution drops a state equal to the one before it ("a > a > b" walks
  a, b); the engine keeps the self-loop. Absorption probabilities, removal effects and credits are
  the same either way; only the transition matrices differ.
- Order k > 1: ChannelAttribution's first state is the path's first k channels (the whole path when
  shorter); the engine walks the prefixes (a), (a, b), ... before reaching k channels. The prefixes form a
  tree under the start, so the absorption probabilities are the same.
- Markov is exact in the engine (the absorbing chain solved), simulated in ChannelAttribution: it
  draws journeys from the chain, and a channel's removal effect is the share of the converting
  journeys that visited it (which is 1 - P(conversion without it) / P(conversion)); credits are the
  removal effects scaled to the total conversions in both.
- ChannelAttribution stops a simulated journey after `max_step` steps (by default the longest path
  in the data, counted after dropping repeated states) and counts it as not converting. On the
  synthetic paths that cuts 0.3% of the journeys at order 1 and 1.3% at order 3 (6 steps), which
  moves its credits by up to 1% and 3.5%. The precision runs avoid this with max_step=MAX_STEP.
- At its default nfold=10, a ChannelAttribution result is one of 10 sub-runs of nsim_start / 10
  journeys (the one nearest the sub-runs' componentwise median, so not a plain average), and sub-run
  r uses the seed `seed + r`. The precision runs use nfold=1, so that each run is a plain Monte Carlo
  average over all its journeys, and seeds 1000 apart. The "vs CA default" column is the distance
  to one run at the package's defaults (nsim_start=1e5, nfold=10, seed 0), for scale.
- Conversion value under Markov: ChannelAttribution draws a value for each simulated conversion
  from the conversions that ended in the same last state and credits it to the channels visited,
  i.e. value-weighted removal effects; the engine solves that value-weighted chain exactly. The
  value credits and value removal effects are checked against ChannelAttribution's noise like the
  conversions, and the value credits against the same chain solved here with numpy (1e-9).

Creates a throwaway venv with ChannelAttribution, pandas and the engine's package (built by maturin;
outside the test command):

    python3 benches/python/attribution_vs_channelattribution.py [--journeys 60000] [--seeds 10]
        [--simulations 2000000]

Prints the largest differences, ChannelAttribution's seed-to-seed spread and the time ratios
measured in this run (ChannelAttribution at its defaults, nsim_start=1e5, and at --simulations).
"""
import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHANNELS = ["email", "search", "display", "social", "affiliate", "direct", "video"]
HEURISTIC_RTOL = 1e-9
Z_MAX = 6.0
MAX_STEP = 200
ORDERS = (1, 2, 3)


def ensure_venv():
    """Re-runs this script in a venv with ChannelAttribution and the engine's package (built by maturin)."""
    if os.environ.get("ATTRIBUTION_BENCH_VENV"):
        return
    env_dir = os.path.join(tempfile.gettempdir(), "engagement-attribution-bench-venv")
    python = os.path.join(env_dir, "bin", "python")
    if not os.path.exists(python):
        venv.create(env_dir, with_pip=True)
        # ChannelAttribution imports matplotlib without declaring it.
        subprocess.run([python, "-m", "pip", "install", "--quiet", "channelattribution==2.2.5", "matplotlib", "pandas",
                        "numpy", "maturin"], check=True)
    subprocess.run([python, "-m", "maturin", "develop", "--quiet", "--release", "-m",
                    os.path.join(ROOT, "engagement-py", "Cargo.toml")], check=True,
                   env={**os.environ, "VIRTUAL_ENV": env_dir})
    os.execve(python, [python, *sys.argv], {**os.environ, "ATTRIBUTION_BENCH_VENV": "1"})


def timed(f, runs=3):
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return out, best


def table(rows, np, pd):
    """Distinct paths with ChannelAttribution's column names; counts as integers, as it needs."""
    df = pd.DataFrame(rows, columns=["path", "total_conversions", "total_conversion_value", "total_null"])
    df = df.groupby("path", sort=True, as_index=False).sum()
    return df.astype({"total_conversions": np.int64, "total_null": np.int64})


def synthetic_paths(journeys, np, pd, seed=20240601, max_len=7):
    rng = np.random.default_rng(seed)
    k = len(CHANNELS)
    start = rng.dirichlet(np.full(k, 2.0))
    step = 0.7 * rng.dirichlet(np.full(k, 0.7), size=k) + 0.3 * np.eye(k)  # a channel often repeats
    cum = np.cumsum(step, axis=1)
    path = np.full((journeys, max_len), -1)
    path[:, 0] = rng.choice(k, journeys, p=start)
    alive = np.ones(journeys, bool)
    for j in range(1, max_len):
        alive &= rng.random(journeys) > 0.38
        nxt = (rng.random(journeys)[:, None] > cum[path[:, j - 1].clip(0)]).sum(1).clip(0, k - 1)
        path[:, j] = np.where(alive, nxt, -1)
    seen = np.zeros((journeys, k), bool)
    for j in range(max_len):
        on = path[:, j] >= 0
        seen[np.nonzero(on)[0], path[on, j]] = True
    logit = -3.0 + seen @ rng.normal(0.0, 0.8, k) + 0.25 * (path >= 0).sum(1)
    conv = rng.random(journeys) < 1 / (1 + np.exp(-logit))
    value = np.where(conv, np.round(rng.lognormal(3.5, 0.6, journeys), 2), 0.0)
    names = np.array(CHANNELS, dtype=object)
    text = [" > ".join(names[row[row >= 0]]) for row in path]
    return table(list(zip(text, conv.astype(int), value, (~conv).astype(int))), np, pd)


def sample_paths(lookback_days, np, pd):
    """The bundled sample's touchpoints and their paths, cut as the engine's attribute_touchpoints does
    with include_conversion=True (the purchase's channel ends its path)."""
    tp = pd.read_csv(os.path.join(ROOT, "data", "sample", "touchpoints.csv"))
    lookback = int(lookback_days * 86_400)
    order = np.lexsort((np.arange(len(tp)), tp["time"].to_numpy(), tp["customer"].to_numpy()))
    s = tp.iloc[order]
    rows, since, current = [], [], None
    for cust, t, ch, kind, v in zip(s["customer"], s["time"], s["channel"], s["kind"], s["value"]):
        if cust != current:
            if since:
                rows.append((" > ".join(c for tt, c in since if tt >= since[-1][0] - lookback), 0, 0.0, 1))
            since, current = [], cust
        if kind == "purchase":
            rows.append((" > ".join([c for tt, c in since if tt >= t - lookback] + [ch]), 1, float(v), 0))
            since = []
        elif kind != "refund":
            since.append((t, ch))
    if since:
        rows.append((" > ".join(c for tt, c in since if tt >= since[-1][0] - lookback), 0, 0.0, 1))
    return tp, table(rows, np, pd)


def value_weighted_credits(df, order, np):
    """ChannelAttribution's Markov value, solved exactly: the chain of the engine (and of the golden
    derivation), with the conversion from each last state weighted by the mean value of the
    conversions that ended there; removing a channel removes the states holding it."""
    states, trans, conv, value_at, conv_at = {(): 0}, {}, {}, {}, {}
    index = {}
    for text, c, v, n in zip(df["path"], df["total_conversions"], df["total_conversion_value"], df["total_null"]):
        path = [index.setdefault(x.strip(), len(index)) for x in text.split(">")]
        frm = 0
        for j in range(len(path)):
            to = states.setdefault(tuple(path[max(0, j - order + 1): j + 1]), len(states))
            trans[frm, to] = trans.get((frm, to), 0.0) + c + n
            frm = to
        trans[frm, -1] = trans.get((frm, -1), 0.0) + c + n  # leaving the chain: conversion or null
        conv[frm] = conv.get(frm, 0.0) + c
        if c > 0:
            value_at[frm] = value_at.get(frm, 0.0) + v
            conv_at[frm] = conv_at.get(frm, 0.0) + c
    m = len(states)
    total = np.zeros(m)
    for (a, _), w in trans.items():
        total[a] += w
    q, reward = np.zeros((m, m)), np.zeros(m)
    for (a, b), w in trans.items():
        if b >= 0:
            q[a, b] += w / total[a]
    for s, c in conv.items():
        if c > 0:
            reward[s] = c / total[s] * value_at[s] / conv_at[s]
    keys = list(states)

    def expected(removed):
        keep = [i for i, key in enumerate(keys) if removed not in key]
        return np.linalg.solve(np.eye(len(keep)) - q[np.ix_(keep, keep)], reward[keep])[0]

    base = expected(None)
    effects = np.array([1.0 - expected(c) / base for c in range(len(index))])
    credits = effects / effects.sum() * df["total_conversion_value"].sum()
    return dict(zip(index, credits))


class Report:
    def __init__(self):
        self.failures = []
        self.timings = []
        self.heuristics = []
        self.markov = []
        self.values = []

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok


def compare_heuristics(label, df, ca, engagement, np, report):
    args = (df["path"], df["total_conversions"], df["total_conversion_value"], df["total_null"])
    ours, t_ours = timed(lambda: {rule: engagement.attribute(*args, rule=rule).to_frame()
                                  for rule in ("first_touch", "last_touch", "linear")})
    theirs, t_theirs = timed(lambda: ca.heuristic_models(df, "path", "total_conversions",
                                                         var_value="total_conversion_value", flg_pro=False))
    theirs = theirs.set_index("channel_name")
    report.check(set(theirs.index) == set(ours["linear"].index), f"{label}: the channels differ")
    report.timings.append((label, "first, last, linear touch", t_ours, t_theirs, ""))
    for rule, prefix in (("first_touch", "first_touch"), ("last_touch", "last_touch"), ("linear", "linear_touch")):
        e = ours[rule].loc[theirs.index]
        worst = 0.0
        for mine, col in (("conversions", "conversions"), ("value", "value")):
            a, b = e[mine].to_numpy(), theirs[f"{prefix}_{col}"].to_numpy()
            worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300) * (a != b))))
        ok = report.check(worst <= HEURISTIC_RTOL, f"{label}: {rule} differs by {worst:.1e} relative")
        report.heuristics.append((label, rule, worst, ok))


def compare_markov(label, df, order, args, ca, engagement, np, pd, report):
    ours, t_ours = timed(lambda: engagement.attribute(df["path"], df["total_conversions"], df["total_conversion_value"],
                                                      df["total_null"], rule="markov", order=order).to_frame())
    ca_args = dict(var_value="total_conversion_value", var_null="total_null", order=order, out_more=True,
                   verbose=False, flg_pro=False)

    def frame(m):
        out = m["result"].set_index("channel_name").join(m["removal_effects"].set_index("channel_name"))
        return out.loc[ours.index]

    default, t_default = timed(lambda: frame(ca.markov_model(df, "path", "total_conversions", **ca_args)))
    runs, t_runs = [], 0.0
    for r in range(args.seeds):
        out, t = timed(lambda: frame(ca.markov_model(df, "path", "total_conversions", nsim_start=args.simulations,
                                                     max_step=MAX_STEP, nfold=1, seed=1000 * r,
                                                     **ca_args)), runs=1)
        runs.append(out)
        t_runs += t
    report.timings.append((label, f"Markov order {order}", t_ours, t_default, f"{t_runs / args.seeds:.3f}s"))
    runs = pd.concat(runs, keys=range(args.seeds))
    mean, sd = runs.groupby(level=1).mean().loc[ours.index], runs.groupby(level=1).std().loc[ours.index]
    se = sd / np.sqrt(args.seeds)
    for mine, col in (("conversions", "total_conversions"), ("removal_effect", "removal_effects_conversion"),
                      ("value", "total_conversion_value"), ("value_removal_effect", "removal_effects_conversion_value")):
        diff = ours[mine] - mean[col]
        z = diff.abs() / se[col]
        # A channel in every converting journey has a removal effect of exactly 1 in every run.
        inside = diff.abs() <= Z_MAX * se[col] + 1e-9 * mean[col].abs()
        ok = report.check(bool(inside.all()), f"{label}: Markov order {order} {mine} outside CA's noise: "
                          f"{list(inside.index[~inside])}")
        default_diff = ((ours[mine] - default[col]).abs() / default[col].abs()).max()
        report.markov.append((label, order, mine, diff.abs().max(), (diff.abs() / mean[col].abs()).max(),
                              (sd[col] / mean[col].abs()).max(), z.max(), default_diff, ok))
    # The value convention solved independently with numpy: the engine must equal it.
    exact = pd.Series(value_weighted_credits(df, order, np)).loc[ours.index]
    rel = float(((ours["value"] - exact).abs() / exact.abs()).max())
    ok = report.check(rel <= HEURISTIC_RTOL, f"{label}: Markov order {order} value {rel:.1e} off the numpy solve")
    report.values.append((label, order, rel, ok))


def main():
    ensure_venv()
    import numpy as np
    import pandas as pd

    import engagement
    with contextlib.redirect_stdout(io.StringIO()):  # its import prints a banner
        import ChannelAttribution as ca

    parser = argparse.ArgumentParser()
    parser.add_argument("--journeys", type=int, default=60_000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--simulations", type=int, default=2_000_000)
    args = parser.parse_args()
    report = Report()

    synthetic = synthetic_paths(args.journeys, np, pd)
    tp, sample = sample_paths(30, np, pd)
    for label, df in (("synthetic", synthetic), ("sample", sample)):
        lengths = df["path"].str.count(">") + 1
        channels = df["path"].str.split(">").explode().str.strip().nunique()
        print(f"{label}: {len(df)} distinct paths over {channels} channels (1 to {lengths.max()} touches), "
              f"{df['total_conversions'].sum()} conversions, {df['total_null'].sum()} non-converting journeys")

    # The sample's paths as cut here are the engine's own: same credits from the raw touchpoints.
    worst, same = 0.0, True
    for rule, params in (("first_touch", {}), ("last_touch", {}), ("linear", {}), ("markov", {"order": 1}),
                         ("markov", {"order": 2}), ("markov", {"order": 3})):
        raw = engagement.attribute_touchpoints(tp["customer"], tp["time"], tp["channel"], tp["kind"], tp["value"],
                                               lookback_days=30, include_conversion=True, rule=rule,
                                               **params).to_frame()
        cut = engagement.attribute(sample["path"], sample["total_conversions"], sample["total_conversion_value"],
                                   sample["total_null"], rule=rule, **params).to_frame()
        same &= set(raw.index) == set(cut.index)
        worst = max(worst, float(((raw - cut.loc[raw.index]).abs() / raw.abs().clip(lower=1e-300)).max().max()))
    ok = report.check(same and worst <= HEURISTIC_RTOL,
                      f"sample: paths cut here credit {worst:.1e} off attribute_touchpoints")
    print(f"sample paths cut here vs the engine's attribute_touchpoints: largest relative difference {worst:.1e} "
          f"over first, last, linear and Markov 1-3 ({'ok' if ok else 'FAIL'})")

    for label, df in (("synthetic", synthetic), ("sample", sample)):
        compare_heuristics(label, df, ca, engagement, np, report)
        for order in ORDERS:
            compare_markov(label, df, order, args, ca, engagement, np, pd, report)

    print(f"\nHeuristics: engine vs ChannelAttribution.heuristic_models (conversions and value; tolerance "
          f"{HEURISTIC_RTOL:.0e} relative)")
    print(f"{'paths':<10} {'rule':<12} {'largest rel. diff':>18}  ok")
    for label, rule, worst, ok in report.heuristics:
        print(f"{label:<10} {rule:<12} {worst:>18.1e}  {ok}")

    print(f"\nMarkov: engine (exact) vs ChannelAttribution.markov_model over {args.seeds} seeds of "
          f"{args.simulations:.0e} simulated journeys (nfold=1, max_step={MAX_STEP}); check: |engine - CA mean| <= "
          f"{Z_MAX:g} standard errors")
    print(f"{'paths':<10} {'order':>5} {'quantity':<15} {'max |diff|':>11} {'max rel':>9} {'CA run sd':>10} "
          f"{'max z':>7} {'vs CA default':>14}  ok")
    for label, order, what, d, rel, sd, z, dd, ok in report.markov:
        print(f"{label:<10} {order:>5} {what:<15} {d:>11.4g} {rel:>9.2%} {sd:>10.2%} {z:>7.2f} {dd:>14.2%}  {ok}")

    print(f"\nMarkov value: engine vs the value-weighted chain solved with numpy (tolerance {HEURISTIC_RTOL:.0e} "
          "relative)")
    print(f"{'paths':<10} {'order':>5} {'largest rel. diff':>18}  ok")
    for label, order, rel, ok in report.values:
        print(f"{label:<10} {order:>5} {rel:>18.1e}  {ok}")

    print(f"\nTimes (best of 3; the engine takes one call per heuristic rule, CA one for the three; CA Markov at "
          f"its defaults, nsim_start=1e5, seed 0; one CA run of {args.simulations:.0e} simulations in the last column)")
    print(f"{'paths':<10} {'model':<26} {'engine':>9} {'CA':>9} {'ratio':>8} {'CA precise run':>15}")
    for label, what, a, b, precise in report.timings:
        print(f"{label:<10} {what:<26} {a:>8.4f}s {b:>8.4f}s {b / a:>7.1f}x {precise:>15}")

    if report.failures:
        print("\nFAILED:\n  " + "\n  ".join(report.failures))
        sys.exit(1)
    print("\nall checks passed")


if __name__ == "__main__":
    main()
