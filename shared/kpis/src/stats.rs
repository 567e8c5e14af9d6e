//! Small numeric rules shared by the turnaround figures.

/// Hours as answered: rounded to two decimals after computing, so floating
/// noise of the percentile arithmetic never shows (and NaN never does).
pub(crate) fn round_hours(value: Option<f64>) -> Option<f64> {
    value
        .filter(|v| v.is_finite())
        .map(|v| (v * 100.0).round() / 100.0)
}
