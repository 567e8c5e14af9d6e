//! `POST /api/auth/login`.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use mirror_accounts::LoginOutcome;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::ApiJson;
use crate::{ApiError, AppState, ErrorBody};

/// The login route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login))
}

/// Credentials; the username is compared ignoring case and surrounding spaces.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(example = "alice")]
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// A bearer token for the `/api/v1` routes.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    /// Always `bearer`.
    #[schema(example = "bearer")]
    pub token_type: &'static str,
    pub expires_at: DateTime<Utc>,
    /// Seconds until `expires_at`.
    pub expires_in: i64,
    pub user: LoginUser,
}

/// Who the token is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginUser {
    pub username: String,
}

/// Exchanges a username and password for a bearer token.
///
/// Every refusal (unknown user, wrong password, disabled or locked account)
/// answers the same 401. Three failures in a row lock the account for 24 hours.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Refused", body = ErrorBody),
        (status = 413, description = "Body larger than 2 MiB", body = ErrorBody),
    )
)]
async fn login(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let outcome = state
        .accounts
        .verify_login(&request.username, &request.password)
        .await?;

    let user = match outcome {
        LoginOutcome::Accepted(user) => user,
        LoginOutcome::Refused(reason) => {
            tracing::info!(reason = reason.as_str(), "Login refused.");
            return Err(ApiError::InvalidCredentials);
        }
    };
    let issued = state
        .tokens
        .issue(&user, Utc::now())
        .map_err(|e| ApiError::Internal(e.into()))?;
    tracing::info!(user_id = user.id, "Login accepted.");

    Ok(Json(LoginResponse {
        access_token: issued.token,
        token_type: "bearer",
        expires_at: issued.expires_at,
        expires_in: issued.expires_in,
        user: LoginUser {
            username: user.username,
        },
    }))
}
