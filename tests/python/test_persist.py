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
