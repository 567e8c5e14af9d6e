//! Deletions seen in QBench's updates feed.

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

/// Whether the mirror holds a live (not deleted) row of `entity` with `id`.
pub async fn is_live(pool: &PgPool, entity: Entity, id: i32) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM {} WHERE id = $1 AND deleted_at IS NULL)",
        entity.table()
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(pool)
        .await?)
}
