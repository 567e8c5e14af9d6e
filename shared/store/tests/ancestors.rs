//! Samples and tests carry the ids of their order and customer, whatever
//! order the rows are written in and wherever a parent moves; the visible
//! views read those ids. One fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono_tz::Tz;
use mirror_store::migrate;
use mirror_testkit::{TestDatabase, step};
use sqlx::PgPool;

async fn migrated() -> TestDatabase {
    let db = step("create database", TestDatabase::create())
        .await
        .unwrap();
    step("migrate", migrate(&db.pool, Tz::UTC)).await.unwrap();
    db
}

async fn exec(pool: &PgPool, sql: &str) {
    step(sql, sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool))
        .await
        .unwrap();
}

/// `(order_id, customer_account_id)` of a test.
async fn test_ancestors(pool: &PgPool, id: i32) -> (Option<i32>, Option<i32>) {
    step(
        "read test",
        sqlx::query_as("SELECT order_id, customer_account_id FROM tests WHERE id = $1")
            .bind(id)
            .fetch_one(pool),
    )
    .await
    .unwrap()
}

async fn sample_customer(pool: &PgPool, id: i32) -> Option<i32> {
    step(
        "read sample",
        sqlx::query_scalar("SELECT customer_account_id FROM samples WHERE id = $1")
            .bind(id)
            .fetch_one(pool),
    )
    .await
    .unwrap()
}

async fn visible_tests(pool: &PgPool) -> Vec<i32> {
    step(
        "read visible tests",
        sqlx::query_scalar("SELECT id FROM visible_tests ORDER BY id").fetch_all(pool),
    )
    .await
    .unwrap()
}

const PARENTS: &str = "
    INSERT INTO customers (id, name, raw_payload) VALUES (1, 'A', '{}'), (2, 'B', '{}');
    INSERT INTO orders (id, customer_account_id, raw_payload) VALUES (10, 1, '{}'), (20, 2, '{}');
    INSERT INTO samples (id, order_id, raw_payload) VALUES (100, 10, '{}');
    INSERT INTO tests (id, sample_id, raw_payload) VALUES (1000, 100, '{}');";

#[tokio::test]
async fn rows_written_after_their_parents_take_their_ids() {
    let db = migrated().await;
    exec(&db.pool, PARENTS).await;

    assert_eq!(sample_customer(&db.pool, 100).await, Some(1));
    assert_eq!(test_ancestors(&db.pool, 1000).await, (Some(10), Some(1)));
}

#[tokio::test]
async fn children_written_first_in_one_transaction_are_completed_by_their_parents() {
    let db = migrated().await;
    exec(
        &db.pool,
        "BEGIN;
         INSERT INTO tests (id, sample_id, raw_payload) VALUES (1000, 100, '{}');
         INSERT INTO samples (id, order_id, raw_payload) VALUES (100, 10, '{}');
         INSERT INTO orders (id, customer_account_id, raw_payload) VALUES (10, 1, '{}');
         INSERT INTO customers (id, name, raw_payload) VALUES (1, 'A', '{}');
         COMMIT;",
    )
    .await;

    assert_eq!(sample_customer(&db.pool, 100).await, Some(1));
    assert_eq!(test_ancestors(&db.pool, 1000).await, (Some(10), Some(1)));
}

#[tokio::test]
async fn a_moved_sample_or_order_carries_its_children_along() {
    let db = migrated().await;
    exec(&db.pool, PARENTS).await;

    exec(&db.pool, "UPDATE samples SET order_id = 20 WHERE id = 100").await;
    assert_eq!(sample_customer(&db.pool, 100).await, Some(2));
    assert_eq!(test_ancestors(&db.pool, 1000).await, (Some(20), Some(2)));

    exec(
        &db.pool,
        "UPDATE orders SET customer_account_id = 1 WHERE id = 20",
    )
    .await;
    assert_eq!(sample_customer(&db.pool, 100).await, Some(1));
    assert_eq!(test_ancestors(&db.pool, 1000).await, (Some(20), Some(1)));

    exec(&db.pool, "UPDATE tests SET sample_id = 100 WHERE id = 1000").await;
    assert_eq!(test_ancestors(&db.pool, 1000).await, (Some(20), Some(1)));
}

#[tokio::test]
async fn a_banned_or_deleted_ancestor_hides_the_test() {
    let db = migrated().await;
    exec(&db.pool, PARENTS).await;
    assert_eq!(visible_tests(&db.pool).await, vec![1000]);

    let hiders = [
        "INSERT INTO banned_entities (entity_type, entity_id) VALUES ('customer', 1)",
        "INSERT INTO banned_entities (entity_type, entity_id) VALUES ('order', 10)",
        "INSERT INTO banned_entities (entity_type, entity_id) VALUES ('sample', 100)",
        "INSERT INTO banned_entities (entity_type, entity_id) VALUES ('test', 1000)",
        "UPDATE customers SET deleted_at = now() WHERE id = 1",
        "UPDATE orders SET deleted_at = now() WHERE id = 10",
        "UPDATE samples SET deleted_at = now() WHERE id = 100",
        "UPDATE tests SET deleted_at = now() WHERE id = 1000",
    ];
    for hider in hiders {
        exec(&db.pool, hider).await;
        assert_eq!(visible_tests(&db.pool).await, Vec::<i32>::new(), "{hider}");
        exec(
            &db.pool,
            "DELETE FROM banned_entities;
             UPDATE customers SET deleted_at = NULL;
             UPDATE orders SET deleted_at = NULL;
             UPDATE samples SET deleted_at = NULL;
             UPDATE tests SET deleted_at = NULL;",
        )
        .await;
        assert_eq!(visible_tests(&db.pool).await, vec![1000], "after {hider}");
    }
}

/// Two writers at once, as two loaders are: one moves sample 100 to order
/// 20, the other writes a new test of it. Whichever starts first, the test
/// ends with the sample's new order once both have committed.
async fn a_sample_moving_while_a_test_of_it_is_written(move_first: bool) {
    let db = migrated().await;
    exec(&db.pool, PARENTS).await;
    let mover = step("begin", db.pool.begin()).await.unwrap();
    let writer = step("begin", db.pool.begin()).await.unwrap();
    let move_sample = "UPDATE samples SET order_id = 20 WHERE id = 100";
    let write_test = "INSERT INTO tests (id, sample_id, raw_payload) VALUES (1001, 100, '{}')";
    let (mut first, mut second, first_sql, second_sql) = if move_first {
        (mover, writer, move_sample, write_test)
    } else {
        (writer, mover, write_test, move_sample)
    };

    step(first_sql, sqlx::query(first_sql).execute(&mut *first))
        .await
        .unwrap();
    // The second writer waits for the first to commit.
    let waiting = async move {
        sqlx::query(second_sql).execute(&mut *second).await?;
        Ok::<_, sqlx::Error>(second)
    };
    let committed = async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        first.commit().await
    };
    let (second, first_done) = step("both", async { tokio::join!(waiting, committed) }).await;
    first_done.unwrap();
    step("commit", second.unwrap().commit()).await.unwrap();

    assert_eq!(test_ancestors(&db.pool, 1001).await, (Some(20), Some(2)));
    assert_eq!(test_ancestors(&db.pool, 1000).await, (Some(20), Some(2)));
}

#[tokio::test]
async fn a_test_written_while_its_sample_moves_takes_the_new_order() {
    a_sample_moving_while_a_test_of_it_is_written(true).await;
}

#[tokio::test]
async fn a_sample_moving_while_a_test_of_it_is_written_passes_the_new_order_down() {
    a_sample_moving_while_a_test_of_it_is_written(false).await;
}
