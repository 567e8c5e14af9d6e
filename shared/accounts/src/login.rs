//! Verifying a login, with the lockout, and checking a token's holder.

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::{AccountError, Accounts, AuthenticatedUser, Username};

/// Failed logins in a row that lock an account.
pub const MAX_FAILED_ATTEMPTS: i32 = 3;

/// How long a lock lasts.
pub const LOCKOUT: Duration = Duration::from_secs(24 * 3600);

/// How a login attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    Accepted(AuthenticatedUser),
    /// The reason is for the server's log only: callers must answer every
    /// refusal alike, or usernames could be enumerated.
    Refused(LoginRefusal),
}

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    UnknownUser,
    WrongPassword,
    Disabled,
    Locked,
}

impl LoginRefusal {
    /// A short name for log fields.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginRefusal::UnknownUser => "unknown_user",
            LoginRefusal::WrongPassword => "wrong_password",
            LoginRefusal::Disabled => "disabled",
            LoginRefusal::Locked => "locked",
        }
    }
}

/// What a token check needs to know about the user it names.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenHolder {
    pub id: i32,
    pub username: String,
    pub is_active: bool,
    pub password_changed_at: Option<DateTime<Utc>>,
    /// When the user was last disabled: tokens issued before are void.
    pub tokens_revoked_at: Option<DateTime<Utc>>,
}

/// The stored credentials of one user, read before verifying.
#[derive(Debug, sqlx::FromRow)]
struct Credentials {
    id: i32,
    password_hash: String,
    is_active: bool,
    locked: bool,
}

impl Accounts {
    /// Verifies a login and updates the failure count or the last login.
    ///
    /// Exactly one bcrypt verification runs whatever the outcome, so the
    /// time taken does not tell an unknown user from a wrong password, a
    /// disabled or a locked account.
    pub async fn verify_login(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<LoginOutcome, AccountError> {
        let stored = match Username::parse(username) {
            Ok(username) => self.credentials(&username).await?,
            Err(_) => None,
        };
        let matches = self
            .hasher
            .verify(password, stored.as_ref().map(|c| c.password_hash.as_str()))
            .await?;

        // Every refusal runs the same statements, so the time taken does not
        // tell them apart either: the failure count's update runs for each,
        // matching a row only for a wrong password of an active, unlocked
        // account (no user has id 0).
        let (refusal, counted) = match &stored {
            None => (LoginRefusal::UnknownUser, 0),
            Some(user) if !user.is_active => (LoginRefusal::Disabled, 0),
            Some(user) if user.locked => (LoginRefusal::Locked, 0),
            Some(user) if !matches => (LoginRefusal::WrongPassword, user.id),
            Some(user) => {
                return Ok(match self.record_success(user.id).await? {
                    Some(user) => LoginOutcome::Accepted(user),
                    // Locked or disabled between the read and now.
                    None => LoginOutcome::Refused(LoginRefusal::Locked),
                });
            }
        };
        self.record_failure(counted).await?;
        Ok(LoginOutcome::Refused(refusal))
    }

    /// The user a token names, to check it is still active and the token
    /// not older than the password.
    pub async fn token_holder(&self, user_id: i32) -> Result<Option<TokenHolder>, AccountError> {
        let holder = sqlx::query_as(
            "SELECT id, username, is_active, password_changed_at, tokens_revoked_at \
             FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(holder)
    }

    async fn credentials(&self, username: &Username) -> Result<Option<Credentials>, AccountError> {
        let stored = sqlx::query_as(
            "SELECT id, password_hash, is_active, \
               coalesce(locked_until > now(), false) AS locked \
             FROM users WHERE lower(btrim(username)) = lower($1)",
        )
        .bind(username.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(stored)
    }

    /// Counts one failure and locks on the last allowed one, in a single
    /// statement.
    ///
    /// Concurrent failures queue on the row lock, and each re-reads the
    /// row before writing: once one of them has set the lock, the others
    /// match no row and change nothing, so the count stops at the limit.
    /// A lock that has expired starts a new count.
    ///
    /// The commit does not wait for its WAL record to reach the disk: a
    /// refusal that changed a row would otherwise take a flush longer than
    /// one that changed none. A crash of PostgreSQL may forget the failures
    /// counted in its last fraction of a second (a lock among them); the
    /// next wrong passwords count again.
    async fn record_failure(&self, user_id: i32) -> Result<Option<i32>, AccountError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT set_config('synchronous_commit', 'off', true)")
            .execute(&mut *tx)
            .await?;
        let attempts = sqlx::query_scalar(
            "UPDATE users SET \
               failed_attempts = CASE WHEN locked_until IS NULL \
                 THEN failed_attempts + 1 ELSE 1 END, \
               locked_until = CASE WHEN \
                 (CASE WHEN locked_until IS NULL THEN failed_attempts + 1 ELSE 1 END) >= $2 \
                 THEN now() + make_interval(secs => $3) ELSE NULL END, \
               updated_at = now() \
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now()) \
             RETURNING failed_attempts",
        )
        .bind(user_id)
        .bind(MAX_FAILED_ATTEMPTS)
        .bind(LOCKOUT.as_secs_f64())
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        if attempts.is_some_and(|n: i32| n >= MAX_FAILED_ATTEMPTS) {
            tracing::warn!(user_id, "Account locked after failed logins.");
        }
        Ok(attempts)
    }

    /// Clears the failure count and stamps the login, unless the account
    /// was disabled or locked meanwhile.
    async fn record_success(
        &self,
        user_id: i32,
    ) -> Result<Option<AuthenticatedUser>, AccountError> {
        let user = sqlx::query_as(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL, \
               last_login_at = now(), updated_at = now() \
             WHERE id = $1 AND is_active \
               AND (locked_until IS NULL OR locked_until <= now()) \
             RETURNING id, username, password_changed_at, tokens_revoked_at",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(user)
    }
}
