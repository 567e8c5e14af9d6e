//! The ledger that keeps checkpoints honest.
//!
//! Every raw message of a sync run names its run and page. When a loader
//! commits (or sets aside) records, it writes one receipt per record of a
//! run's page in the same transaction; a receipt that already exists is a
//! redelivery, or a second copy of the record in the stream, and counts
//! nothing. Nor does a receipt for a run already complete, whose receipts
//! are gone. The page counters then say, exactly, how many of a page's
//! records are in PostgreSQL, and [`advance_checkpoint`] moves the checkpoint
//! over the pages that are complete from the first on, and no further.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use mirror_records::Entity;
use sqlx::{AssertSqlSafe, PgConnection};
use uuid::Uuid;

use crate::StoreError;

/// How a raw message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Committed to its table (written or found unchanged).
    Loaded,
    /// Set aside in `skipped_records`.
    Skipped,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Loaded => "loaded",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One record's place in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub run_id: Uuid,
    pub page: i32,
    pub record_id: i64,
    /// The stream sequence of the copy handled, which set-aside records name.
    pub raw_sequence: i64,
    pub outcome: Outcome,
}

/// Records receipts and bumps their pages' counters; returns how many
/// receipts were new. A skipped record that later loads moves from the
/// page's skipped count to its loaded count.
pub async fn record_receipts(
    conn: &mut PgConnection,
    entity: Entity,
    receipts: &[Receipt],
) -> Result<usize, StoreError> {
    if receipts.is_empty() {
        return Ok(0);
    }
    let runs: Vec<Uuid> = receipts.iter().map(|r| r.run_id).collect();
    let pages: Vec<i32> = receipts.iter().map(|r| r.page).collect();
    let records: Vec<i64> = receipts.iter().map(|r| r.record_id).collect();
    let sequences: Vec<i64> = receipts.iter().map(|r| r.raw_sequence).collect();
    let outcomes: Vec<&str> = receipts.iter().map(|r| r.outcome.as_str()).collect();

    // A receipt changes only from skipped to loaded; `previous` tells which
    // counter to take it from. Two copies of a record in one batch make one
    // receipt (the loaded one, if either is), and a run already complete
    // takes none.
    let changed: Vec<(Uuid, i32, String, Option<String>)> = sqlx::query_as(
        "WITH incoming AS ( \
             SELECT DISTINCT ON (run_id, page, record_id) i.* \
             FROM UNNEST($2::uuid[], $3::int4[], $4::int8[], $5::int8[], $6::text[]) \
                 AS i(run_id, page, record_id, raw_sequence, outcome) \
             WHERE NOT EXISTS (SELECT 1 FROM sync_run_entities e \
                 WHERE e.run_id = i.run_id AND e.entity = $1 AND e.completed_at IS NOT NULL) \
             ORDER BY run_id, page, record_id, i.outcome = 'loaded' DESC), \
         previous AS ( \
             SELECT r.run_id, r.page, r.record_id, r.outcome FROM raw_receipts r \
             JOIN incoming i USING (run_id, page, record_id) \
             WHERE r.entity = $1 FOR UPDATE OF r), \
         written AS ( \
             INSERT INTO raw_receipts AS r \
                 (run_id, entity, page, record_id, raw_sequence, outcome) \
             SELECT run_id, $1, page, record_id, raw_sequence, outcome FROM incoming \
             ON CONFLICT (run_id, entity, page, record_id) DO UPDATE \
             SET outcome = EXCLUDED.outcome, handled_at = now() \
             WHERE r.outcome = 'skipped' AND EXCLUDED.outcome = 'loaded' \
             RETURNING r.run_id, r.page, r.record_id, r.outcome) \
         SELECT w.run_id, w.page, w.outcome, p.outcome FROM written w \
         LEFT JOIN previous p USING (run_id, page, record_id)",
    )
    .bind(entity.as_str())
    .bind(&runs)
    .bind(&pages)
    .bind(&records)
    .bind(&sequences)
    .bind(&outcomes)
    .fetch_all(&mut *conn)
    .await?;

    let mut deltas: BTreeMap<(Uuid, i32), (i32, i32)> = BTreeMap::new();
    for (run, page, outcome, previous) in &changed {
        let delta = deltas.entry((*run, *page)).or_default();
        match (outcome.as_str(), previous.as_deref()) {
            ("loaded", Some("skipped")) => {
                delta.0 += 1;
                delta.1 -= 1;
            }
            ("loaded", _) => delta.0 += 1,
            _ => delta.1 += 1,
        }
    }
    add_to_pages(conn, entity, PageCounters::LoadedSkipped, &deltas).await?;
    Ok(changed.len())
}

/// Which pair of a page's counters [`add_to_pages`] moves.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PageCounters {
    /// Records loaded and set aside: whether the page is done.
    LoadedSkipped,
    /// Rows inserted and revised: what a window run's report says.
    InsertedRevised,
}

/// Adds each delta to its `(run, page)` counters, in key order: loaders
/// lock page rows in one order.
pub(crate) async fn add_to_pages(
    conn: &mut PgConnection,
    entity: Entity,
    counters: PageCounters,
    deltas: &BTreeMap<(Uuid, i32), (i32, i32)>,
) -> Result<(), StoreError> {
    let (first, second) = match counters {
        PageCounters::LoadedSkipped => ("loaded", "skipped"),
        PageCounters::InsertedRevised => ("inserted", "revised"),
    };
    let sql = format!(
        "INSERT INTO sync_run_pages (run_id, entity, page, {first}, {second}) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (run_id, entity, page) DO UPDATE \
         SET {first} = sync_run_pages.{first} + EXCLUDED.{first}, \
             {second} = sync_run_pages.{second} + EXCLUDED.{second}"
    );
    for ((run, page), (one, other)) in deltas {
        sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(run)
            .bind(entity.as_str())
            .bind(page)
            .bind(one)
            .bind(other)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Turns the skipped receipts of records now loaded into loaded ones and
/// moves their pages' counters; returns how many moved. A record set aside
/// in one run and loaded through another message later (the next run
/// re-read it once its parent arrived) so completes its first run's page.
/// A record whose set-aside entry is still open (the copy loaded is older
/// than the one set aside; see `resolve_skipped`) keeps its receipts.
pub async fn settle_skipped_receipts(
    conn: &mut PgConnection,
    entity: Entity,
    loaded_ids: &[i32],
) -> Result<usize, StoreError> {
    if loaded_ids.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = loaded_ids.iter().map(|id| i64::from(*id)).collect();
    let moved: Vec<(Uuid, i32, i64)> = sqlx::query_as(
        "WITH moved AS ( \
             UPDATE raw_receipts SET outcome = 'loaded', handled_at = now() \
             WHERE entity = $1 AND record_id = ANY($2::int8[]) AND outcome = 'skipped' \
               AND NOT EXISTS (SELECT 1 FROM skipped_records s WHERE s.entity = $1 \
                   AND s.record_id = raw_receipts.record_id AND s.resolved_at IS NULL) \
             RETURNING run_id, page) \
         SELECT run_id, page, count(*)::int8 FROM moved GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind(entity.as_str())
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let deltas: BTreeMap<(Uuid, i32), (i32, i32)> = moved
        .into_iter()
        .map(|(run, page, count)| {
            let count = i32::try_from(count).unwrap_or(i32::MAX);
            ((run, page), (count, -count))
        })
        .collect();
    add_to_pages(conn, entity, PageCounters::LoadedSkipped, &deltas).await?;
    Ok(deltas.values().map(|(loaded, _)| *loaded as usize).sum())
}

#[derive(Debug, sqlx::FromRow)]
struct RunEntity {
    run_id: Uuid,
    mode: String,
    status: String,
    total_pages: Option<i32>,
    complete_pages: i32,
    started_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
}

/// Moves the entity's checkpoint as far as committed data allows.
///
/// The checkpoint row is locked first, so concurrent loaders advance it one
/// at a time, each seeing the others' committed counters. A run is complete
/// when the fetcher has published all its pages and every record of every
/// page is loaded; `last_synced_at` becomes the start of the latest run
/// before which nothing is incomplete (a complete full run clears whatever
/// older runs left incomplete, since it re-read everything). An
/// incremental or window run that ended short stops holding the checkpoint
/// once everything it published is committed. While a run is incomplete,
/// `last_id` and `last_cursor` name the end of its leading complete pages.
pub async fn advance_checkpoint(conn: &mut PgConnection, entity: Entity) -> Result<(), StoreError> {
    let watermark: Option<DateTime<Utc>> = lock_checkpoint(conn, entity).await?;
    let runs: Vec<RunEntity> = sqlx::query_as(
        "SELECT run_id, mode, status, total_pages, complete_pages, started_at, completed_at \
         FROM sync_run_entities WHERE entity = $1 AND started_at >= coalesce($2, '-infinity') \
         ORDER BY started_at, run_id",
    )
    .bind(entity.as_str())
    .bind(watermark)
    .fetch_all(&mut *conn)
    .await?;

    let mut synced_to = watermark;
    let mut blocked: Option<(Uuid, i32, Option<i32>)> = None;
    let mut latest: (Option<i32>, Option<i32>) = (None, None);
    for run in runs {
        let (complete, pages, last_id) = match run.completed_at {
            Some(_) => (true, run.complete_pages, None),
            None => settle_run(conn, entity, &run).await?,
        };
        // A window run re-reads recent records only: complete, it vouches
        // for nothing older and leaves the checkpoint where it is;
        // incomplete, it holds the checkpoint back like any run.
        if complete && run.mode == "window" {
            continue;
        }
        // An incremental or window run that ended short (a failed page)
        // leaves its fetch cursor where it was, so the next run of its
        // kind reads again what it missed. Once every page it announced is
        // counted and committed it holds nothing back, and vouches for
        // nothing either. A full run that ended short is resumed by the
        // next, and holds the checkpoint until a complete full run.
        if !complete && ended_short(&run) && settled(conn, entity, &run).await? {
            continue;
        }
        if complete && (blocked.is_none() || run.mode == "full") {
            synced_to = Some(run.started_at);
            blocked = None;
            latest = (Some(pages), last_id);
        } else if !complete && blocked.is_none() {
            blocked = Some((run.run_id, pages, last_id));
        }
    }

    let (run_id, pages, last_id, status) = match blocked {
        Some((run, pages, last_id)) => (Some(run), Some(pages), last_id, "loading"),
        None => (None, latest.0, latest.1, "complete"),
    };
    sqlx::query(
        "UPDATE sync_checkpoints SET last_synced_at = $2, run_id = $3, \
             last_cursor = coalesce($4, last_cursor), last_id = coalesce($5, last_id), \
             status = $6, failed = false, updated_at = now() \
         WHERE entity = $1",
    )
    .bind(entity.as_str())
    .bind(synced_to)
    .bind(run_id)
    .bind(pages)
    .bind(last_id)
    .bind(status)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether `run` ended before reading all it meant to, as a run that the
/// next run of its kind reads again after.
fn ended_short(run: &RunEntity) -> bool {
    let ended = run.status != "running" && run.status != "published";
    ended && (run.mode == "incremental" || run.mode == "window")
}

/// Whether every page of the run has its record count and all of its
/// records committed. The fetcher announces a page before publishing it
/// ([`crate::announce_page`]), so a page whose records may be in flight
/// always has a row here, uncounted until the fetcher saw every ack.
async fn settled(
    conn: &mut PgConnection,
    entity: Entity,
    run: &RunEntity,
) -> Result<bool, StoreError> {
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sync_run_pages \
         WHERE run_id = $1 AND entity = $2 \
           AND (record_count IS NULL OR loaded < record_count)",
    )
    .bind(run.run_id)
    .bind(entity.as_str())
    .fetch_one(&mut *conn)
    .await?;
    Ok(open == 0)
}

/// Takes the entity's checkpoint lock for the rest of the transaction.
///
/// A loader takes it after writing its rows and before any bookkeeping (page
/// counters, receipts, set-aside entries), so two loaders of one entity never
/// hold page or receipt rows the other waits for: their bookkeeping runs one
/// at a time while their upserts, the bulk of the work, run side by side.
pub async fn hold_checkpoint(conn: &mut PgConnection, entity: Entity) -> Result<(), StoreError> {
    lock_checkpoint(conn, entity).await?;
    Ok(())
}

/// Creates the entity's checkpoint row if needed and locks it for the rest
/// of the transaction; returns its watermark. Whoever changes run rows of
/// an entity takes this lock first, so the lock order is the same for all.
pub(crate) async fn lock_checkpoint(
    conn: &mut PgConnection,
    entity: Entity,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    sqlx::query(
        "INSERT INTO sync_checkpoints (entity, status, updated_at, failed) \
         VALUES ($1, 'loading', now(), false) ON CONFLICT (entity) DO NOTHING",
    )
    .bind(entity.as_str())
    .execute(&mut *conn)
    .await?;
    let watermark = sqlx::query_scalar(
        "SELECT last_synced_at FROM sync_checkpoints WHERE entity = $1 FOR UPDATE",
    )
    .bind(entity.as_str())
    .fetch_one(&mut *conn)
    .await?;
    Ok(watermark)
}

/// Updates the run's count of leading complete pages; marks the run complete
/// when they are all of its pages. Returns whether it is complete, and the
/// leading complete pages with the last id they cover.
async fn settle_run(
    conn: &mut PgConnection,
    entity: Entity,
    run: &RunEntity,
) -> Result<(bool, i32, Option<i32>), StoreError> {
    let (pages, last_id) = leading_complete_pages(conn, entity, run).await?;
    let complete = run.status == "published" && run.total_pages.is_some_and(|total| pages >= total);
    sqlx::query(
        "UPDATE sync_run_entities SET complete_pages = $3, \
             completed_at = CASE WHEN $4 THEN now() ELSE NULL END \
         WHERE run_id = $1 AND entity = $2",
    )
    .bind(run.run_id)
    .bind(entity.as_str())
    .bind(pages)
    .bind(complete)
    .execute(&mut *conn)
    .await?;
    if complete {
        // Every record of the run is in; its receipts have served their
        // purpose. A late redelivery of one of them changes nothing that is
        // still read.
        sqlx::query("DELETE FROM raw_receipts WHERE run_id = $1 AND entity = $2")
            .bind(run.run_id)
            .bind(entity.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok((complete, pages, last_id))
}

/// Pages read at a time while counting leading complete pages.
const PAGE_CHUNK: i64 = 64;

/// Counts pages 1, 2, … that are published and wholly loaded, from where
/// the run's count stood; returns the count and the last id they cover.
///
/// The pages are read a chunk at a time and the count stops at the first
/// page missing or incomplete. Reading every page after the count instead
/// made each batch of a replay read thousands of page rows (the fetcher
/// records them all long before the loaders catch up), and the loader
/// spent most of its time on it (docs/benchmarks.md).
async fn leading_complete_pages(
    conn: &mut PgConnection,
    entity: Entity,
    run: &RunEntity,
) -> Result<(i32, Option<i32>), StoreError> {
    let mut complete = run.complete_pages;
    let mut last_id = None;
    loop {
        let pages: Vec<(i32, Option<i32>, i32, Option<i32>)> = sqlx::query_as(
            "SELECT page, record_count, loaded, last_id FROM sync_run_pages \
             WHERE run_id = $1 AND entity = $2 AND page > $3 ORDER BY page LIMIT $4",
        )
        .bind(run.run_id)
        .bind(entity.as_str())
        .bind(complete)
        .bind(PAGE_CHUNK)
        .fetch_all(&mut *conn)
        .await?;

        let read = pages.len();
        for (page, record_count, loaded, page_last_id) in pages {
            let done = record_count.is_some_and(|count| loaded >= count);
            if page != complete + 1 || !done {
                return Ok((complete, last_id));
            }
            complete = page;
            last_id = page_last_id.or(last_id);
        }
        if (read as i64) < PAGE_CHUNK {
            return Ok((complete, last_id));
        }
    }
}
