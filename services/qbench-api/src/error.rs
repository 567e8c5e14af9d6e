//! The one error type of every route, and the body it answers with.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mirror_kpis::KpiError;
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

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
    /// A query or path parameter is malformed or out of range.
    #[error("{name}: {reason}")]
    InvalidParameter { name: String, reason: String },
    /// A request body that is not the JSON the route expects.
    #[error("invalid request body: {0}")]
    InvalidBody(String),
    /// A request body larger than any the API reads.
    #[error("the request body is too large")]
    BodyTooLarge,
    /// No such route.
    #[error("no such route; the API's routes are listed at /api/docs")]
    NoRoute,
    /// No visible record of the entity has the id: none was mirrored, or
    /// it is deleted or banned (which of these is not said).
    #[error("no visible {entity} has id {id}")]
    NoRecord { entity: &'static str, id: i32 },
    /// The route exists, but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The database does not answer.
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
            ApiError::BodyTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ApiError::NoRoute | ApiError::NoRecord { .. } => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
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

impl From<KpiError> for ApiError {
    fn from(error: KpiError) -> Self {
        match error {
            KpiError::InvalidParameter { name, reason } => ApiError::parameter(name, reason),
            // Every connection stayed busy for the whole wait: an overload
            // to retry later, not a fault.
            KpiError::Database(sqlx::Error::PoolTimedOut) => ApiError::Unavailable,
            KpiError::Database(source) => ApiError::Internal(source.into()),
        }
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

/// The error answers of a KPI route, for its OpenAPI description.
#[derive(Debug, IntoResponses)]
pub enum KpiErrorResponses {
    /// A query parameter is malformed or out of range; the message starts
    /// with its name.
    #[response(status = 400)]
    InvalidParameter(ErrorBody),
    /// No valid bearer token.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The database failed; the body says nothing more.
    #[response(status = 500)]
    Internal(ErrorBody),
    /// Every database connection stayed busy for the whole wait, or the
    /// database does not answer: retry later.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// The error answers of a record route: those of a KPI route, and 404.
#[derive(Debug, IntoResponses)]
pub enum DetailErrorResponses {
    /// A query or path parameter is malformed; the message starts with its
    /// name.
    #[response(status = 400)]
    InvalidParameter(ErrorBody),
    /// No valid bearer token.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// No such record, or one deleted or hidden by the banlist.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// The database failed; the body says nothing more.
    #[response(status = 500)]
    Internal(ErrorBody),
    /// Every database connection stayed busy for the whole wait, or the
    /// database does not answer: retry later.
    #[response(status = 503)]
    Unavailable(ErrorBody),
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
    fn a_kpi_parameter_error_keeps_its_name_and_a_database_error_its_silence() {
        let invalid = KpiError::InvalidParameter {
            name: "sla_hours",
            reason: "must be a positive number".to_owned(),
        };
        let error = ApiError::from(invalid);
        assert_eq!(error.to_string(), "sla_hours: must be a positive number");
        assert_eq!(error.status_and_code().1, "invalid_parameter");

        let error = ApiError::from(KpiError::Database(sqlx::Error::RowNotFound));
        assert_eq!(error.to_string(), "internal error");
        assert_eq!(error.status_and_code().1, "internal");

        let error = ApiError::from(KpiError::Database(sqlx::Error::PoolTimedOut));
        assert_eq!(error.to_string(), "database unavailable");
        assert_eq!(error.status_and_code().0, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn a_bad_parameter_is_named() {
        let error = ApiError::parameter("entity", "unknown entity \"widgets\"");
        assert_eq!(error.to_string(), "entity: unknown entity \"widgets\"");
        assert_eq!(error.status_and_code().0, StatusCode::BAD_REQUEST);
    }
}
