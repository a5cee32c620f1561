"""Every public object has a docstring, and the examples in them run."""

import doctest
import inspect

import engagement
from engagement import (_attribution, _clv, _cohort, _display, _events, _experiment, _frames, _funnel, _journey, _metrics,
                        _partial, _results, _retention, _segments, _store, _survival, _transactions, _transitions,
                        _triggers)
from engagement import dask as on_dask
from engagement import plot


def _every_module():
    """Every module of the package (a new module cannot be left out), but the native one and the
    Spark one (its examples would start a JVM)."""
    import importlib
    import pkgutil
    names = [m.name for m in pkgutil.iter_modules(engagement.__path__) if m.name not in ("_engagement", "spark")]
    return [engagement] + [importlib.import_module(f"engagement.{name}") for name in sorted(names)]


def test_examples_run():
    attempted = 0
    listed = {engagement, _attribution, _clv, _cohort, _display, _events, _experiment, _frames, _funnel, _journey,
              _metrics, _partial, _results, _retention, _segments, _store, _survival, _transactions, _transitions,
              _triggers, plot, on_dask}
    modules = _every_module()
    assert listed <= set(modules)
    for module in modules:
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
        assert result.failed == 0, f"{module.__name__}: {result.failed} failing examples"
        attempted += result.attempted
    assert attempted > 50


def test_every_plot_is_documented_with_an_example():
    for name in plot.__all__:
        doc = inspect.getdoc(getattr(plot, name)) or ""
        assert ">>>" in doc, f"engagement.plot.{name} has no example"


def test_every_public_object_is_documented():
    for name in engagement.__all__:
        obj = getattr(engagement, name)
        if isinstance(obj, (str, list)):
            continue
        assert inspect.getdoc(obj), f"engagement.{name} has no docstring"
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and not (inspect.isclass(obj) and issubclass(obj, BaseException)):
            doc = inspect.getdoc(obj) or ""
            # Each public function and class shows an example (its own, or the result type's it names).
            assert ">>>" in doc or "see ``" in doc, f"engagement.{name} has no example"
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for meth_name, meth in inspect.getmembers(obj, inspect.isfunction):
                if not meth_name.startswith("_"):
                    assert inspect.getdoc(meth), f"engagement.{name}.{meth_name} has no docstring"


def test_the_migration_page_names_only_what_exists():
    """docs/coming-from.md: every call in its engagement column is a function, plot or method of
    the package (a renamed function cannot leave the page pointing at nothing)."""
    import pathlib
    import re
    page = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "coming-from.md").read_text()
    methods = {m for name in engagement.__all__ for m in dir(getattr(engagement, name))
               if isinstance(getattr(engagement, name), type)}
    rows = [line.split("|")[2] for line in page.splitlines() if line.startswith("| ") and "---" not in line]
    called = {m for cell in rows for m in re.findall(r"`[^`]*?\b(\w+)\(", cell)} | {
        m for cell in rows for m in re.findall(r"\.(\w+)\(", cell)}
    called -= {"engagement", "plot"}
    missing = sorted(n for n in called if not (hasattr(engagement, n) or hasattr(plot, n) or n in methods))
    assert len(called) > 20 and not missing, missing
