//! Isolation for integration tests: each test gets its own nats-server (on a
//! free port, with its own JetStream directory) and its own PostgreSQL
//! database, so tests pass in any order and in parallel.
//!
//! The PostgreSQL server is the one named by `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), or, for tests that stop
//! it, a [`PostgresServer`] of their own; the nats-server binary is
//! `NATS_SERVER_BIN` or `nats-server` on the `PATH`.

use std::future::Future;
use std::net::TcpListener;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};
use tokio::process::{Child, Command};

mod postgres_server;

pub use postgres_server::PostgresServer;

/// The longest any single awaited step of a test may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Awaits `fut` for at most `limit`, failing the test with `what` otherwise.
pub async fn within<T>(limit: Duration, what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, fut).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {limit:?}: {what}"),
    }
}

/// Awaits `fut` for at most [`STEP_TIMEOUT`].
pub async fn step<T>(what: &str, fut: impl Future<Output = T>) -> T {
    within(STEP_TIMEOUT, what, fut).await
}

/// A private nats-server with JetStream, stopped when dropped.
pub struct NatsServer {
    child: Child,
    port: u16,
    store: tempfile::TempDir,
}

impl NatsServer {
    /// Starts a nats-server with JetStream on a free loopback port.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(true).await
    }

    /// Starts a nats-server whose JetStream is off, as a server still
    /// starting up or one configured without it answers: every JetStream
    /// request finds no responders.
    pub async fn start_without_jetstream() -> anyhow::Result<Self> {
        Self::start_with(false).await
    }

    async fn start_with(jetstream: bool) -> anyhow::Result<Self> {
        let store = tempfile::tempdir()?;
        let port = free_port()?;
        let child = spawn_nats(port, jetstream.then_some(store.path()))?;
        let server = NatsServer { child, port, store };
        server.wait_ready().await?;
        Ok(server)
    }

    /// Replaces the server by one with JetStream on the same port; clients
    /// reconnect to it.
    pub async fn enable_jetstream(&mut self) -> anyhow::Result<()> {
        self.restart().await
    }

    /// Kills the server and starts it again on the same port with the same
    /// JetStream directory, as a crash and a supervisor's restart would.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill().await?;
        self.child = spawn_nats(self.port, Some(self.store.path()))?;
        self.wait_ready().await
    }

    /// The server's client URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// A connected client.
    pub async fn connect(&self) -> anyhow::Result<async_nats::Client> {
        Ok(step("connect to nats", async_nats::connect(self.url())).await?)
    }

    /// Kills the server, as a crash would.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("nats-server on port {} did not start", self.port)
    }
}

/// Starts nats-server on `port`, with JetStream storing in `store` if given.
fn spawn_nats(port: u16, store: Option<&std::path::Path>) -> anyhow::Result<Child> {
    let bin = std::env::var("NATS_SERVER_BIN").unwrap_or_else(|_| "nats-server".into());
    let mut command = Command::new(&bin);
    command.args(["-a", "127.0.0.1", "-p", &port.to_string()]);
    if let Some(store) = store {
        command.arg("-js").arg("-sd").arg(store);
    }
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {bin}"))
}

/// A database created for one test and dropped afterwards: by
/// [`TestDatabase::drop_database`], or else when the value is dropped, so a
/// test that ends early or panics leaves nothing behind either.
pub struct TestDatabase {
    pub pool: PgPool,
    pub url: String,
    name: String,
    admin: PgConnectOptions,
    dropped: bool,
}

impl TestDatabase {
    /// Creates an empty database with a unique name.
    pub async fn create() -> anyhow::Result<Self> {
        let admin_url = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let admin: PgConnectOptions = admin_url.parse().context("TEST_DATABASE_URL")?;
        let name = format!("mirror_test_{}", uuid::Uuid::new_v4().simple());

        let mut conn = step("connect to postgres", admin.connect()).await?;
        let create = format!("CREATE DATABASE {name}");
        step(
            "create database",
            sqlx::raw_sql(sqlx::AssertSqlSafe(create)).execute(&mut conn),
        )
        .await?;
        conn.close().await?;

        let options = admin.clone().database(&name);
        let url = format!(
            "{}/{name}",
            admin_url.rsplit_once('/').map_or("", |(base, _)| base)
        );
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(TestDatabase {
            pool,
            url,
            name,
            admin,
            dropped: false,
        })
    }

    /// Closes the pool and drops the database.
    pub async fn drop_database(mut self) -> anyhow::Result<()> {
        self.pool.close().await;
        let mut conn = step("connect to postgres", self.admin.connect()).await?;
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        step(
            "drop database",
            sqlx::raw_sql(sqlx::AssertSqlSafe(drop)).execute(&mut conn),
        )
        .await?;
        self.dropped = true;
        Ok(())
    }
}

impl Drop for TestDatabase {
    /// Drops the database from a thread of its own: this may run on the
    /// test's runtime, which cannot wait on its own work. `WITH (FORCE)`
    /// ends the pool's connections still open.
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let admin = self.admin.clone();
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let dropping = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let work = async {
                    let mut conn = admin.connect().await?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                        .execute(&mut conn)
                        .await?;
                    Ok::<_, sqlx::Error>(())
                };
                let _ = tokio::time::timeout(Duration::from_secs(10), work).await;
            });
        });
        let _ = dropping.join();
    }
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
