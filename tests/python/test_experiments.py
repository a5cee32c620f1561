"""A/B tests through Python: results agree with their own definitions and with scipy-free checks."""

import math

import numpy as np
import pandas as pd
import pytest

import engagement


def test_conversion_test_is_symmetric_and_consistent():
    ab = engagement.conversion_test(200, 2000, 250, 2000)
    ba = engagement.conversion_test(250, 2000, 200, 2000)
    assert ab.z == pytest.approx(-ba.z) and ab.p_value == pytest.approx(ba.p_value)
    assert ab.chi_square == pytest.approx(ab.z ** 2)
    lo, hi = ab.difference_interval
    assert lo < ab.difference < hi and lo > 0          # significant at 5 %: the interval excludes 0
    assert ab.relative_lift == pytest.approx(0.25)
    assert ab.relative_lift_interval[0] < 0.25 < ab.relative_lift_interval[1]
    assert ab.control.rate == 0.1 and ab.treatment.trials == 2000


def test_no_conversions_in_control_leave_the_lift_undefined_not_wrong():
    t = engagement.conversion_test(0, 100, 5, 100)
    assert math.isnan(t.relative_lift) and all(math.isnan(v) for v in t.relative_lift_interval)
    assert 0 < t.p_value < 1


def test_welch_and_bayesian_take_numpy_and_lists():
    import numpy as np
    w = engagement.welch_test(np.array([10.0, 12, 9, 11]), [14, 15, 13, 16, 15])
    assert w.degrees_of_freedom < 7 and w.difference_interval[0] > 0
    b = engagement.bayesian_conversion_test(30, 100, 30, 100)
    assert b.prob_treatment_better == pytest.approx(0.5, abs=1e-9)
    informative = engagement.bayesian_conversion_test(30, 100, 30, 100, prior=(50, 50))
    assert informative.control_mean == pytest.approx(80 / 200)


def test_sample_size_and_power_are_inverse():
    n = engagement.sample_size_two_proportions(0.05, 0.01, alpha=0.05, power=0.9)
    assert engagement.power_two_proportions(0.05, 0.01, n, alpha=0.05) == pytest.approx(0.9, abs=1e-9)
    assert engagement.sample_size_two_proportions(0.05, -0.01) > 0        # a drop is detectable too


def test_bad_input_raises_typed_errors():
    with pytest.raises(engagement.EmptyInputError):
        engagement.conversion_test(0, 0, 1, 10)
    with pytest.raises(engagement.InvalidInputError):
        engagement.conversion_test(11, 10, 1, 10)
    with pytest.raises(engagement.ConfigError):
        engagement.conversion_test(1, 10, 1, 10, level=0)
    with pytest.raises(engagement.InvalidInputError):
        engagement.welch_test([1.0, float("nan")], [1.0, 2.0])
    with pytest.raises(engagement.ConfigError):
        engagement.bayesian_conversion_test(1, 10, 1, 10, prior=(0, 1))
    with pytest.raises(engagement.ConfigError):
        engagement.sample_size_two_proportions(0.99, 0.05)
    with pytest.raises(OverflowError):
        engagement.conversion_test(-1, 10, 1, 10)      # counts are unsigned: refused at the boundary


def test_kaplan_meier_frame_and_logrank_through_python():
    import numpy as np
    km = engagement.kaplan_meier(np.array([1.0, 2, 3, 3, 4]), [1, 0, 1, 1, 0])
    frame = km.to_frame()
    assert list(frame.index) == [0.0, 1.0, 2.0, 3.0, 4.0] and frame["at_risk"].iloc[0] == 5
    assert (frame["ci_low"] <= frame["survival"]).all() and (frame["survival"] <= frame["ci_high"]).all()
    assert engagement.kaplan_meier([1, 2, 3], [True, False, False]).median is None   # S stays at 2/3
    same = engagement.logrank_test([1, 2, 3], [1, 1, 0], [1, 2, 3], [1, 1, 0])
    assert same.statistic == pytest.approx(0.0) and same.p_value == pytest.approx(1.0)
    with pytest.raises(engagement.InvalidInputError):
        engagement.kaplan_meier([1, 2], [1, 2])
    with pytest.raises(engagement.InvalidInputError):
        engagement.kaplan_meier([1, -2], [1, 1])
    with pytest.raises(engagement.LengthMismatchError):
        engagement.kaplan_meier([1, 2, 3], [1, 1])


def test_attribution_rules_through_python():
    paths = ["email > search", "search", "display > email > search", "display"]
    conv, nulls, value = [10, 5, 4, 0], [5, 20, 3, 30], [100, 40, 60, 0]
    for rule, params in [("first_touch", {}), ("linear", {}), ("time_decay", {"half_life": 2.0}),
                         ("position_based", {"first": 0.3, "last": 0.5}), ("markov", {"order": 2}), ("shapley", {})]:
        a = engagement.attribute(paths, conv, value, nulls, rule=rule, **params)
        assert a.conversions.sum() == pytest.approx(19) and a.value.sum() == pytest.approx(200), rule
    m = engagement.attribute(paths, conv, value, nulls).to_frame()
    assert list(m.columns) == ["conversions", "value", "removal_effect", "value_removal_effect"]
    assert m.index.name == "channel"
    with pytest.raises(engagement.ConfigError):
        engagement.attribute(paths, conv, rule="markov", order=7)
    with pytest.raises(engagement.JsonError):
        engagement.attribute(paths, conv, rule="data_driven")
    with pytest.raises(engagement.InvalidInputError):
        engagement.attribute(["a >  > b"], [1])


def test_readout_from_a_frame_does_not_depend_on_row_order_or_label_type():
    rng = np.random.default_rng(3)
    n = 600
    df = pd.DataFrame({"arm": rng.choice(["control", "b", "c"], n), "pre": rng.gamma(2.0, 10.0, n)})
    df["revenue"] = 0.6 * df["pre"] + rng.gamma(2.0, 5.0, n) + np.where(df["arm"] == "b", 2.0, 0.0)
    r = engagement.readout(df["arm"], df["revenue"], pre_values=df["pre"], arms=["control", "b", "c"],
                           correction="holm")
    shuffled = df.sample(frac=1.0, random_state=1)
    s = engagement.readout(shuffled["arm"], shuffled["revenue"], pre_values=shuffled["pre"],
                           arms=["control", "b", "c"], correction="holm")
    assert r.control == "control" and [c.arm for c in r.comparisons] == ["b", "c"]
    for x, y in zip(r.comparisons, s.comparisons):
        assert x.absolute.p_value == pytest.approx(y.absolute.p_value, rel=1e-12)
        assert x.absolute.adjusted_p_value >= x.absolute.p_value
    assert r.comparisons[0].variance_reduction > 0.5   # the pre-period explains most of the revenue
    assert max(r.chance_to_be_best, key=r.chance_to_be_best.get) == "b"
    assert sum(r.chance_to_be_best.values()) == pytest.approx(1.0, abs=1e-9)
    # Integer labels sort as their text; the frame has one row per treatment and scale.
    codes = df["arm"].map({"control": 0, "b": 1, "c": 2})
    k = engagement.readout(codes, df["revenue"], control="0")
    assert [a.name for a in k.arms] == ["0", "1", "2"]
    means = df.groupby("arm")["revenue"].mean()
    assert k.comparisons[0].absolute.estimate == pytest.approx(means["b"] - means["control"], rel=1e-12)
    frame = r.to_frame()
    assert list(frame["arm"]) == ["b", "b", "c", "c"] and list(frame["scale"]) == ["absolute", "relative"] * 2
    arms = r.to_frame("arms", backend="polars")
    assert arms["arm"].to_list() == ["control", "b", "c"]


def test_readout_defaults_to_the_arm_named_control_and_takes_weights_by_name():
    arm = ["a"] * 50 + ["control"] * 50 + ["b"] * 100
    rng = np.random.default_rng(5)
    converted = rng.random(200) < 0.3
    r = engagement.readout(arm, converted, kind="proportion", weights={"control": 1, "a": 1, "b": 2})
    assert r.control == "control" and [c.arm for c in r.comparisons] == ["a", "b"]
    assert r.srm.expected == [50.0, 100.0, 50.0]   # sorted arms a, b, control
    assert r.srm.p_value == pytest.approx(1.0)
    frame = r.to_frame()
    assert set(frame["control"]) == {"control"} and "degrees_of_freedom" in frame
    assert list(r.to_frame("arms")["arm"]) == ["a", "b", "control"]


def test_cuped_adjusted_means_stay_in_the_metrics_units():
    rng = np.random.default_rng(8)
    pre = rng.gamma(2.0, 20.0, 4000)
    arm = np.where(rng.random(4000) < 0.5, "control", "b")
    revenue = 0.8 * pre + rng.gamma(2.0, 5.0, 4000) + (arm == "b") * 2.0
    r = engagement.readout(arm, revenue, pre_values=pre)
    for a in r.arms:
        assert abs(a.adjusted_mean - a.mean) < 0.05 * a.mean
    c = r.comparisons[0]
    # The log-normal lift is the ratio of the adjusted means, near the relative effect.
    assert c.lognormal.lift == pytest.approx(c.relative.estimate, rel=0.05)
    assert list(r.to_frame("lognormal")["arm"]) == ["b"]


def test_rmst_of_a_churn_curve():
    d = engagement.rmst_difference([1, 2, 3, 4], [1, 1, 1, 1], [2, 4, 6, 8], [1, 1, 1, 1], tau=4)
    assert (d.a.rmst, d.b.rmst) == (2.5, 3.5)
    assert d.ci_low < d.difference < d.ci_high and 0 < d.p_value < 1
    assert d.ratio == pytest.approx(1.4)


def test_experiment_windows_take_numpy_and_text_spans():
    day = 86_400
    kw = dict(events=["buy"] * 4, value=[1.0, 2.0, 3.0, 4.0], assigned_customer=[1, 2, 3, 4, 5, 6],
              arm=["control", "b", "control", "b", "b", "control"], exposed_at=[0] * 6, as_of=10 * day)
    spans = [2 * day, np.timedelta64(2, "D"), pd.Timedelta(days=2), "2d"]
    results = [engagement.experiment([2, 3, 4, 6], [day, 3 * day, day, day], **kw,
                                     metrics=[{"name": "bought", "measure": "conversion", "match": "buy",
                                               "window": w}]) for w in spans]
    means = [[a.mean for a in r.metrics["bought"].readout.arms] for r in results]
    # Customer 3 bought on day 3, outside the two days.
    assert means == [means[0]] * 4 and means[0] == pytest.approx([2 / 3, 1 / 3])   # arms b, control
    frame = results[0].to_frame("arms")
    assert list(frame.columns[:4]) == ["metric", "arm", "n", "in_progress"]
