//! What a simulator is started with: the lab to generate, the tenant's
//! credentials and the behaviour switches that tests flip at run time.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use secrecy::SecretString;

/// Everything needed to start a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seeds every random choice: the same seed and clock give the same lab.
    pub seed: u64,
    /// How many records the generated history holds.
    pub size: LabSize,
    /// Where the generated history ends; `None` means the current time.
    pub clock: Option<DateTime<Utc>>,
    /// The tenant's wall-clock zone, used for every zone-less date written.
    pub timezone: Tz,
    /// The client id a JWT assertion must name in `sub`.
    pub client_id: String,
    /// The HS256 key of the assertion.
    pub client_secret: SecretString,
    /// Switches that can also be changed while running.
    pub behaviour: Behaviour,
    /// When set, the lab's clock follows real time, moved forward this often.
    pub tick: Option<Duration>,
}

impl SimConfig {
    /// A tiny lab with the demo credentials, a fixed clock and limits off:
    /// the usual start for a test.
    pub fn for_tests(seed: u64, clock: DateTime<Utc>) -> Self {
        SimConfig {
            seed,
            size: LabSize::Tiny,
            clock: Some(clock),
            timezone: chrono_tz::America::New_York,
            client_id: mirror_config::DEMO_CLIENT_ID.to_owned(),
            client_secret: SecretString::from(mirror_config::DEMO_CLIENT_SECRET),
            behaviour: Behaviour {
                limits: false,
                ..Behaviour::default()
            },
            tick: None,
        }
    }
}

/// The size of the generated lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabSize {
    /// About 20 customers, 100 orders, 400 samples, 1,200 tests, 40 batches.
    Tiny,
    /// About 200 customers, 5k orders, 20k samples, 60k tests, 2k batches.
    Small,
    /// About 2k customers, 50k orders, 200k samples, 600k tests, 20k batches.
    Medium,
    /// About twice medium.
    Large,
}

impl LabSize {
    /// The lower-case name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            LabSize::Tiny => "tiny",
            LabSize::Small => "small",
            LabSize::Medium => "medium",
            LabSize::Large => "large",
        }
    }
}

impl fmt::Display for LabSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text named no lab size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown lab size {0:?}: expected tiny, small, medium or large")]
pub struct ParseLabSizeError(String);

impl FromStr for LabSize {
    type Err = ParseLabSizeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tiny" => Ok(LabSize::Tiny),
            "small" => Ok(LabSize::Small),
            "medium" => Ok(LabSize::Medium),
            "large" => Ok(LabSize::Large),
            _ => Err(ParseLabSizeError(s.to_owned())),
        }
    }
}

/// Switches of the simulated tenant, readable and changeable while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behaviour {
    /// Whether QBench's concurrency and per-window limits answer 429.
    pub limits: bool,
    /// Requests in flight at once before 429 (QBench: 10).
    pub max_in_flight: u32,
    /// Requests per window before 429 (QBench: 300).
    pub max_per_window: u32,
    /// The length of a rate window (QBench: 60 s).
    pub window: Duration,
    /// How long an issued access token stays valid.
    pub token_lifetime: Duration,
    /// Added to every data call before it answers.
    pub page_latency: Duration,
    /// List rows of tests and samples leave out the detail-only fields.
    pub sparse_list_rows: bool,
    /// A small, fixed share of records is rendered with odd values.
    pub odd_values: bool,
    /// Every Nth data call finds all tokens expired.
    pub expire_tokens_every: Option<u32>,
}

impl Default for Behaviour {
    /// QBench as documented: limits on, hour-long tokens, no added latency.
    fn default() -> Self {
        Behaviour {
            limits: true,
            max_in_flight: 10,
            max_per_window: 300,
            window: Duration::from_secs(60),
            token_lifetime: Duration::from_secs(3600),
            page_latency: Duration::ZERO,
            sparse_list_rows: false,
            odd_values: false,
            expire_tokens_every: None,
        }
    }
}
