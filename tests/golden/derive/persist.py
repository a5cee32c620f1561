"""Builds tests/golden/persist.json: stores and trigger engines that go through their saved form.

No new numbers are derived here. Each case takes a case of another golden file whose expected
values were derived independently (by hand, as that case's `source` says), feeds its touchpoints
in days, and between days passes the store or engine through its saved bytes (saved, the handle
released, loaded back): the result must be exactly the original case's. The damaged cases alter
the saved bytes before each load (`damage`: keep `truncate` bytes, or invert the byte at `flip`)
and expect `corrupt`: nothing is built from damaged bytes.

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

(root / "persist.json").write_text(json.dumps({"area": "persist", "cases": cases}, indent=1) + "\n")
print(f"{len(cases)} cases")
