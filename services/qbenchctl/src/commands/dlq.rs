//! `qbenchctl dlq list|show|retry`: the dead-letter stream, where records
//! given up on wait with the reason.

use std::collections::HashSet;
use std::process::ExitCode;

use async_nats::jetstream::{self, context::PublishAckFuture, message::StreamMessage};
use chrono::{DateTime, Utc};
use mirror_bus::{RawHeaders, Stream, entity_of, header, optional_text, requeue_headers, subject};
use mirror_config::Env;
use mirror_records::Entity;

use crate::context;

/// Reads the dead letters of `entity` (all when `None`), oldest first, at
/// most `limit` of them.
async fn read(
    stream: &jetstream::stream::Stream,
    entity: Option<Entity>,
    limit: usize,
) -> anyhow::Result<Vec<StreamMessage>> {
    use async_nats::jetstream::stream::RawMessageErrorKind;
    let filter = match entity {
        Some(entity) => subject(Stream::DeadLetter, entity),
        None => Stream::DeadLetter.wildcard(),
    };
    let mut letters = Vec::new();
    let mut next = 1;
    while letters.len() < limit {
        let message = match stream.get_first_raw_message_by_subject(&filter, next).await {
            Ok(message) => message,
            Err(e) if e.kind() == RawMessageErrorKind::NoMessageFound => break,
            Err(e) => return Err(e.into()),
        };
        next = message.sequence + 1;
        letters.push(message);
    }
    Ok(letters)
}

async fn dead_letters(
    env: &Env,
) -> anyhow::Result<(jetstream::Context, jetstream::stream::Stream)> {
    let js = jetstream::new(context::nats(env).await?);
    let stream = js.get_stream(Stream::DeadLetter.name()).await?;
    Ok((js, stream))
}

fn stored_at(message: &StreamMessage) -> String {
    DateTime::<Utc>::from_timestamp(message.time.unix_timestamp(), 0)
        .map_or_else(String::new, |t| t.to_rfc3339())
}

/// One line per dead letter: sequence, time, record and reason, marked
/// when the record is in the mirror now (its parent came and it loaded, or
/// a later version of it could be mapped), and a count at the end.
pub async fn list(env: &Env, entity: Option<Entity>, limit: usize) -> anyhow::Result<ExitCode> {
    let (_, stream) = dead_letters(env).await?;
    // One more than shown says whether the list is cut short.
    let mut letters = read(&stream, entity, limit.saturating_add(1)).await?;
    let cut_short = letters.len() > limit;
    letters.truncate(limit);
    if letters.is_empty() {
        println!("no dead letters");
        return Ok(ExitCode::SUCCESS);
    }
    let records: Vec<Option<(Entity, i32)>> = letters.iter().map(record_of).collect();
    let loaded = loaded_since(env, &records).await?;
    for (letter, record) in letters.iter().zip(&records) {
        let headers = &letter.headers;
        let entity = entity_of(letter.subject.as_str()).map_or("?", Entity::as_str);
        let id = optional_text(headers, header::ID).unwrap_or("?");
        let reason = optional_text(headers, header::REASON).unwrap_or("no reason given");
        let since = match record {
            Some(record) if loaded.contains(record) => " (loaded since)",
            _ => "",
        };
        println!(
            "{} {} {entity} {id}: {reason}{since}",
            letter.sequence,
            stored_at(letter)
        );
    }
    let count = records
        .iter()
        .flatten()
        .filter(|r| loaded.contains(r))
        .count();
    let plural = if letters.len() == 1 { "" } else { "s" };
    let more = if cut_short {
        " shown, more wait (raise --limit)"
    } else {
        ""
    };
    let shown = format!("{} dead letter{plural}{more}", letters.len());
    println!("{shown}, {count} whose record has loaded since");
    Ok(ExitCode::SUCCESS)
}

/// The record a dead letter names, when it names one.
fn record_of(letter: &StreamMessage) -> Option<(Entity, i32)> {
    let entity = entity_of(letter.subject.as_str())?;
    let id = optional_text(&letter.headers, header::ID)?.parse().ok()?;
    Some((entity, id))
}

/// Which of `records` are in their table now.
async fn loaded_since(
    env: &Env,
    records: &[Option<(Entity, i32)>],
) -> anyhow::Result<HashSet<(Entity, i32)>> {
    let pool = context::existing_database(env).await?;
    let mut conn = pool.acquire().await?;
    let mut loaded = HashSet::new();
    for entity in Entity::ALL {
        let ids: Vec<i32> = records
            .iter()
            .flatten()
            .filter(|(e, _)| *e == entity)
            .map(|(_, id)| *id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        for id in mirror_store::existing_ids(&mut conn, entity, &ids).await? {
            loaded.insert((entity, id));
        }
    }
    Ok(loaded)
}

/// Everything about one dead letter: its headers and its payload.
pub async fn show(env: &Env, sequence: u64) -> anyhow::Result<ExitCode> {
    let (_, stream) = dead_letters(env).await?;
    let letter = stream
        .get_raw_message(sequence)
        .await
        .map_err(|e| anyhow::anyhow!("no dead letter {sequence}: {e}"))?;
    println!("sequence: {}", letter.sequence);
    println!("subject: {}", letter.subject);
    println!("stored: {}", stored_at(&letter));
    for (name, values) in letter.headers.iter() {
        for value in values {
            println!("{name}: {value}");
        }
    }
    let payload = serde_json::from_slice::<serde_json::Value>(&letter.payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(&letter.payload).into_owned());
    println!("\n{payload}");
    Ok(ExitCode::SUCCESS)
}

/// Sends dead letters back to the loaders and removes them from the stream
/// once JetStream has stored the resent copy; exits non-zero if one could
/// not be resent.
pub async fn retry(
    env: &Env,
    sequences: &[u64],
    all: bool,
    entity: Option<Entity>,
) -> anyhow::Result<ExitCode> {
    let (js, stream) = dead_letters(env).await?;
    let letters = if all {
        read(&stream, entity, usize::MAX).await?
    } else {
        let mut letters = Vec::with_capacity(sequences.len());
        for sequence in sequences {
            let letter = stream
                .get_raw_message(*sequence)
                .await
                .map_err(|e| anyhow::anyhow!("no dead letter {sequence}: {e}"))?;
            letters.push(letter);
        }
        letters
    };

    let mut failed = 0;
    for letter in &letters {
        match resend(&js, letter).await {
            Ok(ack) => {
                ack.await?;
                stream.delete_message(letter.sequence).await?;
                println!("resent dead letter {}", letter.sequence);
            }
            Err(e) => {
                failed += 1;
                println!("dead letter {} kept: {e}", letter.sequence);
            }
        }
    }
    println!("{} resent, {failed} kept", letters.len() - failed);
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Publishes a dead letter's record again. With the raw message's sequence
/// it goes through the retry subject, keeping its run and page so the
/// ledger counts it where it belongs; without, it goes to the raw subject
/// as a new message outside any run. Either way the loader's version guard
/// keeps it from overwriting anything newer.
async fn resend(
    js: &jetstream::Context,
    letter: &StreamMessage,
) -> anyhow::Result<PublishAckFuture> {
    let raw = RawHeaders::from_header_map(Some(&letter.headers))
        .map_err(|e| anyhow::anyhow!("it names no record ({e}); see `qbenchctl dlq show`"))?;
    let tag = format!("dlq:{}", letter.sequence);
    let raw_sequence =
        optional_text(&letter.headers, header::RAW_SEQUENCE).and_then(|v| v.parse::<i64>().ok());
    let (target, headers) = match raw_sequence {
        Some(sequence) => (
            subject(Stream::Retry, raw.entity),
            requeue_headers(&raw, sequence, &tag),
        ),
        None => {
            let outside = RawHeaders {
                run_id: None,
                page: None,
                ..raw.clone()
            };
            let mut headers = outside.to_header_map();
            let msg_id = format!("{tag}:{}", outside.msg_id());
            headers.insert(header::MSG_ID, msg_id.as_str());
            (subject(Stream::Raw, raw.entity), headers)
        }
    };
    Ok(js
        .publish_with_headers(target, headers, letter.payload.clone())
        .await?)
}
