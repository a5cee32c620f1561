"""Customer-engagement analytics, backed by the native engagement engine.

The same engine as the Rust crate ``engagement-core`` and the C library: profiles, engagement
scores, journey stages, NPS/CSAT/churn metrics, transaction summaries, RFM, segments, loyalty,
next best actions and probabilistic lifetime-value models (``ClvModel``). Columns go in as numpy arrays (or pandas/polars columns) and come out as numpy
arrays; ``customer_frame`` and ``to_frame`` give DataFrames.

>>> import engagement
>>> store = engagement.ProfileStore()
>>> store.push([1, 1, 2], [0, 86_400, 0], ["web", "web", "email"], ["purchase", "purchase", "click"],
...            value=[20.0, 25.0, 0.0])
>>> engagement.to_frame(store.stages(as_of=2 * 86_400))[["customer", "stage"]].values.tolist()
[[1, 'repeat'], [2, 'engaged']]
"""

from ._convert import CHANNELS, KINDS, RATING_SCALES, STAGES
from ._store import ProfileStore
from ._metrics import (
    conversion_rate,
    csat,
    ltv_to_cac,
    nps,
    nps_counts,
    percentile_ranks,
    retention_clv,
    retention_rate,
    rfm_scores,
    rfm_values,
    simple_clv,
    wilson,
)
from ._transactions import calibration_holdout, transaction_summary
from ._segments import SegmentSet, loyalty, next_best_actions
from ._journey import churn_between, stage_history
from ._frames import customer_frame, store_frame, to_frame
from ._clv import ClvModel
from ._partial import MetricsSummary, Partial, merge_partials
from ._attribution import Attribution, attribute, attribute_touchpoints
from ._cohort import CohortTable, cohorts
from ._transitions import JourneySequences, TransitionMatrix, journey_sequences, stage_transitions
from ._funnel import FunnelBreakdown, FunnelResult, funnel, funnel_by
from ._triggers import Triggers, due_actions
from ._survival import KaplanMeier, LogRankTest, kaplan_meier, logrank_test
from ._experiment import (
    BayesianConversion,
    ConversionTest,
    WelchTest,
    bayesian_conversion_test,
    conversion_test,
    power_two_proportions,
    sample_size_two_proportions,
    welch_test,
)
from ._engagement import (
    AsOfBeforeDataError,
    ConfigError,
    ConvergenceError,
    CorruptError,
    EmptyInputError,
    EngagementError,
    IncompatibleError,
    InvalidInputError,
    JsonError,
    LengthMismatchError,
    UnknownIdError,
    UnknownLabelError,
    __version__,
    version,
)
from ._results import ChurnSummary, NpsSummary, Proportion, PurchaseSummary

for _exc in (AsOfBeforeDataError, ConfigError, ConvergenceError, CorruptError, EmptyInputError, EngagementError, IncompatibleError,
             InvalidInputError, JsonError, LengthMismatchError, UnknownIdError, UnknownLabelError):
    _exc.__module__ = "engagement"

__all__ = [
    "AsOfBeforeDataError", "CorruptError", "MetricsSummary", "Partial", "merge_partials", "store_frame", "Attribution", "attribute", "attribute_touchpoints", "CohortTable", "cohorts", "JourneySequences", "TransitionMatrix", "FunnelBreakdown", "FunnelResult", "funnel", "funnel_by", "Triggers", "due_actions",
    "journey_sequences", "stage_transitions", "BayesianConversion", "CHANNELS", "ChurnSummary", "ClvModel", "ConfigError",
    "ConversionTest", "ConvergenceError", "EmptyInputError", "WelchTest", "bayesian_conversion_test",
    "conversion_test", "KaplanMeier", "LogRankTest", "kaplan_meier", "logrank_test", "power_two_proportions", "sample_size_two_proportions", "welch_test",
    "EngagementError", "IncompatibleError", "InvalidInputError", "JsonError", "KINDS", "LengthMismatchError",
    "NpsSummary", "ProfileStore", "Proportion", "PurchaseSummary", "RATING_SCALES", "STAGES", "SegmentSet", "UnknownIdError",
    "UnknownLabelError", "__version__", "calibration_holdout", "churn_between", "conversion_rate", "csat",
    "customer_frame", "loyalty", "ltv_to_cac", "next_best_actions", "nps", "nps_counts", "percentile_ranks",
    "retention_clv", "retention_rate", "rfm_scores", "rfm_values", "simple_clv", "stage_history", "to_frame",
    "transaction_summary", "version", "wilson",
]
