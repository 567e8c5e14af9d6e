//! List pages: the query QBench takes and the envelope it answers.

use serde_json::{Map, Value};

use crate::numbers;

/// The field a list is sorted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Id,
    DateCreated,
    LastUpdated,
}

impl SortKey {
    /// The value of QBench's `sort_by` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::DateCreated => "date_created",
            SortKey::LastUpdated => "last_updated",
        }
    }
}

/// The direction of a sorted list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

impl SortOrder {
    /// The value of QBench's `sort_order` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }
    }
}

/// Which page of a list to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    /// From 1.
    pub page_num: u32,
    /// At most 50; QBench's answer above that is undocumented.
    pub page_size: u32,
    pub sort_by: SortKey,
    pub order: SortOrder,
    /// Sent as repeated keys, e.g. `sample_ids=1&sample_ids=2`.
    pub filters: Vec<(String, String)>,
}

impl PageQuery {
    /// Page `page_num` of `page_size` records, sorted by id ascending.
    pub fn new(page_num: u32, page_size: u32) -> Self {
        PageQuery {
            page_num,
            page_size,
            sort_by: SortKey::Id,
            order: SortOrder::Asc,
            filters: Vec::new(),
        }
    }

    /// The same query sorted on `key` in `order`.
    pub fn sorted(mut self, key: SortKey, order: SortOrder) -> Self {
        self.sort_by = key;
        self.order = order;
        self
    }

    /// The same query with one more filter value.
    pub fn filter(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.filters.push((key.into(), value.to_string()));
        self
    }

    /// The query string pairs, in the order QBench's own clients send them.
    pub(crate) fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = vec![
            ("page_num".to_owned(), self.page_num.to_string()),
            ("page_size".to_owned(), self.page_size.to_string()),
            ("sort_by".to_owned(), self.sort_by.as_str().to_owned()),
            ("sort_order".to_owned(), self.order.as_str().to_owned()),
        ];
        pairs.extend(self.filters.iter().cloned());
        pairs
    }
}

/// One page of a list.
///
/// Paging should end on `total_pages` or an empty page, never on a short
/// page or on `total_count`, which QBench may leave null.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub total_count: Option<u64>,
    pub total_pages: u64,
    /// The raw records, each a JSON object, as QBench sent them.
    pub records: Vec<Value>,
}

impl Page {
    /// Reads a list envelope; the error says what was wrong with it.
    ///
    /// Unknown keys beside `total_count`, `total_pages` and `data` are
    /// ignored; counts may be numbers or numeric strings.
    pub(crate) fn parse(body: &str) -> Result<Page, String> {
        let Ok(Value::Object(mut envelope)) = serde_json::from_str::<Value>(body) else {
            return Err("the list answer is not a JSON object".to_owned());
        };

        let total_pages = envelope
            .get("total_pages")
            .and_then(numbers::count)
            .ok_or("total_pages is missing or not a whole number")?;
        let total_count = envelope.get("total_count").and_then(numbers::count);

        Ok(Page {
            total_count,
            total_pages,
            records: records(&mut envelope)?,
        })
    }
}

/// `data`, which must be an array of objects.
fn records(envelope: &mut Map<String, Value>) -> Result<Vec<Value>, String> {
    let Some(Value::Array(data)) = envelope.remove("data") else {
        return Err("data is missing or not an array".to_owned());
    };
    if let Some(at) = data.iter().position(|r| !r.is_object()) {
        return Err(format!("data[{at}] is not an object"));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_repeated_keys_after_the_paging_keys() {
        let query = PageQuery::new(2, 50)
            .sorted(SortKey::DateCreated, SortOrder::Desc)
            .filter("sample_ids", 1)
            .filter("sample_ids", 2);

        let keys: Vec<String> = query
            .to_pairs()
            .into_iter()
            .map(|(k, v)| k + "=" + &v)
            .collect();
        assert_eq!(
            keys.join("&"),
            "page_num=2&page_size=50&sort_by=date_created&sort_order=desc\
             &sample_ids=1&sample_ids=2"
        );
    }

    #[test]
    fn a_null_total_count_and_a_string_total_pages_are_read() {
        let page =
            Page::parse(r#"{"total_count":null,"total_pages":"6","data":[{"id":1}],"opaque":{}}"#);
        assert_eq!(
            page,
            Ok(Page {
                total_count: None,
                total_pages: 6,
                records: vec![serde_json::json!({"id": 1})],
            })
        );
    }

    #[test]
    fn data_must_be_an_array_of_objects() {
        let reason = Page::parse(r#"{"total_pages":1,"data":[{"id":1},7]}"#);
        assert_eq!(reason, Err("data[1] is not an object".to_owned()));
        assert!(Page::parse(r#"{"total_pages":1,"data":{}}"#).is_err());
        assert!(Page::parse("<html></html>").is_err());
    }
}
