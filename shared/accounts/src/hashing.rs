//! bcrypt hashing, off the async threads.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OnceCell, Semaphore};

use crate::{AccountError, MAX_PASSWORD_BYTES, Password};

/// The bcrypt cost of new hashes in production: about a quarter of a second
/// per hash on one core, slow enough to make guessing expensive.
pub const DEFAULT_COST: u32 = 12;

/// Hashes and verifies passwords at one bcrypt cost.
///
/// Verification against no hash at all still costs one bcrypt run, against
/// a dummy hash of the same cost, so that an unknown user takes as long to
/// refuse as a wrong password.
///
/// bcrypt runs on at most half the machine's cores at once (one at least):
/// a burst of logins, honest or not, queues for its turn rather than take
/// every core from the queries the API serves beside it.
#[derive(Debug, Clone)]
pub struct Hasher {
    cost: u32,
    dummy: Arc<OnceCell<String>>,
    turns: Arc<Semaphore>,
}

impl Hasher {
    /// A hasher for new hashes of `cost` (4 to 31; tests use a low one).
    pub fn new(cost: u32) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Hasher::with_turns(cost, (cores / 2).max(1))
    }

    /// A hasher running at most `turns` bcrypt computations at once.
    fn with_turns(cost: u32, turns: usize) -> Self {
        Hasher {
            cost,
            dummy: Arc::new(OnceCell::new()),
            turns: Arc::new(Semaphore::new(turns.max(1))),
        }
    }

    /// Runs `work` on a blocking thread once a turn is free.
    async fn in_turn<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AccountError> {
        // The semaphore is never closed, so a turn always comes.
        let _turn = self.turns.acquire().await;
        Ok(tokio::task::spawn_blocking(work).await?)
    }

    /// Prepares the dummy hash now, so the first unknown-user login is not
    /// slower than later ones.
    pub async fn warm_up(&self) -> Result<(), AccountError> {
        self.dummy_hash().await.map(|_| ())
    }

    /// A new salted hash of `password`.
    pub async fn hash(&self, password: &Password) -> Result<String, AccountError> {
        let text = SecretString::from(password.expose());
        let cost = self.cost;
        Ok(self
            .in_turn(move || bcrypt::hash(text.expose_secret(), cost))
            .await??)
    }

    /// Whether `candidate` matches `stored`; with no stored hash, runs the
    /// same work against the dummy and answers no.
    ///
    /// A candidate longer than [`MAX_PASSWORD_BYTES`] never matches: bcrypt
    /// would compare only its first 72 bytes, so any extension of a stored
    /// password would be let in.
    pub async fn verify(
        &self,
        candidate: &SecretString,
        stored: Option<&str>,
    ) -> Result<bool, AccountError> {
        let (hash, known) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash().await?.to_owned(), false),
        };
        let candidate = candidate.clone();
        let verified = self
            .in_turn(move || {
                bcrypt::verify(candidate.expose_secret(), &hash)
                    .map(|ok| ok && candidate.expose_secret().len() <= MAX_PASSWORD_BYTES)
            })
            .await?;

        match verified {
            Ok(matches) => Ok(matches && known),
            Err(e) => {
                // A stored hash bcrypt cannot read locks its owner out
                // rather than failing every login with a 500.
                tracing::warn!(error = %e, "Stored password hash is unreadable.");
                Ok(false)
            }
        }
    }

    async fn dummy_hash(&self) -> Result<&str, AccountError> {
        let cost = self.cost;
        let hash = self
            .dummy
            .get_or_try_init(|| async move {
                let hash = self
                    .in_turn(move || bcrypt::hash("no user has this password", cost))
                    .await?;
                Ok::<_, AccountError>(hash?)
            })
            .await?;
        Ok(hash.as_str())
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new(DEFAULT_COST)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Password {
        Password::parse(SecretString::from(text)).unwrap()
    }

    #[tokio::test]
    async fn no_more_hashing_runs_at_once_than_the_turns_allow() {
        use std::sync::atomic::{AtomicUsize, Ordering};

        let hasher = Hasher::with_turns(4, 2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let works = (0..8).map(|_| {
            let (running, most) = (running.clone(), most.clone());
            hasher.in_turn(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(30));
                running.fetch_sub(1, Ordering::SeqCst);
            })
        });
        for done in futures::future::join_all(works).await {
            done.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = Hasher::new(4);
        let hash = hasher.hash(&password("Lab0ratory!")).await.unwrap();

        let right = SecretString::from("Lab0ratory!");
        let wrong = SecretString::from("Lab0ratory?");
        assert!(hasher.verify(&right, Some(&hash)).await.unwrap());
        assert!(!hasher.verify(&wrong, Some(&hash)).await.unwrap());
    }

    #[tokio::test]
    async fn no_stored_hash_never_matches() {
        let hasher = Hasher::new(4);
        let any = SecretString::from("no user has this password");
        assert!(!hasher.verify(&any, None).await.unwrap());
    }

    #[tokio::test]
    async fn a_72_byte_prefix_plus_anything_is_refused() {
        let hasher = Hasher::new(4);
        let exactly_72 = format!("Aa1{}", "漢".repeat(23));
        let hash = hasher.hash(&password(&exactly_72)).await.unwrap();

        let exact = SecretString::from(exactly_72.clone());
        let extended = SecretString::from(format!("{exactly_72}anything"));
        assert!(hasher.verify(&exact, Some(&hash)).await.unwrap());
        assert!(!hasher.verify(&extended, Some(&hash)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unreadable_stored_hash_does_not_match() {
        let hasher = Hasher::new(4);
        let any = SecretString::from("Lab0ratory!");
        assert!(!hasher.verify(&any, Some("not a hash")).await.unwrap());
    }
}
