//! Records set aside for a missing parent go back to the loaders by
//! themselves once the parent is in the mirror.
//!
//! A periodic sweep rather than a trigger on the parent's commit: it also
//! covers a loader that died between committing a parent and requeueing its
//! children, and parents loaded by any process.

use std::time::Duration;

use chrono::Utc;
use mirror_bus::{Outgoing, RawHeaders, Stream, requeue_headers, subject};
use mirror_records::Entity;
use mirror_store::SkippedRecord;
use tokio::sync::watch;

use crate::batch::BatchContext;

/// Records claimed per entity per sweep.
const SWEEP_LIMIT: i64 = 500;

/// Sweeps every `interval` until `stop` turns true.
pub async fn sweep_forever(ctx: BatchContext, interval: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return,
        }
        for entity in Entity::ALL {
            match sweep(&ctx, entity).await {
                Ok(0) => {}
                Ok(count) => {
                    tracing::info!(%entity, count, "Requeued records whose parent arrived.")
                }
                Err(e) => tracing::warn!(%entity, error = %e, "Requeue sweep failed."),
            }
        }
    }
}

/// Claims and republishes one entity's records whose parent has arrived.
pub async fn sweep(ctx: &BatchContext, entity: Entity) -> anyhow::Result<usize> {
    let mut tx = ctx.pool.begin().await?;
    let claimed = mirror_store::requeue_candidates(&mut tx, entity, SWEEP_LIMIT).await?;
    let messages = claimed
        .iter()
        .map(|record| requeue(entity, record))
        .collect::<anyhow::Result<Vec<_>>>()?;
    mirror_bus::publish_all(&ctx.js, messages).await?;
    // Committed after publishing: a crash in between leaves them claimable.
    tx.commit().await?;
    Ok(claimed.len())
}

/// The record's message to its retry subject, due at once.
fn requeue(entity: Entity, record: &SkippedRecord) -> anyhow::Result<Outgoing> {
    let payload = record.payload.clone().unwrap_or_default();
    let raw = RawHeaders::of_set_aside(
        entity,
        record.record_id,
        &payload,
        record.run_id,
        record.page,
    );
    let tag = Utc::now().timestamp().to_string();
    let headers = requeue_headers(&raw, record.raw_sequence.unwrap_or_default(), &tag);

    Ok(Outgoing {
        subject: subject(Stream::Retry, entity),
        headers,
        payload: serde_json::to_vec(&payload)?.into(),
    })
}
