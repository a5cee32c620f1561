#!/usr/bin/env python3
"""Retention of start and return events, and lifecycle, at scale: the engine's Python package side by side with
DuckDB on the same generated event log, in one run, two threads each, the best of three runs.

Data: N touchpoints (default 10,000,000) of C customers (1,000,000) over 90 days, E events (50)
drawn uniformly; the start event is `event_00` (a customer's first one enters them), the return
any touchpoint. Each query is checked equal to the engine's table (counted and retained per cohort
and bracket) before it is timed:

- day / calendar / bounded: came back on the k-th day after the entry's (k = 1 … 30), censored;
- week / rolling / unbounded: came back k weeks (7 × 24 h from the entry's second) or later
  (k = 1 … 12), censored per entry;
- day / calendar / recurring: an entry per day with a start event, back on day k (k = 1 … 7);
- lifecycle by ISO week over any touchpoint (DuckDB: LAG / LEAD over each customer's active weeks).

Creates a throwaway venv with DuckDB, pandas and the engine's package (built by maturin; outside
the test command):

    python3 benches/python/retention_vs_duckdb.py [--rows 10000000] [--customers 1000000]
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
DAY, WEEK = 86_400, 7 * 86_400


def ensure_venv():
    """Re-runs this script in a venv with DuckDB and the engine's package."""
    if os.environ.get("RETENTION_DUCKDB_BENCH_VENV"):
        return
    env_dir = os.path.join(tempfile.gettempdir(), "engagement-paths-duckdb-bench-venv")
    python = os.path.join(env_dir, "bin", "python")
    if not os.path.exists(python):
        venv.create(env_dir, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "duckdb", "polars", "pandas", "pyarrow", "maturin"],
                       check=True)
    subprocess.run([python, "-m", "maturin", "develop", "--quiet", "--release", "-m",
                    os.path.join(ROOT, "engagement-py", "Cargo.toml")], check=True,
                   env={**os.environ, "VIRTUAL_ENV": env_dir})
    os.execve(python, [python, *sys.argv], {**os.environ, "RETENTION_DUCKDB_BENCH_VENV": "1",
                                            "RAYON_NUM_THREADS": str(THREADS)})


def timed(f, runs=3):
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return out, best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=50)
    args = ap.parse_args()
    ensure_venv()
    import duckdb
    import numpy as np
    import pandas as pd

    import engagement

    rng = np.random.default_rng(2026)
    n = args.rows
    t0 = 1_704_067_200  # 2024-01-01, a Monday
    names = np.array([f"event_{i:02d}" for i in range(args.events)], dtype=object)
    codes = rng.integers(0, args.events, n)
    df = pd.DataFrame({"customer": rng.integers(1, args.customers + 1, n).astype(np.int64),
                       "time": rng.integers(t0, t0 + 90 * DAY, n).astype(np.int64),
                       "event": pd.Categorical.from_codes(codes, categories=names)})
    as_of = int(df["time"].max())
    print(f"{n:,} touchpoints, {args.customers:,} customers, {args.events} events over 90 days; {THREADS} threads "
          f"each; duckdb {duckdb.__version__}, engagement {engagement.__version__}")
    con = duckdb.connect()
    con.execute(f"SET threads={THREADS}")
    con.register("t", pd.DataFrame({"customer": df["customer"], "time": df["time"], "event": df["event"].astype(str)}))
    rows = []

    def check(table, duck, what):
        """DuckDB's (cohort start, k, counted, retained) rows against the engine's table."""
        got = {}
        starts = table.cohort_start.astype(np.int64)
        for i, c in enumerate(starts):
            for j, (a, _) in enumerate(table.brackets):
                got[(int(c), a)] = (int(table.counted[i, j]), int(table.retained[i, j]))
        want = {(int(c), int(k)): (int(n), int(r)) for c, k, n, r in duck}
        assert got == want, f"{what}: DuckDB differs on {sorted(set(got.items()) ^ set(want.items()))[:5]}"

    entries = f"""e AS (SELECT customer, min(time) AS s FROM t WHERE event = 'event_00' GROUP BY customer)"""

    # Day / calendar / bounded, 30 days.
    table, t_engine = timed(lambda: engagement.retention(df["customer"], df["time"], events=df["event"],
                                                         start="event_00", periods=30, as_of=as_of))
    q = f"""WITH {entries},
        r AS (SELECT DISTINCT t.customer, t.time // {DAY} - e.s // {DAY} AS k FROM t JOIN e USING (customer)
              WHERE t.time // {DAY} - e.s // {DAY} BETWEEN 1 AND 30),
        sizes AS (SELECT e.s // {DAY} AS day, count(*) AS size FROM e GROUP BY ALL),
        back AS (SELECT e.s // {DAY} AS day, r.k, count(*) AS retained FROM r JOIN e USING (customer) GROUP BY ALL)
        SELECT sizes.day * {DAY} AS cohort, k.range AS k,
               CASE WHEN (sizes.day + k.range + 1) * {DAY} - 1 <= {as_of} THEN size ELSE 0 END AS counted,
               CASE WHEN (sizes.day + k.range + 1) * {DAY} - 1 <= {as_of} THEN coalesce(retained, 0) ELSE 0 END
        FROM sizes CROSS JOIN range(1, 31) k LEFT JOIN back ON back.day = sizes.day AND back.k = k.range"""
    duck, t_duck = timed(lambda: con.execute(q).fetchall())
    check(table, duck, "day, calendar, bounded")
    rows.append(("day / calendar / bounded, 30 days", t_engine, t_duck))

    # Week / rolling / unbounded, 12 weeks (cohorts by ISO week of the entry).
    table, t_engine = timed(lambda: engagement.retention(
        df["customer"], df["time"], events=df["event"], start="event_00", period="week", windows="rolling",
        mode="unbounded", periods=12, as_of=as_of))
    q = f"""WITH {entries},
        m AS (SELECT e.customer, e.s, max((t.time - e.s) // {WEEK}) AS last_k FROM e LEFT JOIN t
              ON t.customer = e.customer AND t.time >= e.s + {WEEK} GROUP BY ALL)
        SELECT epoch(date_trunc('week', to_timestamp(s)))::BIGINT AS cohort, k.range AS k,
               count(*) FILTER (WHERE s + (k.range + 1) * {WEEK} - 1 <= {as_of}) AS counted,
               count(*) FILTER (WHERE s + (k.range + 1) * {WEEK} - 1 <= {as_of} AND last_k >= k.range)
        FROM m CROSS JOIN range(1, 13) k GROUP BY ALL"""
    duck, t_duck = timed(lambda: con.execute(q).fetchall())
    check(table, duck, "week, rolling, unbounded")
    rows.append(("week / rolling / unbounded, 12 weeks", t_engine, t_duck))

    # Day / calendar / recurring, 7 days: an entry per day with a start event.
    table, t_engine = timed(lambda: engagement.retention(
        df["customer"], df["time"], events=df["event"], start="event_00", start_occurrence="recurring", periods=7,
        as_of=as_of))
    q = f"""WITH e AS (SELECT DISTINCT customer, time // {DAY} AS day FROM t WHERE event = 'event_00'),
        d AS (SELECT DISTINCT customer, time // {DAY} AS day FROM t),
        r AS (SELECT e.day, d.day - e.day AS k, count(*) AS retained FROM e JOIN d USING (customer)
              WHERE d.day - e.day BETWEEN 1 AND 7 GROUP BY ALL),
        sizes AS (SELECT day, count(*) AS size FROM e GROUP BY ALL)
        SELECT sizes.day * {DAY} AS cohort, k.range AS k,
               CASE WHEN (sizes.day + k.range + 1) * {DAY} - 1 <= {as_of} THEN size ELSE 0 END AS counted,
               CASE WHEN (sizes.day + k.range + 1) * {DAY} - 1 <= {as_of} THEN coalesce(retained, 0) ELSE 0 END
        FROM sizes CROSS JOIN range(1, 8) k LEFT JOIN r ON r.day = sizes.day AND r.k = k.range"""
    duck, t_duck = timed(lambda: con.execute(q).fetchall())
    check(table, duck, "day, calendar, recurring")
    rows.append(("day / calendar / recurring, 7 days", t_engine, t_duck))

    # Lifecycle by ISO week over any touchpoint: new, returning, resurrecting, dormant.
    life, t_engine = timed(lambda: engagement.lifecycle(df["customer"], df["time"], period="week", as_of=as_of))
    last = (as_of // DAY + 3) // 7
    q = f"""WITH a AS (SELECT DISTINCT customer, (time // {DAY} + 3) // 7 AS w FROM t),
        l AS (SELECT w, lag(w) OVER (PARTITION BY customer ORDER BY w) AS prev,
                     lead(w) OVER (PARTITION BY customer ORDER BY w) AS nxt FROM a),
        g AS (SELECT w, count(*) FILTER (WHERE prev IS NULL) AS new,
                     count(*) FILTER (WHERE prev = w - 1) AS ret,
                     count(*) FILTER (WHERE prev < w - 1) AS resurrecting FROM l GROUP BY w),
        d AS (SELECT w + 1 AS w, count(*) AS dormant FROM l WHERE (nxt IS NULL OR nxt > w + 1) AND w < {last}
              GROUP BY ALL)
        SELECT coalesce(g.w, d.w) AS w, coalesce(new, 0), coalesce(ret, 0), coalesce(resurrecting, 0),
               coalesce(dormant, 0) FROM g FULL JOIN d ON g.w = d.w ORDER BY 1"""
    duck, t_duck = timed(lambda: con.execute(q).fetchall())
    weeks = (life.period_start.astype(np.int64) // DAY + 3) // 7
    mine = [(int(w), int(a), int(b), int(c), int(e))
            for w, a, b, c, e in zip(weeks, life.new, life.returning, life.resurrecting, life.dormant)]
    assert mine == [tuple(int(v) for v in row) for row in duck], "lifecycle: DuckDB differs"
    rows.append(("lifecycle by week, any touchpoint", t_engine, t_duck))

    print(f"{'query':<44} {'engine':>9} {'DuckDB':>9}")
    for name, a, b in rows:
        print(f"{name:<44} {a:>8.2f}s {b:>8.2f}s   (DuckDB/engine {b / a:.1f}x)")
    print("every number checked equal before timing")


if __name__ == "__main__":
    main()
