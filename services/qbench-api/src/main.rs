//! `qbench-api`: see the library crate for what it does.

use std::net::{IpAddr, SocketAddr};

use clap::Parser;
use mirror_config::Env;
use qbench_api::ApiSettings;

/// Serves the mirror's HTTP API.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "API_HOST", default_value = "0.0.0.0")]
    host: IpAddr,
    /// Port to listen on.
    #[arg(long, env = "API_PORT", default_value_t = 8000)]
    port: u16,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    mirror_telemetry::init("qbench-api", "info");
    let settings = ApiSettings::from_env(&Env::process())?;
    qbench_api::run(
        settings,
        SocketAddr::new(cli.host, cli.port),
        mirror_telemetry::shutdown_signal(),
    )
    .await
}
