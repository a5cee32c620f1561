"""Customer-engagement analytics, backed by the native engagement engine."""

from ._engagement import __version__, version

__all__ = ["__version__", "version"]
