#!/usr/bin/env python3
"""Writes tests/golden/retention.json: retention of start and return events, every expected value
derived here with pandas (its Period calendar and Timestamp arithmetic), independently of the engine.

Definitions (as the engine documents them):
- touchpoints after as_of (default: the latest touchpoint) are ignored; a customer's touchpoints are
  in time order, equal times by kind, channel, campaign, then event label (its text);
- an entry is a customer's first start event ("first"), or the first start event of each local
  period that has one ("recurring"); its cohort is that local period (local = UTC + utc_offset);
- bracket [a, b] of an entry at second s: calendar windows run from the start of the a-th local
  period after the entry's to the start of the (b+1)-th; rolling ones from s + a*L to s + (b+1)*L
  (L = 1, 7 or 30 days);
- an entry is counted in a bracket when the bracket's last second is at or before as_of (or always,
  censor = false); retained with at least min_occurrences return events in the window ("bounded") or
  from its start to as_of ("unbounded"); value: the return events' values in that span (null when
  nobody is counted);
- previous: counted entries retained in the bracket before (the first bracket: all counted); kept: of
  those, retained in this one; rates are ratios, null over 0.

    python3 -m venv /tmp/derive && /tmp/derive/bin/pip install pandas
    /tmp/derive/bin/python tests/golden/derive/retention.py
"""
import json
import pathlib
import re

import numpy as np
import pandas as pd

OUT = pathlib.Path(__file__).resolve().parents[1] / "retention.json"
CHANNELS = ["email", "web", "mobile_app", "social", "phone", "chat", "store", "ads", "sms", "push", "other"]
KINDS = ["impression", "open", "click", "visit", "purchase", "refund", "review", "referral", "share",
         "support_contact", "complaint", "survey_response", "offer_redeemed", "other", "cart_add", "checkout"]
FREQ = {"day": "D", "week": "W-SUN", "month": "M"}
ROLLING = {"day": 1, "week": 7, "month": 30}


def unix(text):
    return int(pd.Timestamp(text, tz="UTC").timestamp())


# Customer 1 signs up, comes back exactly at the next midnight and 47:59:59 later, signs up again;
# customer 2 signs up 30 minutes before a month ends (at UTC+1 already in February) and buys; 3 signs
# up late (its brackets run past as_of); 4 never signs up and sets the latest time; 5 signs up and
# opens in one second (a tie), then buys with a value.
LOG = {
    "customer": [1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 5, 5, 5, 5],
    "time": [unix("2024-01-29 10:00"), unix("2024-01-30 00:00"), unix("2024-01-31 09:59:59"),
             unix("2024-02-02 08:00"), unix("2024-02-05 12:00"),
             unix("2024-01-31 23:30"), unix("2024-02-01 00:15"), unix("2024-02-01 23:59:59"),
             unix("2024-02-03 18:00"),
             unix("2024-02-10 09:00"), unix("2024-02-11 09:00"),
             unix("2024-02-12 12:00"),
             unix("2024-01-29 10:00"), unix("2024-01-29 10:00"), unix("2024-02-01 10:00"),
             unix("2024-02-06 10:00")],
    "event": ["signup", "open", "open", "signup", "open",
              "signup", "open", "open", "buy",
              "signup", "open",
              "open",
              "open", "signup", "buy", "buy"],
    "value": [0, 0, 0, 0, 0, 0, 0, 0, 12.5, 0, 0, 0, 0, 0, 7.25, 3.0],
}
CHANNEL_LOG = dict(LOG, channel=["web", "email", "web", "web", "mobile_app", "web", "web", "email", "web", "store",
                                 "web", "web", "web", "web", "web", "store"],
                   kind=["visit", "open", "visit", "visit", "visit", "visit", "click", "open", "purchase", "visit",
                         "visit", "visit", "visit", "visit", "purchase", "purchase"])


def frame(log):
    df = pd.DataFrame(log)
    df["channel"] = df["channel"] if "channel" in df else "other"
    df["kind"] = df["kind"] if "kind" in df else "other"
    df["value"] = df["value"] if "value" in df else 0.0
    df["campaign"] = df["campaign"] if "campaign" in df else 0
    df["event"] = df["event"] if "event" in df else ""
    df["kc"] = df["kind"].map(KINDS.index)
    df["cc"] = df["channel"].map(CHANNELS.index)
    return df.sort_values(["customer", "time", "kc", "cc", "campaign", "event"], kind="stable")


def matches(df, m):
    """The rows a matcher takes (every row without criteria)."""
    m = m or {}
    ok = pd.Series(True, index=df.index)
    if m.get("events") or m.get("event_prefix") is not None or m.get("event_regex") is not None:
        ev = df["event"].isin(m.get("events", []))
        if m.get("event_prefix") is not None:
            ev |= df["event"].str.startswith(m["event_prefix"])
        if m.get("event_regex") is not None:
            ev |= df["event"].map(lambda e: re.search(m["event_regex"], e) is not None)
        ok &= ev
    if m.get("kinds"):
        ok &= df["kind"].isin(m["kinds"])
    if m.get("channels"):
        ok &= df["channel"].isin(m["channels"])
    if m.get("campaigns"):
        ok &= df["campaign"].isin(m["campaigns"])
    return ok


def retention(log, config):
    c = {"period": "day", "windows": "calendar", "periods": 7, "brackets": None, "mode": "bounded",
         "start_occurrence": "first", "min_occurrences": 1, "utc_offset": 0, "censor": True, **config}
    df = frame(log)
    as_of = c.get("as_of", int(df["time"].max()))
    df = df[df["time"] <= as_of]
    brackets = c["brackets"] or [[k, k] for k in range(1, c["periods"] + 1)]
    offset = c["utc_offset"]
    freq = FREQ[c["period"]]

    def local_period(t):
        return pd.Timestamp(t + offset, unit="s").to_period(freq)

    def period_start(p):  # Unix seconds at which local period p starts
        return int(p.start_time.timestamp()) - offset if p.start_time.tzinfo else \
            int(pd.Timestamp(p.start_time).tz_localize("UTC").timestamp()) - offset

    starts = df[matches(df, c.get("start"))]
    returns = df[matches(df, c.get("return"))]
    entries = []  # (customer, cohort period, s)
    for cust, rows in starts.groupby("customer", sort=True):
        seen = set()
        for t in rows["time"]:
            p = local_period(int(t))
            if c["start_occurrence"] == "first" and entries and entries[-1][0] == cust:
                break
            if p in seen:
                continue
            seen.add(p)
            entries.append((cust, p, int(t)))
    k = len(brackets)
    cohorts = {}
    for cust, p, s in entries:
        row = cohorts.setdefault(p, {"size": 0, **{f: [0] * k for f in
                                                   ("counted", "retained", "previous", "kept")},
                                     "value": [0.0] * k})
        row["size"] += 1
        mine = returns[returns["customer"] == cust]
        retained = []
        for j, (a, b) in enumerate(brackets):
            if c["windows"] == "rolling":
                length = ROLLING[c["period"]] * 86_400
                lo, hi = s + a * length, s + (b + 1) * length
            else:
                lo, hi = period_start(p + a), period_start(p + b + 1)
            counted = (not c["censor"]) or hi - 1 <= as_of
            end = hi if c["mode"] == "bounded" else as_of + 1
            span = mine[(mine["time"] >= lo) & (mine["time"] < end)]
            retained.append(len(span) >= c["min_occurrences"])
            if not counted:
                continue
            row["counted"][j] += 1
            row["value"][j] += float(span["value"].sum())
            row["retained"][j] += int(retained[j])
            if j == 0 or retained[j - 1]:
                row["previous"][j] += 1
                row["kept"][j] += int(retained[j])
    if not cohorts:
        return {"error": "empty_input"}

    def ratio(a, b):
        return None if b == 0 else a / b

    out = {"period": c["period"], "windows": c["windows"], "mode": c["mode"], "brackets": brackets, "as_of": as_of,
           "cohort_start": [], "cohort": [], "size": [], "counted": [], "retained": [], "rate": [], "previous": [],
           "kept": [], "rate_of_previous": [], "value": [], "value_per_entry": []}
    total = {f: [0] * k for f in ("counted", "retained", "previous", "kept")}
    total["value"] = [0.0] * k
    for p in sorted(cohorts):
        row = cohorts[p]
        out["cohort_start"].append(period_start(p))
        out["cohort"].append(p.start_time.strftime("%Y-%m-%d"))
        out["size"].append(row["size"])
        for j in range(k):
            for f in ("counted", "retained", "previous", "kept"):
                out[f].append(row[f][j])
                total[f][j] += row[f][j]
            out["rate"].append(ratio(row["retained"][j], row["counted"][j]))
            out["rate_of_previous"].append(ratio(row["kept"][j], row["previous"][j]))
            out["value"].append(None if row["counted"][j] == 0 else row["value"][j])
            out["value_per_entry"].append(None if row["counted"][j] == 0 else row["value"][j] / row["counted"][j])
            total["value"][j] += row["value"][j]
    out.update({"total_size": sum(r["size"] for r in cohorts.values()), "total_counted": total["counted"],
                "total_retained": total["retained"],
                "total_rate": [ratio(total["retained"][j], total["counted"][j]) for j in range(k)],
                "total_rate_of_previous": [ratio(total["kept"][j], total["previous"][j]) for j in range(k)],
                "total_value": [None if total["counted"][j] == 0 else total["value"][j] for j in range(k)]})
    return {"ok": out}


def case(name, log, config, source, expected=None):
    c = {"name": name, "op": "retention_events", "input": {"events": log}}
    if config is not None:
        c["config"] = config
    c.update({"expected": expected or retention(log, config or {}), "tolerance": 1e-9, "source": source})
    return c


SIGNUP = {"events": ["signup"]}
OPEN = {"events": ["open"]}
DERIVED = "tests/golden/derive/retention.py (pandas Periods and Timestamps, entry by entry)"
cases = [
    case("day_calendar_censored", LOG, {"start": SIGNUP, "return": OPEN, "periods": 4},
         DERIVED + ": a return at the next midnight is day 1; customer 3's later days lie after as_of"),
    case("day_rolling_unbounded_twice", LOG,
         {"start": SIGNUP, "return": OPEN, "periods": 3, "windows": "rolling", "mode": "unbounded",
          "min_occurrences": 2},
         DERIVED + ": 24-hour windows from the signup second; two opens from the bracket on"),
    case("week_recurring_value_brackets", LOG,
         {"start": {"event_prefix": "sign"}, "return": {"event_regex": "^(open|buy)$"}, "period": "week",
          "brackets": [[1, 1], [2, 3]], "start_occurrence": "recurring", "censor": False},
         DERIVED + ": ISO weeks; an entry per week with a signup; values of the returns summed"),
    case("month_at_utc_plus_one", LOG,
         {"start": SIGNUP, "return": {"events": ["buy", "open"]}, "period": "month", "periods": 2,
          "utc_offset": 3600, "censor": False},
         DERIVED + ": at UTC+1 customer 2's signup at 23:30 UTC on 31 January is in February's cohort"),
    case("day_at_utc_minus_five", LOG,
         {"start": SIGNUP, "return": OPEN, "periods": 2, "utc_offset": -18000},
         DERIVED + ": at UTC-5 the midnight return is still the signup's day"),
    case("any_activity_as_of", LOG, {"periods": 3, "as_of": unix("2024-02-05 00:00")},
         DERIVED + ": start and return any touchpoint; touchpoints after as_of ignored"),
    case("kinds_and_channels", CHANNEL_LOG,
         {"start": {"kinds": ["visit"], "channels": ["web"]}, "return": {"kinds": ["purchase"]},
          "period": "week", "periods": 2, "censor": False},
         DERIVED + ": a web visit starts, a purchase returns (revenue retention)"),
    case("start_never_happens", LOG, {"start": {"events": ["never"]}}, "nobody starts: an empty table is an error",
         {"error": "empty_input"}),
    case("brackets_out_of_order", LOG, {"brackets": [[2, 7], [1, 1]]}, "brackets are ascending and disjoint",
         {"error": "config"}),
    case("bracket_from_zero", LOG, {"brackets": [[0, 1]]}, "period 0 is the entry's own: brackets start at 1",
         {"error": "config"}),
    case("offset_beyond_a_day", LOG, {"utc_offset": 90000}, "an offset beyond 18 hours is refused",
         {"error": "config"}),
    case("misspelt_setting", LOG, {"periodz": 3}, "an unknown key names the accepted ones", {"error": "json"}),
    case("periods_and_brackets", LOG, {"periods": 3, "brackets": [[1, 1]]}, "periods or brackets, not both",
         {"error": "config"}),
    case("offset_in_hours", LOG, {"utc_offset": -5}, "an offset is seconds in whole quarter hours: -5 is a slip",
         {"error": "config"}),
    case("kinds_without_kind_column", LOG, {"return": {"kinds": ["purchase"]}},
         "an event log has no kinds: a kind matcher there is refused", {"error": "config"}),
    case("events_not_given", {k: v for k, v in LOG.items() if k != "event"}, {"start": SIGNUP},
         "a start matching events needs the event column", {"error": "config"}),
    case("event_column_short", dict(LOG, event=LOG["event"][:-1]), {"start": SIGNUP},
         "one event label fewer than touchpoints", {"error": "length_mismatch"}),
]



def lifecycle(log, config):
    """New / returning / resurrecting / dormant per local period, from sets of active customers."""
    c = {"period": "week", "utc_offset": 0, **config}
    df = frame(log)
    as_of = c.get("as_of", int(df["time"].max()))
    df = df[(df["time"] <= as_of) & matches(df, c.get("activity"))]
    if df.empty:
        return {"error": "empty_input"}
    offset = c["utc_offset"]
    freq = FREQ[c["period"]]
    local = pd.to_datetime(df["time"] + offset, unit="s").dt.to_period(freq)
    last = pd.Timestamp(as_of + offset, unit="s").to_period(freq)
    periods = pd.period_range(local.min(), last)
    sets = {p: set(df.loc[local == p, "customer"]) for p in periods}
    out = {"period": c["period"], "as_of": as_of, "period_start": [], "label": [], "new": [], "returning": [],
           "resurrecting": [], "dormant": [], "active": [], "complete": []}
    seen, before = set(), set()
    for p in periods:
        now = sets[p]
        start = int(p.start_time.tz_localize("UTC").timestamp()) - offset
        out["period_start"].append(start)
        out["label"].append(p.start_time.strftime("%Y-%m-%d"))
        out["new"].append(len(now - seen))
        out["returning"].append(len(now & before))
        out["resurrecting"].append(len((now - before) & seen))
        out["dormant"].append(len(before - now))
        out["active"].append(len(now))
        out["complete"].append(int((p + 1).start_time.tz_localize("UTC").timestamp()) - offset <= as_of + 1)
        seen |= now
        before = now
    return {"ok": out}


def lifecycle_case(name, log, config, source, expected=None):
    c = {"name": name, "op": "lifecycle_events", "input": {"events": log}}
    if config is not None:
        c["config"] = config
    c.update({"expected": expected or lifecycle(log, config or {}), "tolerance": 0, "source": source})
    return c


LIFE = "tests/golden/derive/retention.py (pandas Periods, sets of active customers per period)"
cases += [
    lifecycle_case("lifecycle_weekly_any", LOG, None, LIFE + ": any touchpoint, ISO weeks, the last one incomplete"),
    lifecycle_case("lifecycle_daily_opens", LOG, {"activity": OPEN, "period": "day"},
                   LIFE + ": opens only; a midnight return is the next day; quiet days make dormant and resurrecting"),
    lifecycle_case("lifecycle_monthly_at_utc_plus_one", LOG,
                   {"activity": {"events": ["signup", "buy"]}, "period": "month", "utc_offset": 3600},
                   LIFE + ": at UTC+1 the 23:30 UTC signup on 31 January is February's"),
    lifecycle_case("lifecycle_channels", CHANNEL_LOG,
                   {"activity": {"channels": ["web"]}, "period": "day", "as_of": unix("2024-02-04 12:00")},
                   LIFE + ": web touchpoints up to as_of"),
    lifecycle_case("lifecycle_nothing_active", LOG, {"activity": {"events": ["never"]}},
                   "no activity: an empty table is an error", {"error": "empty_input"}),
    lifecycle_case("lifecycle_kinds_without_kind_column", LOG, {"activity": {"kinds": ["visit"]}},
                   "an event log has no kinds: a kind matcher there is refused", {"error": "config"}),
    lifecycle_case("lifecycle_misspelt_setting", LOG, {"perod": "day"}, "an unknown key names the accepted ones",
                   {"error": "json"}),
]



def stickiness(log, config):
    """Active days per period and trailing 7- and 30-day active customers, from sets of days."""
    c = {"period": "week", "utc_offset": 0, **config}
    df = frame(log)
    as_of = c.get("as_of", int(df["time"].max()))
    df = df[(df["time"] <= as_of) & matches(df, c.get("activity"))]
    if df.empty:
        return {"error": "empty_input"}
    offset = c["utc_offset"]
    days = pd.to_datetime(df["time"] + offset, unit="s").dt.floor("D")
    active = pd.DataFrame({"c": df["customer"].to_numpy(), "d": days.to_numpy()}).drop_duplicates()
    width = 31 if c["period"] == "month" else 7
    active["p"] = active["d"].dt.to_period(FREQ[c["period"]])
    per = active.groupby(["p", "c"]).size()
    out = {"period": c["period"], "as_of": as_of, "period_label": [], "max_days": width, "active_days": [],
           "total_days": [0] * width}
    for p, counts in per.groupby(level=0):
        h = [0] * width
        for k in counts:
            h[min(k, width) - 1] += 1
        out["period_label"].append(p.start_time.strftime("%Y-%m-%d"))
        out["active_days"] += h
        out["total_days"] = [a + b for a, b in zip(out["total_days"], h)]
    first = active["d"].min()
    last = pd.Timestamp(as_of + offset, unit="s").floor("D")
    out.update({"day": [], "dau": [], "wau": [], "mau": [], "dau_wau": [], "dau_mau": [], "full_window": []})
    for d in pd.date_range(first, last, freq="D"):
        def n(window):
            sel = (active["d"] > d - pd.Timedelta(days=window)) & (active["d"] <= d)
            return int(active.loc[sel, "c"].nunique())
        dau, wau, mau = n(1), n(7), n(30)
        out["day"].append(d.strftime("%Y-%m-%d"))
        out["dau"].append(dau)
        out["wau"].append(wau)
        out["mau"].append(mau)
        out["dau_wau"].append(None if wau == 0 else dau / wau)
        out["dau_mau"].append(None if mau == 0 else dau / mau)
        out["full_window"].append((d - first).days >= 29)
    return {"ok": out}


def stickiness_case(name, log, config, source, expected=None):
    c = {"name": name, "op": "stickiness_events", "input": {"events": log}}
    if config is not None:
        c["config"] = config
    c.update({"expected": expected or stickiness(log, config or {}), "tolerance": 1e-12, "source": source})
    return c


STICK = "tests/golden/derive/retention.py (pandas: distinct active days, trailing windows by date ranges)"
cases += [
    stickiness_case("stickiness_weekly_any", LOG, None, STICK + ": any touchpoint, ISO weeks"),
    stickiness_case("stickiness_monthly_opens_at_utc_minus_five", LOG,
                    {"activity": OPEN, "period": "month", "utc_offset": -18000},
                    STICK + ": opens only, days local to UTC-5 (the midnight open is the day before)"),
    stickiness_case("stickiness_channels_as_of", CHANNEL_LOG,
                    {"activity": {"channels": ["web", "email"]}, "as_of": unix("2024-02-06 00:00")},
                    STICK + ": web and email touchpoints up to as_of"),
    stickiness_case("stickiness_per_day_refused", LOG, {"period": "day"},
                    "active days are counted per week or month", {"error": "config"}),
]

with OUT.open("w") as f:
    f.write('{\n  "area": "retention",\n  "cases": [\n')
    f.write(",\n".join("    " + json.dumps(c, ensure_ascii=False) for c in cases))
    f.write("\n  ]\n}\n")
print(f"wrote {len(cases)} cases to {OUT}")
