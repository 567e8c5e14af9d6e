//! Lenient readers for QBench's JSON values.
//!
//! QBench sends the same field as a number or a numeric string, an object as
//! `{}`, `""` or `null`, and strings with NUL escapes PostgreSQL cannot store.
//! These readers accept every shape seen in the field and say plainly when a
//! value cannot be read, so the caller can set the record aside with a reason.

use serde_json::{Map, Value};

use crate::MappingError;

/// The record's keys and values.
pub type Object = Map<String, Value>;

/// A value that means "nothing": `null`, `""`, `{}` or `[]`.
pub fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The first of `keys` that holds a non-blank value.
pub fn first<'a>(object: &'a Object, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .filter_map(|k| object.get(*k))
        .find(|v| !is_blank(v))
}

/// An integer from a number or a numeric string.
pub fn integer(key: &str, value: &Value) -> Result<Option<i64>, MappingError> {
    match value {
        v if is_blank(v) => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| MappingError::invalid(key, value)),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| MappingError::invalid(key, value)),
        _ => Err(MappingError::invalid(key, value)),
    }
}

/// An integer that fits PostgreSQL's `integer` (QBench ids do).
pub fn int32(key: &str, value: &Value) -> Result<Option<i32>, MappingError> {
    integer(key, value)?
        .map(|n| i32::try_from(n).map_err(|_| MappingError::invalid(key, value)))
        .transpose()
}

/// The integer at `key`, if any.
pub fn int32_at(object: &Object, key: &str) -> Result<Option<i32>, MappingError> {
    object.get(key).map_or(Ok(None), |v| int32(key, v))
}

/// A boolean from `true`/`false`, `1`/`0` or their strings.
pub fn boolean(key: &str, value: &Value) -> Result<Option<bool>, MappingError> {
    match value {
        v if is_blank(v) => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err(MappingError::invalid(key, value)),
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(Some(true)),
            "false" | "0" | "no" => Ok(Some(false)),
            _ => Err(MappingError::invalid(key, value)),
        },
        _ => Err(MappingError::invalid(key, value)),
    }
}

/// Text from a string or a number, with NUL characters replaced.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(without_nul(s)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The text at the first of `keys` that holds one.
pub fn text_at(object: &Object, keys: &[&str]) -> Option<String> {
    first(object, keys).and_then(text)
}

/// A list of ids from numbers, numeric strings or objects with an `id`.
pub fn id_list(key: &str, value: &Value) -> Result<Vec<i32>, MappingError> {
    let items = match value {
        v if is_blank(v) => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err(MappingError::invalid(key, value)),
    };
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        let id = match item {
            Value::Object(o) => o.get("id").map_or(Ok(None), |v| int32(key, v))?,
            other => int32(key, other)?,
        };
        ids.extend(id);
    }
    Ok(ids)
}

/// A weight such as `"6.34g"`: the leading number, unit dropped. Free text
/// that holds no number reads as nothing; the raw value stays in the payload.
pub fn leading_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let s = s.trim();
            let end = s
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '-'))
                .map_or(s.len(), |(i, _)| i);
            s[..end].parse().ok()
        }
        _ => None,
    }
}

/// Replaces NUL characters, which PostgreSQL text and jsonb reject.
pub fn without_nul(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

/// The payload as stored: every string and key without NUL characters.
pub fn storable(value: &Value) -> Value {
    match value {
        Value::String(s) if s.contains('\0') => Value::String(without_nul(s)),
        Value::Array(items) => Value::Array(items.iter().map(storable).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (without_nul(k), storable(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn integers_come_as_numbers_or_strings() {
        assert_eq!(integer("x", &json!("77")), Ok(Some(77)));
        assert_eq!(integer("x", &json!(77)), Ok(Some(77)));
        assert_eq!(integer("x", &json!("")), Ok(None));
        assert!(integer("x", &json!("seventy")).is_err());
    }

    #[test]
    fn id_lists_accept_objects_and_strings() {
        assert_eq!(id_list("b", &json!([1, "2", {"id": 3}])), Ok(vec![1, 2, 3]));
        assert_eq!(id_list("b", &json!(null)), Ok(vec![]));
    }

    #[test]
    fn weights_keep_the_number_and_drop_the_unit() {
        assert_eq!(leading_number(&json!("6.34g")), Some(6.34));
        assert_eq!(leading_number(&json!("n/a")), None);
    }

    #[test]
    fn nul_characters_are_replaced_everywhere() {
        let stored = storable(&json!({"a\u{0}": ["x\u{0}y"]}));
        assert_eq!(stored, json!({"a\u{FFFD}": ["x\u{FFFD}y"]}));
    }
}
