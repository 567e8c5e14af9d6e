//! Managing users: create, reset a password, disable, enable, list.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::{AccountError, Hasher, Password, Username};

/// Constraints that make two usernames equal: the earlier tool's exact
/// one, and this product's case- and space-insensitive one.
const USERNAME_CONSTRAINTS: [&str; 2] = ["users_username_key", "users_username_folded_key"];

/// The columns every [`User`] is read with.
const USER_COLUMNS: &str = "id, username, is_active, failed_attempts, locked_until, \
                            last_login_at, password_changed_at, created_at";

/// A user as the operator sees it; never carries the hash.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: i32,
    pub username: String,
    pub is_active: bool,
    pub failed_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// `None` for users the earlier tool created and nobody reset since.
    pub password_changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl User {
    /// Whether a lock is in force at `now`.
    pub fn is_locked_at(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// A user whose password was just verified.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuthenticatedUser {
    pub id: i32,
    pub username: String,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub tokens_revoked_at: Option<DateTime<Utc>>,
}

/// The users table, with the hasher its passwords go through.
#[derive(Debug, Clone)]
pub struct Accounts {
    pub(crate) pool: PgPool,
    pub(crate) hasher: Hasher,
}

impl Accounts {
    /// Accounts hashing at the production cost.
    pub fn new(pool: PgPool) -> Self {
        Accounts::with_hasher(pool, Hasher::default())
    }

    /// Accounts with a given hasher (tests use a low cost).
    pub fn with_hasher(pool: PgPool, hasher: Hasher) -> Self {
        Accounts { pool, hasher }
    }

    /// The hasher, e.g. to warm it up at start-up.
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// Creates an active user; the name must be new ignoring case.
    pub async fn create_user(
        &self,
        username: &Username,
        password: &Password,
    ) -> Result<User, AccountError> {
        let hash = self.hasher.hash(password).await?;

        let query = format!(
            "INSERT INTO users (username, password_hash, password_changed_at) \
             VALUES ($1, $2, now()) RETURNING {USER_COLUMNS}"
        );
        sqlx::query_as(sqlx::AssertSqlSafe(query))
            .bind(username.as_str())
            .bind(hash)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| taken_or_database(e, username))
    }

    /// Sets a new password, which refuses every token issued before now;
    /// with `unlock`, also clears a lock and the failure count.
    pub async fn reset_password(
        &self,
        username: &Username,
        password: &Password,
        unlock: bool,
    ) -> Result<User, AccountError> {
        let hash = self.hasher.hash(password).await?;

        let query = format!(
            "UPDATE users SET password_hash = $2, password_changed_at = clock_timestamp(), \
               failed_attempts = CASE WHEN $3 THEN 0 ELSE failed_attempts END, \
               locked_until = CASE WHEN $3 THEN NULL ELSE locked_until END, \
               updated_at = now() \
             WHERE lower(btrim(username)) = lower($1) RETURNING {USER_COLUMNS}"
        );
        sqlx::query_as(sqlx::AssertSqlSafe(query))
            .bind(username.as_str())
            .bind(hash)
            .bind(unlock)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| AccountError::UnknownUser(username.to_string()))
    }

    /// Disables (`false`) or re-enables (`true`) a user; a disabled user's
    /// tokens are refused at once, and stay refused after re-enabling.
    pub async fn set_active(
        &self,
        username: &Username,
        active: bool,
    ) -> Result<User, AccountError> {
        let query = format!(
            "UPDATE users SET is_active = $2, \
               disabled_at = CASE WHEN $2 THEN NULL ELSE coalesce(disabled_at, now()) END, \
               tokens_revoked_at = CASE WHEN $2 THEN tokens_revoked_at \
                   ELSE clock_timestamp() END, \
               updated_at = now() \
             WHERE lower(btrim(username)) = lower($1) RETURNING {USER_COLUMNS}"
        );
        sqlx::query_as(sqlx::AssertSqlSafe(query))
            .bind(username.as_str())
            .bind(active)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| AccountError::UnknownUser(username.to_string()))
    }

    /// Fails with [`AccountError::UnknownUser`] unless the user exists, so
    /// that a command can say so before asking for anything else.
    pub async fn require_user(&self, username: &Username) -> Result<(), AccountError> {
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM users WHERE lower(btrim(username)) = lower($1)")
                .bind(username.as_str())
                .fetch_optional(&self.pool)
                .await?;
        found
            .map(|_| ())
            .ok_or_else(|| AccountError::UnknownUser(username.to_string()))
    }

    /// Every user, by name.
    pub async fn list_users(&self) -> Result<Vec<User>, AccountError> {
        let query = format!("SELECT {USER_COLUMNS} FROM users ORDER BY lower(btrim(username))");
        let users = sqlx::query_as(sqlx::AssertSqlSafe(query))
            .fetch_all(&self.pool)
            .await?;
        Ok(users)
    }
}

/// A unique violation on the username becomes [`AccountError::UsernameTaken`].
fn taken_or_database(error: sqlx::Error, username: &Username) -> AccountError {
    let taken = error
        .as_database_error()
        .and_then(|db| db.constraint())
        .is_some_and(|name| USERNAME_CONSTRAINTS.contains(&name));
    if taken {
        AccountError::UsernameTaken(username.to_string())
    } else {
        AccountError::Database(error)
    }
}
