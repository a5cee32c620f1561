"""Builds tests/golden/partials.json: partial results that merge.

No new numbers are derived here. Each case takes a case of another golden file
whose expected values were derived independently (by hand, pandas, statsmodels
…, as that case's `source` says), splits its touchpoints over several parts
(whole customers per part for journey analyses, any rows for profiles and
metrics), and expects the merged partials to give exactly that result. The
binary-form cases encode a small metrics partial whose result is derived by
hand below; the hex is the format's fixture (format version 1), so a change of
the format that breaks old partials fails these cases.

Run: python3 tests/golden/derive/partials.py
"""
import json
import pathlib
import zlib

root = pathlib.Path(__file__).resolve().parents[1]


def case(area, name):
    d = json.loads((root / f"{area}.json").read_text())
    return next(c for c in d["cases"] if c["name"] == name)


def labelled(cols, n):
    """Touchpoint columns with every optional column present."""
    out = dict(cols)
    out.setdefault("value", [0.0] * n)
    out.setdefault("rating", [None] * n)
    out.setdefault("rating_scale", ["nps"] * n)
    return out


def by_customer(tp, parts):
    """Part of each row: customers dealt round-robin over `parts` in order of appearance."""
    order = []
    for c in tp["customer"]:
        if c not in order:
            order.append(c)
    return [order.index(c) % parts for c in tp["customer"]]


cases = []

src = case("funnels", "loose_three_steps")
tp = src["input"]["touchpoints"]
cases.append({
    "name": "funnel_over_three_parts",
    "op": "partial",
    "input": {"touchpoints": tp, "parts": by_customer(tp, 3), "order": [2, 0, 1]},
    "config": {"kind": "funnel", "funnel": src["config"]},
    "expected": src["expected"],
    "tolerance": src["tolerance"],
    "source": "The expected result of funnels/loose_three_steps; its customers dealt over 3 parts, merged 2, 0, 1.",
})

src = case("transitions", "channel_sequences")
tp = src["input"]["touchpoints"]
cases.append({
    "name": "sequences_over_two_parts",
    "op": "partial",
    "input": {"touchpoints": tp, "parts": by_customer(tp, 2), "order": [1, 0]},
    "config": {"kind": "sequences", "config": src["config"]},
    "expected": src["expected"],
    "tolerance": src["tolerance"],
    "source": "The expected result of transitions/channel_sequences; customers dealt over 2 parts (same-time ties keep their order within a part).",
})

src = case("cohorts", "monthly_cohorts")
n = len(src["input"]["customer"])
tp = labelled({"customer": src["input"]["customer"], "time": src["input"]["time"],
               "channel": ["web"] * n, "kind": ["purchase"] * n, "value": src["input"]["value"]}, n)
cases.append({
    "name": "cohorts_over_three_parts",
    "op": "partial",
    "input": {"touchpoints": tp, "parts": by_customer(tp, 3), "order": [0, 1, 2]},
    "config": {"kind": "cohorts", "as_of": src["input"]["as_of"], "config": src["config"]},
    "expected": src["expected"],
    "tolerance": src["tolerance"],
    "source": "The expected result of cohorts/monthly_cohorts, its transactions as web purchases; customers dealt over 3 parts.",
})

src = case("attribution", "touchpoints_last_touch")
tp = src["input"]["touchpoints"]
cases.append({
    "name": "attribution_paths_over_two_parts",
    "op": "partial",
    "input": {"touchpoints": tp, "parts": by_customer(tp, 2), "order": [1, 0], "rule": src["config"]},
    "config": {"kind": "paths", "lookback": src["input"]["lookback"]},
    "expected": src["expected"],
    "tolerance": src["tolerance"],
    "source": "The expected attribution of attribution/touchpoints_last_touch; customers dealt over 2 parts, paths merged, then attributed.",
})

src = case("engagement", "profile_fields")
tp = src["input"]["touchpoints"]
cases.append({
    "name": "profiles_with_a_customer_over_every_part",
    "op": "partial",
    "input": {"touchpoints": tp, "parts": [0, 1, 2, 0, 1, 2], "order": [2, 1, 0]},
    "config": {"kind": "profiles"},
    "expected": src["expected"],
    "tolerance": src["tolerance"],
    "source": "The expected profiles of engagement/profile_fields; rows dealt over 3 parts, so customer 1's touchpoints lie in all three.",
})

# An experiment from touchpoints: experiment/three_arms_five_metrics with its two events as the
# kinds purchase and visit (the matchers read kinds instead of event labels), customers dealt over
# 3 parts; the assignment travels with the spec.
src = case("experiment", "three_arms_five_metrics")
log, assigned, arm_names = src["input"]["events"], src["input"]["assignment"], src["input"]["arm_names"]
spec = json.loads(json.dumps(src["config"]).replace('{"events": ["purchase"]}', '{"kinds": ["purchase"]}')
                  .replace('{"events": ["visit"]}', '{"kinds": ["visit"]}'))
assert "events" not in json.dumps(spec)
tp = labelled({"customer": log["customer"], "time": log["time"], "channel": ["web"] * len(log["customer"]),
               "kind": ["purchase" if e == "purchase" else "visit" for e in log["event"]], "value": log["value"]},
              len(log["customer"]))
cases.append({
    "name": "experiment_over_three_parts",
    "op": "partial",
    "input": {"touchpoints": tp, "parts": by_customer(tp, 3), "order": [1, 2, 0]},
    "config": {"kind": "experiment", "spec": spec, "arms": arm_names,
               "assignment": {"customer": assigned["customer"], "arm": [arm_names[k] for k in assigned["arm"]],
                              "exposed_at": assigned["exposed_at"]}},
    "expected": src["expected"],
    "tolerance": src["tolerance"],
    "source": "The expected readout of experiment/three_arms_five_metrics, its events as kinds; customers dealt over 3 parts, merged 1, 2, 0.",
})

experiment = cases[-1]
no_as_of = json.loads(json.dumps(experiment))
del no_as_of["config"]["spec"]["as_of"]
cases.append({**no_as_of, "name": "experiment_partial_without_as_of", "expected": {"error": "config"}, "tolerance": 0,
              "source": "Parts cannot agree on the end of observation: an experiment partial needs as_of."})
split = json.loads(json.dumps(experiment))
split["input"]["parts"] = [i % 2 for i in range(len(tp["customer"]))]
split["input"]["order"] = [0, 1]
cases.append({**split, "name": "experiment_customer_in_two_parts", "expected": {"error": "incompatible"},
              "tolerance": 0,
              "source": "Rows dealt alternately, so customers' touchpoints lie in both parts: refused on merging."})

# Metrics: the NPS answers of metrics/nps_basic and the CSAT answers of metrics/csat_basic,
# as survey responses of customers 1..14, spread over 4 parts row by row.
nps_src, csat_src = case("metrics", "nps_basic"), case("metrics", "csat_basic")
ratings = nps_src["input"]["ratings"] + csat_src["input"]["ratings"]
scales = ["nps"] * len(nps_src["input"]["ratings"]) + ["csat"] * len(csat_src["input"]["ratings"])
n = len(ratings)
tp = {"customer": [1 + i % 5 for i in range(n)], "time": [1000 * i for i in range(n)],
      "channel": ["email"] * n, "kind": ["survey_response"] * n, "value": [0.0] * n,
      "rating": ratings, "rating_scale": scales}
cases.append({
    "name": "metrics_over_four_parts",
    "op": "partial",
    "input": {"touchpoints": tp, "parts": [i % 4 for i in range(n)], "order": [3, 1, 0, 2]},
    "config": {"kind": "metrics", "level": 0.95},
    "expected": {"ok": {"nps": nps_src["expected"]["ok"], "csat": csat_src["expected"]["ok"],
                        "conversion": None, "ces_mean": None,
                        "nps_answers": [0, 0, 0, 1, 0, 0, 1, 2, 1, 3, 2],
                        "csat_answers": [1, 0, 1, 1, 1]}},
    "tolerance": 1e-9,
    "source": "NPS and CSAT of metrics/nps_basic and metrics/csat_basic (every answer counts); histograms counted by hand from those answers.",
})

cases.append({
    "name": "partial_spec_unknown_kind",
    "op": "partial",
    "input": {"touchpoints": tp, "parts": [0] * n, "order": [0]},
    "config": {"kind": "everything"},
    "expected": {"error": "json"},
    "tolerance": 0,
    "source": "An unknown kind is a JSON error of the spec.",
})
cases.append({
    "name": "partial_specs_differ",
    "op": "partial",
    "input": {"touchpoints": tp, "parts": [0] * n, "order": [0], "merge_with_level": 0.9},
    "config": {"kind": "metrics", "level": 0.95},
    "expected": {"error": "incompatible"},
    "tolerance": 0,
    "source": "A partial merged with one built with another level: the specs differ.",
})

# The binary form of the metrics partial of three NPS answers 10, 9 and 0 (customers 1, 2, 3),
# written here from the documented format (core `partial` module docs), not by the engine:
# header (magic, version 1, kind 2 = metrics, reserved, payload length, CRC-32), then the
# payload in postcard encoding: the spec as a length-prefixed JSON string, then the state
# (11 NPS, 5 CSAT, 7 CES counts, trials, successes; every integer a LEB128 varint).
# By hand: promoters 2, detractors 1, n 3: NPS = 100·(2/3 − 1/3) = 33.33…
def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


spec = b'{"kind":"metrics","level":0.95,"conversion":null}'
nps = [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
payload = varint(len(spec)) + spec + b"".join(varint(c) for c in nps + [0] * 5 + [0] * 7 + [0, 0])
header = b"ENGP" + (1).to_bytes(2, "little") + bytes([2, 0]) + len(payload).to_bytes(8, "little") \
    + zlib.crc32(payload).to_bytes(4, "little")
fixture = (header + payload).hex()
for name, mutate, expected in [
    ("binary_form_version_1", {}, {"ok": {"nps": {"n": 3, "promoters": 2, "passives": 0, "detractors": 1,
                                                  "score": 100.0 / 3}}}),
    ("binary_form_truncated", {"truncate": 30}, {"error": "corrupt"}),
    ("binary_form_altered", {"flip": 40}, {"error": "corrupt"}),
    ("binary_form_unknown_version", {"flip": 5}, {"error": "corrupt"}),
]:
    cases.append({"name": name, "op": "partial_bytes", "input": {"hex": fixture, **mutate},
                  "expected": expected, "tolerance": 1e-9,
                  "source": "Format fixture: the metrics partial of NPS answers 10, 9, 0; score by hand 100·(2 − 1)/3. "
                            "truncate = keep that many bytes; flip = invert the byte at that offset."})

(root / "partials.json").write_text(json.dumps({"area": "partials", "cases": cases}, indent=1) + "\n")
print(f"{len(cases)} cases")
