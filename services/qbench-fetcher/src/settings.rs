//! The fetcher's configuration, read once from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveTime;
use mirror_bus::control::MAX_WINDOW_DAYS;
use mirror_bus::{BusSettings, MIN_RAW_MAX_AGE};
use mirror_config::{
    ConfigError, DatabaseSettings, Env, NatsSettings, QbenchSettings, duration, duration_at_least,
};

/// Everything the fetcher reads from its environment.
#[derive(Debug, Clone)]
pub struct FetcherSettings {
    pub database: DatabaseSettings,
    pub nats: NatsSettings,
    pub bus: BusSettings,
    pub qbench: QbenchSettings,
    /// The tenant root, or the simulator's address when no tenant is set.
    pub root: String,
    /// Time between scheduled incremental syncs; zero turns the schedule off.
    pub sync_interval: Duration,
    /// Days of records re-read where QBench has no updates feed.
    pub lookback_days: u32,
    /// How far back each incremental run re-asks the updates feed, to cover
    /// clock skew between QBench and this machine.
    pub feed_overlap: Duration,
    /// Pages a full sync reads between two looks at the updates feed for
    /// records deleted behind it (`FEED_LOOK_PAGES`, 1 to 10,000).
    pub feed_look_pages: u32,
    /// Whether list rows lacking detail-only fields are replaced by the
    /// record's detail (`DETAIL_FETCH=auto`, the default, or `off`).
    pub detail_fetch: bool,
    /// Where to serve Prometheus metrics (`METRICS_ADDR`); unset serves none.
    pub metrics_addr: Option<SocketAddr>,
    /// The wall-clock time, in the QBench zone, of the nightly window sync
    /// (`WINDOW_SCHEDULE`, e.g. `02:30`); `off` (the default) runs none.
    pub window_schedule: Option<NaiveTime>,
    /// Where scheduled window syncs write their reports (`SYNC_REPORT_DIR`).
    pub report_dir: PathBuf,
}

impl FetcherSettings {
    /// Reads `DATABASE_URL`, `NATS_URL`, the `QBENCH_*` variables,
    /// `SYNC_INTERVAL`, `SYNC_LOOKBACK_DAYS`, `FEED_OVERLAP`,
    /// `FEED_LOOK_PAGES`, `METRICS_ADDR`, `WINDOW_SCHEDULE` and
    /// `SYNC_REPORT_DIR`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let qbench = QbenchSettings::from_env(env)?;
        let lookback_days = env.or("SYNC_LOOKBACK_DAYS", 7_u32)?;
        if !(1..=MAX_WINDOW_DAYS).contains(&lookback_days) {
            return Err(ConfigError::Invalid {
                variable: "SYNC_LOOKBACK_DAYS",
                reason: format!("must be between 1 and {MAX_WINDOW_DAYS}"),
            });
        }
        let feed_look_pages = env.or("FEED_LOOK_PAGES", 100_u32)?;
        if !(1..=10_000).contains(&feed_look_pages) {
            return Err(ConfigError::Invalid {
                variable: "FEED_LOOK_PAGES",
                reason: "must be between 1 and 10000".into(),
            });
        }
        Ok(FetcherSettings {
            database: DatabaseSettings::from_env(env)?,
            nats: NatsSettings::from_env(env)?,
            bus: BusSettings {
                raw_max_age: duration_at_least(env, "RAW_MAX_AGE", "30d", MIN_RAW_MAX_AGE)?,
                ..Default::default()
            },
            root: qbench.root(env)?,
            qbench,
            sync_interval: duration(env, "SYNC_INTERVAL", "5m")?,
            lookback_days,
            feed_overlap: duration(env, "FEED_OVERLAP", "10m")?,
            feed_look_pages,
            detail_fetch: env
                .optional_with("DETAIL_FETCH", |v| match v {
                    "auto" => Ok(true),
                    "off" => Ok(false),
                    _ => Err("must be auto or off".to_owned()),
                })?
                .unwrap_or(true),
            metrics_addr: env.optional("METRICS_ADDR")?,
            window_schedule: env
                .optional_with("WINDOW_SCHEDULE", |v| match v {
                    "off" => Ok(None),
                    _ => NaiveTime::parse_from_str(v, "%H:%M")
                        .map(Some)
                        .map_err(|_| "must be a time of day as HH:MM, or off".to_owned()),
                })?
                .flatten(),
            report_dir: env.or("SYNC_REPORT_DIR", PathBuf::from("docs/sync_reports"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_look_pages(value: &str) -> Result<FetcherSettings, ConfigError> {
        FetcherSettings::from_env(&Env::from_pairs([
            ("DATABASE_URL", "postgres://x/y"),
            ("FEED_LOOK_PAGES", value),
        ]))
    }

    #[test]
    fn lookback_days_are_bounded() {
        let with_days = |value| {
            FetcherSettings::from_env(&Env::from_pairs([
                ("DATABASE_URL", "postgres://x/y"),
                ("SYNC_LOOKBACK_DAYS", value),
            ]))
        };
        assert_eq!(with_days("3650").unwrap().lookback_days, 3650);
        for bad in ["0", "3651", "4294967295"] {
            assert_eq!(
                with_days(bad).unwrap_err().to_string(),
                "SYNC_LOOKBACK_DAYS is invalid: must be between 1 and 3650",
                "{bad}"
            );
        }
    }

    #[test]
    fn feed_look_pages_is_bounded() {
        assert_eq!(with_look_pages("1").unwrap().feed_look_pages, 1);
        assert_eq!(with_look_pages("10000").unwrap().feed_look_pages, 10_000);
        for bad in ["0", "10001"] {
            assert_eq!(
                with_look_pages(bad).unwrap_err().to_string(),
                "FEED_LOOK_PAGES is invalid: must be between 1 and 10000",
                "{bad}"
            );
        }
        let default =
            FetcherSettings::from_env(&Env::from_pairs([("DATABASE_URL", "postgres://x/y")]));
        assert_eq!(default.unwrap().feed_look_pages, 100);
    }
}
