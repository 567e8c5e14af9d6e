//! The consume loops: one per entity for raw records, one per entity for
//! retries, sharing durable consumers with every other loader process.

use std::time::Duration;

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::consumer::pull::{Batch, BatchError};
use async_nats::jetstream::{self, AckKind};
use chrono::Utc;
use futures::StreamExt;
use mirror_bus::{BusSettings, Stream};
use mirror_records::Entity;
use tokio::sync::watch;

use crate::batch::{self, BatchContext, BatchReport};
use crate::delivery::Delivery;

/// How long a batch waits for more messages after its first one.
const LINGER: Duration = Duration::from_millis(20);

/// How long one pull waits for a first message before asking again.
const IDLE_PULL: Duration = Duration::from_secs(5);

/// How long past its own wait a pull may stay open before it is given up:
/// JetStream ends every pull itself unless its answer was lost (a reconnect).
const PULL_GRACE: Duration = Duration::from_secs(5);

/// Pause after a pull request failed (NATS reconnecting), before the next.
const FAILED_PULL_DELAY: Duration = Duration::from_secs(1);

/// Redelivery delay after a batch failed to commit (a deadlock, a restart of
/// PostgreSQL): soon, but not in a tight loop.
const FAILED_BATCH_DELAY: Duration = Duration::from_secs(2);

/// Consumes `kind` (raw or retry) for `entity` until `stop` turns true.
pub async fn consume(
    ctx: BatchContext,
    bus: BusSettings,
    kind: Stream,
    entity: Entity,
    batch_size: usize,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let consumer = mirror_bus::ensure_consumer(&ctx.js, kind, entity, &bus).await?;
    let from_retry = kind == Stream::Retry;
    tracing::info!(%entity, stream = kind.name(), "Consuming.");

    loop {
        // Wait for one message, then gather what else arrives within a short
        // linger: full batches under load, no waiting when traffic is thin.
        // This loop pulls nothing before the batch in hand is done: a
        // message pulled ahead would wait here, unacknowledged, while that
        // batch runs, and JetStream would give it to another loader once
        // its ack wait ran out. Overlap comes from the process's other
        // loops on the same consumer (`LOADER_CONCURRENCY`).
        let first = tokio::select! {
            first = wait_for_one(&consumer) => first,
            _ = stop.changed() => break,
        };
        let mut pulled = match first {
            Ok(pulled) if pulled.is_empty() => continue,
            Ok(pulled) => pulled,
            Err(e) => {
                tracing::warn!(%entity, error = %e, "Pull failed.");
                tokio::time::sleep(FAILED_PULL_DELAY).await;
                continue;
            }
        };
        let linger = tokio::time::Instant::now() + LINGER;
        loop {
            match take_available(&consumer, batch_size - pulled.len()).await {
                Ok(more) => pulled.extend(more),
                Err(e) => tracing::warn!(%entity, error = %e, "Pull failed."),
            }
            if pulled.len() >= batch_size || tokio::time::Instant::now() >= linger {
                break;
            }
            tokio::time::sleep_until(linger).await;
        }
        let deliveries = pulled
            .into_iter()
            .map(|message| Delivery::read(message, from_retry))
            .collect();
        let ready = hold_back_early_retries(&ctx, entity, deliveries).await;
        if !ready.is_empty() {
            handle_with_progress(&ctx, entity, &ready, bus.ack_wait).await;
        }
    }
    tracing::info!(%entity, stream = kind.name(), "Stopped consuming.");
    Ok(())
}

/// Waits up to [`IDLE_PULL`] for one message; the pull ends with it.
async fn wait_for_one(consumer: &PullConsumer) -> Result<Vec<jetstream::Message>, BatchError> {
    let pull = consumer.batch().max_messages(1).expires(IDLE_PULL);
    Ok(read_all(pull.messages().await?, IDLE_PULL + PULL_GRACE).await)
}

/// Takes up to `max` messages the consumer has now, without waiting for
/// more; JetStream ends the pull at once.
async fn take_available(
    consumer: &PullConsumer,
    max: usize,
) -> Result<Vec<jetstream::Message>, BatchError> {
    if max == 0 {
        return Ok(Vec::new());
    }
    let pull = consumer.fetch().max_messages(max);
    Ok(read_all(pull.messages().await?, PULL_GRACE).await)
}

/// Reads a pull to its end, or for at most `limit`; an error status ends
/// it early. What came before is kept either way.
async fn read_all(mut pull: Batch, limit: Duration) -> Vec<jetstream::Message> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut pulled = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, pull.next()).await {
            Ok(Some(Ok(message))) => pulled.push(message),
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                tracing::warn!(error = %e, "Pull ended early.");
                break;
            }
            Err(_) => {
                tracing::warn!("JetStream did not end a pull; giving it up.");
                break;
            }
        }
    }
    pulled
}

/// Retries due later go back to JetStream with a delay, unless the parent
/// they wait for has been committed meanwhile; those, and retries that are
/// due, are ready now.
///
/// A retry comes back at least every tenth of its attempt's delay to look
/// for its parent again, so a record sent to wait a moment before its parent
/// committed loads soon after it rather than at the end of its delay (a
/// chain of waiting parents otherwise cost a replay the whole ladder).
async fn hold_back_early_retries(
    ctx: &BatchContext,
    entity: Entity,
    deliveries: Vec<Delivery>,
) -> Vec<Delivery> {
    let now = Utc::now();
    let mut ready = Vec::with_capacity(deliveries.len());
    let mut early = Vec::new();
    for delivery in deliveries {
        let due = delivery.parsed.as_ref().ok().and_then(|p| p.not_before);
        match due.and_then(|t| (t - now).to_std().ok()) {
            Some(wait) if !wait.is_zero() => early.push((delivery, wait)),
            _ => ready.push(delivery),
        }
    }
    if early.is_empty() {
        return ready;
    }
    let waiting: Vec<&Delivery> = early.iter().map(|(delivery, _)| delivery).collect();
    let arrived = batch::parents_arrived(ctx, entity, &waiting).await;
    for ((delivery, wait), arrived) in early.into_iter().zip(arrived) {
        if arrived {
            ready.push(delivery);
            continue;
        }
        let attempt = delivery.parsed.as_ref().map_or(1, |p| p.attempt);
        let wait = wait.min(recheck_interval(&ctx.retry_delays, attempt));
        if let Err(e) = delivery.message.ack_with(AckKind::Nak(Some(wait))).await {
            tracing::warn!(error = %e, "Delaying a retry failed; it comes back sooner.");
        }
    }
    ready
}

/// How often a retry of `attempt` looks for its parent: a tenth of that
/// attempt's delay, between one and thirty seconds.
fn recheck_interval(delays: &[Duration], attempt: u32) -> Duration {
    let index = (attempt as usize).saturating_sub(1).min(delays.len() - 1);
    (delays[index] / 10).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

/// Handles a batch, telling JetStream the messages are still being worked on
/// while the transaction runs, so a slow batch is not redelivered to another
/// loader in the middle.
async fn handle_with_progress(
    ctx: &BatchContext,
    entity: Entity,
    deliveries: &[Delivery],
    ack_wait: Duration,
) {
    count_redeliveries(entity, deliveries);
    let work = batch::handle(ctx, entity, deliveries);
    tokio::pin!(work);
    let mut ticker = tokio::time::interval(ack_wait / 3);
    ticker.tick().await;

    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = ticker.tick() => {
                for delivery in deliveries {
                    let _ = delivery.message.ack_with(AckKind::Progress).await;
                }
            }
        }
    };
    match result {
        Ok(report) => record(entity, &report),
        Err(e) => {
            tracing::warn!(%entity, count = deliveries.len(), error = %e, "Batch failed; it will be redelivered.");
            for delivery in deliveries {
                let _ = delivery
                    .message
                    .ack_with(AckKind::Nak(Some(FAILED_BATCH_DELAY)))
                    .await;
            }
        }
    }
}

fn count_redeliveries(entity: Entity, deliveries: &[Delivery]) {
    let redelivered = deliveries
        .iter()
        .filter(|d| d.message.info().is_ok_and(|info| info.delivered > 1))
        .count();
    if redelivered > 0 {
        metrics::counter!("loader_redeliveries_total", "entity" => entity.as_str())
            .increment(redelivered as u64);
    }
}

fn record(entity: Entity, report: &BatchReport) {
    let counts = [
        ("inserted", report.inserted),
        ("updated", report.updated),
        ("rewritten", report.rewritten),
        ("unchanged", report.unchanged),
        ("deleted", report.deleted),
        ("waiting_for_parent", report.waiting_for_parent),
        ("set_aside", report.set_aside),
    ];
    for (outcome, count) in counts {
        metrics::counter!("loader_records_total", "entity" => entity.as_str(), "outcome" => outcome)
            .increment(count as u64);
    }
    tracing::debug!(
        %entity,
        inserted = report.inserted,
        updated = report.updated,
        rewritten = report.rewritten,
        unchanged = report.unchanged,
        waiting = report.waiting_for_parent,
        set_aside = report.set_aside,
        "Batch committed."
    );
}

/// A consume loop's JetStream handle, for the requeue sweep.
pub fn context(client: async_nats::Client) -> jetstream::Context {
    jetstream::new(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_looks_for_its_parent_every_tenth_of_its_delay() {
        let delays = [10, 60, 300].map(Duration::from_secs);
        assert_eq!(recheck_interval(&delays, 1), Duration::from_secs(1));
        assert_eq!(recheck_interval(&delays, 2), Duration::from_secs(6));
        assert_eq!(recheck_interval(&delays, 3), Duration::from_secs(30));
        // Past the ladder (an operator's retry), the last delay's tenth.
        assert_eq!(recheck_interval(&delays, 7), Duration::from_secs(30));
        let short = [Duration::from_millis(200)];
        assert_eq!(recheck_interval(&short, 1), Duration::from_secs(1));
        let long = [Duration::from_secs(3600)];
        assert_eq!(recheck_interval(&long, 1), Duration::from_secs(30));
    }
}
