#!/usr/bin/env python3
"""Writes tests/golden/funnel_power.json: funnel power features over an event log (exclusions,
per-step windows, any order, a property held constant, first-touch entry, a breakdown by the entry
touchpoint's property, event-conversion odds ratios, time-to-convert histograms), every expected
value derived here by enumerating every chain of touchpoints with pandas and numpy, independently of
the engine's one-pass algorithm.

Definitions (as the engine documents them):
- a journey is a customer's touchpoints in time order (times are distinct within a customer here);
- an attempt starts at a touchpoint of step 0 (with entry="first", only the customer's first) and
  takes later touchpoints within `window` seconds of it; a chain is a sequence of touchpoints
  matching steps 0, 1, 2 … in order, each within its step's `within` of the previous one; a chain
  reaching step m is voided by an exclusion [a, b] with a < min(b, m) when a touchpoint matching the
  exclusion comes after the chain's step-a touchpoint and no later than its step-min(b, m) one;
  with hold_constant, a chain's touchpoints share the entry's value of the property;
- an attempt reaches step j at the earliest time a valid chain reaches it; a journey's counted
  attempt is its deepest (the earliest entry among equals);
- order="any": an attempt from any touchpoint matching a step reaches its (j+1)-th distinct step at
  the first time j+1 distinct steps are done (a touchpoint doing every step it matches);
- quantiles by numpy's linear percentile; a histogram has `time_bins` equal bins from 0 to the
  longest time (a time on an edge in the bin it opens, the longest in the last; one bin [0, 0] when
  all times are 0);
- breakdown: journeys by the property of their counted attempt's first touchpoint, the most entering
  first, then by label;
- correlation: among journeys entering, those carrying an event (not matched by a step's labels)
  between the counted attempt's first touchpoint and its last step if it converted, or the window's
  end if not; the odds ratio with 0.5 added to every cell when one is 0, Woolf's interval at 0.95
  and the two-sided normal p-value (closed forms, computed here with the standard library).

    python3 -m venv /tmp/derive && /tmp/derive/bin/pip install pandas
    /tmp/derive/bin/python tests/golden/derive/funnel_power.py
"""
import json
import math
import pathlib
from statistics import NormalDist

import numpy as np
import pandas as pd

OUT = pathlib.Path(__file__).resolve().parents[1] / "funnel_power.json"

# A shop's log. 1: view, cart, refund, cart, buy (a later cart keeps the conversion valid past the
# refund); 2: view, cart, refund, buy (voided between cart and buy); 3: view, cart 50 s later, buy
# (slow to the cart); 4: cart, view, buy (any order); 5: view (campaign 7), view (campaign 9), cart
# (campaign 9), buy (campaign 9); 6: help, view, help, cart, buy; 7: view, help (never buys);
# 8: view, promo, cart; 9: buy only.
LOG = {
    "customer": [1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 6, 7, 7, 8, 8, 8, 9],
    "time": [0, 10, 20, 30, 40, 0, 5, 8, 12, 0, 50, 55, 0, 5, 9, 0, 30, 35, 45, 0, 4, 6, 9, 15, 0, 3, 0, 2, 70,
             0],
    "event": ["view", "cart", "refund", "cart", "buy", "view", "cart", "refund", "buy", "view", "cart", "buy",
              "cart", "view", "buy", "view", "view", "cart", "buy", "help", "view", "help", "cart", "buy", "view",
              "help", "view", "promo", "cart", "buy"],
    "channel": ["email", "web", "web", "web", "web", "ads", "web", "web", "web", "email", "web", "web", "web",
                "email", "web", "ads", "email", "web", "web", "web", "ads", "web", "web", "web", "email", "web",
                "ads", "web", "web", "web"],
    "campaign": [0, 0, 0, 0, 0, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0, 7, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 0],
}
STEPS = [{"name": "view", "events": ["view"]}, {"name": "cart", "events": ["cart"]},
         {"name": "buy", "events": ["buy"]}]
PROPERTY = {"channel": "channel", "campaign": "campaign", "event": "event"}


def journeys(log):
    df = pd.DataFrame(log).sort_values(["customer", "time"], kind="stable")
    return [g.to_dict("records") for _, g in df.groupby("customer", sort=True)]


def step_of(config, j, row):
    return row["event"] in config["steps"][j]["events"]


def excluded(x, row):
    return row["event"] in x["events"]


def ordered_attempt(config, rows, start):
    """Earliest time each step is reached by a valid chain from `start` (enumerating chains)."""
    k, window = len(config["steps"]), config.get("window", 30 * 86400)
    hold = config.get("hold_constant")
    t0 = rows[start]["time"]
    first = [None] * k

    def extend(chain):
        m = len(chain)
        t = rows[chain[-1]]["time"]
        first[m - 1] = t if first[m - 1] is None else min(first[m - 1], t)
        if m == k:
            return
        within = config["steps"][m].get("within")
        for r in range(chain[-1] + 1, len(rows)):
            row = rows[r]
            if not step_of(config, m, row) or row["time"] - t0 > window:
                continue
            if within is not None and row["time"] - t > within:
                continue
            if hold and row[PROPERTY[hold]] != rows[start][PROPERTY[hold]]:
                continue
            new = chain + [r]
            void = False
            for x in config.get("exclusions", []):
                a, b = x["between"]
                to = min(b, m)
                if a < to and any(excluded(x, rows[e]) for e in range(new[a] + 1, new[to] + 1)):
                    void = True
            if not void:
                extend(new)

    extend([start])
    times = []
    for t in first:
        if t is None:
            break
        times.append(t - t0)
    return times


def any_attempt(config, rows, start):
    k, window = len(config["steps"]), config.get("window", 30 * 86400)
    hold = config.get("hold_constant")
    t0 = rows[start]["time"]
    done, times = set(), []
    for row in rows[start:]:
        if row["time"] - t0 > window:
            break
        if hold and row[PROPERTY[hold]] != rows[start][PROPERTY[hold]]:
            continue
        new = {j for j in range(k) if step_of(config, j, row)} - done
        done |= new
        times += [row["time"] - t0] * len(new)
    return times


def counted(config, rows):
    """(times, entry row) of the journey's counted attempt."""
    anyorder = config.get("order") == "any"
    best, entry = [], None
    for s, row in enumerate(rows):
        enters = any(step_of(config, j, row) for j in range(len(config["steps"]))) if anyorder \
            else step_of(config, 0, row)
        if not enters:
            continue
        got = any_attempt(config, rows, s) if anyorder else ordered_attempt(config, rows, s)
        if len(got) > len(best):
            best, entry = got, s
        if config.get("entry") == "first":
            break
    return best, entry


def histogram(times, bins):
    if not times:
        return {"edges": [], "counts": []}
    hi = max(times)
    if hi == 0:
        return {"edges": [0.0, 0.0], "counts": [len(times)]}
    counts = [0] * bins
    for t in times:
        counts[min(t * bins // hi, bins - 1)] += 1
    return {"edges": [hi * i / bins for i in range(bins + 1)], "counts": counts}


def quantile(times, q):
    return None if not times else float(np.percentile(np.array(times, dtype=float), q * 100))


def result(config, attempts):
    k = len(config["steps"])
    per_step = [[a[j] for a in attempts if len(a) > j] for j in range(k)]
    reached = [len(t) for t in per_step]
    return {
        "customers": reached,
        "drop_off": [0] + [reached[j - 1] - reached[j] for j in range(1, k)],
        "median_time": [quantile(t, 0.5) for t in per_step],
        "p25_time": [quantile(t, 0.25) for t in per_step],
        "p75_time": [quantile(t, 0.75) for t in per_step],
        "time_histogram": [histogram(t, config.get("time_bins", 10)) for t in per_step],
    }


def odds(event, cells):
    shift = 0.5 if 0 in cells else 0.0
    a, b, c, d = (x + shift for x in cells)
    log_or = math.log(a * d / (b * c))
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    z = NormalDist().inv_cdf(0.975)
    return {"event": event, "converted_with": cells[0], "failed_with": cells[1], "converted_without": cells[2],
            "failed_without": cells[3], "odds_ratio": math.exp(log_or), "ci_low": math.exp(log_or - z * se),
            "ci_high": math.exp(log_or + z * se), "p_value": math.erfc(abs(log_or) / se / math.sqrt(2))}


def funnel(log, config):
    k, window = len(config["steps"]), config.get("window", 30 * 86400)
    rows_of = journeys(log)
    counted_attempts = []
    for rows in rows_of:
        times, entry = counted(config, rows)
        if times:
            counted_attempts.append((rows, times, entry))
    out = result(config, [a[1] for a in counted_attempts])
    if config.get("breakdown"):
        prop = PROPERTY[config["breakdown"]]
        groups = {}
        for rows, times, entry in counted_attempts:
            groups.setdefault(str(rows[entry][prop]), []).append(times)
        order = sorted(groups, key=lambda g: (-len(groups[g]), g))
        out["breakdown"] = [{"label": g, "result": result(config, groups[g])} for g in order]
    if config.get("correlation"):
        step_labels = {e for s in config["steps"] for e in s.get("events", [])}
        converted = sum(len(t) == k for _, t, _ in counted_attempts)
        failed = len(counted_attempts) - converted
        carried = {}
        for rows, times, entry in counted_attempts:
            t0 = rows[entry]["time"]
            end = t0 + times[-1] if len(times) == k else t0 + window
            for e in {r["event"] for r in rows if t0 <= r["time"] <= end} - step_labels:
                carried.setdefault(e, [0, 0])[0 if len(times) == k else 1] += 1
        table = [odds(e, [c, f, converted - c, failed - f]) for e, (c, f) in carried.items()]
        out["correlation"] = sorted(table, key=lambda r: (-r["odds_ratio"], r["event"]))
    return out


def case(name, config, expected, source, log=LOG, tolerance=1e-12):
    return {"name": name, "op": "event_funnel", "input": {"events": log}, "config": config,
            "expected": expected, "tolerance": tolerance, "source": source}


SRC = "tests/golden/derive/funnel_power.py (pandas, every chain enumerated): "
EXCLUSION = {"name": "refund", "events": ["refund"], "between": [1, 2]}
configs = {
    "funnel_exclusion_between_cart_and_buy": (
        {"steps": STEPS, "exclusions": [EXCLUSION], "window": 100},
        "a refund between cart and buy voids customer 2's conversion; customer 1's later cart keeps "
        "a valid chain"),
    "funnel_exclusion_from_the_first_step": (
        {"steps": STEPS, "exclusions": [dict(EXCLUSION, between=[0, 2])], "window": 100},
        "the same refund voids between view and buy: customer 1 now has no valid chain past cart"),
    "funnel_step_within": (
        {"steps": [STEPS[0], dict(STEPS[1], within=20), STEPS[2]], "window": 100},
        "cart within 20 s of view: customer 3's cart (50 s) does not count"),
    "funnel_within_and_exclusion": (
        {"steps": [STEPS[0], STEPS[1], dict(STEPS[2], within=6)], "exclusions": [EXCLUSION], "window": 100,
         "time_bins": 4},
        "buy within 6 s of cart and no refund between: chains through later carts"),
    "funnel_any_order": (
        {"steps": STEPS, "order": "any", "window": 100},
        "steps in any order: customer 4's cart, view, buy converts; customer 9's lone buy is one step"),
    "funnel_hold_campaign": (
        {"steps": STEPS, "hold_constant": "campaign", "window": 100},
        "every step in the entry's campaign: customer 5 converts from its second view (campaign 9)"),
    "funnel_first_entry_held": (
        {"steps": STEPS, "hold_constant": "campaign", "entry": "first", "window": 100},
        "only the first view starts: customer 5's campaign-7 view reaches nothing"),
    "funnel_breakdown_channel": (
        {"steps": STEPS, "breakdown": "channel", "window": 100},
        "a funnel per channel of the counted attempt's first touchpoint"),
    "funnel_breakdown_campaign_any_order": (
        {"steps": STEPS, "breakdown": "campaign", "order": "any", "window": 100, "time_bins": 3},
        "a funnel per campaign of the entry, steps in any order"),
    "funnel_correlation": (
        {"steps": STEPS, "correlation": True, "window": 100},
        "odds ratios of converting with help, promo and refund (0.5 added to zero cells), Woolf 95 % "
        "intervals"),
    "funnel_correlation_two_steps": (
        {"steps": STEPS[:2], "correlation": True, "window": 60},
        "view to cart in 60 s: buy is an event like any other now; customer 3's cart is too late"),
}
cases = [case(name, config, {"ok": funnel(LOG, config)}, SRC + source, tolerance=1e-12)
         for name, (config, source) in configs.items()]
cases += [
    case("funnel_exclusion_backwards", {"steps": STEPS, "exclusions": [dict(EXCLUSION, between=[2, 1])]},
         {"error": "config"}, "between must name two steps, the first before the second"),
    case("funnel_exclusion_strict", {"steps": STEPS, "exclusions": [EXCLUSION], "order": "strict"},
         {"error": "config"}, "exclusions need loose order; the message says so"),
    case("funnel_within_first_step", {"steps": [dict(STEPS[0], within=5), STEPS[1]]}, {"error": "config"},
         "the first step has no previous step to be within"),
    case("funnel_correlation_without_events", {"steps": [{"name": "any"}], "correlation": True},
         {"error": "config"}, "correlation is of events: without an event column it is refused",
         log={k: LOG[k] for k in ("customer", "time")}),
    case("funnel_exclusion_matching_everything", {"steps": STEPS, "exclusions": [{"name": "x", "between": [0, 1]}]},
         {"error": "config"}, "an exclusion with no kinds, channels, campaigns or events would match every touchpoint"),
    case("funnel_time_bins_zero", {"steps": STEPS, "time_bins": 0}, {"error": "config"},
         "a histogram needs 1 to 1000 bins"),
    case("funnel_hold_unknown_property", {"steps": STEPS, "hold_constant": "page"}, {"error": "json"},
         "page is not a property; the accepted ones are listed"),
]

with OUT.open("w") as f:
    f.write('{\n  "area": "funnel_power",\n  "cases": [\n')
    f.write(",\n".join("    " + json.dumps(c, ensure_ascii=False) for c in cases))
    f.write("\n  ]\n}\n")
print(f"wrote {len(cases)} cases to {OUT}")
