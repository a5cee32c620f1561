"""The fitter idiom (lifetimes / lifelines style) over the lifetime-value models: fit returns the
fitter, params_ is a Series, summary a DataFrame with log-scale Wald intervals, predictions equal
the ClvModel's, and lifetimes' column names are taken where they mean the same."""
import math
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

import engagement

CDNOW = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cdnow"


@pytest.fixture(scope="module")
def cdnow():
    """CDNOW's 2357 customers in weeks (frequency, recency, T; zbar the mean repeat spend)."""
    d = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    return pd.DataFrame({"frequency": d["x"], "recency": d["t_x"], "T": d["T"], "monetary_value": d["zbar"]})


def test_beta_geo_fitter_is_the_model_fit_with_a_summary(cdnow):
    bgf = engagement.BetaGeoFitter(unit="week")
    assert bgf.fit(cdnow) is bgf
    # Fader, Hardie & Lee (2005): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426.
    assert np.allclose(bgf.params_.to_numpy(), [0.243, 4.414, 0.793, 2.426], atol=6e-4)
    model = engagement.ClvModel.fit("bg_nbd", cdnow, unit="week")
    assert bgf.params_.to_dict() == model.params
    assert bgf.log_likelihood_ == model.log_likelihood
    s = bgf.summary
    assert list(s.index) == ["r", "alpha", "a", "b"]
    assert list(s.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    assert s["se(coef)"].to_dict() == model.standard_errors
    z = NormalDist().inv_cdf(0.975)
    for name, row in s.iterrows():
        theta, se = row["coef"], row["se(coef)"]
        assert row["lower 95% bound"] == pytest.approx(theta * math.exp(-z * se / theta), rel=1e-12)
        assert row["upper 95% bound"] == pytest.approx(theta * math.exp(z * se / theta), rel=1e-12)
        assert 0 < row["lower 95% bound"] < theta < row["upper 95% bound"]
    assert s.attrs["unit"] == "week" and s.attrs["customers"] == 2357.0
    # alpha sets the level of the intervals.
    s90 = engagement.BetaGeoFitter(unit="week", alpha=0.1).fit(cdnow).summary
    assert "lower 90% bound" in s90.columns
    assert (s90["upper 90% bound"] < s["upper 95% bound"]).all()


def test_predictions_are_the_models(cdnow):
    bgf = engagement.BetaGeoFitter().fit(cdnow)
    m = bgf.model_
    assert np.array_equal(bgf.conditional_probability_alive(cdnow), m.p_alive(cdnow))
    assert np.array_equal(bgf.conditional_expected_number_of_purchases_up_to_time(39, cdnow),
                          m.conditional_expected_purchases(39, cdnow))
    assert np.array_equal(bgf.expected_number_of_purchases_up_to_time([1, 39]), m.expected_purchases_new([1, 39]))
    p = bgf.probability_of_n_purchases_up_to_time(39, np.arange(100))
    assert p.sum() == pytest.approx(1.0, abs=1e-6)


def test_lifetimes_calibration_column_names_are_taken(cdnow):
    renamed = cdnow.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal",
                                    "monetary_value": "monetary_value_cal"})
    for fitter in (engagement.BetaGeoFitter, engagement.ModifiedBetaGeoFitter, engagement.ParetoNBDFitter):
        assert fitter().fit(renamed).params_.equals(fitter().fit(cdnow).params_)
    repeat = renamed[renamed["frequency_cal"] > 0]
    assert engagement.GammaGammaFitter().fit(repeat).params_.equals(
        engagement.GammaGammaFitter().fit(cdnow[cdnow["frequency"] > 0]).params_)
    with pytest.raises(KeyError, match="frequency_cal"):
        engagement.BetaGeoFitter().fit(cdnow.drop(columns="frequency"))


def test_gamma_gamma_fitter_matches_the_published_fit(cdnow):
    repeat = cdnow[cdnow["frequency"] > 0]
    ggf = engagement.GammaGammaFitter().fit(repeat)
    # Fader & Hardie (2013): p = 6.25, q = 3.74, gamma = 15.44, from mean spends given to the cent
    # (this fit gives 15.4477, as lifetimes' GammaGammaFitter does on the same file).
    assert np.allclose(ggf.params_.to_numpy(), [6.25, 3.74, 15.44], rtol=0, atol=0.01)
    spend = ggf.conditional_expected_average_profit(repeat)
    assert np.array_equal(spend, ggf.model_.expected_spend(repeat))


def test_other_purchase_fitters_are_their_models(cdnow):
    for fitter, model in ((engagement.ModifiedBetaGeoFitter, "mbg_nbd"), (engagement.ParetoNBDFitter, "pareto_nbd")):
        f = fitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
        assert f.params_.to_dict() == engagement.ClvModel.fit(model, cdnow).params


def test_display_and_misuse(cdnow):
    bgf = engagement.BetaGeoFitter(unit="week")
    assert repr(bgf) == "<BetaGeoFitter: not fitted>"
    with pytest.raises(AttributeError, match="not fitted yet"):
        bgf.params_
    bgf.fit(cdnow)
    line = repr(bgf)
    assert "\n" not in line and "2357 customers" in line and "weeks" in line
    page = bgf._repr_html_()
    assert "log-likelihood -9582.4" in page and "time in weeks" in page and "<table" in page
    # lifetimes' penalizer_coef penalises another scale: not taken under that name, and said so.
    with pytest.raises(TypeError, match="takes penalty="):
        engagement.BetaGeoFitter(penalizer_coef=0.1)
    # The summary as polars too, every number kept.
    pl_frame = bgf.to_frame(backend="polars")
    assert pl_frame.columns == ["parameter", "coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    assert pl_frame["coef"].to_list() == bgf.summary["coef"].tolist()
    ggf = engagement.GammaGammaFitter().fit(cdnow[cdnow["frequency"] > 0])
    assert "time" not in repr(ggf) and "time" not in ggf._repr_html_()


def test_parameter_intervals_refuse_bad_input():
    with pytest.raises(engagement.ConfigError, match="level"):
        engagement.parameter_intervals([1.0], [0.1], level=1.0)
    with pytest.raises(engagement.InvalidInputError, match="standard_errors"):
        engagement.parameter_intervals([1.0], [-0.1])
    with pytest.raises(engagement.LengthMismatchError):
        engagement.parameter_intervals([1.0, 2.0], [0.1])


def test_a_bad_row_is_named_by_its_index_label(cdnow):
    data = cdnow.set_index(pd.Index([f"C{i:04d}" for i in range(len(cdnow))], name="customer"))
    data.iloc[17, data.columns.get_loc("recency")] = -1.0
    with pytest.raises(engagement.InvalidInputError, match=r"row 17.*index label 'C0017'") as info:
        engagement.BetaGeoFitter().fit(data)
    assert info.value.row == 17 and info.value.index_label == "C0017"


def test_predictions_refuse_data_in_another_unit_and_take_single_customers(cdnow):
    weekly = engagement.BetaGeoFitter(unit="week").fit(cdnow)
    days = cdnow.assign(recency=cdnow["recency"] * 7, T=cdnow["T"] * 7)
    days.attrs["unit"] = "day"
    # A summary in days read by a model in weeks would be off silently: refused.
    for call in (lambda: weekly.conditional_probability_alive(days),
                 lambda: weekly.conditional_expected_number_of_purchases_up_to_time(39, days),
                 lambda: weekly.model_.discounted_value(days, spend=1.0)):
        with pytest.raises(engagement.ConfigError, match="the data's unit is day, the model's is week"):
            call()
    same = cdnow.copy()
    same.attrs["unit"] = "week"
    assert np.array_equal(weekly.conditional_probability_alive(same), weekly.conditional_probability_alive(cdnow))
    # One customer as plain numbers, as lifetimes takes them.
    one = weekly.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86)
    assert one.shape == (1,) and one[0] == pytest.approx(1.2259, abs=1e-3)
    with pytest.raises(TypeError, match="column frequency must be one-dimensional"):
        weekly.conditional_probability_alive(np.zeros((3, 2)), np.zeros(3), np.ones(3))
    # A bad row of a prediction is named by its index label too.
    labelled = cdnow.set_index(pd.Index([f"C{i:04d}" for i in range(len(cdnow))]))
    labelled.iloc[4, labelled.columns.get_loc("T")] = float("nan")
    with pytest.raises(engagement.InvalidInputError, match="index label 'C0004'"):
        weekly.conditional_probability_alive(labelled)


def test_units_are_read_in_the_plural_too(cdnow):
    assert engagement.BetaGeoFitter(unit="weeks").fit(cdnow).model_.unit == "week"
    s = engagement.transaction_summary([1, 1, 2], [0, 86_400 * 3, 0], observation_end=86_400 * 10, unit="days")
    assert engagement.ClvModel.fit("bg_nbd", s).unit == "day"


def test_kaplan_meier_fitter_is_the_product_limit_estimate():
    rng = np.random.default_rng(7)
    durations = np.round(rng.exponential(10.0, 300), 1) + 0.1   # ties, but none at 0
    observed = rng.random(300) < 0.7
    kmf = engagement.KaplanMeierFitter(alpha=0.1).fit(durations, observed)
    # The product-limit estimate by hand: at each distinct event time, S *= 1 - d / n.
    s, expected = 1.0, {}
    for t in np.unique(durations):
        at_risk = (durations >= t).sum()
        deaths = ((durations == t) & observed).sum()
        s *= 1 - deaths / at_risk
        expected[t] = s
    sf = kmf.survival_function_["KM_estimate"]
    assert sf.iloc[0] == 1.0 and sf.index[0] == 0.0
    for t, v in expected.items():
        assert sf.loc[t] == pytest.approx(v, abs=1e-12)
    first_below = min(t for t, v in expected.items() if v <= 0.5)
    assert kmf.median_survival_time_ == first_below
    ci = kmf.confidence_interval_
    assert list(ci.columns) == ["KM_estimate_lower_0.9", "KM_estimate_upper_0.9"]
    assert ((ci.iloc[:, 0] <= sf + 1e-12) & (sf <= ci.iloc[:, 1] + 1e-12)).all()
    table = kmf.event_table
    assert table["observed"].sum() == observed.sum() and table["censored"].sum() == (~observed).sum()
    # Without event_observed every duration is an event, as in lifelines.
    assert engagement.KaplanMeierFitter().fit([1, 2, 3]).survival_function_["KM_estimate"].iloc[-1] == 0.0
    assert "\n" not in repr(kmf) and "<table" in kmf._repr_html_()


def test_cox_ph_fitter_reads_the_cox_model():
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({"score": rng.normal(size=n), "plan": rng.choice(["basic", "pro"], n)})
    hazard = np.exp(0.7 * df["score"] - 0.5 * (df["plan"] == "pro"))
    df["T"] = np.round(rng.exponential(1 / hazard), 3) + 0.001
    df["E"] = (rng.random(n) < 0.8).astype(int)
    cph = engagement.CoxPHFitter().fit(df, "T", "E")
    model = engagement.cox(df["T"], df["E"], df[["score", "plan"]], ties="efron")
    assert cph.params_.to_dict() == {t.name: t.coefficient for t in model.terms}
    s = cph.summary
    assert list(s.columns) == ["coef", "exp(coef)", "se(coef)", "coef lower 95%", "coef upper 95%",
                               "exp(coef) lower 95%", "exp(coef) upper 95%", "z", "p"]
    assert np.allclose(s["exp(coef)"], np.exp(s["coef"])) and np.allclose(s["z"], s["coef"] / s["se(coef)"])
    # The simulated effects are recovered (score 0.7, pro −0.5) within four standard errors.
    assert abs(s.loc["score", "coef"] - 0.7) < 4 * s.loc["score", "se(coef)"]
    assert abs(s.loc["plan[T.pro]", "coef"] + 0.5) < 4 * s.loc["plan[T.pro]", "se(coef)"]
    assert np.allclose(s["coef lower 95%"], s["coef"] - 1.959963984540054 * s["se(coef)"])
    assert cph.AIC_partial_ == pytest.approx(2 * 2 - 2 * cph.log_likelihood_)
    assert 0.5 < cph.concordance_index_ < 1.0
    ph = cph.predict_partial_hazard(df[["score", "plan"]])
    lp = s.loc["score", "coef"] * df["score"] + s.loc["plan[T.pro]", "coef"] * (df["plan"] == "pro")
    assert np.allclose(np.log(ph) - np.log(ph[0]), lp - lp.iloc[0])
    assert cph.to_frame(backend="polars")["covariate"].to_list() == ["score", "plan[T.pro]"]
    assert "\n" not in repr(cph) and "<table" in cph._repr_html_()
