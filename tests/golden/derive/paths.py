#!/usr/bin/env python3
"""Writes tests/golden/paths.json: path analysis, sessions and event funnels of event logs, with
every expected value derived here with pandas and numpy, independently of the engine.

Definitions (as the engine documents them):
- a path is a customer's touchpoints sorted by time, equal times by kind, channel, campaign, then
  event label (its text); with per="session", a session's (a customer's touchpoints cut where the
  gap to the previous one is more than `gap` seconds, or grouped by given session ids, sessions of
  a customer ordered by their first touchpoint);
- collapse_repeats keeps the first of each run of one label;
- every path starts at path_start and ends at path_end; an edge's count is its transitions, paths
  and customers how many had it; proba_out = count / all transitions out of the source (path_end
  included), proba_in = count / all into the target; median and p95 seconds by numpy's linear
  percentile, null on path_start/path_end edges;
- step k (1-based) of the step matrix: the share of paths whose k-th node is the label, path_end
  for paths already over;
- top paths: the first path_length nodes, by count descending, then by the labels (text order);
- a funnel counts a journey (customer or session) entering step 1 and reaching later steps in
  order within the window, its deepest attempt (any earlier entry), as tests/golden/funnels.json.

    python3 -m venv /tmp/derive && /tmp/derive/bin/pip install pandas
    /tmp/derive/bin/python tests/golden/derive/paths.py
"""
import json
import re
import pathlib

import numpy as np
import pandas as pd

OUT = pathlib.Path(__file__).resolve().parents[1] / "paths.json"
CHANNELS = ["email", "web", "mobile_app", "social", "phone", "chat", "store", "ads", "sms", "push", "other"]
KINDS = ["impression", "open", "click", "visit", "purchase", "refund", "review", "referral", "share",
         "support_contact", "complaint", "survey_response", "offer_redeemed", "other", "cart_add", "checkout"]

# An e-commerce log: ties (customer 1 at t=60 has two events in one second), a unicode label, the
# empty label, repeats, a customer quiet for 40 minutes (customer 2), a one-event customer (4).
LOG = {
    "customer": [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4],
    "time": [0, 60, 60, 90, 90, 300, 0, 30, 2430, 2500, 10, 20, 4000, 50],
    "event": ["catalog", "product_view", "catalog", "add_to_cart", "add_to_cart", "payment_card",
              "catalog", "catalog", "ü_promo", "payment_cash", "", "catalog", "catalog", "catalog"],
}


def frame(log):
    df = pd.DataFrame({k: v for k, v in log.items()})
    n = len(df)
    df["channel"] = df["channel"] if "channel" in df else "other"
    df["kind"] = df["kind"] if "kind" in df else "other"
    df["campaign"] = df["campaign"] if "campaign" in df else 0
    df["kc"] = df["kind"].map(KINDS.index)
    df["cc"] = df["channel"].map(CHANNELS.index)
    df["row"] = np.arange(n)
    return df.sort_values(["customer", "time", "kc", "cc", "campaign", "event"], kind="stable")


def label_of(df, by):
    parts = []
    for p in by.split(":"):
        parts.append(df[p].astype(str) if p != "event" else df["event"])
    out = parts[0]
    for p in parts[1:]:
        out = out + ":" + p
    return out


def path_ids(df, per, gap, session_ids):
    if per == "customer":
        return df["customer"].to_numpy()
    if session_ids is not None:
        first = df.groupby(["customer", "session"])["time"].transform("min")
        key = df["customer"].astype(str) + "|" + first.astype(str).str.zfill(12) + "|" + df["session"].astype(str).str.zfill(20)
        return key.to_numpy()
    new = (df["customer"] != df["customer"].shift()) | (df["time"] - df["time"].shift() > gap)
    return new.cumsum().to_numpy()


def paths(log, config=None):
    config = dict(config or {})
    by = config.get("by", "event")
    per = config.get("per", "customer")
    gap = config.get("session", {}).get("gap", 1800)
    collapse = config.get("collapse_repeats", False)
    steps = config.get("steps", 10)
    path_length = config.get("path_length", 5)
    top = config.get("top_paths", 10)
    df = frame(log)
    df["label"] = label_of(df, by)
    df["path"] = path_ids(df, per, gap, log.get("session"))
    if per == "session" and "session" in log:
        df = df.sort_values(["path", "time", "kc", "cc", "campaign", "event"], kind="stable")
    labels = sorted(df["label"].unique())   # every label of the data, kept or not
    nodes = labels + ["path_start", "path_end"]
    index = {l: i for i, l in enumerate(nodes)}
    edges = {}
    at_step = np.zeros((len(nodes), steps))
    tops = {}
    flows = {}
    n_paths = 0
    kept_customers = set()
    for (pid, g) in df.groupby("path", sort=False):
        cust = g["customer"].iloc[0]
        seq = list(zip(g["label"], g["time"]))
        if collapse:
            seq = [x for i, x in enumerate(seq) if i == 0 or x[0] != seq[i - 1][0]]
        anchor = config.get("anchor")
        if anchor:
            hits = [i for i, (l, _) in enumerate(seq) if l == anchor["label"]]
            if not hits:
                continue
            at, offset = hits[0], anchor.get("offset", 0)
            seq = seq[max(at - offset, 0):] if anchor.get("side", "after") == "after" else seq[:at + 1 + offset]
        n_paths += 1
        kept_customers.add(cust)
        chain = [("path_start", None)] + seq + [("path_end", None)]
        for (a, ta), (b, tb) in zip(chain, chain[1:]):
            e = edges.setdefault((index[a], index[b]), {"count": 0, "paths": set(), "customers": set(), "secs": []})
            e["count"] += 1
            e["paths"].add(pid)
            e["customers"].add(cust)
            if ta is not None and tb is not None:
                e["secs"].append(tb - ta)
        for k in range(steps):
            at_step[index[seq[k][0]] if k < len(seq) else index["path_end"], k] += 1
        key = tuple(l for l, _ in seq[:path_length])
        tops[key] = tops.get(key, 0) + 1
        for k in range(min(steps - 1, len(seq))):   # until the path has ended
            nxt = seq[k + 1][0] if k + 1 < len(seq) else "path_end"
            f = (k + 1, index[seq[k][0]], index[nxt])
            flows[f] = flows.get(f, 0) + 1
    keys = sorted(edges)
    out_tot, in_tot = {}, {}
    for (f, t) in keys:
        out_tot[f] = out_tot.get(f, 0) + edges[(f, t)]["count"]
        in_tot[t] = in_tot.get(t, 0) + edges[(f, t)]["count"]
    q = lambda v, p: float(np.percentile(v, p)) if v else None  # noqa: E731
    ranked = sorted(tops.items(), key=lambda kv: (-kv[1], [index[l] for l in kv[0]]))[:top]
    return {
        "labels": nodes,
        "edges": {
            "from": [f for f, _ in keys], "to": [t for _, t in keys],
            "count": [edges[k]["count"] for k in keys],
            "paths": [len(edges[k]["paths"]) for k in keys],
            "customers": [len(edges[k]["customers"]) for k in keys],
            "proba_out": [edges[k]["count"] / out_tot[k[0]] for k in keys],
            "proba_in": [edges[k]["count"] / in_tot[k[1]] for k in keys],
            "median_seconds": [q(edges[k]["secs"], 50) for k in keys],
            "p95_seconds": [q(edges[k]["secs"], 95) for k in keys],
        },
        "steps": steps,
        "step_matrix": (at_step / n_paths).reshape(-1).tolist(),
        "top_paths": [list(p) for p, _ in ranked],
        "top_path_counts": [c for _, c in ranked],
        "paths": n_paths,
        "customers": len(kept_customers),
        **({"step_flows": {"step": [k[0] for k in sorted(flows)], "from": [k[1] for k in sorted(flows)],
                           "to": [k[2] for k in sorted(flows)], "count": [flows[k] for k in sorted(flows)]}}
           if config.get("step_flows") else {}),
    }


def sessions(log, config=None):
    gap = (config or {}).get("gap", 1800)
    df = frame(log)
    if "session" in log:
        first = df.groupby(["customer", "session"])["time"].transform("min")
        df = df.assign(first=first).sort_values(["customer", "first", "session", "time"], kind="stable")
        new = (df["customer"] != df["customer"].shift()) | (df["session"] != df["session"].shift())
    else:
        df = df.sort_values(["customer", "time"], kind="stable")
        new = (df["customer"] != df["customer"].shift()) | (df["time"] - df["time"].shift() > gap)
    df["s"] = new.cumsum() - 1
    g = df.groupby("s")
    start, end, ev = g["time"].min(), g["time"].max(), g.size()
    dur = (end - start).astype(float)
    cust = g["customer"].first()
    per_cust = cust.nunique()
    return {
        "row_session": df.sort_values("row")["s"].tolist(),
        "customer": cust.tolist(), "start": start.tolist(), "end": end.tolist(), "events": ev.tolist(),
        "summary": {"sessions": int(len(start)), "customers": int(per_cust),
                    "sessions_per_customer": len(start) / per_cust, "mean_duration": float(dur.mean()),
                    "median_duration": float(np.median(dur)), "events_per_session": float(ev.mean()),
                    "bounce_rate": float((ev == 1).mean())},
    }


def funnel(log, config):
    """Deepest attempt per journey (loose order), counting journeys reaching each step."""
    per = config.get("per", "customer")
    gap = config.get("session", {}).get("gap", 1800)
    window = config.get("window", 30 * 86400)
    steps = config["steps"]
    df = frame(log)
    df["path"] = path_ids(df, per, gap, log.get("session"))

    def matches(step, label):
        ok = not step.get("events") and "event_prefix" not in step and "event_regex" not in step
        return (ok or label in step.get("events", []) or label.startswith(step.get("event_prefix", "\0"))
                or ("event_regex" in step and re.search(step["event_regex"], label) is not None))

    reached = [0] * len(steps)
    for _, g in df.groupby("path", sort=False):
        rows = list(zip(g["time"], g["event"]))
        best = 0
        for i, (t0, l0) in enumerate(rows):
            if not matches(steps[0], l0):
                continue
            depth = 1
            for t, l in rows[i + 1:]:
                if depth == len(steps) or t - t0 > window:
                    break
                if matches(steps[depth], l):
                    depth += 1
            best = max(best, depth)
        for k in range(best):
            reached[k] += 1
    return {"customers": reached, "drop_off": [0] + [reached[k - 1] - reached[k] for k in range(1, len(steps))]}


def case(name, op, log, config, expected, source, tolerance=1e-12):
    c = {"name": name, "op": op, "input": {"events": log}}
    if config is not None:
        c["config"] = config
    c.update({"expected": expected, "tolerance": tolerance, "source": source})
    return c


SMALL = {"steps": 4, "path_length": 3, "top_paths": 5}
CHANNEL_LOG = dict(LOG, channel=["web", "web", "web", "mobile_app", "web", "web", "email", "web", "web", "web",
                                 "web", "web", "web", "store"],
                   kind=["visit"] * 5 + ["purchase"] + ["click", "visit", "visit", "purchase"] + ["visit"] * 4)
SESSION_LOG = dict(LOG, session=[7, 7, 7, 7, 8, 8, 1, 1, 1, 1, 5, 5, 5, 9])

rng = np.random.default_rng(2026)
BIG_N = 100_000
big_labels = [f"e{i:05d}" for i in rng.permutation(BIG_N)]
BIG = {"customer": [1 + i // 5 for i in range(BIG_N)], "time": [(i % 5) * 60 for i in range(BIG_N)],
       "event": big_labels}
big = paths(BIG, {"top_paths": 3, "steps": 2, "path_length": 2})

cases = [
    case("paths_event_log", "paths", LOG, SMALL, {"ok": paths(LOG, SMALL)},
         "tests/golden/derive/paths.py (pandas): customer paths of an event log without channels or kinds; "
         "the tie at t=60 is ordered by label (catalog before product_view), the unicode and empty labels "
         "sort by their text"),
    case("paths_per_session_collapsed", "paths", LOG,
         dict(SMALL, per="session", session={"gap": 600}, collapse_repeats=True),
         {"ok": paths(LOG, dict(SMALL, per="session", session={"gap": 600}, collapse_repeats=True))},
         "tests/golden/derive/paths.py (pandas): sessions cut by a gap over 600 s, runs of one label once"),
    case("paths_step_flows", "paths", LOG, dict(SMALL, step_flows=True), {"ok": paths(LOG, dict(SMALL, step_flows=True))},
         "tests/golden/derive/paths.py (pandas): the flows from each step's event to the next's, per path until it "
         "ends"),
    case("paths_given_sessions", "paths", SESSION_LOG, dict(SMALL, per="session"),
         {"ok": paths(SESSION_LOG, dict(SMALL, per="session"))},
         "tests/golden/derive/paths.py (pandas): sessions by the given ids, ordered by their first touchpoint"),
    case("paths_channel_event", "paths", CHANNEL_LOG, dict(SMALL, by="channel:event"),
         {"ok": paths(CHANNEL_LOG, dict(SMALL, by="channel:event"))},
         "tests/golden/derive/paths.py (pandas): nodes labelled channel:event; equal times by kind, then "
         "channel, then event"),
    case("paths_anchor_after_with_context", "paths", LOG,
         dict(SMALL, anchor={"label": "add_to_cart", "offset": 1}),
         {"ok": {k: v for k, v in paths(LOG, dict(SMALL, anchor={"label": "add_to_cart", "offset": 1})).items()
                 if k != "labels"}},
         "tests/golden/derive/paths.py (pandas): each path from one node before its first add_to_cart; "
         "paths without it left out"),
    case("paths_anchor_before_per_session", "paths", LOG,
         dict(SMALL, per="session", session={"gap": 600}, anchor={"label": "payment_cash", "side": "before"}),
         {"ok": {k: v for k, v in paths(LOG, dict(SMALL, per="session", session={"gap": 600},
                                                 anchor={"label": "payment_cash", "side": "before"})).items()
                 if k != "labels"}},
         "tests/golden/derive/paths.py (pandas): sessions up to their first payment_cash"),
    case("paths_100k_distinct_events", "paths", BIG, {"top_paths": 3, "steps": 2, "path_length": 2},
         {"ok": {k: big[k] for k in ("paths", "customers", "top_paths", "top_path_counts")}},
         "tests/golden/derive/paths.py: 100,000 distinct labels in a shuffled order, 20,000 customers of 5 "
         "events; every path is unique, so the top ones are the first in label order"),
    case("paths_without_events", "paths", {k: LOG[k] for k in ("customer", "time")}, None,
         {"error": "config"}, "by event needs event labels; the message says to give them or choose another dimension"),
    case("paths_unknown_dimension", "paths", LOG, {"by": "channel:page"}, {"error": "json"},
         "page is not a dimension; the accepted ones are listed"),
    case("paths_event_column_short", "paths", dict(LOG, event=LOG["event"][:-1]), None,
         {"error": "length_mismatch"}, "one event label fewer than touchpoints"),
    case("sessions_gap", "sessions", LOG, {"gap": 600}, {"ok": sessions(LOG, {"gap": 600})},
         "tests/golden/derive/paths.py (pandas): a gap strictly over 600 s starts a session"),
    case("sessions_by_id", "sessions", SESSION_LOG, None, {"ok": sessions(SESSION_LOG)},
         "tests/golden/derive/paths.py (pandas): sessions by the given ids"),
    case("sessions_zero_gap", "sessions", LOG, {"gap": 0}, {"error": "config"}, "a gap must be at least 1 s"),
]
FUNNEL = {"steps": [{"name": "browse", "events": ["catalog", "search"]},
                    {"name": "cart", "events": ["add_to_cart"]},
                    {"name": "pay", "event_prefix": "payment_"}]}
REGEX_FUNNEL = {"steps": [{"name": "browse", "event_regex": "^(catalog|search)$"},
                          {"name": "pay", "event_regex": "ment_c"}]}
cases += [
    case("event_funnel_customers", "event_funnel", LOG, FUNNEL, {"ok": funnel(LOG, FUNNEL)},
         "tests/golden/derive/paths.py (pandas): loose funnel over event labels and a prefix, per customer"),
    case("event_funnel_sessions", "event_funnel", LOG, dict(FUNNEL, per="session", session={"gap": 600}),
         {"ok": funnel(LOG, dict(FUNNEL, per="session", session={"gap": 600}))},
         "tests/golden/derive/paths.py (pandas): the same funnel per session (gap 600 s)"),
    case("event_funnel_given_sessions", "event_funnel", SESSION_LOG, dict(FUNNEL, per="session"),
         {"ok": funnel(SESSION_LOG, dict(FUNNEL, per="session"))},
         "tests/golden/derive/paths.py (pandas): the funnel per session, sessions by the given ids"),
    case("event_funnel_session_ids_per_customer", "event_funnel", SESSION_LOG, FUNNEL, {"ok": funnel(LOG, FUNNEL)},
         "tests/golden/derive/paths.py (pandas): a funnel per customer reads no session ids (as paths per "
         "customer do not): the result of the log without them"),
    case("event_funnel_regex", "event_funnel", LOG, REGEX_FUNNEL, {"ok": funnel(LOG, REGEX_FUNNEL)},
         "tests/golden/derive/paths.py (pandas, Python's re): steps by regular expressions, one anchored at "
         "both ends, one unanchored"),
    case("event_funnel_bad_regex", "event_funnel", LOG,
         {"steps": [{"name": "pay", "event_regex": "payment_("}]}, {"error": "config"},
         "an unclosed group is not a regular expression; the message names the step"),
    case("event_funnel_without_events", "event_funnel", {k: LOG[k] for k in ("customer", "time")}, FUNNEL,
         {"error": "config"}, "steps read event labels that are not given"),
]

# Attribution over a product's own events, campaigns and combinations. Customer 1 opens a
# newsletter, views pricing, orders (49), then views pricing again (a non-converting path); 2 views
# pricing twice and orders (20), then a refund that plays no part; 3 sees a promo, orders (5), then
# orders again with nothing between (a direct conversion: its own touch is its path); 4 opens the
# newsletter and never orders; 5 has two touches in one second (ordered by label: "" before
# "cart") and orders (10); 6's newsletter lies beyond the one-day lookback (a direct conversion).
ATTR_LOG = {
    "customer": [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 5, 5, 5, 6, 6],
    "time": [0, 60, 120, 3000, 0, 10, 20, 30, 0, 100, 200, 0, 50, 50, 60, 0, 200000],
    "channel": ["email", "web", "web", "web", "web", "web", "web", "web", "social", "web", "web", "email",
                "web", "web", "web", "email", "web"],
    "kind": ["open", "visit", "purchase", "visit", "visit", "visit", "purchase", "refund", "impression",
             "purchase", "purchase", "open", "visit", "visit", "purchase", "click", "purchase"],
    "event": ["newsletter_42_open", "pricing_page_view", "order", "pricing_page_view", "pricing_page_view",
              "pricing_page_view", "order", "order_refund", "ü_promo", "order", "order", "newsletter_42_open",
              "", "cart", "order", "newsletter_42_open", "order"],
    "campaign": [42, 0, 0, 0, 7, 7, 7, 7, 9, 0, 0, 42, 0, 0, 0, 42, 0],
    "value": [0, 0, 49.0, 0, 0, 0, 20.0, 0, 0, 5.0, 7.5, 0, 0, 0, 10.0, 0, 3.0],
}


def attribution(log, options, rule):
    """Paths per purchase (touches within the lookback since the previous purchase; the purchase's
    own touch ends the path only when nothing precedes it or with include_conversion; refunds play
    no part; touches after the last purchase a non-converting path), then credits by rule."""
    by = options.get("by", "channel").split(":")
    lookback = options.get("lookback", 30 * 86400)
    include = options.get("include_conversion", False)
    df = pd.DataFrame(log)
    df["label"] = df.apply(lambda r: ":".join(str(r[p]) for p in by), axis=1)
    # Ties here differ only in the event label: sorting by it is the engine's rule for them.
    df = df.sort_values(["customer", "time", "event"], kind="stable")
    found = {}  # path (tuple of labels) -> [conversions, value, nulls]
    for _, g in df.groupby("customer", sort=True):
        since = []
        for r in g.itertuples():
            if r.kind == "refund":
                continue
            if r.kind == "purchase":
                path = [x.label for x in since if x.time >= r.time - lookback]
                if include or not path:
                    path.append(r.label)
                e = found.setdefault(tuple(path), [0, 0.0, 0])
                e[0] += 1
                e[1] += r.value
                since = []
            else:
                since.append(r)
        if since:
            path = [x.label for x in since if x.time >= since[-1].time - lookback]
            found.setdefault(tuple(path), [0, 0.0, 0])[2] += 1
    channels = []
    for path in sorted(found):
        for label in path:
            if label not in channels:
                channels.append(label)
    conv = dict.fromkeys(channels, 0.0)
    value = dict.fromkeys(channels, 0.0)
    for path, (c, v, _) in found.items():
        if rule == "first_touch":
            shares = {path[0]: 1.0}
        elif rule == "last_touch":
            shares = {path[-1]: 1.0}
        else:  # linear
            shares = {}
            for label in path:
                shares[label] = shares.get(label, 0.0) + 1.0 / len(path)
        for label, w in shares.items():
            conv[label] += c * w
            value[label] += v * w
    return {"channels": channels, "conversions": [conv[k] for k in channels], "value": [value[k] for k in channels]}


for by, rule, extra in [("event", "last_touch", {}), ("event", "linear", {"include_conversion": True}),
                        ("campaign", "first_touch", {}), ("channel:event", "linear", {})]:
    options = {"by": by, "lookback": 86400, **extra}
    cases.append(case(f"attribute_by_{by.replace(':', '_')}_{rule}", "attribute_events", ATTR_LOG,
                      {"paths": options, "rule": {"rule": rule}},
                      {"ok": attribution(ATTR_LOG, options, rule)},
                      "tests/golden/derive/paths.py (pandas): purchase paths over the chosen dimension, "
                      "credited by hand-coded rules", tolerance=1e-9))
cases += [
    case("attribute_by_event_without_events", "attribute_events", {k: v for k, v in ATTR_LOG.items() if k != "event"},
         {"paths": {"by": "event"}, "rule": {"rule": "linear"}}, {"error": "config"},
         "by event needs event labels; the message says to give them or choose another dimension"),
    case("attribute_by_unknown_dimension", "attribute_events", ATTR_LOG,
         {"paths": {"by": "page"}, "rule": {"rule": "linear"}}, {"error": "json"},
         "page is not a dimension; the accepted ones are listed"),
]

with OUT.open("w") as f:
    f.write('{\n  "area": "paths",\n  "cases": [\n')
    f.write(",\n".join("    " + json.dumps(c, ensure_ascii=False) for c in cases))
    f.write("\n  ]\n}\n")
print(f"wrote {len(cases)} cases to {OUT}")
