//! Answering a list call: order the live records, filter, cut a page.
//!
//! Pages are computed per request from the lab as it is, like QBench's
//! offset paging: records created or deleted between two calls shift later
//! pages. Orderings by date are cached until the lab next changes, because
//! sorting 600k tests on every page of a sync would dominate the CPU.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use mirror_records::Entity;

use crate::clock::LabTime;
use crate::dice::mix;
use crate::lab::{Lab, Records, id_of};
use crate::query::{Filters, ListQuery, SortKey};

/// One page of a list, as record indices, with the count of all matches.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub(crate) total: usize,
    pub(crate) rows: Vec<u32>,
}

type Ordering = Arc<Vec<u32>>;

/// Live records sorted by a key, rebuilt when the lab's version moves.
#[derive(Debug, Default)]
pub(crate) struct Orderings {
    cache: Mutex<HashMap<(Entity, SortKey), (u64, Ordering)>>,
}

impl Orderings {
    /// The live records of `entity` in ascending `key` order (ties by id).
    fn ascending(&self, lab: &Lab, entity: Entity, key: SortKey) -> Ordering {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((version, ordering)) = cache.get(&(entity, key))
            && *version == lab.version
        {
            return Arc::clone(ordering);
        }
        let ordering = Arc::new(sorted(lab, entity, key));
        cache.insert((entity, key), (lab.version, Arc::clone(&ordering)));
        ordering
    }
}

fn sorted(lab: &Lab, entity: Entity, key: SortKey) -> Vec<u32> {
    let mut keyed: Vec<(u64, u32)> = lab
        .live_indices(entity)
        .map(|i| (sort_value(lab, entity, key, i), i))
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

fn sort_value(lab: &Lab, entity: Entity, key: SortKey, i: u32) -> u64 {
    let records = &lab.records;
    let secs = |at: LabTime| u64::try_from(at.secs()).unwrap_or(0);
    match key {
        SortKey::Id => u64::from(i),
        SortKey::DateCreated => match entity {
            // A customer without a shown date sorts as the oldest.
            Entity::Customer if !records.customers[i as usize].shows_created => 0,
            _ => secs(records.lifespan(entity, i).0),
        },
        SortKey::LastUpdated => secs(records.last_updated(entity, i, lab.now)),
        SortKey::Unspecified => mix(lab.seed, u64::from(i)),
    }
}

/// The page `query` asks for.
///
/// Without `sort_by`, customers come in a stable but meaningless order, as
/// on real tenants, and other entities newest first.
pub(crate) fn page(lab: &Lab, orderings: &Orderings, entity: Entity, query: &ListQuery) -> Page {
    let (key, descending) = match (query.sort, entity) {
        (SortKey::Unspecified, Entity::Customer) => (SortKey::Unspecified, false),
        (SortKey::Unspecified, _) => (SortKey::Id, query.descending.unwrap_or(true)),
        (key, _) => (key, query.descending.unwrap_or(false)),
    };
    let ordering = orderings.ascending(lab, entity, key);
    let (offset, size) = (query.offset(), query.page_size as usize);
    if query.filters.is_empty() {
        return unfiltered(&ordering, descending, offset, size);
    }
    let matching = |i: &u32| matches(&lab.records, entity, *i, &query.filters, lab.now);
    let (total, rows) = if descending {
        cut(
            ordering.iter().rev().copied().filter(matching),
            offset,
            size,
        )
    } else {
        cut(ordering.iter().copied().filter(matching), offset, size)
    };
    Page { total, rows }
}

/// A page straight out of the ordering, without looking at each record.
fn unfiltered(ordering: &[u32], descending: bool, offset: usize, size: usize) -> Page {
    let total = ordering.len();
    let start = offset.min(total);
    let end = offset.saturating_add(size).min(total);
    let rows = if descending {
        ordering[total - end..total - start]
            .iter()
            .rev()
            .copied()
            .collect()
    } else {
        ordering[start..end].to_vec()
    };
    Page { total, rows }
}

/// Counts every item and keeps those in `offset..offset + size`.
fn cut(items: impl Iterator<Item = u32>, offset: usize, size: usize) -> (usize, Vec<u32>) {
    let mut rows = Vec::with_capacity(size);
    let mut total = 0;
    for item in items {
        if total >= offset && rows.len() < size {
            rows.push(item);
        }
        total += 1;
    }
    (total, rows)
}

/// Whether record `i` passes the filters that apply to its entity.
fn matches(records: &Records, entity: Entity, i: u32, filters: &Filters, now: LabTime) -> bool {
    match entity {
        Entity::Order => {
            let customer = records.orders[i as usize].customer;
            within(&filters.customer_ids, id_of(Entity::Customer, customer))
        }
        Entity::Sample => {
            let order = records.samples[i as usize].order;
            let customer = records.orders[order as usize].customer;
            within(&filters.order_ids, id_of(Entity::Order, order))
                && within(&filters.customer_ids, id_of(Entity::Customer, customer))
        }
        Entity::Test => test_matches(records, i, filters, now),
        Entity::Customer | Entity::Batch => true,
    }
}

fn test_matches(records: &Records, i: u32, filters: &Filters, now: LabTime) -> bool {
    let test = &records.tests[i as usize];
    let order = records.samples[test.sample as usize].order;
    let customer = records.orders[order as usize].customer;
    let state_ok = filters
        .statuses
        .as_ref()
        .is_none_or(|states| states.contains(records.test_view(i, now).state.as_str()));
    within(&filters.sample_ids, id_of(Entity::Sample, test.sample))
        && within(&filters.order_ids, id_of(Entity::Order, order))
        && within(&filters.customer_ids, id_of(Entity::Customer, customer))
        && within(&filters.assay_ids, u64::from(test.assay) + 1)
        && state_ok
}

/// Whether `id` passes an optional id filter.
fn within(filter: &Option<HashSet<u64>>, id: u64) -> bool {
    filter.as_ref().is_none_or(|ids| ids.contains(&id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfiltered_pages_cut_both_directions() {
        let ordering: Vec<u32> = (0..7).collect();
        assert_eq!(unfiltered(&ordering, false, 3, 3).rows, vec![3, 4, 5]);
        assert_eq!(unfiltered(&ordering, true, 0, 3).rows, vec![6, 5, 4]);
        assert_eq!(unfiltered(&ordering, true, 6, 3).rows, vec![0]);
        assert!(unfiltered(&ordering, true, 9, 3).rows.is_empty());
        assert_eq!(unfiltered(&ordering, false, 9, 3).total, 7);
    }

    #[test]
    fn filtered_cut_counts_everything_and_keeps_one_page() {
        let (total, rows) = cut((0..100).filter(|i| i % 2 == 0), 10, 5);
        assert_eq!(total, 50);
        assert_eq!(rows, vec![20, 22, 24, 26, 28]);
    }
}
