"""The engine on a Dask DataFrame of touchpoints: the same numbers as one machine.

Each partition becomes a partial result (``engagement.Partial``) on the worker that holds it; the
partials travel as bytes and are merged in a tree (``split_every`` at a time) into one, whose
result is what a single pass over all the touchpoints gives. Profiles and metrics merge across any
partitioning (a customer's touchpoints may be in every partition); funnels, sequences, cohorts and
attribution paths need each customer's touchpoints in one partition, so their inputs are shuffled
by customer first (``shuffle=False`` skips that when the data is already partitioned by customer).

The frame has the columns of ``ProfileStore.push_frame`` (``customer``, ``time``, ``channel``,
``kind`` and optionally ``value``, ``rating``, ``rating_scale``); ``columns={"customer":
"client_id", ...}`` maps other names. Work runs on the current scheduler (a
``distributed.Client`` if one is active). Needs ``pip install "engagement[dask]"``.

>>> import dask.dataframe as dd, pandas as pd, engagement.dask
>>> df = pd.DataFrame({"customer": [1, 1, 2, 2], "time": [0, 60, 0, 30], "channel": ["web"] * 4,
...                    "kind": ["visit", "purchase", "visit", "visit"], "value": [0, 20.0, 0, 0]})
>>> ddf = dd.from_pandas(df, npartitions=3)
>>> engagement.dask.funnel(ddf, steps=[{"name": "visit", "kinds": ["visit"]},
...                                    {"name": "buy", "kinds": ["purchase"]}]).customers.tolist()
[2, 1]
>>> engagement.dask.profiles(ddf).profile(1)["revenue"]
20.0
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

from . import _distributed as _d
from ._store import ProfileStore
from ._attribution import Attribution
from ._cohort import CohortTable
from ._convert import instant
from ._funnel import FunnelResult
from ._partial import MetricsSummary, Partial
from ._transitions import JourneySequences


def _partition_bytes(pdf: Any, spec_json: str, names: Mapping[str, str]) -> bytes:
    present = [ours for ours, theirs in names.items() if theirs in pdf.columns]
    cols = {ours: pdf[names[ours]] for ours in present}
    return _d.partial_of_columns(json.loads(spec_json), cols, present).to_bytes()


def partial(ddf: Any, spec: Any, *, columns: Optional[Mapping[str, str]] = None, shuffle: Optional[bool] = None,
            split_every: int = 8) -> Partial:
    """The merged partial of every partition of ``ddf`` for ``spec`` (see ``engagement.Partial``).

    ``shuffle``: ``None`` shuffles by customer exactly when the spec needs whole customers.
    """
    import dask

    spec = dict(json.loads(spec) if isinstance(spec, str) else spec)
    names = _d.names(columns)
    probe = Partial.empty(spec)   # checks the spec before any work
    if shuffle if shuffle is not None else probe.needs_whole_customers:
        ddf = ddf.shuffle(on=names["customer"])
    spec_json = json.dumps(spec)
    build = dask.delayed(_partition_bytes, pure=True)
    parts = [build(part, spec_json, names) for part in ddf.to_delayed()]
    if not parts:
        return probe
    root = _d.tree(parts, dask.delayed(_d.merge_bytes, pure=True), split_every)
    (data,) = dask.compute(root)
    return Partial.from_bytes(data)


def profiles(ddf: Any, *, signals: Any = None, score_config: Any = None, **kw: Any) -> ProfileStore:
    """Every customer's profile, merged across partitions, as a ``ProfileStore`` (scores, stages,
    RFM, NPS … follow from it). ``score_config`` (with its ``signals``) or ``signals`` configure it."""
    if score_config is not None:
        signals = dict(score_config).get("signals", signals)
    return partial(ddf, _d.profiles_spec(signals), **kw).store(score_config)


def customer_frame(ddf: Any, as_of: Any, *, score_config: Any = None, stage_config: Any = None,
                   columns: Optional[Mapping[str, str]] = None, shuffle: Optional[bool] = None) -> Any:
    """One row per customer (``engagement.customer_frame``'s columns) as a dask DataFrame, computed
    per partition after a shuffle by customer (``shuffle=False`` when the frame is already
    partitioned by customer): nothing is merged on one machine, so it scales with the cluster.
    Rows come in partition order; each customer's row equals the single-machine one."""
    from ._frames import customer_frame as frame_of

    names = _d.names(columns)
    if shuffle is not False:
        ddf = ddf.shuffle(on=names["customer"])
    t = instant(as_of, "as_of")

    def frame(pdf: Any) -> Any:
        import pandas as pd

        ours = pd.DataFrame({c: pdf[names[c]] for c in _d.COLUMNS if names[c] in pdf.columns})
        return frame_of(ours, as_of=t, score_config=score_config, stage_config=stage_config)

    return ddf.map_partitions(frame, meta=frame(ddf._meta))


def metrics(ddf: Any, *, level: Optional[float] = None, conversion: Optional[Mapping[str, Sequence[str]]] = None,
            **kw: Any) -> MetricsSummary:
    """NPS, CSAT and CES over every answer, and a conversion rate of touchpoint kinds
    (``conversion={"trials": [kinds], "successes": [kinds]}``); ``level`` is the confidence level
    of the intervals (default 0.95)."""
    return partial(ddf, _d.metrics_spec(level, conversion), **kw).result()


def funnel(ddf: Any, *, steps: Sequence[Mapping[str, Any]], window_days: Optional[float] = None,
           order: Optional[str] = None, level: Optional[float] = None, exclusions: Any = None,
           hold_constant: Optional[str] = None, entry: Optional[str] = None, breakdown: Optional[str] = None,
           correlation: Optional[bool] = None, time_bins: Optional[int] = None, **kw: Any) -> FunnelResult:
    """``engagement.funnel`` over the whole frame (defaults: ``window_days`` 30, ``order``
    ``"loose"``, ``level`` 0.95; ``exclusions``, ``hold_constant``, ``entry``, ``breakdown``,
    ``correlation`` and ``time_bins`` as there)."""
    spec = _d.funnel_spec(steps, window_days, order, level, exclusions=exclusions, hold_constant=hold_constant,
                          entry=entry, breakdown=breakdown, correlation=correlation, time_bins=time_bins)
    return partial(ddf, spec, **kw).result()


def journey_sequences(ddf: Any, *, by: Optional[str] = None, steps: Optional[int] = None,
                      path_length: Optional[int] = None, top_paths: Optional[int] = None,
                      **kw: Any) -> JourneySequences:
    """``engagement.journey_sequences`` over the whole frame (defaults: ``by`` ``"channel"``,
    ``steps`` 10, ``path_length`` 5, ``top_paths`` 10)."""
    return partial(ddf, _d.sequences_spec(by, steps, path_length, top_paths), **kw).result()


def paths(ddf: Any, *, by: Optional[str] = None, per: Optional[str] = None,
          session_gap: Optional[float] = None, collapse_repeats: Optional[bool] = None,
          steps: Optional[int] = None, path_length: Optional[int] = None, top_paths: Optional[int] = None,
          step_flows: Optional[bool] = None, **kw: Any) -> Any:
    """``engagement.paths`` over the whole frame (columns ``customer``, ``time``, ``event`` (labels),
    optionally ``campaign``; ``channel`` and ``kind`` may be absent; ``columns={"customer": "user_id",
    "time": "timestamp"}`` maps other names, ``shuffle=False`` skips the shuffle by customer): each
    partition's counts are named by label, so partitions that meet different events merge into the
    single-machine ``PathAnalysis``."""
    return partial(ddf, _d.event_paths_spec(by, per, session_gap, collapse_repeats, steps, path_length, top_paths,
                                         step_flows),
                   **kw).result()


def cohorts(ddf: Any, *, as_of: Any, period: Optional[str] = None, max_periods: Optional[int] = None,
            activity: Optional[str] = None, **kw: Any) -> CohortTable:
    """Acquisition cohorts of the purchases (``activity="any"``: of every touchpoint, by first
    touch); defaults: ``period`` ``"month"``, ``max_periods`` 36, ``activity`` ``"purchases"``."""
    return partial(ddf, _d.cohorts_spec(instant(as_of, "as_of"), period, max_periods, activity), **kw).result()


def retention(ddf: Any, *, as_of: Any, start: Any = None, returning: Any = None, period: Optional[str] = None,
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
    return partial(ddf, spec, **kw).result()


def lifecycle(ddf: Any, *, as_of: Any, activity: Any = None, period: Optional[str] = None,
              utc_offset: Any = None, **kw: Any) -> Any:
    """``engagement.lifecycle`` over the whole frame (columns as ``retention``): equal to one machine's
    ``LifecycleTable``. ``as_of`` is required: partitions cannot agree on the latest touchpoint."""
    spec = _d.lifecycle_spec(as_of, activity=activity, period=period, utc_offset=utc_offset)
    return partial(ddf, spec, **kw).result()


def stickiness(ddf: Any, *, as_of: Any, activity: Any = None, period: Optional[str] = None,
               utc_offset: Any = None, **kw: Any) -> Any:
    """``engagement.stickiness`` over the whole frame (columns as ``retention``): equal to one
    machine's ``StickinessTable``. ``as_of`` is required."""
    spec = _d.stickiness_spec(as_of, activity=activity, period=period, utc_offset=utc_offset)
    return partial(ddf, spec, **kw).result()


def experiment(ddf: Any, *, assigned_customer: Any, arm: Any, exposed_at: Any, metrics: Sequence[Mapping[str, Any]],
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
    return partial(ddf, spec, **kw).result()


def attribute(ddf: Any, *, lookback_days: Optional[float] = None, include_conversion: Optional[bool] = None,
              rule: Optional[str] = None, by: Optional[str] = None,
              columns: Optional[Mapping[str, str]] = None,
              shuffle: Optional[bool] = None, split_every: int = 8, **params: Any) -> Attribution:
    """``engagement.attribute_touchpoints`` over the whole frame (paths reach back
    ``lookback_days`` before each purchase, default 30; the purchase itself is a touch only with
    ``include_conversion``; ``rule`` default Markov of order 1; ``by`` names touches by
    ``"event"`` (the ``event`` column), ``"campaign"`` or a combination instead of channel)."""
    p = partial(ddf, _d.paths_spec(lookback_days, include_conversion, by), columns=columns, shuffle=shuffle, split_every=split_every)
    return p.attribute(rule, **params)


def transaction_summary(ddf: Any, *, observation_end: Any, period: Optional[str] = None, unit: Optional[str] = None,
                        columns: Optional[Mapping[str, str]] = None, shuffle: Optional[bool] = None) -> Any:
    """Frequency, recency, T and monetary value per customer (``engagement.transaction_summary``) of a
    frame of *transactions* (``customer``, ``time``, ``value``; filter purchases first), as a dask
    DataFrame partitioned by customer. ``shuffle=False`` when it already is. ``recency`` and ``T`` are
    in ``unit`` (days unless given): pass the same ``unit=`` to ``fit_clv`` so that the model records it
    and takes calendar horizons."""
    import numpy as np
    import pandas as pd

    names = _d.names(columns)
    if shuffle is not False:
        ddf = ddf.shuffle(on=names["customer"])
    end = instant(observation_end, "observation_end")
    meta = pd.DataFrame({"customer": np.zeros(0, np.uint64), "frequency": np.zeros(0),
                         "recency": np.zeros(0), "T": np.zeros(0), "monetary_value": np.zeros(0)})

    def summarize(pdf: Any) -> Any:
        value = pdf[names["value"]] if names["value"] in pdf.columns else None
        return _d.summary_frame(pdf[names["customer"]], pdf[names["time"]], value, end, period, unit)

    return ddf.map_partitions(summarize, meta=meta)


def fit_clv(summary: Any, model: str = "bg_nbd", **options: Any) -> Any:
    """Fits a lifetime-value model (``ClvModel.fit``'s names and options) on a dask frame of
    per-customer summaries: the distinct (frequency, recency, T) rows are counted on the cluster and
    only they reach the fit, so a billion customers cost what their distinct rows cost. The same
    model as ``ClvModel.fit`` on all the rows, to the last bit."""
    cols = _d.clv_columns(model)
    distinct = summary[cols].groupby(cols).size().rename("count").reset_index().compute()
    return _d.fit_distinct(model, distinct, **options)


def predict_clv(summary: Any, model: Any, prediction: str = "p_alive", *args: Any) -> Any:
    """The summary frame with a column ``prediction`` (a ``ClvModel`` method such as ``p_alive``,
    ``conditional_expected_purchases`` with its horizon in ``args``, ``expected_spend``), computed
    per partition from the model's JSON."""
    import numpy as np

    model_json = model.to_json()
    meta = summary._meta.assign(**{prediction: np.zeros(0)})
    return summary.map_partitions(_d.predict_frame, model_json, prediction, args, meta=meta)
