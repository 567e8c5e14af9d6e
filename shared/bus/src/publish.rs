//! Publishing several messages to JetStream and waiting until each is
//! stored.
//!
//! async-nats bounds the publishes a context (and every clone of it) has sent
//! but not yet seen acknowledged, 5,000 by default, and a publish past the
//! bound waits for room. Sending every message first and awaiting the acks
//! afterwards holds one unit of that room per message sent while waiting for
//! more: one caller with more messages than the bound, or several callers
//! whose messages together exceed it, then wait for each other forever. A
//! loader stalled that way once many of its records waited for parents at
//! the same moment, each needing a retry and a fetch request published.
//!
//! [`publish_all`] makes each message's publish and ack one step and runs a
//! bounded number of steps at once, so whatever room a step holds it gives
//! back when its ack arrives or its wait times out, never waiting for more.

use async_nats::HeaderMap;
use async_nats::jetstream::Context;
use async_nats::jetstream::context::PublishError;
use async_nats::jetstream::publish::PublishAck;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use mirror_records::Entity;

use crate::headers::header;
use crate::names::{Stream, subject};

/// How many messages one [`publish_all`] keeps waiting for their ack at once.
pub const ACKS_IN_FLIGHT: usize = 128;

/// A message to publish.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub subject: String,
    pub headers: HeaderMap,
    pub payload: Bytes,
}

/// A request to the fetcher for record `id` of `entity`. JetStream keeps
/// one request per `msg_id` within its duplicate window: a name shared by
/// every asker (the loaders' `fetch:<entity>:<id>`) makes one fetch of many
/// asks, a unique one always reaches the fetcher.
pub fn fetch_request(entity: Entity, id: i64, msg_id: &str) -> Outgoing {
    let mut headers = HeaderMap::new();
    headers.insert(header::MSG_ID, msg_id);
    Outgoing {
        subject: subject(Stream::Fetch, entity),
        headers,
        payload: serde_json::json!({ "id": id }).to_string().into(),
    }
}

/// The message at `index` of a [`publish_all`] was not stored.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct PublishFailed {
    /// Its position among the messages given.
    pub index: usize,
    pub error: PublishError,
}

/// Publishes `messages` and waits until JetStream has stored every one,
/// answering their acks in the order given. Stops at the first failure;
/// messages after it may or may not have been stored.
///
/// A `Vec` rather than any iterator: an iterator adapter's closure here
/// can keep a caller's future from being `Send`.
pub async fn publish_all(
    js: &Context,
    messages: Vec<Outgoing>,
) -> Result<Vec<PublishAck>, PublishFailed> {
    futures::stream::iter(messages.into_iter().enumerate())
        .map(|(index, message)| store(js, index, message))
        .buffered(ACKS_IN_FLIGHT)
        .try_collect()
        .await
}

/// Publishes one message and waits for JetStream to store it.
async fn store(js: &Context, index: usize, message: Outgoing) -> Result<PublishAck, PublishFailed> {
    let stored = async {
        js.publish_with_headers(message.subject, message.headers, message.payload)
            .await?
            .await
    };
    stored.await.map_err(|error| PublishFailed { index, error })
}
