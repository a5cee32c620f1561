"""Multi-touch attribution of conversions and value to channels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence

import numpy as np

from . import _convert as cv
from . import _display
from . import _engagement as _native


@dataclass(frozen=True)
class Attribution(_display.Display):
    """Conversions and conversion value credited to each channel; for Markov rules also each
    channel's removal effect (the share of conversions lost without it) and value removal effect
    (the share of expected value lost, each conversion worth the mean value of the conversions from
    its last state; the value is split in proportion to these).

    >>> import engagement
    >>> a = engagement.attribute(["email > search", "search"], [3, 1], rule="last_touch")
    >>> a.channels, a.conversions.tolist()
    (['email', 'search'], [0.0, 4.0])
    """

    channels: list
    conversions: np.ndarray
    value: np.ndarray
    removal_effects: Optional[np.ndarray]
    value_removal_effects: Optional[np.ndarray] = None

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "Attribution":
        effects, value_effects = d.get("removal_effects"), d.get("value_removal_effects")
        return cls(list(d["channels"]), np.asarray(d["conversions"]), np.asarray(d["value"]),
                   None if effects is None else np.asarray(effects),
                   None if value_effects is None else np.asarray(value_effects))

    def to_frame(self, backend: str = "pandas") -> Any:
        """The credits, one row per channel (the index; polars: the first column): ``conversions``
        credited (fractions of conversions), ``value`` credited (the value's currency), and for
        Markov rules ``removal_effect`` and ``value_removal_effect`` (shares, 0 … 1).

        >>> import engagement
        >>> a = engagement.attribute(["email > search", "search"], [3, 1], [30.0, 10.0], rule="linear")
        >>> a.to_frame().loc["search"].tolist()
        [2.5, 25.0]
        >>> a.to_frame(backend="polars").columns
        ['channel', 'conversions', 'value']
        """
        import pandas as pd

        _display.check_backend(backend)
        cols = {"conversions": self.conversions, "value": self.value}
        if self.removal_effects is not None:
            cols["removal_effect"] = self.removal_effects
        if self.value_removal_effects is not None:
            cols["value_removal_effect"] = self.value_removal_effects
        return _display.frame(pd.DataFrame(cols, index=pd.Index(self.channels, name="channel")), backend)

    def __repr__(self) -> str:
        top = sorted(zip(self.channels, self.conversions.tolist()), key=lambda c: -c[1])[:3]
        shown = ", ".join(f"{c} {_display.number(v)}" for c, v in top)
        return (f"Attribution({len(self.channels)} channels, {_display.number(float(self.conversions.sum()))} "
                f"conversions, value {_display.number(float(self.value.sum()))}; top: {shown})")

    def _header(self) -> List[str]:
        rule = "Markov removal effects" if self.removal_effects is not None else "credits"
        return ["Attribution", f"{len(self.channels)} channels, {_display.number(float(self.conversions.sum()))} "
                f"conversions", rule, "value in the values' currency"]


def attribute(paths: Sequence[str], conversions: Any, value: Any = None, nulls: Any = None, *,
              rule: Optional[str] = None, separator: str = ">", **params: Any) -> Attribution:
    """Attributes the conversions (and value) of channel paths to channels; see ``Attribution``.

    ``paths`` are strings such as ``"email > search > display"`` (the ChannelAttribution
    convention), one per distinct path, with their ``conversions``, optional conversion ``value``
    and ``nulls`` (journeys that did not convert; the Markov rules need them). ``rule`` is
    ``first_touch``, ``last_touch``, ``linear``, ``time_decay`` (``half_life=`` in touches),
    ``position_based`` (``first=0.4, last=0.4``), ``markov`` (``order=1`` … 4, exact removal
    effects; the default, of order 1) or ``shapley`` (exact, up to 15 channels).
    """
    table: dict = {"paths": [str(p) for p in paths], "conversions": cv.floats(conversions, "conversions").tolist(),
                   "separator": separator}
    if value is not None:
        table["value"] = cv.floats(value, "value").tolist()
    if nulls is not None:
        table["nulls"] = cv.floats(nulls, "nulls").tolist()
    return Attribution._from(_native.attribute(table, _rule(rule, params)))


def _rule(rule: Optional[str], params: Mapping[str, Any]) -> Optional[dict]:
    """The rule as the engine reads it; None (no rule, no parameters) is the engine's default."""
    return None if rule is None and not params else {**cv.given(rule=rule), **params}


def attribute_touchpoints(customer: Any, time: Any, channel: Any = None, kind: Any = None, value: Any = None, *,
                          lookback_days: Optional[float] = None, include_conversion: Optional[bool] = None,
                          rule: Optional[str] = None, by: Optional[str] = None, events: Any = None,
                          dictionary: Any = None, campaign: Any = None,
                          channel_aliases: Optional[Mapping[str, str]] = None,
                          kind_aliases: Optional[Mapping[str, str]] = None, **params: Any) -> Attribution:
    """Attributes purchases to channels from raw touchpoints (columns as ``ProfileStore.push``):
    each purchase's path is the customer's touchpoints within ``lookback_days`` (default 30) before it (since the
    previous purchase). The purchase itself is not a touch: its channel ends the path only with
    ``include_conversion=True``, or when nothing came before it (a direct conversion). Touchpoints
    after a customer's last purchase form a non-converting path. ``rule`` and ``params`` as
    :func:`attribute`.

    ``by`` names the touches otherwise than by channel: ``"event"`` (a product's own event labels,
    given as ``events``: strings or a categorical, with an ``EventDictionary`` as ``dictionary`` to
    reuse codes), ``"campaign"`` (ids given as ``campaign``), ``"kind"``, or a combination such as
    ``"channel:event"``. Conversions are still the purchases (kind ``purchase``); the result's
    ``channels`` are then the touches' labels.

    >>> import engagement
    >>> day = 86_400
    >>> a = engagement.attribute_touchpoints([1, 1, 1], [0, day, 2 * day], ["email", "ads", "web"],
    ...                                      ["open", "click", "purchase"], [0, 0, 25.0], rule="linear")
    >>> a.channels, a.conversions.round(3).tolist()
    (['email', 'ads'], [0.5, 0.5])
    >>> b = engagement.attribute_touchpoints([1, 1, 1], [0, day, 2 * day], ["email", "web", "web"],
    ...                                      ["open", "visit", "purchase"], [0, 0, 25.0], rule="last_touch",
    ...                                      by="event", events=["newsletter_42_open", "pricing_page_view", "order"])
    >>> b.channels, b.value.tolist()
    (['newsletter_42_open', 'pricing_page_view'], [0.0, 25.0])
    """
    from ._events import _touchpoint_columns, event_codes

    cols = _touchpoint_columns(customer, time, channel, kind, value, channel_aliases=channel_aliases,
                               kind_aliases=kind_aliases)
    extra: dict = {}
    if events is not None:
        extra["events"], d = event_codes(events, dictionary)
        extra["dictionary"] = d._native
    if campaign is not None:
        extra["campaign"] = cv.ids(campaign, "campaign")
    lookback = None if lookback_days is None else int(round(float(lookback_days) * 86_400))
    paths = cv.given(lookback=lookback, include_conversion=include_conversion, by=by)
    return Attribution._from(_native.attribute_touchpoints(cols, paths, _rule(rule, params), **extra))
