"""Bad input from Python: wrong dtypes, NaN, mismatched lengths, unknown labels, bad configuration."""

import pathlib
import numpy as np
import pandas as pd
import pytest

import engagement


def push(**over):
    cols = dict(customer=np.array([1, 2], dtype=np.uint64), time=np.array([0, 0], dtype=np.int64),
                channel=np.array([1, 1], dtype=np.uint8), kind=np.array([4, 4], dtype=np.uint8),
                value=np.array([1.0, 2.0]))
    cols.update(over)
    store = engagement.ProfileStore()
    store.push(**cols)
    return store


def test_exception_tree():
    assert issubclass(engagement.InvalidInputError, engagement.EngagementError)
    assert issubclass(engagement.LengthMismatchError, engagement.InvalidInputError)
    assert issubclass(engagement.UnknownLabelError, engagement.InvalidInputError)
    assert issubclass(engagement.JsonError, engagement.ConfigError)
    assert issubclass(engagement.ConvergenceError, engagement.EngagementError)
    assert engagement.EngagementError.__module__ == "engagement"


def test_nan_names_column_and_row():
    with pytest.raises(engagement.InvalidInputError, match=r"value at row 1: NaN"):
        push(value=np.array([1.0, np.nan]))


def test_negative_money_and_ids():
    with pytest.raises(engagement.InvalidInputError, match="value"):
        push(value=np.array([1.0, -2.0]))
    with pytest.raises(engagement.InvalidInputError, match="customer"):
        push(customer=np.array([1, -2]))


def test_wrong_dtypes_raise_type_error_naming_the_column():
    with pytest.raises(TypeError, match="customer"):
        push(customer=np.array([1.5, 2.0]))
    with pytest.raises(TypeError, match="time"):
        push(time=np.array([0.5, 1.0]))
    with pytest.raises(TypeError, match="value"):
        push(value=np.array(["a", "b"]))


def test_mismatched_lengths():
    with pytest.raises(engagement.LengthMismatchError, match="time"):
        push(time=np.array([0], dtype=np.int64))


def test_unknown_labels_name_the_label():
    with pytest.raises(engagement.UnknownLabelError, match="fax"):
        push(channel=["web", "fax"])
    with pytest.raises(engagement.UnknownLabelError, match="rating_scale"):
        push(rating=np.array([1.0, 2.0]), rating_scale=["csat", "stars"])


def test_out_of_range_code_and_rating():
    with pytest.raises(engagement.InvalidInputError, match="channel"):
        push(channel=np.array([1, 99], dtype=np.uint8))
    with pytest.raises(engagement.InvalidInputError, match="rating"):
        push(rating=np.array([np.nan, 11.0]))


def test_configuration_errors():
    with pytest.raises(engagement.JsonError, match="mixx"):
        engagement.ProfileStore({"mixx": 1})
    with pytest.raises(engagement.ConfigError, match="saturation.emotional"):
        engagement.ProfileStore({"saturation": {"emotional": 0, "contextual": 5, "convenient": 5, "social": 2}})
    store = push()
    with pytest.raises(engagement.ConfigError, match="churn_window_days"):
        store.stages(0, {"churn_window_days": -1})
    with pytest.raises(engagement.AsOfBeforeDataError):
        store.scores(-5)
    with pytest.raises(engagement.UnknownIdError):
        store.profile(99)


def test_failed_push_leaves_the_store_unchanged():
    store = push()
    before = store.profiles()
    with pytest.raises(engagement.InvalidInputError):
        store.push([3, 4], [0, 0], ["web", "web"], ["purchase", "purchase"], value=[1.0, float("inf")])
    assert store.profiles() == before


def test_empty_input():
    with pytest.raises(engagement.EmptyInputError):
        engagement.nps([])
    empty = engagement.ProfileStore()
    empty.push([], [], [], [])
    assert len(empty) == 0
    assert empty.scores(0)["customer"].size == 0


def test_incompatible_merge():
    a = engagement.ProfileStore()
    b = engagement.ProfileStore({"signals": {"half_life_days": 7}})
    with pytest.raises(engagement.IncompatibleError):
        a.merge(b)


def test_ratings_without_scales_are_refused_as_in_every_face():
    store = engagement.ProfileStore()
    with pytest.raises(engagement.InvalidInputError, match="rating_scale"):
        store.push([1], [0], ["email"], ["survey_response"], rating=[9.0])
    with pytest.raises(engagement.InvalidInputError, match="rating_scale"):
        store.push_frame(pd.DataFrame({"customer": [1], "time": [0], "channel": ["email"],
                                       "kind": ["survey_response"], "rating": [9.0]}))
    assert len(store) == 0
    store.push([2], [0], ["web"], ["visit"], rating=[np.nan])  # no rating, nothing to read a scale for
    with pytest.raises(engagement.UnknownLabelError, match="stars"):
        store.push([1], [0], ["email"], ["survey_response"], rating=[4.0], rating_scale=["stars"])
    store.push([1], [0], ["email"], ["survey_response"], rating=[4.0], rating_scale=["CSAT"])
    assert store.profile(1)["latest_csat"] == 4.0


def test_sparse_rating_scales_and_self_merge():
    store = engagement.ProfileStore()
    store.push([1, 2], [0, 0], ["email", "web"], ["survey_response", "visit"], rating=[4.0, np.nan],
               rating_scale=["csat", None])
    assert store.profile(1)["latest_csat"] == 4.0
    with pytest.raises(engagement.InvalidInputError, match="row 0"):
        store.push([3], [0], ["email"], ["survey_response"], rating=[4.0], rating_scale=[None])
    with pytest.raises(engagement.IncompatibleError, match="itself"):
        store.merge(store)


def test_actions_take_the_outputs_of_segments_and_loyalty():
    store = engagement.ProfileStore()
    store.push([1, 2], [0, 0], ["web", "web"], ["purchase", "purchase"], value=[600.0, 5.0])
    seg = engagement.SegmentSet({"version": 1, "segments": [
        {"name": "big", "rule": {"field": "revenue", "op": ">=", "value": 500}}]})
    m = store.segments(seg, as_of=0)
    report = engagement.loyalty([1, 2], [0, 0], ["web", "web"], ["purchase", "purchase"], [600.0, 5.0], as_of=0)
    table = {"rules": [{"action": "vip", "priority": 1, "segments": ["big"], "tiers": ["silver"]},
                       {"action": "other", "priority": 9}]}
    stages = store.stages(as_of=0)
    actions = engagement.next_best_actions(stages["customer"], stages["stage"], table, m, report["accounts"])
    assert actions == ["vip", "other"]
    assert engagement.next_best_actions(stages["customer"], stages["stage"], table, m, report) == actions
    with pytest.raises(engagement.InvalidInputError, match="duplicate"):
        engagement.next_best_actions([1, 1], ["at_risk", "prospect"])


# The face-specific rows of the bad-input matrix (tests/golden/bad_input.json, "face_specific").

def test_non_contiguous_arrays_give_the_result_of_their_copies():
    wide = np.arange(24, dtype=np.uint64).reshape(12, 2) % 5 + 1      # C order: a column is strided
    customer = wide[:, 0]
    time = np.asfortranarray(np.arange(24, dtype=np.int64).reshape(12, 2) * 3600)[:, 1]
    value = np.linspace(0.0, 11.0, 24)[::2]
    kind = np.full(12, 4, dtype=np.uint8)
    channel = np.full(24, 1, dtype=np.uint8)[::2]
    assert not customer.flags.c_contiguous and not value.flags.c_contiguous
    strided, copied = engagement.ProfileStore(), engagement.ProfileStore()
    strided.push(customer, time, channel, kind, value=value)
    copied.push(customer.copy(), time.copy(), channel.copy(), kind, value=value.copy())
    assert strided.profiles() == copied.profiles()
    assert len(strided) == 5


def test_pandas_nullable_columns():
    import pandas as pd
    base = dict(time=[0, 1, 2], channel=["web"] * 3, kind=["survey_response"] * 3)
    with pytest.raises(engagement.InvalidInputError, match="customer at row 1: missing"):
        engagement.ProfileStore().push_frame(pd.DataFrame({"customer": pd.array([1, None, 3], dtype="Int64"), **base}))
    with pytest.raises(engagement.InvalidInputError, match="time at row 2: missing"):
        engagement.ProfileStore().push_frame(pd.DataFrame(
            {"customer": [1, 2, 3], **base, "time": pd.array([0, 1, None], dtype="Int64")}))
    # A missing rating is no answer; nullable ids without NA are ids.
    store = engagement.ProfileStore()
    store.push_frame(pd.DataFrame({"customer": pd.array([1, 2, 3], dtype="Int64"), **base,
                                   "rating": pd.array([9.0, None, 3.0], dtype="Float64"),
                                   "rating_scale": ["nps", None, "nps"]}))
    assert store.profile(1)["latest_nps"] == 9.0 and store.profile(2)["latest_nps"] is None
    assert store.nps().n == 2


def test_pandas_categorical_columns_read_as_labels():
    import pandas as pd
    df = pd.DataFrame({"customer": [1, 2], "time": [0, 5], "kind": ["purchase", "visit"], "value": [3.0, 0.0]})
    plain, categorical = engagement.ProfileStore(), engagement.ProfileStore()
    plain.push_frame(df.assign(channel=["email", "store"]))
    categorical.push_frame(df.assign(channel=pd.Categorical(["email", "store"], categories=["store", "web", "email"]),
                                     kind=pd.Categorical(df["kind"])))
    assert plain.profiles() == categorical.profiles()
    with pytest.raises(engagement.UnknownLabelError, match="fax"):
        engagement.ProfileStore().push_frame(df.assign(channel=pd.Categorical(["fax", "web"])))


def test_empty_frames():
    import pandas as pd
    empty = pd.DataFrame({"customer": pd.Series([], dtype="int64"), "time": pd.Series([], dtype="int64"),
                          "channel": pd.Series([], dtype=object), "kind": pd.Series([], dtype=object)})
    store = engagement.ProfileStore()
    store.push_frame(empty)
    assert len(store) == 0 and store.scores(0)["customer"].size == 0
    assert len(engagement.customer_frame(empty, as_of=0)) == 0
    with pytest.raises(engagement.EmptyInputError):
        engagement.nps(pd.Series([], dtype=float))
    with pytest.raises(engagement.EmptyInputError):
        engagement.kaplan_meier(pd.Series([], dtype=float), pd.Series([], dtype=bool))


def test_deep_and_malformed_json_definitions():
    rule = {"field": "revenue", "op": ">=", "value": 1}
    for _ in range(200):
        rule = {"all": [rule]}
    with pytest.raises(engagement.JsonError, match="recursion limit"):
        engagement.SegmentSet({"version": 1, "segments": [{"name": "deep", "rule": rule}]})
    with pytest.raises(engagement.JsonError, match="recursion limit"):
        engagement.SegmentSet("[" * 100_000)
    with pytest.raises(engagement.JsonError):
        engagement.SegmentSet('{"version": 1, "segments": [')
    # Nesting the Python encoder itself cannot write is refused before the engine sees it.
    too_deep: dict = {"a": 1}
    for _ in range(100_000):
        too_deep = {"a": too_deep}
    with pytest.raises(TypeError, match="JSON"):
        engagement.SegmentSet(too_deep)


def test_refused_trigger_push_changes_nothing():
    rules = {"rules": [{"name": "cart", "action": "remind", "when": {"type": "abandoned_cart", "wait": 60}}]}
    a, b = engagement.Triggers(rules), engagement.Triggers(rules)
    good = ([1, 2], [100, 50], ["web", "web"], ["cart_add", "cart_add"])
    with pytest.raises(engagement.InvalidInputError, match="value"):
        a.push(*good, value=[1.0, float("nan")])
    def same(x, y):
        return x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x)

    assert same(a.push(*good), b.push(*good))
    assert a.counts == b.counts == (2, 2, 0)
    due = a.advance(1000)
    assert same(due, b.advance(1000)) and sorted(due["due"].tolist()) == [110, 160]


def test_remaining_entry_points_refuse_bad_input():
    t = ([1, 1, 2], [0, 86_400, 0], ["web", "store", "email"], ["purchase", "purchase", "click"])
    with pytest.raises(engagement.InvalidInputError, match="value"):
        engagement.rfm_values(t[0], t[1], [10.0, -5.0, 0.0], as_of=86_400)
    with pytest.raises(engagement.AsOfBeforeDataError):
        engagement.rfm_values(t[0], t[1], [10.0, 5.0, 0.0], as_of=5)
    with pytest.raises(engagement.InvalidInputError, match="end"):
        engagement.churn_between(*t, value=[10.0, 5.0, 0.0], until=864_000, start=5, end=5)
    with pytest.raises(engagement.InvalidInputError, match="overflows"):
        engagement.ltv_to_cac(1.3e301, 1.4e-299)
    with pytest.raises(engagement.ConfigError, match="cac"):
        engagement.ltv_to_cac(300.0, 0.0)
    with pytest.raises(engagement.InvalidInputError):
        engagement.nps_counts(2**64 - 1, 1, 0)
    with pytest.raises(engagement.ConfigError, match="level"):
        engagement.nps_counts(5, 1, 0, level=2.0)
    with pytest.raises(engagement.InvalidInputError):
        engagement.conversion_rate(5, 3)
    with pytest.raises(engagement.JsonError):
        engagement.due_actions(*t, config={"rulez": []}, until=100)
    with pytest.raises(ValueError, match="backend"):
        engagement.to_frame({"a": [1]}, backend="excel")


def test_store_and_partial_methods_refuse_bad_input():
    store = push()
    with pytest.raises(engagement.InvalidInputError):
        store.add_customer({"id": 7, "acquired_at": -5})
    with pytest.raises(engagement.JsonError):
        store.add_customer({"id": 7, "nmae": "x"})
    with pytest.raises(engagement.ConfigError, match="level"):
        store.repeat_purchase_rate(level=1.5)
    with pytest.raises(engagement.AsOfBeforeDataError):
        store.rfm(as_of=-1)
    with pytest.raises(engagement.EmptyInputError):
        engagement.ProfileStore().purchase_summary()
    with pytest.raises(engagement.AsOfBeforeDataError):
        engagement.store_frame(store, as_of=-1)
    import pandas as pd
    df = pd.DataFrame({"customer": [1, 2], "time": [0, 5], "channel": ["web", "fax"], "kind": ["visit", "visit"]})
    with pytest.raises(engagement.UnknownLabelError, match="fax"):
        engagement.Partial.from_frame({"kind": "profiles"}, df)
    part = engagement.Partial.from_frame({"kind": "metrics"}, df.assign(channel=["web", "web"]))
    with pytest.raises(engagement.IncompatibleError):
        part.store()
    with pytest.raises(engagement.IncompatibleError):
        engagement.merge_partials([part, engagement.Partial.from_frame({"kind": "profiles"}, df.assign(channel="web"))])
    with pytest.raises(ValueError):
        engagement.merge_partials([])


def test_empty_partials_check_the_spec_alone():
    with pytest.raises(engagement.JsonError, match="kind"):
        engagement.Partial.empty({"kind": "everything"})
    with pytest.raises(engagement.ConfigError, match="1 to 32 steps"):
        engagement.Partial.empty({"kind": "funnel", "funnel": {"steps": []}})
    with pytest.raises(engagement.ConfigError, match="between"):
        engagement.Partial.empty({"kind": "funnel", "funnel": {
            "steps": [{"name": "a", "events": ["a"]}], "exclusions": [{"name": "x", "events": ["x"], "between": [0, 1]}]}})
    # Steps that read event labels need no event column to start from nothing.
    assert engagement.Partial.empty({"kind": "funnel", "funnel": {"steps": [{"name": "a", "events": ["a"]}]}})


def test_funnel_sections_name_what_is_accepted():
    r = engagement.funnel([1, 1], [0, 60], events=["a", "b"], steps=[{"name": "a", "events": ["a"]},
                                                                     {"name": "b", "events": ["b"]}])
    with pytest.raises(ValueError, match='"steps", "breakdown", "correlation" or "time_histogram"'):
        r.to_frame("histogram")
    with pytest.raises(ValueError, match="breakdown='channel'"):
        r.to_frame("breakdown")
    with pytest.raises(TypeError):
        engagement.funnel([1], [0], events=["a"], steps=[{"name": "a", "events": ["a"]}], time_bins=2.5)
    with pytest.raises(TypeError, match="between"):
        engagement.funnel([1], [0], events=["a"], steps=[{"name": "a", "events": ["a"]}], exclusions=["refund"])


def test_simulators_check_the_models_parameters():
    # A model from JSON may hold anything: r = -1e300 once recursed until the stack overflowed.
    bad = engagement.ClvModel.from_json('{"model": "bg_nbd", "r": -1e300, "alpha": 4.4, "a": 0.79, "b": 2.4}')
    with pytest.raises(engagement.ConfigError, match="r"):
        bad.simulate([10.0, 20.0], seed=1)
    gg = engagement.ClvModel.from_json('{"model": "gamma_gamma", "p": -6.0, "q": 3.7, "gamma": 15.0}')
    with pytest.raises(engagement.ConfigError, match="p"):
        gg.simulate_spend([2.0], seed=1)
    sbg = engagement.ClvModel.from_json('{"model": "sbg", "alpha": 0.7, "beta": 1.2}')
    with pytest.raises(engagement.ConfigError, match="cohort"):
        sbg.simulate_survivors(0, 5)
    with pytest.raises(engagement.InvalidInputError, match="T"):
        engagement.ClvModel.from_json('{"model": "bg_nbd", "r": 0.2, "alpha": 4.4, "a": 0.79, "b": 2.4}').simulate(
            [float("nan")])


# Entry points without input that could be bad (they read what a checked call built).
NO_INPUT = {"customers", "summary", "to_json", "to_bytes", "counts", "clock", "spec", "needs_whole_customers",
            "parameters", "names", "profiles"}


def test_readout_arm_labels_are_refused_with_their_row():
    values = [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(engagement.UnknownLabelError, match="row 2.*accepted: a, b"):
        engagement.readout(["a", "a", "c", "b"], values, arms=["a", "b"])
    with pytest.raises(engagement.InvalidInputError, match="row 1"):
        engagement.readout(["a", None, "b", "b"], values)
    with pytest.raises(engagement.InvalidInputError, match="row 3"):
        engagement.readout(pd.Series(["a", "a", "b", np.nan]), values)
    with pytest.raises(TypeError, match="row 0 is float"):
        engagement.readout([1.5, 2.5, 1.5, 2.5], values)
    with pytest.raises(engagement.InvalidInputError, match="two arms share"):
        engagement.readout(["a", "a", "b", "b"], values, arms=["a", "b", "a"])
    with pytest.raises(engagement.JsonError, match="benjamini_hochberg"):
        engagement.readout(["a", "a", "b", "b"], values, correction="fdr")
    r = engagement.readout(["a", "a", "b", "b"], values)
    with pytest.raises(OverflowError):
        engagement.srm_test([-1, 5])
    with pytest.raises(engagement.InvalidInputError, match="row 2"):
        engagement.readout(pd.Series(["a", "b", pd.NA, "b"], dtype="string"), values)
    with pytest.raises(engagement.UnknownLabelError, match="accepted: a, b"):
        engagement.readout(["a", "a", "b", "b"], values, weights={"a": 1, "z": 1})
    with pytest.raises(ValueError, match="'lognormal'"):
        r.to_frame("arm")
    with pytest.raises(engagement.InvalidInputError, match="longest duration"):
        engagement.rmst([1, 2], [True, False], tau=3)
    with pytest.raises(engagement.ConfigError, match="tau"):
        engagement.rmst_difference([1, 2], [True, False], [1, 2], [True, True], tau=0)


def test_experiment_metrics_are_checked_before_any_work():
    day = 86_400
    kw = dict(events=["buy"] * 3, assigned_customer=[1, 2, 3, 4], arm=["a", "b", "a", "b"],
              exposed_at=[0, 0, 0, 0])
    with pytest.raises(ValueError, match="unknown metric keys \\['windw'\\]"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "count", "windw": 5}], **kw)
    with pytest.raises(engagement.JsonError, match="conversion"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "converted"}], **kw)
    with pytest.raises(engagement.ConfigError, match="two metrics"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "count"}] * 2, **kw)
    with pytest.raises(engagement.InvalidInputError, match="assigned once"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "count"}],
                              **{**kw, "assigned_customer": [1, 2, 2, 4]})
    with pytest.raises(engagement.LengthMismatchError):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "count"}],
                              **{**kw, "exposed_at": [0, 0, 0]})
    with pytest.raises(engagement.EmptyInputError, match="labels: buy"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "count", "match": "by"}], **kw)
    with pytest.raises(engagement.ConfigError, match="no value column"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "value"}], **kw)
    with pytest.raises(ValueError, match="'numerator' and a 'denominator'"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "ratio",
                                                             "numerator": {"measure": "count"}}], **kw)
    with pytest.raises(ValueError, match="belongs to the metric"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "ratio", "numerator": {
            "measure": "count", "window": 5}, "denominator": {"measure": "sessions"}}], **kw)
    with pytest.raises(ValueError, match="metric 'x' window 'soon' is not a span"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "count", "window": "soon"}],
                              **kw)
    with pytest.raises(ValueError, match="needs a 'name'"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"measure": "count"}], **kw)
    with pytest.raises(engagement.EmptyInputError, match="nobody was exposed"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "count"}], as_of=-1 + 1,
                              **{**kw, "exposed_at": [5, 5, 5, 5]})
    with pytest.raises(ValueError, match="'comparisons' or 'arms'"):
        engagement.experiment([2, 3, 4], [day] * 3, metrics=[{"name": "x", "measure": "count"}],
                              **kw).to_frame("metrics")


def test_every_python_entry_point_meets_bad_input_somewhere():
    """Every public function and method is called by the bad-input tests (this file, or the golden
    runner over tests/golden/bad_input.json): a new one without such a test fails here."""
    import inspect
    import pathlib
    import re
    here = pathlib.Path(__file__).parent
    src = (here / "test_errors.py").read_text() + (here / "test_golden.py").read_text()
    results = {"MetricsSummary", "Attribution", "CohortTable", "JourneySequences", "TransitionMatrix",
               "FunnelBreakdown", "FunnelResult", "BayesianConversion", "ChurnSummary", "ConversionTest",
               "WelchTest", "KaplanMeier", "LogRankTest", "NpsSummary", "Proportion", "PurchaseSummary",
               "PathAnalysis", "Sessions", "SessionSummary", "ArmReadout", "Comparison", "Effect",
               "LogNormalEffect", "Readout", "SrmTest", "Rmst", "RmstDifference",
               "ExperimentReadout", "MetricReadout"}
    missing = []
    for name in engagement.__all__:
        obj = getattr(engagement, name)
        if name in results or (isinstance(obj, type) and issubclass(obj, BaseException)):
            continue
        if inspect.isfunction(obj) and not re.search(rf"\b{name}\(", src):
            missing.append(name)
        if inspect.isclass(obj):
            for m in dir(obj):
                if m.startswith("_") or m in NO_INPUT or not callable(getattr(obj, m)):
                    continue
                if not re.search(rf"\.{m}\(", src):
                    missing.append(f"{name}.{m}")
    assert not missing, missing


def test_a_mistyped_funnel_step_shows_the_shape_expected():
    with pytest.raises(TypeError, match="funnel step 0 must be a dict such as"):
        engagement.funnel([1], [0], ["web"], ["visit"], steps=["visit", "purchase"])


def test_times_in_messages_are_dates():
    store = engagement.ProfileStore()
    store.push([1], [1_000_000_000], ["web"], ["visit"])
    with pytest.raises(engagement.AsOfBeforeDataError, match="2001-09-09 01:46:40 UTC"):
        store.scores(as_of=5)


def test_date_strings_are_times_wherever_times_are():
    store = engagement.ProfileStore()
    store.push([1, 2], ["2024-01-01", "2024-01-02T10:00:00+02:00"], ["web", "web"], ["purchase", "visit"],
               value=[5.0, 0.0])
    by_strings = store.stages(as_of="2024-02-01")
    assert list(by_strings["stage"]) == ["new_customer", "engaged"]
    assert engagement.to_frame(store.scores("2024-02-01")).equals(engagement.to_frame(store.scores(1_706_745_600)))
    with pytest.raises(engagement.InvalidInputError, match="'yesterday' is not an ISO date"):
        store.scores(as_of="yesterday")
    with pytest.raises(engagement.InvalidInputError, match="time at row 1"):
        store.push([1, 1], ["2024-01-01", "2024-13-01"], ["web", "web"], ["visit", "visit"])



def test_errors_name_the_index_label_and_the_customer():
    # Issue 20: a row error names the caller's row (index label, customer id), not only its position.
    df = pd.DataFrame({"customer": [5, 6, 7], "time": [0, 0, 0], "channel": ["web", "web", "fax"],
                       "kind": ["visit", "visit", "visit"], "value": [1.0, 2.0, 0.0]}, index=["a", "b", "c"])
    with pytest.raises(engagement.UnknownLabelError) as e:
        engagement.ProfileStore().push_frame(df)
    assert e.value.row == 2
    assert "index label 'c', customer 7" in str(e.value)
    assert "accepted: email, web" in str(e.value)
    bad = df.assign(channel="web", value=[1.0, -2.0, 0.0]).iloc[[2, 1]]   # filtered rows keep their labels
    with pytest.raises(engagement.InvalidInputError, match=r"at row 1: .*\(index label 'b', customer 6\)") as e:
        engagement.ProfileStore().push_frame(bad)
    assert e.value.row == 1
    with pytest.raises(engagement.InvalidInputError, match=r"at row 1: .*\) \(customer 6\)$"):
        engagement.ProfileStore().push_frame(bad.reset_index(drop=True))   # the index is the positions
    with pytest.raises(engagement.InvalidInputError, match=r"customer 8"):
        engagement.transaction_summary(pd.Series([9, 8], index=[10, 11]), [0, 0], [1.0, float("nan")],
                                       observation_end=10)
    with pytest.raises(engagement.ConfigError) as e:
        engagement.ClvModel.fit("gamma_gamma", [1, 2], monetary_value=[1.0, 3.0]).p_alive([1], [1], [1])
    assert e.value.row is None and "not gamma_gamma" in str(e.value)


def test_event_dictionary_bad_input():
    d = engagement.EventDictionary(["home"])
    with pytest.raises(engagement.InvalidInputError, match="at row 1"):
        d.intern(["cart", None])
    with pytest.raises(engagement.InvalidInputError, match="1024 bytes"):
        d.intern(["x" * 2000])
    assert d.labels == ["home"] and d.code("cart") is None
    with pytest.raises(TypeError):
        d.code(5)
    with pytest.raises(TypeError):
        d.merge(["home"])


def test_saved_state_that_cannot_be_read_raises_and_builds_nothing(tmp_path):
    """Files that are missing, unwritable places, damaged or foreign bytes, and non-bytes: typed errors."""
    store = engagement.ProfileStore()
    store.push([1], [0], ["web"], ["purchase"], value=[5.0])
    with pytest.raises(engagement.StorageError, match="absent.engs"):
        engagement.ProfileStore.load(tmp_path / "absent.engs")
    with pytest.raises(engagement.StorageError, match="cannot write"):
        store.save(tmp_path / "missing_dir" / "store.engs")
    with pytest.raises(engagement.StorageError):
        store.save(tmp_path)   # a directory
    saved = store.to_bytes()
    with pytest.raises(engagement.CorruptError, match="truncated"):
        engagement.ProfileStore.from_bytes(saved[:-1])
    with pytest.raises(engagement.CorruptError, match="not a saved profile store"):
        engagement.ProfileStore.from_bytes(b"PK\x03\x04" + saved[4:])
    with pytest.raises(TypeError):
        engagement.ProfileStore.from_bytes("ENGS")
    (tmp_path / "junk.engs").write_bytes(b"\x00" * 64)
    with pytest.raises(engagement.CorruptError):
        engagement.ProfileStore.load(tmp_path / "junk.engs")
    t = engagement.Triggers({"rules": [{"name": "w", "action": "w", "when": {"type": "first_touch"}}]})
    with pytest.raises(engagement.StorageError):
        engagement.Triggers.load(tmp_path / "absent.engt")
    with pytest.raises(engagement.StorageError):
        t.save(tmp_path / "missing_dir" / "t.engt")
    with pytest.raises(engagement.CorruptError, match="not a saved trigger engine"):
        engagement.Triggers.from_bytes(saved)
    assert len(store) == 1
    assert engagement.ProfileStore().latest_time() is None   # an empty store: None, not an error


def test_thread_counts_are_bounded_and_results_do_not_depend_on_them():
    import pandas as pd
    df = pd.read_csv(pathlib.Path(__file__).resolve().parents[2] / "data/sample/touchpoints.csv")
    with pytest.raises(engagement.ConfigError, match="at most 1024"):
        engagement.set_threads(1025)
    with pytest.raises(OverflowError):
        engagement.set_threads(-1)
    results = []
    for n in (1, 3, 0):
        engagement.set_threads(n)
        assert n == 0 or engagement.threads() == n
        store = engagement.ProfileStore()
        store.push_frame(df)
        seq = engagement.journey_sequences(df["customer"], df["time"], df["channel"], df["kind"])
        results.append((store.to_bytes(), seq.transitions.frame().values.tolist(), seq.paths, list(seq.path_counts)))
    assert results[0] == results[1] == results[2]


def test_arrow_inputs_and_tables_refuse_bad_data_naming_it():
    import pyarrow as pa
    store = engagement.ProfileStore()
    with pytest.raises(engagement.InvalidInputError, match="needs customer, time, channel, kind"):
        store.push_arrow(pa.table({"customer": pa.array([1], pa.uint64()), "time": [0], "channel": ["web"]}))
    with pytest.raises(engagement.InvalidInputError, match="customer ids are not negative"):
        store.push_arrow(pa.table({"customer": [-1], "time": [0], "channel": ["web"], "kind": ["visit"]}))
    assert len(store) == 0
    state = engagement.JourneyState({"funnel": {"steps": [{"name": "visit", "kinds": ["visit"]}]}})
    with pytest.raises(engagement.InvalidInputError, match="time"):
        state.push_arrow(pa.table({"customer": [1], "time": [-5], "channel": ["web"], "kind": ["visit"]}))
    with pytest.raises(TypeError, match="__arrow_c_stream__"):
        state.push_arrow([1, 2, 3])
    with pytest.raises(engagement.EmptyInputError):
        state.to_arrow("funnel")
    with pytest.raises(engagement.ConfigError, match="does not follow loyalty"):
        state.to_arrow("loyalty_accounts", as_of=0)


def test_labels_are_read_with_case_ignored_spaces_trimmed_and_dashes_as_underscores():
    # As every face reads them (columns, Arrow): the canonical spelling; event labels stay exact.
    canonical, written = engagement.ProfileStore(), engagement.ProfileStore()
    canonical.push([1, 1], [0, 60], ["mobile_app", "web"], ["purchase", "click"], value=[5.0, 0.0])
    written.push([1, 1], [0, 60], [" Mobile-App", "WEB"], ["Purchase", "CLICK"], value=[5.0, 0.0])
    assert written.profiles() == canonical.profiles()
    import pyarrow as pa
    arrow = engagement.ProfileStore()
    arrow.push_arrow(pa.record_batch({"customer": pa.array([1, 1], pa.uint64()), "time": pa.array([0, 60]),
                                      "channel": ["Mobile App", "web "], "kind": ["PURCHASE", "click"],
                                      "value": [5.0, 0.0]}))
    assert arrow.profiles() == canonical.profiles()


def test_fitters_refuse_bad_input_with_the_models_errors():
    hist = {"frequency": [0, 1, 3, 0, 2], "recency": [0, 2, 9, 0, 4], "T": [10, 10, 10, 8, 6]}
    with pytest.raises(engagement.InvalidInputError, match="frequency"):
        engagement.BetaGeoFitter().fit({**hist, "frequency": [0, float("nan"), 3, 0, 2]})
    for fitter in (engagement.BetaGeoFitter, engagement.ModifiedBetaGeoFitter, engagement.ParetoNBDFitter):
        f = fitter().fit(hist)
        with pytest.raises(engagement.InvalidInputError, match="recency"):
            f.conditional_probability_alive([1], [-2.0], [10])
        with pytest.raises(engagement.InvalidInputError, match="recency"):
            f.conditional_expected_number_of_purchases_up_to_time(5, [1], [20.0], [10])
        with pytest.raises(engagement.EngagementError):
            f.expected_number_of_purchases_up_to_time([-1.0])
        with pytest.raises(engagement.EngagementError):
            f.probability_of_n_purchases_up_to_time(10, -1)
    ggf = engagement.GammaGammaFitter().fit([1, 2, 5, 1, 3, 2], [20.0, 35.5, 18.0, 52.0, 27.5, 40.0])
    with pytest.raises(engagement.InvalidInputError, match="monetary_value"):
        ggf.conditional_expected_average_profit([2], [-30.0])
    with pytest.raises(engagement.InvalidInputError, match="monetary_value"):
        engagement.GammaGammaFitter().fit([1, 2], [20.0, float("inf")])


def test_settings_of_the_wrong_shape_are_not_called_invalid_json():
    # A Python caller wrote no JSON: a missing or misspelt setting names the setting, not a line.
    with pytest.raises(engagement.JsonError, match=r"^rule: invalid settings: missing field `half_life`$"):
        engagement.attribute(["a > b"], [1.0], rule="time_decay")
    with pytest.raises(engagement.JsonError) as info:
        engagement.transaction_summary([1], [0], observation_end=10, unit="fortnight")
    assert "invalid settings: at unit: unknown variant `fortnight`" in str(info.value)
    assert "line" not in str(info.value)
    # Text that is not JSON still says so, with its line and column.
    with pytest.raises(engagement.JsonError, match="invalid JSON: .*line 1 column"):
        engagement.ProfileStore('{"signals": ')


def test_survival_fitters_refuse_bad_input_with_the_engines_errors():
    with pytest.raises(engagement.InvalidInputError, match="duration"):
        engagement.KaplanMeierFitter().fit([1.0, -2.0], [1, 1])
    with pytest.raises(engagement.LengthMismatchError):
        engagement.KaplanMeierFitter().fit([1.0, 2.0], [1])
    df = pd.DataFrame({"T": [5, 8, 3, 9, 12, 2], "E": [1, 1, 1, 0, 1, 1], "score": [2, 3, 1, 5, 4, float("nan")]})
    with pytest.raises(engagement.InvalidInputError, match="score"):
        engagement.CoxPHFitter().fit(df, "T", "E")
    with pytest.raises(KeyError):
        engagement.CoxPHFitter().fit(df, "T", "event")
    cph = engagement.CoxPHFitter().fit(df.assign(score=[2, 3, 1, 5, 4, 1.5]), "T", "E")
    with pytest.raises(engagement.EngagementError):
        cph.predict_partial_hazard(pd.DataFrame({"score": [float("inf")]}))
    with pytest.raises(ValueError, match="backend"):
        cph.to_frame(backend="arrow")
