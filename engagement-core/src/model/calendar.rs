//! Calendar arithmetic on Unix seconds (UTC, proleptic Gregorian calendar):
//! civil dates from day numbers and back, after Hinnant's `civil_from_days`
//! and `days_from_civil` (H. Hinnant, "chrono-Compatible Low-Level Date
//! Algorithms", 2013).

const DAY: i64 = 86_400;

/// Days since 1970-01-01 → (year, month 1–12), after Hinnant's
/// `civil_from_days` (proleptic Gregorian calendar).
pub(crate) fn year_month(days: i64) -> (i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month)
}

/// Days since 1970-01-01 of the first day of (year, month), Hinnant's
/// `days_from_civil`.
pub(crate) fn first_day(year: i64, month: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The same UTC date and time of day `years` calendar years after `t` (Unix
/// seconds); 29 February becomes 28 February in a common year.
pub(crate) fn add_years(t: i64, years: i64) -> i64 {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (year, month) = year_month(days);
    let day = days - first_day(year, month);
    let (next_year, next_month) = if month == 12 {
        (year + years + 1, 1)
    } else {
        (year + years, month + 1)
    };
    let start = first_day(year + years, month);
    let month_days = first_day(next_year, next_month) - start;
    (start + day.min(month_days - 1)) * 86_400 + secs
}

/// `YYYY-MM-DD` of the UTC day containing `t`.
pub(crate) fn date_label(t: i64) -> String {
    let days = t.div_euclid(DAY);
    let (year, month) = year_month(days);
    let day = days - first_day(year, month) + 1;
    format!("{year:04}-{month:02}-{day:02}")
}

/// `YYYY-MM-DD HH:MM:SS UTC` of `t`: how messages show a time.
pub(crate) fn datetime_label(t: i64) -> String {
    let secs = t.rem_euclid(DAY);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        date_label(t),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anniversaries_keep_the_date_and_clamp_leap_days() {
        let day = 86_400;
        // 2024-02-29 12:00 UTC is day 19782.
        let leap = 19_782 * day + 12 * 3600;
        assert_eq!(add_years(leap, 1), (19_782 + 365) * day + 12 * 3600); // 2025-02-28
        assert_eq!(add_years(leap, 4), (19_782 + 4 * 365 + 1) * day + 12 * 3600); // 2028-02-29
        // 1970-01-01 → 1971-01-01, and 1999-12-31 → 2000-12-31 (a leap year: 366 days).
        assert_eq!(add_years(0, 1), 365 * day);
        assert_eq!(add_years(10_956 * day, 1), (10_956 + 366) * day);
    }

    #[test]
    fn times_in_messages_are_dates() {
        assert_eq!(datetime_label(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(datetime_label(1_000_000_000), "2001-09-09 01:46:40 UTC");
        assert_eq!(datetime_label(-1), "1969-12-31 23:59:59 UTC");
    }
}
