"""Builds tests/golden/bad_input.json: the bad-input matrix, input class x operation -> outcome.

Each row takes a valid golden case of another file (its `base`), changes one
thing in its input, and states what every face must answer: an error of a
given kind, or, for classes that are not errors (rows in another order, huge
customer ids, a NaN rating that means "no answer"), the base case's own
expected result. The expected kinds are the specification (README, "Bad
input and limits"); no number here comes from running the engine.

Float tokens: JSON has no NaN or infinity, so the strings "NaN", "inf" and
"-inf" stand for them in float columns; every runner reads them so.

The classes that only one face can express (NULL pointers, invalid UTF-8,
numpy dtypes, pandas nullable columns, handles freed twice …) are listed
under `face_specific` with the test that covers each.

Run: python3 tests/golden/derive/bad_input.py (the Python tests check that
the committed file equals this script's output).
"""
import copy
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parents[1]

HUGE = 9_223_372_036_854_775_000  # added to every id: ids near 2^63 (the largest every face's JSON reader takes)
MAX_TIME = 32_503_680_000  # 3000-01-01, the latest time the engine takes

CLASSES = {
    "nan": "NaN in a float column",
    "pos_inf": "+infinity in a float column",
    "neg_inf": "-infinity in a float column",
    "negative_money": "a negative amount of money",
    "absurd_money": "an amount of money above the 1e12 limit",
    "rating_out_of_scale": "a rating outside its scale, or not a whole point",
    "negative_count": "a negative count, duration or size",
    "out_of_range": "a probability, level or rate outside its range",
    "time_before_1970": "a time before 1970-01-01",
    "time_far_future": "a time after 3000-01-01",
    "inconsistent": "values that contradict each other (recency > T, successes > trials …)",
    "mismatched_length": "columns of different lengths",
    "empty": "zero rows",
    "unsorted": "rows in reverse order (not an error: the same result)",
    "duplicated": "a row or customer repeated where each must be unique",
    "late": "a touchpoint older than what a streaming engine has seen",
    "unknown_label": "a label the engine does not know",
    "unknown_id": "an id that is not in the data it refers to",
    "huge_id": "customer ids near 2^63 (not an error: the same result)",
    "missing_rating": "NaN rating meaning no answer (not an error: the same result)",
    "rating_without_scale": "ratings with no rating-scale column (refused in every face, never read on a guessed scale)",
    "bad_config": "a configuration value outside its domain",
    "unknown_field": "a configuration or definition with a misspelt key",
    "corrupt_bytes": "bytes that are not a valid partial, saved store or saved engine",
    "as_of_before_data": "an evaluation time before the data",
    "absurd_work": "a request for more work than the engine bounds (refused up front, before any of it)",
    "nothing_lost": "hostile nights: before each load a copy of the saved bytes cut short (refused as corrupt), "
                    "before each push the night with its last row before 1970 (refused whole); the result of the "
                    "good nights alone",
}

FACE_SPECIFIC = [
    {"class": "null_pointer", "face": "c", "test": "tests/c/test_errors.c",
     "what": "NULL for every pointer argument of every entry point (status NULL_POINTER naming the argument)"},
    {"class": "zero_length_null", "face": "c", "test": "tests/c/test_errors.c",
     "what": "NULL with length 0 is an empty column, not an error"},
    {"class": "too_small_buffer", "face": "c", "test": "tests/c/test_errors.c",
     "what": "output buffers shorter than the result: BUFFER_TOO_SMALL with the needed size"},
    {"class": "absurd_length", "face": "c", "test": "tests/c/test_errors.c",
     "what": "a length past the row limit or past isize::MAX bytes: INVALID_INPUT before any read"},
    {"class": "invalid_utf8", "face": "c", "test": "tests/c/test_errors.c",
     "what": "invalid UTF-8 in every text argument: INVALID_UTF8"},
    {"class": "malformed_json", "face": "c", "test": "tests/c/test_errors.c",
     "what": "truncated, deeply nested (past depth 128) and oversized (past 64 MiB) JSON: JSON / INVALID_INPUT"},
    {"class": "bad_code", "face": "c", "test": "tests/c/test_errors.c",
     "what": "channel, kind, stage and scale codes out of range, and Cox level and strata codes without a "
             "label: INVALID_INPUT naming the row; a Cox covariate column missing: LENGTH_MISMATCH"},
    {"class": "double_free", "face": "c", "test": "tests/c/test_errors.c",
     "what": "freeing NULL is a no-op; a second free of a handle cannot be detected (documented in the header); "
             "the sanitizer build would catch one in the tests"},
    {"class": "self_merge", "face": "c", "test": "tests/c/test_errors.c",
     "what": "merging a store or partial into itself: INCOMPATIBLE"},
    {"class": "failed_call_keeps_state", "face": "c", "test": "tests/c/test_errors.c",
     "what": "a refused push, then the good push, equals the good push alone (store and triggers)"},
    {"class": "unknown_id", "face": "c", "test": "tests/c/test_errors.c",
     "what": "the profile of a customer the store has never seen: UNKNOWN_ID"},
    {"class": "unknown_id", "face": "python", "test": "tests/python/test_errors.py",
     "what": "the profile of a customer the store has never seen: UnknownIdError"},
    {"class": "wrong_dtype", "face": "python", "test": "tests/python/test_errors.py",
     "what": "float ids, float times, strings for money: TypeError naming the column"},
    {"class": "non_contiguous", "face": "python", "test": "tests/python/test_errors.py",
     "what": "strided and Fortran-order arrays give the result of their contiguous copies"},
    {"class": "pandas_nullable", "face": "python", "test": "tests/python/test_errors.py",
     "what": "pandas nullable Int64/Float64 columns: NA in an id or time is an error, NA rating is no answer"},
    {"class": "pandas_categorical", "face": "python", "test": "tests/python/test_errors.py",
     "what": "categorical channel and kind columns read as their labels"},
    {"class": "empty_frame", "face": "python", "test": "tests/python/test_errors.py",
     "what": "an empty DataFrame gives an empty store, and EmptyInputError where a statistic needs data"},
    {"class": "malformed_json", "face": "python", "test": "tests/python/test_errors.py",
     "what": "deeply nested and oversized JSON definitions: JsonError / InvalidInputError"},
    {"class": "failed_call_keeps_state", "face": "python", "test": "tests/python/test_errors.py",
     "what": "a refused push leaves the store and the trigger engine as before"},
    {"class": "event_labels", "face": "c", "test": "tests/c/test_events.c",
     "what": "NULL and invalid UTF-8 event labels: INVALID_INPUT / INVALID_UTF8 naming the row, the dictionary "
             "unchanged; codes past the dictionary and codes without their dictionary refused"},
    {"class": "event_labels", "face": "python", "test": "tests/python/test_events.py",
     "what": "None, NaN and non-string event labels, and a categorical with a missing value: an error naming "
             "the row, the dictionary unchanged"},
    {"class": "failed_call_keeps_state", "face": "rust", "test": "engagement-core/src/profile/store.rs",
     "what": "a refused push leaves the store as before (unit and property tests)"},
    {"class": "arrow_data", "face": "rust", "test": "engagement-core/src/arrow.rs",
     "what": "Arrow batches with a missing column, a type not taken, nulls where a value is required, negative "
             "ids, unknown labels, an empty dictionary, ratings without a scale: INVALID_INPUT / UNKNOWN_LABEL "
             "naming the column and row"},
    {"class": "arrow_data", "face": "c", "test": "tests/c/test_arrow.c",
     "what": "a hand-built ArrowArray of a type not taken, without a time column, with an unknown label, not of "
             "struct type, NULL pointers; the array moved and released once either way"},
    {"class": "arrow_data", "face": "python", "test": "tests/python/test_arrow.py",
     "what": "pyarrow, polars and DuckDB data with the same faults, objects without the Arrow PyCapsule "
             "interface (TypeError), a plain array instead of a record batch"},
]

TOUCHPOINT_OPS = ["profiles", "scores", "stages", "history", "segments", "loyalty", "funnel", "funnel_by",
                  "journey_sequences", "attribute_touchpoints", "triggers", "store_nightly", "journey_state"]


def golden_cases():
    out = {}
    for path in sorted(root.glob("*.json")):
        if path.stem == "bad_input":
            continue
        d = json.loads(path.read_text())
        for c in d["cases"]:
            out[f"{d['area']}/{c['name']}"] = c
    return out


CASES = golden_cases()
BASE = {
    "profiles": "engagement/profile_fields",
    "scores": "engagement/score_contextual_one_half_life",
    "stages": "journey/stages_default_rules",
    "history": "journey/history_time_driven_changes",
    "segments": "segmentation/segments_rules",
    "loyalty": "segmentation/loyalty_points_redemptions_tiers",
    "funnel": "funnels/loose_three_steps",
    "funnel_by": "funnels/loose_three_steps_by_given_groups",
    "journey_sequences": "transitions/channel_sequences",
    "attribute_touchpoints": "attribution/touchpoints_first_touch",
    "triggers": "triggers/every_rule_in_chunks",
    "store_nightly": "persist/store_profile_fields_in_three_days",
    "journey_state": "persist/journeys_loyalty_in_three_nights",
    "nps": "metrics/nps_basic",
    "csat": "metrics/csat_basic",
    "wilson": "metrics/conversion_wilson",
    "retention": "metrics/retention_counts",
    "simple_clv": "metrics/simple_clv_discounted",
    "retention_clv": "metrics/retention_clv_gupta_lehmann",
    "percentile_ranks": "metrics/percentile_ranks_ties",
    "clv_parameter_intervals": "clv/bg_nbd_cdnow_parameter_intervals_95",
    "transaction_summary": "segmentation/transaction_summary_daily",
    "calibration_holdout": "segmentation/calibration_holdout",
    "rfm": "segmentation/rfm_quintiles_and_segments",
    "actions": "segmentation/next_best_action_default_table",
    "clv_fit": "clv/bg_nbd_fit_small",
    "clv_predict": "clv/bg_nbd_p_alive_cdnow",
    "clv_fit_retention": "clv/sbg_fit_regular_cohort",
    "clv_matrix": "clv/bg_nbd_p_alive_matrix",
    "clv_period_transactions": "clv/bg_nbd_period_transactions",
    "clv_calibration_holdout": "clv/bg_nbd_calibration_holdout",
    "clv_p_alive_history": "clv/bg_nbd_p_alive_history",
    "conversion_test": "experiments/conversion_2000_each",
    "bayesian_conversion_test": "experiments/bayesian_uniform_prior",
    "welch_test": "experiments/welch_revenue",
    "readout": "readout/revenue_fixed_horizon",
    "readout_sums": "readout/conversion_sums",
    "srm_test": "readout/srm_planned_three",
    "adjust_p_values": "readout/adjust_holm",
    "rmst": "rmst/rmst_ties_and_censoring",
    "rmst_difference": "rmst/rmst_difference_tau_10",
    "cox": "cox/cox_customers_categorical_efron",
    "experiment_readout": "experiment/three_arms_five_metrics",
    "sample_size_two_proportions": "experiments/sample_size_10_to_12_percent",
    "power_two_proportions": "experiments/power_1000_per_group",
    "attribute": "attribution/first_touch",
    "kaplan_meier": "survival/kaplan_meier_ties_and_censoring",
    "logrank_test": "survival/logrank_two_cohorts",
    "stage_transitions": "transitions/stage_transitions",
    "cohorts": "cohorts/monthly_cohorts",
    "partial_bytes": "partials/binary_form_version_1",
    "paths": "paths/paths_event_log",
    "event_funnel": "paths/event_funnel_customers",
    "sessions": "paths/sessions_gap",
    "attribute_events": "paths/attribute_by_event_last_touch",
    "retention_events": "retention/week_recurring_value_brackets",
    "lifecycle_events": "retention/lifecycle_daily_opens",
    "stickiness_events": "retention/stickiness_weekly_any",
}

rows = []


def get(obj, path):
    for k in path:
        obj = obj[k]
    return obj


def row(cls, op, change, expect, what, config=None, base=None):
    """One matrix row: `change(input)` edits a copy of the base input (the op's, or case `base`);
    `expect` is an error kind or "same"."""
    base_id = base or BASE[op]
    base = CASES[base_id]
    inp = copy.deepcopy(base["input"])
    change(inp)
    case = {"name": f"{cls}/{op}/{what}", "op": op, "class": cls, "input": inp}
    cfg = copy.deepcopy(base.get("config"))
    if config is not None:
        cfg = config(cfg)
    if cfg is not None:
        case["config"] = cfg
    if expect == "same":
        case["expected"] = base["expected"]
        case["tolerance"] = base["tolerance"]
        source = f"the result of {base_id}: this class must not change it"
    else:
        case["expected"] = {"error": expect}
        case["tolerance"] = 0
        source = f"{base_id} with {CLASSES[cls]}: the specification's error kind"
    case["source"] = source
    rows.append(case)


def put(path, value, at=0):
    def change(inp):
        get(inp, path)[at] = value
    return change


def setkey(path, key, value):
    def change(inp):
        get(inp, path)[key] = value
    return change


def column(path, fill, keep=False):
    """Adds (or, unless `keep`, replaces) a whole column, as long as the first column of the table."""
    def change(inp):
        t = get(inp, path)
        n = len(next(iter(t.values())))
        if not (keep and fill[0] in t):
            t[fill[0]] = [fill[1]] * n
    return change


def drop_last(path):
    def change(inp):
        get(inp, path[:-1])[path[-1]] = get(inp, path)[:-1]
    return change


def empty_table(path):
    def change(inp):
        t = get(inp, path)
        for k in t:
            if isinstance(t[k], list):
                t[k] = []
    return change


def both(*changes):
    def change(inp):
        for c in changes:
            c(inp)
    return change


def reverse_rows(path):
    """Latest first; rows of one customer at the same time keep their order (the documented tie rule)."""
    def change(inp):
        t = get(inp, path)
        order = sorted(range(len(t["time"])), key=lambda i: -t["time"][i])
        for k in t:
            if isinstance(t[k], list):
                t[k] = [t[k][i] for i in order]
    return change


def shift_ids(*paths):
    def change(inp):
        for p in paths:
            t = get(inp, p)
            t["customer"] = [c + HUGE for c in t["customer"]]
    return change


TP = ("touchpoints",)

# Touchpoint columns: the same checks wherever touchpoints enter the engine.
# The journey analyses read neither value nor rating (the C face does not take them), attribution by
# touchpoints reads value only.
READS_VALUE = [op for op in TOUCHPOINT_OPS if op not in ("funnel", "funnel_by", "journey_sequences")]
READS_RATING = [op for op in READS_VALUE if op != "attribute_touchpoints"]
for op in TOUCHPOINT_OPS:
    with_value = column(TP, ("value", 0.0)) if "value" not in CASES[BASE[op]]["input"]["touchpoints"] else (lambda i: None)
    for cls, v in [("nan", "NaN"), ("pos_inf", "inf"), ("neg_inf", "-inf"), ("negative_money", -1.0),
                   ("absurd_money", 1e13)]:
        if op in READS_VALUE:
            row(cls, op, both(with_value, put(TP + ("value",), v)), "invalid_input", "value")
    row("time_before_1970", op, put(TP + ("time",), -1), "invalid_input", "time")
    row("time_far_future", op, put(TP + ("time",), MAX_TIME + 1), "invalid_input", "time")
    row("mismatched_length", op, drop_last(TP + ("time",)), "length_mismatch", "time")
    row("unknown_label", op, put(TP + ("channel",), "fax"), "unknown_label", "channel")
    if op not in READS_RATING:
        continue
    row("rating_out_of_scale", op,
        both(column(TP, ("rating", None)), column(TP, ("rating_scale", "nps")), put(TP + ("rating",), 11)),
        "invalid_input", "nps_11")
    row("rating_out_of_scale", op,
        both(column(TP, ("rating", None)), column(TP, ("rating_scale", "csat")), put(TP + ("rating",), 3.5)),
        "invalid_input", "csat_3_5")
    row("rating_without_scale", op,
        both(column(TP, ("rating", None)), put(TP + ("rating",), 9), lambda i: get(i, TP).pop("rating_scale", None)),
        "invalid_input", "rating_scale")
    if "rating" not in CASES[BASE[op]]["input"]["touchpoints"]:
        row("missing_rating", op,
            both(column(TP, ("rating", None)), lambda i: get(i, TP).pop("rating_scale", None)), "same",
            "null_ratings_without_scales")
    row("missing_rating", op,
        both(column(TP, ("rating", None), keep=True), column(TP, ("rating_scale", "nps"), keep=True)), "same",
        "null_ratings")

# Order and ids do not change what the engine computes.
for op in ["profiles", "scores", "stages", "history", "segments", "funnel", "funnel_by", "journey_sequences",
           "attribute_touchpoints", "store_nightly", "journey_state"]:
    row("unsorted", op, reverse_rows(TP), "same", "touchpoints")
for op in ["funnel", "journey_sequences", "attribute_touchpoints"]:
    row("huge_id", op, shift_ids(TP), "same", "customer")
row("huge_id", "funnel_by", shift_ids(TP, ("groups",)), "same", "customer")
row("late", "triggers", put(TP + ("time",), 0, at=-1), "invalid_input", "last_chunk_before_first")
row("huge_id", "journey_state", shift_ids(TP), "same", "customer", base="persist/journeys_funnel_loose_in_four_nights")
row("late", "journey_state", setkey((), "again", True), "invalid_input", "last_night_pushed_twice")

# A product's own event logs (paths, event funnels, sessions): times, lengths, order, ids, settings.
EV = ("events",)
for op in ["paths", "event_funnel", "sessions", "attribute_events", "retention_events", "lifecycle_events",
           "stickiness_events"]:
    row("time_before_1970", op, put(EV + ("time",), -1), "invalid_input", "time")
    row("time_far_future", op, put(EV + ("time",), MAX_TIME + 1), "invalid_input", "time")
    row("mismatched_length", op, drop_last(EV + ("time",)), "length_mismatch", "time")
row("mismatched_length", "attribute_events", drop_last(EV + ("value",)), "length_mismatch", "value")
row("mismatched_length", "attribute_events", drop_last(EV + ("campaign",)), "length_mismatch", "campaign")
row("bad_config", "attribute_events", lambda i: None, "config", "zero_lookback",
    config=lambda c: {**c, "paths": {**c["paths"], "lookback": 0}})
row("mismatched_length", "retention_events", drop_last(EV + ("value",)), "length_mismatch", "value")
row("negative_money", "retention_events", put(EV + ("value",), -1.0), "invalid_input", "value")
row("nan", "retention_events", put(EV + ("value",), "NaN"), "invalid_input", "value")
row("bad_config", "retention_events", lambda i: None, "config", "zero_periods",
    config=lambda c: {**{k: v for k, v in c.items() if k != "brackets"}, "periods": 0})
row("bad_config", "retention_events", lambda i: None, "config", "overlapping_brackets",
    config=lambda c: {**c, "brackets": [[1, 3], [3, 5]]})
row("bad_config", "retention_events", lambda i: None, "config", "zero_min_occurrences",
    config=lambda c: {**c, "min_occurrences": 0})
row("bad_config", "retention_events", lambda i: None, "config", "unclosed_regex",
    config=lambda c: {**c, "return": {"event_regex": "("}})
row("unknown_field", "retention_events", lambda i: None, "json", "setting_misspelt",
    config=lambda c: {**c, "windowz": "rolling"})
row("unknown_label", "retention_events", lambda i: None, "json", "period_fortnight",
    config=lambda c: {**c, "period": "fortnight"})
row("time_far_future", "retention_events", lambda i: None, "config", "as_of",
    config=lambda c: {**c, "as_of": MAX_TIME + 1})
row("bad_config", "lifecycle_events", lambda i: None, "config", "offset_not_quarter_hours",
    config=lambda c: {**c, "utc_offset": 100})
row("unknown_label", "lifecycle_events", lambda i: None, "json", "period_fortnight",
    config=lambda c: {**c, "period": "fortnight"})
row("unknown_field", "stickiness_events", lambda i: None, "json", "setting_misspelt",
    config=lambda c: {**(c or {}), "activty": {}})
for op in ["paths", "event_funnel", "attribute_events", "retention_events", "lifecycle_events", "stickiness_events"]:
    row("empty", op, empty_table(EV), "empty_input", "events")
    row("mismatched_length", op, drop_last(EV + ("event",)), "length_mismatch", "event")
    row("unsorted", op, reverse_rows(EV), "same", "events")
    row("huge_id", op, shift_ids(EV), "same", "customer")
row("bad_config", "paths", lambda i: None, "config", "zero_steps", config=lambda c: {**c, "steps": 0})
row("unknown_field", "paths", lambda i: None, "json", "setting_misspelt",
    config=lambda c: {**{k: v for k, v in c.items() if k != "steps"}, "stepz": 4})
row("bad_config", "sessions", lambda i: None, "config", "zero_gap", config=lambda c: {**c, "gap": 0})
# Triggers fed event labels and campaign ids beside the touchpoints.
TE = "triggers/product_events_in_chunks"
one_batch = lambda i: i.pop("chunks")  # noqa: E731 (the engine, not the runner, sees the lengths)
row("mismatched_length", "triggers", both(drop_last(("event",)), one_batch), "length_mismatch", "event", base=TE)
row("mismatched_length", "triggers", both(drop_last(("campaign",)), one_batch), "length_mismatch", "campaign",
    base=TE)
row("time_before_1970", "triggers", put(("touchpoints", "time"), -1), "invalid_input", "event_log_time", base=TE)
row("bad_config", "triggers", lambda i: None, "config", "empty_matcher", base=TE,
    config=lambda c: {**c, "rules": c["rules"][:-1] + [{**c["rules"][-1], "when": {"type": "event", "on": {}}}]})
row("bad_config", "triggers", lambda i: None, "config", "unclosed_regex", base=TE,
    config=lambda c: {**c, "rules": [{**c["rules"][1], "when": {**c["rules"][1]["when"],
                                                                  "complete": {"event_regex": "("}}}]})
row("bad_config", "event_funnel", lambda i: None, "config", "no_steps", config=lambda c: {**c, "steps": []})
row("bad_config", "event_funnel", lambda i: None, "config", "unclosed_regex",
    config=lambda c: {**c, "steps": c["steps"][:-1] + [{"name": "pay", "event_regex": "payment_("}]})
row("bad_config", "event_funnel", lambda i: None, "config", "exclusion_backwards",
    config=lambda c: {**c, "exclusions": [{"name": "refund", "events": ["refund"], "between": [1, 0]}]})
row("bad_config", "event_funnel", lambda i: None, "config", "exclusion_past_the_steps",
    config=lambda c: {**c, "exclusions": [{"name": "refund", "events": ["refund"], "between": [0, 9]}]})
row("bad_config", "event_funnel", lambda i: None, "config", "exclusion_in_strict_order",
    config=lambda c: {**c, "order": "strict",
                      "exclusions": [{"name": "refund", "events": ["refund"], "between": [0, 1]}]})
row("bad_config", "event_funnel", lambda i: None, "config", "step_within_not_positive",
    config=lambda c: {**c, "steps": c["steps"][:1] + [{**c["steps"][1], "within": 0}] + c["steps"][2:]})
row("bad_config", "event_funnel", lambda i: None, "config", "time_bins_zero", config=lambda c: {**c, "time_bins": 0})
row("unknown_field", "event_funnel", lambda i: None, "json", "hold_constant_unknown",
    config=lambda c: {**c, "hold_constant": "page"})
row("unknown_field", "event_funnel", lambda i: None, "json", "exclusion_key_misspelt",
    config=lambda c: {**c, "exclusions": [{"name": "refund", "eventz": ["refund"], "between": [0, 1]}]})
row("duplicated", "funnel_by", lambda i: i["groups"]["customer"].__setitem__(1, i["groups"]["customer"][0]),
    "invalid_input", "group_customer")
row("as_of_before_data", "scores", setkey((), "as_of", -5), "as_of_before_data", "as_of")
row("as_of_before_data", "stages", setkey((), "as_of", 0), "as_of_before_data", "as_of")
row("unknown_field", "funnel", lambda i: None, "json", "step_key_misspelt",
    config=lambda c: {**c, "steps": [{("kindz" if k == "kinds" else k): v for k, v in c["steps"][0].items()}]
                      + c["steps"][1:]})
row("bad_config", "funnel", lambda i: None, "config", "no_steps", config=lambda c: {**c, "steps": []})
row("unknown_field", "segments", lambda i: i["definition"].__setitem__("segmentz", i["definition"].pop("segments")),
    "config", "definition")
row("bad_config", "triggers", lambda i: None, "config", "negative_wait",
    config=lambda c: {**c, "rules": [{**c["rules"][0], "delay": -1}]})

# Metrics and simple formulas.
row("rating_out_of_scale", "nps", put(("ratings",), 11), "invalid_input", "eleven")
row("rating_out_of_scale", "nps", put(("ratings",), 7.5), "invalid_input", "half_point")
row("nan", "nps", put(("ratings",), "NaN"), "invalid_input", "rating")
row("empty", "nps", setkey((), "ratings", []), "empty_input", "ratings")
row("out_of_range", "nps", setkey((), "level", 1.5), "config", "level")
row("nan", "nps", setkey((), "level", "NaN"), "config", "level")
row("rating_out_of_scale", "csat", put(("ratings",), 6), "invalid_input", "six")
row("rating_out_of_scale", "csat", put(("ratings",), 0), "invalid_input", "zero")
row("empty", "csat", setkey((), "ratings", []), "empty_input", "ratings")
row("inconsistent", "wilson", setkey((), "successes", 1001), "invalid_input", "successes_above_trials")
row("empty", "wilson", both(setkey((), "successes", 0), setkey((), "trials", 0)), "empty_input", "no_trials")
row("out_of_range", "wilson", setkey((), "level", 0), "config", "level")
row("inconsistent", "retention", setkey((), "at_end", 231), "invalid_input", "more_at_end_than_possible")
row("empty", "retention", setkey((), "at_start", 0), "empty_input", "no_customers")
row("negative_money", "simple_clv", setkey((), "average_order_value", -50.0), "config", "order_value")
row("out_of_range", "simple_clv", setkey((), "margin", 1.5), "config", "margin")
row("out_of_range", "retention_clv", setkey((), "retention", 1.5), "config", "retention")
row("pos_inf", "retention_clv", setkey((), "margin", "inf"), "config", "margin")
row("nan", "percentile_ranks", put(("values",), "NaN"), "invalid_input", "value")
row("out_of_range", "clv_parameter_intervals", setkey((), "level", 1.0), "config", "level")
row("nan", "clv_parameter_intervals", put(("standard_errors",), "NaN"), "invalid_input", "standard_errors")
row("negative_count", "clv_parameter_intervals", put(("standard_errors",), -0.1), "invalid_input", "standard_errors")
row("out_of_range", "clv_parameter_intervals", put(("params",), 0.0), "invalid_input", "params_zero")
row("mismatched_length", "clv_parameter_intervals", drop_last(("standard_errors",)), "length_mismatch",
    "standard_errors")

# Transactions.
for op in ["transaction_summary", "calibration_holdout", "cohorts"]:
    row("nan", op, put(("value",), "NaN"), "invalid_input", "value")
    row("neg_inf", op, put(("value",), "-inf"), "invalid_input", "value")
    row("negative_money", op, put(("value",), -3.0), "invalid_input", "value")
    row("absurd_money", op, put(("value",), 2e12), "invalid_input", "value")
    row("time_before_1970", op, put(("time",), -86400), "invalid_input", "time")
    row("time_far_future", op, put(("time",), MAX_TIME + 1), "invalid_input", "time")
    row("mismatched_length", op, drop_last(("value",)), "length_mismatch", "value")
    row("unsorted", op, lambda i: [i.__setitem__(k, i[k][::-1]) for k in ("customer", "time", "value")], "same",
        "rows")
row("inconsistent", "calibration_holdout", lambda i: i.__setitem__("calibration_end", i["observation_end"] + 1),
    "config", "calibration_after_observation")
row("as_of_before_data", "cohorts", setkey((), "as_of", 0), "empty_input", "as_of_before_every_row")
row("empty", "transaction_summary", lambda i: [i.__setitem__(k, []) for k in ("customer", "time", "value")],
    "empty_input", "rows")

# RFM and actions: one row per customer.
row("duplicated", "rfm", lambda i: i["customer"].__setitem__(1, i["customer"][0]), "invalid_input", "customer")
row("mismatched_length", "rfm", drop_last(("monetary",)), "length_mismatch", "monetary")
row("pos_inf", "rfm", put(("monetary",), "inf"), "invalid_input", "monetary")
row("negative_count", "rfm", put(("frequency",), -1), "invalid_input", "frequency")
row("duplicated", "actions", lambda i: i["customer"].__setitem__(1, i["customer"][0]), "invalid_input", "customer")
row("unknown_label", "actions", put(("stage",), "vip"), "unknown_label", "stage")
row("mismatched_length", "actions", drop_last(("stage",)), "length_mismatch", "stage")

# Purchase models.
for op in ["clv_fit", "clv_predict", "clv_period_transactions", "clv_calibration_holdout"]:
    row("nan", op, put(("frequency",), "NaN"), "invalid_input", "frequency")
    row("pos_inf", op, put(("T",), "inf"), "invalid_input", "T")
    row("negative_count", op, put(("frequency",), -1.0), "invalid_input", "frequency")
    row("inconsistent", op, lambda i: i["recency"].__setitem__(0, i["T"][0] + 1), "invalid_input",
        "recency_above_T")
    row("mismatched_length", op, drop_last(("recency",)), "length_mismatch", "recency")
row("empty", "clv_fit", lambda i: [i.__setitem__(k, []) for k in ("frequency", "recency", "T")], "empty_input",
    "rows")
row("unknown_label", "clv_fit", setkey((), "model", "bg_nbdx"), "unknown_label", "model")
row("negative_count", "clv_fit", lambda i: i.__setitem__("weights", [-1.0] + [1.0] * (len(i["frequency"]) - 1)),
    "invalid_input", "weights")
row("nan", "clv_fit", lambda i: i.__setitem__("weights", ["NaN"] + [1.0] * (len(i["frequency"]) - 1)),
    "invalid_input", "weights")
row("bad_config", "clv_predict", lambda i: i["model"].__setitem__("r", -0.2), "config", "negative_r")
row("unknown_field", "clv_predict", lambda i: i["model"].__setitem__("rr", i["model"].pop("r")), "json", "model")
row("unknown_label", "clv_predict", lambda i: i["model"].__setitem__("model", "pareto"), "json", "model_name")
row("negative_count", "clv_matrix", setkey((), "T", -3.0), "invalid_input", "T")
row("nan", "clv_matrix", setkey((), "T", "NaN"), "invalid_input", "T")
# A BG/BB grid over a million opportunities sums ~10^12 terms: refused before the first one.
row("absurd_work", "clv_matrix", lambda i: i.update(
    model={"model": "bg_bb", "alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783},
    max_frequency=4, T=1e6), "config", "bg_bb_grid_terms")
# Every other request whose work a caller sets, one past its documented bound (limits module).
row("absurd_work", "clv_matrix", lambda i: i.update(max_frequency=99, T=1e6), "config", "grid_cells")
row("absurd_work", "paths", lambda i: None, "config", "steps_past_1000", config=lambda c: {**c, "steps": 1001})
row("absurd_work", "journey_sequences", lambda i: None, "config", "top_paths_past_1000",
    config=lambda c: {**c, "top_paths": 1001})
row("absurd_work", "cohorts", lambda i: None, "config", "max_periods_past_1000",
    config=lambda c: {**c, "max_periods": 1001})
row("absurd_work", "attribute", lambda i: None, "config", "markov_order_past_4",
    config=lambda c: {"rule": "markov", "order": 5})
row("absurd_work", "attribute", lambda i: i.update(paths=[" > ".join(f"c{k}" for k in range(16))],
    conversions=[1.0], value=[1.0], nulls=[0.0]), "config", "shapley_past_15_channels",
    config=lambda c: {"rule": "shapley"})
row("absurd_work", "clv_period_transactions", setkey((), "max_frequency", 1001), "config", "max_frequency_past_1000")
row("absurd_work", "clv_predict", lambda i: None, "config", "discounted_periods_past_10000",
    config=lambda c: {**c, "periods": 10001}, base="clv/bg_nbd_discounted_value")
row("absurd_work", "funnel", lambda i: None, "config", "time_bins_past_1000",
    config=lambda c: {**c, "time_bins": 1001})
row("absurd_work", "event_funnel", lambda i: None, "config", "time_bins_past_1000",
    config=lambda c: {**c, "time_bins": 1001})
row("absurd_work", "retention_events", lambda i: None, "config", "periods_past_1000",
    config=lambda c: {k: v for k, v in c.items() if k != "brackets"} | {"periods": 1001})
# Tables of more than 2·10⁶ cells: 2001 daily cohorts × 1000 periods, refused before counting.
DAYS = 2001


def daily_entries(inp):
    t0 = 1_600_000_000
    inp.update(customer=list(range(1, DAYS + 1)), time=[t0 + 86_400 * d for d in range(DAYS)],
               value=[1.0] * DAYS, as_of=t0 + 86_400 * DAYS)


def daily_signups(inp):
    t0 = 1_600_000_000
    inp["events"] = {"customer": list(range(1, DAYS + 1)), "time": [t0 + 86_400 * d for d in range(DAYS)],
                     "event": ["signup"] * DAYS, "value": [0.0] * DAYS}


row("absurd_work", "cohorts", daily_entries, "config", "daily_cohorts_times_1000_periods",
    config=lambda c: {"period": "day", "max_periods": 1000})
row("absurd_work", "retention_events", daily_signups, "config", "daily_cohorts_times_1000_brackets",
    config=lambda c: {"start": {"events": ["signup"]}, "period": "day", "periods": 1000})
row("inconsistent", "clv_fit_retention", lambda i: i["alive"].__setitem__(2, i["alive"][1] + 1), "invalid_input",
    "survivors_grow")
row("empty", "clv_fit_retention", setkey((), "alive", []), "empty_input", "alive")
row("nan", "clv_p_alive_history", put(("at",), "NaN"), "invalid_input", "at")
row("negative_count", "clv_p_alive_history", put(("purchases",), -1.0), "invalid_input", "purchases")
row("unsorted", "clv_p_alive_history", lambda i: i.__setitem__("purchases", i["purchases"][::-1]),
    "invalid_input", "purchases")
row("negative_count", "clv_calibration_holdout", put(("holdout",), -1.0), "invalid_input", "holdout")

# Experiments.
for op in ["conversion_test", "bayesian_conversion_test"]:
    row("inconsistent", op, lambda i: i["control"].__setitem__("successes", i["control"]["trials"] + 1),
        "invalid_input", "successes_above_trials")
    row("empty", op, lambda i: i["treatment"].update(successes=0, trials=0), "empty_input", "no_trials")
row("out_of_range", "conversion_test", setkey((), "level", 1.0), "config", "level")
row("bad_config", "bayesian_conversion_test", lambda i: None, "config", "prior",
    config=lambda c: {**(c or {}), "alpha": -1.0})
row("out_of_range", "bayesian_conversion_test", lambda i: None, "config", "prior_below_its_floor",
    config=lambda c: {**(c or {}), "alpha": 1e-30, "beta": 1e-30})
row("nan", "welch_test", put(("control",), "NaN"), "invalid_input", "control")
row("pos_inf", "welch_test", put(("treatment",), "inf"), "invalid_input", "treatment")
row("empty", "welch_test", setkey((), "control", [1.0]), "empty_input", "one_value")
row("out_of_range", "sample_size_two_proportions", setkey((), "baseline", 1.5), "config", "baseline")
row("out_of_range", "sample_size_two_proportions", setkey((), "power", 1.0), "config", "power")
row("nan", "sample_size_two_proportions", setkey((), "alpha", "NaN"), "config", "alpha")
row("negative_count", "power_two_proportions", setkey((), "n_per_group", -10.0), "config", "n_per_group")
row("out_of_range", "power_two_proportions", setkey((), "minimum_detectable_effect", 0.95), "config",
    "effect_past_one")

# Experiment readouts, the sample-ratio check, p-value corrections.
def few_units(inp):
    inp.update(arm=[0, 0, 1], values=[1.0, 2.0, 3.0])


def cfg(**fields):
    return lambda c: {**(c or {}), **fields}


row("nan", "readout", put(("values",), "NaN", 3), "invalid_input", "values")
row("pos_inf", "readout", put(("values",), "inf", 100), "invalid_input", "values")
row("mismatched_length", "readout", drop_last(("values",)), "length_mismatch", "values")
row("inconsistent", "readout", few_units, "invalid_input", "one_unit_in_an_arm")
row("empty", "readout", lambda i: i.update(arm=[0] * len(i["arm"])), "empty_input", "arm_without_units")
row("duplicated", "readout", lambda i: i.update(arm_names=["control", "control"]), "invalid_input", "arm_name")
row("inconsistent", "readout_sums", lambda i: i["arms"][0].update(main_sum_squares=150), "invalid_input",
    "proportion_squares_not_its_sum")
row("inconsistent", "readout", put(("values",), 2.0), "invalid_input", "proportion_of_two",
    base="readout/conversion")
row("inconsistent", "readout", lambda i: None, "invalid_input", "ratio_without_denominators",
    config=cfg(kind="ratio"))
row("inconsistent", "readout", lambda i: i.pop("pre_denominators"), "invalid_input",
    "ratio_cuped_without_pre_denominators", base="readout/revenue_per_session_cuped")
row("unknown_label", "readout", lambda i: None, "unknown_label", "control", config=cfg(control="holdout"))
row("out_of_range", "readout", lambda i: None, "config", "level", config=cfg(level=1.0))
row("bad_config", "readout", lambda i: None, "config", "sequential_tuning", config=cfg(sequential_tuning=0.0))
row("bad_config", "readout", lambda i: None, "config", "prior_variance",
    config=cfg(prior={"mean": 0.0, "variance": 0.0}))
row("bad_config", "readout", lambda i: None, "config", "weights_per_arm", config=cfg(weights=[1.0]))
row("bad_config", "readout", lambda i: None, "json", "correction", config=cfg(correction="fdr"))


def reverse_units(inp):
    order = list(range(len(inp["arm"])))[::-1]
    for k in ("arm", "values", "denominators", "pre_values", "pre_denominators"):
        if k in inp:
            inp[k] = [inp[k][i] for i in order]


row("unsorted", "readout", reverse_units, "same", "units_reversed")
row("unsorted", "readout", reverse_units, "same", "units_reversed_ratio_cuped",
    base="readout/revenue_per_session_cuped")
row("inconsistent", "readout_sums", lambda i: i["arms"][1].update(main_sum=2001, main_sum_squares=2001),
    "invalid_input", "converted_above_count")
row("duplicated", "readout_sums", lambda i: i["arms"][1].update(name="control"), "invalid_input", "arm_name")
row("inconsistent", "readout_sums", lambda i: i["arms"][1].update(denominator_sum=1.0), "invalid_input",
    "denominator_in_one_arm")
row("empty", "readout_sums", lambda i: i["arms"].pop(), "invalid_input", "one_arm")
row("empty", "srm_test", setkey((), "counts", [0, 0, 0]), "empty_input", "no_units")
row("mismatched_length", "srm_test", drop_last(("weights",)), "length_mismatch", "weights")
row("negative_count", "srm_test", put(("weights",), -1.0), "invalid_input", "weight")
row("nan", "srm_test", put(("weights",), "NaN", 2), "invalid_input", "weight")
row("out_of_range", "adjust_p_values", put(("p_values",), 1.5), "invalid_input", "p_value")
row("nan", "adjust_p_values", put(("p_values",), "NaN", 1), "invalid_input", "p_value")
row("empty", "adjust_p_values", setkey((), "p_values", []), "empty_input", "p_values")
row("unknown_label", "adjust_p_values", lambda i: None, "unknown_label", "correction",
    config=cfg(correction="fdr"))

# Restricted mean survival time.
row("nan", "rmst", put(("duration",), "NaN", 2), "invalid_input", "duration")
row("negative_count", "rmst", put(("duration",), -1.0), "invalid_input", "duration")
row("mismatched_length", "rmst", drop_last(("observed",)), "length_mismatch", "observed")
row("empty", "rmst", both(setkey((), "duration", []), setkey((), "observed", [])), "empty_input", "rows")
row("out_of_range", "rmst", setkey((), "tau", 12.5), "invalid_input", "tau_past_follow_up")
row("bad_config", "rmst", setkey((), "tau", 0.0), "config", "tau")
row("out_of_range", "rmst", setkey((), "level", 1.0), "config", "level")


def reverse_survival(*pairs):
    def change(inp):
        for d, o in pairs:
            inp[d], inp[o] = inp[d][::-1], inp[o][::-1]
    return change


row("unsorted", "rmst", reverse_survival(("duration", "observed")), "same", "rows_reversed")

def permute_cox_rows(inp):
    """Rows after the predicted ones in reverse order (the predictions read the first rows)."""
    k = inp["predict_rows"]

    def rev(col):
        return col[:k] + col[k:][::-1]
    inp["duration"], inp["observed"] = rev(inp["duration"]), rev(inp["observed"])
    inp["numeric"] = [rev(c) for c in inp["numeric"]]
    inp["categorical"] = [rev(c) for c in inp["categorical"]]


def cox_empty(inp):
    for k in ("duration", "observed"):
        inp[k] = []
    inp["numeric"] = [[] for _ in inp["numeric"]]
    inp["categorical"] = [[] for _ in inp["categorical"]]
    inp["predict_rows"] = 0


row("nan", "cox", put(("duration",), "NaN", 3), "invalid_input", "duration")
row("negative_count", "cox", put(("duration",), -1.0, 3), "invalid_input", "duration")
row("pos_inf", "cox", put(("numeric", 0), "inf", 3), "invalid_input", "score")
row("neg_inf", "cox", put(("numeric", 0), "-inf", 3), "invalid_input", "score")
row("mismatched_length", "cox", drop_last(("observed",)), "length_mismatch", "observed")
row("mismatched_length", "cox", drop_last(("numeric", 0)), "length_mismatch", "score")
row("mismatched_length", "cox", drop_last(("categorical", 0)), "length_mismatch", "channel")
row("empty", "cox", cox_empty, "empty_input", "rows")
row("empty", "cox", setkey((), "observed", [False] * 240), "empty_input", "no_event")
row("bad_config", "cox", setkey(("numeric",), 0, [50.0] * 240), "config", "constant_score")
row("bad_config", "cox", lambda inp: None, "config", "level", config=lambda c: dict(c, level=1.5))
row("unknown_label", "cox", setkey(("columns", "categorical", 0), "reference", "fax"), "unknown_label", "reference")
row("unsorted", "cox", permute_cox_rows, "same", "rows_reversed")

row("pos_inf", "rmst_difference", put(("duration_b",), "inf"), "invalid_input", "duration_b")
row("mismatched_length", "rmst_difference", drop_last(("observed_a",)), "length_mismatch", "observed_a")
row("out_of_range", "rmst_difference", setkey((), "tau", 12.5), "invalid_input", "tau_past_a_group")
row("unsorted", "rmst_difference", reverse_survival(("duration_a", "observed_a"), ("duration_b", "observed_b")),
    "same", "rows_reversed")

# Experiments read out from touchpoints.
row("duplicated", "experiment_readout", lambda i: i["assignment"]["customer"].__setitem__(1, i["assignment"]["customer"][0]),
    "invalid_input", "customer_assigned_twice")
row("mismatched_length", "experiment_readout", drop_last(("assignment", "exposed_at")), "length_mismatch",
    "exposed_at")
row("time_before_1970", "experiment_readout", put(("assignment", "exposed_at"), -1), "invalid_input", "exposed_at")
row("bad_config", "experiment_readout", lambda i: None, "config", "no_metrics", config=lambda c: {**c, "metrics": []})
row("absurd_work", "experiment_readout", lambda i: None, "config", "metrics_past_1000",
    config=lambda c: {**c, "metrics": [{**c["metrics"][0], "name": f"m{j}"} for j in range(1001)]})
row("bad_config", "experiment_readout", lambda i: None, "config", "window",
    config=lambda c: {**c, "metrics": [{**c["metrics"][0], "window": 0}]})
row("bad_config", "experiment_readout", lambda i: None, "config", "session_gap",
    config=lambda c: {**c, "metrics": [{"name": "s", "measure": {"type": "sessions", "gap": 0}}]})
row("unsorted", "experiment_readout", reverse_rows(("events",)), "same", "touchpoints_reversed")


def reverse_assignment(inp):
    a = inp["assignment"]
    for k in a:
        a[k] = a[k][::-1]


row("unsorted", "experiment_readout", reverse_assignment, "same", "assignment_reversed")
row("huge_id", "experiment_readout", shift_ids(("events",), ("assignment",)), "same", "ids_near_2_63")

# Attribution paths, survival, transitions.
row("mismatched_length", "attribute", drop_last(("conversions",)), "length_mismatch", "conversions")
row("negative_money", "attribute", put(("value",), -1.0), "invalid_input", "value")
row("negative_count", "kaplan_meier", put(("duration",), -1.0), "invalid_input", "duration")
row("nan", "kaplan_meier", put(("duration",), "NaN"), "invalid_input", "duration")
row("mismatched_length", "kaplan_meier", drop_last(("observed",)), "length_mismatch", "observed")
row("empty", "kaplan_meier", both(setkey((), "duration", []), setkey((), "observed", [])), "empty_input", "rows")
row("out_of_range", "kaplan_meier", setkey((), "level", 0.0), "config", "level")
row("pos_inf", "logrank_test", put(("duration_b",), "inf"), "invalid_input", "duration_b")
row("mismatched_length", "logrank_test", drop_last(("observed_a",)), "length_mismatch", "observed_a")
row("unknown_label", "stage_transitions", put(("stage",), "vip"), "unknown_label", "stage")
row("mismatched_length", "stage_transitions", drop_last(("entered_at",)), "length_mismatch", "entered_at")
row("time_before_1970", "stage_transitions", put(("entered_at",), -1), "invalid_input", "entered_at")

# Partials' binary form.
row("corrupt_bytes", "partial_bytes", setkey((), "hex", ""), "corrupt", "empty")
row("corrupt_bytes", "partial_bytes", lambda i: i.__setitem__("hex", "00" * 40), "corrupt", "zeros")
row("corrupt_bytes", "partial_bytes", lambda i: i.__setitem__("hex", "504b0304" + i["hex"][8:]), "corrupt",
    "wrong_magic")
row("corrupt_bytes", "partial_bytes", lambda i: i.__setitem__("hex", i["hex"][:8] + "0200" + i["hex"][12:]),
    "corrupt", "future_version")

# Saved stores and engines: damaged between days (the base cases load intact bytes).
for what, damage in [("empty", {"truncate": 0}), ("one_byte_short", {"truncate": -1}), ("magic", {"flip": 0}),
                     ("future_version", {"flip": 5}), ("payload", {"flip": 40})]:
    row("corrupt_bytes", "store_nightly", setkey((), "damage", damage), "corrupt", what)
    row("corrupt_bytes", "triggers", setkey((), "damage", damage), "corrupt", f"saved_{what}",
        base="persist/triggers_every_rule_in_chunks_saved")

# Journey states: what they follow, when they are read, their saved bytes.
row("as_of_before_data", "journey_state", lambda i: i["read"]["loyalty"].__setitem__("as_of", 0),
    "as_of_before_data", "read_before_the_last_night")
row("bad_config", "journey_state", lambda i: None, "config", "follows_nothing", config=lambda c: {})
row("bad_config", "journey_state", lambda i: None, "config", "funnel_per_session",
    config=lambda c: {"funnel": {**c["funnel"], "per": "session"}}, base="persist/journeys_funnel_loose_in_four_nights")
row("bad_config", "journey_state", lambda i: None, "config", "paths_by_event",
    config=lambda c: {"paths": {**c["paths"], "by": "event"}}, base="persist/journeys_first_touch_in_three_nights")
row("unknown_field", "journey_state", lambda i: None, "json", "loyalty_key_misspelt",
    config=lambda c: {"loyalty": {"expiry": 30}})
row("unknown_field", "journey_state", lambda i: None, "json", "analysis_misspelt", config=lambda c: {"loyality": {}})
for what, damage in [("empty", {"truncate": 0}), ("magic", {"flip": 0}), ("future_version", {"flip": 5}),
                     ("length", {"flip": 9}), ("payload", {"flip": 40})]:
    row("corrupt_bytes", "journey_state", setkey((), "damage", damage), "corrupt", what)

# Nothing lost: a failed load and a refused push each night, then the good ones, give the good result.
for name, c in CASES.items():
    if name.startswith("persist/") and c["op"] in ("store_nightly", "journey_state") and "damage" not in c["input"]:
        row("nothing_lost", c["op"], setkey((), "hostile", True), "same", name.split("/")[1], base=name)

names = [r["name"] for r in rows]
assert len(names) == len(set(names)), "duplicate row names"
doc = {
    "area": "bad_input",
    "classes": CLASSES,
    "face_specific": FACE_SPECIFIC,
    "cases": rows,
}
text = json.dumps(doc, indent=1) + "\n"
if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if (root / "bad_input.json").read_text() == text else 1)
    (root / "bad_input.json").write_text(text)
    print(f"{len(rows)} rows, {len({r['class'] for r in rows})} classes, {len({r['op'] for r in rows})} operations")
