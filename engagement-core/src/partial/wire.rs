//! The wire forms of a partial: the checksummed binary frame (see the
//! [module docs](super)) and the JSON form, and the serialized shapes of the
//! states: maps as lists of (key, value) pairs in key order, so that JSON
//! needs no string keys and the form is canonical.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::journey::attribution::{PathCount, PathCounts};
use crate::journey::paths::{EdgeState, PathState};
use crate::journey::transitions::SequenceCounts;
use crate::partial::spec::{PartialKind, PartialSpec};
use crate::retention::cohort::{CohortCounts, CohortRow};
use crate::retention::returning::{CohortCells, RetentionCounts};

/// The binary format version this library writes and reads.
pub const FORMAT_VERSION: u16 = 1;
const MAGIC: [u8; 4] = *b"ENGP";
const HEADER: usize = 20;

fn corrupt(reason: String) -> EngError {
    EngError::Corrupt { reason }
}

/// The binary form of a payload of `kind`: magic, version, kind, length,
/// CRC-32, payload.
pub(crate) fn frame(kind: PartialKind, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.push(kind as u8);
    out.push(0);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The kind and payload of a binary form, after checking its header and
/// checksum.
pub(crate) fn unframe(bytes: &[u8]) -> Result<(PartialKind, &[u8])> {
    if bytes.len() < HEADER {
        return Err(corrupt(format!(
            "{} bytes, shorter than the {HEADER}-byte header",
            bytes.len()
        )));
    }
    if bytes[..4] != MAGIC {
        return Err(corrupt(
            "not a partial (the first bytes are not ENGP)".into(),
        ));
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != FORMAT_VERSION {
        return Err(corrupt(format!(
            "format version {version}; this library reads version {FORMAT_VERSION}"
        )));
    }
    let kind = PartialKind::from_byte(bytes[6])
        .ok_or_else(|| corrupt(format!("unknown kind byte {}", bytes[6])))?;
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[8..16]);
    let length = u64::from_le_bytes(word);
    let rest = (bytes.len() - HEADER) as u64;
    if length != rest {
        return Err(corrupt(format!(
            "the header announces {length} payload bytes, {rest} follow (truncated or padded)"
        )));
    }
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&bytes[16..20]);
    let payload = &bytes[HEADER..];
    if crc32fast::hash(payload) != u32::from_le_bytes(crc) {
        return Err(corrupt("checksum mismatch: the payload was altered".into()));
    }
    Ok((kind, payload))
}

/// The postcard encoding of `value`.
pub(crate) fn postcard_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| corrupt(format!("cannot encode: {e}")))
}

/// The spec of a binary form, which must be of the header's `kind`.
pub(crate) fn read_spec(json: &str, kind: PartialKind) -> Result<PartialSpec> {
    let spec: PartialSpec =
        serde_json::from_str(json).map_err(|e| corrupt(format!("its spec does not parse: {e}")))?;
    if spec.kind() != kind {
        return Err(corrupt(format!(
            "the header says {}, the spec says {}",
            kind.name(),
            spec.kind().name()
        )));
    }
    Ok(spec)
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Json {
    pub(crate) format: u16,
    pub(crate) spec: PartialSpec,
    pub(crate) state: Box<serde_json::value::RawValue>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Sequences {
    pub(crate) counts: Vec<u64>,
    pub(crate) at_step: Vec<u64>,
    pub(crate) paths: Vec<(Vec<u8>, u64)>,
    pub(crate) customers: u64,
}

impl From<&SequenceCounts> for Sequences {
    fn from(s: &SequenceCounts) -> Self {
        Sequences {
            counts: s.counts.clone(),
            at_step: s.at_step.clone(),
            paths: s.paths.iter().map(|(k, &v)| (k.clone(), v)).collect(),
            customers: s.customers,
        }
    }
}

/// A path analysis's counts: its sorted labels, then maps as sorted lists of
/// pairs keyed by node ids (label ranks, then path_start and path_end).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventPaths {
    pub(crate) labels: Vec<String>,
    pub(crate) steps: usize,
    pub(crate) edges: Vec<((u32, u32), EdgeWire)>,
    pub(crate) at_step: Vec<u64>,
    pub(crate) top: Vec<(Vec<u32>, u64)>,
    pub(crate) paths: u64,
    pub(crate) customers: u64,
    pub(crate) flows: Vec<((u32, u32, u32), u64)>,
}

/// An edge's sums, its seconds as ascending (seconds, transitions) pairs.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EdgeWire {
    pub(crate) count: u64,
    pub(crate) paths: u64,
    pub(crate) customers: u64,
    pub(crate) seconds: Vec<(i64, u64)>,
}

impl From<&PathState> for EventPaths {
    fn from(s: &PathState) -> Self {
        let edges: Vec<((u32, u32), EdgeWire)> = s
            .edges
            .iter()
            .map(|(k, e)| {
                (
                    *k,
                    EdgeWire {
                        count: e.count,
                        paths: e.paths,
                        customers: e.customers,
                        seconds: e.seconds.clone(),
                    },
                )
            })
            .collect();
        let mut top: Vec<(Vec<u32>, u64)> = s.top.iter().map(|(k, &v)| (k.clone(), v)).collect();
        top.sort_unstable();
        let mut flows: Vec<((u32, u32, u32), u64)> =
            s.flows.iter().map(|(&k, &v)| (k, v)).collect();
        flows.sort_unstable();
        EventPaths {
            labels: s.labels.clone(),
            steps: s.steps,
            edges,
            at_step: s.at_step.clone(),
            top,
            flows,
            paths: s.paths,
            customers: s.customers,
        }
    }
}

impl EventPaths {
    /// The state, with every list checked to be in order and without repeats.
    pub(crate) fn into_state(self) -> std::result::Result<PathState, String> {
        let edges = sorted_map(
            self.edges
                .into_iter()
                .map(|(k, e)| {
                    (
                        k,
                        EdgeState {
                            count: e.count,
                            paths: e.paths,
                            customers: e.customers,
                            seconds: e.seconds,
                        },
                    )
                })
                .collect(),
        )?;
        let top = sorted_map(self.top)?;
        let flows = sorted_map(self.flows)?;
        Ok(PathState {
            flows: flows.into_iter().collect(),
            labels: self.labels,
            steps: self.steps,
            edges: edges.into_iter().collect(),
            at_step: self.at_step,
            top: top.into_iter().collect(),
            paths: self.paths,
            customers: self.customers,
        })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cohorts {
    pub(crate) cohorts: Vec<(i64, CohortRow)>,
}

impl From<&CohortCounts> for Cohorts {
    fn from(c: &CohortCounts) -> Self {
        Cohorts {
            cohorts: c.cohorts.iter().map(|(&k, v)| (k, v.clone())).collect(),
        }
    }
}

/// Retention counts: cells by cohort period, in period order, and whether
/// some touchpoint matched the return. Read with `return_seen` optional at
/// the end (true when absent: bytes written before it never refuse).
#[derive(Serialize)]
pub(crate) struct Retention {
    pub(crate) brackets: usize,
    pub(crate) cohorts: Vec<(i64, CohortCells)>,
    pub(crate) return_seen: bool,
}

impl From<&RetentionCounts> for Retention {
    fn from(c: &RetentionCounts) -> Self {
        Retention {
            brackets: c.brackets,
            cohorts: c.cohorts.iter().map(|(&k, v)| (k, v.clone())).collect(),
            return_seen: c.return_seen,
        }
    }
}

impl<'de> Deserialize<'de> for Retention {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// The JSON form: an object whose `return_seen` may be missing.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Named {
            brackets: usize,
            cohorts: Vec<(i64, CohortCells)>,
            #[serde(default = "yes")]
            return_seen: bool,
        }
        fn yes() -> bool {
            true
        }
        /// The binary form: the fields in order, `return_seen` absent at the end.
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = Retention;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("retention counts, then whether a return was seen")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Retention, A::Error> {
                let brackets = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
                let cohorts = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(1, &self))?;
                // The end of the payload here: bytes written before the flag.
                let return_seen = seq.next_element().ok().flatten().unwrap_or(true);
                Ok(Retention {
                    brackets,
                    cohorts,
                    return_seen,
                })
            }
        }
        if d.is_human_readable() {
            let n = Named::deserialize(d)?;
            Ok(Retention {
                brackets: n.brackets,
                cohorts: n.cohorts,
                return_seen: n.return_seen,
            })
        } else {
            d.deserialize_struct(
                "Retention",
                &["brackets", "cohorts", "return_seen"],
                InOrder,
            )
        }
    }
}

/// Lifecycle counts: `[new, returning, resurrecting, dormant]` by period, in period order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Lifecycle {
    pub(crate) periods: Vec<(i64, [u64; 4])>,
}

impl From<&crate::retention::lifecycle::LifecycleCounts> for Lifecycle {
    fn from(c: &crate::retention::lifecycle::LifecycleCounts) -> Self {
        Lifecycle {
            periods: c.periods.iter().map(|(&k, &v)| (k, v)).collect(),
        }
    }
}

/// Stickiness counts: `[dau, wau, mau]` by local day, active-day histograms by period.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Stickiness {
    pub(crate) days: Vec<(i64, [u64; 3])>,
    pub(crate) periods: Vec<(i64, Vec<u64>)>,
}

impl From<&crate::retention::stickiness::StickinessCounts> for Stickiness {
    fn from(c: &crate::retention::stickiness::StickinessCounts) -> Self {
        Stickiness {
            days: c.days.iter().map(|(&k, &v)| (k, v)).collect(),
            periods: c.periods.iter().map(|(&k, v)| (k, v.clone())).collect(),
        }
    }
}

/// Attribution paths: the touches' ids per path, and the labels they index
/// (none for channel codes). Written without `labels` when there are none,
/// so that a channel partial's bytes are those of format version 1, whose
/// paths held `u8` codes (encoded alike for codes under 128); read with
/// `labels` optional at the end for the same reason.
#[derive(Serialize)]
pub(crate) struct Paths {
    pub(crate) paths: Vec<(Vec<u32>, PathCount)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) labels: Vec<String>,
}

impl From<&PathCounts> for Paths {
    fn from(p: &PathCounts) -> Self {
        Paths {
            paths: p.paths.iter().map(|(k, &v)| (k.clone(), v)).collect(),
            labels: p.labels.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for Paths {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// The JSON form: an object whose `labels` may be missing.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Named {
            paths: Vec<(Vec<u32>, PathCount)>,
            #[serde(default)]
            labels: Vec<String>,
        }
        /// The binary form: the fields in order, `labels` absent at the end.
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = Paths;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("attribution paths, then optional labels")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Paths, A::Error> {
                let paths = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
                // The end of the payload before `labels`: a partial without them.
                let labels = seq.next_element().ok().flatten().unwrap_or_default();
                Ok(Paths { paths, labels })
            }
        }
        if d.is_human_readable() {
            let n = Named::deserialize(d)?;
            Ok(Paths {
                paths: n.paths,
                labels: n.labels,
            })
        } else {
            d.deserialize_struct("Paths", &["paths", "labels"], InOrder)
        }
    }
}

/// The map of pairs given in strictly increasing key order.
pub(crate) fn sorted_map<K: Ord, V>(pairs: Vec<(K, V)>) -> Result<BTreeMap<K, V>, String> {
    if pairs.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err("entries out of order or repeated".into());
    }
    Ok(pairs.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_bytes_without_the_return_flag_still_read() {
        let mut cells = CohortCells::new(1);
        cells.size = 3;
        let old = postcard::to_allocvec(&(1usize, vec![(7i64, cells.clone())])).unwrap();
        let read: Retention = postcard::from_bytes(&old).unwrap();
        assert!(read.return_seen && read.cohorts == vec![(7, cells.clone())]);
        let counts = RetentionCounts {
            brackets: 1,
            cohorts: [(7, cells)].into_iter().collect(),
            return_seen: false,
        };
        let new = postcard::to_allocvec(&Retention::from(&counts)).unwrap();
        assert_eq!(new[..old.len()], old[..], "the flag only appends");
        assert!(!postcard::from_bytes::<Retention>(&new).unwrap().return_seen);
    }
}
