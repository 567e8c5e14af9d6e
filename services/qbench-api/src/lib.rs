//! The API service: the earlier tool's routes over the mirror's PostgreSQL.
//!
//! `GET /api/health` and `POST /api/auth/login` are public; every route
//! under `/api/v1` needs a bearer token from the login. The OpenAPI document
//! (`/api/openapi.json`) and its interactive page (`/api/docs`) are built
//! from the handlers themselves, and the built dashboard is served under
//! `/dashboard/` when present.
//!
//! Routes are grouped per resource, each module offering a `router()`;
//! handlers stay thin and call plain functions of the shared crates.

pub mod app;
pub mod auth;
pub mod dashboard;
pub mod entities;
mod error;
pub mod extract;
pub mod health;
mod http_metrics;
pub mod metrics;
pub mod openapi;
pub mod settings;
mod state;
pub mod sync_health;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use mirror_accounts::Accounts;
use mirror_config::ExposeSecret;
use tokio::net::TcpListener;

pub use app::router;
pub use auth::AuthUser;
pub use error::{ApiError, DetailErrorResponses, ErrorBody, KpiErrorResponses};
pub use settings::{ApiSettings, AuthSettings, WebSettings};
pub use state::AppState;

/// Migrates, binds `addr` and serves until `shutdown` completes; requests
/// in flight then finish before this returns.
pub async fn run(
    settings: ApiSettings,
    addr: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let pool = mirror_store::open_waiting(
        settings.database.url.expose_secret(),
        settings.database.max_connections,
        settings.database.wall_time_zone,
        settings.database_acquire_timeout,
    )
    .await
    .context("cannot open the mirror's database (DATABASE_URL)")?;
    let accounts = Accounts::new(pool.clone());
    accounts.hasher().warm_up().await?;
    let tokens = auth::TokenKeys::new(&settings.auth.secret, settings.auth.token_ttl_hours)?;
    let state = AppState {
        pool,
        accounts,
        tokens: Arc::new(tokens),
        sla_hours: settings.sla_hours,
        lab_timezone: settings.lab_timezone,
        tat_sample_types: settings.tat_sample_types.clone().map(Arc::from),
    };

    if let Some(metrics_addr) = settings.metrics_addr {
        mirror_telemetry::serve_metrics(metrics_addr).await?;
    }
    let listener = TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (--host and --port, or API_HOST and API_PORT)")
    })?;
    tracing::info!(address = %listener.local_addr()?, "API listening.");
    axum::serve(listener, router(state, &settings.web))
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!("API stopped.");
    Ok(())
}
