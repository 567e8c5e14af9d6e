//! Reading one entity's raw records back from the `QBENCH_RAW` stream.

use std::time::Duration;

use anyhow::{Context, anyhow};
use async_nats::jetstream::{self, consumer::pull};
use chrono_tz::Tz;
use futures::StreamExt;
use mirror_bus::{RawHeaders, Stream, subject};
use mirror_records::{Entity, map_record};
use serde_json::Value;

use crate::encode::EncodedBatch;

/// Longest wait for the next message of a subject known to hold more.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads every raw message of `entity`, maps it as the loader does and
/// encodes the rows for `COPY`.
///
/// An ordered consumer reads the subject from its first message without
/// touching the loaders' durable consumers.
pub async fn read_entity(
    js: &jetstream::Context,
    entity: Entity,
    zone: Tz,
) -> anyhow::Result<EncodedBatch> {
    let stream = js.get_stream(Stream::Raw.name()).await?;
    let filter = subject(Stream::Raw, entity);
    let mut batch = EncodedBatch::new(entity);

    // The consumer's own count of what it has to deliver: the stream's
    // per-subject counts were found short after a nats-server restart.
    let config = pull::OrderedConfig {
        filter_subject: filter.clone(),
        ..Default::default()
    };
    let mut consumer = stream.create_consumer(config).await?;
    let expected = consumer.info().await?.num_pending;
    if expected == 0 {
        return Ok(batch);
    }
    let mut messages = consumer.messages().await?;
    // An ordered consumer that recreates itself (a missed heartbeat on a
    // busy machine) may hand a message over again: each is taken once, by
    // its stream sequence, until all of the subject's are read.
    let mut last_sequence = 0;
    let mut taken = 0;
    while taken < expected {
        let next = tokio::time::timeout(READ_TIMEOUT, messages.next())
            .await
            .with_context(|| format!("no message on {filter} within {READ_TIMEOUT:?}"))?;
        let message = next.with_context(|| format!("{filter} ended early"))??;
        let sequence = message
            .info()
            .map_err(|e| anyhow!("message has no JetStream metadata: {e}"))?
            .stream_sequence;
        if sequence <= last_sequence {
            continue;
        }
        last_sequence = sequence;
        taken += 1;
        take(&mut batch, entity, zone, &message)?;
    }

    Ok(batch)
}

/// Adds one message to the batch; tombstones and unmappable records are
/// counted, not loaded, as the loader would load no row for them either.
fn take(
    batch: &mut EncodedBatch,
    entity: Entity,
    zone: Tz,
    message: &jetstream::Message,
) -> anyhow::Result<()> {
    let headers = RawHeaders::from_header_map(message.headers.as_ref())?;
    if headers.deleted {
        batch.not_loaded += 1;
        return Ok(());
    }
    let info = message
        .info()
        .map_err(|e| anyhow!("message has no JetStream metadata: {e}"))?;
    let sequence = i64::try_from(info.stream_sequence)?;
    let payload: Value = serde_json::from_slice(&message.payload)?;

    match map_record(entity, &payload, zone) {
        Ok(row) => batch.push(&row, sequence, headers.fetched_at),
        Err(_) => batch.not_loaded += 1,
    }
    Ok(())
}
