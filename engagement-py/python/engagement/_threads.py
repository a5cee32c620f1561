"""The worker threads the engine's analyses run on."""

from __future__ import annotations

from . import _engagement as _native


def set_threads(threads: int) -> None:
    """Sets how many worker threads the engine's analyses run on; ``0`` means one per core (or the
    ``ENGAGEMENT_THREADS`` environment variable, when set), ``1`` makes every analysis
    single-threaded. Calls release the GIL while they compute, so several Python threads may run
    analyses at once on these workers. Results never depend on the count, only the time they take.

    >>> import engagement
    >>> engagement.set_threads(2)
    >>> engagement.threads()
    2
    >>> engagement.set_threads(0)
    >>> engagement.set_threads(5000)
    Traceback (most recent call last):
    ...
    engagement.ConfigError: invalid configuration at threads: 5000 workers asked; at most 1024 (0 means one per core)
    """
    _native.set_threads(threads)


def threads() -> int:
    """The number of worker threads the engine's analyses run on; see ``set_threads``.

    >>> import engagement
    >>> engagement.threads() >= 1
    True
    """
    return _native.threads()
