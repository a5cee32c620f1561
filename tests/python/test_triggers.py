"""Journey triggers from Python: the same actions in one batch and one at a time, typed errors that
change nothing, DataFrame input."""

import numpy as np
import pandas as pd
import pytest

import engagement

DAY = 86_400
RULES = {
    "rules": [
        {"name": "welcome", "action": "welcome_email", "when": {"type": "first_touch"}, "delay": 60},
        {"name": "cart", "action": "cart_reminder", "when": {"type": "abandoned_cart", "wait": 3600}},
        {"name": "third", "action": "reward", "when": {"type": "nth_purchase", "n": 3}},
        {"name": "reorder", "action": "reorder_reminder", "when": {"type": "reorder"}},
        {"name": "anniversary", "action": "coupon", "when": {"type": "anniversary"}},
        {"name": "win_back", "action": "offer", "when": {"type": "at_risk"}},
    ],
    "cap": {"max": 2, "window": 3 * DAY},
    "quiet_hours": {"from": 22, "to": 7},
}


def stream(n=400, seed=3):
    rng = np.random.default_rng(seed)
    kinds = np.array(["visit", "cart_add", "purchase", "checkout", "impression"])
    time = np.sort(rng.integers(0, 200 * DAY, n))
    kind = kinds[rng.integers(0, 5, n)]
    return {"customer": rng.integers(1, 30, n).astype(np.uint64), "time": time, "channel": np.array(["web"] * n),
            "kind": kind, "value": np.where(kind == "purchase", 10.0, 0.0)}


def rows(cols):
    return list(zip(cols["customer"].tolist(), cols["due"].tolist(), cols["rule"].tolist(), cols["action"].tolist()))


def test_batch_and_one_by_one_agree():
    s = stream()
    batch = engagement.due_actions(s["customer"], s["time"], s["channel"], s["kind"], s["value"], config=RULES,
                                   until=400 * DAY)
    t = engagement.Triggers(RULES)
    one = []
    for i in range(len(s["time"])):
        one += rows(t.push(s["customer"][i:i + 1], s["time"][i:i + 1], s["channel"][i:i + 1], s["kind"][i:i + 1],
                           s["value"][i:i + 1]))
    one += rows(t.advance(400 * DAY))
    assert rows(batch) == one
    assert {r for _, _, r, _ in one} >= {"welcome", "cart", "third", "reorder", "win_back"}
    assert np.all(np.diff(batch["due"]) >= 0)
    # Quiet hours: nothing is due between 22:00 and 07:00 UTC.
    hours = (batch["due"] % DAY) // 3600
    assert not np.any((hours >= 22) | (hours < 7))
    customers, pending, suppressed = t.counts
    assert customers == len(np.unique(s["customer"])) and suppressed > 0 and pending >= 0


def test_late_touchpoints_raise_and_change_nothing():
    t = engagement.Triggers(RULES)
    t.push([1], [1000], ["web"], ["cart_add"])
    before = t.counts
    with pytest.raises(engagement.InvalidInputError, match="time order"):
        t.push([2, 3], [2000, 999], ["web", "web"], ["visit", "visit"])
    with pytest.raises(engagement.InvalidInputError):
        t.advance(500)
    assert t.counts == before and t.clock == 1000
    # The welcome (due 00:17:40 UTC) and the reminder (01:16:40) fall in the quiet hours: moved to 07:00.
    got = t.advance(DAY)
    assert got["action"].tolist() == ["welcome_email", "cart_reminder"] and got["due"].tolist() == [7 * 3600] * 2


def test_bad_rules_are_typed():
    with pytest.raises(engagement.ConfigError, match="wait"):
        engagement.Triggers({"rules": [{"name": "c", "action": "a", "when": {"type": "abandoned_cart", "wait": 0}}]})
    with pytest.raises(engagement.JsonError):
        engagement.Triggers({"rules": [{"name": "c", "action": "a", "when": {"type": "birthday"}}]})
    with pytest.raises(engagement.JsonError):
        engagement.Triggers({"rules": [{"name": "c", "action": "a", "when": {"type": "first_touch"}, "delai": 5}]})
    with pytest.raises(engagement.UnknownLabelError):
        engagement.Triggers(RULES).push([1], [0], ["web"], ["add_to_cart"])


def test_frames_and_datetimes():
    df = pd.DataFrame({"customer": [1, 1], "time": pd.to_datetime(["2024-03-01 10:00", "2024-03-01 11:00"]),
                       "channel": ["web", "web"], "kind": ["checkout", "visit"]})
    t = engagement.Triggers({"rules": [{"name": "cart", "action": "remind",
                                        "when": {"type": "abandoned_cart", "wait": 7200}}]})
    assert len(t.push_frame(df)["due"]) == 0
    got = t.advance(pd.Timestamp("2024-03-02"))
    assert got["due"].tolist() == [int(pd.Timestamp("2024-03-01 12:00").timestamp())]
    assert engagement.to_frame(got).columns.tolist() == ["customer", "due", "rule", "action"]
