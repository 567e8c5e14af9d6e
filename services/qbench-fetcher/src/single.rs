//! Single records by id: the loaders' requests for missing parents and the
//! operator's `qbenchctl fetch`, served from the `QBENCH_FETCH` work queue.
//!
//! A fetched record whose own parent is not in the mirror brings the parent
//! along (and so on up to the customer), parents published first, so one
//! request settles the whole chain without waiting on loader retries.

use std::time::Duration;

use async_nats::jetstream::AckKind;
use futures::StreamExt;
use mirror_bus::Stream;
use mirror_records::{Entity, map_record};
use serde_json::Value;
use tokio::sync::watch;
use tracing::Instrument;

use crate::engine::{Syncer, page_span};
use crate::publish::{PagePlace, publish_records};

/// Requests taken per pull.
const PULL_BATCH: usize = 20;

/// Serves fetch requests for `entity` until `stop` turns true.
pub async fn serve(
    syncer: Syncer,
    entity: Entity,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let consumer =
        mirror_bus::ensure_consumer(&syncer.js, Stream::Fetch, entity, &syncer.settings.bus)
            .await?;
    while !*stop.borrow() {
        let pulled = consumer
            .batch()
            .max_messages(PULL_BATCH)
            .expires(Duration::from_secs(1))
            .messages();
        let mut requests = tokio::select! {
            pulled = pulled => pulled?,
            _ = stop.changed() => break,
        };
        while let Some(request) = requests.next().await {
            let Ok(request) = request else { continue };
            let id = serde_json::from_slice::<Value>(&request.payload)
                .ok()
                .and_then(|v| v["id"].as_i64());
            let outcome = match id {
                Some(id) => fetch_with_parents(&syncer, entity, id).await,
                None => Err(anyhow::anyhow!("fetch request without an id")),
            };
            let ack = match outcome {
                Ok(()) => AckKind::Ack,
                Err(e) => {
                    tracing::warn!(%entity, ?id, error = %e, "Fetch request failed; it will be retried.");
                    AckKind::Nak(Some(Duration::from_secs(5)))
                }
            };
            let _ = request.ack_with(ack).await;
        }
    }
    Ok(())
}

/// Fetches one record and, first, whichever of its ancestors the mirror
/// lacks. A record QBench does not know is reported and dropped. The
/// chain shares one trace, from the first QBench call to the commits.
pub async fn fetch_with_parents(syncer: &Syncer, entity: Entity, id: i64) -> anyhow::Result<()> {
    fetch_chain(syncer, entity, id)
        .instrument(page_span(entity, "detail"))
        .await
}

async fn fetch_chain(syncer: &Syncer, entity: Entity, id: i64) -> anyhow::Result<()> {
    let mut chain = Vec::new();
    let mut next = Some((entity, id));
    while let Some((entity, id)) = next.take() {
        let Some(record) = syncer.client.get_record(entity, id).await? else {
            tracing::warn!(%entity, id, "QBench does not know this record.");
            break;
        };
        next = missing_parent(syncer, entity, &record).await?;
        chain.push((entity, record));
    }
    // Parents first, so children find them when they load.
    for (entity, record) in chain.into_iter().rev() {
        let place = PagePlace {
            run_id: None,
            page: None,
        };
        publish_records(&syncer.js, entity, &[record], place, "detail").await?;
    }
    Ok(())
}

async fn missing_parent(
    syncer: &Syncer,
    entity: Entity,
    record: &Value,
) -> anyhow::Result<Option<(Entity, i64)>> {
    let Some((parent, _)) = entity.parent() else {
        return Ok(None);
    };
    let zone = syncer.settings.qbench.timezone;
    let Some(parent_id) = map_record(entity, record, zone)
        .ok()
        .and_then(|row| row.parent_id())
    else {
        return Ok(None);
    };
    let mut conn = syncer.pool.acquire().await?;
    let present = mirror_store::existing_ids(&mut conn, parent, &[parent_id]).await?;
    Ok((!present.contains(&parent_id)).then_some((parent, i64::from(parent_id))))
}
