"""Partials, and the Dask and Spark paths: the same numbers as one machine.

Both engines run for real: a Dask ``LocalCluster`` of two worker processes, and Spark in local
mode (two cores) started here. Data: the bundled multi-channel sample, and generated touchpoints
in time order so that nearly every customer is spread over many partitions.
"""

import os
import pickle
import sys
from dataclasses import fields, is_dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engagement

# PySpark 4.3 warns that pandas 3 is not fully supported; its Arrow path used here is unaffected.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

ROOT = Path(__file__).resolve().parents[2]
AS_OF = 1_735_689_600  # 2025-01-01, after both data sets
STEPS = [{"name": "visit", "kinds": ["visit", "open"]}, {"name": "click", "kinds": ["click"]},
         {"name": "buy", "kinds": ["purchase"]}]


def assert_same(a, b, path="result"):
    """Equal to the last bit (NaN equal to NaN), through dataclasses, dicts, lists and arrays."""
    if is_dataclass(a):
        assert type(a) is type(b), path
        for f in fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple, np.ndarray)):
        a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
        assert a.shape == b.shape, path
        for i, (x, y) in enumerate(zip(a.ravel(), b.ravel())):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float) and np.isnan(a):
        assert np.isnan(b), path
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def with_events(df):
    """A product's own event label per touchpoint (from its kind and channel, some unicode)."""
    return df.assign(event=df["kind"].astype(str) + np.where(df["channel"] == "web", "_wéb", "_" + df["channel"]))


@pytest.fixture(scope="module")
def sample():
    return with_events(pd.read_csv(ROOT / "data" / "sample" / "touchpoints.csv"))


@pytest.fixture(scope="module")
def spread():
    """20 000 touchpoints of 800 customers over two years, in time order (customers cross partitions)."""
    rng = np.random.default_rng(7)
    n = 20_000
    kinds = np.array(["impression", "open", "click", "visit", "purchase", "refund", "survey_response", "cart_add"])
    kind = rng.choice(kinds, n, p=[0.2, 0.2, 0.15, 0.2, 0.12, 0.01, 0.07, 0.05])
    survey = kind == "survey_response"
    df = pd.DataFrame({
        "customer": rng.integers(1, 801, n).astype(np.uint64),
        "time": np.sort(rng.integers(1_672_531_200, 1_735_603_200, n)),
        "channel": rng.choice(np.array(["email", "web", "mobile_app", "social", "ads", "store"]), n),
        "kind": kind,
        "value": np.where(kind == "purchase", np.round(rng.gamma(2.0, 30.0, n), 2), 0.0),
        "rating": np.where(survey, rng.integers(0, 11, n), np.nan),
        "rating_scale": np.where(survey, "nps", None),
    })
    return with_events(df)


# Weekly retention from a visit to a purchase (value: revenue retention), by rolling windows, with
# custom brackets; as_of is required by the partial.
RETENTION = {"start": {"kinds": ["visit"]}, "returning": {"kinds": ["purchase"]}, "period": "week",
             "windows": "rolling", "brackets": [(1, 1), (2, 4), (5, 12)], "as_of": AS_OF}

# A funnel with the power features: a refund voids between visit and click, a click within two days
# of the visit, a breakdown by the entry's channel, event odds ratios, five histogram bins.
POWER = {"steps": [STEPS[0], dict(STEPS[1], within=2 * 86_400), STEPS[2]], "window_days": 14,
         "exclusions": [{"name": "refund", "kinds": ["refund"], "between": [0, 1]}], "breakdown": "channel",
         "correlation": True, "time_bins": 5}


def single_machine(df):
    """Every analysis by the single-machine functions."""
    cols = (df["customer"], df["time"], df["channel"], df["kind"])
    store = engagement.ProfileStore()
    store.push_frame(df)
    purchases = df[df["kind"] == "purchase"]
    answers = df.loc[df["rating_scale"] == "nps", "rating"]
    return {
        "profiles": store.profiles(),
        "frame": engagement.customer_frame(df, as_of=AS_OF),
        "nps": engagement.nps(answers),
        "funnel": engagement.funnel(*cols, steps=STEPS, window_days=14),
        "power_funnel": engagement.funnel(*cols, events=df["event"], **POWER),
        "sequences": engagement.journey_sequences(*cols, by="kind", steps=5, path_length=4, top_paths=20),
        "cohorts": engagement.cohorts(purchases["customer"], purchases["time"], purchases["value"], as_of=AS_OF),
        "attribution": engagement.attribute_touchpoints(*cols, df["value"], lookback_days=30, rule="markov",
                                                        order=2),
        "paths": engagement.paths(df["customer"], df["time"], events=df["event"], per="session",
                                  session_gap=6 * 3600, steps=4, top_paths=20),
        "attribution_by_event": engagement.attribute_touchpoints(*cols, df["value"], events=df["event"],
                                                                 by="channel:event", rule="linear"),
        "retention": engagement.retention(*cols, df["value"], events=df["event"], **RETENTION),
        "lifecycle": engagement.lifecycle(*cols, events=df["event"], period="month", activity={"kinds": ["purchase"]},
                                          as_of=AS_OF),
        "stickiness": engagement.stickiness(*cols, period="month", as_of=AS_OF),
    }


def check_engine(engine, data, expected):
    assert_same(engine.profiles(data).profiles(), expected["profiles"], "profiles")
    frame = engine.customer_frame(data, as_of=AS_OF)
    frame = frame.toPandas() if hasattr(frame, "toPandas") else frame.compute()
    frame = frame.astype({"customer": "uint64", "stage": expected["frame"]["stage"].dtype})
    pd.testing.assert_frame_equal(frame.sort_values("customer", ignore_index=True), expected["frame"])
    assert_same(engine.metrics(data).nps, expected["nps"], "nps")
    assert_same(engine.funnel(data, steps=STEPS, window_days=14), expected["funnel"], "funnel")
    power = engine.funnel(data, **POWER)
    assert len(power.breakdown) > 1 and len(power.correlation) > 5 and power.customers[-1] > 0
    assert_same(power, expected["power_funnel"], "power funnel")
    assert_same(engine.journey_sequences(data, by="kind", steps=5, path_length=4, top_paths=20),
                expected["sequences"], "sequences")
    assert_same(engine.cohorts(data, as_of=AS_OF), expected["cohorts"], "cohorts")
    assert_same(engine.attribute(data, lookback_days=30, rule="markov", order=2), expected["attribution"],
                "attribution")
    assert_same(engine.paths(data, per="session", session_gap=6 * 3600, steps=4, top_paths=20), expected["paths"],
                "paths")
    by_event = engine.attribute(data, by="channel:event", rule="linear")
    assert len(by_event.channels) > 20 and ":" in by_event.channels[0]
    assert_same(by_event, expected["attribution_by_event"], "attribution by channel:event")
    retention = engine.retention(data, **RETENTION)
    assert retention.total_size > 0 and retention.total_retained.sum() > 0
    assert_same(retention, expected["retention"], "retention")
    life = engine.lifecycle(data, period="month", activity={"kinds": ["purchase"]}, as_of=AS_OF)
    assert life.new.sum() > 0 and life.dormant.sum() > 0
    assert_same(life, expected["lifecycle"], "lifecycle")
    sticky = engine.stickiness(data, period="month", as_of=AS_OF)
    assert sticky.total_days.sum() > 0 and sticky.mau.max() > sticky.dau.max()
    assert_same(sticky, expected["stickiness"], "stickiness")


# ---- partials on one machine ----

def test_parts_in_any_order_equal_one_pass(spread):
    expected = single_machine(spread)
    chunks = np.array_split(np.arange(len(spread)), 5)
    parts = [engagement.Partial.from_frame({"kind": "profiles"}, spread.iloc[c]) for c in chunks]
    merged = engagement.merge_partials(pickle.loads(pickle.dumps(p)) for p in reversed(parts))
    assert_same(merged.result().profiles(), expected["profiles"])
    # Journey kinds: whole customers per part.
    spec = {"kind": "funnel", "funnel": {"steps": STEPS, "window": 14 * 86_400}}
    by_customer = [spread[spread["customer"] % 3 == r] for r in range(3)]
    parts = [engagement.Partial.from_frame(spec, d) for d in by_customer]
    merged = engagement.Partial.from_json(parts[2].to_json()).merge(parts[0]).merge(
        engagement.Partial.from_bytes(parts[1].to_bytes()))
    assert_same(merged.result(), expected["funnel"])


def test_bad_partials_are_typed_errors(sample):
    p = engagement.Partial.from_frame({"kind": "metrics"}, sample)
    data = p.to_bytes()
    with pytest.raises(engagement.CorruptError, match="checksum"):
        engagement.Partial.from_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(engagement.CorruptError, match="shorter than"):
        engagement.Partial.from_bytes(b"ENGP")
    with pytest.raises(engagement.IncompatibleError, match="itself"):
        p.merge(p)
    other = engagement.Partial.from_frame({"kind": "metrics", "level": 0.9}, sample)
    before = p.to_bytes()
    with pytest.raises(engagement.IncompatibleError):
        p.merge(other)
    assert p.to_bytes() == before
    with pytest.raises(engagement.JsonError):
        engagement.Partial.from_touchpoints({"kind": "everything"}, [], [], [], [])
    with pytest.raises(engagement.IncompatibleError):
        p.attribute()
    with pytest.raises(engagement.EmptyInputError):
        engagement.Partial.from_touchpoints({"kind": "paths", "lookback": 60}, [], [], [], []).result()


# ---- Dask ----

@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.mark.parametrize("data", ["sample", "spread"])
def test_dask_equals_one_machine(dask_client, data, request):
    import dask.dataframe as dd

    import engagement.dask

    df = request.getfixturevalue(data)
    ddf = dd.from_pandas(df, npartitions=7, sort=False)
    check_engine(engagement.dask, ddf, single_machine(df))


def test_dask_renamed_columns_and_no_shuffle(dask_client, spread):
    import dask.dataframe as dd

    import engagement.dask

    renamed = spread.drop(columns="event").rename(columns={"customer": "client", "kind": "event"})
    ddf = dd.from_pandas(renamed, npartitions=4, sort=False)
    cols = {"customer": "client", "kind": "event"}
    expected = single_machine(spread)
    assert_same(engagement.dask.funnel(ddf, steps=STEPS, window_days=14, columns=cols), expected["funnel"])
    # Without the shuffle, customers split over partitions are counted once per partition: wrong,
    # which is why the journey kinds shuffle by default.
    unshuffled = engagement.dask.funnel(ddf, steps=STEPS, window_days=14, columns=cols, shuffle=False)
    assert unshuffled.customers[0] > expected["funnel"].customers[0]


def test_dask_worker_killed_mid_run_loses_nothing(sample, tmp_path):
    # A worker process dies while it holds a partition (once, at the first partition it sees); the
    # scheduler reruns the lost tasks elsewhere. Partials are pure functions of their rows, so the
    # result is the one machine's, to the bit. Its own cluster: the shared one stays whole.
    distributed = pytest.importorskip("distributed")
    import dask.dataframe as dd

    import engagement.dask

    marker = tmp_path / "killed"

    def die_once(pdf):
        if len(pdf) and not marker.exists():
            marker.write_text("a worker died here")
            os._exit(1)
        return pdf

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        ddf = dd.from_pandas(sample, npartitions=6, sort=False).map_partitions(die_once, meta=sample.head(0))
        store = engagement.dask.profiles(ddf)
        funnel = engagement.dask.funnel(ddf, steps=STEPS, window_days=14)
    assert marker.exists(), "no worker died: the test did not test"
    expected = single_machine(sample)
    assert_same(store.profiles(), expected["profiles"], "profiles")
    assert_same(funnel, expected["funnel"], "funnel")


# ---- Spark ----

@pytest.fixture(scope="module")
def spark():
    pyspark = pytest.importorskip("pyspark")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (pyspark.sql.SparkSession.builder.master("local[2,2]").appName("engagement-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4").config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize("data", ["sample", "spread"])
def test_spark_equals_one_machine(spark, data, request):
    import engagement.spark

    df = request.getfixturevalue(data)
    # Spark has no unsigned type: ids as longs, as a CRM's table would hold them.
    pdf = df.astype({"customer": "int64", "rating_scale": object})
    pdf["rating_scale"] = pdf["rating_scale"].where(pdf["rating_scale"].notna(), None)
    sdf = spark.createDataFrame(pdf).repartition(5)
    check_engine(engagement.spark, sdf, single_machine(df))



def test_spark_task_whose_python_worker_dies_is_retried_and_loses_nothing(spark, sample, tmp_path):
    # local[2,2]: two cores, two attempts per task. The Python worker running the first partition
    # dies; Spark reruns the task, and the partials it rebuilds give the one machine's result.
    import engagement.spark

    marker = tmp_path / "killed"
    pdf = sample.astype({"customer": "int64", "rating_scale": object})
    pdf["rating_scale"] = pdf["rating_scale"].where(pdf["rating_scale"].notna(), None)
    sdf = spark.createDataFrame(pdf)

    def die_once(frames):
        for frame in frames:
            if len(frame) and not marker.exists():
                marker.write_text("a Python worker died here")
                os._exit(1)
            yield frame

    flaky = sdf.repartition(4).mapInPandas(die_once, schema=sdf.schema)
    store = engagement.spark.profiles(flaky)
    assert marker.exists(), "no worker died: the test did not test"
    assert_same(store.profiles(), single_machine(sample)["profiles"], "profiles")


# ---- lifetime-value models at scale: CDNOW's 39-week calibration period ----

END = pd.Timestamp("1997-09-30")


@pytest.fixture(scope="module")
def cdnow():
    df = pd.read_csv(ROOT / "data" / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["master_id", "customer", "date", "cds", "value"])
    df["time"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    df = df[df["time"] <= END][["customer", "time", "value"]].sort_values("time", kind="stable")
    summary = pd.DataFrame(dict(engagement.transaction_summary(df["customer"], df["time"], df["value"],
                                                               observation_end=END, period="day", unit="week")))
    return df, summary


def check_clv(engine, data, cdnow):
    _, summary = cdnow
    s = engine.transaction_summary(data, observation_end=END, period="day", unit="week")
    # A distributed summary does not carry its unit yet: the fit states it.
    model = engine.fit_clv(s, "bg_nbd", unit="week")
    single = engagement.ClvModel.fit("bg_nbd", summary)
    assert model.to_json() == single.to_json()
    assert model.log_likelihood == single.log_likelihood
    # The published estimates (Fader, Hardie & Lee 2005): r 0.243, alpha 4.414, a 0.793, b 2.426.
    p = model.to_dict()
    assert [round(p[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
    spend = engine.fit_clv(s, "gamma_gamma", unit="week")
    assert spend.to_json() == engagement.ClvModel.fit("gamma_gamma", summary[summary.frequency > 0]).to_json()
    predicted = engine.predict_clv(s, model, "conditional_expected_purchases", 39)
    predicted = predicted.toPandas() if hasattr(predicted, "toPandas") else predicted.compute()
    predicted = predicted.sort_values("customer").reset_index(drop=True)
    assert predicted["customer"].astype("uint64").tolist() == summary["customer"].tolist()
    assert np.array_equal(predicted["conditional_expected_purchases"].to_numpy(),
                          single.conditional_expected_purchases(39, summary))


def test_dask_clv_fit_on_distinct_rows(dask_client, cdnow):
    import dask.dataframe as dd

    import engagement.dask

    check_clv(engagement.dask, dd.from_pandas(cdnow[0], npartitions=6, sort=False), cdnow)


def test_spark_clv_fit_on_distinct_rows(spark, cdnow):
    import engagement.spark

    check_clv(engagement.spark, spark.createDataFrame(cdnow[0]).repartition(4), cdnow)


# ---- Experiments from touchpoints ----

@pytest.fixture(scope="module")
def experiment_case():
    """The golden experiment (3 arms, 5 metrics over event labels, values, sessions, a retained day)."""
    import json

    case = next(c for c in json.loads((ROOT / "tests/golden/experiment.json").read_text())["cases"]
                if c["name"] == "three_arms_five_metrics")
    log, a, names = case["input"]["events"], case["input"]["assignment"], case["input"]["arm_names"]
    frame = pd.DataFrame({"customer": np.array(log["customer"], dtype=np.uint64), "time": log["time"],
                          "event": log["event"], "value": log["value"]})
    spec = dict(case["config"])
    metrics, as_of = spec.pop("metrics"), spec.pop("as_of")
    assignment = dict(assigned_customer=a["customer"], arm=[names[k] for k in a["arm"]],
                      exposed_at=a["exposed_at"], metrics=metrics, arms=names, as_of=as_of, **spec.pop("readout", {}))
    one = engagement.experiment(frame["customer"], frame["time"], value=frame["value"], events=frame["event"],
                                **assignment)
    return frame, assignment, one


def test_dask_experiment_equals_one_machine(dask_client, experiment_case):
    import dask.dataframe as dd

    import engagement.dask

    frame, assignment, one = experiment_case
    # Rows in time order over 5 partitions: nearly every customer is spread over several before the shuffle.
    ddf = dd.from_pandas(frame.sort_values("time", kind="stable"), npartitions=5, sort=False)
    assert_same(engagement.dask.experiment(ddf, **assignment), one)
    with pytest.raises(engagement.ConfigError, match="as_of"):
        engagement.dask.experiment(ddf, **{**assignment, "as_of": None})


def test_spark_experiment_equals_one_machine(spark, experiment_case):
    import engagement.spark

    frame, assignment, one = experiment_case
    sdf = spark.createDataFrame(frame.astype({"customer": np.int64})).repartition(4)
    assert_same(engagement.spark.experiment(sdf, **assignment), one)


def test_experiment_parts_refuse_a_customer_split_over_parts(experiment_case):
    frame, assignment, _ = experiment_case
    from engagement._distributed import experiment_spec

    spec = experiment_spec(**assignment)
    halves = [frame.iloc[::2], frame.iloc[1::2]]   # most customers in both
    parts = [engagement.Partial.from_touchpoints(spec, h["customer"].to_numpy(), h["time"].to_numpy(),
                                                 value=h["value"].to_numpy(), events=h["event"].tolist())
             for h in halves]
    with pytest.raises(engagement.IncompatibleError, match="partition the touchpoints by customer"):
        parts[0].merge(parts[1])
