"""Builds tests/golden/persist.json: stores, trigger engines and journey states that go through
their saved form.

No new numbers are derived here. Each case takes a case of another golden file whose expected
values were derived independently (by hand, as that case's `source` says), feeds its touchpoints
in days, and between days passes the store or engine through its saved bytes (saved, the handle
released, loaded back): the result must be exactly the original case's. The damaged cases alter
the saved bytes before each load (`damage`: keep `truncate` bytes, or invert the byte at `flip`)
and expect `corrupt`: nothing is built from damaged bytes.

A journey state case (`op` `journey_state`) pushes a base case's touchpoints night by night: the
night of each row is set by `cuts` (times; rows before the first cut are the first night, and so
on; a night never splits a second), its redemptions go with the night of their time, and the state
goes through its saved bytes before each night and before the reading. `read` names the result and
its time: `history` (`until`), `loyalty` (`as_of`), `funnel`, `cohorts` (`as_of`; a cohorts base
case's transactions up to `as_of` become purchase touchpoints) or `attribute` (a rule). The result must be the
base case's, in the base operation's form.

Run: python3 tests/golden/derive/persist.py
"""
import copy
import json
import pathlib

root = pathlib.Path(__file__).resolve().parents[1]


def case(area, name):
    d = json.loads((root / f"{area}.json").read_text())
    return copy.deepcopy(next(c for c in d["cases"] if c["name"] == name))


cases = []


def store_nightly(name, base_area, base_name, days, damage=None):
    base = case(base_area, base_name)
    assert sum(days) == len(base["input"]["touchpoints"]["customer"])
    inp = dict(base["input"], days=days)
    if damage:
        inp["damage"] = damage
    out = {"name": name, "op": "store_nightly", "input": inp,
           "expected": {"error": "corrupt"} if damage else base["expected"],
           "tolerance": base["tolerance"],
           "source": f"{base_area}/{base_name} fed in days {days}, the store saved and loaded between days"
                     + (f", the saved bytes damaged ({damage})" if damage else "; its source: " + base["source"])}
    # A profiles case's configuration is signals; a store is configured by a score configuration.
    if base.get("config") is not None:
        out["config"] = base["config"] if base["op"] == "scores" else {"signals": base["config"]}
    cases.append(out)


def triggers_nightly(name, base_name, chunks=None, damage=None):
    base = case("triggers", base_name)
    inp = dict(base["input"], persist=True)
    if chunks:
        inp["chunks"] = chunks
    if damage:
        inp["damage"] = damage
    cases.append({"name": name, "op": "triggers", "config": base["config"], "input": inp,
                  "expected": {"error": "corrupt"} if damage else base["expected"],
                  "tolerance": base["tolerance"],
                  "source": f"triggers/{base_name} with the engine saved and loaded before each chunk and "
                            "before the final advance"
                            + (f", the saved bytes damaged ({damage})" if damage else "; its source: " + base["source"])})


store_nightly("store_profile_fields_in_three_days", "engagement", "profile_fields", [2, 3, 1])
store_nightly("store_profile_fields_with_empty_days", "engagement", "profile_fields", [0, 1, 0, 5, 0])
store_nightly("store_scores_one_half_life_in_two_days", "engagement", "score_contextual_one_half_life", [1, 3])
# The score configuration (saturation, mix) is saved with the store: the defaults would give another total.
store_nightly("store_custom_score_config_survives", "engagement", "score_custom_config", [1, 0])
for what, damage in [("empty", {"truncate": 0}), ("header_only", {"truncate": 20}),
                     ("one_byte_short", {"truncate": -1}), ("magic", {"flip": 0}), ("version", {"flip": 4}),
                     ("length", {"flip": 8}), ("checksum", {"flip": 16}), ("payload", {"flip": 24})]:
    store_nightly(f"store_damaged_{what}", "engagement", "profile_fields", [2, 4], damage)

triggers_nightly("triggers_every_rule_in_chunks_saved", "every_rule_in_chunks")
triggers_nightly("triggers_every_rule_one_row_a_day_saved", "every_rule_in_chunks", chunks=[1] * 9)
triggers_nightly("triggers_product_events_saved", "product_events_in_chunks")
for what, damage in [("one_byte_short", {"truncate": -1}), ("version", {"flip": 4}), ("payload", {"flip": 30})]:
    triggers_nightly(f"triggers_damaged_{what}", "every_rule_in_chunks", damage=damage)


def journey_state(name, area, base_name, nights, damage=None):
    """`nights` is how many nights the base case's distinct times are cut into (evenly)."""
    base = case(area, base_name)
    inp, cfg, op = base["input"], base.get("config"), base["op"]
    if op == "cohorts":
        # The transactions up to as_of (the base ignores later ones; a state refuses to read before its data).
        keep = [i for i, t in enumerate(inp["time"]) if t <= inp["as_of"]]
        assert all(inp["value"][i] >= 0 for i in keep)
        touchpoints = {"customer": [inp["customer"][i] for i in keep], "time": [inp["time"][i] for i in keep],
                       "channel": ["web"] * len(keep), "kind": ["purchase"] * len(keep),
                       "value": [inp["value"][i] for i in keep]}
    else:
        touchpoints = inp["touchpoints"]
    times = sorted(set(touchpoints["time"]))
    cuts = [times[len(times) * k // nights] for k in range(1, nights)] if times else []
    config, read = {
        "history": lambda: ({"stages": cfg or {}}, {"history": {"until": inp["until"]}}),
        "loyalty": lambda: ({"loyalty": cfg or {}}, {"loyalty": {"as_of": inp["as_of"]}}),
        "funnel": lambda: ({"funnel": cfg}, {"funnel": {}}),
        "cohorts": lambda: ({"cohorts": {"config": cfg or {}, "activity": "purchases"}},
                            {"cohorts": {"as_of": inp["as_of"]}}),
        "attribute_touchpoints": lambda: ({"paths": {"lookback": inp["lookback"]}}, {"attribute": cfg}),
    }[op]()
    new = {"touchpoints": touchpoints, "cuts": cuts, "read": read}
    if "redemptions" in inp:
        new["redemptions"] = inp["redemptions"]
    if damage:
        new["damage"] = damage
    cases.append({"name": name, "op": "journey_state", "config": config, "input": new,
                  "expected": {"error": "corrupt"} if damage else base["expected"],
                  "tolerance": base["tolerance"],
                  "source": f"{area}/{base_name} pushed in {nights} nights, the state saved and loaded before "
                            "each night and before reading"
                            + (f", the saved bytes damaged ({damage})" if damage else "; its source: " + base["source"])})


journey_state("journeys_history_in_two_nights", "journey", "history_time_driven_changes", 2)
journey_state("journeys_history_until_before_data", "journey", "history_until_before_data", 1)
journey_state("journeys_loyalty_in_three_nights", "segmentation", "loyalty_multiplier_expiry_and_tier_loss", 3)
journey_state("journeys_loyalty_redemptions_in_two_nights", "segmentation", "loyalty_points_redemptions_tiers", 2)
journey_state("journeys_funnel_loose_in_four_nights", "funnels", "loose_three_steps", 4)
journey_state("journeys_funnel_strict_in_three_nights", "funnels", "strict_three_steps", 3)
journey_state("journeys_funnel_nobody_enters", "funnels", "funnel_nobody_enters", 2)
journey_state("journeys_cohorts_monthly_in_three_nights", "cohorts", "monthly_cohorts", 3)
journey_state("journeys_cohorts_weekly_at_period_start", "cohorts", "weekly_cohorts_as_of_at_period_start", 2)
journey_state("journeys_first_touch_in_three_nights", "attribution", "touchpoints_first_touch", 3)
journey_state("journeys_last_touch_in_two_nights", "attribution", "touchpoints_last_touch", 2)
for what, damage in [("one_byte_short", {"truncate": -1}), ("version", {"flip": 4}), ("payload", {"flip": 28})]:
    journey_state(f"journeys_damaged_{what}", "funnels", "loose_three_steps", 2, damage)

(root / "persist.json").write_text(json.dumps({"area": "persist", "cases": cases}, indent=1) + "\n")
print(f"{len(cases)} cases")
