"""Transaction summaries: frequency, recency, T and monetary value per customer."""

from __future__ import annotations

from typing import Any, Dict, Optional

from . import _convert as cv
from . import _engagement as _native
from ._convert import Columns


def transaction_summary(customer: Any, time: Any, value: Any = None, *, observation_end: Any,
                        period: Optional[str] = None, unit: Optional[str] = None) -> Columns:
    """Frequency, recency, T and monetary value per customer (the CLV literature's convention), by
    ``period`` (``day``, the default, or ``week``) and in ``unit`` (default ``day``). The result
    carries its ``"unit"``, which :meth:`ClvModel.fit` records in the model.

    >>> import engagement
    >>> s = engagement.transaction_summary([1, 1, 1], [0, 3 * 86_400, 10 * 86_400], [5.0, 20.0, 30.0],
    ...                                    observation_end=14 * 86_400)
    >>> s["frequency"].tolist(), s["T"].tolist(), s["monetary_value"].tolist(), s["unit"]
    ([2.0], [14.0], [25.0], 'day')
    """
    with cv.rows_named(customer):
        return _native.transaction_summary(cv.transactions(customer, time, value),
                                           cv.instant(observation_end, "observation_end"), cv.given(period=period, unit=unit))


def calibration_holdout(customer: Any, time: Any, value: Any = None, *, calibration_end: Any, observation_end: Any,
                        period: Optional[str] = None, unit: Optional[str] = None) -> Dict[str, Any]:
    """The calibration summary plus holdout purchases and mean value per customer.

    >>> import engagement
    >>> d = engagement.calibration_holdout([1, 1], [0, 5 * 86_400], calibration_end=2 * 86_400, observation_end=7 * 86_400)
    >>> d["frequency_holdout"], d["duration_holdout"]
    ([1.0], 5.0)
    """
    with cv.rows_named(customer):
        return _native.calibration_holdout(cv.transactions(customer, time, value),
                                           cv.instant(calibration_end, "calibration_end"),
                                           cv.instant(observation_end, "observation_end"), cv.given(period=period, unit=unit))
