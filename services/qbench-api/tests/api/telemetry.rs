//! The metrics endpoint: request latency labelled by the route template.

use super::TestApp;

#[tokio::test]
async fn request_latency_is_counted_per_route_template() {
    let app = TestApp::spawn().await;
    let loopback = "127.0.0.1:0".parse().unwrap();
    let metrics = mirror_testkit::step("serve metrics", mirror_telemetry::serve_metrics(loopback))
        .await
        .unwrap();
    app.create_user("ops").await;
    let token = app.token("ops").await;

    app.get("/api/health", None).await;
    app.get("/api/v1/entities/tests/424242", Some(&token)).await;
    let scrape = app.http.get(format!("http://{metrics}/metrics")).send();
    let answer = mirror_testkit::step("scrape", scrape).await.unwrap();
    let text = mirror_testkit::step("scrape body", answer.text())
        .await
        .unwrap();

    let series = [
        r#"http_request_duration_seconds_count{method="GET",route="/api/health",status="200"} 1"#,
        r#"http_request_duration_seconds_count{method="GET",route="/api/v1/entities/tests/{id}",status="404"} 1"#,
    ];
    for line in series {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from\n{text}"
        );
    }
    assert!(!text.contains("424242"), "an id became a label:\n{text}");
    app.finish().await;
}
