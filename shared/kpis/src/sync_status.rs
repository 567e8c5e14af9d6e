//! `metrics/sync/status`: how current the mirror of one entity is.

use chrono::{DateTime, Utc};
use mirror_records::Entity;
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::{KpiError, SyncStatusQuery};

/// The response of `metrics/sync/status`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SyncStatusResponse {
    /// The entity asked about, by its table name, such as `tests`.
    pub entity: String,
    /// When its sync checkpoint last moved; null before the first sync.
    pub updated_at: Option<DateTime<Utc>>,
}

/// When the checkpoint of the entity (default `tests`) last moved.
pub async fn sync_status(
    pool: &PgPool,
    query: &SyncStatusQuery,
) -> Result<SyncStatusResponse, KpiError> {
    let raw = query.entity.as_deref().unwrap_or("tests");
    let entity: Entity = raw
        .parse()
        .map_err(|_| KpiError::invalid("entity", format!("unknown entity {raw:?}")))?;

    // The mirror keys checkpoints by the singular name; a database adopted
    // from the earlier tool may still hold rows under the table name.
    let updated_at: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT max(updated_at) FROM sync_checkpoints WHERE entity IN ($1, $2)")
            .bind(entity.as_str())
            .bind(entity.table())
            .fetch_one(pool)
            .await?;

    Ok(SyncStatusResponse {
        entity: entity.table().to_owned(),
        updated_at,
    })
}
