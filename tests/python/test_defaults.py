"""Defaults live in the engine: the Python face sends only what the caller set.

Each omitted option must give the result of the value the docs name as its default, and no public
function may restate an engine default as a number in its signature.
"""

import inspect

import numpy as np
import pytest

import engagement
import engagement.dask
import engagement.spark

DAY = 86_400
T = ([1, 1, 1, 2, 2, 3], [0, DAY, 40 * DAY, 0, 2 * DAY, 0], ["email", "web", "web", "email", "store", "ads"],
     ["click", "visit", "purchase", "click", "purchase", "impression"])
STEPS = [{"name": "click", "kinds": ["click"]}, {"name": "buy", "kinds": ["purchase"]}]


def same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            same(a[k], b[k])
    elif hasattr(a, "__dataclass_fields__"):
        same(vars(a), vars(b))
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b or (a != a and b != b), (a, b)


def test_omitted_options_are_the_documented_defaults():
    same(engagement.nps([10, 9, 3]), engagement.nps([10, 9, 3], level=0.95))
    same(engagement.wilson(3, 10), engagement.wilson(3, 10, level=0.95))
    same(engagement.funnel(*T, steps=STEPS), engagement.funnel(*T, steps=STEPS, window_days=30, order="loose",
                                                               level=0.95))
    same(engagement.journey_sequences(*T), engagement.journey_sequences(*T, by="channel", steps=10, path_length=5,
                                                                        top_paths=10))
    tx = ([1, 1, 2], [0, 40 * DAY, 5 * DAY], [10.0, 5.0, 7.0])
    same(engagement.cohorts(*tx, as_of=90 * DAY), engagement.cohorts(*tx, as_of=90 * DAY, period="month",
                                                                     max_periods=36))
    same(engagement.transaction_summary(*tx, observation_end=90 * DAY),
         engagement.transaction_summary(*tx, observation_end=90 * DAY, period="day", unit="day"))
    same(engagement.rfm_values(*tx, as_of=90 * DAY), engagement.rfm_values(*tx, as_of=90 * DAY, monetary="total"))
    same(engagement.attribute_touchpoints(*T), engagement.attribute_touchpoints(*T, lookback_days=30, rule="markov",
                                                                                order=1))
    assert engagement.sample_size_two_proportions(0.1, 0.02) == engagement.sample_size_two_proportions(
        0.1, 0.02, alpha=0.05, power=0.8)
    same(engagement.bayesian_conversion_test(10, 100, 15, 100),
         engagement.bayesian_conversion_test(10, 100, 15, 100, prior=(1, 1), level=0.95))
    assert engagement.simple_clv(average_order_value=50, purchase_frequency=4, lifespan=3) == \
        engagement.simple_clv(average_order_value=50, purchase_frequency=4, lifespan=3, margin=1, discount_rate=0)


def test_a_rule_parameter_without_a_rule_is_refused_not_guessed():
    with pytest.raises(engagement.JsonError, match="rule"):
        engagement.attribute_touchpoints(*T, order=2)


# Numbers a signature may still hold, with why: a seed (randomness is always seeded; 0 is a seed,
# not an engine default), the prediction horizon of a matrix (part of the question asked), and the
# shape of Dask's and Spark's merge trees (how the face distributes work; results do not depend on it).
ALLOWED_NUMBERS = {"seed", "horizon", "split_every", "depth"}


def test_no_signature_restates_an_engine_default_as_a_number():
    found = []
    for mod in (engagement, engagement.dask, engagement.spark):
        for name in getattr(mod, "__all__", dir(mod)):
            obj = getattr(mod, name, None)
            members = inspect.getmembers(obj) if inspect.isclass(obj) else [("", obj)]
            for member, f in members:
                if member.startswith("_") or not callable(f):
                    continue
                try:
                    params = inspect.signature(f).parameters.values()
                except (TypeError, ValueError):
                    continue
                for p in params:
                    d = p.default
                    if isinstance(d, (int, float)) and not isinstance(d, bool) and p.name not in ALLOWED_NUMBERS:
                        found.append(f"{mod.__name__}.{name}.{member}({p.name}={d!r})")
    assert not found, found
