//! Signing and checking HS256 tokens.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use mirror_accounts::{AuthenticatedUser, TokenHolder};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    pub username: String,
    /// Issued at, in seconds since the epoch.
    pub iat: i64,
    /// Expires at, in seconds since the epoch.
    pub exp: i64,
    /// The later of the user's `password_changed_at` and
    /// `tokens_revoked_at` when the token was issued, in microseconds (0
    /// for never): `iat` alone cannot tell a token issued in the same
    /// second as a reset from one issued just before it.
    pub pwd: i64,
}

/// A freshly signed token and when it expires.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub expires_in: i64,
}

/// The signing key, the pinned validation rules and the lifetime.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Keys from the secret; tokens live `ttl_hours`.
    pub fn new(secret: &SecretString, ttl_hours: u32) -> Result<Self, jsonwebtoken::errors::Error> {
        let bytes = secret.expose_secret().as_bytes();
        // Only HS256 is accepted: `alg: none`, HS512 or RS256 with this key
        // as a "public key" are all refused before the signature is read.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 30;
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(bytes)?,
            decoding: DecodingKey::from_secret(bytes)?,
            validation,
            ttl: Duration::hours(i64::from(ttl_hours)),
        })
    }

    /// Signs a token for `user`, issued at `now`.
    pub fn issue(
        &self,
        user: &AuthenticatedUser,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, jsonwebtoken::errors::Error> {
        let expires_at = now + self.ttl;
        let claims = Claims {
            sub: user.id.to_string(),
            username: user.username.clone(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            pwd: credential_stamp(user.password_changed_at, user.tokens_revoked_at),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;

        Ok(IssuedToken {
            token,
            expires_at,
            expires_in: self.ttl.num_seconds(),
        })
    }

    /// The claims of a token signed with this key, unexpired, with `exp`.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map(|t| t.claims)
    }
}

/// Whether `holder` still honours a token with `claims`: the user is
/// active and the token was issued under the current password and after
/// the user was last disabled.
pub fn honoured_by(claims: &Claims, holder: &TokenHolder) -> bool {
    let voided = [holder.password_changed_at, holder.tokens_revoked_at]
        .into_iter()
        .flatten()
        .max();
    let issued_before = voided.is_some_and(|at| claims.iat < at.timestamp());
    holder.is_active
        && !issued_before
        && claims.pwd == credential_stamp(holder.password_changed_at, holder.tokens_revoked_at)
}

/// The latest instant that voided earlier tokens, in microseconds (0 for
/// never): `iat` alone, in seconds, cannot tell a token issued in the same
/// second just before from one just after.
fn credential_stamp(
    password_changed_at: Option<DateTime<Utc>>,
    tokens_revoked_at: Option<DateTime<Utc>>,
) -> i64 {
    [password_changed_at, tokens_revoked_at]
        .into_iter()
        .flatten()
        .map(|at| at.timestamp_micros())
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&SecretString::from("k".repeat(32)), 3).unwrap()
    }

    fn user(changed: Option<DateTime<Utc>>) -> AuthenticatedUser {
        AuthenticatedUser {
            id: 7,
            username: "alice".to_owned(),
            password_changed_at: changed,
            tokens_revoked_at: None,
        }
    }

    fn holder(active: bool, changed: Option<DateTime<Utc>>) -> TokenHolder {
        TokenHolder {
            id: 7,
            username: "alice".to_owned(),
            is_active: active,
            password_changed_at: changed,
            tokens_revoked_at: None,
        }
    }

    #[test]
    fn an_issued_token_verifies_and_lasts_the_lifetime() {
        let now = Utc::now();
        let issued = keys().issue(&user(None), now).unwrap();

        let claims = keys().verify(&issued.token).unwrap();
        assert_eq!(claims.sub, "7");
        assert_eq!(issued.expires_in, 3 * 3600);
        assert_eq!(claims.exp - claims.iat, 3 * 3600);
    }

    #[test]
    fn a_token_from_another_key_is_refused() {
        let other = TokenKeys::new(&SecretString::from("o".repeat(32)), 3).unwrap();
        let issued = other.issue(&user(None), Utc::now()).unwrap();
        assert!(keys().verify(&issued.token).is_err());
    }

    #[test]
    fn a_reset_or_a_disabled_user_ends_a_token() {
        let changed = Utc::now();
        let issued = keys().issue(&user(Some(changed)), changed).unwrap();
        let claims = keys().verify(&issued.token).unwrap();

        assert!(honoured_by(&claims, &holder(true, Some(changed))));
        assert!(!honoured_by(&claims, &holder(false, Some(changed))));
        // Reset in the same second, after the token was issued.
        let reset = changed + Duration::microseconds(1);
        assert!(!honoured_by(&claims, &holder(true, Some(reset))));
        // Disabled after the token was issued, then enabled again.
        let re_enabled = TokenHolder {
            tokens_revoked_at: Some(changed + Duration::microseconds(1)),
            ..holder(true, Some(changed))
        };
        assert!(!honoured_by(&claims, &re_enabled));
    }
}
