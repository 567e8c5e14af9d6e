//! Pool creation and migrations.

use std::time::Duration;

use chrono_tz::Tz;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

/// A database operation failed.
///
/// The message is PostgreSQL's own, once: the driver's error is kept for
/// callers that look at it, but not chained as a source, which would print
/// the same words again under it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {}", describe(.0))]
    Database(sqlx::Error),
    #[error("migration failed: {}", describe_migration(.0))]
    Migration(sqlx::migrate::MigrateError),
    #[error("invalid stored value: {0}")]
    Invalid(String),
    #[error(
        "the database holds the earlier tool's zone-less times; set QBENCH_TIMEZONE to the zone \
         they were recorded in (for a US lab, e.g. America/New_York) so they are converted right"
    )]
    ZoneRequired,
    #[error(
        "the database holds a table `{table}` that is neither a QBench mirror's nor the earlier \
         tool's (it has no column `{column}`); check that DATABASE_URL names the mirror's \
         database. Nothing was changed"
    )]
    NotAMirror { table: String, column: String },
    #[error(
        "the database holds a {kind} `{name}` that a migration of the mirror would create, but \
         no mirror; check that DATABASE_URL names the mirror's database. Nothing was changed"
    )]
    Clash { kind: &'static str, name: String },
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Database(error)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migration(error)
    }
}

/// What went wrong, in PostgreSQL's words where it answered, with its
/// detail; without the line of the server's C source the driver appends.
fn describe(error: &sqlx::Error) -> String {
    let sqlx::Error::Database(answer) = error else {
        return error.to_string();
    };
    let detail = answer
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|e| e.detail());
    match detail {
        Some(detail) => format!("{} ({detail})", answer.message()),
        None => answer.message().to_owned(),
    }
}

fn describe_migration(error: &sqlx::migrate::MigrateError) -> String {
    use sqlx::migrate::MigrateError;
    match error {
        MigrateError::Execute(e) => describe(e),
        MigrateError::ExecuteMigration(e, version) => {
            format!("migration {version}: {}", describe(e))
        }
        other => other.to_string(),
    }
}

/// How long start-up waits for the first connection: a dead or refusing
/// server is reported within this time.
const STARTUP_WAIT: Duration = Duration::from_secs(5);

/// Opens a pool; a dead server is reported within a few seconds, and a
/// query waits as long for a free connection.
///
/// JIT compilation is off on these connections: the estimated cost of a
/// metric over a year of a large lab is far above PostgreSQL's JIT
/// threshold, and compiling such a query took several times longer than
/// running it (docs/benchmarks.md).
///
/// Every statement is planned for its own bound values. The metric queries
/// say "this filter, unless it is null"; planned once for any values, as a
/// reused prepared statement may otherwise be, such a filter can use no
/// index.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    connect_waiting(url, max_connections, STARTUP_WAIT).await
}

/// As [`connect`], but once running a query waits up to `acquire_timeout`
/// for a free connection: a service answering bursts of requests queues
/// them for the pool instead of failing them. Start-up still stops within
/// a few seconds when the server is dead.
pub async fn connect_waiting(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, StoreError> {
    let mut options: PgConnectOptions = url.parse()?;
    if options.get_application_name().is_none() {
        options = options.application_name(crate::presence::application_name());
    }
    let options = options.options([("jit", "off"), ("plan_cache_mode", "force_custom_plan")]);
    // One connection stays open while the process runs, so `qbenchctl
    // status` sees an idle service too (see `connected_services`).
    let pool = PgPoolOptions::new()
        .min_connections(1)
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .connect_lazy_with(options.clone());
    match tokio::time::timeout(STARTUP_WAIT, pool.acquire()).await {
        Ok(Ok(connection)) => drop(connection),
        Ok(Err(sqlx::Error::PoolTimedOut)) | Err(_) => return Err(why_unreachable(&options).await),
        Ok(Err(e)) => return Err(e.into()),
    }
    Ok(pool)
}

/// Why no connection came in time: the pool only says it timed out, so one
/// connection is tried directly for the server's or the network's own
/// answer (refused, unknown host, no such database).
async fn why_unreachable(options: &PgConnectOptions) -> StoreError {
    use sqlx::Connection as _;
    let attempt = sqlx::PgConnection::connect_with(options);
    match tokio::time::timeout(STARTUP_WAIT, attempt).await {
        Ok(Err(e)) => e.into(),
        _ => sqlx::Error::PoolTimedOut.into(),
    }
}

/// Opens a pool and applies pending migrations: what every service does at
/// start-up. `zone` is the configured QBench zone, if any (see
/// [`migrate_configured`]).
pub async fn open(url: &str, max_connections: u32, zone: Option<Tz>) -> Result<PgPool, StoreError> {
    open_waiting(url, max_connections, zone, STARTUP_WAIT).await
}

/// As [`open`], with queries waiting up to `acquire_timeout` for a free
/// connection (see [`connect_waiting`]).
pub async fn open_waiting(
    url: &str,
    max_connections: u32,
    zone: Option<Tz>,
    acquire_timeout: Duration,
) -> Result<PgPool, StoreError> {
    let pool = connect_waiting(url, max_connections, acquire_timeout).await?;
    migrate_configured(&pool, zone).await?;
    Ok(pool)
}

/// As [`migrate`], with the zone only if one is configured: where the
/// earlier tool's wall times need converting and none is, it refuses
/// instead of guessing, since the conversion happens once.
pub async fn migrate_configured(pool: &PgPool, zone: Option<Tz>) -> Result<(), StoreError> {
    migrate_in(pool, zone).await
}

/// Applies pending migrations; safe to call from every service at start-up
/// because the migrator takes an advisory lock.
///
/// `zone` is the QBench time zone: when this adopts a database of the earlier
/// tool, its zone-less wall times are converted using it, once. The zone
/// reaches the migration as a session setting of a dedicated connection.
pub async fn migrate(pool: &PgPool, zone: Tz) -> Result<(), StoreError> {
    migrate_in(pool, Some(zone)).await
}

async fn migrate_in(pool: &PgPool, zone: Option<Tz>) -> Result<(), StoreError> {
    let migrator = sqlx::migrate!("../../migrations");
    let name = zone.unwrap_or(Tz::UTC).name();
    let options = (*pool.connect_options())
        .clone()
        .options([("qbench_mirror.timezone", name)]);
    let dedicated = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;

    let mut conn = dedicated.acquire().await?;
    crate::adopt::check_adoptable(&mut conn, &migrator).await?;
    if converts_wall_times(&mut conn).await? {
        let zone = zone.ok_or(StoreError::ZoneRequired)?;
        tracing::warn!(
            zone = zone.name(),
            "Converting the earlier tool's wall times to instants."
        );
    }
    drop(conn);
    let migrated = migrator.run(&dedicated).await;
    dedicated.close().await;
    Ok(migrated?)
}

/// Whether an earlier tool's table with zone-less times holds rows.
async fn converts_wall_times(conn: &mut sqlx::PgConnection) -> Result<bool, StoreError> {
    let query = "SELECT count(*) FROM information_schema.columns c \
                 WHERE c.table_schema = current_schema() AND c.table_name = 'tests' \
                 AND c.column_name = 'date_created' \
                 AND c.data_type = 'timestamp without time zone'";
    let zone_less: i64 = sqlx::query_scalar(query).fetch_one(&mut *conn).await?;
    if zone_less == 0 {
        return Ok(false);
    }
    let rows: Option<i32> = sqlx::query_scalar("SELECT 1 FROM tests LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(rows.is_some())
}
