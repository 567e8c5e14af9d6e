//! The nightly window sync: at `WINDOW_SCHEDULE` (a wall-clock time in the
//! QBench zone) a window run over `SYNC_LOOKBACK_DAYS` is queued, and once
//! the loaders have settled every one of its records, its report is written
//! to `SYNC_REPORT_DIR`, as `qbenchctl window` does for an operator.

use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

use crate::engine::{SyncMode, SyncPlan, Syncer};

/// How often a scheduled run's progress is looked at.
const POLL: Duration = Duration::from_secs(5);

/// How long a scheduled run may go without settling before its report is
/// given up; the run itself goes on, and `qbenchctl status` shows it.
const SETTLE_LIMIT: Duration = Duration::from_secs(6 * 3600);

/// Queues a window sync every day at the configured time, until `stop`.
pub async fn schedule(
    syncer: Syncer,
    plans: mpsc::Sender<SyncPlan>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let Some(at) = syncer.settings.window_schedule else {
        return Ok(());
    };
    let zone = syncer.settings.qbench.timezone;
    let mut after = Utc::now();
    loop {
        let next = next_occurrence(after, at, zone);
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return Ok(()),
        }
        // Counted from the planned time, so a timer that wakes a moment
        // early cannot run the same night twice.
        after = next.max(Utc::now());

        let plan = SyncPlan::new(SyncMode::Window, &[]);
        let run_id = plan.run_id;
        if plans.try_send(plan).is_err() {
            tracing::warn!("Sync queue is full; tonight's window sync is skipped.");
            continue;
        }
        tracing::info!(%run_id, "Nightly window sync queued.");
        tokio::spawn(report_when_settled(syncer.clone(), run_id, stop.clone()));
    }
}

/// The first time after `after` at which the QBench zone's clock shows `at`.
/// A time that a DST change skips is taken an hour later that day.
fn next_occurrence(after: DateTime<Utc>, at: NaiveTime, zone: Tz) -> DateTime<Utc> {
    let today = after.with_timezone(&zone).date_naive();
    for day in 0..3 {
        let date = today + TimeDelta::days(day);
        let wall = date.and_time(at);
        let local = wall.and_local_timezone(zone).earliest().or_else(|| {
            (wall + TimeDelta::hours(1))
                .and_local_timezone(zone)
                .earliest()
        });
        if let Some(local) = local.map(|t| t.with_timezone(&Utc))
            && local > after
        {
            return local;
        }
    }
    after + TimeDelta::days(1)
}

/// Waits until every record of the run is loaded or set aside, then writes
/// its report.
async fn report_when_settled(syncer: Syncer, run_id: Uuid, mut stop: watch::Receiver<bool>) {
    let started = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => return,
        }
        match mirror_store::run_progress(&syncer.pool, run_id).await {
            Ok(Some(progress)) if progress.is_settled() => break,
            Ok(_) => {}
            Err(e) => tracing::warn!(%run_id, error = %e, "Cannot read the window run's progress."),
        }
        if started.elapsed() >= SETTLE_LIMIT {
            tracing::warn!(%run_id, "Window run did not settle; no report written.");
            return;
        }
    }
    if let Err(e) = write(&syncer, run_id).await {
        tracing::error!(%run_id, error = format!("{e:#}"), "Cannot write the window report.");
    }
}

async fn write(syncer: &Syncer, run_id: Uuid) -> anyhow::Result<()> {
    let report = mirror_store::sync_report(&syncer.pool, run_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("run {run_id} is not in the database"))?;
    let zone = syncer.settings.qbench.timezone;
    let dir = &syncer.settings.report_dir;
    let path = mirror_store::write_report(&report, dir, zone)
        .with_context(|| format!("cannot write the report in {}", dir.display()))?;
    if report.failed() {
        tracing::warn!(%run_id, path = %path.display(), "Window report written; part of the run failed.");
    } else {
        tracing::info!(%run_id, path = %path.display(), "Window report written.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono_tz::America::New_York;

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_default()
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    #[test]
    fn the_next_run_is_tonight_or_tomorrow_night_in_the_lab_zone() {
        // 01:00 in New York on 12-04 is 06:00 UTC.
        let before = utc("2026-12-04T05:00:00Z");
        assert_eq!(
            next_occurrence(before, time(2, 30), New_York),
            utc("2026-12-04T07:30:00Z")
        );
        let after = utc("2026-12-04T07:30:00Z");
        assert_eq!(
            next_occurrence(after, time(2, 30), New_York),
            utc("2026-12-05T07:30:00Z")
        );
    }

    #[test]
    fn a_time_skipped_by_dst_runs_an_hour_later() {
        // 2027-03-14: New York skips from 02:00 to 03:00 EDT.
        let night = utc("2027-03-14T05:00:00Z");
        assert_eq!(
            next_occurrence(night, time(2, 30), New_York),
            utc("2027-03-14T07:30:00Z")
        );
    }
}
