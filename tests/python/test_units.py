"""Time units travel from the summary to the model to the horizon (issue 20, defect 1).

Before units were recorded, the summary defaulted to days while the discounted value defaulted to
12 periods of 4.345 units (months in weeks), so the default '12-month CLV' covered about 52 days.
"""

import pathlib

import numpy as np
import pandas as pd
import pytest

import engagement

ROOT = pathlib.Path(__file__).resolve().parents[2]
# BG/NBD and Gamma-Gamma are equivariant under a change of time scale (alpha scales with the unit,
# the likelihood shifts by a constant), so fits in days and in weeks predict the same values up to
# the optimiser's convergence: a relative 1e-6 on the total.
REL = 1e-6


def cdnow():
    df = pd.read_csv(ROOT / "data" / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["master_id", "customer", "date", "cds", "dollars"])
    return df["customer"], pd.to_datetime(df["date"].astype(str), format="%Y%m%d"), df["dollars"]


def twelve_month_clv(summary, **horizon):
    """Fit BG/NBD and Gamma-Gamma on a summary, then the discounted value of every customer."""
    bg = engagement.ClvModel.fit("bg_nbd", summary)
    repeat = {k: v[summary["frequency"] > 0] for k, v in summary.items() if k != "unit"}
    gg = engagement.ClvModel.fit("gamma_gamma", repeat)
    spend = gg.expected_spend(summary["frequency"], summary["monetary_value"])  # frequency 0: the mean
    return bg, bg.discounted_value(summary, spend=spend, **horizon)


def test_default_twelve_month_clv_on_cdnow_equals_the_one_in_weeks():
    customer, time, dollars = cdnow()
    end = pd.Timestamp("1998-06-30")
    days = engagement.transaction_summary(customer, time, dollars, observation_end=end)
    weeks = engagement.transaction_summary(customer, time, dollars, observation_end=end, unit="week")
    assert (days["unit"], weeks["unit"]) == ("day", "week")
    bg_days, by_default = twelve_month_clv(days)
    bg_weeks, in_weeks = twelve_month_clv(weeks, duration=365.2425 / 7)  # 12 months, stated in weeks
    assert (bg_days.unit, bg_weeks.unit) == ("day", "week")
    assert "time in days" in bg_days.summary() and "unit='day'" in repr(bg_days)
    assert by_default.sum() == pytest.approx(in_weeks.sum(), rel=REL)
    assert by_default == pytest.approx(in_weeks, rel=1e-5, abs=1e-6)
    # The old default, 12 periods of 4.345 units, covers 52 days of a model in days: 16 % of the year.
    spend = engagement.ClvModel.fit("gamma_gamma", {k: v[days["frequency"] > 0] for k, v in days.items() if k != "unit"})
    old = bg_days.discounted_value(days, spend=spend.expected_spend(days["frequency"], days["monetary_value"]),
                                   periods=12, period_length=4.345)
    assert old.sum() < 0.2 * by_default.sum()
    # The model's unit survives its JSON form.
    again = engagement.ClvModel.from_json(bg_days.to_json())
    assert again.unit == "day" and again == bg_days


def test_a_model_of_unknown_unit_refuses_a_calendar_horizon():
    customer, time, dollars = cdnow()
    s = engagement.transaction_summary(customer, time, dollars, observation_end=pd.Timestamp("1998-06-30"))
    bare = engagement.ClvModel.fit("bg_nbd", s["frequency"], s["recency"], s["T"])
    assert bare.unit is None and "time unit unknown" in bare.summary()
    with pytest.raises(engagement.ConfigError, match="set the model's unit"):
        bare.discounted_value(s, spend=1.0, months=12)
    # Old model JSON (no unit) still loads, as a model of unknown unit.
    old = engagement.ClvModel.from_json('{"model":"bg_nbd","r":0.243,"alpha":4.414,"a":0.793,"b":2.426}')
    assert old.unit is None
    assert old.discounted_value(s, spend=1.0, duration=52.0).shape == s["T"].shape


def test_a_stated_unit_other_than_the_summarys_is_refused():
    # From a new user's trial: fit("bg_nbd", summary_in_days, unit="week") relabelled days as weeks
    # and cut the 12-month value to a sixth without a word; C refused the same call.
    s = engagement.transaction_summary([1, 1, 2], [0, 10 * 86_400, 0], [5.0, 7.0, 3.0], observation_end=30 * 86_400)
    assert s["unit"] == "day"
    with pytest.raises(engagement.ConfigError, match="the summary's unit is day, the options say week"):
        engagement.ClvModel.fit("bg_nbd", s, unit="week")
    assert engagement.ClvModel.fit("bg_nbd", s, unit="day").unit == "day"
    with pytest.raises(engagement.ConfigError, match="discounted value needs a purchase model"):
        engagement.ClvModel("gamma_gamma", p=6.25, q=3.74, gamma=15.44).discounted_value(
            [1], [1.0], [2.0], spend=[10.0])
