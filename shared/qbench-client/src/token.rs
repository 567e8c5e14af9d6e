//! The OAuth 2 JWT-bearer exchange, and the one access token a client shares.
//!
//! Every request of a client (and of its clones) uses the same token. When
//! it expires, several requests usually notice at once; they all wait on the
//! same exchange, so QBench issues exactly one new token.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::OnceCell;
use tokio::time::Instant;
use tracing::info;

use crate::error::{ErrorKeys, QbenchError};
use crate::http::{PacedHttp, Reply};
use crate::limits::ThrottleBudget;
use crate::retry::RetryPolicy;
use crate::settings::ClientSettings;

/// The `grant_type` of the JWT-bearer exchange.
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// `iat` is back-dated by this much, in case our clock runs ahead of QBench's.
const CLOCK_SKEW_SECS: i64 = 5;

/// `exp - iat` of the assertion; QBench refuses more than an hour.
const ASSERTION_LIFETIME_SECS: i64 = 3300;

/// The token lifetime assumed when the answer gives none we can read.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// Lifetimes above this are taken as this: a day is long enough to be sure
/// the answer meant "long", and keeps the clock arithmetic safe.
const MAX_LIFETIME_SECS: f64 = 86_400.0;

/// A token is replaced this long before it expires (or a tenth of its
/// lifetime, if that is shorter), so a page in flight does not meet expiry.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The claims of the assertion.
#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    iat: i64,
    exp: i64,
}

/// Signs the JWT assertion for `client_id` with the client secret, as of
/// `now` (Unix seconds).
pub(crate) fn sign_assertion(
    client_id: &str,
    secret: &SecretString,
    now: i64,
) -> Result<SecretString, QbenchError> {
    let key = EncodingKey::from_secret(secret.expose_secret().as_bytes())
        .map_err(|_| QbenchError::Settings("the client secret cannot sign a token".into()))?;
    let iat = now - CLOCK_SKEW_SECS;
    let claims = Claims {
        sub: client_id,
        iat,
        exp: iat + ASSERTION_LIFETIME_SECS,
    };

    let jwt = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key)
        .map_err(|e| QbenchError::Settings(format!("cannot sign the assertion: {e}")))?;
    Ok(SecretString::from(jwt))
}

/// An access token and when to stop using it.
#[derive(Clone)]
pub(crate) struct AccessToken {
    value: SecretString,
    refresh_at: Instant,
    /// Tells tokens apart without comparing their values.
    serial: u64,
}

impl AccessToken {
    /// The bearer value, for the `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        self.value.expose_secret()
    }

    fn is_fresh(&self) -> bool {
        Instant::now() < self.refresh_at
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("serial", &self.serial)
            .field("refresh_at", &self.refresh_at)
            .finish_non_exhaustive()
    }
}

/// Obtains the client's access token and shares it between requests.
pub(crate) struct TokenSource {
    client_id: String,
    secret: SecretString,
    token_url: String,
    throttle_cap: Duration,
    retry: RetryPolicy,
    /// The current token, or the exchange under way; replaced to refresh.
    slot: Mutex<Arc<OnceCell<AccessToken>>>,
    serials: AtomicU64,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("client_id", &self.client_id)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// A source with no token yet.
    pub(crate) fn new(settings: &ClientSettings) -> Self {
        TokenSource {
            client_id: settings.client_id.clone(),
            secret: settings.client_secret.clone(),
            token_url: settings.token_url.clone(),
            throttle_cap: settings.max_throttle_wait,
            retry: RetryPolicy::new(settings),
            slot: Mutex::new(Arc::new(OnceCell::new())),
            serials: AtomicU64::new(0),
        }
    }

    /// The shared token, obtained first if there is none or it is about to
    /// expire. Concurrent callers share one exchange.
    pub(crate) async fn token(&self, http: &PacedHttp) -> Result<AccessToken, QbenchError> {
        let token = self.shared(http).await?;
        if token.is_fresh() {
            return Ok(token);
        }

        // Past its refresh time: replace it, once. A token stale on arrival
        // (a lifetime shorter than the pace) is used all the same; QBench
        // will say when it has expired.
        self.invalidate(&token);
        self.shared(http).await
    }

    /// Drops `stale` so the next caller obtains a new token, unless another
    /// caller has already replaced it.
    pub(crate) fn invalidate(&self, stale: &AccessToken) {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.get().is_some_and(|t| t.serial == stale.serial) {
            *slot = Arc::new(OnceCell::new());
        }
    }

    async fn shared(&self, http: &PacedHttp) -> Result<AccessToken, QbenchError> {
        let cell = Arc::clone(&*self.slot.lock().unwrap_or_else(PoisonError::into_inner));
        let token = cell.get_or_try_init(|| self.exchange(http)).await?;
        Ok(token.clone())
    }

    /// Exchanges a new assertion for a token.
    ///
    /// The exchange is a POST, but it is safe to repeat: a repeated exchange
    /// only issues another token and changes nothing else on QBench's side.
    /// So it is retried like a GET.
    async fn exchange(&self, http: &PacedHttp) -> Result<AccessToken, QbenchError> {
        let budget = ThrottleBudget::new(self.throttle_cap);
        self.retry
            .run("token", || self.exchange_once(http, &budget))
            .await
    }

    async fn exchange_once(
        &self,
        http: &PacedHttp,
        budget: &ThrottleBudget,
    ) -> Result<AccessToken, QbenchError> {
        let assertion = sign_assertion(&self.client_id, &self.secret, unix_now())?;
        let form = [
            ("grant_type", GRANT_TYPE),
            ("assertion", assertion.expose_secret()),
        ];
        let reply = http
            .send("token", budget, || {
                http.client().post(&self.token_url).form(&form)
            })
            .await?;

        self.accept(reply)
    }

    /// Turns the exchange's answer into a token, or the reason it is none.
    fn accept(&self, reply: Reply) -> Result<AccessToken, QbenchError> {
        let status = reply.status;
        if status.is_server_error() {
            return Err(QbenchError::from_answer(status.as_u16(), &reply.body));
        }
        if !status.is_success() {
            let keys = ErrorKeys::from_body(&reply.body);
            let said = [keys.error, keys.error_description].into_iter().flatten();
            let said: Vec<String> = said.collect();
            return Err(QbenchError::Auth {
                reason: format!("the token exchange answered {status}: {}", said.join(": ")),
            });
        }

        let (value, lifetime) = read_token_answer(&reply.body).ok_or(QbenchError::InvalidBody {
            status: status.as_u16(),
            reason: "the token answer holds no access_token".to_owned(),
        })?;
        let refresh_at = Instant::now() + lifetime - refresh_margin(lifetime);
        let serial = self.serials.fetch_add(1, Ordering::Relaxed) + 1;
        info!(
            serial,
            lifetime_s = lifetime.as_secs(),
            "Obtained a QBench access token."
        );

        Ok(AccessToken {
            value,
            refresh_at,
            serial,
        })
    }
}

/// The token and its lifetime from a token answer body.
fn read_token_answer(body: &str) -> Option<(SecretString, Duration)> {
    let Ok(Value::Object(mut answer)) = serde_json::from_str::<Value>(body) else {
        return None;
    };
    let Some(Value::String(token)) = answer.remove("access_token") else {
        return None;
    };
    if token.is_empty() {
        return None;
    }
    Some((
        SecretString::from(token),
        lifetime(answer.get("expires_in")),
    ))
}

/// `expires_in` as a number, a numeric string, or missing (the default).
fn lifetime(expires_in: Option<&Value>) -> Duration {
    let seconds = match expires_in {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    seconds
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(DEFAULT_LIFETIME, |s| {
            Duration::from_secs_f64(s.min(MAX_LIFETIME_SECS))
        })
}

fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(MAX_REFRESH_MARGIN)
}

fn unix_now() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize)]
    struct Seen {
        sub: String,
        iat: i64,
        exp: i64,
    }

    #[test]
    fn the_assertion_is_hs256_with_a_back_dated_iat() {
        let now = unix_now();
        let secret = SecretString::from("s3cret");
        let jwt = sign_assertion("lab-client", &secret, now).expect("signed");

        let header = decode_header(jwt.expose_secret()).expect("header");
        let key = DecodingKey::from_secret(b"s3cret").expect("key");
        let seen = decode::<Seen>(
            jwt.expose_secret(),
            &key,
            &Validation::new(Algorithm::HS256),
        )
        .expect("valid")
        .claims;

        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(seen.sub, "lab-client");
        assert_eq!(seen.iat, now - CLOCK_SKEW_SECS);
        assert_eq!(seen.exp - seen.iat, 3300);
    }

    #[test]
    fn expires_in_may_be_a_number_a_string_or_missing() {
        let of = |body: &str| read_token_answer(body).map(|(_, life)| life);

        let hour = Some(Duration::from_secs(3600));
        assert_eq!(of(r#"{"access_token":"t","expires_in":3600}"#), hour);
        assert_eq!(of(r#"{"access_token":"t","expires_in":"3600"}"#), hour);
        assert_eq!(of(r#"{"access_token":"t"}"#), Some(DEFAULT_LIFETIME));
        assert_eq!(
            of(r#"{"access_token":"t","expires_in":"soon"}"#),
            Some(DEFAULT_LIFETIME)
        );
        assert_eq!(of(r#"{"token_type":"Bearer"}"#), None);
    }

    #[test]
    fn refresh_comes_well_before_expiry() {
        assert_eq!(
            refresh_margin(Duration::from_secs(3600)),
            MAX_REFRESH_MARGIN
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(60)),
            Duration::from_secs(6)
        );
    }
}
