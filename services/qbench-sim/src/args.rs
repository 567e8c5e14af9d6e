//! The command line and the environment, read into a `SimConfig`.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Parser, ValueEnum};
use mirror_config::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, Env, SecretString, parse_duration};
use qbench_simulator::{Behaviour, LabSize, SimConfig};

/// Serves a generated lab through QBench's v1 API.
#[derive(Debug, Parser)]
#[command(name = "qbench-sim", version)]
pub(crate) struct Args {
    /// Address to listen on (loopback unless you mean it).
    #[arg(long, default_value = "127.0.0.1:8089")]
    pub(crate) listen: SocketAddr,
    /// How big a lab to generate.
    #[arg(long, value_enum, default_value_t = Size::Small)]
    size: Size,
    /// Seed of the generated lab.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the lab's history ends (RFC 3339); default now.
    #[arg(long, value_parser = instant)]
    clock: Option<DateTime<Utc>>,
    /// QBench's rate limits (10 in flight, 300 a minute).
    #[arg(long, value_enum, default_value_t = Switch::On)]
    limits: Switch,
    /// Latency added to every data call, with its unit, e.g. 300ms.
    #[arg(long, value_parser = with_unit, default_value = "0ms")]
    page_latency: Duration,
    /// Leave detail-only fields out of test and sample list rows.
    #[arg(long, value_enum, default_value_t = Switch::Off)]
    sparse_rows: Switch,
    /// Render a small share of records with odd values.
    #[arg(long, value_enum, default_value_t = Switch::Off)]
    odd_values: Switch,
    /// Lifetime of issued access tokens, at least a second, e.g. 3600s.
    #[arg(long, value_parser = lifetime, default_value = "3600s")]
    token_lifetime: Duration,
    /// Expire every token on each Nth data call.
    #[arg(long)]
    expire_tokens_every: Option<u32>,
    /// How often the lab's clock catches up with real time, or `off`;
    /// default 60s, or off when --clock is given.
    #[arg(long)]
    tick: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Size {
    Tiny,
    Small,
    Medium,
    Large,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Switch {
    On,
    Off,
}

/// Where a lab's history may end: its records are generated up to there,
/// so a clock centuries ahead would generate centuries of lab.
fn instant(raw: &str) -> Result<DateTime<Utc>, String> {
    let at = DateTime::parse_from_rfc3339(raw)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| format!("{raw:?} is not an RFC 3339 time such as 2026-06-01T00:00:00Z"))?;
    let earliest = DateTime::parse_from_rfc3339("2000-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| e.to_string())?;
    let latest = Utc::now() + chrono::Duration::days(10 * 366);
    if at < earliest || at > latest {
        return Err(format!(
            "{raw:?} is outside the years a lab may end in (2000 to ten years from now)"
        ));
    }
    Ok(at)
}

/// A duration written with its unit: a bare `5` could be read as seconds
/// or as milliseconds.
fn with_unit(raw: &str) -> Result<Duration, String> {
    let bare = raw.trim();
    if bare.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("{raw:?} needs a unit, e.g. {bare}ms or {bare}s"));
    }
    parse_duration(raw)
}

/// A token lifetime: a token that expires as it is issued stops every
/// client.
fn lifetime(raw: &str) -> Result<Duration, String> {
    let lifetime = with_unit(raw)?;
    if lifetime < Duration::from_secs(1) {
        return Err("a token must live at least 1s".into());
    }
    Ok(lifetime)
}

impl Args {
    /// The simulator's configuration: flags plus credentials and zone from
    /// the environment.
    pub(crate) fn config(&self, env: &Env) -> anyhow::Result<SimConfig> {
        // The fetcher's default too: left unset on both, they agree.
        let timezone = env.or("QBENCH_TIMEZONE", chrono_tz::UTC)?;
        Ok(SimConfig {
            seed: self.seed,
            size: self.lab_size(),
            clock: self.clock,
            timezone,
            client_id: env.or("QBENCH_CLIENT_ID", DEMO_CLIENT_ID.to_owned())?,
            client_secret: SecretString::from(
                env.or("QBENCH_CLIENT_SECRET", DEMO_CLIENT_SECRET.to_owned())?,
            ),
            behaviour: self.behaviour(),
            tick: self.tick()?,
        })
    }

    fn lab_size(&self) -> LabSize {
        match self.size {
            Size::Tiny => LabSize::Tiny,
            Size::Small => LabSize::Small,
            Size::Medium => LabSize::Medium,
            Size::Large => LabSize::Large,
        }
    }

    fn behaviour(&self) -> Behaviour {
        Behaviour {
            limits: self.limits == Switch::On,
            page_latency: self.page_latency,
            sparse_list_rows: self.sparse_rows == Switch::On,
            odd_values: self.odd_values == Switch::On,
            token_lifetime: self.token_lifetime,
            expire_tokens_every: self.expire_tokens_every.filter(|&n| n > 0),
            ..Behaviour::default()
        }
    }

    fn tick(&self) -> anyhow::Result<Option<Duration>> {
        match self.tick.as_deref() {
            Some("off") => Ok(None),
            Some(raw) => match parse_duration(raw).map_err(|e| anyhow::anyhow!("--tick: {e}"))? {
                zero if zero.is_zero() => anyhow::bail!("--tick must be longer than zero, or off"),
                every => Ok(Some(every)),
            },
            None if self.clock.is_some() => Ok(None),
            None => Ok(Some(Duration::from_secs(60))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_environment_make_the_config() {
        let args = Args::parse_from([
            "qbench-sim",
            "--size",
            "tiny",
            "--seed",
            "9",
            "--clock",
            "2026-03-05T12:00:00Z",
            "--limits",
            "off",
            "--page-latency",
            "300ms",
        ]);
        let env = Env::from_pairs([("QBENCH_TIMEZONE", "America/Chicago")]);
        let config = args.config(&env).unwrap();
        assert_eq!(config.size, LabSize::Tiny);
        assert_eq!(config.seed, 9);
        assert!(!config.behaviour.limits);
        assert_eq!(config.behaviour.page_latency, Duration::from_millis(300));
        assert_eq!(config.timezone, chrono_tz::America::Chicago);
        assert_eq!(config.client_id, DEMO_CLIENT_ID);
        assert_eq!(config.tick, None, "a fixed clock does not tick by default");
    }

    #[test]
    fn durations_need_a_unit_and_tokens_a_second() {
        let bare = Args::try_parse_from(["qbench-sim", "--page-latency", "5"]).unwrap_err();
        assert!(
            bare.to_string().contains("needs a unit, e.g. 5ms or 5s"),
            "{bare}"
        );
        let instant = Args::try_parse_from(["qbench-sim", "--token-lifetime", "0s"]).unwrap_err();
        assert!(instant.to_string().contains("at least 1s"), "{instant}");
        assert!(Args::try_parse_from(["qbench-sim", "--token-lifetime", "90s"]).is_ok());
    }

    #[test]
    fn a_lab_ends_in_a_sensible_year() {
        for far in ["9999-12-31T00:00:00Z", "1970-01-01T00:00:00Z"] {
            let err = Args::try_parse_from(["qbench-sim", "--clock", far]).unwrap_err();
            assert!(
                err.to_string().contains("outside the years"),
                "{far}: {err}"
            );
        }
        assert!(Args::try_parse_from(["qbench-sim", "--clock", "2026-06-01T00:00:00Z"]).is_ok());
    }

    #[test]
    fn a_clock_that_never_moves_is_refused() {
        let args = Args::parse_from(["qbench-sim", "--tick", "0s"]);
        let err = args.config(&Env::from_pairs([])).unwrap_err();
        assert_eq!(err.to_string(), "--tick must be longer than zero, or off");
    }

    #[test]
    fn a_bad_zone_names_its_variable() {
        let args = Args::parse_from(["qbench-sim"]);
        let env = Env::from_pairs([("QBENCH_TIMEZONE", "Mars/Olympus")]);
        let err = args.config(&env).unwrap_err();
        assert!(err.to_string().contains("QBENCH_TIMEZONE"), "{err}");
    }
}
