//! The error answers of the simulated QBench, mapped to status and body in
//! one place, with the keys and wording QBench uses.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Every error the QBench side of the simulator answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum QbenchError {
    #[error("access token has expired")]
    TokenExpired,
    #[error("no access token")]
    MissingToken,
    #[error("unknown access token")]
    UnknownToken,
    #[error("malformed authorization header")]
    MalformedAuthorization,
    #[error("too many requests in flight")]
    ConcurrencyLimit { limit: u32 },
    #[error("too many requests in the window")]
    RateLimit {
        limit: u32,
        window_secs: u64,
        count: u32,
        retry_in_secs: u64,
    },
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error("unsupported grant type")]
    UnsupportedGrantType,
    #[error("invalid grant: {0}")]
    InvalidGrant(&'static str),
    #[error("invalid client")]
    InvalidClient,
    #[error("not found")]
    NotFound,
}

impl IntoResponse for QbenchError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            QbenchError::TokenExpired => (
                StatusCode::BAD_REQUEST,
                oauth("invalid_grant", "Access token has expired."),
            ),
            QbenchError::MissingToken => (
                StatusCode::UNAUTHORIZED,
                oauth("invalid_token", "No access token was provided."),
            ),
            QbenchError::UnknownToken => (
                StatusCode::UNAUTHORIZED,
                oauth("invalid_token", "The access token is not valid."),
            ),
            QbenchError::MalformedAuthorization => (
                StatusCode::BAD_REQUEST,
                oauth("invalid_request", "Malformed Authorization header."),
            ),
            QbenchError::ConcurrencyLimit { limit } => (
                StatusCode::TOO_MANY_REQUESTS,
                json!({"error": format!("exceeded concurrent request limit of {limit}")}),
            ),
            QbenchError::RateLimit {
                limit,
                window_secs,
                count,
                retry_in_secs,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                json!({"error": format!(
                    "ratelimit exceeded {limit} per {window_secs} seconds \
                     [current count: {count}. Retry in {retry_in_secs} seconds]"
                )}),
            ),
            QbenchError::InvalidRequest(reason) => {
                (StatusCode::BAD_REQUEST, oauth("invalid_request", reason))
            }
            QbenchError::UnsupportedGrantType => (
                StatusCode::BAD_REQUEST,
                oauth(
                    "unsupported_grant_type",
                    "Only the JWT bearer grant is supported.",
                ),
            ),
            QbenchError::InvalidGrant(reason) => {
                (StatusCode::BAD_REQUEST, oauth("invalid_grant", reason))
            }
            QbenchError::InvalidClient => (
                StatusCode::UNAUTHORIZED,
                oauth("invalid_client", "Client authentication failed."),
            ),
            QbenchError::NotFound => (
                StatusCode::NOT_FOUND,
                json!({"error": "not_found", "message": "The requested resource was not found."}),
            ),
        };
        let mut response = (status, Json(body)).into_response();
        if let QbenchError::RateLimit {
            count,
            retry_in_secs,
            ..
        } = self
        {
            let headers = response.headers_mut();
            headers.insert("X-QBAPI-Throttle-Request-Count", HeaderValue::from(count));
            headers.insert("X-QBAPI-Throttle-TTL", HeaderValue::from(retry_in_secs));
        }
        response
    }
}

fn oauth(error: &str, description: &str) -> serde_json::Value {
    json!({"error": error, "error_description": description})
}
