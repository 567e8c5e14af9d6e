//! Window sync of one entity: the records created in the last days, read
//! again newest `date_created` first, for the nightly sync report.
//!
//! No QBench list takes a date range, so the window is made by sorting on
//! `date_created` descending and stopping at the first page on which every
//! dated record is older than the window. A record without a readable
//! creation date is not known to belong to the window and is left to the
//! other modes; it does not stop the read either, since QBench may sort
//! such records first. A record deleted among those already read shifts
//! later pages; where the entity has the updates feed, a look at it at the
//! end of the pass sends the reader back to the first page when that
//! happened.

use std::collections::HashSet;

use chrono::{DateTime, Days, DurationRound, TimeDelta, Utc};
use chrono_tz::Tz;
use mirror_records::{Entity, record_id};
use mirror_store::RunStatus;
use qbench_client::{PageQuery, SortKey, SortOrder};
use serde_json::Value;
use tracing::Span;
use uuid::Uuid;

use crate::deletions::DeletionFeed;
use crate::engine::{
    EntityFailure, EntityReport, Syncer, publish_page, read_page, tally, whole_page,
};

const MODE: &str = "window";

/// The start of a window of `days` ending at `now`: the same wall-clock
/// minute `days` calendar days earlier in the QBench zone. QBench's dates
/// carry minutes only, so a window starting on a whole minute holds the
/// same records whether their seconds are known or not.
pub fn window_start(now: DateTime<Utc>, days: u32, zone: Tz) -> DateTime<Utc> {
    let now = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now);
    let local = now.with_timezone(&zone);
    // A wall time that does not exist that day (a DST gap) falls back to
    // exactly `days` times 24 hours.
    // Requests are bounded (`MAX_WINDOW_DAYS`); past the range of dates a
    // window starts at the earliest one rather than failing.
    local
        .checked_sub_days(Days::new(u64::from(days)))
        .map(|start| start.with_timezone(&Utc))
        .or_else(|| now.checked_sub_signed(TimeDelta::try_days(i64::from(days))?))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Re-reads the records of `entity` created since `start` into the run;
/// `now` is QBench's time at the run's start.
pub async fn sync_entity(
    syncer: &Syncer,
    run_id: Uuid,
    entity: Entity,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<EntityReport, EntityFailure> {
    mirror_store::start_run_entity(&syncer.pool, run_id, entity, MODE).await?;
    let mut state = Window {
        syncer,
        run_id,
        entity,
        start,
        ledger_page: 0,
        report: EntityReport::default(),
        deletions: DeletionFeed::watch(syncer, entity, syncer.client.server_time().unwrap_or(now)),
        read: HashSet::new(),
    };
    let result = state.read_all().await;
    let (status, message) = match &result {
        Ok(()) => (RunStatus::Published, None),
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
    result?;
    Ok(state.report)
}

struct Window<'a> {
    syncer: &'a Syncer,
    run_id: Uuid,
    entity: Entity,
    start: DateTime<Utc>,
    ledger_page: i32,
    report: EntityReport,
    /// `None` where the entity or the tenant has no updates feed.
    deletions: Option<DeletionFeed>,
    /// Ids on the pages read so far.
    read: HashSet<i64>,
}

impl Window<'_> {
    /// Reads the window, and again from the first page while the updates
    /// feed says a record already read was deleted meanwhile. Records read
    /// twice are stored once by JetStream, so the report counts them once.
    async fn read_all(&mut self) -> Result<(), EntityFailure> {
        loop {
            self.read().await?;
            let Some(feed) = self.deletions.as_mut() else {
                return Ok(());
            };
            if !feed.take_final_look() {
                return Ok(());
            }
            let Some(deleted) = feed.new_deletions(self.syncer).await? else {
                self.deletions = None;
                return Ok(());
            };
            if !deleted.iter().any(|id| self.read.contains(id)) {
                return Ok(());
            }
            tracing::info!(entity = %self.entity, "Records already read were deleted; reading the window again.");
        }
    }

    async fn read(&mut self) -> Result<(), EntityFailure> {
        let size = self.syncer.settings.qbench.page_size;
        let zone = self.syncer.settings.qbench.timezone;
        let mut page_num = 1;
        loop {
            let query =
                PageQuery::new(page_num, size).sorted(SortKey::DateCreated, SortOrder::Desc);
            let (page, trace) = read_page(&self.syncer.client, self.entity, &query).await?;
            if !page.records.is_empty() {
                whole_page(&page, page_num, size)?;
            }
            self.read.extend(
                page.records
                    .iter()
                    .filter_map(|r| record_id(r).ok())
                    .map(i64::from),
            );
            let created: Vec<Option<DateTime<Utc>>> =
                page.records.iter().map(|r| created_at(r, zone)).collect();
            let inside: Vec<Value> = page
                .records
                .iter()
                .zip(&created)
                .filter(|(_, at)| at.is_some_and(|at| at >= self.start))
                .map(|(record, _)| record.clone())
                .collect();
            let older = created
                .iter()
                .any(|at| at.is_some_and(|at| at < self.start));

            self.publish(&inside, &trace).await?;
            let past_window = inside.is_empty() && older;
            if past_window || page.records.is_empty() || u64::from(page_num) >= page.total_pages {
                return Ok(());
            }
            page_num += 1;
        }
    }

    async fn publish(&mut self, records: &[Value], trace: &Span) -> Result<(), EntityFailure> {
        let published = publish_page(
            self.syncer,
            self.run_id,
            self.entity,
            &mut self.ledger_page,
            records,
            "list",
            trace,
        )
        .await?;
        tally(&mut self.report, &published);
        Ok(())
    }
}

/// The record's `date_created`, when it has a readable one.
fn created_at(record: &Value, zone: Tz) -> Option<DateTime<Utc>> {
    let value = record.get("date_created")?;
    mirror_records::parse_datetime("date_created", value, zone)
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use chrono_tz::America::New_York;
    use serde_json::json;

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn a_window_keeps_the_wall_clock_time_across_a_dst_change() {
        // 2026-11-01 02:00 EDT → EST: seven days before 12:00 EST on the
        // 4th is 12:00 EDT on 10-28, which is 16:00 UTC, not 17:00.
        let start = window_start(utc("2026-11-04T17:00:42Z"), 7, New_York);
        assert_eq!(start, utc("2026-10-28T16:00:00Z"));
    }

    #[test]
    fn a_window_past_the_range_of_dates_starts_at_the_earliest_date() {
        let start = window_start(utc("2026-11-04T17:00:42Z"), u32::MAX, New_York);
        assert_eq!(start, DateTime::<Utc>::MIN_UTC);
    }

    #[test]
    fn records_without_a_creation_date_have_no_place_in_a_window() {
        let dated = json!({"id": 1, "date_created": "11/04/2026 09:15 AM"});
        assert_eq!(
            created_at(&dated, New_York),
            Some(utc("2026-11-04T14:15:00Z"))
        );
        assert_eq!(
            created_at(&json!({"id": 2, "date_created": null}), New_York),
            None
        );
        assert_eq!(created_at(&json!({"id": 3}), New_York), None);
    }
}
