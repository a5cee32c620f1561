//! Money: amounts are non-negative `f64` in a currency unit at the API's
//! edges and are summed exactly, in integer micro-units (10⁻⁶ of a unit),
//! inside. Sums then do not depend on the order or grouping of the rows, so
//! merged partial results equal a single pass to the last bit.

/// Micro-units per currency unit.
pub const MICROS_PER_UNIT: f64 = 1e6;

/// An amount in integer micro-units, rounded half up.
///
/// Amounts are validated finite and within `0..=MAX_MONEY` (10¹²) before they
/// get here, so the result is within `0..=10¹⁸` and the cast is exact;
/// adding ½ then truncating rounds half up without a libm call.
#[inline]
pub(crate) fn micros(value: f64) -> i64 {
    (value * MICROS_PER_UNIT + 0.5) as i64
}

/// An amount in integer micro-units, back in currency units.
#[inline]
pub(crate) fn from_micros(micros: i128) -> f64 {
    micros as f64 / MICROS_PER_UNIT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_units_round_half_up_and_come_back() {
        assert_eq!(micros(12.345_678_5), 12_345_679);
        assert_eq!(micros(0.0), 0);
        assert_eq!(micros(1e12), 1_000_000_000_000_000_000);
        assert_eq!(from_micros(12_345_679), 12.345_679);
        assert_eq!(from_micros(-2_500_000), -2.5);
    }
}
