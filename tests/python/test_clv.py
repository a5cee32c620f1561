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
