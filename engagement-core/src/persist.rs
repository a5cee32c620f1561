//! Saving and loading long-lived state: a [`ProfileStore`] (with the score
//! configuration it is read with) and a
//! [`TriggerEngine`](crate::journey::triggers::TriggerEngine) to bytes or a
//! file and back, so that a nightly job keeps yesterday's state instead of
//! replaying the history.
//!
//! # The saved form
//!
//! | bytes | content |
//! |---|---|
//! | 0–3 | magic: `ENGS` (a profile store), `ENGT` (a trigger engine) |
//! | 4–5 | format version, little-endian (this library writes 1 and reads 1) |
//! | 6–7 | zero |
//! | 8–15 | payload length, little-endian |
//! | 16–19 | CRC-32 of the payload |
//! | 20… | payload in postcard encoding. A store: the score configuration as JSON text, the signal configuration as JSON text, then the profiles in ascending customer id. An engine: its configuration as JSON text, clock, sequence and suppressed counters, then each customer's state in ascending id (its profile, pending actions, anniversaries, recent sends) |
//!
//! Loading checks all of it before anything is built: bytes that are
//! truncated, padded, altered, of another magic or of an unknown version
//! are [`EngError::Corrupt`], never a partial store. Profiles must be in
//! strictly ascending customer id and internally consistent; a payload that
//! claims more profiles than it holds fails to decode (lengths never
//! allocate ahead of the bytes that back them). Files are written to a
//! temporary name beside the target and renamed over it, so a crash while
//! saving leaves the previous file whole.
//!
//! A reader of version `n` reads every earlier version: a file saved by this
//! library stays loadable by later ones (`src/testdata/` keeps one file per
//! version, loaded by the test suite).
//!
//! # Examples
//!
//! ```
//! use engagement_core::{ProfileStore, ScoreConfig, Scorer, SignalConfig, TouchpointColumns};
//! let day = |c: &'static [u64], t: &'static [i64]| TouchpointColumns {
//!     customer: c, time: t, channel: &[1, 1], kind: &[4, 1], value: &[20.0, 0.0], ..Default::default()
//! };
//! let mut monday = ProfileStore::new(SignalConfig::default())?;
//! monday.push_columns(&day(&[1, 2], &[0, 10]))?;
//! let saved = monday.to_bytes()?;
//!
//! let mut tuesday = ProfileStore::from_bytes(&saved)?;
//! tuesday.push_columns(&day(&[2, 3], &[86_400, 86_410]))?;
//! let mut all = ProfileStore::new(SignalConfig::default())?;
//! all.push_columns(&day(&[1, 2], &[0, 10]))?;
//! all.push_columns(&day(&[2, 3], &[86_400, 86_410]))?;
//! assert_eq!(tuesday, all);
//!
//! let cut = ProfileStore::from_bytes(&saved[..saved.len() - 1]).unwrap_err();
//! assert_eq!(cut.kind(), "corrupt");
//! # Ok::<(), engagement_core::EngError>(())
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::profile::signals::SignalConfig;
use crate::profile::{Profile, ProfileStore};
use crate::score::{ScoreConfig, Scorer};

/// The format version of a saved store this library writes.
pub const STORE_FORMAT_VERSION: u16 = 1;
const STORE_MAGIC: [u8; 4] = *b"ENGS";
const HEADER: usize = 20;

pub(crate) fn corrupt(reason: impl Into<String>) -> EngError {
    EngError::Corrupt {
        reason: reason.into(),
    }
}

/// The framed form of `payload`: magic, version, length, CRC-32, payload.
pub(crate) fn frame(magic: [u8; 4], version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The version and payload of a framed form, after checking its header and
/// checksum; `noun` names what was expected in errors.
pub(crate) fn unframe<'a>(
    bytes: &'a [u8],
    magic: [u8; 4],
    newest: u16,
    noun: &str,
) -> Result<(u16, &'a [u8])> {
    if bytes.len() < HEADER {
        return Err(corrupt(format!(
            "{} bytes, shorter than the {HEADER}-byte header of a saved {noun}",
            bytes.len()
        )));
    }
    if bytes[..4] != magic {
        let found = String::from_utf8_lossy(&bytes[..4]).into_owned();
        return Err(corrupt(format!(
            "not a saved {noun}: it starts with {found:?}, not {:?}",
            String::from_utf8_lossy(&magic)
        )));
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version == 0 || version > newest {
        return Err(corrupt(format!(
            "a saved {noun} of format version {version}; this library reads versions 1 to {newest}"
        )));
    }
    if bytes[6..8] != [0, 0] {
        return Err(corrupt("reserved header bytes are not zero"));
    }
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[8..16]);
    let length = u64::from_le_bytes(word);
    let rest = (bytes.len() - HEADER) as u64;
    if length != rest {
        return Err(corrupt(format!(
            "the header announces {length} payload bytes, {rest} follow (truncated or padded; \
             restore an earlier copy or rebuild from the source data)"
        )));
    }
    let payload = &bytes[HEADER..];
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&bytes[16..20]);
    let crc = u32::from_le_bytes(crc);
    if crc32fast::hash(payload) != crc {
        return Err(corrupt(
            "checksum mismatch: the saved bytes were altered (restore an earlier copy or rebuild \
             from the source data)",
        ));
    }
    Ok((version, payload))
}

/// Writes `bytes` to `path` through a temporary file beside it, synced and
/// renamed over `path`: a crash leaves the old file or the new one.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let io = |e: std::io::Error| EngError::Io {
        action: "write",
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(name);
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(io)
}

/// The bytes of the file at `path`.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| EngError::Io {
        action: "read",
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// The payload of a saved store, version 1.
#[derive(Serialize)]
struct StoreOut<'a> {
    score: String,
    signals: String,
    profiles: Vec<&'a Profile>,
}

#[derive(Deserialize)]
struct StoreIn {
    score: String,
    signals: String,
    profiles: Vec<Profile>,
}

/// Encodes a store and the score configuration read with it.
fn save_store(store: &ProfileStore, score: &ScoreConfig) -> Result<Vec<u8>> {
    let payload = StoreOut {
        score: serde_json::to_string(score)?,
        signals: serde_json::to_string(store.signals().config())?,
        profiles: store.iter().collect(),
    };
    let bytes = postcard::to_allocvec(&payload)
        .map_err(|e| corrupt(format!("cannot encode the store: {e}")))?;
    Ok(frame(STORE_MAGIC, STORE_FORMAT_VERSION, &bytes))
}

/// Decodes a saved store and its score configuration, checking everything.
fn load_store(bytes: &[u8]) -> Result<(ProfileStore, Scorer)> {
    let (_version, payload) = unframe(bytes, STORE_MAGIC, STORE_FORMAT_VERSION, "profile store")?;
    let read: StoreIn = postcard::from_bytes(payload)
        .map_err(|e| corrupt(format!("the saved store does not decode: {e}")))?;
    fn config<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
        crate::limits::from_json(text)
            .map_err(|e| corrupt(format!("its {what} configuration: {e}")))
    }
    let score: ScoreConfig = config(&read.score, "score")?;
    let signals: SignalConfig = config(&read.signals, "signal")?;
    if score.signals != signals {
        return Err(corrupt(
            "its score configuration's signals differ from the store's",
        ));
    }
    let scorer =
        Scorer::new(score).map_err(|e| corrupt(format!("its score configuration: {e}")))?;
    let mut store = ProfileStore::with_signals(scorer.signals().clone());
    store.reserve(read.profiles.len())?;
    let fingerprint = store.signals().fingerprint();
    let mut previous = None;
    for mut p in read.profiles {
        let c = p.customer();
        if previous.is_some_and(|prev| prev >= c) {
            return Err(corrupt(format!(
                "customer {c} is out of ascending order or repeated"
            )));
        }
        previous = Some(c);
        p.check_consistent()
            .map_err(|e| corrupt(format!("customer {c}: {e}")))?;
        // Profiles are tied to the signals by a fingerprint, a hash that a
        // later library may compute differently: the saved configuration,
        // not the saved hash, says which signals these are.
        p.rebind(fingerprint);
        store.merge_profile(&p)?;
    }
    Ok((store, scorer))
}

impl ProfileStore {
    /// The saved form of the store (see [`persist`](crate::persist)): its
    /// signal configuration and every profile, versioned and checksummed.
    ///
    /// # Errors
    /// [`EngError::Json`] if the configuration cannot be written (never for
    /// a valid one).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig};
    /// let bytes = ProfileStore::new(SignalConfig::default())?.to_bytes()?;
    /// assert_eq!(&bytes[..4], b"ENGS");
    /// assert!(ProfileStore::from_bytes(&bytes)?.is_empty());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let score = ScoreConfig {
            signals: self.signals().config().clone(),
            ..ScoreConfig::default()
        };
        save_store(self, &score)
    }

    /// The saved form of the store with the score configuration it is read
    /// with, which [`from_bytes_scored`](Self::from_bytes_scored) gives back.
    ///
    /// # Errors
    /// [`EngError::Incompatible`] when `scorer`'s signals are not the store's.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, ScoreConfig, Scorer, TypeWeights};
    /// let config = ScoreConfig { mix: TypeWeights::new(2.0, 1.0, 1.0, 0.0), ..Default::default() };
    /// let scorer = Scorer::new(config.clone())?;
    /// let store = ProfileStore::with_signals(scorer.signals().clone());
    /// let (back, read) = ProfileStore::from_bytes_scored(&store.to_bytes_scored(&scorer)?)?;
    /// assert_eq!((back, read.config()), (store, &config));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn to_bytes_scored(&self, scorer: &Scorer) -> Result<Vec<u8>> {
        if scorer.signals().fingerprint() != self.signals().fingerprint() {
            return Err(EngError::Incompatible {
                reason: "the scorer's signals are not the store's".into(),
            });
        }
        save_store(self, scorer.config())
    }

    /// Reads a saved store.
    ///
    /// # Errors
    /// [`EngError::Corrupt`] for bytes that are not a whole, intact saved
    /// store of a known format version; nothing is built from them.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig};
    /// let mut bytes = ProfileStore::new(SignalConfig::default())?.to_bytes()?;
    /// *bytes.last_mut().unwrap() ^= 1;
    /// assert!(ProfileStore::from_bytes(&bytes).unwrap_err().to_string().contains("altered"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        load_store(bytes).map(|(store, _)| store)
    }

    /// Reads a saved store and the score configuration saved with it (the
    /// defaults with the store's signals when it was saved without one).
    ///
    /// # Errors
    /// As [`from_bytes`](Self::from_bytes).
    pub fn from_bytes_scored(bytes: &[u8]) -> Result<(Self, Scorer)> {
        load_store(bytes)
    }

    /// Saves the store to the file at `path` (see [`to_bytes`](Self::to_bytes)),
    /// replacing it whole: a crash while saving leaves the previous file.
    ///
    /// # Errors
    /// [`EngError::Io`] naming the file when it cannot be written.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig};
    /// let path = std::env::temp_dir().join(format!("engagement-doc-{}.engs", std::process::id()));
    /// ProfileStore::new(SignalConfig::default())?.save(&path)?;
    /// assert!(ProfileStore::load(&path)?.is_empty());
    /// # std::fs::remove_file(&path).unwrap();
    /// assert_eq!(ProfileStore::load(&path).unwrap_err().kind(), "io");
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_bytes()?)
    }

    /// Saves the store and its score configuration to the file at `path`.
    ///
    /// # Errors
    /// As [`to_bytes_scored`](Self::to_bytes_scored) and [`save`](Self::save).
    pub fn save_scored(&self, scorer: &Scorer, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_bytes_scored(scorer)?)
    }

    /// Loads a store saved to the file at `path`.
    ///
    /// # Errors
    /// [`EngError::Io`] when the file cannot be read; [`EngError::Corrupt`]
    /// as [`from_bytes`](Self::from_bytes).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_bytes(&read_file(path.as_ref())?)
    }

    /// Loads a store and its score configuration from the file at `path`.
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub fn load_scored(path: impl AsRef<Path>) -> Result<(Self, Scorer)> {
        Self::from_bytes_scored(&read_file(path.as_ref())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, Code, Customer, Touchpoint, TouchpointKind};
    use proptest::prelude::*;

    fn store_of(tps: &[Touchpoint]) -> ProfileStore {
        let mut store = ProfileStore::new(SignalConfig::default()).unwrap();
        for tp in tps {
            store.push(tp).unwrap();
        }
        store
    }

    fn sample() -> ProfileStore {
        sample_with(SignalConfig::default())
    }

    /// The store and score configuration saved in `src/testdata/store_v1.engs`.
    fn persisted_sample() -> (ProfileStore, ScoreConfig) {
        let config: ScoreConfig = serde_json::from_str(
            r#"{"signals": {"half_life_days": 14}, "mix": {"emotional": 2, "contextual": 1, "convenient": 1, "social": 0.5}}"#,
        )
        .unwrap();
        (sample_with(config.signals.clone()), config)
    }

    fn sample_with(signals: SignalConfig) -> ProfileStore {
        let tps: Vec<Touchpoint> = (0..40)
            .map(|i| {
                Touchpoint::new(
                    i % 7,
                    1_600_000_000 + i as i64 * 3_600,
                    Channel::ALL[i as usize % 4],
                    TouchpointKind::ALL[i as usize % 9],
                )
            })
            .filter(|tp| tp.validate().is_ok())
            .collect();
        let mut store = ProfileStore::new(signals).unwrap();
        for tp in &tps {
            store.push(tp).unwrap();
        }
        let mut c = Customer::new(3);
        c.acquired_at = Some(1_590_000_000);
        c.acquisition_channel = Some(Channel::Social);
        store.add_customer(&c).unwrap();
        store
    }

    #[test]
    fn a_file_claiming_two_to_the_63_profiles_is_corrupt_without_allocating_them() {
        // A valid frame and configurations, then a profile count of 2^63 and nothing after it.
        let score = serde_json::to_string(&ScoreConfig::default()).unwrap();
        let signals = serde_json::to_string(&SignalConfig::default()).unwrap();
        let payload = postcard::to_allocvec(&(score, signals, 1u64 << 63)).unwrap();
        let bytes = frame(STORE_MAGIC, STORE_FORMAT_VERSION, &payload);
        assert!(matches!(
            ProfileStore::from_bytes(&bytes),
            Err(EngError::Corrupt { .. })
        ));
    }

    #[test]
    fn every_truncation_and_bit_flip_is_corrupt() {
        let bytes = sample().to_bytes().unwrap();
        assert_eq!(ProfileStore::from_bytes(&bytes).unwrap(), sample());
        for n in 0..bytes.len() {
            let e = ProfileStore::from_bytes(&bytes[..n]).unwrap_err();
            assert_eq!(e.kind(), "corrupt", "prefix of {n} bytes");
        }
        for bit in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            let e = ProfileStore::from_bytes(&b).unwrap_err();
            assert_eq!(e.kind(), "corrupt", "bit {bit} flipped");
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert_eq!(
            ProfileStore::from_bytes(&padded).unwrap_err().kind(),
            "corrupt"
        );
    }

    #[test]
    fn a_valid_frame_around_a_bad_payload_is_corrupt_not_a_partial_store() {
        let store = sample();
        let profiles: Vec<&Profile> = store.iter().collect();
        let cfg = serde_json::to_string(&ScoreConfig::default()).unwrap();
        let sig = serde_json::to_string(&SignalConfig::default()).unwrap();
        let frame_of = |p: Vec<&Profile>, score: &str| {
            let payload = postcard::to_allocvec(&StoreOut {
                score: score.into(),
                signals: sig.clone(),
                profiles: p,
            })
            .unwrap();
            frame(STORE_MAGIC, STORE_FORMAT_VERSION, &payload)
        };
        assert!(ProfileStore::from_bytes(&frame_of(profiles.clone(), &cfg)).is_ok());
        let mut reversed = profiles.clone();
        reversed.reverse();
        let e = ProfileStore::from_bytes(&frame_of(reversed, &cfg)).unwrap_err();
        assert!(e.to_string().contains("ascending order"), "{e}");
        let twice = vec![profiles[0], profiles[0]];
        assert_eq!(
            ProfileStore::from_bytes(&frame_of(twice, &cfg))
                .unwrap_err()
                .kind(),
            "corrupt"
        );
        let other = r#"{"signals": {"half_life_days": 7}}"#;
        let e = ProfileStore::from_bytes(&frame_of(profiles, other)).unwrap_err();
        assert!(e.to_string().contains("signals differ"), "{e}");
        // A count of 2⁶³ profiles with nothing behind it fails to decode
        // instead of allocating.
        let mut payload = postcard::to_allocvec(&(cfg.as_str(), sig.as_str())).unwrap();
        payload.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        let e = ProfileStore::from_bytes(&frame(STORE_MAGIC, 1, &payload)).unwrap_err();
        assert_eq!(e.kind(), "corrupt");
        let e = ProfileStore::from_bytes(&frame(STORE_MAGIC, 2, &payload)).unwrap_err();
        assert!(e.to_string().contains("format version 2"), "{e}");
        let e = ProfileStore::from_bytes(&frame(*b"ENGP", 1, &payload)).unwrap_err();
        assert!(e.to_string().contains("not a saved profile store"), "{e}");
    }

    #[test]
    fn a_saved_trigger_engine_is_refused_whole_when_damaged() {
        use crate::journey::triggers::{TriggerConfig, TriggerEngine};
        let cfg: TriggerConfig = serde_json::from_str(
            r#"{"rules": [{"name": "w", "action": "welcome", "when": {"type": "first_touch"}, "delay": 99999}]}"#,
        )
        .unwrap();
        let mut engine = TriggerEngine::new(cfg).unwrap();
        let c = [1u64, 2];
        engine
            .push(&crate::model::TouchpointColumns {
                customer: &c,
                time: &[10, 20],
                channel: &[1, 1],
                kind: &[1, 1],
                value: &[0.0, 0.0],
                ..Default::default()
            })
            .unwrap();
        let bytes = engine.to_bytes().unwrap();
        assert_eq!(TriggerEngine::from_bytes(&bytes).unwrap().pending(), 2);
        for n in 0..bytes.len() {
            assert_eq!(
                TriggerEngine::from_bytes(&bytes[..n]).unwrap_err().kind(),
                "corrupt"
            );
        }
        for bit in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                TriggerEngine::from_bytes(&b).unwrap_err().kind(),
                "corrupt",
                "bit {bit}"
            );
        }
        let store = ProfileStore::new(SignalConfig::default())
            .unwrap()
            .to_bytes()
            .unwrap();
        let e = TriggerEngine::from_bytes(&store).unwrap_err();
        assert!(e.to_string().contains("not a saved trigger engine"), "{e}");
    }

    #[test]
    fn files_are_replaced_whole_and_missing_files_name_the_path() {
        let dir = std::env::temp_dir().join(format!("engagement-persist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("store.engs");
        sample().save(&path).unwrap();
        ProfileStore::new(SignalConfig::default())
            .unwrap()
            .save(&path)
            .unwrap();
        assert!(ProfileStore::load(&path).unwrap().is_empty());
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        let e = ProfileStore::load(dir.join("absent.engs")).unwrap_err();
        assert!(e.to_string().contains("absent.engs"), "{e}");
        let e = sample()
            .save(dir.join("no/such/dir/store.engs"))
            .unwrap_err();
        assert_eq!(e.kind(), "io");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_first_format_version_still_loads() {
        // Saved by format version 1 of this library; every later reader must
        // load it to this store.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/testdata/store_v1.engs");
        let expected = persisted_sample();
        if std::env::var_os("UPDATE_PERSIST_V1").is_some() {
            let scorer = Scorer::new(expected.1.clone()).unwrap();
            expected.0.save_scored(&scorer, path).unwrap();
        }
        let (store, scorer) = ProfileStore::load_scored(path).unwrap();
        assert_eq!(store, expected.0);
        assert_eq!(scorer.config(), &expected.1);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// A store saved each night, loaded the next day and pushed that
        /// day's touchpoints equals one store built from all of them.
        #[test]
        fn nightly_save_load_push_equals_one_bulk_build(
            mut tps in crate::testing::touchpoints(80),
            cuts in proptest::collection::vec(0usize..80, 0..6),
        ) {
            tps.sort_by_key(|tp| tp.time);
            let whole = store_of(&tps);
            let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c.min(tps.len())).collect();
            bounds.extend([0, tps.len()]);
            bounds.sort_unstable();
            let mut saved = ProfileStore::new(SignalConfig::default()).unwrap().to_bytes().unwrap();
            for day in bounds.windows(2) {
                let mut store = ProfileStore::from_bytes(&saved).unwrap();
                for tp in &tps[day[0]..day[1]] {
                    store.push(tp).unwrap();
                }
                saved = store.to_bytes().unwrap();
            }
            let last = ProfileStore::from_bytes(&saved).unwrap();
            prop_assert_eq!(&last, &whole);
            prop_assert_eq!(last.to_bytes().unwrap(), whole.to_bytes().unwrap());
        }
    }
}
