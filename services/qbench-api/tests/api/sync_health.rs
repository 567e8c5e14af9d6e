//! `GET /api/v1/sync/health`: checkpoints, newest runs and the records set
//! aside, with banned records left out.

use serde_json::json;

use super::{TestApp, unauthorized};

const SYNC_HEALTH: &str = "/api/v1/sync/health";

/// Two tests set aside: 7001 waits for sample 70, 7002 for sample 80; one
/// loaded test whose entry was resolved; a complete checkpoint of tests.
const FIXTURE: &str = "
INSERT INTO sync_checkpoints (entity, last_synced_at, status, updated_at)
VALUES ('test', now() - interval '90 seconds', 'complete', now());
INSERT INTO skipped_records (entity, record_id, reason, missing_parent_entity,
                             missing_parent_id, attempts, last_error) VALUES
  ('test', 7001, 'missing_parent', 'sample', 70, 3, 'sample 70 is not in the mirror'),
  ('test', 7002, 'missing_parent', 'sample', 80, 3, 'sample 80 is not in the mirror');
INSERT INTO skipped_records (entity, record_id, reason, attempts, last_error, resolved_at)
VALUES ('test', 7003, 'invalid', 1, 'state is not text', now());
";

async fn fixture(app: &TestApp) {
    mirror_testkit::step("fixture", sqlx::raw_sql(FIXTURE).execute(&app.db.pool))
        .await
        .unwrap();
}

#[tokio::test]
async fn sync_health_refuses_a_request_without_a_token() {
    let app = TestApp::spawn().await;

    let (status, body) = app.get(SYNC_HEALTH, None).await;

    assert_eq!(status, 401);
    assert_eq!(body, unauthorized());
    app.finish().await;
}

#[tokio::test]
async fn sync_health_lists_every_entity_and_the_records_still_set_aside() {
    let app = TestApp::spawn().await;
    fixture(&app).await;
    app.create_user("alice").await;
    let token = app.token("alice").await;

    let (status, body) = app.get(SYNC_HEALTH, Some(&token)).await;

    assert_eq!(status, 200, "{body}");
    let entities: Vec<_> = body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["entity"].clone())
        .collect();
    assert_eq!(
        entities,
        ["customer", "order", "sample", "batch", "test"].map(|e| json!(e))
    );
    let tests = &body["entities"][4];
    assert_eq!(tests["checkpoint_status"], "complete");
    let lag = tests["lag_seconds"].as_i64().unwrap();
    assert!((89..120).contains(&lag), "lag {lag}");
    assert_eq!(body["entities"][0]["checkpoint_at"], json!(null));
    assert_eq!(body["skipped_total"], 2);
    let ids: Vec<_> = body["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["record_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&7001) && ids.contains(&7002), "{ids:?}");
    app.finish().await;
}

#[tokio::test]
async fn sync_health_leaves_out_a_banned_record_and_one_waiting_on_a_banned_parent() {
    let app = TestApp::spawn().await;
    fixture(&app).await;
    app.create_user("alice").await;
    let token = app.token("alice").await;
    let bans = sqlx::raw_sql(
        "INSERT INTO banned_entities (entity_type, entity_id, reason) VALUES \
         ('test', 7001, 'test'), ('sample', 80, 'test')",
    )
    .execute(&app.db.pool);
    mirror_testkit::step("ban", bans).await.unwrap();

    let (status, body) = app.get(SYNC_HEALTH, Some(&token)).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["skipped"], json!([]));
    assert_eq!(body["skipped_total"], 0);
    app.finish().await;
}
