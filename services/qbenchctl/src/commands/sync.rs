//! `qbenchctl sync`: ask the fetcher for a run, and optionally wait for every
//! record of it to be loaded or set aside.

use std::process::ExitCode;
use std::time::Duration;

use mirror_bus::control::{SYNC_SUBJECT, SyncReply, SyncRequest};
use mirror_config::Env;
use mirror_records::Entity;
use mirror_store::{RunProgress, SkippedRecord};
use sqlx::PgPool;
use uuid::Uuid;

use crate::context;
use crate::progress::Progress;

/// How long the fetcher has to answer a request.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(
    env: &Env,
    full: bool,
    entities: &[Entity],
    wait: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    let pool = context::database(env).await?;
    let nats = context::nats(env).await?;
    let request = SyncRequest {
        mode: if full { "full" } else { "incremental" }.to_owned(),
        entities: entities.iter().map(|e| e.to_string()).collect(),
        days: None,
    };
    let run_id = ask_fetcher(&nats, &request).await?;
    println!("sync {run_id} requested ({})", request.mode);
    let Some(stall_timeout) = wait else {
        return Ok(ExitCode::SUCCESS);
    };

    let progress = wait_for(&pool, run_id, stall_timeout).await?;
    print_summary(&pool, &progress).await?;
    Ok(if progress.status == "published" {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Asks the running fetcher for a run; returns the run's id.
pub(crate) async fn ask_fetcher(
    nats: &async_nats::Client,
    request: &SyncRequest,
) -> anyhow::Result<Uuid> {
    let body: bytes::Bytes = serde_json::to_vec(request)?.into();
    // A fetcher that is still starting has not subscribed yet; give it a
    // little while before saying nobody is there.
    let deadline = tokio::time::Instant::now() + ANSWER_TIMEOUT;
    let answer = loop {
        let asked =
            tokio::time::timeout(ANSWER_TIMEOUT, nats.request(SYNC_SUBJECT, body.clone())).await;
        match asked {
            Err(_) => anyhow::bail!("the fetcher did not answer within {ANSWER_TIMEOUT:?}"),
            Ok(Ok(answer)) => break answer,
            Ok(Err(e)) if e.kind() == async_nats::client::RequestErrorKind::NoResponders => {
                if tokio::time::Instant::now() >= deadline {
                    anyhow::bail!("no qbench-fetcher is running to take the request");
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Ok(Err(e)) => anyhow::bail!("sync request failed: {e}"),
        }
    };
    let reply: SyncReply = serde_json::from_slice(&answer.payload)?;
    match (reply.run_id, reply.error) {
        (Some(run_id), _) => Ok(run_id.parse()?),
        (None, Some(error)) => anyhow::bail!("the fetcher refused: {error}"),
        (None, None) => anyhow::bail!("the fetcher answered without a run id"),
    }
}

/// How long a run still being fetched may go without any fetcher running
/// before the wait ends: more than a standby fetcher takes to take over.
const FETCHER_GONE_GRACE: Duration = Duration::from_secs(15);

/// Polls the run's ledger until it is settled, until nothing has moved for
/// `stall_timeout`, or until no fetcher has run for [`FETCHER_GONE_GRACE`]
/// while the run still needed one.
pub(crate) async fn wait_for(
    pool: &PgPool,
    run_id: Uuid,
    stall_timeout: Duration,
) -> anyhow::Result<RunProgress> {
    let mut progress = Progress::new("sync");
    let mut last_seen = None;
    let mut last_change = tokio::time::Instant::now();
    let mut fetcher_gone_since = None;
    loop {
        let state = mirror_store::run_progress(pool, run_id).await?;
        let fetching = state.as_ref().is_none_or(|s| s.status == "running");
        if fetching && !mirror_store::fetcher_is_running(pool).await? {
            let since = *fetcher_gone_since.get_or_insert_with(tokio::time::Instant::now);
            if since.elapsed() >= FETCHER_GONE_GRACE {
                progress.finish();
                anyhow::bail!(
                    "sync {run_id} stopped: no qbench-fetcher has been running for {} s. \
                     Start one (it ends this run partial) and sync again; a full sync \
                     resumes where this one stopped",
                    FETCHER_GONE_GRACE.as_secs()
                );
            }
        } else {
            fetcher_gone_since = None;
        }
        match &state {
            Some(state) => {
                let done = (state.loaded + state.skipped) as u64;
                let detail = format!(
                    "{} (loaded {}, set aside {})",
                    state.status, state.loaded, state.skipped
                );
                progress.update(done, state.published.max(0) as u64, &detail);
                if state.is_settled() {
                    progress.finish();
                    return Ok(state.clone());
                }
            }
            None => progress.update(0, 0, "queued"),
        }
        if state != last_seen {
            last_seen = state;
            last_change = tokio::time::Instant::now();
        } else if last_change.elapsed() >= stall_timeout {
            progress.finish();
            // A run still fetching waits on QBench or the fetcher; one whose
            // records are all published waits on the loaders.
            let waiting_on = match &last_seen {
                Some(state) if state.status != "running" => {
                    "nothing was loaded meanwhile; are the loaders (qbench-loader) running?"
                }
                _ => "is qbench-fetcher running, and QBench answering?",
            };
            anyhow::bail!(
                "sync {run_id} made no progress for {} s: {waiting_on} \
                 (the run is not cancelled; `qbenchctl status` shows where it stands)",
                stall_timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Records set aside that a summary names one by one; the rest are
/// counted.
const SET_ASIDE_NAMED: usize = 10;

async fn print_summary(pool: &PgPool, progress: &RunProgress) -> anyhow::Result<()> {
    println!(
        "sync {} {}: {} records published, {} loaded, {} set aside",
        progress.run_id, progress.status, progress.published, progress.loaded, progress.skipped
    );
    if let Some(message) = &progress.message {
        println!("  {message}");
    }
    if progress.uncounted_pages > 0 && progress.status != "running" {
        println!(
            "  {} page(s) never counted: their fetcher stopped while publishing them, so \
             what arrived of them counts as published; the next run counts them from the stream",
            progress.uncounted_pages
        );
    }
    if progress.published == 0 && progress.status == "published" {
        println!(
            "  nothing new was published: QBench had no new or changed records, or \
             the stream already held each one it sent (the same version within 2 minutes)"
        );
    }
    let skipped = mirror_store::list_skipped(pool, None).await?;
    let of_run: Vec<&SkippedRecord> = skipped
        .iter()
        .filter(|s| s.run_id == Some(progress.run_id))
        .collect();
    for line in set_aside_lines(&of_run) {
        println!("{line}");
    }
    Ok(())
}

/// The summary's lines for the records a run set aside: the first
/// [`SET_ASIDE_NAMED`] by name and reason, the rest counted.
fn set_aside_lines(records: &[&SkippedRecord]) -> Vec<String> {
    let mut lines: Vec<String> = records
        .iter()
        .take(SET_ASIDE_NAMED)
        .map(|r| {
            format!(
                "  set aside: {} {}: {}",
                r.entity, r.record_id, r.last_error
            )
        })
        .collect();
    if records.len() > SET_ASIDE_NAMED {
        lines.push(format!(
            "  and {} more set aside: `qbenchctl skipped list` names every one",
            records.len() - SET_ASIDE_NAMED
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use mirror_store::SkippedRecord;

    use super::{SET_ASIDE_NAMED, set_aside_lines};

    fn waiting_test(id: i32) -> SkippedRecord {
        SkippedRecord {
            entity: "test".to_owned(),
            record_id: id,
            reason: "missing_parent".to_owned(),
            missing_parent_entity: Some("sample".to_owned()),
            missing_parent_id: Some(7),
            attempts: 3,
            last_error: "sample 7 is not in the mirror".to_owned(),
            payload: None,
            raw_sequence: None,
            first_skipped_at: Utc::now(),
            last_attempt_at: Utc::now(),
            run_id: None,
            page: None,
        }
    }

    #[test]
    fn a_summary_names_the_first_records_set_aside_and_counts_the_rest() {
        let few: Vec<SkippedRecord> = (1..=2).map(waiting_test).collect();
        let lines = set_aside_lines(&few.iter().collect::<Vec<_>>());
        assert_eq!(
            lines,
            [
                "  set aside: test 1: sample 7 is not in the mirror",
                "  set aside: test 2: sample 7 is not in the mirror",
            ]
        );

        let many: Vec<SkippedRecord> = (1..=190).map(waiting_test).collect();
        let lines = set_aside_lines(&many.iter().collect::<Vec<_>>());
        assert_eq!(lines.len(), SET_ASIDE_NAMED + 1);
        assert_eq!(
            lines[SET_ASIDE_NAMED - 1],
            "  set aside: test 10: sample 7 is not in the mirror"
        );
        assert_eq!(
            lines[SET_ASIDE_NAMED],
            "  and 180 more set aside: `qbenchctl skipped list` names every one"
        );
    }
}
