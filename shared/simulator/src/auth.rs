//! The OAuth 2 JWT-bearer exchange and the access tokens it hands out.
//!
//! A client signs `{"sub": client_id, "iat", "exp"}` with its secret
//! (HS256) and trades it for an opaque access token. Tokens live for the
//! configured lifetime in real time, not lab time: clients sign with their
//! own clock, and a test moving the lab a week ahead should not log them out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::RngExt;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::reply::QbenchError;

/// The grant type QBench accepts.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The longest assertion lifetime QBench accepts, in seconds.
const MAX_ASSERTION_SECS: i64 = 3600;

/// The tenant's API client.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
}

/// The claims QBench reads from an assertion.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
}

/// A successful token answer.
#[derive(Debug, Serialize)]
pub(crate) struct TokenAnswer {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
}

/// One issued token.
#[derive(Debug, Clone, Copy)]
struct Issued {
    expires: Instant,
}

/// The tokens handed out, and the count of data calls made with them.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    issued: Mutex<HashMap<String, Issued>>,
    data_calls: AtomicU64,
}

impl TokenStore {
    /// Checks an assertion and issues a token valid for `lifetime`.
    pub(crate) fn exchange(
        &self,
        credentials: &Credentials,
        grant_type: Option<&str>,
        assertion: Option<&str>,
        lifetime: Duration,
    ) -> Result<TokenAnswer, QbenchError> {
        if grant_type != Some(JWT_BEARER) {
            return Err(QbenchError::UnsupportedGrantType);
        }
        let assertion = assertion
            .ok_or_else(|| QbenchError::InvalidRequest("assertion is required.".into()))?;
        verify_assertion(credentials, assertion)?;

        let token = new_token();
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        forget_stale(&mut issued);
        issued.insert(
            token.clone(),
            Issued {
                expires: Instant::now() + lifetime,
            },
        );
        Ok(TokenAnswer {
            access_token: token,
            token_type: "Bearer",
            expires_in: lifetime.as_secs(),
        })
    }

    /// Checks the bearer token of a data call. Every `expire_every`th call
    /// first expires all tokens, as a test of refresh handling.
    pub(crate) fn authorize(
        &self,
        headers: &HeaderMap,
        expire_every: Option<u32>,
    ) -> Result<(), QbenchError> {
        let token = bearer(headers)?;
        let call = self.data_calls.fetch_add(1, Ordering::Relaxed) + 1;
        if expire_every.is_some_and(|n| n > 0 && call.is_multiple_of(u64::from(n))) {
            self.expire_all();
        }
        let issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        match issued.get(token) {
            None => Err(QbenchError::UnknownToken),
            Some(t) if t.expires <= Instant::now() => Err(QbenchError::TokenExpired),
            Some(_) => Ok(()),
        }
    }

    /// Expires every token now; returns how many were still valid.
    pub(crate) fn expire_all(&self) -> usize {
        let now = Instant::now();
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        let mut expired = 0;
        for token in issued.values_mut().filter(|t| t.expires > now) {
            token.expires = now;
            expired += 1;
        }
        expired
    }
}

fn verify_assertion(credentials: &Credentials, assertion: &str) -> Result<(), QbenchError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub", "iat"]);
    // An empty secret cannot verify anything; every assertion fails.
    let key = DecodingKey::from_secret(credentials.client_secret.expose_secret().as_bytes())
        .map_err(|_| QbenchError::InvalidGrant("The JWT signature is invalid."))?;
    let claims = jsonwebtoken::decode::<Claims>(assertion, &key, &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => {
                QbenchError::InvalidGrant("The JWT assertion has expired.")
            }
            ErrorKind::InvalidSignature => {
                QbenchError::InvalidGrant("The JWT signature is invalid.")
            }
            _ => QbenchError::InvalidGrant("The JWT assertion is malformed."),
        })?
        .claims;
    if claims.sub != credentials.client_id {
        return Err(QbenchError::InvalidClient);
    }
    if claims.exp - claims.iat > MAX_ASSERTION_SECS {
        return Err(QbenchError::InvalidGrant(
            "The JWT assertion may live at most 3600 seconds.",
        ));
    }
    Ok(())
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Result<&str, QbenchError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(QbenchError::MissingToken);
    };
    let text = value
        .to_str()
        .map_err(|_| QbenchError::MalformedAuthorization)?;
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(QbenchError::MalformedAuthorization),
    }
}

fn new_token() -> String {
    let mut rng = rand::rng();
    (0..4)
        .map(|_| format!("{:016x}", rng.random::<u64>()))
        .collect()
}

/// Drops tokens expired more than a day ago, so the map stays small;
/// a token that old then answers 401 like any unknown one.
fn forget_stale(issued: &mut HashMap<String, Issued>) {
    let day = Duration::from_secs(86_400);
    if let Some(cutoff) = Instant::now().checked_sub(day) {
        issued.retain(|_, t| t.expires > cutoff);
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    use super::*;

    fn credentials() -> Credentials {
        Credentials {
            client_id: "lab-client".into(),
            client_secret: SecretString::from("lab-secret"),
        }
    }

    fn assertion(sub: &str, secret: &str, iat_offset: i64, lifetime: i64) -> String {
        let iat = jsonwebtoken::get_current_timestamp() as i64 + iat_offset;
        let claims = json!({"sub": sub, "iat": iat, "exp": iat + lifetime});
        let key = EncodingKey::from_secret(secret.as_bytes()).unwrap();
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
    }

    fn exchange(store: &TokenStore, jwt: &str) -> Result<TokenAnswer, QbenchError> {
        store.exchange(
            &credentials(),
            Some(JWT_BEARER),
            Some(jwt),
            Duration::from_secs(60),
        )
    }

    #[test]
    fn a_well_signed_assertion_buys_a_token_that_authorizes() {
        let store = TokenStore::default();
        let answer = exchange(&store, &assertion("lab-client", "lab-secret", -5, 3300)).unwrap();
        let mut headers = HeaderMap::new();
        let value = format!("Bearer {}", answer.access_token);
        headers.insert(AUTHORIZATION, HeaderValue::from_str(&value).unwrap());
        assert_eq!(store.authorize(&headers, None), Ok(()));
        store.expire_all();
        assert_eq!(
            store.authorize(&headers, None),
            Err(QbenchError::TokenExpired)
        );
    }

    #[test]
    fn bad_assertions_are_refused_with_the_right_error() {
        let store = TokenStore::default();
        let wrong_key = exchange(&store, &assertion("lab-client", "other", 0, 600));
        assert!(matches!(wrong_key, Err(QbenchError::InvalidGrant(_))));
        let wrong_sub = exchange(&store, &assertion("someone", "lab-secret", 0, 600));
        assert!(matches!(wrong_sub, Err(QbenchError::InvalidClient)));
        let too_long = exchange(&store, &assertion("lab-client", "lab-secret", 0, 7200));
        assert!(matches!(too_long, Err(QbenchError::InvalidGrant(_))));
        let expired = exchange(&store, &assertion("lab-client", "lab-secret", -900, 600));
        assert!(matches!(expired, Err(QbenchError::InvalidGrant(_))));
    }

    #[test]
    fn authorization_headers_are_read_strictly() {
        let store = TokenStore::default();
        let mut headers = HeaderMap::new();
        assert_eq!(
            store.authorize(&headers, None),
            Err(QbenchError::MissingToken)
        );
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Token abc"));
        assert_eq!(
            store.authorize(&headers, None),
            Err(QbenchError::MalformedAuthorization)
        );
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(
            store.authorize(&headers, None),
            Err(QbenchError::UnknownToken)
        );
    }
}
