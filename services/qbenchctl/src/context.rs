//! Connections the commands share, made only when a command needs them.

use anyhow::{Context, bail};

use mirror_config::{ConfigError, DatabaseSettings, Env, ExposeSecret, NatsSettings};
use sqlx::PgPool;

/// What an error opening the database says first.
const CANNOT_OPEN: &str = "cannot open the mirror's database (DATABASE_URL)";

/// Opens the mirror's database and applies pending migrations.
pub async fn database(env: &Env) -> anyhow::Result<PgPool> {
    let settings = DatabaseSettings::from_env(env)?;
    let pool = mirror_store::open(settings.url.expose_secret(), 4, settings.wall_time_zone)
        .await
        .context(CANNOT_OPEN)?;
    Ok(pool)
}

/// Opens the mirror's database for a command that only reads: a database
/// this product has never run on is left as it is (no mirror is created in
/// it, and no earlier tool's tables are adopted), since the likeliest cause
/// is a DATABASE_URL naming the wrong one. A mirror of an older version is
/// brought up to date, as any service would.
pub async fn existing_database(env: &Env) -> anyhow::Result<PgPool> {
    let settings = DatabaseSettings::from_env(env)?;
    let url = settings.url.expose_secret();
    let pool = mirror_store::connect(url, 4).await.context(CANNOT_OPEN)?;
    if !mirror_store::holds_mirror(&pool)
        .await
        .context(CANNOT_OPEN)?
    {
        bail!(
            "{CANNOT_OPEN}: the database holds no mirror; nothing was changed. Check DATABASE_URL; \
             a service (qbench-api, qbench-fetcher, qbench-loader) or a command that writes (such \
             as `qbenchctl users create`) creates the mirror there, or adopts an earlier tool's \
             tables"
        );
    }
    mirror_store::migrate_configured(&pool, settings.wall_time_zone)
        .await
        .context(CANNOT_OPEN)?;
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
