"""Smoke test of the Python face: the package installs and imports.

The full Pythonic API and its golden-vector runner come with the Python package issue.
"""

import re

import engagement


def test_version_matches_the_crate():
    assert re.fullmatch(r"\d+\.\d+\.\d+", engagement.version())
    assert engagement.__version__ == engagement.version()
