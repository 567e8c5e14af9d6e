//! `qbenchctl skipped list`.

use std::process::ExitCode;

use mirror_config::Env;
use mirror_records::Entity;

use crate::context;

pub async fn list(env: &Env, entity: Option<Entity>) -> anyhow::Result<ExitCode> {
    let pool = context::database(env).await?;
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
