//! `COPY` into an unlogged staging table, then one set-based merge into the
//! real table: the fastest write path PostgreSQL offers for these rows.
//!
//! The merge keeps the loader's version guard (a row is only rewritten by a
//! newer version) and its id order, but none of its bookkeeping: no
//! absent-key checks, receipts, checkpoints, parent look-ups or acks. That
//! is the point of the comparison.

use std::time::{Duration, Instant};

use mirror_records::Entity;
use sqlx::PgConnection;

use crate::encode::{EncodedBatch, columns};

/// Bytes handed to the connection per `COPY` data message.
const CHUNK: usize = 1 << 20;

/// Where the time of one entity went.
pub struct Written {
    pub copy: Duration,
    pub merge: Duration,
}

/// Loads `batch` into its entity's table in one transaction and times the
/// `COPY` and the merge (commit included).
pub async fn copy_and_merge(
    conn: &mut PgConnection,
    batch: &EncodedBatch,
) -> anyhow::Result<Written> {
    let entity = batch.entity;
    prepare_staging(conn, entity).await?;

    let started = Instant::now();
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let mut copy = tx.copy_in_raw(&copy_sql(entity)).await?;
    for chunk in batch.csv.chunks(CHUNK) {
        copy.send(chunk).await?;
    }
    copy.finish().await?;
    let copied = started.elapsed();

    sqlx::raw_sql(sqlx::AssertSqlSafe(merge_sql(entity)))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;

    Ok(Written {
        copy: copied,
        merge: started.elapsed() - copied,
    })
}

fn staging_table(entity: Entity) -> String {
    format!("bench_stage_{}", entity.table())
}

/// An empty unlogged table of the loaded columns, typed as in the real
/// table: no keys, no constraints, no indexes, no WAL, so `COPY` pays only
/// for parsing and storing.
async fn prepare_staging(conn: &mut PgConnection, entity: Entity) -> anyhow::Result<()> {
    let sql = format!(
        "DROP TABLE IF EXISTS {stage}; \
         CREATE UNLOGGED TABLE {stage} AS SELECT {names} FROM {table} WITH NO DATA",
        stage = staging_table(entity),
        names = columns(entity).join(", "),
        table = entity.table()
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn copy_sql(entity: Entity) -> String {
    format!(
        "COPY {} ({}) FROM STDIN WITH (FORMAT csv)",
        staging_table(entity),
        columns(entity).join(", ")
    )
}

/// One statement per entity: newest version per id, in id order, inserted
/// or written over an older stored version.
fn merge_sql(entity: Entity) -> String {
    let names = columns(entity).join(", ");
    let sets: Vec<String> = columns(entity)
        .iter()
        .filter(|c| **c != "id")
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} AS t ({names}) \
         SELECT DISTINCT ON (id) {names} FROM {stage} \
         ORDER BY id, source_version DESC NULLS LAST, source_sequence DESC \
         ON CONFLICT (id) DO UPDATE SET {sets} \
         WHERE (coalesce(EXCLUDED.source_version, 0), EXCLUDED.source_sequence) \
         > (coalesce(t.source_version, 0), t.source_sequence)",
        table = entity.table(),
        stage = staging_table(entity),
        sets = sets.join(", "),
    )
}
