//! `qbench-sim`: the built-in QBench simulator as a service, for demos,
//! local runs of the whole product and benchmarks.
//!
//! Credentials come from `QBENCH_CLIENT_ID` and `QBENCH_CLIENT_SECRET` (the
//! demo tenant's when unset), the tenant zone from `QBENCH_TIMEZONE`
//! (default UTC); everything else from the flags below.

mod args;

use anyhow::Context;
use clap::Parser;
use mirror_config::Env;
use qbench_simulator::Simulator;

use crate::args::Args;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    mirror_telemetry::init("qbench-sim", "info");
    mirror_telemetry::exit(run(args).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let config = args.config(&Env::process())?;
    let listen = args.listen;

    let sim = Simulator::start(config, listen)
        .await
        .with_context(|| format!("cannot start the simulator on {listen}"))?;
    tracing::info!(base_url = %sim.base_url(), "QBench simulator ready.");

    sim.run_until(shutdown_signal()).await?;
    tracing::info!("QBench simulator stopped.");
    Ok(())
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
