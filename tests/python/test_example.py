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
