//! `qbenchctl window`: ask the fetcher to re-read the records created in the
//! last days, wait until the loaders have settled every one, and write the
//! run's sync report.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use chrono_tz::Tz;
use mirror_bus::control::SyncRequest;
use mirror_config::Env;
use mirror_records::Entity;

use crate::commands::sync::{ask_fetcher, wait_for};
use crate::context;

/// What the operator asked for.
pub struct WindowArgs<'a> {
    /// `None`: the fetcher's `SYNC_LOOKBACK_DAYS`.
    pub days: Option<u32>,
    pub entities: &'a [Entity],
    pub report_dir: &'a Path,
    pub stall_timeout: Duration,
}

/// Runs a window sync to its end and writes its report; fails when a part
/// of the run did.
pub async fn run(env: &Env, args: WindowArgs<'_>) -> anyhow::Result<ExitCode> {
    let zone: Tz = env.or("QBENCH_TIMEZONE", Tz::UTC)?;
    mirror_store::check_report_dir(args.report_dir).map_err(|e| {
        anyhow::anyhow!("cannot write reports in {}: {e}", args.report_dir.display())
    })?;
    let pool = context::database(env).await?;
    let nats = context::nats(env).await?;
    let request = SyncRequest {
        mode: "window".to_owned(),
        entities: args.entities.iter().map(|e| e.to_string()).collect(),
        days: args.days,
    };
    let run_id = ask_fetcher(&nats, &request).await?;
    println!("window sync {run_id} requested");

    let progress = wait_for(&pool, run_id, args.stall_timeout).await?;
    let report = mirror_store::sync_report(&pool, run_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("run {run_id} is not in the database"))?;
    if let (Some(start), Some(days)) = (report.window_start, report.window_days) {
        let start = start.with_timezone(&zone);
        let unit = if days == 1 { "day" } else { "days" };
        println!("window: {days} {unit}, records created since {start}");
    }
    let path = mirror_store::write_report(&report, args.report_dir, zone).map_err(|e| {
        anyhow::anyhow!(
            "cannot write the report in {}: {e}",
            args.report_dir.display()
        )
    })?;
    println!(
        "window sync {run_id} {}: report {}",
        progress.status,
        path.display()
    );
    print!("{}", report.render(report.date(zone)));

    Ok(if report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
