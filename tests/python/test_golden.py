"""The golden vectors (tests/golden/*.json) through the Python API: the same cases and numbers as the
Rust and C runners. Format: tests/golden/README.md."""

import dataclasses
import json
import math
import pathlib

import numpy as np
import pytest

import engagement

GOLDEN = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden"


TOKENS = {"NaN": math.nan, "inf": math.inf, "-inf": -math.inf}


def floats(value):
    """The README's float tokens ("NaN", "inf", "-inf": numbers JSON cannot write) as floats."""
    if isinstance(value, dict):
        return {k: floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [floats(v) for v in value]
    if isinstance(value, str) and value in TOKENS:
        return TOKENS[value]
    return value


def cases():
    for path in sorted(GOLDEN.glob("*.json")):
        data = json.loads(path.read_text())
        for case in data["cases"]:
            case = {**case, "input": floats(case["input"])}
            yield pytest.param(case, id=f"{data['area']}/{case['name']}")


def plain(value):
    """numpy values and arrays as plain Python, for comparison."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "__dataclass_fields__"):
        return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
    return value


def contained(expected, actual, tol, path="$"):
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object"
        for k, v in expected.items():
            assert k in actual, f"{path}.{k}: missing in result"
            contained(v, actual[k], tol, f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: length differs"
        for i, (e, a) in enumerate(zip(expected, actual)):
            contained(e, a, tol, f"{path}[{i}]")
    elif isinstance(expected, bool) or expected is None or isinstance(expected, str):
        assert expected == actual, f"{path}: expected {expected!r}, found {actual!r}"
    elif isinstance(expected, int) and isinstance(actual, int) and not isinstance(actual, bool):
        assert expected == actual, f"{path}: expected {expected}, found {actual}"
    else:
        assert math.isclose(actual, expected, rel_tol=0, abs_tol=tol), f"{path}: expected {expected}, found {actual}"


def touchpoint_columns(t):
    rating = t.get("rating")
    return dict(
        customer=np.array(t["customer"], dtype=np.uint64),
        time=np.array(t["time"], dtype=np.int64),
        channel=t["channel"],
        kind=t["kind"],
        value=np.array(t["value"], dtype=np.float64) if "value" in t else None,
        rating=None if rating is None else np.array([np.nan if r is None else r for r in rating], dtype=np.float32),
        rating_scale=t.get("rating_scale"),
    )


def check_lengths(t):
    n = len(t["customer"])
    for k, v in t.items():
        if len(v) != n:
            raise engagement.LengthMismatchError(f"column {k} has {len(v)} rows but {n} were expected")


def damaged(saved, inp):
    """Saved bytes as a case's `damage` says: keep `truncate` bytes (negative: drop from the end), or
    invert the byte at `flip`."""
    damage = inp.get("damage")
    if not damage:
        return saved
    out = bytearray(saved)
    if "truncate" in damage:
        out = out[:damage["truncate"]] if damage["truncate"] >= 0 else out[:len(out) + damage["truncate"]]
    if "flip" in damage:
        out[damage["flip"]] ^= 0xFF
    return bytes(out)


def refused(call, kind):
    """A hostile step (input.hostile): `call` must raise the error of `kind`."""
    try:
        call()
    except engagement.EngagementError as e:
        assert type(e) is KIND_OF[kind], f"a hostile step raised {type(e).__name__}, not {kind}: {e}"
        return
    raise AssertionError(f"a hostile step was not refused (expected {kind})")


def last_row_before_1970(columns):
    """The night's columns with its last row's time before 1970."""
    bad = dict(columns)
    bad["time"] = list(columns["time"])
    bad["time"][-1] = -1
    return bad


def run(op, inp, config):
    if op == "journey_state":
        t = inp["touchpoints"]
        check_lengths(t)
        red = inp.get("redemptions", {"customer": [], "time": [], "points": []})
        saved, lo = engagement.JourneyState(config).to_bytes(), -2 ** 63
        for hi in inp["cuts"] + [2 ** 63]:
            data = damaged(saved, inp)
            if inp.get("hostile"):  # a copy cut short is refused; the intact bytes load as before
                refused(lambda: engagement.JourneyState.from_bytes(data[:-1]), "corrupt")
            state = engagement.JourneyState.from_bytes(data)
            rows = [i for i, x in enumerate(t["time"]) if lo <= x < hi]
            reds = [i for i, x in enumerate(red["time"]) if lo <= x < hi]
            night = {k: [v[i] for i in rows] for k, v in t.items()}
            if inp.get("hostile") and rows:  # the night with a row before 1970 is refused whole
                refused(lambda: state.push(**touchpoint_columns(last_row_before_1970(night)),
                                           redemptions={k: [v[i] for i in reds] for k, v in red.items()}),
                        "invalid_input")
            for _ in range(2 if hi == 2 ** 63 and inp.get("again") else 1):  # again: the last night twice
                state.push(**touchpoint_columns({k: [v[i] for i in rows] for k, v in t.items()}),
                           redemptions={k: [v[i] for i in reds] for k, v in red.items()})
            saved, lo = state.to_bytes(), hi
        state = engagement.JourneyState.from_bytes(damaged(saved, inp))
        (what, arg), = inp["read"].items()
        if what == "history":
            return state.stage_history(until=arg["until"])
        if what == "loyalty":
            return state.loyalty(as_of=arg["as_of"])
        if what == "funnel":
            return state.funnel()
        if what == "cohorts":
            return cohort_dict(state.cohorts(as_of=arg["as_of"]))
        rule = dict(arg)
        return state.attribute(rule.pop("rule"), **rule)
    if op == "store_nightly":
        t = inp["touchpoints"]
        check_lengths(t)
        saved, start = engagement.ProfileStore(config).to_bytes(), 0
        for size in inp["days"]:
            data = damaged(saved, inp)
            if inp.get("hostile"):  # a copy cut short is refused; the intact bytes load as before
                refused(lambda: engagement.ProfileStore.from_bytes(data[:-1]), "corrupt")
            store = engagement.ProfileStore.from_bytes(data)
            day = {k: v[start:start + size] for k, v in t.items()}
            if inp.get("hostile") and size:  # the day with a row before 1970 is refused whole
                refused(lambda: store.push(**touchpoint_columns(last_row_before_1970(day))), "invalid_input")
            store.push(**touchpoint_columns(day))
            saved, start = store.to_bytes(), start + size
        store = engagement.ProfileStore.from_bytes(damaged(saved, inp))
        return store.scores(inp["as_of"]) if "as_of" in inp else {"profiles": store.profiles()}
    if op in ("profiles", "scores", "stages", "segments"):
        t = inp["touchpoints"]
        check_lengths(t)
        score_config = {"signals": config} if op == "profiles" and config is not None else config if op == "scores" else None
        store = engagement.ProfileStore(score_config)
        store.push(**touchpoint_columns(t))
        if op == "profiles":
            return {"profiles": store.profiles()}
        if op == "scores":
            return store.scores(inp["as_of"])
        if op == "stages":
            return store.stages(inp["as_of"], config)
        return store.segments(engagement.SegmentSet(inp["definition"]), inp["as_of"])
    if op == "history":
        return engagement.stage_history(**touchpoint_columns(inp["touchpoints"]), until=inp["until"], config=config)
    if op == "loyalty":
        return engagement.loyalty(**touchpoint_columns(inp["touchpoints"]), redemptions=inp["redemptions"],
                                  as_of=inp["as_of"], config=config)
    if op == "nps":
        return engagement.nps(np.array(inp["ratings"], dtype=np.float32), inp["level"])
    if op == "csat":
        return engagement.csat(np.array(inp["ratings"], dtype=np.float32), inp["level"])
    if op == "wilson":
        return engagement.wilson(inp["successes"], inp["trials"], inp["level"])
    if op == "retention":
        return engagement.retention_rate(inp["at_start"], inp["at_end"], inp["new"], inp["level"])
    if op == "simple_clv":
        return {"clv": engagement.simple_clv(**inp)}
    if op == "retention_clv":
        return {"clv": engagement.retention_clv(inp["margin"], inp["retention"], inp["discount_rate"])}
    if op == "clv_parameter_intervals":
        low, high = engagement.parameter_intervals(inp["params"], inp["standard_errors"], level=inp["level"])
        return {"low": low, "high": high}
    if op == "percentile_ranks":
        return {"ranks": engagement.percentile_ranks(np.array(inp["values"], dtype=np.float64))}
    if op == "transaction_summary":
        cfg = config or {}
        return engagement.transaction_summary(inp["customer"], inp["time"], inp["value"],
                                              observation_end=inp["observation_end"], **cfg)
    if op == "calibration_holdout":
        cfg = config or {}
        return engagement.calibration_holdout(inp["customer"], inp["time"], inp["value"],
                                              calibration_end=inp["calibration_end"],
                                              observation_end=inp["observation_end"], **cfg)
    if op == "rfm":
        nan = lambda xs: np.array([np.nan if x is None else x for x in xs], dtype=np.float64)  # noqa: E731
        return engagement.rfm_scores(inp["customer"], nan(inp["recency"]), nan(inp["frequency"]),
                                     nan(inp["monetary"]), config)
    if op == "actions":
        return {"customer": inp["customer"], "action": engagement.next_best_actions(inp["customer"], inp["stage"], config)}
    if op == "clv_fit":
        cols = {k: inp[k] for k in ("recency", "T", "monetary_value", "weights") if k in inp}
        m = engagement.ClvModel.fit(inp["model"], inp["frequency"], **cols, **(config or {}))
        return {"model": m.to_dict(), "log_likelihood": m.log_likelihood, "iterations": m.iterations,
                "customers": m.customers}
    if op == "clv_fit_retention":
        m = engagement.ClvModel.fit_retention(inp["alive"], **(config or {}))
        return {"model": m.to_dict(), "log_likelihood": m.log_likelihood, "iterations": m.iterations,
                "customers": m.customers}
    if op == "clv_predict":
        m = engagement.ClvModel.from_json(json.dumps(inp["model"]))
        what = inp["prediction"]
        if what == "p_alive":
            return {"values": m.p_alive(inp["frequency"], inp["recency"], inp["T"])}
        if what == "conditional_expected_purchases":
            return {"values": m.conditional_expected_purchases(inp["horizon"], inp["frequency"], inp["recency"], inp["T"])}
        if what == "expected_purchases_new":
            return {"values": m.expected_purchases_new(inp["t"])}
        if what == "survival":
            return {"values": m.survival(inp["t"])}
        if what == "retention_rate":
            return {"values": m.retention_rate(inp["t"])}
        if what == "expected_spend":
            return {"values": m.expected_spend(inp["frequency"], inp["monetary_value"])}
        if what == "probability_of_purchases":
            return {"values": m.probability_of_purchases(inp["t"], inp["x"])}
        if what == "discounted_value":
            options = dict(config or {})
            options.update(options.pop("horizon", {}))  # {"horizon": {"months": 12}} is months=12
            return {"values": m.discounted_value(inp["frequency"], inp["recency"], inp["T"], inp["spend"], **options)}
        raise AssertionError(f"unknown prediction {what}")
    if op in ("conversion_test", "bayesian_conversion_test"):
        c, t = inp["control"], inp["treatment"]
        args = (c["successes"], c["trials"], t["successes"], t["trials"])
        if op == "conversion_test":
            r = engagement.conversion_test(*args, level=inp["level"])
        else:
            prior = {"alpha": 1.0, "beta": 1.0, **(config or {})}
            r = engagement.bayesian_conversion_test(*args, prior=(prior["alpha"], prior["beta"]), level=inp["level"])
        return _intervals_as_objects(r)
    if op in ("readout", "readout_sums"):
        settings = dict(config or {})
        if "prior" in settings:
            settings["prior"] = (settings["prior"].get("mean", 0.0), settings["prior"]["variance"])
        if op == "readout":
            names = inp["arm_names"]
            r = engagement.readout([names[k] for k in inp["arm"]], inp["values"], inp.get("denominators"),
                                   inp.get("pre_values"), inp.get("pre_denominators"), arms=names, **settings)
        else:
            r = engagement.readout_sums(inp["arms"], **settings)
        return _readout_as_vectors(r)
    if op == "experiment_readout":
        log, a, names = inp["events"], inp["assignment"], inp["arm_names"]
        spec = dict(config)
        r = engagement.experiment(log["customer"], log["time"], value=log.get("value"), events=log.get("event"),
                                  assigned_customer=a["customer"], arm=[names[k] for k in a["arm"]],
                                  exposed_at=a["exposed_at"], metrics=spec.pop("metrics"), arms=names,
                                  as_of=spec.pop("as_of", None), **spec.pop("readout", {}))
        assert not spec, spec
        return _experiment_as_vectors(r, names)
    if op == "cox":
        cols = inp["columns"]
        cats = cols.get("categorical", [])
        covariates = {n: np.array(v, dtype=np.float64) for n, v in zip(cols.get("numeric", []), inp["numeric"])}
        covariates.update({c["name"]: [c["levels"][k] for k in codes] for c, codes in zip(cats, inp["categorical"])})
        strata = None if inp["strata"] is None else [cols["strata"][k] for k in inp["strata"]]
        reference = {c["name"]: c["reference"] for c in cats if c.get("reference")}
        model = engagement.cox(inp["duration"], inp["observed"], covariates, strata=strata, cluster=inp["clusters"],
                               reference=reference or None, **(config or {}))
        rows = inp["predict_rows"]
        head = {n: v[:rows] for n, v in covariates.items()}
        p = model.predict(head, inp["times"], strata=None if strata is None else strata[:rows])
        out = plain(model)
        out["prediction"] = {"partial_hazard": p.partial_hazard.tolist(), "survival": p.survival.reshape(-1).tolist()}
        return out
    if op == "rmst":
        return dataclasses.asdict(engagement.rmst(inp["duration"], inp["observed"], inp["tau"], inp["level"]))
    if op == "rmst_difference":
        return dataclasses.asdict(engagement.rmst_difference(inp["duration_a"], inp["observed_a"], inp["duration_b"],
                                                             inp["observed_b"], inp["tau"], inp["level"]))
    if op == "srm_test":
        return dataclasses.asdict(engagement.srm_test(inp["counts"], inp.get("weights")))
    if op == "adjust_p_values":
        return {"adjusted": engagement.adjust_p_values(inp["p_values"], config["correction"]).tolist()}
    if op == "welch_test":
        return _intervals_as_objects(engagement.welch_test(inp["control"], inp["treatment"], inp["level"]))
    if op == "sample_size_two_proportions":
        return {"n_per_group": engagement.sample_size_two_proportions(**inp)}
    if op == "power_two_proportions":
        return {"power": engagement.power_two_proportions(**inp)}
    if op == "attribute_touchpoints":
        rule = dict(config)
        t = inp["touchpoints"]
        return engagement.attribute_touchpoints(t["customer"], t["time"], t["channel"], t["kind"], t["value"],
                                                lookback_days=inp["lookback"] / 86_400, rule=rule.pop("rule"), **rule)
    if op == "attribute":
        rule = dict(config)
        return engagement.attribute(inp["paths"], inp["conversions"], inp.get("value"), inp.get("nulls"),
                                    rule=rule.pop("rule"), **rule)
    if op == "journey_sequences":
        t = inp["touchpoints"]
        return sequences_dict(engagement.journey_sequences(t["customer"], t["time"], t["channel"], t["kind"],
                                                           **(config or {})))
    if op == "partial":
        return partial_result(inp, config)
    if op == "partial_bytes":
        data = bytearray(bytes.fromhex(inp["hex"]))
        if "truncate" in inp:
            data = data[:inp["truncate"]]
        if "flip" in inp:
            data[inp["flip"]] ^= 0xFF
        m = engagement.Partial.from_bytes(bytes(data)).result()
        return {"nps": m.nps, "csat": m.csat}
    if op == "stage_transitions":
        m = engagement.stage_transitions(inp["customer"], inp["stage"], inp["entered_at"])
        nan = lambda a: [None if np.isnan(x) else x for x in a.ravel().tolist()]  # noqa: E731
        return {"labels": m.labels, "counts": m.counts.ravel(), "probabilities": nan(m.probabilities)}
    if op == "triggers":
        t = inp["touchpoints"]
        engine = engagement.Triggers(config)
        chunks = inp.get("chunks", [len(t["customer"])])
        parts, start = [], 0
        dictionary = engagement.EventDictionary()   # one dictionary across pushes, as a feed keeps it
        for size in chunks:
            if inp.get("persist"):
                engine = engagement.Triggers.from_bytes(damaged(engine.to_bytes(), inp))
            cut = {k: v[start:start + size] for k, v in t.items()}
            extra = {}
            if "event" in inp:
                extra = dict(events=inp["event"][start:start + size], dictionary=dictionary)
            if "campaign" in inp:
                extra["campaign"] = inp["campaign"][start:start + size]
            parts.append(engine.push(cut["customer"], cut["time"], cut["channel"], cut["kind"], cut.get("value"),
                                     cut.get("rating"), cut.get("rating_scale"), **extra))
            start += size
        if inp.get("persist"):
            engine = engagement.Triggers.from_bytes(damaged(engine.to_bytes(), inp))
        parts.append(engine.advance(inp["until"]))
        actions = [{"customer": int(c), "due": int(d), "rule": r, "action": a}
                   for p in parts for c, d, r, a in zip(p["customer"], p["due"], p["rule"], p["action"])]
        return {"actions": actions, "suppressed": engine.counts[2]}
    if op == "funnel_by":
        t = inp["touchpoints"]
        cfg = dict(config)
        if "by" in inp:
            by = inp["by"]
        else:
            g = inp["groups"]
            if any(i >= len(g["labels"]) for i in g["group"]):
                # funnel_by takes labels, so an index beyond them cannot be written there: the native
                # layer underneath is called with the indices as given.
                from engagement import _engagement
                c = np.asarray(t["customer"], dtype=np.uint64)
                codes = lambda labels, f: np.array([f(x, len(x)) for x in labels], dtype=np.uint8)  # noqa: E731
                return _engagement.funnel_by_group(
                    c, np.asarray(t["time"], dtype=np.int64), codes(t["channel"], lambda x, _: engagement.CHANNELS.index(x)),
                    codes(t["kind"], lambda x, _: engagement.KINDS.index(x)), dict(config),
                    np.asarray(g["customer"], dtype=np.uint64), np.asarray(g["group"], dtype=np.uint32), g["labels"])
            # A Series keeps a repeated customer (a dict could not), so the engine sees what was given.
            import pandas as pd
            by = pd.Series([g["labels"][i] for i in g["group"]], index=np.asarray(g["customer"], dtype=np.uint64))
        r = engagement.funnel_by(t["customer"], t["time"], t["channel"], t["kind"], steps=cfg["steps"], by=by,
                                 window_days=cfg.get("window", 30 * 86_400) / 86_400, order=cfg.get("order", "loose"))
        return {"labels": r.labels, "results": r.results, "total": r.total, "ungrouped": r.ungrouped}
    if op == "stickiness_events":
        log = inp["events"]
        cfg = dict(config or {})
        if set(cfg) - {"activity", "period", "as_of", "utc_offset"}:
            from engagement import _engagement as native
            from engagement._events import _touchpoint_columns

            native.stickiness(_touchpoint_columns(log["customer"], log["time"], None, None), config=config)
        t = engagement.stickiness(log["customer"], log["time"], log.get("channel"), log.get("kind"),
                                  events=log.get("event"), campaign=log.get("campaign"), **cfg)
        nan_none = lambda a: [None if isinstance(x, float) and math.isnan(x) else x for x in plain(a)]  # noqa: E731
        return {"period": t.period, "as_of": int(t.as_of.astype(np.int64)), "period_label": t.period_label,
                "max_days": t.active_days.shape[1], "active_days": plain(t.active_days.reshape(-1)),
                "total_days": plain(t.total_days), "day": t.day, "dau": plain(t.dau), "wau": plain(t.wau),
                "mau": plain(t.mau), "dau_wau": nan_none(t.dau_wau), "dau_mau": nan_none(t.dau_mau),
                "full_window": plain(t.full_window)}
    if op == "lifecycle_events":
        log = inp["events"]
        cfg = dict(config or {})
        if set(cfg) - {"activity", "period", "as_of", "utc_offset"}:
            from engagement import _engagement as native
            from engagement._events import _touchpoint_columns

            native.lifecycle(_touchpoint_columns(log["customer"], log["time"], None, None), config=config)
        t = engagement.lifecycle(log["customer"], log["time"], log.get("channel"), log.get("kind"),
                                 events=log.get("event"), campaign=log.get("campaign"), **cfg)
        return {"period": t.period, "as_of": int(t.as_of.astype(np.int64)),
                "period_start": plain(t.period_start.astype(np.int64)), "label": t.label, "new": plain(t.new),
                "returning": plain(t.returning), "resurrecting": plain(t.resurrecting), "dormant": plain(t.dormant),
                "active": plain(t.active), "complete": plain(t.complete)}
    if op == "retention_events":
        log = inp["events"]
        cfg = dict(config or {})
        known = {"start", "return", "period", "windows", "periods", "brackets", "mode", "start_occurrence",
                 "min_occurrences", "as_of", "utc_offset", "censor"}
        if set(cfg) - known:
            # A misspelt setting is a TypeError for a keyword: send the JSON as the other faces do.
            from engagement import _engagement as native
            from engagement._events import _touchpoint_columns

            native.retention(_touchpoint_columns(log["customer"], log["time"], None, None), config=config)
        cfg["returning"] = cfg.pop("return", None)
        t = engagement.retention(log["customer"], log["time"], log.get("channel"), log.get("kind"), log.get("value"),
                                 events=log.get("event"), campaign=log.get("campaign"), **cfg)
        nan_none = lambda a: [None if isinstance(x, float) and math.isnan(x) else x for x in plain(a)]  # noqa: E731
        out = {"period": t.period, "windows": t.windows, "mode": t.mode, "brackets": [list(b) for b in t.brackets],
               "as_of": int(t.as_of.astype(np.int64)), "cohort_start": plain(t.cohort_start.astype(np.int64)),
               "cohort": t.cohort, "size": plain(t.size), "total_size": t.total_size}
        for key in ("counted", "retained", "rate", "previous", "kept", "rate_of_previous", "value", "value_per_entry"):
            out[key] = nan_none(getattr(t, key).reshape(-1))
        for key in ("total_counted", "total_retained", "total_rate", "total_rate_of_previous", "total_value"):
            out[key] = nan_none(getattr(t, key))
        return out
    if op == "attribute_events":
        log = inp["events"]
        opts = dict(config["paths"])
        rule = dict(config["rule"])
        lookback = opts.pop("lookback", None)
        return engagement.attribute_touchpoints(
            log["customer"], log["time"], log["channel"], log["kind"], log.get("value"),
            events=log.get("event"), campaign=log.get("campaign"), by=opts.pop("by", None),
            lookback_days=None if lookback is None else lookback / 86_400, **opts, rule=rule.pop("rule"), **rule)
    if op in ("paths", "event_funnel", "sessions"):
        log = inp["events"]
        cfg = dict(config or {})
        gap = cfg.pop("session", {}).get("gap")
        common = dict(channel=log.get("channel"), kind=log.get("kind"), campaign=log.get("campaign"))
        if op == "sessions":
            s = engagement.sessions(log["customer"], log["time"], session=log.get("session"), gap=cfg.get("gap"))
            return plain(s)
        if op == "event_funnel":
            if "window" in cfg:
                cfg["window_days"] = cfg.pop("window") / 86_400
            r = engagement.funnel(log["customer"], log["time"], events=log.get("event"), steps=cfg.pop("steps"),
                                  session_gap=gap, session=log.get("session"), **cfg, **common)
            # The breakdown is a mapping by label here, a list of {label, result} in JSON.
            return {**plain(r), "breakdown": [{"label": k, "result": plain(v)} for k, v in r.breakdown.items()]}
        known = {"by", "per", "collapse_repeats", "steps", "path_length", "top_paths", "anchor", "step_flows"}
        if set(cfg) - known:
            # A misspelt setting is a TypeError for a keyword; the engine's own answer to it comes
            # from its JSON configuration, as the other faces send it.
            from engagement import _engagement as native
            from engagement._events import event_codes
            codes, d = event_codes(log["event"])
            native.path_analysis({"customer": np.asarray(log["customer"], dtype=np.uint64),
                                  "time": np.asarray(log["time"], dtype=np.int64),
                                  "channel": np.zeros(0, np.uint8), "kind": np.zeros(0, np.uint8)},
                                 events=codes, dictionary=d._native, config=config)
        p = engagement.paths(log["customer"], log["time"], events=log.get("event"), session=log.get("session"),
                             session_gap=gap, **cfg, **common)
        edges = {k: [None if isinstance(x, float) and math.isnan(x) else x for x in plain(v)]
                 for k, v in p.edges.items()}
        out = {"labels": p.labels, "edges": edges, "steps": p.step_matrix.shape[1],
               "step_matrix": plain(p.step_matrix.reshape(-1)), "top_paths": plain(p.top_paths),
               "top_path_counts": plain(p.top_path_counts), "paths": p.paths, "customers": p.customers}
        if p.step_flows is not None:
            out["step_flows"] = {k: plain(v) for k, v in p.step_flows.items()}
        return out
    if op == "funnel":
        t = inp["touchpoints"]
        cfg = dict(config)
        r = engagement.funnel(t["customer"], t["time"], t["channel"], t["kind"], steps=cfg["steps"],
                              window_days=cfg.get("window", 30 * 86_400) / 86_400, order=cfg.get("order", "loose"),
                              campaign=inp.get("campaign"), stage_history=inp.get("stage_history"),
                              time_bins=cfg.get("time_bins"))
        return r
    if op == "cohorts":
        cfg = config or {}
        return cohort_dict(engagement.cohorts(inp["customer"], inp["time"], inp["value"], as_of=inp["as_of"], **cfg))
    if op == "kaplan_meier":
        return engagement.kaplan_meier(inp["duration"], inp["observed"], inp["level"])
    if op == "logrank_test":
        return engagement.logrank_test(inp["duration_a"], inp["observed_a"], inp["duration_b"], inp["observed_b"])
    if op == "clv_p_alive_history":
        m = engagement.ClvModel.from_json(json.dumps(inp["model"]))
        return {"values": m.p_alive_history(inp["purchases"], inp["at"]).tolist()}
    if op in ("clv_period_transactions", "clv_calibration_holdout"):
        m = engagement.ClvModel.from_json(json.dumps(inp["model"]))
        h = (inp["frequency"], inp["recency"], inp["T"])
        if op == "clv_period_transactions":
            t = m.period_transactions(*h, max_frequency=inp["max_frequency"])
            return {"frequency": t.index.tolist(), "actual": t["actual"].tolist(), "expected": t["expected"].tolist(),
                    **t.attrs}
        t = m.calibration_holdout(*h, holdout=inp["holdout"], duration=inp["duration"],
                                  max_frequency=inp["max_frequency"])
        return {"frequency": t.index.tolist(), "customers": t["customers"].tolist(), "actual": t["actual"].tolist(),
                "predicted": t["predicted"].tolist()}
    if op == "clv_matrix":
        m = engagement.ClvModel.from_json(json.dumps(inp["model"]))
        v = dict(inp["value"])
        grid = m.frequency_recency_matrix(v.pop("value"), max_frequency=inp["max_frequency"], T=inp["T"], **v)
        values = [None if np.isnan(x) else float(x) for x in np.asarray(grid).ravel()]
        return {"frequency": list(grid.index), "recency": list(grid.columns), "values": values}
    raise AssertionError(f"unknown op {op}")


def cohort_dict(t):
    flat = lambda a: [None if (isinstance(x, float) and np.isnan(x)) else x for x in a.ravel().tolist()]  # noqa: E731
    return {"period": t.period, "cohort_start": t.cohort_start.astype("int64").tolist(), "size": t.size,
            "periods": t.retention.shape[1], "observed": t.observed, "active": flat(t.active),
            "retention": flat(t.retention), "revenue_per_customer": flat(t.revenue_per_customer),
            "cumulative_revenue_per_customer": flat(t.cumulative_revenue_per_customer)}


def sequences_dict(s):
    nan = lambda a: [None if np.isnan(x) else x for x in a.ravel().tolist()]  # noqa: E731
    return {"transitions": {"labels": s.transitions.labels, "counts": s.transitions.counts.ravel(),
                            "probabilities": nan(s.transitions.probabilities)},
            "step_labels": s.step_labels, "step_matrix": s.step_matrix.ravel(), "steps": s.step_matrix.shape[1],
            "paths": [list(p) for p in s.paths], "path_counts": s.path_counts, "customers": s.customers}


def partial_result(inp, spec):
    """One Partial per part, each through pickling (its binary form), merged in the given order."""
    import pickle

    cols = touchpoint_columns(inp["touchpoints"])
    parts = np.asarray(inp["parts"])
    merged = None
    for part in inp["order"]:
        rows = np.flatnonzero(parts == part)
        pick = {k: None if v is None else [v[i] for i in rows] if isinstance(v, list) else v[rows]
                for k, v in cols.items()}
        p = pickle.loads(pickle.dumps(engagement.Partial.from_touchpoints(spec, **pick)))
        merged = p if merged is None else merged.merge(p)
    if "merge_with_level" in inp:
        merged.merge(engagement.Partial.from_touchpoints({**spec, "level": inp["merge_with_level"]}, [], [], [], []))
    if "rule" in inp:
        rule = dict(inp["rule"])
        return merged.attribute(rule.pop("rule"), **rule)
    r = merged.result()
    kind = spec["kind"]
    if kind == "profiles":
        return {"profiles": r.profiles()}
    if kind == "sequences":
        return sequences_dict(r)
    if kind == "cohorts":
        return cohort_dict(r)
    if kind == "experiment":
        return _experiment_as_vectors(r, spec["arms"])
    return r


def _experiment_as_vectors(r, names):
    """An ExperimentReadout as the vectors write it: per-arm dicts as lists in the arms' order."""
    return {"as_of": r.as_of, "exposed": [r.exposed[n] for n in names],
            "metrics": [{"name": m.name, "in_progress": [m.in_progress[n] for n in names],
                         "readout": _readout_as_vectors(m.readout)} for m in r.metrics.values()]}


def _readout_as_vectors(r):
    """A Readout as the vectors write it: intervals as {"low", "high"}, per-arm dicts as lists."""
    def plain(v):
        if isinstance(v, tuple):
            return {"low": v[0], "high": v[1]}
        if dataclasses.is_dataclass(v):
            return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v
    d = plain(r)
    names = [a.name for a in r.arms]
    d["chance_to_be_best"] = [r.chance_to_be_best[n] for n in names]
    d["expected_loss"] = [r.expected_loss[n] for n in names]
    return d


def _intervals_as_objects(result):
    """A result dataclass as the vectors write it: intervals as {"low", "high"}."""
    import dataclasses
    d = {}
    for f in dataclasses.fields(result):
        v = getattr(result, f.name)
        if isinstance(v, tuple):
            v = {"low": v[0], "high": v[1]}
        elif dataclasses.is_dataclass(v):
            v = dataclasses.asdict(v)
        d[f.name] = v
    return d


KIND_OF = {
    "invalid_input": engagement.InvalidInputError,
    "length_mismatch": engagement.LengthMismatchError,
    "empty_input": engagement.EmptyInputError,
    "as_of_before_data": engagement.AsOfBeforeDataError,
    "config": engagement.ConfigError,
    "unknown_id": engagement.UnknownIdError,
    "unknown_label": engagement.UnknownLabelError,
    "incompatible": engagement.IncompatibleError,
    "json": engagement.JsonError,
    "corrupt": engagement.CorruptError,
    "convergence": engagement.ConvergenceError,
}


@pytest.mark.parametrize("case", list(cases()))
def test_golden(case):
    expected = case["expected"]
    if "error" in expected:
        with pytest.raises(engagement.EngagementError) as info:
            run(case["op"], case["input"], case.get("config"))
        # The most specific class must match the kind exactly.
        assert type(info.value) is KIND_OF[expected["error"]], f"got {type(info.value).__name__}: {info.value}"
        assert str(info.value)
    else:
        result = plain(run(case["op"], case["input"], case.get("config")))
        contained(expected["ok"], result, case["tolerance"])


def test_bad_input_matrix_is_the_generators_output():
    """tests/golden/bad_input.json is written by its script; an edit by hand would drift from it."""
    import subprocess
    import sys
    script = GOLDEN / "derive" / "bad_input.py"
    assert subprocess.run([sys.executable, str(script), "--check"]).returncode == 0, f"run {script}"


def test_bad_input_matrix_covers_every_operation_and_names_its_face_tests():
    import re
    readme = (GOLDEN / "README.md").read_text()
    ops = set(re.findall(r"^\| `([a-z_]+)` \|", readme.split("## Operations")[1], re.M))
    matrix = json.loads((GOLDEN / "bad_input.json").read_text())
    covered = {c["op"] for c in matrix["cases"]}
    # `partial` builds partials from touchpoints: its inputs are those of the ops above, and its
    # decoder's bad input is the `partial_bytes` rows.
    assert ops - covered == {"partial"}, sorted(ops - covered)
    assert {c["class"] for c in matrix["cases"]} <= set(matrix["classes"])
    root = GOLDEN.parents[1]
    for row in matrix["face_specific"]:
        assert (root / row["test"]).is_file(), row
    # Every class has at least one row somewhere, and every error kind of the engine is expected somewhere.
    classes = {c["class"] for c in matrix["cases"]} | {r["class"] for r in matrix["face_specific"]}
    assert set(matrix["classes"]) <= classes
