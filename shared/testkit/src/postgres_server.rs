//! A PostgreSQL server of a test's own, for tests that stop and restart
//! the server: a fresh cluster (`initdb`) in a temporary directory, served
//! on a free loopback port and stopped when dropped.
//!
//! The binaries are looked up in `PG_BIN_DIR`, then in the newest
//! `/usr/lib/postgresql/<version>/bin`, then on the `PATH`. PostgreSQL
//! refuses to run as root, so under root the cluster belongs to the
//! `postgres` account and its commands run as that account.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::free_port;

/// A private PostgreSQL cluster, stopped (immediately) when dropped.
pub struct PostgresServer {
    bin: PathBuf,
    dir: tempfile::TempDir,
    owner: Option<(u32, u32)>,
    port: u16,
}

impl PostgresServer {
    /// Creates a cluster with trusted local logins and starts it.
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let owner = cluster_owner()?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))?;
        }
        let server = PostgresServer {
            bin: bin_dir(),
            dir,
            owner,
            port: free_port()?,
        };
        let data = server.data_dir();
        let data = data.to_str().context("data directory path")?;
        server
            .run(
                "initdb",
                &["-D", data, "-U", "postgres", "-A", "trust", "--no-sync"],
            )
            .await?;
        server.start_again().await?;
        Ok(server)
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server without a shutdown checkpoint, as a crash would.
    pub async fn crash(&self) -> anyhow::Result<()> {
        self.pg_ctl(&["stop", "-m", "immediate"]).await
    }

    /// Starts the stopped server again on the same port; crash recovery
    /// replays its log.
    pub async fn start_again(&self) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        let log = log.to_str().context("log path")?.to_owned();
        self.pg_ctl(&["start", "-w", "-t", "60", "-l", &log, "-o", &options])
            .await
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    async fn pg_ctl(&self, args: &[&str]) -> anyhow::Result<()> {
        let data = self.data_dir();
        let data = data.to_str().context("data directory path")?;
        let mut all = vec!["-D", data];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all).await
    }

    async fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let mut command = self.command(program);
        command.args(args);
        let output = tokio::task::spawn_blocking(move || command.output()).await??;
        if !output.status.success() {
            bail!(
                "{program} {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command.stdin(Stdio::null()).current_dir(self.dir.path());
        if let Some((uid, gid)) = self.owner {
            command.uid(uid).gid(gid);
        }
        command
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        // Synchronous on purpose: it must also run while a test unwinds.
        let data = self.data_dir();
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(data)
            .args(["stop", "-m", "immediate"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// `PG_BIN_DIR`, else the newest installed server's `bin`, else the `PATH`.
fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("PG_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let installed = Path::new("/usr/lib/postgresql");
    let newest = std::fs::read_dir(installed).ok().and_then(|entries| {
        entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .max()
    });
    match newest {
        Some(version) => installed.join(version.to_string()).join("bin"),
        None => PathBuf::new(),
    }
}

/// The `postgres` account's uid and gid when running as root.
fn cluster_owner() -> anyhow::Result<Option<(u32, u32)>> {
    if id(&["-u"])? != 0 {
        return Ok(None);
    }
    Ok(Some((id(&["-u", "postgres"])?, id(&["-g", "postgres"])?)))
}

/// A number `id` prints.
fn id(args: &[&str]) -> anyhow::Result<u32> {
    let out = Command::new("id").args(args).output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .with_context(|| format!("id {}: {text:?}", args.join(" ")))
}
