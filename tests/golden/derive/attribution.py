#!/usr/bin/env python3
"""Derives the expected values of tests/golden/attribution.json independently of the engine.

- heuristics: each rule's touch weights written out by hand;
- Markov: the transition matrix of the absorbing chain built with numpy and solved with
  numpy.linalg.solve (a direct solve, where the engine iterates), removal by zeroing the removed
  states' rows and columns (their mass goes to null); value by the same solve with each state's
  conversions worth their mean value (ChannelAttribution's value convention);
- Shapley: the average marginal contribution over all orderings of the channels
  (itertools.permutations), where the engine sums over subsets.

    python3 -m venv /tmp/derive && /tmp/derive/bin/pip install numpy
    /tmp/derive/bin/python tests/golden/derive/attribution.py
"""
import itertools
import json

import numpy as np

# A repeated channel ("search > email > search") tells linear (per touch) from Shapley (per channel).
PATHS = ["email > search", "search", "display > email > search", "display", "email", "search > email > search"]
CONV = [10.0, 5.0, 4.0, 0.0, 2.0, 3.0]
VALUE = [100.0, 40.0, 60.0, 0.0, 10.0, 30.0]
NULLS = [5.0, 20.0, 3.0, 30.0, 12.0, 2.0]
CHANNELS = ["email", "search", "display"]
P = [[CHANNELS.index(c.strip()) for c in p.split(">")] for p in PATHS]


def heuristic(weights):
    conv, value = np.zeros(3), np.zeros(3)
    for path, c, v in zip(P, CONV, VALUE):
        for w, ch in zip(weights(len(path)), path):
            conv[ch] += w * c
            value[ch] += w * v
    return conv.tolist(), value.tolist()


def decay(n, half_life=1.0):
    raw = [0.5 ** ((n - 1 - j) / half_life) for j in range(n)]
    return [r / sum(raw) for r in raw]


def position(n):
    if n == 1:
        return [1.0]
    if n == 2:
        return [0.5, 0.5]
    return [0.4] + [0.2 / (n - 2)] * (n - 2) + [0.4]


def markov(order):
    states = {(): 0}
    trans = {}
    conv_value = {}
    for path, c, val, nl in zip(P, CONV, VALUE, NULLS):
        w = c + nl
        frm = 0
        for j in range(len(path)):
            key = tuple(path[max(0, j - order + 1): j + 1])
            to = states.setdefault(key, len(states))
            trans[(frm, to)] = trans.get((frm, to), 0) + w
            frm = to
        trans[(frm, "conv")] = trans.get((frm, "conv"), 0) + c
        conv_value[frm] = conv_value.get(frm, 0) + val
        trans[(frm, "null")] = trans.get((frm, "null"), 0) + nl
    n = len(states)
    q, r, rv = np.zeros((n, n)), np.zeros(n), np.zeros(n)
    totals = np.zeros(n)
    for (a, b), w in trans.items():
        totals[a] += w
    for (a, b), w in trans.items():
        if b == "conv":
            r[a] += w / totals[a]
            rv[a] += conv_value[a] / totals[a]  # value of the conversions from a, per journey through a
        elif b != "null":
            q[a, b] += w / totals[a]

    def absorbed(removed, reward):
        keep = [s for s in range(n) if s not in removed]
        qq = q[np.ix_(keep, keep)]
        x = np.linalg.solve(np.eye(len(keep)) - qq, reward[keep])
        return x[keep.index(0)]

    def effects(reward):
        base = absorbed(set(), reward)
        return [1 - absorbed({s for key, s in states.items() if ch in key}, reward) / base for ch in range(3)]

    # Conversions: removal effects of the conversion probability; value: of the expected value
    # (each conversion from a state worth the mean value of the conversions from it).
    e, ev = effects(r), effects(rv)
    share, share_v = np.array(e) / sum(e), np.array(ev) / sum(ev)
    return (share * sum(CONV)).tolist(), (share_v * sum(VALUE)).tolist(), e, ev


def shapley():
    def v(coalition, amounts):
        return sum(a for path, a in zip(P, amounts) if set(path) <= coalition)

    conv, value = np.zeros(3), np.zeros(3)
    orders = list(itertools.permutations(range(3)))
    for order in orders:
        seen = set()
        for ch in order:
            conv[ch] += v(seen | {ch}, CONV) - v(seen, CONV)
            value[ch] += v(seen | {ch}, VALUE) - v(seen, VALUE)
            seen.add(ch)
    return (conv / len(orders)).tolist(), (value / len(orders)).tolist()


def main():
    out = {
        "first_touch": heuristic(lambda n: [1.0] + [0.0] * (n - 1)),
        "last_touch": heuristic(lambda n: [0.0] * (n - 1) + [1.0]),
        "linear": heuristic(lambda n: [1.0 / n] * n),
        "time_decay_1": heuristic(decay),
        "position_based": heuristic(position),
        "markov_1": markov(1),
        "markov_2": markov(2),
        "shapley": shapley(),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
