"""ClvModel through Python: frames in, numpy out, JSON round trips, and typed errors."""

import json

import numpy as np
import pandas as pd
import pytest

import engagement

BG = engagement.ClvModel("bg_nbd", r=0.243, alpha=4.414, a=0.793, b=2.426)
DATA = pd.DataFrame({"frequency": [0, 1, 3, 0, 2, 5], "recency": [0.0, 2.0, 9.0, 0.0, 4.0, 9.5],
                     "T": [10.0, 10.0, 10.0, 8.0, 6.0, 10.0], "monetary_value": [0.0, 20.0, 35.0, 0.0, 12.5, 40.0]})


def test_the_published_worked_example():
    # Fader, Hardie & Lee (2005): 1.226 purchases in 39 weeks for x = 2, t_x = 30.43, T = 38.86.
    e = BG.conditional_expected_purchases(39, np.array([2.0]), np.array([30.43]), np.array([38.86]))
    assert isinstance(e, np.ndarray) and e.dtype == np.float64
    assert round(float(e[0]), 3) == 1.226


def test_frames_and_columns_give_the_same_numbers():
    by_frame = BG.p_alive(DATA)
    by_columns = BG.p_alive(DATA["frequency"].to_numpy(), DATA["recency"].tolist(), DATA["T"])
    assert by_frame.tolist() == by_columns.tolist()
    assert by_frame[0] == 1.0 and (0 < by_frame[1:]).all() and (by_frame <= 1).all()


def test_fit_summary_and_json_round_trip():
    m = engagement.ClvModel.fit("pareto_nbd", DATA)
    assert m.customers == 6.0 and np.isfinite(m.log_likelihood) and m.iterations > 0
    assert "pareto_nbd" in m.summary() and "log-likelihood" in m.summary()
    assert m.standard_errors is None or set(m.standard_errors) == {"r", "alpha", "s", "beta"}
    again = engagement.ClvModel.from_json(m.to_json())
    assert again == m
    assert again.p_alive(DATA).tolist() == m.p_alive(DATA).tolist()
    spend = engagement.ClvModel.fit("gamma_gamma", DATA[DATA["frequency"] > 0])
    assert spend.expected_spend(DATA[DATA["frequency"] > 0]).shape == (4,)


def test_typed_errors():
    with pytest.raises(engagement.ConvergenceError):
        engagement.ClvModel.fit("bg_nbd", DATA, max_iterations=1)
    with pytest.raises(engagement.UnknownLabelError):
        engagement.ClvModel.fit("bgnbd", DATA)
    with pytest.raises(engagement.ConfigError, match="purchase model"):
        engagement.ClvModel("gamma_gamma", p=6.25, q=3.74, gamma=15.44).p_alive(DATA)
    with pytest.raises(engagement.ConfigError, match="gamma_gamma"):
        BG.expected_spend(DATA)
    with pytest.raises(engagement.InvalidInputError, match="frequency"):
        BG.p_alive([np.nan], [0.0], [10.0])
    with pytest.raises(engagement.InvalidInputError, match="recency"):
        BG.p_alive([1.0], [12.0], [10.0])
    with pytest.raises(engagement.InvalidInputError):
        BG.conditional_expected_purchases(-1, DATA)
    with pytest.raises(engagement.EmptyInputError):
        engagement.ClvModel.fit("bg_nbd", [], [], [])
    with pytest.raises(engagement.JsonError):
        engagement.ClvModel.from_json(json.dumps({"model": "bg_nbd", "r": 1.0}))
    with pytest.raises(engagement.JsonError):
        engagement.ClvModel.from_json("{")
    with pytest.raises(TypeError):
        engagement.ClvModel("bg_nbd", r=1.0)
    with pytest.raises(engagement.ConfigError):
        engagement.ClvModel("bg_nbd", r=-1.0, alpha=1.0, a=1.0, b=1.0).p_alive(DATA)


ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def test_bg_bb_reproduces_the_published_donor_fit_from_weighted_patterns():
    # Fader, Hardie & Shang (2010): α 1.204, β 0.750, γ 0.657, δ 2.783 on 11,104 donors.
    donors = pd.read_csv(ROOT / "data" / "donations" / "donations.csv").rename(columns={"periods": "T"})
    m = engagement.ClvModel.fit("bg_bb", donors, weights="weights")
    assert m.customers == 11104.0
    assert [round(m.params[k], 3) for k in ("alpha", "beta", "gamma", "delta")] == [1.204, 0.750, 0.657, 2.783]
    assert abs(m.log_likelihood - -33225.6) < 0.1
    # Table 6 of the paper: P(alive in 2002) for (x, t_x) = (0, 0), (2, 4), (6, 6).
    alive = m.p_alive([0, 2, 6], [0, 4, 6], [6, 6, 6])
    assert np.round(alive, 2).tolist() == [0.11, 0.59, 0.93]
    # The same fit from one row per donor: weights only save the work.
    rows = donors.loc[donors.index.repeat(donors["weights"].astype(int))]
    assert engagement.ClvModel.fit("bg_bb", rows).params == pytest.approx(m.params, rel=1e-6)
    with pytest.raises(engagement.InvalidInputError, match="weights"):
        engagement.ClvModel.fit("bg_bb", donors, weights=-donors["weights"])
    with pytest.raises(engagement.InvalidInputError, match="frequency"):
        m.p_alive([1.5], [2], [6])


def test_probability_of_purchases_broadcasts_and_sums_to_one():
    p = BG.probability_of_purchases(39, np.arange(300))
    assert p.shape == (300,) and abs(p.sum() - 1) < 1e-9
    grid = BG.probability_of_purchases(np.array([[10.0], [39.0]]), np.arange(3))
    assert grid.shape == (2, 3) and grid[1].tolist() == p[:3].tolist()
    with pytest.raises(engagement.InvalidInputError):
        BG.probability_of_purchases(39, [0.5])


def test_discounted_value_is_the_discounted_sum_of_expected_purchases():
    flat = BG.discounted_value(DATA, spend="monetary_value", periods=12, period_length=4.345, discount_rate=0.0)
    e = BG.conditional_expected_purchases(12 * 4.345, DATA)
    assert flat == pytest.approx(DATA["monetary_value"].to_numpy() * e, rel=1e-12, abs=1e-12)
    discounted = BG.discounted_value(DATA, spend=25.0, duration=12 * 4.345)
    assert (discounted <= 25.0 * e + 1e-12).all() and (discounted > 0).all()
    # The default horizon is 12 months: a model of unknown unit says how to state it.
    with pytest.raises(engagement.ConfigError, match="set the model's unit .* or give the horizon as a duration"):
        BG.discounted_value(DATA, spend=25.0)
    with pytest.raises(engagement.ConfigError, match="set the model's unit"):
        BG.discounted_value(DATA, spend=25.0, months=12)
    in_weeks = engagement.ClvModel("bg_nbd", unit="week", **BG.params)
    assert in_weeks.discounted_value(DATA, spend=25.0, months=12) == pytest.approx(
        BG.discounted_value(DATA, spend=25.0, duration=365.2425 / 7), rel=1e-15)
    assert in_weeks.discounted_value(DATA, spend=25.0).tolist() == in_weeks.discounted_value(
        DATA, spend=25.0, months=12).tolist()
    with pytest.raises(engagement.ConfigError):
        in_weeks.discounted_value(DATA, spend=25.0, months=12, weeks=52)
    with pytest.raises(engagement.InvalidInputError, match="spend"):
        BG.discounted_value(DATA, spend=-1.0, duration=52.0)
    with pytest.raises(engagement.ConfigError, match="periods"):
        BG.discounted_value(DATA, spend=1.0, periods=0)


def test_frequency_recency_matrix_is_a_labelled_frame_with_impossible_cells_nan():
    grid = BG.frequency_recency_matrix("p_alive", max_frequency=5, T=10)
    assert grid.shape == (6, 11) and grid.index.name == "frequency" and grid.columns.name == "recency"
    assert grid.iloc[0, 0] == 1.0 and np.isnan(grid.iloc[0, 3])
    assert grid.iloc[3, 7] == BG.p_alive([3], [7], [10])[0]
    e = BG.frequency_recency_matrix("expected_purchases", max_frequency=2, T=4, horizon=10)
    assert e.iloc[2, 4] == BG.conditional_expected_purchases(10, [2], [4], [4])[0]
    with pytest.raises(engagement.ConfigError):
        engagement.ClvModel("sbg", alpha=0.7, beta=1.2).frequency_recency_matrix(max_frequency=2, T=3)


def test_simulation_is_seeded_and_recovers_the_parameters():
    h = BG.simulate(np.full(3000, 39.0), seed=11)
    again = BG.simulate(np.full(3000, 39.0), seed=11)
    assert h["frequency"].tolist() == again["frequency"].tolist()
    assert (h["recency"] <= h["T"]).all() and ((h["frequency"] > 0) | (h["recency"] == 0)).all()
    fit = engagement.ClvModel.fit("bg_nbd", h)
    for k, v in BG.params.items():
        assert abs(fit.params[k] - v) < 4 * fit.standard_errors[k], k
    gg = engagement.ClvModel("gamma_gamma", p=6.25, q=3.74, gamma=15.44)
    spend = gg.simulate_spend(h["frequency"], seed=2)
    assert (spend[h["frequency"] == 0] == 0).all() and (spend[h["frequency"] > 0] > 0).all()
    sbg = engagement.ClvModel("sbg", alpha=0.704, beta=1.182)
    alive = sbg.simulate_survivors(5000, 8, seed=3)
    assert alive[0] == 5000 and (np.diff(alive) <= 0).all()
    refit = engagement.ClvModel.fit_retention(alive)
    assert abs(refit.params["alpha"] - 0.704) < 4 * refit.standard_errors["alpha"]


def test_diagnostics_tables_on_cdnow_calibration_and_holdout():
    # The CDNOW sample: 39 weeks of calibration from 1997-01-01, 39 weeks of holdout.
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    df = pd.read_csv(root / "data" / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["master_id", "customer", "date", "cds", "dollars"])
    time = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    split = engagement.calibration_holdout(df["customer"], time, df["dollars"],
                                           calibration_end=pd.Timestamp("1997-09-30"),
                                           observation_end=pd.Timestamp("1998-06-30"), period="day", unit="week")
    d = pd.DataFrame(split["calibration"]).assign(frequency_holdout=split["frequency_holdout"])
    fit = engagement.ClvModel.fit("bg_nbd", d)
    table = fit.period_transactions(d, max_frequency=7)
    assert table["actual"].sum() == len(d) and abs(table["expected"].sum() - len(d)) < 1e-6
    assert table["actual"].iloc[0] == (d["frequency"] == 0).sum()
    chi = float(((table["actual"] - table["expected"]) ** 2 / table["expected"]).sum())
    assert abs(table.attrs["chi_square"] - chi) < 1e-9 and table.attrs["degrees_of_freedom"] == 3
    assert 0.0 <= table.attrs["p_value"] <= 1.0
    # Calibration vs holdout: every customer in one bin; predictions rise with frequency and track
    # the holdout means (the published fit's own plot).
    ch = fit.calibration_holdout(d, holdout="frequency_holdout", duration=split["duration_holdout"], max_frequency=7)
    assert ch["customers"].sum() == len(d)
    assert ch["predicted"].is_monotonic_increasing
    assert (abs(ch["actual"] - ch["predicted"]) < 1.0).all()
    with pytest.raises(engagement.ConfigError, match="max_frequency"):
        fit.period_transactions(d, max_frequency=3)
    with pytest.raises(engagement.ConfigError):
        engagement.ClvModel("gamma_gamma", p=6.25, q=3.74, gamma=15.44).period_transactions(d)
