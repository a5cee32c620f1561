#!/usr/bin/env python3
"""Writes tests/golden/triggers.json. Every expected due time below is worked out by hand in the
comments, from the rule definitions in engagement-core/src/journey/triggers.rs and the stage rules of
engagement-core/src/journey/stages.rs; this script only does the additions and writes the file.

    python3 tests/golden/derive/triggers.py
"""
import json
import os

T0 = 1704067200  # 2024-01-01 00:00 UTC, a Monday
DAY, HOUR = 86400, 3600
YEAR_2024 = 366 * DAY  # from a date in January 2024 to the same date in 2025 (29 Feb 2024 between)


def tp(rows):
    cols = {"customer": [], "time": [], "channel": [], "kind": [], "value": []}
    for c, t, kind in rows:
        cols["customer"].append(c)
        cols["time"].append(t)
        cols["channel"].append("web")
        cols["kind"].append(kind)
        cols["value"].append(20.0 if kind == "purchase" else 0.0)
    return cols


def act(customer, due, rule, action):
    return {"customer": customer, "due": due, "rule": rule, "action": action}


every_rule_config = {
    "rules": [
        {"name": "welcome", "action": "welcome_email", "when": {"type": "first_touch"}, "delay": 600},
        {"name": "cart", "action": "cart_reminder", "when": {"type": "abandoned_cart", "wait": 2 * HOUR}},
        {"name": "second", "action": "thank_you", "when": {"type": "nth_purchase", "n": 2}},
        {"name": "reorder", "action": "reorder_reminder", "when": {"type": "reorder"}},
        {"name": "anniversary", "action": "anniversary_coupon", "when": {"type": "anniversary"}},
        {"name": "win_back", "action": "win_back_offer", "when": {"type": "at_risk"}},
    ],
    "stages": {"default_purchase_interval_days": 30},
}
# Events in time order.
every_rule_rows = [
    (1, T0, "impression"),            # not an interaction: no welcome
    (2, T0 + 100, "checkout"),        # welcome at +700; cart reminder pending at +100 + 2 h
    (1, T0 + HOUR, "visit"),          # welcome at +3600 + 600
    (2, T0 + HOUR + 100, "cart_add"), # restarts customer 2's wait: reminder at +3700 + 7200 = +10900
    (1, T0 + 2 * HOUR, "cart_add"),   # reminder pending at +7200 + 7200 = +14400 ...
    (1, T0 + 3 * HOUR, "purchase"),   # ... cancelled by this purchase at +10800. First purchase:
                                      # anniversary 2025-01-01 03:00 = +366 d + 3 h; one purchase, so
                                      # the at-risk limit is 2 × 30 days (default interval) ...
    (3, T0 + 5 * DAY, "purchase"),    # customer 3: welcome at +5 d + 600; anniversary 2025-01-06 = +5 d + 366 d
    (3, T0 + 5 * DAY + HOUR, "purchase"),  # second purchase: thank-you now; mean interval 1 h, which
                                      # both the reorder and the at-risk rules floor at the stage
                                      # rules' minimum of 1 day: reorder reminder 1 day later, at
                                      # risk 2 days + 1 s after this purchase
    (1, T0 + 10 * DAY + 3 * HOUR, "purchase"),  # customer 1's second: thank-you now; mean interval
                                      # 10 days: reorder 10 days later, at risk 20 days + 1 s later
                                      # (the 60-day one of the first purchase moves)
]
c1_second = T0 + 10 * DAY + 3 * HOUR
c3_second = T0 + 5 * DAY + HOUR
every_rule_expected = [
    act(2, T0 + 700, "welcome", "welcome_email"),
    act(1, T0 + HOUR + 600, "welcome", "welcome_email"),
    act(2, T0 + HOUR + 100 + 2 * HOUR, "cart", "cart_reminder"),
    act(3, T0 + 5 * DAY + 600, "welcome", "welcome_email"),
    act(3, c3_second, "second", "thank_you"),
    act(3, c3_second + DAY, "reorder", "reorder_reminder"),
    act(3, c3_second + 2 * DAY + 1, "win_back", "win_back_offer"),
    act(1, c1_second, "second", "thank_you"),
    act(1, c1_second + 10 * DAY, "reorder", "reorder_reminder"),
    act(1, c1_second + 20 * DAY + 1, "win_back", "win_back_offer"),
    act(1, T0 + 3 * HOUR + YEAR_2024, "anniversary", "anniversary_coupon"),
    act(3, T0 + 5 * DAY + YEAR_2024, "anniversary", "anniversary_coupon"),
]
until = T0 + 400 * DAY  # before the second anniversaries (2026-01-01 = T0 + 731 d)

cap_config = {
    "rules": [
        {"name": "welcome", "action": "welcome_email", "when": {"type": "first_touch"}},
        {"name": "first", "action": "first_order_coupon", "when": {"type": "nth_purchase", "n": 1}},
        {"name": "second", "action": "thank_you", "when": {"type": "nth_purchase", "n": 2}},
    ],
    "cap": {"max": 2, "window": DAY},
    "quiet_hours": {"from": 22, "to": 7, "utc_offset_minutes": 60},
}
cap_rows = [
    (1, T0 + 12 * HOUR, "purchase"),          # 13:00 local: welcome and first coupon due now
    (1, T0 + 14 * HOUR, "purchase"),          # thank-you would be the third action within a day: dropped
    (2, T0 + 21 * HOUR + 1800, "visit"),      # 22:30 local is quiet: welcome at 07:00 local = 06:00 UTC next day
    (2, T0 + 2 * DAY + 5 * HOUR, "purchase"), # 06:00 local is quiet: coupon at 07:00 local = 06:00 UTC
]
cap_expected = [
    act(1, T0 + 12 * HOUR, "welcome", "welcome_email"),
    act(1, T0 + 12 * HOUR, "first", "first_order_coupon"),
    act(2, T0 + DAY + 6 * HOUR, "welcome", "welcome_email"),
    act(2, T0 + 2 * DAY + 6 * HOUR, "first", "first_order_coupon"),
]

cases = [
    {"name": "every_rule_in_chunks", "op": "triggers",
     "input": {"touchpoints": tp(every_rule_rows), "chunks": [3, 4, 2], "until": until},
     "config": every_rule_config,
     "expected": {"ok": {"actions": every_rule_expected, "suppressed": 0}},
     "tolerance": 0,
     "source": "By hand (comments in tests/golden/derive/triggers.py): T0 = 2024-01-01 UTC; fed in three "
               "chunks in time order, then advanced to T0 + 400 days."},
    {"name": "every_rule_one_reversed_batch", "op": "triggers",
     "input": {"touchpoints": tp(every_rule_rows[::-1]), "until": until},
     "config": every_rule_config,
     "expected": {"ok": {"actions": every_rule_expected, "suppressed": 0}},
     "tolerance": 0,
     "source": "The same events in one batch in reverse order: the engine sorts a batch by time, so the "
               "actions are those of the chunked case."},
    {"name": "cap_and_quiet_hours", "op": "triggers",
     "input": {"touchpoints": tp(cap_rows), "until": T0 + 3 * DAY},
     "config": cap_config,
     "expected": {"ok": {"actions": cap_expected, "suppressed": 1}},
     "tolerance": 0,
     "source": "By hand: at most 2 actions per customer per day; quiet 22:00-07:00 at UTC+1."},
    {"name": "late_chunk_is_rejected", "op": "triggers",
     "input": {"touchpoints": tp([(1, T0 + DAY, "visit"), (1, T0, "visit")]), "chunks": [1, 1],
               "until": T0 + 2 * DAY},
     "config": cap_config,
     "expected": {"error": "invalid_input"},
     "tolerance": 0,
     "source": "The second chunk is before the engine's clock."},
    {"name": "zero_th_purchase_is_a_config_error", "op": "triggers",
     "input": {"touchpoints": tp([(1, T0, "visit")]), "until": T0},
     "config": {"rules": [{"name": "r", "action": "a", "when": {"type": "nth_purchase", "n": 0}}]},
     "expected": {"error": "config"},
     "tolerance": 0,
     "source": "Purchases are counted from 1."},
]

# A product's own events. Rules: a sales call an hour after the first pricing view (once); an
# onboarding email when a trial is not followed by a created or imported project within three days;
# a follow-up on a click of campaign 42. Customer 1 views pricing at T0 (call at T0 + 1 h) and again
# 10 minutes later (once: nothing), starts a trial at T0 + 1 day and imports a project a day later
# (the email, due T0 + 4 days, is cancelled). Customer 2 starts a trial at T0 (email due T0 + 3
# days; deleting a project completes nothing), clicks campaign 42 at T0 + 1 day (follow-up then)
# and opens its email an hour later (an open, not a click: nothing). Customer 3 clicks campaign 7.
event_rules = {"rules": [
    {"name": "pricing", "action": "sales_call", "when": {"type": "event", "on": {"events": ["pricing_page_view"]},
                                                          "once": True}, "delay": HOUR},
    {"name": "activate", "action": "onboarding_email",
     "when": {"type": "abandoned", "wait": 3 * DAY, "start": {"events": ["trial_started"]},
              "complete": {"event_regex": "^project_(created|imported)$"}}},
    {"name": "promo", "action": "promo_follow_up", "when": {"type": "event", "on": {"campaigns": [42], "kinds": ["click"]}}},
]}
event_rows = [  # (customer, time, kind, event, campaign), in time order
    (1, T0, "visit", "pricing_page_view", 0),
    (2, T0, "visit", "trial_started", 0),
    (1, T0 + 600, "visit", "pricing_page_view", 0),
    (1, T0 + DAY, "visit", "trial_started", 0),
    (2, T0 + DAY, "click", "newsletter_click", 42),
    (2, T0 + DAY + HOUR, "open", "newsletter_open", 42),
    (1, T0 + 2 * DAY, "visit", "project_imported", 0),
    (2, T0 + 2 * DAY, "visit", "project_deleted", 0),
    (3, T0 + 5 * DAY, "click", "newsletter_click", 7),
]
event_expected = [
    act(1, T0 + HOUR, "pricing", "sales_call"),
    act(2, T0 + DAY, "promo", "promo_follow_up"),
    act(2, T0 + 3 * DAY, "activate", "onboarding_email"),
]


def event_input(rows, **extra):
    return {"touchpoints": tp([(c, t, k) for c, t, k, _, _ in rows]), "event": [r[3] for r in rows],
            "campaign": [r[4] for r in rows], "until": T0 + 10 * DAY, **extra}


cases += [
    {"name": "product_events_in_chunks", "op": "triggers", "input": event_input(event_rows, chunks=[4, 5]),
     "config": event_rules, "expected": {"ok": {"actions": event_expected, "suppressed": 0}}, "tolerance": 0,
     "source": "By hand (comments in tests/golden/derive/triggers.py): event and abandoned rules over event "
               "labels, a regular expression and a campaign, fed in two chunks."},
    {"name": "product_events_one_reversed_batch", "op": "triggers", "input": event_input(event_rows[::-1]),
     "config": event_rules, "expected": {"ok": {"actions": event_expected, "suppressed": 0}}, "tolerance": 0,
     "source": "The same events in one batch in reverse order."},
    {"name": "product_event_rules_without_events", "op": "triggers",
     "input": {"touchpoints": tp([(c, t, k) for c, t, k, _, _ in event_rows]), "until": T0 + 10 * DAY},
     "config": event_rules, "expected": {"error": "config"}, "tolerance": 0,
     "source": "The rules match event labels and campaigns that are not given."},
]

out = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "triggers.json")
with open(out, "w") as f:
    json.dump({"area": "triggers", "cases": cases}, f, indent=1)
    f.write("\n")
