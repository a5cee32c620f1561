"""Plots of the library's results for notebooks (matplotlib, an optional extra).

Install with ``pip install "engagement[plot]"``. Every function takes a result the library returned
(or a fitted model and data), draws on ``ax`` when given (else on a new figure), labels its axes
and returns the ``Axes``. The plotted numbers are the library's own; nothing is recomputed here
except what drawing needs (bin counts, a Beta density).

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import engagement, engagement.plot
>>> m = engagement.ClvModel("bg_nbd", r=0.243, alpha=4.414, a=0.793, b=2.426)
>>> ax = engagement.plot.frequency_recency_matrix(m, max_frequency=10, T=39)
>>> ax.get_xlabel()
'recency (time units since the first purchase)'
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional, Sequence

import numpy as np

__all__ = [
    "ab_posteriors", "attribution", "calibration_holdout", "clv_distribution", "cohort_retention", "funnel",
    "frequency_recency_matrix", "kaplan_meier", "p_alive_history", "period_transactions", "score_by_stage",
    "segments", "session_histograms", "stage_flow", "step_matrix", "step_sankey", "transition_graph",
    "lifecycle", "retention_curves", "retention_heatmap", "stickiness", "time_to_convert", "stage_sankey",
    "loyalty_tiers", "rfm_grid",
]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - exercised without matplotlib only
        raise ImportError('engagement.plot needs matplotlib: pip install "engagement[plot]"') from e
    return plt


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    _, new = _pyplot().subplots(figsize=(7, 4.5))
    return new


# --- Lifetime value -------------------------------------------------------------------------------

def _time(model: Any, unit: Optional[str] = None) -> str:
    """How durations of ``model`` read on an axis: ``weeks`` for a model in weeks (or ``unit``), else
    ``time units`` (those of the data the model was fitted on)."""
    unit = unit or getattr(model, "unit", None)
    return f"{unit}s" if unit else "time units"


def _integer_ticks(*axes: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    for axis in axes:
        axis.set_major_locator(MaxNLocator(integer=True))


def frequency_recency_matrix(model: Any, value: str = "p_alive", *, max_frequency: int, T: float,
                             horizon: float = 1.0, ax: Any = None, unit: Optional[str] = None) -> Any:
    """Heat map of ``model.frequency_recency_matrix`` (P(alive) or expected purchases in the next
    ``horizon``) for histories of age ``T``; impossible histories (recency above ``T``) are blank.

    Parameters: ``model``, a fitted ``ClvModel``; ``value``, ``"p_alive"`` or
    ``"expected_purchases"``; ``max_frequency``, the highest number of repeat purchases drawn;
    ``T``, the customers' age and ``horizon``, the prediction window, both in the model's time
    unit; ``unit``, that unit's name when the model does not know it (``"week"``); ``ax``, the
    ``Axes`` to draw on. Axes: x the recency in the model's unit since the first purchase, y the
    repeat purchases, both with integer ticks; colour: the probability or the purchases.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> m = engagement.ClvModel("bg_nbd", r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> engagement.plot.frequency_recency_matrix(m, "expected_purchases", max_frequency=5, T=39).get_ylabel()
    'frequency (repeat purchases)'
    >>> w = engagement.ClvModel("bg_nbd", unit="week", r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ax = engagement.plot.frequency_recency_matrix(w, max_frequency=5, T=39)
    >>> ax.get_xlabel(), ax.get_title()
    ('recency (weeks since the first purchase)', 'P(alive) by frequency and recency, age 39 weeks')
    """
    grid = model.frequency_recency_matrix(value, max_frequency=max_frequency, T=T, horizon=horizon)
    ax = _axes(ax)
    data = np.asarray(grid, dtype=float)
    image = ax.imshow(np.ma.masked_invalid(data), origin="lower", aspect="auto", cmap="viridis",
                      extent=(-0.5, data.shape[1] - 0.5, -0.5, data.shape[0] - 0.5), interpolation="nearest")
    known = unit or getattr(model, "unit", None)
    suffix = f" {_time(model, unit)}" if known else ""
    if value == "p_alive":
        label, bar = "P(alive)", "P(alive) (probability, 0–1)"
    else:
        span = f" {known}" if horizon == 1 and known else f" {_time(model, unit)}"
        label = bar = f"expected purchases in the next {horizon:g}{span}"
    ax.figure.colorbar(image, ax=ax, label=bar)
    _integer_ticks(ax.xaxis, ax.yaxis)
    ax.set_xlabel(f"recency ({_time(model, unit)} since the first purchase)")
    ax.set_ylabel("frequency (repeat purchases)")
    ax.set_title(f"{label} by frequency and recency, age {T:g}{suffix}", fontsize="medium")
    _fit_title(ax)
    return ax


def period_transactions(table: Any, ax: Any = None) -> Any:
    """Bars of customers by number of repeat purchases, observed and expected by the model, from
    ``model.period_transactions(...)``; the title gives the chi-square test.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> m = engagement.ClvModel("bg_nbd", r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> t = m.period_transactions([0, 0, 1, 2, 7, 0], [0, 0, 5, 20, 30, 0], [39.0] * 6, max_frequency=5)
    >>> engagement.plot.period_transactions(t).get_ylabel()
    'customers'
    """
    ax = _axes(ax)
    x = np.arange(len(table))
    labels = [str(f) for f in table.index]
    labels[-1] += "+"
    ax.bar(x - 0.2, table["actual"], width=0.4, label="actual")
    ax.bar(x + 0.2, table["expected"], width=0.4, label="model")
    ax.set_xticks(x, labels)
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("customers")
    a = table.attrs
    if "chi_square" in a:
        ax.set_title(f"Period transactions: chi-square {a['chi_square']:.2f}, "
                     f"{a['degrees_of_freedom']} d.f., p = {a['p_value']:.3g}")
    ax.legend()
    return ax


def calibration_holdout(table: Any, ax: Any = None) -> Any:
    """Mean holdout purchases by calibration frequency, actual and predicted, from
    ``model.calibration_holdout(...)``.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> m = engagement.ClvModel("bg_nbd", r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> t = m.calibration_holdout([0, 0, 2], [0, 0, 30.43], [38.86] * 3, holdout=[0, 1, 2], duration=39)
    >>> engagement.plot.calibration_holdout(t).get_xlabel()
    'repeat purchases in the calibration period'
    """
    ax = _axes(ax)
    ax.plot(table.index, table["actual"], marker="o", label="actual")
    ax.plot(table.index, table["predicted"], marker="s", linestyle="--", label="model")
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.set_title("Calibration vs holdout purchases")
    ax.legend()
    return ax


def p_alive_history(model: Any, purchases: Sequence[float], *, until: float, points: int = 200,
                    ax: Any = None, customer: Any = None, unit: Optional[str] = None) -> Any:
    """P(alive) of one customer over time (``model.p_alive_history``), from the first purchase to
    ``until``, with the repeat purchases marked; the legend sits outside the data, right of the axes.

    Parameters: ``model``, a fitted ``ClvModel``; ``purchases``, the customer's repeat purchase
    times and ``until``, the end, both in the model's time unit since the first purchase;
    ``points``, the number of evaluation times; ``customer``, the customer's id for the title;
    ``unit``, the time unit's name when the model does not know it; ``ax``, the ``Axes`` to draw
    on. Axes: x in the model's time unit since the first purchase, y the probability (0–1).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> m = engagement.ClvModel("bg_nbd", unit="week", r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ax = engagement.plot.p_alive_history(m, [2.0, 5.0], until=39, customer=1042)
    >>> [float(v) for v in ax.get_ylim()], ax.get_xlabel(), ax.get_title()
    ([0.0, 1.05], 'weeks since the first purchase', 'P(alive) history of customer 1042')
    """
    at = np.unique(np.concatenate([np.linspace(until / points, until, points), np.asarray(purchases, float)]))
    at = at[at > 0]
    p = model.p_alive_history(purchases, at)
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(8.5, 4.2))
    ax.plot(at, p, drawstyle="steps-post", label="P(alive)")
    for i, t in enumerate(purchases):
        ax.axvline(t, color="grey", linestyle=":", label="repeat purchase" if i == 0 else None)
    ax.set_xlim(0, until)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(f"{_time(model, unit)} since the first purchase")
    ax.set_ylabel("P(alive)")
    ax.set_title("P(alive) history" + ("" if customer is None else f" of customer {customer}"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize="small")
    ax.figure.tight_layout()
    return ax


def clv_distribution(values: Any, bins: int = 50, ax: Any = None, *, currency: Optional[str] = None,
                     clip: Optional[float] = 0.99, log: bool = False) -> Any:
    """Histogram of customer lifetime values (``model.discounted_value(...)`` or any values).

    A few very valuable customers would squeeze everyone else into the first bar, so by default
    the values above the ``clip`` quantile are counted in one hatched bar at the right (every
    customer stays counted); ``clip=None`` draws them all. ``log=True`` draws on a logarithmic
    axis instead (log-spaced bins; values of 0 or less cannot be shown there and are counted in
    the title).

    Parameters: ``values``, one value per customer, in the currency of the spend the model was
    given; ``currency``, that currency's name for the axis (e.g. ``"USD"``); ``bins``, the number
    of bars; ``clip``, a quantile in (0, 1) or None; ``log``, a logarithmic value axis; ``ax``, the
    ``Axes`` to draw on. Axes: x in the currency, y in customers.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement.plot
    >>> ax = engagement.plot.clv_distribution([10.0, 20.0, 20.0, 300.0], bins=4, currency="USD", clip=0.7)
    >>> ax.get_xlabel(), ax.get_ylabel(), [float(p.get_height()) for p in ax.patches]   # the last: above 48
    ('customer lifetime value (USD)', 'customers', [1.0, 2.0, 0.0, 0.0, 1.0])
    """
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(8.0, 4.5))
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    note = ""
    if log:
        shown = v[v > 0]
        if len(shown) < len(v):
            note = f"; {len(v) - len(shown):,} at 0 or below not shown"
        low, high = (shown.min(), shown.max()) if len(shown) else (1.0, 10.0)
        if low < 0.01 <= high:
            # Values under a cent would stretch the axis over decades nobody reads: they are
            # counted in the first bar, which starts at 0.01.
            note += f"; {int((shown < 0.01).sum()):,} under 0.01 in the first bar"
            low, shown = 0.01, np.maximum(shown, 0.01)
        ax.hist(shown, bins=np.geomspace(low, high if high > low else low * 10, bins + 1), color="tab:blue")
        ax.set_xscale("log")
    elif clip is not None and len(v) and 0 < clip < 1:
        cut = float(np.quantile(v, clip))
        inside, above = v[v <= cut], v[v > cut]
        edges = np.linspace(min(v.min(), 0.0), cut if cut > v.min() else v.min() + 1, bins + 1)
        ax.hist(inside, bins=edges, color="tab:blue")
        if len(above):
            width = edges[1] - edges[0]
            ax.bar(edges[-1] + width, len(above), width=width, align="edge", color="tab:orange", hatch="//",
                   label=f"above the {clip:.0%} quantile:\n{_money(cut)} to {_money(float(above.max()))}")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    else:
        ax.hist(v, bins=bins, color="tab:blue")
    ax.set_xlabel(f"customer lifetime value ({currency or 'currency of the spend'})")
    ax.set_ylabel("customers")
    mean, median = (np.mean(v), np.median(v)) if len(v) else (np.nan, np.nan)
    ax.set_title(f"CLV distribution of {len(v):,} customers (mean {_money(mean)}, median {_money(median)}{note})",
                 fontsize="medium")
    _fit_title(ax)
    return ax


def _money(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"


# --- Journeys -------------------------------------------------------------------------------------

def funnel(result: Any, ax: Any = None) -> Any:
    """Horizontal bars of the customers reaching each step of a ``FunnelResult``, labelled with the
    step conversion and its interval.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> r = engagement.funnel([1, 1, 2], [0, 60, 0], ["web"] * 3, ["visit", "purchase", "visit"],
    ...                       steps=[{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}])
    >>> engagement.plot.funnel(r).get_xlabel()
    'customers'
    """
    ax = _axes(ax)
    y = np.arange(len(result.steps))[::-1]
    ax.barh(y, result.customers)
    ax.set_yticks(y, result.steps)
    for yi, n, p in zip(y, result.customers, result.step_conversion):
        text = f"{int(n)}" if math.isnan(p.rate) else f"{int(n)}  ({p.rate:.1%}, {p.ci_low:.1%}–{p.ci_high:.1%})"
        ax.text(n, yi, " " + text, va="center")
    ax.set_xlim(0, max(result.customers) * 1.45 if len(result.customers) else 1)
    ax.set_xlabel("customers")
    ax.set_title("Funnel: customers per step (step conversion, interval)")
    return ax


def _time_unit(seconds: float) -> tuple:
    """A unit that reads well for spans up to ``seconds``: (name, seconds per unit)."""
    for name, size in (("days", 86_400.0), ("hours", 3_600.0), ("minutes", 60.0)):
        if seconds >= 2 * size:
            return name, size
    return "seconds", 1.0


def time_to_convert(result: Any, ax: Any = None) -> Any:
    """Histograms of the time from the first step to each later step of a ``FunnelResult`` (its
    ``time_histogram``; set the bins with ``time_bins``), one panel per step, in a unit that reads
    well (seconds to days), the median marked; returns the list of ``Axes``. ``ax``: one ``Axes``
    per later step (a single one for a two-step funnel), or None for a new figure.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> r = engagement.funnel([1, 1, 2, 2], [0, 7_200, 0, 90_000], events=["view", "buy", "view", "buy"],
    ...                       steps=[{"name": "view", "events": ["view"]}, {"name": "buy", "events": ["buy"]}])
    >>> [a.get_xlabel() for a in engagement.plot.time_to_convert(r)]
    ['hours since view']
    """
    later = list(range(1, len(result.steps)))
    if not later:
        raise ValueError("a one-step funnel has no time to convert")
    new_figure = ax is None
    if new_figure:
        _, grid = _pyplot().subplots(1, len(later), figsize=(4.6 * len(later), 3.8), squeeze=False)
        axes = list(grid[0])
    else:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) != len(later):
            raise ValueError(f"{len(later)} later steps need {len(later)} Axes, got {len(axes)}")
    longest = max((float(result.time_histogram[j].edges[-1]) for j in later if len(result.time_histogram[j].edges)),
                  default=0.0)
    unit, size = _time_unit(longest)
    for ax, j in zip(axes, later):
        h = result.time_histogram[j]
        if len(h.counts):
            edges = np.asarray(h.edges, dtype=float) / size
            widths = np.diff(edges)
            ax.bar(edges[:-1], h.counts, width=np.where(widths > 0, widths, 1.0), align="edge", edgecolor="white")
            if result.median_time[j] is not None:
                ax.axvline(result.median_time[j] / size, color="black", linestyle="--", linewidth=1,
                           label=f"median {result.median_time[j] / size:.3g} {unit}")
                ax.legend(loc="best", frameon=True, framealpha=0.85)
        ax.set_xlabel(f"{unit} since {result.steps[0]}")
        ax.set_ylabel("journeys")
        ax.set_title(f"{result.steps[j]}: {int(result.customers[j]):,} reached")
    if new_figure:
        axes[0].figure.tight_layout()
    return axes


def stage_flow(before: Mapping[str, Any], after: Mapping[str, Any], ax: Any = None) -> Any:
    """Stacked bars: customers by stage at a first date (``before``), split by their stage at a
    second (``after``); both are stage columns (``customer``, ``stage``) such as
    ``ProfileStore.stages(as_of=...)``. Customers in only one of them are left out.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> a = {"customer": [1, 2, 3], "stage": ["new_customer", "new_customer", "engaged"]}
    >>> b = {"customer": [1, 2, 3], "stage": ["repeat", "at_risk", "new_customer"]}
    >>> engagement.plot.stage_flow(a, b).get_ylabel()
    'customers'
    """
    import pandas as pd

    from ._convert import STAGES

    old = pd.Series(np.asarray(before["stage"]), index=np.asarray(before["customer"]), name="before")
    new = pd.Series(np.asarray(after["stage"]), index=np.asarray(after["customer"]), name="after")
    both = pd.concat([old, new], axis=1, join="inner")
    table = pd.crosstab(both["before"], both["after"])
    order = [s for s in STAGES if s in table.index]
    table = table.reindex(index=order, columns=[s for s in STAGES if s in table.columns], fill_value=0)
    ax = _axes(ax)
    bottom = np.zeros(len(table))
    for stage in table.columns:
        ax.bar(table.index, table[stage], bottom=bottom, label=f"then {stage}")
        bottom += table[stage].to_numpy()
    ax.set_xlabel("stage at the first date")
    ax.set_ylabel("customers")
    ax.set_title("Customers by stage at the first date, split by their stage at the second")
    ax.tick_params(axis="x", labelrotation=30)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize="small")
    ax.figure.tight_layout()
    return ax


def _sankey(ax: Any, left: Sequence[str], right: Sequence[str], counts: Any, fontsize: float = 8.0) -> None:
    """Draws a two-column Sankey on ``ax``: a bar per label of ``left`` and of ``right`` (labels with no
    customers are left out) as high as its customers, and a band per non-zero cell of ``counts``
    (rows: ``left``, columns: ``right``) as wide as its customers, coloured by its left label.
    Columns sit at x = 0 and 1; the stack of bars is 1 high plus the gaps, which are made at least
    one label high so that labels never overlap; the x range is widened to hold the labels."""
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path

    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    if total <= 0:
        raise ValueError("nothing to draw: no customers in any cell")
    rows, cols = counts.sum(axis=1), counts.sum(axis=0)
    lefts = [i for i in range(len(left)) if rows[i] > 0]
    rights = [j for j in range(len(right)) if cols[j] > 0]
    renderer = ax.figure.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    # Gap between bars, in units of the stack (1 = all customers), at least a label's height.
    n = max(len(lefts), len(rights))
    while True:
        line = 1.3 * fontsize * ax.figure.dpi / 72 / box.height
        if line * (n - 1) < 0.6 or fontsize <= 5:
            break
        fontsize -= 0.5
    gap = line / max(1 - line * (n - 1), 0.4)
    height = 1 + (n - 1) * gap
    width = 0.04
    palette = _pyplot().get_cmap("tab10")
    colour = {name: palette(k % 10) for k, name in enumerate(dict.fromkeys([left[i] for i in lefts] + [right[j] for j in rights]))}

    def stack(indices: Sequence[int], sizes: Any) -> dict:
        spare = height - (sizes[list(indices)].sum() / total + (len(indices) - 1) * gap)
        y, spans = height - spare / 2, {}
        for i in indices:
            h = sizes[i] / total
            spans[i] = (y - h, y)
            y -= h + gap
        return spans

    spans_left, spans_right = stack(lefts, rows), stack(rights, cols)
    labels = []
    for x, names, spans, sizes, side in ((0.0, left, spans_left, rows, "right"), (1.0, right, spans_right, cols, "left")):
        for i, (y0, y1) in spans.items():
            ax.add_patch(Rectangle((x - width / 2, y0), width, y1 - y0, color=colour[names[i]], zorder=2))
            at = x - width / 2 - 0.02 if side == "right" else x + width / 2 + 0.02
            labels.append(ax.text(at, (y0 + y1) / 2, f"{names[i]}  {int(sizes[i]):,}", ha=side, va="center",
                                  fontsize=fontsize, zorder=3))
    out_at = {i: spans_left[i][1] for i in lefts}
    in_at = {j: spans_right[j][1] for j in rights}
    for i in lefts:
        for j in rights:
            if counts[i, j] <= 0:
                continue
            h = counts[i, j] / total
            y0, y1 = out_at[i], in_at[j]
            out_at[i], in_at[j] = y0 - h, y1 - h
            x0, x1 = width / 2, 1 - width / 2
            mid = (x0 + x1) / 2
            verts = [(x0, y0), (mid, y0), (mid, y1), (x1, y1), (x1, y1 - h), (mid, y1 - h), (mid, y0 - h),
                     (x0, y0 - h), (x0, y0)]
            codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO, Path.CURVE4,
                     Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
            ax.add_patch(PathPatch(Path(verts, codes), facecolor=colour[left[i]], alpha=0.4, lw=0, zorder=1))
    # Half a label of room above the top bar and below the bottom one: pad = 0.6·line·(height + 2·pad).
    pad = 0.6 * line * height / (1 - 1.2 * line)
    ax.set_ylim(-pad, height + pad)
    # Room beside the columns for the widest label: a·(W − 2L) ≥ L + c·W in axes pixels.
    widest = max(t.get_window_extent(renderer).width for t in labels) + 4
    c = width / 2 + 0.02
    spread = max(box.width - 2 * widest, 0.2 * box.width)
    a = (widest + c * box.width) / spread
    ax.set_xlim(-a, 1 + a)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)


def _sankey_axes(ax: Any, rows: int) -> Any:
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(8.0, max(4.5, 0.45 * rows + 2.0)))
    return ax


def stage_sankey(transitions: Any, after: Optional[Mapping[str, Any]] = None, *,
                 names: Sequence[str] = ("from", "to"), ax: Any = None) -> Any:
    """Sankey of stage transitions: a bar per stage on the left (where customers came from) and on
    the right (where they went), as high as its customers, and a band per transition as wide as its
    customers, coloured by the stage it leaves; each bar labelled with its stage and customers.

    ``transitions`` is a ``TransitionMatrix`` (``engagement.stage_transitions``), or the stages at
    a first date (``ProfileStore.stages(as_of=...)``) with ``after`` the stages at a second; then
    the transitions are those ``stage_transitions`` counts from the two snapshots, customers in
    only one of them left out. ``names``: the tick labels of the two columns (e.g. the dates);
    ``ax``: the ``Axes`` to draw on. Axes: heights in customers (the scale is the bars' labels),
    x the two moments. Stages with no customers are left out.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> m = engagement.stage_transitions([1, 1, 2, 2, 3, 3], ["prospect", "new_customer", "prospect", "engaged",
    ...                                   "engaged", "new_customer"], [0, 5, 0, 5, 0, 5])
    >>> ax = engagement.plot.stage_sankey(m)
    >>> sorted(t.get_text() for t in ax.texts)
    ['engaged  1', 'engaged  1', 'new_customer  2', 'prospect  2']
    """
    if after is not None:
        from ._transitions import stage_transitions

        customer = np.concatenate([np.asarray(transitions["customer"]), np.asarray(after["customer"])])
        stage = np.concatenate([np.asarray(transitions["stage"], dtype=object), np.asarray(after["stage"], dtype=object)])
        when = np.repeat([0, 1], [len(transitions["customer"]), len(after["customer"])])
        order = np.lexsort((when, customer))
        transitions = stage_transitions(customer[order], list(stage[order]), when[order])
    counts = np.asarray(transitions.counts)
    ax = _sankey_axes(ax, int((counts.sum(axis=1) > 0).sum()))
    total = int(counts.sum())
    moved = total - int(np.trace(counts))
    ax.set_xticks([0, 1], list(names))
    ax.set_ylabel("customers (bar and band heights)")
    ax.set_title(f"Stage transitions: {total:,} customers, {moved:,} changed stage", fontsize="medium")
    _fit_title(ax)
    _sankey(ax, transitions.labels, transitions.labels, counts)
    return ax


def loyalty_tiers(report: Mapping[str, Any], *, start: Any, end: Any = None, ax: Any = None) -> Any:
    """Loyalty tier movement between two dates as a Sankey: a bar per tier held at ``start`` (left)
    and at ``end`` (right, default the report's ``as_of``: its accounts' tiers), as high as its
    customers, and a band per (tier, tier) pair as wide as its customers; ``no tier`` for members
    below the lowest. The tier a customer held at a date is the last change in the report's
    ``history`` at or before it. The title counts the moves up and down.

    Parameters: ``report``, what ``engagement.loyalty`` returns; ``start``, ``end``, dates (Unix
    seconds, ``datetime64`` or ``Timestamp``); ``ax``, the ``Axes`` to draw on. Axes: heights in
    customers (each bar labelled), x the two dates.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> day = 86_400
    >>> r = engagement.loyalty([1, 2, 2], [0, 0, 10 * day], ["web"] * 3, ["purchase"] * 3, [600.0, 300.0, 300.0],
    ...                        as_of=20 * day)
    >>> ax = engagement.plot.loyalty_tiers(r, start=5 * day)
    >>> ax.get_title(), sorted(t.get_text() for t in ax.texts)
    ('Loyalty tiers: 2 members, 1 up, 0 down', ['no tier  1', 'silver  1', 'silver  2'])
    """
    from . import _convert as cv

    accounts, history = report["accounts"], report["history"]
    names = ["no tier"] + list(accounts["tier_names"])
    index = {None: 0, **{t: k + 1 for k, t in enumerate(accounts["tier_names"])}}
    changes: dict = {}
    for c, t, s in zip(history["customer"], history["tier"], history["since"]):
        changes.setdefault(int(c), []).append((int(s), t))

    def held(customer: int, at: int) -> Any:
        tier = None
        for since, t in sorted(changes.get(customer, [])):
            if since > at:
                break
            tier = t
        return tier

    t0 = cv.instant(start, "start")
    t1 = None if end is None else cv.instant(end, "end")
    counts = np.zeros((len(names), len(names)))
    for c, now in zip(accounts["customer"], accounts["tier"]):
        later = now if t1 is None else held(int(c), t1)
        counts[index[held(int(c), t0)], index[later]] += 1
    ax = _sankey_axes(ax, len(names))
    up, down = int(np.triu(counts, 1).sum()), int(np.tril(counts, -1).sum())

    def day(t: Optional[int]) -> str:
        return "as_of" if t is None else str(np.datetime64(int(t), "s").astype("datetime64[D]"))

    ax.set_xticks([0, 1], [f"tier on {day(t0)}", f"tier on {day(t1)}"])
    ax.set_ylabel("members (bar and band heights)")
    ax.set_title(f"Loyalty tiers: {int(counts.sum()):,} members, {up:,} up, {down:,} down", fontsize="medium")
    _fit_title(ax)
    _sankey(ax, names, names, counts)
    return ax


def cohort_retention(table: Any, ax: Any = None, *, period_zero: bool = False) -> Any:
    """Heat map of a ``CohortTable``'s retention: cohorts by row, periods after acquisition by
    column, each observed cell coloured and printed as a percentage.

    Only observed periods are in view (up to the longest ``table.observed``); cells a cohort has
    not reached by ``as_of`` stay blank. Period 0 is 100 % by definition, so by default it is left
    out of view and of the colour scale, and each row label gives the cohort's size instead; the
    colour scale spans the observed cells shown, so that a table of 4–16 % keeps its contrast.

    Parameters: ``table``, what ``engagement.cohorts`` returns; ``ax``, the ``Axes`` to draw on
    (default: a new figure sized to the table); ``period_zero``, also show period 0.
    Axes: x in periods (``table.period``) after acquisition, y the cohorts' first period; colour
    and labels: share of the cohort's customers active in that period (%).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> jan = 1_704_067_200
    >>> t = engagement.cohorts([1, 2, 1], [jan, jan, jan + 35 * 86_400], [5.0, 5.0, 5.0], as_of=jan + 59 * 86_400)
    >>> ax = engagement.plot.cohort_retention(t)
    >>> ax.get_xlabel(), [text.get_text() for text in ax.texts]
    ('months after acquisition', ['50%'])
    """
    data = np.asarray(table.retention, dtype=float)
    rows = data.shape[0]
    first = 0 if period_zero else 1
    last = max(int(np.max(table.observed)) if len(table.observed) else 1, first + 1)  # periods 0 … last − 1
    if ax is None:
        # Room for a printed value in every cell and a label for every row.
        _, ax = _pyplot().subplots(figsize=(max(7.0, 0.55 * (last - first) + 3.2), max(4.0, 0.32 * rows + 1.8)))
    # The image holds the whole table; the view and the colour scale are the observed periods.
    shown = data[:, first:last]
    seen = shown[~np.isnan(shown)]
    low, high = (float(seen.min()), float(seen.max())) if seen.size else (0.0, 1.0)
    if high <= low:
        low, high = max(0.0, low - 0.05), low + 0.05
    image = ax.imshow(np.ma.masked_invalid(data), aspect="auto", cmap=_tinted("Blues"), vmin=low, vmax=high,
                      interpolation="nearest")
    ax.set_xlim(first - 0.5, last - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.figure.colorbar(image, ax=ax, label="retention (% of the cohort's customers)",
                       format=_percent_formatter(high - low))
    digits = 1 if high < 0.2 or high - low < 0.1 else 0
    for (i, j), v in np.ndenumerate(shown):
        if not np.isnan(v):
            dark = (v - low) / (high - low) > 0.6
            ax.text(first + j, i, f"{v:.{digits}%}", ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")
    ax.set_xticks(np.arange(first, last))
    starts = np.asarray(table.cohort_start).astype("datetime64[s]")
    fmt = "datetime64[M]" if table.period == "month" else "datetime64[D]"
    ax.set_yticks(np.arange(rows), [f"{s} ({int(n):,})" for s, n in zip(starts.astype(fmt), table.size)],
                  fontsize=7 if rows > 20 else None)
    ax.set_xlabel(f"{table.period}s after acquisition")
    ax.set_ylabel("cohort: first purchase (customers)")
    left_out = "" if period_zero else "; period 0 (100 %) left out"
    ax.set_title(f"Cohort retention (blank: not yet observed{left_out})")
    ax.figure.tight_layout()
    return ax


def _tinted(name: str) -> Any:
    """Colour map ``name`` without its palest end, so that the lowest value stays apart from a blank cell."""
    from matplotlib.colors import ListedColormap

    return ListedColormap(_pyplot().get_cmap(name)(np.linspace(0.18, 1.0, 256)), name=f"{name}_tinted")


def _percent_formatter(span: float) -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=1 if span < 0.1 else 0)


def kaplan_meier(curves: Any, ax: Any = None, *, unit: Optional[str] = None) -> Any:
    """Kaplan–Meier survival step curves with their confidence bands: one ``KaplanMeier`` or a mapping
    of group name to one.

    Parameters: ``curves``, as above; ``unit``, the unit of the durations the curves were computed
    from (``"day"``), for the x axis; ``ax``, the ``Axes`` to draw on. Axes: x the time in that
    unit, y the share surviving (0–1); the legend sits right of the data.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> km = engagement.kaplan_meier([5, 8, 12, 20], [True, False, True, True])
    >>> ax = engagement.plot.kaplan_meier({"all": km}, unit="day")
    >>> ax.get_ylabel(), ax.get_xlabel()
    ('share surviving', 'time (days)')
    """
    ax = _axes(ax)
    items = curves.items() if isinstance(curves, Mapping) else [("survival", curves)]
    for name, km in items:
        t = np.concatenate([[0.0], np.asarray(km.time, float)])
        s = np.concatenate([[1.0], km.survival])
        lo, hi = np.concatenate([[1.0], km.ci_low]), np.concatenate([[1.0], km.ci_high])
        (line,) = ax.step(t, s, where="post", label=name)
        ax.fill_between(t, lo, hi, step="post", alpha=0.2, color=line.get_color())
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"time ({unit}s)" if unit else "time (units of the durations given)")
    ax.set_ylabel("share surviving")
    ax.set_title("Kaplan–Meier survival with confidence bands")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize="small")
    ax.figure.tight_layout()
    return ax


def attribution(results: Mapping[str, Any], value: str = "conversions", ax: Any = None, *, share: bool = False,
                currency: Optional[str] = None) -> Any:
    """Attribution compared across rules: grouped bars of the conversions (or ``value="value"``, the
    conversion value) credited to each channel, a bar per rule, channels by their mean credit over
    the rules (largest first); the legend (the rules) sits right of the data.

    Parameters: ``results``, a mapping of rule name to the ``Attribution`` it gave (e.g. from
    ``engagement.attribute`` or ``attribute_touchpoints`` with ``rule=``); ``value``,
    ``"conversions"`` or ``"value"``; ``share``, each rule's credit as a share of its total (%),
    which compares rules whose totals differ; ``currency``, the currency's name for a value axis;
    ``ax``, the ``Axes`` to draw on. Axes: x the channels, y in conversions, in the currency or in %.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> paths, conv = ["email > search", "search"], [3, 1]
    >>> r = {rule: engagement.attribute(paths, conv, rule=rule) for rule in ("first_touch", "last_touch", "markov")}
    >>> ax = engagement.plot.attribution(r)
    >>> ax.get_ylabel(), [t.get_text() for t in ax.get_xticklabels()]
    ('conversions credited', ['search', 'email'])
    """
    if value not in ("conversions", "value"):
        raise ValueError(f'value must be "conversions" or "value", not {value!r}')
    channels: list = []
    for a in results.values():
        channels += [c for c in a.channels if c not in channels]
    credit = {}
    for rule, a in results.items():
        got = dict(zip(a.channels, np.asarray(getattr(a, value), dtype=float)))
        row = np.array([got.get(c, 0.0) for c in channels])
        credit[rule] = row / row.sum() if share and row.sum() > 0 else row
    mean = np.mean(list(credit.values()), axis=0) if credit else np.zeros(len(channels))
    order = np.argsort(-mean, kind="stable")
    channels = [channels[i] for i in order]
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(min(14.0, max(8.0, 0.18 * len(channels) * len(results) + 3.0)), 4.8))
    width = 0.8 / max(len(results), 1)
    x = np.arange(len(channels))
    for k, (rule, row) in enumerate(credit.items()):
        ax.bar(x + (k - (len(results) - 1) / 2) * width, row[order], width, label=rule)
    ax.set_xticks(x, channels, fontsize=8)
    ax.set_xlim(-0.6, len(channels) - 0.4)
    ax.set_xlabel("channel")
    if share:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylabel(f"share of the {'conversions' if value == 'conversions' else 'value'} credited (%)")
    elif value == "conversions":
        ax.set_ylabel("conversions credited")
    else:
        ax.set_ylabel(f"value credited ({currency or 'currency of the conversion values'})")
    ax.set_title(f"Attribution by channel under {len(results)} rules", fontsize="medium")
    ax.legend(title="rule", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize="small")
    _fit_title(ax)
    slot = abs(ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0])
    _shrink_to_width(ax.get_xticklabels(), 0.96 * slot)
    return ax


def ab_posteriors(control: Sequence[int], treatment: Sequence[int], prior: Sequence[float] = (1.0, 1.0),
                  points: int = 400, ax: Any = None) -> Any:
    """Beta posterior densities of the conversion rates of an A/B test, from ``(conversions,
    trials)`` of each arm and the Beta prior (as ``bayesian_conversion_test``).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement.plot
    >>> engagement.plot.ab_posteriors((40, 1000), (55, 1000)).get_xlabel()
    'conversion rate'
    """
    ax = _axes(ax)
    arms = {"control": control, "treatment": treatment}
    lows, highs = [], []
    for conversions, trials in arms.values():
        a, b = prior[0] + conversions, prior[1] + trials - conversions
        mean, sd = a / (a + b), math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        lows.append(max(0.0, mean - 5 * sd))
        highs.append(min(1.0, mean + 5 * sd))
    x = np.linspace(min(lows), max(highs), points)
    x = x[(x > 0) & (x < 1)]
    for name, (conversions, trials) in arms.items():
        a, b = prior[0] + conversions, prior[1] + trials - conversions
        log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
        density = np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - log_beta)
        ax.plot(x, density, label=f"{name}: {conversions}/{trials}")
        ax.fill_between(x, density, alpha=0.2)
    ax.set_xlabel("conversion rate")
    ax.set_ylabel("posterior density")
    ax.set_title("A/B test: posterior conversion rates")
    ax.legend()
    return ax


# --- Segments -------------------------------------------------------------------------------------

def segments(segment: Any, revenue: Any = None, ax: Any = None, *, currency: Optional[str] = None) -> Any:
    """Bars of customers per segment, largest first, each labelled above with its customers and,
    when ``revenue`` is given, its share of the revenue.

    Parameters: ``segment``, one label per customer (e.g. ``store.rfm(...)["segment"]``);
    ``revenue``, one amount per customer in the same order (any currency; its share is shown);
    ``currency``, the name of that currency for the title; ``ax``, the ``Axes`` to draw on
    (default: a new figure wide enough for every name). Axes: x the segments, y in customers.
    Segment names are wrapped onto lines at ``_``; the labels are sized so that they never overlap
    each other or the bars.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement.plot
    >>> ax = engagement.plot.segments(["champions", "at_risk", "champions"], [300.0, 20.0, 150.0])
    >>> ax.get_ylabel(), [t.get_text() for t in ax.texts]
    ('customers', ['2\\n96%', '1\\n4%'])
    """
    import pandas as pd

    frame = pd.DataFrame({"segment": np.asarray(segment, dtype=object)})
    frame["revenue"] = 0.0 if revenue is None else np.asarray(revenue, dtype=float)
    table = frame.groupby("segment").agg(customers=("segment", "size"), revenue=("revenue", "sum"))
    table = table.sort_values("customers", ascending=False, kind="stable")
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(max(7.0, 0.95 * len(table) + 1.5), 4.8))
    x = np.arange(len(table))
    bars = ax.bar(x, table["customers"], width=0.8)
    total = table["revenue"].sum()
    shares = revenue is not None and total > 0
    labels = []
    for bar, (n, r) in zip(bars, zip(table["customers"], table["revenue"])):
        text = f"{int(n):,}" + (f"\n{r / total:.0%}" if shares else "")
        labels.append(ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 2),
                                  textcoords="offset points", ha="center", va="bottom", fontsize=8,
                                  linespacing=1.0))
    ax.set_xticks(x, [_wrap(str(s)) for s in table.index], fontsize=8, linespacing=1.0)
    ax.set_xlim(-0.6, len(table) - 0.4)
    ax.set_xlabel("segment")
    ax.set_ylabel("customers")
    what = "customers" + (" / share of revenue" + (f" ({currency})" if currency else "") if shares else "")
    ax.set_title(f"Segment sizes\n(above each bar: {what})", fontsize="medium")
    _fit_title(ax)
    # The labels fit their bar's width and the ticks their slot, shrinking the font if need be.
    slot = abs(ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0])
    _shrink_to_width(labels, 0.8 * slot)
    _shrink_to_width(ax.get_xticklabels(), 0.96 * slot)
    _headroom(ax, labels, float(table["customers"].max()) if len(table) else 1.0)
    return ax


def _wrap(name: str, width: int = 11) -> str:
    """A name over lines of about ``width`` characters, broken at ``_`` or spaces."""
    lines: list = []
    for word in name.replace("_", " ").split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines) or name


def _shrink_to_width(texts: Sequence[Any], width: float, smallest: float = 5.0) -> None:
    """Lowers the font size of ``texts`` until each is at most ``width`` display pixels wide."""
    if not texts:
        return
    figure = texts[0].figure
    renderer = figure.canvas.get_renderer()
    while True:
        widest = max(t.get_window_extent(renderer).width for t in texts)
        size = texts[0].get_fontsize()
        if widest <= width or size <= smallest:
            return
        for t in texts:
            t.set_fontsize(max(smallest, size * max(width / widest, 0.5) * 0.98))


def _fit_title(ax: Any) -> None:
    """Lays out the figure, then shrinks the title of ``ax`` to the width of the axes (a wider one
    would reach over the tick labels beside it) and lays out again."""
    ax.figure.tight_layout()
    _shrink_to_width([ax.title], ax.get_window_extent(ax.figure.canvas.get_renderer()).width)
    ax.figure.tight_layout()


def _headroom(ax: Any, labels: Sequence[Any], tallest: float) -> None:
    """Raises the top of the y axis so that labels above bars of height up to ``tallest`` stay inside the axes."""
    if not labels:
        return
    renderer = ax.figure.canvas.get_renderer()
    need = max(t.get_window_extent(renderer).height for t in labels) + 4 * ax.figure.dpi / 72
    height = ax.get_window_extent(renderer).height
    if height > need:
        ax.set_ylim(0, tallest * height / (height - need))


def rfm_grid(rfm: Mapping[str, Any], *, by: str = "f", ax: Any = None) -> Any:
    """RFM grid: customers by recency score R (rows, 5 = most recent on top) and frequency score F
    (columns; ``by="m"`` for the monetary score), each cell coloured by its customers and printed
    with them and with the segments they are in (the segment follows R and the mean of F and M, so
    one cell may hold two); empty cells are blank.

    Parameters: ``rfm``, what ``ProfileStore.rfm`` or ``engagement.rfm_scores`` returns (columns
    ``r``, ``f``, ``m`` and ``segment``); ``by``, the column score, ``"f"`` or ``"m"``; ``ax``,
    the ``Axes`` to draw on (default: a new figure with room for the names). Axes: scores 1–5
    (quintiles of customers unless the scores were made otherwise); colour and counts: customers.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> s = engagement.ProfileStore(); s.push([1, 2], [0, 86_400], ["web"] * 2, ["purchase"] * 2, value=[5.0, 9.0])
    >>> ax = engagement.plot.rfm_grid(s.rfm(as_of=2 * 86_400))
    >>> ax.get_xlabel(), [t.get_text() for t in ax.texts]
    ('frequency score F (1–5, 5 = most purchases)', ['1\\npromising 1', '1\\npotential loyalists 1'])
    """
    if by not in ("f", "m"):
        raise ValueError(f'by must be "f" or "m", not {by!r}')
    r = np.asarray(rfm["r"], dtype=int)
    x = np.asarray(rfm[by], dtype=int)
    segment = np.asarray(rfm["segment"], dtype=object)
    counts = np.zeros((5, 5))
    np.add.at(counts, (r - 1, x - 1), 1)
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(9.5, 6.5))
    shown = np.ma.masked_equal(counts, 0)
    image = ax.imshow(shown, origin="lower", cmap=_tinted("Blues"), aspect="auto", interpolation="nearest",
                      extent=(0.5, 5.5, 0.5, 5.5), vmin=max(counts[counts > 0].min(), 0) if counts.any() else 0)
    ax.figure.colorbar(image, ax=ax, label="customers")
    high = counts.max() if counts.any() else 1
    texts = []
    for i in range(5):
        for j in range(5):
            if counts[i, j] == 0:
                continue
            here = segment[(r == i + 1) & (x == j + 1)]
            names, n = np.unique(here.astype(str), return_counts=True)
            order = np.argsort(-n, kind="stable")
            lines = [f"{names[k].replace('_', ' ')} {n[k]:,}" for k in order]
            dark = counts[i, j] > 0.6 * high
            texts.append(ax.text(j + 1, i + 1, f"{int(counts[i, j]):,}\n" + "\n".join(lines), ha="center",
                                 va="center", fontsize=8, linespacing=1.05, color="white" if dark else "black"))
    ax.set_xticks(range(1, 6))
    ax.set_yticks(range(1, 6))
    what = "frequency score F (1–5, 5 = most purchases)" if by == "f" else "monetary score M (1–5, 5 = most spent)"
    ax.set_xlabel(what)
    ax.set_ylabel("recency score R (1–5, 5 = most recent)")
    ax.set_title(f"RFM grid: {int(counts.sum()):,} customers and their segments", fontsize="medium")
    _fit_title(ax)
    # Each cell's text fits its cell.
    renderer = ax.figure.canvas.get_renderer()
    cell_w = abs(ax.transData.transform((2, 0))[0] - ax.transData.transform((1, 0))[0])
    cell_h = abs(ax.transData.transform((0, 2))[1] - ax.transData.transform((0, 1))[1])
    _shrink_to_width(texts, 0.94 * cell_w)
    while texts and max(t.get_window_extent(renderer).height for t in texts) > 0.94 * cell_h \
            and texts[0].get_fontsize() > 5:
        for t in texts:
            t.set_fontsize(t.get_fontsize() - 0.5)
    return ax


def score_by_stage(score: Any, stage: Any, ax: Any = None) -> Any:
    """Box plots of engagement scores (0–100) by journey stage, one score and stage per customer
    (``store.scores(...)["total"]``, ``store.stages(...)["stage"]``).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement.plot
    >>> engagement.plot.score_by_stage([80, 60, 10, 5], ["loyal", "loyal", "at_risk", "churned"]).get_ylabel()
    'engagement score (0–100)'
    """
    from ._convert import STAGES

    s, g = np.asarray(score, dtype=float), np.asarray(stage, dtype=object)
    present = [st for st in STAGES if np.any(g == st)]
    ax = _axes(ax)
    ax.boxplot([s[g == st] for st in present], tick_labels=present)
    ax.set_ylim(0, 100)
    ax.set_xlabel("journey stage")
    ax.set_ylabel("engagement score (0–100)")
    ax.set_title("Engagement score by stage")
    ax.tick_params(axis="x", labelrotation=30)
    return ax


def transition_graph(paths: Any, top: int = 25, weight: str = "count", ax: Any = None) -> Any:
    """The ``top`` heaviest edges of a ``PathAnalysis`` (by ``weight``: ``count``, ``paths``,
    ``customers``, ``proba_out`` …) as arrows between its nodes, placed on a circle (``path_start``
    left, ``path_end`` right), each arrow as wide as its weight and labelled with it.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> p = engagement.paths([1, 1, 2, 2], [0, 60, 0, 30], events=["home", "cart", "home", "cart"])
    >>> len(engagement.plot.transition_graph(p).patches)   # home→cart, path_start→home, cart→path_end
    3
    """
    ax = _axes(ax)
    e = paths.edges
    values = np.asarray(e[weight], dtype=float)
    keep = np.argsort(-values, kind="stable")[:top]
    used = sorted({int(n) for i in keep for n in (e["from"][i], e["to"][i])})
    labels = paths.labels
    start, end = len(labels) - 2, len(labels) - 1
    inner = [n for n in used if n not in (start, end)]
    place = {start: (-1.25, 0.0), end: (1.25, 0.0)}
    for j, n in enumerate(inner):
        angle = math.pi / 2 - 2 * math.pi * (j + 0.5) / max(len(inner), 1)
        place[n] = (math.cos(angle), math.sin(angle))
    biggest = values[keep].max() if len(keep) else 1.0
    for i in keep:
        a, b = place[int(e["from"][i])], place[int(e["to"][i])]
        width = 0.5 + 5.0 * values[i] / biggest
        from matplotlib.patches import FancyArrowPatch

        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=12, lw=width, alpha=0.55,
                                     color="tab:blue", shrinkA=14, shrinkB=14, connectionstyle="arc3,rad=0.15"))
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        text = f"{values[i]:.0%}" if weight.startswith("proba") else f"{values[i]:,.0f}"
        ax.text(mid[0], mid[1], text, fontsize=7, ha="center", va="center", color="0.25")
    for n, (x, y) in place.items():
        ax.text(x, y, labels[n], ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round", "fc": "white", "ec": "0.6"})
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.3, 1.3)
    ax.set_axis_off()
    ax.set_title(f"Transitions: the {len(keep)} heaviest by {weight} (per {paths.per})")
    return ax


def step_matrix(paths: Any, min_share: float = 0.0, ax: Any = None) -> Any:
    """Heat map of a ``PathAnalysis``'s step matrix: the share of paths whose k-th event is each
    event (rows, ``path_end`` last: paths already over), steps by column, the value in each cell;
    rows never reaching ``min_share`` are left out.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> p = engagement.paths([1, 1, 2], [0, 60, 0], events=["home", "cart", "home"], steps=3)
    >>> [t.get_text() for t in engagement.plot.step_matrix(p).get_yticklabels()]
    ['cart', 'home', 'path_end']
    """
    ax = _axes(ax)
    frame = paths.step_frame()
    shown = frame[(frame.max(axis=1) >= min_share) | (frame.index == "path_end")]
    rows = [r for r in shown.index if r != "path_end"] + ["path_end"]
    shown = shown.loc[rows]
    data = shown.to_numpy()
    image = ax.imshow(data, aspect="auto", cmap="Blues", vmin=0, vmax=1)
    ax.figure.colorbar(image, ax=ax, label="share of paths")
    for r in range(data.shape[0]):
        for k in range(data.shape[1]):
            if data[r, k] > 0:
                ax.text(k, r, f"{data[r, k]:.0%}", ha="center", va="center", fontsize=7,
                        color="white" if data[r, k] > 0.6 else "black")
    ax.set_yticks(np.arange(len(rows)), rows)
    ax.set_xticks(np.arange(data.shape[1]), [str(k) for k in shown.columns])
    ax.set_xlabel("step")
    ax.set_title(f"Step matrix (per {paths.per})")
    return ax


def step_sankey(paths: Any, top: int = 6, ax: Any = None) -> Any:
    """Step Sankey of a ``PathAnalysis`` computed with ``step_flows=True``: a column per step, a bar
    per node (height: its paths at that step; the ``top`` most common labels of each step, the rest
    as ``other``; paths that have ended as ``path_end`` at the bottom; each labelled with its paths,
    every colour in the legend), and bands for the paths going from a node at one step to one at
    the next, as wide as their count. Without ``ax``, the figure is sized to the steps.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> p = engagement.paths([1, 1, 2, 2], [0, 60, 0, 30], events=["home", "cart", "home", "home"], steps=3,
    ...                      step_flows=True)
    >>> ax = engagement.plot.step_sankey(p)
    >>> sorted({t.get_text().splitlines()[0] for t in ax.texts})
    ['cart', 'home', 'path_end']
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['home', 'cart', 'path_end']
    """
    from matplotlib.patches import Patch, PathPatch, Rectangle
    from matplotlib.path import Path

    flows = paths.step_flows_frame()
    steps = paths.step_matrix.shape[1]
    if ax is None:
        # Room for each column's labels beside its bars.
        _, ax = _pyplot().subplots(figsize=(max(7.0, 2.3 * steps), 5.5))
    # Nodes of each column: the paths there by label (column 1: out of it; later ones: into it).
    columns = [flows[flows["step"] == 1].groupby("from")["count"].sum()]
    for k in range(1, steps):
        columns.append(flows[flows["step"] == k].groupby("to")["count"].sum())

    def keep(col: Any) -> Any:
        col = col.sort_values(ascending=False, kind="stable")
        ended = col.get("path_end", 0)
        rest = col.drop("path_end", errors="ignore")
        shown = rest.iloc[:top]
        if len(rest) > top:
            shown = shown.copy()
            shown["other"] = rest.iloc[top:].sum()
        return shown, ended

    def group(label: str, col: Any) -> str:
        return label if label in col.index or label == "path_end" else "other"

    total = float(paths.paths)
    gap = 0.02
    width = 0.12
    palette = _pyplot().get_cmap("tab10")
    colour: dict = {}
    spans: list = []   # per column: label -> (bottom, top) in axis units
    for x, col in enumerate(columns):
        shown, ended = keep(col)
        y = 1.0
        span = {}
        for label, value in list(shown.items()) + ([("path_end", ended)] if ended else []):
            h = value / total
            span[label] = (y - h, y)
            if label not in colour:
                fixed = {"other": "0.72", "path_end": "0.25"}
                colour[label] = fixed.get(label, palette(sum(k not in fixed for k in colour) % 10))
            ax.add_patch(Rectangle((x - width / 2, y - h), width, h, color=colour[label], zorder=2))
            if h > 0.04:
                name = label if len(label) <= 22 else label[:21] + "…"
                ax.text(x + width / 2 + 0.02, y - h / 2, f"{name}\n{int(value):,}", va="center", fontsize=7,
                        linespacing=1.0, zorder=3)
            y -= h + gap
        spans.append((span, shown))
    # Bands between columns, stacked in each node's order of targets (sources).
    for k in range(1, steps):
        (src_span, src_shown), (dst_span, dst_shown) = spans[k - 1], spans[k]
        f = flows[flows["step"] == k].copy()
        f["a"] = [group(v, src_shown) for v in f["from"]]
        f["b"] = [group(v, dst_shown) for v in f["to"]]
        f = f.groupby(["a", "b"], sort=False)["count"].sum().reset_index()
        out_at = {a: src_span[a][1] for a in src_span}
        in_at = {b: dst_span[b][1] for b in dst_span}
        order = {label: i for i, label in enumerate(dst_span)}
        for _, row in f.sort_values("b", key=lambda s: s.map(order), kind="stable").iterrows():
            h = row["count"] / total
            a, b = row["a"], row["b"]
            y0, y1 = out_at[a], in_at[b]
            out_at[a], in_at[b] = y0 - h, y1 - h
            x0, x1 = k - 1 + width / 2, k - width / 2
            mid = (x0 + x1) / 2
            verts = [(x0, y0), (mid, y0), (mid, y1), (x1, y1), (x1, y1 - h), (mid, y1 - h), (mid, y0 - h),
                     (x0, y0 - h), (x0, y0)]
            codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO, Path.CURVE4,
                     Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
            ax.add_patch(PathPatch(Path(verts, codes), facecolor=colour[a], alpha=0.35, lw=0, zorder=1))
    ax.set_xlim(-0.3, steps - 0.3)
    ax.set_ylim(min([min(b for b, _ in span.values()) for span, _ in spans if span] + [0]) - 0.02, 1.02)
    ax.set_xticks(range(steps), [f"step {k}" for k in range(1, steps + 1)])
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Paths by step ({paths.paths:,} {paths.per}s)")
    # Every node's colour, labelled or not.
    handles = [Patch(color=c, label=label) for label, c in colour.items()]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=min(len(handles), 5),
              fontsize=7, frameon=False)
    return ax


def session_histograms(sessions: Any, bins: int = 30, axes: Any = None) -> Any:
    """Two histograms of ``Sessions``: touchpoints per session and duration in minutes; returns the
    two ``Axes``.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> s = engagement.sessions([1, 1, 2], [0, 600, 0])
    >>> [a.get_xlabel() for a in engagement.plot.session_histograms(s)]
    ['touchpoints per session', 'duration (minutes)']
    """
    if axes is None:
        _, axes = _pyplot().subplots(1, 2, figsize=(10, 3.5))
    left, right = axes
    events = np.asarray(sessions.events)
    left.hist(events, bins=np.arange(1, max(int(events.max()) if len(events) else 1, 1) + 2) - 0.5)
    left.set_xlabel("touchpoints per session")
    left.set_ylabel("sessions")
    minutes = (np.asarray(sessions.end) - np.asarray(sessions.start)) / 60.0
    right.hist(minutes, bins=bins)
    right.set_xlabel("duration (minutes)")
    right.set_ylabel("sessions")
    if sessions.summary is not None:
        left.set_title(f"{sessions.summary.sessions:,} sessions; bounce rate {sessions.summary.bounce_rate:.1%}")
        right.set_title(f"median {sessions.summary.median_duration / 60:.1f} minutes")
    return left, right


def lifecycle(table: Any, ax: Any = None) -> Any:
    """Lifecycle bars of a ``LifecycleTable``: per period, new, returning and resurrecting customers
    stacked above zero and dormant ones below it; a last period that has not ended by ``as_of`` is
    hatched and said so in its tick label.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> t = engagement.lifecycle([1, 1, 2], [0, 86_400, 86_400], period="day")
    >>> ax = engagement.plot.lifecycle(t)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['new', 'returning', 'resurrecting', 'dormant']
    """
    ax = _axes(ax)
    x = np.arange(len(table.label))
    hatch = ["" if c else "//" for c in table.complete]
    bottom = np.zeros(len(x))
    for name, colour in (("new", "tab:green"), ("returning", "tab:blue"), ("resurrecting", "tab:orange")):
        values = np.asarray(getattr(table, name), dtype=float)
        bars = ax.bar(x, values, bottom=bottom, color=colour, label=name)
        for bar, h in zip(bars, hatch):
            bar.set_hatch(h)
        bottom += values
    bars = ax.bar(x, -np.asarray(table.dormant, dtype=float), color="tab:red", label="dormant")
    for bar, h in zip(bars, hatch):
        bar.set_hatch(h)
    ax.axhline(0, color="black", linewidth=0.8)
    labels = [lab if done else f"{lab}*" for lab, done in zip(table.label, table.complete)]
    step = max(1, len(x) // 12)
    ticks = list(x[::step])
    if len(x) and ticks[-1] != x[-1] and not table.complete[-1]:
        ticks[-1] = x[-1]   # the partial period keeps its mark
    ax.set_xticks(ticks, [labels[i] for i in ticks], rotation=45, ha="right", rotation_mode="anchor")
    ax.set_xlabel(f"{table.period} starting")
    ax.set_ylabel("customers (dormant below zero)")
    partial = "" if all(table.complete) else " (* not ended by as_of, hatched)"
    ax.set_title(f"Lifecycle by {table.period}{partial}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.figure.tight_layout()
    return ax


def retention_curves(table: Any, cohorts: Optional[Sequence[str]] = None, ax: Any = None) -> Any:
    """Retention curves of a ``RetentionTable``: one line per cohort (``cohorts``: their labels;
    default all, at most 12 of the largest) and the total in black, rate by bracket. Brackets not yet
    observed for a cohort (censored by ``as_of``) are not drawn; a hollow marker shows each curve's
    last observed bracket.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> t = engagement.retention([1, 1, 2], [0, 86_400, 86_400], periods=2, censor=False)
    >>> ax = engagement.plot.retention_curves(t)
    >>> [line.get_label() for line in ax.get_lines()][-1]
    'all cohorts'
    """
    ax = _axes(ax)
    x = np.arange(len(table.brackets))
    names = list(table.cohort)
    if cohorts is None:
        order = np.argsort(-np.asarray(table.size), kind="stable")[:12]
        chosen = sorted(order.tolist())
    else:
        missing = [c for c in cohorts if c not in names]
        if missing:
            raise ValueError(f"cohorts {missing} are not in the table; it has {names}")
        chosen = [names.index(c) for c in cohorts]
    for i in chosen:
        rate = np.asarray(table.rate[i], dtype=float)
        (line,) = ax.plot(x, rate, marker="o", markersize=3, linewidth=1, alpha=0.8,
                          label=f"{names[i]} ({int(table.size[i])})")
        seen = np.flatnonzero(~np.isnan(rate))
        if seen.size and seen[-1] < len(rate) - 1:
            ax.plot([x[seen[-1]]], [rate[seen[-1]]], marker="o", markersize=8, markerfacecolor="none",
                    color=line.get_color())
    ax.plot(x, np.asarray(table.total_rate, dtype=float), color="black", linewidth=2.5, label="all cohorts")
    ax.set_xticks(x, table.bracket_labels)
    ax.set_xlabel(f"{table.period}s after entry ({table.windows}, {table.mode})")
    ax.set_ylabel("retained (of those observed)")
    ax.set_ylim(0, None)
    ax.set_title("Retention by cohort (unobserved brackets left out)")
    ax.legend(fontsize="small", ncol=2)
    return ax


def retention_heatmap(table: Any, metric: str = "rate", ax: Any = None) -> Any:
    """Heat map of a ``RetentionTable``: cohorts down, brackets across, each observed cell coloured
    and labelled with its value (``metric``: ``"rate"`` as a percentage, ``"retained"``,
    ``"value_per_entry"`` …); cells not yet observed (censored by ``as_of``) are left blank, and the
    colour scale spans the observed values only, so that a 4–16 % table still shows its contrast.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> t = engagement.retention([1, 1, 2], [0, 86_400, 86_400], periods=2, censor=False)
    >>> ax = engagement.plot.retention_heatmap(t)
    >>> sorted(text.get_text() for text in ax.texts)
    ['0%', '0%', '0%', '100%']
    """
    rows = len(table.cohort)
    if ax is None:
        # A row per cohort tall enough for its printed values.
        _, ax = _pyplot().subplots(figsize=(max(7.0, 0.8 * len(table.brackets) + 2.5), max(4.5, 0.24 * rows + 1.6)))
    values = np.asarray(table.to_frame(metric).drop(index="all").to_numpy(), dtype=float)
    observed = ~np.isnan(values)
    # The colour scale spans the cells of cohorts with at least 10 entries counted (when there are
    # any), so that a cohort of one customer at 100 % does not wash out the rest; it is clipped.
    sized = observed & (np.asarray(table.counted) >= 10)
    basis = values[sized] if sized.any() else values[observed]
    low, high = (float(basis.min()), float(basis.max())) if basis.size else (0.0, 1.0)
    image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap="viridis", vmin=low,
                      vmax=high if high > low else low + 1e-9)
    rate = metric in ("rate", "rate_of_previous")
    mid = (low + high) / 2

    def shown(v: float) -> str:
        if rate:
            return f"{v:.0%}"
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"

    for (i, j), v in np.ndenumerate(values):
        if not np.isnan(v):
            ax.text(j, i, shown(v), ha="center", va="center", fontsize=7, color="white" if v < mid else "black")
    ax.set_xticks(np.arange(values.shape[1]), table.bracket_labels)
    ax.set_yticks(np.arange(rows), table.cohort, fontsize=7 if rows > 20 else None)
    ax.set_xlabel(f"{table.period}s after entry")
    ax.set_ylabel("cohort")
    units = {"rate": "share of entries counted", "rate_of_previous": "share of those retained the bracket before",
             "value": "value of the return events (sum)", "value_per_entry": "value per entry counted"}
    ax.figure.colorbar(image, ax=ax, label=units.get(metric, f"{metric} (entries)"))
    ax.set_title(f"Retention ({metric}; blank: not yet observed)")
    ax.figure.tight_layout()
    return ax


def stickiness(table: Any, ax: Any = None) -> Any:
    """Stickiness histogram of a ``StickinessTable``: customer-periods by the number of days active in
    the period, over the periods that have ended by ``as_of`` (all of them when none has), each bar
    of a weekly histogram labelled with its share.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import engagement, engagement.plot
    >>> t = engagement.stickiness([1, 1, 2], [4 * 86_400, 5 * 86_400, 5 * 86_400])
    >>> [t.get_text() for t in engagement.plot.stickiness(t).texts][:2]
    ['50%', '50%']
    """
    ax = _axes(ax)
    complete = np.asarray(table.complete, dtype=bool)
    # Periods cut short by as_of have fewer days to be active on: left out when others ended.
    rows = np.asarray(table.active_days)[complete] if complete.any() else np.asarray(table.active_days)
    counts = rows.sum(axis=0).astype(float)
    x = np.arange(1, len(counts) + 1)
    bars = ax.bar(x, counts, color="tab:blue")
    total = counts.sum()
    for bar, c in zip(bars, counts):
        if c > 0 and len(counts) <= 7:
            share = c / total
            ax.text(bar.get_x() + bar.get_width() / 2, c, f"{share:.0%}" if share >= 0.005 else "<1%",
                    ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x if len(x) <= 7 else x[::3])
    ax.set_xlabel(f"days active in the {table.period}")
    ax.set_ylabel(f"customer-{table.period}s")
    left_out = len(complete) - int(complete.sum()) if complete.any() else 0
    note = f"; {left_out} cut short by as_of left out" if left_out else ""
    ax.set_title(f"Stickiness: active days per {table.period}\n({int(rows.shape[0])} {table.period}s{note})",
                 fontsize="medium")
    ax.figure.tight_layout()
    return ax
