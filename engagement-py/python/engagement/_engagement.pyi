# Type stubs of the native module (checked against it by mypy.stubtest in the test command).
import os
from typing import Any, Mapping, Optional, Sequence, TypedDict, Union, final

from typing_extensions import NotRequired, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = [
    "AsOfBeforeDataError",
    "ConfigError",
    "ConvergenceError",
    "CorruptError",
    "StorageError",
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
    "NativeJourneyState",
    "ArrowTable",
    "arrow_touchpoint_addresses",
    "NativeSegments",
    "NativeClvModel",
    "clv_parameter_intervals",
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
    "set_threads",
    "threads",
    "rating_scale_codes",
    "MISSING_RATING_SCALE",
    "labels",
    "conversion_test",
    "welch_test",
    "readout",
    "rmst",
    "cox",
    "cox_predict",
    "rmst_difference",
    "readout_sums",
    "experiment_readout",
    "srm_test",
    "adjust_p_values",
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
    "retention",
    "lifecycle",
    "stickiness",
    "NativeEventDictionary",
    "path_analysis",
    "sessions",
    "step_matrix_diff",
    "__version__",
]

__version__: str
MISSING_RATING_SCALE: int

class EngagementError(Exception):
    row: Optional[int]
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
class StorageError(EngagementError): ...

_U64: TypeAlias = npt.NDArray[np.uint64]
_I64: TypeAlias = npt.NDArray[np.int64]
_U8: TypeAlias = npt.NDArray[np.uint8]
_F64: TypeAlias = npt.NDArray[np.float64]
_BOOL: TypeAlias = npt.NDArray[np.bool_]
_F32: TypeAlias = npt.NDArray[np.float32]

class _Touchpoints(TypedDict):
    """Touchpoint columns, as ``_convert.touchpoints`` builds them."""

    customer: _U64
    time: _I64
    channel: _U8
    kind: _U8
    value: NotRequired[Optional[_F64]]
    rating: NotRequired[Optional[_F32]]
    rating_scale: NotRequired[Optional[_U8]]

class _Transactions(TypedDict):
    """Transaction columns, as ``_convert.transactions`` builds them."""

    customer: _U64
    time: _I64
    value: NotRequired[Optional[_F64]]

class _StageHistory(TypedDict):
    """Stage-history columns, as ``_convert.stage_history`` builds them."""

    customer: _U64
    stage: _U8
    entered_at: _I64

def version() -> str: ...
def set_threads(threads: int) -> None: ...
def threads() -> int: ...

@final
class NativeTriggers:
    def __new__(cls, config: Any) -> NativeTriggers: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> NativeTriggers: ...
    def save(self, path: Union[str, os.PathLike[str]]) -> None: ...
    @staticmethod
    def load(path: Union[str, os.PathLike[str]]) -> NativeTriggers: ...
    def push(
        self,
        touchpoints: _Touchpoints,
        events: Optional[npt.NDArray[np.uint32]] = None,
        dictionary: Optional[NativeEventDictionary] = None,
        campaign: Optional[_U64] = None,
    ) -> dict[str, Any]: ...
    def advance(self, now: int) -> dict[str, Any]: ...
    def counts(self) -> tuple[int, int, int, Optional[int]]: ...

@final
class NativeJourneyState:
    def __new__(cls, config: Any) -> NativeJourneyState: ...
    def push(
        self,
        touchpoints: _Touchpoints,
        redemption_customer: _U64,
        redemption_time: npt.NDArray[np.int64],
        redemption_points: _U64,
    ) -> None: ...
    def push_arrow(
        self,
        data: Any,
        redemption_customer: _U64,
        redemption_time: npt.NDArray[np.int64],
        redemption_points: _U64,
    ) -> None: ...
    def arrow(self, name: str, as_of: Optional[int], rule: Optional[Any] = None) -> ArrowTable: ...
    def config(self) -> Any: ...
    def counts(self) -> tuple[int, Optional[int]]: ...
    def stage_history(self, until: int) -> dict[str, Any]: ...
    def loyalty(self, as_of: int) -> Any: ...
    def funnel(self) -> Any: ...
    def cohorts(self, as_of: int) -> Any: ...
    def paths(self) -> Any: ...
    def attribute(self, rule: Optional[Any] = None) -> Any: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> NativeJourneyState: ...
    def save(self, path: Union[str, os.PathLike[str]]) -> None: ...
    @staticmethod
    def load(path: Union[str, os.PathLike[str]]) -> NativeJourneyState: ...

@final
class ArrowTable:
    def __arrow_c_stream__(self, requested_schema: Optional[Any] = None) -> Any: ...
    def __len__(self) -> int: ...
    @property
    def column_names(self) -> list[str]: ...

def arrow_touchpoint_addresses(data: Any) -> dict[str, Any]: ...

@final
class NativeStore:
    def __new__(cls, config: Optional[Any] = None) -> NativeStore: ...
    def push(self, touchpoints: _Touchpoints) -> None: ...
    def push_arrow(self, data: Any) -> None: ...
    def __len__(self) -> int: ...
    def latest_time(self) -> Optional[int]: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> NativeStore: ...
    def save(self, path: Union[str, os.PathLike[str]]) -> None: ...
    @staticmethod
    def load(path: Union[str, os.PathLike[str]]) -> NativeStore: ...
    @staticmethod
    def from_partial(partial: NativePartial, config: Optional[Any] = None) -> NativeStore: ...
    def customers(self) -> _U64: ...
    def scores(self, as_of: int) -> dict[str, Any]: ...
    def stages(self, as_of: int, config: Optional[Any] = None) -> dict[str, Any]: ...
    def profiles(self) -> Any: ...
    def profile(self, customer: int) -> Any: ...
    def merge(self, other: NativeStore) -> None: ...
    def add_customer(self, record: Any) -> None: ...
    def nps(self, level: Optional[float] = None) -> Any: ...
    def csat(self, level: Optional[float] = None) -> Any: ...
    def repeat_purchase_rate(self, level: Optional[float] = None) -> Any: ...
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
        touchpoints: _Touchpoints,
        events: Optional[npt.NDArray[np.uint32]] = None,
        dictionary: Optional[NativeEventDictionary] = None,
        campaign: Optional[_U64] = None,
        session: Optional[_U64] = None,
    ) -> NativePartial: ...
    @staticmethod
    def empty(spec: Any) -> NativePartial: ...
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

@final
class NativeClvModel:
    def __new__(cls, model: str, params: dict[str, float], unit: Optional[str] = None) -> NativeClvModel: ...
    @staticmethod
    def from_json(text: str) -> NativeClvModel: ...
    def to_json(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def unit(self) -> Optional[str]: ...
    def parameters(self) -> list[tuple[str, float]]: ...
    def check_data_unit(self, data_unit: Optional[str] = None) -> None: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...
    @staticmethod
    def fit(
        model: str,
        frequency: _F64,
        recency: Optional[_F64] = None,
        t: Optional[_F64] = None,
        monetary_value: Optional[_F64] = None,
        options: Optional[Any] = None,
        weights: Optional[_F64] = None,
        data_unit: Optional[str] = None,
    ) -> tuple[NativeClvModel, dict[str, Any]]: ...
    @staticmethod
    def fit_retention(alive: _F64, options: Optional[Any] = None) -> tuple[NativeClvModel, dict[str, Any]]: ...
    def p_alive(self, frequency: _F64, recency: _F64, t: _F64) -> _F64: ...
    def p_alive_history(self, purchases: _F64, at: _F64) -> _F64: ...
    def period_transactions(
        self, frequency: _F64, recency: _F64, t: _F64, max_frequency: Optional[int] = None, weights: Optional[_F64] = None
    ) -> Any: ...
    def calibration_holdout(
        self,
        frequency: _F64,
        recency: _F64,
        t: _F64,
        holdout: _F64,
        duration: float,
        max_frequency: Optional[int] = None,
        weights: Optional[_F64] = None,
    ) -> Any: ...
    def conditional_expected_purchases(self, horizon: float, frequency: _F64, recency: _F64, t: _F64) -> _F64: ...
    def expected_purchases_new(self, t: _F64) -> _F64: ...
    def expected_spend(self, frequency: _F64, monetary_value: _F64) -> _F64: ...
    def survival(self, t: _F64) -> _F64: ...
    def retention_rate(self, t: _F64) -> _F64: ...
    def probability_of_purchases(self, t: _F64, x: _F64) -> _F64: ...
    def discounted_value(
        self, frequency: _F64, recency: _F64, t: _F64, spend: _F64, options: Optional[Any] = None
    ) -> _F64: ...
    def frequency_recency_matrix(self, value: Any, max_frequency: int, t: float) -> tuple[_F64, _F64, _F64]: ...
    def simulate(self, t: _F64, seed: int) -> tuple[_F64, _F64]: ...
    def simulate_spend(self, frequency: _F64, seed: int) -> _F64: ...
    def simulate_survivors(self, cohort: int, periods: int, seed: int) -> _F64: ...

def nps(ratings: _F32, level: Optional[float] = None) -> Any: ...
def nps_counts(promoters: int, passives: int, detractors: int, level: Optional[float] = None) -> Any: ...
def csat(ratings: _F32, level: Optional[float] = None) -> Any: ...
def wilson(successes: int, trials: int, level: Optional[float] = None) -> Any: ...
def retention_rate(at_start: int, at_end: int, new: int, level: Optional[float] = None) -> Any: ...
def simple_clv(input: Any) -> float: ...
def retention_clv(margin: float, retention: float, discount_rate: float) -> float: ...
def ltv_to_cac(clv: float, cac: float) -> float: ...
def percentile_ranks(values: _F64) -> _F64: ...
def clv_parameter_intervals(params: _F64, standard_errors: _F64, level: Optional[float] = None) -> tuple[_F64, _F64]: ...
def transaction_summary(
    transactions: _Transactions, observation_end: int, config: Optional[Any] = None
) -> dict[str, Any]: ...
def calibration_holdout(
    transactions: _Transactions,
    calibration_end: int,
    observation_end: int,
    config: Optional[Any] = None,
) -> Any: ...
def rfm_values(transactions: _Transactions, as_of: int, config: Optional[Any] = None) -> dict[str, Any]: ...
def rfm_scores(
    customer: _U64, recency: _F64, frequency: _F64, monetary: _F64, config: Optional[Any] = None
) -> dict[str, Any]: ...
def stage_history(
    touchpoints: _Touchpoints,
    *,
    until: int,
    config: Optional[Any] = None,
) -> dict[str, Any]: ...
def churn_between(
    touchpoints: _Touchpoints,
    *,
    until: int,
    start: int,
    end: int,
    level: Optional[float] = None,
    config: Optional[Any] = None,
) -> Any: ...
def loyalty(
    touchpoints: _Touchpoints,
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
def rating_scale_codes(labels: list[str | None]) -> _U8: ...
def labels() -> tuple[list[str], list[str], list[str], list[str]]: ...
def conversion_test(
    control_successes: int, control_trials: int, treatment_successes: int, treatment_trials: int, level: Optional[float] = None
) -> dict[str, Any]: ...
def welch_test(control: _F64, treatment: _F64, level: Optional[float] = None) -> dict[str, Any]: ...
def readout(
    arm: Any,
    values: _F64,
    denominators: Optional[_F64] = None,
    pre_values: Optional[_F64] = None,
    pre_denominators: Optional[_F64] = None,
    config: Any = None,
    arms: Optional[list[str]] = None,
) -> dict[str, Any]: ...
def readout_sums(arms: Any, config: Any = None) -> dict[str, Any]: ...
def experiment_readout(
    touchpoints: _Touchpoints,
    assigned_customer: _U64,
    arm: Any,
    exposed_at: npt.NDArray[np.int64],
    spec: Any,
    events: Optional[npt.NDArray[np.uint32]] = None,
    dictionary: Optional[NativeEventDictionary] = None,
    campaign: Optional[_U64] = None,
    arms: Optional[list[str]] = None,
) -> dict[str, Any]: ...
def rmst(duration: _F64, observed: npt.NDArray[np.bool_], tau: float, level: Optional[float] = None) -> dict[str, Any]: ...
def cox(
    duration: _F64,
    observed: npt.NDArray[np.bool_],
    numeric: Sequence[_F64],
    numeric_names: Sequence[str],
    categorical: Sequence[Any],
    categorical_names: Sequence[str],
    strata: Optional[Any] = None,
    clusters: Optional[Any] = None,
    references: Optional[Mapping[str, str]] = None,
    config: Optional[Any] = None,
    ties: Optional[str] = None,
) -> dict[str, Any]: ...
def cox_predict(
    model: Any,
    numeric: Sequence[_F64],
    numeric_names: Sequence[str],
    categorical: Sequence[Any],
    categorical_names: Sequence[str],
    times: _F64,
    strata: Optional[Any] = None,
) -> tuple[_F64, _F64, _F64]: ...
def rmst_difference(
    duration_a: _F64,
    observed_a: npt.NDArray[np.bool_],
    duration_b: _F64,
    observed_b: npt.NDArray[np.bool_],
    tau: float,
    level: Optional[float] = None,
) -> dict[str, Any]: ...
def srm_test(counts: Sequence[int], weights: Optional[_F64] = None) -> dict[str, Any]: ...
def adjust_p_values(p_values: _F64, correction: str) -> _F64: ...
def bayesian_conversion_test(
    control_successes: int,
    control_trials: int,
    treatment_successes: int,
    treatment_trials: int,
    prior: Optional[Any] = None,
    level: Optional[float] = None,
) -> dict[str, Any]: ...
def power_two_proportions(
    baseline: float, minimum_detectable_effect: float, n_per_group: float, alpha: Optional[float] = None
) -> float: ...
def sample_size_two_proportions(
    baseline: float, minimum_detectable_effect: float, alpha: Optional[float] = None, power: Optional[float] = None
) -> float: ...
def kaplan_meier(duration: _F64, observed: _BOOL, level: Optional[float] = None) -> dict[str, Any]: ...
def logrank_test(duration_a: _F64, observed_a: _BOOL, duration_b: _F64, observed_b: _BOOL) -> dict[str, Any]: ...
def attribute(table: Any, rule: Optional[Any] = None) -> dict[str, Any]: ...
def cohorts(transactions: _Transactions, as_of: int, config: Optional[Any] = None) -> dict[str, Any]: ...
def stickiness(
    touchpoints: _Touchpoints,
    events: Optional[npt.NDArray[np.uint32]] = None,
    dictionary: Optional[NativeEventDictionary] = None,
    campaign: Optional[_U64] = None,
    config: Optional[Any] = None,
) -> dict[str, Any]: ...
def lifecycle(
    touchpoints: _Touchpoints,
    events: Optional[npt.NDArray[np.uint32]] = None,
    dictionary: Optional[NativeEventDictionary] = None,
    campaign: Optional[_U64] = None,
    config: Optional[Any] = None,
) -> dict[str, Any]: ...
def retention(
    touchpoints: _Touchpoints,
    events: Optional[npt.NDArray[np.uint32]] = None,
    dictionary: Optional[NativeEventDictionary] = None,
    campaign: Optional[_U64] = None,
    config: Optional[Any] = None,
) -> dict[str, Any]: ...
def attribute_touchpoints(
    touchpoints: _Touchpoints,
    paths: Optional[Any] = None,
    rule: Optional[Any] = None,
    events: Optional[npt.NDArray[np.uint32]] = None,
    dictionary: Optional[NativeEventDictionary] = None,
    campaign: Optional[_U64] = None,
) -> dict[str, Any]: ...
def journey_sequences(touchpoints: _Touchpoints, config: Optional[Any] = None) -> dict[str, Any]: ...
def stage_transitions(history: _StageHistory) -> dict[str, Any]: ...
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
    stage_history: Optional[_StageHistory] = None,
    events: Optional[npt.NDArray[np.uint32]] = None,
    dictionary: Optional[NativeEventDictionary] = None,
    session: Optional[_U64] = None,
) -> Any: ...
def funnel_by_first_touch(
    touchpoints: _Touchpoints,
    definition: Any,
    by: Any,
    campaign: Optional[_U64] = None,
    stage_history: Optional[_StageHistory] = None,
    events: Optional[npt.NDArray[np.uint32]] = None,
    dictionary: Optional[NativeEventDictionary] = None,
    session: Optional[_U64] = None,
) -> Any: ...
def funnel(
    touchpoints: _Touchpoints,
    definition: Any,
    campaign: Optional[_U64] = None,
    stage_history: Optional[_StageHistory] = None,
    events: Optional[npt.NDArray[np.uint32]] = None,
    dictionary: Optional[NativeEventDictionary] = None,
    session: Optional[_U64] = None,
) -> dict[str, Any]: ...

@final
class NativeEventDictionary:
    def __new__(cls, labels: Optional[list[str]] = None) -> NativeEventDictionary: ...
    def intern(self, labels: Any) -> npt.NDArray[np.uint32]: ...
    def labels(self) -> list[str]: ...
    def code(self, label: str) -> Optional[int]: ...
    def merge(self, other: NativeEventDictionary) -> npt.NDArray[np.uint32]: ...
    def __len__(self) -> int: ...

def path_analysis(
    touchpoints: _Touchpoints,
    events: Optional[npt.NDArray[np.uint32]] = None,
    dictionary: Optional[NativeEventDictionary] = None,
    campaign: Optional[_U64] = None,
    session: Optional[_U64] = None,
    config: Optional[Any] = None,
) -> dict[str, Any]: ...
def sessions(
    customer: _U64, time: _I64, session: Optional[_U64] = None, config: Optional[Any] = None
) -> tuple[dict[str, Any], Optional[dict[str, Any]]]: ...
def step_matrix_diff(
    labels_a: list[str], matrix_a: _F64, labels_b: list[str], matrix_b: _F64, steps: int
) -> dict[str, Any]: ...
