//! The built dashboard under `/dashboard/`, when there is one.

use std::path::Path;

use axum::Router;
use axum::response::Redirect;
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};

use crate::AppState;

/// Routes serving `dir` at `/dashboard/`, with `/` redirecting there, or
/// `None` when the dashboard was not built.
///
/// Paths that name no file get `index.html`, so the single-page app's own
/// routes (`/dashboard/tests/42`) survive a reload.
pub fn routes(dir: &Path) -> Option<Router<AppState>> {
    let index = dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(
            dir = %dir.display(),
            "No built dashboard here (DASHBOARD_DIR); /dashboard/ is not served. \
             Build it with `npm ci && npm run build` in frontend/."
        );
        return None;
    }
    let files = ServeDir::new(dir).fallback(ServeFile::new(index));
    let router = Router::new()
        .nest_service("/dashboard", files)
        .route("/", get(|| async { Redirect::temporary("/dashboard/") }));
    Some(router)
}
