//! One active fetcher per mirror (DESIGN section 12): a fetcher waits for
//! the fetcher lock before it reads QBench, and stops if it ever loses it.
//!
//! A second instance started beside a running one waits here, asking again
//! every few seconds, and takes over as soon as the first dies: PostgreSQL
//! frees the lock with the dead process's session.

use std::time::Duration;

use mirror_store::{FetcherLock, StoreError};

/// How often a waiting fetcher asks for the lock, and how often the holder
/// checks that its session is still alive.
const RETRY: Duration = Duration::from_secs(2);

/// Why a fetcher gave up its lock.
#[derive(Debug, thiserror::Error)]
#[error("another fetcher took the fetcher lock while this one could not reach PostgreSQL")]
pub struct LockLost;

/// The server answered, but no retry can help: wrong credentials, a
/// database that does not exist, an address the driver cannot use.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the mirror's database (DATABASE_URL): {0}")]
pub struct Unusable(StoreError);

/// Waits until this process holds the fetcher lock. A server that cannot be
/// reached is waited for; one that refuses the settings ends the wait.
pub async fn acquire(url: &str) -> Result<FetcherLock, Unusable> {
    let mut waiting = false;
    loop {
        match FetcherLock::try_acquire(url).await {
            Ok(Some(lock)) => {
                tracing::info!("Fetcher lock taken.");
                return Ok(lock);
            }
            Err(e) if is_unusable(&e) => return Err(Unusable(e)),
            Ok(None) if !waiting => {
                tracing::info!(
                    retry_secs = RETRY.as_secs(),
                    "Another fetcher holds the lock; waiting to take over."
                );
                waiting = true;
            }
            Ok(None) => tracing::debug!("Fetcher lock still held elsewhere."),
            Err(e) => warn_unreachable(&e),
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Holds the lock; completes only when it is lost to another fetcher.
///
/// A session broken under the holder (PostgreSQL restarted, a network cut)
/// frees the lock, so the holder takes it again as soon as the server
/// answers. Nobody else can have taken it while the server was down; if
/// somebody did in between, that one is now the active fetcher and this one
/// must stop.
pub async fn hold(url: String, mut lock: FetcherLock) -> LockLost {
    loop {
        tokio::time::sleep(RETRY).await;
        if matches!(lock.is_held().await, Ok(true)) {
            continue;
        }
        tracing::warn!("The fetcher lock's session ended; taking the lock again.");
        lock = match retake(&url).await {
            Some(lock) => lock,
            None => return LockLost,
        };
        tracing::info!("Fetcher lock taken again.");
    }
}

/// Takes the lock back once the server answers; `None` if another fetcher
/// holds it by then.
async fn retake(url: &str) -> Option<FetcherLock> {
    loop {
        match FetcherLock::try_acquire(url).await {
            Ok(lock) => return lock,
            Err(e) => warn_unreachable(&e),
        }
        tokio::time::sleep(RETRY).await;
    }
}

fn warn_unreachable(error: &StoreError) {
    tracing::warn!(
        error = %error,
        "Cannot reach PostgreSQL (DATABASE_URL) for the fetcher lock; retrying."
    );
}

/// Whether the error is the server's (or the driver's) final word on these
/// settings rather than a passing outage.
fn is_unusable(error: &StoreError) -> bool {
    let StoreError::Database(error) = error else {
        return false;
    };
    match error {
        sqlx::Error::Configuration(_) => true,
        // invalid_catalog_name (no such database), invalid_authorization_
        // specification and invalid_password.
        sqlx::Error::Database(e) => {
            matches!(e.code().as_deref(), Some("3D000" | "28000" | "28P01"))
        }
        _ => false,
    }
}
