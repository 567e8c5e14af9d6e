//! A message taken from JetStream, read into what the loader needs.

use async_nats::jetstream::Message;
use chrono::{DateTime, Utc};
use mirror_bus::{RawHeaders, header, optional_text};
use serde_json::Value;
use uuid::Uuid;

/// One raw or retry message with its parsed parts.
pub struct Delivery {
    pub message: Message,
    pub parsed: Result<Parsed, String>,
}

/// The parts of a well-formed message.
pub struct Parsed {
    pub headers: RawHeaders,
    pub payload: Value,
    /// The stream sequence of the raw message (carried by retries), which
    /// identifies it in the ledger and breaks version ties.
    pub raw_sequence: i64,
    /// Attempts made so far to find the record's parent (0 for raw messages).
    pub attempt: u32,
    /// For a retry: not to be tried before this time.
    pub not_before: Option<DateTime<Utc>>,
}

impl Parsed {
    /// The record's run, when it was published as part of one.
    pub fn run(&self) -> Option<(Uuid, i32)> {
        let run = self.headers.run_id.as_deref()?.parse().ok()?;
        let page = i32::try_from(self.headers.page?).ok()?;
        Some((run, page))
    }
}

impl Delivery {
    /// Reads a message from the raw stream (`from_retry` false) or the retry
    /// stream; a malformed one keeps its reason for the dead-letter stream.
    pub fn read(message: Message, from_retry: bool) -> Self {
        let parsed = parse(&message, from_retry);
        Delivery { message, parsed }
    }
}

fn parse(message: &Message, from_retry: bool) -> Result<Parsed, String> {
    let headers =
        RawHeaders::from_header_map(message.headers.as_ref()).map_err(|e| e.to_string())?;
    let payload: Value = serde_json::from_slice(&message.payload)
        .map_err(|e| format!("payload is not JSON: {e}"))?;
    let own_sequence = message
        .info()
        .map(|info| info.stream_sequence as i64)
        .map_err(|e| format!("message has no JetStream metadata: {e}"))?;
    let map = message.headers.as_ref();
    let retry_value = |name| map.and_then(|m| optional_text(m, name));

    let (raw_sequence, attempt, not_before) = if from_retry {
        let raw_sequence = retry_value(header::RAW_SEQUENCE)
            .and_then(|v| v.parse().ok())
            .ok_or("retry message lacks a raw sequence")?;
        let attempt = retry_value(header::ATTEMPT)
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let not_before = retry_value(header::NOT_BEFORE)
            .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
            .map(|t| t.with_timezone(&Utc));
        (raw_sequence, attempt, not_before)
    } else {
        (own_sequence, 0, None)
    };

    Ok(Parsed {
        headers,
        payload,
        raw_sequence,
        attempt,
        not_before,
    })
}
