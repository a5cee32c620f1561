#!/usr/bin/env python3
"""Journey analytics on 10M touchpoints over 1M customers: the engine's Python package side by side
with the same queries in DuckDB, in one run.

Queries (numbers checked equal where both compute the same thing):
- transition matrix between channels of consecutive touchpoints (LEAD over customer, time);
- monthly acquisition cohorts: cohort sizes and customers buying in months 0..5 after acquisition
  (also in pandas, the usual tool for it);
- a 5-step loose funnel (impression → open → click → visit → purchase within 30 days of the entry)
  with the engine's rule written in SQL (the deepest progress from any entry); counts equal;
- paths within 30 days before each purchase, attributed by order-2 Markov removal effects: DuckDB
  builds the same path table (checked: the engine credits it exactly as it credits the raw rows)
  but has no chain solve, so its time is that of the path table alone.

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
                       "kind": kind.astype(np.int32), "value": value, "rid": np.arange(n, dtype=np.int64)})
    con = duckdb.connect()
    con.register("tp", df)
    con.execute(f"SET threads TO {os.cpu_count()}")
    print(f"{n} touchpoints, {args.customers} customers; best of 3; DuckDB {duckdb.__version__} on {os.cpu_count()} threads")

    rows = []
    # Transitions.
    ours, t_ours = timed(lambda: engagement.journey_sequences(customer, tm, channel, kind, steps=5))
    sql = """SELECT channel, nxt, count(*) AS c FROM (
               SELECT channel, lead(channel) OVER (PARTITION BY customer ORDER BY time, rid) AS nxt
               FROM tp) WHERE nxt IS NOT NULL GROUP BY ALL"""
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

    # The same cohort matrix in pandas, the usual tool for it.
    def pandas_cohorts():
        b = df.loc[df["kind"] == 4, ["customer", "time"]]
        stamp = pd.to_datetime(b["time"], unit="s")
        month = stamp.dt.year * 12 + stamp.dt.month - 1
        first = month.groupby(b["customer"]).transform("min")
        k = month - first
        keep = k < 6
        active = (pd.DataFrame({"cohort": first[keep], "k": k[keep], "customer": b["customer"][keep]})
                  .groupby(["cohort", "k"])["customer"].nunique().unstack(fill_value=0))
        return active.to_numpy().astype(np.int64)

    theirs, t_pandas = timed(pandas_cohorts)
    same = theirs.shape == ours.active.shape and bool((theirs == ours.active).all())
    rows.append(("monthly cohorts (pandas instead of DuckDB)", t_ours, t_pandas, same))

    # Funnel: 5 steps (impression, open, click, visit, purchase), loose order, each within 30 days of
    # the entry. The SQL computes the engine's rule: from every entry (an impression), the earliest
    # next step after the previous one in (time, row) order; a customer reaches step j when any of
    # its entries does.
    names = ["impression", "open", "click", "visit", "purchase"]
    steps = [{"name": k, "kinds": [k]} for k in names]
    ours, t_ours = timed(lambda: engagement.funnel(customer, tm, channel, kind, steps=steps, window_days=30))
    ctes = ["e0 AS (SELECT customer, time AS t0, time * 100000000 + rid AS s0, time * 100000000 + rid AS s "
            "FROM tp WHERE kind = 0)"]
    for j in range(1, 5):
        ctes.append(f"e{j} AS (SELECT e.customer, e.t0, e.s0, min(tp.time * 100000000 + tp.rid) AS s "
                    f"FROM e{j - 1} e JOIN tp ON tp.customer = e.customer AND tp.kind = {j} "
                    f"AND tp.time * 100000000 + tp.rid > e.s AND tp.time - e.t0 <= 2592000 GROUP BY ALL)")
    sql = "WITH " + ", ".join(ctes) + " SELECT " + ", ".join(
        f"(SELECT count(DISTINCT customer) FROM e{j})" for j in range(5))
    theirs, t_theirs = timed(lambda: con.execute(sql).fetchall())
    rows.append(("5-step funnel (deepest progress from any entry)", t_ours, t_theirs,
                 ours.customers.tolist() == list(theirs[0])))

    # Attribution: the paths within 30 days before each purchase (since the previous one; refunds
    # aside; the purchase's channel ends its path, include_conversion=True; touchpoints after the
    # last purchase form a non-converting path), then order-2 Markov
    # removal effects. DuckDB builds the same path table; it has no chain solve, so its time is the
    # path table alone, and the engine's credits from DuckDB's table must equal those from the rows.
    ours, t_ours = timed(lambda: engagement.attribute_touchpoints(customer, tm, channel, kind, value, lookback_days=30,
                                                                  include_conversion=True, rule="markov", order=2))
    sql = """WITH g AS (SELECT customer, time, channel, kind, value, rid,
                   count(*) FILTER (WHERE kind = 4) OVER (PARTITION BY customer ORDER BY time, rid
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS grp
                   FROM tp WHERE kind <> 5),
             p AS (SELECT customer, grp, time AS anchor, channel AS pch, value FROM g WHERE kind = 4),
             o AS (SELECT customer, grp, max(time) AS last FROM g WHERE kind <> 4 GROUP BY ALL),
             a AS (SELECT customer, grp, coalesce(p.anchor, o.last) AS anchor, p.pch, p.value, p.anchor IS NOT NULL AS conv
                   FROM o FULL JOIN p USING (customer, grp)),
             b AS (SELECT a.customer, a.grp, any_value(a.conv) AS conv, any_value(a.value) AS value,
                          any_value(a.pch) AS pch, string_agg(g.channel::VARCHAR, '>' ORDER BY g.time, g.rid) AS body
                   FROM a LEFT JOIN g ON g.customer = a.customer AND g.grp = a.grp AND g.kind <> 4
                        AND g.time >= a.anchor - 2592000
                   GROUP BY a.customer, a.grp)
             SELECT concat_ws('>', body, CASE WHEN conv THEN pch::VARCHAR END) AS path, sum(conv::INT) AS conversions,
                    sum(coalesce(value, 0)) AS value, sum((NOT conv)::INT) AS nulls
             FROM b GROUP BY 1"""
    theirs, t_theirs = timed(lambda: con.execute(sql).df(), runs=1)
    labels = engagement.CHANNELS
    texts = [" > ".join(labels[int(c)] for c in p.split(">")) for p in theirs["path"]]
    from_sql = engagement.attribute(texts, theirs["conversions"].to_numpy(float), theirs["value"].to_numpy(float),
                                    theirs["nulls"].to_numpy(float), rule="markov", order=2).to_frame()
    mine = ours.to_frame().loc[from_sql.index]
    same = bool(np.allclose(mine.to_numpy(), from_sql.to_numpy(), rtol=1e-9, atol=1e-9))
    rows.append(("order-2 Markov attribution (DuckDB: the path table only)", t_ours, t_theirs, same))

    print(f"\n{'query':<60} {'engine':>9} {'DuckDB':>9} {'ratio':>7}  same numbers")
    for name, a, b, same in rows:
        print(f"{name:<60} {a:>8.3f}s {b:>8.3f}s {b / a:>6.1f}x  {same}")


if __name__ == "__main__":
    main()
