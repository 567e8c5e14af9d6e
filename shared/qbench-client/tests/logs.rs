//! What the client logs holds no secret: the client secret, the signed
//! assertions and the access tokens never reach a log line.
//!
//! A test binary of its own: a test that captures the log with a subscriber
//! of its thread can miss events when other tests of the same process log
//! from theirs at the same time, so this one runs alone in its process
//! whatever the test runner.

mod mock;

use std::io::Write;
use std::sync::{Arc, Mutex};

use mirror_testkit::step;
use mock::{Answer, CLIENT_ID, Mock, SECRET};
use qbench_client::{Entity, PageQuery, QbenchClient};
use serde_json::json;

/// Log lines written during a test, shared with the subscriber.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

/// Single-threaded, so every task logs into this test's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn no_secret_assertion_or_token_reaches_a_log_line() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let qbench = Mock::start().await;
    qbench.rule("sample", Some(1), 1, Answer::ExpireToken);
    qbench.rule(
        "sample",
        Some(2),
        1,
        Answer::Status(503, json!({"error": "busy"})),
    );
    qbench.rule("sample", Some(3), 1, Answer::Throttle(vec![]));
    let client = QbenchClient::new(qbench.settings()).expect("client");

    for num in 1..=3 {
        let query = PageQuery::new(num, 50);
        step("list a page", client.list_page(Entity::Sample, &query))
            .await
            .expect("page");
    }
    tracing::info!(client = ?client, settings = ?qbench.settings(), "Client state.");

    let text = logs.text();
    assert!(
        text.contains("Obtained a QBench access token."),
        "logs were captured"
    );
    assert!(
        text.contains("trying again") && text.contains("holds off"),
        "{text}"
    );
    let mut secrets = vec![SECRET.to_owned()];
    secrets.extend(qbench.tokens_issued());
    secrets.extend(qbench.assertions());
    assert_eq!(qbench.tokens_issued().len(), 2);
    for secret in secrets {
        assert!(!text.contains(&secret), "a log line holds {secret}");
    }
    assert!(text.contains(CLIENT_ID), "the client id is not secret");
}
