//! List rows that lack what only detail rows carry.
//!
//! QBench leaves some fields out of list rows on some tenants (a test's
//! `has_report` and `report_completed_date`, a sample's `has_report`).
//! Loaded as they are, those rows would leave turnaround times without
//! their report dates, so such rows are replaced by the record's detail,
//! one call each, within the client's limits. Rows that carry the fields
//! cost nothing; `DETAIL_FETCH=off` turns the replacement off.

use futures::{StreamExt, stream};
use mirror_records::{Entity, record_id};
use serde_json::Value;

use crate::engine::{EntityFailure, Syncer};

/// Keys whose absence from a list row calls for the detail.
fn detail_keys(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Test => &["has_report", "report_completed_date"],
        Entity::Sample => &["has_report"],
        _ => &[],
    }
}

/// Whether `record` lacks a key only its detail would carry.
fn is_sparse(entity: Entity, record: &Value) -> bool {
    let keys = detail_keys(entity);
    record
        .as_object()
        .is_some_and(|o| keys.iter().any(|k| !o.contains_key(*k)))
}

/// The page's records, sparse list rows replaced by their details.
pub async fn complete_rows(
    syncer: &Syncer,
    entity: Entity,
    records: &[Value],
) -> Result<Vec<Value>, EntityFailure> {
    let mut rows = records.to_vec();
    if !syncer.settings.detail_fetch {
        return Ok(rows);
    }
    let sparse: Vec<(usize, i32)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| is_sparse(entity, r))
        .filter_map(|(i, r)| Some((i, record_id(r).ok()?)))
        .collect();
    if sparse.is_empty() {
        return Ok(rows);
    }

    metrics::counter!("fetcher_detail_reads_total", "entity" => entity.as_str())
        .increment(sparse.len() as u64);
    let client = &syncer.client;
    let window = syncer.settings.qbench.max_in_flight.max(1);
    let mut details = stream::iter(sparse)
        .map(|(i, id)| async move { (i, id, client.get_record(entity, i64::from(id)).await) })
        .buffered(window);
    while let Some((i, id, detail)) = details.next().await {
        let detail = detail.map_err(|error| EntityFailure::Record {
            id: i64::from(id),
            error,
        })?;
        // A record deleted since the list was read keeps its list row; the
        // updates feed reports the deletion.
        if let Some(detail) = detail {
            rows[i] = detail;
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_test_row_without_its_report_date_is_sparse() {
        assert!(is_sparse(
            Entity::Test,
            &json!({"id": 1, "has_report": false})
        ));
        let complete = json!({"id": 1, "has_report": true, "report_completed_date": null});
        assert!(!is_sparse(Entity::Test, &complete));
        assert!(!is_sparse(Entity::Order, &json!({"id": 1})));
    }
}
