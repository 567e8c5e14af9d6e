//! `qbench-loader`: see the library crate for what it does.

use mirror_config::Env;
use qbench_loader::LoaderSettings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mirror_telemetry::init("qbench-loader", "info");
    let settings = LoaderSettings::from_env(&Env::process())?;
    qbench_loader::run(settings, mirror_telemetry::shutdown_signal()).await
}
