//! `qbench-loader`: see the library crate for what it does.

use mirror_config::Env;
use qbench_loader::LoaderSettings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mirror_telemetry::init("qbench-loader", "info");
    let settings = LoaderSettings::from_env(&Env::process())?;
    qbench_loader::run(settings, shutdown_signal()).await
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return interrupt.await.unwrap_or_default(),
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or_default();
}
