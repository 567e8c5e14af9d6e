//! The API service: the earlier tool's routes over the mirror's PostgreSQL.
//!
//! For now it serves `GET /api/health` and applies migrations at start-up,
//! so a deployment can point its health checks at it.
// TODO(#3): login, users, banlist, the KPI and entity routes, OpenAPI and the dashboard.

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use mirror_config::{ConfigError, DatabaseSettings, Env, ExposeSecret};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// Everything the API reads from its environment.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub database: DatabaseSettings,
    pub timezone: chrono_tz::Tz,
}

impl ApiSettings {
    /// Reads `DATABASE_URL` and `QBENCH_TIMEZONE`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(ApiSettings {
            database: DatabaseSettings::from_env(env)?,
            timezone: env.or("QBENCH_TIMEZONE", chrono_tz::Tz::UTC)?,
        })
    }
}

/// The routes, over a pool.
pub fn router(pool: PgPool) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .layer(TraceLayer::new_for_http())
        .with_state(pool)
}

/// `{"status": "ok"}` when the database answers; 503 otherwise, without
/// saying why (the log does).
async fn health(State(pool): State<PgPool>) -> (StatusCode, Json<Value>) {
    match sqlx::query("SELECT 1").execute(&pool).await {
        Ok(_) => (StatusCode::OK, Json(json!({"status": "ok"}))),
        Err(e) => {
            tracing::warn!(error = %e, "Health check cannot reach the database.");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"code": "unavailable", "message": "database unavailable"})),
            )
        }
    }
}

/// Migrates, binds `addr` and serves until `shutdown` completes.
pub async fn run(
    settings: ApiSettings,
    addr: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let pool = mirror_store::connect(
        settings.database.url.expose_secret(),
        settings.database.max_connections,
    )
    .await?;
    mirror_store::migrate(&pool, settings.timezone).await?;
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(address = %listener.local_addr()?, "API listening.");
    axum::serve(listener, router(pool))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
