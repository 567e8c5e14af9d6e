//! `/api/v1/entities/*`: one sample, test or order with its relatives and
//! SLA status.
//!
//! Unknown, deleted and hidden records all answer the same 404, so the
//! banlist cannot be probed.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use mirror_kpis::{
    EntityQuery, OrderDetailResponse, OrderQuery, SampleDetailResponse, TestDetailResponse,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{ApiQuery, RecordId};
use crate::{ApiError, AppState, AuthUser, DetailErrorResponses};

/// The record routes, relative to `/api/v1/entities`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sample))
        .routes(routes!(test))
        .routes(routes!(order))
}

/// A sample with its order, customer, tests and batches.
#[utoipa::path(
    get,
    path = "/samples/{id}",
    tag = "entities",
    params(("id" = i32, Path, description = "The sample's QBench id"), EntityQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The sample", body = SampleDetailResponse),
        DetailErrorResponses,
    )
)]
async fn sample(
    _user: AuthUser,
    State(state): State<AppState>,
    RecordId(id): RecordId,
    ApiQuery(query): ApiQuery<EntityQuery>,
) -> Result<Json<SampleDetailResponse>, ApiError> {
    let settings = state.kpi_settings();
    let sample = mirror_kpis::sample_detail(&state.pool, &settings, id, &query, Utc::now()).await?;
    sample.map(Json).ok_or(ApiError::NoRecord {
        entity: "sample",
        id,
    })
}

/// A test with its sample, order, customer and batches.
#[utoipa::path(
    get,
    path = "/tests/{id}",
    tag = "entities",
    params(("id" = i32, Path, description = "The test's QBench id"), EntityQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The test", body = TestDetailResponse),
        DetailErrorResponses,
    )
)]
async fn test(
    _user: AuthUser,
    State(state): State<AppState>,
    RecordId(id): RecordId,
    ApiQuery(query): ApiQuery<EntityQuery>,
) -> Result<Json<TestDetailResponse>, ApiError> {
    let settings = state.kpi_settings();
    let test = mirror_kpis::test_detail(&state.pool, &settings, id, &query, Utc::now()).await?;
    test.map(Json)
        .ok_or(ApiError::NoRecord { entity: "test", id })
}

/// An order with its customer, age, pending counts and, as asked, its
/// samples and their tests.
#[utoipa::path(
    get,
    path = "/orders/{id}",
    tag = "entities",
    params(("id" = i32, Path, description = "The order's QBench id"), OrderQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The order", body = OrderDetailResponse),
        DetailErrorResponses,
    )
)]
async fn order(
    _user: AuthUser,
    State(state): State<AppState>,
    RecordId(id): RecordId,
    ApiQuery(query): ApiQuery<OrderQuery>,
) -> Result<Json<OrderDetailResponse>, ApiError> {
    let settings = state.kpi_settings();
    let order = mirror_kpis::order_detail(&state.pool, &settings, id, &query, Utc::now()).await?;
    order.map(Json).ok_or(ApiError::NoRecord {
        entity: "order",
        id,
    })
}
