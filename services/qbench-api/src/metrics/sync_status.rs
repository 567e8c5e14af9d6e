//! `GET /api/v1/metrics/sync/status`: how current the mirror is.

use axum::Json;
use axum::extract::State;
use mirror_kpis::{SyncStatusQuery, SyncStatusResponse};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::ApiQuery;
use crate::{ApiError, AppState, AuthUser, KpiErrorResponses};

/// The sync status route.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sync_status))
}

/// When an entity (`customers`, `orders`, `samples`, `batches` or `tests`,
/// singular or plural) was last synced; `updated_at` is null before the
/// first sync.
#[utoipa::path(
    get,
    path = "/sync/status",
    tag = "metrics",
    params(SyncStatusQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The entity's sync status", body = SyncStatusResponse),
        KpiErrorResponses,
    )
)]
async fn sync_status(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SyncStatusQuery>,
) -> Result<Json<SyncStatusResponse>, ApiError> {
    let status = mirror_kpis::sync_status(&state.pool, &query).await?;
    Ok(Json(status))
}
