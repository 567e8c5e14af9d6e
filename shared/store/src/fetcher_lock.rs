//! The lock that keeps one fetcher active per mirror.
//!
//! The tenant's rate limit is the ceiling, so a second fetcher would only
//! halve each one's share and page the same records twice. The lock is a
//! PostgreSQL session advisory lock held on a connection of its own: the
//! server releases it when that session ends, so a fetcher that dies (even
//! by SIGKILL) frees it at once, and a fetcher waiting on it takes over.

use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};

use crate::StoreError;

/// The advisory lock key; the bytes spell `QBFETCH1`.
const KEY: i64 = 0x5142_4645_5443_4831;

/// The start of a query for whether a session of this database holds the
/// lock; a caller may narrow it with more conditions, then closes it.
const HOLDERS: &str = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
     AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
     AND ((classid::int8 << 32) | objid::int8) = $1";

/// A held fetcher lock; dropping it ends its session and frees the lock.
#[derive(Debug)]
pub struct FetcherLock {
    conn: PgConnection,
}

impl FetcherLock {
    /// Takes the lock if nobody holds it; `None` when another session does.
    pub async fn try_acquire(url: &str) -> Result<Option<Self>, StoreError> {
        let mut conn = PgConnection::connect(url).await?;
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(KEY)
            .fetch_one(&mut conn)
            .await?;
        if taken {
            return Ok(Some(FetcherLock { conn }));
        }
        conn.close().await?;
        Ok(None)
    }

    /// Asks the server whether this session still holds the lock; an error
    /// means the session is gone (and the lock with it).
    pub async fn is_held(&mut self) -> Result<bool, StoreError> {
        let mine = format!("{HOLDERS} AND pid = pg_backend_pid())");
        let held: bool = sqlx::query_scalar(AssertSqlSafe(mine))
            .bind(KEY)
            .fetch_one(&mut self.conn)
            .await?;
        Ok(held)
    }
}

/// Whether some session holds the fetcher lock of this database, that is,
/// whether a fetcher is running (rather than waiting, or gone).
pub async fn fetcher_is_running(pool: &PgPool) -> Result<bool, StoreError> {
    let held: bool = sqlx::query_scalar(AssertSqlSafe(format!("{HOLDERS})")))
        .bind(KEY)
        .fetch_one(pool)
        .await?;
    Ok(held)
}
