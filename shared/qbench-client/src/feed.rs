//! The updates feed: which records changed or were deleted since a time.

use serde_json::{Map, Value};

use crate::numbers;

/// The ids of one entity's records changed and deleted since a time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Updates {
    pub updated: Vec<i64>,
    pub deleted: Vec<i64>,
}

impl Updates {
    /// Reads a feed answer; the error says what was wrong with it.
    ///
    /// Ids may be numbers, numeric strings, or objects with an `id` (as with
    /// `return_objects=true`); a missing or null list is empty.
    pub(crate) fn parse(body: &str) -> Result<Updates, String> {
        let Ok(Value::Object(feed)) = serde_json::from_str::<Value>(body) else {
            return Err("the updates answer is not a JSON object".to_owned());
        };

        Ok(Updates {
            updated: ids(&feed, "updated")?,
            deleted: ids(&feed, "deleted")?,
        })
    }
}

fn ids(feed: &Map<String, Value>, key: &str) -> Result<Vec<i64>, String> {
    let items = match feed.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(format!("{key} is not an array")),
    };
    items
        .iter()
        .enumerate()
        .map(|(at, item)| id_of(item).ok_or_else(|| format!("{key}[{at}] is not an id")))
        .collect()
}

fn id_of(item: &Value) -> Option<i64> {
    match item {
        Value::Object(record) => record.get("id").and_then(numbers::whole),
        other => numbers::whole(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_may_be_numbers_strings_or_objects() {
        let feed = Updates::parse(r#"{"updated":[1,"2",{"id":"3"}],"deleted":null}"#);
        assert_eq!(
            feed,
            Ok(Updates {
                updated: vec![1, 2, 3],
                deleted: vec![],
            })
        );
    }

    #[test]
    fn an_id_that_is_not_a_number_is_refused() {
        let feed = Updates::parse(r#"{"updated":[1],"deleted":["x"]}"#);
        assert_eq!(feed, Err("deleted[0] is not an id".to_owned()));
    }
}
