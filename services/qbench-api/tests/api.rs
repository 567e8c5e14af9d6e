//! The API against a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::IntoFuture;

use mirror_testkit::{TestDatabase, step};

#[tokio::test]
async fn health_answers_ok_when_the_database_does() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db = step("create database", TestDatabase::create())
        .await
        .unwrap();
    step(
        "migrate",
        mirror_store::migrate(&db.pool, chrono_tz::Tz::UTC),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server =
        tokio::spawn(axum::serve(listener, qbench_api::router(db.pool.clone())).into_future());

    let url = format!("http://{address}/api/health");
    let answer = step("health", reqwest::get(&url)).await.unwrap();

    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"status": "ok"})
    );
    server.abort();
    db.drop_database().await.unwrap();
}
