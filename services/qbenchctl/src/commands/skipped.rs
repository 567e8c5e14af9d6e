//! `qbenchctl skipped list` and `qbenchctl skipped retry`.

use std::process::ExitCode;

use chrono::Utc;
use mirror_bus::{Outgoing, RawHeaders, Stream, requeue_headers, subject};
use mirror_config::Env;
use mirror_records::Entity;

use crate::context;

pub async fn list(env: &Env, entity: Option<Entity>) -> anyhow::Result<ExitCode> {
    let pool = context::existing_database(env).await?;
    let records = mirror_store::list_skipped(&pool, entity).await?;
    if records.is_empty() {
        println!("no records set aside");
    }
    for r in &records {
        let parent = match (&r.missing_parent_entity, r.missing_parent_id) {
            (Some(e), Some(id)) => format!(" waiting for {e} {id}"),
            _ => String::new(),
        };
        println!(
            "{} {} [{}]{parent} attempts={} since={}: {}",
            r.entity,
            r.record_id,
            r.reason,
            r.attempts,
            r.first_skipped_at.to_rfc3339(),
            r.last_error
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `qbenchctl skipped retry`: sends skipped records back to the loaders.
///
/// Each record's stored payload goes to its retry subject with attempt 0, so
/// it gets the whole round of parent look-ups again. It keeps its version
/// and its raw message's sequence: the loader's version guard lets it
/// rewrite nothing newer (a record loaded since is found unchanged), and
/// whether it loads or not, the entry is settled by the loader (resolved, or
/// set aside again with the new reason). With `refetch` the fetcher is asked
/// for the record's current copy from QBench instead; the entry is resolved
/// when that copy loads.
pub async fn retry(
    env: &Env,
    entity: Option<Entity>,
    ids: &[i32],
    refetch: bool,
) -> anyhow::Result<ExitCode> {
    let pool = context::database(env).await?;
    let js = async_nats::jetstream::new(context::nats(env).await?);
    let records = mirror_store::claim_for_retry(&pool, entity, ids).await?;
    let of = entity.map_or(String::new(), |e| format!(" of entity {e}"));
    if records.is_empty() && ids.is_empty() {
        println!("no records set aside{of}: nothing to retry");
        return Ok(ExitCode::SUCCESS);
    }

    let tag = format!("operator:{}", Utc::now().timestamp_millis());
    let mut messages = Vec::with_capacity(records.len());
    let mut lines = Vec::with_capacity(records.len());
    for record in &records {
        let entity: Entity = record.entity.parse()?;
        let how = match (&record.payload, record.raw_sequence, refetch) {
            (Some(payload), Some(sequence), false) => {
                let raw = RawHeaders::of_set_aside(
                    entity,
                    record.record_id,
                    payload,
                    record.run_id,
                    record.page,
                );
                let headers = requeue_headers(&raw, sequence, &tag);
                messages.push(Outgoing {
                    subject: subject(Stream::Retry, entity),
                    headers,
                    payload: serde_json::to_vec(payload)?.into(),
                });
                "stored payload"
            }
            _ => {
                messages.push(fetch_request(entity, record.record_id));
                "fetch from QBench"
            }
        };
        lines.push(format!(
            "requeued {} {} ({how})",
            record.entity, record.record_id
        ));
    }
    // Said once JetStream holds them all: a failure names the first record
    // not requeued, and the ones before it are.
    if let Err(e) = mirror_bus::publish_all(&js, messages).await {
        for line in &lines[..e.index] {
            println!("{line}");
        }
        let record = &records[e.index];
        anyhow::bail!(
            "cannot requeue {} {}: {e}; the {} before it are requeued",
            record.entity,
            record.record_id,
            e.index
        );
    }
    for line in &lines {
        println!("{line}");
    }
    if !records.is_empty() {
        let plural = if records.len() == 1 { "" } else { "s" };
        println!("{} record{plural} requeued", records.len());
    }
    // Ids asked for that matched no entry are named, and fail the command.
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !records.iter().any(|r| r.record_id == **id))
        .map(i32::to_string)
        .collect();
    if missing.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "no record{of} with id {} is set aside (`qbenchctl skipped list` names those that are)",
        missing.join(", ")
    );
    Ok(ExitCode::FAILURE)
}

/// A request to the fetcher for the record's current copy.
fn fetch_request(entity: Entity, id: i32) -> Outgoing {
    let msg_id = format!("fetch:{entity}:{id}:{}", Utc::now().timestamp_millis());
    mirror_bus::fetch_request(entity, i64::from(id), &msg_id)
}
