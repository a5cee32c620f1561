"""The examples of docs/scaling.md run as written (each in its own interpreter, as a user would)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def test_the_page_has_an_example_per_engine():
    assert len(EXAMPLES) == 2
    assert "engagement.dask." in EXAMPLES[0] and "engagement.spark." in EXAMPLES[1]


@pytest.mark.parametrize("example", EXAMPLES, ids=["dask", "spark"])
def test_example_runs(example, tmp_path):
    script = tmp_path / "example.py"
    script.write_text(example)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), "the example prints its results"
