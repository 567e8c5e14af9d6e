//! The headers every raw record carries, and their parsing on the way in.

use async_nats::HeaderMap;
use chrono::{DateTime, Utc};
use mirror_records::Entity;

/// Header names of the contract.
pub mod header {
    /// JetStream de-duplication key: `<entity>:<id>:<version>`.
    pub const MSG_ID: &str = "Nats-Msg-Id";
    pub const ENTITY: &str = "Qbench-Entity";
    pub const ID: &str = "Qbench-Id";
    /// QBench `last_updated` (epoch seconds) or, without it, a payload hash.
    pub const VERSION: &str = "Qbench-Version";
    pub const FETCHED_AT: &str = "Qbench-Fetched-At";
    pub const RUN_ID: &str = "Qbench-Run-Id";
    /// Position of the record's page within its run, for checkpoints.
    pub const PAGE: &str = "Qbench-Page";
    /// `list` or `detail`: detail bodies carry more fields than list rows.
    pub const SOURCE: &str = "Qbench-Source";
    /// W3C trace context, so a record's trace runs from fetch to commit.
    pub const TRACEPARENT: &str = "traceparent";
    /// Retry stream: how many attempts have been made so far.
    pub const ATTEMPT: &str = "Qbench-Attempt";
    /// Retry stream: the earliest time (RFC 3339) the next attempt may run.
    pub const NOT_BEFORE: &str = "Qbench-Not-Before";
    /// Retry and dead-letter streams: the raw message's stream sequence.
    pub const RAW_SEQUENCE: &str = "Qbench-Raw-Sequence";
    /// Dead-letter stream: why the record was given up on.
    pub const REASON: &str = "Qbench-Reason";
    /// `delete` on a tombstone: the record was deleted in QBench.
    pub const OPERATION: &str = "Qbench-Operation";
    /// Fetch requests: a core NATS subject told how the request ended
    /// (a [`FetchReply`](crate::FetchReply)), for an operator waiting on it.
    pub const REPLY_TO: &str = "Qbench-Reply-To";
}

/// The value of [`header::OPERATION`] on a tombstone.
pub const DELETE_OPERATION: &str = "delete";

/// The identity and provenance of one raw record message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHeaders {
    pub entity: Entity,
    pub id: i64,
    pub version: String,
    pub fetched_at: DateTime<Utc>,
    pub run_id: Option<String>,
    pub page: Option<i64>,
    pub source: Option<String>,
    pub traceparent: Option<String>,
    /// Whether the message is a tombstone for a deleted record.
    pub deleted: bool,
}

/// A message lacked a header of the contract or carried a malformed one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RawHeadersError {
    #[error("message has no headers")]
    NoHeaders,
    #[error("header {0} is missing")]
    Missing(&'static str),
    #[error("header {name} has an invalid value {value:?}")]
    Invalid { name: &'static str, value: String },
}

impl RawHeaders {
    /// The headers of a record set aside, rebuilt from what the skipped
    /// table keeps: the version of its stored payload, and its run and page
    /// so the ledger counts it where it belongs once it loads. With
    /// [`requeue_headers`] they send it through a fresh round of attempts.
    pub fn of_set_aside(
        entity: Entity,
        id: i32,
        payload: &serde_json::Value,
        run_id: Option<uuid::Uuid>,
        page: Option<i32>,
    ) -> Self {
        RawHeaders {
            entity,
            id: i64::from(id),
            version: mirror_records::version_of(payload),
            fetched_at: Utc::now(),
            run_id: run_id.map(|r| r.to_string()),
            page: page.map(i64::from),
            source: Some("requeue".to_owned()),
            traceparent: None,
            deleted: false,
        }
    }

    /// The de-duplication key: one message per entity, id and version.
    pub fn msg_id(&self) -> String {
        format!("{}:{}:{}", self.entity, self.id, self.version)
    }

    /// Writes every header of the contract, including `Nats-Msg-Id`.
    pub fn to_header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(header::MSG_ID, self.msg_id().as_str());
        map.insert(header::ENTITY, self.entity.as_str());
        map.insert(header::ID, self.id.to_string().as_str());
        map.insert(header::VERSION, self.version.as_str());
        map.insert(header::FETCHED_AT, self.fetched_at.to_rfc3339().as_str());
        let optional = [
            (header::RUN_ID, &self.run_id),
            (header::SOURCE, &self.source),
            (header::TRACEPARENT, &self.traceparent),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                map.insert(name, value.as_str());
            }
        }
        if let Some(page) = self.page {
            map.insert(header::PAGE, page.to_string().as_str());
        }
        if self.deleted {
            map.insert(header::OPERATION, DELETE_OPERATION);
        }
        map
    }

    /// Reads the headers of a raw, retry or dead-letter message.
    pub fn from_header_map(map: Option<&HeaderMap>) -> Result<Self, RawHeadersError> {
        let map = map.ok_or(RawHeadersError::NoHeaders)?;
        let entity = parse(map, header::ENTITY)?;
        let id = parse(map, header::ID)?;
        let version = text(map, header::VERSION)?.to_owned();
        let fetched_at = text(map, header::FETCHED_AT)?;
        let fetched_at = DateTime::parse_from_rfc3339(fetched_at)
            .map_err(|_| invalid(header::FETCHED_AT, fetched_at))?
            .with_timezone(&Utc);
        let page = match optional_text(map, header::PAGE) {
            Some(_) => Some(parse(map, header::PAGE)?),
            None => None,
        };

        Ok(RawHeaders {
            entity,
            id,
            version,
            fetched_at,
            run_id: optional_text(map, header::RUN_ID).map(str::to_owned),
            page,
            source: optional_text(map, header::SOURCE).map(str::to_owned),
            traceparent: optional_text(map, header::TRACEPARENT).map(str::to_owned),
            deleted: optional_text(map, header::OPERATION) == Some(DELETE_OPERATION),
        })
    }
}

/// Headers that send a record set aside back through its entity's retry
/// subject for a fresh round of attempts, due at once: the record's own
/// headers (its run and page included, so the ledger counts it where it
/// belongs), attempt 0, and the raw message's stream sequence, which
/// identifies it in the ledger and breaks version ties. `tag` makes the
/// message id unique to this requeue (e.g. who asked and when), so JetStream
/// does not drop it as a duplicate of an earlier one.
pub fn requeue_headers(raw: &RawHeaders, raw_sequence: i64, tag: &str) -> HeaderMap {
    let mut map = raw.to_header_map();
    let msg_id = format!("requeue:{}:{tag}", raw.msg_id());
    map.insert(header::MSG_ID, msg_id.as_str());
    map.insert(header::ATTEMPT, "0");
    let now = chrono::Utc::now().to_rfc3339();
    map.insert(header::NOT_BEFORE, now.as_str());
    map.insert(header::RAW_SEQUENCE, raw_sequence.to_string().as_str());
    map
}

/// The value of an optional header, if present and not empty.
pub fn optional_text<'a>(map: &'a HeaderMap, name: &'static str) -> Option<&'a str> {
    map.get(name).map(|v| v.as_str()).filter(|v| !v.is_empty())
}

fn text<'a>(map: &'a HeaderMap, name: &'static str) -> Result<&'a str, RawHeadersError> {
    optional_text(map, name).ok_or(RawHeadersError::Missing(name))
}

fn parse<T: std::str::FromStr>(map: &HeaderMap, name: &'static str) -> Result<T, RawHeadersError> {
    let value = text(map, name)?;
    value.parse().map_err(|_| invalid(name, value))
}

fn invalid(name: &'static str, value: &str) -> RawHeadersError {
    RawHeadersError::Invalid {
        name,
        value: value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_survive_a_round_trip() {
        let headers = RawHeaders {
            entity: Entity::Test,
            id: 9001,
            version: "1683920116".into(),
            fetched_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
            run_id: Some("run-1".into()),
            page: Some(3),
            source: Some("list".into()),
            traceparent: None,
            deleted: false,
        };

        let map = headers.to_header_map();

        assert_eq!(
            map.get(header::MSG_ID).map(|v| v.as_str()),
            Some("test:9001:1683920116")
        );
        assert_eq!(RawHeaders::from_header_map(Some(&map)), Ok(headers));
    }

    #[test]
    fn a_missing_id_is_named() {
        let mut map = HeaderMap::new();
        map.insert(header::ENTITY, "test");
        let err = RawHeaders::from_header_map(Some(&map));
        assert_eq!(err, Err(RawHeadersError::Missing(header::ID)));
    }
}
