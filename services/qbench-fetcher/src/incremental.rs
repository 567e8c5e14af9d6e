//! Incremental sync of one entity: records created since the last run, and
//! records changed or deleted since then.
//!
//! New records are found by reading ids descending until a known id shows
//! up. Changes and deletions come from QBench's updates feed; each changed
//! record is read in full (its detail), so state changes and report dates
//! on old records reach the mirror. Where the tenant has no feed (batches
//! never do), records are read newest `last_updated` first down to the last
//! run; a tenant that cannot sort that way gets the records created in the
//! last `SYNC_LOOKBACK_DAYS` read again. An entity never read in full is
//! read in full first.

use chrono::{DateTime, Duration, Utc};
use futures::{StreamExt, stream};
use mirror_records::{Entity, record_id};
use mirror_store::{FetchCursor, RunStatus};
use qbench_client::{PageQuery, QbenchError, SortKey, SortOrder};
use serde_json::Value;
use tracing::{Instrument, Span};
use uuid::Uuid;

use crate::engine::{
    EntityFailure, EntityReport, Syncer, page_span, publish_page, read_page, record_ledger_page,
    tally, whole_page,
};
use crate::publish::{PagePlace, publish_deletions};

const MODE: &str = "incremental";

/// Brings `entity` up to date within the run. `now` is QBench's time at
/// the run's start: the next run asks for changes since then.
pub async fn sync_entity(
    syncer: &Syncer,
    run_id: Uuid,
    entity: Entity,
    now: DateTime<Utc>,
) -> Result<EntityReport, EntityFailure> {
    let full_done = mirror_store::load_cursor(&syncer.pool, entity, "full")
        .await?
        .is_some_and(|c| c.next_page.is_none());
    if !full_done {
        tracing::info!(%entity, "No complete full sync yet; reading everything.");
        return crate::full::sync_entity(syncer, run_id, entity, now).await;
    }

    mirror_store::start_run_entity(&syncer.pool, run_id, entity, MODE).await?;
    let mut state = Incremental {
        syncer,
        run_id,
        entity,
        ledger_page: 0,
        report: EntityReport::default(),
    };
    let started = now;
    let result = state.read(started).await;
    let (status, message) = match &result {
        Ok(_) => (RunStatus::Published, None),
        Err(e) => (RunStatus::Partial, Some(e.to_string())),
    };
    mirror_store::finish_run_entity(
        &syncer.pool,
        run_id,
        entity,
        status,
        state.ledger_page,
        message.as_deref(),
    )
    .await?;
    let cursor = result?;
    let cursor = FetchCursor {
        run_id: Some(run_id),
        changes_since: Some(started),
        ..cursor
    };
    mirror_store::save_cursor(&syncer.pool, entity, MODE, &cursor).await?;
    Ok(state.report)
}

struct Incremental<'a> {
    syncer: &'a Syncer,
    run_id: Uuid,
    entity: Entity,
    ledger_page: i32,
    report: EntityReport,
}

impl Incremental<'_> {
    /// Reads new records, then changes; returns the cursor to save. `now`
    /// is QBench's time when the run started.
    async fn read(&mut self, now: DateTime<Utc>) -> Result<FetchCursor, EntityFailure> {
        let cursor = mirror_store::load_cursor(&self.syncer.pool, self.entity, MODE)
            .await?
            .unwrap_or_default();
        let stored_max = mirror_store::max_id(&self.syncer.pool, self.entity).await?;
        let known = cursor.high_water_id.max(stored_max).unwrap_or(0);
        let high_water = self.new_records(known).await?;

        let lookback = Duration::days(i64::from(self.syncer.settings.lookback_days));
        let overlap = Duration::from_std(self.syncer.settings.feed_overlap).unwrap_or_default();
        let since = cursor
            .changes_since
            .map_or_else(|| now - lookback, |t| t - overlap);
        match self.syncer.client.updates(self.entity, since).await {
            Ok(updates) => {
                self.changed_records(&updates.updated).await?;
                self.deletions(&updates.deleted).await?;
            }
            Err(QbenchError::FeedUnavailable { .. }) => {
                self.without_feed(since, now - lookback).await?
            }
            Err(e) => return Err(EntityFailure::Feed(e)),
        }
        Ok(FetchCursor {
            high_water_id: Some(high_water),
            ..cursor
        })
    }

    /// Reads ids descending until a page reaches ids the mirror has.
    async fn new_records(&mut self, known: i32) -> Result<i32, EntityFailure> {
        let size = self.syncer.settings.qbench.page_size;
        let mut high_water = known;
        let mut page_num = 1;
        loop {
            let query = PageQuery::new(page_num, size).sorted(SortKey::Id, SortOrder::Desc);
            let (page, trace) = read_page(&self.syncer.client, self.entity, &query).await?;
            if !page.records.is_empty() {
                whole_page(&page, page_num, size)?;
            }
            let fresh: Vec<Value> = page
                .records
                .iter()
                .filter(|r| record_id(r).is_ok_and(|id| id > known))
                .cloned()
                .collect();
            high_water = fresh
                .iter()
                .filter_map(|r| record_id(r).ok())
                .fold(high_water, i32::max);
            let reached_known = fresh.len() < page.records.len();
            self.publish(&fresh, "list", &trace).await?;
            if reached_known || page.records.is_empty() || u64::from(page_num) >= page.total_pages {
                return Ok(high_water);
            }
            page_num += 1;
        }
    }

    /// Reads each changed record's detail and publishes it.
    async fn changed_records(&mut self, ids: &[i64]) -> Result<(), EntityFailure> {
        let window = self.syncer.settings.qbench.max_in_flight.max(1);
        for chunk in ids.chunks(self.syncer.settings.qbench.page_size as usize) {
            let client = &self.syncer.client;
            let entity = self.entity;
            let trace = page_span(entity, "detail");
            let details: Vec<(i64, Result<Option<Value>, QbenchError>)> =
                stream::iter(chunk.iter().copied())
                    .map(|id| async move { (id, client.get_record(entity, id).await) })
                    .buffered(window)
                    .collect()
                    .instrument(trace.clone())
                    .await;
            let mut records = Vec::with_capacity(details.len());
            for (id, detail) in details {
                match detail.map_err(|error| EntityFailure::Record { id, error })? {
                    Some(record) => records.push(record),
                    None => {
                        tracing::info!(entity = %self.entity, id, "Changed record is gone; the feed will list its deletion.")
                    }
                }
            }
            self.publish(&records, "detail", &trace).await?;
        }
        Ok(())
    }

    /// Publishes tombstones for deleted records.
    async fn deletions(&mut self, ids: &[i64]) -> Result<(), EntityFailure> {
        let ids: Vec<i32> = ids
            .iter()
            .filter_map(|id| i32::try_from(*id).ok())
            .collect();
        for chunk in ids.chunks(self.syncer.settings.qbench.page_size as usize) {
            self.ledger_page += 1;
            let place = PagePlace {
                run_id: Some(self.run_id),
                page: Some(self.ledger_page),
            };
            mirror_store::announce_page(
                &self.syncer.pool,
                self.run_id,
                self.entity,
                self.ledger_page,
            )
            .await?;
            let published = publish_deletions(&self.syncer.js, self.entity, chunk, place)
                .instrument(page_span(self.entity, "updates"))
                .await?;
            record_ledger_page(
                self.syncer,
                self.run_id,
                self.entity,
                self.ledger_page,
                &published,
            )
            .await?;
            self.report.deleted += chunk.len() as i64;
        }
        Ok(())
    }

    /// Without a feed: re-reads records changed since `since`, newest
    /// `last_updated` first. A tenant that will not sort by `last_updated`
    /// gets the records created since `window_start` re-read instead.
    async fn without_feed(
        &mut self,
        since: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Result<(), EntityFailure> {
        let by_change = |r: &Value| {
            mirror_records::last_updated(r)
                .ok()
                .flatten()
                .is_some_and(|t| t < since.timestamp())
        };
        match self
            .read_newest_first(SortKey::LastUpdated, by_change)
            .await
        {
            Err(EntityFailure::Page {
                error: QbenchError::Status { status: 400, .. },
                ..
            }) => {
                tracing::info!(entity = %self.entity, "QBench will not sort by last_updated; re-reading recent records.");
                let zone = self.syncer.settings.qbench.timezone;
                self.read_newest_first(SortKey::DateCreated, |r| {
                    created_before(r, window_start, zone)
                })
                .await
            }
            other => other,
        }
    }

    /// Reads pages sorted by `key` descending and publishes the records that
    /// are not `too_old`, stopping only at a page where every record is.
    async fn read_newest_first(
        &mut self,
        key: SortKey,
        too_old: impl Fn(&Value) -> bool,
    ) -> Result<(), EntityFailure> {
        let size = self.syncer.settings.qbench.page_size;
        let mut page_num = 1;
        loop {
            let query = PageQuery::new(page_num, size).sorted(key, SortOrder::Desc);
            let (page, trace) = read_page(&self.syncer.client, self.entity, &query).await?;
            if !page.records.is_empty() {
                whole_page(&page, page_num, size)?;
            }
            let inside: Vec<Value> = page
                .records
                .iter()
                .filter(|r| !too_old(r))
                .cloned()
                .collect();
            let all_older = inside.is_empty();
            self.publish(&inside, "list", &trace).await?;
            if all_older || u64::from(page_num) >= page.total_pages {
                return Ok(());
            }
            page_num += 1;
        }
    }

    async fn publish(
        &mut self,
        records: &[Value],
        source: &str,
        trace: &Span,
    ) -> Result<(), EntityFailure> {
        let published = publish_page(
            self.syncer,
            self.run_id,
            self.entity,
            &mut self.ledger_page,
            records,
            source,
            trace,
        )
        .await?;
        tally(&mut self.report, &published);
        Ok(())
    }
}

/// Whether a record was created before `from`; records without a readable
/// creation date count as inside the window, so they are read again.
fn created_before(record: &Value, from: DateTime<Utc>, zone: chrono_tz::Tz) -> bool {
    let created = record
        .get("date_created")
        .map(|v| mirror_records::parse_datetime("date_created", v, zone));
    matches!(created, Some(Ok(Some(t))) if t < from)
}
