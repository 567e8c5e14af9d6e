//! The loader's configuration, read once from the environment.

use std::net::SocketAddr;
use std::time::Duration;

use chrono_tz::Tz;
use mirror_bus::{BusSettings, MIN_RAW_MAX_AGE};
use mirror_config::{
    ConfigError, DatabaseSettings, Env, NatsSettings, duration_at_least, parse_duration,
};

/// Everything the loader reads from its environment.
#[derive(Debug, Clone)]
pub struct LoaderSettings {
    pub database: DatabaseSettings,
    pub nats: NatsSettings,
    pub bus: BusSettings,
    /// Zone of QBench's wall times.
    pub timezone: Tz,
    /// Messages taken from JetStream per batch and transaction.
    pub batch_size: usize,
    /// Batches of one entity's stream this process works on at once.
    pub concurrency: usize,
    /// Waits before the first, second and third retry of a record whose
    /// parent is missing.
    pub retry_delays: Vec<Duration>,
    /// How often records set aside for a parent are checked for its arrival.
    pub requeue_interval: Duration,
    /// Where to serve Prometheus metrics (`METRICS_ADDR`); unset serves none.
    pub metrics_addr: Option<SocketAddr>,
}

impl LoaderSettings {
    /// Reads `DATABASE_URL`, `NATS_URL`, `QBENCH_TIMEZONE`, `LOADER_*`,
    /// `RETRY_DELAYS` and `METRICS_ADDR`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let batch_size = env.or("LOADER_BATCH_SIZE", 200_usize)?;
        if !(1..=1000).contains(&batch_size) {
            return Err(ConfigError::Invalid {
                variable: "LOADER_BATCH_SIZE",
                reason: "must be between 1 and 1000".into(),
            });
        }
        let concurrency = env.or("LOADER_CONCURRENCY", 2_usize)?;
        if !(1..=16).contains(&concurrency) {
            return Err(ConfigError::Invalid {
                variable: "LOADER_CONCURRENCY",
                reason: "must be between 1 and 16".into(),
            });
        }
        let retry_delays = env
            .optional_with("RETRY_DELAYS", parse_delays)?
            .unwrap_or_else(|| [10, 60, 300].map(Duration::from_secs).to_vec());

        Ok(LoaderSettings {
            database: DatabaseSettings::from_env(env)?,
            nats: NatsSettings::from_env(env)?,
            bus: BusSettings {
                raw_max_age: duration_at_least(env, "RAW_MAX_AGE", "30d", MIN_RAW_MAX_AGE)?,
                // JetStream counts a shorter wait as none at all.
                ack_wait: duration_at_least(env, "LOADER_ACK_WAIT", "60s", Duration::from_secs(1))?,
                ..BusSettings::default()
            },
            timezone: env.or("QBENCH_TIMEZONE", Tz::UTC)?,
            batch_size,
            concurrency,
            retry_delays,
            requeue_interval: duration_at_least(
                env,
                "SKIPPED_REQUEUE_INTERVAL",
                "15s",
                Duration::from_millis(1),
            )?,
            metrics_addr: env.optional("METRICS_ADDR")?,
        })
    }
}

/// Parses `10s,1m,5m`: one delay per retry attempt, at least one.
fn parse_delays(raw: &str) -> Result<Vec<Duration>, String> {
    let delays: Vec<Duration> = raw
        .split(',')
        .map(parse_duration)
        .collect::<Result<_, _>>()?;
    if delays.is_empty() {
        return Err("needs at least one delay".into());
    }
    Ok(delays)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_read_as_a_list() {
        let env = Env::from_pairs([
            ("DATABASE_URL", "postgres://x/y"),
            ("RETRY_DELAYS", "1s,2m"),
        ]);
        let settings = LoaderSettings::from_env(&env).unwrap();
        assert_eq!(
            settings.retry_delays,
            vec![Duration::from_secs(1), Duration::from_secs(120)]
        );
    }

    #[test]
    fn concurrency_is_bounded() {
        let env = |value| {
            Env::from_pairs([
                ("DATABASE_URL", "postgres://x/y"),
                ("LOADER_CONCURRENCY", value),
            ])
        };
        assert_eq!(LoaderSettings::from_env(&env("3")).unwrap().concurrency, 3);
        // The largest batches with the most loops: each loop publishes its
        // follow-ups without holding up the others (mirror_bus::publish_all).
        let most = Env::from_pairs([
            ("DATABASE_URL", "postgres://x/y"),
            ("LOADER_CONCURRENCY", "16"),
            ("LOADER_BATCH_SIZE", "1000"),
        ]);
        let settings = LoaderSettings::from_env(&most).unwrap();
        assert_eq!((settings.concurrency, settings.batch_size), (16, 1000));
        for bad in ["0", "17"] {
            let err = LoaderSettings::from_env(&env(bad)).unwrap_err();
            assert_eq!(
                err.to_string(),
                "LOADER_CONCURRENCY is invalid: must be between 1 and 16",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_missing_database_url_is_named() {
        let err = LoaderSettings::from_env(&Env::from_pairs([])).unwrap_err();
        assert_eq!(err.to_string(), "DATABASE_URL is required but not set");
    }
}
