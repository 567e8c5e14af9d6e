//! `GET /api/v1/metrics/activity/daily`: work created and reported per
//! lab day.

use axum::Json;
use axum::extract::State;
use mirror_kpis::{ActivityQuery, ActivityResponse};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::ApiQuery;
use crate::{ApiError, AppState, AuthUser, KpiErrorResponses};

/// The daily activity route.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(activity_daily))
}

/// Samples created, tests created and tests reported per lab day, and
/// with `compare_previous` the same for the period just before.
#[utoipa::path(
    get,
    path = "/activity/daily",
    tag = "metrics",
    params(ActivityQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One row per lab day", body = ActivityResponse),
        KpiErrorResponses,
    )
)]
async fn activity_daily(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ActivityQuery>,
) -> Result<Json<ActivityResponse>, ApiError> {
    let activity = mirror_kpis::activity_daily(&state.pool, &state.kpi_settings(), &query).await?;
    Ok(Json(activity))
}
