"""Saving and loading a store and a trigger engine from Python: a nightly job that saves, loads and
pushes the next day equals one store pushed everything, on the bundled sample; damaged bytes raise
CorruptError and build nothing; files, pickling and the error for a missing file."""

import pathlib
import pickle

import numpy as np
import pandas as pd
import pytest

import engagement

CONFIG = {"signals": {"half_life_days": 10}, "mix": {"emotional": 2, "contextual": 1, "convenient": 1, "social": 0}}
RULES = {"rules": [
    {"name": "welcome", "action": "w", "when": {"type": "first_touch"}, "delay": 3600},
    {"name": "cart", "action": "c", "when": {"type": "abandoned_cart", "wait": 7200}},
    {"name": "second", "action": "s", "when": {"type": "nth_purchase", "n": 2}},
    {"name": "win_back", "action": "b", "when": {"type": "at_risk"}}],
    "cap": {"max": 2, "window": 86400}}


ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample():
    df = pd.read_csv(ROOT / "data/sample/touchpoints.csv")
    return df.sort_values(["time", "customer"], kind="stable").reset_index(drop=True)


def _days(df, seed):
    """The sample cut into random consecutive days (2 to 40 pieces)."""
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, len(df)), size=rng.integers(1, 40), replace=False))
    return np.split(np.arange(len(df)), cuts)


@pytest.mark.parametrize("seed", range(6))
def test_a_store_saved_each_night_equals_one_bulk_build(sample, seed):
    bulk = engagement.ProfileStore(CONFIG)
    bulk.push_frame(sample)
    saved = engagement.ProfileStore(CONFIG).to_bytes()
    for rows in _days(sample, seed):
        store = engagement.ProfileStore.from_bytes(saved)
        store.push_frame(sample.iloc[rows])
        saved = store.to_bytes()
    nightly = engagement.ProfileStore.from_bytes(saved)
    assert nightly.profiles() == bulk.profiles()
    as_of = int(sample["time"].max())
    for name, column in bulk.scores(as_of).items():
        np.testing.assert_array_equal(nightly.scores(as_of)[name], column)
    assert saved == bulk.to_bytes()


@pytest.mark.parametrize("seed", range(3))
def test_a_trigger_engine_saved_each_night_gives_the_same_actions(sample, seed):
    live = engagement.Triggers(RULES)
    saved = engagement.Triggers(RULES).to_bytes()
    for rows in _days(sample, seed):
        engine = engagement.Triggers.from_bytes(saved)
        day = sample.iloc[rows]
        a, b = live.push_frame(day), engine.push_frame(day)
        for name in ("customer", "due", "rule", "action"):
            assert list(a[name]) == list(b[name])
        saved = engine.to_bytes()
    end = int(sample["time"].max()) + 400 * 86400
    a, b = live.advance(end), engagement.Triggers.from_bytes(saved).advance(end)
    assert len(a["due"]) > 0
    assert list(a["customer"]) == list(b["customer"]) and list(a["due"]) == list(b["due"])


def test_damaged_bytes_raise_corrupt_and_build_nothing(sample):
    store = engagement.ProfileStore()
    store.push_frame(sample.head(50))
    saved = store.to_bytes()
    for cut in (0, 3, 19, 20, len(saved) // 2, len(saved) - 1):
        with pytest.raises(engagement.CorruptError):
            engagement.ProfileStore.from_bytes(saved[:cut])
    altered = bytearray(saved)
    altered[len(saved) // 2] ^= 0x10
    with pytest.raises(engagement.CorruptError, match="altered"):
        engagement.ProfileStore.from_bytes(altered)
    with pytest.raises(engagement.CorruptError, match="not a saved trigger engine"):
        engagement.Triggers.from_bytes(saved)
    # bytearray and memoryview are taken as bytes are.
    assert len(engagement.ProfileStore.from_bytes(memoryview(saved))) == len(store)


def test_files_pickles_and_missing_files(tmp_path, sample):
    store = engagement.ProfileStore(CONFIG)
    store.push_frame(sample.head(200))
    path = tmp_path / "store.engs"
    store.save(path)
    store.save(str(path))  # replaced whole, through a temporary beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.engs"]
    back = engagement.ProfileStore.load(path)
    assert back.profiles() == store.profiles()
    assert pickle.loads(pickle.dumps(store)).profiles() == store.profiles()
    t = engagement.Triggers(RULES)
    t.push_frame(sample.head(200))
    t.save(tmp_path / "triggers.engt")
    assert engagement.Triggers.load(tmp_path / "triggers.engt").to_bytes() == t.to_bytes()
    assert pickle.loads(pickle.dumps(t)).to_bytes() == t.to_bytes()
    with pytest.raises(engagement.StorageError, match="missing.engs"):
        engagement.ProfileStore.load(tmp_path / "missing.engs")
    with pytest.raises(engagement.StorageError, match="no/such"):
        store.save(tmp_path / "no/such/store.engs")
    assert issubclass(engagement.StorageError, engagement.EngagementError)


def test_the_saved_score_configuration_comes_back(sample):
    store = engagement.ProfileStore(CONFIG)
    store.push_frame(sample.head(300))
    as_of = int(sample["time"].head(300).max())
    back = engagement.ProfileStore.from_bytes(store.to_bytes())
    np.testing.assert_array_equal(back.scores(as_of)["total"], store.scores(as_of)["total"])
    plain = engagement.ProfileStore({"signals": CONFIG["signals"]})
    plain.push_frame(sample.head(300))
    assert not np.array_equal(plain.scores(as_of)["total"], back.scores(as_of)["total"])


JOURNEYS = {
    "stages": {},
    "loyalty": {"expiry_days": 90, "tier_window_days": 60},
    "funnel": {"steps": [{"name": "visit", "kinds": ["visit"]}, {"name": "cart", "kinds": ["cart_add"]},
                         {"name": "buy", "kinds": ["purchase"]}], "window": 7 * 86_400, "breakdown": "channel"},
    "cohorts": {"config": {"period": "week", "max_periods": 10}, "activity": "any"},
    "paths": {"lookback": 14 * 86_400},
}


def _calendar_days(df, seed):
    """The sample cut into random runs of whole seconds (a night never splits a second)."""
    rng = np.random.default_rng(seed)
    times = np.unique(df["time"].to_numpy())
    cuts = np.sort(rng.choice(times[1:], size=rng.integers(1, 40), replace=False))
    return np.split(np.arange(len(df)), np.searchsorted(df["time"].to_numpy(), cuts))


@pytest.mark.parametrize("seed", range(4))
def test_journeys_followed_each_night_equal_the_batch_calls(sample, seed):
    sample = sample.sample(frac=1.0, random_state=seed).sort_values("time", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(sample), size=12, replace=False))
    red = {"customer": sample["customer"].to_numpy()[pick], "time": sample["time"].to_numpy()[pick],
           "points": rng.integers(1, 400, size=12).astype(np.uint64)}
    saved = engagement.JourneyState(JOURNEYS).to_bytes()
    for rows in _calendar_days(sample, seed):
        state = engagement.JourneyState.from_bytes(saved)
        day = sample.iloc[rows]
        lo, hi = day["time"].min(), day["time"].max()
        mask = (red["time"] >= lo) & (red["time"] <= hi)
        state.push_frame(day.iloc[::-1], redemptions={k: v[mask] for k, v in red.items()})
        saved = state.to_bytes()
    state = pickle.loads(pickle.dumps(engagement.JourneyState.from_bytes(saved)))
    cols = [sample[c] for c in ("customer", "time", "channel", "kind", "value", "rating", "rating_scale")]
    as_of = int(sample["time"].max()) + 86_400
    until = as_of + 400 * 86_400
    batch = engagement.stage_history(*cols, until=until)
    followed = state.stage_history(until)
    for k in batch:
        np.testing.assert_array_equal(np.asarray(followed[k]), np.asarray(batch[k]))
    assert state.loyalty(as_of) == engagement.loyalty(*cols, redemptions=red, as_of=as_of, config=JOURNEYS["loyalty"])
    f = JOURNEYS["funnel"]
    expected = engagement.funnel(*cols[:4], steps=f["steps"], window_days=7, breakdown="channel")
    got = state.funnel()
    np.testing.assert_array_equal(got.customers, expected.customers)
    np.testing.assert_array_equal(got.median_time, expected.median_time)
    assert sorted(got.breakdown) == sorted(expected.breakdown)
    touch_value = np.where(sample["kind"] == "purchase", sample["value"].fillna(0.0), 0.0)
    table = engagement.cohorts(sample["customer"], sample["time"], touch_value, as_of=as_of, period="week",
                               max_periods=10)
    np.testing.assert_array_equal(state.cohorts(as_of).size, table.size)
    np.testing.assert_array_equal(state.cohorts(as_of).retention, table.retention)
    np.testing.assert_array_equal(state.cohorts(as_of).revenue_per_customer, table.revenue_per_customer)
    a = state.attribute("linear")
    b = engagement.attribute_touchpoints(*cols[:4], value=cols[4], lookback_days=14, rule="linear")
    # The same credits (channels are listed in another order: attribute_touchpoints names them by
    # first appearance in its path table).
    assert dict(zip(a.channels, a.conversions.tolist())) == dict(zip(b.channels, b.conversions.tolist()))
    assert dict(zip(a.channels, a.value.tolist())) == dict(zip(b.channels, b.value.tolist()))
    partial = engagement.Partial.from_touchpoints({"kind": "paths", "lookback": 14 * 86_400}, *cols[:4],
                                                  value=cols[4]).result()
    paths = state.paths()
    assert paths["paths"] == partial["paths"]
    for k in ("conversions", "value", "nulls"):
        np.testing.assert_array_equal(paths[k], partial[k])


def test_a_journey_state_refuses_late_touchpoints_and_damaged_bytes(tmp_path):
    state = engagement.JourneyState({"cohorts": {}, "paths": {}})
    state.push([1, 2], [100, 100], ["web", "email"], ["purchase", "open"], [5.0, 0.0])
    saved = state.to_bytes()
    with pytest.raises(engagement.InvalidInputError, match="row 1"):
        state.push([3, 2], [200, 100], ["web", "web"], ["visit", "visit"])
    with pytest.raises(engagement.ConfigError, match="loyalty"):
        state.push([], [], [], [], redemptions={"customer": [1], "time": [300], "points": [5]})
    with pytest.raises(engagement.ConfigError, match="stages"):
        state.stage_history(until=1000)
    with pytest.raises(engagement.AsOfBeforeDataError):
        state.cohorts(as_of=50)
    assert state.to_bytes() == saved
    assert state.customers == 2 and state.latest_time == 100
    assert "cohorts, paths" in repr(state)
    for cut in (0, 10, len(saved) - 1):
        with pytest.raises(engagement.CorruptError):
            engagement.JourneyState.from_bytes(saved[:cut])
    with pytest.raises(engagement.ConfigError, match="at least one"):
        engagement.JourneyState({})
    with pytest.raises(engagement.ConfigError, match="events"):
        engagement.JourneyState({"funnel": {"steps": [{"name": "a", "events": ["x"]}]}})
    state.save(tmp_path / "journeys.engj")
    assert engagement.JourneyState.load(tmp_path / "journeys.engj").to_bytes() == saved
    with pytest.raises(engagement.StorageError):
        engagement.JourneyState.load(tmp_path / "missing.engj")
    assert state.config["cohorts"]["config"]["max_periods"] == 36
