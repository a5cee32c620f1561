//! Integer codes of the engine's enumerations, as C constants.
//!
//! They equal the core's `Channel`, `TouchpointKind`, `JourneyStage` and
//! `RatingScale` codes; a test checks every one, so they cannot drift.

/// Channel code of `email`.
pub const ENG_CHANNEL_EMAIL: u8 = 0;
/// Channel code of `web`.
pub const ENG_CHANNEL_WEB: u8 = 1;
/// Channel code of `mobile_app`.
pub const ENG_CHANNEL_MOBILE_APP: u8 = 2;
/// Channel code of `social`.
pub const ENG_CHANNEL_SOCIAL: u8 = 3;
/// Channel code of `phone`.
pub const ENG_CHANNEL_PHONE: u8 = 4;
/// Channel code of `chat`.
pub const ENG_CHANNEL_CHAT: u8 = 5;
/// Channel code of `store`.
pub const ENG_CHANNEL_STORE: u8 = 6;
/// Channel code of `ads`.
pub const ENG_CHANNEL_ADS: u8 = 7;
/// Channel code of `sms`.
pub const ENG_CHANNEL_SMS: u8 = 8;
/// Channel code of `push`.
pub const ENG_CHANNEL_PUSH: u8 = 9;
/// Channel code of `other`.
pub const ENG_CHANNEL_OTHER: u8 = 10;
/// Touchpoint kind code of `impression`.
pub const ENG_KIND_IMPRESSION: u8 = 0;
/// Touchpoint kind code of `open`.
pub const ENG_KIND_OPEN: u8 = 1;
/// Touchpoint kind code of `click`.
pub const ENG_KIND_CLICK: u8 = 2;
/// Touchpoint kind code of `visit`.
pub const ENG_KIND_VISIT: u8 = 3;
/// Touchpoint kind code of `purchase`.
pub const ENG_KIND_PURCHASE: u8 = 4;
/// Touchpoint kind code of `refund`.
pub const ENG_KIND_REFUND: u8 = 5;
/// Touchpoint kind code of `review`.
pub const ENG_KIND_REVIEW: u8 = 6;
/// Touchpoint kind code of `referral`.
pub const ENG_KIND_REFERRAL: u8 = 7;
/// Touchpoint kind code of `share`.
pub const ENG_KIND_SHARE: u8 = 8;
/// Touchpoint kind code of `support_contact`.
pub const ENG_KIND_SUPPORT_CONTACT: u8 = 9;
/// Touchpoint kind code of `complaint`.
pub const ENG_KIND_COMPLAINT: u8 = 10;
/// Touchpoint kind code of `survey_response`.
pub const ENG_KIND_SURVEY_RESPONSE: u8 = 11;
/// Touchpoint kind code of `offer_redeemed`.
pub const ENG_KIND_OFFER_REDEEMED: u8 = 12;
/// Touchpoint kind code of `other`.
pub const ENG_KIND_OTHER: u8 = 13;
/// Touchpoint kind code of `cart_add`.
pub const ENG_KIND_CART_ADD: u8 = 14;
/// Touchpoint kind code of `checkout`.
pub const ENG_KIND_CHECKOUT: u8 = 15;
/// Journey stage code of `prospect`.
pub const ENG_STAGE_PROSPECT: u8 = 0;
/// Journey stage code of `engaged`.
pub const ENG_STAGE_ENGAGED: u8 = 1;
/// Journey stage code of `new_customer`.
pub const ENG_STAGE_NEW_CUSTOMER: u8 = 2;
/// Journey stage code of `repeat`.
pub const ENG_STAGE_REPEAT: u8 = 3;
/// Journey stage code of `loyal`.
pub const ENG_STAGE_LOYAL: u8 = 4;
/// Journey stage code of `advocate`.
pub const ENG_STAGE_ADVOCATE: u8 = 5;
/// Journey stage code of `at_risk`.
pub const ENG_STAGE_AT_RISK: u8 = 6;
/// Journey stage code of `churned`.
pub const ENG_STAGE_CHURNED: u8 = 7;
/// Rating scale code of `nps`.
pub const ENG_SCALE_NPS: u8 = 0;
/// Rating scale code of `csat`.
pub const ENG_SCALE_CSAT: u8 = 1;
/// Rating scale code of `ces`.
pub const ENG_SCALE_CES: u8 = 2;
/// Rating scale code of a row without a scale: accepted on a row without a
/// rating (NaN), refused (`ENG_STATUS_INVALID_INPUT`) on a row with one.
pub const ENG_SCALE_MISSING: u8 = 255;

use std::ffi::c_char;

use engagement_core::{Channel, Code, JourneyStage, RatingScale, TouchpointKind};

use crate::boundary::boundary;
use crate::handle::{out, text};
use crate::status::eng_status;

fn code_of<T: Code>(label: *const c_char, len: usize, out_code: *mut u8) -> eng_status {
    boundary(|| {
        // SAFETY: the callers' promises, forwarded (see their `# Safety`).
        let label = unsafe { text(label, len, "label")? };
        let out_code = unsafe { out(out_code, "out_code")? };
        *out_code = T::from_label(label)?.code();
        Ok(())
    })
}

/// NUL-terminated labels by code (a test checks them against the core).
const CHANNEL_LABELS: [&str; 11] = [
    "email\0",
    "web\0",
    "mobile_app\0",
    "social\0",
    "phone\0",
    "chat\0",
    "store\0",
    "ads\0",
    "sms\0",
    "push\0",
    "other\0",
];
const KIND_LABELS: [&str; 16] = [
    "impression\0",
    "open\0",
    "click\0",
    "visit\0",
    "purchase\0",
    "refund\0",
    "review\0",
    "referral\0",
    "share\0",
    "support_contact\0",
    "complaint\0",
    "survey_response\0",
    "offer_redeemed\0",
    "other\0",
    "cart_add\0",
    "checkout\0",
];
const STAGE_LABELS: [&str; 8] = [
    "prospect\0",
    "engaged\0",
    "new_customer\0",
    "repeat\0",
    "loyal\0",
    "advocate\0",
    "at_risk\0",
    "churned\0",
];

const SCALE_LABELS: [&str; 3] = ["nps\0", "csat\0", "ces\0"];

fn label_of(labels: &'static [&'static str], code: u8) -> *const c_char {
    labels
        .get(usize::from(code))
        .map_or(std::ptr::null(), |l| l.as_ptr().cast())
}

/// The code of a channel label (`"email"`, `"mobile_app"` …). Labels are read
/// as every face reads them: ASCII case ignored, surrounding spaces trimmed,
/// `-` and inner spaces read as `_` (`" Mobile-App"` is `mobile_app`), so the
/// label of the code found (`eng_channel_label`) is the canonical spelling,
/// not necessarily the text given. `label` is UTF-8, `len` bytes, no NUL needed.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_UNKNOWN_LABEL`; `ENG_STATUS_INVALID_UTF8`;
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `label` must point to `len` readable bytes; `out_code` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_channel_code(
    label: *const c_char,
    len: usize,
    out_code: *mut u8,
) -> eng_status {
    code_of::<Channel>(label, len, out_code)
}

/// The code of a touchpoint-kind label (`"purchase"`, `"survey_response"` …).
/// As `eng_channel_code`.
///
/// # Safety
/// As `eng_channel_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_kind_code(
    label: *const c_char,
    len: usize,
    out_code: *mut u8,
) -> eng_status {
    code_of::<TouchpointKind>(label, len, out_code)
}

fn mapped_code_of<T: Code + serde::de::DeserializeOwned>(
    aliases_json: *const c_char,
    aliases_len: usize,
    label: *const c_char,
    len: usize,
    out_code: *mut u8,
) -> eng_status {
    boundary(|| {
        // SAFETY: the callers' promises, forwarded (see their `# Safety`).
        let map: engagement_core::LabelMap<T> =
            unsafe { crate::json::config(aliases_json, aliases_len, "aliases_json")? };
        let label = unsafe { text(label, len, "label")? };
        let out_code = unsafe { out(out_code, "out_code")? };
        *out_code = map.parse(label)?.code();
        Ok(())
    })
}

/// The code of a channel label under a CRM's own aliases: `aliases_json` maps
/// labels to channels (`{"newsletter": "email", "in-app": "mobile_app"}`;
/// NULL or empty for none); canonical labels keep working.
///
/// Returns as `eng_channel_code`, plus `ENG_STATUS_JSON` for the aliases.
///
/// # Safety
/// `aliases_json` NULL or `aliases_len` readable bytes; `label` `len` readable
/// bytes; `out_code` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_channel_code_mapped(
    aliases_json: *const c_char,
    aliases_len: usize,
    label: *const c_char,
    len: usize,
    out_code: *mut u8,
) -> eng_status {
    mapped_code_of::<Channel>(aliases_json, aliases_len, label, len, out_code)
}

/// The code of a touchpoint-kind label under a CRM's own aliases
/// (`{"order placed": "purchase"}`). As `eng_channel_code_mapped`.
///
/// # Safety
/// As `eng_channel_code_mapped`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_kind_code_mapped(
    aliases_json: *const c_char,
    aliases_len: usize,
    label: *const c_char,
    len: usize,
    out_code: *mut u8,
) -> eng_status {
    mapped_code_of::<TouchpointKind>(aliases_json, aliases_len, label, len, out_code)
}

/// The code of a journey-stage label (`"at_risk"` …). As `eng_channel_code`.
///
/// # Safety
/// As `eng_channel_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_stage_code(
    label: *const c_char,
    len: usize,
    out_code: *mut u8,
) -> eng_status {
    code_of::<JourneyStage>(label, len, out_code)
}

/// The code of a rating-scale label (`"nps"`, `"csat"`, `"ces"`: the
/// `ENG_SCALE_*` constants). As `eng_channel_code`.
///
/// # Safety
/// As `eng_channel_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_rating_scale_code(
    label: *const c_char,
    len: usize,
    out_code: *mut u8,
) -> eng_status {
    code_of::<RatingScale>(label, len, out_code)
}

/// The label of a rating-scale code, as `eng_stage_label` (NULL for
/// `ENG_SCALE_MISSING`).
#[unsafe(no_mangle)]
pub extern "C" fn eng_rating_scale_label(code: u8) -> *const c_char {
    label_of(&SCALE_LABELS, code)
}

/// The label of a journey-stage code (`"at_risk"` …) as a static
/// NUL-terminated string owned by the library (do not free), or NULL for an
/// unknown code. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn eng_stage_label(code: u8) -> *const c_char {
    label_of(&STAGE_LABELS, code)
}

/// The label of a channel code, as `eng_stage_label`.
#[unsafe(no_mangle)]
pub extern "C" fn eng_channel_label(code: u8) -> *const c_char {
    label_of(&CHANNEL_LABELS, code)
}

/// The label of a touchpoint-kind code, as `eng_stage_label`.
#[unsafe(no_mangle)]
pub extern "C" fn eng_kind_label(code: u8) -> *const c_char {
    label_of(&KIND_LABELS, code)
}

#[cfg(test)]
mod tests {
    use engagement_core::{Channel, Code, JourneyStage, RatingScale, TouchpointKind};

    #[test]
    fn labels_and_codes_round_trip() {
        let mut code = 0u8;
        // SAFETY: valid label bytes and output location.
        assert_eq!(
            unsafe { super::eng_channel_code(b"Mobile-App".as_ptr().cast(), 10, &mut code) },
            crate::status::eng_status::Ok
        );
        assert_eq!(code, super::ENG_CHANNEL_MOBILE_APP);
        // SAFETY: as above.
        assert_eq!(
            unsafe { super::eng_kind_code(b"fax".as_ptr().cast(), 3, &mut code) },
            crate::status::eng_status::UnknownLabel
        );
        // SAFETY: eng_stage_label returns a static NUL-terminated string.
        let label =
            unsafe { std::ffi::CStr::from_ptr(super::eng_stage_label(super::ENG_STAGE_AT_RISK)) };
        assert_eq!(label.to_str().unwrap(), "at_risk");
        assert!(super::eng_stage_label(99).is_null());
    }

    #[test]
    fn custom_aliases_map_to_codes() {
        let aliases = br#"{"Newsletter": "email"}"#;
        let mut code = 99u8;
        // SAFETY: valid buffers for their lengths and a writable output.
        let s = unsafe {
            super::eng_channel_code_mapped(
                aliases.as_ptr().cast(),
                aliases.len(),
                b"newsletter".as_ptr().cast(),
                10,
                &mut code,
            )
        };
        assert_eq!(
            (s, code),
            (crate::status::eng_status::Ok, super::ENG_CHANNEL_EMAIL)
        );
        // SAFETY: as above.
        let s = unsafe {
            super::eng_kind_code_mapped(
                b"{".as_ptr().cast(),
                1,
                b"open".as_ptr().cast(),
                4,
                &mut code,
            )
        };
        assert_eq!(s, crate::status::eng_status::Json);
    }

    #[test]
    fn static_labels_match_the_core() {
        for (labels, all) in [
            (
                &super::CHANNEL_LABELS[..],
                Channel::ALL.iter().map(|c| c.label()).collect::<Vec<_>>(),
            ),
            (
                &super::KIND_LABELS[..],
                TouchpointKind::ALL.iter().map(|c| c.label()).collect(),
            ),
            (
                &super::STAGE_LABELS[..],
                JourneyStage::ALL.iter().map(|c| c.label()).collect(),
            ),
            (
                &super::SCALE_LABELS[..],
                RatingScale::ALL.iter().map(|c| c.label()).collect(),
            ),
        ] {
            let stripped: Vec<&str> = labels.iter().map(|l| l.trim_end_matches('\0')).collect();
            assert_eq!(stripped, all);
        }
    }

    #[test]
    fn codes_match_the_core() {
        fn check<T: Code>(count: usize, codes: &[(&str, u8)]) {
            assert_eq!(T::ALL.len(), count);
            assert_eq!(codes.len(), count);
            for &(label, code) in codes {
                assert_eq!(T::from_label(label).unwrap().code(), code, "{label}");
            }
        }
        check::<Channel>(
            11,
            &[
                ("email", super::ENG_CHANNEL_EMAIL),
                ("web", super::ENG_CHANNEL_WEB),
                ("mobile_app", super::ENG_CHANNEL_MOBILE_APP),
                ("social", super::ENG_CHANNEL_SOCIAL),
                ("phone", super::ENG_CHANNEL_PHONE),
                ("chat", super::ENG_CHANNEL_CHAT),
                ("store", super::ENG_CHANNEL_STORE),
                ("ads", super::ENG_CHANNEL_ADS),
                ("sms", super::ENG_CHANNEL_SMS),
                ("push", super::ENG_CHANNEL_PUSH),
                ("other", super::ENG_CHANNEL_OTHER),
            ],
        );
        check::<TouchpointKind>(
            16,
            &[
                ("impression", super::ENG_KIND_IMPRESSION),
                ("open", super::ENG_KIND_OPEN),
                ("click", super::ENG_KIND_CLICK),
                ("visit", super::ENG_KIND_VISIT),
                ("purchase", super::ENG_KIND_PURCHASE),
                ("refund", super::ENG_KIND_REFUND),
                ("review", super::ENG_KIND_REVIEW),
                ("referral", super::ENG_KIND_REFERRAL),
                ("share", super::ENG_KIND_SHARE),
                ("support_contact", super::ENG_KIND_SUPPORT_CONTACT),
                ("complaint", super::ENG_KIND_COMPLAINT),
                ("survey_response", super::ENG_KIND_SURVEY_RESPONSE),
                ("offer_redeemed", super::ENG_KIND_OFFER_REDEEMED),
                ("other", super::ENG_KIND_OTHER),
                ("cart_add", super::ENG_KIND_CART_ADD),
                ("checkout", super::ENG_KIND_CHECKOUT),
            ],
        );
        check::<JourneyStage>(
            8,
            &[
                ("prospect", super::ENG_STAGE_PROSPECT),
                ("engaged", super::ENG_STAGE_ENGAGED),
                ("new_customer", super::ENG_STAGE_NEW_CUSTOMER),
                ("repeat", super::ENG_STAGE_REPEAT),
                ("loyal", super::ENG_STAGE_LOYAL),
                ("advocate", super::ENG_STAGE_ADVOCATE),
                ("at_risk", super::ENG_STAGE_AT_RISK),
                ("churned", super::ENG_STAGE_CHURNED),
            ],
        );
        assert_eq!(RatingScale::Nps as u8, super::ENG_SCALE_NPS);
        assert_eq!(RatingScale::Csat as u8, super::ENG_SCALE_CSAT);
        assert_eq!(RatingScale::Ces as u8, super::ENG_SCALE_CES);
        assert_eq!(RatingScale::MISSING, super::ENG_SCALE_MISSING);
    }
}
