//! Messages JetStream gives up on, captured so none leaves silently.
//!
//! JetStream drops a message from a consumer's care when the consumer's
//! delivery limit is reached or a client terminates it, and says so only in
//! an advisory on core NATS. The loaders listen (as one queue group, so one
//! of them handles each advisory), copy the message to the dead-letter
//! stream with the reason, and set the record aside in the skipped table,
//! where `qbenchctl skipped` and `qbenchctl dlq` show it and can retry it.
//!
//! The loaders' own consumers have no delivery limit (see
//! `mirror_bus::BusSettings::max_deliver`), so this is the net under any
//! consumer given a limit by hand and under any terminated message. An
//! advisory published while no loader runs is not stored by NATS and is
//! lost; the message itself stays in its stream.

use async_nats::HeaderMap;
use chrono::Utc;
use futures::StreamExt;
use mirror_bus::{RawHeaders, Stream, advisory, entity_of, header, optional_text, subject};
use mirror_store::{Outcome, Receipt, SkippedRecord};
use serde_json::Value;
use tokio::sync::watch;

use crate::batch::BatchContext;

/// The queue group the loaders share for advisories.
const GROUP: &str = "qbench-loader-advisories";

/// Why JetStream gave a message up.
#[derive(Debug, Clone, Copy)]
enum GaveUp {
    MaxDeliveries,
    Terminated,
}

/// Captures advisories until `stop` turns true.
pub async fn capture(
    ctx: BatchContext,
    client: async_nats::Client,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut limited = client
        .queue_subscribe(advisory::MAX_DELIVERIES, GROUP.into())
        .await?;
    let mut terminated = client
        .queue_subscribe(advisory::TERMINATED, GROUP.into())
        .await?;
    loop {
        let (message, why) = tokio::select! {
            Some(m) = limited.next() => (m, GaveUp::MaxDeliveries),
            Some(m) = terminated.next() => (m, GaveUp::Terminated),
            _ = stop.changed() => return Ok(()),
            else => return Ok(()),
        };
        if let Err(e) = handle(&ctx, &message.payload, why).await {
            tracing::error!(error = %e, advisory = %String::from_utf8_lossy(&message.payload), "Cannot capture a message JetStream gave up on.");
        }
    }
}

/// Copies the message an advisory names to the dead-letter stream and sets
/// its record aside.
async fn handle(ctx: &BatchContext, payload: &[u8], why: GaveUp) -> anyhow::Result<()> {
    let advisory: Value = serde_json::from_slice(payload)?;
    let stream_name = advisory["stream"].as_str().unwrap_or_default();
    let consumer = advisory["consumer"].as_str().unwrap_or_default();
    let sequence = advisory["stream_seq"].as_u64().unwrap_or_default();
    let deliveries = advisory["deliveries"].as_u64().unwrap_or(1);
    // Other applications' streams, and the dead letters themselves (which
    // nobody consumes), are not ours to capture.
    let Some(kind) = mirror_bus::advisory::stream_named(stream_name) else {
        return Ok(());
    };
    if kind == Stream::DeadLetter {
        return Ok(());
    }

    let stream = ctx.js.get_stream(stream_name).await?;
    let message = stream.get_raw_message(sequence).await?;
    let Some(entity) = entity_of(message.subject.as_str()) else {
        anyhow::bail!("subject {} names no entity", message.subject);
    };
    let reason = match why {
        GaveUp::MaxDeliveries => {
            format!("consumer {consumer} gave up after {deliveries} deliveries")
        }
        GaveUp::Terminated => format!("terminated by consumer {consumer}"),
    };
    let mut headers = message.headers.clone();
    let raw_sequence = match kind {
        Stream::Raw => Some(sequence as i64),
        _ => optional_text(&headers, header::RAW_SEQUENCE).and_then(|v| v.parse().ok()),
    };
    let body = message.payload.to_vec();
    // One dead letter per advisory, however many loaders hear of it; the
    // same message given up again later is another advisory, with an id of
    // its own, and another dead letter.
    let msg_id = match advisory["id"].as_str() {
        Some(id) => format!("advisory:{id}"),
        None => format!("advisory:{stream_name}:{sequence}:{deliveries}"),
    };
    dead_letter(
        ctx,
        entity,
        &mut headers,
        body,
        &reason,
        raw_sequence,
        &msg_id,
    )
    .await?;

    if let (Ok(raw), Some(raw_sequence), Stream::Raw | Stream::Retry) = (
        RawHeaders::from_header_map(Some(&message.headers)),
        raw_sequence,
        kind,
    ) {
        set_aside(
            ctx,
            &raw,
            &message.payload,
            raw_sequence,
            deliveries,
            &reason,
        )
        .await?;
    }
    tracing::warn!(%entity, stream = stream_name, sequence, %reason, "Message given up by JetStream set aside.");
    Ok(())
}

async fn dead_letter(
    ctx: &BatchContext,
    entity: mirror_records::Entity,
    headers: &mut HeaderMap,
    payload: Vec<u8>,
    reason: &str,
    raw_sequence: Option<i64>,
    msg_id: &str,
) -> anyhow::Result<()> {
    headers.insert(header::MSG_ID, msg_id);
    headers.insert(header::REASON, reason);
    if let Some(raw_sequence) = raw_sequence {
        headers.insert(header::RAW_SEQUENCE, raw_sequence.to_string().as_str());
    }
    ctx.js
        .publish_with_headers(
            subject(Stream::DeadLetter, entity),
            headers.clone(),
            payload.into(),
        )
        .await?
        .await?;
    Ok(())
}

/// Sets the record aside as undeliverable, and counts it as set aside on its
/// run's page, so a waiting `qbenchctl sync --wait` ends and names it.
async fn set_aside(
    ctx: &BatchContext,
    raw: &RawHeaders,
    payload: &[u8],
    raw_sequence: i64,
    deliveries: u64,
    reason: &str,
) -> anyhow::Result<()> {
    let payload = serde_json::from_slice::<Value>(payload)
        .ok()
        .map(|v| mirror_records::storable(&v));
    let now = Utc::now();
    let record = SkippedRecord {
        entity: raw.entity.as_str().to_owned(),
        record_id: i32::try_from(raw.id)?,
        reason: "undeliverable".to_owned(),
        missing_parent_entity: None,
        missing_parent_id: None,
        attempts: i32::try_from(deliveries).unwrap_or(i32::MAX),
        last_error: reason.to_owned(),
        payload,
        raw_sequence: Some(raw_sequence),
        first_skipped_at: now,
        last_attempt_at: now,
        run_id: None,
        page: None,
    };
    let run = raw.run_id.as_deref().and_then(|r| r.parse().ok());
    let page = raw.page.and_then(|p| i32::try_from(p).ok());

    let mut tx = ctx.pool.begin().await?;
    mirror_store::lock_records(&mut tx, raw.entity, &[record.record_id]).await?;
    mirror_store::hold_checkpoint(&mut tx, raw.entity).await?;
    mirror_store::set_aside(&mut tx, &record).await?;
    let mut counted = 0;
    if let (Some(run_id), Some(page)) = (run, page) {
        let receipt = Receipt {
            run_id,
            page,
            record_id: raw.id,
            raw_sequence,
            outcome: Outcome::Skipped,
        };
        counted += mirror_store::record_receipts(&mut tx, raw.entity, &[receipt]).await?;
    }
    // A copy whose version the mirror already holds (an earlier delivery
    // loaded it before the consumer gave up) needs nothing more: its entry
    // closes at once rather than wait for an operator.
    counted += mirror_store::settle_skipped(&mut tx, raw.entity, &[record.record_id], &[]).await?;
    if counted > 0 {
        mirror_store::advance_checkpoint(&mut tx, raw.entity).await?;
    }
    tx.commit().await?;
    Ok(())
}
