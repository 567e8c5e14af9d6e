//! `qbenchctl`: the operator's command line. It talks to PostgreSQL, to the
//! fetcher over NATS, and (for `verify`) to QBench itself.

mod commands;
mod context;
mod progress;

use clap::{Parser, Subcommand};
use mirror_records::Entity;

/// Operate a qbench-mirror installation.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ask the running fetcher for a sync now.
    Sync {
        /// Read everything instead of what changed since the last sync.
        #[arg(long)]
        full: bool,
        /// Only these entities (repeatable); all by default.
        #[arg(long = "entity")]
        entities: Vec<Entity>,
        /// Return only when every record of the sync is loaded or set aside;
        /// exit non-zero if the sync did not publish every page.
        #[arg(long)]
        wait: bool,
    },
    /// Fetch records by id now, with their missing parents.
    Fetch {
        entity: Entity,
        #[arg(required = true)]
        ids: Vec<i64>,
        /// How long to wait for the records to be loaded, in seconds.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
    /// Checkpoints, fetch cursors, consumer lag and skipped counts.
    Status,
    /// Records set aside by the loaders.
    Skipped {
        #[command(subcommand)]
        action: SkippedAction,
    },
    /// Compare the mirror with QBench: counts, missing and extra ids, stale
    /// versions. Exits 0 only when they are equal.
    Verify {
        /// Only these entities (repeatable); all by default.
        #[arg(long = "entity")]
        entities: Vec<Entity>,
    },
}

#[derive(Debug, Subcommand)]
enum SkippedAction {
    /// List the records set aside and not yet loaded.
    List {
        #[arg(long)]
        entity: Option<Entity>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    mirror_telemetry::init("qbenchctl", "warn");
    match run(cli.command).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<std::process::ExitCode> {
    let env = mirror_config::Env::process();
    match command {
        Command::Sync {
            full,
            entities,
            wait,
        } => commands::sync::run(&env, full, &entities, wait).await,
        Command::Fetch {
            entity,
            ids,
            timeout,
        } => commands::fetch::run(&env, entity, &ids, timeout).await,
        Command::Status => commands::status::run(&env).await,
        Command::Skipped {
            action: SkippedAction::List { entity },
        } => commands::skipped::list(&env, entity).await,
        Command::Verify { entities } => commands::verify::run(&env, &entities).await,
    }
}
