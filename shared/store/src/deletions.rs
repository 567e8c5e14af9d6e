//! Deletions seen in QBench's updates feed.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use mirror_records::Entity;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::StoreError;

/// One record QBench reported deleted, and when the fetcher saw that
/// report (the `fetched-at` of its tombstone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deletion {
    pub id: i32,
    pub observed_at: DateTime<Utc>,
}

/// Records the deletions and hides the rows that exist. A deletion is kept
/// even when the row has not arrived yet, so a late copy (one fetched
/// before the deletion was seen) is hidden on arrival. A deletion seen
/// before the stored copy was fetched is stale, since QBench served the
/// record after it: it is neither recorded nor applied. Returns how many
/// stored rows became hidden.
pub async fn mark_deleted(
    conn: &mut PgConnection,
    entity: Entity,
    deletions: &[Deletion],
    run_id: Option<Uuid>,
) -> Result<u64, StoreError> {
    // The newest sighting of each id; `lock_records` wants them in id order.
    let mut newest: BTreeMap<i32, DateTime<Utc>> = BTreeMap::new();
    for d in deletions {
        let seen = newest.entry(d.id).or_insert(d.observed_at);
        *seen = (*seen).max(d.observed_at);
    }
    let ids: Vec<i32> = newest.keys().copied().collect();
    let times: Vec<DateTime<Utc>> = newest.values().copied().collect();
    // A stored row with no fetch time (one the earlier tool wrote) counts as
    // fetched before any deletion.
    let sql = format!(
        "WITH seen AS ( \
             SELECT u.id, u.observed_at FROM UNNEST($2::int4[], $3::timestamptz[]) \
                 AS u(id, observed_at) \
             WHERE NOT EXISTS (SELECT 1 FROM {table} t \
                 WHERE t.id = u.id AND t.fetched_at > u.observed_at)), \
         recorded AS ( \
             INSERT INTO record_deletions (entity, record_id, run_id, observed_at) \
             SELECT $1, id, $4, observed_at FROM seen ORDER BY id \
             ON CONFLICT (entity, record_id) DO UPDATE SET observed_at = \
                 greatest(record_deletions.observed_at, EXCLUDED.observed_at)) \
         UPDATE {table} t SET deleted_at = now() FROM seen \
         WHERE t.id = seen.id AND t.deleted_at IS NULL",
        table = entity.table()
    );
    let hidden = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(entity.as_str())
        .bind(&ids)
        .bind(&times)
        .bind(run_id)
        .execute(conn)
        .await?;
    Ok(hidden.rows_affected())
}

/// Which of `ids` the mirror holds as live (not deleted) rows of `entity`.
pub async fn live_ids(
    pool: &PgPool,
    entity: Entity,
    ids: &[i32],
) -> Result<HashSet<i32>, StoreError> {
    let sql = format!(
        "SELECT id FROM {} WHERE id = ANY($1) AND deleted_at IS NULL",
        entity.table()
    );
    let live: Vec<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(ids)
        .fetch_all(pool)
        .await?;
    Ok(live.into_iter().collect())
}
