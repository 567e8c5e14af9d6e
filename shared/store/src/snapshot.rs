//! What the mirror holds, for comparison with the source.

use mirror_records::Entity;
use sqlx::PgPool;

/// One live record of the mirror: its id and QBench version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct MirrorRecord {
    pub id: i32,
    pub source_version: Option<i64>,
}

/// Every live (not deleted) record of `entity`, by id.
pub async fn mirror_records(
    pool: &PgPool,
    entity: Entity,
) -> Result<Vec<MirrorRecord>, crate::StoreError> {
    let sql = format!(
        "SELECT id, source_version FROM {} WHERE deleted_at IS NULL ORDER BY id",
        entity.table()
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await?)
}
