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
    #[arg(long, env = "API_HOST", default_value = "0.0.0.0", value_parser = host)]
    host: IpAddr,
    /// Port to listen on.
    #[arg(long, env = "API_PORT", default_value_t = 8000, value_parser = port)]
    port: u16,
}

/// The listen address; the error names both ways of setting it, since a
/// bad value usually comes from the environment.
fn host(raw: &str) -> Result<IpAddr, String> {
    raw.parse().map_err(|_| {
        "expected an IP address such as 127.0.0.1 or 0.0.0.0 (--host or API_HOST)".into()
    })
}

fn port(raw: &str) -> Result<u16, String> {
    raw.parse()
        .map_err(|_| "expected a port number from 0 to 65535 (--port or API_PORT)".into())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    mirror_telemetry::exit(run(cli).await)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let telemetry = mirror_telemetry::init_with_traces("qbench-api", "info")?;
    let result = match ApiSettings::from_env(&Env::process()) {
        Ok(settings) => {
            let addr = SocketAddr::new(cli.host, cli.port);
            qbench_api::run(settings, addr, mirror_telemetry::shutdown_signal()).await
        }
        Err(e) => Err(e.into()),
    };
    telemetry.shutdown().await;
    result
}
