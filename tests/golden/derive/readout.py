#!/usr/bin/env python3
"""Derives tests/golden/readout.json: experiment readouts (means, proportions, ratio metrics, CUPED,
sequential tests, Bayesian chance to win and risk, k arms), the sample-ratio check and p-value
corrections.

Each expected value comes from an independent tool, never from the engine's formulas:
- fixed-horizon and sequential tests, CUPED for means and proportions, ratio metrics, the normal
  Bayesian effect and the sample-ratio check: GrowthBook's stats engine, gbstats 0.8.0
  (`TwoSidedTTest`, `SequentialTwoSidedTTest`, `EffectBayesianABTest`, `RegressionAdjustedStatistic`,
  `RatioStatistic`, `compute_theta`, `check_srm`);
- the log-normal approximation of revenue: gbstats 0.4.0 (`GaussianBayesianABTest`), whose risk is a
  24-node Gauss-Hermite rule (the engine's closed form agrees to ~1e-9, hence the looser tolerance);
- CUPED for ratio metrics (gbstats >= 0.9, which the package registry does not carry): numpy on the
  per-unit influence values of the delta method, `u = (y - r d) / mean(d)`, with
  `theta = sum(cov(u, v)) / sum(var(v))` over the arms, as GrowthBook's documentation states it;
- chance to be best and expected loss over k arms: scipy.integrate.quad over the normal posteriors;
- p-value corrections: statsmodels 0.15 `multipletests` (bonferroni, holm, fdr_bh);
- the sample-ratio check: also scipy.stats.chisquare.

Run with any python3: the script makes two throwaway venvs (gbstats 0.8 and 0.4 pin different
dependencies), runs its parts in them and writes the file.

    python3 tests/golden/derive/readout.py
"""
import json
import os
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "readout.json")
VENVS = {"08": ("gbstats==0.8.0", "statsmodels==0.15.0"), "04": ("gbstats==0.4.0",)}


def data():
    """The units of every readout case (seeded, rounded so JSON carries them exactly)."""
    import numpy as np
    rng = np.random.default_rng(2025)
    d = {}
    # Revenue per customer, two arms.
    d["revenue"] = {"control": np.round(rng.gamma(2.0, 20.0, 80), 2).tolist(),
                    "treatment": np.round(rng.gamma(2.0, 23.0, 90), 2).tolist()}
    # Revenue with a correlated pre-period revenue (CUPED).
    pre_c = np.round(rng.gamma(2.0, 20.0, 120), 2)
    pre_t = np.round(rng.gamma(2.0, 20.0, 110), 2)
    d["revenue_pre"] = {"control": (np.round(0.7 * pre_c + rng.gamma(2.0, 8.0, 120), 2)).tolist(),
                        "treatment": (np.round(0.7 * pre_t + rng.gamma(2.0, 9.5, 110), 2)).tolist(),
                        "pre_control": pre_c.tolist(), "pre_treatment": pre_t.tolist()}
    # Conversion with a pre-period visit count as covariate.
    vc, vt = rng.poisson(3.0, 200), rng.poisson(3.0, 210)
    d["conversion_pre"] = {"control": (rng.random(200) < 0.05 + 0.04 * vc).astype(float).tolist(),
                           "treatment": (rng.random(210) < 0.07 + 0.04 * vt).astype(float).tolist(),
                           "pre_control": vc.astype(float).tolist(), "pre_treatment": vt.astype(float).tolist()}
    # Revenue per session (ratio), with the pre-period's revenue and sessions.
    def ratio_arm(n, lift):
        sessions = rng.poisson(4.0, n) + 1
        pre_sessions = rng.poisson(4.0, n) + 1
        rev = np.round(sessions * rng.gamma(2.0, 3.0 * lift, n), 2)
        pre_rev = np.round(0.5 * rev + pre_sessions * rng.gamma(2.0, 1.5, n), 2)
        return rev, sessions.astype(float), pre_rev, pre_sessions.astype(float)
    d["ratio"] = {arm: [c.tolist() for c in ratio_arm(n, lift)]
                  for arm, n, lift in (("control", 150, 1.0), ("treatment", 140, 1.12))}
    # Three arms of sessions per customer.
    d["three"] = {"control": rng.poisson(5.0, 100).astype(float).tolist(),
                  "b": rng.poisson(5.6, 95).astype(float).tolist(),
                  "c": rng.poisson(5.2, 205).astype(float).tolist()}
    return d


def columns(arms):
    """{name: values} (or {name: [values, denominators, pre, pre_denominators]}) to unit columns."""
    names = list(arms)
    out = {"arm_names": names, "arm": [], "values": []}
    for k, name in enumerate(names):
        v = arms[name]
        out["arm"] += [k] * len(v[0] if isinstance(v[0], list) else v)
    keys = ["values", "denominators", "pre_values", "pre_denominators"]
    for name in names:
        v = arms[name]
        parts = v if isinstance(v[0], list) else [v]
        for key, part in zip(keys, parts):
            if part is not None:
                out.setdefault(key, []).extend(part)
    return out


def part_08(d):
    import numpy as np
    from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig, GaussianPrior
    from gbstats.frequentist.tests import (FrequentistConfig, SequentialConfig, SequentialTwoSidedTTest,
                                           TwoSidedTTest)
    from gbstats.models.statistics import (ProportionStatistic, RatioStatistic, RegressionAdjustedStatistic,
                                           SampleMeanStatistic, compute_theta)
    from gbstats.utils import check_srm
    from scipy import integrate, stats
    import statsmodels
    from statsmodels.stats.multitest import multipletests
    import gbstats

    def mean_stat(v):
        v = np.asarray(v, float)
        return SampleMeanStatistic(n=len(v), sum=float(v.sum()), sum_squares=float((v * v).sum()))

    def prop_stat(v):
        v = np.asarray(v, float)
        return ProportionStatistic(n=len(v), sum=float(v.sum()))

    def ra_stat(post, pre, post_stat):
        post, pre = np.asarray(post, float), np.asarray(pre, float)
        return RegressionAdjustedStatistic(n=len(post), post_statistic=post_stat(post),
                                           pre_statistic=mean_stat(pre),
                                           post_pre_sum_of_products=float((post * pre).sum()), theta=0)

    def ratio_stat(m, dd):
        m, dd = np.asarray(m, float), np.asarray(dd, float)
        return RatioStatistic(n=len(m), m_statistic=mean_stat(m), d_statistic=mean_stat(dd),
                              m_d_sum_of_products=float((m * dd).sum()))

    def interval(ci):
        return {"low": float(ci[0]), "high": float(ci[1])}

    def frequentist(make_a, make_b, sequential=None):
        out = {}
        for scale in ("absolute", "relative"):
            if sequential is None:
                t = TwoSidedTTest(make_a(), make_b(), FrequentistConfig(difference_type=scale))
            else:
                t = SequentialTwoSidedTTest(make_a(), make_b(), SequentialConfig(
                    difference_type=scale, sequential_tuning_parameter=sequential))
            r = t.compute_result()
            assert r.error_message is None, r.error_message
            out[scale] = {"estimate": r.expected, "interval": interval(r.ci), "p_value": r.p_value,
                          "standard_error": float(np.sqrt(t.variance))}
            if sequential is None:
                out[scale]["degrees_of_freedom"] = float(t.dof)
        return out

    def bayesian(make_a, make_b, prior=None):
        out = {}
        for scale in ("absolute", "relative"):
            cfg = EffectBayesianConfig(difference_type=scale, prior_type="relative",
                                       prior_effect=prior or GaussianPrior())
            r = EffectBayesianABTest(make_a(), make_b(), cfg).compute_result()
            assert r.error_message is None, r.error_message
            out[scale] = {"chance_to_win": r.chance_to_win, "risk_control": r.risk[0],
                          "risk_treatment": r.risk[1], "posterior_mean": r.expected,
                          "credible_interval": interval(r.ci)}
        return out

    def merge(*parts):
        out = {}
        for p in parts:
            for k, v in p.items():
                out.setdefault(k, {}).update(v)
        return out

    def best(means, sds):
        k = len(means)
        p, loss = [], []
        lo, hi = min(m - 12 * s for m, s in zip(means, sds)), max(m + 12 * s for m, s in zip(means, sds))
        def dens(l, x):
            return stats.norm.pdf(x, means[l], sds[l]) * np.prod(
                [stats.norm.cdf(x, means[j], sds[j]) for j in range(k) if j != l])
        opts = dict(epsabs=1e-14, epsrel=1e-12, limit=500, points=means)
        for l in range(k):
            p.append(integrate.quad(lambda x: dens(l, x), lo, hi, **opts)[0])
        e_max = sum(integrate.quad(lambda x: x * dens(l, x), lo, hi, **opts)[0] for l in range(k))
        loss = [e_max - m for m in means]
        return p, loss

    cases = []
    versions = (f"gbstats {gbstats.__version__ if hasattr(gbstats, '__version__') else '0.8.0'}, "
                f"statsmodels {statsmodels.__version__}, scipy {__import__('scipy').__version__}")

    def case(name, op, inp, config, ok, tol, source):
        c = {"name": name, "op": op, "input": inp, "expected": {"ok": ok}, "tolerance": tol,
             "source": f"tests/golden/derive/readout.py: {source} ({versions})"}
        if config is not None:
            c["config"] = config
        cases.append(c)

    # 1. Revenue per customer, fixed horizon; Bayesian on both scales; best of two.
    rc, rt = d["revenue"]["control"], d["revenue"]["treatment"]
    A, B = (lambda: mean_stat(rc)), (lambda: mean_stat(rt))
    comp = merge(frequentist(A, B), bayesian(A, B))
    sds = [np.sqrt(A().variance / A().n), np.sqrt(B().variance / B().n)]
    p_best, loss = best([A().mean, B().mean], sds)
    case("revenue_fixed_horizon", "readout", columns(d["revenue"]), None,
         {"theta": 0.0, "control": "control",
          "arms": [{"name": "control", "n": 80, "mean": A().mean, "variance": A().variance},
                   {"name": "treatment", "n": 90, "mean": B().mean, "variance": B().variance}],
          "comparisons": [dict(arm="treatment", variance_reduction=0.0, **comp)],
          "chance_to_be_best": p_best, "expected_loss": loss,
          "srm": {"p_value": check_srm([80, 90], [0.5, 0.5])}},
         1e-9, "TwoSidedTTest and EffectBayesianABTest (flat prior) on SampleMeanStatistic, "
               "difference_type absolute and relative; best of two by scipy quad; check_srm")

    # 2. The same, sequential, at two tunings.
    for tuning in (5000.0, 100.0):
        seq = frequentist(A, B, sequential=tuning)
        case(f"revenue_sequential_{int(tuning)}", "readout", columns(d["revenue"]),
             {"sequential": True, "sequential_tuning": tuning},
             {"sequential": True, "comparisons": [{"arm": "treatment", **seq}]},
             1e-9, f"SequentialTwoSidedTTest(sequential_tuning_parameter={tuning}), absolute and relative")

    # 3. Revenue with a pre-period covariate (CUPED for means).
    rp = d["revenue_pre"]
    A = lambda: ra_stat(rp["control"], rp["pre_control"], mean_stat)
    B = lambda: ra_stat(rp["treatment"], rp["pre_treatment"], mean_stat)
    comp = merge(frequentist(A, B), bayesian(A, B))
    plain = TwoSidedTTest(mean_stat(rp["control"]), mean_stat(rp["treatment"]),
                          FrequentistConfig(difference_type="absolute"))
    adjusted = TwoSidedTTest(A(), B(), FrequentistConfig(difference_type="absolute"))
    cols = columns({"control": [rp["control"], None, rp["pre_control"]],
                    "treatment": [rp["treatment"], None, rp["pre_treatment"]]})
    cols.pop("denominators", None)
    case("revenue_cuped", "readout", cols, None,
         {"theta": compute_theta(A(), B()),
          "comparisons": [dict(arm="treatment", variance_reduction=1 - adjusted.variance / plain.variance,
                               **comp)]},
         1e-9, "RegressionAdjustedStatistic (SampleMeanStatistic post and pre), compute_theta, "
               "TwoSidedTTest and EffectBayesianABTest; reduction from the two tests' variances")

    # 4. Conversion (proportion) with a pre-period visit count (CUPED for proportions).
    cp = d["conversion_pre"]
    A = lambda: ra_stat(cp["control"], cp["pre_control"], prop_stat)
    B = lambda: ra_stat(cp["treatment"], cp["pre_treatment"], prop_stat)
    comp = merge(frequentist(A, B), bayesian(A, B))
    plain = TwoSidedTTest(prop_stat(cp["control"]), prop_stat(cp["treatment"]),
                          FrequentistConfig(difference_type="absolute"))
    adjusted = TwoSidedTTest(A(), B(), FrequentistConfig(difference_type="absolute"))
    cols = columns({"control": [cp["control"], None, cp["pre_control"]],
                    "treatment": [cp["treatment"], None, cp["pre_treatment"]]})
    cols.pop("denominators", None)
    case("conversion_cuped", "readout", cols, {"kind": "proportion"},
         {"theta": compute_theta(A(), B()),
          "comparisons": [dict(arm="treatment", variance_reduction=1 - adjusted.variance / plain.variance,
                               **comp)]},
         1e-9, "RegressionAdjustedStatistic (ProportionStatistic post, SampleMeanStatistic pre), "
               "compute_theta, TwoSidedTTest and EffectBayesianABTest")
    # Without the covariate: plain proportions.
    A, B = (lambda: prop_stat(cp["control"])), (lambda: prop_stat(cp["treatment"]))
    comp = merge(frequentist(A, B), bayesian(A, B))
    case("conversion", "readout", columns({"control": cp["control"], "treatment": cp["treatment"]}),
         {"kind": "proportion"},
         {"comparisons": [dict(arm="treatment", **comp)],
          "arms": [{"mean": A().mean, "variance": A().variance}, {"mean": B().mean, "variance": B().variance}]},
         1e-9, "ProportionStatistic, TwoSidedTTest and EffectBayesianABTest")

    # 5. Revenue per session (ratio, delta method).
    ra = d["ratio"]
    A = lambda: ratio_stat(ra["control"][0], ra["control"][1])
    B = lambda: ratio_stat(ra["treatment"][0], ra["treatment"][1])
    comp = merge(frequentist(A, B), bayesian(A, B))
    cols = columns({k: v[:2] for k, v in ra.items()})
    case("revenue_per_session", "readout", cols, {"kind": "ratio"},
         {"arms": [{"mean": A().mean, "variance": A().variance}, {"mean": B().mean, "variance": B().variance}],
          "comparisons": [dict(arm="treatment", **comp)]},
         1e-9, "RatioStatistic of SampleMeanStatistic numerator and denominator, TwoSidedTTest and "
               "EffectBayesianABTest")
    # The same from the arms' sums.
    def sums(m, dd, name):
        m, dd = np.asarray(m), np.asarray(dd)
        return {"name": name, "count": len(m), "main_sum": float(m.sum()), "main_sum_squares": float((m * m).sum()),
                "denominator_sum": float(dd.sum()), "denominator_sum_squares": float((dd * dd).sum()),
                "main_denominator_sum_product": float((m * dd).sum())}
    case("revenue_per_session_sums", "readout_sums",
         {"arms": [sums(*ra["control"][:2], "control"), sums(*ra["treatment"][:2], "treatment")]},
         {"kind": "ratio"}, {"comparisons": [dict(arm="treatment", **comp)]},
         1e-9, "as revenue_per_session, from the sums gbstats itself takes")

    # 6. Ratio with CUPED: numpy on the delta method's per-unit influence values.
    def influence(y, dd, x, e):
        y, dd, x, e = map(np.asarray, (y, dd, x, e))
        r, r_pre = y.sum() / dd.sum(), x.sum() / e.sum()
        return r, r_pre, (y - r * dd) / dd.mean(), (x - r_pre * e) / e.mean()
    inf = {k: influence(*v) for k, v in ra.items()}
    theta = (sum(np.cov(u, v)[0, 1] for _, _, u, v in inf.values())
             / sum(np.var(v, ddof=1) for _, _, _, v in inf.values()))
    pooled_pre = sum(sum(v[2]) for v in ra.values()) / sum(sum(v[3]) for v in ra.values())
    arm_out = []
    for k in ("control", "treatment"):
        r, r_pre, u, v = inf[k]
        arm_out.append({"mean": r, "pre_mean": r_pre, "adjusted_mean": r - theta * (r_pre - pooled_pre),
                        "variance": float(np.var(u - theta * v, ddof=1))})
    (mc, vc), (mt, vt) = [(a["adjusted_mean"], a["variance"]) for a in arm_out]
    nc, nt = len(ra["control"][0]), len(ra["treatment"][0])
    se = np.sqrt(vc / nc + vt / nt)
    dof = (vc / nc + vt / nt) ** 2 / ((vt / nt) ** 2 / (nt - 1) + (vc / nc) ** 2 / (nc - 1))
    q = stats.t.ppf(0.975, dof)
    est = mt - mc
    unadj = np.var(inf["control"][2], ddof=1) / nc + np.var(inf["treatment"][2], ddof=1) / nt
    case("revenue_per_session_cuped", "readout", columns(ra), {"kind": "ratio"},
         {"theta": theta, "arms": arm_out,
          "comparisons": [{"arm": "treatment", "variance_reduction": 1 - se * se / unadj,
                           "absolute": {"estimate": est, "standard_error": se, "degrees_of_freedom": dof,
                                        "interval": {"low": est - q * se, "high": est + q * se},
                                        "p_value": 2 * stats.t.sf(abs(est / se), dof)}}]},
         1e-9, "numpy influence values u = (y - r d)/mean(d), v likewise for the pre-period; "
               "theta = sum cov(u, v) / sum var(v); adjusted means centred on the pooled pre-period "
               "ratio; scipy.stats.t for the test")

    # 7. Three arms, Holm across the two treatments, a planned 1:1:2 split.
    th = d["three"]
    stats_ = {k: mean_stat(v) for k, v in th.items()}
    comps, p_abs, p_rel = [], [], []
    for k in ("b", "c"):
        f = frequentist(lambda: mean_stat(th["control"]), lambda: mean_stat(th[k]))
        comps.append((k, f))
        p_abs.append(f["absolute"]["p_value"])
        p_rel.append(f["relative"]["p_value"])
    holm_abs = multipletests(p_abs, method="holm")[1]
    holm_rel = multipletests(p_rel, method="holm")[1]
    means = [s.mean for s in stats_.values()]
    sds = [np.sqrt(s.variance / s.n) for s in stats_.values()]
    p_best, loss = best(means, sds)
    ok_comps = []
    for (k, f), ha, hr in zip(comps, holm_abs, holm_rel):
        f["absolute"]["adjusted_p_value"] = float(ha)
        f["relative"]["adjusted_p_value"] = float(hr)
        ok_comps.append({"arm": k, **f})
    counts = [len(v) for v in th.values()]
    case("three_arms_holm", "readout", columns(th), {"correction": "holm", "weights": [1, 1, 2]},
         {"comparisons": ok_comps, "chance_to_be_best": p_best, "expected_loss": loss,
          "srm": {"p_value": check_srm(counts, [1, 1, 2]),
                  "chi_square": stats.chisquare(counts, [sum(counts) / 4, sum(counts) / 4, sum(counts) / 2])[0]}},
         1e-9, "TwoSidedTTest per treatment, multipletests(method='holm') across them, scipy quad for "
               "the best of three, check_srm and scipy.stats.chisquare for the 1:1:2 split")
    # The control named, not first: c against b.
    f = frequentist(lambda: mean_stat(th["b"]), lambda: mean_stat(th["c"]))
    case("control_by_name", "readout", columns(th), {"control": "b"},
         {"control": "b", "comparisons": [{"arm": "control"}, {"arm": "c", **f}]},
         1e-9, "TwoSidedTTest of arm c against arm b")

    # 8. A proper prior on the relative effect.
    A, B = (lambda: mean_stat(rc)), (lambda: mean_stat(rt))
    comp = bayesian(A, B, GaussianPrior(mean=0.0, variance=0.09, proper=True))
    case("revenue_proper_prior", "readout", columns(d["revenue"]), {"prior": {"mean": 0.0, "variance": 0.09}},
         {"comparisons": [dict(arm="treatment", **comp)]},
         1e-9, "EffectBayesianABTest with GaussianPrior(0, 0.09, proper=True), prior_type relative")

    # 9. Conversion from sums (2000 each, 200 and 250 converted).
    A = lambda: ProportionStatistic(n=2000, sum=200)
    B = lambda: ProportionStatistic(n=2000, sum=250)
    comp = merge(frequentist(A, B), bayesian(A, B))
    arm = lambda name, k: {"name": name, "count": 2000, "main_sum": k, "main_sum_squares": k}
    case("conversion_sums", "readout_sums", {"arms": [arm("control", 200), arm("b", 250)]}, {"kind": "proportion"},
         {"comparisons": [dict(arm="b", **comp)]}, 1e-9, "ProportionStatistic(2000, 200 / 250)")

    # 10. Sample-ratio checks.
    for name, counts, weights in (("srm_equal", [5010, 4990], None), ("srm_broken", [5400, 4600], None),
                                  ("srm_planned_three", [1010, 980, 2050], [0.25, 0.25, 0.5])):
        w = weights or [1 / len(counts)] * len(counts)
        total = sum(counts)
        chi, p = stats.chisquare(counts, [total * x / sum(w) for x in w])
        assert abs(p - check_srm(counts, w)) < 1e-12
        inp = {"counts": counts}
        if weights:
            inp["weights"] = weights
        case(name, "srm_test", inp, None,
             {"chi_square": chi, "p_value": check_srm(counts, w), "degrees_of_freedom": len(counts) - 1,
              "expected": [total * x / sum(w) for x in w]},
             1e-9, "gbstats check_srm and scipy.stats.chisquare")

    # 11. p-value corrections.
    p = [0.01, 0.04, 0.03, 0.20, 0.03, 0.001]
    for method, label in (("bonferroni", "bonferroni"), ("holm", "holm"), ("fdr_bh", "benjamini_hochberg")):
        case(f"adjust_{label}", "adjust_p_values", {"p_values": p}, {"correction": label},
             {"adjusted": multipletests(p, method=method)[1].tolist()}, 1e-12,
             f"statsmodels multipletests(method='{method}')")
    return cases


def part_04(d):
    import numpy as np
    from gbstats.bayesian.tests import GaussianBayesianABTest
    from gbstats.shared.models import SampleMeanStatistic

    def stat(v):
        v = np.asarray(v, float)
        return SampleMeanStatistic(n=len(v), sum=float(v.sum()), sum_squares=float((v * v).sum()))

    r = GaussianBayesianABTest(stat(d["revenue"]["control"]), stat(d["revenue"]["treatment"])).compute_result()
    return {"chance_to_win": r.chance_to_win, "lift": r.expected, "log_ratio": r.uplift.mean,
            "log_ratio_sd": r.uplift.stddev, "credible_interval": {"low": r.ci[0], "high": r.ci[1]},
            "risk_control": r.risk[0], "risk_treatment": r.risk[1]}


def in_venv(tag):
    path = f"/tmp/engagement-derive-readout-{tag}"
    py = os.path.join(path, "bin", "python")
    if not os.path.exists(py):
        venv.create(path, with_pip=True)
        subprocess.run([py, "-m", "pip", "install", "-q", *VENVS[tag]], check=True)
    out = subprocess.run([py, __file__, "--part", tag], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--part":
        sys.path.insert(0, HERE)
        d = data()
        print(json.dumps(part_08(d) if sys.argv[2] == "08" else part_04(d)))
        return
    cases = in_venv("08")
    lognormal = in_venv("04")
    cases.append({
        "name": "revenue_lognormal", "op": "readout", "input": cases[0]["input"],
        "expected": {"ok": {"comparisons": [{"arm": "treatment", "lognormal": lognormal}]}},
        "tolerance": 1e-8,
        "source": "tests/golden/derive/readout.py: gbstats 0.4.0 GaussianBayesianABTest (flat prior, log-normal "
                  "approximation; its risk is a 24-node Gauss-Hermite rule, hence 1e-8)"})
    with open(OUT, "w") as f:
        json.dump({"area": "readout", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
