//! Sync runs, their pages, and the progress a waiting operator watches.

use chrono::{DateTime, Utc};
use mirror_records::Entity;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{StoreError, advance_checkpoint};

/// How a run, or one entity of it, ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    /// Every page was published and acknowledged.
    Published,
    /// Stopped early with a reason; the next run resumes.
    Partial,
    Failed,
}

impl RunStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Published => "published",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
        }
    }
}

/// Registers a new run.
pub async fn start_run(
    pool: &PgPool,
    run_id: Uuid,
    mode: &str,
    entities: &[Entity],
) -> Result<(), StoreError> {
    let names: Vec<&str> = entities.iter().map(|e| e.as_str()).collect();
    sqlx::query(
        "INSERT INTO sync_runs (run_id, mode, entities, status) VALUES ($1, $2, $3, 'running') \
         ON CONFLICT (run_id) DO UPDATE SET status = 'running', message = NULL, finished_at = NULL",
    )
    .bind(run_id)
    .bind(mode)
    .bind(&names)
    .execute(pool)
    .await?;
    Ok(())
}

/// Registers one entity of a run before its first page is published.
pub async fn start_run_entity(
    pool: &PgPool,
    run_id: Uuid,
    entity: Entity,
    mode: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sync_run_entities (run_id, entity, mode, status) \
         VALUES ($1, $2, $3, 'running') \
         ON CONFLICT (run_id, entity) DO UPDATE SET status = 'running', message = NULL",
    )
    .bind(run_id)
    .bind(entity.as_str())
    .bind(mode)
    .execute(pool)
    .await?;
    Ok(())
}

/// A page whose records JetStream has acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRecord {
    pub run_id: Uuid,
    pub entity: Entity,
    pub page: i32,
    /// Records newly stored by JetStream (duplicates within its window are
    /// not delivered again, so they are not counted here).
    pub record_count: i32,
    pub first_id: Option<i32>,
    pub last_id: Option<i32>,
}

/// Records that a page is about to be published: its row exists, with no
/// record count yet, before any of its records can reach a loader. A page
/// whose records were sent but never counted (the fetcher died, or NATS or
/// PostgreSQL went away, between the publishes and [`record_page`]) holds
/// its run open until [`count_page`] counts it from the stream.
pub async fn announce_page(
    pool: &PgPool,
    run_id: Uuid,
    entity: Entity,
    page: i32,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sync_run_pages (run_id, entity, page) VALUES ($1, $2, $3) \
         ON CONFLICT (run_id, entity, page) DO NOTHING",
    )
    .bind(run_id)
    .bind(entity.as_str())
    .bind(page)
    .execute(pool)
    .await?;
    Ok(())
}

/// A page whose run ended with the page announced and never counted.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UncountedPage {
    pub run_id: Uuid,
    pub entity: String,
    pub page: i32,
    /// When its run began on this entity: no record of the page reached
    /// the stream before.
    pub started_at: DateTime<Utc>,
}

/// The uncounted pages of runs no fetcher is running any more, oldest
/// first. (A running run's uncounted page is one being published.)
pub async fn uncounted_pages(pool: &PgPool) -> Result<Vec<UncountedPage>, StoreError> {
    let pages = sqlx::query_as(
        "SELECT p.run_id, p.entity, p.page, e.started_at FROM sync_run_pages p \
         JOIN sync_run_entities e ON e.run_id = p.run_id AND e.entity = p.entity \
         WHERE p.record_count IS NULL AND e.status <> 'running' \
         ORDER BY e.started_at, p.run_id, p.entity, p.page",
    )
    .fetch_all(pool)
    .await?;
    Ok(pages)
}

/// Gives an uncounted page the number of its records the raw stream holds,
/// and lets the entity's checkpoint move on if that completes its run.
pub async fn count_page(
    pool: &PgPool,
    page: &UncountedPage,
    entity: Entity,
    records: i32,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    // The checkpoint lock first, as for every change to run rows.
    crate::hold_checkpoint(&mut tx, entity).await?;
    sqlx::query(
        "UPDATE sync_run_pages SET record_count = $4, published_at = now() \
         WHERE run_id = $1 AND entity = $2 AND page = $3 AND record_count IS NULL",
    )
    .bind(page.run_id)
    .bind(entity.as_str())
    .bind(page.page)
    .bind(records)
    .execute(&mut *tx)
    .await?;
    crate::advance_checkpoint(&mut tx, entity).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a published page; called only after every publish was acked.
pub async fn record_page(pool: &PgPool, page: &PageRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sync_run_pages (run_id, entity, page, record_count, first_id, last_id, \
             published_at) VALUES ($1, $2, $3, $4, $5, $6, now()) \
         ON CONFLICT (run_id, entity, page) DO UPDATE SET \
             record_count = coalesce(sync_run_pages.record_count, 0) + EXCLUDED.record_count, \
             first_id = coalesce(sync_run_pages.first_id, EXCLUDED.first_id), \
             last_id = EXCLUDED.last_id, published_at = now()",
    )
    .bind(page.run_id)
    .bind(page.entity.as_str())
    .bind(page.page)
    .bind(page.record_count)
    .bind(page.first_id)
    .bind(page.last_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends one entity of a run and advances its checkpoint if that completes it.
pub async fn finish_run_entity(
    pool: &PgPool,
    run_id: Uuid,
    entity: Entity,
    status: RunStatus,
    total_pages: i32,
    message: Option<&str>,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    // Lock order: checkpoint row before run rows, as the loaders do.
    crate::ledger::lock_checkpoint(&mut tx, entity).await?;
    sqlx::query(
        "UPDATE sync_run_entities SET status = $3, total_pages = $4, message = $5, \
             published_at = CASE WHEN $3 = 'published' THEN now() ELSE published_at END \
         WHERE run_id = $1 AND entity = $2",
    )
    .bind(run_id)
    .bind(entity.as_str())
    .bind(status.as_str())
    .bind(total_pages)
    .bind(message)
    .execute(&mut *tx)
    .await?;
    advance_checkpoint(&mut tx, entity).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every run still marked running as partial, with `reason`, and
/// returns their ids. Only the holder of the fetcher lock runs syncs, so
/// whoever has just taken that lock knows such runs lost their fetcher; the
/// pages they published stay theirs and the next full run resumes after them.
pub async fn abandon_running_runs(pool: &PgPool, reason: &str) -> Result<Vec<Uuid>, StoreError> {
    let entities: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT run_id, entity FROM sync_run_entities WHERE status = 'running' \
         ORDER BY run_id, entity",
    )
    .fetch_all(pool)
    .await?;
    for (run_id, name) in entities {
        let entity: Entity = name
            .parse()
            .map_err(|_| StoreError::Invalid(format!("entity {name:?} of run {run_id}")))?;
        let pages = crate::pages_recorded(pool, run_id, entity).await?;
        finish_run_entity(
            pool,
            run_id,
            entity,
            RunStatus::Partial,
            pages,
            Some(reason),
        )
        .await?;
    }
    let runs = sqlx::query_scalar(
        "UPDATE sync_runs SET status = 'partial', message = $1, finished_at = now() \
         WHERE status = 'running' RETURNING run_id",
    )
    .bind(reason)
    .fetch_all(pool)
    .await?;
    Ok(runs)
}

/// Ends a run with its overall status and reason.
pub async fn finish_run(
    pool: &PgPool,
    run_id: Uuid,
    status: RunStatus,
    message: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE sync_runs SET status = $2, message = $3, finished_at = now() WHERE run_id = $1",
    )
    .bind(run_id)
    .bind(status.as_str())
    .bind(message)
    .execute(pool)
    .await?;
    Ok(())
}

/// Where a run stands, as an operator waiting on it sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunProgress {
    pub run_id: Uuid,
    pub mode: String,
    pub status: String,
    pub message: Option<String>,
    /// Records JetStream accepted for this run. A page never counted (its
    /// fetcher stopped while publishing it) adds what has arrived of it.
    pub published: i64,
    pub loaded: i64,
    pub skipped: i64,
    /// Pages announced and never counted.
    pub uncounted_pages: i64,
}

impl RunProgress {
    /// Whether the fetcher stopped and every published record is loaded or
    /// set aside.
    pub fn is_settled(&self) -> bool {
        self.status != "running" && self.loaded + self.skipped >= self.published
    }
}

/// The progress of one run; `None` when the run is unknown.
pub async fn run_progress(pool: &PgPool, run_id: Uuid) -> Result<Option<RunProgress>, StoreError> {
    let progress = sqlx::query_as(
        "SELECT r.run_id, r.mode, r.status, r.message, \
             coalesce(sum(coalesce(p.record_count, p.loaded + p.skipped)), 0)::int8 AS published, \
             coalesce(sum(least(p.loaded, coalesce(p.record_count, p.loaded))), 0)::int8 AS loaded, \
             coalesce(sum(p.skipped), 0)::int8 AS skipped, \
             count(p.run_id) FILTER (WHERE p.record_count IS NULL) AS uncounted_pages \
         FROM sync_runs r LEFT JOIN sync_run_pages p ON p.run_id = r.run_id \
         WHERE r.run_id = $1 GROUP BY r.run_id",
    )
    .bind(run_id)
    .fetch_optional(pool)
    .await?;
    Ok(progress)
}

/// A checkpoint as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Checkpoint {
    pub entity: String,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub last_cursor: Option<i32>,
    pub last_id: Option<i32>,
    pub status: Option<String>,
    pub run_id: Option<Uuid>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Every entity's checkpoint, parents before children as in
/// [`Entity::ALL`]; a name the mirror does not know comes last.
pub async fn checkpoints(pool: &PgPool) -> Result<Vec<Checkpoint>, StoreError> {
    let mut rows: Vec<Checkpoint> = sqlx::query_as(
        "SELECT entity, last_synced_at, last_cursor, last_id, status, run_id, updated_at \
         FROM sync_checkpoints ORDER BY entity",
    )
    .fetch_all(pool)
    .await?;
    rows.sort_by_key(|c| {
        Entity::ALL
            .iter()
            .position(|e| e.as_str() == c.entity)
            .unwrap_or(Entity::ALL.len())
    });
    Ok(rows)
}
