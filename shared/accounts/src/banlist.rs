//! The banlist: records hidden from every read.
//!
//! Only the list lives here; the `visible_*` views apply it, with cascade
//! (a banned customer hides its orders, their samples and tests).

use chrono::{DateTime, Utc};
use mirror_records::Entity;
use sqlx::PgPool;

use crate::AccountError;

/// One banned record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    pub entity: Entity,
    pub entity_id: i32,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What [`ban`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanChange {
    Added,
    /// The record was already banned; a new reason replaced the old one.
    AlreadyBanned,
}

/// Bans a record; banning it again only updates the reason, if one is given.
pub async fn ban(
    pool: &PgPool,
    entity: Entity,
    entity_id: i32,
    reason: Option<&str>,
) -> Result<BanChange, AccountError> {
    // `xmax = 0` holds for a row this statement inserted, not for one it updated.
    let inserted: bool = sqlx::query_scalar(
        "INSERT INTO banned_entities (entity_type, entity_id, reason) VALUES ($1, $2, $3) \
         ON CONFLICT ON CONSTRAINT banned_entities_entity_type_entity_id_key \
         DO UPDATE SET reason = coalesce(EXCLUDED.reason, banned_entities.reason) \
         RETURNING xmax = 0",
    )
    .bind(entity.as_str())
    .bind(entity_id)
    .bind(reason)
    .fetch_one(pool)
    .await?;

    Ok(if inserted {
        BanChange::Added
    } else {
        BanChange::AlreadyBanned
    })
}

/// Lifts a ban; `false` when the record was not banned.
pub async fn unban(pool: &PgPool, entity: Entity, entity_id: i32) -> Result<bool, AccountError> {
    let removed =
        sqlx::query("DELETE FROM banned_entities WHERE entity_type = $1 AND entity_id = $2")
            .bind(entity.as_str())
            .bind(entity_id)
            .execute(pool)
            .await?;
    Ok(removed.rows_affected() > 0)
}

/// Every ban, or those of one entity, by entity and id.
pub async fn list_bans(pool: &PgPool, entity: Option<Entity>) -> Result<Vec<Ban>, AccountError> {
    let rows: Vec<(String, i32, Option<String>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT entity_type, entity_id, reason, created_at FROM banned_entities \
         WHERE $1::text IS NULL OR entity_type = $1 ORDER BY entity_type, entity_id",
    )
    .bind(entity.map(Entity::as_str))
    .fetch_all(pool)
    .await?;

    rows.into_iter()
        .map(|(kind, entity_id, reason, created_at)| {
            let entity = kind
                .parse()
                .map_err(|_| AccountError::UnknownEntityType(kind.clone()))?;
            Ok(Ban {
                entity,
                entity_id,
                reason,
                created_at,
            })
        })
        .collect()
}
