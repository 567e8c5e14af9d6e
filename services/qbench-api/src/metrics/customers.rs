//! `GET /api/v1/metrics/customers/*`: new customers and the busiest ones.

use axum::Json;
use axum::extract::State;
use mirror_kpis::{CustomersQuery, NewCustomersResponse, TopTestsResponse};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::ApiQuery;
use crate::{ApiError, AppState, AuthUser, KpiErrorResponses};

/// The customer routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(new_customers))
        .routes(routes!(top_tests))
}

/// Customers created in the range, newest first.
#[utoipa::path(
    get,
    path = "/customers/new",
    tag = "metrics",
    params(CustomersQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "New customers", body = NewCustomersResponse),
        KpiErrorResponses,
    )
)]
async fn new_customers(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<CustomersQuery>,
) -> Result<Json<NewCustomersResponse>, ApiError> {
    let customers = mirror_kpis::new_customers(&state.pool, &state.kpi_settings(), &query).await?;
    Ok(Json(customers))
}

/// Customers with the most tests created in the range, with their tests
/// reported in it.
#[utoipa::path(
    get,
    path = "/customers/top-tests",
    tag = "metrics",
    params(CustomersQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Customers by tests", body = TopTestsResponse),
        KpiErrorResponses,
    )
)]
async fn top_tests(
    _user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<CustomersQuery>,
) -> Result<Json<TopTestsResponse>, ApiError> {
    let settings = state.kpi_settings();
    let customers = mirror_kpis::top_customers_by_tests(&state.pool, &settings, &query).await?;
    Ok(Json(customers))
}
