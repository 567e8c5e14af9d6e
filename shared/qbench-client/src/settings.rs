//! What the client needs to know: where QBench is, who we are, and how hard we
//! may lean on the tenant's shared limits.

use std::time::Duration;

use mirror_config::QbenchSettings;
use secrecy::SecretString;

use crate::error::QbenchError;

/// The path of the token exchange below the tenant root.
const TOKEN_PATH: &str = "/qbench/oauth2/v1/token";

/// Settings of one [`QbenchClient`](crate::QbenchClient).
///
/// `Debug` shows everything but the secret.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// The tenant root, e.g. `https://lab.qbench.net`, without a final `/`.
    pub root: String,
    /// Where the JWT assertion is exchanged for an access token.
    pub token_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Requests in flight at once; QBench allows 10 per tenant.
    pub max_in_flight: usize,
    /// Requests started per minute; QBench allows 300 per tenant.
    pub requests_per_minute: u32,
    /// The longest one call may spend waiting on throttles in total before it
    /// ends with [`QbenchError::Throttled`].
    pub max_throttle_wait: Duration,
    /// Time limit of one HTTP request, from connect to the end of the body.
    pub request_timeout: Duration,
    /// Attempts in all for a call that meets 5xx answers, transport faults or
    /// unexpected bodies (1 means no retry).
    pub max_attempts: usize,
    /// The first pause between such attempts; later ones double, with jitter.
    pub base_backoff: Duration,
    /// The first pause after a 429 that says nothing about how long to wait;
    /// later ones double.
    pub throttle_backoff: Duration,
}

impl ClientSettings {
    /// Settings with the defaults of this product for everything but the
    /// tenant and the credentials.
    pub fn new(
        root: impl Into<String>,
        client_id: impl Into<String>,
        secret: SecretString,
    ) -> Self {
        let root = root.into().trim_end_matches('/').to_owned();
        ClientSettings {
            token_url: format!("{root}{TOKEN_PATH}"),
            root,
            client_id: client_id.into(),
            client_secret: secret,
            max_in_flight: 8,
            requests_per_minute: 290,
            max_throttle_wait: Duration::from_secs(600),
            request_timeout: Duration::from_secs(60),
            max_attempts: 3,
            base_backoff: Duration::from_secs(1),
            throttle_backoff: Duration::from_secs(2),
        }
    }

    /// Settings from the service configuration; `root` is the tenant or the
    /// simulator (see [`QbenchSettings::root`]).
    pub fn from_settings(settings: &QbenchSettings, root: String) -> Self {
        let mut client = ClientSettings::new(
            root,
            settings.client_id.clone(),
            settings.client_secret.clone(),
        );
        if let Some(url) = &settings.token_url {
            client.token_url = url.clone();
        }
        client.max_in_flight = settings.max_in_flight;
        client.requests_per_minute = settings.requests_per_minute;
        client.max_throttle_wait = settings.max_throttle_wait;
        client.request_timeout = settings.request_timeout;
        client
    }

    /// Refuses settings the client cannot work with.
    pub(crate) fn validate(&self) -> Result<(), QbenchError> {
        let problem = if self.max_in_flight == 0 {
            "max_in_flight must be at least 1"
        } else if self.requests_per_minute == 0 {
            "requests_per_minute must be at least 1"
        } else if self.max_attempts == 0 {
            "max_attempts must be at least 1"
        } else if self.client_id.is_empty() {
            "client_id must not be empty"
        } else {
            return Ok(());
        };
        Err(QbenchError::Settings(problem.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_url_defaults_below_the_root() {
        let settings = ClientSettings::new("https://lab.qbench.net/", "id", "s".into());
        assert_eq!(settings.root, "https://lab.qbench.net");
        assert_eq!(
            settings.token_url,
            "https://lab.qbench.net/qbench/oauth2/v1/token"
        );
    }

    #[test]
    fn service_settings_carry_over_with_their_token_url() {
        let env = mirror_config::Env::from_pairs([
            ("QBENCH_BASE_URL", "https://lab.qbench.net"),
            ("QBENCH_CLIENT_ID", "lab"),
            ("QBENCH_CLIENT_SECRET", "s"),
            ("QBENCH_TOKEN_URL", "https://auth.example/token"),
            ("QBENCH_MAX_IN_FLIGHT", "5"),
            ("QBENCH_MAX_THROTTLE_WAIT", "90s"),
        ]);
        let service = QbenchSettings::from_env(&env).expect("settings");
        let root = service.root(&env).expect("root");

        let client = ClientSettings::from_settings(&service, root);

        assert_eq!(client.root, "https://lab.qbench.net");
        assert_eq!(client.token_url, "https://auth.example/token");
        assert_eq!(client.max_in_flight, 5);
        assert_eq!(client.requests_per_minute, 290);
        assert_eq!(client.max_throttle_wait, Duration::from_secs(90));
        assert_eq!(client.max_attempts, 3);
    }

    #[test]
    fn debug_hides_the_secret() {
        let settings = ClientSettings::new("http://x", "id", "hunter2-secret".into());
        assert!(!format!("{settings:?}").contains("hunter2-secret"));
    }
}
