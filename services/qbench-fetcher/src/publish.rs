//! Publishing raw records, one message per record, and waiting for
//! JetStream to store them.
//!
//! Each message names the span it was published in (`traceparent`), so
//! the loader that commits the record continues the page's trace.

use async_nats::jetstream;
use chrono::Utc;
use mirror_bus::{Outgoing, RawHeaders, Stream, subject};
use mirror_records::{Entity, record_id, version_of};
use serde_json::Value;
use uuid::Uuid;

/// Where a published page belongs.
#[derive(Debug, Clone, Copy)]
pub struct PagePlace {
    pub run_id: Option<Uuid>,
    /// The page's number in the run's ledger (publication order, from 1).
    pub page: Option<i32>,
}

/// What JetStream did with a page's records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// Newly stored records.
    pub stored: i32,
    /// Records JetStream already had (same id and version, within its
    /// duplicate window); they are not delivered again.
    pub duplicates: i32,
    pub first_id: Option<i32>,
    pub last_id: Option<i32>,
    /// Ids of the records published, in page order.
    pub ids: Vec<i32>,
    /// Where on the page the duplicates are, in page order.
    pub duplicate_places: Vec<usize>,
    /// The raw stream's sequence of the last record, as JetStream stored it.
    pub last_sequence: Option<u64>,
}

impl Published {
    /// Counts `again`, the page's duplicates published once more under
    /// another message id, as stored.
    pub fn absorb(&mut self, again: &Published) {
        self.stored += again.stored;
        self.duplicates -= again.stored;
        self.last_sequence = self.last_sequence.max(again.last_sequence);
    }
}

/// A record could not be published; nothing after it on the page counts.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("cannot publish {entity} {id}: {reason}")]
    Publish {
        entity: Entity,
        id: i64,
        reason: String,
    },
    #[error("record without a readable id on a {entity} page: {reason}")]
    NoId { entity: Entity, reason: String },
}

/// Publishes `records` and waits until JetStream acknowledged every one.
/// A record without a readable id fails the page before any is sent.
pub async fn publish_records(
    js: &jetstream::Context,
    entity: Entity,
    records: &[Value],
    place: PagePlace,
    source: &str,
) -> Result<Published, PublishError> {
    publish_tagged(js, entity, records, place, source, None).await
}

/// As [`publish_records`], with `tag` (when given) making each message id
/// unique, so JetStream stores a version it already holds from the last
/// two minutes: what an operator who asks for a record again expects.
/// Records outside any run are tagged [`OUTSIDE_RUN`] when no tag is given.
pub async fn publish_tagged(
    js: &jetstream::Context,
    entity: Entity,
    records: &[Value],
    place: PagePlace,
    source: &str,
    tag: Option<&str>,
) -> Result<Published, PublishError> {
    let labels = [("entity", entity.as_str()), ("source", source)].map(|(k, v)| (k, v.to_owned()));
    metrics::counter!("fetcher_records_fetched_total", &labels).increment(records.len() as u64);
    let traceparent = current_traceparent();
    let tag = tag.or_else(|| outside_run(place));
    let mut ids = Vec::with_capacity(records.len());
    let mut messages = Vec::with_capacity(records.len());
    for raw in records {
        let id = record_id(raw).map_err(|e| PublishError::NoId {
            entity,
            reason: e.to_string(),
        })?;
        let mut headers = raw_headers(entity, id, version_of(raw), place, source, false);
        headers.traceparent.clone_from(&traceparent);
        ids.push(id);
        messages.push(message(entity, &headers, raw, tag));
    }
    send(js, entity, &ids, messages).await
}

/// Publishes tombstones for records QBench deleted: the payload is
/// `{"id": N}` and the loader marks the record deleted.
pub async fn publish_deletions(
    js: &jetstream::Context,
    entity: Entity,
    ids: &[i32],
    place: PagePlace,
) -> Result<Published, PublishError> {
    let traceparent = current_traceparent();
    let mut messages = Vec::with_capacity(ids.len());
    for id in ids {
        let body = serde_json::json!({ "id": id });
        let mut headers = raw_headers(entity, *id, "deleted".to_owned(), place, "updates", true);
        headers.traceparent.clone_from(&traceparent);
        messages.push(message(entity, &headers, &body, outside_run(place)));
    }
    send(js, entity, ids, messages).await
}

/// The message id suffix of a record published outside any run (a fetch
/// asked by a loader, a deletion a fetch found). A run's page counts the
/// records JetStream stored for it and waits for their commits; were its
/// copy taken for a duplicate of such a record, published moments before
/// and not yet committed, the page would count without it and its
/// checkpoint could pass the record uncommitted.
pub const OUTSIDE_RUN: &str = "fetch";

fn outside_run(place: PagePlace) -> Option<&'static str> {
    place.run_id.is_none().then_some(OUTSIDE_RUN)
}

/// The span the caller publishes in, for the records' `traceparent`; `None`
/// when traces are not exported.
fn current_traceparent() -> Option<String> {
    mirror_telemetry::traces::traceparent(&tracing::Span::current())
}

fn raw_headers(
    entity: Entity,
    id: i32,
    version: String,
    place: PagePlace,
    source: &str,
    deleted: bool,
) -> RawHeaders {
    RawHeaders {
        entity,
        id: i64::from(id),
        version,
        fetched_at: Utc::now(),
        run_id: place.run_id.map(|r| r.to_string()),
        page: place.page.map(i64::from),
        source: Some(source.to_owned()),
        // Set by the caller, once per page.
        traceparent: None,
        deleted,
    }
}

/// The message of one record; `tag` is appended to its id.
fn message(entity: Entity, headers: &RawHeaders, body: &Value, tag: Option<&str>) -> Outgoing {
    let mut map = headers.to_header_map();
    if let Some(tag) = tag {
        let msg_id = format!("{}:{tag}", headers.msg_id());
        map.insert(mirror_bus::header::MSG_ID, msg_id.as_str());
    }
    Outgoing {
        subject: subject(Stream::Raw, entity),
        headers: map,
        payload: serde_json::to_vec(body).unwrap_or_default().into(),
    }
}

/// Publishes the messages of the records `ids` and counts what JetStream
/// did with them.
async fn send(
    js: &jetstream::Context,
    entity: Entity,
    ids: &[i32],
    messages: Vec<Outgoing>,
) -> Result<Published, PublishError> {
    let acks = mirror_bus::publish_all(js, messages)
        .await
        .map_err(|e| failed(entity, i64::from(ids[e.index]), e))?;
    let mut published = Published::default();
    for (place, (id, ack)) in ids.iter().zip(acks).enumerate() {
        if ack.duplicate {
            published.duplicate_places.push(place);
        }
        count(&mut published, *id, ack.duplicate);
        published.last_sequence = Some(ack.sequence);
    }
    Ok(published)
}

fn failed(entity: Entity, id: i64, error: impl std::fmt::Display) -> PublishError {
    PublishError::Publish {
        entity,
        id,
        reason: error.to_string(),
    }
}

fn count(published: &mut Published, id: i32, duplicate: bool) {
    if duplicate {
        published.duplicates += 1;
    } else {
        published.stored += 1;
    }
    published.first_id.get_or_insert(id);
    published.last_id = Some(id);
    published.ids.push(id);
}
