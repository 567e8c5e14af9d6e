//! Counts over a range: `summary`, `samples/overview`, `tests/overview`,
//! `tests/label-distribution` and `reports/overview`.

use axum::Json;
use axum::extract::State;
use mirror_kpis::{
    LabelDistributionResponse, RangeQuery, ReportsOverviewResponse, SamplesOverviewResponse,
    SlaRangeQuery, SummaryResponse, TestsOverviewQuery, TestsOverviewResponse,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::ApiQuery;
use crate::{ApiError, AppState, AuthUser, KpiErrorResponses};

/// The overview routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(samples_overview))
        .routes(routes!(tests_overview))
        .routes(routes!(label_distribution))
        .routes(routes!(reports_overview))
}

/// Samples, tests, customers and reports of the range, the mean
/// turnaround and its SLA split, and when the mirror last changed.
#[utoipa::path(
    get,
    path = "/summary",
    tag = "metrics",
    params(SlaRangeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The range's headline figures", body = SummaryResponse),
        KpiErrorResponses,
    )
)]
async fn summary(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SlaRangeQuery>,
) -> Result<Json<SummaryResponse>, ApiError> {
    let summary = mirror_kpis::summary(&state.pool, &state.kpi_settings(), &query).await?;
    Ok(Json(summary))
}

/// Samples created in the range: completed, pending and closed, per state and
/// matrix type, and created against completed per lab day.
#[utoipa::path(
    get,
    path = "/samples/overview",
    tag = "metrics",
    params(RangeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Sample counts", body = SamplesOverviewResponse),
        KpiErrorResponses,
    )
)]
async fn samples_overview(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<Json<SamplesOverviewResponse>, ApiError> {
    let overview =
        mirror_kpis::samples_overview(&state.pool, &state.kpi_settings(), &query).await?;
    Ok(Json(overview))
}

/// Tests created in the range: completed, pending and closed, per state and label;
/// `batch_id` narrows them to one batch.
#[utoipa::path(
    get,
    path = "/tests/overview",
    tag = "metrics",
    params(TestsOverviewQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Test counts", body = TestsOverviewResponse),
        KpiErrorResponses,
    )
)]
async fn tests_overview(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TestsOverviewQuery>,
) -> Result<Json<TestsOverviewResponse>, ApiError> {
    let overview = mirror_kpis::tests_overview(&state.pool, &state.kpi_settings(), &query).await?;
    Ok(Json(overview))
}

/// Tests created in the range per label.
#[utoipa::path(
    get,
    path = "/tests/label-distribution",
    tag = "metrics",
    params(RangeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Tests per label", body = LabelDistributionResponse),
        KpiErrorResponses,
    )
)]
async fn label_distribution(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<Json<LabelDistributionResponse>, ApiError> {
    let labels =
        mirror_kpis::label_distribution(&state.pool, &state.kpi_settings(), &query).await?;
    Ok(Json(labels))
}

/// Reports of the range and how many were within the SLA.
#[utoipa::path(
    get,
    path = "/reports/overview",
    tag = "metrics",
    params(SlaRangeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reports and their SLA split", body = ReportsOverviewResponse),
        KpiErrorResponses,
    )
)]
async fn reports_overview(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SlaRangeQuery>,
) -> Result<Json<ReportsOverviewResponse>, ApiError> {
    let reports = mirror_kpis::reports_overview(&state.pool, &state.kpi_settings(), &query).await?;
    Ok(Json(reports))
}
