//! `qbenchctl replay`: load records already in `QBENCH_RAW` again, entity
//! by entity in dependency order, with progress and a summary.

use std::process::ExitCode;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use mirror_config::Env;
use mirror_records::Entity;

use crate::context;
use crate::progress::Progress;
use crate::replay::{ReplayCounts, ReplayOptions, ReplayStart, replay_entity};

/// Skipped ids listed per entity in the summary; the rest are counted.
const LISTED_SKIPS: usize = 20;

/// Messages loaded per transaction.
const BATCH_SIZE: usize = 500;

pub async fn run(
    env: &Env,
    entities: &[Entity],
    start: ReplayStart,
    force: bool,
) -> anyhow::Result<ExitCode> {
    let pool = context::database(env).await?;
    let js = async_nats::jetstream::new(context::nats(env).await?);
    let options = ReplayOptions {
        start,
        force,
        batch_size: BATCH_SIZE,
        timezone: env.or("QBENCH_TIMEZONE", Tz::UTC)?,
    };

    let began = Instant::now();
    let mut total = ReplayCounts::default();
    for entity in Entity::ALL.into_iter().filter(|e| wanted(entities, *e)) {
        let mut progress = Progress::new(&format!("replay {entity}"));
        let counts = replay_entity(&js, &pool, entity, options, |done, all| {
            progress.update(done, all, "")
        })
        .await?;
        progress.finish();
        print_entity(entity, &counts);
        total.add(counts);
    }
    let seconds = began.elapsed().as_secs_f64();
    println!(
        "replayed {} records in {seconds:.2} s ({:.0} a second): written {}, unchanged {}, skipped {}",
        total.replayed,
        total.replayed as f64 / seconds.max(f64::EPSILON),
        total.written,
        total.unchanged,
        total.skipped.len()
    );
    if total.replayed == 0 {
        // Most often a start past the stream's end, or before what its
        // retention still keeps: say so, and let a script notice.
        eprintln!(
            "nothing to replay: QBENCH_RAW holds no record of the chosen entities from that start \
             (`qbenchctl status` shows what the stream holds)"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn wanted(entities: &[Entity], entity: Entity) -> bool {
    entities.is_empty() || entities.contains(&entity)
}

fn print_entity(entity: Entity, counts: &ReplayCounts) {
    println!(
        "{entity}: replayed {}, written {}, unchanged {}, skipped {}",
        counts.replayed,
        counts.written,
        counts.unchanged,
        counts.skipped.len()
    );
    // A record the stream holds several copies of is skipped once per
    // copy, and listed once.
    let mut seen = std::collections::HashSet::new();
    let records: Vec<&(i64, String)> = counts
        .skipped
        .iter()
        .filter(|(id, _)| seen.insert(*id))
        .collect();
    for (id, reason) in records.iter().take(LISTED_SKIPS) {
        println!("  skipped {entity} {id}: {reason}");
    }
    if records.len() > LISTED_SKIPS {
        println!("  and {} more records", records.len() - LISTED_SKIPS);
    }
}

/// Reads `--since`: an RFC 3339 time, a date (midnight UTC), or a
/// duration back from now such as `6h` or `7d`.
pub fn parse_since(raw: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(raw) {
        return Ok(time.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    let ago = mirror_config::parse_duration(raw).map_err(|e| {
        if raw.starts_with(|c: char| c.is_ascii_digit()) && e.contains("too long") {
            e
        } else {
            format!("{raw:?} is neither a time, a date nor a duration such as 6h")
        }
    })?;
    chrono::Duration::from_std(ago)
        .ok()
        .and_then(|ago| Utc::now().checked_sub_signed(ago))
        .ok_or_else(|| format!("{raw:?} reaches back before any time this can name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_times_dates_and_durations() {
        assert_eq!(
            parse_since("2026-06-01T02:00:00+02:00").unwrap_or_default(),
            DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default()
        );
        assert_eq!(
            parse_since("2026-06-01").unwrap_or_default().to_rfc3339(),
            "2026-06-01T00:00:00+00:00"
        );
        let hour_ago = parse_since("1h").unwrap_or_default();
        let drift = (Utc::now() - hour_ago - chrono::Duration::hours(1)).num_seconds();
        assert!(drift.abs() < 5);
        assert!(parse_since("yesterday").is_err());
    }
}
