//! Replay: records already in `QBENCH_RAW` loaded again, without asking
//! QBench, after a mapping fix.
//!
//! Each entity is read through its own ephemeral ordered consumer that
//! starts at a stream sequence or a time, so the loaders' durable consumers
//! (`loader-<entity>`) and their positions are never touched. Batches are
//! mapped and upserted with the same shared code the loaders use, under the
//! same version guard; `force` only lets an equal version rewrite its row,
//! never an older one. A record set aside that loads now (the fix it waited
//! for) is settled as a loader settles it: its entry closes and the pages
//! that waited on it complete. Other receipts are left alone.

use std::time::Duration;

use anyhow::{Context, anyhow};
use async_nats::jetstream::{self, consumer::DeliverPolicy, consumer::pull};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures::StreamExt;
use mirror_bus::{RawHeaders, Stream, subject};
use mirror_records::{Entity, map_record};
use mirror_store::Incoming;
use serde_json::Value;
use sqlx::PgPool;

/// Longest wait for the next message of a subject known to hold more.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Where in the stream a replay begins.
#[derive(Debug, Clone, Copy)]
pub enum ReplayStart {
    /// The first message stored at or after this time.
    Since(DateTime<Utc>),
    /// This stream sequence (the stream's first message when older).
    Sequence(u64),
}

/// How a replay loads what it reads.
#[derive(Debug, Clone, Copy)]
pub struct ReplayOptions {
    pub start: ReplayStart,
    /// Rewrite rows whose stored version equals the replayed one.
    pub force: bool,
    pub batch_size: usize,
    pub timezone: Tz,
}

/// What a replay did with the messages of one entity.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplayCounts {
    pub replayed: u64,
    pub written: u64,
    pub unchanged: u64,
    /// Record ids (0 when the message named none) with the reason.
    pub skipped: Vec<(i64, String)>,
}

impl ReplayCounts {
    /// Adds the counts of another batch or entity.
    pub fn add(&mut self, other: ReplayCounts) {
        self.replayed += other.replayed;
        self.written += other.written;
        self.unchanged += other.unchanged;
        self.skipped.extend(other.skipped);
    }
}

/// Replays one entity's raw messages from `options.start` up to the last
/// one stored when the replay began; `progress` hears (done, total) after
/// every batch.
pub async fn replay_entity(
    js: &jetstream::Context,
    pool: &PgPool,
    entity: Entity,
    options: ReplayOptions,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<ReplayCounts> {
    let stream = js.get_stream(Stream::Raw.name()).await?;
    let config = pull::OrderedConfig {
        filter_subject: subject(Stream::Raw, entity),
        deliver_policy: deliver_policy(options.start)?,
        ..Default::default()
    };
    let consumer = stream.create_consumer(config).await?;
    // The messages pending when the consumer was made: the replay's end.
    // Records published meanwhile are the live loaders' business.
    let total = consumer.cached_info().num_pending;
    let mut counts = ReplayCounts::default();
    if total == 0 {
        return Ok(counts);
    }

    let mut messages = consumer.messages().await?;
    let mut batch = Vec::with_capacity(options.batch_size);
    while counts.replayed < total {
        let next = tokio::time::timeout(READ_TIMEOUT, messages.next())
            .await
            .with_context(|| format!("no {entity} message within {READ_TIMEOUT:?}"))?;
        batch.push(next.ok_or_else(|| anyhow!("the {entity} replay ended early"))??);
        let done = counts.replayed + batch.len() as u64;
        if batch.len() == options.batch_size || done == total {
            counts.add(load_batch(pool, entity, &batch, options).await?);
            batch.clear();
            progress(counts.replayed, total);
        }
    }
    Ok(counts)
}

fn deliver_policy(start: ReplayStart) -> anyhow::Result<DeliverPolicy> {
    Ok(match start {
        ReplayStart::Sequence(start_sequence) => DeliverPolicy::ByStartSequence {
            start_sequence: start_sequence.max(1),
        },
        ReplayStart::Since(time) => {
            let nanos = time
                .timestamp_nanos_opt()
                .ok_or_else(|| anyhow!("{time} is out of range"))?;
            let start_time = async_nats::datetime::from_nanos(i128::from(nanos))
                .map_err(|e| anyhow!("{time} is out of range: {e}"))?;
            DeliverPolicy::ByStartTime { start_time }
        }
    })
}

/// What one message turns into.
enum Fate {
    Load(Box<Incoming>),
    Delete(i32),
    Skip(i64, String),
}

/// Maps, checks parents and upserts one batch in one transaction.
async fn load_batch(
    pool: &PgPool,
    entity: Entity,
    messages: &[jetstream::Message],
    options: ReplayOptions,
) -> anyhow::Result<ReplayCounts> {
    let mut fates: Vec<Fate> = messages
        .iter()
        .map(|m| read(m, entity, options.timezone))
        .collect();
    let mut tx = pool.begin().await?;
    skip_orphans(&mut tx, entity, &mut fates).await?;

    let mut counts = ReplayCounts {
        replayed: messages.len() as u64,
        ..Default::default()
    };
    let mut loads = Vec::new();
    let mut deletes = Vec::new();
    for fate in fates {
        match fate {
            Fate::Load(incoming) => loads.push(*incoming),
            Fate::Delete(id) => deletes.push(id),
            Fate::Skip(id, reason) => counts.skipped.push((id, reason)),
        }
    }
    let loaded = loads.len();
    let ids: Vec<i32> = loads
        .iter()
        .map(|i| i.row.envelope().id)
        .chain(deletes.iter().copied())
        .collect();
    mirror_store::lock_records(&mut tx, entity, &ids).await?;
    let summary = mirror_store::upsert_rows(&mut tx, entity, loads, options.force).await?;
    let mut written: Vec<i32> = summary.inserted;
    written.extend(summary.updated);
    let hidden = if deletes.is_empty() {
        0
    } else {
        mirror_store::mark_deleted(&mut tx, entity, &deletes, None).await?
    };
    // Records set aside as unmappable before the fix load now: their
    // entries close and the pages that waited on them complete, as when a
    // loader loads them. The checkpoint lock comes first, as for a loader.
    if !written.is_empty() || !deletes.is_empty() {
        mirror_store::hold_checkpoint(&mut tx, entity).await?;
        let settled = mirror_store::settle_skipped(&mut tx, entity, &written, &deletes).await?;
        if settled > 0 {
            mirror_store::advance_checkpoint(&mut tx, entity).await?;
        }
    }
    tx.commit().await?;

    let hidden = hidden as usize;
    counts.written = (written.len() + hidden) as u64;
    counts.unchanged = (loaded - written.len() + deletes.len().saturating_sub(hidden)) as u64;
    Ok(counts)
}

/// Reads a message as the loader does; what cannot be loaded says why.
fn read(message: &jetstream::Message, entity: Entity, zone: Tz) -> Fate {
    let headers = match RawHeaders::from_header_map(message.headers.as_ref()) {
        Ok(headers) => headers,
        Err(e) => return Fate::Skip(0, e.to_string()),
    };
    let id = headers.id;
    let Ok(row_id) = i32::try_from(id) else {
        return Fate::Skip(id, format!("id {id} is out of range"));
    };
    if headers.deleted {
        return Fate::Delete(row_id);
    }
    let sequence = match message.info() {
        Ok(info) => info.stream_sequence as i64,
        Err(e) => return Fate::Skip(id, format!("no JetStream metadata: {e}")),
    };
    let payload: Value = match serde_json::from_slice(&message.payload) {
        Ok(payload) => payload,
        Err(e) => return Fate::Skip(id, format!("payload is not JSON: {e}")),
    };
    match map_record(entity, &payload, zone) {
        Ok(row) => Fate::Load(Box::new(Incoming {
            row,
            sequence,
            fetched_at: headers.fetched_at,
        })),
        Err(e) => Fate::Skip(id, e.to_string()),
    }
}

/// A record whose parent is not in the mirror is skipped, not written:
/// the live loaders own the wait for parents.
async fn skip_orphans(
    conn: &mut sqlx::PgConnection,
    entity: Entity,
    fates: &mut [Fate],
) -> anyhow::Result<()> {
    let Some((parent, _)) = entity.parent() else {
        return Ok(());
    };
    let wanted: Vec<i32> = fates
        .iter()
        .filter_map(|f| match f {
            Fate::Load(incoming) => incoming.row.parent_id(),
            _ => None,
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let present = mirror_store::existing_ids(conn, parent, &wanted).await?;

    for fate in fates.iter_mut() {
        let Fate::Load(incoming) = fate else { continue };
        if let Some(parent_id) = incoming.row.parent_id().filter(|id| !present.contains(id)) {
            let id = i64::from(incoming.row.envelope().id);
            *fate = Fate::Skip(id, format!("{parent} {parent_id} is not in the mirror"));
        }
    }
    Ok(())
}
