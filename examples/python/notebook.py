"""A worked notebook, as plain Python: copy the cells into Jupyter one by one.

    python examples/python/notebook.py [OUTPUT_DIR]      (figures as PNG; default target/notebook)

Part 1 is lifetime value on CDNOW, end to end: transactions to a weekly summary, BG/NBD and
Gamma-Gamma fits in the lifetimes idiom, a holdout check, a year's discounted value per customer.
Part 2 is the bundled multi-channel sample: journey stages and their movement, rule segments, a
funnel, attribution under several rules, monthly cohorts, and an A/B readout.
"""

import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # in Jupyter, leave this out: figures show inline

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import engagement  # noqa: E402
import engagement.plot as eplot  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "notebook"
OUT.mkdir(parents=True, exist_ok=True)


def save(ax, name):
    """In a notebook the figure shows by itself; here it is written next to the others."""
    ax.figure.savefig(OUT / f"{name}.png", dpi=100, bbox_inches="tight")
    matplotlib.pyplot.close(ax.figure)


# %% [markdown]
# ## Part 1: CDNOW lifetime value
# CDNOW's 1/10 sample: one row per purchase (customer, date, CDs, dollars), January 1997 to June
# 1998. Dates are midnight UTC.

# %%
tx = pd.read_csv(ROOT / "data" / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                 names=["master_id", "customer", "date", "cds", "dollars"])
tx["time"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d", utc=True)

# %% [markdown]
# The weekly summary of the first 39 weeks (the calibration period of Fader, Hardie & Lee 2005):
# `frequency` (repeat purchase days), `recency` and `T` in weeks, `monetary_value` (mean repeat
# spend). The frame carries its unit, and every model fitted on it records it.

# %%
summary = engagement.to_frame(engagement.transaction_summary(
    tx["customer"], tx["time"], tx["dollars"], observation_end="1997-09-30", unit="week"))
print(f"{len(summary)} customers; {int((summary['frequency'] > 0).sum())} repeat buyers")

# %%
bgf = engagement.BetaGeoFitter(unit="week").fit(summary)
print(bgf)
print(bgf.summary.round(4).to_string())   # in Jupyter: `bgf.summary` renders as a table

# %% [markdown]
# Does it predict? Fit on the calibration weeks, compare with the 39 holdout weeks.

# %%
split = engagement.calibration_holdout(tx["customer"], tx["time"], tx["dollars"],
                                       calibration_end="1997-09-30", observation_end="1998-06-30", unit="week")
calibration = engagement.to_frame(split["calibration"])
check = bgf.model_.calibration_holdout(calibration, holdout=split["frequency_holdout"], duration=39)
print(check.round(3).to_string())

# %% [markdown]
# Spend: Gamma-Gamma on repeat buyers who spent something, then a year's value of every customer
# (12 calendar months, converted with the model's week unit, discounted 1 % a month).

# %%
buyers = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
ggf = engagement.GammaGammaFitter().fit(buyers)
print(ggf)
spend = ggf.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"].clip(lower=0.01))
clv = bgf.model_.discounted_value(summary, spend=spend, months=12)
print(f"a year's discounted value: {clv.sum():,.0f} in all, {np.median(clv):.2f} for the median customer")

# %%
save(eplot.frequency_recency_matrix(bgf.model_, "p_alive", max_frequency=20, T=39), "p_alive_matrix")
save(eplot.clv_distribution(clv, currency="USD"), "clv_distribution")

# %% [markdown]
# ## Part 2: the multi-channel sample
# 800 customers' touchpoints over channels (email, web, app …) and kinds (impression, visit,
# click, purchase …), with NPS and CSAT answers.

# %%
tp = pd.read_csv(ROOT / "data" / "sample" / "touchpoints.csv")
tp["time"] = pd.to_datetime(tp["time"], unit="s", utc=True)
end = tp["time"].max()
store = engagement.ProfileStore()
store.push_frame(tp)
print(f"{len(tp)} touchpoints, {len(store)} customers, {tp['time'].min().date()} to {end.date()}")

# %% [markdown]
# Journey stages now and 60 days earlier (a store of the touchpoints up to then).

# %%
earlier = end - pd.Timedelta(days=60)
before = engagement.ProfileStore()
before.push_frame(tp[tp["time"] <= earlier])
then, now = before.stages(earlier), store.stages(end)
print(pd.Series(now["stage"]).value_counts().to_string())
save(eplot.stage_sankey(then, now, names=(str(earlier.date()), str(end.date()))), "stage_sankey")

# %% [markdown]
# Rule segments (data/segments.json) with their revenue.

# %%
segment_set = engagement.SegmentSet((ROOT / "data" / "segments.json").read_text())
members = store.segments(segment_set, end)
primary = pd.Series(np.asarray(members["names"], dtype=object)[members["primary"]], name="segment")
print(primary.value_counts().to_string())

# %% [markdown]
# A funnel: an email open, a web visit, a purchase, each within 14 days of the first.

# %%
steps = [{"name": "opened", "kinds": ["open"], "channels": ["email"]},
         {"name": "visited", "kinds": ["visit"]},
         {"name": "bought", "kinds": ["purchase"]}]
flow = engagement.funnel(tp["customer"], tp["time"], tp["channel"], tp["kind"], steps=steps, window_days=14)
print(flow.to_frame()[["customers", "step_conversion", "median_time"]].to_string())
save(eplot.funnel(flow), "funnel")

# %% [markdown]
# Which channels get the credit for purchases, under four rules (30-day lookback).

# %%
rules = {rule: engagement.attribute_touchpoints(tp["customer"], tp["time"], tp["channel"], tp["kind"], tp["value"],
                                                lookback_days=30, rule=rule)
         for rule in ("first_touch", "last_touch", "linear", "markov")}
print(pd.DataFrame({rule: r.to_frame()["conversions"] for rule, r in rules.items()}).round(1).to_string())
save(eplot.attribution(rules, share=True), "attribution")

# %% [markdown]
# Monthly acquisition cohorts of buyers: the share still buying in each month after the first.

# %%
purchases = tp[tp["kind"] == "purchase"]
cohort_table = engagement.cohorts(purchases["customer"], purchases["time"], purchases["value"], as_of=end)
print(cohort_table)
save(eplot.cohort_retention(cohort_table), "cohorts")

# %% [markdown]
# An A/B readout. The sample has no experiment, so this one is an A/A test: customers are split
# by the parity of their id at their first touchpoint, and neither arm was treated: the readout
# should find no difference (and does, at the 5 % level, 19 times in 20).

# %%
first = tp.groupby("customer")["time"].min()
arm = np.where(first.index.to_numpy() % 2 == 0, "control", "treatment")
readout = engagement.experiment(tp["customer"], tp["time"], tp["channel"], tp["kind"], tp["value"],
                                assigned_customer=first.index, arm=arm, exposed_at=first,
                                metrics=[{"name": "bought_30d", "measure": {"type": "conversion",
                                                                            "match": {"kinds": ["purchase"]}},
                                          "window": "30d"},
                                         {"name": "revenue_30d", "measure": {"type": "value"}, "window": "30d"}])
print(readout.to_frame().round(4).to_string())
print(f"figures in {OUT}")
