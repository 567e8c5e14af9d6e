//! Turnaround: `tests/tat`, `tests/tat-breakdown` and `tests/tat-daily`.

use axum::Json;
use axum::extract::State;
use mirror_kpis::{
    TatBreakdownQuery, TatBreakdownResponse, TatDailyQuery, TatDailyResponse, TatQuery, TatResponse,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::ApiQuery;
use crate::{ApiError, AppState, AuthUser, KpiErrorResponses};

/// The turnaround routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tests_tat))
        .routes(routes!(tat_breakdown))
        .routes(routes!(tat_daily))
}

/// Turnaround statistics of the tests reported in the range, their
/// distribution in buckets and a series per day or ISO week.
#[utoipa::path(
    get,
    path = "/tests/tat",
    tag = "metrics",
    params(TatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Turnaround statistics", body = TatResponse),
        KpiErrorResponses,
    )
)]
async fn tests_tat(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TatQuery>,
) -> Result<Json<TatResponse>, ApiError> {
    let tat = mirror_kpis::tests_tat(&state.pool, &state.kpi_settings(), &query).await?;
    Ok(Json(tat))
}

/// Turnaround statistics per test label.
#[utoipa::path(
    get,
    path = "/tests/tat-breakdown",
    tag = "metrics",
    params(TatBreakdownQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Statistics per label", body = TatBreakdownResponse),
        KpiErrorResponses,
    )
)]
async fn tat_breakdown(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TatBreakdownQuery>,
) -> Result<Json<TatBreakdownResponse>, ApiError> {
    let breakdown = mirror_kpis::tat_breakdown(&state.pool, &state.kpi_settings(), &query).await?;
    Ok(Json(breakdown))
}

/// Mean turnaround and SLA split per report day, with a moving average
/// over calendar days.
#[utoipa::path(
    get,
    path = "/tests/tat-daily",
    tag = "metrics",
    params(TatDailyQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One point per report day", body = TatDailyResponse),
        KpiErrorResponses,
    )
)]
async fn tat_daily(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TatDailyQuery>,
) -> Result<Json<TatDailyResponse>, ApiError> {
    let daily = mirror_kpis::tests_tat_daily(&state.pool, &state.kpi_settings(), &query).await?;
    Ok(Json(daily))
}
