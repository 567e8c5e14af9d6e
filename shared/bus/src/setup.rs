//! Idempotent creation of the streams and durable consumers.
//!
//! Every service calls [`ensure_streams`] at start-up, so whichever starts
//! first creates them and the others find them in place.

use std::time::Duration;

use async_nats::jetstream::context::{CreateStreamErrorKind, GetStreamErrorKind};
use async_nats::jetstream::stream::ConsumerErrorKind;
use async_nats::jetstream::{self, consumer, stream};
use backon::{ExponentialBuilder, Retryable};
use mirror_records::Entity;

use crate::names::{Stream, consumer as consumer_name, subject};

/// Retention and delivery settings of the streams and consumers.
#[derive(Debug, Clone)]
pub struct BusSettings {
    /// How long raw records stay replayable.
    pub raw_max_age: Duration,
    /// How long dead letters are kept.
    pub dead_letter_max_age: Duration,
    /// How long a loader may hold a message before it is redelivered. Loaders
    /// send in-progress acks for slow work, so this bounds a stuck loader, not
    /// a slow one.
    pub ack_wait: Duration,
    /// Deliveries of one message before JetStream gives up on it; -1 for
    /// never. Loaders set bad records aside themselves and negatively ack
    /// only when PostgreSQL or NATS fails, so a limit would drop good
    /// records during a long outage. A message JetStream does give up on (a
    /// limit set by hand, or a terminated message) is announced by an
    /// advisory ([`crate::advisory`]), which the loaders capture into the
    /// dead-letter stream and the skipped table.
    pub max_deliver: i64,
    /// Messages a consumer hands out unacknowledged at once, over every
    /// loader and batch. JetStream's own default (1,000) is less than two
    /// batches of 500 per loop, and retries waiting for a parent count
    /// against it while they wait; a consumer at its limit answers no
    /// pulls, so the loaders stalled.
    pub max_ack_pending: i64,
}

impl Default for BusSettings {
    fn default() -> Self {
        BusSettings {
            raw_max_age: Duration::from_secs(30 * 24 * 3600),
            dead_letter_max_age: Duration::from_secs(365 * 24 * 3600),
            ack_wait: Duration::from_secs(60),
            max_deliver: -1,
            max_ack_pending: 20_000,
        }
    }
}

/// Creating a stream or consumer failed.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot create stream {stream}: {error}")]
    Stream {
        stream: &'static str,
        error: jetstream::context::CreateStreamError,
    },
    #[error("cannot open stream {stream}: {error}")]
    OpenStream {
        stream: &'static str,
        error: jetstream::context::GetStreamError,
    },
    #[error("cannot create consumer {consumer}: {error}")]
    Consumer {
        consumer: String,
        error: jetstream::stream::ConsumerError,
    },
}

impl SetupError {
    /// Whether asking again may succeed: the server did not answer in time,
    /// the connection was down, or JetStream was not ready yet. A request
    /// JetStream refused (a conflicting configuration) is final.
    pub fn is_transient(&self) -> bool {
        match self {
            SetupError::Stream { error, .. } => matches!(
                error.kind(),
                CreateStreamErrorKind::TimedOut
                    | CreateStreamErrorKind::JetStreamUnavailable
                    | CreateStreamErrorKind::Response
            ),
            SetupError::OpenStream { error, .. } => {
                matches!(error.kind(), GetStreamErrorKind::Request)
            }
            SetupError::Consumer { error, .. } => matches!(
                error.kind(),
                ConsumerErrorKind::TimedOut | ConsumerErrorKind::Request
            ),
        }
    }
}

/// Pauses between set-up attempts that failed for a passing reason, and how
/// many: about 25 s of waiting in all. Services start together (each loader
/// creates twenty consumers at once), and a busy server can take longer than
/// the five seconds a JetStream request waits; a nats-server restarting
/// takes a few seconds to accept requests again.
fn setup_backoff() -> ExponentialBuilder {
    ExponentialBuilder::new()
        .with_jitter()
        .with_min_delay(Duration::from_millis(500))
        .with_max_delay(Duration::from_secs(8))
        .with_max_times(6)
}

fn note_setup_retry(error: &SetupError, pause: Duration) {
    tracing::warn!(
        error = %error,
        pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
        "JetStream set-up failed; trying again."
    );
}

/// The shortest `RAW_MAX_AGE` a service accepts. Raw records older than the
/// stream's age are gone whether or not a loader has read them, so an age of
/// minutes would lose records to any loader outage; zero means "forever" to
/// JetStream, not "none".
pub const MIN_RAW_MAX_AGE: Duration = Duration::from_secs(3600);

/// De-duplication window for `Nats-Msg-Id`: a page re-read within it does not
/// publish its records twice.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// Creates every stream of the pipeline unless it exists, and brings an
/// existing one's retention and de-duplication window to `settings`, so a
/// changed `RAW_MAX_AGE` takes effect at the next start. A request that
/// fails for a passing reason is made again, for about half a minute.
pub async fn ensure_streams(
    js: &jetstream::Context,
    settings: &BusSettings,
) -> Result<(), SetupError> {
    for kind in Stream::ALL {
        (|| ensure_stream(js, kind, settings))
            .retry(setup_backoff())
            .when(SetupError::is_transient)
            .notify(note_setup_retry)
            .await?;
    }
    Ok(())
}

async fn ensure_stream(
    js: &jetstream::Context,
    kind: Stream,
    settings: &BusSettings,
) -> Result<(), SetupError> {
    let config = stream_config(kind, settings);
    let stream = match js.get_or_create_stream(config.clone()).await {
        Ok(stream) => stream,
        // Services starting together race to create the same stream; the
        // loser's create fails although the stream now exists.
        Err(error) => match js.get_stream(kind.name()).await {
            Ok(stream) => stream,
            Err(_) => {
                return Err(SetupError::Stream {
                    stream: kind.name(),
                    error,
                });
            }
        },
    };
    let current = stream.cached_info().config.clone();
    if (current.max_age, current.duplicate_window) != (config.max_age, config.duplicate_window) {
        let updated = stream::Config {
            max_age: config.max_age,
            duplicate_window: config.duplicate_window,
            ..current.clone()
        };
        match js.update_stream(&updated).await {
            Ok(_) => tracing::info!(
                stream = kind.name(),
                max_age_was = ?current.max_age,
                max_age = ?config.max_age,
                "Stream settings updated."
            ),
            // The stream still works with its old settings.
            Err(e) => tracing::warn!(
                stream = kind.name(),
                error = %e,
                "Cannot update the stream's settings; it keeps its old ones."
            ),
        }
    }
    Ok(())
}

fn stream_config(kind: Stream, settings: &BusSettings) -> stream::Config {
    let base = stream::Config {
        name: kind.name().to_owned(),
        subjects: vec![kind.wildcard()],
        storage: stream::StorageType::File,
        duplicate_window: DUPLICATE_WINDOW,
        ..Default::default()
    };
    match kind {
        Stream::Raw => stream::Config {
            max_age: settings.raw_max_age,
            ..base
        },
        Stream::Retry => stream::Config {
            max_age: settings.raw_max_age,
            ..base
        },
        // A fetch request is work: once a fetcher has served it, it is gone.
        Stream::Fetch => stream::Config {
            retention: stream::RetentionPolicy::WorkQueue,
            max_age: Duration::from_secs(24 * 3600),
            ..base
        },
        Stream::DeadLetter => stream::Config {
            max_age: settings.dead_letter_max_age,
            ..base
        },
    }
}

/// Creates (or finds) the durable pull consumer `name` on `kind` for
/// `entity`; like [`ensure_streams`], it asks again after a passing fault.
pub async fn ensure_consumer(
    js: &jetstream::Context,
    kind: Stream,
    entity: Entity,
    settings: &BusSettings,
) -> Result<consumer::Consumer<consumer::pull::Config>, SetupError> {
    (|| ensure_consumer_once(js, kind, entity, settings))
        .retry(setup_backoff())
        .when(SetupError::is_transient)
        .notify(note_setup_retry)
        .await
}

async fn ensure_consumer_once(
    js: &jetstream::Context,
    kind: Stream,
    entity: Entity,
    settings: &BusSettings,
) -> Result<consumer::Consumer<consumer::pull::Config>, SetupError> {
    let name = match kind {
        Stream::Raw => consumer_name::loader(entity),
        Stream::Retry => consumer_name::retry(entity),
        Stream::Fetch | Stream::DeadLetter => consumer_name::fetch(entity),
    };
    let config = consumer::pull::Config {
        durable_name: Some(name.clone()),
        filter_subject: subject(kind, entity),
        ack_policy: consumer::AckPolicy::Explicit,
        ack_wait: settings.ack_wait,
        max_deliver: settings.max_deliver,
        max_ack_pending: settings.max_ack_pending,
        ..Default::default()
    };

    let stream = js
        .get_stream(kind.name())
        .await
        .map_err(|error| SetupError::OpenStream {
            stream: kind.name(),
            error,
        })?;
    let mut consumer = stream
        .get_or_create_consumer(&name, config.clone())
        .await
        .map_err(|error| SetupError::Consumer {
            consumer: name.clone(),
            error,
        })?;
    // An existing consumer takes a changed `LOADER_ACK_WAIT`, max
    // deliveries or max pending: creating it again with the same name
    // updates it.
    let current = &consumer.cached_info().config;
    let wanted = (config.ack_wait, config.max_deliver, config.max_ack_pending);
    if (
        current.ack_wait,
        current.max_deliver,
        current.max_ack_pending,
    ) != wanted
    {
        let was = current.ack_wait;
        match stream.create_consumer(config).await {
            Ok(updated) => {
                tracing::info!(consumer = %name, ack_wait_was = ?was, ack_wait = ?settings.ack_wait,
                    "Consumer settings updated.");
                consumer = updated;
            }
            Err(e) => tracing::warn!(
                consumer = %name,
                error = %e,
                "Cannot update the consumer's settings; it keeps its old ones."
            ),
        }
    }
    Ok(consumer)
}
