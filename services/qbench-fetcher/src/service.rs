//! The fetcher as a service: sync requests from operators, a schedule of
//! incremental syncs, and single-record fetches, all through one client so
//! one rate limiter and one token serve everything.

use futures::StreamExt;
use mirror_bus::control::{SYNC_SUBJECT, SyncReply, SyncRequest};
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
        tokio::select! {
            outcome = syncer.run(&plan) => { outcome?; }
            _ = stop.changed() => {
                let reason = Some("the fetcher stopped before the run ended");
                mirror_store::finish_run(&syncer.pool, plan.run_id, RunStatus::Partial, reason).await?;
                return Ok(());
            }
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
