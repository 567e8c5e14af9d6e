//! `qbenchctl fetch <entity> <id>…`: queue single-record fetches and wait
//! for the records to reach the mirror.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use mirror_bus::{Stream, header, subject};
use mirror_config::Env;
use mirror_records::Entity;

use crate::context;

pub async fn run(env: &Env, entity: Entity, ids: &[i64], timeout: u64) -> anyhow::Result<ExitCode> {
    let pool = context::database(env).await?;
    let js = async_nats::jetstream::new(context::nats(env).await?);
    mirror_bus::ensure_streams(&js, &mirror_bus::BusSettings::default()).await?;

    let ids: Vec<i32> = ids
        .iter()
        .map(|id| {
            i32::try_from(*id).map_err(|_| {
                anyhow::anyhow!(
                    "{entity} id {id} is out of range (QBench ids are below 2147483648)"
                )
            })
        })
        .collect::<Result<_, _>>()?;
    for id in &ids {
        let mut headers = async_nats::HeaderMap::new();
        // Not de-duplicated with the loaders' requests: the operator asked.
        headers.insert(
            header::MSG_ID,
            format!("operator-fetch:{entity}:{id}:{}", uuid::Uuid::new_v4()).as_str(),
        );
        let body = serde_json::json!({ "id": id }).to_string();
        js.publish_with_headers(subject(Stream::Fetch, entity), headers, body.into())
            .await?
            .await?;
    }
    println!("queued {} {entity} fetch request(s)", ids.len());

    let deadline = Instant::now() + Duration::from_secs(timeout);
    loop {
        let mut conn = pool.acquire().await?;
        let present = mirror_store::existing_ids(&mut conn, entity, &ids).await?;
        drop(conn);
        if present.len() == ids.len() || Instant::now() >= deadline {
            for id in &ids {
                let state = if present.contains(id) {
                    "loaded"
                } else {
                    "not loaded"
                };
                println!("{entity} {id}: {state}");
            }
            let all = present.len() == ids.len();
            return Ok(if all {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
