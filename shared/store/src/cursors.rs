//! The fetcher's own cursors: where to ask QBench next.
//!
//! Separate from checkpoints on purpose: a cursor moves when JetStream has
//! acknowledged what was read, a checkpoint when PostgreSQL has committed it.

use chrono::{DateTime, Utc};
use mirror_records::Entity;
use sqlx::PgPool;
use uuid::Uuid;

use crate::StoreError;

/// The fetcher's position in one sync mode of one entity.
#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct FetchCursor {
    /// The run this position belongs to; an unfinished run is resumed.
    pub run_id: Option<Uuid>,
    /// The QBench page to ask next (full sync).
    pub next_page: Option<i32>,
    /// The largest id published (incremental sync looks for ids above it).
    pub high_water_id: Option<i32>,
    /// Changes before this time are published (updates feed); of a full
    /// pass, QBench's time when it began, which a resuming run keeps.
    pub changes_since: Option<DateTime<Utc>>,
}

/// The cursor of `entity` in `mode`, if one was saved.
pub async fn load_cursor(
    pool: &PgPool,
    entity: Entity,
    mode: &str,
) -> Result<Option<FetchCursor>, StoreError> {
    let cursor = sqlx::query_as(
        "SELECT run_id, next_page, high_water_id, changes_since FROM fetch_cursors \
         WHERE entity = $1 AND mode = $2",
    )
    .bind(entity.as_str())
    .bind(mode)
    .fetch_optional(pool)
    .await?;
    Ok(cursor)
}

/// Saves the cursor; call only after JetStream acknowledged what it covers.
pub async fn save_cursor(
    pool: &PgPool,
    entity: Entity,
    mode: &str,
    cursor: &FetchCursor,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO fetch_cursors (entity, mode, run_id, next_page, high_water_id, changes_since) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (entity, mode) DO UPDATE SET run_id = EXCLUDED.run_id, \
             next_page = EXCLUDED.next_page, high_water_id = EXCLUDED.high_water_id, \
             changes_since = EXCLUDED.changes_since, updated_at = now()",
    )
    .bind(entity.as_str())
    .bind(mode)
    .bind(cursor.run_id)
    .bind(cursor.next_page)
    .bind(cursor.high_water_id)
    .bind(cursor.changes_since)
    .execute(pool)
    .await?;
    Ok(())
}

/// The largest id of `entity` in the mirror, deleted rows included.
pub async fn max_id(pool: &PgPool, entity: Entity) -> Result<Option<i32>, StoreError> {
    let sql = format!("SELECT max(id) FROM {}", entity.table());
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(pool)
        .await?)
}

/// The number of pages already recorded for a run's entity, so a resumed
/// run numbers its next page after them.
pub async fn pages_recorded(
    pool: &PgPool,
    run_id: Uuid,
    entity: Entity,
) -> Result<i32, StoreError> {
    let pages: Option<i32> = sqlx::query_scalar(
        "SELECT max(page) FROM sync_run_pages WHERE run_id = $1 AND entity = $2",
    )
    .bind(run_id)
    .bind(entity.as_str())
    .fetch_one(pool)
    .await?;
    Ok(pages.unwrap_or(0))
}

/// Runs that read `entity` in full (from the start or resuming) and ended
/// short, oldest first.
pub async fn unfinished_full_runs(pool: &PgPool, entity: Entity) -> Result<Vec<Uuid>, StoreError> {
    let runs = sqlx::query_scalar(
        "SELECT run_id FROM sync_run_entities \
         WHERE entity = $1 AND mode IN ('full', 'resume') AND status IN ('partial', 'failed') \
         ORDER BY started_at, run_id",
    )
    .bind(entity.as_str())
    .fetch_all(pool)
    .await?;
    Ok(runs)
}
