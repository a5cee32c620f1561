//! Loaders for the bundled data sets, shared by the demo and the data tests.

#![allow(dead_code)]

use std::path::PathBuf;

use engagement_core::{Channel, Code, TouchpointKind, TouchpointTable};

/// `data/` at the top of the repository.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data")
}

/// Unix seconds of 00:00 UTC on a proleptic Gregorian date (days-from-civil,
/// H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
pub fn unix_midnight(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

/// Parses a `YYYYMMDD` date into Unix seconds at midnight UTC.
pub fn yyyymmdd(s: &str) -> Result<i64, String> {
    let n: i64 = s.parse().map_err(|_| format!("bad date {s:?}"))?;
    Ok(unix_midnight(n / 10_000, n / 100 % 100, n % 100))
}

/// The CDNOW 1/10th sample (`data/cdnow/CDNOW_sample.txt`) as purchase
/// touchpoints on the web channel: customer = the sample id (1..=2357),
/// time = midnight UTC of the purchase date, value = dollars.
pub fn cdnow_sample() -> Result<TouchpointTable, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(data_dir().join("cdnow/CDNOW_sample.txt"))?;
    let mut t = TouchpointTable::default();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        if f.len() != 5 {
            return Err(format!("CDNOW_sample.txt line {}: expected 5 fields", i + 1).into());
        }
        t.customer.push(f[1].parse()?);
        t.time.push(yyyymmdd(f[2])?);
        t.channel.push(Channel::Web.code());
        t.kind.push(TouchpointKind::Purchase.code());
        t.value.push(f[4].parse()?);
    }
    Ok(t)
}

/// The bundled multi-channel sample (`data/sample/touchpoints.csv`).
pub fn multichannel_sample() -> Result<TouchpointTable, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(data_dir().join("sample/touchpoints.csv"))?;
    Ok(TouchpointTable::from_csv(&text)?)
}

/// `YYYY-MM-DD` of a Unix time (civil-from-days, H. Hinnant).
pub fn date(t: i64) -> String {
    let z = t.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
