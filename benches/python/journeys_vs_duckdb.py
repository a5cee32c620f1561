#!/usr/bin/env python3
"""Journey analytics on 10M touchpoints over 1M customers: the engine's Python package side by side
with the same queries in DuckDB, in one run.

Queries (numbers checked equal where both compute the same thing):
- transition matrix between channels of consecutive touchpoints (LEAD over customer, time);
- monthly acquisition cohorts: cohort sizes and customers buying in months 0..5 after acquisition;
- a 5-step loose funnel (impression → open → click → visit → purchase within 30 days of the entry),
  counting customers whose first impression leads on (DuckDB) against the engine's deepest-progress
  rule over every entry; the counts differ by design where a later entry goes further, so only the
  timings are compared;
- paths within 30 days before each purchase, attributed by order-2 Markov removal effects
  (the engine; DuckDB builds the same paths and counts transitions, without the chain solve).

Creates a throwaway venv with DuckDB, pandas and the engine's package (built by maturin; outside the
test command):

    python3 benches/python/journeys_vs_duckdb.py [--rows 10000000] [--customers 1000000]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ensure_venv():
    if os.environ.get("JOURNEY_BENCH_VENV"):
        return
    env_dir = os.path.join(tempfile.gettempdir(), "engagement-journey-bench-venv")
    python = os.path.join(env_dir, "bin", "python")
    if not os.path.exists(python):
        venv.create(env_dir, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "duckdb", "pandas", "numpy", "maturin"], check=True)
    subprocess.run([python, "-m", "maturin", "develop", "--quiet", "--release", "-m",
                    os.path.join(ROOT, "engagement-py", "Cargo.toml")], check=True,
                   env={**os.environ, "VIRTUAL_ENV": env_dir})
    os.execve(python, [python, *sys.argv], {**os.environ, "JOURNEY_BENCH_VENV": "1"})


def timed(f, runs=3):
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return out, best


def main():
    ensure_venv()
    import duckdb
    import numpy as np
    import pandas as pd

    import engagement

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(11)
    start = 1_704_067_200  # 2024-01-01
    n = args.rows
    customer = rng.integers(1, args.customers + 1, n).astype(np.uint64)
    tm = start + rng.integers(0, 365 * 86_400, n).astype(np.int64)
    channel = rng.integers(0, 11, n).astype(np.uint8)
    kind = rng.choice(np.array([0, 1, 2, 3, 4], dtype=np.uint8), n, p=[0.3, 0.25, 0.2, 0.17, 0.08])
    value = np.where(kind == 4, rng.integers(500, 20_000, n) / 100.0, 0.0)
    df = pd.DataFrame({"customer": customer.astype(np.int64), "time": tm, "channel": channel.astype(np.int32),
                       "kind": kind.astype(np.int32), "value": value})
    con = duckdb.connect()
    con.register("tp", df)
    con.execute(f"SET threads TO {os.cpu_count()}")
    print(f"{n} touchpoints, {args.customers} customers; best of 3; DuckDB {duckdb.__version__} on {os.cpu_count()} threads")

    rows = []
    # Transitions.
    ours, t_ours = timed(lambda: engagement.journey_sequences(customer, tm, channel, kind, steps=5))
    sql = """SELECT channel, nxt, count(*) AS c FROM (
               SELECT channel, lead(channel) OVER (PARTITION BY customer ORDER BY time, rowid) AS nxt
               FROM (SELECT *, row_number() OVER () AS rowid FROM tp)) WHERE nxt IS NOT NULL GROUP BY ALL"""
    theirs, t_theirs = timed(lambda: con.execute(sql).df())
    m = np.zeros((11, 11), dtype=np.int64)
    m[theirs["channel"].to_numpy(), theirs["nxt"].to_numpy().astype(int)] = theirs["c"].to_numpy()
    rows.append(("transition matrix", t_ours, t_theirs, bool((m == ours.transitions.counts).all())))

    # Cohorts (purchases only).
    buy = kind == 4
    ours, t_ours = timed(lambda: engagement.cohorts(customer[buy], tm[buy], value[buy], as_of=start + 365 * 86_400,
                                                    max_periods=6))
    sql = """WITH b AS (SELECT customer, time, date_trunc('month', to_timestamp(time)) AS m FROM tp WHERE kind = 4),
               f AS (SELECT customer, min(m) AS cohort FROM b GROUP BY customer)
             SELECT cohort, date_diff('month', cohort, m) AS k, count(DISTINCT b.customer) AS active
             FROM b JOIN f USING (customer) WHERE date_diff('month', cohort, m) < 6 GROUP BY ALL ORDER BY ALL"""
    theirs, t_theirs = timed(lambda: con.execute(sql).df())
    pivot = theirs.pivot(index="cohort", columns="k", values="active").fillna(0).to_numpy().astype(np.int64)
    same = pivot.shape == ours.active.shape and bool((pivot == ours.active).all())
    rows.append(("monthly cohorts", t_ours, t_theirs, same))

    # Funnel: 5 steps within 30 days of the entry.
    names = ["impression", "open", "click", "visit", "purchase"]
    steps = [{"name": k, "kinds": [k]} for k in names]
    ours, t_ours = timed(lambda: engagement.funnel(customer, tm, channel, kind, steps=steps, window_days=30))
    # DuckDB: each customer's first impression, then the first of each later step after the one before.
    ctes = ["s0 AS (SELECT customer, min(time) AS t0, min(time) AS t FROM tp WHERE kind = 0 GROUP BY customer)"]
    for j in range(1, 5):
        ctes.append(f"s{j} AS (SELECT s.customer, s.t0, min(tp.time) AS t FROM s{j - 1} s JOIN tp USING (customer) "
                    f"WHERE tp.kind = {j} AND tp.time >= s.t AND tp.time - s.t0 <= 2592000 GROUP BY ALL)")
    sql = "WITH " + ", ".join(ctes) + " SELECT " + ", ".join(f"(SELECT count(*) FROM s{j})" for j in range(5))
    theirs, t_theirs = timed(lambda: con.execute(sql).fetchall())
    rows.append(("5-step funnel", t_ours, t_theirs, f"engine {ours.customers.tolist()}, first-entry SQL {list(theirs[0])}"))

    # Order-2 Markov attribution on 30-day paths (DuckDB: only the path transitions).
    ours, t_ours = timed(lambda: engagement.attribute_touchpoints(customer, tm, channel, kind, value, lookback_days=30,
                                                                  rule="markov", order=2), runs=1)
    sql = """SELECT channel, nxt, count(*) FROM (
               SELECT channel, kind, lead(channel) OVER w AS nxt FROM tp WINDOW w AS (PARTITION BY customer ORDER BY time))
             WHERE kind <> 4 AND nxt IS NOT NULL GROUP BY ALL"""
    _, t_theirs = timed(lambda: con.execute(sql).fetchall(), runs=1)
    rows.append(("order-2 Markov attribution (DuckDB: path transitions only)", t_ours, t_theirs, "-"))

    print(f"\n{'query':<60} {'engine':>9} {'DuckDB':>9} {'ratio':>7}  same numbers")
    for name, a, b, same in rows:
        print(f"{name:<60} {a:>8.3f}s {b:>8.3f}s {b / a:>6.1f}x  {same}")


if __name__ == "__main__":
    main()
