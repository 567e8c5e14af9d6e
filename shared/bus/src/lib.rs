//! The messaging contract of the pipeline: stream, subject and consumer names,
//! the headers every raw record carries, and the idempotent creation of the
//! streams and consumers.
//!
//! No other crate spells a subject or a stream name; they ask this one. Only
//! nats-server 2.9 features are used (no per-message TTL, no consumer pause,
//! no multi-filter consumers), because that is the server labs run.

mod connect;
pub mod control;
mod headers;
mod names;
mod publish;
mod setup;

pub use connect::{ConnectFailed, connect};
pub use control::{FetchReply, FetchedRecord};
pub use headers::{
    DELETE_OPERATION, RawHeaders, RawHeadersError, header, optional_text, requeue_headers,
};
pub use names::{Stream, advisory, consumer, entity_of, subject};
pub use publish::{ACKS_IN_FLIGHT, Outgoing, PublishFailed, fetch_request, publish_all};
pub use setup::{BusSettings, MIN_RAW_MAX_AGE, SetupError, ensure_consumer, ensure_streams};
