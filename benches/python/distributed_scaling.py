#!/usr/bin/env python3
"""The Dask and Spark paths on 10M touchpoints (1M customers) against the single-machine engine, in
one run: wall time, throughput per core, and the size of the partials; every distributed result is
checked equal to the single-machine one.

Analyses: every profile merged into one store on the driver (any partitioning, merged as partial
profile stores), the per-customer frame (scores, stage, purchases, revenue; computed per partition
after a shuffle by customer), a 3-step funnel and order-2 Markov attribution (each shuffled by
customer first).

Creates a throwaway venv with dask[distributed], pyspark, pyarrow, pandas and the engine's package
(built by maturin; outside the test command). Spark needs Java on PATH.

    python3 benches/python/distributed_scaling.py [--rows 10000000] [--customers 1000000] [--partitions 16]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STEPS = [{"name": "open", "kinds": ["open"]}, {"name": "click", "kinds": ["click"]},
         {"name": "buy", "kinds": ["purchase"]}]


def ensure_venv():
    if os.environ.get("SCALING_BENCH_VENV"):
        return
    env_dir = os.path.join(tempfile.gettempdir(), "engagement-scaling-bench-venv")
    python = os.path.join(env_dir, "bin", "python")
    if not os.path.exists(python):
        venv.create(env_dir, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "dask[dataframe,distributed]", "pyspark",
                        "pyarrow", "pandas", "numpy", "maturin"], check=True)
    subprocess.run([python, "-m", "maturin", "develop", "--quiet", "--release", "-m",
                    os.path.join(ROOT, "engagement-py", "Cargo.toml")], check=True,
                   env={**os.environ, "VIRTUAL_ENV": env_dir})
    os.execve(python, [python, *sys.argv], {**os.environ, "SCALING_BENCH_VENV": "1", "SPARK_LOCAL_IP": "127.0.0.1",
                                            "PYSPARK_PYTHON": python, "PYSPARK_DRIVER_PYTHON": python})


def timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def main():
    ensure_venv()
    import warnings

    import numpy as np
    import pandas as pd

    import engagement

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=16)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    rng = np.random.default_rng(5)
    n = args.rows
    kind_codes = np.array([0, 1, 2, 3, 4], dtype=np.uint8)  # impression, open, click, visit, purchase
    kind = rng.choice(kind_codes, n, p=[0.3, 0.25, 0.2, 0.17, 0.08])
    df = pd.DataFrame({
        "customer": rng.integers(1, args.customers + 1, n).astype(np.int64),
        "time": np.sort(1_704_067_200 + rng.integers(0, 365 * 86_400, n)),  # time order: customers cross partitions
        "channel": rng.integers(0, 11, n).astype(np.uint8),
        "kind": kind,
        "value": np.where(kind == 4, rng.integers(500, 20_000, n) / 100.0, 0.0),
    })
    print(f"{n} touchpoints, {args.customers} customers, {args.partitions} partitions, {cores} cores; one run each")

    # Single machine: the engine over the whole frame (multi-threaded where the engine is).
    single = {}
    single["profiles"], t_prof = timed(lambda: engagement.Partial.from_frame({"kind": "profiles"}, df))
    as_of = pd.Timestamp("2025-01-01")
    single["frame"], t_frame = timed(lambda: engagement.customer_frame(df, as_of=as_of))
    single["funnel"], t_fun = timed(lambda: engagement.funnel(df["customer"], df["time"], df["channel"], df["kind"],
                                                               steps=STEPS, window_days=30))
    single["attribution"], t_att = timed(lambda: engagement.attribute_touchpoints(
        df["customer"], df["time"], df["channel"], df["kind"], df["value"], lookback_days=30, rule="markov", order=2))
    sizes = single["profiles"].to_bytes()
    print(f"profiles partial of all customers: {len(sizes) / 1e6:.1f} MB, {len(sizes) / args.customers:.0f} B per customer")
    rows = [("single machine", t_prof, t_frame, t_fun, t_att)]

    def check(name, store, frame, funnel, attribution):
        assert store.profiles() == single["profiles"].result().profiles(), f"{name}: profiles differ"
        frame = frame.sort_values("customer", ignore_index=True)
        expected = single["frame"]
        for c in expected.columns:
            assert frame[c].astype(str).tolist() == expected[c].astype(str).tolist(), f"{name}: {c} differs"
        assert funnel.customers.tolist() == single["funnel"].customers.tolist(), f"{name}: funnel differs"
        assert funnel.median_time == single["funnel"].median_time, f"{name}: funnel times differ"
        assert np.array_equal(attribution.conversions, single["attribution"].conversions), f"{name}: attribution differs"
        assert np.array_equal(attribution.value, single["attribution"].value), f"{name}: attribution value differs"

    # Dask: a local cluster of one worker process per core.
    import dask.dataframe as dd
    import distributed

    import engagement.dask

    with distributed.LocalCluster(n_workers=cores, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        ddf = dd.from_pandas(df, npartitions=args.partitions, sort=False).persist()
        distributed.wait(ddf)
        store, t1 = timed(lambda: engagement.dask.profiles(ddf))
        frame, t4 = timed(lambda: engagement.dask.customer_frame(ddf, as_of=as_of).compute())
        funnel, t2 = timed(lambda: engagement.dask.funnel(ddf, steps=STEPS, window_days=30))
        attribution, t3 = timed(lambda: engagement.dask.attribute(ddf, lookback_days=30, rule="markov", order=2))
        check("dask", store, frame, funnel, attribution)
        rows.append(("dask", t1, t4, t2, t3))

    # Spark: local mode on every core.
    import pyspark

    import engagement.spark

    spark = (pyspark.sql.SparkSession.builder.master(f"local[{cores}]").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", str(args.partitions)).config("spark.driver.memory", "8g")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    sdf = spark.createDataFrame(df.astype({"channel": "int32", "kind": "int32"})).repartition(args.partitions).cache()
    sdf.count()
    store, t1 = timed(lambda: engagement.spark.profiles(sdf))
    frame, t4 = timed(lambda: engagement.spark.customer_frame(sdf, as_of=as_of).toPandas())
    funnel, t2 = timed(lambda: engagement.spark.funnel(sdf, steps=STEPS, window_days=30))
    attribution, t3 = timed(lambda: engagement.spark.attribute(sdf, lookback_days=30, rule="markov", order=2))
    check("spark", store, frame, funnel, attribution)
    rows.append(("spark", t1, t4, t2, t3))
    spark.stop()

    print("\nall distributed results equal the single-machine ones")
    print(f"{'path':16} {'profiles':>10} {'frame':>10} {'funnel':>10} {'attribution':>12}   "
          "M touchpoints/s per core (same order)")
    base = rows[0]
    for name, *ts in rows:
        per_core = " ".join(f"{n / t / cores / 1e6:6.2f}" for t in ts)
        ratio = " ".join(f"{b / t:5.2f}x" for b, t in zip(base[1:], ts))
        print(f"{name:16} {ts[0]:9.2f}s {ts[1]:9.2f}s {ts[2]:9.2f}s {ts[3]:11.2f}s   {per_core}   vs single: {ratio}")


if __name__ == "__main__":
    main()
