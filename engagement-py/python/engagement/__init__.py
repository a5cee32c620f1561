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

Labels
------
Channel, kind, stage and rating-scale labels (in columns, JSON inputs and Arrow data alike) are
read with ASCII case ignored, surrounding spaces trimmed and ``-`` or an inner space read as ``_``:
``" Mobile-App"`` is ``mobile_app``. Results name them in that canonical spelling. A CRM's own
names go through aliases (``Aliases`` below); a product's own event labels are kept exactly as
given (``"Signup"`` and ``"signup"`` are two events).

JSON inputs
-----------
Configurations, definitions and models are given as dicts (or JSON strings); a key left out keeps
its default, and an unknown key or value raises ``JsonError`` naming the place and the accepted
ones. One example of each shape, by the name the docstrings use (the same as the C header's):

    ScoreConfig       {"mix": {"emotional": 2, "contextual": 1, "convenient": 1, "social": 0}}
    StageConfig       {"churn_window_days": 365, "loyal_min_purchases": 4, "at_risk_factor": 2}
    SequenceConfig    {"by": "kind", "steps": 5, "path_length": 4, "top_paths": 20}
    Funnel            {"steps": [{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"], "channels": ["web"], "within": 86400}], "window": 604800, "exclusions": [{"name": "refund", "kinds": ["refund"], "between": [0, 1]}], "breakdown": "channel"}
    GroupBy           {"cohort": "week"}
    GroupLabels       ["email", "web", "store"]
    CohortConfig      {"period": "week", "max_periods": 12}
    TriggerConfig     {"rules": [{"name": "hi", "action": "welcome", "when": {"type": "first_touch"}}], "quiet_hours": {"from": 22, "to": 8}}
    SegmentSet        {"version": 1, "segments": [{"name": "big", "rule": {"field": "revenue", "op": ">=", "value": 500}}]}
    RfmConfig         {"bins": "customers", "monetary": "total", "segments": [{"name": "all", "r": [1, 5], "fm": [1, 5]}]}
    LoyaltyConfig     {"points_per_currency_unit": 1, "expiry_days": 365, "tiers": [{"name": "gold", "threshold": 1000, "multiplier": 1.5}]}
    ActionTable       {"rules": [{"action": "gift", "priority": 5, "stages": ["loyal"], "segments": ["big"], "tiers": ["gold"]}]}
    Membership        {"customer": [1, 2], "names": ["big"], "member": [[true, false]], "primary": [0, null]}
    Accounts          {"customer": [1], "balance": [40], "earned": [40], "redeemed": [0], "expired": [0], "rejected_redemptions": [0], "tier": [0], "tier_names": ["gold"]}
    StageHistory      {"customer": [1, 1], "stage": ["prospect", "new_customer"], "entered_at": [0, 60], "until": 86400}
    Customer          {"id": 7, "acquired_at": 1704067200, "acquisition_channel": "web", "birthday": {"month": 2, "day": 29}, "attributes": {"plan": "pro"}}
    Aliases           {"newsletter": "email", "in-app": "mobile_app"}
    SummaryConfig     {"period": "day", "unit": "week"}
    FitOptions        {"max_iterations": 200, "unit": "week"}
    Model             {"model": "bg_nbd", "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "unit": "week"}
    DiscountOptions   {"horizon": {"months": 12}, "discount_rate": 0.01}
    MatrixValue       {"value": "expected_purchases", "horizon": 4}
    PathTable         {"paths": ["email > web", "ads"], "conversions": [2, 1], "value": [80.0, 20.0], "nulls": [5, 3]}
    PathOptions       {"by": "event", "lookback": 604800, "include_conversion": false}
    Rule              {"rule": "markov", "order": 2}
    PartialSpec       {"kind": "paths", "lookback": 2592000, "include_conversion": false, "by": "campaign"}
    SimpleClvInput    {"average_order_value": 40, "purchase_frequency": 2, "lifespan": 3}
    PathConfig        {"by": "channel:event", "per": "session", "session": {"gap": 1800}, "collapse_repeats": true, "steps": 10, "path_length": 5, "top_paths": 10, "step_flows": true}
    SessionConfig     {"gap": 1800}
    EventLabels       ["catalog", "product_view", "", "café"]
    RetentionConfig   {"start": {"events": ["signup"]}, "return": {"kinds": ["purchase"]}, "period": "week", "brackets": [[1, 1], [2, 4]], "mode": "unbounded", "as_of": 1735689600, "utc_offset": 3600}
    LifecycleConfig   {"activity": {"events": ["open_app", "purchase"]}, "period": "month", "as_of": 1735689600, "utc_offset": -18000}
    StickinessConfig  {"activity": {"kinds": ["visit"], "channels": ["web", "mobile_app"]}, "period": "week", "as_of": 1735689600}
    ReadoutConfig     {"kind": "ratio", "control": "control", "level": 0.95, "sequential": true, "sequential_tuning": 5000, "correction": "holm", "prior": {"mean": 0, "variance": 0.09}, "weights": {"control": 1, "b": 1}}
    ArmSums           [{"name": "control", "count": 1000, "main_sum": 250, "main_sum_squares": 250}, {"name": "b", "count": 1000, "main_sum": 270, "main_sum_squares": 270}]
    ExperimentSpec    {"metrics": [{"name": "purchased", "measure": {"type": "conversion", "match": {"kinds": ["purchase"]}}, "window": 604800}, {"name": "revenue_per_session", "measure": {"type": "ratio", "numerator": {"type": "value", "match": {"kinds": ["purchase"]}}, "denominator": {"type": "sessions", "gap": 1800}}, "pre_period": 2419200}], "readout": {"sequential": true}}
    CoxConfig         {"ties": "breslow", "level": 0.9, "robust": true, "max_iterations": 50}
    CoxColumns        {"numeric": ["score", "tenure"], "categorical": [{"name": "channel", "levels": ["email", "search", "web"], "reference": "email"}], "strata": ["basic", "premium"]}
    JourneyStateConfig  {"stages": {}, "loyalty": {"expiry_days": 365}, "funnel": {"steps": [{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}], "window": 604800}, "cohorts": {"config": {"period": "month", "max_periods": 12}, "activity": "purchases"}, "paths": {"lookback": 2592000}}

A model may also be a whole fit result; accounts may be the whole result of ``loyalty``.
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
from ._fitters import (BetaGeoFitter, CoxPHFitter, GammaGammaFitter, KaplanMeierFitter, ModifiedBetaGeoFitter,
                       ParetoNBDFitter, parameter_intervals)
from ._partial import MetricsSummary, Partial, merge_partials
from ._attribution import Attribution, attribute, attribute_touchpoints
from ._cohort import CohortTable, cohorts
from ._retention import LifecycleTable, RetentionTable, StickinessTable, lifecycle, retention, stickiness
from ._transitions import JourneySequences, TransitionMatrix, journey_sequences, stage_transitions
from ._funnel import EventCorrelation, FunnelBreakdown, FunnelResult, TimeHistogram, funnel, funnel_by
from ._events import EventDictionary, PathAnalysis, Sessions, SessionSummary, paths, sessions
from ._triggers import Triggers, due_actions
from ._state import JourneyState
from ._survival import (CoxBaseline, CoxLikelihoodRatio, CoxModel, CoxPrediction, CoxTerm, KaplanMeier, LogRankTest, Rmst,
                        RmstDifference, cox, kaplan_meier, logrank_test, rmst, rmst_difference)
from ._experiment import (
    ArmReadout,
    BayesianConversion,
    Comparison,
    ConversionTest,
    Effect,
    ExperimentReadout,
    LogNormalEffect,
    MetricReadout,
    Readout,
    SrmTest,
    WelchTest,
    adjust_p_values,
    bayesian_conversion_test,
    conversion_test,
    experiment,
    power_two_proportions,
    readout,
    readout_sums,
    sample_size_two_proportions,
    srm_test,
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
    StorageError,
    UnknownIdError,
    UnknownLabelError,
    __version__,
    version,
)
from ._results import ChurnSummary, NpsSummary, Proportion, PurchaseSummary
from ._threads import set_threads, threads

for _exc in (AsOfBeforeDataError, ConfigError, ConvergenceError, CorruptError, EmptyInputError, EngagementError, IncompatibleError,
             InvalidInputError, JsonError, LengthMismatchError, StorageError, UnknownIdError, UnknownLabelError):
    _exc.__module__ = "engagement"

__all__ = [
    "AsOfBeforeDataError", "CorruptError", "StorageError", "MetricsSummary", "Partial", "merge_partials", "store_frame", "Attribution", "attribute", "attribute_touchpoints", "CohortTable", "cohorts", "JourneySequences", "TransitionMatrix", "EventCorrelation", "FunnelBreakdown", "FunnelResult", "TimeHistogram", "funnel", "funnel_by", "Triggers", "due_actions", "JourneyState",
    "journey_sequences", "stage_transitions", "BayesianConversion", "CHANNELS", "ChurnSummary", "ClvModel", "ConfigError",
    "ConversionTest", "ConvergenceError", "EmptyInputError", "WelchTest", "bayesian_conversion_test",
    "conversion_test", "KaplanMeier", "LogRankTest", "kaplan_meier", "logrank_test", "power_two_proportions", "sample_size_two_proportions", "welch_test",
    "ArmReadout", "Comparison", "Effect", "LogNormalEffect", "Readout", "SrmTest", "adjust_p_values", "readout",
    "readout_sums", "srm_test", "ExperimentReadout", "MetricReadout", "experiment", "Rmst", "RmstDifference", "rmst", "rmst_difference", "CoxBaseline", "CoxLikelihoodRatio", "CoxModel", "CoxPrediction", "CoxTerm", "cox",
    "EngagementError", "IncompatibleError", "InvalidInputError", "JsonError", "KINDS", "LengthMismatchError",
    "NpsSummary", "ProfileStore", "Proportion", "PurchaseSummary", "RATING_SCALES", "STAGES", "SegmentSet", "UnknownIdError",
    "UnknownLabelError", "__version__", "calibration_holdout", "churn_between", "conversion_rate", "csat",
    "customer_frame", "loyalty", "ltv_to_cac", "next_best_actions", "nps", "nps_counts", "percentile_ranks",
    "retention_clv", "retention_rate", "rfm_scores", "rfm_values", "simple_clv", "stage_history", "to_frame",
    "transaction_summary", "version", "wilson", "EventDictionary", "PathAnalysis", "Sessions", "SessionSummary",
    "paths", "sessions", "RetentionTable", "retention", "LifecycleTable", "lifecycle", "StickinessTable", "stickiness",
    "set_threads", "threads", "BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter", "GammaGammaFitter",
    "parameter_intervals", "KaplanMeierFitter", "CoxPHFitter",
]
