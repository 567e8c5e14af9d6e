//! The store against a real PostgreSQL, one fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use mirror_records::{Entity, map_record};
use mirror_store::{
    Incoming, Outcome, PageRecord, Receipt, RunStatus, checkpoints, finish_run_entity,
    lock_records, mark_deleted, migrate, record_page, record_receipts, run_progress,
    settle_skipped_receipts, start_run, start_run_entity, upsert_rows,
};
use mirror_testkit::{TestDatabase, step};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::oneshot;
use uuid::Uuid;

async fn migrated() -> TestDatabase {
    let db = step("create database", TestDatabase::create())
        .await
        .unwrap();
    step("migrate", migrate(&db.pool, Tz::UTC)).await.unwrap();
    db
}

fn incoming(entity: Entity, raw: Value, sequence: i64) -> Incoming {
    Incoming {
        row: map_record(entity, &raw, Tz::UTC).unwrap(),
        sequence,
        fetched_at: Utc::now(),
    }
}

async fn load(pool: &PgPool, entity: Entity, batch: Vec<Incoming>) -> mirror_store::UpsertSummary {
    let mut tx = pool.begin().await.unwrap();
    let summary = step("upsert", upsert_rows(&mut tx, entity, batch, false))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    summary
}

async fn seed_parents(pool: &PgPool) {
    let customer = incoming(
        Entity::Customer,
        json!({"id": 1, "customer_name": "Lab A"}),
        1,
    );
    let order = incoming(
        Entity::Order,
        json!({"id": 10, "customer_account_id": 1}),
        2,
    );
    let sample = incoming(Entity::Sample, json!({"id": 77, "order_id": 10}), 3);
    load(pool, Entity::Customer, vec![customer]).await;
    load(pool, Entity::Order, vec![order]).await;
    load(pool, Entity::Sample, vec![sample]).await;
}

fn fixture(name: &str) -> Vec<Value> {
    let path = format!(
        "{}/../records/tests/fixtures/qbench-v1/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let page: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    page["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn real_qbench_pages_load_with_every_key_kept() {
    let db = migrated().await;
    let zone: Tz = "America/New_York".parse().unwrap();
    let customers = fixture("customers_page.json");
    let orders = fixture("orders_page.json");

    // Orders of these pages name customers that are not on the customer page.
    let mut parents: Vec<i64> = orders
        .iter()
        .map(|o| o["customer_account_id"].as_i64().unwrap())
        .collect();
    parents.sort_unstable();
    parents.dedup();
    let stand_ins = parents
        .iter()
        .map(|id| {
            incoming(
                Entity::Customer,
                json!({"id": id, "customer_name": "stand-in"}),
                0,
            )
        })
        .collect();
    load(&db.pool, Entity::Customer, stand_ins).await;

    for (entity, records) in [(Entity::Customer, &customers), (Entity::Order, &orders)] {
        let batch: Vec<Incoming> = records
            .iter()
            .enumerate()
            .map(|(i, raw)| Incoming {
                row: map_record(entity, raw, zone).unwrap(),
                sequence: 100 + i as i64,
                fetched_at: Utc::now(),
            })
            .collect();
        load(&db.pool, entity, batch).await;

        for raw in records.iter() {
            let sql = format!("SELECT raw_payload FROM {} WHERE id = $1", entity.table());
            let stored: Value = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(raw["id"].as_i64().unwrap() as i32)
                .fetch_one(&db.pool)
                .await
                .unwrap();
            assert_eq!(&stored, raw, "{entity} {} lost or changed a key", raw["id"]);
        }
    }

    let (created, reported): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT date_created, date_order_reported FROM orders \
         WHERE date_order_reported IS NOT NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(created.is_some() && reported.is_some());
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn an_older_version_never_overwrites_a_newer_row() {
    let db = migrated().await;
    seed_parents(&db.pool).await;
    let newer = json!({"id": 9001, "sample_id": 77, "state": "COMPLETED", "last_updated": "200"});
    let older = json!({"id": 9001, "sample_id": 77, "state": "NOT STARTED", "last_updated": "100"});

    load(
        &db.pool,
        Entity::Test,
        vec![incoming(Entity::Test, newer, 10)],
    )
    .await;
    let summary = load(
        &db.pool,
        Entity::Test,
        vec![incoming(Entity::Test, older, 11)],
    )
    .await;

    assert_eq!(summary.unchanged, 1);
    let state: String = sqlx::query_scalar("SELECT state FROM tests WHERE id = 9001")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(state, "COMPLETED");
    db.drop_database().await.unwrap();
}

/// One writer of sample 78: a copy of it, or its deletion.
#[derive(Clone, Copy)]
enum Write {
    Copy,
    Deletion,
}

/// A writer held open: it says when it has written, and commits when told.
struct Held {
    written: oneshot::Sender<()>,
    commit: oneshot::Receiver<()>,
}

/// Writes in a transaction of its own, as a loader's batch does; commits at
/// once, or when told if `held`.
async fn write_sample_78(pool: PgPool, write: Write, held: Option<Held>) {
    let mut tx = pool.begin().await.unwrap();
    lock_records(&mut tx, Entity::Sample, &[78]).await.unwrap();
    match write {
        Write::Copy => {
            let copy = incoming(Entity::Sample, json!({"id": 78, "order_id": 10}), 20);
            upsert_rows(&mut tx, Entity::Sample, vec![copy], false)
                .await
                .unwrap();
        }
        Write::Deletion => {
            mark_deleted(&mut tx, Entity::Sample, &[78], None)
                .await
                .unwrap();
        }
    }
    if let Some(held) = held {
        held.written.send(()).unwrap();
        held.commit.await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// `first` writes and holds its transaction open while `second` starts:
/// `second` must wait for it, whichever they are, and the sample must end
/// deleted. Without the wait each would miss the other's uncommitted write
/// (the deletion finding no row, the copy no deletion) and leave it live.
async fn a_writer_of_sample_78_waits_for_another(first: Write, second: Write) {
    let db = migrated().await;
    seed_parents(&db.pool).await;
    let (written, has_written) = oneshot::channel();
    let (commit, committed) = oneshot::channel();
    let held = Held {
        written,
        commit: committed,
    };
    let first = tokio::spawn(write_sample_78(db.pool.clone(), first, Some(held)));
    step("first writer", has_written).await.unwrap();
    let mut second = tokio::spawn(write_sample_78(db.pool.clone(), second, None));

    let early = tokio::time::timeout(Duration::from_millis(300), &mut second).await;
    assert!(early.is_err(), "the second writer went ahead of the first");
    commit.send(()).unwrap();
    step("first writer", first).await.unwrap();
    step("second writer", second).await.unwrap();

    let deleted: bool =
        sqlx::query_scalar("SELECT deleted_at IS NOT NULL FROM samples WHERE id = 78")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(
        deleted,
        "sample 78, deleted in QBench, is live in the mirror"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_deletion_waits_for_a_copy_being_written_and_hides_it() {
    a_writer_of_sample_78_waits_for_another(Write::Copy, Write::Deletion).await;
}

#[tokio::test]
async fn a_copy_waits_for_a_deletion_being_written_and_is_hidden_on_arrival() {
    a_writer_of_sample_78_waits_for_another(Write::Deletion, Write::Copy).await;
}

#[tokio::test]
async fn a_list_row_without_has_report_keeps_the_detail_value() {
    let db = migrated().await;
    seed_parents(&db.pool).await;
    let detail = json!({"id": 42, "sample_id": 77, "has_report": true, "state": "REPORTED",
                        "report_completed_date": "03/04/2026 10:00 AM", "last_updated": "500"});
    let list_row = json!({"id": 42, "sample_id": 77, "state": "REPORTED", "last_updated": "500"});

    load(
        &db.pool,
        Entity::Test,
        vec![incoming(Entity::Test, detail, 1)],
    )
    .await;
    let summary = load(
        &db.pool,
        Entity::Test,
        vec![incoming(Entity::Test, list_row, 2)],
    )
    .await;

    assert_eq!(summary.updated, vec![42]);
    let (has_report, reported, payload): (bool, Option<DateTime<Utc>>, Value) = sqlx::query_as(
        "SELECT has_report, report_completed_date, raw_payload FROM tests WHERE id = 42",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(has_report);
    assert!(reported.is_some());
    assert_eq!(payload["has_report"], json!(true));
    db.drop_database().await.unwrap();
}

/// A detail and a list row of one version in one batch are written as two
/// batches would write them: the list row, later in the stream, does not
/// drop the keys only the detail carries.
#[tokio::test]
async fn a_list_row_and_a_detail_of_one_version_in_one_batch_keep_every_key() {
    let db = migrated().await;
    seed_parents(&db.pool).await;
    let detail = json!({"id": 43, "sample_id": 77, "has_report": true, "state": "REPORTED",
                        "report_completed_date": "03/04/2026 10:00 AM", "last_updated": "500"});
    let list_row = json!({"id": 43, "sample_id": 77, "state": "REPORTED", "last_updated": "500"});
    let older = json!({"id": 43, "sample_id": 77, "state": "IN PROGRESS", "last_updated": "400"});

    let batch = vec![
        incoming(Entity::Test, list_row, 7),
        incoming(Entity::Test, older, 9),
        incoming(Entity::Test, detail, 5),
    ];
    let summary = load(&db.pool, Entity::Test, batch).await;

    assert_eq!(summary.inserted, vec![43]);
    assert!(summary.updated.is_empty(), "{summary:?}");
    let (state, has_report, reported, sequence, payload): (
        String,
        bool,
        Option<DateTime<Utc>>,
        i64,
        Value,
    ) = sqlx::query_as(
        "SELECT state, has_report, report_completed_date, source_sequence, raw_payload \
         FROM tests WHERE id = 43",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(state, "REPORTED");
    assert!(has_report);
    assert!(reported.is_some());
    assert_eq!(sequence, 7);
    assert_eq!(
        payload["report_completed_date"],
        json!("03/04/2026 10:00 AM")
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn an_explicit_null_does_clear_a_value() {
    let db = migrated().await;
    seed_parents(&db.pool).await;
    let first = json!({"id": 43, "sample_id": 77, "state": "IN PROGRESS", "last_updated": "1"});
    let second = json!({"id": 43, "sample_id": 77, "state": null, "last_updated": "2"});

    load(
        &db.pool,
        Entity::Test,
        vec![incoming(Entity::Test, first, 1)],
    )
    .await;
    load(
        &db.pool,
        Entity::Test,
        vec![incoming(Entity::Test, second, 2)],
    )
    .await;

    let state: Option<String> = sqlx::query_scalar("SELECT state FROM tests WHERE id = 43")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(state, None);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn the_checkpoint_waits_for_an_uncommitted_record() {
    let db = migrated().await;
    seed_parents(&db.pool).await;
    let pages = [(1, 1, 10, 10), (2, 1, 20, 20), (3, 1, 30, 30)];
    let run = run_with_pages(&db.pool, "full", Entity::Test, &pages).await;
    finish_run_entity(&db.pool, run, Entity::Test, RunStatus::Published, 3, None)
        .await
        .unwrap();

    // Pages 1 and 3 commit; page 2's record is still in flight.
    commit_receipts(&db.pool, run, &[(1, 1), (3, 3)]).await;
    let checkpoint = test_checkpoint(&db.pool).await;
    assert_eq!(checkpoint.last_id, Some(10));
    assert_eq!(checkpoint.last_synced_at, None);
    assert_eq!(checkpoint.status.as_deref(), Some("loading"));

    // A redelivery of an already counted message changes nothing.
    commit_receipts(&db.pool, run, &[(3, 3)]).await;
    let progress = run_progress(&db.pool, run).await.unwrap().unwrap();
    assert_eq!((progress.published, progress.loaded), (3, 2));
    assert!(!progress.is_settled());

    // Nor does a second copy of a record in the stream, under a sequence of
    // its own; two copies in one batch count once.
    commit_receipts(&db.pool, run, &[(4, 3)]).await;
    commit_receipts(&db.pool, run, &[(5, 1), (6, 1)]).await;
    assert_eq!(loaded_on_pages(&db.pool, run).await, 2);
    let checkpoint = test_checkpoint(&db.pool).await;
    assert_eq!(checkpoint.last_id, Some(10));

    commit_receipts(&db.pool, run, &[(2, 2)]).await;
    let checkpoint = test_checkpoint(&db.pool).await;
    assert_eq!(checkpoint.last_id, Some(30));
    assert_eq!(checkpoint.status.as_deref(), Some("complete"));
    assert!(checkpoint.last_synced_at.is_some());
    // The complete run's receipts are gone; a late redelivery counts nothing.
    commit_receipts(&db.pool, run, &[(3, 3)]).await;
    assert_eq!(loaded_on_pages(&db.pool, run).await, 3);
    let progress = run_progress(&db.pool, run).await.unwrap().unwrap();
    assert!(
        !progress.is_settled(),
        "settled while the fetcher still runs"
    );
    mirror_store::finish_run(&db.pool, run, RunStatus::Published, None)
        .await
        .unwrap();
    let progress = run_progress(&db.pool, run).await.unwrap().unwrap();
    assert!(progress.is_settled());
    db.drop_database().await.unwrap();
}

/// Starts an incremental run of tests that publishes one page of one record.
async fn one_page_run(pool: &PgPool) -> Uuid {
    run_with_pages(pool, "incremental", Entity::Test, &[(1, 1, 10, 10)]).await
}

/// Starts a run of one entity whose fetcher recorded `pages`, each given as
/// (page, records, first id, last id).
async fn run_with_pages(
    pool: &PgPool,
    mode: &str,
    entity: Entity,
    pages: &[(i32, i32, i32, i32)],
) -> Uuid {
    let run = Uuid::now_v7();
    step("start run", start_run(pool, run, mode, &[entity]))
        .await
        .unwrap();
    step("start entity", start_run_entity(pool, run, entity, mode))
        .await
        .unwrap();
    for &(page, record_count, first, last) in pages {
        let record = PageRecord {
            run_id: run,
            entity,
            page,
            record_count,
            first_id: Some(first),
            last_id: Some(last),
        };
        step("record page", record_page(pool, &record))
            .await
            .unwrap();
    }
    run
}

/// Ends the run's test entity with `status` and its page count.
async fn end_run(pool: &PgPool, run: Uuid, status: RunStatus, pages: i32) {
    let message = (status != RunStatus::Published).then_some("page 2: qbench answered 503");
    let ended = finish_run_entity(pool, run, Entity::Test, status, pages, message);
    step("end run", ended).await.unwrap();
}

/// After the run `failed`, which ended short, a complete incremental run
/// whose record is committed.
async fn complete_run_after(pool: &PgPool, failed: Uuid, status: RunStatus, pages: i32) {
    end_run(pool, failed, status, pages).await;
    let next = one_page_run(pool).await;
    end_run(pool, next, RunStatus::Published, 1).await;
    commit_receipts(pool, next, &[(100, 1)]).await;
}

/// Asserts that `run` holds the tests' checkpoint back.
async fn assert_held_by(pool: &PgPool, run: Uuid) {
    let checkpoint = test_checkpoint(pool).await;
    assert_eq!(checkpoint.status.as_deref(), Some("loading"));
    assert_eq!(checkpoint.run_id, Some(run));
}

/// Asserts that nothing holds the tests' checkpoint back.
async fn assert_complete(pool: &PgPool) {
    let checkpoint = test_checkpoint(pool).await;
    assert_eq!(checkpoint.status.as_deref(), Some("complete"));
    assert_eq!(checkpoint.run_id, None);
    assert!(checkpoint.last_synced_at.is_some());
}

#[tokio::test]
async fn a_short_incremental_run_holds_the_checkpoint_only_until_its_records_commit() {
    let db = migrated().await;
    seed_parents(&db.pool).await;

    // The first run fails on its second page after publishing the first,
    // whose record is still in flight: it holds the checkpoint.
    let failed = one_page_run(&db.pool).await;
    complete_run_after(&db.pool, failed, RunStatus::Partial, 1).await;
    assert_held_by(&db.pool, failed).await;
    assert_eq!(test_checkpoint(&db.pool).await.last_synced_at, None);

    // Committed, it holds nothing back: the next run, which read again what
    // the failed one did not, moves the checkpoint past both.
    commit_receipts(&db.pool, failed, &[(1, 1)]).await;
    assert_complete(&db.pool).await;
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_page_announced_but_never_counted_keeps_a_short_run_holding() {
    let db = migrated().await;
    seed_parents(&db.pool).await;

    // Page 2 was announced and its record sent, but the fetcher never saw
    // the acks through (it died, or PostgreSQL went away): the run was
    // ended with the page uncounted.
    let failed = one_page_run(&db.pool).await;
    let announced = mirror_store::announce_page(&db.pool, failed, Entity::Test, 2);
    step("announce page 2", announced).await.unwrap();
    complete_run_after(&db.pool, failed, RunStatus::Partial, 2).await;
    commit_receipts(&db.pool, failed, &[(1, 1)]).await;

    // Page 1 is in, but how many records page 2 sent is unknown; nor does
    // a record of it arriving tell.
    assert_held_by(&db.pool, failed).await;
    commit_receipts(&db.pool, failed, &[(2, 2)]).await;
    assert_held_by(&db.pool, failed).await;
    assert_eq!(test_checkpoint(&db.pool).await.last_synced_at, None);

    // What arrived of the uncounted page counts as published, never less
    // than was loaded, and the page is named as uncounted.
    let progress = run_progress(&db.pool, failed).await.unwrap().unwrap();
    assert_eq!(
        (
            progress.published,
            progress.loaded,
            progress.uncounted_pages
        ),
        (2, 2, 1)
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_short_full_run_holds_the_checkpoint_until_a_complete_full_run() {
    let db = migrated().await;
    seed_parents(&db.pool).await;

    // What a full run did not read, only a full run reads: an incremental
    // run after it vouches for nothing older than its own cursor.
    let pages = [(1, 1, 10, 10)];
    let failed = run_with_pages(&db.pool, "full", Entity::Test, &pages).await;
    commit_receipts(&db.pool, failed, &[(1, 1)]).await;
    complete_run_after(&db.pool, failed, RunStatus::Partial, 1).await;
    assert_held_by(&db.pool, failed).await;

    let full = run_with_pages(&db.pool, "full", Entity::Test, &pages).await;
    end_run(&db.pool, full, RunStatus::Published, 1).await;
    commit_receipts(&db.pool, full, &[(3, 1)]).await;
    assert_complete(&db.pool).await;
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_record_set_aside_then_loaded_by_a_later_message_completes_its_page() {
    let db = migrated().await;
    seed_parents(&db.pool).await;
    let run = one_page_run(&db.pool).await;
    finish_run_entity(&db.pool, run, Entity::Test, RunStatus::Published, 1, None)
        .await
        .unwrap();
    let set_aside = Receipt {
        run_id: run,
        page: 1,
        record_id: 10,
        raw_sequence: 1,
        outcome: Outcome::Skipped,
    };
    let mut tx = db.pool.begin().await.unwrap();
    record_receipts(&mut tx, Entity::Test, &[set_aside])
        .await
        .unwrap();
    mirror_store::advance_checkpoint(&mut tx, Entity::Test)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        test_checkpoint(&db.pool).await.status.as_deref(),
        Some("loading")
    );

    // Record 10 arrives again in another run's message and loads.
    let mut tx = db.pool.begin().await.unwrap();
    let moved = settle_skipped_receipts(&mut tx, Entity::Test, &[10, 11])
        .await
        .unwrap();
    mirror_store::advance_checkpoint(&mut tx, Entity::Test)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(moved, 1);
    assert_eq!(loaded_on_pages(&db.pool, run).await, 1);
    let checkpoint = test_checkpoint(&db.pool).await;
    assert_eq!(checkpoint.status.as_deref(), Some("complete"));
    assert!(checkpoint.last_synced_at.is_some());
    db.drop_database().await.unwrap();
}

/// The loaded counters of the run's pages, as stored.
async fn loaded_on_pages(pool: &PgPool, run: Uuid) -> i64 {
    sqlx::query_scalar("SELECT sum(loaded)::int8 FROM sync_run_pages WHERE run_id = $1")
        .bind(run)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn commit_receipts(pool: &PgPool, run: Uuid, items: &[(i64, i32)]) {
    let receipts: Vec<Receipt> = items
        .iter()
        .map(|(sequence, page)| Receipt {
            run_id: run,
            page: *page,
            // Page N holds the one record N * 10.
            record_id: i64::from(*page) * 10,
            raw_sequence: *sequence,
            outcome: Outcome::Loaded,
        })
        .collect();
    let mut tx = pool.begin().await.unwrap();
    record_receipts(&mut tx, Entity::Test, &receipts)
        .await
        .unwrap();
    mirror_store::advance_checkpoint(&mut tx, Entity::Test)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn test_checkpoint(pool: &PgPool) -> mirror_store::Checkpoint {
    let all = checkpoints(pool).await.unwrap();
    all.into_iter().find(|c| c.entity == "test").unwrap()
}

#[tokio::test]
async fn an_earlier_tool_database_is_adopted_in_place() {
    let db = step("create database", TestDatabase::create())
        .await
        .unwrap();
    earlier_tool_tables_with_one_test(&db.pool).await;

    let zone: Tz = "America/New_York".parse().unwrap();
    step("migrate", migrate(&db.pool, zone)).await.unwrap();

    let created: DateTime<Utc> = sqlx::query_scalar("SELECT date_created FROM tests WHERE id = 5")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        created,
        "2026-03-01T14:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM tests")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(kept, 1);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_database_of_another_application_is_refused_and_left_unchanged() {
    // A table named like the earlier tool's but not its, and one named
    // like the mirror's own.
    for (table, words) in [
        ("tests", "table `tests`"),
        ("sync_runs", "table `sync_runs` that a migration"),
    ] {
        let db = step("create database", TestDatabase::create())
            .await
            .unwrap();
        let sql = format!("CREATE TABLE {table} (id text PRIMARY KEY, name text)");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&db.pool)
            .await
            .unwrap();

        let refused = step("migrate", migrate(&db.pool, Tz::UTC))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains(words) && refused.contains("Nothing was changed"),
            "{refused}"
        );
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY 1",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(tables, [table], "the refused database was changed");
        db.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn a_banned_customer_hides_everything_under_it() {
    let db = migrated().await;
    seed_parents(&db.pool).await;
    let test = json!({"id": 9001, "sample_id": 77});
    load(
        &db.pool,
        Entity::Test,
        vec![incoming(Entity::Test, test, 4)],
    )
    .await;
    let visible = |view: &'static str| {
        let pool = db.pool.clone();
        async move {
            let sql = format!("SELECT count(*) FROM {view}");
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&pool)
                .await
                .unwrap();
            n
        }
    };
    assert_eq!(visible("visible_tests").await, 1);

    sqlx::query("INSERT INTO banned_entities (entity_type, entity_id) VALUES ('customer', 1)")
        .execute(&db.pool)
        .await
        .unwrap();

    for view in [
        "visible_customers",
        "visible_orders",
        "visible_samples",
        "visible_tests",
    ] {
        assert_eq!(
            visible(view).await,
            0,
            "{view} still shows a banned customer's record"
        );
    }
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn adopting_wall_times_without_a_configured_zone_is_refused() {
    let db = step("create database", TestDatabase::create())
        .await
        .unwrap();
    earlier_tool_tables_with_one_test(&db.pool).await;

    let refused = step("migrate", mirror_store::migrate_configured(&db.pool, None)).await;

    assert!(
        matches!(refused, Err(mirror_store::StoreError::ZoneRequired)),
        "{refused:?}"
    );
    let untouched: String = sqlx::query_scalar("SELECT date_created::text FROM tests WHERE id = 5")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(untouched, "2026-03-01 09:00:00");
    db.drop_database().await.unwrap();
}

/// The earlier tool's tables holding one test created 2026-03-01 09:00, lab
/// wall-clock time.
async fn earlier_tool_tables_with_one_test(pool: &PgPool) {
    let legacy = include_str!("../../../migrations/20261201000001_earlier_tool_tables.sql");
    sqlx::raw_sql(legacy).execute(pool).await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO customers (id, name, raw_payload) VALUES (1, 'Lab A', '{}'); \
         INSERT INTO orders (id, customer_account_id, raw_payload) VALUES (10, 1, '{}'); \
         INSERT INTO samples (id, order_id, has_report, batch_ids, raw_payload) \
             VALUES (77, 10, false, '{}', '{}'); \
         INSERT INTO tests (id, sample_id, batch_ids, has_report, date_created, raw_payload) \
             VALUES (5, 77, '{}', false, '2026-03-01 09:00', '{}');",
    )
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn connections_run_without_jit_compilation() {
    let db = step("create database", TestDatabase::create())
        .await
        .unwrap();
    let pool = step("connect", mirror_store::connect(&db.url, 1))
        .await
        .unwrap();

    let jit: String = sqlx::query_scalar("SELECT current_setting('jit')")
        .fetch_one(&pool)
        .await
        .unwrap();

    assert_eq!(jit, "off");
    pool.close().await;
    db.drop_database().await.unwrap();
}

async fn force_load(pool: &PgPool, entity: Entity, batch: Vec<Incoming>) -> usize {
    let mut tx = pool.begin().await.unwrap();
    let summary = step("forced upsert", upsert_rows(&mut tx, entity, batch, true))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    summary.updated.len()
}

#[tokio::test]
async fn forcing_rewrites_equal_versions_but_never_older_ones() {
    let db = migrated().await;
    seed_parents(&db.pool).await;
    let v200 = json!({"id": 9002, "sample_id": 77, "state": "COMPLETED", "last_updated": "200"});
    let v100 = json!({"id": 9002, "sample_id": 77, "state": "NOT STARTED", "last_updated": "100"});
    load(
        &db.pool,
        Entity::Test,
        vec![incoming(Entity::Test, v200.clone(), 20)],
    )
    .await;

    let equal = force_load(
        &db.pool,
        Entity::Test,
        vec![incoming(Entity::Test, v200, 20)],
    )
    .await;
    let older = force_load(
        &db.pool,
        Entity::Test,
        vec![incoming(Entity::Test, v100, 5)],
    )
    .await;

    assert_eq!((equal, older), (1, 0));
    let state: String = sqlx::query_scalar("SELECT state FROM tests WHERE id = 9002")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(state, "COMPLETED");
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn forcing_keeps_a_later_message_of_an_unversioned_record() {
    let db = migrated().await;
    let later = json!({"id": 5, "customer_name": "Renamed"});
    let earlier = json!({"id": 5, "customer_name": "First name"});
    load(
        &db.pool,
        Entity::Customer,
        vec![incoming(Entity::Customer, later.clone(), 9)],
    )
    .await;

    let older = force_load(
        &db.pool,
        Entity::Customer,
        vec![incoming(Entity::Customer, earlier, 3)],
    )
    .await;
    let same = force_load(
        &db.pool,
        Entity::Customer,
        vec![incoming(Entity::Customer, later, 9)],
    )
    .await;

    assert_eq!((older, same), (0, 1));
    let name: String = sqlx::query_scalar("SELECT name FROM customers WHERE id = 5")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(name, "Renamed");
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_rewrite_of_the_same_version_is_not_a_revision() {
    let db = migrated().await;
    let customer = |updated: &str, sequence| {
        let raw = json!({"id": 1, "customer_name": "Lab A", "last_updated": updated});
        incoming(Entity::Customer, raw, sequence)
    };

    let first = load(&db.pool, Entity::Customer, vec![customer("100", 1)]).await;
    let again = load(&db.pool, Entity::Customer, vec![customer("100", 2)]).await;
    let newer = load(&db.pool, Entity::Customer, vec![customer("200", 3)]).await;

    assert_eq!((first.inserted, first.revised), (vec![1], vec![]));
    assert_eq!((again.updated, again.revised), (vec![1], vec![]));
    assert_eq!((newer.updated, newer.revised), (vec![1], vec![1]));
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn the_fetcher_lock_has_one_holder_and_frees_itself_with_its_session() {
    use mirror_store::{FetcherLock, fetcher_is_running};
    let db = migrated().await;
    let elsewhere = migrated().await;
    let idle = step("idle", fetcher_is_running(&db.pool)).await.unwrap();

    let first = step("first", FetcherLock::try_acquire(&db.url))
        .await
        .unwrap();
    let second = step("second", FetcherLock::try_acquire(&db.url))
        .await
        .unwrap();
    let mut first = first.expect("nobody held the lock");
    let held = step("held", first.is_held()).await.unwrap();
    let running = step("running", fetcher_is_running(&db.pool)).await.unwrap();
    // The lock belongs to one mirror database, not to the server.
    let running_elsewhere = step("elsewhere", fetcher_is_running(&elsewhere.pool))
        .await
        .unwrap();
    drop(first);
    // The server frees the lock once it notices the closed session.
    let taken_over = async {
        loop {
            if let Some(lock) = FetcherLock::try_acquire(&db.url).await.unwrap() {
                return lock;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    let third = step("take over", taken_over).await;

    assert!(second.is_none(), "two holders at once");
    assert!(held);
    assert!(!idle && running && !running_elsewhere);
    drop(third);
    db.drop_database().await.unwrap();
    elsewhere.drop_database().await.unwrap();
}

#[tokio::test]
async fn runs_left_running_by_a_dead_fetcher_end_partial_with_their_pages() {
    let db = migrated().await;
    let run = run_with_pages(&db.pool, "full", Entity::Customer, &[(1, 2, 1, 2)]).await;

    let ended = mirror_store::abandon_running_runs(&db.pool, "fetcher died")
        .await
        .unwrap();

    assert_eq!(ended, vec![run]);
    let progress = run_progress(&db.pool, run).await.unwrap().unwrap();
    assert_eq!(progress.status, "partial");
    assert_eq!(progress.message.as_deref(), Some("fetcher died"));
    let (status, pages): (String, Option<i32>) =
        sqlx::query_as("SELECT status, total_pages FROM sync_run_entities WHERE run_id = $1")
            .bind(run)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), pages), ("partial", Some(1)));
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn checkpoints_are_listed_parents_first() {
    let db = migrated().await;
    let mut tx = db.pool.begin().await.unwrap();
    for entity in [
        Entity::Test,
        Entity::Batch,
        Entity::Customer,
        Entity::Sample,
    ] {
        mirror_store::advance_checkpoint(&mut tx, entity)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let listed: Vec<String> = checkpoints(&db.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.entity)
        .collect();
    assert_eq!(listed, ["customer", "sample", "batch", "test"]);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_reported_with_its_own_answer() {
    let port = mirror_testkit::free_port().unwrap();
    let url = format!("postgres://postgres@127.0.0.1:{port}/nothing");
    let err = step("connect", mirror_store::connect(&url, 1))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.to_lowercase().contains("refused"), "{err}");
}

#[tokio::test]
async fn a_missing_database_is_named_once_in_postgresqls_words() {
    let admin = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("mirror_absent_{}", uuid::Uuid::new_v4().simple());
    let (server, _) = admin.rsplit_once('/').unwrap();
    let url = format!("{server}/{name}");
    let error = step("open", mirror_store::open(&url, 1, None))
        .await
        .unwrap_err();
    // Wrapped as the services wrap it, with every cause anyhow would print.
    let report = format!(
        "{:?}",
        anyhow::Error::new(error).context("cannot open the mirror's database")
    );
    assert_eq!(report.matches(&name).count(), 1, "{report}");
    assert!(report.contains("does not exist"), "{report}");
    assert!(!report.contains(" at line "), "{report}");
}
