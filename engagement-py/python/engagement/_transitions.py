"""Transition analysis of customer journeys: transition matrices, step matrix, common paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Tuple

import numpy as np

from . import _convert as cv
from . import _display
from . import _engagement as _native


def _square(values: Any, n: int, dtype: Any) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], dtype=dtype).reshape(n, n)


@dataclass(frozen=True)
class TransitionMatrix(_display.Display):
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

    def to_frame(self, what: Optional[str] = None, backend: str = "pandas") -> Any:
        """A pandas (default) or polars DataFrame (``backend``): by default every number in long
        form, one row per pair of labels (``from``, ``to``) with its ``count`` (transitions) and
        ``probability`` (the share of the ``from`` row; NaN when the row has none); with ``what``
        (``"counts"`` or ``"probabilities"``) the square matrix as ``frame`` gives it (polars: the
        ``from`` labels as the first column).

        >>> import engagement
        >>> m = engagement.stage_transitions([1, 1, 2, 2], ["prospect", "new_customer", "prospect", "engaged"])
        >>> f = m.to_frame(backend="polars").filter(count=1)
        >>> f.select("from", "to", "probability").rows()
        [('prospect', 'engaged', 0.5), ('prospect', 'new_customer', 0.5)]
        """
        import pandas as pd

        _display.check_backend(backend)
        if what is not None:
            if what not in ("counts", "probabilities"):
                raise _display.unknown("what", what, ("counts", "probabilities", "None"))
            return _display.frame(self.frame(what), backend)
        n = len(self.labels)
        index = pd.MultiIndex.from_product([self.labels, self.labels], names=["from", "to"])
        return _display.frame(pd.DataFrame({"count": self.counts.reshape(n * n),
                                            "probability": self.probabilities.reshape(n * n)}, index=index), backend)

    def __repr__(self) -> str:
        return f"TransitionMatrix({len(self.labels)} labels, {int(self.counts.sum())} transitions)"

    def _header(self) -> List[str]:
        return ["TransitionMatrix", f"{len(self.labels)} labels, {int(self.counts.sum())} transitions"]

    def _repr_html_(self) -> str:
        return _display.html(self._header()[0], self.frame("counts"), self._header()[1:])


@dataclass(frozen=True)
class JourneySequences(_display.Display):
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

    def to_frame(self, section: str = "paths", backend: str = "pandas") -> Any:
        """A pandas (default) or polars DataFrame (``backend``) of one section: ``"paths"``: the
        most common paths (labels joined by ``" > "``) with their ``count`` (customers);
        ``"steps"``: the step matrix, one row per label (then ``end``), one column per step 1 … n
        (shares of the customers); ``"transitions"``: ``TransitionMatrix.to_frame()`` (counts and
        probabilities in long form). ``customers`` is an attribute (and in the notebook header).

        >>> import engagement
        >>> s = engagement.journey_sequences([1, 1, 2, 2], [0, 1, 0, 1], ["email", "web", "email", "web"],
        ...                                  ["open", "visit", "open", "purchase"])
        >>> s.to_frame().values.tolist(), float(s.to_frame("steps").loc["email", 1])
        ([['email > web', 2]], 1.0)
        """
        import pandas as pd

        _display.check_backend(backend)
        if section == "paths":
            return _display.frame(pd.DataFrame({"path": [" > ".join(p) for p in self.paths],
                                                "count": self.path_counts}), backend)
        if section == "steps":
            return _display.frame(pd.DataFrame(self.step_matrix, index=pd.Index(self.step_labels, name="label"),
                                               columns=pd.RangeIndex(1, self.step_matrix.shape[1] + 1, name="step")),
                                  backend)
        if section == "transitions":
            return self.transitions.to_frame(backend=backend)
        raise _display.unknown("section", section, ("paths", "steps", "transitions"))

    def __repr__(self) -> str:
        top = " > ".join(self.paths[0]) if self.paths else "-"
        return (f"JourneySequences({self.customers} customers, {len(self.transitions.labels)} labels, "
                f"{self.step_matrix.shape[1]} steps; top path {top!r})")

    def _header(self) -> List[str]:
        return ["JourneySequences", f"{self.customers} customers", f"{self.step_matrix.shape[1]} steps"]

    def _repr_html_(self) -> str:
        return _display.sections_html(self._header(), {"paths": self.to_frame(),
                                                      "transitions": self.transitions.frame("counts")})


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
