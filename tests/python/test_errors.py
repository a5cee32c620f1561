"""Bad input from Python: wrong dtypes, NaN, mismatched lengths, unknown labels, bad configuration."""

import numpy as np
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
    with pytest.raises(engagement.InvalidInputError, match="duplicate"):
        engagement.next_best_actions([1, 1], ["at_risk", "prospect"])
