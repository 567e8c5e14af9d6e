//! What a database must look like before the first migration touches it.
//!
//! The first migration adopts the earlier tool's tables in place (`CREATE
//! TABLE IF NOT EXISTS`), and each migration commits on its own. Aimed at
//! the wrong database, one that happens to hold a `tests` or a `sync_runs`
//! table of some other application, the first migrations would add tables
//! beside it and a later one would fail half-way. So before migrating a
//! database that holds no mirror yet, every table it shares a name with the
//! earlier tool must have all of that tool's columns, and no other object
//! a migration creates (a table, view, index or function it does not
//! create "if not exists") may exist already; otherwise nothing is changed
//! and the error names the object.

use std::collections::HashSet;

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

/// The first migration's version: recorded, the database holds a mirror.
const FIRST_VERSION: i64 = 20261201000001;

/// Objects a migration creates that must not exist before it runs: those
/// made by a plain `CREATE TABLE|VIEW|INDEX|FUNCTION` (not "if not
/// exists", not "or replace", not dropped "if exists" by the migration
/// first), by kind and name, comments left out.
fn created_objects(sql: &str) -> Vec<(&'static str, String)> {
    let text: String = sql
        .lines()
        .map(|line| line.split("--").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ");
    let words: Vec<&str> = text.split_whitespace().collect();
    let dropped: HashSet<&str> = words
        .windows(5)
        .filter(|w| w[0] == "DROP" && w[2] == "IF" && w[3] == "EXISTS")
        .map(|w| w[4].trim_end_matches(';'))
        .collect();
    let mut objects = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if *word != "CREATE" {
            continue;
        }
        let mut rest = &words[i + 1..];
        if rest.first() == Some(&"UNIQUE") {
            rest = &rest[1..];
        }
        let kind = match rest.first() {
            Some(&"TABLE") => "table",
            Some(&"VIEW") => "view",
            Some(&"INDEX") => "index",
            Some(&"FUNCTION") => "function",
            _ => continue,
        };
        let name = rest
            .get(1)
            .and_then(|name| name.split('(').next())
            .unwrap_or_default();
        if !name.is_empty() && name != "IF" && !dropped.contains(name) {
            objects.push((kind, name.to_owned()));
        }
    }
    objects
}

/// Refuses a database that holds no mirror yet when a migration would
/// clash with what is in it (see the module's documentation).
pub(crate) async fn check_adoptable(
    conn: &mut PgConnection,
    migrator: &sqlx::migrate::Migrator,
) -> Result<(), StoreError> {
    if holds_migrations(&mut *conn).await? {
        return Ok(());
    }
    let objects: Vec<(&str, String)> = migrator
        .iter()
        .flat_map(|migration| created_objects(migration.sql.as_str()))
        .collect();
    let (functions, relations): (Vec<_>, Vec<_>) =
        objects.iter().partition(|(kind, _)| *kind == "function");
    let names = |objects: Vec<&(&str, String)>| -> Vec<String> {
        objects.into_iter().map(|(_, name)| name.clone()).collect()
    };
    let present: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relname = ANY($1) \
         UNION ALL \
         SELECT p.proname::text FROM pg_proc p \
         JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = current_schema() AND p.proname = ANY($2)",
    )
    .bind(names(relations))
    .bind(names(functions))
    .fetch_all(&mut *conn)
    .await?;
    if let Some((kind, name)) = objects.into_iter().find(|(_, name)| present.contains(name)) {
        return Err(StoreError::Clash { kind, name });
    }

    let tables: Vec<(&str, Vec<&str>)> = earlier_tables();
    let names: Vec<&str> = tables.iter().map(|(table, _)| *table).collect();
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = ANY($1)",
    )
    .bind(&names)
    .fetch_all(&mut *conn)
    .await?;
    for (table, expected) in tables {
        let present: Vec<&str> = columns
            .iter()
            .filter(|(t, _)| t == table)
            .map(|(_, column)| column.as_str())
            .collect();
        if present.is_empty() {
            continue;
        }
        if let Some(missing) = expected.iter().find(|c| !present.contains(c)) {
            return Err(StoreError::NotAMirror {
                table: table.to_owned(),
                column: (*missing).to_owned(),
            });
        }
    }
    Ok(())
}

/// Whether this product has migrated the database before (its first
/// migration is recorded): it then holds a mirror, perhaps of an older
/// version.
pub async fn holds_mirror(pool: &PgPool) -> Result<bool, StoreError> {
    let mut conn = pool.acquire().await?;
    holds_migrations(&mut conn).await
}

async fn holds_migrations(conn: &mut PgConnection) -> Result<bool, StoreError> {
    let table: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await?;
    if !table {
        return Ok(false);
    }
    // Another application migrated with the same tool keeps its own
    // versions there.
    let ours = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM _sqlx_migrations WHERE version = $1 AND success)",
    )
    .bind(FIRST_VERSION)
    .fetch_one(conn)
    .await?;
    Ok(ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_creations_are_found_and_tolerant_ones_left_out() {
        let sql = "-- CREATE TABLE commented (id int);\n\
                   CREATE TABLE IF NOT EXISTS users (id int);\n\
                   CREATE TABLE sync_runs(id int);\n\
                   DROP INDEX IF EXISTS tests_state_idx;\n\
                   CREATE INDEX tests_state_idx ON tests (state);\n\
                   CREATE UNIQUE INDEX runs_key ON sync_runs (id);\n\
                   CREATE OR REPLACE VIEW visible_tests AS SELECT 1;\n\
                   CREATE VIEW visible_orders AS SELECT 1;\n\
                   CREATE FUNCTION mirror_f(a int) RETURNS int AS $$ SELECT a $$ LANGUAGE sql;";
        assert_eq!(
            created_objects(sql),
            [
                ("table", "sync_runs".to_owned()),
                ("index", "runs_key".to_owned()),
                ("view", "visible_orders".to_owned()),
                ("function", "mirror_f".to_owned()),
            ]
        );
    }

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
