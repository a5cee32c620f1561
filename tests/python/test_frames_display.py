"""Every result goes to pandas and polars with all its numbers, and shows itself in a notebook.

For each result class a real result is built from small data (CDNOW for the lifetime-value
model); every number it holds (fields, nested results, arrays, dicts, intervals) must be found
among the numbers of its ``to_frame`` sections, in pandas and in polars. A last test walks
``engagement.__all__`` so that a new result without ``to_frame(backend=...)``, ``_repr_html_`` or a
case here fails.
"""

import dataclasses
import inspect
import typing
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

import engagement

CDNOW = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cdnow"
DAY = 86_400

# Touchpoints of a small product: views, carts, purchases over a few days.
C = [1, 1, 1, 2, 2, 3, 3, 3, 4]
T = [0, 60, 200, DAY, DAY + 30, 0, 3 * DAY, 3 * DAY + 90, 2 * DAY]
E = ["view", "cart", "buy", "view", "help", "view", "cart", "buy", "view"]
STEPS = [{"name": "view", "events": ["view"]}, {"name": "cart", "events": ["cart"]},
         {"name": "buy", "events": ["buy"]}]
COX = dict(duration=[5, 8, 3, 9, 12, 2, 7, 10, 4, 6], observed=[1, 1, 1, 0, 1, 1, 1, 0, 1, 1],
           covariates={"score": [2, 3, 1, 5, 4, 1.5, 3.5, 2.5, 2, 3],
                       "channel": ["web", "email", "web", "email", "email", "web", "web", "email", "email", "web"]})


def _cox():
    return engagement.cox(COX["duration"], COX["observed"], COX["covariates"])


def _readout():
    return engagement.readout(["control"] * 5 + ["b"] * 5 + ["c"] * 5,
                              [10, 12, 9, 11, 10, 14, 15, 13, 16, 15, 11, 10, 12, 13, 11])


def _experiment():
    return engagement.experiment(C, T, value=[0, 0, 20.0, 0, 0, 0, 0, 35.0, 0], events=E,
                                 assigned_customer=[1, 2, 3, 4], arm=["control", "control", "new", "new"],
                                 exposed_at=[0, 0, 0, 0],
                                 metrics=[{"name": "bought", "measure": "conversion", "match": "buy"},
                                          {"name": "revenue", "measure": "value", "match": "buy"}])


def _clv():
    d = pd.read_csv(CDNOW / "cdnow_customers_summary.csv").head(300)
    return engagement.ClvModel.fit("bg_nbd", d, unit="week")


def _metrics_summary():
    p = engagement.Partial.from_touchpoints({"kind": "metrics"}, [1, 2, 3, 4], [0, 0, 0, 0], ["email"] * 4,
                                            ["survey_response"] * 4, rating=[10, 9, 2, 4],
                                            rating_scale=["nps", "nps", "nps", "csat"])
    return p.result()


def _purchase_summary():
    store = engagement.ProfileStore()
    store.push([1, 1, 2], [0, 0, 0], ["web", "web", "store"], ["purchase"] * 3, value=[10.0, 30.0, 20.0])
    return store.purchase_summary()


# name -> (builder, the to_frame calls that together hold every number, fields shown in the
#          notebook header instead of a frame, fields whose numbers the frames carry as labels)
CASES = {
    "Proportion": (lambda: engagement.wilson(8, 10), [{}], (), ()),
    "NpsSummary": (lambda: engagement.nps([10, 9, 9, 10, 9, 8, 7, 7, 3, 6]), [{}], (), ()),
    "ChurnSummary": (lambda: engagement.retention_rate(200, 190, 30), [{}], (), ()),
    "PurchaseSummary": (_purchase_summary, [{}], (), ()),
    "Attribution": (lambda: engagement.attribute(["email > search", "search", "email"], [3, 1, 2], [30.0, 10.0, 5.0],
                                                 [4, 2, 1]), [{}], (), ()),
    "CohortTable": (lambda: engagement.cohorts([1, 2, 1, 3], [0, DAY, 40 * DAY, 35 * DAY], [10.0, 20.0, 5.0, 7.0],
                                               as_of=80 * DAY, max_periods=3), [{"metric": None}], (), ()),
    "RetentionTable": (lambda: engagement.retention(C, T, events=E, start="view", returning=["cart", "buy"],
                                                    brackets=[(1, 1), (2, 3)], censor=False),
                       [{}], ("as_of",), ("brackets",)),
    "LifecycleTable": (lambda: engagement.lifecycle(C, T, events=E, period="day"), [{}], ("as_of",), ()),
    "StickinessTable": (lambda: engagement.stickiness(C, T, events=E), [{}, {"what": "active_days"}], ("as_of",),
                        ("total_days",)),
    "FunnelResult": (lambda: engagement.funnel(C, T, events=E, steps=STEPS, correlation=True, time_bins=3),
                     [{}, {"section": "correlation"}, {"section": "time_histogram"}], ("level",), ("successes", "trials")),
    "TimeHistogram": (lambda: engagement.funnel(C, T, events=E, steps=STEPS, time_bins=3).time_histogram[2],
                      [{}], (), ()),
    "EventCorrelation": (lambda: engagement.funnel(C, T, events=E, steps=STEPS[:2], correlation=True).correlation[0],
                         [{}], (), ()),
    "FunnelBreakdown": (lambda: engagement.funnel_by(C, T, events=E, steps=STEPS, by={1: "a", 2: "b", 3: "a"}),
                        [{}, {"section": "total"}, {"section": "time_histogram"}], ("ungrouped", "level"), ("successes", "trials")),
    "PathAnalysis": (lambda: engagement.paths(C, T, events=E, step_flows=True),
                     [{}, {"section": "steps"}, {"section": "top_paths"}, {"section": "step_flows"}],
                     ("paths", "customers"), ("from", "to")),
    "Sessions": (lambda: engagement.sessions(C, T), [{}, {"section": "rows"}, {"section": "summary"}], (), ()),
    "SessionSummary": (lambda: engagement.sessions(C, T).summary, [{}], (), ()),
    "TransitionMatrix": (lambda: engagement.stage_transitions([1, 1, 2, 2, 2], ["prospect", "new_customer", "prospect",
                                                                               "engaged", "new_customer"]),
                         [{}], (), ()),
    "JourneySequences": (lambda: engagement.journey_sequences(C, T, ["web"] * 9, ["visit", "visit", "purchase"] * 3),
                         [{}, {"section": "steps"}, {"section": "transitions"}], ("customers",), ()),
    "KaplanMeier": (lambda: engagement.kaplan_meier([1, 2, 3, 3, 4, 6], [1, 0, 1, 1, 0, 1]), [{}],
                    ("median", "level"), ()),
    "LogRankTest": (lambda: engagement.logrank_test([1, 2, 3, 4], [1, 1, 0, 1], [5, 6, 7, 8], [1, 1, 1, 0]), [{}], (), ()),
    "Rmst": (lambda: engagement.rmst([2, 4, 5, 7], [1, 1, 0, 1], tau=6), [{}], (), ()),
    "RmstDifference": (lambda: engagement.rmst_difference([1, 2, 3, 4], [1] * 4, [2, 4, 6, 8], [1] * 4, tau=4), [{}], (), ()),
    "CoxModel": (_cox, [{}, {"section": "baseline"}, {"section": "covariance"}, {"section": "fit"}], (), ("columns",)),
    "CoxTerm": (lambda: _cox().terms[1], [{}], (), ()),
    "CoxBaseline": (lambda: _cox().baseline[0], [{}], (), ()),
    "CoxLikelihoodRatio": (lambda: _cox().likelihood_ratio, [{}], (), ()),
    "CoxPrediction": (lambda: _cox().predict({"score": [1.0, 5.0], "channel": ["web", "email"]}, times=[4, 8.5]),
                      [{}], (), ("linear_predictor",)),
    "ConversionTest": (lambda: engagement.conversion_test(200, 2000, 250, 2000), [{}], (), ()),
    "WelchTest": (lambda: engagement.welch_test([10, 12, 9, 11], [14, 15, 13, 16, 15]), [{}], (), ()),
    "BayesianConversion": (lambda: engagement.bayesian_conversion_test(40, 400, 55, 410), [{}], (), ()),
    "Readout": (_readout, [{}, {"section": "arms"}, {"section": "lognormal"}, {"section": "summary"}], (), ()),
    "Effect": (lambda: _readout().comparisons[0].relative, [{}], (), ()),
    "LogNormalEffect": (lambda: _readout().comparisons[0].lognormal, [{}], (), ()),
    "ArmReadout": (lambda: _readout().arms[0], [{}], (), ()),
    "Comparison": (lambda: _readout().comparisons[1], [{}], (), ()),
    "SrmTest": (lambda: engagement.srm_test([5400, 4600, 5100]), [{}], (), ()),
    "MetricReadout": (lambda: _experiment().metrics["revenue"],
                      [{}, {"section": "arms"}, {"section": "lognormal"}, {"section": "summary"}], (), ()),
    "ExperimentReadout": (_experiment, [{}, {"section": "arms"}, {"section": "lognormal"}, {"section": "summary"}],
                          ("as_of",), ()),
    "MetricsSummary": (_metrics_summary, [{}, {"section": "answers"}], (), ()),
    "ClvModel": (_clv, [{}], ("log_likelihood", "iterations", "customers"), ()),
}

# Public classes that are not results: stores, states and builders one pushes data into, and the
# lifetimes-style fitters (their ``summary`` is their frame).
NOT_RESULTS = {"ProfileStore", "Partial", "SegmentSet", "Triggers", "JourneyState", "EventDictionary",
               "BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter", "GammaGammaFitter",
               "KaplanMeierFitter", "CoxPHFitter"}  # fitters: tested in test_fitters.py


def _key(x):
    return float(f"{float(x):.9g}")


def _result_numbers(obj, skip, out=None):
    """Every number a result holds (NaN and None left out; instants as Unix seconds)."""
    out = [] if out is None else out
    if obj is None or isinstance(obj, (str, bool, np.bool_)):
        return out
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            if f.name not in skip and not f.name.startswith("_") and f.name != "index":
                _result_numbers(getattr(obj, f.name), skip, out)
    elif isinstance(obj, engagement.ClvModel):
        _result_numbers(list(obj.params.values()) + list((obj.standard_errors or {}).values()), skip, out)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k not in skip:
                _result_numbers(v, skip, out)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _result_numbers(v, skip, out)
    elif isinstance(obj, (np.ndarray, np.generic)) and np.asarray(obj).dtype.kind == "M":
        out.extend(np.asarray(obj, dtype="datetime64[s]").astype(np.int64).reshape(-1).tolist())
    elif isinstance(obj, (np.ndarray, np.generic)):
        a = np.asarray(obj).reshape(-1)
        if a.dtype.kind in "iuf":
            out.extend(v for v in a.astype(np.float64).tolist() if np.isfinite(v))
    elif isinstance(obj, (int, float)) and np.isfinite(obj):
        out.append(obj)
    return out


def _series_numbers(values, dtype_kind):
    if dtype_kind == "m":
        seconds = np.asarray(values, dtype="timedelta64[ns]").astype(np.int64) / 1e9
        return [v for v, nat in zip(seconds, pd.isna(values)) if not nat]
    if dtype_kind == "M":
        return [v // 10**9 for v, nat in zip(np.asarray(values, dtype="datetime64[ns]").astype(np.int64),
                                              pd.isna(values)) if not nat]
    out = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or v is None:
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and np.isfinite(v):
            out.append(float(v))
    return out


def _pandas_numbers(df):
    df = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
    out = []
    for c in df.columns:
        out += _series_numbers(df[c].to_numpy(), df[c].dtype.kind)
        try:
            out.append(float(c))
        except (TypeError, ValueError):
            pass
    return out


def _polars_numbers(df):
    out = []
    for c in df.columns:
        s = df[c]
        if s.dtype == pl.Duration:
            out += [v.total_seconds() for v in s.to_list() if v is not None]
        elif s.dtype == pl.Datetime:
            out += [int(v.timestamp()) if v.tzinfo else int((v - __import__("datetime").datetime(1970, 1, 1))
                                                               .total_seconds()) for v in s.to_list() if v is not None]
        elif s.dtype.is_numeric():
            out += [float(v) for v in s.to_list() if v is not None and np.isfinite(v)]
        try:
            out.append(float(c))
        except ValueError:
            pass
    return out


@pytest.fixture(params=sorted(CASES))
def case(request):
    build, calls, header, labels = CASES[request.param]
    return request.param, build(), calls, header, labels


def test_to_frame_holds_every_number_in_pandas_and_polars(case):
    name, result, calls, header, labels = case
    assert type(result).__name__ == name
    wanted = {_key(v) for v in _result_numbers(result, set(header) | set(labels))}
    assert wanted, f"{name}: the test case holds no numbers"
    pandas_frames = [result.to_frame(**kw) for kw in calls]
    polars_frames = [result.to_frame(**kw, backend="polars") for kw in calls]
    assert all(isinstance(f, pd.DataFrame) for f in pandas_frames)
    assert all(isinstance(f, pl.DataFrame) for f in polars_frames)
    in_pandas = {_key(v) for f in pandas_frames for v in _pandas_numbers(f)}
    in_polars = {_key(v) for f in polars_frames for v in _polars_numbers(f)}
    assert not wanted - in_pandas, f"{name}: numbers missing from the pandas frames: {sorted(wanted - in_pandas)[:10]}"
    assert not wanted - in_polars, f"{name}: numbers missing from the polars frames: {sorted(wanted - in_polars)[:10]}"
    for pf, lf in zip(pandas_frames, polars_frames):
        assert len(pf) == len(lf), f"{name}: pandas and polars frames differ in rows"


def test_repr_is_one_line_and_html_is_a_table_with_a_header(case):
    name, result, calls, header, labels = case
    text = repr(result)
    assert "\n" not in text and len(text) < 700, f"{name}: repr is not one line: {text!r}"
    assert text.startswith(name)
    html = result._repr_html_()
    assert "<table" in html and name in html


def test_intervals_and_quartiles_reach_the_frames():
    r = engagement.funnel(C, T, events=E, steps=STEPS)
    steps = r.to_frame()
    assert steps["step_conversion_low"].tolist() == [p.ci_low for p in r.step_conversion]
    assert steps["overall_conversion_high"].tolist() == [p.ci_high for p in r.overall_conversion]
    assert steps["median_time"].dtype == "timedelta64[s]"
    assert [t / pd.Timedelta(seconds=1) for t in steps["p75_time"]] == r.p75_time
    assert r.to_frame(backend="polars").schema["median_time"] == pl.Duration("ms")
    # A conversion's successes and trials are the step's customers and the previous step's.
    for j in range(1, len(r.steps)):
        assert (r.step_conversion[j].successes, r.step_conversion[j].trials) == (r.customers[j], r.customers[j - 1])
        assert (r.overall_conversion[j].successes, r.overall_conversion[j].trials) == (r.customers[j], r.customers[0])
    km = engagement.kaplan_meier([1, 2, 3, 3, 4, 6], [1, 0, 1, 1, 0, 1])
    assert km.to_frame(backend="polars")["ci_low"].to_list() == km.ci_low.tolist()


def test_headers_name_units_and_fits():
    m = _clv()
    html = m._repr_html_()
    assert "time in weeks" in html and f"{m.log_likelihood:.6g}" in html and "converged" in html
    cox = _cox()
    assert f"{cox.log_likelihood:.6g}" in cox._repr_html_() and "iterations" in cox._repr_html_()
    assert "not fitted" in engagement.ClvModel("sbg", alpha=0.7, beta=1.2)._repr_html_()
    km = engagement.kaplan_meier([1, 2, 3, 3, 4, 6], [1, 0, 1, 1, 0, 1])
    assert "durations' unit" in km._repr_html_() and "95%" in km._repr_html_()
    # ClvModel keeps its exact, round-tripping repr.
    assert eval(repr(m), {"ClvModel": engagement.ClvModel}) == m


def test_a_big_result_shows_a_few_rows_and_counts_the_rest():
    rng = np.random.default_rng(3)
    km = engagement.kaplan_meier(rng.integers(1, 500, 2000).astype(float), rng.random(2000) < 0.7)
    html = km._repr_html_()
    assert "more rows" in html and html.count("<tr") < 20
    assert "\n" not in repr(km) and len(repr(km)) < 200


def test_unknown_sections_and_backends_are_refused():
    r = engagement.funnel(C, T, events=E, steps=STEPS)
    with pytest.raises(ValueError, match="backend"):
        r.to_frame(backend="arrow")
    with pytest.raises(ValueError, match="backend"):
        engagement.wilson(1, 2).to_frame(backend="spark")
    with pytest.raises(ValueError, match="'edges'"):
        engagement.paths(C, T, events=E).to_frame("nodes")


def _hinted_classes(obj):
    """Classes a function or dataclass names in its annotations, through Optional, List, Dict …"""
    try:
        hints = typing.get_type_hints(obj)
    except Exception:
        return set()
    found = set()

    def walk(h):
        if isinstance(h, type):
            found.add(h)
        for a in typing.get_args(h):
            walk(a)

    for h in hints.values():
        walk(h)
    return found


def test_every_result_class_has_frames_html_and_a_case_here():
    results = set()
    for name in engagement.__all__:
        obj = getattr(engagement, name)
        if inspect.isclass(obj) and hasattr(obj, "to_frame"):
            results.add(obj)
        if inspect.isfunction(obj):
            results |= {c for c in _hinted_classes(obj) if c.__module__.startswith("engagement")}
        if inspect.isclass(obj) and obj.__module__.startswith("engagement"):
            for _, meth in inspect.getmembers(obj, inspect.isfunction):
                results |= {c for c in _hinted_classes(meth) if c.__module__.startswith("engagement")}
    # Results nested in results (a funnel's histograms, a readout's arms) are results too.
    todo = list(results)
    while todo:
        cls = todo.pop()
        if dataclasses.is_dataclass(cls):
            for c in _hinted_classes(cls):
                if c.__module__.startswith("engagement") and c not in results:
                    results.add(c)
                    todo.append(c)
    results = {c for c in results if c.__name__ not in NOT_RESULTS and not issubclass(c, BaseException)}
    assert len(results) >= 40
    for cls in sorted(results, key=lambda c: c.__name__):
        assert "backend" in inspect.signature(cls.to_frame).parameters, f"{cls.__name__}.to_frame has no backend="
        assert callable(getattr(cls, "_repr_html_", None)), f"{cls.__name__} has no _repr_html_"
        assert cls.__name__ in CASES, f"{cls.__name__} has no case in test_frames_display.CASES"
        doc = inspect.getdoc(cls.to_frame) or ""
        assert ">>>" in doc, f"{cls.__name__}.to_frame has no example"
