//! Records set aside, and their return when the parent arrives.

use chrono::{DateTime, Utc};
use mirror_records::Entity;
use serde_json::Value;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};

use crate::StoreError;

/// A record the loaders could not load.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SkippedRecord {
    pub entity: String,
    pub record_id: i32,
    /// `missing_parent`, `invalid`, or `undeliverable` (JetStream gave up on
    /// the message).
    pub reason: String,
    pub missing_parent_entity: Option<String>,
    pub missing_parent_id: Option<i32>,
    pub attempts: i32,
    pub last_error: String,
    pub payload: Option<Value>,
    pub raw_sequence: Option<i64>,
    pub first_skipped_at: DateTime<Utc>,
    pub last_attempt_at: DateTime<Utc>,
    /// The run and page of the raw message, when it belonged to a run.
    #[sqlx(default)]
    pub run_id: Option<uuid::Uuid>,
    #[sqlx(default)]
    pub page: Option<i32>,
}

/// Sets a record aside, or updates its entry if it was set aside before.
///
/// An entry still waiting for a newer copy of the record keeps that copy:
/// an older one failing after it does not replace it. A resolved entry is
/// opened again; [`resolve_skipped`] closes it at once if the mirror
/// already holds this copy's version or a newer one.
pub async fn set_aside(conn: &mut PgConnection, record: &SkippedRecord) -> Result<(), StoreError> {
    let version = record
        .payload
        .as_ref()
        .and_then(|payload| mirror_records::last_updated(payload).ok().flatten());
    sqlx::query(
        "INSERT INTO skipped_records (entity, record_id, reason, missing_parent_entity, \
             missing_parent_id, attempts, last_error, payload, raw_sequence, source_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (entity, record_id) DO UPDATE SET reason = EXCLUDED.reason, \
             missing_parent_entity = EXCLUDED.missing_parent_entity, \
             missing_parent_id = EXCLUDED.missing_parent_id, \
             attempts = greatest(skipped_records.attempts, EXCLUDED.attempts), \
             last_error = EXCLUDED.last_error, payload = EXCLUDED.payload, \
             raw_sequence = EXCLUDED.raw_sequence, source_version = EXCLUDED.source_version, \
             last_attempt_at = now(), requeued_at = NULL, resolved_at = NULL \
         WHERE skipped_records.resolved_at IS NOT NULL \
            OR coalesce(EXCLUDED.source_version, 0) >= coalesce(skipped_records.source_version, 0)",
    )
    .bind(&record.entity)
    .bind(record.record_id)
    .bind(&record.reason)
    .bind(&record.missing_parent_entity)
    .bind(record.missing_parent_id)
    .bind(record.attempts)
    .bind(&record.last_error)
    .bind(&record.payload)
    .bind(record.raw_sequence)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks set-aside records of `ids` resolved where the mirror now holds the
/// version that was set aside, or a newer one; an older copy loading does
/// not resolve a newer one's entry.
async fn resolve_skipped(
    conn: &mut PgConnection,
    entity: Entity,
    ids: &[i32],
) -> Result<u64, StoreError> {
    let sql = format!(
        "UPDATE skipped_records s SET resolved_at = now() FROM {table} m \
         WHERE s.entity = $1 AND s.record_id = ANY($2) AND s.resolved_at IS NULL \
           AND m.id = s.record_id \
           AND coalesce(m.source_version, 0) >= coalesce(s.source_version, 0)",
        table = entity.table()
    );
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(entity.as_str())
        .bind(ids)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Closes the set-aside entries that need nothing more: of records in
/// `loaded` now held at their set-aside version or a newer one (see
/// [`resolve_skipped`]), and of records in `deleted`, which QBench will
/// never send again. Their skipped receipts then count as loaded, so the
/// pages that waited on them complete; returns how many receipts moved.
/// The caller holds the entity's checkpoint lock ([`crate::hold_checkpoint`]).
pub async fn settle_skipped(
    conn: &mut PgConnection,
    entity: Entity,
    loaded: &[i32],
    deleted: &[i32],
) -> Result<usize, StoreError> {
    if loaded.is_empty() && deleted.is_empty() {
        return Ok(0);
    }
    if !loaded.is_empty() {
        resolve_skipped(&mut *conn, entity, loaded).await?;
    }
    if !deleted.is_empty() {
        sqlx::query(
            "UPDATE skipped_records SET resolved_at = now() \
             WHERE entity = $1 AND record_id = ANY($2) AND resolved_at IS NULL",
        )
        .bind(entity.as_str())
        .bind(deleted)
        .execute(&mut *conn)
        .await?;
    }
    let settling: Vec<i32> = loaded.iter().chain(deleted).copied().collect();
    crate::settle_skipped_receipts(conn, entity, &settling).await
}

/// Where a record published at a known raw sequence stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landing {
    /// The mirror holds that message's copy, or a later one.
    Loaded,
    /// A loader set that copy (or a later one) aside, for this reason.
    SetAside { reason: String, error: String },
    /// Neither yet: in a loader's hands or waiting for its parent.
    Pending,
}

/// Where each `(id, raw sequence)` of `entity` stands in the mirror.
pub async fn landings(
    conn: &mut PgConnection,
    entity: Entity,
    published: &[(i32, i64)],
) -> Result<Vec<(i32, Landing)>, StoreError> {
    let (ids, sequences): (Vec<i32>, Vec<i64>) = published.iter().copied().unzip();
    let sql = format!(
        "SELECT p.id,
                EXISTS (SELECT 1 FROM {table} m
                        WHERE m.id = p.id AND m.source_sequence >= p.seq) AS loaded,
                s.reason, s.last_error
         FROM UNNEST($2::int4[], $3::int8[]) AS p(id, seq)
         LEFT JOIN skipped_records s ON s.entity = $1 AND s.record_id = p.id
             AND s.resolved_at IS NULL AND s.raw_sequence >= p.seq
         ORDER BY p.id",
        table = entity.table()
    );
    let rows: Vec<(i32, bool, Option<String>, Option<String>)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(entity.as_str())
        .bind(&ids)
        .bind(&sequences)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, loaded, reason, error)| {
            let landing = match (loaded, reason) {
                (true, _) => Landing::Loaded,
                (false, Some(reason)) => Landing::SetAside {
                    reason,
                    error: error.unwrap_or_default(),
                },
                (false, None) => Landing::Pending,
            };
            (id, landing)
        })
        .collect())
}

/// Unresolved skipped records, optionally of one entity, oldest first.
pub async fn list_skipped(
    pool: &PgPool,
    entity: Option<Entity>,
) -> Result<Vec<SkippedRecord>, StoreError> {
    let rows = sqlx::query_as(
        "SELECT s.entity, s.record_id, s.reason, s.missing_parent_entity, s.missing_parent_id, \
             s.attempts, s.last_error, s.payload, s.raw_sequence, s.first_skipped_at, \
             s.last_attempt_at, r.run_id, r.page \
         FROM skipped_records s LEFT JOIN raw_receipts r ON r.raw_sequence = s.raw_sequence \
         WHERE s.resolved_at IS NULL AND ($1::text IS NULL OR s.entity = $1) \
         ORDER BY s.entity, s.record_id",
    )
    .bind(entity.map(|e| e.as_str()))
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Claims up to `limit` records of `entity` set aside for a parent that has
/// since arrived, marking them requeued so another loader does not take them
/// too. The caller republishes them for another attempt.
pub async fn requeue_candidates(
    conn: &mut PgConnection,
    entity: Entity,
    limit: i64,
) -> Result<Vec<SkippedRecord>, StoreError> {
    let Some((parent, _)) = entity.parent() else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "WITH claimed AS (UPDATE skipped_records s SET requeued_at = now() \
         WHERE (s.entity, s.record_id) IN ( \
             SELECT k.entity, k.record_id FROM skipped_records k \
             JOIN {parent_table} p ON p.id = k.missing_parent_id \
             WHERE k.entity = $1 AND k.reason = 'missing_parent' AND k.resolved_at IS NULL \
               AND (k.requeued_at IS NULL OR k.requeued_at < now() - interval '10 minutes') \
             ORDER BY k.record_id LIMIT $2 FOR UPDATE OF k SKIP LOCKED) \
         RETURNING s.*) \
         SELECT c.entity, c.record_id, c.reason, c.missing_parent_entity, c.missing_parent_id, \
             c.attempts, c.last_error, c.payload, c.raw_sequence, c.first_skipped_at, \
             c.last_attempt_at, r.run_id, r.page \
         FROM claimed c LEFT JOIN raw_receipts r ON r.raw_sequence = c.raw_sequence",
        parent_table = parent.table()
    );
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(entity.as_str())
        .bind(limit)
        .fetch_all(conn)
        .await?;
    Ok(rows)
}

/// Claims unresolved skipped records for an operator's retry: those of
/// `entity` (all when `None`) with one of `ids` (any when empty). They are
/// marked requeued, so the loaders' own sweep leaves them alone for a while;
/// the caller sends them back to the loaders.
pub async fn claim_for_retry(
    pool: &PgPool,
    entity: Option<Entity>,
    ids: &[i32],
) -> Result<Vec<SkippedRecord>, StoreError> {
    let rows = sqlx::query_as(
        "WITH claimed AS (UPDATE skipped_records s SET requeued_at = now() \
         WHERE s.resolved_at IS NULL AND ($1::text IS NULL OR s.entity = $1) \
           AND (cardinality($2::int4[]) = 0 OR s.record_id = ANY($2)) \
         RETURNING s.*) \
         SELECT c.entity, c.record_id, c.reason, c.missing_parent_entity, c.missing_parent_id, \
             c.attempts, c.last_error, c.payload, c.raw_sequence, c.first_skipped_at, \
             c.last_attempt_at, r.run_id, r.page \
         FROM claimed c LEFT JOIN raw_receipts r ON r.raw_sequence = c.raw_sequence \
         ORDER BY c.entity, c.record_id",
    )
    .bind(entity.map(|e| e.as_str()))
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
