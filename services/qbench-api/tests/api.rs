//! The API over HTTP, against a fresh database, served on a free port.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::IntoFuture;
use std::path::Path;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mirror_accounts::{Accounts, Hasher, Password, Username};
use mirror_testkit::{TestDatabase, step};
use qbench_api::auth::TokenKeys;
use qbench_api::{AppState, WebSettings};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};

#[path = "api/routes.rs"]
mod routes;
#[path = "api/sync_health.rs"]
mod sync_health;
#[path = "api/telemetry.rs"]
mod telemetry;

const SECRET: &str = "test-secret-0123456789-abcdefghijklmnop";
const PASSWORD: &str = "Lab0ratory-pass";

struct TestApp {
    db: TestDatabase,
    accounts: Accounts,
    base: String,
    http: reqwest::Client,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestApp {
    async fn spawn() -> Self {
        TestApp::spawn_with(WebSettings::default()).await
    }

    async fn spawn_with(web: WebSettings) -> Self {
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
        let accounts = Accounts::with_hasher(db.pool.clone(), Hasher::new(4));
        let tokens = TokenKeys::new(&SecretString::from(SECRET), 3).unwrap();
        let state = AppState {
            pool: db.pool.clone(),
            accounts: accounts.clone(),
            tokens: Arc::new(tokens),
            sla_hours: 48,
            lab_timezone: chrono_tz::Tz::UTC,
            tat_sample_types: None,
        };

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = qbench_api::router(state, &web);
        let server = tokio::spawn(axum::serve(listener, app).into_future());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            db,
            accounts,
            base,
            http,
            server,
        }
    }

    async fn create_user(&self, username: &str) {
        let username = Username::parse(username).unwrap();
        let password = Password::parse(SecretString::from(PASSWORD)).unwrap();
        self.accounts
            .create_user(&username, &password)
            .await
            .unwrap();
    }

    async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        let request = self
            .http
            .post(format!("{}/api/auth/login", self.base))
            .json(&json!({"username": username, "password": password}));
        let answer = step("login", request.send()).await.unwrap();
        let status = answer.status();
        (status, step("login body", answer.json()).await.unwrap())
    }

    async fn token(&self, username: &str) -> String {
        let (status, body) = self.login(username, PASSWORD).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer = step("get", request.send()).await.unwrap();
        let status = answer.status();
        let text = step("body", answer.text()).await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn finish(self) {
        self.server.abort();
        self.db.drop_database().await.unwrap();
    }
}

const SYNC_STATUS: &str = "/api/v1/metrics/sync/status";

fn unauthorized() -> Value {
    json!({"code": "unauthorized", "message": "a valid bearer token is required"})
}

#[tokio::test]
async fn health_answers_ok_when_the_database_does() {
    let app = TestApp::spawn().await;

    let (status, body) = app.get("/api/health", None).await;

    assert_eq!(status, 200);
    assert_eq!(body, json!({"status": "ok"}));
    app.finish().await;
}

#[tokio::test]
async fn a_login_body_beyond_the_limit_is_refused_as_too_large() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(3 * 1024 * 1024);

    let (status, body) = app.login(&huge, PASSWORD).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        body,
        json!({"code": "body_too_large", "message": "the request body is too large"})
    );
    app.finish().await;
}

#[tokio::test]
async fn login_answers_a_bearer_token_that_opens_the_v1_routes() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;

    let (status, body) = app.login("alice", PASSWORD).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3 * 3600);
    assert_eq!(body["user"], json!({"username": "alice"}));
    assert!(
        body["expires_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .is_ok()
    );
    let token = body["access_token"].as_str().unwrap();
    let (status, body) = app.get(SYNC_STATUS, Some(token)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"entity": "tests", "updated_at": null}));
    app.finish().await;
}

#[tokio::test]
async fn case_and_space_variants_of_a_username_log_in() {
    let app = TestApp::spawn().await;
    app.create_user("Alice").await;

    for variant in ["alice", "ALICE", "  aLiCe "] {
        let (status, body) = app.login(variant, PASSWORD).await;
        assert_eq!(status, 200, "{variant:?}: {body}");
        assert_eq!(body["user"]["username"], "Alice");
    }
    app.finish().await;
}

#[tokio::test]
async fn unknown_wrong_disabled_and_locked_logins_answer_alike() {
    let app = TestApp::spawn().await;
    app.create_user("wrong").await;
    app.create_user("disabled").await;
    app.create_user("locked").await;
    let disabled = Username::parse("disabled").unwrap();
    app.accounts.set_active(&disabled, false).await.unwrap();
    for _ in 0..3 {
        app.login("locked", "Not-the-pass-1").await;
    }

    let answers = [
        app.login("nobody", PASSWORD).await,
        app.login("wrong", "Not-the-pass-1").await,
        app.login("disabled", PASSWORD).await,
        app.login("locked", PASSWORD).await,
    ];

    let expected =
        json!({"code": "invalid_credentials", "message": "invalid username or password"});
    for answer in answers {
        assert_eq!(answer, (StatusCode::UNAUTHORIZED, expected.clone()));
    }
    app.finish().await;
}

#[tokio::test]
async fn every_v1_route_refuses_a_request_without_a_token() {
    let app = TestApp::spawn().await;
    let (_, document) = app.get("/api/openapi.json", None).await;

    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        let concrete = fill_path_parameters(path);
        for method in item.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let request = app
                .http
                .request(method.clone(), format!("{}{concrete}", app.base));
            let answer = step("request", request.send()).await.unwrap();
            assert_eq!(answer.status(), 401, "{method} {path}");
            assert_eq!(answer.json::<Value>().await.unwrap(), unauthorized());
            checked += 1;
        }
    }
    assert!(checked >= 1, "no /api/v1 route in the document");
    app.finish().await;
}

/// `/api/v1/entities/tests/{id}` becomes `/api/v1/entities/tests/1`.
fn fill_path_parameters(path: &str) -> String {
    path.split('/')
        .map(|part| if part.starts_with('{') { "1" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

fn encode_part(value: &Value) -> String {
    base64url(value.to_string().as_bytes())
}

/// Unpadded base64url, enough to forge test tokens.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn base64url_matches_the_standard_alphabet() {
    assert_eq!(base64url(b"hello"), "aGVsbG8");
    assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
}

fn signed(algorithm: Algorithm, claims: &Value) -> String {
    let key = EncodingKey::from_secret(SECRET.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(algorithm), claims, &key).unwrap()
}

/// Case C-jwt: each of the seven tokens answers 401.
#[tokio::test]
async fn forged_expired_and_superseded_tokens_are_refused() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let valid = app.token("alice").await;
    let keys = TokenKeys::new(&SecretString::from(SECRET), 3).unwrap();
    let claims = serde_json::to_value(keys.verify(&valid).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let with = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let mut without_exp = claims.clone();
    without_exp.as_object_mut().unwrap().remove("exp");

    let forged = [
        (
            "alg none",
            format!(
                "{}.{}.",
                encode_part(&json!({"alg": "none", "typ": "JWT"})),
                encode_part(&claims)
            ),
        ),
        ("no exp", signed(Algorithm::HS256, &without_exp)),
        (
            "expired",
            signed(Algorithm::HS256, &with("exp", json!(now - 600))),
        ),
        ("HS512", signed(Algorithm::HS512, &claims)),
        (
            "exp as string",
            signed(
                Algorithm::HS256,
                &with("exp", json!((now + 600).to_string())),
            ),
        ),
    ];
    for (what, token) in &forged {
        let (status, body) = app.get(SYNC_STATUS, Some(token)).await;
        assert_eq!(
            (status, body),
            (StatusCode::UNAUTHORIZED, unauthorized()),
            "{what}"
        );
    }
    // Controls: the genuine token, and the same claims signed here, pass.
    assert_eq!(app.get(SYNC_STATUS, Some(&valid)).await.0, 200);
    let resigned = signed(Algorithm::HS256, &claims);
    assert_eq!(app.get(SYNC_STATUS, Some(&resigned)).await.0, 200);

    // Issued before a password reset.
    let alice = Username::parse("alice").unwrap();
    let password = Password::parse(SecretString::from("New-pass-2026")).unwrap();
    app.accounts
        .reset_password(&alice, &password, false)
        .await
        .unwrap();
    assert_eq!(
        app.get(SYNC_STATUS, Some(&valid)).await.0,
        401,
        "before reset"
    );
    let (status, body) = app.login("alice", "New-pass-2026").await;
    assert_eq!(status, 200);
    let fresh = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(SYNC_STATUS, Some(&fresh)).await.0,
        200,
        "after reset"
    );

    // Of a user disabled since.
    app.accounts.set_active(&alice, false).await.unwrap();
    assert_eq!(app.get(SYNC_STATUS, Some(&fresh)).await.0, 401, "disabled");
    // Enabling the user again does not revive the tokens issued before.
    app.accounts.set_active(&alice, true).await.unwrap();
    assert_eq!(
        app.get(SYNC_STATUS, Some(&fresh)).await.0,
        401,
        "re-enabled"
    );
    let (status, _) = app.login("alice", "New-pass-2026").await;
    assert_eq!(status, 200, "a new login after re-enabling");
    app.finish().await;
}

#[tokio::test]
async fn a_bad_parameter_is_a_400_that_names_it() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = app.token("alice").await;

    let (status, body) = app
        .get(&format!("{SYNC_STATUS}?entity=widgets"), Some(&token))
        .await;

    assert_eq!(status, 400);
    assert_eq!(body["code"], "invalid_parameter");
    assert!(
        body["message"].as_str().unwrap().starts_with("entity: "),
        "{body}"
    );
    let (status, body) = app
        .get(&format!("{SYNC_STATUS}?entity=test"), Some(&token))
        .await;
    assert_eq!((status, &body["entity"]), (StatusCode::OK, &json!("tests")));

    // Numbers that do not parse are explained in plain words.
    for (query, message) in [
        (
            "tests/tat-daily?sla_hours=lots",
            "sla_hours: expected a number",
        ),
        (
            "tests/tat-daily?moving_average_window=-1",
            "moving_average_window: expected a whole number",
        ),
        (
            "customers/new?limit=99999999999999999999",
            "limit: the number is too large",
        ),
        (
            "summary?date_from=2026-11-01&date_from=2026-11-02",
            "date_from: given more than once",
        ),
    ] {
        let (status, body) = app
            .get(&format!("/api/v1/metrics/{query}"), Some(&token))
            .await;
        assert_eq!(
            (status, &body["message"]),
            (StatusCode::BAD_REQUEST, &json!(message))
        );
    }

    // A misspelt filter is refused, not ignored into a wider figure.
    let (status, body) = app
        .get(
            "/api/v1/metrics/summary?start_date=2026-01-01",
            Some(&token),
        )
        .await;
    assert_eq!(status, 400);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("start_date: unknown parameter; this route takes date_from, date_to"),
        "{body}"
    );

    // So is any parameter of a route that takes none.
    for route in ["metrics/common/filters", "sync/health"] {
        let (status, body) = app
            .get(&format!("/api/v1/{route}?foo=1"), Some(&token))
            .await;
        assert_eq!(
            (status, &body["message"]),
            (
                StatusCode::BAD_REQUEST,
                &json!("foo: unknown parameter; this route takes no parameters")
            ),
            "{route}"
        );
    }
    app.finish().await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_the_docs_page_renders() {
    let app = TestApp::spawn().await;

    let (status, document) = app.get("/api/openapi.json", None).await;

    assert_eq!(status, 200);
    let paths = document["paths"].as_object().unwrap();
    for path in ["/api/health", "/api/auth/login", SYNC_STATUS] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    let status_route = &paths[SYNC_STATUS]["get"];
    assert_eq!(status_route["parameters"][0]["name"], "entity");
    assert_eq!(status_route["security"], json!([{"bearer": []}]));
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for schema in [
        "ErrorBody",
        "LoginRequest",
        "LoginResponse",
        "SyncStatusResponse",
    ] {
        assert!(schemas.contains_key(schema), "{schema} missing");
    }
    let (status, page) = app.get("/api/docs/", None).await;
    assert_eq!(status, 200);
    assert!(page.as_str().unwrap().contains("swagger"), "{page}");
    app.finish().await;
}

#[tokio::test]
async fn unknown_paths_answer_a_json_404() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/api/nothing-here", None).await;
    assert_eq!(status, 404);
    let message = "no such route; the API's routes are listed at /api/docs";
    assert_eq!(body, json!({"code": "not_found", "message": message}));
    app.finish().await;
}

#[tokio::test]
async fn a_known_path_with_another_method_answers_a_json_405() {
    let app = TestApp::spawn().await;
    let url = format!("{}/api/auth/login", app.base);
    let answer = step("get login", app.http.get(url).send()).await.unwrap();
    assert_eq!(answer.status(), 405);
    let allow = answer
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(allow.as_deref(), Some("POST"));
    let body: Value = step("body", answer.json()).await.unwrap();
    assert_eq!(
        body,
        json!({"code": "method_not_allowed", "message": "method not allowed"})
    );
    app.finish().await;
}

fn built_dashboard(dir: &Path) {
    std::fs::write(dir.join("index.html"), "<html>dashboard</html>").unwrap();
    std::fs::write(dir.join("app.js"), "console.log(1)").unwrap();
    std::fs::create_dir(dir.join("assets")).unwrap();
    std::fs::write(dir.join("assets").join("index.js"), "console.log(2)").unwrap();
}

#[tokio::test]
async fn the_built_dashboard_is_served_with_a_fallback_for_its_routes() {
    let dist = tempfile::tempdir().unwrap();
    built_dashboard(dist.path());
    let web = WebSettings {
        dashboard_dir: dist.path().to_owned(),
        ..WebSettings::default()
    };
    let app = TestApp::spawn_with(web).await;

    let root = step("root", app.http.get(format!("{}/", app.base)).send())
        .await
        .unwrap();
    assert!(root.status().is_redirection());
    assert_eq!(root.headers()["location"], "/dashboard/");
    assert_eq!(
        app.get("/dashboard/", None).await,
        (StatusCode::OK, json!("<html>dashboard</html>"))
    );
    assert_eq!(
        app.get("/dashboard/app.js", None).await.1,
        json!("console.log(1)")
    );
    assert_eq!(
        app.get("/dashboard/tests/42", None).await,
        (StatusCode::OK, json!("<html>dashboard</html>"))
    );
    assert_eq!(
        app.get("/dashboard/assets/index.js", None).await,
        (StatusCode::OK, json!("console.log(2)"))
    );
    // A script, style or icon the build does not have is missing, not the page.
    for path in [
        "/dashboard/assets/gone.js",
        "/dashboard/favicon.ico",
        "/dashboard/lookup/robots.txt",
    ] {
        assert_eq!(app.get(path, None).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    app.finish().await;
}

#[tokio::test]
async fn without_a_built_dashboard_its_pages_say_how_to_build_it() {
    let empty = tempfile::tempdir().unwrap();
    let web = WebSettings {
        dashboard_dir: empty.path().to_owned(),
        ..WebSettings::default()
    };
    let app = TestApp::spawn_with(web).await;
    for path in ["/", "/dashboard", "/dashboard/", "/dashboard/tests/42"] {
        let answer = step(path, app.http.get(format!("{}{path}", app.base)).send())
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
        let kind = answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        let page = step("page", answer.text()).await.unwrap();
        assert!(
            page.contains("npm ci &amp;&amp; npm run build"),
            "{path}: {page}"
        );
    }
    // Other unknown paths keep the JSON error body.
    assert_eq!(
        app.get("/nothing", None).await,
        (
            StatusCode::NOT_FOUND,
            json!({"code": "not_found",
                   "message": "no such route; the API's routes are listed at /api/docs"})
        )
    );
    app.finish().await;
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    let web = WebSettings {
        cors_allowed_origins: vec!["https://lab.example".parse().unwrap()],
        ..WebSettings::default()
    };
    let app = TestApp::spawn_with(web).await;

    let preflight = |origin: &'static str| {
        app.http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/auth/login", app.base),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let allowed = step("allowed", preflight("https://lab.example"))
        .await
        .unwrap();
    let other = step("other", preflight("https://evil.example"))
        .await
        .unwrap();

    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://lab.example"
    );
    assert!(!other.headers().contains_key("access-control-allow-origin"));
    app.finish().await;
}
