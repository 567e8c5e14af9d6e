//! The API's settings, read once from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::http::HeaderValue;
use mirror_config::{
    ConfigError, DatabaseSettings, Env, ExposeSecret, SecretString, duration_at_least,
};

/// Shortest signing key accepted: HS256 keys shorter than its 32-byte
/// output make brute-forcing the key the cheapest attack.
const MIN_SECRET_BYTES: usize = 32;

/// The longest a login token may live: a month. A stolen token is good
/// until it expires, so the lifetime is bounded however it is configured.
const MAX_TOKEN_TTL_HOURS: u32 = 720;

/// Everything the API reads from its environment.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub database: DatabaseSettings,
    /// How long a request waits for a free database connection before it
    /// is answered 503 (`DATABASE_ACQUIRE_TIMEOUT`, default 30 s): under a
    /// burst, requests queue for the pool rather than fail.
    pub database_acquire_timeout: Duration,
    /// The zone of QBench's wall times, for migrations (`QBENCH_TIMEZONE`).
    pub timezone: chrono_tz::Tz,
    /// The zone days are counted in for metrics (`LAB_TIMEZONE`).
    pub lab_timezone: chrono_tz::Tz,
    /// The default SLA of a test, in hours (`SLA_HOURS`).
    pub sla_hours: u32,
    /// Sample types whose tests count in turnaround statistics
    /// (`TAT_SAMPLE_TYPES`, comma-separated); `None` counts every type.
    pub tat_sample_types: Option<Vec<String>>,
    pub auth: AuthSettings,
    pub web: WebSettings,
    /// Where to serve Prometheus metrics (`METRICS_ADDR`), apart from the
    /// API's own port; unset serves none.
    pub metrics_addr: Option<SocketAddr>,
}

/// How tokens are signed and how long they last.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// The HS256 key (`AUTH_SECRET_KEY`), at least 32 bytes.
    pub secret: SecretString,
    /// Token lifetime in hours (`AUTH_TOKEN_TTL_HOURS`).
    pub token_ttl_hours: u32,
}

/// What browsers may do: which origins may call, where the dashboard is.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// Origins allowed by CORS (`CORS_ALLOWED_ORIGINS`); none by default.
    pub cors_allowed_origins: Vec<HeaderValue>,
    /// The built dashboard (`DASHBOARD_DIR`), served only when it exists.
    pub dashboard_dir: PathBuf,
}

impl ApiSettings {
    /// Reads the database, auth, CORS and metric settings.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let timezone = env.or("QBENCH_TIMEZONE", chrono_tz::Tz::UTC)?;
        Ok(ApiSettings {
            database: DatabaseSettings::from_env(env)?,
            database_acquire_timeout: duration_at_least(
                env,
                "DATABASE_ACQUIRE_TIMEOUT",
                "30s",
                Duration::from_millis(1),
            )?,
            timezone,
            lab_timezone: env.or("LAB_TIMEZONE", timezone)?,
            sla_hours: hours(env, "SLA_HOURS", 48, mirror_kpis::MAX_SLA_HOURS)?,
            tat_sample_types: env.optional_with("TAT_SAMPLE_TYPES", parse_sample_types)?,
            auth: AuthSettings::from_env(env)?,
            web: WebSettings::from_env(env)?,
            metrics_addr: env.optional("METRICS_ADDR")?,
        })
    }
}

impl AuthSettings {
    /// Reads `AUTH_SECRET_KEY` (required) and `AUTH_TOKEN_TTL_HOURS` (3).
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let secret = SecretString::from(env.required::<String>("AUTH_SECRET_KEY")?);
        if secret.expose_secret().len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid {
                variable: "AUTH_SECRET_KEY",
                reason: format!("must be at least {MIN_SECRET_BYTES} bytes long"),
            });
        }
        Ok(AuthSettings {
            secret,
            token_ttl_hours: hours(env, "AUTH_TOKEN_TTL_HOURS", 3, MAX_TOKEN_TTL_HOURS)?,
        })
    }
}

impl WebSettings {
    /// Reads `CORS_ALLOWED_ORIGINS` (comma-separated) and `DASHBOARD_DIR`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let origins = env.optional_with("CORS_ALLOWED_ORIGINS", parse_origins)?;
        Ok(WebSettings {
            cors_allowed_origins: origins.unwrap_or_default(),
            dashboard_dir: env.or("DASHBOARD_DIR", PathBuf::from("frontend/dist"))?,
        })
    }
}

/// `https://a.example,http://localhost:5173` into header values; a
/// wildcard is refused because origins must be named.
fn parse_origins(raw: &str) -> Result<Vec<HeaderValue>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let scheme_ok = origin.starts_with("http://") || origin.starts_with("https://");
            if !scheme_ok {
                return Err(format!("{origin:?} is not an http(s) origin"));
            }
            HeaderValue::from_str(origin.trim_end_matches('/'))
                .map_err(|_| format!("{origin:?} is not a valid origin"))
        })
        .collect()
}

/// `Adult Use, Medical` into the list of names; a list naming no type would
/// leave every statistic empty, so it is refused rather than read as "all".
fn parse_sample_types(raw: &str) -> Result<Vec<String>, String> {
    let types: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    if types.is_empty() {
        return Err("names no sample type; leave it unset to count every type".to_owned());
    }
    Ok(types)
}

/// A whole number of hours from 1 to `most`.
fn hours(env: &Env, variable: &'static str, default: u32, most: u32) -> Result<u32, ConfigError> {
    let value = env.or(variable, default)?;
    if !(1..=most).contains(&value) {
        return Err(ConfigError::Invalid {
            variable,
            reason: format!("must be from 1 to {most} hours"),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_missing_or_short_secret_stops_start_up() {
        let missing = Env::from_pairs([("DATABASE_URL", "postgres://x/y")]);
        let err = ApiSettings::from_env(&missing).unwrap_err();
        assert_eq!(err.to_string(), "AUTH_SECRET_KEY is required but not set");

        let short = Env::from_pairs([("DATABASE_URL", "postgres://x/y"), ("AUTH_SECRET_KEY", "s")]);
        let err = ApiSettings::from_env(&short).unwrap_err();
        assert_eq!(
            err.to_string(),
            "AUTH_SECRET_KEY is invalid: must be at least 32 bytes long"
        );
    }

    #[test]
    fn hours_are_bounded() {
        for (variable, value) in [
            ("AUTH_TOKEN_TTL_HOURS", "0"),
            ("AUTH_TOKEN_TTL_HOURS", "1000000000"),
            ("SLA_HOURS", "0"),
            ("SLA_HOURS", "9000"),
        ] {
            let env = Env::from_pairs([
                ("DATABASE_URL", "postgres://x/y"),
                ("AUTH_SECRET_KEY", KEY),
                (variable, value),
            ]);
            let err = ApiSettings::from_env(&env).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("{variable} is invalid: must be from 1 to ")),
                "{err}"
            );
        }
    }

    #[test]
    fn defaults_apply_and_the_secret_stays_hidden() {
        let env = Env::from_pairs([("DATABASE_URL", "postgres://x/y"), ("AUTH_SECRET_KEY", KEY)]);
        let settings = ApiSettings::from_env(&env).unwrap();
        assert_eq!(settings.auth.token_ttl_hours, 3);
        assert_eq!(settings.sla_hours, 48);
        assert_eq!(settings.tat_sample_types, None);
        assert!(settings.web.cors_allowed_origins.is_empty());
        assert!(!format!("{settings:?}").contains(KEY));
    }

    #[test]
    fn tat_sample_types_are_a_trimmed_list() {
        let env = Env::from_pairs([
            ("DATABASE_URL", "postgres://x/y"),
            ("AUTH_SECRET_KEY", KEY),
            ("TAT_SAMPLE_TYPES", " Adult Use , Medical,"),
        ]);
        let settings = ApiSettings::from_env(&env).unwrap();
        assert_eq!(
            settings.tat_sample_types,
            Some(vec!["Adult Use".to_owned(), "Medical".to_owned()])
        );
        assert!(parse_sample_types(" , ").is_err());
    }

    #[test]
    fn cors_origins_must_be_named() {
        let origins = parse_origins("https://lab.example/, http://localhost:5173").unwrap();
        assert_eq!(origins, ["https://lab.example", "http://localhost:5173"]);
        assert!(parse_origins("*").is_err());
    }
}
