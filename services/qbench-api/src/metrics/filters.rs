//! `GET /api/v1/metrics/common/filters`: the values the dashboard's
//! filters offer.

use axum::Json;
use axum::extract::State;
use mirror_kpis::CommonFiltersResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{ApiQuery, NoParameters};
use crate::{ApiError, AppState, AuthUser, KpiErrorResponses};

/// The filter values route.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(common_filters))
}

/// Visible customers by name, the distinct order, sample and test states,
/// and the lab's time zone.
#[utoipa::path(
    get,
    path = "/common/filters",
    tag = "metrics",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Filter values", body = CommonFiltersResponse),
        KpiErrorResponses,
    )
)]
async fn common_filters(
    _user: AuthUser,
    State(state): State<AppState>,
    _query: ApiQuery<NoParameters>,
) -> Result<Json<CommonFiltersResponse>, ApiError> {
    let filters = mirror_kpis::common_filters(&state.pool, &state.kpi_settings()).await?;
    Ok(Json(filters))
}
