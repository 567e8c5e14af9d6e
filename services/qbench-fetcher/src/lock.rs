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

/// Waits until this process holds the fetcher lock.
pub async fn acquire(url: &str) -> FetcherLock {
    let mut waiting = false;
    loop {
        match FetcherLock::try_acquire(url).await {
            Ok(Some(lock)) => {
                tracing::info!("Fetcher lock taken.");
                return lock;
            }
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
    tracing::warn!(error = %error, "Cannot reach PostgreSQL for the fetcher lock; retrying.");
}
