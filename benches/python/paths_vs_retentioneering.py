#!/usr/bin/env python3
"""Paths, step matrix, sessions and funnels: the engine's Python package side by side with
retentioneering 5.2.4 on retentioneering's own bundled e-commerce clickstream
(`retentioneering.datasets.load_ecom()`: 600 users, 3,605 sessions, 31,106 events, 19 event
names), in one run. Retentioneering's tracking is turned off (RETENTIONEERING_NO_TRACK=1).

Definitions compared (retentioneering's from its source, src/retentioneering/tools/*.py):
- transitions: consecutive events of a path (user or session), each path opened by path_start and
  closed by path_end; weights `count` (transitions), `unique_paths`, `proba_out` (count over the
  source's outgoing transitions, path_end included) and `proba_in` (over the target's incoming
  ones, path_start included), `time_median` and `time_q95` in seconds;
- step matrix: the share of paths whose k-th event is each event (k = 1 … max_steps), path_end
  for paths already over (retentioneering's column 0, path_start, has no counterpart);
- sessions: a gap strictly longer than 30 minutes starts one;
- funnel: a closed funnel (steps in order, anything between, no time limit): the paths reaching
  each step.
Equal timestamps: retentioneering keeps the input row order of raw events with the same time (it
sorts by path, time and event type); the engine orders them by their label. The dataset has 162
such ties, so both are fed the rows sorted by (user, time, event), where the two orders agree, and
the script also reports how many transition counts move when retentioneering gets the file's own
order (every difference is at a tie). Differences of definition, stated: retentioneering gives the
path_start and path_end edges a time of 0 s (its markers copy the first and last event's time); the
engine gives them no time (null). Retentioneering's conversion rate is out of all paths; the
engine's overall conversion is out of the paths entering the first step (its counts are compared).

Creates a throwaway venv with retentioneering and the engine's package (built by maturin; outside
the test command):

    python3 benches/python/paths_vs_retentioneering.py

Prints every comparison with its largest difference, and the time of each side in this run.
Exits 1 if a number differs beyond 1e-12 (times between events: 1e-6 s, since retentioneering
rounds them to whole microseconds).
"""
import os
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOL = 1e-12
TIME_TOL = 1e-6  # seconds: retentioneering's times are whole microseconds
FUNNEL = ["catalog", "product_view", "add_to_cart", "purchase"]


def ensure_venv():
    """Re-runs this script in a venv with retentioneering and the engine's package."""
    if os.environ.get("PATHS_BENCH_VENV"):
        return
    env_dir = os.path.join(tempfile.gettempdir(), "engagement-paths-bench-venv")
    python = os.path.join(env_dir, "bin", "python")
    if not os.path.exists(python):
        venv.create(env_dir, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "retentioneering==5.2.4", "maturin"], check=True)
    subprocess.run([python, "-m", "maturin", "develop", "--quiet", "--release", "-m",
                    os.path.join(ROOT, "engagement-py", "Cargo.toml")], check=True,
                   env={**os.environ, "VIRTUAL_ENV": env_dir})
    os.execve(python, [python, *sys.argv],
              {**os.environ, "PATHS_BENCH_VENV": "1", "RETENTIONEERING_NO_TRACK": "1"})


def timed(f, runs=3):
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return out, best


def main():
    ensure_venv()
    import numpy as np
    import pandas as pd
    import retentioneering as rete

    import engagement

    raw = rete.datasets.load_ecom().to_dataframe()
    raw = raw[raw["event_type"] == "raw"][["user_id", "session_id", "event", "timestamp"]]
    print(f"retentioneering {rete.__version__}, engagement {engagement.__version__}: {len(raw):,} events, "
          f"{raw['user_id'].nunique()} users, {raw['session_id'].nunique():,} sessions, "
          f"{raw['event'].nunique()} event names")
    ties = raw.duplicated(["user_id", "timestamp"], keep=False).sum()
    df = raw.sort_values(["user_id", "timestamp", "event"], kind="stable").reset_index(drop=True)
    user = df["user_id"].str.slice(5).astype(np.uint64).to_numpy()
    t = pd.to_datetime(df["timestamp"])
    schema = {"path_cols": ["user_id"], "event_col": "event", "timestamp_col": "timestamp"}
    failures = []

    def check(name, ours, theirs, tol=TOL):
        ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
        worst = float(np.max(np.abs(ours - theirs))) if len(ours) else 0.0
        ok = ours.shape == theirs.shape and worst <= tol
        print(f"  {name:<44} {len(ours):>6} values, largest difference {worst:.1e} {'ok' if ok else 'DIFFERS'}")
        if not ok:
            failures.append(name)

    for per, path_col in (("customer", "user_id"), ("session", "session_id")):
        print(f"\npaths per {per} ({path_col})")
        es = rete.Eventstream(df[["user_id", "session_id", "event", "timestamp"]],
                              schema={**schema, "path_cols": [path_col] if path_col == "user_id" else
                                      ["user_id", "session_id"]})
        kw = {} if path_col == "user_id" else {"path_col": "session_id"}
        session = df["session_id"].str.slice(5).astype(np.uint64).to_numpy() if per == "session" else None
        ours, t_ours = timed(lambda: engagement.paths(user, t, events=df["event"], per=per, session=session,
                                                      steps=10, top_paths=10))
        (counts, t_rete) = timed(lambda: es.transition_graph_data(edge_weight="count", **kw), runs=1)
        e = ours.edges_frame()
        for weight, column in (("count", "count"), ("unique_paths", "paths"), ("proba_out", "proba_out"),
                               ("proba_in", "proba_in"), ("time_median", "median_seconds"),
                               ("time_q95", "p95_seconds")):
            m = counts if weight == "count" else es.transition_graph_data(edge_weight=weight, **kw)
            theirs = m.stack()
            theirs = theirs[counts.stack() > 0]
            mine = e.set_index(["from", "to"])[column].reindex(theirs.index)
            if weight.startswith("time"):
                # Retentioneering gives timedeltas; the engine seconds (and no time on path_start
                # and path_end edges, where retentioneering has 0 s).
                keep = [a != "path_start" and b != "path_end" for a, b in theirs.index]
                mine = mine[keep]
                theirs = pd.to_timedelta(theirs[keep].astype(object)).dt.total_seconds()
            # Retentioneering's times are DuckDB intervals: whole microseconds.
            check(f"transitions, {weight}", mine.to_numpy(), theirs.to_numpy(),
                  TIME_TOL if weight.startswith("time") else TOL)
        print(f"  edges: {len(e)} in both" if len(e) == int((counts > 0).sum().sum()) else "  edge sets differ")
        sm = es.step_matrix_data(max_steps=10, **kw)
        ours_steps = ours.step_frame().reindex(sm.index.drop("path_start"))
        check("step matrix, steps 1-10", ours_steps.to_numpy(), sm.drop(index="path_start").iloc[:, 1:].to_numpy())
        f = es.funnel_data(steps=FUNNEL, **kw)
        fr = engagement.funnel(user, t, events=df["event"], per=per, session_gap=1800,
                               steps=[{"name": s, "events": [s]} for s in FUNNEL], window_days=36_500)
        if per == "session":
            print("  (the funnel per session cuts sessions by the 30-minute gap, as the data's sessions)")
        check("funnel, paths reaching each step", fr.customers, [s["unique_paths"] for s in f["steps"]])
        print(f"  time: engine {t_ours * 1e3:.1f} ms (paths, step matrix, top paths), "
              f"retentioneering {t_rete * 1e3:.1f} ms (one transition matrix)")

    print("\nsessions (30-minute gap)")
    s = engagement.sessions(user, t, gap=1800)
    rs = rete.Eventstream(df[["user_id", "event", "timestamp"]], schema=schema).split_sessions(
        session_col="s30", timeout="30m").to_dataframe()
    check("sessions", [s.summary.sessions], [rs["s30"].nunique()])
    check("sessions given in the data", [s.summary.sessions], [df["session_id"].nunique()])

    print(f"\nequal times: {ties} events share their user's timestamp with another")
    es_file = rete.Eventstream(raw.reset_index(drop=True), schema=schema)
    in_file = es_file.transition_graph_data(edge_weight="count").stack()
    sorted_counts = rete.Eventstream(df, schema=schema).transition_graph_data(edge_weight="count").stack()
    moved = int((in_file.reindex(sorted_counts.index, fill_value=0) != sorted_counts).sum())
    print(f"  retentioneering on the file's row order: {moved} transition counts differ from the sorted rows "
          f"(its ties follow row order); the engine's counts are the same in any row order")
    if failures:
        print("\nFAILED:", ", ".join(failures))
        sys.exit(1)
    print("\nevery number equal")


if __name__ == "__main__":
    main()
