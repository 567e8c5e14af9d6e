//! Consumer lag as gauges: how many messages each durable consumer has not
//! delivered yet, and how many are delivered but not acknowledged.
//!
//! Every loader reports the same figures (the consumers are shared), so a
//! dashboard takes the maximum over instances rather than the sum.

use std::time::Duration;

use async_nats::jetstream::{self, consumer::PullConsumer};
use mirror_bus::{Stream, consumer};
use mirror_records::Entity;
use tokio::sync::watch;

/// Time between two readings of every consumer.
const EVERY: Duration = Duration::from_secs(10);

/// Reads the lag of the raw and retry consumers every [`EVERY`] until
/// `stop` turns true.
pub async fn watch_forever(js: jetstream::Context, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(EVERY);
    loop {
        tokio::select! {
            _ = ticker.tick() => read_all(&js).await,
            _ = stop.changed() => return,
        }
    }
}

async fn read_all(js: &jetstream::Context) {
    for kind in [Stream::Raw, Stream::Retry] {
        for entity in Entity::ALL {
            if let Err(e) = read_one(js, kind, entity).await {
                tracing::debug!(%entity, stream = kind.name(), error = %e, "Lag not read.");
            }
        }
    }
}

async fn read_one(js: &jetstream::Context, kind: Stream, entity: Entity) -> anyhow::Result<()> {
    let name = match kind {
        Stream::Retry => consumer::retry(entity),
        _ => consumer::loader(entity),
    };
    let stream = js.get_stream(kind.name()).await?;
    let mut durable: PullConsumer = stream
        .get_consumer(&name)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let info = durable.info().await?;

    let labels = [("entity", entity.as_str()), ("stream", kind.name())];
    metrics::gauge!("loader_consumer_pending_messages", &labels).set(info.num_pending as f64);
    metrics::gauge!("loader_consumer_ack_pending_messages", &labels)
        .set(info.num_ack_pending as f64);
    Ok(())
}
