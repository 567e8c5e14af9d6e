//! `/api/v1/metrics/*`: lab KPIs and the state of the sync.

mod sync_status;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub use sync_status::{SyncStatus, SyncStatusQuery, sync_status_of};

/// The metric routes, relative to `/api/v1/metrics`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sync_status::sync_status))
}
