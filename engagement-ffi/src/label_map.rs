//! A CRM's own channel and kind labels, read once: the aliases are parsed
//! when the map is made, not at every label.

use std::ffi::c_char;

use engagement_core::{Channel, Code, LabelMap, TouchpointKind};

use crate::boundary::boundary;
use crate::handle::{Castable, free, hand_out, handle_ref, out, text};
use crate::status::eng_status;

/// An opaque map from a CRM's channel and kind labels to codes.
///
/// Thread safety: immutable; any number of calls may use it at once.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct eng_label_map {
    _private: [u8; 0],
}

/// Channel and kind aliases.
#[derive(Debug)]
pub(crate) struct Maps {
    channel: LabelMap<Channel>,
    kind: LabelMap<TouchpointKind>,
}

impl Castable for eng_label_map {
    type RustType = Maps;
    const NOUN: &'static str = "label map";
}

/// Makes a label map from channel aliases (`channel_json`, as
/// `eng_channel_code_mapped` takes them: `{"newsletter": "email"}`) and kind
/// aliases (`kind_json`: `{"order placed": "purchase"}`), either NULL or
/// empty for none; canonical labels keep working, and labels are read as
/// everywhere (case, `-` and spaces aside). The map is owned by the caller
/// (`eng_label_map_free`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON` (malformed aliases, or an alias
/// to a label that is not a channel or kind), `ENG_STATUS_INVALID_UTF8`,
/// `ENG_STATUS_NULL_POINTER`.
///
/// # Safety
/// Each JSON NULL or its length of readable bytes; `out_map` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_label_map_new(
    channel_json: *const c_char,
    channel_len: usize,
    kind_json: *const c_char,
    kind_len: usize,
    out_map: *mut *mut eng_label_map,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_map = out(out_map, "out_map")?;
            let channel = crate::json::config(channel_json, channel_len, "channel_json")?;
            let kind = crate::json::config(kind_json, kind_len, "kind_json")?;
            hand_out(Maps { channel, kind }, out_map);
            Ok(())
        }
    })
}

/// The code of a channel label (`len` bytes of UTF-8) under the map.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_UNKNOWN_LABEL` (the message lists the
/// channels), `ENG_STATUS_INVALID_UTF8`, `ENG_STATUS_NULL_POINTER`.
///
/// # Safety
/// `map` a live map; `label` `len` readable bytes; `out_code` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_label_map_channel(
    map: *const eng_label_map,
    label: *const c_char,
    len: usize,
    out_code: *mut u8,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = handle_ref(map, "map")?;
            let label = text(label, len, "label")?;
            *out(out_code, "out_code")? = m.channel.parse(label)?.code();
            Ok(())
        }
    })
}

/// The code of a touchpoint-kind label under the map, as `eng_label_map_channel`.
///
/// # Safety
/// As `eng_label_map_channel`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_label_map_kind(
    map: *const eng_label_map,
    label: *const c_char,
    len: usize,
    out_code: *mut u8,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = handle_ref(map, "map")?;
            let label = text(label, len, "label")?;
            *out(out_code, "out_code")? = m.kind.parse(label)?.code();
            Ok(())
        }
    })
}

/// Releases a label map. NULL is fine; twice is not.
///
/// # Safety
/// `map` NULL or a live map.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_label_map_free(map: *mut eng_label_map) {
    // SAFETY: the caller promises NULL or a live map.
    unsafe { free(map) }
}
