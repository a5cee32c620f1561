#!/usr/bin/env python3
"""Path analysis and sessions at scale: the engine's Python package side by side with DuckDB and
polars on the same generated event log, in one run, two threads each, the best of three runs of
each query (one of the two that take over a minute).

Data: N touchpoints (default 10,000,000) of C customers (1,000,000) over 30 days, E distinct events
(1,000) drawn uniformly, so about a million distinct transitions: a hard case for any group-by.
Equal times are ordered by the event label in every tool (the engine's rule), so the numbers agree.

Queries, each checked against the engine's numbers before it is timed:
- transitions: per customer, consecutive events with path_start/path_end, counted per edge
  (DuckDB: LEAD over a window, GROUP BY; polars: sort, shift, group_by);
- transitions with what the engine also gives: distinct customers per edge and the median and
  95th percentile of the seconds between the two events (DuckDB: median, quantile_cont);
- step matrix: the first 10 events of every customer counted by step (ROW_NUMBER / cum_count);
- 5-step funnels (loose order, the deepest progress from any entry within 30 days; DuckDB and
  polars: the engine's rule as joins, one per step), narrow (the five commonest single events) and
  broad (five label prefixes, a tenth of the rows each); and the narrow one with an exclusion
  between its second and third steps (DuckDB: every second-step touchpoint joined to the next
  excluded event after it, then the first third step before that);
- sessions: a customer's events cut where the gap exceeds 30 minutes (LAG, a running sum / diff,
  cum_sum), counted.
The engine computes the whole analysis (graph with every weight, step matrix, top paths) in one
call, which is what its time is. It is given the frame's columns as they are (int64 customer ids
and times, a categorical of events), as a user would.

Creates a throwaway venv with DuckDB, polars, pandas and the engine's package (built by maturin;
outside the test command):

    python3 benches/python/paths_vs_duckdb.py [--rows 10000000] [--customers 1000000] [--events 1000]
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
    """Re-runs this script in a venv with DuckDB, polars and the engine's package."""
    if os.environ.get("PATHS_DUCKDB_BENCH_VENV"):
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
    os.execve(python, [python, *sys.argv], {**os.environ, "PATHS_DUCKDB_BENCH_VENV": "1",
                                            "RAYON_NUM_THREADS": str(THREADS),
                                            "POLARS_MAX_THREADS": str(THREADS)})


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
    ap.add_argument("--events", type=int, default=1_000)
    args = ap.parse_args()
    ensure_venv()
    import duckdb
    import numpy as np
    import pandas as pd
    import polars as pl

    import engagement

    rng = np.random.default_rng(2026)
    n = args.rows
    names = np.array([f"event_{i:05d}" for i in range(args.events)], dtype=object)
    codes = rng.integers(0, args.events, n)
    df = pd.DataFrame({"customer": rng.integers(1, args.customers + 1, n).astype(np.int64),
                       "time": rng.integers(1_700_000_000, 1_700_000_000 + 30 * 86_400, n).astype(np.int64),
                       "event": pd.Categorical.from_codes(codes, categories=names)})
    print(f"{n:,} touchpoints, {args.customers:,} customers, {args.events:,} events; {THREADS} threads each; "
          f"duckdb {duckdb.__version__}, polars {pl.__version__}, engagement {engagement.__version__}")
    con = duckdb.connect()
    con.execute(f"SET threads={THREADS}")
    events = pd.DataFrame({"customer": df["customer"], "time": df["time"], "event": df["event"].astype(str)})
    con.register("t", events)
    lf = pl.from_pandas(events).lazy()

    p, t_engine = timed(lambda: engagement.paths(df["customer"], df["time"],
                                                  events=df["event"], steps=10))
    s, t_sessions = timed(lambda: engagement.sessions(df["customer"], df["time"]))
    e = p.edges_frame()
    edges = e.set_index(["from", "to"])
    rows = []

    w = "WINDOW w AS (PARTITION BY customer ORDER BY time, event)"
    q_counts = f"""
        SELECT coalesce(prev, 'path_start') AS a, event AS b, count(*) AS n
        FROM (SELECT LAG(event) OVER w AS prev, event FROM t {w}) GROUP BY ALL
        UNION ALL
        SELECT event AS a, 'path_end' AS b, count(*) AS n
        FROM (SELECT event, LEAD(event) OVER w AS nxt FROM t {w}) WHERE nxt IS NULL GROUP BY ALL"""
    duck, t_duck = timed(lambda: con.execute(q_counts).df())
    got = edges["count"].reindex(pd.MultiIndex.from_frame(duck[["a", "b"]])).to_numpy()
    assert np.array_equal(got, duck["n"].to_numpy()), "DuckDB transition counts differ"

    def polars_counts():
        x = lf.sort(["customer", "time", "event"]).with_columns(
            pl.col("event").shift(1).over("customer").fill_null("path_start").alias("a"))
        inner = x.group_by(["a", "event"]).agg(pl.len().alias("n"))
        last = x.group_by("customer").agg(pl.col("event").last()).group_by("event").agg(pl.len().alias("n")) \
            .with_columns(pl.lit("path_end").alias("b")).rename({"event": "a"})
        return pl.concat([inner.rename({"event": "b"}).select("a", "b", "n"), last.select("a", "b", "n")]).collect()
    pol, t_pol = timed(polars_counts)
    pol = pol.to_pandas()
    got = edges["count"].reindex(pd.MultiIndex.from_frame(pol[["a", "b"]])).to_numpy()
    assert np.array_equal(got, pol["n"].to_numpy()), "polars transition counts differ"
    rows.append(("transition counts (engine: the whole analysis)", t_engine, t_duck, t_pol))

    q_full = f"""SELECT event AS a, nxt AS b, count(*) AS n, count(DISTINCT customer) AS customers,
        median(dt) AS med, quantile_cont(dt, 0.95) AS p95 FROM (
        SELECT customer, event, LEAD(event) OVER w AS nxt, LEAD(time) OVER w - time AS dt FROM t {w})
        WHERE nxt IS NOT NULL GROUP BY ALL"""
    full, t_full = timed(lambda: con.execute(q_full).df(), runs=1)   # over a minute: once
    mine = edges.reindex(pd.MultiIndex.from_frame(full[["a", "b"]]))
    assert np.array_equal(mine["customers"].to_numpy(), full["customers"].to_numpy())
    assert np.allclose(mine["median_seconds"].to_numpy(), full["med"].to_numpy())
    assert np.allclose(mine["p95_seconds"].to_numpy(), full["p95"].to_numpy())

    def polars_full():
        return lf.sort(["customer", "time", "event"]).with_columns(
            pl.col("event").shift(-1).over("customer").alias("b"),
            (pl.col("time").shift(-1).over("customer") - pl.col("time")).alias("dt"),
        ).drop_nulls("b").group_by(["event", "b"]).agg(
            pl.len().alias("n"), pl.col("customer").n_unique().alias("customers"),
            pl.col("dt").median().alias("med"), pl.col("dt").quantile(0.95, interpolation="linear").alias("p95"),
        ).collect()
    pfull, t_pfull = timed(polars_full, runs=1)
    pfull = pfull.to_pandas()
    mine = edges.reindex(pd.MultiIndex.from_frame(pfull[["event", "b"]]))
    assert np.allclose(mine["p95_seconds"].to_numpy(), pfull["p95"].to_numpy())
    rows.append(("transitions + distinct customers + median + p95", t_engine, t_full, t_pfull))

    q_steps = """SELECT event, step, count(*) AS n FROM (SELECT event, ROW_NUMBER() OVER
        (PARTITION BY customer ORDER BY time, event) AS step FROM t) WHERE step <= 10 GROUP BY ALL"""
    steps, t_steps = timed(lambda: con.execute(q_steps).df())
    frame = p.step_frame()
    got = np.array([frame.loc[ev, int(k)] for ev, k in zip(steps["event"], steps["step"])]) * p.paths
    assert np.allclose(got, steps["n"].to_numpy())

    def polars_steps():
        return lf.sort(["customer", "time", "event"]).with_columns(
            pl.int_range(1, pl.len() + 1).over("customer").alias("step")).filter(pl.col("step") <= 10) \
            .group_by(["event", "step"]).agg(pl.len().alias("n")).collect()
    _, t_psteps = timed(polars_steps)
    rows.append(("step matrix, 10 steps (engine: the whole analysis)", t_engine, t_steps, t_psteps))

    # 5-step funnels over events (loose order, the deepest progress from any entry within 30 days,
    # equal times ordered by label as the engine orders them), written for DuckDB and polars as one
    # join per step: narrow steps (the five commonest events, 0.5 % of the rows) and broad ones (the
    # prefixes event_000 … event_004, a tenth of the rows each).
    con.register("tc", pd.DataFrame({"customer": df["customer"], "time": df["time"], "code": codes}))
    lc = pl.from_pandas(pd.DataFrame({"customer": df["customer"], "time": df["time"], "code": codes})).lazy() \
        .with_columns((pl.col("time") * 1000 + pl.col("code")).alias("key"))
    top5 = list(pd.Series(codes).value_counts().index[:5])
    for label, funnel_steps, ranges in [
            ("narrow: five single events", [{"name": names[c], "events": [names[c]]} for c in top5],
             [(c, c) for c in top5]),
            ("broad: five prefixes", [{"name": f"p{j}", "event_prefix": f"event_00{j}"} for j in range(5)],
             [(100 * j, 100 * j + 99) for j in range(5)])]:
        f, t_funnel = timed(lambda: engagement.funnel(df["customer"], df["time"],
                                                      events=df["event"], steps=funnel_steps, window_days=30))
        lo, hi = ranges[0]
        ctes = [f"e0 AS (SELECT customer, time AS t0, time * 1000 + code AS s0, time * 1000 + code AS s FROM tc "
                f"WHERE code BETWEEN {lo} AND {hi})"]
        for j in range(1, 5):
            lo, hi = ranges[j]
            ctes.append(f"e{j} AS (SELECT e.customer, e.t0, e.s0, min(tc.time * 1000 + tc.code) AS s "
                        f"FROM e{j - 1} e JOIN tc ON tc.customer = e.customer AND tc.code BETWEEN {lo} AND {hi} "
                        f"AND tc.time * 1000 + tc.code > e.s AND tc.time - e.t0 <= 2592000 GROUP BY ALL)")
        q_funnel = "WITH " + ", ".join(ctes) + " SELECT " + ", ".join(
            f"(SELECT count(DISTINCT customer) FROM e{j})" for j in range(5))
        dfun, t_dfun = timed(lambda: con.execute(q_funnel).fetchall())
        assert list(dfun[0]) == f.customers.tolist(), (dfun, f.customers)

        def polars_funnel():
            lo, hi = ranges[0]
            e = lc.filter(pl.col("code").is_between(lo, hi)).select(
                "customer", pl.col("time").alias("t0"), pl.col("key").alias("s0"), pl.col("key").alias("s"))
            levels = [e]
            for j in range(1, 5):
                lo, hi = ranges[j]
                nxt = lc.filter(pl.col("code").is_between(lo, hi)).select("customer", "time", "key")
                e = e.join(nxt, on="customer").filter(
                    (pl.col("key") > pl.col("s")) & (pl.col("time") - pl.col("t0") <= 2592000)) \
                    .group_by("customer", "t0", "s0").agg(pl.col("key").min().alias("s"))
                levels.append(e)
            return [lvl.select(pl.col("customer").n_unique()).collect().item() for lvl in levels]
        pfun, t_pfun = timed(polars_funnel)
        assert pfun == f.customers.tolist(), (pfun, f.customers)
        rows.append((f"5-step event funnel, {label}", t_funnel, t_dfun, t_pfun))

    # The narrow funnel with an exclusion between steps 1 and 2 (the sixth commonest event): every
    # step-1 touchpoint after the entry may start the rest, as long as no excluded event comes
    # before the step-2 one (the engine follows every chain; SQL joins all step-1 touchpoints, finds
    # the next exclusion after each, and the first step 2 before it).
    excluded = list(pd.Series(codes).value_counts().index[:6])[5]
    steps5 = [{"name": names[c], "events": [names[c]]} for c in top5]
    exclusion = [{"name": names[excluded], "events": [names[excluded]], "between": [1, 2]}]
    f, t_funnel = timed(lambda: engagement.funnel(df["customer"], df["time"], events=df["event"], steps=steps5,
                                                  exclusions=exclusion, window_days=30))
    key = "tc.time * 1000 + tc.code"
    ctes = [f"e0 AS (SELECT customer, time AS t0, time * 1000 + code AS s0, time * 1000 + code AS s FROM tc "
            f"WHERE code = {top5[0]})",
            f"e1 AS (SELECT e.customer, e.t0, e.s0, {key} AS s FROM e0 e JOIN tc ON tc.customer = e.customer "
            f"AND tc.code = {top5[1]} AND {key} > e.s AND tc.time - e.t0 <= 2592000)",
            f"x AS (SELECT customer, time * 1000 + code AS k FROM tc WHERE code = {excluded})",
            "e1x AS (SELECT e.customer, e.t0, e.s0, e.s, min(x.k) AS nx FROM e1 e LEFT JOIN x "
            "ON x.customer = e.customer AND x.k > e.s GROUP BY ALL)",
            f"e2 AS (SELECT e.customer, e.t0, e.s0, min({key}) AS s FROM e1x e JOIN tc ON tc.customer = e.customer "
            f"AND tc.code = {top5[2]} AND {key} > e.s AND (e.nx IS NULL OR {key} < e.nx) "
            f"AND tc.time - e.t0 <= 2592000 GROUP BY e.customer, e.t0, e.s0)"]
    for j in (3, 4):
        ctes.append(f"e{j} AS (SELECT e.customer, e.t0, e.s0, min({key}) AS s "
                    f"FROM e{j - 1} e JOIN tc ON tc.customer = e.customer AND tc.code = {top5[j]} "
                    f"AND {key} > e.s AND tc.time - e.t0 <= 2592000 GROUP BY ALL)")
    q_excl = "WITH " + ", ".join(ctes) + " SELECT " + ", ".join(
        f"(SELECT count(DISTINCT customer) FROM e{j})" for j in range(5))
    dexc, t_dexc = timed(lambda: con.execute(q_excl).fetchall())
    assert list(dexc[0]) == f.customers.tolist(), (dexc, f.customers)
    rows.append(("5-step event funnel, narrow, exclusion between 1 and 2", t_funnel, t_dexc, float("nan")))

    q_sessions = """SELECT count(*) FROM (SELECT time - LAG(time) OVER (PARTITION BY customer ORDER BY time) AS gap
        FROM t) WHERE gap IS NULL OR gap > 1800"""
    (sessions,), t_dsess = timed(lambda: con.execute(q_sessions).fetchone())
    assert sessions == s.summary.sessions, (sessions, s.summary.sessions)

    def polars_sessions():
        return lf.sort(["customer", "time"]).with_columns(
            pl.col("time").diff().over("customer").alias("gap")).filter(
            pl.col("gap").is_null() | (pl.col("gap") > 1800)).select(pl.len()).collect().item()
    psess, t_psess = timed(polars_sessions)
    assert psess == s.summary.sessions
    rows.append(("sessions (30-minute gap)", t_sessions, t_dsess, t_psess))

    print(f"{'query':<52} {'engine':>9} {'DuckDB':>9} {'polars':>9}")
    for name, a, b, c in rows:
        polars = "(not written)" if c != c else f"polars/engine {c / a:.1f}x"
        print(f"{name:<52} {a:>8.2f}s {b:>8.2f}s {c:>8.2f}s   (DuckDB/engine {b / a:.1f}x, {polars})")
    print("every number checked equal before timing")


if __name__ == "__main__":
    main()
