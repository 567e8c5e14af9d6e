//! Configuration read once from the environment into typed structs.
//!
//! Every service builds its settings from an [`Env`]; a missing or malformed
//! variable stops start-up with an error naming it. Secrets are kept in
//! [`SecretString`] so that `Debug` output never shows them.

mod env;
mod sections;

pub use env::{ConfigError, Env};
pub use secrecy::{ExposeSecret, SecretString};
pub use sections::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DatabaseSettings, NatsSettings, QbenchSettings, duration,
    duration_at_least, parse_duration,
};
