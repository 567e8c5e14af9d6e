//! Deletions seen in QBench's updates feed.

use std::collections::HashSet;

use mirror_records::Entity;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::StoreError;

/// Records the deletion of `ids` and hides the rows that exist. A deletion
/// is kept even when the row has not arrived yet, so a late copy is hidden
/// on arrival. Returns how many stored rows became hidden.
pub async fn mark_deleted(
    conn: &mut PgConnection,
    entity: Entity,
    ids: &[i32],
    run_id: Option<Uuid>,
) -> Result<u64, StoreError> {
    sqlx::query(
        "INSERT INTO record_deletions (entity, record_id, run_id) \
         SELECT $1, id, $3 FROM UNNEST($2::int4[]) AS u(id) ORDER BY id \
         ON CONFLICT (entity, record_id) DO NOTHING",
    )
    .bind(entity.as_str())
    .bind(ids)
    .bind(run_id)
    .execute(&mut *conn)
    .await?;
    let sql = format!(
        "UPDATE {} SET deleted_at = now() WHERE id = ANY($1) AND deleted_at IS NULL",
        entity.table()
    );
    let hidden = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ids)
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
