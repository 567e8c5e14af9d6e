//! `GET /api/v1/metrics/sync/status`: how current the mirror is.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use mirror_records::Entity;
use mirror_store::Checkpoint;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::extract::ApiQuery;
use crate::{ApiError, AppState, AuthUser, ErrorBody};

/// Which entity to report on.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SyncStatusQuery {
    /// `customer(s)`, `order(s)`, `sample(s)`, `batch(es)` or `test(s)`.
    #[param(default = "tests", example = "tests")]
    pub entity: Option<String>,
}

/// When the entity's local copy was last known complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SyncStatus {
    /// The entity's table name, e.g. `tests`.
    #[schema(example = "tests")]
    pub entity: String,
    /// `null` when the entity was never synced.
    pub updated_at: Option<DateTime<Utc>>,
}

/// The status of `entity` among `checkpoints`.
///
/// Checkpoints are stored under the singular name; a database adopted from
/// the earlier tool may hold the plural one too, and the newer wins.
pub fn sync_status_of(entity: Entity, checkpoints: &[Checkpoint]) -> SyncStatus {
    let updated_at = checkpoints
        .iter()
        .filter(|c| c.entity == entity.as_str() || c.entity == entity.table())
        .filter_map(|c| c.updated_at)
        .max();
    SyncStatus {
        entity: entity.table().to_owned(),
        updated_at,
    }
}

/// When an entity was last synced.
#[utoipa::path(
    get,
    path = "/sync/status",
    tag = "metrics",
    params(SyncStatusQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The entity's sync status", body = SyncStatus),
        (status = 400, description = "Unknown entity", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
pub(super) async fn sync_status(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SyncStatusQuery>,
) -> Result<Json<SyncStatus>, ApiError> {
    let entity: Entity = query
        .entity
        .as_deref()
        .unwrap_or("tests")
        .parse()
        .map_err(|e| ApiError::parameter("entity", e))?;
    let checkpoints = mirror_store::checkpoints(&state.pool).await?;

    Ok(Json(sync_status_of(entity, &checkpoints)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn checkpoint(entity: &str, updated_at: Option<DateTime<Utc>>) -> Checkpoint {
        Checkpoint {
            entity: entity.to_owned(),
            last_synced_at: None,
            last_cursor: None,
            last_id: None,
            status: None,
            run_id: None,
            updated_at,
        }
    }

    #[test]
    fn the_newest_checkpoint_under_either_name_counts() {
        let older = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let newer = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let checkpoints = [
            checkpoint("tests", Some(older)),
            checkpoint("test", Some(newer)),
            checkpoint("sample", Some(newer + chrono::Duration::hours(1))),
        ];

        let status = sync_status_of(Entity::Test, &checkpoints);

        assert_eq!(
            status,
            SyncStatus {
                entity: "tests".to_owned(),
                updated_at: Some(newer)
            }
        );
    }

    #[test]
    fn a_never_synced_entity_has_no_time() {
        assert_eq!(sync_status_of(Entity::Batch, &[]).updated_at, None);
    }
}
