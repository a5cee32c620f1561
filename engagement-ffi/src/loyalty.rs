//! The loyalty programme and next best actions, from C.

use std::ffi::c_char;

use engagement_core::{
    ActionInputs, ActionTable, LoyaltyAccounts, LoyaltyConfig, RedemptionColumns,
    SegmentMembership, StageColumns,
};

use crate::boundary::{Failure, boundary};
use crate::handle::{hand_out, handle_ref, out, slice};
use crate::status::eng_status;
use crate::table::{Source, TableHandle, eng_table};
use crate::touchpoints::{Reads, eng_touchpoints, read};

/// Redemption columns as C passes them (NULL with length 0 for none).
///
/// # Safety
/// Each pointer NULL or `len` readable elements.
pub(crate) unsafe fn redemption_columns<'a>(
    r_customer: *const u64,
    r_time: *const i64,
    r_points: *const u64,
    len: usize,
) -> Result<RedemptionColumns<'a>, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        Ok(RedemptionColumns {
            customer: slice(r_customer, len, "r_customer")?,
            time: slice(r_time, len, "r_time")?,
            points: slice(r_points, len, "r_points")?,
        })
    }
}

/// The loyalty report both loyalty calls return, from their C arguments.
///
/// # Safety
/// As `eng_loyalty_json`.
unsafe fn report(
    touchpoints: *const eng_touchpoints,
    (r_customer, r_time, r_points, redemptions_len): (*const u64, *const i64, *const u64, usize),
    as_of: i64,
    (config_json, config_len): (*const c_char, usize),
) -> Result<engagement_core::LoyaltyReport, Failure> {
    // SAFETY: the caller's promises, forwarded.
    unsafe {
        let cols = read(touchpoints)?.columns(Reads::All)?;
        let redemptions = redemption_columns(r_customer, r_time, r_points, redemptions_len)?;
        let config: LoyaltyConfig = crate::json::config(config_json, config_len, "config_json")?;
        Ok(engagement_core::run_loyalty(
            &cols,
            &redemptions,
            as_of,
            &config,
        )?)
    }
}

/// Runs the loyalty programme over the touchpoints (columns read as
/// `eng_profile_store_push`) and `redemptions_len` point redemptions
/// (`r_customer`, `r_time`, `r_points` > 0) up to `as_of`. `config_json` is a
/// `LoyaltyConfig` (NULL or empty: the default programme). The result is JSON
/// owned by the caller (release with `eng_string_free`):
/// `{"accounts": {"customer", "balance", "earned", "redeemed", "expired",
/// "rejected_redemptions", "tier" (index or null), "tier_names"},
/// "history": {"customer", "tier", "since"}}`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT`,
/// `ENG_STATUS_AS_OF_BEFORE_DATA`,
/// `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `touchpoints` a valid `eng_touchpoints`; redemption columns must
/// point to `redemptions_len` elements; `out_json` valid for one write;
/// `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_loyalty_json(
    touchpoints: *const eng_touchpoints,
    r_customer: *const u64,
    r_time: *const i64,
    r_points: *const u64,
    redemptions_len: usize,
    as_of: i64,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let report = report(
                touchpoints,
                (r_customer, r_time, r_points, redemptions_len),
                as_of,
                (config_json, config_len),
            )?;
            crate::json::write(&report, out_json, out_len)
        }
    })
}

/// The next best action of each of `len` customers (`customer` ids with
/// their `stage` codes, `ENG_STAGE_*`, as `eng_profile_store_stages` writes
/// them) under the action table `table_json`. The result is a JSON array
/// with one action name (or null when no row matches) per customer, owned by
/// the caller (release with `eng_string_free`).
///
/// `table_json` (NULL or empty: the default table) is
/// `{"rules": [{"action": "gift", "priority": 5, "stages": ["loyal"],
/// "segments": ["big"], "tiers": ["gold"]}, …]}`: of the rows whose
/// conditions all hold (each non-empty list is one: the stage is one of
/// `stages`, the customer is in one of `segments`, the tier is one of
/// `tiers`; an empty or absent list matches anyone; a condition on data not
/// given never matches), the lowest `priority` wins, ties in table order.
/// The default table:
///
/// | action | priority | when |
/// |---|---|---|
/// | win_back_offer | 10 | stage at_risk |
/// | vip_care | 15 | tier platinum |
/// | reactivation_campaign | 20 | stage churned |
/// | referral_ask | 30 | stage advocate |
/// | upgrade_offer | 40 | stage loyal |
/// | onboarding_series | 50 | stage new_customer |
/// | cross_sell | 60 | stage repeat |
/// | first_purchase_incentive | 70 | stage engaged |
/// | nurture_content | 80 | stage prospect |
///
/// Optional inputs (NULL or empty when not used), each taken as the call
/// that makes it returns it: `membership_json`, the document of
/// `eng_profile_store_segments_json` (`{"customer": [1, 2], "names":
/// ["big"], "member": [[true, false]], "primary": [0, null]}`, one `member`
/// list per segment); `accounts_json`, the document of `eng_loyalty_json`
/// or its `accounts` object (tiers by index into `tier_names`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT` (a bad stage code),
/// `ENG_STATUS_CONFIG` (a rule naming an unknown segment or tier),
/// `ENG_STATUS_JSON`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `customer` and `stage` must point to `len` elements; JSON arguments NULL
/// or readable for their lengths; `out_json` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_next_best_actions_json(
    customer: *const u64,
    stage: *const u8,
    len: usize,
    table_json: *const c_char,
    table_len: usize,
    membership_json: *const c_char,
    membership_len: usize,
    accounts_json: *const c_char,
    accounts_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let customers = slice(customer, len, "customer")?;
            let stages = StageColumns::from_codes(customers.to_vec(), slice(stage, len, "stage")?)?;
            let table: ActionTable = crate::json::config(table_json, table_len, "table_json")?;
            let membership: Option<SegmentMembership> =
                crate::json::optional(membership_json, membership_len, "membership_json")?;
            let accounts = crate::handle::text(accounts_json, accounts_len, "accounts_json")?;
            let accounts = match accounts.trim() {
                "" => None,
                text => Some(LoyaltyAccounts::from_json(text)?),
            };
            let a = table.recommend(
                customers,
                &ActionInputs {
                    stages: Some(&stages),
                    segments: membership.as_ref(),
                    loyalty: accounts.as_ref(),
                },
            )?;
            let names: Vec<Option<&str>> =
                (0..a.customer.len()).map(|i| a.action_name(i)).collect();
            crate::json::write(&names, out_json, out_len)
        }
    })
}

/// The loyalty programme of `eng_loyalty_json` (same inputs and statuses),
/// its results as two tables owned by the caller (`eng_table_free` each):
/// `*out_accounts` with columns `customer`, `balance`, `earned`,
/// `redeemed`, `expired`, `rejected_redemptions` (u64) and `tier` (label,
/// -1 below every tier), which `eng_next_best_actions_table` takes as it
/// is; `*out_history` (may be NULL when not wanted) with `customer` (u64),
/// `tier` (label) and `since` (i64): from `since` on the customer holds the
/// tier. Outputs are written only on success.
///
/// # Safety
/// As `eng_loyalty_json`; `out_accounts` valid for one write, `out_history`
/// NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_loyalty_tables(
    touchpoints: *const eng_touchpoints,
    r_customer: *const u64,
    r_time: *const i64,
    r_points: *const u64,
    redemptions_len: usize,
    as_of: i64,
    config_json: *const c_char,
    config_len: usize,
    out_accounts: *mut *mut eng_table,
    out_history: *mut *mut eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_accounts = out(out_accounts, "out_accounts")?;
            let report = report(
                touchpoints,
                (r_customer, r_time, r_points, redemptions_len),
                as_of,
                (config_json, config_len),
            )?;
            hand_out_report(report, out_accounts, out_history);
            Ok(())
        }
    })
}

/// Hands out a loyalty report as the accounts table (which
/// `eng_next_best_actions_table` takes) and, unless `out_history` is NULL,
/// the tier history table.
///
/// # Safety
/// `out_history` NULL or valid for one write.
pub(crate) unsafe fn hand_out_report(
    report: engagement_core::LoyaltyReport,
    out_accounts: &mut *mut eng_table,
    out_history: *mut *mut eng_table,
) {
    if !out_history.is_null() {
        let history = TableHandle::new(report.history_table(), Source::Other);
        // SAFETY: not NULL, and the caller promises one write.
        hand_out(history, unsafe { &mut *out_history });
    }
    let table = engagement_core::table::ToTable::to_table(&report.accounts);
    hand_out(
        TableHandle::new(table, Source::Accounts(report.accounts)),
        out_accounts,
    );
}

/// The next best action of each of `len` customers, as
/// `eng_next_best_actions_json` decides it (same `customer`, `stage` and
/// `table_json`), with segment membership and loyalty tiers given as the
/// tables the calls that compute them return: `segments` from
/// `eng_profile_store_segments_table`, `accounts` from
/// `eng_loyalty_tables` (either NULL when not used). Tables are matched to
/// `customer` by id, in any order; a customer a table does not list meets no
/// condition on it (no segment, no tier). `*out_actions`
/// receives a table owned by the caller (`eng_table_free`): `customer`
/// (u64) and `action` (label: the action of each customer, -1 when no rule
/// matched).
///
/// Returns as `eng_next_best_actions_json`, and `ENG_STATUS_INCOMPATIBLE`
/// for a table that another call made.
///
/// # Safety
/// `customer` and `stage` must point to `len` elements; `table_json` NULL or
/// readable for `table_len`; `segments` and `accounts` NULL or live tables;
/// `out_actions` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_next_best_actions_table(
    customer: *const u64,
    stage: *const u8,
    len: usize,
    table_json: *const c_char,
    table_len: usize,
    segments: *const eng_table,
    accounts: *const eng_table,
    out_actions: *mut *mut eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_actions = out(out_actions, "out_actions")?;
            let customers = slice(customer, len, "customer")?;
            let stages = StageColumns::from_codes(customers.to_vec(), slice(stage, len, "stage")?)?;
            let table: ActionTable = crate::json::config(table_json, table_len, "table_json")?;
            let segments = match segments.is_null() {
                true => None,
                false => match &handle_ref(segments, "segments")?.source {
                    Source::Segments(m) => Some(m),
                    _ => return Err(not_from("segments", "eng_profile_store_segments_table")),
                },
            };
            let accounts = match accounts.is_null() {
                true => None,
                false => match &handle_ref(accounts, "accounts")?.source {
                    Source::Accounts(a) => Some(a),
                    _ => return Err(not_from("accounts", "eng_loyalty_tables (its accounts)")),
                },
            };
            let a = table.recommend(
                customers,
                &ActionInputs {
                    stages: Some(&stages),
                    segments,
                    loyalty: accounts,
                },
            )?;
            hand_out(TableHandle::of(&a, Source::Other), out_actions);
            Ok(())
        }
    })
}

fn not_from(argument: &str, call: &str) -> Failure {
    Failure::new(
        eng_status::Incompatible,
        format!("argument {argument} is not a table made by {call}"),
    )
}
