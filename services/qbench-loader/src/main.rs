//! `qbench-loader`: see the library crate for what it does.

use clap::Parser;
use mirror_config::Env;
use qbench_loader::LoaderSettings;

/// Consumes the raw records from NATS JetStream and writes them to
/// PostgreSQL. Configured by the environment (README, "Configuration"); run
/// as many as you like.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    Cli::parse();
    mirror_telemetry::exit(run().await)
}

async fn run() -> anyhow::Result<()> {
    let telemetry = mirror_telemetry::init_with_traces("qbench-loader", "info")?;
    let result = match LoaderSettings::from_env(&Env::process()) {
        Ok(settings) => qbench_loader::run(settings, mirror_telemetry::shutdown_signal()).await,
        Err(e) => Err(e.into()),
    };
    telemetry.shutdown().await;
    result
}
