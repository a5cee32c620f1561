#!/usr/bin/env python3
"""An experiment read out from touchpoints at scale: the engine's Python package side by side with
DuckDB computing the same per-arm statistics the way an experimentation platform's warehouse query
does (GrowthBook's: per-customer metric values in SQL, then sums per arm), in one run, two threads
each, the best of three runs.

Data: N touchpoints (default 10,000,000) of C customers (1,000,000) over 60 days, events `visit`
(90 %) and `purchase` (10 %, with a value); every customer assigned to one of 3 arms and exposed at
a uniform time in days 20–40. Five metrics:

- purchased_7d: a purchase within 7 days of exposure (customers exposed 7+ days before as_of);
- revenue: purchases' value after exposure, with the 14 days before as CUPED's covariate;
- sessions: runs of touchpoints after exposure no more than 30 minutes apart;
- revenue_per_session: the two above as a ratio;
- active_day_7: a touchpoint on day 7 after exposure.

Each arm's count, mean (and the ratio's sums) from DuckDB is checked equal to the engine's before
anything is timed. The stats on the sums take microseconds either way; the timing is the pass over
the touchpoints. Creates a throwaway venv with DuckDB and the engine's package (outside the test
command):

    python3 benches/python/experiment_vs_duckdb.py [--rows 10000000] [--customers 1000000]
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
DAY = 86_400
T0 = 1_735_689_600


def ensure_venv():
    """Re-runs this script in a venv with DuckDB and the engine's package."""
    if os.environ.get("EXPERIMENT_DUCKDB_BENCH_VENV"):
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
    os.execve(python, [python, *sys.argv], {**os.environ, "EXPERIMENT_DUCKDB_BENCH_VENV": "1",
                                            "RAYON_NUM_THREADS": str(THREADS)})


def timed(f, runs=3):
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return out, best


METRICS = [
    {"name": "purchased_7d", "measure": "conversion", "match": "purchase", "window": 7 * DAY},
    {"name": "revenue", "measure": "value", "match": "purchase", "pre_period": 14 * DAY},
    {"name": "sessions", "measure": "sessions", "gap": 1800},
    {"name": "revenue_per_session", "measure": "ratio",
     "numerator": {"measure": "value", "match": "purchase"}, "denominator": {"measure": "sessions", "gap": 1800}},
    {"name": "active_day_7", "measure": "retained", "day": 7},
]

SQL = """
WITH t AS (SELECT l.customer, l.time, l.event, l.value, a.arm, a.exposed_at
           FROM log l JOIN asg a USING (customer) WHERE l.time <= {as_of}),
post AS (SELECT *, time - LAG(time) OVER (PARTITION BY customer ORDER BY time) AS since
         FROM t WHERE time >= exposed_at),
per AS (
  SELECT a.customer, a.arm, a.exposed_at,
    COALESCE(MAX(CASE WHEN p.event = 'purchase' AND p.time < a.exposed_at + {week} THEN 1 ELSE 0 END), 0) AS bought,
    COALESCE(SUM(CASE WHEN p.event = 'purchase' THEN p.value ELSE 0 END), 0) AS revenue,
    COALESCE(SUM(CASE WHEN p.customer IS NULL THEN 0 WHEN p.since IS NULL OR p.since > 1800 THEN 1 ELSE 0 END), 0)
      AS sessions,
    COALESCE(MAX(CASE WHEN p.time >= a.exposed_at + {day7} AND p.time < a.exposed_at + {day8} THEN 1 ELSE 0 END), 0)
      AS active7
  FROM asg a LEFT JOIN post p USING (customer)
  WHERE a.exposed_at <= {as_of}
  GROUP BY a.customer, a.arm, a.exposed_at),
pre AS (SELECT customer, SUM(value) AS pre_revenue FROM t
        WHERE event = 'purchase' AND time < exposed_at AND time >= exposed_at - {pre} GROUP BY customer)
SELECT arm,
  COUNT(*) FILTER (WHERE exposed_at + {week} <= {as_of} + 1) AS n_bought,
  AVG(bought) FILTER (WHERE exposed_at + {week} <= {as_of} + 1) AS bought,
  COUNT(*) AS n, AVG(revenue) AS revenue, AVG(COALESCE(pre_revenue, 0)) AS pre_revenue,
  AVG(sessions) AS sessions, SUM(revenue) / SUM(sessions) AS revenue_per_session,
  SUM(revenue * revenue) AS rr, SUM(revenue * COALESCE(pre_revenue, 0)) AS rp,
  SUM(sessions * sessions) AS ss, SUM(revenue * sessions) AS rs,
  COUNT(*) FILTER (WHERE exposed_at + {day8} <= {as_of} + 1) AS n_active7,
  AVG(active7) FILTER (WHERE exposed_at + {day8} <= {as_of} + 1) AS active7
FROM per LEFT JOIN pre USING (customer) GROUP BY arm ORDER BY arm
"""


def main():
    ensure_venv()
    import duckdb
    import numpy as np
    import pandas as pd

    import engagement

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--customers", type=int, default=1_000_000)
    args = ap.parse_args()
    rng = np.random.default_rng(42)
    n, c = args.rows, args.customers
    customer = rng.integers(0, c, n).astype(np.uint64)
    time_ = (T0 + rng.integers(0, 60 * DAY, n)).astype(np.int64)
    order = np.lexsort((time_, customer))
    customer, time_ = customer[order], time_[order]
    purchase = rng.random(n) < 0.1
    event = np.where(purchase, "purchase", "visit")
    value = np.where(purchase, np.round(rng.gamma(2.0, 20.0, n), 2), 0.0)
    ids = np.arange(c, dtype=np.uint64)
    arm = rng.integers(0, 3, c)
    arm_names = np.array(["control", "b", "c"])[arm]
    exposed = (T0 + 20 * DAY + rng.integers(0, 20 * DAY, c)).astype(np.int64)
    as_of = int(T0 + 60 * DAY - 1)
    events = pd.Series(pd.Categorical(event))

    def engine():
        return engagement.experiment(customer, time_, value=value, events=events,
                                     assigned_customer=ids, arm=arm_names, exposed_at=exposed, metrics=METRICS,
                                     arms=["control", "b", "c"], as_of=as_of)

    con = duckdb.connect()
    con.execute(f"SET threads = {THREADS}")
    con.register("log", pd.DataFrame({"customer": customer.astype(np.int64), "time": time_, "event": event,
                                      "value": value}))
    con.register("asg", pd.DataFrame({"customer": ids.astype(np.int64), "arm": arm, "exposed_at": exposed}))
    sql = SQL.format(as_of=as_of, week=7 * DAY, day7=7 * DAY, day8=8 * DAY, pre=14 * DAY)

    def duck():
        return con.execute(sql).df()

    r, d = engine(), duck()
    for k, name in enumerate(["control", "b", "c"]):
        row = d.iloc[k]
        got = {m: r.metrics[m].readout.arms[k] for m in r.metrics}
        checks = [
            (got["purchased_7d"].n, row["n_bought"]), (got["purchased_7d"].mean, row["bought"]),
            (got["revenue"].n, row["n"]), (got["revenue"].mean, row["revenue"]),
            (got["revenue"].pre_mean, row["pre_revenue"]), (got["sessions"].mean, row["sessions"]),
            (got["revenue_per_session"].mean, row["revenue_per_session"]),
            (got["active_day_7"].n, row["n_active7"]), (got["active_day_7"].mean, row["active7"]),
        ]
        for i, (a, b) in enumerate(checks):
            assert abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b))), (name, i, a, b)
    print(f"equal per-arm counts and means for 5 metrics, 3 arms ({n:,} touchpoints, {c:,} customers)")
    _, te = timed(engine)
    _, td = timed(duck)
    print(f"| query | engine | DuckDB {duckdb.__version__} |")
    print("|---|---|---|")
    print(f"| experiment, 3 arms × 5 metrics | {te:.2f} s | {td:.2f} s ({td / te:.1f}×) |")


if __name__ == "__main__":
    main()
