//! Requests to the fetcher over core NATS request-reply: start a sync now.
//!
//! Core NATS rather than JetStream on purpose: a request nobody answers
//! should fail at once ("no fetcher is running"), not wait in a stream.

use mirror_records::Entity;
use serde::{Deserialize, Serialize};

/// The subject the fetcher answers sync requests on.
pub const SYNC_SUBJECT: &str = "qbench.control.sync";

/// The longest window a window sync reads, in days (ten years): longer
/// than any lab's history the simulator makes, far inside what dates can
/// hold. For everything, a full sync is the tool.
pub const MAX_WINDOW_DAYS: u32 = 3650;

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
    /// The record, and whichever of its ancestors the mirror lacked
    /// (`ancestors`, nearest first), are on their way to the loaders.
    Published {
        id: i64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        ancestors: Vec<FetchedRecord>,
        /// The raw stream's sequence of the record's message, so whoever
        /// waits can tell that copy loaded (or was set aside) from an older
        /// one the mirror held already. Absent from earlier fetchers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sequence: Option<u64>,
    },
    /// QBench has no record with this id. `deleted`: the mirror held a
    /// live copy, and its deletion is on its way to the loaders (absent
    /// from earlier fetchers).
    Unknown {
        id: i64,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        deleted: bool,
    },
    /// The fetch failed; the request is tried again later.
    Failed { id: i64, error: String },
}

/// A record a fetch brought along: its entity (as in subjects) and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedRecord {
    pub entity: String,
    pub id: i64,
}

impl FetchedRecord {
    pub fn new(entity: Entity, id: i64) -> Self {
        FetchedRecord {
            entity: entity.as_str().to_owned(),
            id,
        }
    }
}

impl std::fmt::Display for FetchedRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.entity, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_reply_without_ancestors_reads_as_before() {
        // Fetchers of an earlier release send no ancestors.
        let earlier: FetchReply =
            serde_json::from_str(r#"{"outcome":"published","id":7}"#).unwrap();
        let expected = FetchReply::Published {
            id: 7,
            ancestors: vec![],
            sequence: None,
        };
        assert_eq!(earlier, expected);
        let with = FetchReply::Published {
            id: 7,
            ancestors: vec![FetchedRecord::new(Entity::Sample, 3)],
            sequence: Some(42),
        };
        let text = serde_json::to_string(&with).unwrap();
        assert_eq!(
            text,
            r#"{"outcome":"published","id":7,"ancestors":[{"entity":"sample","id":3}],"sequence":42}"#
        );
        assert_eq!(serde_json::from_str::<FetchReply>(&text).unwrap(), with);
    }
}
