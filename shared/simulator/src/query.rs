//! The query string of a list call: paging, sorting and id filters, read
//! once into a typed [`ListQuery`].

use std::collections::HashSet;

/// The most rows QBench returns in one page.
pub(crate) const MAX_PAGE_SIZE: u32 = 50;

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SortKey {
    /// No `sort_by`: an order QBench does not document (see [`crate::listing`]).
    Unspecified,
    Id,
    DateCreated,
    LastUpdated,
}

/// Id and state filters; `None` means "not filtered".
#[derive(Debug, Clone, Default)]
pub(crate) struct Filters {
    pub(crate) customer_ids: Option<HashSet<u64>>,
    pub(crate) order_ids: Option<HashSet<u64>>,
    pub(crate) sample_ids: Option<HashSet<u64>>,
    pub(crate) assay_ids: Option<HashSet<u64>>,
    pub(crate) statuses: Option<HashSet<String>>,
}

impl Filters {
    /// Whether no filter was given.
    pub(crate) fn is_empty(&self) -> bool {
        self.customer_ids.is_none()
            && self.order_ids.is_none()
            && self.sample_ids.is_none()
            && self.assay_ids.is_none()
            && self.statuses.is_none()
    }
}

/// A parsed list query.
#[derive(Debug, Clone)]
pub(crate) struct ListQuery {
    /// From 1.
    pub(crate) page: u32,
    pub(crate) page_size: u32,
    pub(crate) sort: SortKey,
    /// `sort_order`, when given.
    pub(crate) descending: Option<bool>,
    pub(crate) filters: Filters,
    /// `include_raw_worksheet_data=true` (either spelling).
    pub(crate) worksheet: bool,
}

impl ListQuery {
    /// Reads the query pairs; repeated keys add to a filter. The error is
    /// the reason QBench would give for a 400.
    pub(crate) fn parse(pairs: &[(String, String)]) -> Result<ListQuery, String> {
        let mut query = ListQuery {
            page: 1,
            page_size: MAX_PAGE_SIZE,
            sort: SortKey::Unspecified,
            descending: None,
            filters: Filters::default(),
            worksheet: wants_worksheet(pairs),
        };
        for (key, value) in pairs {
            query.apply(key, value)?;
        }
        Ok(query)
    }

    fn apply(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "page_num" => self.page = positive(key, value)?,
            "page_size" => {
                self.page_size = positive(key, value)?;
                if self.page_size > MAX_PAGE_SIZE {
                    return Err(format!("page_size must be at most {MAX_PAGE_SIZE}"));
                }
            }
            "sort_by" => self.sort = sort_key(value)?,
            "sort_order" => self.descending = Some(descending(value)?),
            "customer_ids" => add_ids(&mut self.filters.customer_ids, key, value)?,
            "order_ids" => add_ids(&mut self.filters.order_ids, key, value)?,
            "sample_ids" => add_ids(&mut self.filters.sample_ids, key, value)?,
            "assay_ids" => add_ids(&mut self.filters.assay_ids, key, value)?,
            "statuses" => {
                let set = self.filters.statuses.get_or_insert_with(HashSet::new);
                set.extend(value.split(',').map(|s| s.trim().to_ascii_uppercase()));
            }
            // QBench ignores what it does not know; so do we.
            _ => {}
        }
        Ok(())
    }

    /// How many rows come before this page.
    pub(crate) fn offset(&self) -> usize {
        (self.page as usize - 1).saturating_mul(self.page_size as usize)
    }
}

/// Whether worksheet values were asked for, under either spelling QBench uses.
pub(crate) fn wants_worksheet(pairs: &[(String, String)]) -> bool {
    pairs.iter().any(|(k, v)| {
        matches!(
            k.as_str(),
            "include_raw_worksheet_data" | "include_raw_worsksheet_data"
        ) && v.eq_ignore_ascii_case("true")
    })
}

fn positive(key: &str, value: &str) -> Result<u32, String> {
    match value.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{key} must be a positive integer")),
    }
}

fn sort_key(value: &str) -> Result<SortKey, String> {
    match value.trim() {
        "id" => Ok(SortKey::Id),
        "date_created" => Ok(SortKey::DateCreated),
        "last_updated" => Ok(SortKey::LastUpdated),
        other => Err(format!(
            "sort_by {other:?} is not one of id, date_created, last_updated"
        )),
    }
}

fn descending(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "asc" => Ok(false),
        "desc" => Ok(true),
        _ => Err("sort_order must be asc or desc".to_owned()),
    }
}

fn add_ids(set: &mut Option<HashSet<u64>>, key: &str, value: &str) -> Result<(), String> {
    let ids = set.get_or_insert_with(HashSet::new);
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = part
            .parse::<u64>()
            .map_err(|_| format!("{key} must hold integer ids"))?;
        ids.insert(id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn repeated_keys_add_to_one_filter() {
        let q = ListQuery::parse(&pairs(&[("sample_ids", "1"), ("sample_ids", "2,3")])).unwrap();
        let ids = q.filters.sample_ids.unwrap();
        assert_eq!(ids.len(), 3);
        assert!(ids.contains(&2));
    }

    #[test]
    fn page_size_above_fifty_is_refused() {
        let err = ListQuery::parse(&pairs(&[("page_size", "51")])).unwrap_err();
        assert!(err.contains("page_size"), "{err}");
        assert!(ListQuery::parse(&pairs(&[("page_size", "50")])).is_ok());
    }

    #[test]
    fn paging_and_sorting_are_read() {
        let q = ListQuery::parse(&pairs(&[
            ("page_num", "3"),
            ("page_size", "20"),
            ("sort_by", "date_created"),
            ("sort_order", "desc"),
        ]))
        .unwrap();
        assert_eq!((q.page, q.page_size, q.offset()), (3, 20, 40));
        assert_eq!(q.sort, SortKey::DateCreated);
        assert_eq!(q.descending, Some(true));
        assert!(ListQuery::parse(&pairs(&[("sort_by", "name")])).is_err());
        assert!(ListQuery::parse(&pairs(&[("page_num", "0")])).is_err());
    }
}
