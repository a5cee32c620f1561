"""The notebook-style example runs and prints the demo report's CDNOW numbers."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_cdnow_example_reproduces_the_demo_numbers():
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "python" / "cdnow_report.py")],
                         capture_output=True, text=True, check=True).stdout
    # The same figures as the Rust demo report (`cargo run --release -p engagement-core --example report`).
    for line in [
        "6919 touchpoints, 2357 customers, as of 1998-06-30",
        "  repeat            236",
        "  loyal             218",
        "  at_risk            60",
        "  churned          1843",
        "6919 orders, revenue 244091.94, average order value 35.28; repeat-purchase rate 48.9 %",
        "609 buyers at the start, 291 lost, 196 new or returning, 514 at the end",
        "  champions               801",
        "  lost                    167",
    ]:
        assert line in out, f"missing {line!r} in:\n{out}"


def test_worked_notebook_runs_and_shows_the_published_cdnow_fit(tmp_path):
    out = subprocess.run([sys.executable, "-W", "error::UserWarning", str(ROOT / "examples" / "python" / "notebook.py"),
                          str(tmp_path)], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "MPLBACKEND": "Agg"}).stdout
    for line in [
        "2357 customers; 946 repeat buyers",
        # Fader, Hardie & Lee (2005): r 0.243, alpha 4.414, a 0.793, b 2.426.
        "<BetaGeoFitter: fitted on 2357 customers, time in weeks, r: 0.2426, alpha: 4.414, a: 0.7929, b: 2.426>",
        # Fader & Hardie (2013): p 6.25, q 3.74, gamma 15.44.
        "<GammaGammaFitter: fitted on 946 customers, p: 6.25, q: 3.744, gamma: 15.44>",
        "25481 touchpoints, 800 customers, 2024-01-01 to 2024-12-31",
    ]:
        assert line in out, f"missing {line!r} in:\n{out}"
    for figure in ["p_alive_matrix", "clv_distribution", "stage_sankey", "funnel", "attribution", "cohorts"]:
        assert (tmp_path / f"{figure}.png").stat().st_size > 10_000, figure
