"""Probabilistic customer lifetime value: BG/NBD, modified BG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma and sBG models."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from . import _convert as cv
from . import _engagement as _native


def _column(data: Any, name: str) -> Any:
    """`data[name]` for a DataFrame or mapping given as the first argument."""
    try:
        return data[name]
    except (KeyError, IndexError, TypeError) as e:
        raise KeyError(f"the data has no column {name!r}") from e


def _is_table(x: Any) -> bool:
    return hasattr(x, "columns") or isinstance(x, dict)


def _unit_of(data: Any) -> Optional[str]:
    """The time unit a summary carries: its ``"unit"`` entry (a mapping such as
    :func:`transaction_summary`'s result), the first value of a ``unit`` column (a DataFrame made
    from one) or ``.attrs["unit"]``."""
    if isinstance(data, dict):
        unit = data.get("unit")
    elif "unit" in getattr(data, "columns", ()):
        column = data["unit"]
        unit = column.iloc[0] if hasattr(column, "iloc") else column[0]
    else:
        unit = getattr(data, "attrs", {}).get("unit")
    return unit if isinstance(unit, str) else None


def _rows(frequency: Any) -> Any:
    """The column whose index labels name a row in errors: the table's ``frequency`` or the one given."""
    if isinstance(frequency, dict) or hasattr(frequency, "columns"):
        try:
            return frequency["frequency"]
        except (KeyError, TypeError):
            return None
    return frequency


def _opt_int(x: Any) -> Optional[int]:
    return None if x is None else int(x)


class ClvModel:
    """A customer-lifetime-value model: fitted by :meth:`fit`, or built from known parameters.

    Models are ``bg_nbd`` (Fader, Hardie & Lee 2005), ``mbg_nbd`` (Batislam, Denizel &
    Filiztekin 2007), ``pareto_nbd`` (Schmittlein, Morrison & Colombo 1987), ``bg_bb`` for
    discrete opportunities (Fader, Hardie & Shang 2010) and ``gamma_gamma`` (Fader & Hardie 2013;
    fit it on repeat buyers only, ``frequency >= 1``); and for subscriptions ``sbg``, the
    shifted-beta-geometric retention model (Fader & Hardie 2007, :meth:`fit_retention`). Inputs
    follow the CLV literature: ``frequency`` (repeat purchases), ``recency`` (time of the last
    purchase since the first), ``T`` (age), in one time unit (``bg_bb``: whole opportunities,
    ``T`` = their number); ``monetary_value`` is the mean repeat-transaction value.
    Columns are numpy arrays, lists or Series; or pass a DataFrame with those columns first.

    A model knows the time unit of its data (``unit``: ``"day"``, ``"week"`` …, or None when
    unknown): fitting on a :func:`transaction_summary` records the summary's unit, and
    ``unit=`` states it otherwise. Calendar horizons (``months=12``) are converted with it.

    >>> import engagement
    >>> m = engagement.ClvModel("bg_nbd", r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> round(float(m.conditional_expected_purchases(39, [2], [30.43], [38.86])[0]), 3)
    1.226
    >>> m.p_alive([0], [0], [38.86]).tolist()
    [1.0]
    >>> engagement.ClvModel.from_json(m.to_json()) == m
    True
    >>> engagement.ClvModel("bg_nbd", unit="week", r=0.243, alpha=4.414, a=0.793, b=2.426).unit
    'week'
    """

    def __init__(self, model: str, *, unit: Optional[str] = None, **params: float) -> None:
        self._native = _native.NativeClvModel(model, params, unit)
        self.log_likelihood: Optional[float] = None
        self.iterations: Optional[int] = None
        self.customers: Optional[float] = None
        self.standard_errors: Optional[Dict[str, float]] = None

    @classmethod
    def _of(cls, native: Any, fit: Optional[Dict[str, Any]] = None) -> "ClvModel":
        """A model holding a native model, with the report of its fit if it was fitted."""
        m = cls.__new__(cls)
        m._native = native
        fit = fit or {}
        m.log_likelihood = fit.get("log_likelihood")
        m.iterations = fit.get("iterations")
        m.customers = fit.get("customers")
        m.standard_errors = fit.get("standard_errors")
        return m

    @property
    def model(self) -> str:
        """The model's name (``bg_nbd``, ``mbg_nbd``, ``pareto_nbd``, ``bg_bb``, ``gamma_gamma``, ``sbg``)."""
        return self._native.model

    @property
    def unit(self) -> Optional[str]:
        """The time unit of ``recency``, ``T`` and horizons (``day``, ``week`` …), or None when unknown."""
        return self._native.unit

    @property
    def params(self) -> Dict[str, float]:
        """The parameters by name, in the model's order."""
        return dict(self._native.parameters())

    @classmethod
    def fit(cls, model: str, frequency: Any, recency: Any = None, T: Any = None, monetary_value: Any = None, *,
            weights: Any = None, unit: Optional[str] = None, max_iterations: Optional[int] = None,
            tolerance: Optional[float] = None, penalty: Optional[float] = None,
            initial: Optional[Sequence[float]] = None) -> "ClvModel":
        """Fits ``model`` by maximum likelihood on the log parameters (Newton steps with analytic
        Hessians for BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma, L-BFGS with analytic gradients for
        the others; L-BFGS, then Nelder–Mead, redo the fit when a method stops short).

        ``weights`` counts row ``i`` as ``weights[i]`` customers (pre-aggregated histories; a
        column name when the data is a DataFrame). ``unit`` is the time unit of ``recency`` and
        ``T``, recorded in the model; by default the ``unit`` a :func:`transaction_summary` carries
        when it is the data (else unknown). A ``unit`` other than the one the data carries is a
        ``ConfigError``: it would relabel days as weeks; summarise in the unit you want instead. ``penalty`` adds an L2 penalty on the log
        parameters (default 0); ``initial`` overrides the starting parameters; ``max_iterations``
        (default 5000) caps the iterations and ``tolerance`` (default 1e-14) is the relative
        convergence tolerance. Raises
        :class:`ConvergenceError` rather than returning an unconverged fit. ``standard_errors`` (a
        dict by parameter) come from the observed information by the delta method, or are ``None``
        when it is not positive definite (a barely identified parameter).

        >>> import engagement
        >>> m = engagement.ClvModel.fit("bg_nbd", [0, 1, 3, 0, 2], [0, 2, 9, 0, 4], [10, 10, 10, 8, 6])
        >>> m.model, m.customers, m.unit
        ('bg_nbd', 5.0, None)
        >>> s = engagement.transaction_summary([1, 1, 2], [0, 86_400 * 3, 0], observation_end=86_400 * 10)
        >>> engagement.ClvModel.fit("bg_nbd", s).unit
        'day'

        BG/BB on Fader, Hardie & Shang's (2010) donors, given as distinct patterns with counts:

        >>> d = {"frequency": [0, 1, 6], "recency": [0, 1, 6], "T": [6, 6, 6], "n": [3464, 1091, 1203]}
        >>> engagement.ClvModel.fit("bg_bb", d, weights="n").customers
        5758.0
        """
        data_unit = None
        if _is_table(frequency):
            data = frequency
            frequency = _column(data, "frequency")
            if model == "gamma_gamma":
                monetary_value = _column(data, "monetary_value")
            else:
                recency, T = _column(data, "recency"), _column(data, "T")
            if isinstance(weights, str):
                weights = _column(data, weights)
            data_unit = _unit_of(data)
        options = cv.given(unit=unit, max_iterations=max_iterations, tolerance=tolerance, penalty=penalty,
                       initial=None if initial is None else [float(v) for v in initial])
        opt = lambda c, n: None if c is None else cv.floats(c, n)  # noqa: E731
        return cls._of(*_native.NativeClvModel.fit(model, cv.floats(frequency, "frequency"), opt(recency, "recency"),
                                                   opt(T, "T"), opt(monetary_value, "monetary_value"), options,
                                                   opt(weights, "weights"), data_unit))

    @classmethod
    def fit_retention(cls, alive: Any, *, unit: Optional[str] = None, max_iterations: Optional[int] = None,
                      tolerance: Optional[float] = None, penalty: Optional[float] = None) -> "ClvModel":
        """Fits the shifted-beta-geometric model (``sbg``, Fader & Hardie 2007) to a cohort's
        survivor counts: ``alive[0]`` customers at the start, ``alive[t]`` still subscribed after
        period ``t``. Give counts, not shares: the standard errors assume one unit per customer.
        The options (and their defaults) are those of :meth:`fit`.

        >>> import engagement
        >>> m = engagement.ClvModel.fit_retention([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(m.params["alpha"], 3), round(m.params["beta"], 3)
        (0.704, 1.182)
        >>> m.retention_rate([1, 2]).round(3).tolist()
        [0.627, 0.756]
        """
        options = cv.given(unit=unit, max_iterations=max_iterations, tolerance=tolerance, penalty=penalty)
        return cls._of(*_native.NativeClvModel.fit_retention(cv.floats(alive, "alive"), options))

    def survival(self, t: Any) -> np.ndarray:
        """Share of the cohort still subscribed after each ``t`` periods (``sbg``)."""
        return self._native.survival(cv.floats(np.atleast_1d(t), "t"))

    def retention_rate(self, t: Any) -> np.ndarray:
        """Retention rate of each period ``t >= 1`` (``sbg``)."""
        return self._native.retention_rate(cv.floats(np.atleast_1d(t), "t"))

    def to_dict(self) -> Dict[str, Any]:
        """The model as the engine's JSON object: ``{"model": name, <parameters>, "unit": unit}`` (no
        ``unit`` when unknown)."""
        return json.loads(self.to_json())

    def to_json(self) -> str:
        """The model as JSON, loadable by :meth:`from_json`, the C face and Rust (``ClvModel``)."""
        return self._native.to_json()

    @classmethod
    def from_json(cls, text: str) -> "ClvModel":
        """Loads a model written by :meth:`to_json`, the C face or Rust.

        The model name and parameter names are checked here; the values when the model predicts.
        """
        return cls._of(_native.NativeClvModel.from_json(text))

    def _history(self, frequency: Any, recency: Any, T: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        if _is_table(frequency):
            data = frequency
            # Data summarised in another unit than the model's would give wrong numbers silently.
            self._native.check_data_unit(_unit_of(data))
            frequency, recency, T = _column(data, "frequency"), _column(data, "recency"), _column(data, "T")
        if recency is None or T is None:
            raise TypeError("recency and T are required (or pass a DataFrame with those columns)")
        return cv.floats(frequency, "frequency"), cv.floats(recency, "recency"), cv.floats(T, "T")

    def p_alive(self, frequency: Any, recency: Any = None, T: Any = None) -> np.ndarray:
        """P(alive) at ``T`` of each customer (purchase models; ``bg_bb``: at the next opportunity)."""
        with cv.rows_named(_rows(frequency), customer_ids=False):
            return self._native.p_alive(*self._history(frequency, recency, T))

    def p_alive_history(self, purchases: Any, at: Any) -> np.ndarray:
        """P(alive) of one customer at each time of ``at`` (since the first purchase, > 0, in the model's
        time unit), from the repeat purchases at times ``purchases`` (after the first, in order) made by
        then. The data of a P(alive) history plot.

        >>> import engagement
        >>> m = engagement.ClvModel("bg_nbd", r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> m.p_alive_history([2.0, 5.0], [1.0, 30.0]).round(3).tolist()
        [1.0, 0.191]
        """
        return self._native.p_alive_history(cv.floats(np.atleast_1d(purchases), "purchases"),
                                            cv.floats(np.atleast_1d(at), "at"))

    def period_transactions(self, frequency: Any, recency: Any = None, T: Any = None, *, max_frequency: Optional[int] = None,
                            weights: Any = None) -> Any:
        """Customers by number of repeat purchases (bins 0 … ``max_frequency``, default 7, the last: that many or more),
        observed and expected by the model (exactly, from its P(X(T) = x)), as a pandas DataFrame indexed
        by frequency; ``.attrs`` holds Pearson's ``chi_square``, ``degrees_of_freedom`` and ``p_value``.

        >>> import engagement
        >>> m = engagement.ClvModel("bg_nbd", r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> t = m.period_transactions([0, 0, 1, 2, 7, 0], [0, 0, 5, 20, 30, 0], [39.0] * 6, max_frequency=5)
        >>> t["actual"].tolist(), t.attrs["degrees_of_freedom"]
        ([3.0, 1.0, 1.0, 0.0, 0.0, 1.0], 1)
        """
        import pandas as pd

        f, r, t = self._history(frequency, recency, T)
        w = None if weights is None else cv.floats(weights, "weights")
        d = self._native.period_transactions(f, r, t, _opt_int(max_frequency), w)
        out = pd.DataFrame({"actual": d["actual"], "expected": d["expected"]},
                           index=pd.Index(d["frequency"], name="frequency"))
        out.attrs.update(chi_square=d["chi_square"], degrees_of_freedom=d["degrees_of_freedom"],
                         p_value=d["p_value"])
        return out

    def calibration_holdout(self, frequency: Any, recency: Any = None, T: Any = None, *, holdout: Any,
                            duration: float, max_frequency: Optional[int] = None, weights: Any = None) -> Any:
        """Mean holdout purchases by calibration frequency (bins 0 … ``max_frequency``, default 7, the last: that many
        or more; empty bins left out) against the model's mean conditional expected purchases over the
        holdout ``duration``, as a pandas DataFrame (``customers``, ``actual``, ``predicted``) indexed by
        frequency. ``frequency`` may be a DataFrame or mapping with ``frequency``, ``recency`` and ``T``
        (such as ``engagement.calibration_holdout(...)["calibration"]``), with ``holdout`` a column name of
        it or the values (``engagement.calibration_holdout(...)["frequency_holdout"]``).

        >>> import engagement
        >>> m = engagement.ClvModel("bg_nbd", r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> t = m.calibration_holdout([0, 0, 2], [0, 0, 30.43], [38.86] * 3, holdout=[0, 1, 2], duration=39)
        >>> t["actual"].tolist(), round(float(t["predicted"].iloc[1]), 3)
        ([0.5, 2.0], 1.226)
        """
        import pandas as pd

        if isinstance(holdout, str):
            holdout = _column(frequency, holdout)
        f, r, t = self._history(frequency, recency, T)
        w = None if weights is None else cv.floats(weights, "weights")
        d = self._native.calibration_holdout(f, r, t, cv.floats(holdout, "holdout"), float(duration),
                                             _opt_int(max_frequency), w)
        return pd.DataFrame({"customers": d["customers"], "actual": d["actual"], "predicted": d["predicted"]},
                            index=pd.Index(d["frequency"], name="frequency"))

    def conditional_expected_purchases(self, t: float, frequency: Any, recency: Any = None, T: Any = None) -> np.ndarray:
        """Expected purchases of each customer in the next ``t`` time units (purchase models)."""
        with cv.rows_named(_rows(frequency), customer_ids=False):
            return self._native.conditional_expected_purchases(float(t), *self._history(frequency, recency, T))

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected purchases of a new customer in ``(0, t]`` for each ``t`` (purchase models)."""
        return self._native.expected_purchases_new(cv.floats(np.atleast_1d(t), "t"))

    def expected_spend(self, frequency: Any, monetary_value: Any = None) -> np.ndarray:
        """Expected mean transaction value of each customer (``gamma_gamma``)."""
        if _is_table(frequency):
            data = frequency
            frequency, monetary_value = _column(data, "frequency"), _column(data, "monetary_value")
        if monetary_value is None:
            raise TypeError("monetary_value is required (or pass a DataFrame with that column)")
        return self._native.expected_spend(cv.floats(frequency, "frequency"),
                                           cv.floats(monetary_value, "monetary_value"))

    def probability_of_purchases(self, t: Any, x: Any) -> np.ndarray:
        """P(a new customer makes exactly ``x`` purchases in ``(0, t]``), element-wise over ``t`` and
        ``x`` broadcast together (``bg_bb``: at the first ``t`` opportunities).

        >>> import engagement
        >>> m = engagement.ClvModel("bg_nbd", r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> p = m.probability_of_purchases(39, range(200))
        >>> round(float(p.sum()), 9), bool(p[0] > p[1] > p[2])
        (1.0, True)
        """
        tt, xx = np.broadcast_arrays(np.asarray(t, dtype=np.float64), np.asarray(x, dtype=np.float64))
        return self._native.probability_of_purchases(cv.floats(tt.ravel(), "t"),
                                                     cv.floats(xx.ravel(), "x")).reshape(tt.shape)

    def discounted_value(self, frequency: Any, recency: Any = None, T: Any = None, spend: Any = None, *,
                         months: Optional[float] = None, weeks: Optional[float] = None, days: Optional[float] = None,
                         duration: Optional[float] = None, periods: Optional[int] = None,
                         period_length: Optional[float] = None, discount_rate: Optional[float] = None) -> np.ndarray:
        """Discounted value of each customer's expected purchases over a horizon cut into ``periods``
        periods of ``L`` at ``discount_rate`` per period:
        ``Σ_k spend · (E[Y(k·L)] − E[Y((k−1)·L)]) / (1 + d)^k`` (purchase models).

        The horizon is ``months``, ``weeks`` or ``days`` (converted with the model's :attr:`unit`; a
        month is 365.2425 / 12 days) or ``duration`` in the model's time units; or, as before
        horizons, ``period_length`` (one period in model time units). By default 12 months in
        12 periods at 1 % a period; a model of unknown unit then raises :class:`ConfigError`.
        ``spend`` is the value of one purchase per customer (or one number for all): typically
        ``gamma_gamma.expected_spend(...)``, or a margin. With a DataFrame first, ``spend`` may name
        a column.

        >>> import engagement
        >>> bg = engagement.ClvModel("bg_nbd", unit="week", r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> gg = engagement.ClvModel("gamma_gamma", p=6.25, q=3.74, gamma=15.44)
        >>> spend = gg.expected_spend([2], [30.0])
        >>> v = bg.discounted_value([2], [30.43], [38.86], spend)
        >>> bool(0 < v[0] < spend[0] * bg.conditional_expected_purchases(52.18, [2], [30.43], [38.86])[0])
        True
        >>> float(v[0]) == float(bg.discounted_value([2], [30.43], [38.86], spend, duration=365.2425 / 7)[0])
        True
        """
        if _is_table(frequency) and isinstance(spend, str):
            spend = _column(frequency, spend)
        f, r, t = self._history(frequency, recency, T)
        if spend is None:
            raise TypeError("spend is required: the value of one purchase per customer")
        s = np.broadcast_to(np.asarray(spend, dtype=np.float64), f.shape)
        horizon = cv.given(months=months, weeks=weeks, days=days, duration=duration)
        options = cv.given(horizon=horizon or None, periods=None if periods is None else int(periods),
                           period_length=None if period_length is None else float(period_length),
                           discount_rate=None if discount_rate is None else float(discount_rate))
        with cv.rows_named(_rows(frequency), customer_ids=False):
            return self._native.discounted_value(f, r, t, cv.floats(s, "spend"), options)

    def frequency_recency_matrix(self, value: str = "p_alive", *, max_frequency: int, T: float,
                                 horizon: float = 1.0) -> Any:
        """A frequency × recency grid of ``"p_alive"`` or ``"expected_purchases"`` (in the next
        ``horizon``) for histories of age ``T``: rows frequency ``0..max_frequency``, columns recency
        ``0, 1, …, floor(T)``; impossible histories are NaN. A pandas DataFrame when pandas is
        installed, else a 2-D numpy array. The data of the heat maps.

        >>> import engagement
        >>> m = engagement.ClvModel("bg_nbd", r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> grid = m.frequency_recency_matrix("p_alive", max_frequency=10, T=39)
        >>> grid.shape, float(grid.iloc[0, 0])
        ((11, 40), 1.0)
        """
        what: Dict[str, Any] = {"value": value}
        if value == "expected_purchases":
            what["horizon"] = float(horizon)
        f, r, v = self._native.frequency_recency_matrix(what, int(max_frequency), float(T))
        grid = v.reshape(len(f), len(r))
        try:
            import pandas as pd
        except ImportError:
            return grid
        return pd.DataFrame(grid, index=pd.Index(f, name="frequency"), columns=pd.Index(r, name="recency"))

    def simulate(self, T: Any, seed: int = 0) -> Dict[str, np.ndarray]:
        """Simulates one customer history per age in ``T`` (``bg_bb``: whole opportunities) with a
        seed: ``{"frequency", "recency", "T"}``; the same seed gives the same data in every face.

        >>> import engagement
        >>> m = engagement.ClvModel("pareto_nbd", r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> h = m.simulate([39.0] * 2000, seed=1)
        >>> fit = engagement.ClvModel.fit("pareto_nbd", h)
        >>> bool(abs(fit.params["r"] - 0.553) < 4 * fit.standard_errors["r"])
        True
        """
        t = cv.floats(np.atleast_1d(T), "T")
        f, r = self._native.simulate(t, int(seed))
        return {"frequency": f, "recency": r, "T": t}

    def simulate_spend(self, frequency: Any, seed: int = 0) -> np.ndarray:
        """Simulated mean repeat-transaction value of customers with ``frequency`` repeat purchases
        (``gamma_gamma``; 0 where ``frequency`` is 0)."""
        return self._native.simulate_spend(cv.floats(frequency, "frequency"), int(seed))

    def simulate_survivors(self, cohort: int, periods: int, seed: int = 0) -> np.ndarray:
        """Simulated survivor counts of a cohort of ``cohort`` subscribers over ``periods`` periods
        (``sbg``): ``alive[0] = cohort``, the input of :meth:`fit_retention`."""
        return self._native.simulate_survivors(int(cohort), int(periods), int(seed))

    def summary(self) -> str:
        """A readable summary: model, time unit, parameters and, for a fit, log-likelihood and size.

        >>> import engagement
        >>> print(engagement.ClvModel("sbg", unit="week", alpha=0.7, beta=1.2).summary())
        sbg model, time in weeks
          alpha           0.7
          beta            1.2
        """
        lines = [f"{self.model} model, time in {self.unit}s" if self.unit else f"{self.model} model, time unit unknown"]
        se = self.standard_errors or {}
        lines += [f"  {k:<6} {v:>12.6g}" + (f"   (se {se[k]:.4g})" if k in se else "") for k, v in self.params.items()]
        if self.log_likelihood is not None:
            lines.append(f"  log-likelihood {self.log_likelihood:.4f} over {self.customers:g} customers "
                         f"({self.iterations} iterations)")
        return "\n".join(lines)

    def to_frame(self, backend: str = "pandas") -> Any:
        """One row per parameter (the index; polars: the first column): its ``value`` and, for a fit,
        ``standard_error`` (NaN when unknown); pandas or polars (``backend``). Time parameters
        (``alpha``, ``beta`` of the purchase models) are in the model's :attr:`unit`.

        >>> import engagement
        >>> engagement.ClvModel("sbg", alpha=0.7, beta=1.2).to_frame()["value"].tolist()
        [0.7, 1.2]
        """
        import pandas as pd

        from . import _display

        _display.check_backend(backend)
        se = self.standard_errors or {}
        params = self.params
        return _display.frame(pd.DataFrame({"value": list(params.values()),
                                            "standard_error": _display.floats(se.get(k) for k in params)},
                                           index=pd.Index(list(params), name="parameter")), backend)

    def _repr_html_(self) -> str:
        from . import _display

        notes = [f"time in {self.unit}s" if self.unit else "time unit unknown"]
        if self.log_likelihood is not None:
            notes += [f"log-likelihood {self.log_likelihood:.6g} over {self.customers:g} customers",
                      f"converged in {self.iterations} iterations"]
        else:
            notes.append("not fitted here (parameters given)")
        return _display.html(f"ClvModel {self.model}", self.to_frame(), notes)

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        unit = f"unit={self.unit!r}, " if self.unit else ""
        return f"ClvModel({self.model!r}, {unit}{ps})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClvModel) and self._native == other._native

    __hash__ = None  # type: ignore[assignment]
