# Type stubs of the native module (checked against it by mypy.stubtest in the test command).
from typing import Any, Optional, final

from typing_extensions import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = [
    "AsOfBeforeDataError",
    "ConfigError",
    "ConvergenceError",
    "CorruptError",
    "EmptyInputError",
    "EngagementError",
    "IncompatibleError",
    "InvalidInputError",
    "JsonError",
    "LengthMismatchError",
    "UnknownIdError",
    "UnknownLabelError",
    "version",
    "NativeStore",
    "NativePartial",
    "NativeTriggers",
    "NativeSegments",
    "nps",
    "nps_counts",
    "csat",
    "wilson",
    "retention_rate",
    "simple_clv",
    "retention_clv",
    "ltv_to_cac",
    "percentile_ranks",
    "transaction_summary",
    "calibration_holdout",
    "rfm_values",
    "rfm_scores",
    "stage_history",
    "churn_between",
    "loyalty",
    "next_best_actions",
    "channel_codes",
    "kind_codes",
    "stage_codes",
    "labels",
    "clv_fit",
    "clv_p_alive",
    "clv_p_alive_history",
    "clv_period_transactions",
    "clv_calibration_holdout",
    "clv_conditional_expected_purchases",
    "clv_expected_purchases_new",
    "clv_expected_spend",
    "clv_fit_retention",
    "clv_survival",
    "clv_retention_rate",
    "clv_parameter_names",
    "clv_probability_of_purchases",
    "clv_discounted_value",
    "clv_frequency_recency_matrix",
    "clv_simulate",
    "clv_simulate_spend",
    "clv_simulate_survivors",
    "conversion_test",
    "welch_test",
    "bayesian_conversion_test",
    "power_two_proportions",
    "sample_size_two_proportions",
    "kaplan_meier",
    "attribute",
    "cohorts",
    "attribute_touchpoints",
    "journey_sequences",
    "stage_transitions",
    "funnel",
    "funnel_by_group",
    "funnel_by_first_touch",
    "logrank_test",
    "__version__",
]

__version__: str

class EngagementError(Exception): ...
class InvalidInputError(EngagementError): ...
class LengthMismatchError(InvalidInputError): ...
class EmptyInputError(EngagementError): ...
class AsOfBeforeDataError(InvalidInputError): ...
class ConfigError(EngagementError): ...
class UnknownIdError(EngagementError): ...
class UnknownLabelError(InvalidInputError): ...
class IncompatibleError(EngagementError): ...
class JsonError(ConfigError): ...
class ConvergenceError(EngagementError): ...
class CorruptError(EngagementError): ...

_U64: TypeAlias = npt.NDArray[np.uint64]
_I64: TypeAlias = npt.NDArray[np.int64]
_U8: TypeAlias = npt.NDArray[np.uint8]
_F64: TypeAlias = npt.NDArray[np.float64]
_BOOL: TypeAlias = npt.NDArray[np.bool_]
_F32: TypeAlias = npt.NDArray[np.float32]

def version() -> str: ...

@final
class NativeTriggers:
    def __new__(cls, config: Any) -> NativeTriggers: ...
    def push(
        self,
        customer: _U64,
        time: _I64,
        channel: _U8,
        kind: _U8,
        value: Optional[_F64] = None,
        rating: Optional[_F32] = None,
        rating_scale: Optional[_U8] = None,
    ) -> dict[str, Any]: ...
    def advance(self, now: int) -> dict[str, Any]: ...
    def counts(self) -> tuple[int, int, int, Optional[int]]: ...

@final
class NativeStore:
    def __new__(cls, config: Optional[Any] = None) -> NativeStore: ...
    def push(
        self,
        customer: _U64,
        time: _I64,
        channel: _U8,
        kind: _U8,
        value: Optional[_F64] = None,
        rating: Optional[_F32] = None,
        rating_scale: Optional[_U8] = None,
    ) -> None: ...
    def __len__(self) -> int: ...
    @staticmethod
    def from_partial(partial: NativePartial, config: Optional[Any] = None) -> NativeStore: ...
    def customers(self) -> _U64: ...
    def scores(self, as_of: int) -> dict[str, Any]: ...
    def stages(self, as_of: int, config: Optional[Any] = None) -> dict[str, Any]: ...
    def profiles(self) -> Any: ...
    def profile(self, customer: int) -> Any: ...
    def merge(self, other: NativeStore) -> None: ...
    def add_customer(self, record: Any) -> None: ...
    def nps(self, level: float = 0.95) -> Any: ...
    def csat(self, level: float = 0.95) -> Any: ...
    def repeat_purchase_rate(self, level: float = 0.95) -> Any: ...
    def purchase_summary(self) -> Any: ...
    def rfm(self, as_of: int, config: Optional[Any] = None) -> dict[str, Any]: ...
    def segments(
        self,
        segments: NativeSegments,
        as_of: int,
        stage_config: Optional[Any] = None,
        rfm_config: Optional[Any] = None,
    ) -> dict[str, Any]: ...

@final
class NativePartial:
    def __new__(
        cls,
        spec: Any,
        customer: _U64,
        time: _I64,
        channel: _U8,
        kind: _U8,
        value: Optional[_F64] = None,
        rating: Optional[_F32] = None,
        rating_scale: Optional[_U8] = None,
    ) -> NativePartial: ...
    @staticmethod
    def from_bytes(data: bytes) -> NativePartial: ...
    @staticmethod
    def from_json(text: str) -> NativePartial: ...
    def to_bytes(self) -> bytes: ...
    def to_json(self) -> str: ...
    def spec(self) -> Any: ...
    def needs_whole_customers(self) -> bool: ...
    def merge(self, other: NativePartial) -> None: ...
    def result(self) -> Any: ...
    def attribute(self, rule: Optional[Any] = None) -> Any: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

@final
class NativeSegments:
    def __new__(cls, definition: Any) -> NativeSegments: ...
    def names(self) -> list[str]: ...

def nps(ratings: _F32, level: float = 0.95) -> Any: ...
def nps_counts(promoters: int, passives: int, detractors: int, level: float = 0.95) -> Any: ...
def csat(ratings: _F32, level: float = 0.95) -> Any: ...
def wilson(successes: int, trials: int, level: float = 0.95) -> Any: ...
def retention_rate(at_start: int, at_end: int, new: int, level: float = 0.95) -> Any: ...
def simple_clv(input: Any) -> float: ...
def retention_clv(margin: float, retention: float, discount_rate: float) -> float: ...
def ltv_to_cac(clv: float, cac: float) -> float: ...
def percentile_ranks(values: _F64) -> _F64: ...
def transaction_summary(
    customer: _U64, time: _I64, value: Optional[_F64], observation_end: int, config: Optional[Any] = None
) -> dict[str, Any]: ...
def calibration_holdout(
    customer: _U64,
    time: _I64,
    value: Optional[_F64],
    calibration_end: int,
    observation_end: int,
    config: Optional[Any] = None,
) -> Any: ...
def rfm_values(
    customer: _U64, time: _I64, value: Optional[_F64], as_of: int, config: Optional[Any] = None
) -> dict[str, Any]: ...
def rfm_scores(
    customer: _U64, recency: _F64, frequency: _F64, monetary: _F64, config: Optional[Any] = None
) -> dict[str, Any]: ...
def stage_history(
    customer: _U64,
    time: _I64,
    channel: _U8,
    kind: _U8,
    value: Optional[_F64] = None,
    rating: Optional[_F32] = None,
    rating_scale: Optional[_U8] = None,
    *,
    until: int,
    config: Optional[Any] = None,
) -> dict[str, Any]: ...
def churn_between(
    customer: _U64,
    time: _I64,
    channel: _U8,
    kind: _U8,
    value: Optional[_F64] = None,
    rating: Optional[_F32] = None,
    rating_scale: Optional[_U8] = None,
    *,
    until: int,
    start: int,
    end: int,
    level: float = 0.95,
    config: Optional[Any] = None,
) -> Any: ...
def loyalty(
    customer: _U64,
    time: _I64,
    channel: _U8,
    kind: _U8,
    value: Optional[_F64] = None,
    rating: Optional[_F32] = None,
    rating_scale: Optional[_U8] = None,
    *,
    redemption_customer: _U64,
    redemption_time: _I64,
    redemption_points: _U64,
    as_of: int,
    config: Optional[Any] = None,
) -> Any: ...
def next_best_actions(
    customer: _U64,
    stage: _U8,
    table: Optional[Any] = None,
    membership: Optional[Any] = None,
    accounts: Optional[Any] = None,
) -> list[Optional[str]]: ...
def channel_codes(labels: list[str], aliases: Optional[Any] = None) -> _U8: ...
def kind_codes(labels: list[str], aliases: Optional[Any] = None) -> _U8: ...
def stage_codes(labels: list[str]) -> _U8: ...
def labels() -> tuple[list[str], list[str], list[str]]: ...
def clv_fit(
    model: str,
    frequency: _F64,
    recency: Optional[_F64] = None,
    t: Optional[_F64] = None,
    monetary_value: Optional[_F64] = None,
    options: Optional[Any] = None,
    weights: Optional[_F64] = None,
) -> dict[str, Any]: ...
def clv_p_alive(model: Any, frequency: _F64, recency: _F64, t: _F64) -> _F64: ...
def clv_conditional_expected_purchases(model: Any, horizon: float, frequency: _F64, recency: _F64, t: _F64) -> _F64: ...
def clv_p_alive_history(model: Any, purchases: _F64, at: _F64) -> _F64: ...
def clv_period_transactions(
    model: Any, frequency: _F64, recency: _F64, t: _F64, max_frequency: int, weights: Optional[_F64] = None
) -> Any: ...
def clv_calibration_holdout(
    model: Any,
    frequency: _F64,
    recency: _F64,
    t: _F64,
    holdout: _F64,
    duration: float,
    max_frequency: int,
    weights: Optional[_F64] = None,
) -> Any: ...
def clv_expected_purchases_new(model: Any, t: _F64) -> _F64: ...
def clv_expected_spend(model: Any, frequency: _F64, monetary_value: _F64) -> _F64: ...
def clv_fit_retention(alive: _F64, options: Optional[Any] = None) -> dict[str, Any]: ...
def clv_survival(model: Any, t: _F64) -> _F64: ...
def clv_retention_rate(model: Any, t: _F64) -> _F64: ...
def clv_parameter_names() -> list[tuple[str, list[str]]]: ...
def clv_probability_of_purchases(model: Any, t: _F64, x: _F64) -> _F64: ...
def clv_discounted_value(
    model: Any, frequency: _F64, recency: _F64, t: _F64, spend: _F64, options: Optional[Any] = None
) -> _F64: ...
def clv_frequency_recency_matrix(model: Any, value: Any, max_frequency: int, t: float) -> tuple[_F64, _F64, _F64]: ...
def clv_simulate(model: Any, t: _F64, seed: int) -> tuple[_F64, _F64]: ...
def clv_simulate_spend(model: Any, frequency: _F64, seed: int) -> _F64: ...
def clv_simulate_survivors(model: Any, cohort: int, periods: int, seed: int) -> _F64: ...
def conversion_test(
    control_successes: int, control_trials: int, treatment_successes: int, treatment_trials: int, level: float = 0.95
) -> dict[str, Any]: ...
def welch_test(control: _F64, treatment: _F64, level: float = 0.95) -> dict[str, Any]: ...
def bayesian_conversion_test(
    control_successes: int,
    control_trials: int,
    treatment_successes: int,
    treatment_trials: int,
    prior: Optional[Any] = None,
    level: float = 0.95,
) -> dict[str, Any]: ...
def power_two_proportions(baseline: float, minimum_detectable_effect: float, n_per_group: float, alpha: float) -> float: ...
def sample_size_two_proportions(baseline: float, minimum_detectable_effect: float, alpha: float, power: float) -> float: ...
def kaplan_meier(duration: _F64, observed: _BOOL, level: float = 0.95) -> dict[str, Any]: ...
def logrank_test(duration_a: _F64, observed_a: _BOOL, duration_b: _F64, observed_b: _BOOL) -> dict[str, Any]: ...
def attribute(table: Any, rule: Optional[Any] = None) -> dict[str, Any]: ...
def cohorts(
    customer: _U64, time: _I64, value: Optional[_F64], as_of: int, config: Optional[Any] = None
) -> dict[str, Any]: ...
def attribute_touchpoints(
    customer: _U64,
    time: _I64,
    channel: _U8,
    kind: _U8,
    value: Optional[_F64],
    lookback: int,
    rule: Optional[Any] = None,
) -> dict[str, Any]: ...
def journey_sequences(customer: _U64, time: _I64, channel: _U8, kind: _U8, config: Optional[Any] = None) -> dict[str, Any]: ...
def stage_transitions(customer: _U64, stage: _U8, entered_at: _I64) -> dict[str, Any]: ...
def funnel_by_group(
    customer: _U64,
    time: _I64,
    channel: _U8,
    kind: _U8,
    definition: Any,
    group_customer: _U64,
    group: npt.NDArray[np.uint32],
    labels: list[str],
    campaign: Optional[_U64] = None,
    stage_customer: Optional[_U64] = None,
    stage: Optional[_U8] = None,
    stage_entered_at: Optional[_I64] = None,
) -> Any: ...
def funnel_by_first_touch(
    customer: _U64,
    time: _I64,
    channel: _U8,
    kind: _U8,
    definition: Any,
    by: Any,
    campaign: Optional[_U64] = None,
    stage_customer: Optional[_U64] = None,
    stage: Optional[_U8] = None,
    stage_entered_at: Optional[_I64] = None,
) -> Any: ...
def funnel(
    customer: _U64,
    time: _I64,
    channel: _U8,
    kind: _U8,
    definition: Any,
    campaign: Optional[_U64] = None,
    stage_customer: Optional[_U64] = None,
    stage: Optional[_U8] = None,
    stage_entered_at: Optional[_I64] = None,
) -> dict[str, Any]: ...
