//! `copy-merge`: the fastest way PostgreSQL can take the rows the loader
//! writes, measured on the same records, as the yardstick for the loader's
//! throughput.
//!
//! It reads every raw record of the `QBENCH_RAW` stream, maps each with the
//! loader's own mapping, encodes the rows as CSV, then times only the
//! database work: `COPY` into an unlogged staging table and one
//! `INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE` per entity into the
//! real tables of a freshly migrated database. Reading and encoding are
//! timed apart and reported, never counted in the rate.
//!
//! The driver script `benchmarks/ingest.sh` runs it beside the loader.

mod encode;
mod merge;
mod raw;

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono_tz::Tz;
use clap::Parser;
use mirror_records::Entity;

/// Measures COPY plus merge of every record in the raw stream.
#[derive(Debug, Parser)]
#[command(name = "copy-merge", version)]
struct Args {
    /// The nats-server whose `QBENCH_RAW` stream holds the records.
    #[arg(long, env = "NATS_URL")]
    nats_url: String,
    /// A fresh, empty database; it is migrated, then written.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The zone of QBench's wall times, as the loader reads them.
    #[arg(long, env = "QBENCH_TIMEZONE", default_value = "UTC")]
    timezone: Tz,
}

/// What one entity cost.
struct EntityTiming {
    entity: Entity,
    records: usize,
    encode: Duration,
    copy: Duration,
    merge: Duration,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let nats = async_nats::connect(&args.nats_url)
        .await
        .with_context(|| format!("cannot reach nats at {}", args.nats_url))?;
    let js = async_nats::jetstream::new(nats);
    let pool = mirror_store::connect(&args.database_url, 2).await?;
    mirror_store::migrate(&pool, args.timezone).await?;
    let mut conn = pool.acquire().await?;

    let mut timings = Vec::new();
    for entity in Entity::ALL {
        let started = Instant::now();
        let batch = raw::read_entity(&js, entity, args.timezone).await?;
        let encode = started.elapsed();

        let written = merge::copy_and_merge(&mut conn, &batch).await?;
        timings.push(EntityTiming {
            entity,
            records: batch.records,
            encode,
            copy: written.copy,
            merge: written.merge,
        });
    }

    report(&timings);
    Ok(())
}

/// Prints one line per entity, then the `total` line the script reads.
fn report(timings: &[EntityTiming]) {
    for t in timings {
        println!(
            "entity={} records={} encode_s={:.3} copy_s={:.3} merge_s={:.3}",
            t.entity,
            t.records,
            t.encode.as_secs_f64(),
            t.copy.as_secs_f64(),
            t.merge.as_secs_f64()
        );
    }
    let records: usize = timings.iter().map(|t| t.records).sum();
    let encode: f64 = timings.iter().map(|t| t.encode.as_secs_f64()).sum();
    let copy: f64 = timings.iter().map(|t| t.copy.as_secs_f64()).sum();
    let merge: f64 = timings.iter().map(|t| t.merge.as_secs_f64()).sum();
    let rate = if copy + merge > 0.0 {
        records as f64 / (copy + merge)
    } else {
        0.0
    };
    println!(
        "total records={records} encode_s={encode:.3} copy_s={copy:.3} merge_s={merge:.3} \
         copy_merge_per_s={rate:.0}"
    );
}
