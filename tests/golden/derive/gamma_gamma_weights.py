"""Gamma-Gamma fits with row weights (pre-aggregated customers) for tests/golden/clv.json.

The log-likelihood of Fader & Hardie (2013), eq. (3), summed over rows times their weight, maximised
by scipy's Nelder-Mead on the log parameters from several starts (no engine code involved). The
same customers given one row each, and given as distinct rows with counts, must fit alike.

Run: python tests/golden/derive/gamma_gamma_weights.py   (numpy, scipy)
"""
import json

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln

# Distinct (x, m) rows with their number of customers.
x = np.array([1, 1, 2, 2, 3, 4, 6, 1, 5])
m = np.array([20.0, 35.5, 28.0, 41.25, 30.0, 52.0, 25.0, 80.0, 33.0])
w = np.array([3, 1, 2, 4, 1, 2, 1, 1, 2], dtype=float)


def ll(v):
    p, q, g = np.exp(v)
    px = p * x
    terms = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + (px - 1) * np.log(m)
             + px * np.log(x) - (px + q) * np.log(g + m * x))
    return float(np.sum(w * terms))


best = min((minimize(lambda v: -ll(v), s, method="Nelder-Mead",
                     options=dict(xatol=1e-12, fatol=1e-13, maxiter=40_000)) for s in
            ([0, 0, 0], [1, 1, 2], [2, 0.5, 3], [-1, 1, 1])), key=lambda r: r.fun)
# Polished by Newton's method on a central-difference gradient and Hessian in extended precision
# steps (the optimum lies on a flat ridge in q and gamma, where Nelder-Mead stops early).
v = best.x.copy()
for _ in range(50):
    h = 1e-4
    e = np.eye(3) * h
    grad = np.array([(ll(v + e[i]) - ll(v - e[i])) / (2 * h) for i in range(3)])
    hess = np.array([[(ll(v + e[i] + e[j]) - ll(v + e[i] - e[j]) - ll(v - e[i] + e[j]) + ll(v - e[i] - e[j]))
                      / (4 * h * h) for j in range(3)] for i in range(3)])
    step = np.linalg.solve(hess, grad)
    v = v - step
    if np.max(np.abs(step)) < 1e-13:
        break
best.x, best.fun = v, -ll(v)
p, q, g = np.exp(best.x)
print(json.dumps({"frequency": x.tolist(), "monetary_value": m.tolist(), "weights": w.tolist(),
                  "p": p, "q": q, "gamma": g, "log_likelihood": -best.fun, "customers": float(w.sum())}, indent=1))
