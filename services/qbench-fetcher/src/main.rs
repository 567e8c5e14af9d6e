//! `qbench-fetcher`: see the library crate for what it does.

use clap::Parser;
use mirror_config::Env;
use mirror_records::Entity;
use mirror_store::RunStatus;
use qbench_fetcher::{FetcherSettings, SyncMode, SyncPlan};

/// Pages QBench and publishes every raw record to NATS JetStream.
/// Configured by the environment (README, "Configuration"); one fetcher is
/// active per mirror, others wait to take over.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Run one sync and exit (non-zero unless every page was published).
    #[arg(long)]
    once: bool,
    /// With --once: read everything instead of what changed.
    #[arg(long, requires = "once")]
    full: bool,
    /// With --once: only these entities (repeatable): customer, order,
    /// sample, batch or test.
    #[arg(long = "entity", requires = "once")]
    entities: Vec<Entity>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    mirror_telemetry::exit(traced(cli).await)
}

async fn traced(cli: Cli) -> anyhow::Result<()> {
    let telemetry = mirror_telemetry::init_with_traces("qbench-fetcher", "info")?;
    let result = run(cli).await;
    // The spans of a failed run matter most: flush them on every path.
    telemetry.shutdown().await;
    result
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = FetcherSettings::from_env(&Env::process())?;
    if !cli.once {
        return qbench_fetcher::run_service(settings, mirror_telemetry::shutdown_signal()).await;
    }

    let mode = if cli.full {
        SyncMode::Full
    } else {
        SyncMode::Incremental
    };
    let outcome = qbench_fetcher::run_once(settings, SyncPlan::new(mode, &cli.entities)).await?;
    if outcome.status != RunStatus::Published {
        anyhow::bail!("{outcome}");
    }
    Ok(())
}
