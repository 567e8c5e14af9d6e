//! The one error type of every route, and the body it answers with.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code to branch on, e.g. `invalid_parameter`.
    #[schema(example = "invalid_parameter")]
    pub code: &'static str,
    /// A sentence for people; never internal details.
    #[schema(example = "entity: unknown entity \"widgets\"")]
    pub message: String,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, or one that is invalid, expired or no longer honoured.
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// A refused login, whatever the reason: the caller must not learn which.
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("{name}: {reason}")]
    InvalidParameter { name: String, reason: String },
    #[error("invalid request body: {0}")]
    InvalidBody(String),
    #[error("not found")]
    NotFound,
    #[error("database unavailable")]
    Unavailable,
    /// Anything else; logged here, answered without detail.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// A bad query parameter, named.
    pub fn parameter(name: &str, reason: impl ToString) -> Self {
        ApiError::InvalidParameter {
            name: name.to_owned(),
            reason: reason.to_string(),
        }
    }

    /// Status and stable code.
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            ApiError::InvalidParameter { .. } => (StatusCode::BAD_REQUEST, "invalid_parameter"),
            ApiError::InvalidBody(_) => (StatusCode::BAD_REQUEST, "invalid_body"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(source) = &self {
            // The one place a failed request is logged; the request span
            // adds the route.
            tracing::error!(error = format!("{source:#}"), "Request failed.");
        }
        let body = Json(ErrorBody {
            code,
            message: self.to_string(),
        });
        if status == StatusCode::UNAUTHORIZED {
            return (status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response();
        }
        (status, body).into_response()
    }
}

impl From<mirror_accounts::AccountError> for ApiError {
    fn from(error: mirror_accounts::AccountError) -> Self {
        ApiError::Internal(error.into())
    }
}

impl From<mirror_store::StoreError> for ApiError {
    fn from(error: mirror_store::StoreError) -> Self {
        ApiError::Internal(error.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_say_nothing_of_their_cause() {
        let error = ApiError::Internal(anyhow::anyhow!("password authentication failed"));
        assert_eq!(error.to_string(), "internal error");
        assert_eq!(
            error.status_and_code(),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        );
    }

    #[test]
    fn a_bad_parameter_is_named() {
        let error = ApiError::parameter("entity", "unknown entity \"widgets\"");
        assert_eq!(error.to_string(), "entity: unknown entity \"widgets\"");
        assert_eq!(error.status_and_code().0, StatusCode::BAD_REQUEST);
    }
}
