//! A plain CSV form of touchpoint tables (for sample data and exports).
//!
//! Header and columns, in this order:
//!
//! ```text
//! customer,time,channel,kind,value,rating,rating_scale
//! 17,1704067200,email,open,0,,
//! 17,1704153600,web,purchase,49.9,,
//! 17,1704240000,email,survey_response,0,9,nps
//! ```
//!
//! `channel`, `kind` and `rating_scale` are labels; an empty `rating` means no
//! rating. No field ever needs quoting (numbers and labels only), so the
//! reader rejects quotes rather than guessing. Parsing is pure: the caller
//! reads the file.

use std::fmt::Write;

use crate::error::{EngError, Result};
use crate::model::{Channel, Code, RatingScale, TouchpointKind, TouchpointTable};

/// The header line of the CSV form.
///
/// # Examples
///
/// ```
/// assert!(engagement_core::model::csv::CSV_HEADER.starts_with("customer,time"));
/// ```
pub const CSV_HEADER: &str = "customer,time,channel,kind,value,rating,rating_scale";

const SCALE_LABELS: [&str; 3] = ["nps", "csat", "ces"];

impl TouchpointTable {
    /// Writes the table as CSV (header included, `\n` line ends).
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for an unknown code in a row.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, Touchpoint, TouchpointKind as K, TouchpointTable};
    /// let mut t = TouchpointTable::default();
    /// t.push(&Touchpoint::new(1, 60, Channel::Web, K::Purchase).with_value(9.5));
    /// let csv = t.to_csv()?;
    /// assert_eq!(csv, "customer,time,channel,kind,value,rating,rating_scale\n1,60,web,purchase,9.5,,\n");
    /// let back = TouchpointTable::from_csv(&csv)?;
    /// assert_eq!(back.to_csv()?, csv);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn to_csv(&self) -> Result<String> {
        let cols = self.columns();
        let mut out = String::with_capacity(32 * self.len() + CSV_HEADER.len() + 1);
        out.push_str(CSV_HEADER);
        out.push('\n');
        for i in 0..self.len() {
            let tp = cols.row(i).map_err(|e| e.at_row(i))?;
            // Writing to a String cannot fail.
            let _ = write!(
                out,
                "{},{},{},{},{},",
                tp.customer, tp.time, tp.channel, tp.kind, tp.value
            );
            if let Some(r) = tp.rating {
                let _ = write!(out, "{},{}", r.value, SCALE_LABELS[r.scale as usize]);
            } else {
                out.push(',');
            }
            out.push('\n');
        }
        Ok(out)
    }

    /// Parses the CSV form. Rows are validated like any touchpoint input.
    ///
    /// # Errors
    /// - [`EngError::InvalidInput`] naming the column and the row for a
    ///   malformed number, a wrong field count or a bad header. The row counts
    ///   the lines after the header from 0, blank lines included (they are
    ///   skipped, not renumbered), so the error is on line `row + 2` of the text;
    /// - [`EngError::UnknownLabel`] for an unknown channel, kind or scale label.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointTable;
    /// let t = TouchpointTable::from_csv("customer,time,channel,kind,value,rating,rating_scale\n1,0,email,survey_response,0,9,nps\n")?;
    /// assert_eq!((t.len(), t.rating[0]), (1, 9.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_csv(text: &str) -> Result<Self> {
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default().trim_end_matches('\r');
        if header != CSV_HEADER {
            return Err(EngError::invalid(
                "header",
                header,
                format!("expected {CSV_HEADER:?}"),
            ));
        }
        let mut t = TouchpointTable::default();
        for (row, line) in lines.enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').collect();
            if fields.len() != 7 {
                return Err(EngError::invalid(
                    "row",
                    line,
                    format!("expected 7 fields, found {}", fields.len()),
                )
                .at_row(row));
            }
            let parse_err =
                |col: &str, v: &str| EngError::invalid(col, v, "not a number").at_row(row);
            t.customer.push(
                fields[0]
                    .parse()
                    .map_err(|_| parse_err("customer", fields[0]))?,
            );
            t.time.push(
                fields[1]
                    .parse()
                    .map_err(|_| parse_err("time", fields[1]))?,
            );
            t.channel.push(
                Channel::from_label(fields[2])
                    .map_err(|e| e.at_row(row))?
                    .code(),
            );
            t.kind.push(
                TouchpointKind::from_label(fields[3])
                    .map_err(|e| e.at_row(row))?
                    .code(),
            );
            t.value.push(
                fields[4]
                    .parse()
                    .map_err(|_| parse_err("value", fields[4]))?,
            );
            if fields[5].is_empty() {
                t.rating.push(f32::NAN);
                t.rating_scale.push(0);
            } else {
                t.rating.push(
                    fields[5]
                        .parse()
                        .map_err(|_| parse_err("rating", fields[5]))?,
                );
                let scale = SCALE_LABELS
                    .iter()
                    .position(|s| *s == fields[6])
                    .ok_or_else(|| {
                        EngError::unknown_label("rating_scale", fields[6], SCALE_LABELS).at_row(row)
                    })?;
                t.rating_scale.push(RatingScale::ALL[scale] as u8);
            }
        }
        t.columns().validate()?;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_column_and_row() {
        let bad = format!("{CSV_HEADER}\n1,10,web,visit,0,,\n2,x,web,visit,0,,\n");
        let e = TouchpointTable::from_csv(&bad).unwrap_err();
        assert!(
            matches!(e, EngError::InvalidInput { ref field, index: Some(1), .. } if field == "time"),
            "{e}"
        );
        // A blank line is skipped but counted: the bad value sits on line 4 = row 2 + 2.
        let bad = format!("{CSV_HEADER}\n1,10,web,visit,0,,\n\n2,x,web,visit,0,,\n");
        let e = TouchpointTable::from_csv(&bad).unwrap_err();
        assert!(
            matches!(e, EngError::InvalidInput { index: Some(2), .. }),
            "{e}"
        );
        let bad = format!("{CSV_HEADER}\n1,10,fax,visit,0,,\n");
        assert!(matches!(
            TouchpointTable::from_csv(&bad),
            Err(EngError::UnknownLabel { .. })
        ));
        let bad = format!("{CSV_HEADER}\n1,10,web,purchase,-3,,\n");
        assert!(matches!(
            TouchpointTable::from_csv(&bad),
            Err(EngError::InvalidInput { index: Some(0), .. })
        ));
        assert!(TouchpointTable::from_csv("a,b\n").is_err());
        assert!(TouchpointTable::from_csv("").is_err());
        let bad = format!("{CSV_HEADER}\n1,10,web\n");
        assert!(TouchpointTable::from_csv(&bad).is_err());
    }

    #[test]
    fn ratings_round_trip() {
        let text = format!("{CSV_HEADER}\r\n3,5,email,survey_response,0,4,csat\r\n");
        let t = TouchpointTable::from_csv(&text).unwrap();
        assert_eq!(t.rating, [4.0]);
        assert_eq!(t.rating_scale, [RatingScale::Csat as u8]);
        assert_eq!(t.to_csv().unwrap(), text.replace('\r', ""));
    }
}
