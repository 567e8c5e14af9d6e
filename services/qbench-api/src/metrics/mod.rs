//! `/api/v1/metrics/*`: lab KPIs and the state of the sync.
//!
//! Each handler extracts the caller, the query and the state, calls the
//! `mirror_kpis` function of its route and answers its result as JSON;
//! definitions live in that crate and `docs/metrics.md`.

mod activity;
mod customers;
mod filters;
mod overview;
mod sync_status;
mod tat;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// The metric routes, relative to `/api/v1/metrics`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(overview::router())
        .merge(activity::router())
        .merge(customers::router())
        .merge(tat::router())
        .merge(filters::router())
        .merge(sync_status::router())
}
