//! Connections the commands share, made only when a command needs them.

use anyhow::Context;

use mirror_config::{ConfigError, DatabaseSettings, Env, ExposeSecret, NatsSettings};
use sqlx::PgPool;

/// Opens the mirror's database and applies pending migrations.
pub async fn database(env: &Env) -> anyhow::Result<PgPool> {
    let settings = DatabaseSettings::from_env(env)?;
    let pool = mirror_store::open(settings.url.expose_secret(), 4, settings.wall_time_zone)
        .await
        .context("cannot open the mirror's database (DATABASE_URL)")?;
    Ok(pool)
}

/// Connects to NATS, failing fast when it is not there.
pub async fn nats(env: &Env) -> anyhow::Result<async_nats::Client> {
    let settings = NatsSettings::from_env(env)?;
    Ok(mirror_bus::connect(&settings.url).await?)
}

/// A QBench client for the configured tenant (or the simulator).
pub fn qbench(
    env: &Env,
) -> Result<(qbench_client::QbenchClient, mirror_config::QbenchSettings), anyhow::Error> {
    let settings = mirror_config::QbenchSettings::from_env(env)?;
    let root = settings
        .root(env)
        .map_err(|e: ConfigError| anyhow::anyhow!(e))?;
    let client = qbench_client::QbenchClient::new(qbench_client::ClientSettings::from_settings(
        &settings, root,
    ))?;
    Ok((client, settings))
}
