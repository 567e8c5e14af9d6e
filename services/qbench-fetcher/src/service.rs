//! The fetcher as a service: sync requests from operators, a schedule of
//! incremental syncs, and single-record fetches, all through one client so
//! one rate limiter and one token serve everything.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use futures::StreamExt;
use mirror_bus::control::{MAX_WINDOW_DAYS, SYNC_SUBJECT, SyncReply, SyncRequest};
use mirror_records::Entity;
use mirror_store::RunStatus;
use tokio::sync::{mpsc, watch};

use crate::engine::{SyncMode, SyncPlan, Syncer};

/// Queued sync requests; one runs at a time because the tenant's rate limit,
/// not this process, is the ceiling.
const QUEUE: usize = 16;

/// Runs until `stop` turns true.
pub async fn serve(
    syncer: Syncer,
    client: async_nats::Client,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let (plans, queue) = mpsc::channel(QUEUE);
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(run_queue(syncer.clone(), queue, stop.clone()));
    tasks.spawn(answer_requests(client, plans.clone(), stop.clone()));
    tasks.spawn(schedule(syncer.clone(), plans.clone(), stop.clone()));
    let nightly = crate::nightly::schedule(syncer.clone(), plans, stop.clone());
    tasks.spawn(nightly);
    for entity in Entity::ALL {
        tasks.spawn(crate::single::serve(syncer.clone(), entity, stop.clone()));
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    Ok(())
}

async fn run_queue(
    syncer: Syncer,
    mut queue: mpsc::Receiver<SyncPlan>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    loop {
        let plan = tokio::select! {
            plan = queue.recv() => match plan { Some(plan) => plan, None => return Ok(()) },
            _ = stop.changed() => return Ok(()),
        };
        // A run interrupted by shutdown ends partial where it is, so nobody
        // waits on it; its cursor lets the next run resume.
        let outcome = tokio::select! {
            outcome = syncer.run(&plan) => outcome,
            _ = stop.changed() => {
                let reason = Some("the fetcher stopped before the run ended");
                mirror_store::finish_run(&syncer.pool, plan.run_id, RunStatus::Partial, reason).await?;
                return Ok(());
            }
        };
        if let Err(e) = outcome {
            end_failed_run(&syncer, &plan, &e, &mut stop).await;
        }
    }
}

/// The pauses between attempts to record a failed run: the database that
/// failed it may take a while to come back (a restart, a failover).
fn failed_run_backoff() -> ExponentialBuilder {
    ExponentialBuilder::new()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(30))
        .without_max_times()
}

/// A run whose bookkeeping the database refused (a restart, a dropped
/// connection) ends failed, so whoever waits on it hears so; its published
/// pages are kept and the next run resumes after them. Recording that waits
/// for the database as long as it takes, since until then no other run
/// could keep its books either; the service then goes on to the next
/// request, as one failed run must not stop the fetcher. Stopped meanwhile,
/// it leaves the run to the next fetcher, which ends the runs it finds left
/// running when it takes the lock.
async fn end_failed_run(
    syncer: &Syncer,
    plan: &SyncPlan,
    error: &mirror_store::StoreError,
    stop: &mut watch::Receiver<bool>,
) {
    tracing::error!(run_id = %plan.run_id, error = %error, "Sync run stopped: the mirror's database failed.");
    let reason = format!("the mirror's database failed: {error}");
    let record = (|| mirror_store::finish_run(&syncer.pool, plan.run_id, RunStatus::Failed, Some(&reason)))
        .retry(failed_run_backoff())
        .notify(|e, _| tracing::warn!(run_id = %plan.run_id, error = %e, "Cannot record the run as failed yet."));
    tokio::select! {
        recorded = record => {
            if let Err(e) = recorded {
                tracing::error!(run_id = %plan.run_id, error = %e, "Cannot record the run as failed.");
            }
        }
        _ = stop.changed() => {
            tracing::warn!(run_id = %plan.run_id, "Stopping before the failed run was recorded; the next fetcher ends it.");
        }
    }
}

async fn answer_requests(
    client: async_nats::Client,
    plans: mpsc::Sender<SyncPlan>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    // A queue group: with several fetchers, one answers each request.
    let mut requests = client
        .queue_subscribe(SYNC_SUBJECT, "qbench-fetcher".into())
        .await?;
    loop {
        let request = tokio::select! {
            request = requests.next() => match request { Some(r) => r, None => return Ok(()) },
            _ = stop.changed() => return Ok(()),
        };
        let reply = match plan_of(&request.payload) {
            Ok(plan) => {
                let run_id = plan.run_id.to_string();
                match plans.try_send(plan) {
                    Ok(()) => SyncReply {
                        run_id: Some(run_id),
                        error: None,
                    },
                    Err(_) => SyncReply {
                        run_id: None,
                        error: Some("too many syncs queued".into()),
                    },
                }
            }
            Err(reason) => SyncReply {
                run_id: None,
                error: Some(reason),
            },
        };
        if let Some(inbox) = request.reply {
            let body = serde_json::to_vec(&reply)?;
            client.publish(inbox, body.into()).await?;
        }
    }
}

fn plan_of(payload: &[u8]) -> Result<SyncPlan, String> {
    let request: SyncRequest =
        serde_json::from_slice(payload).map_err(|e| format!("bad sync request: {e}"))?;
    let mode = SyncMode::parse(&request.mode)
        .ok_or_else(|| format!("unknown sync mode {:?}", request.mode))?;
    let entities = request
        .entities
        .iter()
        .map(|e| e.parse::<Entity>().map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(days) = request.days
        && !(1..=MAX_WINDOW_DAYS).contains(&days)
    {
        return Err(format!(
            "a window of {days} days is not between 1 and {MAX_WINDOW_DAYS}"
        ));
    }
    Ok(SyncPlan::new(mode, &entities).with_window_days(request.days))
}

/// Queues an incremental sync at start and every `SYNC_INTERVAL`.
async fn schedule(
    syncer: Syncer,
    plans: mpsc::Sender<SyncPlan>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let interval = syncer.settings.sync_interval;
    if interval.is_zero() {
        return Ok(());
    }
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return Ok(()),
        }
        // Skipped when the queue is busy: the next tick catches up.
        let _ = plans.try_send(SyncPlan::new(SyncMode::Incremental, &[]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_request_out_of_bounds_is_answered_with_the_reason() {
        let request = |days: u32| {
            let body = serde_json::json!({"mode": "window", "days": days});
            plan_of(body.to_string().as_bytes())
        };
        assert!(request(1).is_ok());
        assert!(request(MAX_WINDOW_DAYS).is_ok());
        for days in [0, MAX_WINDOW_DAYS + 1, u32::MAX] {
            let refused = request(days).err();
            let expected = format!("a window of {days} days is not between 1 and 3650");
            assert_eq!(refused.as_deref(), Some(expected.as_str()));
        }
    }
}
