//! A scripted QBench stand-in on a loopback port: it issues tokens for a
//! known client, answers list, record and feed calls with small default
//! records, and follows rules that replace the default answer for a path
//! (and page) a number of times. It records every data request it sees and
//! the most it ever had in flight at once.
// Each test binary uses a part of the mock.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{get, post};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use qbench_client::ClientSettings;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The client id the mock accepts.
pub const CLIENT_ID: &str = "lab-client-7";
/// The secret the mock accepts; it must never appear in a log line.
pub const SECRET: &str = "secret-Kx81-must-never-be-logged";

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Answer {
    /// This status with this JSON body.
    Status(u16, Value),
    /// 200 with this JSON body.
    Json(Value),
    /// 429 with these headers and QBench's rate-limit body.
    Throttle(Vec<(&'static str, String)>),
    /// 200 with an HTML page, as a proxy's error page would be.
    Html,
    /// The default answer, after this long.
    Stall(Duration),
    /// Expires the token the request carried and answers as QBench does.
    ExpireToken,
}

struct Rule {
    path: String,
    page: Option<u32>,
    times: usize,
    answer: Answer,
}

/// One data request the mock answered.
#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub query: String,
    pub page: Option<u32>,
    pub token: String,
    pub status: u16,
    pub at: Instant,
}

#[derive(Default)]
struct MockState {
    rules: Mutex<Vec<Rule>>,
    token_bodies: Mutex<Vec<Value>>,
    issued: Mutex<Vec<String>>,
    expired: Mutex<HashSet<String>>,
    assertions: Mutex<Vec<String>>,
    refuse_all: AtomicBool,
    hits: Mutex<Vec<Hit>>,
    delay: Mutex<Duration>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

/// A running mock, stopped when dropped.
pub struct Mock {
    pub root: String,
    state: Arc<MockState>,
    server: JoinHandle<()>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Mock {
    /// Starts a mock on a free loopback port.
    pub async fn start() -> Mock {
        let state = Arc::new(MockState::default());
        let app = Router::new()
            .route("/qbench/oauth2/v1/token", post(token))
            .route("/qbench/api/v1/{*rest}", get(data))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let root = format!("http://{}", listener.local_addr().expect("address"));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("mock server");
        });
        Mock {
            root,
            state,
            server,
        }
    }

    /// Client settings for this mock with short waits for tests.
    pub fn settings(&self) -> ClientSettings {
        let mut settings = ClientSettings::new(&self.root, CLIENT_ID, SECRET.into());
        settings.requests_per_minute = 60_000;
        settings.max_throttle_wait = Duration::from_secs(10);
        settings.request_timeout = Duration::from_secs(5);
        settings.base_backoff = Duration::from_millis(20);
        settings.throttle_backoff = Duration::from_millis(50);
        settings
    }

    /// Answers `times` requests for `path` (and `page`, if given) with
    /// `answer` instead of the default.
    pub fn rule(&self, path: &str, page: Option<u32>, times: usize, answer: Answer) {
        let rule = Rule {
            path: path.to_owned(),
            page,
            times,
            answer,
        };
        self.state.rules.lock().expect("rules").push(rule);
    }

    /// Answers the next token exchange with this body.
    pub fn next_token_body(&self, body: Value) {
        self.state.token_bodies.lock().expect("bodies").push(body);
    }

    /// Makes every data request answer 400 `invalid_grant`.
    pub fn refuse_all_tokens(&self) {
        self.state.refuse_all.store(true, Ordering::SeqCst);
    }

    /// Delays every data answer, so requests overlap.
    pub fn delay(&self, delay: Duration) {
        *self.state.delay.lock().expect("delay") = delay;
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().expect("hits").clone()
    }

    /// The hits of one path and page.
    pub fn hits_of(&self, path: &str, page: u32) -> Vec<Hit> {
        let hits = self.hits().into_iter();
        hits.filter(|h| h.path == path && h.page == Some(page))
            .collect()
    }

    pub fn tokens_issued(&self) -> Vec<String> {
        self.state.issued.lock().expect("issued").clone()
    }

    pub fn assertions(&self) -> Vec<String> {
        self.state.assertions.lock().expect("assertions").clone()
    }

    pub fn peak_in_flight(&self) -> usize {
        self.state.peak.load(Ordering::SeqCst)
    }
}

#[derive(serde::Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
}

async fn token(
    State(state): State<Arc<MockState>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let grant_ok = form.get("grant_type").map(String::as_str)
        == Some("urn:ietf:params:oauth:grant-type:jwt-bearer");
    let assertion = form.get("assertion").cloned().unwrap_or_default();
    if !grant_ok || !assertion_is_valid(&assertion) {
        return reply(400, json!({"error": "invalid_client"}));
    }
    state.assertions.lock().expect("assertions").push(assertion);

    let mut issued = state.issued.lock().expect("issued");
    let scripted = state.token_bodies.lock().expect("bodies").pop();
    let body = scripted.unwrap_or_else(|| {
        let n = issued.len() + 1;
        json!({"access_token": format!("access-{n}-Qz7pW"), "token_type": "Bearer", "expires_in": 3600})
    });
    if let Some(token) = body["access_token"].as_str() {
        issued.push(token.to_owned());
    }
    reply(200, body)
}

/// HS256 with the known secret, `typ` JWT, `sub` the client, `exp - iat` 3300.
fn assertion_is_valid(assertion: &str) -> bool {
    let Ok(header) = jsonwebtoken::decode_header(assertion) else {
        return false;
    };
    let key = DecodingKey::from_secret(SECRET.as_bytes()).expect("key");
    let Ok(data) =
        jsonwebtoken::decode::<Claims>(assertion, &key, &Validation::new(Algorithm::HS256))
    else {
        return false;
    };
    let claims = data.claims;
    header.typ.as_deref() == Some("JWT")
        && claims.sub == CLIENT_ID
        && claims.exp - claims.iat == 3300
}

async fn data(State(state): State<Arc<MockState>>, uri: Uri, headers: HeaderMap) -> Response {
    let _guard = InFlight::enter(&state);
    let delay = *state.delay.lock().expect("delay");
    tokio::time::sleep(delay).await;

    let path = uri.path().trim_start_matches("/qbench/api/v1/").to_owned();
    let query = uri.query().unwrap_or_default().to_owned();
    let page = page_of(&query);
    let token = bearer(&headers);

    let response = answer(&state, &path, page, &token).await;
    state.hits.lock().expect("hits").push(Hit {
        path,
        query,
        page,
        token,
        status: response.status().as_u16(),
        at: Instant::now(),
    });
    response
}

async fn answer(state: &MockState, path: &str, page: Option<u32>, token: &str) -> Response {
    if state.refuse_all.load(Ordering::SeqCst)
        || state.expired.lock().expect("expired").contains(token)
    {
        return expired_answer();
    }
    if !state
        .issued
        .lock()
        .expect("issued")
        .iter()
        .any(|t| t == token)
    {
        return reply(401, json!({"error": "invalid_token"}));
    }
    match take_rule(state, path, page) {
        None => default_answer(path, page),
        Some(Answer::Status(code, body)) => reply(code, body),
        Some(Answer::Json(body)) => reply(200, body),
        Some(Answer::Throttle(headers)) => throttle(headers),
        Some(Answer::Html) => html(),
        Some(Answer::Stall(pause)) => {
            tokio::time::sleep(pause).await;
            default_answer(path, page)
        }
        Some(Answer::ExpireToken) => {
            state
                .expired
                .lock()
                .expect("expired")
                .insert(token.to_owned());
            expired_answer()
        }
    }
}

fn take_rule(state: &MockState, path: &str, page: Option<u32>) -> Option<Answer> {
    let mut rules = state.rules.lock().expect("rules");
    let rule = rules.iter_mut().find(|r| {
        let path_matches = path == r.path || path.starts_with(&format!("{}/", r.path));
        r.times > 0 && path_matches && (r.page.is_none() || r.page == page)
    })?;
    rule.times -= 1;
    Some(rule.answer.clone())
}

/// Two records per page, six pages; a record by id; a small feed.
fn default_answer(path: &str, page: Option<u32>) -> Response {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["updates", _, _] => reply(200, json!({"updated": [1, "2"], "deleted": ["3"]})),
        [_, id] => reply(200, json!({"id": id.parse::<i64>().unwrap_or(0)})),
        _ => {
            let base = i64::from(page.unwrap_or(1)) * 10;
            let data = json!([{"id": base + 1}, {"id": base + 2}]);
            reply(
                200,
                json!({"total_count": 12, "total_pages": 6, "data": data, "qb_opaque": "x"}),
            )
        }
    }
}

fn expired_answer() -> Response {
    reply(
        400,
        json!({"error": "invalid_grant", "error_description": "Access token has expired."}),
    )
}

fn reply(status: u16, body: Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).expect("status"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("response")
}

fn throttle(headers: Vec<(&'static str, String)>) -> Response {
    let mut response = Response::builder().status(StatusCode::TOO_MANY_REQUESTS);
    for (name, value) in headers {
        response = response.header(name, value);
    }
    let body = json!({"error": "ratelimit exceeded 300 per 60 seconds"}).to_string();
    response.body(Body::from(body)).expect("response")
}

fn html() -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/html")
        .body(Body::from(
            "<html><body>Service temporarily unavailable</body></html>",
        ))
        .expect("response")
}

fn page_of(query: &str) -> Option<u32> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("page_num="))
        .and_then(|n| n.parse().ok())
}

fn bearer(headers: &HeaderMap) -> String {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    value
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned()
}

/// Counts a request in flight for as long as it lives.
struct InFlight<'a>(&'a MockState);

impl<'a> InFlight<'a> {
    fn enter(state: &'a MockState) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.peak.fetch_max(now, Ordering::SeqCst);
        InFlight(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
