"""Lifetime-value models in the fitter idiom of lifetimes and lifelines: configure, ``fit`` (which
returns the fitter), then read ``params_``, ``summary`` and the predictions. Each fitter holds a
:class:`ClvModel` (``model_``), so everything the model does stays one attribute away."""

from __future__ import annotations

import html
from typing import Any, Optional, Sequence

import numpy as np

from . import _convert as cv
from . import _engagement as _native
from ._clv import ClvModel, _is_table, _unit_of


def parameter_intervals(params: Any, standard_errors: Any, level: Optional[float] = None) -> tuple:
    """Confidence intervals ``(low, high)`` (numpy arrays) of positive parameters from their
    standard errors, at ``level`` (default 0.95): Wald intervals on the log scale,
    ``θ·exp(±z·se/θ)`` with ``z = Φ⁻¹(1 − (1 − level)/2)``. Both bounds stay positive and the
    interval is wider above the estimate than below it (lifetimes prints symmetric bounds
    ``θ ± z·se`` instead, which can go below zero).

    >>> import engagement
    >>> low, high = engagement.parameter_intervals([0.243], [0.0125])
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.2197, 0.2688)
    """
    floats = lambda v: np.ascontiguousarray(np.atleast_1d(np.asarray(v, dtype=np.float64)))  # noqa: E731
    return _native.clv_parameter_intervals(floats(params), floats(standard_errors), level)


def _column(data: Any, *names: str) -> Any:
    """The first of ``names`` the table has: this package's column name, then lifetimes' (``_cal``)."""
    columns = list(data.columns) if hasattr(data, "columns") else list(data)
    for name in names:
        if name in columns:
            return data[name]
    raise KeyError(f"the data has none of the columns {', '.join(map(repr, names))}; it has {columns}")


class _Fitter:
    """What the lifetime-value fitters share."""

    _model = ""
    _doc_name = ""

    def __init__(self, *, penalty: float = 0.0, unit: Optional[str] = None, alpha: float = 0.05,
                 max_iterations: Optional[int] = None, tolerance: Optional[float] = None,
                 penalizer_coef: Any = None) -> None:
        if penalizer_coef is not None:
            raise TypeError(f"{type(self).__name__} takes penalty= (an L2 penalty on the log parameters), not "
                            "lifetimes' penalizer_coef, which penalises the parameters themselves and so gives "
                            "another fit; see the README's lifetime-value section")
        self.penalty = penalty
        self.unit = unit
        self.alpha = alpha
        self.max_iterations = max_iterations
        self.tolerance = tolerance
        self.model_: Optional[ClvModel] = None

    def _fitted(self) -> ClvModel:
        if self.model_ is None:
            raise AttributeError(f"{type(self).__name__} is not fitted yet: call fit(...) first")
        return self.model_

    def _fit(self, frequency: Any, recency: Any, T: Any, monetary_value: Any, weights: Any,
             initial_params: Optional[Sequence[float]]) -> Any:
        # A bad row is named by its index label too (customers are often the index).
        rows = frequency["frequency"] if isinstance(frequency, dict) else frequency
        with cv.rows_named(rows, customer_ids=False):
            self.model_ = ClvModel.fit(self._model, frequency, recency, T, monetary_value, weights=weights,
                                       unit=self.unit, penalty=self.penalty, max_iterations=self.max_iterations,
                                       tolerance=self.tolerance, initial=initial_params)
        return self

    @property
    def params_(self) -> Any:
        """The fitted parameters, a pandas Series indexed by name in the model's order."""
        import pandas as pd

        return pd.Series(self._fitted().params, name="coef", dtype="float64")

    @property
    def standard_errors_(self) -> Any:
        """Standard errors of the parameters (a Series; NaN when the observed information is not
        positive definite)."""
        import pandas as pd

        m = self._fitted()
        se = m.standard_errors or {}
        return pd.Series({k: se.get(k, float("nan")) for k in m.params}, name="se(coef)", dtype="float64")

    @property
    def log_likelihood_(self) -> float:
        """Log-likelihood at the fitted parameters (without the penalty)."""
        return float(self._fitted().log_likelihood)  # type: ignore[arg-type]

    def to_frame(self, backend: str = "pandas") -> Any:
        """The fit's :attr:`summary` (``coef``, ``se(coef)``, interval bounds by parameter) as a
        pandas DataFrame (``parameter`` its index) or a polars one (``parameter`` its first column).

        >>> import engagement
        >>> f = engagement.BetaGeoFitter().fit([0, 1, 3, 0, 2], [0, 2, 9, 0, 4], [10, 10, 10, 8, 6])
        >>> f.to_frame(backend="polars").columns[:3]
        ['parameter', 'coef', 'se(coef)']
        """
        from . import _display

        return _display.frame(self.summary, backend)

    @property
    def summary(self) -> Any:
        """A DataFrame indexed by parameter: ``coef``, ``se(coef)`` and the interval at ``1 − alpha``
        (``lower 95% bound``, ``upper 95% bound`` for the default ``alpha=0.05``), log-scale Wald
        bounds as :func:`parameter_intervals` computes them (NaN without standard errors).
        ``summary.attrs`` holds the unit, log-likelihood, customers and iterations."""
        import pandas as pd

        m = self._fitted()
        coef, se = self.params_, self.standard_errors_
        level = 1.0 - self.alpha
        if se.isna().any():
            low = high = np.full(len(coef), np.nan)
        else:
            low, high = parameter_intervals(coef.to_numpy(), se.to_numpy(), level)
        pct = f"{100 * level:g}%"
        frame = pd.DataFrame({"coef": coef, "se(coef)": se, f"lower {pct} bound": low, f"upper {pct} bound": high})
        frame.index.name = "parameter"
        frame.attrs.update(model=m.model, unit=m.unit, log_likelihood=m.log_likelihood, customers=m.customers,
                           iterations=m.iterations)
        return frame

    def __repr__(self) -> str:
        name = type(self).__name__
        if self.model_ is None:
            return f"<{name}: not fitted>"
        m = self.model_
        ps = ", ".join(f"{k}: {v:.4g}" for k, v in m.params.items())
        unit = "" if m.model == "gamma_gamma" else f", time in {m.unit}s" if m.unit else ", time unit unknown"
        return f"<{name}: fitted on {m.customers:g} customers{unit}, {ps}>"

    def _repr_html_(self) -> str:
        name = html.escape(type(self).__name__)
        if self.model_ is None:
            return f"<p><b>{name}</b>: not fitted</p>"
        m = self.model_
        unit = ("" if m.model == "gamma_gamma" else
                f", time in {html.escape(m.unit)}s" if m.unit else ", time unit unknown")
        head = (f"<p><b>{name}</b> ({html.escape(m.model)}) on {m.customers:g} customers{unit}; "
                f"log-likelihood {m.log_likelihood:.4f}, converged in {m.iterations} iterations</p>")
        return head + self.summary.to_html(float_format=lambda v: f"{v:.6g}")


class _PurchaseFitter(_Fitter):
    """Fitters of the purchase (transaction) models."""

    def fit(self, frequency: Any, recency: Any = None, T: Any = None, *, weights: Any = None,
            initial_params: Optional[Sequence[float]] = None, verbose: bool = False) -> Any:
        """Fits the model by maximum likelihood and returns the fitter.

        ``frequency`` (repeat purchases), ``recency`` (time from the first to the last purchase)
        and ``T`` (time from the first purchase to the end of observation) in one time unit, as
        columns; or pass a DataFrame first with those columns (lifetimes' ``frequency_cal``,
        ``recency_cal`` and ``T_cal`` are taken too). ``weights`` counts a row as that many
        customers (a column name when the data is a DataFrame). ``verbose`` is taken for lifetimes'
        callers and changes nothing (a fit prints nothing).
        """
        if _is_table(frequency):
            data = frequency
            frequency = {"frequency": _column(data, "frequency", "frequency_cal"),
                         "recency": _column(data, "recency", "recency_cal"),
                         "T": _column(data, "T", "T_cal")}
            if isinstance(weights, str):
                weights = _column(data, weights)
            unit = _unit_of(data)
            if unit is not None:
                frequency["unit"] = unit
        return self._fit(frequency, recency, T, None, weights, initial_params)

    def conditional_probability_alive(self, frequency: Any, recency: Any = None, T: Any = None) -> np.ndarray:
        """P(alive) at ``T`` of each customer given their history (``frequency``, ``recency``,
        ``T``, or a DataFrame with those columns)."""
        return self._fitted().p_alive(frequency, recency, T)

    def conditional_expected_number_of_purchases_up_to_time(self, t: float, frequency: Any, recency: Any = None,
                                                            T: Any = None) -> np.ndarray:
        """Expected purchases of each customer in the next ``t`` time units, given their history."""
        return self._fitted().conditional_expected_purchases(t, frequency, recency, T)

    def expected_number_of_purchases_up_to_time(self, t: Any) -> np.ndarray:
        """Expected purchases of a new customer in ``(0, t]``, for each ``t`` (time units)."""
        return self._fitted().expected_purchases_new(t)

    def probability_of_n_purchases_up_to_time(self, t: Any, n: Any) -> np.ndarray:
        """P(a new customer makes exactly ``n`` purchases in ``(0, t]``), element-wise over ``t``
        and ``n`` broadcast together."""
        return self._fitted().probability_of_purchases(t, n)


class BetaGeoFitter(_PurchaseFitter):
    """The BG/NBD model (Fader, Hardie & Lee 2005) in the fitter idiom.

    ``penalty`` is an L2 penalty on the log parameters (default 0; lifetimes' ``penalizer_coef``
    penalises the parameters themselves, so the two do not give the same fit and the name is
    not taken); ``unit`` the time unit of the data (recorded in the model; a
    :func:`transaction_summary` carries its own); ``alpha`` the significance of the summary's
    intervals (0.05: 95 % intervals).

    >>> import engagement, pandas as pd
    >>> data = pd.DataFrame({"frequency": [0, 1, 3, 0, 2], "recency": [0, 2, 9, 0, 4], "T": [10, 10, 10, 8, 6]})
    >>> bgf = engagement.BetaGeoFitter().fit(data)
    >>> list(bgf.params_.index), list(bgf.summary.columns)
    (['r', 'alpha', 'a', 'b'], ['coef', 'se(coef)', 'lower 95% bound', 'upper 95% bound'])
    >>> bgf.conditional_probability_alive(data).shape
    (5,)
    """

    _model = "bg_nbd"


class ModifiedBetaGeoFitter(_PurchaseFitter):
    """The modified BG/NBD model (Batislam, Denizel & Filiztekin 2007) in the fitter idiom; the
    settings as :class:`BetaGeoFitter`'s.

    >>> import engagement
    >>> mbgf = engagement.ModifiedBetaGeoFitter().fit([0, 1, 3, 0, 2], [0, 2, 9, 0, 4], [10, 10, 10, 8, 6])
    >>> list(mbgf.params_.index)
    ['r', 'alpha', 'a', 'b']
    """

    _model = "mbg_nbd"


class ParetoNBDFitter(_PurchaseFitter):
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987) in the fitter idiom; the
    settings as :class:`BetaGeoFitter`'s.

    >>> import engagement
    >>> pnf = engagement.ParetoNBDFitter().fit([0, 1, 3, 0, 2], [0, 2, 9, 0, 4], [10, 10, 10, 8, 6])
    >>> list(pnf.params_.index)
    ['r', 'alpha', 's', 'beta']
    """

    _model = "pareto_nbd"


class GammaGammaFitter(_Fitter):
    """The Gamma-Gamma spend model (Fader & Hardie 2013) in the fitter idiom: fit it on repeat
    buyers only (``frequency >= 1``). Its parameters are ``p``, ``q`` and ``gamma`` (lifetimes
    calls the last one ``v``). Settings as :class:`BetaGeoFitter`'s.

    >>> import engagement
    >>> ggf = engagement.GammaGammaFitter().fit([1, 2, 5, 1, 3, 2], [20.0, 35.5, 18.0, 52.0, 27.5, 40.0])
    >>> list(ggf.params_.index)
    ['p', 'q', 'gamma']
    >>> bool(ggf.conditional_expected_average_profit([2], [30.0])[0] > 0)
    True
    """

    _model = "gamma_gamma"

    def fit(self, frequency: Any, monetary_value: Any = None, *, weights: Any = None,
            initial_params: Optional[Sequence[float]] = None, verbose: bool = False) -> Any:
        """Fits the model and returns the fitter: ``frequency`` (repeat purchases, ≥ 1) and
        ``monetary_value`` (the mean value of the repeat purchases) as columns, or a DataFrame
        with them (lifetimes' ``frequency_cal`` and ``monetary_value_cal`` are taken too)."""
        if _is_table(frequency):
            data = frequency
            if isinstance(weights, str):
                weights = _column(data, weights)
            frequency, monetary_value = (_column(data, "frequency", "frequency_cal"),
                                         _column(data, "monetary_value", "monetary_value_cal"))
        if monetary_value is None:
            raise TypeError("monetary_value is required (or pass a DataFrame with that column)")
        return self._fit(frequency, None, None, monetary_value, weights, initial_params)

    def conditional_expected_average_profit(self, frequency: Any, monetary_value: Any = None) -> np.ndarray:
        """Expected mean transaction value of each customer given their ``frequency`` and
        ``monetary_value`` (or a DataFrame with those columns)."""
        if _is_table(frequency):
            data = frequency
            frequency, monetary_value = (_column(data, "frequency", "frequency_cal"),
                                         _column(data, "monetary_value", "monetary_value_cal"))
        return self._fitted().expected_spend(frequency, monetary_value)


def _from_zero(time: Any, *columns: Any) -> tuple:
    """A curve's times and columns starting at time 0 (where S = 1), as lifelines shows them: the
    result starts there already when some duration is 0."""
    time = np.asarray(time, dtype=np.float64)
    if len(time) and time[0] == 0.0:
        return time, tuple(np.asarray(c, dtype=np.float64) for c in columns)
    return np.r_[0.0, time], tuple(np.r_[1.0, np.asarray(c, dtype=np.float64)] for c in columns)


class KaplanMeierFitter:
    """Kaplan–Meier in lifelines' fitter idiom: ``fit`` returns the fitter; ``survival_function_``,
    ``confidence_interval_``, ``median_survival_time_`` and ``event_table`` are DataFrames or
    numbers of the :class:`KaplanMeier` result (``result_``). ``alpha`` sets the intervals' level
    (0.05: 95 %). Times are in the durations' unit.

    >>> import engagement
    >>> kmf = engagement.KaplanMeierFitter().fit([5, 8, 3, 9, 12, 2], [1, 1, 0, 1, 0, 1])
    >>> kmf.survival_function_["KM_estimate"].round(3).tolist()
    [1.0, 0.833, 0.833, 0.625, 0.417, 0.208, 0.208]
    >>> kmf.median_survival_time_
    8.0
    """

    def __init__(self, alpha: float = 0.05) -> None:
        self.alpha = alpha
        self.result_: Any = None

    def fit(self, durations: Any, event_observed: Any = None) -> "KaplanMeierFitter":
        """Fits the curve; ``event_observed`` (1 for an event, 0 for censored) defaults to every
        duration being an event, as in lifelines."""
        from ._survival import kaplan_meier

        if event_observed is None:
            event_observed = np.ones(len(np.atleast_1d(np.asarray(durations))), dtype=bool)
        self.result_ = kaplan_meier(durations, event_observed, level=1.0 - self.alpha)
        return self

    def _fitted(self) -> Any:
        if self.result_ is None:
            raise AttributeError("KaplanMeierFitter is not fitted yet: call fit(...) first")
        return self.result_

    @property
    def survival_function_(self) -> Any:
        """S(t) from time 0, indexed by ``timeline``: one column ``KM_estimate``."""
        import pandas as pd

        r = self._fitted()
        time, (survival,) = _from_zero(r.time, r.survival)
        return pd.DataFrame({"KM_estimate": survival}, index=pd.Index(time, name="timeline"))

    @property
    def confidence_interval_(self) -> Any:
        """The pointwise interval of ``survival_function_`` at ``1 − alpha``."""
        import pandas as pd

        r = self._fitted()
        pct = f"{1.0 - self.alpha:g}"
        time, (low, high) = _from_zero(r.time, r.ci_low, r.ci_high)
        return pd.DataFrame({f"KM_estimate_lower_{pct}": low, f"KM_estimate_upper_{pct}": high},
                            index=pd.Index(time, name="timeline"))

    @property
    def median_survival_time_(self) -> float:
        """The first time S(t) ≤ 0.5 (infinite when the curve stays above it)."""
        median = self._fitted().median
        return float("inf") if median is None else float(median)

    @property
    def event_table(self) -> Any:
        """At risk, events (``observed``) and censored at each time."""
        import pandas as pd

        r = self._fitted()
        return pd.DataFrame({"at_risk": r.at_risk, "observed": r.events, "censored": r.censored},
                            index=pd.Index(r.time, name="event_at"))

    def __repr__(self) -> str:
        if self.result_ is None:
            return "<KaplanMeierFitter: not fitted>"
        return f"<KaplanMeierFitter: {int(self.result_.at_risk[0])} subjects, median {self.median_survival_time_:g}>"

    def _repr_html_(self) -> str:
        return "<p><b>KaplanMeierFitter</b>: not fitted</p>" if self.result_ is None else self.result_._repr_html_()


class CoxPHFitter:
    """The Cox proportional hazards model in lifelines' fitter idiom: ``fit(df, duration_col,
    event_col)`` returns the fitter; ``params_`` (coefficients), ``hazard_ratios_``,
    ``standard_errors_``, ``summary`` (lifelines' columns), ``log_likelihood_``,
    ``concordance_index_`` and ``AIC_partial_`` read the :class:`CoxModel` (``model_``).
    ``alpha`` sets the intervals' level; ``ties`` is ``"efron"`` (lifelines' only method) or
    ``"breslow"``. Other columns of ``df`` are the covariates; text columns are categorical.

    >>> import engagement, pandas as pd
    >>> df = pd.DataFrame({"T": [5, 8, 3, 9, 12, 2], "E": [1, 1, 1, 0, 1, 1], "score": [2, 3, 1, 5, 4, 1.5]})
    >>> cph = engagement.CoxPHFitter().fit(df, "T", "E")
    >>> list(cph.summary.columns)[:3]
    ['coef', 'exp(coef)', 'se(coef)']
    """

    def __init__(self, alpha: float = 0.05, ties: str = "efron") -> None:
        self.alpha = alpha
        self.ties = ties
        self.model_: Any = None

    def fit(self, df: Any, duration_col: str, event_col: Optional[str] = None, *, strata: Any = None,
            cluster_col: Optional[str] = None, robust: bool = False) -> "CoxPHFitter":
        """Fits the model on ``df``'s other columns; ``event_col`` (default: every row an event),
        ``strata`` (a column name or names: one baseline per stratum), ``cluster_col`` (robust
        errors clustered by it)."""
        from ._survival import cox

        drop = [c for c in (duration_col, event_col, cluster_col) if c is not None]
        strata_cols = [strata] if isinstance(strata, str) else list(strata or [])
        covariates = df.drop(columns=drop + strata_cols)
        observed = df[event_col] if event_col is not None else np.ones(len(df), dtype=bool)
        stratum = None
        if strata_cols:
            stratum = df[strata_cols].astype(str).agg("|".join, axis=1) if len(strata_cols) > 1 else df[strata_cols[0]]
        self.model_ = cox(df[duration_col], observed, covariates, strata=stratum,
                          cluster=None if cluster_col is None else df[cluster_col], ties=self.ties,
                          robust=robust or None, level=1.0 - self.alpha)
        return self

    def _fitted(self) -> Any:
        if self.model_ is None:
            raise AttributeError("CoxPHFitter is not fitted yet: call fit(...) first")
        return self.model_

    def _terms(self, field: str, name: str) -> Any:
        import pandas as pd

        terms = self._fitted().terms
        return pd.Series([getattr(t, field) for t in terms], index=pd.Index([t.name for t in terms], name="covariate"),
                         name=name, dtype="float64")

    @property
    def params_(self) -> Any:
        """The coefficients (log hazard ratios), a Series by term."""
        return self._terms("coefficient", "coef")

    @property
    def hazard_ratios_(self) -> Any:
        """exp(coef) by term."""
        return self._terms("hazard_ratio", "exp(coef)")

    @property
    def standard_errors_(self) -> Any:
        """Standard errors of the coefficients by term."""
        return self._terms("standard_error", "se(coef)")

    @property
    def summary(self) -> Any:
        """lifelines' summary columns by term: ``coef``, ``exp(coef)``, ``se(coef)``, ``coef lower
        95%``, ``coef upper 95%``, ``exp(coef) lower 95%``, ``exp(coef) upper 95%``, ``z``, ``p``
        (the percentages follow ``alpha``)."""
        import pandas as pd

        pct = f"{100 * (1.0 - self.alpha):g}%"
        fields = [("coefficient", "coef"), ("hazard_ratio", "exp(coef)"), ("standard_error", "se(coef)"),
                  ("ci_low", f"coef lower {pct}"), ("ci_high", f"coef upper {pct}"),
                  ("hazard_ratio_ci_low", f"exp(coef) lower {pct}"), ("hazard_ratio_ci_high", f"exp(coef) upper {pct}"),
                  ("z", "z"), ("p_value", "p")]
        return pd.concat([self._terms(f, n) for f, n in fields], axis=1)

    @property
    def log_likelihood_(self) -> float:
        """The partial log-likelihood at the fit."""
        return float(self._fitted().log_likelihood)

    @property
    def concordance_index_(self) -> float:
        """Harrell's concordance of the fitted risk with the durations."""
        return float(self._fitted().concordance)

    @property
    def AIC_partial_(self) -> float:  # noqa: N802 (lifelines' name)
        """The partial AIC: 2·terms − 2·log-likelihood."""
        return float(self._fitted().aic)

    def to_frame(self, backend: str = "pandas") -> Any:
        """The :attr:`summary` as a pandas or polars DataFrame (polars: ``covariate`` first)."""
        from . import _display

        return _display.frame(self.summary, backend)

    def predict_partial_hazard(self, df: Any) -> Any:
        """exp(xβ) of each row of ``df`` (the covariates by name)."""
        return self._fitted().predict(df).partial_hazard

    def __repr__(self) -> str:
        return "<CoxPHFitter: not fitted>" if self.model_ is None else f"<CoxPHFitter: {self.model_!r}>"

    def _repr_html_(self) -> str:
        return "<p><b>CoxPHFitter</b>: not fitted</p>" if self.model_ is None else self.model_._repr_html_()
