//! Pages announced and never counted: the fetcher failed or died between
//! publishing a page and recording how many of its records JetStream
//! stored (NATS went away mid-page, PostgreSQL refused the count, the
//! process was killed). Such a page holds its run, and so the entity's
//! checkpoint, until it is counted; the raw stream itself tells how many
//! of its records it holds, by the run and page headers they carry.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use async_nats::jetstream::consumer::{DeliverPolicy, pull};
use futures::StreamExt;
use mirror_bus::{RawHeaders, Stream, subject};
use mirror_records::Entity;
use mirror_store::UncountedPage;
use uuid::Uuid;

use crate::engine::Syncer;

/// How long before its run began a page's records are looked for: the
/// stream stamps messages by the NATS server's clock, the run's start is
/// the database's.
const CLOCK_MARGIN: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// Longest wait for the next message of a subject known to hold more.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Counts, from the raw stream, every page of an ended run that was left
/// uncounted, and lets the checkpoints move on.
pub async fn count_uncounted_pages(syncer: &Syncer) -> anyhow::Result<()> {
    let mut runs: BTreeMap<(Uuid, String), Vec<UncountedPage>> = BTreeMap::new();
    for page in mirror_store::uncounted_pages(&syncer.pool).await? {
        runs.entry((page.run_id, page.entity.clone()))
            .or_default()
            .push(page);
    }
    for ((run_id, name), pages) in runs {
        let entity: Entity = name
            .parse()
            .map_err(|_| anyhow!("run {run_id} has pages of an unknown entity {name:?}"))?;
        let counts = count_in_stream(syncer, entity, run_id, &pages).await?;
        for page in &pages {
            let records = counts.get(&i64::from(page.page)).copied().unwrap_or(0);
            mirror_store::count_page(&syncer.pool, page, entity, records).await?;
            tracing::info!(%run_id, %entity, page = page.page, records, "A page left uncounted was counted from the stream.");
        }
    }
    Ok(())
}

/// How many messages of each page of `run_id` the raw stream holds, read
/// from a little before the run began to the stream's end.
async fn count_in_stream(
    syncer: &Syncer,
    entity: Entity,
    run_id: Uuid,
    pages: &[UncountedPage],
) -> anyhow::Result<BTreeMap<i64, i32>> {
    let began = pages.iter().map(|p| p.started_at).min().unwrap_or_default() - CLOCK_MARGIN;
    let nanos = began
        .timestamp_nanos_opt()
        .ok_or_else(|| anyhow!("run {run_id} began out of range"))?;
    let start_time = async_nats::datetime::from_nanos(i128::from(nanos))
        .map_err(|e| anyhow!("run {run_id} began out of range: {e}"))?;
    let stream = syncer.js.get_stream(Stream::Raw.name()).await?;
    let config = pull::OrderedConfig {
        filter_subject: subject(Stream::Raw, entity),
        deliver_policy: DeliverPolicy::ByStartTime { start_time },
        ..Default::default()
    };
    let consumer = stream.create_consumer(config).await?;
    // What the stream held when the reading began; the run has ended, so
    // nothing of it comes later.
    let total = consumer.cached_info().num_pending;
    let run = run_id.to_string();
    let mut counts = BTreeMap::new();
    let mut messages = consumer.messages().await?;
    for _ in 0..total {
        let message = tokio::time::timeout(READ_TIMEOUT, messages.next())
            .await
            .with_context(|| format!("no {entity} message within {READ_TIMEOUT:?}"))?
            .ok_or_else(|| anyhow!("the {entity} stream ended early"))??;
        let Ok(headers) = RawHeaders::from_header_map(message.headers.as_ref()) else {
            continue;
        };
        if headers.run_id.as_deref() == Some(run.as_str())
            && let Some(page) = headers.page
        {
            *counts.entry(page).or_insert(0) += 1;
        }
    }
    Ok(counts)
}
