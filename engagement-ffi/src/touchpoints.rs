//! `eng_touchpoints`: the one struct that carries touchpoint columns into
//! every call that reads them.

use engagement_core::{EventColumn, TouchpointColumns};

use crate::boundary::Failure;
use crate::events::eng_event_dictionary;
use crate::handle::{handle_ref, null, optional, slice};

/// The touchpoint columns of one batch: `len` rows, each column a pointer
/// to `len` elements the caller owns (nothing is copied or kept after the
/// call returns). Fill it once and pass it to every call that reads
/// touchpoints; each call reads (and checks) only the columns it documents
/// and ignores the rest, so one struct with every column a job has serves
/// them all. Columns not given are NULL. `len` is the row count of every
/// column: 0 is an empty batch (a push adds nothing, an analysis finds no
/// customer), which is what a struct initialised without `.len` holds.
///
/// - `customer`, `time` (Unix seconds): always read;
/// - `channel`, `kind`: `ENG_CHANNEL_*` and `ENG_KIND_*` codes. Required by
///   the touchpoint analyses (stages, loyalty, funnels, attribution,
///   triggers, the profile store); NULL in an event log for the calls that
///   take one (paths, sessions, retention, lifecycle, stickiness, the
///   `_events` calls), where every row reads as `other`;
/// - `value`: money per row (NULL: none);
/// - `rating` (NaN for none) and `rating_scale` (`ENG_SCALE_*` codes):
///   survey answers (NULL: none); `rating_scale` may be NULL only when no
///   row has a rating, and a row with a rating needs its scale;
/// - `event` codes of `dictionary` (an `eng_event_dictionary`), both or
///   neither: a product's own event names;
/// - `campaign` ids (0 for none) and `session` ids (NULL: none).
///
/// An Arrow batch fills one with `eng_touchpoint_batch_columns`.
///
/// ```c
/// eng_touchpoints tp = {.len = n, .customer = customer, .time = time,
///                       .channel = channel, .kind = kind, .value = value};
/// eng_funnel_table(&tp, funnel, strlen(funnel), &steps);
/// ```
///
/// Layout stable within an ABI version.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct eng_touchpoints {
    /// Rows in every column.
    pub len: usize,
    /// Customer id per row.
    pub customer: *const u64,
    /// Unix seconds per row.
    pub time: *const i64,
    /// `ENG_CHANNEL_*` code per row.
    pub channel: *const u8,
    /// `ENG_KIND_*` code per row.
    pub kind: *const u8,
    /// Money per row, or NULL.
    pub value: *const f64,
    /// Rating per row (NaN for none), or NULL.
    pub rating: *const f32,
    /// `ENG_SCALE_*` code per row (with `rating`), or NULL.
    pub rating_scale: *const u8,
    /// Event code per row (codes of `dictionary`), or NULL.
    pub event: *const u32,
    /// The dictionary of `event`'s codes, or NULL.
    pub dictionary: *const eng_event_dictionary,
    /// Campaign id per row (0 for none), or NULL.
    pub campaign: *const u64,
    /// Session id per row, or NULL.
    pub session: *const u64,
}

impl Default for eng_touchpoints {
    /// No rows and every column NULL, as a zero-initialised C struct.
    fn default() -> Self {
        Self {
            len: 0,
            customer: std::ptr::null(),
            time: std::ptr::null(),
            channel: std::ptr::null(),
            kind: std::ptr::null(),
            value: std::ptr::null(),
            rating: std::ptr::null(),
            rating_scale: std::ptr::null(),
            event: std::ptr::null(),
            dictionary: std::ptr::null(),
            campaign: std::ptr::null(),
            session: std::ptr::null(),
        }
    }
}

/// Which money and survey columns a call reads beside the four every
/// touchpoint call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reads {
    /// `customer`, `time`, `channel`, `kind` only.
    Journey,
    /// With `value`.
    Value,
    /// With `value`, `rating` and `rating_scale`.
    All,
}

/// The struct behind a call's `touchpoints` argument.
///
/// # Safety
/// `tp` NULL or valid for reads for `'a`.
pub(crate) unsafe fn read<'a>(tp: *const eng_touchpoints) -> Result<&'a eng_touchpoints, Failure> {
    // SAFETY: the caller's promise.
    let tp = unsafe { tp.as_ref() }.ok_or_else(|| null("touchpoints"))?;
    // Before any column is looked at (channel and kind are bytes, which `slice` does not count).
    engagement_core::limits::check_rows("touchpoints", tp.len).map_err(Failure::from)?;
    Ok(tp)
}

impl eng_touchpoints {
    /// The columns of a touchpoint analysis: `channel` and `kind` required,
    /// the money and survey columns as `reads` says.
    ///
    /// # Safety
    /// Every non-NULL pointer points to `len` readable elements valid for `'a`.
    pub(crate) unsafe fn columns<'a>(
        &self,
        reads: Reads,
    ) -> Result<TouchpointColumns<'a>, Failure> {
        let n = self.len;
        // SAFETY: the caller's promise.
        unsafe {
            let mut cols = self.log(reads)?;
            for (ptr, name) in [(self.channel, "channel"), (self.kind, "kind")] {
                if ptr.is_null() && n > 0 {
                    return Err(Failure::new(
                        crate::status::eng_status::NullPointer,
                        format!(
                            "argument touchpoints.{name} is NULL: this call reads channel and kind \
                             codes (an event log without them goes to eng_paths_json, \
                             eng_funnel_events_json and the other calls that take one)"
                        ),
                    ));
                }
            }
            cols.channel = slice(self.channel, n, "touchpoints.channel")?;
            cols.kind = slice(self.kind, n, "touchpoints.kind")?;
            Ok(cols)
        }
    }

    /// The columns of an event log: `channel` and `kind` may be NULL (read
    /// as `other`).
    ///
    /// # Safety
    /// As [`Self::columns`].
    pub(crate) unsafe fn log<'a>(&self, reads: Reads) -> Result<TouchpointColumns<'a>, Failure> {
        let n = self.len;
        // SAFETY: the caller's promise.
        unsafe {
            let mut cols = TouchpointColumns {
                customer: slice(self.customer, n, "touchpoints.customer")?,
                time: slice(self.time, n, "touchpoints.time")?,
                channel: optional(self.channel, n, "touchpoints.channel")?,
                kind: optional(self.kind, n, "touchpoints.kind")?,
                ..Default::default()
            };
            if reads != Reads::Journey {
                cols.value = optional(self.value, n, "touchpoints.value")?;
            }
            if reads == Reads::All {
                cols.rating = optional(self.rating, n, "touchpoints.rating")?;
                cols.rating_scale = optional(self.rating_scale, n, "touchpoints.rating_scale")?;
            }
            Ok(cols)
        }
    }

    /// `customer` and `time` alone.
    ///
    /// # Safety
    /// As [`Self::columns`].
    pub(crate) unsafe fn customer_time<'a>(&self) -> Result<(&'a [u64], &'a [i64]), Failure> {
        // SAFETY: the caller's promise.
        unsafe {
            Ok((
                slice(self.customer, self.len, "touchpoints.customer")?,
                slice(self.time, self.len, "touchpoints.time")?,
            ))
        }
    }

    /// The event column: NULL codes with a NULL dictionary is none.
    ///
    /// # Safety
    /// As [`Self::columns`]; `dictionary` NULL or a live dictionary.
    pub(crate) unsafe fn events<'a>(&self) -> Result<Option<EventColumn<'a>>, Failure> {
        if self.event.is_null() && self.dictionary.is_null() {
            return Ok(None);
        }
        // SAFETY: the caller's promise.
        unsafe {
            let codes = slice(self.event, self.len, "touchpoints.event")?;
            let d = handle_ref(self.dictionary, "touchpoints.dictionary")?;
            Ok(Some(EventColumn::new(codes, d)?))
        }
    }

    /// The campaign ids (empty for none).
    ///
    /// # Safety
    /// As [`Self::columns`].
    pub(crate) unsafe fn campaign<'a>(&self) -> Result<&'a [u64], Failure> {
        // SAFETY: the caller's promise.
        unsafe { optional(self.campaign, self.len, "touchpoints.campaign") }
    }

    /// The session ids (empty for none).
    ///
    /// # Safety
    /// As [`Self::columns`].
    pub(crate) unsafe fn session<'a>(&self) -> Result<&'a [u64], Failure> {
        // SAFETY: the caller's promise.
        unsafe { optional(self.session, self.len, "touchpoints.session") }
    }
}
