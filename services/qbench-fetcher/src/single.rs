//! Single records by id: the loaders' requests for missing parents and the
//! operator's `qbenchctl fetch`, served from the `QBENCH_FETCH` work queue.
//!
//! A fetched record whose own parent is not in the mirror brings the parent
//! along (and so on up to the customer), parents published first, so one
//! request settles the whole chain without waiting on loader retries.

use std::time::Duration;

use async_nats::jetstream::AckKind;
use futures::StreamExt;
use mirror_bus::{FetchReply, FetchedRecord, Stream, header};
use mirror_records::{Entity, map_record};
use qbench_client::Absence;
use serde_json::Value;
use tokio::sync::watch;
use tracing::Instrument;

use crate::engine::{Syncer, page_span};
use crate::publish::{PagePlace, publish_deletions, publish_tagged};

/// Requests taken per pull.
const PULL_BATCH: usize = 20;

/// How long one pull waits for requests.
const PULL_EXPIRES: Duration = Duration::from_secs(1);

/// How long past its expiry a pull may stay open before it is given up.
const PULL_GRACE: Duration = Duration::from_secs(5);

/// Pause after a pull request failed (NATS reconnecting), before the next.
const FAILED_PULL_DELAY: Duration = Duration::from_secs(1);

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
            .expires(PULL_EXPIRES)
            .messages();
        let mut requests = tokio::select! {
            pulled = pulled => match pulled {
                Ok(requests) => requests,
                Err(e) => {
                    tracing::warn!(%entity, error = %e, "Pull of fetch requests failed.");
                    tokio::time::sleep(FAILED_PULL_DELAY).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        // JetStream ends every pull; one whose end was lost in a reconnect
        // is given up after a grace period rather than waited on forever.
        let wait = PULL_EXPIRES + PULL_GRACE;
        while let Ok(Some(request)) = tokio::time::timeout(wait, requests.next()).await {
            let Ok(request) = request else { continue };
            let id = serde_json::from_slice::<Value>(&request.payload)
                .ok()
                .and_then(|v| v["id"].as_i64());
            let Some(id) = id else {
                tracing::warn!(%entity, "Fetch request without an id; dropped.");
                let _ = request.ack_with(AckKind::Term).await;
                continue;
            };
            // An operator waits on the answer (the loaders do not): their
            // records are stored again even if JetStream saw the same
            // versions lately, so the fetch restores what the mirror lost.
            let tag = request
                .headers
                .as_ref()
                .is_some_and(|h| h.get(header::REPLY_TO).is_some())
                .then(|| uuid::Uuid::new_v4().simple().to_string());
            let fetched = fetch_with_parents(&syncer, entity, id, tag.as_deref()).await;
            let (ack, reply) = match fetched {
                Ok(Some((ancestors, sequence))) => {
                    let ancestors = ancestors
                        .into_iter()
                        .map(|(entity, id)| FetchedRecord::new(entity, id))
                        .collect();
                    let reply = FetchReply::Published {
                        id,
                        ancestors,
                        sequence,
                    };
                    (AckKind::Ack, reply)
                }
                Ok(None) => match settle_gone(&syncer, entity, id).await {
                    Ok(deleted) => (AckKind::Ack, FetchReply::Unknown { id, deleted }),
                    Err(e) => failed(entity, id, &e),
                },
                Err(e) => failed(entity, id, &e),
            };
            let _ = request.ack_with(ack).await;
            answer(&syncer, &request, &reply).await;
        }
    }
    Ok(())
}

/// A fetch that failed: put back, to be tried again in a while.
fn failed(entity: Entity, id: i64, e: &anyhow::Error) -> (AckKind, FetchReply) {
    tracing::warn!(%entity, id, error = %e, "Fetch request failed; it will be retried.");
    let reply = FetchReply::Failed {
        id,
        error: format!("{e:#}"),
    };
    (AckKind::Nak(Some(Duration::from_secs(5))), reply)
}

/// A record QBench no longer knows but the mirror holds live was deleted
/// while no look at the updates feed saw it: its deletion is published, so
/// the loaders hide it as they would have. Whether one was. A deletion
/// hides the record for good, so QBench is asked once more and must say
/// itself that the record is gone (see [`QbenchClient::confirm_absence`]).
///
/// [`QbenchClient::confirm_absence`]: qbench_client::QbenchClient::confirm_absence
async fn settle_gone(syncer: &Syncer, entity: Entity, id: i64) -> anyhow::Result<bool> {
    let Ok(live_id) = i32::try_from(id) else {
        return Ok(false);
    };
    if mirror_store::live_ids(&syncer.pool, entity, &[live_id])
        .await?
        .is_empty()
    {
        return Ok(false);
    }
    match syncer.client.confirm_absence(entity, id).await? {
        Absence::Confirmed => {}
        Absence::Unconfirmed => {
            tracing::warn!(%entity, id, "QBench answered 404 for a record the mirror holds, without its own error body; the record is kept.");
            return Ok(false);
        }
        // A passing 404: the request is tried again, and then reads it.
        Absence::Present => anyhow::bail!("QBench answered 404 for {entity} {id}, then the record"),
    }
    let id = live_id;
    let place = PagePlace {
        run_id: None,
        page: None,
    };
    publish_deletions(&syncer.js, entity, &[id], place).await?;
    tracing::info!(%entity, id, "QBench no longer has this record; its deletion was published.");
    Ok(true)
}

/// Tells whoever waits on the request how it ended; nobody may listen.
async fn answer(syncer: &Syncer, request: &async_nats::jetstream::Message, reply: &FetchReply) {
    let Some(subject) = request
        .headers
        .as_ref()
        .and_then(|h| h.get(header::REPLY_TO))
        .map(|v| v.as_str().to_owned())
    else {
        return;
    };
    let body = serde_json::to_vec(reply).unwrap_or_default();
    if let Err(e) = syncer.js.client().publish(subject, body.into()).await {
        tracing::debug!(error = %e, "Cannot answer a fetch request.");
    }
}

/// Fetches one record and, first, whichever of its ancestors the mirror
/// lacks. Returns `None` when QBench does not know the record (it is
/// reported and dropped), else the ancestors published with it, nearest
/// first. The chain shares one trace, from the first QBench call to the
/// commits. `tag`, if given, makes the messages' ids unique to this fetch.
/// The ancestors a fetch published, nearest first, and the raw stream's
/// sequence of the record asked for.
type Fetched = (Vec<(Entity, i64)>, Option<u64>);

async fn fetch_with_parents(
    syncer: &Syncer,
    entity: Entity,
    id: i64,
    tag: Option<&str>,
) -> anyhow::Result<Option<Fetched>> {
    fetch_chain(syncer, entity, id, tag)
        .instrument(page_span(entity, "detail"))
        .await
}

async fn fetch_chain(
    syncer: &Syncer,
    entity: Entity,
    id: i64,
    tag: Option<&str>,
) -> anyhow::Result<Option<Fetched>> {
    let mut chain: Vec<(Entity, i64, Value)> = Vec::new();
    let mut next = Some((entity, id));
    while let Some((entity, id)) = next.take() {
        let Some(record) = syncer.client.get_record(entity, id).await? else {
            tracing::warn!(%entity, id, "QBench does not know this record.");
            break;
        };
        next = missing_parent(syncer, entity, &record).await?;
        chain.push((entity, id, record));
    }
    if chain.is_empty() {
        return Ok(None);
    }
    let ancestors = chain.iter().skip(1).map(|(e, id, _)| (*e, *id)).collect();
    // Parents first, so children find them when they load; the record
    // asked for comes last.
    let mut sequence = None;
    for (entity, _, record) in chain.into_iter().rev() {
        let place = PagePlace {
            run_id: None,
            page: None,
        };
        let published = publish_tagged(&syncer.js, entity, &[record], place, "detail", tag).await?;
        sequence = published.last_sequence;
    }
    Ok(Some((ancestors, sequence)))
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
