//! The client against a scripted QBench stand-in: tokens, throttles, retries
//! and the shapes of QBench's answers (cases C-token-expiry, C-throttle and
//! the client's part of C-failed-page).

mod mock;

use std::time::{Duration, SystemTime};

use chrono::{TimeZone, Utc};
use mirror_testkit::{step, within};
use mock::{Answer, Mock};
use qbench_client::{
    Absence, ClientSettings, Entity, ErrorKind, Page, PageQuery, QbenchClient, QbenchError,
    SortKey, SortOrder, Updates,
};
use serde_json::json;
use tokio::time::Instant;

fn client(settings: ClientSettings) -> QbenchClient {
    QbenchClient::new(settings).expect("client")
}

async fn page(client: &QbenchClient, entity: Entity, num: u32) -> Result<Page, QbenchError> {
    let query = PageQuery::new(num, 50);
    step("list a page", client.list_page(entity, &query)).await
}

/// Every record id of pages 1 to 6, read one page after another.
async fn read_all_pages(client: QbenchClient, entity: Entity) -> Result<Vec<i64>, QbenchError> {
    let mut ids = Vec::new();
    for num in 1..=6 {
        let page = client.list_page(entity, &PageQuery::new(num, 50)).await?;
        ids.extend(page.records.iter().filter_map(|r| r["id"].as_i64()));
    }
    Ok(ids)
}

fn every_default_id() -> Vec<i64> {
    (1..=6).flat_map(|p| [p * 10 + 1, p * 10 + 2]).collect()
}

fn gap(first: &mock::Hit, second: &mock::Hit) -> Duration {
    second.at.duration_since(first.at)
}

#[tokio::test]
async fn one_token_is_obtained_and_reused_and_the_query_is_as_qbench_expects() {
    let qbench = Mock::start().await;
    let client = client(qbench.settings());
    let query = PageQuery::new(2, 50)
        .sorted(SortKey::DateCreated, SortOrder::Desc)
        .filter("customer_ids", 1)
        .filter("customer_ids", 2);

    step("first page", client.list_page(Entity::Order, &query))
        .await
        .expect("page");
    step(
        "second page",
        client.clone().list_page(Entity::Order, &query),
    )
    .await
    .expect("page");

    let issued = qbench.tokens_issued();
    assert_eq!(issued.len(), 1, "one token for both requests");
    let hits = qbench.hits();
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().all(|h| h.token == issued[0]));
    assert_eq!(hits[0].path, "order");
    assert_eq!(
        hits[0].query,
        "page_num=2&page_size=50&sort_by=date_created&sort_order=desc&customer_ids=1&customer_ids=2"
    );
}

#[tokio::test]
async fn an_expired_token_seen_by_two_fetches_is_replaced_once_and_no_page_is_skipped() {
    let qbench = Mock::start().await;
    qbench.delay(Duration::from_millis(30));
    qbench.rule("sample", Some(3), 1, Answer::ExpireToken);
    let client = client(qbench.settings());

    let samples = tokio::spawn(read_all_pages(client.clone(), Entity::Sample));
    let tests = tokio::spawn(read_all_pages(client.clone(), Entity::Test));
    let samples = step("sample pages", samples).await.expect("task");
    let tests = step("test pages", tests).await.expect("task");

    assert_eq!(samples.expect("samples"), every_default_id());
    assert_eq!(tests.expect("tests"), every_default_id());
    assert_eq!(qbench.tokens_issued().len(), 2, "exactly one new token");
    assert_eq!(qbench.hits_of("sample", 3).len(), 2, "page 3 retried once");
    for num in 1..=6 {
        assert!(qbench.hits_of("test", num).len() <= 2, "test page {num}");
    }
}

#[tokio::test]
async fn a_new_token_refused_again_is_an_auth_error() {
    let qbench = Mock::start().await;
    qbench.refuse_all_tokens();
    let client = client(qbench.settings());

    let err = page(&client, Entity::Sample, 1).await.expect_err("refused");

    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert!(!err.is_retryable());
    assert_eq!(qbench.tokens_issued().len(), 2, "one refresh, then stop");
    assert_eq!(qbench.hits().len(), 2, "the page was tried once more");
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error_without_data_calls() {
    let qbench = Mock::start().await;
    let mut settings = qbench.settings();
    settings.client_secret = "not-the-secret".into();

    let err = page(&client(settings), Entity::Sample, 1)
        .await
        .expect_err("refused");

    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert!(err.to_string().contains("invalid_client"), "{err}");
    assert!(qbench.hits().is_empty());
}

#[tokio::test]
async fn expires_in_as_a_string_or_missing_still_gives_a_reusable_token() {
    for lifetime in [json!("3600"), json!(null)] {
        let qbench = Mock::start().await;
        let mut body = json!({"access_token": "access-odd-Qz7pW", "token_type": "Bearer"});
        if !lifetime.is_null() {
            body["expires_in"] = lifetime.clone();
        }
        qbench.next_token_body(body);
        let client = client(qbench.settings());

        page(&client, Entity::Customer, 1).await.expect("first");
        page(&client, Entity::Customer, 2).await.expect("second");

        assert_eq!(qbench.tokens_issued(), ["access-odd-Qz7pW"], "{lifetime}");
    }
}

#[tokio::test]
async fn qbench_throttle_ttl_makes_the_client_wait_then_retry_the_same_page() {
    let qbench = Mock::start().await;
    let ttl = vec![("X-QBAPI-Throttle-TTL", "1".to_owned())];
    qbench.rule("sample", Some(2), 1, Answer::Throttle(ttl));
    let client = client(qbench.settings());

    let page = page(&client, Entity::Sample, 2)
        .await
        .expect("page after the wait");

    assert_eq!(page.records.len(), 2);
    let hits = qbench.hits_of("sample", 2);
    assert_eq!(hits.len(), 2, "the same page, once more");
    assert_eq!(hits[0].status, 429);
    assert!(
        gap(&hits[0], &hits[1]) >= Duration::from_secs(1),
        "waited the TTL"
    );
}

#[tokio::test]
async fn a_throttle_holds_off_every_request_of_the_client() {
    let qbench = Mock::start().await;
    let ttl = vec![("X-QBAPI-Throttle-TTL", "1".to_owned())];
    qbench.rule("sample", Some(1), 1, Answer::Throttle(ttl));
    let client = client(qbench.settings());

    let first = tokio::spawn({
        let client = client.clone();
        async move { page(&client, Entity::Sample, 1).await }
    });
    step("the 429 arrives", async {
        while qbench.hits().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    page(&client, Entity::Test, 1).await.expect("other entity");
    step("first call", first)
        .await
        .expect("task")
        .expect("sample page");

    let throttled = &qbench.hits_of("sample", 1)[0];
    let other = &qbench.hits_of("test", 1)[0];
    assert!(
        gap(throttled, other) >= Duration::from_millis(950),
        "held off"
    );
}

#[tokio::test]
async fn headerless_429s_back_off_and_never_pass_the_in_flight_cap() {
    let qbench = Mock::start().await;
    qbench.delay(Duration::from_millis(30));
    qbench.rule("sample", None, 6, Answer::Throttle(vec![]));
    let mut settings = qbench.settings();
    settings.max_in_flight = 3;
    let client = client(settings);
    let started = Instant::now();

    let calls = (1..=10).map(|num| {
        let client = client.clone();
        tokio::spawn(async move { page(&client, Entity::Sample, num).await })
    });
    for call in calls.collect::<Vec<_>>() {
        step("a page", call).await.expect("task").expect("page");
    }

    let hits = qbench.hits();
    assert_eq!(hits.iter().filter(|h| h.status == 429).count(), 6);
    assert_eq!(hits.len(), 16, "each throttled request sent again");
    assert!(
        qbench.peak_in_flight() <= 3,
        "peak {}",
        qbench.peak_in_flight()
    );
    assert!(qbench.peak_in_flight() >= 2, "requests did overlap");
    assert!(started.elapsed() >= Duration::from_millis(50), "backed off");
}

#[tokio::test]
async fn retry_after_zero_still_waits_a_second() {
    let qbench = Mock::start().await;
    let headers = vec![("Retry-After", "0".to_owned())];
    qbench.rule("test", Some(1), 1, Answer::Throttle(headers));
    let client = client(qbench.settings());

    page(&client, Entity::Test, 1).await.expect("page");

    let hits = qbench.hits_of("test", 1);
    assert_eq!(hits.len(), 2);
    assert!(gap(&hits[0], &hits[1]) >= Duration::from_secs(1));
}

/// Page 1 of tests, throttled `times` times with a day-long `Retry-After`,
/// read by a client whose throttle cap is `cap`.
async fn read_past_a_day_long_retry_after(
    times: usize,
    cap: Duration,
) -> (Mock, Result<Page, QbenchError>) {
    let qbench = Mock::start().await;
    let headers = vec![("Retry-After", "86400".to_owned())];
    qbench.rule("test", Some(1), times, Answer::Throttle(headers));
    let mut settings = qbench.settings();
    settings.max_throttle_wait = cap;
    let client = client(settings);
    let page = within(
        Duration::from_secs(10),
        "the capped wait",
        client.list_page(Entity::Test, &PageQuery::new(1, 50)),
    )
    .await;
    (qbench, page)
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_waited_up_to_the_cap_then_ends_the_call() {
    let (qbench, page) = read_past_a_day_long_retry_after(2, Duration::from_secs(2)).await;

    let err = page.expect_err("throttled");
    let QbenchError::Throttled { reason, waited } = &err else {
        panic!("expected Throttled, got {err}");
    };
    assert!(reason.contains("Retry-After asked for 86400s"), "{reason}");
    // The cap was spent before the second ask, and nothing after it.
    let hits = qbench.hits();
    assert_eq!(hits.len(), 2);
    assert!(gap(&hits[0], &hits[1]) >= Duration::from_secs(2));
    // Counted from when the client began to sit the hold out, a moment
    // after it was set.
    assert!(*waited > Duration::from_millis(1900), "{waited:?}");
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_asked_again_once_the_cap_is_waited() {
    let (qbench, page) = read_past_a_day_long_retry_after(1, Duration::from_secs(1)).await;

    assert!(page.is_ok(), "{page:?}");
    assert_eq!(qbench.hits().len(), 2);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let qbench = Mock::start().await;
    let at = httpdate_in(Duration::from_secs(2));
    qbench.rule(
        "batch",
        Some(1),
        1,
        Answer::Throttle(vec![("Retry-After", at)]),
    );
    let client = client(qbench.settings());

    page(&client, Entity::Batch, 1).await.expect("page");

    let hits = qbench.hits_of("batch", 1);
    assert_eq!(hits.len(), 2);
    // The date has whole seconds, so the wait is between one and two.
    assert!(gap(&hits[0], &hits[1]) >= Duration::from_secs(1));
}

fn httpdate_in(wait: Duration) -> String {
    httpdate::fmt_http_date(SystemTime::now() + wait)
}

#[tokio::test]
async fn a_page_answering_503_three_times_fails_after_exactly_three_attempts() {
    let qbench = Mock::start().await;
    let busy = Answer::Status(503, json!({"error": "service unavailable"}));
    qbench.rule("sample", Some(3), 3, busy);
    let client = client(qbench.settings());

    let err = page(&client, Entity::Sample, 3)
        .await
        .expect_err("failed page");

    assert_eq!(err.status(), Some(503), "{err}");
    assert_eq!(qbench.hits_of("sample", 3).len(), 3);
    page(&client, Entity::Sample, 3)
        .await
        .expect("the page once QBench recovers");
}

#[tokio::test]
async fn a_read_timeout_is_retried() {
    let qbench = Mock::start().await;
    qbench.rule("sample", Some(3), 1, Answer::Stall(Duration::from_secs(3)));
    let mut settings = qbench.settings();
    settings.request_timeout = Duration::from_millis(300);
    let client = client(settings);

    let page = page(&client, Entity::Sample, 3)
        .await
        .expect("page on the second try");

    assert_eq!(page.records.len(), 2);
    assert_eq!(
        qbench.hits_of("sample", 3).len(),
        1,
        "the stalled answer was never sent"
    );
}

#[tokio::test]
async fn an_html_success_is_retried_and_then_reported_as_an_invalid_body() {
    let qbench = Mock::start().await;
    qbench.rule("sample", Some(3), 1, Answer::Html);
    qbench.rule("sample", Some(4), 3, Answer::Html);
    let client = client(qbench.settings());

    page(&client, Entity::Sample, 3)
        .await
        .expect("second try is json");
    let err = page(&client, Entity::Sample, 4)
        .await
        .expect_err("html three times");

    assert_eq!(qbench.hits_of("sample", 3).len(), 2);
    assert_eq!(err.kind(), ErrorKind::InvalidBody, "{err}");
    assert_eq!(qbench.hits_of("sample", 4).len(), 3);
}

#[tokio::test]
async fn a_null_total_count_and_odd_envelope_keys_are_read() {
    let qbench = Mock::start().await;
    let envelope =
        json!({"total_count": null, "total_pages": "6", "data": [{"id": 7}], "x_extra": {}});
    qbench.rule("test", Some(1), 1, Answer::Json(envelope));
    qbench.rule(
        "test",
        Some(2),
        3,
        Answer::Json(json!({"total_pages": 6, "data": [7]})),
    );
    let client = client(qbench.settings());

    let read = page(&client, Entity::Test, 1).await.expect("page");
    let err = page(&client, Entity::Test, 2)
        .await
        .expect_err("not objects");

    assert_eq!(
        read,
        Page {
            total_count: None,
            total_pages: 6,
            records: vec![json!({"id": 7})]
        }
    );
    assert_eq!(err.kind(), ErrorKind::InvalidBody);
}

#[tokio::test]
async fn a_validation_error_is_not_retried_and_keeps_qbench_error_keys() {
    let qbench = Mock::start().await;
    let body = json!({
        "error": "bad_request", "error_description": "page_size is too large",
        "error_type": "validation", "errors": {"page_size": ["max 50"]}, "code": 12
    });
    qbench.rule("sample", Some(1), 1, Answer::Status(400, body));
    let client = client(qbench.settings());

    let err = page(&client, Entity::Sample, 1).await.expect_err("refused");

    let QbenchError::Status {
        status,
        error,
        description,
        keys,
    } = &err
    else {
        panic!("expected Status, got {err}");
    };
    assert_eq!((*status, error.as_deref()), (400, Some("bad_request")));
    assert_eq!(description.as_deref(), Some("page_size is too large"));
    assert_eq!(keys.error_type.as_deref(), Some("validation"));
    assert_eq!(keys.errors, Some(json!({"page_size": ["max 50"]})));
    assert_eq!(keys.code, Some(json!(12)));
    assert_eq!(qbench.hits().len(), 1);
}

#[tokio::test]
async fn a_record_qbench_does_not_know_is_none() {
    let qbench = Mock::start().await;
    qbench.rule(
        "sample/99",
        None,
        1,
        Answer::Status(404, json!({"error": "not found"})),
    );
    let client = client(qbench.settings());

    let known = step("known", client.get_record(Entity::Sample, 5))
        .await
        .expect("record");
    let unknown = step("unknown", client.get_record(Entity::Sample, 99))
        .await
        .expect("none");

    assert_eq!(known, Some(json!({"id": 5})));
    assert_eq!(unknown, None);
}

#[tokio::test]
async fn the_updates_feed_reads_ids_and_reports_when_it_is_unavailable() {
    let qbench = Mock::start().await;
    qbench.rule(
        "updates/order",
        None,
        1,
        Answer::Status(404, json!({"error": "not found"})),
    );
    let client = client(qbench.settings());
    let since = Utc
        .with_ymd_and_hms(2025, 3, 1, 12, 0, 0)
        .single()
        .expect("time");

    let feed = step("test feed", client.updates(Entity::Test, since))
        .await
        .expect("feed");
    let orders = step("order feed", client.updates(Entity::Order, since)).await;
    let batches = step("batch feed", client.updates(Entity::Batch, since)).await;

    assert_eq!(
        feed,
        Updates {
            updated: vec![1, 2],
            deleted: vec![3]
        }
    );
    assert_eq!(
        qbench.hits()[0].path,
        format!("updates/test/{}", since.timestamp())
    );
    assert_eq!(orders.expect_err("404").kind(), ErrorKind::FeedUnavailable);
    assert_eq!(
        batches.expect_err("batch").kind(),
        ErrorKind::FeedUnavailable
    );
    assert_eq!(qbench.hits().len(), 2, "no request for the batch feed");
}

#[tokio::test]
async fn requests_are_paced_under_the_per_minute_quota() {
    let qbench = Mock::start().await;
    let mut settings = qbench.settings();
    settings.requests_per_minute = 600;
    let client = client(settings);

    for num in 1..=5 {
        page(&client, Entity::Customer, num).await.expect("page");
    }

    let hits = qbench.hits();
    assert!(
        gap(&hits[0], &hits[4]) >= Duration::from_millis(380),
        "100 ms apart"
    );
}

#[tokio::test]
async fn only_qbench_s_own_404_confirms_a_record_gone() {
    let qbench = Mock::start().await;
    let own = json!({"error": "not_found", "message": "The requested resource was not found."});
    qbench.rule("test/77", None, 1, Answer::Status(404, own));
    qbench.rule("test/78", None, 1, Answer::Status(404, json!("Not Found")));
    let client = client(qbench.settings());

    let gone = client.confirm_absence(Entity::Test, 77).await.unwrap();
    let proxy = client.confirm_absence(Entity::Test, 78).await.unwrap();
    let present = client.confirm_absence(Entity::Test, 79).await.unwrap();

    assert_eq!(gone, Absence::Confirmed, "QBench's JSON 404 confirms");
    assert_eq!(
        proxy,
        Absence::Unconfirmed,
        "a 404 without QBench's error object does not"
    );
    assert_eq!(
        present,
        Absence::Present,
        "a record QBench answers is not gone"
    );
}
