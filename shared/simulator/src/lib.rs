//! A stand-in for QBench, the hosted LIMS the mirror copies from.
//!
//! It serves QBench's v1 API (JWT-bearer token exchange, paged lists,
//! details, the updates feed) over a generated, deterministic lab, with
//! QBench's rate limits, its date formats and its record shapes. Tests
//! start it in process on port 0, move the lab's clock, script faults
//! (503s, stalls, short pages, expired tokens) and compare what the mirror
//! holds with the lab's truth. The `qbench-sim` service runs it for demos
//! and benchmarks.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use qbench_simulator::{SimConfig, Simulator};
//! let clock = "2026-03-05T12:00:00Z".parse()?;
//! let sim = Simulator::start(SimConfig::for_tests(7, clock), "127.0.0.1:0".parse()?).await?;
//! let summary = sim.handle().advance(std::time::Duration::from_secs(3 * 86_400));
//! println!("{} tests changed", summary.test.updated.len());
//! sim.shutdown().await?;
//! # Ok(()) }
//! ```

mod auth;
mod changes;
mod clock;
mod config;
mod control;
mod dates;
mod dice;
mod error;
mod faults;
mod gate;
mod generate;
mod handle;
mod lab;
mod lifecycle;
mod limits;
mod listing;
mod model;
mod odd;
mod query;
mod render;
mod reply;
mod routes;
mod server;

pub use changes::{ChangeSummary, EntityChanges};
pub use config::{Behaviour, LabSize, ParseLabSizeError, SimConfig};
pub use error::SimError;
pub use faults::{FaultAction, FaultRule, RouteKind};
pub use handle::SimHandle;
pub use lab::{Lab, LabError, SnapshotRow};
pub use mirror_records::Entity;
pub use server::{RunningSimulator, Simulator};
