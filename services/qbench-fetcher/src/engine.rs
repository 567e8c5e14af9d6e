//! A sync run: which entities, in which mode, and how the run ends.

use std::fmt;

use async_nats::jetstream;
use mirror_records::{Entity, last_updated};
use mirror_store::{PageRecord, RunStatus};
use qbench_client::{Page, PageQuery, QbenchClient, QbenchError};
use serde_json::Value;
use sqlx::PgPool;
use tracing::{Instrument, Span};
use uuid::Uuid;

use crate::publish::{PagePlace, PublishError, Published, publish_records, publish_tagged};
use crate::settings::FetcherSettings;

/// How a run reads QBench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Every page of every entity, id ascending; resumes an unfinished one.
    Full,
    /// New records and the changes and deletions since the last run.
    Incremental,
    /// Records created in the last days, newest first, with a sync report.
    Window,
}

impl SyncMode {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMode::Full => "full",
            SyncMode::Incremental => "incremental",
            SyncMode::Window => "window",
        }
    }

    /// Reads `full`, `incremental` or `window`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "full" => Some(SyncMode::Full),
            "incremental" => Some(SyncMode::Incremental),
            "window" => Some(SyncMode::Window),
            _ => None,
        }
    }
}

/// One requested run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPlan {
    pub run_id: Uuid,
    pub mode: SyncMode,
    /// In dependency order.
    pub entities: Vec<Entity>,
    /// Window mode: how many days back; `SYNC_LOOKBACK_DAYS` when unset.
    pub window_days: Option<u32>,
}

impl SyncPlan {
    /// A plan over `entities` (all when empty), parents first.
    pub fn new(mode: SyncMode, entities: &[Entity]) -> Self {
        let mut chosen: Vec<Entity> = Entity::ALL
            .into_iter()
            .filter(|e| entities.is_empty() || entities.contains(e))
            .collect();
        chosen.dedup();
        SyncPlan {
            run_id: Uuid::now_v7(),
            mode,
            entities: chosen,
            window_days: None,
        }
    }

    /// The same plan over a window of `days` (window mode only).
    pub fn with_window_days(self, days: Option<u32>) -> Self {
        SyncPlan {
            window_days: days,
            ..self
        }
    }
}

/// Why one entity of a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum EntityFailure {
    #[error("page {page}: {error}")]
    Page { page: u32, error: QbenchError },
    #[error("page {page}: {rows} records where {expected} were due before the last page")]
    ShortPage {
        page: u32,
        rows: usize,
        expected: u32,
    },
    #[error("updates feed: {0}")]
    Feed(QbenchError),
    #[error("record {id}: {error}")]
    Record { id: i64, error: QbenchError },
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error("database: {0}")]
    Store(#[from] mirror_store::StoreError),
}

impl EntityFailure {
    /// Whether the whole run must stop: credentials QBench will not take.
    pub fn stops_run(&self) -> bool {
        let auth = |e: &QbenchError| matches!(e, QbenchError::Auth { .. });
        match self {
            EntityFailure::Page { error, .. } | EntityFailure::Record { error, .. } => auth(error),
            EntityFailure::Feed(source) => auth(source),
            _ => false,
        }
    }
}

/// What one entity of a run published.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityReport {
    pub pages: i32,
    pub stored: i64,
    pub duplicates: i64,
    pub deleted: i64,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub run_id: Uuid,
    pub status: RunStatus,
    pub entities: Vec<(Entity, EntityReport)>,
    pub failures: Vec<(Entity, String)>,
}

impl fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "run {} {}", self.run_id, self.status.as_str())?;
        for (entity, report) in &self.entities {
            write!(
                f,
                "; {entity}: {} new, {} already sent",
                report.stored, report.duplicates
            )?;
        }
        for (entity, reason) in &self.failures {
            write!(f, "; {entity} stopped: {reason}")?;
        }
        Ok(())
    }
}

/// Seconds of difference between QBench's clock and this machine's worth a
/// line in the log at the start of a run.
const SKEW_WORTH_A_WORD: i64 = 60;

/// Everything a run needs; cheap to clone.
#[derive(Clone)]
pub struct Syncer {
    pub pool: PgPool,
    pub js: jetstream::Context,
    pub client: QbenchClient,
    pub settings: FetcherSettings,
}

impl Syncer {
    /// Carries out a run to its end and records how it ended.
    pub async fn run(&self, plan: &SyncPlan) -> Result<RunOutcome, mirror_store::StoreError> {
        // Pages an earlier run left uncounted hold the checkpoints until
        // counted. Not counting them now only defers it to the next run.
        if let Err(e) = crate::recount::count_uncounted_pages(self).await {
            tracing::warn!(
                error = format!("{e:#}"),
                "Cannot count the pages an earlier run left uncounted; the next run tries again."
            );
        }
        mirror_store::start_run(&self.pool, plan.run_id, plan.mode.as_str(), &plan.entities)
            .await?;
        let now = self.qbench_clock().await;
        let window = match plan.mode {
            SyncMode::Window => Some(self.open_window(plan, now).await?),
            _ => None,
        };
        tracing::info!(run_id = %plan.run_id, mode = plan.mode.as_str(), "Sync started.");
        let mut outcome = RunOutcome {
            run_id: plan.run_id,
            status: RunStatus::Published,
            entities: Vec::new(),
            failures: Vec::new(),
        };

        for entity in &plan.entities {
            let result = match plan.mode {
                SyncMode::Full => crate::full::sync_entity(self, plan.run_id, *entity, now).await,
                SyncMode::Incremental => {
                    crate::incremental::sync_entity(self, plan.run_id, *entity, now).await
                }
                SyncMode::Window => {
                    let start = window.unwrap_or(now);
                    crate::window::sync_entity(self, plan.run_id, *entity, start, now).await
                }
            };
            match result {
                Ok(report) => outcome.entities.push((*entity, report)),
                Err(failure) => {
                    tracing::warn!(run_id = %plan.run_id, %entity, error = %failure, "Entity stopped early.");
                    let stop = failure.stops_run();
                    outcome.failures.push((*entity, failure.to_string()));
                    if stop {
                        outcome.status = RunStatus::Failed;
                        break;
                    }
                    outcome.status = RunStatus::Partial;
                }
            }
        }

        let message = (!outcome.failures.is_empty()).then(|| outcome.to_string());
        mirror_store::finish_run(&self.pool, plan.run_id, outcome.status, message.as_deref())
            .await?;
        tracing::info!(run_id = %plan.run_id, status = outcome.status.as_str(), summary = %outcome, "Sync ended.");
        Ok(outcome)
    }
}

impl Syncer {
    /// QBench's time at the start of a run (see
    /// [`QbenchClient::read_clock`]): changes and windows are asked for in
    /// it. When it cannot be read, the time QBench stated last; when QBench
    /// has never dated an answer, this machine's clock, with a warning.
    async fn qbench_clock(&self) -> chrono::DateTime<chrono::Utc> {
        let local = chrono::Utc::now();
        match self.client.read_clock().await {
            Ok(Some(now)) => {
                let skew = (now - local).num_seconds();
                if skew.abs() > SKEW_WORTH_A_WORD {
                    tracing::info!(
                        qbench_time = %now,
                        skew_s = skew,
                        "QBench's clock differs from this machine's; changes are asked for in QBench's time."
                    );
                }
                now
            }
            Ok(None) => {
                tracing::warn!(
                    "QBench's answers carry no Date header; changes are asked for by this machine's clock."
                );
                local
            }
            Err(e) => match self.client.server_time() {
                Some(last) => {
                    tracing::warn!(error = %e, qbench_time = %last, "QBench's clock could not be read; using the time it stated last.");
                    last
                }
                None => {
                    tracing::warn!(error = %e, "QBench's clock could not be read; changes are asked for by this machine's clock.");
                    local
                }
            },
        }
    }

    /// Fixes and records where a window run's window starts.
    /// `now` is QBench's time.
    async fn open_window(
        &self,
        plan: &SyncPlan,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<chrono::DateTime<chrono::Utc>, mirror_store::StoreError> {
        let days = plan.window_days.unwrap_or(self.settings.lookback_days);
        let zone = self.settings.qbench.timezone;
        let start = crate::window::window_start(now, days, zone);
        mirror_store::set_run_window(&self.pool, plan.run_id, start, days).await?;
        tracing::info!(run_id = %plan.run_id, days, %start, "Window fixed.");
        Ok(start)
    }
}

/// The root span of one page's trace, from the QBench call that read the
/// page to the loaders' commits of its records; `Span::none()` when no
/// traces are exported, so nothing is built for them.
///
/// A page rather than a record is the root because one call brings a
/// page's records together: each record's messages carry the context of
/// the page's publication, and each loader continues it per record.
pub fn page_span(entity: Entity, source: &str) -> Span {
    if !mirror_telemetry::traces::exporting() {
        return Span::none();
    }
    tracing::info_span!(parent: None, "sync_page", %entity, source, page = tracing::field::Empty)
}

/// Publishes a page's records as the next page of the run's ledger and
/// records it once JetStream has stored them all. `trace` is the page's
/// [`page_span`]; every record's message names it in `traceparent`.
pub async fn publish_page(
    syncer: &Syncer,
    run_id: Uuid,
    entity: Entity,
    ledger_page: &mut i32,
    records: &[Value],
    source: &str,
    trace: &Span,
) -> Result<Published, EntityFailure> {
    if records.is_empty() {
        return Ok(Published::default());
    }
    let span = if trace.is_none() {
        Span::none()
    } else {
        tracing::info_span!(parent: trace, "publish_page", %entity, records = records.len())
    };
    publish_and_record(syncer, run_id, entity, ledger_page, records, source)
        .instrument(span)
        .await
}

async fn publish_and_record(
    syncer: &Syncer,
    run_id: Uuid,
    entity: Entity,
    ledger_page: &mut i32,
    records: &[Value],
    source: &str,
) -> Result<Published, EntityFailure> {
    let completed;
    let records = if source == "list" {
        completed = crate::details::complete_rows(syncer, entity, records).await?;
        &completed[..]
    } else {
        records
    };
    *ledger_page += 1;
    let place = PagePlace {
        run_id: Some(run_id),
        page: Some(*ledger_page),
    };
    mirror_store::announce_page(&syncer.pool, run_id, entity, *ledger_page).await?;
    let mut published = publish_records(&syncer.js, entity, records, place, source).await?;
    let again = unheld(syncer, entity, records, &published).await?;
    if !again.is_empty() {
        let tag = format!("again-{run_id}");
        let republished =
            publish_tagged(&syncer.js, entity, &again, place, source, Some(&tag)).await?;
        published.absorb(&republished);
    }
    record_ledger_page(syncer, run_id, entity, *ledger_page, &published).await?;
    metrics::counter!("fetcher_records_published_total", "entity" => entity.as_str())
        .increment(published.stored as u64);
    Ok(published)
}

/// The records of a page JetStream took for duplicates (the same id and
/// version published in the last two minutes) that the mirror does not
/// hold at that version or a newer one. JetStream delivered the earlier
/// copy to loaders once; if the mirror lacks it (its database was replaced
/// meanwhile, or that copy is still on its way), the page must send it
/// again, or the record would be missing for good and the page's count
/// would not wait for it.
async fn unheld(
    syncer: &Syncer,
    entity: Entity,
    records: &[Value],
    published: &Published,
) -> Result<Vec<Value>, EntityFailure> {
    if published.duplicate_places.is_empty() {
        return Ok(Vec::new());
    }
    // Each duplicate's id and record, by its place on the page.
    let duplicates: Vec<(i32, &Value)> = published
        .duplicate_places
        .iter()
        .filter_map(|&place| Some((*published.ids.get(place)?, records.get(place)?)))
        .collect();
    let ids: Vec<i32> = duplicates.iter().map(|(id, _)| *id).collect();
    let held = mirror_store::held_versions(&syncer.pool, entity, &ids).await?;
    Ok(duplicates
        .into_iter()
        .filter(|(id, raw)| match held.get(id) {
            // No row: the mirror never loaded the record.
            None => true,
            Some(stored) => match last_updated(raw).ok().flatten() {
                Some(version) => stored.is_none_or(|stored| stored < version),
                // Without a version, a row of the record is all to go by.
                None => false,
            },
        })
        .map(|(_, raw)| raw.clone())
        .collect())
}

/// Records a published ledger page.
pub async fn record_ledger_page(
    syncer: &Syncer,
    run_id: Uuid,
    entity: Entity,
    page: i32,
    published: &Published,
) -> Result<(), EntityFailure> {
    let record = PageRecord {
        run_id,
        entity,
        page,
        record_count: published.stored,
        first_id: published.first_id,
        last_id: published.last_id,
    };
    mirror_store::record_page(&syncer.pool, &record).await?;
    Ok(())
}

/// Adds a published page to an entity's report.
pub fn tally(report: &mut EntityReport, published: &Published) {
    if published.stored + published.duplicates > 0 {
        report.pages += 1;
    }
    report.stored += i64::from(published.stored);
    report.duplicates += i64::from(published.duplicates);
}

/// A page short of its size before the last one, with no smaller total to
/// explain it, has lost records somewhere (case C-failed-page): nothing of
/// it is published and the run stops on it, so the next one reads it again.
pub fn whole_page(page: &Page, page_num: u32, size: u32) -> Result<(), EntityFailure> {
    if page.records.len() < size as usize && u64::from(page_num) < page.total_pages {
        return Err(EntityFailure::ShortPage {
            page: page_num,
            rows: page.records.len(),
            expected: size,
        });
    }
    Ok(())
}

/// Reads one list page, with the root span of its trace (see
/// [`page_span`]) to publish it under; a failure names the page.
pub async fn read_page(
    client: &QbenchClient,
    entity: Entity,
    query: &PageQuery,
) -> Result<(Page, Span), EntityFailure> {
    let trace = page_span(entity, "list");
    trace.record("page", query.page_num);
    let request = if trace.is_none() {
        Span::none()
    } else {
        tracing::info_span!(parent: &trace, "qbench_list", %entity, page = query.page_num)
    };
    let page = client
        .list_page(entity, query)
        .instrument(request)
        .await
        .map_err(|error| EntityFailure::Page {
            page: query.page_num,
            error,
        })?;
    Ok((page, trace))
}
