//! The built dashboard under `/dashboard/`, or a page saying how to build it.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::handler::HandlerWithoutStateExt;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::AppState;

/// Routes serving `dir` at `/dashboard/`, with `/` redirecting there.
///
/// Paths that name no file get `index.html`, so the single-page app's own
/// routes (`/dashboard/tests/42`) survive a reload. A missing path that looks
/// like a file (`favicon.ico`, anything under `assets/`) is a 404 rather than
/// a page a browser would try to run as a script or show as an image; the
/// app's routes have no extensions, so nothing of theirs is lost. Without a built
/// dashboard in `dir`, those paths answer 404 with a page that says how to
/// build one, since a browser is what opens them.
pub fn routes(dir: &Path) -> Router<AppState> {
    let index = dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(
            dir = %dir.display(),
            "No built dashboard here (DASHBOARD_DIR); /dashboard/ is not served. \
             Build it with `npm ci && npm run build` in frontend/."
        );
        return Router::new()
            .route("/", get(not_built))
            .route("/dashboard", get(not_built))
            .route("/dashboard/", get(not_built))
            .route("/dashboard/{*path}", get(not_built));
    }
    let index = ServeFile::new(index);
    let app_page = move |request: Request| async move {
        if names_a_file(request.uri().path()) {
            return StatusCode::NOT_FOUND.into_response();
        }
        index.oneshot(request).await.into_response()
    };
    let files = ServeDir::new(dir).fallback(app_page.into_service());
    Router::new()
        .nest_service("/dashboard/assets", ServeDir::new(dir.join("assets")))
        .nest_service("/dashboard", files)
        .route("/", get(|| async { Redirect::temporary("/dashboard/") }))
}

/// Whether a path's last segment has an extension, as files do and the
/// dashboard's own routes do not.
fn names_a_file(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    last.rfind('.').is_some_and(|dot| dot > 0)
}

async fn not_built() -> (StatusCode, Html<&'static str>) {
    let page = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
        <title>qbench-mirror: no dashboard</title></head><body>\
        <h1>The dashboard is not built</h1>\
        <p>This server found no built dashboard in its <code>DASHBOARD_DIR</code> \
        (default <code>frontend/dist</code>). Build it with \
        <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code> \
        and start the server again.</p>\
        <p>The API answers under <code>/api/v1/</code>; its documentation is at \
        <a href=\"/api/docs\">/api/docs</a>.</p></body></html>\n";
    (StatusCode::NOT_FOUND, Html(page))
}
