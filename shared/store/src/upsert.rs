//! Version-guarded, multi-row upserts of mapped records.
//!
//! One statement per batch: the rows travel as one array per column
//! (`UNNEST`), so a batch of hundreds costs one round trip. On conflict a row
//! is rewritten only when the incoming version is newer (QBench
//! `last_updated`, then the JetStream sequence); a key absent from the
//! incoming payload keeps the stored value (absent is not null), and the
//! stored payload is merged with the incoming one so no key is ever lost.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use mirror_records::{Entity, Row};
use serde_json::Value;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, PgPool, Postgres};

use crate::StoreError;

/// A mapped record and where it came from.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub row: Row,
    /// The stream sequence of the raw message: the tie-break of versions.
    pub sequence: i64,
    pub fetched_at: DateTime<Utc>,
}

/// What a batch did to the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpsertSummary {
    pub inserted: Vec<i32>,
    pub updated: Vec<i32>,
    /// The updated rows whose QBench version changed; the rest of `updated`
    /// were rewritten at an equal version (a later stream sequence, or a
    /// forced replay). Rows without a version are never counted here.
    pub revised: Vec<i32>,
    /// Rows left as they were because the stored version is as new or newer.
    pub unchanged: usize,
}

/// One typed column: its name, array type for `UNNEST`, and the payload keys
/// whose presence means the incoming value should replace the stored one.
struct Column {
    name: &'static str,
    array_type: &'static str,
    cast: &'static str,
    keys: &'static [&'static str],
}

const fn col(
    name: &'static str,
    array_type: &'static str,
    keys: &'static [&'static str],
) -> Column {
    Column {
        name,
        array_type,
        cast: "",
        keys,
    }
}

const fn cast(
    name: &'static str,
    array_type: &'static str,
    cast: &'static str,
    keys: &'static [&'static str],
) -> Column {
    Column {
        name,
        array_type,
        cast,
        keys,
    }
}

const CUSTOMER: &[Column] = &[
    col("name", "text[]", &["customer_name", "name"]),
    col("date_created", "timestamptz[]", &["date_created"]),
];

const ORDER: &[Column] = &[
    col("custom_formatted_id", "text[]", &["custom_formatted_id"]),
    col("customer_account_id", "int4[]", &["customer_account_id"]),
    col("date_created", "timestamptz[]", &["date_created"]),
    col("date_completed", "timestamptz[]", &["date_completed"]),
    col(
        "date_order_reported",
        "timestamptz[]",
        &["date_order_reported"],
    ),
    col("date_received", "timestamptz[]", &["date_received"]),
    col("sample_count", "int4[]", &["sample_count"]),
    col("test_count", "int4[]", &["test_count"]),
    col("state", "text[]", &["state"]),
];

const SAMPLE: &[Column] = &[
    col("sample_name", "text[]", &["sample_name", "description"]),
    col("custom_formatted_id", "text[]", &["custom_formatted_id"]),
    col("metrc_id", "text[]", &["leaf_id"]),
    col("order_id", "int4[]", &["order_id"]),
    col("has_report", "bool[]", &["has_report"]),
    cast("batch_ids", "text[]", "::int4[]", &["batches"]),
    col(
        "completed_date",
        "timestamptz[]",
        &["completed_date", "complete_date"],
    ),
    col("date_created", "timestamptz[]", &["date_created"]),
    col("start_date", "timestamptz[]", &["start_date"]),
    col("matrix_type", "text[]", &["matrix_type"]),
    col("sample_type", "text[]", &["accessioning_type"]),
    col("state", "text[]", &["state"]),
    col("test_count", "int4[]", &["test_count"]),
    cast(
        "sample_weight",
        "float8[]",
        "::numeric(18,2)",
        &["sample_weight"],
    ),
];

const TEST: &[Column] = &[
    col("sample_id", "int4[]", &["sample_id"]),
    cast("batch_ids", "text[]", "::int4[]", &["batches"]),
    col("date_created", "timestamptz[]", &["date_created"]),
    col("state", "text[]", &["state"]),
    col("has_report", "bool[]", &["has_report"]),
    col(
        "report_completed_date",
        "timestamptz[]",
        &["report_completed_date"],
    ),
    col("label_abbr", "text[]", &["label_abbr", "assay.label_abbr"]),
    col("title", "text[]", &["title", "assay.title"]),
    col("worksheet_raw", "jsonb[]", &["worksheet_data"]),
    col("start_date", "timestamptz[]", &["start_date"]),
    col("complete_date", "timestamptz[]", &["complete_date"]),
    col("assay_id", "int4[]", &["assay_id", "assay.id"]),
];

const BATCH: &[Column] = &[
    col("assay_id", "int4[]", &["assay_id"]),
    col("display_name", "text[]", &["display_name"]),
    col("date_created", "timestamptz[]", &["date_created"]),
    col("date_prepared", "timestamptz[]", &["date_prepared"]),
    col("last_updated", "timestamptz[]", &["last_updated"]),
    cast("sample_ids", "text[]", "::int4[]", &["sample_ids"]),
    cast("test_ids", "text[]", "::int4[]", &["test_ids"]),
];

fn columns(entity: Entity) -> &'static [Column] {
    match entity {
        Entity::Customer => CUSTOMER,
        Entity::Order => ORDER,
        Entity::Sample => SAMPLE,
        Entity::Test => TEST,
        Entity::Batch => BATCH,
    }
}

/// The SQL test for "the incoming payload carries this column's key".
fn presence(keys: &[&str]) -> String {
    let tests: Vec<String> = keys
        .iter()
        .map(|key| match key.split_once('.') {
            Some((outer, inner)) => format!("EXCLUDED.raw_payload -> '{outer}' ? '{inner}'"),
            None => format!("EXCLUDED.raw_payload ? '{key}'"),
        })
        .collect();
    tests.join(" OR ")
}

/// Builds the upsert statement of one entity; `force` lets equal versions
/// rewrite (replay after a mapping fix), never older ones.
fn upsert_sql(entity: Entity, force: bool) -> String {
    let typed = columns(entity);
    let mut names = vec!["id"];
    names.extend(typed.iter().map(|c| c.name));
    names.extend([
        "raw_payload",
        "source_version",
        "source_sequence",
        "fetched_at",
    ]);

    let mut array_types = vec!["int4[]"];
    array_types.extend(typed.iter().map(|c| c.array_type));
    array_types.extend(["jsonb[]", "int8[]", "int8[]", "timestamptz[]"]);

    let params: Vec<String> = array_types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("${}::{t}", i + 1))
        .collect();
    let mut selects = vec!["u.id".to_owned()];
    selects.extend(typed.iter().map(|c| format!("u.{}{}", c.name, c.cast)));
    selects.extend(
        [
            "u.raw_payload",
            "u.source_version",
            "u.source_sequence",
            "u.fetched_at",
        ]
        .map(String::from),
    );

    let mut sets: Vec<String> = typed
        .iter()
        .map(|c| {
            let name = c.name;
            format!(
                "{name} = CASE WHEN {} THEN EXCLUDED.{name} ELSE t.{name} END",
                presence(c.keys)
            )
        })
        .collect();
    sets.extend([
        "raw_payload = t.raw_payload || EXCLUDED.raw_payload".to_owned(),
        "source_version = EXCLUDED.source_version".to_owned(),
        "source_sequence = EXCLUDED.source_sequence".to_owned(),
        "fetched_at = EXCLUDED.fetched_at".to_owned(),
    ]);
    // Forced, an equal QBench version rewrites whichever message carries it.
    // A record without `last_updated` has no version to compare, only its
    // stream sequence: there an older message must not rewrite a newer one.
    let newer = if force {
        "coalesce(EXCLUDED.source_version, 0) > coalesce(t.source_version, 0) \
         OR EXCLUDED.source_version = t.source_version \
         OR (coalesce(EXCLUDED.source_version, 0) = coalesce(t.source_version, 0) \
             AND EXCLUDED.source_sequence >= t.source_sequence)"
    } else {
        "(coalesce(EXCLUDED.source_version, 0), EXCLUDED.source_sequence) \
         > (coalesce(t.source_version, 0), t.source_sequence)"
    };

    // `prior` reads the versions as they stood before the statement (every
    // part of one statement sees the same snapshot), so the answer can tell
    // a new version from a rewrite of the same one.
    format!(
        "WITH prior AS (SELECT id, source_version FROM {table} WHERE id = ANY($1::int4[])), \
         written AS ( \
         INSERT INTO {table} AS t ({names}) SELECT {selects} FROM UNNEST({params}) AS u({names}) \
         ON CONFLICT (id) DO UPDATE SET {sets} WHERE {newer} \
         RETURNING t.id, (t.xmax = 0) AS inserted, t.source_version) \
         SELECT w.id, w.inserted, \
             coalesce(w.source_version <> p.source_version, false) AS revised \
         FROM written w LEFT JOIN prior p ON p.id = w.id",
        table = entity.table(),
        names = names.join(", "),
        selects = selects.join(", "),
        params = params.join(", "),
        sets = sets.join(", "),
    )
}

/// Makes the writers of one record take turns until their transactions
/// end. Without it a deletion and a copy of the same record committed at
/// once each miss the other (the deletion finds no row yet, the copy no
/// deletion yet), and a record QBench deleted stays live. Whoever upserts,
/// deletes or sets aside records of `entity` calls this first in its
/// transaction, with every id it will write; the locks are taken in id
/// order, so two writers cannot deadlock on them.
pub async fn lock_records(
    conn: &mut PgConnection,
    entity: Entity,
    ids: &[i32],
) -> Result<(), StoreError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    // `unnest` yields the sorted array in order, and each row takes its
    // lock as the scan reaches it.
    sqlx::query("SELECT count(pg_advisory_xact_lock($1, id)) FROM unnest($2::int4[]) AS u(id)")
        .bind(record_lock_space(entity))
        .bind(&ids)
        .execute(conn)
        .await?;
    Ok(())
}

/// The first key of an entity's record locks (the id is the second), apart
/// from every other advisory lock of the product, which take one key.
fn record_lock_space(entity: Entity) -> i32 {
    const BASE: i32 = 0x5142_4d00;
    BASE + match entity {
        Entity::Customer => 1,
        Entity::Order => 2,
        Entity::Sample => 3,
        Entity::Batch => 4,
        Entity::Test => 5,
    }
}

/// Upserts a batch of one entity's rows in the caller's transaction.
///
/// Each statement writes distinct ids sorted by id, so concurrent loaders
/// lock rows in the same order and cannot deadlock (see [`rounds`]).
pub async fn upsert_rows(
    conn: &mut PgConnection,
    entity: Entity,
    incoming: Vec<Incoming>,
    force: bool,
) -> Result<UpsertSummary, StoreError> {
    let rounds = rounds(incoming);
    let Some(first) = rounds.first() else {
        return Ok(UpsertSummary::default());
    };
    let ids: Vec<i32> = first.iter().map(|i| i.row.envelope().id).collect();
    let sql = upsert_sql(entity, force);
    // Per id: whether a round inserted it, and whether one revised it.
    let mut written: BTreeMap<i32, (bool, bool)> = BTreeMap::new();
    for round in &rounds {
        let query = bind_columns(
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str())),
            entity,
            round,
        )?;
        let rows: Vec<(i32, bool, bool)> = query
            .try_map(|row: sqlx::postgres::PgRow| {
                use sqlx::Row as _;
                Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
            })
            .fetch_all(&mut *conn)
            .await?;
        for (id, inserted, revised) in rows {
            let seen = written.entry(id).or_default();
            *seen = (seen.0 || inserted, seen.1 || revised);
        }
    }
    apply_known_deletions(conn, entity, &ids).await?;

    let mut summary = UpsertSummary {
        unchanged: ids.len() - written.len(),
        ..Default::default()
    };
    for (id, (inserted, revised)) in written {
        if inserted {
            summary.inserted.push(id)
        } else {
            summary.updated.push(id)
        }
        if revised {
            summary.revised.push(id)
        }
    }
    Ok(summary)
}

/// The batch as rounds of distinct ids, each sorted by id and written by
/// one statement. Only copies of an id's newest QBench version can change
/// its row. Where a batch holds several (a list row and a detail of one
/// version), they are written one round after another in stream order, as
/// separate batches would write them, so keys only the earlier copy
/// carries are kept. A later round's ids are all in the first, so it takes
/// no row lock the first did not.
fn rounds(incoming: Vec<Incoming>) -> Vec<Vec<Incoming>> {
    let mut by_id: BTreeMap<i32, Vec<Incoming>> = BTreeMap::new();
    for item in incoming {
        by_id.entry(item.row.envelope().id).or_default().push(item);
    }
    let mut rounds: Vec<Vec<Incoming>> = Vec::new();
    for mut copies in by_id.into_values() {
        let version = |i: &Incoming| i.row.envelope().last_updated.unwrap_or(0);
        let newest = copies.iter().map(version).max().unwrap_or(0);
        copies.retain(|i| version(i) == newest);
        copies.sort_by_key(|i| i.sequence);
        // One message delivered twice in a batch is written once.
        copies.dedup_by_key(|i| i.sequence);
        for (n, copy) in copies.into_iter().enumerate() {
            match rounds.get_mut(n) {
                Some(round) => round.push(copy),
                None => rounds.push(vec![copy]),
            }
        }
    }
    rounds
}

/// A record deleted in QBench stays hidden even if a late copy arrives.
// TODO(#2): a record QBench restores, or one a fetch took for gone by
// mistake, stays hidden for good. Bringing it back needs the time each copy
// was read in QBench, which no message carries: `fetched-at` is stamped when
// the fetcher publishes (pages are read ahead, tombstones come from other
// tasks), and a set-aside record sent back is stamped anew, so comparing it
// with a deletion's time would bring back records QBench deleted.
async fn apply_known_deletions(
    conn: &mut PgConnection,
    entity: Entity,
    ids: &[i32],
) -> Result<(), StoreError> {
    let sql = format!(
        "UPDATE {table} AS t SET deleted_at = d.detected_at FROM record_deletions d \
         WHERE d.entity = $1 AND d.record_id = t.id AND t.id = ANY($2) AND t.deleted_at IS NULL",
        table = entity.table()
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(entity.as_str())
        .bind(ids)
        .execute(conn)
        .await?;
    Ok(())
}

/// The QBench version (`last_updated`, in seconds) the mirror holds of each
/// of `ids` it has a row for, deleted or not; `None` for a row of a record
/// without one.
pub async fn held_versions(
    pool: &PgPool,
    entity: Entity,
    ids: &[i32],
) -> Result<HashMap<i32, Option<i64>>, StoreError> {
    let sql = format!(
        "SELECT id, source_version FROM {} WHERE id = ANY($1)",
        entity.table()
    );
    let held: Vec<(i32, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(ids)
        .fetch_all(pool)
        .await?;
    Ok(held.into_iter().collect())
}

/// Which of `ids` exist in the entity's table (deleted or not).
pub async fn existing_ids(
    conn: &mut PgConnection,
    entity: Entity,
    ids: &[i32],
) -> Result<HashSet<i32>, StoreError> {
    let sql = format!("SELECT id FROM {} WHERE id = ANY($1)", entity.table());
    let found: Vec<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(ids)
        .fetch_all(conn)
        .await?;
    Ok(found.into_iter().collect())
}

type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

/// Binds one array per column, in the order of [`upsert_sql`].
fn bind_columns<'q>(
    query: PgQuery<'q>,
    entity: Entity,
    batch: &[Incoming],
) -> Result<PgQuery<'q>, StoreError> {
    let rows: Vec<&Row> = batch.iter().map(|i| &i.row).collect();
    let query = query.bind(rows.iter().map(|r| r.envelope().id).collect::<Vec<_>>());
    let query = match entity {
        Entity::Customer => bind_customers(query, &rows),
        Entity::Order => bind_orders(query, &rows),
        Entity::Sample => bind_samples(query, &rows),
        Entity::Test => bind_tests(query, &rows),
        Entity::Batch => bind_batches(query, &rows),
    }?;
    let payloads: Vec<Value> = rows
        .iter()
        .map(|r| r.envelope().raw_payload.clone())
        .collect();
    Ok(query
        .bind(payloads)
        .bind(
            rows.iter()
                .map(|r| r.envelope().last_updated)
                .collect::<Vec<_>>(),
        )
        .bind(batch.iter().map(|i| i.sequence).collect::<Vec<_>>())
        .bind(batch.iter().map(|i| i.fetched_at).collect::<Vec<_>>()))
}

/// Extracts the rows of one variant; the batch is of one entity by contract.
macro_rules! rows_of {
    ($rows:expr, $variant:ident) => {{
        let mut typed = Vec::with_capacity($rows.len());
        for row in $rows {
            match row {
                Row::$variant(r) => typed.push(r),
                other => {
                    return Err(StoreError::Invalid(format!(
                        "a {:?} row in a {} batch",
                        other.envelope().id,
                        stringify!($variant)
                    )));
                }
            }
        }
        typed
    }};
}

/// `{1,2,3}`: an id list as a PostgreSQL array literal, cast in SQL.
fn id_array(ids: &[i32]) -> String {
    let items: Vec<String> = ids.iter().map(i32::to_string).collect();
    format!("{{{}}}", items.join(","))
}

fn bind_customers<'q>(q: PgQuery<'q>, rows: &[&Row]) -> Result<PgQuery<'q>, StoreError> {
    let r = rows_of!(rows, Customer);
    Ok(q.bind(r.iter().map(|c| c.name.clone()).collect::<Vec<_>>())
        .bind(r.iter().map(|c| c.date_created).collect::<Vec<_>>()))
}

fn bind_orders<'q>(q: PgQuery<'q>, rows: &[&Row]) -> Result<PgQuery<'q>, StoreError> {
    let r = rows_of!(rows, Order);
    Ok(q.bind(
        r.iter()
            .map(|o| o.custom_formatted_id.clone())
            .collect::<Vec<_>>(),
    )
    .bind(r.iter().map(|o| o.customer_account_id).collect::<Vec<_>>())
    .bind(r.iter().map(|o| o.date_created).collect::<Vec<_>>())
    .bind(r.iter().map(|o| o.date_completed).collect::<Vec<_>>())
    .bind(r.iter().map(|o| o.date_order_reported).collect::<Vec<_>>())
    .bind(r.iter().map(|o| o.date_received).collect::<Vec<_>>())
    .bind(r.iter().map(|o| o.sample_count).collect::<Vec<_>>())
    .bind(r.iter().map(|o| o.test_count).collect::<Vec<_>>())
    .bind(r.iter().map(|o| o.state.clone()).collect::<Vec<_>>()))
}

fn bind_samples<'q>(q: PgQuery<'q>, rows: &[&Row]) -> Result<PgQuery<'q>, StoreError> {
    let r = rows_of!(rows, Sample);
    Ok(
        q.bind(r.iter().map(|s| s.sample_name.clone()).collect::<Vec<_>>())
            .bind(
                r.iter()
                    .map(|s| s.custom_formatted_id.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(r.iter().map(|s| s.metrc_id.clone()).collect::<Vec<_>>())
            .bind(r.iter().map(|s| s.order_id).collect::<Vec<_>>())
            .bind(r.iter().map(|s| s.has_report).collect::<Vec<_>>())
            .bind(r.iter().map(|s| id_array(&s.batch_ids)).collect::<Vec<_>>())
            .bind(r.iter().map(|s| s.completed_date).collect::<Vec<_>>())
            .bind(r.iter().map(|s| s.date_created).collect::<Vec<_>>())
            .bind(r.iter().map(|s| s.start_date).collect::<Vec<_>>())
            .bind(r.iter().map(|s| s.matrix_type.clone()).collect::<Vec<_>>())
            .bind(r.iter().map(|s| s.sample_type.clone()).collect::<Vec<_>>())
            .bind(r.iter().map(|s| s.state.clone()).collect::<Vec<_>>())
            .bind(r.iter().map(|s| s.test_count).collect::<Vec<_>>())
            .bind(r.iter().map(|s| s.sample_weight).collect::<Vec<_>>()),
    )
}

fn bind_tests<'q>(q: PgQuery<'q>, rows: &[&Row]) -> Result<PgQuery<'q>, StoreError> {
    let r = rows_of!(rows, Test);
    Ok(q.bind(r.iter().map(|t| t.sample_id).collect::<Vec<_>>())
        .bind(r.iter().map(|t| id_array(&t.batch_ids)).collect::<Vec<_>>())
        .bind(r.iter().map(|t| t.date_created).collect::<Vec<_>>())
        .bind(r.iter().map(|t| t.state.clone()).collect::<Vec<_>>())
        .bind(r.iter().map(|t| t.has_report).collect::<Vec<_>>())
        .bind(
            r.iter()
                .map(|t| t.report_completed_date)
                .collect::<Vec<_>>(),
        )
        .bind(r.iter().map(|t| t.label_abbr.clone()).collect::<Vec<_>>())
        .bind(r.iter().map(|t| t.title.clone()).collect::<Vec<_>>())
        .bind(
            r.iter()
                .map(|t| t.worksheet_raw.clone())
                .collect::<Vec<_>>(),
        )
        .bind(r.iter().map(|t| t.start_date).collect::<Vec<_>>())
        .bind(r.iter().map(|t| t.complete_date).collect::<Vec<_>>())
        .bind(r.iter().map(|t| t.assay_id).collect::<Vec<_>>()))
}

fn bind_batches<'q>(q: PgQuery<'q>, rows: &[&Row]) -> Result<PgQuery<'q>, StoreError> {
    let r = rows_of!(rows, Batch);
    Ok(q.bind(r.iter().map(|b| b.assay_id).collect::<Vec<_>>())
        .bind(r.iter().map(|b| b.display_name.clone()).collect::<Vec<_>>())
        .bind(r.iter().map(|b| b.date_created).collect::<Vec<_>>())
        .bind(r.iter().map(|b| b.date_prepared).collect::<Vec<_>>())
        .bind(r.iter().map(|b| b.last_updated_at).collect::<Vec<_>>())
        .bind(
            r.iter()
                .map(|b| id_array(&b.sample_ids))
                .collect::<Vec<_>>(),
        )
        .bind(r.iter().map(|b| id_array(&b.test_ids)).collect::<Vec<_>>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_keys_test_the_nested_object() {
        assert_eq!(
            presence(&["label_abbr", "assay.label_abbr"]),
            "EXCLUDED.raw_payload ? 'label_abbr' OR EXCLUDED.raw_payload -> 'assay' ? 'label_abbr'"
        );
    }

    #[test]
    fn every_entity_has_one_parameter_per_column() {
        for entity in Entity::ALL {
            let sql = upsert_sql(entity, false);
            let expected = columns(entity).len() + 5;
            assert!(sql.contains(&format!("${expected}::")), "{entity}: {sql}");
            assert!(!sql.contains(&format!("${}::", expected + 1)), "{entity}");
        }
    }
}
