//! The authenticated caller of a protected route.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::honoured_by;
use crate::{ApiError, AppState};

/// The user a valid bearer token names; every `/api/v1` route takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: i32,
    pub username: String,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // `require_auth` already checked this request.
        if let Some(user) = parts.extensions.get::<AuthUser>() {
            return Ok(user.clone());
        }
        let token = bearer_token(parts).ok_or(ApiError::Unauthorized)?;
        authenticate(state, token).await
    }
}

/// Middleware over `/api/v1`: refuses a request without a valid token
/// before any handler runs, so a route cannot be left open by mistake.
pub async fn require_auth(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let (mut parts, body) = request.into_parts();
    let user = AuthUser::from_request_parts(&mut parts, &state).await?;
    parts.extensions.insert(user);
    Ok(next.run(Request::from_parts(parts, body)).await)
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let claims = state.tokens.verify(token).map_err(|e| {
        tracing::debug!(error = %e, "Bearer token refused.");
        ApiError::Unauthorized
    })?;
    let id: i32 = claims.sub.parse().map_err(|_| ApiError::Unauthorized)?;

    let holder = state.accounts.token_holder(id).await?;
    match holder {
        Some(holder) if honoured_by(&claims, &holder) => Ok(AuthUser {
            id,
            username: holder.username,
        }),
        _ => Err(ApiError::Unauthorized),
    }
}
