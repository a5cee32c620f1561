"""engagement.plot: every plot renders with the Agg backend on the bundled data to a PNG that is not
blank, with the axes labelled and the plotted values equal to the library's result."""

import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import engagement  # noqa: E402
import engagement.plot as eplot  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DAY = 86_400


@pytest.fixture(scope="module")
def sample():
    df = pd.read_csv(ROOT / "data" / "sample" / "touchpoints.csv")
    return df


@pytest.fixture(scope="module")
def cdnow():
    df = pd.read_csv(ROOT / "data" / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["master_id", "customer", "date", "cds", "dollars"])
    time = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    split = engagement.calibration_holdout(df["customer"], time, df["dollars"],
                                           calibration_end=pd.Timestamp("1997-09-30"),
                                           observation_end=pd.Timestamp("1998-06-30"), period="day", unit="week")
    d = pd.DataFrame(split["calibration"]).assign(frequency_holdout=split["frequency_holdout"])
    return d, split["duration_holdout"], engagement.ClvModel.fit("bg_nbd", d)


def rendered(ax, tmp_path, name):
    """Saves the figure, checks it is a sizeable PNG with more than one colour, and closes it."""
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=60)
    assert path.stat().st_size > 5_000, name
    pixels = plt.imread(path)
    assert pixels.std() > 0.01, f"{name} is blank"
    plt.close(ax.figure)
    return ax


def no_overlap(texts):
    """No two of the texts (tick labels, annotations) overlap once drawn."""
    texts = [t for t in texts if t.get_text()]
    if not texts:
        return
    fig = texts[0].figure
    fig.canvas.draw()
    angle = texts[0].get_rotation() % 180
    if angle:
        # Slanted labels are parallel strips: they clear each other when their anchors lie at least
        # a line's height apart across the slant.
        xs = sorted(t.get_transform().transform(t.get_position())[0] for t in texts)
        line = max(t.get_fontsize() for t in texts) * fig.dpi / 72
        assert min(np.diff(xs), default=np.inf) * np.sin(np.radians(angle)) >= line, "overlapping labels"
        return
    boxes = [t.get_window_extent() for t in texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), "overlapping labels"


def bar_heights(ax):
    return [p.get_height() for p in ax.patches]


def test_clv_plots(cdnow, tmp_path):
    d, duration, m = cdnow
    ax = eplot.frequency_recency_matrix(m, max_frequency=10, T=39)
    grid = m.frequency_recency_matrix("p_alive", max_frequency=10, T=39)
    image = ax.get_images()[0].get_array()
    assert np.allclose(image.filled(np.nan), grid.to_numpy(), equal_nan=True)
    assert ax.get_ylabel() == "frequency (repeat purchases)"
    assert ax.get_xlim() == (-0.5, 39.5) and ax.get_ylim() == (-0.5, 10.5)
    rendered(ax, tmp_path, "matrix")

    table = m.period_transactions(d, max_frequency=7)
    ax = eplot.period_transactions(table)
    heights = bar_heights(ax)
    assert heights[:8] == table["actual"].tolist() and np.allclose(heights[8:], table["expected"])
    assert "chi-square" in ax.get_title() and ax.get_ylabel() == "customers"
    assert ax.get_ylim()[1] >= table["actual"].max() and len(ax.get_xticks()) == 8
    rendered(ax, tmp_path, "period_transactions")

    ch = m.calibration_holdout(d, holdout="frequency_holdout", duration=duration, max_frequency=7)
    ax = eplot.calibration_holdout(ch)
    actual, predicted = ax.get_lines()
    assert actual.get_ydata().tolist() == ch["actual"].tolist()
    assert np.allclose(predicted.get_ydata(), ch["predicted"])
    rendered(ax, tmp_path, "calibration_holdout")

    ax = eplot.p_alive_history(m, [3.0, 10.0, 12.0], until=39)
    line = ax.get_lines()[0]
    assert np.allclose(line.get_ydata(), m.p_alive_history([3.0, 10.0, 12.0], line.get_xdata()))
    assert ax.get_ylabel() == "P(alive)"
    rendered(ax, tmp_path, "p_alive_history")

    gg = engagement.ClvModel.fit("gamma_gamma", d[d["frequency"] > 0])
    spend = gg.expected_spend(d[d["frequency"] > 0])
    value = m.discounted_value(d[d["frequency"] > 0], spend=spend)
    ax = eplot.clv_distribution(value)
    assert sum(bar_heights(ax)) == len(value) and ax.get_xlabel().startswith("customer lifetime value (")
    rendered(ax, tmp_path, "clv_distribution")


def test_journey_plots(sample, tmp_path):
    c, t, ch, k, v = sample["customer"], sample["time"], sample["channel"], sample["kind"], sample["value"]
    steps = [{"name": "visit", "kinds": ["visit"]}, {"name": "click", "kinds": ["click"]},
             {"name": "buy", "kinds": ["purchase"]}]
    f = engagement.funnel(c, t, ch, k, steps=steps)
    ax = eplot.funnel(f)
    assert [p.get_width() for p in ax.patches] == f.customers.tolist()
    assert [tick.get_text() for tick in ax.get_yticklabels()] == f.steps
    assert f"{f.step_conversion[1].rate:.1%}" in ax.texts[1].get_text()
    rendered(ax, tmp_path, "funnel")

    store = engagement.ProfileStore()
    store.push(c, t, ch, k, v)
    end = int(t.max())
    before, after = store.stages(as_of=end), store.stages(as_of=end + 120 * DAY)
    ax = eplot.stage_flow(before, after)
    assert sum(bar_heights(ax)) == len(before["customer"])
    rendered(ax, tmp_path, "stage_flow")

    buys = k == "purchase"
    cohorts = engagement.cohorts(c[buys], t[buys], v[buys], as_of=end)
    ax = eplot.cohort_retention(cohorts)
    image = ax.get_images()[0].get_array()
    assert np.allclose(image.filled(np.nan), cohorts.retention, equal_nan=True)
    rendered(ax, tmp_path, "cohort_retention")

    # Buyers' time from first to last purchase (churned: no purchase in the last 180 days), by the
    # channel of their first touchpoint: email against the rest.
    first_channel = sample.sort_values("time").groupby("customer")["channel"].first()
    groups = {"email": [], "other": []}
    for p in store.profiles():
        if p["purchases"] > 0:
            key = "email" if first_channel[p["customer"]] == "email" else "other"
            groups[key].append(((p["last_purchase"] - p["first_purchase"]) / DAY, end - p["last_purchase"] > 180 * DAY))
    curves = {k: engagement.kaplan_meier([d for d, _ in v], [o for _, o in v]) for k, v in groups.items()}
    ax = eplot.kaplan_meier(curves)
    first = ax.get_lines()[0]
    assert np.allclose(first.get_ydata()[1:], curves["email"].survival)
    assert ax.get_ylim() == (0, 1.02) and ax.get_xlim()[1] >= max(curves["other"].time.max(), curves["email"].time.max())
    rendered(ax, tmp_path, "kaplan_meier")

    rules = {r: engagement.attribute_touchpoints(c, t, ch, k, v, rule=r) for r in ("first_touch", "linear", "markov")}
    ax = eplot.attribution(rules)
    assert np.isclose(sum(bar_heights(ax)), sum(a.conversions.sum() for a in rules.values()))
    rendered(ax, tmp_path, "attribution")

    # A/B arms from the sample: customers first reached by email against the rest; conversion = a purchase.
    buyers = set(c[buys])
    email = [cu for cu, chan in first_channel.items() if chan == "email"]
    other = [cu for cu, chan in first_channel.items() if chan != "email"]
    control = (sum(cu in buyers for cu in other), len(other))
    treatment = (sum(cu in buyers for cu in email), len(email))
    ax = eplot.ab_posteriors(control, treatment)
    assert ax.get_xlabel() == "conversion rate" and len(ax.get_lines()) == 2
    for line, (conversions, trials) in zip(ax.get_lines(), (control, treatment)):
        peak = line.get_xdata()[np.argmax(line.get_ydata())]
        assert abs(peak - conversions / trials) < 0.01  # the mode of Beta(1 + conversions, 1 + failures)
    rendered(ax, tmp_path, "ab_posteriors")


def test_segment_plots(sample, tmp_path):
    store = engagement.ProfileStore()
    store.push(sample["customer"], sample["time"], sample["channel"], sample["kind"], sample["value"])
    end = int(sample["time"].max())
    rfm = store.rfm(as_of=end)
    revenue = np.array([store.profile(int(cu))["net_revenue"] for cu in rfm["customer"]])
    ax = eplot.segments(rfm["segment"], revenue)
    assert sum(bar_heights(ax)) == len(rfm["customer"])
    rendered(ax, tmp_path, "segments")

    scores, stages = store.scores(as_of=end), store.stages(as_of=end)
    ax = eplot.score_by_stage(scores["total"], stages["stage"])
    assert ax.get_ylim() == (0, 100)
    rendered(ax, tmp_path, "score_by_stage")


def test_importing_without_matplotlib_works_and_plot_says_what_to_install():
    code = ("import sys; sys.modules['matplotlib'] = None; sys.modules['matplotlib.pyplot'] = None\n"
            "import engagement, engagement.plot\n"
            "try:\n    engagement.plot.clv_distribution([1.0])\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "engagement[plot]"' in out


def test_path_plots(tmp_path):
    rng = np.random.default_rng(11)
    n = 3_000
    events = rng.choice(["home", "catalog", "product_view", "cart", "payment"], n, p=[0.3, 0.3, 0.25, 0.1, 0.05])
    customer = rng.integers(1, 200, n)
    time = np.sort(rng.integers(0, 5 * DAY, n))
    p = engagement.paths(customer, time, events=events, per="session", steps=6)
    ax = eplot.transition_graph(p, top=12)
    assert len(ax.patches) == 12
    # Each edge's label is its weight, the heaviest first in the data.
    heaviest = int(np.max(p.edges["count"]))
    assert f"{heaviest:,}" in [t.get_text() for t in ax.texts]
    rendered(ax, tmp_path, "transition_graph")

    ax = eplot.step_matrix(p, min_share=0.05)
    image = ax.get_images()[0].get_array()
    frame = p.step_frame()
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows[-1] == "path_end"
    assert np.allclose(image, frame.loc[rows].to_numpy())
    assert set(rows) < set(frame.index)           # some labels never reach 5 % at any step
    rendered(ax, tmp_path, "step_matrix")
    everything = eplot.step_matrix(p).get_images()[0].get_array()
    assert np.allclose(everything.sum(axis=0), 1.0)   # all rows: each step's shares add up
    plt.close("all")

    flows = engagement.paths(customer, time, events=events, per="session", steps=6, step_flows=True)
    ax = eplot.step_sankey(flows, top=3)
    nodes = [r for r in ax.patches if r.__class__.__name__ == "Rectangle"]
    # Column 1: the three commonest first events and the rest as other; each bar as high as its
    # share of the paths.
    first = flows.step_frame()[1].drop("path_end").sort_values(ascending=False)
    column1 = sorted((round(r.get_height(), 9) for r in nodes if abs(r.get_x() + 0.06) < 1e-9), reverse=True)
    expected = sorted([*first.iloc[:3].round(9), round(first.iloc[3:].sum(), 9)], reverse=True)
    assert np.allclose(column1, expected)
    # Bands: one per (source, target) pair shown; labels never overlap within a column.
    assert len(ax.patches) > len(nodes) + 10
    ax.figure.canvas.draw()
    boxes = [(round(t.get_position()[0], 6), t.get_window_extent()) for t in ax.texts]
    for i, (xa, a) in enumerate(boxes):
        for xb, b in boxes[i + 1:]:
            assert xa != xb or not a.overlaps(b), "overlapping node labels"
    rendered(ax, tmp_path, "step_sankey")
    with pytest.raises(ValueError, match="step_flows=True"):
        eplot.step_sankey(p)

    s = engagement.sessions(customer, time)
    left, right = eplot.session_histograms(s)
    assert sum(bar.get_height() for bar in left.patches) == s.summary.sessions
    assert sum(bar.get_height() for bar in right.patches) == s.summary.sessions
    rendered(left, tmp_path, "session_histograms")


def test_time_to_convert(sample, tmp_path):
    cols = (sample["customer"], sample["time"], sample["channel"], sample["kind"])
    steps = [{"name": "visit", "kinds": ["visit"]}, {"name": "click", "kinds": ["click"]},
             {"name": "buy", "kinds": ["purchase"]}]
    r = engagement.funnel(*cols, steps=steps, time_bins=12)
    axes = eplot.time_to_convert(r)
    assert len(axes) == 2
    for ax, j in zip(axes, (1, 2)):
        # One bar per bin, heights the journeys reaching the step, a unit on the axis.
        assert len(ax.patches) == 12 and sum(bar_heights(ax)) == r.customers[j]
        assert ax.get_xlabel() in ("days since visit", "hours since visit")
        median = [line for line in ax.get_lines() if line.get_label().startswith("median")][0]
        size = 86_400 if ax.get_xlabel().startswith("days") else 3_600
        assert np.isclose(median.get_xdata()[0], r.median_time[j] / size)
    rendered(axes[0], tmp_path, "time_to_convert")
    with pytest.raises(ValueError, match="one-step"):
        eplot.time_to_convert(engagement.funnel(*cols, steps=steps[:1]))
    two = engagement.funnel(*cols, steps=steps[:2])
    fig, ax = plt.subplots()
    assert eplot.time_to_convert(two, ax=ax) == [ax]
    plt.close(fig)


def test_retention_and_lifecycle_plots(sample, tmp_path):
    cols = (sample["customer"], sample["time"], sample["channel"], sample["kind"])
    t = engagement.retention(*cols, start={"kinds": ["visit"]}, returning={"kinds": ["purchase"]}, period="week",
                             periods=8)
    ax = eplot.retention_curves(t)
    lines = ax.get_lines()
    total = [line for line in lines if line.get_label() == "all cohorts"][0]
    assert np.allclose(total.get_ydata(), t.total_rate, equal_nan=True)
    # Censored brackets are NaN (not drawn); each curve cut short has a hollow marker at its last point.
    curves = [line for line in lines if line.get_label().startswith("20")]
    assert len(curves) == min(12, len(t.cohort))
    cut = sum(1 for line in curves if np.isnan(np.asarray(line.get_ydata(), dtype=float)[-1]))
    hollow = [line for line in lines if line.get_markerfacecolor() == "none"]
    assert cut > 0 and len(hollow) == cut
    rendered(ax, tmp_path, "retention_curves")
    with pytest.raises(ValueError, match="not in the table"):
        eplot.retention_curves(t, cohorts=["1999-01-01"])

    ax = eplot.retention_heatmap(t)
    cells = ax.get_images()[0].get_array()
    # Only observed cells are drawn and labelled, one label each.
    assert np.array_equal(np.ma.getmaskarray(cells), np.isnan(t.rate))
    assert len(ax.texts) == int((~np.isnan(t.rate)).sum())
    no_overlap(ax.get_yticklabels())
    rendered(ax, tmp_path, "retention_heatmap")
    # Every metric has its "all" row, so every metric draws (value_per_entry once failed).
    for metric in ("counted", "retained", "previous", "kept", "rate_of_previous", "value", "value_per_entry"):
        assert t.to_frame(metric).index[-1] == "all"
    rendered(eplot.retention_heatmap(t, metric="value_per_entry"), tmp_path, "retention_heatmap_value")

    life = engagement.lifecycle(*cols, period="month")
    ax = eplot.lifecycle(life)
    heights = np.array([bar.get_height() for bar in ax.patches]).reshape(4, -1)
    assert np.array_equal(heights[:3].sum(axis=0), life.active)
    assert np.array_equal(-heights[3], life.dormant)
    assert ax.get_xlabel() == "month starting"
    no_overlap(ax.get_xticklabels())
    rendered(ax, tmp_path, "lifecycle")
    weekly = eplot.lifecycle(engagement.lifecycle(*cols, period="week"))
    no_overlap(weekly.get_xticklabels())
    rendered(weekly, tmp_path, "lifecycle_weekly")



def test_stickiness_plot(sample, tmp_path):
    t = engagement.stickiness(sample["customer"], sample["time"], sample["channel"], sample["kind"], period="month")
    ax = eplot.stickiness(t)
    # Months cut short by as_of are left out (the sample's last month ends with it: none here).
    assert [bar.get_height() for bar in ax.patches] == t.active_days[t.complete].sum(axis=0).tolist()
    no_overlap(ax.get_xticklabels())
    rendered(ax, tmp_path, "stickiness")
    weekly = engagement.stickiness(sample["customer"], sample["time"], sample["channel"], sample["kind"],
                                   period="week")
    assert not weekly.complete[-1] and weekly.complete[:-1].all()   # the data end on a Tuesday
    ax = eplot.stickiness(weekly)
    assert [bar.get_height() for bar in ax.patches] == weekly.active_days[:-1].sum(axis=0).tolist()
    assert len(ax.texts) == 7 and "left out" in ax.get_title()
    no_overlap(ax.texts)
    rendered(ax, tmp_path, "stickiness_weekly")


# --- Geometry from the renderer -------------------------------------------------------------------

def drawn_texts(fig):
    """Every visible, non-empty Text of the figure (axes texts, tick labels in view, labels, titles,
    legends, colour bars) with its window extent, after a draw."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    tick_labels, in_view = set(), []
    for axes in fig.axes:
        for axis in (axes.xaxis, axes.yaxis):
            scale = axis.get_transform()   # compare in scaled units (a log axis's decades)
            low, high = sorted(scale.transform(np.asarray(axis.get_view_interval(), dtype=float)))
            span = high - low
            # The tick objects in use (matplotlib keeps stale spares) for the locators' positions.
            ticks = axis.get_major_ticks(len(axis.get_majorticklocs()))
            ticks += axis.get_minor_ticks(len(axis.get_minorticklocs()))
            for tick in ticks:
                labels = (tick.label1, tick.label2)
                tick_labels.update(labels)
                # matplotlib draws only the ticks within the view
                at = scale.transform(np.array([tick.get_loc()], dtype=float))[0]
                if low - 1e-9 * span <= at <= high + 1e-9 * span:
                    in_view += [t for t in labels if t.get_visible()]
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t not in tick_labels and t.get_visible()] + in_view
    return [(t, t.get_window_extent(renderer)) for t in texts if t.get_text().strip()]


def assert_texts_apart(fig, texts=None):
    """No two drawn texts overlap (each against every other, in window pixels)."""
    boxes = drawn_texts(fig) if texts is None else [(t, t.get_window_extent(fig.canvas.get_renderer())) for t in texts]
    for t, box in boxes:
        assert fig.bbox.x0 - 1 <= box.x0 and box.x1 <= fig.bbox.x1 + 1 and fig.bbox.y0 - 1 <= box.y0 \
            and box.y1 <= fig.bbox.y1 + 1, f"{t.get_text()!r} is cut off by the figure's edge"
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1:]:
            assert not a.overlaps(b), f"{ta.get_text()!r} overlaps {tb.get_text()!r}"
    return boxes


def saved_pixels(fig, tmp_path, name):
    """The figure saved at its own dpi (so that window pixels are PNG pixels) and read back, rows from the top."""
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=fig.dpi)
    return plt.imread(path)


def pixel(pixels, ax, x, y):
    """The RGB of the PNG pixel at data point (x, y) of ``ax``."""
    px, py = ax.transData.transform((x, y))
    return pixels[pixels.shape[0] - 1 - int(round(py)), int(round(px)), :3]


def cdnow_cohorts():
    df = pd.read_csv(ROOT / "data" / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["master_id", "customer", "date", "cds", "dollars"])
    time = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    return engagement.cohorts(df["customer"], time, df["dollars"], as_of=pd.Timestamp("1998-06-30"))


def test_cohort_heat_map_draws_only_observed_periods_with_values_and_a_scale_for_low_retention(tmp_path):
    t = cdnow_cohorts()
    rows, last = len(t.size), int(t.observed.max())
    assert 0.03 < np.nanmin(t.retention[:, 1:]) and np.nanmax(t.retention[:, 1:]) < 0.2   # CDNOW: 4–16 %
    ax = eplot.cohort_retention(t)
    fig = ax.figure
    # In view: periods 1 … the last observed; period 0 (always 100 %) left out.
    assert ax.get_xlim() == (0.5, last - 0.5) and ax.get_ylim() == (rows - 0.5, -0.5)
    assert [int(x) for x in ax.get_xticks()] == list(range(1, last))
    assert ax.get_xlabel() == "months after acquisition" and "%" in fig.axes[1].get_ylabel()
    # The colour scale spans the observed cells shown, not 0–1.
    norm = ax.get_images()[0].norm
    assert np.isclose(norm.vmin, np.nanmin(t.retention[:, 1:])) and np.isclose(norm.vmax, np.nanmax(t.retention[:, 1:]))
    # One printed value per observed cell, at that cell, equal to the table's value.
    printed = {(round(x.get_position()[1]), round(x.get_position()[0])): x.get_text() for x in ax.texts}
    observed = {(i, j) for i in range(rows) for j in range(1, last) if not np.isnan(t.retention[i, j])}
    assert len(ax.texts) == len(printed) and set(printed) == observed
    assert all(printed[i, j] == f"{t.retention[i, j]:.1%}" for i, j in observed)
    # Cell j of cohort i is observed exactly when j < observed[i].
    assert observed == {(i, j) for i in range(rows) for j in range(1, int(t.observed[i]))}
    boxes = assert_texts_apart(fig)
    axes_box = ax.get_window_extent()
    for text in ax.texts:
        (x0, y0), (x1, y1) = ax.transData.transform([np.subtract(text.get_position(), 0.5),
                                                     np.add(text.get_position(), 0.5)])
        box = dict(boxes)[text]
        assert min(x0, x1) <= box.x0 and box.x1 <= max(x0, x1) and min(y0, y1) <= box.y0 and box.y1 <= max(y0, y1)
        assert axes_box.contains(box.x0, box.y0) and axes_box.contains(box.x1, box.y1)
    # Rendered: observed cells are coloured, the rest blank (white), the lowest and highest clearly apart.
    pixels = saved_pixels(fig, tmp_path, "cohort_cdnow")
    for i in range(rows):
        for j in range(1, last):
            rgb = pixel(pixels, ax, j - 0.35, i - 0.35)
            assert rgb.min() < 0.9 if (i, j) in observed else rgb.min() > 0.99, (i, j, rgb)
    low = np.unravel_index(np.nanargmin(t.retention[:, 1:]), t.retention[:, 1:].shape)
    high = np.unravel_index(np.nanargmax(t.retention[:, 1:]), t.retention[:, 1:].shape)
    contrast = np.abs(pixel(pixels, ax, low[1] + 1 - 0.35, low[0] - 0.35) - pixel(pixels, ax, high[1] + 1 - 0.35, high[0] - 0.35))
    assert contrast.max() > 0.5
    plt.close(fig)

    ax = eplot.cohort_retention(t, period_zero=True)
    assert ax.get_xlim() == (-0.5, last - 0.5) and len(ax.texts) == int(t.observed.sum())
    assert_texts_apart(ax.figure)
    rendered(ax, tmp_path, "cohort_cdnow_period_zero")


def sample_store(sample):
    store = engagement.ProfileStore()
    store.push(sample["customer"], sample["time"], sample["channel"], sample["kind"], sample["value"])
    return store, int(sample["time"].max())


def assert_clear_of_bars(ax, texts):
    """None of ``texts`` overlaps any bar of ``ax``, and each lies inside the axes."""
    renderer = ax.figure.canvas.get_renderer()
    axes_box = ax.get_window_extent(renderer)
    bars = [p.get_window_extent(renderer) for p in ax.patches]
    for t in texts:
        box = t.get_window_extent(renderer)
        assert all(not box.overlaps(b) for b in bars), f"{t.get_text()!r} overlaps a bar"
        assert axes_box.x0 <= box.x0 and box.x1 <= axes_box.x1 and axes_box.y0 <= box.y0 and box.y1 <= axes_box.y1, \
            f"{t.get_text()!r} leaves the axes"


def test_segment_bars_have_labels_that_overlap_neither_each_other_nor_the_bars(sample, tmp_path):
    store, end = sample_store(sample)
    rfm = store.rfm(as_of=end)
    revenue = np.array([store.profile(int(cu))["net_revenue"] for cu in rfm["customer"]])
    expected = pd.DataFrame({"s": rfm["segment"], "r": revenue}).groupby("s")["r"].agg(["size", "sum"])
    expected = expected.sort_values("size", ascending=False, kind="stable")
    assert len(expected) >= 10
    small, big = plt.subplots(figsize=(5, 3.5))[1], eplot.segments(rfm["segment"], revenue, currency="USD")
    eplot.segments(rfm["segment"], revenue, ax=small)   # ten names on a narrow figure: labels must shrink
    for ax in (big, small):
        fig = ax.figure
        assert [p.get_height() for p in ax.patches] == expected["size"].tolist()
        ticks = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
        assert ticks == [s.replace("_", " ") for s in expected.index]
        shares = expected["sum"] / expected["sum"].sum()
        assert [t.get_text() for t in ax.texts] == [f"{n:,}\n{s:.0%}" for n, s in zip(expected["size"], shares)]
        assert ax.get_ylabel() == "customers"
        assert_texts_apart(fig)
        assert_clear_of_bars(ax, ax.texts)
        assert all(t.get_rotation() == 0 for t in ax.get_xticklabels())
    assert "USD" in big.get_title()
    rendered(big, tmp_path, "segments_rfm")
    rendered(small, tmp_path, "segments_small")


def legend_outside(ax):
    """The legend's box and the axes' box (the data area) do not overlap."""
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend()
    assert legend is not None
    return not legend.get_window_extent().overlaps(ax.get_window_extent())


def test_clv_distribution_clips_the_long_tail_into_one_bar_or_uses_a_log_axis(cdnow, tmp_path):
    d, _, m = cdnow
    buyers = d[d["frequency"] > 0]
    spend = engagement.ClvModel.fit("gamma_gamma", buyers).expected_spend(buyers)
    value = np.asarray(m.discounted_value(buyers, spend=spend))
    q = np.quantile(value, 0.99)
    assert value.max() > 2 * q          # CDNOW: a long tail

    ax = eplot.clv_distribution(value, currency="USD")
    regular, overflow = ax.patches[:-1], ax.patches[-1]
    # Every customer counted once: the regular bins up to the 99 % quantile, the rest in the last bar.
    assert sum(bar_heights(ax)) == len(value)
    assert overflow.get_height() == (value > q).sum() and overflow.get_hatch() == "//"
    assert np.isclose(regular[-1].get_x() + regular[-1].get_width(), q) and overflow.get_x() > q
    assert ax.get_xlim()[1] < 0.6 * value.max()
    # The bulk spreads over the axis: most bins hold customers, more of them than unclipped.
    spread = sum(p.get_height() > 0 for p in regular)
    assert spread > 0.8 * len(regular)
    assert ax.get_xlabel() == "customer lifetime value (USD)" and ax.get_ylabel() == "customers"
    assert legend_outside(ax)
    assert_texts_apart(ax.figure)
    rendered(ax, tmp_path, "clv_clipped")

    full = eplot.clv_distribution(value, clip=None)
    assert sum(p.get_height() > 0 for p in full.patches) < spread and sum(bar_heights(full)) == len(value)
    assert full.get_xlabel() == "customer lifetime value (currency of the spend)"
    plt.close(full.figure)

    ax = eplot.clv_distribution(value, currency="USD", log=True)
    edges = np.array([p.get_x() for p in ax.patches] + [ax.patches[-1].get_x() + ax.patches[-1].get_width()])
    assert ax.get_xscale() == "log" and np.allclose(np.diff(np.log(edges)), np.log(edges[1] / edges[0]))
    # The axis starts at a cent (CDNOW has a customer at 1.6e-7), the values under it in the first bar.
    assert sum(bar_heights(ax)) == (value > 0).sum() and np.isclose(edges[0], max(value.min(), 0.01))
    assert_texts_apart(ax.figure)
    rendered(ax, tmp_path, "clv_log")


def test_frequency_recency_matrix_has_integer_ticks_and_units(cdnow, tmp_path):
    _, _, m = cdnow
    for value in ("p_alive", "expected_purchases"):
        ax = eplot.frequency_recency_matrix(m, value, max_frequency=12, T=39)
        fig = ax.figure
        fig.canvas.draw()
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            ticks = [t for t in axis.get_ticklocs() if low <= t <= high]
            assert len(ticks) >= 3 and all(float(t).is_integer() for t in ticks)
            labels = [t.get_text() for t in axis.get_ticklabels() if low <= t.get_position()[axis is ax.yaxis] <= high]
            assert labels and all(lab.lstrip("\u2212-").isdigit() for lab in labels), labels
        assert ax.get_xlabel() == "recency (weeks since the first purchase)"
        assert ax.get_ylabel() == "frequency (repeat purchases)"
        bar = fig.axes[1].get_ylabel()
        assert bar == "P(alive) (probability, 0–1)" if value == "p_alive" else bar == "expected purchases in the next 1 week"
        assert_texts_apart(fig)
        rendered(ax, tmp_path, f"frequency_recency_{value}")


def test_p_alive_history_names_the_customer_and_unit_and_keeps_the_legend_off_the_data(tmp_path):
    df = pd.read_csv(ROOT / "data" / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["master_id", "customer", "date", "cds", "dollars"])
    df["time"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    end = pd.Timestamp("1997-09-30")
    calibration = df[df["time"] <= end]
    split = engagement.calibration_holdout(df["customer"], df["time"], df["dollars"], calibration_end=end,
                                           observation_end=pd.Timestamp("1998-06-30"), period="day", unit="week")
    m = engagement.ClvModel.fit("bg_nbd", pd.DataFrame(split["calibration"]))
    # The calibration customer with the most purchase days: weeks from the first to each later one.
    days = calibration.groupby("customer")["time"].apply(lambda t: sorted(set(t)))
    customer = int(days.map(len).idxmax())
    first = days[customer][0]
    weeks = [(t - first).days / 7 for t in days[customer][1:]]
    until = (end - first).days / 7
    ax = eplot.p_alive_history(m, weeks, until=until, customer=customer)
    assert str(customer) in ax.get_title() and ax.get_xlabel() == "weeks since the first purchase"
    assert ax.get_xlim() == (0, until) and len([x for x in ax.get_lines()[1:]]) == len(weeks)
    assert legend_outside(ax)
    legend = ax.get_legend().get_window_extent()
    assert legend.x1 <= ax.figure.bbox.x1 + 0.5   # inside the figure
    assert_texts_apart(ax.figure)
    rendered(ax, tmp_path, "p_alive_customer")


def sankey_parts(ax):
    """The bars of a two-column Sankey by column ({label text: (bottom, height)}) and its bands as
    (left y top, right y top, thickness), read back from the drawn patches and texts."""
    from matplotlib.patches import PathPatch, Rectangle

    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    columns = ({}, {})
    for text in ax.texts:
        x, y = text.get_position()
        side = 0 if x < 0.5 else 1
        bar = [b for b in bars if (b.get_x() < 0.5) == (side == 0) and b.get_y() <= y <= b.get_y() + b.get_height()]
        assert len(bar) == 1, text.get_text()
        assert np.isclose(bar[0].get_y() + bar[0].get_height() / 2, y)   # the label sits at its bar's middle
        columns[side][text.get_text()] = (bar[0].get_y(), bar[0].get_height())
    bands = []
    for p in ax.patches:
        if isinstance(p, PathPatch):
            v = p.get_path().vertices
            bands.append((v[0][1], v[3][1], v[0][1] - v[7][1]))
    return columns, bands


def assert_sankey_matches(ax, table):
    """The Sankey on ``ax`` draws ``table`` (a crosstab: rows left labels, columns right labels)."""
    total = table.to_numpy().sum()
    (left, right), bands = sankey_parts(ax)
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    assert left == {f"{k}  {int(n):,}": left[f"{k}  {int(n):,}"] for k, n in rows.items() if n}
    assert right == {f"{k}  {int(n):,}": right[f"{k}  {int(n):,}"] for k, n in cols.items() if n}
    for labels, sizes in ((left, rows), (right, cols)):
        for k, n in sizes.items():
            if n:
                assert np.isclose(labels[f"{k}  {int(n):,}"][1], n / total)
    # A band per non-zero cell, as thick as its customers, leaving its left bar and entering its right one.
    assert sorted(round(b[2] * total, 6) for b in bands) == sorted(float(n) for n in table.to_numpy().ravel() if n)
    for (k, n) in rows.items():
        if n:
            bottom, height = left[f"{k}  {int(n):,}"]
            leaving = [b for b in bands if bottom - 1e-9 <= b[0] - b[2] and b[0] <= bottom + height + 1e-9]
            assert np.isclose(sum(b[2] for b in leaving), height)
    # Bars of a column never overlap, and neither do any texts.
    for labels in (left, right):
        spans = sorted(labels.values())
        assert all(a[0] + a[1] < b[0] for a, b in zip(spans, spans[1:]))
    assert_texts_apart(ax.figure)


def test_stage_sankey_draws_the_stage_transitions_between_two_dates(sample, tmp_path):
    store, end = sample_store(sample)
    before, after = store.stages(as_of=end), store.stages(as_of=end + 120 * DAY)
    ax = eplot.stage_sankey(before, after, names=("at the end", "120 days later"))
    # The same table, counted here independently of the library.
    both = pd.DataFrame({"before": before["stage"]}, index=before["customer"]).join(
        pd.DataFrame({"after": after["stage"]}, index=after["customer"]), how="inner")
    table = pd.crosstab(both["before"], both["after"])
    assert table.to_numpy().sum() == len(before["customer"]) and (table.to_numpy().sum() - np.trace(
        table.reindex(index=table.columns.union(table.index), columns=table.columns.union(table.index), fill_value=0)
        .to_numpy())) > 0
    assert_sankey_matches(ax, table)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["at the end", "120 days later"]
    assert "customers" in ax.get_ylabel() and f"{len(both):,} customers" in ax.get_title()
    rendered(ax, tmp_path, "stage_sankey")

    # From a stage history's TransitionMatrix.
    m = engagement.stage_transitions(np.repeat(before["customer"], 2),
                                     [s for pair in zip(before["stage"], after["stage"]) for s in pair],
                                     np.tile([0, 1], len(before["customer"])))
    ax = eplot.stage_sankey(m)
    assert_sankey_matches(ax, m.frame())
    rendered(ax, tmp_path, "stage_sankey_matrix")


def test_loyalty_tier_movement_is_a_sankey_of_the_tiers_held_at_two_dates(sample, tmp_path):
    store, end = sample_store(sample)
    tiers = [{"name": n, "threshold": th, "multiplier": 1.0} for n, th in (("silver", 100), ("gold", 300), ("platinum", 700))]
    r = engagement.loyalty(sample["customer"], sample["time"], sample["channel"], sample["kind"], sample["value"],
                           as_of=end, config={"tiers": tiers, "tier_window_days": 90})
    start = end - 180 * DAY
    ax = eplot.loyalty_tiers(r, start=start)
    # The tier held at start: the last change at or before it (pandas' as-of join), "no tier" before any.
    history = pd.DataFrame(r["history"]).sort_values("since")
    accounts = pd.DataFrame({"customer": r["accounts"]["customer"], "now": r["accounts"]["tier"]})
    accounts["at"] = start
    held = pd.merge_asof(accounts.sort_values("at"), history.rename(columns={"since": "at"}), on="at", by="customer")
    table = pd.crosstab(held["tier"].fillna("no tier"), held["now"].fillna("no tier"))
    up = sum(n for (a, b), n in table.stack().items() if ["no tier", *[t["name"] for t in tiers]].index(a)
             < ["no tier", *[t["name"] for t in tiers]].index(b))
    assert up > 0 and table.to_numpy().sum() == len(accounts)
    assert_sankey_matches(ax, table)
    assert f"{up:,} up" in ax.get_title() and "members" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"tier on {np.datetime64(start, 's').astype('datetime64[D]')}",
                                                             "tier on as_of"]
    rendered(ax, tmp_path, "loyalty_tiers")


def test_rfm_grid_prints_customers_and_segments_in_their_cells(sample, tmp_path):
    store, end = sample_store(sample)
    rfm = store.rfm(as_of=end)
    frame = pd.DataFrame({"r": rfm["r"], "f": rfm["f"], "segment": rfm["segment"]})
    counts = pd.crosstab(frame["r"], frame["f"]).reindex(index=range(1, 6), columns=range(1, 6), fill_value=0)
    fig, small = plt.subplots(figsize=(6, 4))
    for ax in (eplot.rfm_grid(rfm), eplot.rfm_grid(rfm, ax=small)):
        image = ax.get_images()[0].get_array()
        assert np.array_equal(image.filled(0), counts.to_numpy()) and np.array_equal(image.mask, counts.to_numpy() == 0)
        assert ax.get_xlabel().startswith("frequency score F") and ax.get_ylabel().startswith("recency score R")
        assert ax.figure.axes[1].get_ylabel() == "customers"
        # One text per non-empty cell, at it, inside it: the customers, then each segment with its customers.
        renderer = ax.figure.canvas.get_renderer()
        ax.figure.canvas.draw()
        assert len(ax.texts) == int((counts.to_numpy() > 0).sum())
        for text in ax.texts:
            f, r = (int(round(v)) for v in text.get_position())
            cell = frame[(frame["r"] == r) & (frame["f"] == f)]
            lines = text.get_text().split("\n")
            assert int(lines[0].replace(",", "")) == len(cell) == counts.loc[r, f]
            names = cell["segment"].value_counts()
            assert sorted(lines[1:]) == sorted(f"{s.replace('_', ' ')} {n}" for s, n in names.items())
            (x0, y0), (x1, y1) = ax.transData.transform([(f - 0.5, r - 0.5), (f + 0.5, r + 0.5)])
            box = text.get_window_extent(renderer)
            assert x0 <= box.x0 and box.x1 <= x1 and y0 <= box.y0 and box.y1 <= y1, text.get_text()
        assert_texts_apart(ax.figure)
        rendered(ax, tmp_path, f"rfm_grid_{ax.figure.get_figwidth()}")
    with pytest.raises(ValueError, match='"f" or "m"'):
        eplot.rfm_grid(rfm, by="r")


def test_attribution_compares_rules_with_the_legend_outside(sample, tmp_path):
    c, t, ch, k, v = sample["customer"], sample["time"], sample["channel"], sample["kind"], sample["value"]
    rules = {r: engagement.attribute_touchpoints(c, t, ch, k, v, rule=r)
             for r in ("first_touch", "last_touch", "linear", "markov", "shapley")}
    frame = pd.DataFrame({r: pd.Series(a.conversions, index=a.channels) for r, a in rules.items()})
    order = frame.mean(axis=1).sort_values(ascending=False, kind="stable").index.tolist()
    for share in (False, True):
        ax = eplot.attribution(rules, share=share)
        expected = frame / frame.sum() if share else frame
        assert [x.get_text() for x in ax.get_xticklabels()] == order
        heights = np.array(bar_heights(ax)).reshape(len(rules), -1)
        assert np.allclose(heights, expected.loc[order].to_numpy().T)
        assert [x.get_text() for x in ax.get_legend().get_texts()] == list(rules)
        assert legend_outside(ax)
        assert ax.get_ylabel() == ("share of the conversions credited (%)" if share else "conversions credited")
        assert_texts_apart(ax.figure)
        rendered(ax, tmp_path, f"attribution_{share}")
    ax = eplot.attribution(rules, value="value", currency="USD")
    assert ax.get_ylabel() == "value credited (USD)"
    plt.close(ax.figure)


def test_kaplan_meier_and_stage_flow_name_their_units_and_keep_legends_off_the_data(sample, tmp_path):
    store, end = sample_store(sample)
    days = [(p["last_purchase"] - p["first_purchase"]) / DAY for p in store.profiles() if p["purchases"] > 0]
    churned = [end - p["last_purchase"] > 180 * DAY for p in store.profiles() if p["purchases"] > 0]
    ax = eplot.kaplan_meier({"buyers": engagement.kaplan_meier(days, churned)}, unit="day")
    assert ax.get_xlabel() == "time (days)" and legend_outside(ax)
    assert_texts_apart(ax.figure)
    rendered(ax, tmp_path, "kaplan_meier_days")
    assert eplot.kaplan_meier(engagement.kaplan_meier(days, churned)).get_xlabel() == "time (units of the durations given)"
    ax = eplot.stage_flow(store.stages(as_of=end), store.stages(as_of=end + 120 * DAY))
    assert ax.get_ylabel() == "customers" and legend_outside(ax)
    rendered(ax, tmp_path, "stage_flow_legend")


def test_sankey_labels_of_small_neighbouring_bars_stay_apart(tmp_path):
    # One large stage and six of one customer each: without gaps their labels would pile up.
    stages = ["prospect"] * 300 + ["engaged", "new_customer", "repeat", "loyal", "advocate", "at_risk"]
    customers = np.arange(len(stages))
    m = engagement.stage_transitions(np.repeat(customers, 2), [s for s in stages for _ in range(2)],
                                     np.tile([0, 1], len(stages)))
    for size in ((8, 4.5), (6, 3)):
        fig, ax = plt.subplots(figsize=size)
        eplot.stage_sankey(m, ax=ax)
        assert_sankey_matches(ax, m.frame())
        rendered(ax, tmp_path, f"sankey_small_{size[0]}")


def test_clv_log_axis_starts_at_a_cent(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import engagement.plot
    values = np.r_[3e-7, np.linspace(5.0, 500.0, 200)]
    ax = engagement.plot.clv_distribution(values, log=True, currency="USD")
    assert ax.get_xlim()[0] >= 0.005
    assert sum(p.get_height() for p in ax.patches) == len(values)  # every customer still counted
    assert "1 under 0.01 in the first bar" in ax.get_title()
