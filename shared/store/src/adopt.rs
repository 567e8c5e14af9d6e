//! What a database must look like before the first migration touches it.
//!
//! The first migration adopts the earlier tool's tables in place (`CREATE
//! TABLE IF NOT EXISTS`), and each migration commits on its own. Aimed at
//! the wrong database, one that happens to hold a `tests` table of some
//! other application, the first migrations would add tables beside it and a
//! later one would fail half-way. So before migrating a database that holds
//! no migrations of this product yet, every table it shares a name with the
//! earlier tool must have all of that tool's columns; otherwise nothing is
//! changed and the error names the table.

use sqlx::{PgConnection, PgPool};

use crate::StoreError;

/// The migration that creates, or adopts, the earlier tool's tables.
const EARLIER_TABLES: &str =
    include_str!("../../../migrations/20261201000001_earlier_tool_tables.sql");

/// Each of the earlier tool's tables with its columns, read from the
/// migration that creates them: a column is a line of the table's body
/// indented by four spaces that is not a table constraint.
fn earlier_tables() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut tables: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in EARLIER_TABLES.lines() {
        if let Some(rest) = line.strip_prefix("CREATE TABLE IF NOT EXISTS ") {
            let name = rest.split_whitespace().next().unwrap_or_default();
            tables.push((name, Vec::new()));
        } else if let (Some(body), Some((_, columns))) =
            (line.strip_prefix("    "), tables.last_mut())
            && !body.starts_with(' ')
            && let Some(word) = body.split_whitespace().next()
            && word != "CONSTRAINT"
        {
            columns.push(word);
        }
    }
    tables
}

/// Refuses a database not yet migrated by this product whose tables of
/// the earlier tool's names are not that tool's.
pub(crate) async fn check_adoptable(conn: &mut PgConnection) -> Result<(), StoreError> {
    if holds_migrations(&mut *conn).await? {
        return Ok(());
    }
    for (table, columns) in earlier_tables() {
        let present: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind(table)
        .fetch_all(&mut *conn)
        .await?;
        if present.is_empty() {
            continue;
        }
        if let Some(missing) = columns.iter().find(|c| !present.iter().any(|p| p == *c)) {
            return Err(StoreError::NotAMirror {
                table: table.to_owned(),
                column: (*missing).to_owned(),
            });
        }
    }
    Ok(())
}

/// Whether this product has migrated the database before: it then holds a
/// mirror, perhaps of an older version.
pub async fn holds_mirror(pool: &PgPool) -> Result<bool, StoreError> {
    let mut conn = pool.acquire().await?;
    holds_migrations(&mut conn).await
}

async fn holds_migrations(conn: &mut PgConnection) -> Result<bool, StoreError> {
    let found = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(conn)
        .await?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earlier_tables_are_read_with_their_columns() {
        let tables = earlier_tables();
        let names: Vec<&str> = tables.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "customers",
                "orders",
                "samples",
                "tests",
                "batches",
                "sync_checkpoints",
                "users",
                "banned_entities",
                "metrc_sample_statuses"
            ]
        );
        let columns = |table: &str| {
            tables
                .iter()
                .find(|(name, _)| *name == table)
                .map(|(_, columns)| columns.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            columns("tests"),
            [
                "id",
                "sample_id",
                "batch_ids",
                "date_created",
                "state",
                "has_report",
                "report_completed_date",
                "label_abbr",
                "title",
                "worksheet_raw",
                "raw_payload",
                "fetched_at"
            ]
        );
        assert_eq!(
            columns("banned_entities"),
            ["id", "entity_type", "entity_id", "reason", "created_at"]
        );
    }
}
