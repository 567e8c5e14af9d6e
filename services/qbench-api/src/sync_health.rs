//! `GET /api/v1/sync/health`: what the dashboard's sync page shows.
//!
//! Per entity, the checkpoint (how far the mirror is complete), the newest
//! run and the lag behind that checkpoint; then the records set aside, with
//! their reasons. A set-aside record that is banned, or whose missing parent
//! is, is left out like every other hidden record.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{ApiQuery, NoParameters};
use crate::{ApiError, AppState, AuthUser, KpiErrorResponses};

/// The entities in the order the fetcher syncs them.
const ENTITIES: [&str; 5] = ["customer", "order", "sample", "batch", "test"];

/// At most this many set-aside records are listed, newest attempt first;
/// `skipped_total` counts them all.
const SKIPPED_LIMIT: i64 = 200;

/// The sync health route, relative to `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sync_health))
}

/// The answer of `sync/health`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SyncHealthResponse {
    /// When this answer was computed; lags are measured from it.
    pub checked_at: DateTime<Utc>,
    /// One row per entity, customers first.
    pub entities: Vec<EntitySyncHealth>,
    /// Visible records set aside and not yet loaded, newest attempt first.
    pub skipped: Vec<SkippedRecordView>,
    /// How many visible records are set aside in all.
    pub skipped_total: i64,
}

/// The checkpoint and newest run of one entity.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct EntitySyncHealth {
    /// The entity, singular (`test`).
    pub entity: String,
    /// The mirror holds every record of this entity changed before this
    /// instant; null before the first complete sync.
    pub checkpoint_at: Option<DateTime<Utc>>,
    /// `complete`, or `loading` while a run's pages are still being loaded.
    pub checkpoint_status: Option<String>,
    /// When the checkpoint row last changed.
    pub checkpoint_updated_at: Option<DateTime<Utc>>,
    /// Seconds from `checkpoint_at` to `checked_at`.
    pub lag_seconds: Option<i64>,
    /// `full` or `incremental`, for the newest run.
    pub last_run_mode: Option<String>,
    /// `running`, `published`, `partial` or `failed`.
    pub last_run_status: Option<String>,
    /// Why the newest run stopped early, when it did.
    pub last_run_message: Option<String>,
    pub last_run_started_at: Option<DateTime<Utc>>,
    /// When every page of the newest run was loaded.
    pub last_run_completed_at: Option<DateTime<Utc>>,
    pub last_run_total_pages: Option<i32>,
    pub last_run_complete_pages: Option<i32>,
}

/// A record the loaders set aside.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct SkippedRecordView {
    /// The entity, singular (`test`).
    pub entity: String,
    /// Its QBench id.
    pub record_id: i32,
    /// `missing_parent` or `invalid`.
    pub reason: String,
    pub missing_parent_entity: Option<String>,
    pub missing_parent_id: Option<i32>,
    pub attempts: i32,
    /// The last failure, in words.
    pub last_error: String,
    pub first_skipped_at: DateTime<Utc>,
    pub last_attempt_at: DateTime<Utc>,
}

/// Checkpoints, newest runs, lag and the records set aside.
#[utoipa::path(
    get,
    path = "/sync/health",
    tag = "metrics",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The state of the sync", body = SyncHealthResponse),
        KpiErrorResponses,
    )
)]
async fn sync_health(
    _user: AuthUser,
    State(state): State<AppState>,
    _query: ApiQuery<NoParameters>,
) -> Result<Json<SyncHealthResponse>, ApiError> {
    let health = read_sync_health(&state.pool, Utc::now())
        .await
        .map_err(|error| ApiError::Internal(error.into()))?;
    Ok(Json(health))
}

/// Reads the sync's state as of `now`.
pub async fn read_sync_health(
    pool: &PgPool,
    now: DateTime<Utc>,
) -> Result<SyncHealthResponse, sqlx::Error> {
    let entities = sqlx::query_as(
        "SELECT e.entity, c.last_synced_at AS checkpoint_at, c.status AS checkpoint_status, \
             c.updated_at AS checkpoint_updated_at, \
             floor(extract(epoch FROM $2 - c.last_synced_at))::bigint AS lag_seconds, \
             r.mode AS last_run_mode, r.status AS last_run_status, \
             r.message AS last_run_message, r.started_at AS last_run_started_at, \
             r.completed_at AS last_run_completed_at, r.total_pages AS last_run_total_pages, \
             r.complete_pages AS last_run_complete_pages \
         FROM unnest($1::text[]) WITH ORDINALITY AS e(entity, position) \
         LEFT JOIN sync_checkpoints c ON c.entity = e.entity \
         LEFT JOIN LATERAL ( \
             SELECT x.mode, x.status, x.message, x.started_at, x.completed_at, \
                 x.total_pages, x.complete_pages \
             FROM sync_run_entities x WHERE x.entity = e.entity \
             ORDER BY x.started_at DESC LIMIT 1) r ON true \
         ORDER BY e.position",
    )
    .bind(ENTITIES)
    .bind(now)
    .fetch_all(pool)
    .await?;

    // A ban hides a record and everything under it; a set-aside record is
    // hidden when it, or the parent it waits for, is banned.
    const VISIBLE: &str = "s.resolved_at IS NULL AND NOT EXISTS ( \
             SELECT 1 FROM banned_entities b \
             WHERE (b.entity_type = s.entity AND b.entity_id = s.record_id) \
                OR (b.entity_type = s.missing_parent_entity \
                    AND b.entity_id = s.missing_parent_id))";
    let skipped = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT s.entity, s.record_id, s.reason, s.missing_parent_entity, \
             s.missing_parent_id, s.attempts, s.last_error, s.first_skipped_at, \
             s.last_attempt_at \
         FROM skipped_records s WHERE {VISIBLE} \
         ORDER BY s.last_attempt_at DESC, s.entity, s.record_id LIMIT $1"
    )))
    .bind(SKIPPED_LIMIT)
    .fetch_all(pool)
    .await?;
    let skipped_total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM skipped_records s WHERE {VISIBLE}"
    )))
    .fetch_one(pool)
    .await?;

    Ok(SyncHealthResponse {
        checked_at: now,
        entities,
        skipped,
        skipped_total,
    })
}
