//! Settings shared by several services.

use std::time::Duration;

use chrono_tz::Tz;
use secrecy::SecretString;

use crate::env::{ConfigError, Env};

/// Where the mirror's PostgreSQL is.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// May hold a password, hence secret.
    pub url: SecretString,
    pub max_connections: u32,
    /// The zone of the earlier tool's zone-less times, when an adopted
    /// database holds them: `QBENCH_TIMEZONE` if set. Unset, adoption stops
    /// rather than guess.
    pub wall_time_zone: Option<Tz>,
}

impl DatabaseSettings {
    /// Reads `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS` and `QBENCH_TIMEZONE`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let url = env.required::<String>("DATABASE_URL")?;
        // Only the scheme is looked at here (the rest may hold a password,
        // which must not reach a message); the driver reads the rest.
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(invalid(
                "DATABASE_URL",
                "must be a postgres:// or postgresql:// address",
            ));
        }
        let max_connections = env.or("DATABASE_MAX_CONNECTIONS", 10_u32)?;
        if max_connections == 0 {
            return Err(invalid("DATABASE_MAX_CONNECTIONS", "must be at least 1"));
        }
        Ok(DatabaseSettings {
            url: SecretString::from(url),
            max_connections,
            wall_time_zone: env.optional("QBENCH_TIMEZONE")?,
        })
    }
}

/// Where the NATS server is.
#[derive(Debug, Clone)]
pub struct NatsSettings {
    pub url: String,
}

impl NatsSettings {
    /// Reads `NATS_URL` (default `nats://127.0.0.1:4222`).
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(NatsSettings {
            url: env.or("NATS_URL", "nats://127.0.0.1:4222".to_owned())?,
        })
    }
}

/// How to reach a QBench tenant (or the built-in simulator).
#[derive(Debug, Clone)]
pub struct QbenchSettings {
    /// The tenant root, e.g. `https://lab.qbench.net`. `None` means the
    /// built-in simulator at `SIMULATOR_URL`.
    pub base_url: Option<String>,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Defaults to `{base}/qbench/oauth2/v1/token`.
    pub token_url: Option<String>,
    /// The zone of QBench's zone-less wall times.
    pub timezone: Tz,
    /// Records per page; QBench allows at most 50.
    pub page_size: u32,
    /// Requests in flight at once; QBench allows 10 per tenant, shared.
    pub max_in_flight: usize,
    /// Requests per minute; QBench allows 300 per tenant, shared.
    pub requests_per_minute: u32,
    /// Longest wait for one throttled request before the run ends partial.
    pub max_throttle_wait: Duration,
    /// Time limit of one HTTP request.
    pub request_timeout: Duration,
}

/// Default credentials of the built-in simulator's demo tenant.
pub const DEMO_CLIENT_ID: &str = "demo-client";
/// Default secret of the built-in simulator's demo tenant.
pub const DEMO_CLIENT_SECRET: &str = "demo-secret-change-me";

impl QbenchSettings {
    /// Reads the `QBENCH_*` variables, `PAGE_SIZE` and the rate settings.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let base_url = web_address(env, "QBENCH_BASE_URL")?;
        let (client_id, client_secret) = match &base_url {
            Some(_) => (
                env.required::<String>("QBENCH_CLIENT_ID")?,
                env.required::<String>("QBENCH_CLIENT_SECRET")?,
            ),
            None => (
                env.or("QBENCH_CLIENT_ID", DEMO_CLIENT_ID.to_owned())?,
                env.or("QBENCH_CLIENT_SECRET", DEMO_CLIENT_SECRET.to_owned())?,
            ),
        };
        let page_size = env.or("PAGE_SIZE", 50_u32)?;
        if !(1..=50).contains(&page_size) {
            return Err(invalid("PAGE_SIZE", "must be between 1 and 50"));
        }
        let max_in_flight = env.or("QBENCH_MAX_IN_FLIGHT", 8_usize)?;
        if !(1..=10).contains(&max_in_flight) {
            return Err(invalid("QBENCH_MAX_IN_FLIGHT", "must be between 1 and 10"));
        }
        let requests_per_minute = env.or("QBENCH_REQUESTS_PER_MINUTE", 290_u32)?;
        if requests_per_minute == 0 {
            return Err(invalid("QBENCH_REQUESTS_PER_MINUTE", "must be at least 1"));
        }

        Ok(QbenchSettings {
            base_url,
            client_id,
            client_secret: SecretString::from(client_secret),
            token_url: web_address(env, "QBENCH_TOKEN_URL")?,
            timezone: env.or("QBENCH_TIMEZONE", Tz::UTC)?,
            page_size,
            max_in_flight,
            requests_per_minute,
            max_throttle_wait: duration(env, "QBENCH_MAX_THROTTLE_WAIT", "10m")?,
            request_timeout: duration_at_least(
                env,
                "QBENCH_REQUEST_TIMEOUT",
                "60s",
                Duration::from_secs(1),
            )?,
        })
    }

    /// The root URL requests go to: the tenant, or the simulator.
    pub fn root(&self, env: &Env) -> Result<String, ConfigError> {
        match &self.base_url {
            Some(url) => Ok(url.clone()),
            None => Ok(web_address(env, "SIMULATOR_URL")?
                .unwrap_or_else(|| "http://127.0.0.1:8089".to_owned())),
        }
    }
}

/// Reads an `http://` or `https://` address, without a trailing slash, so
/// a mistyped one stops start-up naming its variable instead of failing
/// later as an unreachable host.
fn web_address(env: &Env, variable: &'static str) -> Result<Option<String>, ConfigError> {
    let Some(raw) = env.optional::<String>(variable)? else {
        return Ok(None);
    };
    let address = raw.trim().trim_end_matches('/');
    let host = address
        .strip_prefix("https://")
        .or_else(|| address.strip_prefix("http://"));
    match host {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with(['/', ':'])
                && !rest.contains(char::is_whitespace) =>
        {
            Ok(Some(address.to_owned()))
        }
        Some(_) => Err(invalid(variable, &format!("{raw:?} names no host"))),
        None => Err(invalid(
            variable,
            &format!("{raw:?} is not an http:// or https:// address"),
        )),
    }
}

/// Reads a duration variable such as `90s`, `5m`, `2h`, `30d` or `250ms`.
pub fn duration(env: &Env, variable: &'static str, default: &str) -> Result<Duration, ConfigError> {
    let raw = env.get(variable).unwrap_or_else(|| default.to_owned());
    parse_duration(&raw).map_err(|reason| invalid(variable, &reason))
}

/// Reads a duration variable that must be at least `least`: zero where a
/// zero would mean "never" or "forever" to the library it reaches, or a
/// floor below which the setting stops making sense.
pub fn duration_at_least(
    env: &Env,
    variable: &'static str,
    default: &str,
    least: Duration,
) -> Result<Duration, ConfigError> {
    let value = duration(env, variable, default)?;
    if value < least {
        let reason = if least <= Duration::from_millis(1) {
            "must be longer than zero".to_owned()
        } else {
            format!("must be at least {}", describe(least))
        };
        return Err(invalid(variable, &reason));
    }
    Ok(value)
}

/// A duration in the units [`parse_duration`] reads.
fn describe(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if duration.subsec_millis() != 0 || seconds == 0 {
        format!("{}ms", duration.as_millis())
    } else if seconds.is_multiple_of(86_400) {
        format!("{}d", seconds / 86_400)
    } else if seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

/// The longest duration read: a hundred years, far past any setting that
/// makes sense, and well inside what JetStream and the clocks can hold.
const MAX_DURATION_SECS: u64 = 100 * 365 * 86_400;

/// Parses `250ms`, `90s`, `5m`, `2h` or `30d`, or a bare `0`. Any other
/// bare number is refused: `SYNC_INTERVAL=5` meant as minutes would ask
/// QBench every five seconds. Anything longer than a hundred years is
/// refused rather than wrapped.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{raw:?} is not a duration"))?;
    let too_long = || format!("{raw:?} is too long (at most 36500d)");
    let seconds = match unit {
        "ms" if number / 1000 > MAX_DURATION_SECS => return Err(too_long()),
        "ms" => return Ok(Duration::from_millis(number)),
        "" if number == 0 => return Ok(Duration::ZERO),
        "" => {
            return Err(format!(
                "{raw:?} needs a unit, e.g. {number}s or {number}m (ms, s, m, h or d)"
            ));
        }
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "{raw:?} has an unknown unit (use ms, s, m, h or d)"
            ));
        }
    };
    match number.checked_mul(seconds) {
        Some(total) if total <= MAX_DURATION_SECS => Ok(Duration::from_secs(total)),
        _ => Err(too_long()),
    }
}

fn invalid(variable: &'static str, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        variable,
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_below_its_floor_is_refused() {
        let env = Env::from_pairs([("ZERO", "0s"), ("SHORT", "500ms"), ("FINE", "2s")]);
        let at_least = |name, least| duration_at_least(&env, name, "1s", least);
        assert_eq!(
            at_least("ZERO", Duration::from_millis(1))
                .unwrap_err()
                .to_string(),
            "ZERO is invalid: must be longer than zero"
        );
        assert_eq!(
            at_least("SHORT", Duration::from_secs(1))
                .unwrap_err()
                .to_string(),
            "SHORT is invalid: must be at least 1s"
        );
        assert_eq!(
            at_least("FINE", Duration::from_secs(1)),
            Ok(Duration::from_secs(2))
        );
        assert_eq!(describe(Duration::from_secs(3600)), "1h");
        assert_eq!(describe(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("5 parsecs").is_err());
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(
            parse_duration("5"),
            Err("\"5\" needs a unit, e.g. 5s or 5m (ms, s, m, h or d)".to_owned())
        );
        assert_eq!(
            parse_duration("36500d"),
            Ok(Duration::from_secs(36_500 * 86_400))
        );
        for huge in ["36501d", "213503982334602d", "99999999999999999999ms"] {
            let err = parse_duration(huge).unwrap_err();
            assert!(
                err.contains("too long") || err.contains("not a duration"),
                "{huge}: {err}"
            );
        }
        assert!(
            parse_duration("213503982334602d")
                .unwrap_err()
                .contains("too long")
        );
    }

    #[test]
    fn a_real_tenant_needs_credentials() {
        let env = Env::from_pairs([("QBENCH_BASE_URL", "https://lab.qbench.net")]);
        let err = QbenchSettings::from_env(&env).unwrap_err();
        assert_eq!(err.to_string(), "QBENCH_CLIENT_ID is required but not set");
    }

    #[test]
    fn a_database_needs_a_postgres_address_and_a_connection() {
        let env = Env::from_pairs([("DATABASE_URL", "notaurl")]);
        let err = DatabaseSettings::from_env(&env).unwrap_err().to_string();
        assert!(err.starts_with("DATABASE_URL is invalid"), "{err}");
        let env = Env::from_pairs([
            ("DATABASE_URL", "postgres://u:secret@db/mirror"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
        ]);
        let err = DatabaseSettings::from_env(&env).unwrap_err().to_string();
        assert!(err.starts_with("DATABASE_MAX_CONNECTIONS"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn a_tenant_address_must_be_a_web_address() {
        let secrets = [
            ("QBENCH_CLIENT_ID", "id"),
            ("QBENCH_CLIENT_SECRET", "secret"),
        ];
        for bad in [
            "lab.qbench.net",
            "ftp://lab.qbench.net",
            "https://",
            "https:// lab",
        ] {
            let env = Env::from_pairs([("QBENCH_BASE_URL", bad)].into_iter().chain(secrets));
            let err = QbenchSettings::from_env(&env).unwrap_err().to_string();
            assert!(err.starts_with("QBENCH_BASE_URL"), "{bad}: {err}");
        }
        let env = Env::from_pairs(
            [("QBENCH_BASE_URL", "https://lab.qbench.net/")]
                .into_iter()
                .chain(secrets),
        );
        let settings = QbenchSettings::from_env(&env).unwrap();
        assert_eq!(settings.base_url.as_deref(), Some("https://lab.qbench.net"));
    }

    #[test]
    fn page_size_above_fifty_is_refused() {
        let env = Env::from_pairs([("PAGE_SIZE", "100")]);
        let err = QbenchSettings::from_env(&env).unwrap_err();
        assert!(err.to_string().contains("PAGE_SIZE"), "{err}");
    }
}
