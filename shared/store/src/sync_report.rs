//! The sync report of a window run: per entity, the rows its records
//! inserted, the rows whose QBench version they changed, and the records
//! set aside, in the layout of the earlier tool's report files.
//!
//! The counts come from what the loaders committed, not from what the
//! fetcher published: the loaders count inserted and revised rows on the
//! run's pages in the same transaction as the rows, so a redelivered message
//! (which finds its row already written) counts nothing twice.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use mirror_records::Entity;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::ledger::{PageCounters, add_to_pages};
use crate::{StoreError, UpsertSummary};

/// Records the window a run re-reads, before its first page is published.
pub async fn set_run_window(
    pool: &PgPool,
    run_id: Uuid,
    start: DateTime<Utc>,
    days: u32,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sync_runs SET window_start = $2, window_days = $3 WHERE run_id = $1")
        .bind(run_id)
        .bind(start)
        .bind(i32::try_from(days).unwrap_or(i32::MAX))
        .execute(pool)
        .await?;
    Ok(())
}

/// Adds a batch's inserted and revised rows to the counters of the run pages
/// that carried them; `places` maps a record id to its run and page. Rows of
/// messages outside any run are not counted.
pub async fn count_page_changes(
    conn: &mut PgConnection,
    entity: Entity,
    summary: &UpsertSummary,
    places: &HashMap<i32, (Uuid, i32)>,
) -> Result<(), StoreError> {
    let mut counts: BTreeMap<(Uuid, i32), (i32, i32)> = BTreeMap::new();
    for id in &summary.inserted {
        if let Some(place) = places.get(id) {
            counts.entry(*place).or_default().0 += 1;
        }
    }
    for id in &summary.revised {
        if let Some(place) = places.get(id) {
            counts.entry(*place).or_default().1 += 1;
        }
    }
    add_to_pages(conn, entity, PageCounters::InsertedRevised, &counts).await
}

/// What one entity of a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTally {
    pub entity: Entity,
    /// `None` when the entity was not part of the run.
    pub status: Option<String>,
    /// Why the entity stopped early, when it did.
    pub message: Option<String>,
    pub inserted: i64,
    pub revised: i64,
    /// Records of the run set aside and not loaded since, by id.
    pub skipped: Vec<i32>,
}

impl EntityTally {
    /// Whether the entity ran and stopped before its end.
    pub fn failed(&self) -> bool {
        self.status.as_deref().is_some_and(|s| s != "published")
    }
}

/// What a run did, entity by entity, for its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub run_id: Uuid,
    pub mode: String,
    pub status: String,
    pub message: Option<String>,
    pub started_at: DateTime<Utc>,
    pub window_start: Option<DateTime<Utc>>,
    pub window_days: Option<i32>,
    /// Every entity, in dependency order.
    pub entities: Vec<EntityTally>,
}

impl SyncReport {
    /// Whether the run or one of its entities stopped early.
    pub fn failed(&self) -> bool {
        self.status != "published" || self.entities.iter().any(EntityTally::failed)
    }

    /// The lab day the report is of: the day its window ends, on QBench's
    /// clock (which may differ from this machine's) in `zone`; else the day
    /// the run started.
    pub fn date(&self, zone: Tz) -> NaiveDate {
        let ended = self
            .window_start
            .zip(self.window_days)
            .and_then(|(start, days)| {
                let days = Days::new(u64::try_from(days).ok()?);
                start.with_timezone(&zone).checked_add_days(days)
            });
        ended.map_or_else(
            || self.started_at.with_timezone(&zone).date_naive(),
            |end| end.date_naive(),
        )
    }

    /// The report file's text: a date line, then one line per entity.
    pub fn render(&self, date: NaiveDate) -> String {
        let mut text = format!("{date}\n");
        for tally in &self.entities {
            text.push_str(&render_line(tally));
            text.push('\n');
        }
        text
    }
}

/// `tests: nuevos=2672 actualizados=31 skipped=[55506]`, or `tests: NA`
/// when the entity did not run; a failed entity ends with its reason.
fn render_line(tally: &EntityTally) -> String {
    let name = tally.entity.table();
    if tally.status.is_none() {
        return format!("{name}: NA");
    }
    let skipped: Vec<String> = tally.skipped.iter().map(i32::to_string).collect();
    let mut line = format!(
        "{name}: nuevos={} actualizados={} skipped=[{}]",
        tally.inserted,
        tally.revised,
        skipped.join(", ")
    );
    if tally.failed() {
        let reason = tally.message.as_deref().unwrap_or("stopped early");
        line.push_str(&format!(" failed={reason:?}"));
    }
    line
}

#[derive(sqlx::FromRow)]
struct RunRow {
    mode: String,
    status: String,
    message: Option<String>,
    started_at: DateTime<Utc>,
    window_start: Option<DateTime<Utc>>,
    window_days: Option<i32>,
}

/// The report of a run; `None` when the run is unknown.
pub async fn sync_report(pool: &PgPool, run_id: Uuid) -> Result<Option<SyncReport>, StoreError> {
    let run: Option<RunRow> = sqlx::query_as(
        "SELECT mode, status, message, started_at, window_start, window_days \
         FROM sync_runs WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_optional(pool)
    .await?;
    let Some(run) = run else {
        return Ok(None);
    };

    let entities: Vec<(String, String, Option<String>, i64, i64)> = sqlx::query_as(
        "SELECT e.entity, e.status, e.message, \
             coalesce(sum(p.inserted), 0)::int8, coalesce(sum(p.revised), 0)::int8 \
         FROM sync_run_entities e \
         LEFT JOIN sync_run_pages p ON p.run_id = e.run_id AND p.entity = e.entity \
         WHERE e.run_id = $1 GROUP BY e.entity, e.status, e.message",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    let skipped: Vec<(String, i32)> = sqlx::query_as(
        "SELECT s.entity, s.record_id FROM skipped_records s \
         JOIN raw_receipts r ON r.raw_sequence = s.raw_sequence \
         WHERE r.run_id = $1 AND s.resolved_at IS NULL ORDER BY s.record_id",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;

    let tallies = Entity::ALL
        .into_iter()
        .map(|entity| {
            let ran = entities.iter().find(|(name, ..)| name == entity.as_str());
            EntityTally {
                entity,
                status: ran.map(|r| r.1.clone()),
                message: ran.and_then(|r| r.2.clone()),
                inserted: ran.map_or(0, |r| r.3),
                revised: ran.map_or(0, |r| r.4),
                skipped: skipped
                    .iter()
                    .filter(|(name, _)| name == entity.as_str())
                    .map(|(_, id)| *id)
                    .collect(),
            }
        })
        .collect();
    Ok(Some(SyncReport {
        run_id,
        mode: run.mode,
        status: run.status,
        message: run.message,
        started_at: run.started_at,
        window_start: run.window_start,
        window_days: run.window_days,
        entities: tallies,
    }))
}

/// Makes sure reports can be written in `dir`, creating it if needed, by
/// writing and removing a file there: a run is not worth starting when its
/// report would be lost at the end.
pub fn check_report_dir(dir: &Path) -> std::io::Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            "it is a file, not a directory",
        ));
    }
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".sync_report_check_{}", std::process::id()));
    std::fs::File::create(&probe)?;
    std::fs::remove_file(&probe)
}

/// Writes `report` as `sync_report_<date>.txt` in `dir` (created if
/// missing), the date being [`SyncReport::date`] in `zone`. An earlier
/// report of the same day is never overwritten: the next free `_2`, `_3`,
/// … is taken.
pub fn write_report(report: &SyncReport, dir: &Path, zone: Tz) -> std::io::Result<PathBuf> {
    let date = report.date(zone);
    let text = report.render(date);
    std::fs::create_dir_all(dir)?;
    for n in 1..=MAX_REPORTS_A_DAY {
        let name = match n {
            1 => format!("sync_report_{date}.txt"),
            n => format!("sync_report_{date}_{n}.txt"),
        };
        let path = dir.join(name);
        // `create_new` fails if the file exists, even when another writer
        // made it a moment ago, so two reports never share a file.
        match std::fs::File::create_new(&path) {
            Ok(mut file) => {
                file.write_all(text.as_bytes())?;
                file.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "{} already holds {MAX_REPORTS_A_DAY} reports of {date}",
        dir.display()
    )))
}

/// A bound on the `_N` suffixes tried, so a directory that refuses every
/// name cannot keep the writer looping.
const MAX_REPORTS_A_DAY: u32 = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(entity: Entity, status: Option<&str>) -> EntityTally {
        EntityTally {
            entity,
            status: status.map(str::to_owned),
            message: None,
            inserted: 0,
            revised: 0,
            skipped: Vec::new(),
        }
    }

    fn report() -> SyncReport {
        let mut tests = tally(Entity::Test, Some("published"));
        tests.inserted = 2672;
        tests.revised = 31;
        tests.skipped = vec![55506, 55507];
        let mut samples = tally(Entity::Sample, Some("partial"));
        samples.message = Some("page 3: server error".into());
        SyncReport {
            run_id: Uuid::nil(),
            mode: "window".into(),
            status: "partial".into(),
            message: None,
            started_at: DateTime::UNIX_EPOCH,
            window_start: None,
            window_days: Some(7),
            entities: vec![
                tally(Entity::Customer, Some("published")),
                tally(Entity::Order, None),
                samples,
                tests,
            ],
        }
    }

    #[test]
    fn the_report_keeps_the_earlier_tools_layout() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default();
        let text = report().render(date);
        assert_eq!(
            text,
            "2026-12-04\n\
             customers: nuevos=0 actualizados=0 skipped=[]\n\
             orders: NA\n\
             samples: nuevos=0 actualizados=0 skipped=[] failed=\"page 3: server error\"\n\
             tests: nuevos=2672 actualizados=31 skipped=[55506, 55507]\n"
        );
        assert!(report().failed());
    }

    #[test]
    fn a_report_folder_is_checked_before_a_run_and_left_clean() {
        let dir = std::env::temp_dir().join(format!("reports-{}", Uuid::new_v4()));
        let nested = dir.join("nightly");
        let made = check_report_dir(&nested);
        let left: Vec<_> = std::fs::read_dir(&nested)
            .map(|entries| entries.filter_map(Result::ok).collect())
            .unwrap_or_default();
        // A file where the folder should be cannot hold reports.
        let file = dir.join("a-file");
        let _ = std::fs::write(&file, "");
        let refused = check_report_dir(&file.join("reports"));
        let not_a_folder = check_report_dir(&file);
        let _ = std::fs::remove_dir_all(&dir);

        assert!(made.is_ok(), "{made:?}");
        assert!(left.is_empty(), "{left:?}");
        assert!(refused.is_err());
        let said = not_a_folder.map_err(|e| e.to_string());
        assert_eq!(said, Err("it is a file, not a directory".to_owned()));
    }

    #[test]
    fn a_report_is_dated_by_the_end_of_its_window_on_qbenchs_clock() {
        let mut window = report();
        // Run on this machine at 1970-01-01 00:00 UTC, while QBench's clock
        // said 1970-01-03 01:00 UTC: a three-day window from 12-30 20:00
        // in New York.
        window.window_start = "1969-12-31T01:00:00Z".parse().ok();
        window.window_days = Some(3);
        assert_eq!(
            window.date(chrono_tz::America::New_York).to_string(),
            "1970-01-02"
        );
        assert_eq!(window.date(Tz::UTC).to_string(), "1970-01-03");
        // Without a window, the run's start.
        assert_eq!(report().date(Tz::UTC).to_string(), "1970-01-01");
    }

    #[test]
    fn a_second_report_of_the_day_gets_its_own_file() {
        let dir = std::env::temp_dir().join(format!("reports-{}", Uuid::new_v4()));
        let first = write_report(&report(), &dir, Tz::UTC).unwrap_or_default();
        let second = write_report(&report(), &dir, Tz::UTC).unwrap_or_default();
        let third = write_report(&report(), &dir, Tz::UTC).unwrap_or_default();

        let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
        assert_eq!(name(&first).as_deref(), Some("sync_report_1970-01-01.txt"));
        assert_eq!(
            name(&second).as_deref(),
            Some("sync_report_1970-01-01_2.txt")
        );
        assert_eq!(
            name(&third).as_deref(),
            Some("sync_report_1970-01-01_3.txt")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
