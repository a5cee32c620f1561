"""Attribution from touchpoints: the conversion is not a touch unless asked (hand-derived cases)."""

import engagement

DAY = 86_400
# Customer 1: email open, ads click, web purchase (25). Customer 2: a store purchase with nothing before (40).
T = ([1, 1, 1, 2], [0, DAY, 2 * DAY, 0], ["email", "ads", "web", "store"], ["open", "click", "purchase", "purchase"],
     [0.0, 0.0, 25.0, 40.0])


def credit(a):
    return dict(zip(a.channels, a.conversions.tolist()))


def test_last_touch_is_the_last_touch_before_the_purchase():
    # Paths email>ads (25) and store (a direct conversion keeps its own channel).
    assert credit(engagement.attribute_touchpoints(*T, rule="last_touch")) == {"email": 0.0, "ads": 1.0, "store": 1.0}


def test_the_purchase_is_a_touch_when_asked():
    # Paths email>ads>web and store.
    a = engagement.attribute_touchpoints(*T, rule="last_touch", include_conversion=True)
    assert credit(a) == {"email": 0.0, "ads": 0.0, "web": 1.0, "store": 1.0}
    p = engagement.Partial.from_touchpoints({"kind": "paths", "include_conversion": True}, *T[:4], value=T[4])
    assert credit(p.attribute("last_touch")) == credit(a)
