#!/usr/bin/env python3
"""Derives the expected values of tests/golden/experiments.json with scipy and statsmodels.

Each value comes from the named tool, not from the engine's formulas:
- two-proportion z-test: statsmodels.stats.proportion.proportions_ztest (pooled), the difference's
  Wald interval: statsmodels confint_proportions_2indep(method="wald", compare="diff"), the chi-square:
  scipy.stats.chi2_contingency(correction=False);
- Welch: scipy.stats.ttest_ind(equal_var=False) and its confidence_interval();
- Bayesian: P(B > A) and the expected losses by scipy.integrate.dblquad over the two Beta posteriors,
  credible intervals by scipy.stats.beta.ppf;
- power and sample size: statsmodels NormalIndPower with proportion_effectsize (Cohen's h).

Run in a throwaway venv:

    python3 -m venv /tmp/derive && /tmp/derive/bin/pip install scipy statsmodels
    /tmp/derive/bin/python tests/golden/derive/experiments.py
"""
import json

import numpy as np
from scipy import integrate, stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest, proportion_effectsize


def conversion(sc, nc, st, nt):
    z, p = proportions_ztest([st, sc], [nt, nc])
    lo, hi = confint_proportions_2indep(st, nt, sc, nc, method="wald", compare="diff", alpha=0.05)
    chi2, p_chi, _, _ = stats.chi2_contingency([[st, nt - st], [sc, nc - sc]], correction=False)
    assert abs(p - p_chi) < 1e-12
    return {"z": z, "p_value": p, "chi_square": chi2, "difference_interval": {"low": lo, "high": hi}}


def welch(c, t):
    r = stats.ttest_ind(t, c, equal_var=False)
    ci = r.confidence_interval(0.95)
    return {"t": r.statistic, "p_value": r.pvalue, "degrees_of_freedom": r.df,
            "difference_interval": {"low": ci.low, "high": ci.high}}


def bayes(sc, nc, st, nt):
    a, b = stats.beta(1 + sc, 1 + nc - sc), stats.beta(1 + st, 1 + nt - st)
    opts = dict(epsabs=1e-13, epsrel=1e-12)
    lo, hi = min(a.ppf(1e-14), b.ppf(1e-14)), max(a.ppf(1 - 1e-14), b.ppf(1 - 1e-14))
    better = integrate.dblquad(lambda y, x: a.pdf(x) * b.pdf(y), lo, hi, lambda x: x, lambda x: hi, **opts)[0]
    loss_t = integrate.dblquad(lambda y, x: (x - y) * a.pdf(x) * b.pdf(y), lo, hi, lambda x: lo, lambda x: x, **opts)[0]
    loss_c = integrate.dblquad(lambda y, x: (y - x) * a.pdf(x) * b.pdf(y), lo, hi, lambda x: x, lambda x: hi, **opts)[0]
    return {"prob_treatment_better": better, "expected_loss_treatment": loss_t, "expected_loss_control": loss_c,
            "control_interval": {"low": a.ppf(0.025), "high": a.ppf(0.975)},
            "treatment_interval": {"low": b.ppf(0.025), "high": b.ppf(0.975)}}


def main():
    out = {}
    out["conversion"] = conversion(200, 2000, 250, 2000)
    out["conversion_small"] = conversion(3, 40, 9, 38)
    rng = np.random.default_rng(7)
    c = np.round(rng.gamma(2.0, 20.0, 60), 2)
    t = np.round(rng.gamma(2.2, 21.0, 75), 2)
    out["welch_data"] = {"control": c.tolist(), "treatment": t.tolist()}
    out["welch"] = welch(c, t)
    out["bayes"] = bayes(40, 400, 55, 410)
    ps = NormalIndPower()
    h = proportion_effectsize(0.12, 0.10)
    out["sample_size"] = ps.solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=1.0, alternative="two-sided")
    out["power_1000"] = ps.power(effect_size=h, nobs1=1000, alpha=0.05, ratio=1.0, alternative="two-sided")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
