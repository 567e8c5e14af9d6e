//! The field cases (failed and short pages, expired tokens, later edits and
//! deletions) run against the built-in simulator, a private nats-server and
//! a fresh database per test, with the fetcher and the loader in process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use mirror_config::Env;
use mirror_records::Entity;
use mirror_store::RunStatus;
use mirror_testkit::{NatsServer, TestDatabase, step, within};
use qbench_fetcher::{FetcherSettings, RunOutcome, SyncMode, SyncPlan, Syncer};
use qbench_loader::LoaderSettings;
use qbench_simulator::{
    FaultAction, FaultRule, RouteKind, RunningSimulator, SimConfig, SimHandle, Simulator,
};
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Records per QBench page: small, so the tiny lab's samples span many pages.
const PAGE_SIZE: usize = 25;

/// The lab's time zone in [`SimConfig::for_tests`].
const LAB_ZONE: &str = "America/New_York";

/// The longest one sync run of the tiny lab may take, faults included.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// The longest the loader may take to bring the mirror level with the lab.
const LOAD_LIMIT: Duration = Duration::from_secs(90);

/// A lab whose history ends at a fixed time, months before the machine's
/// clock: the fetcher must ask the updates feed in the lab's time, which
/// the simulator's `Date` headers give.
fn fixed_clock() -> DateTime<Utc> {
    "2026-03-05T12:00:00Z".parse().unwrap()
}

/// Everything one case runs against.
struct Pipeline {
    sim: RunningSimulator,
    nats: NatsServer,
    db: TestDatabase,
    loader: Option<(oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>)>,
}

impl Pipeline {
    async fn start(clock: DateTime<Utc>) -> Self {
        let config = SimConfig::for_tests(7, clock);
        let addr = "127.0.0.1:0".parse().unwrap();
        let sim = step("start simulator", Simulator::start(config, addr))
            .await
            .unwrap();
        let nats = step("start nats", NatsServer::start()).await.unwrap();
        let db = step("create database", TestDatabase::create())
            .await
            .unwrap();
        Pipeline {
            sim,
            nats,
            db,
            loader: None,
        }
    }

    fn lab(&self) -> &SimHandle {
        self.sim.handle()
    }

    fn pool(&self) -> &PgPool {
        &self.db.pool
    }

    fn env(&self, extra: &[(&str, &str)]) -> Env {
        let (nats_url, sim_url) = (self.nats.url(), self.sim.base_url());
        let mut pairs = vec![
            ("DATABASE_URL", self.db.url.as_str()),
            ("NATS_URL", nats_url.as_str()),
            ("SIMULATOR_URL", sim_url.as_str()),
            ("QBENCH_TIMEZONE", LAB_ZONE),
            ("QBENCH_REQUESTS_PER_MINUTE", "100000"),
            ("PAGE_SIZE", "25"),
            ("SYNC_INTERVAL", "0s"),
            ("RETRY_DELAYS", "200ms,500ms,1s"),
            ("SKIPPED_REQUEUE_INTERVAL", "300ms"),
        ];
        pairs.extend_from_slice(extra);
        Env::from_pairs(pairs)
    }

    /// A fetcher with the test's settings, `extra` overriding them.
    async fn fetcher(&self, extra: &[(&str, &str)]) -> Syncer {
        let settings = FetcherSettings::from_env(&self.env(extra)).unwrap();
        let (syncer, _) = step("connect the fetcher", qbench_fetcher::connect(settings))
            .await
            .unwrap();
        syncer
    }

    async fn sync(&self, syncer: &Syncer, mode: SyncMode, entities: &[Entity]) -> RunOutcome {
        let plan = SyncPlan::new(mode, entities);
        within(RUN_LIMIT, "sync run", syncer.run(&plan))
            .await
            .unwrap()
    }

    fn start_loader(&mut self) {
        let settings = LoaderSettings::from_env(&self.env(&[])).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let loader = tokio::spawn(qbench_loader::run(settings, async {
            let _ = stopped.await;
        }));
        self.loader = Some((stop, loader));
    }

    /// Waits until the mirror holds exactly the lab's live records, each at
    /// the lab's `last_updated`; fails with the differences otherwise.
    async fn assert_mirror_equals_lab(&self) {
        let settle = async {
            while !self.differences().await.is_empty() {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        };
        if tokio::time::timeout(LOAD_LIMIT, settle).await.is_err() {
            panic!(
                "mirror differs from the lab: {:?}",
                self.differences().await
            );
        }
    }

    /// Per entity: (live ids missing or stale in the mirror, ids the mirror
    /// shows that the lab does not have).
    async fn differences(&self) -> Vec<(Entity, Vec<i64>, Vec<i64>)> {
        let mut differences = Vec::new();
        for entity in Entity::ALL {
            let lab: Vec<(i64, Option<i64>)> = self
                .lab()
                .snapshot(entity)
                .into_iter()
                .map(|row| (row.id as i64, Some(row.last_updated)))
                .collect();
            let mirror = step(
                "read the mirror",
                mirror_store::mirror_records(self.pool(), entity),
            )
            .await
            .unwrap();
            let mirror: Vec<(i64, Option<i64>)> = mirror
                .into_iter()
                .map(|row| (i64::from(row.id), row.source_version))
                .collect();
            let missing: Vec<i64> = lab
                .iter()
                .filter(|row| !mirror.contains(row))
                .map(|row| row.0)
                .collect();
            let extra: Vec<i64> = mirror
                .iter()
                .filter(|row| !lab.iter().any(|live| live.0 == row.0))
                .map(|row| row.0)
                .collect();
            if !missing.is_empty() || !extra.is_empty() {
                differences.push((entity, missing, extra));
            }
        }
        differences
    }

    /// The lab's live ids of `entity`, ascending (the full sync's order).
    fn lab_ids(&self, entity: Entity) -> Vec<i32> {
        let rows = self.lab().snapshot(entity);
        rows.into_iter().map(|row| row.id as i32).collect()
    }

    /// Waits until every one of `ids` of `entity` is in the mirror. Records
    /// changed while a sync paged may be stale until the next incremental
    /// run; what must not happen is a record live throughout never read.
    async fn assert_read(&mut self, entity: Entity, ids: &[i32]) {
        self.start_loader();
        let unread = || async {
            let stored = mirror_store::mirror_records(self.pool(), entity)
                .await
                .unwrap();
            let stored: Vec<i32> = stored.into_iter().map(|row| row.id).collect();
            ids.iter()
                .filter(|id| !stored.contains(id))
                .copied()
                .collect::<Vec<_>>()
        };
        let settled = async {
            while !unread().await.is_empty() {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        };
        if tokio::time::timeout(LOAD_LIMIT, settled).await.is_err() {
            panic!("{entity} records never read: {:?}", unread().await);
        }
    }

    /// Waits until the checkpoint of `entity` says complete: every run up
    /// to the last is committed.
    async fn assert_checkpoint_complete(&self, entity: Entity) {
        let complete = async {
            loop {
                let all = mirror_store::checkpoints(self.pool()).await.unwrap();
                let row = all.into_iter().find(|c| c.entity == entity.as_str());
                if row.and_then(|c| c.status).as_deref() == Some("complete") {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        };
        within(LOAD_LIMIT, "the checkpoint completes", complete).await;
    }

    fn lab_pages(&self, entity: Entity) -> usize {
        self.lab().live_count(entity).div_ceil(PAGE_SIZE)
    }

    async fn full_cursor(&self, entity: Entity) -> mirror_store::FetchCursor {
        let cursor = mirror_store::load_cursor(self.pool(), entity, "full");
        step("load cursor", cursor).await.unwrap().unwrap()
    }

    /// `(page, record_count, first_id, last_id)` of each page a run
    /// published for `entity`, in ledger order.
    async fn ledger(&self, run_id: Uuid, entity: Entity) -> Vec<LedgerPage> {
        let query = sqlx::query_as(
            "SELECT page, record_count, first_id, last_id FROM sync_run_pages \
             WHERE run_id = $1 AND entity = $2 ORDER BY page",
        )
        .bind(run_id)
        .bind(entity.as_str())
        .fetch_all(self.pool());
        step("read the ledger", query).await.unwrap()
    }

    async fn finish(mut self) {
        if let Some((stop, loader)) = self.loader.take() {
            let _ = stop.send(());
            step("loader stops", loader).await.unwrap().unwrap();
        }
        step("simulator stops", self.sim.shutdown()).await.unwrap();
        self.db.drop_database().await.unwrap();
    }
}

#[derive(Debug, sqlx::FromRow)]
struct LedgerPage {
    page: i32,
    record_count: Option<i32>,
    first_id: Option<i32>,
    last_id: Option<i32>,
}

/// Counts the simulator's calls of one kind: a rule that delays by nothing
/// changes no answer, and its countdown says how many calls it met.
struct CallCount {
    rule: FaultRule,
}

impl CallCount {
    const BUDGET: u32 = 1_000_000;

    fn install(
        lab: &SimHandle,
        route: RouteKind,
        entity: Option<Entity>,
        page: Option<u32>,
    ) -> Self {
        let mut rule = FaultRule::new(FaultAction::Delay { ms: 0 })
            .route(route)
            .times(Self::BUDGET);
        rule.entity = entity;
        rule.page = page;
        lab.add_fault(rule.clone());
        CallCount { rule }
    }

    fn calls(&self, lab: &SimHandle) -> u32 {
        let left = lab
            .faults()
            .into_iter()
            .find(|r| self.counts_for(r))
            .and_then(|r| r.times)
            .unwrap_or(0);
        Self::BUDGET - left
    }

    fn counts_for(&self, rule: &FaultRule) -> bool {
        let mine = &self.rule;
        (rule.route, rule.entity, rule.page) == (mine.route, mine.entity, mine.page)
            && rule.action == mine.action
    }
}

fn scripted(status: u16, body: &str, content_type: &str) -> FaultAction {
    FaultAction::Status {
        status,
        body: body.to_owned(),
        content_type: content_type.to_owned(),
        headers: std::collections::BTreeMap::new(),
    }
}

/// Runs `change` on the lab once the pending delay rule has been used up,
/// that is while the request it delays is being held.
fn while_held(lab: &SimHandle, change: impl FnOnce(&SimHandle) + Send + 'static) -> JoinHandle<()> {
    let lab = lab.clone();
    tokio::spawn(async move {
        while lab
            .faults()
            .iter()
            .any(|r| matches!(r.action, FaultAction::Delay { .. }))
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        change(&lab);
    })
}

/// QBench's answer while it is down: 503 with a JSON body.
fn unavailable() -> FaultAction {
    scripted(503, r#"{"error":"unavailable"}"#, "application/json")
}

/// `action` on list calls for samples page `page`.
fn on_sample_page(page: u32, action: FaultAction) -> FaultRule {
    FaultRule::new(action)
        .route(RouteKind::List)
        .entity(Entity::Sample)
        .page(page)
}

/// C-failed-page: samples page 3 fails three times in a row (one whole
/// call of the client, retries included). The run must end partial, name
/// the page, keep the cursor on it, and the next run must read from there.
async fn a_page_failing_three_times_is_resumed_by_the_next_run(
    failure: FaultAction,
    extra: &[(&str, &str)],
) {
    let mut p = Pipeline::start(fixed_clock()).await;
    let fetcher = p.fetcher(extra).await;
    assert!(p.lab_pages(Entity::Sample) >= 6, "too few sample pages");
    let failing = on_sample_page(3, failure).times(3);
    p.lab().add_fault(failing);

    let first = p.sync(&fetcher, SyncMode::Full, &[]).await;

    assert_eq!(first.status, RunStatus::Partial, "{first}");
    assert_eq!(first.failures.len(), 1, "{first}");
    let (entity, reason) = &first.failures[0];
    assert_eq!(*entity, Entity::Sample);
    assert!(reason.starts_with("page 3:"), "{reason}");
    assert!(
        p.lab().faults().is_empty(),
        "page 3 was not asked three times"
    );
    assert_eq!(p.full_cursor(Entity::Sample).await.next_page, Some(3));
    let stored: String = sqlx::query_scalar("SELECT status FROM sync_runs WHERE run_id = $1")
        .bind(first.run_id)
        .fetch_one(p.pool())
        .await
        .unwrap();
    assert_eq!(stored, "partial");

    let page_one = CallCount::install(p.lab(), RouteKind::List, Some(Entity::Sample), Some(1));
    let page_two = CallCount::install(p.lab(), RouteKind::List, Some(Entity::Sample), Some(2));
    let second = p.sync(&fetcher, SyncMode::Full, &[]).await;

    assert_eq!(second.status, RunStatus::Published, "{second}");
    assert_eq!(page_one.calls(p.lab()), 0, "samples page 1 was read again");
    assert_eq!(page_two.calls(p.lab()), 0, "samples page 2 was read again");
    let resumed = p.ledger(second.run_id, Entity::Sample).await;
    let lab_ids = p.lab_ids(Entity::Sample);
    assert_eq!(resumed[0].first_id, Some(lab_ids[2 * PAGE_SIZE]));
    assert_eq!(resumed.last().unwrap().last_id, lab_ids.last().copied());
    assert_eq!(p.full_cursor(Entity::Sample).await.next_page, None);

    p.start_loader();
    p.assert_mirror_equals_lab().await;
    p.finish().await;
}

#[tokio::test]
async fn a_page_answering_503_three_times_ends_the_run_partial_and_the_next_run_resumes_there() {
    a_page_failing_three_times_is_resumed_by_the_next_run(unavailable(), &[]).await;
}

#[tokio::test]
async fn a_page_answering_html_three_times_ends_the_run_partial_and_the_next_run_resumes_there() {
    let html = scripted(200, "<html><body>Maintenance</body></html>", "text/html");
    a_page_failing_three_times_is_resumed_by_the_next_run(html, &[]).await;
}

#[tokio::test]
async fn a_page_timing_out_three_times_ends_the_run_partial_and_the_next_run_resumes_there() {
    let stall = FaultAction::Delay { ms: 3_000 };
    let short_timeout = [("QBENCH_REQUEST_TIMEOUT", "1s")];
    a_page_failing_three_times_is_resumed_by_the_next_run(stall, &short_timeout).await;
}

/// A full pass split over two runs: a record of page 1 deleted between them
/// slides the first record of the page the second run resumes at back onto
/// a page it would not read, and leaves the deleted one in the mirror. The
/// resumed run watches deletions since the pass began, not since it
/// resumed, and so does the change tracking it hands to incremental runs.
#[tokio::test]
async fn a_resumed_full_sync_sees_what_was_deleted_before_it_resumed() {
    let mut p = Pipeline::start(fixed_clock()).await;
    let fetcher = p.fetcher(&[]).await;
    p.lab().add_fault(on_sample_page(3, unavailable()).times(3));
    let first = p.sync(&fetcher, SyncMode::Full, &[Entity::Sample]).await;
    assert_eq!(first.status, RunStatus::Partial, "{first}");
    assert_eq!(p.full_cursor(Entity::Sample).await.next_page, Some(3));

    let gone = p.lab_ids(Entity::Sample)[0];
    let slid = p.lab_ids(Entity::Sample)[2 * PAGE_SIZE];
    p.lab().delete(Entity::Sample, &[gone as u64]).unwrap();
    // Hours pass before the next run, as between two scheduled runs.
    p.lab().advance(Duration::from_secs(3 * 3600));
    let second = p.sync(&fetcher, SyncMode::Full, &[Entity::Sample]).await;
    assert_eq!(second.status, RunStatus::Published, "{second}");
    let reread = p.ledger(second.run_id, Entity::Sample).await;
    assert!(
        reread
            .iter()
            .any(|page| page.first_id <= Some(slid) && page.last_id >= Some(slid)),
        "sample {slid}, slid back a page, was not read: {reread:?}"
    );

    p.start_loader();
    let third = p.sync(&fetcher, SyncMode::Incremental, &[]).await;
    assert_eq!(third.status, RunStatus::Published, "{third}");
    p.assert_mirror_equals_lab().await;
    p.finish().await;
}

/// A loader's fetch of a missing parent publishes the record outside any
/// run. A run reading the same version moments later must still have its
/// own copy stored and counted on its page: were it taken for a duplicate,
/// the page would complete without waiting for the record's commit.
#[tokio::test]
async fn a_record_fetched_for_a_loader_is_still_counted_by_the_next_run() {
    let p = Pipeline::start(fixed_clock()).await;
    let settings = FetcherSettings::from_env(&p.env(&[])).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let service = tokio::spawn(qbench_fetcher::run_service(settings, async {
        let _ = stopped.await;
    }));

    let js = async_nats::jetstream::new(p.nats.connect().await.unwrap());
    let bus = mirror_bus::BusSettings::default();
    step("streams", mirror_bus::ensure_streams(&js, &bus))
        .await
        .unwrap();
    let wanted = i64::from(p.lab_ids(Entity::Sample)[PAGE_SIZE + 1]);
    let request = mirror_bus::fetch_request(Entity::Sample, wanted, "fetch:sample:test");
    step(
        "ask for the sample",
        mirror_bus::publish_all(&js, vec![request]),
    )
    .await
    .unwrap();
    let published = async {
        loop {
            if let Ok(mut raw) = js.get_stream(mirror_bus::Stream::Raw.name()).await
                && raw.info().await.is_ok_and(|info| info.state.messages >= 3)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    // The sample, with its order and customer the mirror lacks.
    within(Duration::from_secs(30), "the fetch is published", published).await;
    let _ = stop.send(());
    within(Duration::from_secs(30), "the service stops", service)
        .await
        .unwrap()
        .unwrap();

    let fetcher = p.fetcher(&[]).await;
    let run = p.sync(&fetcher, SyncMode::Full, &[Entity::Sample]).await;
    assert_eq!(run.status, RunStatus::Published, "{run}");
    let counted: i32 = p
        .ledger(run.run_id, Entity::Sample)
        .await
        .iter()
        .map(|page| page.record_count.unwrap_or(0))
        .sum();
    assert_eq!(counted as usize, p.lab().live_count(Entity::Sample));
    p.finish().await;
}

/// Checks that a samples run read every page to the lab's last record.
async fn assert_every_sample_page_read(p: &Pipeline, run: &RunOutcome) {
    assert_eq!(run.status, RunStatus::Published, "{run}");
    let ledger = p.ledger(run.run_id, Entity::Sample).await;
    assert_eq!(ledger.len(), p.lab_pages(Entity::Sample));
    let pages: Vec<i32> = ledger.iter().map(|page| page.page).collect();
    let expected: Vec<i32> = (1..=ledger.len() as i32).collect();
    assert_eq!(pages, expected);
    let lab_ids = p.lab_ids(Entity::Sample);
    assert_eq!(ledger.last().unwrap().last_id, lab_ids.last().copied());
    assert_eq!(p.full_cursor(Entity::Sample).await.next_page, None);
}

/// C-failed-page: a page short of records before the last one is a fault,
/// not the end: the run ends partial naming it, and the next run reads it
/// again and goes on to the last page.
#[tokio::test]
async fn a_short_page_ends_the_run_partial_and_the_next_run_reads_it_again() {
    let p = Pipeline::start(fixed_clock()).await;
    let fetcher = p.fetcher(&[]).await;
    let short = on_sample_page(4, FaultAction::ShortPage { rows: 3 }).times(1);
    p.lab().add_fault(short);

    let first = p.sync(&fetcher, SyncMode::Full, &[Entity::Sample]).await;

    assert!(p.lab().faults().is_empty(), "page 4 was never read");
    assert_eq!(first.status, RunStatus::Partial, "{first}");
    assert!(first.failures[0].1.starts_with("page 4:"), "{first}");
    assert_eq!(p.full_cursor(Entity::Sample).await.next_page, Some(4));
    let second = p.sync(&fetcher, SyncMode::Full, &[Entity::Sample]).await;
    assert_eq!(second.status, RunStatus::Published, "{second}");
    let resumed = p.ledger(second.run_id, Entity::Sample).await;
    assert_eq!(
        resumed[0].first_id,
        Some(p.lab_ids(Entity::Sample)[3 * PAGE_SIZE])
    );
    assert_eq!(p.full_cursor(Entity::Sample).await.next_page, None);
    p.finish().await;
}

#[tokio::test]
async fn a_null_total_count_does_not_end_paging() {
    let p = Pipeline::start(fixed_clock()).await;
    let fetcher = p.fetcher(&[]).await;
    let every_page = FaultRule::new(FaultAction::NullTotalCount)
        .route(RouteKind::List)
        .entity(Entity::Sample);
    p.lab().add_fault(every_page);

    let run = p.sync(&fetcher, SyncMode::Full, &[]).await;

    assert_every_sample_page_read(&p, &run).await;
    let ledger = p.ledger(run.run_id, Entity::Sample).await;
    let published: i32 = ledger.iter().filter_map(|page| page.record_count).sum();
    assert_eq!(published as usize, p.lab().live_count(Entity::Sample));
    p.finish().await;
}

/// C-token-expiry: every token QBench issued expires while samples are
/// being paged, several pages in flight.
#[tokio::test]
async fn tokens_expiring_mid_run_are_replaced_once_and_no_page_is_skipped() {
    let mut p = Pipeline::start(fixed_clock()).await;
    let fetcher = p.fetcher(&[]).await;
    let exchanges = CallCount::install(p.lab(), RouteKind::Token, None, None);
    let slow_page = on_sample_page(5, FaultAction::Delay { ms: 300 }).times(1);
    p.lab().add_fault(slow_page);
    // While page 5 is held (already authorised), every token expires.
    let lab = p.lab().clone();
    let expiry = tokio::spawn(async move {
        while lab
            .faults()
            .iter()
            .any(|r| matches!(r.action, FaultAction::Delay { ms: 300 }))
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        lab.expire_tokens()
    });

    let run = p.sync(&fetcher, SyncMode::Full, &[]).await;

    assert_eq!(run.status, RunStatus::Published, "{run}");
    let expired = step("tokens expired", expiry).await.unwrap();
    assert_eq!(expired, 1, "the run did not hold exactly one token");
    assert_eq!(exchanges.calls(p.lab()), 2, "not exactly one new token");
    let ledger = p.ledger(run.run_id, Entity::Sample).await;
    assert_eq!(ledger.len(), p.lab_pages(Entity::Sample));

    p.start_loader();
    p.assert_mirror_equals_lab().await;
    p.finish().await;
}

#[tokio::test]
async fn refused_credentials_fail_the_run_without_moving_a_cursor() {
    let p = Pipeline::start(fixed_clock()).await;
    let fetcher = p.fetcher(&[]).await;
    let synced = p.sync(&fetcher, SyncMode::Full, &[]).await;
    assert_eq!(synced.status, RunStatus::Published, "{synced}");
    let cursors_before = cursors(p.pool()).await;
    let wrong_secret = "not-the-tenant-secret";
    let refused = p.fetcher(&[("QBENCH_CLIENT_SECRET", wrong_secret)]).await;

    let run = p.sync(&refused, SyncMode::Incremental, &[]).await;

    assert_eq!(run.status, RunStatus::Failed, "{run}");
    assert!(run.entities.is_empty(), "the run went on: {run}");
    assert_eq!(run.failures.len(), 1, "{run}");
    let (_, reason) = &run.failures[0];
    assert!(reason.contains("refused the credentials"), "{reason}");
    assert!(!reason.contains(wrong_secret), "{reason}");
    assert_eq!(cursors(p.pool()).await, cursors_before);
    let stored: String = sqlx::query_scalar("SELECT status FROM sync_runs WHERE run_id = $1")
        .bind(run.run_id)
        .fetch_one(p.pool())
        .await
        .unwrap();
    assert_eq!(stored, "failed");
    p.finish().await;
}

/// Every fetch cursor as stored, in a fixed order.
async fn cursors(pool: &PgPool) -> Vec<(String, String, Option<mirror_store::FetchCursor>)> {
    let mut all = Vec::new();
    for entity in Entity::ALL {
        for mode in ["full", "incremental"] {
            let cursor = mirror_store::load_cursor(pool, entity, mode);
            let cursor = step("load cursor", cursor).await.unwrap();
            all.push((entity.as_str().to_owned(), mode.to_owned(), cursor));
        }
    }
    all
}

/// C-changes: an old test is reported and another deleted after the full
/// sync; one incremental run must bring both into the mirror.
#[tokio::test]
async fn an_incremental_run_brings_in_later_reports_and_deletions_of_old_tests() {
    // The lab's clock is months behind the machine's.
    let mut p = Pipeline::start(fixed_clock()).await;
    let fetcher = p.fetcher(&[]).await;
    p.start_loader();
    let synced = p.sync(&fetcher, SyncMode::Full, &[]).await;
    assert_eq!(synced.status, RunStatus::Published, "{synced}");
    p.assert_mirror_equals_lab().await;
    let unfinished: Vec<i32> = sqlx::query_scalar(
        "SELECT id FROM tests WHERE state IN ('NOT STARTED', 'IN PROGRESS') \
         AND report_completed_date IS NULL ORDER BY id",
    )
    .fetch_all(p.pool())
    .await
    .unwrap();

    let changes = p.lab().advance(Duration::from_secs(14 * 86_400));
    let reported = first_reported(&fetcher, &unfinished, &changes.test.updated).await;
    let (reported_id, truth) = reported.expect("no unfinished test was reported in two weeks");
    let live = p.lab_ids(Entity::Test);
    let deleted_id = unfinished
        .iter()
        .copied()
        .find(|id| *id != reported_id && live.contains(id))
        .unwrap();
    p.lab().delete(Entity::Test, &[deleted_id as u64]).unwrap();
    let run = p.sync(&fetcher, SyncMode::Incremental, &[]).await;

    assert_eq!(run.status, RunStatus::Published, "{run}");
    p.assert_mirror_equals_lab().await;
    let (state, completed, report_completed): (
        String,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    ) = sqlx::query_as(
        "SELECT state, complete_date, report_completed_date FROM tests WHERE id = $1",
    )
    .bind(reported_id)
    .fetch_one(p.pool())
    .await
    .unwrap();
    assert_eq!(state, truth["state"].as_str().unwrap());
    assert_eq!(completed, lab_time(&truth, "complete_date"));
    assert_eq!(report_completed, lab_time(&truth, "report_completed_date"));
    assert!(report_completed.is_some());
    let hidden: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT deleted_at FROM tests WHERE id = $1")
            .bind(deleted_id)
            .fetch_one(p.pool())
            .await
            .unwrap();
    assert!(hidden.is_some(), "test {deleted_id} is not marked deleted");
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM record_deletions WHERE entity = 'test' AND record_id = $1",
    )
    .bind(deleted_id)
    .fetch_one(p.pool())
    .await
    .unwrap();
    assert_eq!(recorded, 1);
    p.finish().await;
}

/// The first of `candidates` that changed and is now COMPLETED or REPORTED
/// with a report date, with its detail as QBench shows it.
async fn first_reported(
    fetcher: &Syncer,
    candidates: &[i32],
    changed: &[u64],
) -> Option<(i32, Value)> {
    for id in candidates {
        if !changed.contains(&(*id as u64)) {
            continue;
        }
        let detail = fetcher.client.get_record(Entity::Test, i64::from(*id));
        let detail = step("read a test", detail).await.unwrap().unwrap();
        let done = matches!(detail["state"].as_str(), Some("COMPLETED" | "REPORTED"));
        if done && !detail["report_completed_date"].is_null() {
            return Some((*id, detail));
        }
    }
    None
}

/// A date field of a QBench record, read in the lab's zone.
fn lab_time(record: &Value, field: &str) -> Option<DateTime<Utc>> {
    let zone = LAB_ZONE.parse().unwrap();
    mirror_records::parse_datetime(field, &record[field], zone).unwrap()
}

/// Holds samples page 3 for a moment, once, and returns the ids of the
/// first half page of samples, to delete while it is held: page 3 is then
/// answered after the deletions, pages 1 and 2 were read before them.
fn hold_sample_page_3(p: &Pipeline) -> Vec<u64> {
    p.lab()
        .add_fault(on_sample_page(3, FaultAction::Delay { ms: 1_500 }).times(1));
    p.lab_ids(Entity::Sample)[..PAGE_SIZE / 2]
        .iter()
        .map(|id| *id as u64)
        .collect()
}

/// Records deleted while a full sync pages shift every later page to the
/// left; the sync must notice the smaller total and read again, so no
/// record still in the lab slips between two pages unread.
#[tokio::test]
async fn records_deleted_while_paging_push_no_other_record_past_the_reader() {
    let mut p = Pipeline::start(fixed_clock()).await;
    let doomed = hold_sample_page_3(&p);
    let deletions = while_held(p.lab(), move |lab| {
        lab.delete(Entity::Sample, &doomed).unwrap();
    });
    let fetcher = p.fetcher(&[]).await;

    let run = p.sync(&fetcher, SyncMode::Full, &[]).await;
    step("deletions", deletions).await.unwrap();

    assert_eq!(run.status, RunStatus::Published, "{run}");
    let live = p.lab_ids(Entity::Sample);
    p.assert_read(Entity::Sample, &live).await;
    p.finish().await;
}

/// Samples deleted behind the reader while a full sync pages, offset by
/// samples created meanwhile, so the total never shrinks: the updates feed
/// must show the reader what it would have skipped. `look_pages` is the
/// fetcher's `FEED_LOOK_PAGES`.
async fn deletions_offset_by_creations_push_no_record_past_the_reader(look_pages: &str) {
    // The lab's history ends now.
    let mut p = Pipeline::start(Utc::now()).await;
    let doomed = hold_sample_page_3(&p);
    let before = p.lab().live_count(Entity::Sample);
    // Samples created meanwhile are for the next incremental run to read.
    let kept: Vec<i32> = p.lab_ids(Entity::Sample)[PAGE_SIZE / 2..].to_vec();
    let changes = while_held(p.lab(), move |lab| {
        lab.delete(Entity::Sample, &doomed).unwrap();
        lab.advance(Duration::from_secs(7 * 86_400));
        // How many samples a week brings depends on where the generated
        // lab's history ends: a day more at a time until the deleted ones
        // are made up for.
        for _ in 0..60 {
            if lab.live_count(Entity::Sample) >= before {
                break;
            }
            lab.advance(Duration::from_secs(86_400));
        }
    });
    let fetcher = p.fetcher(&[("FEED_LOOK_PAGES", look_pages)]).await;

    let run = p.sync(&fetcher, SyncMode::Full, &[]).await;
    step("lab changes", changes).await.unwrap();

    assert_eq!(run.status, RunStatus::Published, "{run}");
    let after = p.lab().live_count(Entity::Sample);
    assert!(after >= before, "the total shrank: {before} to {after}");
    let live = p.lab_ids(Entity::Sample);
    let kept: Vec<i32> = kept.into_iter().filter(|id| live.contains(id)).collect();
    p.assert_read(Entity::Sample, &kept).await;
    p.finish().await;
}

#[tokio::test]
async fn deletions_offset_by_creations_are_seen_by_the_look_at_the_end_of_the_pass() {
    deletions_offset_by_creations_push_no_record_past_the_reader("10000").await;
}

#[tokio::test]
async fn deletions_offset_by_creations_are_seen_by_the_looks_while_paging() {
    deletions_offset_by_creations_push_no_record_past_the_reader("1").await;
}

/// Tests deleted from the first page of a window sync while it pages shift
/// the later pages, and the first records of page 2 slide onto page 1,
/// already read: the look at the updates feed at the end of the pass must
/// send the reader back, so no test created in the window goes unread.
#[tokio::test]
async fn a_window_reads_again_when_a_record_it_read_is_deleted() {
    use qbench_client::{PageQuery, SortKey, SortOrder};
    // The lab's history ends now.
    let mut p = Pipeline::start(Utc::now()).await;
    let fetcher = p.fetcher(&[]).await;
    let parents = [Entity::Customer, Entity::Order, Entity::Sample];
    let synced = p.sync(&fetcher, SyncMode::Full, &parents).await;
    assert_eq!(synced.status, RunStatus::Published, "{synced}");

    // The window's first two pages as they stand before the deletions.
    let mut newest = Vec::new();
    for page in [1, 2] {
        let query =
            PageQuery::new(page, PAGE_SIZE as u32).sorted(SortKey::DateCreated, SortOrder::Desc);
        let listed = fetcher.client.list_page(Entity::Test, &query).await;
        newest.extend(listed.unwrap().records);
    }
    // A window reaching two days past the oldest of those pages, however
    // thinly the generated lab's last days are populated at this hour.
    let now = Utc::now();
    let oldest = newest
        .iter()
        .filter_map(|record| lab_time(record, "date_created"))
        .min()
        .unwrap();
    let days = u32::try_from((now - oldest).num_days()).unwrap() + 2;
    let window_start = now - chrono::Duration::days(i64::from(days));
    let in_window =
        |record: &Value| lab_time(record, "date_created").is_some_and(|at| at >= window_start);
    let id = |record: &Value| record["id"].as_i64().unwrap();
    let doomed: Vec<u64> = newest[..5].iter().map(|r| id(r) as u64).collect();
    let sliding: Vec<i64> = newest[PAGE_SIZE..PAGE_SIZE + 5].iter().map(id).collect();
    let expected: Vec<i32> = newest[5..]
        .iter()
        .filter(|r| in_window(r))
        .map(|r| id(r) as i32)
        .collect();
    assert!(
        sliding.iter().all(|s| expected.contains(&(*s as i32))),
        "the records that slide are not all in the window: {sliding:?}"
    );

    let delay = FaultRule::new(FaultAction::Delay { ms: 1_500 })
        .route(RouteKind::List)
        .entity(Entity::Test)
        .page(2)
        .times(1);
    p.lab().add_fault(delay);
    let deletions = while_held(p.lab(), move |lab| {
        lab.delete(Entity::Test, &doomed).unwrap();
    });
    let plan = SyncPlan::new(SyncMode::Window, &[Entity::Test]).with_window_days(Some(days));
    let run = within(RUN_LIMIT, "window run", fetcher.run(&plan))
        .await
        .unwrap();
    step("deletions", deletions).await.unwrap();
    assert_eq!(run.status, RunStatus::Published, "{run}");

    p.assert_read(Entity::Test, &expected).await;
    p.finish().await;
}

/// C-failed-page in a window run: a page short of records before the last
/// ends the run partial naming it, rather than reading past what it lost.
/// Incremental runs' passes check their pages the same way.
#[tokio::test]
async fn a_short_page_ends_a_window_run_partial() {
    let p = Pipeline::start(fixed_clock()).await;
    let fetcher = p.fetcher(&[]).await;
    let short = FaultRule::new(FaultAction::ShortPage { rows: 3 })
        .route(RouteKind::List)
        .entity(Entity::Test)
        .page(2)
        .times(1);
    p.lab().add_fault(short);
    // Ten years: every test of the lab is in the window.
    let plan = SyncPlan::new(SyncMode::Window, &[Entity::Test]).with_window_days(Some(3650));
    let run = within(RUN_LIMIT, "window run", fetcher.run(&plan))
        .await
        .unwrap();
    assert!(p.lab().faults().is_empty(), "page 2 was never read");
    assert_eq!(run.status, RunStatus::Partial, "{run}");
    assert!(run.failures[0].1.starts_with("page 2:"), "{run}");
    p.finish().await;
}

/// A page published but never counted (the fetcher died, or NATS or
/// PostgreSQL went away, between the publishes and the count) held its
/// run, and the checkpoint, for good. The next run counts it from the
/// stream, and the checkpoint moves on once its records are in.
#[tokio::test]
async fn a_page_left_uncounted_is_counted_from_the_stream_by_the_next_run() {
    let mut p = Pipeline::start(fixed_clock()).await;
    let fetcher = p.fetcher(&[]).await;
    p.lab().add_fault(on_sample_page(3, unavailable()).times(3));
    let failed = p.sync(&fetcher, SyncMode::Full, &[]).await;
    assert_eq!(failed.status, RunStatus::Partial, "{failed}");
    // As if the count of page 2 had never been written.
    let lost = sqlx::query(
        "UPDATE sync_run_pages SET record_count = NULL \
         WHERE run_id = $1 AND entity = 'sample' AND page = 2",
    )
    .bind(failed.run_id)
    .execute(p.pool());
    assert_eq!(step("lose a count", lost).await.unwrap().rows_affected(), 1);

    p.start_loader();
    let resumed = p.sync(&fetcher, SyncMode::Full, &[]).await;
    assert_eq!(resumed.status, RunStatus::Published, "{resumed}");
    let counted = p.ledger(failed.run_id, Entity::Sample).await;
    assert_eq!(counted[1].record_count, Some(PAGE_SIZE as i32));
    p.assert_checkpoint_complete(Entity::Sample).await;
    p.finish().await;
}

/// Two runs in a row fail on the same page, the second before publishing
/// anything, so the cursor still names the first; the run that then reads
/// the pass to its end must free the checkpoint of both.
#[tokio::test]
async fn a_pass_failing_twice_then_finished_frees_the_checkpoint() {
    let mut p = Pipeline::start(fixed_clock()).await;
    let fetcher = p.fetcher(&[]).await;
    p.lab().add_fault(on_sample_page(3, unavailable()).times(6));
    for attempt in ["first", "second"] {
        let failed = p.sync(&fetcher, SyncMode::Full, &[Entity::Sample]).await;
        assert_eq!(failed.status, RunStatus::Partial, "{attempt}: {failed}");
    }
    assert!(
        p.lab().faults().is_empty(),
        "page 3 was not asked six times"
    );

    let finished = p.sync(&fetcher, SyncMode::Full, &[]).await;
    assert_eq!(finished.status, RunStatus::Published, "{finished}");
    p.start_loader();
    p.assert_mirror_equals_lab().await;
    p.assert_checkpoint_complete(Entity::Sample).await;
    p.finish().await;
}
