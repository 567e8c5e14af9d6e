//! The ways a QBench call can fail, typed so a caller can tell a run that must
//! stop (bad credentials) from one that ends partial (throttled past the cap)
//! and from a fault that is worth another try (a 503, an HTML page).

use std::fmt;
use std::time::Duration;

use mirror_records::Entity;
use serde_json::Value;

/// A failed QBench call.
///
/// Nothing in here ever holds the client secret, the signed assertion or an
/// access token, so every variant is safe to log.
#[derive(Debug, thiserror::Error)]
pub enum QbenchError {
    /// QBench refused the credentials, or refused a freshly obtained token.
    ///
    /// The caller should stop: trying again will not help until someone fixes
    /// the credentials.
    #[error("qbench refused the credentials: {reason}")]
    Auth {
        /// What QBench said, without any secret.
        reason: String,
    },

    /// QBench asked the client to wait longer than the configured cap.
    #[error(
        "qbench throttled the call ({:.1}s waited): {reason}",
        .waited.as_secs_f64()
    )]
    Throttled {
        /// How long this call had already waited on throttles.
        waited: Duration,
        /// What QBench asked for and why the client gave up.
        reason: String,
    },

    /// QBench answered an error status that is not an auth or throttle case.
    #[error("qbench answered {status}{}", ErrorKeys::summary(.error, .description))]
    Status {
        /// The HTTP status code.
        status: u16,
        /// QBench's `error` key.
        error: Option<String>,
        /// QBench's `error_description`, or its `message` when that is absent.
        description: Option<String>,
        /// Every error key the answer carried.
        keys: Box<ErrorKeys>,
    },

    /// The request never got a complete answer: connect failure, reset,
    /// timeout. Its causes are in the message already, so it names no
    /// source to be printed again.
    #[error("{}", transport_summary(.0))]
    Transport(reqwest::Error),

    /// QBench answered success with a body that is not the expected JSON.
    #[error("qbench answered {status} with an unexpected body: {reason}")]
    InvalidBody {
        /// The HTTP status code of the answer.
        status: u16,
        /// What was wrong with the body.
        reason: String,
    },

    /// The tenant offers no updates feed for this entity; re-read a trailing
    /// window instead.
    #[error("qbench offers no updates feed for {entity}")]
    FeedUnavailable {
        /// The entity whose feed was asked for.
        entity: Entity,
    },

    /// The client settings cannot work (for example an in-flight cap of 0).
    #[error("invalid qbench client settings: {0}")]
    Settings(String),
}

/// A transport failure in words an operator can act on: a timeout says it
/// was one and which setting bounds it, and the underlying cause (refused
/// connection, unknown host, reset) is spelled out rather than hidden
/// behind "error sending request".
fn transport_summary(error: &reqwest::Error) -> String {
    // The address without its query or any credentials: scheme, host, port
    // and path say where the call went.
    let url = error
        .url()
        .map(|u| {
            let mut bare = u.clone();
            bare.set_query(None);
            let _ = bare.set_password(None);
            let _ = bare.set_username("");
            format!(" ({bare})")
        })
        .unwrap_or_default();
    if error.is_timeout() {
        return format!(
            "qbench did not answer in time{url}: the request outlived QBENCH_REQUEST_TIMEOUT"
        );
    }
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = cause.source();
    }
    let what = if error.is_connect() {
        "cannot connect to qbench"
    } else {
        "qbench could not be reached"
    };
    if causes.is_empty() {
        format!("{what}{url}: {error}")
    } else {
        format!("{what}{url}: {}", causes.join(": "))
    }
}

/// The kind of a [`QbenchError`], for matching and for metric labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    Auth,
    Throttled,
    Status,
    Transport,
    InvalidBody,
    FeedUnavailable,
    Settings,
}

impl ErrorKind {
    /// A short lower-case name, used as a metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Status => "status",
            ErrorKind::Transport => "transport",
            ErrorKind::InvalidBody => "invalid_body",
            ErrorKind::FeedUnavailable => "feed_unavailable",
            ErrorKind::Settings => "settings",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl QbenchError {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            QbenchError::Auth { .. } => ErrorKind::Auth,
            QbenchError::Throttled { .. } => ErrorKind::Throttled,
            QbenchError::Status { .. } => ErrorKind::Status,
            QbenchError::Transport(_) => ErrorKind::Transport,
            QbenchError::InvalidBody { .. } => ErrorKind::InvalidBody,
            QbenchError::FeedUnavailable { .. } => ErrorKind::FeedUnavailable,
            QbenchError::Settings(_) => ErrorKind::Settings,
        }
    }

    /// Whether the same request may succeed if sent again after a pause.
    ///
    /// True for 5xx answers, transport faults and unexpected bodies. Auth and
    /// throttle failures are false: the client already handled them and gave
    /// up for a reason.
    pub fn is_retryable(&self) -> bool {
        match self {
            QbenchError::Status { status, .. } => *status >= 500,
            QbenchError::Transport(e) => !e.is_builder(),
            QbenchError::InvalidBody { .. } => true,
            _ => false,
        }
    }

    /// The HTTP status QBench answered, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            QbenchError::Status { status, .. } | QbenchError::InvalidBody { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// Builds a [`QbenchError::Status`] from an answer's status and body.
    pub(crate) fn from_answer(status: u16, body: &str) -> Self {
        let keys = ErrorKeys::from_body(body);
        QbenchError::Status {
            status,
            error: keys.error.clone(),
            description: keys
                .error_description
                .clone()
                .or_else(|| keys.message.clone()),
            keys: Box::new(keys),
        }
    }
}

/// The error keys QBench has been seen to put in an error answer.
///
/// Each is optional; an answer that is not JSON leaves them all empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorKeys {
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub error_type: Option<String>,
    /// Often a list or an object of field errors, so kept as JSON.
    pub errors: Option<Value>,
    pub message: Option<String>,
    /// A number or a string, depending on the endpoint.
    pub code: Option<Value>,
}

impl ErrorKeys {
    /// Reads the error keys from an answer body, leniently.
    pub fn from_body(body: &str) -> Self {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) else {
            return ErrorKeys::default();
        };
        let text = |key: &str| map.get(key).and_then(value_text);
        let json = |key: &str| map.get(key).filter(|v| !v.is_null()).cloned();

        ErrorKeys {
            error: text("error"),
            error_description: text("error_description"),
            error_type: text("error_type"),
            errors: json("errors"),
            message: text("message"),
            code: json("code"),
        }
    }

    /// `": error (description)"` for error messages, or nothing.
    fn summary(error: &Option<String>, description: &Option<String>) -> String {
        match (error, description) {
            (Some(e), Some(d)) => format!(": {e} ({d})"),
            (Some(one), None) | (None, Some(one)) => format!(": {one}"),
            (None, None) => String::new(),
        }
    }
}

/// A JSON value as text: strings as they are, other scalars printed.
fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn transport_error(url: &str, timeout: Duration) -> QbenchError {
        crate::install_crypto_provider();
        let client = reqwest::Client::builder().timeout(timeout).build().unwrap();
        let error = client.get(url).send().await.unwrap_err();
        QbenchError::Transport(error)
    }

    #[tokio::test]
    async fn a_timeout_says_so_and_names_its_setting() {
        // Accepts the connection and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/qbench/api/v1/sample",
            listener.local_addr().unwrap()
        );

        let error = transport_error(&url, Duration::from_millis(200)).await;

        let message = error.to_string();
        assert!(
            message.starts_with("qbench did not answer in time"),
            "{message}"
        );
        assert!(message.contains("QBENCH_REQUEST_TIMEOUT"), "{message}");
        assert!(message.contains("/qbench/api/v1/sample"), "{message}");
        drop(listener);
    }

    #[tokio::test]
    async fn a_refused_connection_names_its_cause() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        drop(listener);

        let error = transport_error(&url, Duration::from_secs(5)).await;

        let message = error.to_string();
        assert!(message.starts_with("cannot connect to qbench"), "{message}");
        assert!(!message.contains("error sending request"), "{message}");
        assert!(error.is_retryable());
    }

    #[test]
    fn error_keys_are_read_from_a_json_body() {
        let body = r#"{"error":"bad_request","message":"page_size too big","code":17}"#;
        let err = QbenchError::from_answer(400, body);

        assert_eq!(
            err.to_string(),
            "qbench answered 400: bad_request (page_size too big)"
        );
        assert!(!err.is_retryable());
        let QbenchError::Status { keys, .. } = err else {
            panic!("expected a status error");
        };
        assert_eq!(keys.code, Some(Value::from(17)));
    }

    #[test]
    fn a_body_that_is_not_json_gives_empty_keys() {
        let err = QbenchError::from_answer(503, "<html>busy</html>");
        assert_eq!(err.to_string(), "qbench answered 503");
        assert!(err.is_retryable());
    }
}
