//! The whole HTTP surface: API routes, their OpenAPI document and docs
//! page, the dashboard, CORS and request logs.

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::http_metrics;
use crate::openapi::ApiDoc;
use crate::settings::WebSettings;
use crate::{ApiError, AppState, auth, dashboard, entities, health, metrics, sync_health};

/// Every route with its documentation, before state is attached.
///
/// Another resource adds its `router()` here: public ones beside `health`,
/// protected ones in [`protected_routes`].
pub fn api_routes(state: &AppState) -> OpenApiRouter<AppState> {
    let protected = protected_routes().route_layer(middleware::from_fn_with_state(
        state.clone(),
        auth::require_auth,
    ));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(auth::router())
        .nest("/api/v1", protected)
}

/// The routes under `/api/v1`, all behind a bearer token.
fn protected_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .nest("/metrics", metrics::router())
        .nest("/entities", entities::router())
        .merge(sync_health::router())
}

/// The application, ready to serve.
pub fn router(state: AppState, web: &WebSettings) -> Router {
    let (api, openapi) = api_routes(&state).split_for_parts();
    api.merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        .merge(dashboard::routes(&web.dashboard_dir))
        .fallback(|| async { ApiError::NoRoute })
        .layer(middleware::map_response(method_not_allowed_body))
        .layer(cors(web))
        .layer(middleware::from_fn(http_metrics::record_latency))
        .layer(request_log())
        .with_state(state)
}

/// A 405 keeps the `Allow` header the router set and gets the error body
/// every other error has.
async fn method_not_allowed_body(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let (parts, _) = response.into_parts();
    let mut answer = ApiError::MethodNotAllowed.into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        answer.headers_mut().insert(header::ALLOW, allow.clone());
    }
    answer
}

/// CORS for the configured origins only; with none, browsers allow only
/// same-origin calls (the dashboard served here).
fn cors(web: &WebSettings) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(web.cors_allowed_origins.clone()))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}

/// One span per request, named by the route template (`/api/v1/entities/
/// tests/{id}`, not the id), so logs and latencies group by route. Headers
/// are not recorded: they carry tokens.
fn request_log() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&Request) -> tracing::Span + Clone,
> {
    TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str);
            tracing::info_span!("request", method = %request.method(), route)
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO))
}
