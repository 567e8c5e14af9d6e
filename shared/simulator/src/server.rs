//! Starting and stopping a simulator: generate the lab, bind, serve, and
//! optionally let the lab's clock follow real time.

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::{Credentials, TokenStore};
use crate::config::SimConfig;
use crate::error::SimError;
use crate::faults::Faults;
use crate::handle::{Shared, SimHandle};
use crate::lab::Lab;
use crate::limits::Limits;
use crate::listing::Orderings;
use crate::{control, routes};

/// Starts simulators.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Generates the lab of `config` and serves it on `addr` (port 0 picks
    /// a free port; see [`RunningSimulator::base_url`]).
    pub async fn start(config: SimConfig, addr: SocketAddr) -> Result<RunningSimulator, SimError> {
        let shared = Arc::new(build_shared(config.clone()).await?);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SimError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| SimError::Bind { addr, source })?;

        let app = routes::router(Arc::clone(&shared)).merge(control::router(Arc::clone(&shared)));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        let handle = SimHandle { shared };
        let ticker = config
            .tick
            .map(|every| tokio::spawn(follow_real_time(handle.clone(), every)));
        tracing::info!(addr = %local, size = %config.size, seed = config.seed, "Simulator listening.");

        Ok(RunningSimulator {
            addr: local,
            handle,
            stop: Some(stop),
            server: Some(server),
            ticker,
        })
    }
}

/// Generates the lab off the async threads: a medium lab takes a moment.
async fn build_shared(config: SimConfig) -> Result<Shared, SimError> {
    let clock = config.clock.unwrap_or_else(Utc::now);
    let (seed, size, zone) = (config.seed, config.size, config.timezone);
    let started = Instant::now();
    let lab = tokio::task::spawn_blocking(move || Lab::generate(seed, size, clock, zone))
        .await
        .map_err(SimError::Task)?;
    tracing::info!(
        size = %size,
        elapsed_ms = started.elapsed().as_millis(),
        tests = lab.records.tests.len(),
        "Lab generated."
    );
    Ok(Shared {
        lab: RwLock::new(lab),
        orderings: Orderings::default(),
        behaviour: Mutex::new(config.behaviour),
        tokens: TokenStore::default(),
        limits: Limits::default(),
        faults: Faults::default(),
        credentials: Credentials {
            client_id: config.client_id,
            client_secret: config.client_secret,
        },
        api_calls: AtomicU64::new(0),
        size,
        timezone: zone,
    })
}

/// Moves the lab's clock along with real time, one step every `every`.
async fn follow_real_time(handle: SimHandle, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    let mut last = Instant::now();
    loop {
        interval.tick().await;
        let elapsed = last.elapsed();
        last = Instant::now();
        let moved = handle.clone();
        let summary = tokio::task::spawn_blocking(move || moved.advance(elapsed)).await;
        if let Ok(summary) = summary {
            tracing::debug!(
                now = %summary.to,
                new_tests = summary.test.new.len(),
                updated_tests = summary.test.updated.len(),
                "Lab clock moved."
            );
        }
    }
}

/// A simulator serving on a local address.
#[derive(Debug)]
pub struct RunningSimulator {
    addr: SocketAddr,
    handle: SimHandle,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    ticker: Option<JoinHandle<()>>,
}

impl RunningSimulator {
    /// The root URL clients use, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The token URL: `{base_url}/qbench/oauth2/v1/token`.
    pub fn token_url(&self) -> String {
        format!("{}/qbench/oauth2/v1/token", self.base_url())
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Controls the lab, its behaviour and its faults.
    pub fn handle(&self) -> &SimHandle {
        &self.handle
    }

    /// Stops taking connections, lets requests in progress finish, and
    /// waits for the server to end.
    pub async fn shutdown(mut self) -> Result<(), SimError> {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.server.take() {
            Some(server) => server
                .await
                .map_err(SimError::Task)?
                .map_err(SimError::Serve),
            None => Ok(()),
        }
    }

    /// Serves until `signal` completes, then shuts down gracefully.
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> Result<(), SimError> {
        signal.await;
        self.shutdown().await
    }
}

impl Drop for RunningSimulator {
    /// A simulator dropped without [`RunningSimulator::shutdown`] stops at once.
    fn drop(&mut self) {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
