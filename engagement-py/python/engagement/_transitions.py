"""Transition analysis of customer journeys: transition matrices, step matrix, common paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Tuple

import numpy as np

from . import _convert as cv
from . import _engagement as _native


def _square(values: Any, n: int, dtype: Any) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], dtype=dtype).reshape(n, n)


@dataclass(frozen=True)
class TransitionMatrix:
    """Transition ``counts`` and row-normalised ``probabilities`` (NaN for a row with no outgoing
    transition) between ``labels``, as square numpy arrays (rows: from, columns: to).

    >>> import engagement
    >>> m = engagement.stage_transitions([1, 1, 2, 2], ["prospect", "new_customer", "prospect", "engaged"])
    >>> m.frame("probabilities").loc["prospect", ["engaged", "new_customer"]].tolist()
    [0.5, 0.5]
    """

    labels: List[str]
    counts: np.ndarray
    probabilities: np.ndarray

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "TransitionMatrix":
        n = len(d["labels"])
        return cls(list(d["labels"]), _square(d["counts"], n, np.int64), _square(d["probabilities"], n, np.float64))

    def frame(self, what: str = "counts") -> Any:
        """``counts`` or ``probabilities`` as a labelled pandas DataFrame (rows: from)."""
        import pandas as pd

        return pd.DataFrame(getattr(self, what), index=pd.Index(self.labels, name="from"),
                            columns=pd.Index(self.labels, name="to"))


@dataclass(frozen=True)
class JourneySequences:
    """What customers' touchpoint journeys look like: the ``transitions`` between consecutive
    touchpoints, the ``step_matrix`` (rows ``step_labels`` = the labels then ``end``, columns =
    steps 1 … n: the share of customers whose k-th event has that label), and the most common
    ``paths`` (first events) with their ``path_counts``.

    >>> import engagement
    >>> s = engagement.journey_sequences([1, 1, 2, 2], [0, 1, 0, 1], ["email", "web", "email", "web"],
    ...                                  ["open", "visit", "open", "purchase"])
    >>> s.paths[0], int(s.path_counts[0]), int(s.transitions.frame().loc["email", "web"])
    (('email', 'web'), 2, 2)
    """

    transitions: TransitionMatrix
    step_labels: List[str]
    step_matrix: np.ndarray
    paths: List[Tuple[str, ...]]
    path_counts: np.ndarray
    customers: int

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "JourneySequences":
        steps = int(d["steps"])
        return cls(TransitionMatrix._from(d["transitions"]), list(d["step_labels"]),
                   np.asarray(d["step_matrix"], dtype=np.float64).reshape(-1, steps),
                   [tuple(p) for p in d["paths"]], np.asarray(d["path_counts"]), int(d["customers"]))


def journey_sequences(customer: Any, time: Any, channel: Any, kind: Any, *, by: Optional[str] = None,
                      steps: Optional[int] = None, path_length: Optional[int] = None,
                      top_paths: Optional[int] = None) -> JourneySequences:
    """Transitions, step matrix and most common paths of touchpoint journeys (``by`` ``channel``, the
    default, or ``kind``; the first ``steps`` events, default 10; paths of ``path_length``, default 5;
    the ``top_paths`` most common, default 10); see ``JourneySequences``."""
    return JourneySequences._from(_native.journey_sequences(
        cv.touchpoints(customer, time, channel, kind), cv.given(by=by, steps=steps, path_length=path_length, top_paths=top_paths)))


def stage_transitions(customer: Any, stage: Any, entered_at: Any = None) -> TransitionMatrix:
    """Transitions between journey stages of a stage history (as ``stage_history`` returns it: a
    mapping with ``customer`` and ``stage`` may be passed alone); see ``TransitionMatrix``."""
    if isinstance(customer, Mapping):
        history = customer
        customer, stage, entered_at = history["customer"], history["stage"], history.get("entered_at")
    when = np.zeros(len(customer), dtype=np.int64) if entered_at is None else entered_at
    return TransitionMatrix._from(_native.stage_transitions(cv.stage_history(customer, stage, when)))
