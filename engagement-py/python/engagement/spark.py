"""The engine on a Spark DataFrame of touchpoints: the same numbers as one machine.

Each partition becomes a partial result (``engagement.Partial``) inside a Python worker, fed by
``mapInArrow`` (the touchpoints stay in Arrow, no row objects); the partials travel as bytes and
are merged with ``treeReduce``, so the driver receives one partial. Profiles and metrics merge
across any partitioning; funnels, sequences, cohorts and attribution paths need each customer's
touchpoints in one partition, so their inputs are repartitioned by customer first
(``shuffle=False`` skips that when the data is already partitioned by customer).

The frame has the columns of ``ProfileStore.push_frame`` (``customer`` as a long, ``time`` as Unix
seconds or a timestamp, ``channel`` and ``kind`` as labels or codes, optionally ``value``,
``rating``, ``rating_scale``); ``columns={"customer": "client_id", ...}`` maps other names. The
workers' Python must have ``engagement`` installed. Needs ``pip install "engagement[spark]"``.

Example (with a running ``spark`` session)::

    import engagement.spark
    df = spark.read.parquet("touchpoints.parquet")
    engagement.spark.funnel(df, steps=[{"name": "visit", "kinds": ["visit"]},
                                       {"name": "buy", "kinds": ["purchase"]}]).to_frame()
    engagement.spark.customer_frame(df, as_of=pd.Timestamp("2024-06-30"))   # one row per customer (Spark)
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Mapping, Optional, Sequence

from . import _distributed as _d
from ._store import ProfileStore
from ._attribution import Attribution
from ._cohort import CohortTable
from ._convert import instant
from ._funnel import FunnelResult
from ._partial import MetricsSummary, Partial
from ._transitions import JourneySequences


def _partition_batches(batches: Iterator[Any], spec_json: str, names: Mapping[str, str]) -> Iterator[Any]:
    """mapInArrow body: every record batch of one partition into one partial, out as one row."""
    import pyarrow as pa

    batches = list(batches)
    if batches:
        table = pa.Table.from_batches(batches)
        cols = _d.arrow_columns(table, names)
        p = _d.partial_of_columns(json.loads(spec_json), cols, cols.keys())
    else:
        p = Partial.from_touchpoints(json.loads(spec_json), [], [], [], [])
    yield pa.RecordBatch.from_pydict({"partial": [p.to_bytes()]}, schema=pa.schema([("partial", pa.binary())]))


def partial(sdf: Any, spec: Any, *, columns: Optional[Mapping[str, str]] = None, shuffle: Optional[bool] = None,
            depth: int = 2) -> Partial:
    """The merged partial of every partition of ``sdf`` for ``spec`` (see ``engagement.Partial``).

    ``shuffle``: ``None`` repartitions by customer exactly when the spec needs whole customers;
    ``depth`` is the depth of ``treeReduce``.
    """
    spec = dict(json.loads(spec) if isinstance(spec, str) else spec)
    names = _d.names(columns)
    probe = Partial.empty(spec)   # checks the spec before any work
    if shuffle if shuffle is not None else probe.needs_whole_customers:
        sdf = sdf.repartition(names["customer"])
    spec_json = json.dumps(spec)
    wanted = [c for c in names.values() if c in sdf.columns]
    out = sdf.select(*wanted).mapInArrow(lambda it: _partition_batches(it, spec_json, names), "partial binary")
    rdd = out.rdd.map(lambda row: bytes(row[0]))
    if rdd.getNumPartitions() == 0:
        return probe
    return Partial.from_bytes(rdd.treeReduce(_d.merge_bytes, depth=depth))


def profiles(sdf: Any, *, signals: Any = None, score_config: Any = None, **kw: Any) -> ProfileStore:
    """Every customer's profile, merged across partitions, as a ``ProfileStore`` on the driver."""
    if score_config is not None:
        signals = dict(score_config).get("signals", signals)
    return partial(sdf, _d.profiles_spec(signals), **kw).store(score_config)


_FRAME_SCHEMA = ("customer long, total double, emotional double, contextual double, convenient double, "
                 "social double, stage string, purchases long, revenue double")


def customer_frame(sdf: Any, as_of: Any, *, score_config: Any = None, stage_config: Any = None,
                   columns: Optional[Mapping[str, str]] = None, shuffle: Optional[bool] = None) -> Any:
    """One row per customer (``engagement.customer_frame``'s columns) as a Spark DataFrame, computed
    in the workers after a repartition by customer (``shuffle=False`` when the frame is already
    partitioned by customer): nothing is merged on the driver, so it scales with the cluster."""
    from ._frames import customer_frame as frame_of

    names = _d.names(columns)
    if shuffle is not False:
        sdf = sdf.repartition(names["customer"])
    t = instant(as_of, "as_of")
    wanted = [c for c in names.values() if c in sdf.columns]

    def frames(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd
        import pyarrow as pa

        batches = list(batches)
        if not batches:
            return
        cols = _d.arrow_columns(pa.Table.from_batches(batches), names)
        out = frame_of(pd.DataFrame(cols), as_of=t, score_config=score_config, stage_config=stage_config)
        out = out.astype({"customer": "int64", "stage": object})
        yield pa.RecordBatch.from_pandas(out, preserve_index=False)

    return sdf.select(*wanted).mapInArrow(frames, _FRAME_SCHEMA)


def metrics(sdf: Any, *, level: Optional[float] = None, conversion: Optional[Mapping[str, Sequence[str]]] = None,
            **kw: Any) -> MetricsSummary:
    """NPS, CSAT and CES over every answer, and a conversion rate of touchpoint kinds
    (``conversion={"trials": [kinds], "successes": [kinds]}``); ``level`` is the confidence level
    of the intervals (default 0.95)."""
    return partial(sdf, _d.metrics_spec(level, conversion), **kw).result()


def funnel(sdf: Any, *, steps: Sequence[Mapping[str, Any]], window_days: Optional[float] = None,
           order: Optional[str] = None, level: Optional[float] = None, exclusions: Any = None,
           hold_constant: Optional[str] = None, entry: Optional[str] = None, breakdown: Optional[str] = None,
           correlation: Optional[bool] = None, time_bins: Optional[int] = None, **kw: Any) -> FunnelResult:
    """``engagement.funnel`` over the whole frame (defaults: ``window_days`` 30, ``order``
    ``"loose"``, ``level`` 0.95; ``exclusions``, ``hold_constant``, ``entry``, ``breakdown``,
    ``correlation`` and ``time_bins`` as there)."""
    spec = _d.funnel_spec(steps, window_days, order, level, exclusions=exclusions, hold_constant=hold_constant,
                          entry=entry, breakdown=breakdown, correlation=correlation, time_bins=time_bins)
    return partial(sdf, spec, **kw).result()


def journey_sequences(sdf: Any, *, by: Optional[str] = None, steps: Optional[int] = None,
                      path_length: Optional[int] = None, top_paths: Optional[int] = None,
                      **kw: Any) -> JourneySequences:
    """``engagement.journey_sequences`` over the whole frame (defaults: ``by`` ``"channel"``,
    ``steps`` 10, ``path_length`` 5, ``top_paths`` 10)."""
    return partial(sdf, _d.sequences_spec(by, steps, path_length, top_paths), **kw).result()


def paths(sdf: Any, *, by: Optional[str] = None, per: Optional[str] = None,
          session_gap: Optional[float] = None, collapse_repeats: Optional[bool] = None,
          steps: Optional[int] = None, path_length: Optional[int] = None, top_paths: Optional[int] = None,
          step_flows: Optional[bool] = None, **kw: Any) -> Any:
    """``engagement.paths`` over the whole frame (columns ``customer``, ``time``, ``event`` (labels),
    optionally ``campaign``; ``channel`` and ``kind`` may be absent; ``columns={"customer": "user_id",
    "time": "timestamp"}`` maps other names, ``shuffle=False`` skips the shuffle by customer): each
    partition's counts are named by label, so partitions that meet different events merge into the
    single-machine ``PathAnalysis``."""
    return partial(sdf, _d.event_paths_spec(by, per, session_gap, collapse_repeats, steps, path_length, top_paths,
                                         step_flows),
                   **kw).result()


def cohorts(sdf: Any, *, as_of: Any, period: Optional[str] = None, max_periods: Optional[int] = None,
            activity: Optional[str] = None, **kw: Any) -> CohortTable:
    """Acquisition cohorts of the purchases (``activity="any"``: of every touchpoint, by first
    touch); defaults: ``period`` ``"month"``, ``max_periods`` 36, ``activity`` ``"purchases"``."""
    return partial(sdf, _d.cohorts_spec(instant(as_of, "as_of"), period, max_periods, activity), **kw).result()


def retention(sdf: Any, *, as_of: Any, start: Any = None, returning: Any = None, period: Optional[str] = None,
              windows: Optional[str] = None, periods: Optional[int] = None, brackets: Any = None,
              mode: Optional[str] = None, start_occurrence: Optional[str] = None,
              min_occurrences: Optional[int] = None, utc_offset: Any = None, censor: Optional[bool] = None,
              **kw: Any) -> Any:
    """``engagement.retention`` over the whole frame (columns ``customer``, ``time``, optionally
    ``event`` (labels), ``channel``, ``kind``, ``value``, ``campaign``): equal to one machine's
    ``RetentionTable``. ``as_of`` is required: partitions cannot agree on the latest touchpoint."""
    spec = _d.retention_spec(as_of, start=start, returning=returning, period=period, windows=windows,
                             periods=periods, brackets=brackets, mode=mode, start_occurrence=start_occurrence,
                             min_occurrences=min_occurrences, utc_offset=utc_offset, censor=censor)
    return partial(sdf, spec, **kw).result()


def lifecycle(sdf: Any, *, as_of: Any, activity: Any = None, period: Optional[str] = None,
              utc_offset: Any = None, **kw: Any) -> Any:
    """``engagement.lifecycle`` over the whole frame (columns as ``retention``): equal to one machine's
    ``LifecycleTable``. ``as_of`` is required: partitions cannot agree on the latest touchpoint."""
    spec = _d.lifecycle_spec(as_of, activity=activity, period=period, utc_offset=utc_offset)
    return partial(sdf, spec, **kw).result()


def stickiness(sdf: Any, *, as_of: Any, activity: Any = None, period: Optional[str] = None,
               utc_offset: Any = None, **kw: Any) -> Any:
    """``engagement.stickiness`` over the whole frame (columns as ``retention``): equal to one
    machine's ``StickinessTable``. ``as_of`` is required."""
    spec = _d.stickiness_spec(as_of, activity=activity, period=period, utc_offset=utc_offset)
    return partial(sdf, spec, **kw).result()


def experiment(sdf: Any, *, assigned_customer: Any, arm: Any, exposed_at: Any, metrics: Sequence[Mapping[str, Any]],
               as_of: Any, arms: Optional[Sequence[str]] = None, control: Optional[str] = None,
               level: Optional[float] = None, sequential: Optional[bool] = None,
               sequential_tuning: Optional[float] = None, correction: Optional[str] = None, prior: Any = None,
               weights: Any = None, **kw: Any) -> Any:
    """``engagement.experiment`` over the whole frame (columns ``customer``, ``time``, optionally
    ``event`` (labels), ``channel``, ``kind``, ``value``, ``campaign``), the assignment (one row per
    customer) given as columns: equal to one machine's ``ExperimentReadout``. Each partition
    measures its customers' metrics (the frame is shuffled by customer first) and the merged
    values are read out once. ``as_of`` is required: partitions cannot agree on the latest
    touchpoint. The assignment travels with every partition's task."""
    spec = _d.experiment_spec(assigned_customer=assigned_customer, arm=arm, exposed_at=exposed_at, metrics=metrics,
                              as_of=as_of, arms=arms, control=control, level=level, sequential=sequential,
                              sequential_tuning=sequential_tuning, correction=correction, prior=prior,
                              weights=weights)
    return partial(sdf, spec, **kw).result()


def attribute(sdf: Any, *, lookback_days: Optional[float] = None, include_conversion: Optional[bool] = None,
              rule: Optional[str] = None, by: Optional[str] = None,
              columns: Optional[Mapping[str, str]] = None, shuffle: Optional[bool] = None, depth: int = 2,
              **params: Any) -> Attribution:
    """``engagement.attribute_touchpoints`` over the whole frame (paths reach back
    ``lookback_days`` before each purchase, default 30; the purchase itself is a touch only with
    ``include_conversion``; ``rule`` default Markov of order 1; ``by`` names touches by
    ``"event"`` (the ``event`` column), ``"campaign"`` or a combination instead of channel)."""
    p = partial(sdf, _d.paths_spec(lookback_days, include_conversion, by), columns=columns, shuffle=shuffle, depth=depth)
    return p.attribute(rule, **params)


_SUMMARY_SCHEMA = "customer long, frequency double, recency double, T double, monetary_value double"


def transaction_summary(sdf: Any, *, observation_end: Any, period: Optional[str] = None, unit: Optional[str] = None,
                        columns: Optional[Mapping[str, str]] = None, shuffle: Optional[bool] = None) -> Any:
    """Frequency, recency, T and monetary value per customer (``engagement.transaction_summary``) of a
    frame of *transactions* (``customer``, ``time``, ``value``; filter purchases first), as a Spark
    DataFrame. ``shuffle=False`` when it is already partitioned by customer. ``recency`` and ``T`` are
    in ``unit`` (days unless given): pass the same ``unit=`` to ``fit_clv`` so that the model records it
    and takes calendar horizons."""
    names = _d.names(columns)
    if shuffle is not False:
        sdf = sdf.repartition(names["customer"])
    end = instant(observation_end, "observation_end")
    wanted = [names[c] for c in ("customer", "time", "value") if names[c] in sdf.columns]

    def summarize(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        batches = list(batches)
        table = pa.Table.from_batches(batches) if batches else None
        cols = _d.arrow_columns(table, names) if table is not None else {"customer": [], "time": []}
        frame = _d.summary_frame(cols["customer"], cols["time"], cols.get("value"), end, period, unit)
        frame = frame.astype({"customer": "int64"})
        yield pa.RecordBatch.from_pandas(frame, preserve_index=False)

    return sdf.select(*wanted).mapInArrow(summarize, _SUMMARY_SCHEMA)


def fit_clv(summary: Any, model: str = "bg_nbd", **options: Any) -> Any:
    """Fits a lifetime-value model on a Spark frame of per-customer summaries: the distinct rows are
    counted by Spark and only they reach the fit (the same model as ``ClvModel.fit`` on all rows)."""
    cols = _d.clv_columns(model)
    distinct = summary.groupBy(*cols).count().toPandas()
    return _d.fit_distinct(model, distinct, **options)


def predict_clv(summary: Any, model: Any, prediction: str = "p_alive", *args: Any) -> Any:
    """The summary frame with a column ``prediction`` (a ``ClvModel`` method; horizon etc. in
    ``args``), computed in the workers from the model's JSON."""
    model_json = model.to_json()
    schema = summary.schema.simpleString()[len("struct<"):-1].replace(":", " ") + f", {prediction} double"

    def predict(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        for batch in batches:
            frame = _d.predict_frame(batch.to_pandas(), model_json, prediction, args)
            yield pa.RecordBatch.from_pandas(frame, preserve_index=False)

    return summary.mapInArrow(predict, schema)
