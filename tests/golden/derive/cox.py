#!/usr/bin/env python3
"""Derives tests/golden/cox.json: Cox proportional hazards fits.

- Efron ties (with and without strata, numeric and categorical covariates): lifelines 0.30
  `CoxPHFitter` (coefficients, standard errors, intervals, z, p, partial log-likelihood, the
  likelihood-ratio test, concordance, Breslow baseline cumulative hazard per stratum, partial
  hazards and survival predictions). Fitted to convergence at machine precision.
- Breslow ties: statsmodels `PHReg(ties="breslow")` (coefficients, standard errors, log-likelihood);
  concordance of its partial hazards by lifelines' `concordance_index`.
- Robust standard errors: statsmodels `PHReg(...).fit(groups=...)` (the Lin-Wei sandwich with
  Breslow score residuals) on tied data with Breslow ties, per customer and per cluster; lifelines'
  `robust=True` / `cluster_col` on untied data with Efron ties (lifelines' score residuals ignore
  ties, so tied data would not be a fair reference for Efron).
- Data: lifelines' bundled Rossi recidivism data (432 people, weeks to arrest, tied), and a
  synthetic customer table made here with numpy (seeded).

Run with any python3: the script makes a throwaway venv with lifelines 0.30 and statsmodels and
runs itself there.

    python3 tests/golden/derive/cox.py
"""
import json
import os
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "cox.json")
VENV = "/tmp/engagement-derive-cox"
PREDICT_ROWS = 6
TIMES = [5.0, 20.0, 40.0, 52.0]


def derive():
    import lifelines
    import numpy as np
    import pandas as pd
    import scipy
    import statsmodels
    from lifelines import CoxPHFitter
    from lifelines.datasets import load_rossi
    from lifelines.utils import concordance_index
    from scipy import stats
    from statsmodels.duration.hazard_regression import PHReg

    versions = (f"lifelines {lifelines.__version__}, statsmodels {statsmodels.__version__}, "
                f"numpy {np.__version__}, pandas {pd.__version__}, scipy {scipy.__version__}")
    # lifelines' tightest stopping rule; it still stops ~1e-9 from the optimum, hence the 1e-8 to 1e-7
    # tolerance of its cases.
    tight = {"precision": 1e-14, "r_precision": 1e-16, "step_size": 1.0}
    rossi = load_rossi()
    covs = ["fin", "age", "wexp", "mar", "paro", "prio"]

    # A synthetic customer table: days to churn, engagement score, acquisition channel (categorical),
    # a plan (strata), an account (cluster of customers).
    rng = np.random.default_rng(20261207)
    n = 240
    score = np.round(rng.normal(50, 15, n), 1)
    channel_levels = ["email", "referral", "search"]
    channel = rng.integers(0, 3, n)
    hazard = 0.02 * np.exp(-0.03 * (score - 50) + np.array([0.0, -0.6, 0.4])[channel])
    days = rng.exponential(1 / hazard)
    follow = rng.uniform(20, 120, n)
    observed = days <= follow
    duration_cont = np.minimum(days, follow)
    duration_tied = np.ceil(duration_cont / 7.0)  # whole weeks: ties
    account = rng.integers(0, 60, n)

    def terms_lifelines(cph, names):
        s = cph.summary
        out = []
        for name in names:
            r = s.loc[name]
            out.append({"name": name, "coefficient": r["coef"], "standard_error": r["se(coef)"],
                        "ci_low": r["coef lower 95%"], "ci_high": r["coef upper 95%"],
                        "hazard_ratio": r["exp(coef)"], "hazard_ratio_ci_low": r["exp(coef) lower 95%"],
                        "hazard_ratio_ci_high": r["exp(coef) upper 95%"], "z": r["z"], "p_value": r["p"]})
        return out

    def lr(cph):
        t = cph.log_likelihood_ratio_test()
        return {"statistic": float(t.test_statistic), "degrees_of_freedom": int(t.degrees_freedom),
                "p_value": float(t.p_value)}

    def baseline(cph, durations, strata_col=None, strata_values=None, labels=None):
        cum = cph.baseline_cumulative_hazard_
        out = []
        if strata_col is None:
            times = np.unique(durations)
            h = cum.iloc[:, 0].reindex(times).to_numpy()
            out.append({"stratum": "", "time": times.tolist(), "cumulative_hazard": h.tolist(),
                        "survival": np.exp(-h).tolist()})
        else:
            for code, label in enumerate(labels):
                times = np.unique(durations[strata_values == code])
                col = [c for c in cum.columns if (c if not isinstance(c, tuple) else c[0]) == code][0]
                h = cum[col].reindex(times).to_numpy()
                out.append({"stratum": label, "time": times.tolist(), "cumulative_hazard": h.tolist(),
                            "survival": np.exp(-h).tolist()})
        return out

    def prediction(cph, df):
        head = df.head(PREDICT_ROWS)
        ph = cph.predict_partial_hazard(head).to_numpy()
        # Columns are customers (grouped by stratum when stratified): put them back in row order.
        sf = cph.predict_survival_function(head, times=TIMES)[head.index].to_numpy().T  # customers x times
        # Partial hazards are checked against the Newton-polished fits below: lifelines' optimizer
        # stops ~1e-9 from the optimum, which exp(beta'(x - mean)) magnifies by |x - mean|.
        del ph
        return {"survival": sf.reshape(-1).tolist()}

    cases = []

    def case(name, inp, expected, config, source, tol):
        inp = dict(inp)
        inp.setdefault("categorical", [])
        inp.setdefault("strata", None)
        inp.setdefault("clusters", None)
        inp.setdefault("times", TIMES)
        inp.setdefault("predict_rows", PREDICT_ROWS)
        cases.append({"name": name, "op": "cox", "input": inp, "config": config, "expected": {"ok": expected},
                      "tolerance": tol, "source": f"tests/golden/derive/cox.py: {source} ({versions})"})

    rossi_input = {"duration": rossi["week"].astype(float).tolist(), "observed": rossi["arrest"].astype(bool).tolist(),
                   "columns": {"numeric": covs}, "numeric": [rossi[c].astype(float).tolist() for c in covs]}

    # 1. Rossi, Efron.
    cph = CoxPHFitter().fit(rossi[["week", "arrest"] + covs], "week", "arrest", fit_options=tight)
    case("cox_rossi_efron", rossi_input,
         {"terms": terms_lifelines(cph, covs), "log_likelihood": cph.log_likelihood_,
          "likelihood_ratio": lr(cph), "aic": cph.AIC_partial_, "concordance": cph.concordance_index_,
          "customers": len(rossi), "events": int(rossi["arrest"].sum()),
          "baseline": baseline(cph, rossi["week"].to_numpy()), "prediction": prediction(cph, rossi[covs])},
         {"ties": "efron"}, "lifelines CoxPHFitter on lifelines' Rossi data", 1e-7)

    # 1b. The same, polished: statsmodels PHReg(ties='efron') and Newton steps on its exact score and
    # Hessian until the score is below 1e-12.
    x = rossi[covs].to_numpy(float)
    model = PHReg(rossi["week"].to_numpy(float), x, status=rossi["arrest"].to_numpy(), ties="efron")
    b = model.fit(method="newton", maxiter=100).params
    for _ in range(5):
        b = b - np.linalg.solve(model.hessian(b), model.score(b))
    assert np.abs(model.score(b)).max() < 1e-10
    se = np.sqrt(np.diag(np.linalg.inv(-model.hessian(b))))
    case("cox_rossi_efron_newton", rossi_input,
         {"terms": [{"name": c, "coefficient": v, "standard_error": e} for c, v, e in zip(covs, b.tolist(), se.tolist())],
          "log_likelihood": float(model.loglike(b)),
          "prediction": {"partial_hazard": np.exp((x[:PREDICT_ROWS] - x.mean(0)) @ b).tolist()}},
         {"ties": "efron"}, "statsmodels PHReg(ties='efron') polished by Newton steps on its score and Hessian", 1e-11)

    # 2. Rossi, stratified by race, Efron.
    labels = ["race 0", "race 1"]
    cph = CoxPHFitter().fit(rossi[["week", "arrest", "race"] + covs], "week", "arrest", strata=["race"],
                            fit_options=tight)
    inp = dict(rossi_input, columns={"numeric": covs, "strata": labels}, strata=rossi["race"].astype(int).tolist())
    pred = prediction(cph, rossi[covs + ["race"]])
    case("cox_rossi_strata_efron", inp,
         {"terms": terms_lifelines(cph, covs), "log_likelihood": cph.log_likelihood_, "concordance": cph.concordance_index_,
          "baseline": baseline(cph, rossi["week"].to_numpy(), "race", rossi["race"].to_numpy(), labels),
          "prediction": pred},
         {"ties": "efron"}, "lifelines CoxPHFitter(strata=['race'])", 1e-7)

    # 3. Rossi, Breslow, plain and robust per person (statsmodels).
    x = rossi[covs].to_numpy(float)
    for robust in (False, True):
        model = PHReg(rossi["week"].to_numpy(float), x, status=rossi["arrest"].to_numpy(), ties="breslow")
        res = model.fit(groups=np.arange(len(rossi)) if robust else None, gtol=1e-12)
        params = res.params
        se = res.bse
        z = stats.norm.ppf(0.975)
        ph = np.exp((x - x.mean(0)) @ params)
        terms = [{"name": c, "coefficient": b, "standard_error": s, "ci_low": b - z * s, "ci_high": b + z * s,
                  "z": b / s, "p_value": 2 * stats.norm.sf(abs(b / s))}
                 for c, b, s in zip(covs, params.tolist(), se.tolist())]
        exp = {"terms": terms, "log_likelihood": float(model.loglike(params)),
               "concordance": concordance_index(rossi["week"], -ph, rossi["arrest"]),
               "prediction": {"partial_hazard": ph[:PREDICT_ROWS].tolist()}}
        case("cox_rossi_breslow" + ("_robust" if robust else ""), rossi_input, exp,
             {"ties": "breslow", "robust": robust},
             "statsmodels PHReg(ties='breslow')" + (".fit(groups=each person)" if robust else "")
             + "; concordance by lifelines concordance_index", 1e-8)

    # 4. Customers: numeric score and categorical channel (reference email), weekly (tied) durations, Efron.
    dummies = pd.DataFrame({"score": score, "channel[T.referral]": (channel == 1).astype(float),
                            "channel[T.search]": (channel == 2).astype(float)})
    names = list(dummies.columns)
    df = dummies.assign(T=duration_tied, E=observed)
    cph = CoxPHFitter().fit(df, "T", "E", fit_options=tight)
    cust_input = {"duration": duration_tied.tolist(), "observed": observed.tolist(),
                  "columns": {"numeric": ["score"], "categorical": [{"name": "channel", "levels": channel_levels}]},
                  "numeric": [score.tolist()], "categorical": [channel.astype(int).tolist()]}
    case("cox_customers_categorical_efron", cust_input,
         {"terms": terms_lifelines(cph, names), "log_likelihood": cph.log_likelihood_, "likelihood_ratio": lr(cph),
          "concordance": cph.concordance_index_, "baseline": baseline(cph, duration_tied),
          "prediction": prediction(cph, dummies)},
         {"ties": "efron"}, "lifelines CoxPHFitter with the channel one-hot (reference email)", 1e-8)

    # 5. Same customers, reference level search.
    dummies2 = pd.DataFrame({"score": score, "channel[T.email]": (channel == 0).astype(float),
                             "channel[T.referral]": (channel == 1).astype(float)})
    cph = CoxPHFitter().fit(dummies2.assign(T=duration_tied, E=observed), "T", "E", fit_options=tight)
    inp = dict(cust_input, columns={"numeric": ["score"], "categorical": [
        {"name": "channel", "levels": channel_levels, "reference": "search"}]})
    case("cox_customers_reference_level", inp,
         {"terms": terms_lifelines(cph, list(dummies2.columns)), "log_likelihood": cph.log_likelihood_,
          "prediction": prediction(cph, dummies2)},
         {"ties": "efron"}, "lifelines CoxPHFitter with the channel one-hot (reference search)", 1e-8)

    # 6. Untied durations, Efron, robust per customer and per account (lifelines).
    cont_input = dict(cust_input, duration=duration_cont.tolist())
    df = dummies.assign(T=duration_cont, E=observed, account=account)
    for cluster in (False, True):
        if cluster:
            cph = CoxPHFitter().fit(df, "T", "E", cluster_col="account", fit_options=tight)
        else:
            cph = CoxPHFitter().fit(df.drop(columns="account"), "T", "E", robust=True, fit_options=tight)
        inp = dict(cont_input, clusters=account.astype(int).tolist() if cluster else None)
        case("cox_customers_robust" + ("_clustered" if cluster else ""), inp,
             {"terms": terms_lifelines(cph, names), "log_likelihood": cph.log_likelihood_,
              "robust": True, **({"clusters": int(len(np.unique(account)))} if cluster else {})},
             {"ties": "efron", "robust": True},
             "lifelines CoxPHFitter(" + ("cluster_col='account'" if cluster else "robust=True") + ") on untied durations",
             1e-9)

    # 7. Weekly durations, Breslow, clustered by account (statsmodels).
    xc = dummies.to_numpy(float)
    model = PHReg(duration_tied, xc, status=observed.astype(int), ties="breslow")
    res = model.fit(groups=account, gtol=1e-12)
    case("cox_customers_breslow_clustered", dict(cust_input, clusters=account.astype(int).tolist()),
         {"terms": [{"name": c, "coefficient": b, "standard_error": s}
                    for c, b, s in zip(names, res.params.tolist(), res.bse.tolist())],
          "log_likelihood": float(model.loglike(res.params)), "clusters": int(len(np.unique(account)))},
         {"ties": "breslow"}, "statsmodels PHReg(ties='breslow').fit(groups=account)", 1e-8)

    # Refusals.
    sep = {"duration": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "observed": [True] * 6, "columns": {"numeric": ["x"]},
           "numeric": [[6.0, 5.0, 4.0, 3.0, 2.0, 1.0]], "predict_rows": 0}
    case("cox_separation_refused", sep, None, {}, "x orders the churn times exactly: the likelihood rises forever", 0)
    cases[-1]["expected"] = {"error": "convergence"}
    const = dict(sep, numeric=[[1.0] * 6])
    case("cox_constant_covariate_refused", const, None, {}, "a covariate that never varies cannot be estimated", 0)
    cases[-1]["expected"] = {"error": "config"}
    none = dict(sep, observed=[False] * 6, numeric=[[1.0, 2.0, 1.0, 2.0, 1.0, 2.0]])
    case("cox_no_events_refused", none, None, {}, "no churn observed", 0)
    cases[-1]["expected"] = {"error": "empty_input"}
    return cases


def main():
    if sys.argv[1:] == ["--derive"]:
        print(json.dumps(derive()))
        return
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        venv.create(VENV, with_pip=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "lifelines==0.30.3", "statsmodels"], check=True)
    cases = json.loads(subprocess.run([py, __file__, "--derive"], check=True, capture_output=True, text=True).stdout)
    with open(OUT, "w") as f:
        json.dump({"area": "cox", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
