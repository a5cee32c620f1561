#!/usr/bin/env python3
"""Derives tests/golden/rmst.json: restricted mean survival time, alone and compared between two
groups.

- RMST: lifelines 0.30 `restricted_mean_survival_time(KaplanMeierFitter, t=tau)` (the exact area
  under the step curve).
- Its standard error: lifelines gives the variance of the restricted lifetime itself, not of the
  estimate, so the estimate's variance is computed here from lifelines' event table with the
  formula of Klein & Moeschberger (2003, sec. 4.5) as R's survRM2 writes it:
  sum over event times t_i <= tau of A_i^2 d_i / (n_i (n_i - d_i)), A_i the area after t_i.
- Intervals, z and p: normal (scipy).

Run with any python3: the script makes a throwaway venv with lifelines 0.30 and runs itself there.

    python3 tests/golden/derive/rmst.py
"""
import json
import os
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "rmst.json")
VENV = "/tmp/engagement-derive-rmst"

# Months to churn (observed) or to the end of observation (censored); ties and censoring.
A = [1, 2, 2, 3, 4, 4, 4, 5, 6, 8, 9, 12, 12, 12]
A_EVENT = [1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0]
B = [2, 3, 5, 6, 7, 8, 10, 11, 12, 12, 12, 12]
B_EVENT = [1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0]


def derive():
    import lifelines
    import numpy as np
    import scipy
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time
    from scipy import stats

    def one(d, e, tau, level):
        kmf = KaplanMeierFitter().fit(d, e)
        area = float(restricted_mean_survival_time(kmf, t=tau))
        table = kmf.event_table
        times = np.asarray(table.index, float)
        var = 0.0
        for t, n, dd in zip(times, table["at_risk"], table["observed"]):
            if t > tau or dd == 0 or dd == n:
                continue
            after = area - float(restricted_mean_survival_time(kmf, t=t)) if t > 0 else area
            var += after ** 2 * dd / (n * (n - dd))
        se = var ** 0.5
        z = stats.norm.ppf(0.5 + level / 2)
        return {"tau": tau, "rmst": area, "standard_error": se, "ci_low": area - z * se, "ci_high": area + z * se}

    versions = f"lifelines {lifelines.__version__}, numpy {np.__version__}, scipy {scipy.__version__}"
    cases = []
    for name, d, e, tau in (("rmst_ties_and_censoring", A, A_EVENT, 10.0), ("rmst_at_an_event_time", A, A_EVENT, 9.0),
                            ("rmst_to_the_last_time", B, B_EVENT, 12.0)):
        cases.append({"name": name, "op": "rmst", "input": {"duration": [float(x) for x in d],
                                                           "observed": [bool(x) for x in e], "tau": tau,
                                                           "level": 0.95},
                      "expected": {"ok": one(d, e, tau, 0.95)}, "tolerance": 1e-12,
                      "source": "tests/golden/derive/rmst.py: lifelines restricted_mean_survival_time; variance "
                                f"by survRM2's formula on lifelines' event table ({versions})"})
    for tau, level in ((10.0, 0.95), (6.0, 0.9)):
        a, b = one(A, A_EVENT, tau, level), one(B, B_EVENT, tau, level)
        diff = b["rmst"] - a["rmst"]
        se = (a["standard_error"] ** 2 + b["standard_error"] ** 2) ** 0.5
        z = stats.norm.ppf(0.5 + level / 2)
        se_log = ((a["standard_error"] / a["rmst"]) ** 2 + (b["standard_error"] / b["rmst"]) ** 2) ** 0.5
        ratio = b["rmst"] / a["rmst"]
        cases.append({"name": f"rmst_difference_tau_{int(tau)}", "op": "rmst_difference",
                      "input": {"duration_a": [float(x) for x in A], "observed_a": [bool(x) for x in A_EVENT],
                                "duration_b": [float(x) for x in B], "observed_b": [bool(x) for x in B_EVENT],
                                "tau": tau, "level": level},
                      "expected": {"ok": {"a": a, "b": b, "difference": diff, "standard_error": se,
                                          "ci_low": diff - z * se, "ci_high": diff + z * se, "z": diff / se,
                                          "p_value": 2 * stats.norm.sf(abs(diff / se)), "ratio": ratio,
                                          "ratio_ci_low": ratio * np.exp(-z * se_log),
                                          "ratio_ci_high": ratio * np.exp(z * se_log)}},
                      "tolerance": 1e-12,
                      "source": "tests/golden/derive/rmst.py: each group as the rmst cases; normal difference, "
                                f"delta-method log ratio ({versions})"})
    cases.append({"name": "rmst_past_follow_up", "op": "rmst",
                  "input": {"duration": [float(x) for x in A], "observed": [bool(x) for x in A_EVENT], "tau": 13.0,
                            "level": 0.95},
                  "expected": {"error": "invalid_input"}, "tolerance": 0,
                  "source": "the curve is unknown past the longest duration (12): refused"})
    return cases


def main():
    if sys.argv[1:] == ["--derive"]:
        print(json.dumps(derive()))
        return
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        venv.create(VENV, with_pip=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "lifelines==0.30.3"], check=True)
    cases = json.loads(subprocess.run([py, __file__, "--derive"], check=True, capture_output=True, text=True).stdout)
    with open(OUT, "w") as f:
        json.dump({"area": "rmst", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
