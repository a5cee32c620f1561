"""Cox proportional hazards from Python: DataFrames in (pandas, polars, mappings), columns named the
way lifelines users name them, the same numbers whatever the input form or row order, and typed
refusals. The numbers themselves are the golden vectors' (lifelines, statsmodels)."""

import numpy as np
import pandas as pd
import polars as pl
import pytest

import engagement


def customers(n=300, seed=7):
    rng = np.random.default_rng(seed)
    score = rng.normal(50, 15, n).round(1)
    channel = rng.choice(["email", "search", "web"], n)
    plan = rng.choice(["basic", "premium"], n)
    rate = 0.02 * np.exp(-0.03 * (score - 50) + np.where(channel == "search", 0.5, 0.0))
    days = np.ceil(rng.exponential(1 / rate))
    follow = rng.integers(20, 120, n)
    return pd.DataFrame({"days": np.minimum(days, follow).astype(float), "churned": days <= follow,
                         "score": score, "channel": channel, "plan": plan, "account": rng.integers(0, 40, n)})


def test_pandas_polars_and_mappings_give_the_same_model():
    df = customers()
    a = engagement.cox("days", "churned", df, strata="plan", cluster="account")
    b = engagement.cox("days", "churned", pl.from_pandas(df), strata="plan", cluster="account")
    c = engagement.cox(df["days"], df["churned"], {"score": df["score"].to_numpy(), "channel": list(df["channel"])},
                       strata=df["plan"], cluster=df["account"])
    for m in (b, c):
        assert m.terms == a.terms and m.log_likelihood == a.log_likelihood and m.concordance == a.concordance
    assert [t.name for t in a.terms] == ["score", "channel[T.search]", "channel[T.web]"]
    assert a.robust and a.clusters == 40 and [b.stratum for b in a.baseline] == ["basic", "premium"]
    assert a.summary.loc["channel[T.search]", "hazard_ratio"] > 1


def test_row_order_does_not_change_a_number():
    df = customers()
    shuffled = df.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a = engagement.cox("days", "churned", df, strata="plan", robust=True)
    b = engagement.cox("days", "churned", shuffled, strata="plan", robust=True)
    assert a.terms == b.terms and a.log_likelihood == b.log_likelihood and a.concordance == b.concordance
    for x, y in zip(a.baseline, b.baseline):
        assert np.array_equal(x.cumulative_hazard, y.cumulative_hazard)


def test_categorical_dtype_reference_and_predictions():
    df = customers()
    df["channel"] = df["channel"].astype("category")
    m = engagement.cox("days", "churned", df.drop(columns=["plan", "account"]), reference={"channel": "web"})
    assert [t.name for t in m.terms] == ["score", "channel[T.email]", "channel[T.search]"]
    p = m.predict(pd.DataFrame({"score": [50.0, 50.0], "channel": ["search", "web"]}), times=[10, 30, 60])
    assert p.survival.shape == (2, 3)
    # The same score on search churns faster than on web (the reference), at every time.
    assert (p.survival[0] < p.survival[1]).all()
    assert p.partial_hazard[0] / p.partial_hazard[1] == pytest.approx(m.summary.loc["channel[T.search]", "hazard_ratio"])
    frame = p.to_frame()
    assert list(frame.columns) == ["partial_hazard", 10.0, 30.0, 60.0]
    assert set(m.to_frame("baseline").columns) >= {"stratum", "time", "cumulative_hazard", "survival"}


def test_refusals_are_typed_and_name_what_is_wrong():
    df = customers()
    with pytest.raises(engagement.UnknownLabelError, match="fax"):
        engagement.cox("days", "churned", df[["days", "churned", "score", "channel"]], reference={"channel": "fax"})
    with pytest.raises(engagement.UnknownLabelError, match="reference"):
        engagement.cox("days", "churned", df[["days", "churned", "score"]], reference={"channel": "web"})
    bad = df[["days", "churned", "score"]].copy()
    bad.loc[5, "score"] = np.nan
    with pytest.raises(engagement.InvalidInputError, match="row 5"):
        engagement.cox("days", "churned", bad)
    with pytest.raises(engagement.EmptyInputError, match="event"):
        engagement.cox(df["days"], np.zeros(len(df), bool), {"score": df["score"]})
    with pytest.raises(engagement.ConfigError, match="same"):
        engagement.cox(df["days"], df["churned"], {"score": np.ones(len(df))})
    with pytest.raises(engagement.ConvergenceError, match="grows without bound"):
        engagement.cox([1, 2, 3, 4, 5], [1, 1, 1, 1, 1], {"x": [5, 4, 3, 2, 1]})
    with pytest.raises(KeyError, match="tenure"):
        engagement.cox("tenure", "churned", df)
    with pytest.raises(engagement.InvalidInputError, match="channel"):
        engagement.cox("days", "churned", df[["days", "churned", "score"]].assign(channel=[None] + ["a"] * (len(df) - 1)))
    m = engagement.cox("days", "churned", df[["days", "churned", "score", "channel"]])
    with pytest.raises(engagement.UnknownLabelError, match="fax"):
        m.predict({"score": [1.0], "channel": ["fax"]}, times=[1])
    with pytest.raises(engagement.ConfigError, match="channel"):
        m.predict({"score": [1.0]}, times=[1])
    s = engagement.cox("days", "churned", df[["days", "churned", "score", "plan"]], strata="plan")
    with pytest.raises(engagement.ConfigError, match="strat"):
        s.predict({"score": [1.0]}, times=[1])
    with pytest.raises(engagement.UnknownLabelError, match="gold"):
        s.predict({"score": [1.0]}, times=[1], strata=["gold"])


def test_what_a_first_user_tripped_on():
    df = customers()
    # Series with their own index are lined up with the frame by label, as pandas lines them up.
    shuffled = df.sample(frac=1.0, random_state=5)
    a = engagement.cox("days", "churned", df[["days", "churned", "score"]])
    b = engagement.cox(shuffled["days"], shuffled["churned"], df[["score"]])
    assert a.terms == b.terms
    with pytest.raises(ValueError, match="index labels"):
        engagement.cox(shuffled["days"].reset_index(drop=True).set_axis(range(1000, 1000 + len(df))),
                       shuffled["churned"], df[["score"]])
    with pytest.raises(TypeError, match="one column"):
        engagement.cox("days", "churned", df, strata=["plan", "channel"])
    with pytest.raises(engagement.UnknownLabelError, match="breslow"):
        engagement.cox("days", "churned", df[["days", "churned", "score"]], ties="Efron")
    with pytest.raises(engagement.ConfigError, match="identifier"):
        engagement.cox("days", "churned", df[["days", "churned", "score"]].assign(id=[f"c{i}" for i in range(len(df))]))
    # A covariate equal to the event flag separates the events: the refusal names it.
    with pytest.raises(engagement.ConvergenceError, match="leak"):
        engagement.cox("days", "churned", df[["days", "churned", "score"]].assign(leak=df["churned"].astype(float)))
    m = engagement.cox("days", "churned", df[["days", "churned", "score", "channel"]].assign(g=pd.Categorical(df["account"] % 3)),
                       reference={"g": 2})
    assert [t.name for t in m.terms if t.covariate == "g"] == ["g[T.0]", "g[T.1]"]
    with pytest.raises(engagement.ConfigError, match="no strata"):
        m.predict({"score": [1.0], "channel": ["web"], "g": [0]}, times=[1], strata=["basic"])
    p = m.predict(df.iloc[[10, 20]][["score", "channel"]].assign(g=["0", "1"]), times=[5])
    assert list(p.to_frame().index) == [10, 20]
    one = m.predict({"score": 50.0, "channel": "web", "g": "0"}, times=[5])
    assert one.survival.shape == (1, 1)
