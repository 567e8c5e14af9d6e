//! Requests to the fetcher over core NATS request-reply: start a sync now.
//!
//! Core NATS rather than JetStream on purpose: a request nobody answers
//! should fail at once ("no fetcher is running"), not wait in a stream.

use serde::{Deserialize, Serialize};

/// The subject the fetcher answers sync requests on.
pub const SYNC_SUBJECT: &str = "qbench.control.sync";

/// What to sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// `full`, `incremental` or `window`.
    pub mode: String,
    /// Entity names; empty means all of them.
    #[serde(default)]
    pub entities: Vec<String>,
    /// Window mode: days back from now; the fetcher's `SYNC_LOOKBACK_DAYS`
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

/// The fetcher's answer: the run that will carry out the request, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReply {
    pub run_id: Option<String>,
    pub error: Option<String>,
}

/// How one `QBENCH_FETCH` request ended, sent by the fetcher to the request's
/// [`REPLY_TO`](crate::header::REPLY_TO) subject when it names one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FetchReply {
    /// The record (and whichever of its ancestors the mirror lacked) is on
    /// its way to the loaders.
    Published { id: i64 },
    /// QBench has no record with this id.
    Unknown { id: i64 },
    /// The fetch failed; the request is tried again later.
    Failed { id: i64, error: String },
}
