//! One batch of messages of one entity: classify, commit, then publish and
//! acknowledge.
//!
//! The order matters. Rows, receipts, set-aside records and the checkpoint
//! are committed in one transaction; only then are retries, dead letters and
//! parent fetch requests published, and only after JetStream acknowledged
//! those are the messages acked. A crash at any point leads to redelivery,
//! which finds the rows already written and the receipts already counted.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::jetstream;
use chrono::Utc;
use mirror_bus::{Outgoing, Stream, header, subject};
use mirror_records::{Entity, map_record};
use mirror_store::{Incoming, Outcome, Receipt, SkippedRecord, StoreError};
use sqlx::PgPool;
use tracing::Instrument;

use crate::batch_trace::BatchTrace;
use crate::delivery::{Delivery, Parsed};

/// What the loader needs to handle a batch.
#[derive(Clone)]
pub struct BatchContext {
    pub pool: PgPool,
    pub js: jetstream::Context,
    pub timezone: chrono_tz::Tz,
    pub retry_delays: Vec<Duration>,
    /// What this process has done, for its summary at shutdown.
    pub totals: Arc<Totals>,
}

/// Records handled by this process since it started.
#[derive(Debug, Default)]
pub struct Totals {
    pub written: AtomicU64,
    pub unchanged: AtomicU64,
    pub set_aside: AtomicU64,
}

impl Totals {
    /// Adds a committed batch.
    pub fn add(&self, report: &BatchReport) {
        let written = report.inserted + report.updated + report.rewritten + report.deleted;
        self.written.fetch_add(written as u64, Ordering::Relaxed);
        self.unchanged
            .fetch_add(report.unchanged as u64, Ordering::Relaxed);
        self.set_aside
            .fetch_add(report.set_aside as u64, Ordering::Relaxed);
    }
}

/// A batch could not be committed or its follow-ups not published; its
/// messages are redelivered.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot publish {what}: {reason}")]
    Publish { what: &'static str, reason: String },
}

/// What happened to the records of a batch.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchReport {
    pub inserted: usize,
    /// Rows given a new QBench version.
    pub updated: usize,
    /// Rows written again at the version they had (a record read again,
    /// with keys the stored copy may lack) or without a version to compare.
    pub rewritten: usize,
    pub unchanged: usize,
    pub deleted: usize,
    pub waiting_for_parent: usize,
    pub set_aside: usize,
}

/// The decision for one message.
enum Fate {
    Load(Incoming),
    Delete(i32),
    /// Parent missing; try again later.
    Wait {
        parent_id: i32,
    },
    /// Cannot be loaded: unmappable, or the parent never came.
    SetAside(SkippedRecord),
    /// So malformed that it names no record; dead letter only.
    Reject(String),
}

/// Handles the messages of one entity (raw or retry) in one transaction,
/// within the records' traces when traces are exported.
pub async fn handle(
    ctx: &BatchContext,
    entity: Entity,
    deliveries: &[Delivery],
) -> Result<BatchReport, BatchError> {
    let trace = BatchTrace::open(entity, deliveries);
    let result = load(ctx, entity, deliveries)
        .instrument(trace.batch())
        .await;
    if result.is_err() {
        trace.failed();
    }
    result
}

async fn load(
    ctx: &BatchContext,
    entity: Entity,
    deliveries: &[Delivery],
) -> Result<BatchReport, BatchError> {
    let mut fates: Vec<Fate> = deliveries
        .iter()
        .map(|d| first_look(ctx, entity, d))
        .collect();
    check_parents(ctx, entity, deliveries, &mut fates).await?;

    let report = commit(ctx, entity, deliveries, &fates).await?;
    ctx.totals.add(&report);

    follow_up(ctx, entity, deliveries, &fates).await?;
    for delivery in deliveries {
        // An ack lost here only causes a harmless redelivery.
        if let Err(e) = delivery.message.ack().await {
            tracing::warn!(%entity, error = %e, "Ack failed; the message will be redelivered.");
        }
    }
    Ok(report)
}

fn first_look(ctx: &BatchContext, entity: Entity, delivery: &Delivery) -> Fate {
    let parsed = match &delivery.parsed {
        Ok(parsed) => parsed,
        Err(reason) => return Fate::Reject(reason.clone()),
    };
    let Ok(id) = i32::try_from(parsed.headers.id) else {
        // TODO(#2): such a message of a run writes no receipt, so its page
        // never completes; only a foreign publisher can send one.
        return Fate::Reject(format!("id {} is out of range", parsed.headers.id));
    };
    if parsed.headers.deleted {
        return Fate::Delete(id);
    }
    match map_record(entity, &parsed.payload, ctx.timezone) {
        Ok(row) => Fate::Load(Incoming {
            row,
            sequence: parsed.raw_sequence,
            fetched_at: parsed.headers.fetched_at,
        }),
        Err(e) => Fate::SetAside(skipped(entity, id, parsed, "invalid", None, e.to_string())),
    }
}

/// Turns loads whose parent is not in the mirror into waits, or into
/// set-asides once the attempts are used up.
async fn check_parents(
    ctx: &BatchContext,
    entity: Entity,
    deliveries: &[Delivery],
    fates: &mut [Fate],
) -> Result<(), BatchError> {
    let Some((parent, _)) = entity.parent() else {
        return Ok(());
    };
    let wanted = fates.iter().filter_map(|f| match f {
        Fate::Load(incoming) => incoming.row.parent_id(),
        _ => None,
    });
    let present = parents_present(ctx, parent, wanted).await?;

    for (fate, delivery) in fates.iter_mut().zip(deliveries) {
        let (Fate::Load(incoming), Ok(parsed)) = (&*fate, &delivery.parsed) else {
            continue;
        };
        let Some(parent_id) = incoming.row.parent_id().filter(|id| !present.contains(id)) else {
            continue;
        };
        let attempts_left = (parsed.attempt as usize) < ctx.retry_delays.len();
        *fate = if attempts_left {
            Fate::Wait { parent_id }
        } else {
            // The loader only sees the parent absent: QBench may lack it,
            // or have failed each fetch of it; the fetcher's log tells.
            let reason = format!(
                "{parent} {parent_id} still missing from the mirror after {} attempts \
                 (the fetcher's log says whether QBench failed or lacks it)",
                parsed.attempt
            );
            let id = incoming.row.envelope().id;
            Fate::SetAside(skipped(
                entity,
                id,
                parsed,
                "missing_parent",
                Some((parent, parent_id)),
                reason,
            ))
        };
    }
    Ok(())
}

/// For each retry, whether the parent it waits for is now in the mirror.
/// A record that no longer maps, or a failed look-up, counts as not
/// arrived: the retry then simply waits its turn.
pub async fn parents_arrived(
    ctx: &BatchContext,
    entity: Entity,
    waiting: &[&Delivery],
) -> Vec<bool> {
    let Some((parent, _)) = entity.parent() else {
        return vec![false; waiting.len()];
    };
    let wanted: Vec<Option<i32>> = waiting
        .iter()
        .map(|delivery| {
            let parsed = delivery.parsed.as_ref().ok()?;
            let row = map_record(entity, &parsed.payload, ctx.timezone).ok()?;
            row.parent_id()
        })
        .collect();
    match parents_present(ctx, parent, wanted.iter().flatten().copied()).await {
        Ok(present) => wanted
            .iter()
            .map(|id| id.is_some_and(|id| present.contains(&id)))
            .collect(),
        Err(e) => {
            tracing::warn!(%entity, error = %e, "Cannot look for waiting records' parents.");
            vec![false; waiting.len()]
        }
    }
}

/// Which of the `wanted` parents are in the mirror, deleted or not, in one
/// look-up.
async fn parents_present(
    ctx: &BatchContext,
    parent: Entity,
    wanted: impl Iterator<Item = i32>,
) -> Result<HashSet<i32>, BatchError> {
    let ids: Vec<i32> = wanted.collect::<BTreeSet<_>>().into_iter().collect();
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let mut conn = ctx.pool.acquire().await?;
    Ok(mirror_store::existing_ids(&mut conn, parent, &ids).await?)
}

fn skipped(
    entity: Entity,
    id: i32,
    parsed: &Parsed,
    reason: &str,
    parent: Option<(Entity, i32)>,
    error: String,
) -> SkippedRecord {
    let now = Utc::now();
    SkippedRecord {
        entity: entity.as_str().to_owned(),
        record_id: id,
        reason: reason.to_owned(),
        missing_parent_entity: parent.map(|(e, _)| e.as_str().to_owned()),
        missing_parent_id: parent.map(|(_, id)| id),
        attempts: i32::try_from(parsed.attempt).unwrap_or(i32::MAX),
        last_error: error,
        payload: Some(mirror_records::storable(&parsed.payload)),
        raw_sequence: Some(parsed.raw_sequence),
        first_skipped_at: now,
        last_attempt_at: now,
        run_id: None,
        page: None,
    }
}

async fn commit(
    ctx: &BatchContext,
    entity: Entity,
    deliveries: &[Delivery],
    fates: &[Fate],
) -> Result<BatchReport, BatchError> {
    let mut report = BatchReport::default();
    let mut loads = Vec::new();
    let mut deletes = Vec::new();
    let mut receipts = Vec::new();
    for (fate, delivery) in fates.iter().zip(deliveries) {
        let run = delivery
            .parsed
            .as_ref()
            .ok()
            .and_then(|p| Some((p.run()?, p.headers.id, p.raw_sequence)));
        let outcome = match fate {
            Fate::Load(incoming) => {
                loads.push(incoming.clone());
                Some(Outcome::Loaded)
            }
            Fate::Delete(id) => {
                deletes.push(*id);
                Some(Outcome::Loaded)
            }
            Fate::SetAside(_) => Some(Outcome::Skipped),
            Fate::Wait { .. } | Fate::Reject(_) => None,
        };
        if let (Some(outcome), Some(((run_id, page), record_id, raw_sequence))) = (outcome, run) {
            receipts.push(Receipt {
                run_id,
                page,
                record_id,
                raw_sequence,
                outcome,
            });
        }
    }
    let loaded_ids: Vec<i32> = loads.iter().map(|i| i.row.envelope().id).collect();
    let places = run_places(fates, deliveries);

    // Entries of records loaded close when the mirror now holds their
    // version; so do those of copies set aside here that are older than
    // what the mirror holds, and those of records deleted. Their skipped
    // receipts, this batch's included, then count as loaded.
    let settling: Vec<i32> = fates
        .iter()
        .filter_map(|fate| match fate {
            Fate::SetAside(record) => Some(record.record_id),
            _ => None,
        })
        .chain(loaded_ids)
        .collect();
    let written: Vec<i32> = settling.iter().chain(&deletes).copied().collect();

    let mut tx = ctx.pool.begin().await?;
    mirror_store::lock_records(&mut tx, entity, &written).await?;
    let summary = mirror_store::upsert_rows(&mut tx, entity, loads, false).await?;
    if !deletes.is_empty() {
        mirror_store::mark_deleted(&mut tx, entity, &deletes, None).await?;
    }
    let set_aside = fates.iter().any(|fate| matches!(fate, Fate::SetAside(_)));
    // Records of a run lock the entity's checkpoint before any bookkeeping
    // (see hold_checkpoint); records outside every run (an operator's fetch,
    // a retry) have no page to count and leave the checkpoint alone.
    if !receipts.is_empty() || !places.is_empty() || set_aside || !deletes.is_empty() {
        mirror_store::hold_checkpoint(&mut tx, entity).await?;
    }
    mirror_store::count_page_changes(&mut tx, entity, &summary, &places).await?;
    for fate in fates {
        if let Fate::SetAside(record) = fate {
            mirror_store::set_aside(&mut tx, record).await?;
            report.set_aside += 1;
        }
    }
    let recorded = mirror_store::record_receipts(&mut tx, entity, &receipts).await?;
    let settled = mirror_store::settle_skipped(&mut tx, entity, &settling, &deletes).await?;
    if recorded + settled > 0 {
        mirror_store::advance_checkpoint(&mut tx, entity).await?;
    }
    tx.commit().await?;
    for fate in fates {
        if let Fate::SetAside(record) = fate {
            tracing::warn!(
                %entity,
                id = record.record_id,
                reason = %record.reason,
                error = %record.last_error,
                "Record set aside."
            );
        }
    }

    report.inserted = summary.inserted.len();
    report.updated = summary.revised.len();
    report.rewritten = summary.updated.len() - summary.revised.len();
    report.unchanged = summary.unchanged;
    report.deleted = deletes.len();
    report.waiting_for_parent = fates
        .iter()
        .filter(|f| matches!(f, Fate::Wait { .. }))
        .count();
    Ok(report)
}

/// The run and page of each record to load that was published by a run,
/// so the rows it inserts or revises count towards the run's report.
fn run_places(fates: &[Fate], deliveries: &[Delivery]) -> HashMap<i32, (uuid::Uuid, i32)> {
    fates
        .iter()
        .zip(deliveries)
        .filter_map(|(fate, delivery)| match (fate, &delivery.parsed) {
            (Fate::Load(incoming), Ok(parsed)) => Some((incoming.row.envelope().id, parsed.run()?)),
            _ => None,
        })
        .collect()
}

/// Publishes retries, parent fetch requests and dead letters, waiting for
/// JetStream to store each.
async fn follow_up(
    ctx: &BatchContext,
    entity: Entity,
    deliveries: &[Delivery],
    fates: &[Fate],
) -> Result<(), BatchError> {
    let mut messages = Vec::new();
    for (fate, delivery) in fates.iter().zip(deliveries) {
        let message = &delivery.message;
        match (fate, &delivery.parsed) {
            (Fate::Wait { parent_id }, Ok(parsed)) => {
                if let Some((parent, _)) = entity.parent() {
                    // One request per parent within JetStream's duplicate
                    // window, however many children ask.
                    let msg_id = format!("fetch:{parent}:{parent_id}");
                    let request = mirror_bus::fetch_request(parent, i64::from(*parent_id), &msg_id);
                    messages.push(("fetch request", request));
                }
                messages.push(("retry", retry(ctx, entity, message, parsed)));
            }
            (Fate::SetAside(record), _) => {
                messages.push((
                    "dead letter",
                    dead_letter(entity, message, &record.last_error),
                ));
            }
            (Fate::Reject(reason), _) => {
                tracing::warn!(%entity, %reason, "Unreadable message sent to the dead letters.");
                messages.push(("dead letter", dead_letter(entity, message, reason)));
            }
            _ => {}
        }
    }
    let (what, outgoing): (Vec<&'static str>, Vec<Outgoing>) = messages.into_iter().unzip();
    mirror_bus::publish_all(&ctx.js, outgoing)
        .await
        .map_err(|e| BatchError::Publish {
            what: what[e.index],
            reason: e.to_string(),
        })?;
    Ok(())
}

/// The record again, for its retry subject, with the next attempt number
/// and the time before which it must not be tried.
fn retry(
    ctx: &BatchContext,
    entity: Entity,
    message: &jetstream::Message,
    parsed: &Parsed,
) -> Outgoing {
    let attempt = parsed.attempt + 1;
    let delay = ctx.retry_delays[(attempt as usize - 1).min(ctx.retry_delays.len() - 1)];
    let not_before = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();

    let mut headers = parsed.headers.to_header_map();
    // Named by the raw message too: two runs' copies of one version waiting
    // at once are two chains of retries, and JetStream would drop the
    // second as a duplicate of the first, leaving its run's page unfinished.
    let msg_id = format!(
        "retry:{}:{}:{attempt}",
        parsed.headers.msg_id(),
        parsed.raw_sequence
    );
    headers.insert(header::MSG_ID, msg_id.as_str());
    headers.insert(header::ATTEMPT, attempt.to_string().as_str());
    headers.insert(header::NOT_BEFORE, not_before.to_rfc3339().as_str());
    headers.insert(
        header::RAW_SEQUENCE,
        parsed.raw_sequence.to_string().as_str(),
    );
    Outgoing {
        subject: subject(Stream::Retry, entity),
        headers,
        payload: message.payload.clone(),
    }
}

/// The message for the dead-letter subject, with the reason.
fn dead_letter(entity: Entity, message: &jetstream::Message, reason: &str) -> Outgoing {
    let mut headers = message.headers.clone().unwrap_or_default();
    let (stream, sequence) = message
        .info()
        .map(|i| (i.stream, i.stream_sequence))
        .unwrap_or_default();
    // Named by stream too: a retry's sequence may equal a raw message's, and
    // JetStream would drop the second dead letter as a duplicate.
    let msg_id = format!("dlq:{stream}:{entity}:{sequence}");
    headers.insert(header::MSG_ID, msg_id.as_str());
    headers.insert(header::REASON, reason);
    // A retry carries its raw sequence already; a raw message's is its own.
    // With it, `qbenchctl dlq retry` sends the record back where the ledger
    // counts it.
    let from_raw = stream == Stream::Raw.name();
    if from_raw && mirror_bus::optional_text(&headers, header::RAW_SEQUENCE).is_none() {
        headers.insert(header::RAW_SEQUENCE, sequence.to_string().as_str());
    }
    Outgoing {
        subject: subject(Stream::DeadLetter, entity),
        headers,
        payload: message.payload.clone(),
    }
}
