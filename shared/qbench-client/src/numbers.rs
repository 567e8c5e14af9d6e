//! Whole numbers that QBench sends either as JSON numbers or as numeric
//! strings (`77` and `"77"` for the same field).

use serde_json::Value;

/// A whole number from a JSON number or a numeric string.
pub(crate) fn whole(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A count, which cannot be negative.
pub(crate) fn count(value: &Value) -> Option<u64> {
    whole(value).and_then(|n| u64::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_and_numeric_strings_are_both_whole_numbers() {
        assert_eq!(whole(&json!(77)), Some(77));
        assert_eq!(whole(&json!(" 77 ")), Some(77));
        assert_eq!(whole(&json!("7.5")), None);
        assert_eq!(whole(&json!(null)), None);
        assert_eq!(count(&json!(-1)), None);
    }
}
